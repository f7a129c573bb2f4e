//! Move a column to a related table: the values of `t.c` (dropped) go to `u.c` (added) along
//! the foreign key that joins the two tables. Found once here for every planner and for the
//! harness (from the `MoveColumn` change the diff makes of a move hint or an edit).
//!
//! - **Down** to a table that references `t` one to one (its reference is unique): a split into
//!   an existing table, planned by the split recipes (`split::splits` takes these moves).
//! - **Up** to the table `t` references (many rows of `t` to one row of `u`): the values must
//!   agree per parent. A pre-check before Backfill counts the rows that disagree with another
//!   row of their parent; the plan stops there unless told that each parent takes its first
//!   row's value (`Resolution::ParentValue`). Triggers keep one value per parent while v1 and v2
//!   run: a value v1 writes to a row reaches its parent and the row's siblings, a value v2
//!   writes to a parent reaches its rows, and a row written without one takes its parent's.

use crate::diff::Change;
use crate::model::{same_name, Schema};

/// Which way a move goes along the foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// `to` references `from` one to one: `fk` is `to`'s column, `key` is `from`'s.
    Down,
    /// `from` references `to`: `fk` is `from`'s column, `key` is `to`'s.
    Up,
}

/// One move the plan carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Move {
    /// The index of the MoveColumn change.
    pub change: usize,
    pub from: String,
    pub column: String,
    pub to: String,
    pub to_column: String,
    pub way: Way,
    /// The referencing column (in `to` going down, in `from` going up).
    pub fk: String,
    /// The referenced column (in `from` going down, in `to` going up).
    pub key: String,
    /// `from`'s primary key: going up, a parent's first row (the lowest key) gives it its value
    /// where its rows disagree and the plan is told to go on.
    pub order: Vec<String>,
}

/// Every move in `changes`: `Ok` when the values can travel, `Err` with a note for the user
/// when they cannot (no foreign key joins the tables, or the types differ).
pub(crate) fn moves(base: &Schema, target: &Schema, changes: &[Change]) -> Vec<Result<Move, String>> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let Change::MoveColumn { from, column, to, to_column } = change else { continue };
        let what = format!("moving {from}.{column} to {to}.{to_column}");
        let (Some(t), Some(u_base), Some(u)) = (base.find_table(from), base.find_table(to), target.find_table(to))
        else {
            out.push(Err(format!("{what}: both tables must exist before the migration")));
            continue;
        };
        let (Some(c), Some(uc)) = (t.column(column), u.column(to_column)) else { continue };
        if c.data_type.kind != uc.data_type.kind {
            out.push(Err(format!(
                "{what}: the column is {} in {from} and {} in {to}; move it with its type, then change the type",
                c.data_type.spelling, uc.data_type.spelling
            )));
            continue;
        }
        // Down: `to` references `from` with one column, and that reference is unique.
        let down = u_base.foreign_keys.iter().chain(u.foreign_keys.iter()).find(|fk| {
            fk.columns.len() == 1
                && same_name(&fk.ref_table, &t.qualified_name())
                && u_base.column(&fk.columns[0]).is_some()
        });
        let up = t.foreign_keys.iter().find(|fk| {
            fk.columns.len() == 1
                && same_name(&fk.ref_table, &u_base.qualified_name())
                && target.find_table(from).is_some_and(|tt| tt.column(&fk.columns[0]).is_some())
        });
        let referenced = |fk: &crate::model::ForeignKey, parent: &crate::model::Table| {
            fk.ref_columns
                .first()
                .cloned()
                .or_else(|| parent.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone()))
        };
        let found = match (down, up) {
            (Some(fk), _) => {
                let unique = u_base
                    .primary_key
                    .iter()
                    .chain(u_base.uniques.iter())
                    .any(|k| k.columns.len() == 1 && same_name(&k.columns[0], &fk.columns[0]))
                    || u_base.indexes.iter().any(|ix| {
                        ix.unique
                            && ix.predicate.is_none()
                            && ix.parts.len() == 1
                            && ix.parts[0].column().is_some_and(|c| same_name(c, &fk.columns[0]))
                    });
                if !unique {
                    out.push(Err(format!(
                        "{what}: {to} may hold many rows per {from} row ({to}.{} is not unique), so each value would be copied to every one of them; make the reference unique first, or copy the values yourself",
                        fk.columns[0]
                    )));
                    continue;
                }
                if !same_name(column, to_column) {
                    out.push(Err(format!(
                        "{what}: a move down to {to} keeps the column's name; move {column}, then rename it"
                    )));
                    continue;
                }
                referenced(fk, t).map(|key| (Way::Down, fk.columns[0].clone(), key))
            }
            (None, Some(fk)) => {
                if t.primary_key.is_none() {
                    out.push(Err(format!(
                        "{what}: {from} has no primary key to tell a parent's first row by, where its rows disagree"
                    )));
                    continue;
                }
                if matches!(c.data_type.kind, crate::TypeKind::Json) {
                    out.push(Err(format!("{what}: json values cannot be compared to tell whether a parent's rows agree; move a jsonb column")));
                    continue;
                }
                referenced(fk, u_base).map(|key| (Way::Up, fk.columns[0].clone(), key))
            }
            (None, None) => {
                out.push(Err(format!(
                    "{what}: no foreign key of one column joins {from} and {to}; a move goes along one"
                )));
                continue;
            }
        };
        let Some((way, fk, key)) = found else { continue };
        out.push(Ok(Move {
            change: i,
            from: t.qualified_name(),
            column: c.name.clone(),
            to: u.qualified_name(),
            to_column: uc.name.clone(),
            way,
            fk,
            key,
            order: t.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default(),
        }));
    }
    out
}

/// The statements both SQL dialects share (PostgreSQL and SQLite), for a move up: `q` quotes.
struct UpSql {
    /// Rows of `from` whose value disagrees with another row of the same parent.
    disagree: String,
    /// Rows of `from` that hold a value and no parent.
    orphans: String,
    /// Parents whose rows hold a value they do not have yet.
    unfilled: String,
    /// The value a parent `p` takes: its first row's.
    first: String,
}

fn up_sql(m: &Move, t: &str, p: &str, q: &dyn Fn(&str) -> String) -> UpSql {
    let (c, d, f, k) = (q(&m.column), q(&m.to_column), q(&m.fk), q(&m.key));
    let order = m.order.iter().map(|o| format!("r.{}", q(o))).collect::<Vec<_>>().join(", ");
    UpSql {
        disagree: format!(
            "SELECT COUNT(*) FROM {t} a WHERE a.{c} IS NOT NULL AND a.{f} IS NOT NULL AND EXISTS (SELECT 1 FROM {t} b WHERE b.{f} = a.{f} AND b.{c} IS NOT NULL AND NOT (b.{c} = a.{c}))"
        ),
        orphans: format!("SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {f} IS NULL"),
        unfilled: format!(
            "SELECT COUNT(*) FROM {p} x WHERE x.{d} IS NULL AND EXISTS (SELECT 1 FROM {t} r WHERE r.{f} = x.{k} AND r.{c} IS NOT NULL)"
        ),
        first: format!("(SELECT r.{c} FROM {t} r WHERE r.{f} = x.{k} AND r.{c} IS NOT NULL ORDER BY {order} LIMIT 1)"),
    }
}

/// The verification before Switch of a move up: every parent whose rows hold a value has one.
fn up_verification(m: &Move, sql: &UpSql) -> crate::plan::CheckQuery {
    crate::plan::CheckQuery {
        title: format!("every {} row whose {} rows hold {} has it", m.to, m.from, m.column),
        change: m.change,
        sql: sql.unfilled.clone(),
        must_be_zero: true,
        before: crate::plan::StageKind::Switch,
        resolution: None,
    }
}

/// The pre-checks of a move up, with what the chosen resolution does.
fn up_checks(m: &Move, sql: &UpSql, resolution: Option<crate::plan::Resolution>) -> Vec<crate::plan::CheckQuery> {
    use crate::plan::{CheckQuery, StageKind};
    vec![
        CheckQuery {
            title: format!("rows of {} whose {} disagrees with another row of the same {} row", m.from, m.column, m.to),
            change: m.change,
            sql: sql.disagree.clone(),
            must_be_zero: true,
            before: StageKind::Backfill,
            resolution: resolution.clone(),
        },
        CheckQuery {
            title: format!("rows of {} with {} and no {} row to take it", m.from, m.column, m.to),
            change: m.change,
            sql: sql.orphans.clone(),
            must_be_zero: true,
            before: StageKind::Contract,
            resolution,
        },
    ]
}

pub(in crate::plan) mod postgres {
    //! Move up: the column goes to the table its table references; triggers keep one value per
    //! parent while v1 and v2 run.

    use super::{up_checks, up_sql, Way};
    use crate::plan::postgres::*;

    pub(in crate::plan) fn move_columns_up(ctx: &Ctx<'_>, b: &mut Builder) {
        for m in super::moves(ctx.base, ctx.target, ctx.changes).into_iter().flatten() {
            if m.way == Way::Up {
                move_up(ctx, &m, b);
            }
        }
    }

    fn move_up(ctx: &Ctx<'_>, m: &super::Move, b: &mut Builder) {
        let i = m.change;
        let (t, p) = (m.from.as_str(), m.to.as_str());
        let (tt, pt) = (tq(t), tq(p));
        let (c, d, f, k) = (q(&m.column), q(&m.to_column), q(&m.fk), q(&m.key));
        let lt = ctx.lock_timeout();
        let sql = up_sql(m, &tt, &pt, &|n| q(n));
        let resolution = ctx.options.resolutions.get(&ctx.changes[i].describe()).cloned();
        let go_on = resolution == Some(Resolution::ParentValue);
        b.prechecks.extend(up_checks(m, &sql, resolution));
        let (short_t, short_p) = (split_qualified(t).1, split_qualified(p).1);
        let px = PREFIX.trim_end_matches('_');
        let fill = name(&[px, "fill", short_t, short_p]);
        let up = name(&[px, "up", short_t, short_p]);
        let down = name(&[px, "down", short_p, short_t]);
        let fn_of = |table: &str, n: &str| qualified(split_qualified(table).0, n, PG);
        let (fill_fn, up_fn, down_fn) = (fn_of(t, &fill), fn_of(t, &up), fn_of(p, &down));
        let fill_body = format!(
            "BEGIN IF NEW.{f} IS NOT NULL AND NEW.{c} IS NULL AND (TG_OP = 'INSERT' OR NEW.{f} IS DISTINCT FROM OLD.{f}) THEN \
             SELECT {d} INTO NEW.{c} FROM {pt} WHERE {k} = NEW.{f}; END IF; RETURN NEW; END"
        );
        let up_body = format!(
            "BEGIN IF pg_trigger_depth() > 1 OR NEW.{f} IS NULL THEN RETURN NEW; END IF; \
             IF TG_OP = 'INSERT' AND NEW.{c} IS NULL THEN RETURN NEW; END IF; \
             IF TG_OP = 'UPDATE' AND NEW.{c} IS NOT DISTINCT FROM OLD.{c} AND NEW.{f} IS NOT DISTINCT FROM OLD.{f} THEN RETURN NEW; END IF; \
             UPDATE {pt} SET {d} = NEW.{c} WHERE {k} = NEW.{f} AND {d} IS DISTINCT FROM NEW.{c}; \
             UPDATE {tt} SET {c} = NEW.{c} WHERE {f} = NEW.{f} AND {c} IS DISTINCT FROM NEW.{c}; RETURN NEW; END"
        );
        // The copy runs as a replica: a parent it fills leaves its rows as they are (where they
        // disagree, each keeps its own until Contract).
        let down_body = format!(
            "BEGIN IF pg_trigger_depth() > 1 OR current_setting('session_replication_role') = 'replica' OR NEW.{d} IS NOT DISTINCT FROM OLD.{d} THEN RETURN NEW; END IF; \
             UPDATE {tt} SET {c} = NEW.{d} WHERE {f} = NEW.{k} AND {c} IS DISTINCT FROM NEW.{d}; RETURN NEW; END"
        );
        let title = format!("move {} from {t} to {p}", m.column);
        let (fill_on, fill_off) =
            row_trigger(&tt, &fill, &fill_fn, &format!("BEFORE INSERT OR UPDATE OF {f}"), &fill_body);
        let (up_on, up_off) = row_trigger(&tt, &up, &up_fn, &format!("AFTER INSERT OR UPDATE OF {c}, {f}"), &up_body);
        let (down_on, down_off) = row_trigger(&pt, &down, &down_fn, &format!("AFTER UPDATE OF {d}"), &down_body);
        let with_timeout = |parts: Vec<Vec<String>>| {
            std::iter::once(lt.clone()).chain(parts.into_iter().flatten()).collect::<Vec<_>>()
        };
        let t_drop = with_timeout(vec![up_off, fill_off]);
        let p_drop = with_timeout(vec![down_off]);
        // One table per step, so that no step holds both tables' locks against v1 or v2.
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: v2's writes to {p} reach the rows of {t}"),
                i,
                with_timeout(vec![down_on]),
                p_drop.clone(),
                (LockMode::ShareRowExclusive, &[p], Effect::Metadata),
                true,
                "a trigger is catalog-only; a value v2 gives a parent reaches its rows, which v1 reads",
                R_SYNC + 5,
            ),
        );
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: v1's writes to {t} reach {p} and the row's siblings"),
                i,
                with_timeout(vec![fill_on, up_on]),
                t_drop.clone(),
                (LockMode::ShareRowExclusive, &[t], Effect::Metadata),
                true,
                "triggers are catalog-only: a value v1 writes to a row reaches its parent and the rows that share it, so every row of a parent reads one value; a row written without one (v2's) takes its parent's",
                R_SYNC + 6,
            ),
        );
        b.push(
            StageKind::Backfill,
            batched(
                format!("copy {} of existing {t} rows into {p}", m.column),
                i,
                format!(
                    "UPDATE {pt} x SET {d} = {} WHERE x.{k} IN (SELECT y.{k} FROM {pt} y WHERE y.{d} IS NULL AND EXISTS (SELECT 1 FROM {tt} r WHERE r.{f} = y.{k} AND r.{c} IS NOT NULL) LIMIT {})",
                    sql.first,
                    ctx.options.batch_size
                ),
                p,
                if go_on {
                    "batches of parents, each its own short transaction; each takes its first row's value (the rows that disagree keep theirs until Contract); rows written meanwhile are kept in step by the triggers"
                } else {
                    "batches of parents, each its own short transaction; the pre-check found every parent's rows agreeing; rows written meanwhile are kept in step by the triggers"
                },
            ),
        );
        b.verifications.push(super::up_verification(m, &sql));
        b.push(
            StageKind::Contract,
            step(
                format!("{title}: drop the triggers on {t}"),
                i,
                t_drop,
                vec![],
                (LockMode::AccessExclusive, &[t], Effect::Metadata),
                true,
                "v1 no longer writes the old column; it is dropped next",
                R_DROP_COLUMN - 4,
            ),
        );
        b.push(
            StageKind::Contract,
            step(
                format!("{title}: drop the trigger on {p}"),
                i,
                p_drop,
                vec![],
                (LockMode::AccessExclusive, &[p], Effect::Metadata),
                true,
                "v1 no longer reads the old column",
                R_DROP_COLUMN - 3,
            ),
        );
        b.app_changes.push(format!("v2 reads and writes {} in {p} instead of {t}: one value per {p} row", m.to_column));
        b.columns_moved(t, p, std::slice::from_ref(&m.column));
    }
}

pub(in crate::plan) mod sqlite {
    //! Move up on SQLite: the same triggers without a trigger depth; each writes only where a
    //! row differs, so an echo does nothing.

    use super::{up_checks, up_sql, Way};
    use crate::plan::sqlite::*;

    pub(in crate::plan) fn move_columns_up(
        base: &Schema,
        target: &Schema,
        changes: &[Change],
        options: &PlanOptions,
        b: &mut Builder,
    ) {
        for m in super::moves(base, target, changes).into_iter().flatten() {
            if m.way == Way::Up {
                move_up(changes, options, &m, b);
            }
        }
    }

    fn move_up(changes: &[Change], options: &PlanOptions, m: &super::Move, b: &mut Builder) {
        let i = m.change;
        let (t, p) = (m.from.as_str(), m.to.as_str());
        let (tt, pt) = (ident(t, SQ), ident(p, SQ));
        let q = |n: &str| ident(n, SQ);
        let (c, d, f, k) = (q(&m.column), q(&m.to_column), q(&m.fk), q(&m.key));
        let sql = up_sql(m, &tt, &pt, &q);
        let resolution = options.resolutions.get(&changes[i].describe()).cloned();
        let go_on = resolution == Some(Resolution::ParentValue);
        b.prechecks.extend(up_checks(m, &sql, resolution));
        let (short_t, short_p) = (split_qualified(t).1, split_qualified(p).1);
        let trigger = |parts: &[&str]| ident(&format!("bellows_{}", parts.join("_")), SQ);
        let (fill, up_ins, up_upd, down) = (
            trigger(&["fill", short_t, short_p]),
            trigger(&["up", short_t, short_p, "ins"]),
            trigger(&["up", short_t, short_p, "upd"]),
            trigger(&["down", short_p, short_t]),
        );
        // SQLite cannot change NEW: a row written without a value takes its parent's after.
        let spread = format!(
            "UPDATE {pt} SET {d} = NEW.{c} WHERE {k} = NEW.{f} AND {d} IS NOT NEW.{c}; UPDATE {tt} SET {c} = NEW.{c} WHERE {f} = NEW.{f} AND {c} IS NOT NEW.{c};"
        );
        let sql_up = vec![
            format!(
                "CREATE TRIGGER {fill} AFTER INSERT ON {tt} WHEN NEW.{f} IS NOT NULL AND NEW.{c} IS NULL BEGIN UPDATE {tt} SET {c} = (SELECT {d} FROM {pt} WHERE {k} = NEW.{f}) WHERE rowid = NEW.rowid AND (SELECT {d} FROM {pt} WHERE {k} = NEW.{f}) IS NOT NULL; END"
            ),
            format!("CREATE TRIGGER {up_ins} AFTER INSERT ON {tt} WHEN NEW.{f} IS NOT NULL AND NEW.{c} IS NOT NULL BEGIN {spread} END"),
            format!(
                "CREATE TRIGGER {up_upd} AFTER UPDATE OF {c}, {f} ON {tt} WHEN NEW.{f} IS NOT NULL AND (NEW.{c} IS NOT OLD.{c} OR NEW.{f} IS NOT OLD.{f}) BEGIN {spread} END"
            ),
            // A parent the copy fills (it had no value, and its rows have) leaves its rows as
            // they are: where they disagree, each keeps its own until Contract.
            format!(
                "CREATE TRIGGER {down} AFTER UPDATE OF {d} ON {pt} WHEN NEW.{d} IS NOT OLD.{d} AND (OLD.{d} IS NOT NULL OR NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k} AND {c} IS NOT NULL)) BEGIN UPDATE {tt} SET {c} = NEW.{d} WHERE {f} = NEW.{k} AND {c} IS NOT NEW.{d}; END"
            ),
        ];
        let drop = vec![
            format!("DROP TRIGGER IF EXISTS {down}"),
            format!("DROP TRIGGER IF EXISTS {up_upd}"),
            format!("DROP TRIGGER IF EXISTS {up_ins}"),
            format!("DROP TRIGGER IF EXISTS {fill}"),
        ];
        let title = format!("move {} from {t} to {p}", m.column);
        b.push(
            StageKind::Expand,
            step(
                format!("{title}: each version's writes reach the other's table"),
                i,
                sql_up,
                drop.clone(),
                p,
                "triggers are schema text: a value v1 writes to a row reaches its parent and the rows that share it, a value v2 gives a parent reaches its rows, and a row written without one takes its parent's",
                25,
            ),
        );
        let copy = batched(
            format!("copy {} of existing {t} rows into {p}", m.column),
            i,
            format!(
                "UPDATE {pt} AS x SET {d} = {} WHERE x.{k} IN (SELECT y.{k} FROM {pt} y WHERE y.{d} IS NULL AND EXISTS (SELECT 1 FROM {tt} r WHERE r.{f} = y.{k} AND r.{c} IS NOT NULL) LIMIT 1000)",
                sql.first
            ),
            p,
            if go_on {
                "batches of parents, each its own short write transaction; each takes its first row's value (the rows that disagree keep theirs until Contract)"
            } else {
                "batches of parents, each its own short write transaction; the pre-check found every parent's rows agreeing"
            },
            false,
        );
        b.push(StageKind::Backfill, copy);
        b.verifications.push(super::up_verification(m, &sql));
        b.push(
            StageKind::Contract,
            step(
                format!("{title}: drop the triggers"),
                i,
                drop,
                vec![],
                p,
                "v1 has stopped; the triggers name the old column, which the rebuild of the old table drops next",
                45,
            ),
        );
        b.app_changes.push(format!("v2 reads and writes {} in {p} instead of {t}: one value per {p} row", m.to_column));
        b.columns_moved(t, p, std::slice::from_ref(&m.column));
    }
}
