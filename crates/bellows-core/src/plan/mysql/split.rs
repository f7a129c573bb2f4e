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

use super::{name, q, tq, Ctx, PREFIX, R_DROP_COLUMN, R_SYNC};
use crate::model::*;
use crate::plan::split::Split;
use crate::plan::{Builder, CheckQuery, Effect, LockMode, StageKind};

pub(super) fn split_tables(ctx: &Ctx<'_>, b: &mut Builder) {
    for split in crate::plan::split::splits(ctx.base, ctx.target, ctx.changes, crate::Dialect::MySql) {
        match split {
            Ok(x) => recipe(ctx, &x, b),
            Err(note) => b.notes.push(note),
        }
    }
}

fn recipe(ctx: &Ctx<'_>, x: &Split, b: &mut Builder) {
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
    let insert_t = format!("INSERT INTO {tt} ({f}, {}) VALUES (NEW.{k}, {});", cols.join(", "), values("NEW"));

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
    let mut t_sql = vec![
        format!("CREATE TRIGGER {} AFTER INSERT ON {tt} FOR EACH ROW BEGIN {to_s} END", q(&t_ins)),
        format!("CREATE TRIGGER {} AFTER UPDATE ON {tt} FOR EACH ROW BEGIN {to_s} END", q(&t_upd)),
    ];
    let mut t_drop =
        vec![format!("DROP TRIGGER IF EXISTS {}", q(&t_ins)), format!("DROP TRIGGER IF EXISTS {}", q(&t_upd))];
    if nullable_in_s {
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
            format!("split {list} from {s} into {t}: v2's writes to {t} reach {s}"),
            i,
            t_sql,
            t_drop.clone(),
            (LockMode::Metadata, &[t], Effect::Metadata),
            "creating a trigger takes the table's metadata lock for a moment; one trigger per event, as MySQL requires; they keep v1's columns current while v2 writes the new table",
            R_SYNC + 5,
        ),
    );

    // v1's writes to S reach T.
    let s_sql = vec![
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {st} FOR EACH ROW BEGIN IF ({}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k}) THEN {} {insert_t} {clear} END IF; END",
            q(&s_ins),
            any("NEW."),
            set_mark(&format!("NEW.{k}")),
        ),
        format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {st} FOR EACH ROW BEGIN IF {} THEN {} \
             IF EXISTS (SELECT 1 FROM {tt} WHERE {f} = NEW.{k}) THEN UPDATE {tt} SET {} WHERE {f} = NEW.{k} AND NOT ({}); \
             ELSEIF {} THEN {insert_t} END IF; {clear} END IF; END",
            q(&s_upd),
            not_marked(&format!("NEW.{k}")),
            set_mark(&format!("NEW.{k}")),
            assign("NEW"),
            same("", "NEW"),
            any("NEW."),
        ),
        format!(
            "CREATE TRIGGER {} BEFORE DELETE ON {st} FOR EACH ROW BEGIN {} DELETE FROM {tt} WHERE {f} = OLD.{k}; {clear} END",
            q(&s_del),
            set_mark(&format!("OLD.{k}")),
        ),
    ];
    let s_drop = vec![
        format!("DROP TRIGGER IF EXISTS {}", q(&s_del)),
        format!("DROP TRIGGER IF EXISTS {}", q(&s_upd)),
        format!("DROP TRIGGER IF EXISTS {}", q(&s_ins)),
    ];
    b.push(
        StageKind::Expand,
        ctx.step(
            format!("split {list} from {s} into {t}: v1's writes to {s} reach {t}"),
            i,
            s_sql,
            s_drop.clone(),
            (LockMode::Metadata, &[s], Effect::Metadata),
            "creating a trigger takes the table's metadata lock for a moment; v1's writes to the old columns reach the new table, and deleting a row of the old table takes its new rows with it until Contract",
            R_SYNC + 6,
        ),
    );

    // Backfill: the rows nobody has written since, in batches along the old table's key.
    let s_cols = cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
    let mut copy = ctx.step(
        format!("copy {list} of existing {s} rows into {t}"),
        i,
        vec![format!(
            "INSERT INTO {tt} ({f}, {}) SELECT s.{k}, {s_cols} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k}) ORDER BY s.{k} LIMIT {}",
            cols.join(", "),
            any("s."),
            ctx.options.batch_size
        )],
        vec![],
        (LockMode::None, &[t], Effect::Batched),
        "batches of rows along the old table's key, each its own short transaction; rows written meanwhile are copied by the triggers; the copy reads the old table with shared row locks, so v1's writes to a row wait for one batch at most",
        super::R_BACKFILL,
    );
    copy.repeat_until_no_rows = true;
    b.push(StageKind::Backfill, copy);
    b.verifications.push(CheckQuery {
        title: format!("every {s} row with {list} has them in {t}"),
        change: i,
        sql: format!(
            "SELECT COUNT(*) FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{f} = s.{k} AND {})",
            any("s."),
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
            format!("split {list} from {s} into {t}: drop the triggers on {s}"),
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
            format!("split {list} from {s} into {t}: drop the triggers on {t}"),
            i,
            t_drop,
            vec![],
            (LockMode::Metadata, &[t], Effect::Metadata),
            "v1 no longer reads the old columns",
            R_DROP_COLUMN - 3,
        ),
    );
    b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
    b.columns_moved(s, t, &x.moved);
}
