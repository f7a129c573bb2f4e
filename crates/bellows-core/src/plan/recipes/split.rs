//! Split a table: columns dropped from a table S that reappear, with the same name and type,
//! in a new table T that references S. Found once here for every planner and for the harness;
//! each dialect keeps the values in step both ways with triggers while v1 and v2 run.

use crate::diff::Change;
use crate::model::{same_name, Column, Schema, Table};
use crate::Dialect;

/// One split the plan carries: `moved` columns of `source` travel to `table`, whose `fk`
/// column holds `source`'s `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split {
    /// The index of the new table's CreateTable change.
    pub change: usize,
    pub source: String,
    pub key: String,
    pub table: String,
    pub fk: String,
    pub moved: Vec<String>,
    /// The new table keys `fk` (one to one, as "extract columns" makes it): its rows are
    /// written by key, so a trigger's write and the copy's meet on it rather than adding twice.
    pub unique_fk: bool,
    /// `table` existed before: a column moved down to a table that references `source` one to
    /// one (`plan::recipes::moves`). Its rows are the application's, so deleting a row of
    /// `source` leaves them to the foreign key's own ON DELETE.
    pub moving: bool,
    /// A move makes the related rows its table's rows lack (in Contract): false where the
    /// related table has a required column the move cannot fill, and a pre-check before
    /// Contract counts those rows instead.
    pub make_rows: bool,
}

impl Split {
    /// "split a, b from s into t" or "move a from s to t", for the steps' titles.
    pub fn title(&self) -> String {
        let list = self.moved.join(", ");
        if self.moving {
            format!("move {list} from {} to {}", self.source, self.table)
        } else {
            format!("split {list} from {} into {}", self.source, self.table)
        }
    }
}

/// Every split in `changes`: `Ok` when the values can travel, `Err` with a note for the user when
/// the new table has a required column nothing fills, so the copy cannot insert.
pub(crate) fn splits(base: &Schema, target: &Schema, changes: &[Change], d: Dialect) -> Vec<Result<Split, String>> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let Change::CreateTable { table: t_name } = change else { continue };
        let Some(t) = target.find_table(t_name) else { continue };
        for fk in t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            let Some(s) = base.find_table(&fk.ref_table) else { continue };
            let s_name = s.qualified_name();
            if target.find_table(&s_name).is_none() {
                continue;
            }
            let key = fk
                .ref_columns
                .first()
                .cloned()
                .or_else(|| s.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone()));
            let Some(key) = key else { continue };
            let fk_col = fk.columns[0].clone();
            let moved: Vec<String> = t
                .columns
                .iter()
                .filter(|c| !same_name(&c.name, &fk_col))
                .filter(|c| {
                    s.column(&c.name).is_some_and(|sc| sc.data_type.kind == c.data_type.kind)
                        && changes.iter().any(|x| {
                            matches!(x, Change::DropColumn { table, column } if same_name(table, &s_name) && same_name(column, &c.name))
                        })
                })
                .map(|c| c.name.clone())
                .collect();
            if moved.is_empty() {
                continue;
            }
            // Every other required column of T must fill itself, or the copy cannot insert.
            let blocker = t.columns.iter().find(|c| {
                !c.nullable
                    && c.default.is_none()
                    && c.identity.is_none()
                    && !rowid_alias(t, c, d)
                    && !same_name(&c.name, &fk_col)
                    && (!moved.iter().any(|m| same_name(m, &c.name)) || s.column(&c.name).is_some_and(|sc| sc.nullable))
            });
            out.push(match blocker {
                Some(c) => Err(format!(
                    "{t_name} takes {} from {s_name}, but {t_name}.{} is required and cannot be filled from {s_name}: copy the rows yourself between Backfill and Switch",
                    moved.join(", "),
                    c.name
                )),
                None => {
                    let unique_fk = t.primary_key.iter().chain(t.uniques.iter()).any(|k| {
                        k.columns.len() == 1 && same_name(&k.columns[0], &fk_col)
                    }) || t.indexes.iter().any(|ix| {
                        ix.unique && ix.predicate.is_none() && ix.parts.len() == 1 && ix.parts[0].column().is_some_and(|c| same_name(c, &fk_col))
                    });
                    Ok(Split {
                        change: i,
                        source: s_name,
                        key,
                        table: t_name.clone(),
                        fk: fk_col,
                        moved,
                        unique_fk,
                        moving: false,
                        make_rows: true,
                    })
                }
            });
        }
    }
    // A column moved down to a table that references its own one to one: a split into a table
    // that exists.
    for m in super::moves::moves(base, target, changes) {
        let m = match m {
            Ok(m) if m.way == super::moves::Way::Down => m,
            // Up: the move's own recipe (MySQL's is not written yet).
            Ok(m) if d == Dialect::MySql => {
                out.push(Err(format!(
                    "moving {}.{} to {}.{}, the table {} references, is not planned on MySQL yet: the plan drops {}.{} and adds {}.{} empty; copy the values yourself between Backfill and Switch",
                    m.from, m.column, m.to, m.to_column, m.from, m.from, m.column, m.to, m.to_column
                )));
                continue;
            }
            Ok(_) => continue,
            Err(note) => {
                out.push(Err(note));
                continue;
            }
        };
        let Some(u) = target.find_table(&m.to) else { continue };
        // A related row the move would make needs its other required columns filled.
        let blocker = u.columns.iter().find(|c| {
            !c.nullable
                && c.default.is_none()
                && c.identity.is_none()
                && !rowid_alias(u, c, d)
                && !same_name(&c.name, &m.fk)
                && !same_name(&c.name, &m.to_column)
        });
        out.push(Ok(Split {
            change: m.change,
            source: m.from,
            key: m.key,
            table: m.to,
            fk: m.fk,
            moved: vec![m.column],
            unique_fk: true,
            moving: true,
            make_rows: blocker.is_none(),
        }));
    }
    out
}

/// SQLite's `INTEGER PRIMARY KEY`: the column is the rowid, which SQLite fills itself.
fn rowid_alias(table: &Table, column: &Column, d: Dialect) -> bool {
    d == Dialect::Sqlite
        && column.data_type.spelling.trim().eq_ignore_ascii_case("integer")
        && !table.without_rowid
        && table.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &column.name))
}

/// Where a split's copy of the old rows' values goes: Backfill, for a new table. For a move,
/// Contract, once v1 has stopped (a related row made earlier would collide with the one v1
/// writes next), at `rank`, its reason saying so before `batches`; or, where the related table
/// cannot take such rows, nowhere: the pre-check `unmade` gives counts them before Contract.
fn place_copy(
    x: &Split,
    copy: crate::plan::Step,
    rank: u32,
    batches: &str,
    unmade: impl FnOnce() -> (crate::plan::CheckQuery, String),
    b: &mut crate::plan::Builder,
) {
    use crate::plan::StageKind;
    let (s, t, list) = (&x.source, &x.table, x.moved.join(", "));
    if !x.moving {
        b.push(StageKind::Backfill, copy);
    } else if x.make_rows {
        b.push(
            StageKind::Contract,
            crate::plan::Step {
                title: format!("make the {t} rows that {s} rows with {list} lack"),
                rank,
                reason: format!("v1 has stopped, so no {t} row of its own collides; {batches}"),
                ..copy
            },
        );
        b.app_changes.push(format!(
            "until Contract, a {s} row with {list} and no {t} row keeps them in {s} only: the plan makes its {t} row in Contract"
        ));
    } else {
        let (check, note) = unmade();
        b.prechecks.push(check);
        b.app_changes.push(note);
    }
}

/// A move that cannot make the related rows its table's rows lack: the pre-check before
/// Contract that counts them (their values have no row to go to), and what the plan says.
fn unmade_rows(x: &Split, any: &str, exists_t: &str, st: &str) -> (crate::plan::CheckQuery, String) {
    let (s, t, list) = (&x.source, &x.table, x.moved.join(", "));
    (
        crate::plan::CheckQuery {
            title: format!("{s} rows with {list} and no {t} row to take them"),
            change: x.change,
            sql: format!("SELECT COUNT(*) FROM {st} s WHERE ({any}) AND NOT EXISTS ({exists_t})"),
            must_be_zero: true,
            before: crate::plan::StageKind::Contract,
            resolution: None,
        },
        format!(
            "a {s} row with {list} and no {t} row has nowhere to keep them: {t} has required columns the move cannot fill, so the plan stops before Contract while such rows exist; give them their {t} rows first"
        ),
    )
}

/// What v2 keeps to until Contract when the old columns are NOT NULL: a row of the new table
/// goes only with its old row, since v1 needs the values in every old row (the harness's v2
/// workload keeps to it; see [`holds_deletes`]).
fn held_delete_note(s: &str, t: &str, list: &str) -> String {
    format!("until Contract, v2 deletes a {t} row only together with its {s} row: v1 needs {list} in every {s} row")
}

/// Whether the plan asks v2 to delete rows of `table` (a new table of a split) only with the
/// old table's row, until Contract: some moved column is NOT NULL in the old table.
pub(crate) fn holds_deletes(base: &Schema, target: &Schema, changes: &[Change], d: Dialect, table: &str) -> bool {
    splits(base, target, changes, d).into_iter().flatten().any(|x| {
        same_name(&x.table, table)
            && base
                .find_table(&x.source)
                .is_some_and(|st| x.moved.iter().any(|m| st.column(m).is_some_and(|c| !c.nullable)))
    })
}

pub(in crate::plan) mod postgres {
    //! Split: a table's columns moved into a new table that references it, kept in step both
    //! ways while v1 and v2 run.

    use crate::plan::postgres::*;

    /// Split (found by `plan::split`): on top of the create-table and drop-column steps, the values
    /// travel: a trigger on S writes them into T (v1 keeps writing S), a batched copy moves the
    /// existing rows, a trigger on T writes v2's values back into S (so v1 reads them), and
    /// Contract drops the triggers with the old columns.
    pub(in crate::plan) fn split_tables(ctx: &Ctx<'_>, b: &mut Builder) {
        for split in crate::plan::split::splits(ctx.base, ctx.target, ctx.changes, crate::Dialect::Postgres) {
            match split {
                Ok(x) => split_recipe(ctx, &x, b),
                Err(note) => b.notes.push(note),
            }
        }
    }

    pub(in crate::plan) fn split_recipe(ctx: &Ctx<'_>, x: &crate::plan::split::Split, b: &mut Builder) {
        let (i, s, key, t, fk, moved, unique_fk) =
            (x.change, x.source.as_str(), x.key.as_str(), x.table.as_str(), x.fk.as_str(), &x.moved[..], x.unique_fk);
        let title = x.title();
        let (st, tt) = (tq(s), tq(t));
        let lt = ctx.lock_timeout();
        let cols: Vec<String> = moved.iter().map(|c| q(c)).collect();
        let list = cols.join(", ");
        let new_vals: Vec<String> = cols.iter().map(|c| format!("NEW.{c}")).collect();
        let any_value =
            |prefix: &str| cols.iter().map(|c| format!("{prefix}{c} IS NOT NULL")).collect::<Vec<_>>().join(" OR ");
        let (fk_q, key_q) = (q(fk), q(key));
        let short_s = split_qualified(s).1;
        let short_t = split_qualified(t).1;
        let forward = name(&[PREFIX.trim_end_matches('_'), "split", short_s, short_t]);
        let forward_fn = qualified(split_qualified(s).0, &forward, PG);
        let forward_del = name(&[PREFIX.trim_end_matches('_'), "split", short_s, short_t, "del"]);
        let forward_del_fn = qualified(split_qualified(s).0, &forward_del, PG);
        let back = name(&[PREFIX.trim_end_matches('_'), "unsplit", short_t, short_s]);
        let back_fn = qualified(split_qualified(t).0, &back, PG);
        let row = |vals: &[String]| {
            if vals.len() == 1 {
                format!("ROW({})", vals[0])
            } else {
                format!("({})", vals.join(", "))
            }
        };
        let set_cols = format!("({list})");
        // Keyed by the reference, the row the copy wrote a moment ago takes v1's values.
        let upsert = if unique_fk {
            format!(
                " ON CONFLICT ({fk_q}) DO UPDATE SET {set_cols} = {}",
                row(&cols.iter().map(|c| format!("EXCLUDED.{c}")).collect::<Vec<_>>())
            )
        } else {
            String::new()
        };
        // A move's related table gets its rows from the application (v1 writes one after the
        // old row, and a row made here would collide with it): a row it lacks is made in
        // Contract, once v1 has stopped.
        let insert = if x.moving {
            String::new()
        } else {
            format!(
                "IF ({}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {fk_q} = NEW.{key_q}) THEN INSERT INTO {tt} ({fk_q}, {list}) VALUES (NEW.{key_q}, {}){upsert}; END IF; ",
                any_value("NEW."),
                new_vals.join(", "),
            )
        };
        let forward_body = format!(
            "BEGIN IF pg_trigger_depth() > 1 THEN RETURN NEW; END IF; \
             UPDATE {tt} SET {set_cols} = {nv} WHERE {fk_q} = NEW.{key_q} AND ({list}) IS DISTINCT FROM ({nvl}); \
             {insert}RETURN NEW; END",
            nv = row(&new_vals),
            nvl = new_vals.join(", "),
        );
        let delete_body = format!("BEGIN DELETE FROM {tt} WHERE {fk_q} = OLD.{key_q}; RETURN OLD; END");
        // v2 deleting a row of T takes the values away from S too (v1 then reads NULL), where S
        // allows NULL there.
        let nullable_in_s =
            ctx.base.find_table(s).is_some_and(|st| moved.iter().all(|m| st.column(m).is_some_and(|c| c.nullable)));
        let nulls: Vec<String> = cols.iter().map(|_| "NULL".to_string()).collect();
        let on_delete = if nullable_in_s {
            format!(
                "IF TG_OP = 'DELETE' THEN UPDATE {st} SET {set_cols} = {nr} WHERE {key_q} = OLD.{fk_q} AND ({list}) IS DISTINCT FROM ({nl}); RETURN OLD; END IF; ",
                nr = row(&nulls),
                nl = nulls.join(", ")
            )
        } else {
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; ".to_string()
        };
        // A move's related table is v1's too: a row v1 writes without the values (it knows
        // nothing of them) takes them from S first, and only a change of the values goes back.
        let (on_delete, back_events) = if x.moving {
            (
                format!("IF TG_OP = 'INSERT' AND NOT ({}) THEN RETURN NEW; END IF; ", any_value("NEW.")),
                format!("INSERT OR UPDATE OF {list}"),
            )
        } else {
            (on_delete, "INSERT OR UPDATE OR DELETE".to_string())
        };
        let back_body = format!(
            "BEGIN IF pg_trigger_depth() > 1 THEN RETURN COALESCE(NEW, OLD); END IF; {on_delete}\
             UPDATE {st} SET {set_cols} = {nv} WHERE {key_q} = NEW.{fk_q} AND ({list}) IS DISTINCT FROM ({nvl}); RETURN NEW; END",
            nv = row(&new_vals),
            nvl = new_vals.join(", "),
        );
        let fill = name(&[PREFIX.trim_end_matches('_'), "fill", short_t, short_s]);
        let fill_fn = qualified(split_qualified(t).0, &fill, PG);
        let fill_body = format!(
            "BEGIN IF NOT ({}) THEN SELECT {} INTO {} FROM {st} WHERE {key_q} = NEW.{fk_q}; END IF; RETURN NEW; END",
            any_value("NEW."),
            list,
            new_vals.join(", ")
        );
        // A move's related table keeps its own rows: deleting a row of S leaves them to the
        // foreign key's ON DELETE, as before the migration.
        let (on_s, off_s) =
            row_trigger(&st, &forward, &forward_fn, &format!("AFTER INSERT OR UPDATE OF {list}"), &forward_body);
        let (del_on, del_off) = row_trigger(&st, &forward_del, &forward_del_fn, "BEFORE DELETE", &delete_body);
        let (on_t, off_t) = row_trigger(&tt, &back, &back_fn, &format!("AFTER {back_events}"), &back_body);
        let (fill_on, fill_off) = row_trigger(&tt, &fill, &fill_fn, "BEFORE INSERT", &fill_body);
        let (mut forward_sql, mut forward_drop) = (vec![lt.clone()], vec![lt.clone()]);
        forward_sql.extend(on_s);
        let (mut back_sql, mut back_drop) = (vec![lt.clone()], vec![lt.clone()]);
        back_sql.extend(on_t);
        if x.moving {
            back_sql.extend(fill_on);
            back_drop.extend(fill_off);
        } else {
            forward_sql.extend(del_on);
            forward_drop.extend(del_off);
        }
        forward_drop.extend(off_s);
        back_drop.extend(off_t);
        // One table per step: a step that locked both tables in one transaction could deadlock
        // with v1 (writing S, then T through the trigger) or v2 (T, then S): the harness saw it.
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: v2's writes to {t} reach {s}"),
                i,
                back_sql,
                back_drop.clone(),
                (LockMode::ShareRowExclusive, &[t], Effect::Metadata),
                true,
                "a trigger is catalog-only; it keeps v1's columns current while v2 writes the new table",
                R_SYNC + 5,
            ),
        );
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: v1's writes to {s} reach {t}"),
                i,
                forward_sql,
                forward_drop.clone(),
                (LockMode::ShareRowExclusive, &[s], Effect::Metadata),
                true,
                if x.moving {
                    "triggers are catalog-only: v1's writes to the old column reach the related table"
                } else {
                    "triggers are catalog-only: v1's writes to the old columns reach the new table, and deleting a row of the old table takes its new rows with it until Contract"
                },
                R_SYNC + 6,
            ),
        );
        let copy = batched(
            format!("copy {list} of existing {s} rows into {t}"),
            i,
            format!(
                "INSERT INTO {tt} ({fk_q}, {list}) SELECT s.{key_q}, {} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q}) LIMIT {}{}",
                cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", "),
                any_value("s."),
                ctx.options.batch_size,
                // A row v1's trigger wrote meanwhile is newer than the copy's.
                if unique_fk { format!(" ON CONFLICT ({fk_q}) DO NOTHING") } else { String::new() }
            ),
            t,
            "batches of rows, each its own short transaction; rows written meanwhile are copied by the trigger",
        );
        super::place_copy(
            x,
            copy,
            R_DROP_COLUMN - 5,
            "batches of rows, each its own short transaction",
            || {
                super::unmade_rows(
                    x,
                    &any_value("s."),
                    &format!("SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q}"),
                    &st,
                )
            },
            b,
        );
        if x.moving {
            // The related table's own rows take the values too.
            let s_cols = |a: &str| cols.iter().map(|c| format!("{a}.{c}")).collect::<Vec<_>>();
            b.push(
                StageKind::Backfill,
                batched(
                    format!("copy {list} of existing {s} rows into their {t} rows"),
                    i,
                    format!(
                        "UPDATE {tt} t SET {set_cols} = {} FROM {st} s WHERE t.{fk_q} = s.{key_q} AND t.{fk_q} IN (SELECT t2.{fk_q} FROM {tt} t2 JOIN {st} s2 ON t2.{fk_q} = s2.{key_q} WHERE ({}) AND ({}) IS DISTINCT FROM ({}) LIMIT {})",
                        row(&s_cols("s")),
                        any_value("s2."),
                        s_cols("t2").join(", "),
                        s_cols("s2").join(", "),
                        ctx.options.batch_size,
                    ),
                    t,
                    "batches of rows, each its own short transaction; rows written meanwhile are kept in step by the triggers",
                ),
            );
        }
        b.verifications.push(CheckQuery {
            title: if x.moving {
                format!("every {s} row with {list} and a {t} row has them there")
            } else {
                format!("every {s} row with {list} has them in {t}")
            },
            change: i,
            sql: format!(
                "SELECT count(*) FROM {st} s WHERE ({}){} AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q} AND ({}) IS NOT DISTINCT FROM ({}))",
                any_value("s."),
                if x.moving { format!(" AND EXISTS (SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q})") } else { String::new() },
                cols.iter().map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", "),
                cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
            ),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });
        b.push(
            StageKind::Contract,
            step(
                format!("{title}: drop the triggers on {s}"),
                i,
                forward_drop,
                vec![],
                (LockMode::AccessExclusive, &[s], Effect::Metadata),
                true,
                "v1 no longer writes the old columns; they are dropped next",
                R_DROP_COLUMN - 4,
            ),
        );
        b.push(
            StageKind::Contract,
            step(
                format!("{title}: drop the trigger on {t}"),
                i,
                back_drop,
                vec![],
                (LockMode::AccessExclusive, &[t], Effect::Metadata),
                true,
                "v1 no longer reads the old columns",
                R_DROP_COLUMN - 3,
            ),
        );
        b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
        if !nullable_in_s {
            b.app_changes.push(super::held_delete_note(s, t, &list));
        }
        b.columns_moved(s, t, moved);
    }
}

pub(in crate::plan) mod mysql {
    //! Split: a table's columns moved into a new table that references it (found by
    //! `plan::split`), kept in step both ways by triggers while v1 and v2 run.
    //!
    //! MySQL refuses a trigger that writes a table the statement that fired it uses (error 1442),
    //! and it has no trigger depth to tell a nested write from the application's. Two guards stand
    //! in: a trigger writes the other table only where a row there differs (so the echo of its own
    //! write finds nothing to do, and a batched copy that reads the old table never writes it back),
    //! and a session variable marks the key a trigger is writing for, stamped with the statement's
    //! start time (`NOW(6)` is fixed for a statement and its triggers), so a mark left behind by a
    //! failed statement never silences a later one.

    use crate::plan::mysql::*;

    pub(in crate::plan) fn split_tables(ctx: &Ctx<'_>, b: &mut Builder) {
        for split in crate::plan::split::splits(ctx.base, ctx.target, ctx.changes, crate::Dialect::MySql) {
            match split {
                Ok(x) => split_recipe(ctx, &x, b),
                Err(note) => b.notes.push(note),
            }
        }
    }

    pub(in crate::plan) fn split_recipe(ctx: &Ctx<'_>, x: &Split, b: &mut Builder) {
        let i = x.change;
        let (s, t) = (x.source.as_str(), x.table.as_str());
        let (st, tt) = (tq(s), tq(t));
        let (k, f) = (q(&x.key), q(&x.fk));
        let cols: Vec<String> = x.moved.iter().map(|c| q(c)).collect();
        let list = x.moved.join(", ");
        let (short_s, short_t) = (split_qualified(s).1, split_qualified(t).1);
        let p = PREFIX.trim_end_matches('_');
        let trigger = |parts: &[&str]| name(&[&[p][..], parts].concat());
        let (s_ins, s_upd, s_del) = (
            trigger(&["split", short_s, short_t, "ins"]),
            trigger(&["split", short_s, short_t, "upd"]),
            trigger(&["split", short_s, short_t, "del"]),
        );
        let (t_ins, t_upd, t_del) = (
            trigger(&["unsplit", short_t, short_s, "ins"]),
            trigger(&["unsplit", short_t, short_s, "upd"]),
            trigger(&["unsplit", short_t, short_s, "del"]),
        );
        // The mark: which key this statement's split triggers are writing for.
        let var = format!("@{}", trigger(&["syncing", short_s, short_t]));
        let mark = |row: &str| format!("CONCAT({row}, '/', NOW(6))");
        let not_marked = |row: &str| format!("NOT ({var} <=> {})", mark(row));
        let set_mark = |row: &str| format!("SET {var} = {};", mark(row));
        let clear = format!("SET {var} = NULL;");
        // `alias.c <=> NEW.c` for every moved column: the row already holds the values.
        let same = |alias: &str, row: &str| {
            cols.iter().map(|c| format!("{alias}{c} <=> {row}.{c}")).collect::<Vec<_>>().join(" AND ")
        };
        let any = |row: &str| cols.iter().map(|c| format!("{row}{c} IS NOT NULL")).collect::<Vec<_>>().join(" OR ");
        let assign = |row: &str| cols.iter().map(|c| format!("{c} = {row}.{c}")).collect::<Vec<_>>().join(", ");
        let values = |row: &str| cols.iter().map(|c| format!("{row}.{c}")).collect::<Vec<_>>().join(", ");
        // Keyed by the reference, a row the copy wrote a moment ago takes v1's values.
        let upsert = if x.unique_fk {
            format!(
                " ON DUPLICATE KEY UPDATE {}",
                cols.iter().map(|c| format!("{c} = VALUES({c})")).collect::<Vec<_>>().join(", ")
            )
        } else {
            String::new()
        };
        let insert_t =
            format!("INSERT INTO {tt} ({f}, {}) VALUES (NEW.{k}, {}){upsert};", cols.join(", "), values("NEW"));

        // The triggers compare the two tables' text (`<=>`): the new columns take the old ones'
        // character set and collation, read from the server, which knows them where the DDL left
        // them to the table's defaults (WordPress's utf8mb4_unicode_520_ci); comparing two
        // collations is refused (error 1267).
        let text: Vec<(String, bool, Option<String>)> = x
            .moved
            .iter()
            .filter_map(|m| {
                let c = ctx.target.find_table(t).and_then(|tt| tt.column(m))?;
                crate::plan::recipes::lookup::mysql::has_collation(&c.data_type)
                    .then(|| (m.clone(), c.nullable, c.default.as_ref().map(|d| d.expr.clone())))
            })
            .collect();
        if !text.is_empty() {
            let mut align = Vec::new();
            for (m, nullable, default) in &text {
                align.extend(crate::plan::recipes::lookup::mysql::align_column(
                    s,
                    m,
                    t,
                    m,
                    *nullable,
                    default.as_deref(),
                    x.moving,
                ));
            }
            b.push(
                StageKind::Expand,
                ctx.step(
                    format!("give {t}({}) the character set and collation of {s}", text.iter().map(|x| x.0.as_str()).collect::<Vec<_>>().join(", ")),
                    i,
                    align,
                    vec![],
                    (LockMode::Metadata, &[t], Effect::Metadata),
                    if x.moving {
                        "the triggers compare the two tables' text, which needs one collation: where the server reports two, the column is changed with a copy of the table (writes wait for it); where it reports one, nothing runs"
                    } else {
                        "the new table is empty: the copy a character set change takes is of no rows; the triggers compare the two tables' text, which needs one collation"
                    },
                    R_CREATE_TABLE + 10,
                ),
            );
        }

        // v2's writes to T reach S (v1 reads them there).
        let to_s = format!(
            "IF {} AND EXISTS (SELECT 1 FROM {st} WHERE {k} = NEW.{f} AND NOT ({})) THEN {} UPDATE {st} SET {} WHERE {k} = NEW.{f}; {clear} END IF;",
            not_marked(&format!("NEW.{f}")),
            same("", "NEW"),
            set_mark(&format!("NEW.{f}")),
            assign("NEW"),
        );
        let nullable_in_s =
            ctx.base.find_table(s).is_some_and(|bt| x.moved.iter().all(|m| bt.column(m).is_some_and(|c| c.nullable)));
        // A move's related table is v1's too: a row v1 writes without the values takes them
        // from S first, and only a change of the values goes back.
        let (on_insert, on_update) = if x.moving {
            (
                format!("IF {} THEN {to_s} END IF;", any("NEW.")),
                format!("IF NOT ({}) THEN {to_s} END IF;", same("OLD.", "NEW")),
            )
        } else {
            (to_s.clone(), to_s.clone())
        };
        let mut t_sql = vec![
            format!("CREATE TRIGGER {} AFTER INSERT ON {tt} FOR EACH ROW BEGIN {on_insert} END", q(&t_ins)),
            format!("CREATE TRIGGER {} AFTER UPDATE ON {tt} FOR EACH ROW BEGIN {on_update} END", q(&t_upd)),
        ];
        let mut t_drop =
            vec![format!("DROP TRIGGER IF EXISTS {}", q(&t_ins)), format!("DROP TRIGGER IF EXISTS {}", q(&t_upd))];
        if x.moving {
            let t_fill = trigger(&["fill", short_t, short_s]);
            t_sql.push(format!(
                "CREATE TRIGGER {} BEFORE INSERT ON {tt} FOR EACH ROW BEGIN IF NOT ({}) THEN {} END IF; END",
                q(&t_fill),
                any("NEW."),
                cols.iter()
                    .map(|c| format!("SET NEW.{c} = (SELECT {c} FROM {st} WHERE {k} = NEW.{f});"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            t_drop.push(format!("DROP TRIGGER IF EXISTS {}", q(&t_fill)));
        }
        if nullable_in_s && !x.moving {
            // v2 deleting a row of T takes the values away from S too (v1 then reads NULL).
            let nulls = cols.iter().map(|c| format!("{c} = NULL")).collect::<Vec<_>>().join(", ");
            t_sql.push(format!(
                "CREATE TRIGGER {} AFTER DELETE ON {tt} FOR EACH ROW BEGIN IF {} AND EXISTS (SELECT 1 FROM {st} WHERE {k} = OLD.{f} AND ({})) THEN {} UPDATE {st} SET {nulls} WHERE {k} = OLD.{f}; {clear} END IF; END",
                q(&t_del),
                not_marked(&format!("OLD.{f}")),
                any(""),
                set_mark(&format!("OLD.{f}")),
            ));
            t_drop.push(format!("DROP TRIGGER IF EXISTS {}", q(&t_del)));
        }
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("{}: v2's writes to {t} reach {s}", x.title()),
                i,
                t_sql,
                t_drop.clone(),
                (LockMode::Metadata, &[t], Effect::Metadata),
                "creating a trigger takes the table's metadata lock for a moment; one trigger per event, as MySQL requires; they keep v1's columns current while v2 writes the new table",
                R_SYNC + 5,
            ),
        );

        // v1's writes to S reach T.
        // A move's related table gets its rows from the application (v1 writes one after the
        // old row, and a row made here would collide with it): a row it lacks is made in
        // Contract, once v1 has stopped. A new row of S has none yet.
        let insert_t = if x.moving { String::new() } else { insert_t };
        let mut s_sql = vec![
            format!(
                "CREATE TRIGGER {} AFTER INSERT ON {st} FOR EACH ROW BEGIN IF ({}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k}) THEN {} {insert_t} {clear} END IF; END",
                q(&s_ins),
                any("NEW."),
                set_mark(&format!("NEW.{k}")),
            ),
            format!(
                "CREATE TRIGGER {} AFTER UPDATE ON {st} FOR EACH ROW BEGIN IF {} THEN {} \
                 IF EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k}) THEN UPDATE {tt} SET {} WHERE {f} = NEW.{k} AND NOT ({}); \
                 {} END IF; {clear} END IF; END",
                q(&s_upd),
                not_marked(&format!("NEW.{k}")),
                set_mark(&format!("NEW.{k}")),
                assign("NEW"),
                same("", "NEW"),
                if x.moving { String::new() } else { format!("ELSEIF {} THEN {insert_t}", any("NEW.")) },
            ),
        ];
        let mut s_drop =
            vec![format!("DROP TRIGGER IF EXISTS {}", q(&s_upd)), format!("DROP TRIGGER IF EXISTS {}", q(&s_ins))];
        if x.moving {
            // A new row of S has no related row to write to yet.
            s_sql.remove(0);
            s_drop.pop();
        }
        // A move's related table keeps its own rows: deleting a row of S leaves them to the
        // foreign key's ON DELETE, as before the migration.
        if !x.moving {
            s_sql.push(format!(
                "CREATE TRIGGER {} BEFORE DELETE ON {st} FOR EACH ROW BEGIN {} DELETE FROM {tt} WHERE {f} = OLD.{k}; {clear} END",
                q(&s_del),
                set_mark(&format!("OLD.{k}")),
            ));
            s_drop.insert(0, format!("DROP TRIGGER IF EXISTS {}", q(&s_del)));
        }
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("{}: v1's writes to {s} reach {t}", x.title()),
                i,
                s_sql,
                s_drop.clone(),
                (LockMode::Metadata, &[s], Effect::Metadata),
                if x.moving {
                    "creating a trigger takes the table's metadata lock for a moment; v1's writes to the old column reach the related table"
                } else {
                    "creating a trigger takes the table's metadata lock for a moment; v1's writes to the old columns reach the new table, and deleting a row of the old table takes its new rows with it until Contract"
                },
                R_SYNC + 6,
            ),
        );

        // Backfill: the rows nobody has written since, in batches along the old table's key.
        let s_cols = cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
        let mut copy = ctx.step(
            format!("copy {list} of existing {s} rows into {t}"),
            i,
            vec![format!(
                "INSERT INTO {tt} ({f}, {}) SELECT s.{k}, {s_cols} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}) ORDER BY s.{k} LIMIT {}{}",
                cols.join(", "),
                any("s."),
                ctx.options.batch_size,
                // A row v1's trigger wrote meanwhile is newer than the copy's: kept as it is.
                if x.unique_fk { format!(" ON DUPLICATE KEY UPDATE {tt}.{f} = {tt}.{f}") } else { String::new() }
            )],
            vec![],
            (LockMode::None, &[t], Effect::Batched),
            "batches of rows along the old table's key, each its own short transaction; rows written meanwhile are copied by the triggers; the copy reads the old table with shared row locks, so v1's writes to a row wait for one batch at most",
            R_BACKFILL,
        );
        copy.repeat_until_no_rows = true;
        super::place_copy(
            x,
            copy,
            R_DROP_COLUMN - 5,
            "batches of rows along the old table's key, each its own short transaction",
            || super::unmade_rows(x, &any("s."), &format!("SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}"), &st),
            b,
        );
        if x.moving {
            // The related table's own rows take the values too: a derived table picks a batch
            // (MySQL's multi-table UPDATE takes no LIMIT), materialized before the update.
            let x_cols = cols.iter().map(|c| format!("x.{c}")).collect::<Vec<_>>();
            let mut update = ctx.step(
                format!("copy {list} of existing {s} rows into their {t} rows"),
                i,
                vec![format!(
                    "UPDATE {tt} t JOIN (SELECT s.{k}, {s_cols} FROM {st} s JOIN {tt} t2 ON t2.{f} = s.{k} WHERE ({}) AND NOT ({}) ORDER BY s.{k} LIMIT {}) x ON t.{f} = x.{k} SET {}",
                    any("s."),
                    same("t2.", "s"),
                    ctx.options.batch_size,
                    cols.iter().zip(&x_cols).map(|(c, v)| format!("t.{c} = {v}")).collect::<Vec<_>>().join(", "),
                )],
                vec![],
                (LockMode::None, &[t], Effect::Batched),
                "batches of rows along the old table's key, each its own short transaction; rows written meanwhile are kept in step by the triggers",
                R_BACKFILL,
            );
            update.repeat_until_no_rows = true;
            b.push(StageKind::Backfill, update);
        }
        b.verifications.push(CheckQuery {
            title: if x.moving {
                format!("every {s} row with {list} and a {t} row has them there")
            } else {
                format!("every {s} row with {list} has them in {t}")
            },
            change: i,
            sql: format!(
                "SELECT COUNT(*) FROM {st} s WHERE ({}){} AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k} AND {})",
                any("s."),
                if x.moving { format!(" AND EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k})") } else { String::new() },
                same("t.", "s"),
            ),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });

        // Contract: the triggers go before the old columns.
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("{}: drop the triggers on {s}", x.title()),
                i,
                s_drop,
                vec![],
                (LockMode::Metadata, &[s], Effect::Metadata),
                "v1 no longer writes the old columns; they are dropped next",
                R_DROP_COLUMN - 4,
            ),
        );
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("{}: drop the triggers on {t}", x.title()),
                i,
                t_drop,
                vec![],
                (LockMode::Metadata, &[t], Effect::Metadata),
                "v1 no longer reads the old columns",
                R_DROP_COLUMN - 3,
            ),
        );
        b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
        if !nullable_in_s {
            b.app_changes.push(super::held_delete_note(s, t, &list));
        }
        b.columns_moved(s, t, &x.moved);
    }
}

pub(in crate::plan) mod sqlite {
    use crate::plan::sqlite::*;

    /// Split (found by `plan::split`): triggers keep the old columns and the new table in step
    /// while v1 and v2 run, Backfill copies the existing values, and Contract drops the triggers
    /// before the old table's rebuild. SQLite has no trigger depth: each trigger writes the other
    /// table only where no row there holds the values already, so the echo of a write does nothing
    /// (v2's second row for one parent is not overwritten by its own echo), and with
    /// `recursive_triggers` on the chain still ends.
    pub(in crate::plan) fn split_recipe(base: &Schema, x: &crate::plan::split::Split, b: &mut Builder) {
        let i = x.change;
        let (s, t) = (x.source.as_str(), x.table.as_str());
        let (st, tt) = (ident(s, SQ), ident(t, SQ));
        let (k, f) = (ident(&x.key, SQ), ident(&x.fk, SQ));
        let cols: Vec<String> = x.moved.iter().map(|c| ident(c, SQ)).collect();
        let list = x.moved.join(", ");
        let (short_s, short_t) = (split_qualified(s).1, split_qualified(t).1);
        let trigger = |parts: &[&str]| ident(&format!("bellows_{}", parts.join("_")), SQ);
        let (s_ins, s_upd, s_del) = (
            trigger(&["split", short_s, short_t, "ins"]),
            trigger(&["split", short_s, short_t, "upd"]),
            trigger(&["split", short_s, short_t, "del"]),
        );
        let (t_ins, t_upd, t_del) = (
            trigger(&["unsplit", short_t, short_s, "ins"]),
            trigger(&["unsplit", short_t, short_s, "upd"]),
            trigger(&["unsplit", short_t, short_s, "del"]),
        );
        let same = |alias: &str, row: &str| {
            cols.iter().map(|c| format!("{alias}{c} IS {row}.{c}")).collect::<Vec<_>>().join(" AND ")
        };
        let any = |row: &str| cols.iter().map(|c| format!("{row}{c} IS NOT NULL")).collect::<Vec<_>>().join(" OR ");
        let assign = |row: &str| cols.iter().map(|c| format!("{c} = {row}.{c}")).collect::<Vec<_>>().join(", ");
        let values = |row: &str| cols.iter().map(|c| format!("{row}.{c}")).collect::<Vec<_>>().join(", ");
        let insert_t = format!(
            "INSERT INTO {tt} ({f}, {}) SELECT NEW.{k}, {} WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k});",
            cols.join(", "),
            values("NEW"),
            any("NEW.")
        );
        let to_s = format!("UPDATE {st} SET {} WHERE {k} = NEW.{f} AND NOT ({});", assign("NEW"), same("", "NEW"));
        let nullable_in_s =
            base.find_table(s).is_some_and(|bt| x.moved.iter().all(|m| bt.column(m).is_some_and(|c| c.nullable)));
        let mut t_sql = vec![
            format!("CREATE TRIGGER {t_ins} AFTER INSERT ON {tt} BEGIN {to_s} END"),
            format!("CREATE TRIGGER {t_upd} AFTER UPDATE ON {tt} BEGIN {to_s} END"),
        ];
        let mut t_drop = vec![format!("DROP TRIGGER IF EXISTS {t_ins}"), format!("DROP TRIGGER IF EXISTS {t_upd}")];
        if x.moving {
            // A move's related table is v1's too: a row v1 writes without the values takes
            // them from S, and only a change of the values goes back.
            let t_fill = trigger(&["fill", short_t, short_s]);
            t_sql = vec![
                format!("CREATE TRIGGER {t_ins} AFTER INSERT ON {tt} WHEN {} BEGIN {to_s} END", any("NEW.")),
                format!("CREATE TRIGGER {t_upd} AFTER UPDATE OF {} ON {tt} BEGIN {to_s} END", cols.join(", ")),
                format!(
                    "CREATE TRIGGER {t_fill} AFTER INSERT ON {tt} WHEN NOT ({}) BEGIN UPDATE {tt} SET {} WHERE {f} = NEW.{f}; END",
                    any("NEW."),
                    cols.iter().map(|c| format!("{c} = (SELECT {c} FROM {st} WHERE {k} = NEW.{f})")).collect::<Vec<_>>().join(", ")
                ),
            ];
            t_drop.push(format!("DROP TRIGGER IF EXISTS {t_fill}"));
        }
        if nullable_in_s && !x.moving {
            let nulls = cols.iter().map(|c| format!("{c} = NULL")).collect::<Vec<_>>().join(", ");
            t_sql.push(format!(
                "CREATE TRIGGER {t_del} AFTER DELETE ON {tt} BEGIN UPDATE {st} SET {nulls} WHERE {k} = OLD.{f} AND ({}); END",
                any("")
            ));
            t_drop.push(format!("DROP TRIGGER IF EXISTS {t_del}"));
        }
        let mut s_sql = vec![
            format!("CREATE TRIGGER {s_ins} AFTER INSERT ON {st} BEGIN {insert_t} END"),
            format!(
                "CREATE TRIGGER {s_upd} AFTER UPDATE OF {} ON {st} WHEN NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k} AND {}) BEGIN UPDATE {tt} SET {} WHERE {f} = NEW.{k}; {insert_t} END",
                cols.join(", "),
                same("", "NEW"),
                assign("NEW"),
            ),
        ];
        let mut s_drop = vec![format!("DROP TRIGGER IF EXISTS {s_upd}"), format!("DROP TRIGGER IF EXISTS {s_ins}")];
        if x.moving {
            // A new row of S has no related row yet, and one is made by the application (a row
            // made here would collide with it) or in Contract.
            s_sql = vec![format!(
                "CREATE TRIGGER {s_upd} AFTER UPDATE OF {} ON {st} WHEN NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k} AND {}) BEGIN UPDATE {tt} SET {} WHERE {f} = NEW.{k}; END",
                cols.join(", "),
                same("", "NEW"),
                assign("NEW"),
            )];
            s_drop = vec![format!("DROP TRIGGER IF EXISTS {s_upd}")];
        }
        if !x.moving {
            s_sql.push(format!(
                "CREATE TRIGGER {s_del} BEFORE DELETE ON {st} BEGIN DELETE FROM {tt} WHERE {f} = OLD.{k}; END"
            ));
            s_drop.insert(0, format!("DROP TRIGGER IF EXISTS {s_del}"));
        }
        b.push(
            StageKind::Expand,
            step(
                format!("{}: each version's writes reach the other's table", x.title()),
                i,
                t_sql.iter().chain(&s_sql).cloned().collect(),
                s_drop.iter().chain(&t_drop).cloned().collect(),
                t,
                if x.moving {
                    "triggers are schema text: v1's writes to the old column reach the related table, and v2's writes there reach the old column"
                } else {
                    "triggers are schema text: v1's writes to the old columns reach the new table, v2's writes to the new table reach the old columns, and deleting a row of the old table takes its new rows with it until Contract"
                },
                if x.moving { 25 } else { 15 },
            ),
        );
        let copy = batched(
                format!("copy {list} of existing {s} rows into {t}"),
                i,
                format!(
                    "INSERT INTO {tt} ({f}, {}) SELECT s.{k}, {} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}) ORDER BY s.{k} LIMIT 1000",
                    cols.join(", "),
                    cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", "),
                    any("s.")
                ),
                t,
                "batches of rows, each its own short write transaction; rows written meanwhile are copied by the triggers",
                false,
            );
        super::place_copy(
            x,
            copy,
            40,
            "batches of rows, each its own short write transaction",
            || super::unmade_rows(x, &any("s."), &format!("SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}"), &st),
            b,
        );
        if x.moving {
            // The related table's own rows take the values too.
            b.push(
                StageKind::Backfill,
                batched(
                    format!("copy {list} of existing {s} rows into their {t} rows"),
                    i,
                    format!(
                        "UPDATE {tt} SET {} WHERE {f} IN (SELECT s.{k} FROM {st} s JOIN {tt} t ON t.{f} = s.{k} WHERE ({}) AND NOT ({}) ORDER BY s.{k} LIMIT 1000)",
                        cols.iter()
                            .map(|c| format!("{c} = (SELECT s.{c} FROM {st} s WHERE s.{k} = {tt}.{f})"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        any("s."),
                        same("t.", "s"),
                    ),
                    t,
                    "batches of rows, each its own short write transaction; rows written meanwhile are kept in step by the triggers",
                    false,
                ),
            );
        }
        b.verifications.push(CheckQuery {
            title: if x.moving {
                format!("every {s} row with {list} and a {t} row has them there")
            } else {
                format!("every {s} row with {list} has them in {t}")
            },
            change: i,
            sql: format!(
                "SELECT count(*) FROM {st} s WHERE ({}){} AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k} AND {})",
                any("s."),
                if x.moving { format!(" AND EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k})") } else { String::new() },
                same("t.", "s")
            ),
            must_be_zero: true,
            before: StageKind::Switch,
            resolution: None,
        });
        // Before the old table's rebuild: the triggers on the new table name the old columns.
        b.push(
            StageKind::Contract,
            step(
                format!("{}: drop the triggers", x.title()),
                i,
                s_drop.into_iter().chain(t_drop).collect(),
                vec![],
                t,
                "v1 has stopped; the triggers name the old columns, which the rebuild of the old table drops next",
                45,
            ),
        );
        b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
        if !nullable_in_s {
            b.app_changes.push(super::held_delete_note(s, t, &list));
        }
        b.columns_moved(s, t, &x.moved);
    }
}
