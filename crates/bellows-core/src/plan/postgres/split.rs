//! Split: a table's columns moved into a new table that references it, kept in step both
//! ways while v1 and v2 run.

use super::*;

/// Split (found by `plan::split`): on top of the create-table and drop-column steps, the values
/// travel: a trigger on S writes them into T (v1 keeps writing S), a batched copy moves the
/// existing rows, a trigger on T writes v2's values back into S (so v1 reads them), and
/// Contract drops the triggers with the old columns.
pub(super) fn split_tables(ctx: &Ctx<'_>, b: &mut Builder) {
    for split in super::super::split::splits(ctx.base, ctx.target, ctx.changes, crate::Dialect::Postgres) {
        match split {
            Ok(x) => split_recipe(ctx, x.change, &x.source, &x.key, &x.table, &x.fk, &x.moved, b),
            Err(note) => b.notes.push(note),
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn split_recipe(
    ctx: &Ctx<'_>,
    i: usize,
    s: &str,
    key: &str,
    t: &str,
    fk: &str,
    moved: &[String],
    b: &mut Builder,
) {
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
    let row =
        |vals: &[String]| if vals.len() == 1 { format!("ROW({})", vals[0]) } else { format!("({})", vals.join(", ")) };
    let set_cols = format!("({list})");
    let forward_body = format!(
        "BEGIN IF pg_trigger_depth() > 1 THEN RETURN NEW; END IF; \
         UPDATE {tt} SET {set_cols} = {nv} WHERE {fk_q} = NEW.{key_q} AND ({list}) IS DISTINCT FROM ({nvl}); \
         IF ({any_new}) AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {fk_q} = NEW.{key_q}) THEN \
         INSERT INTO {tt} ({fk_q}, {list}) VALUES (NEW.{key_q}, {nvl}); END IF; RETURN NEW; END",
        nv = row(&new_vals),
        nvl = new_vals.join(", "),
        any_new = any_value("NEW."),
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
    let back_body = format!(
        "BEGIN IF pg_trigger_depth() > 1 THEN RETURN COALESCE(NEW, OLD); END IF; {on_delete}\
         UPDATE {st} SET {set_cols} = {nv} WHERE {key_q} = NEW.{fk_q} AND ({list}) IS DISTINCT FROM ({nvl}); RETURN NEW; END",
        nv = row(&new_vals),
        nvl = new_vals.join(", "),
    );
    // One table per step: a step that locked both tables in one transaction could deadlock
    // with v1 (writing S, then T through the trigger) or v2 (T, then S): the harness saw it.
    b.push(
        StageKind::Expand,
        step(
            format!("split {list} from {s} into {t}: v2's writes to {t} reach {s}"),
            i,
            vec![
                lt.clone(),
                format!("CREATE OR REPLACE FUNCTION {back_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ {back_body} $$"),
                format!(
                    "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {tt} FOR EACH ROW EXECUTE FUNCTION {back_fn}()",
                    q(&back)
                ),
                always(&tt, &back),
            ],
            vec![
                lt.clone(),
                format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&back)),
                format!("DROP FUNCTION IF EXISTS {back_fn}()"),
            ],
            (LockMode::ShareRowExclusive, &[t], Effect::Metadata),
            true,
            "a trigger is catalog-only; it keeps v1's columns current while v2 writes the new table",
            R_SYNC + 5,
        ),
    );
    b.push(
        StageKind::Expand,
        step(
            format!("split {list} from {s} into {t}: v1's writes to {s} reach {t}"),
            i,
            vec![
                lt.clone(),
                format!("CREATE OR REPLACE FUNCTION {forward_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ {forward_body} $$"),
                format!(
                    "CREATE TRIGGER {} AFTER INSERT OR UPDATE OF {list} ON {st} FOR EACH ROW EXECUTE FUNCTION {forward_fn}()",
                    q(&forward)
                ),
                always(&st, &forward),
                format!("CREATE OR REPLACE FUNCTION {forward_del_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ {delete_body} $$"),
                format!("CREATE TRIGGER {} BEFORE DELETE ON {st} FOR EACH ROW EXECUTE FUNCTION {forward_del_fn}()", q(&forward_del)),
                always(&st, &forward_del),
            ],
            vec![
                lt.clone(),
                format!("DROP TRIGGER IF EXISTS {} ON {st}", q(&forward_del)),
                format!("DROP FUNCTION IF EXISTS {forward_del_fn}()"),
                format!("DROP TRIGGER IF EXISTS {} ON {st}", q(&forward)),
                format!("DROP FUNCTION IF EXISTS {forward_fn}()"),
            ],
            (LockMode::ShareRowExclusive, &[s], Effect::Metadata),
            true,
            "triggers are catalog-only: v1's writes to the old columns reach the new table, and deleting a row of the old table takes its new rows with it until Contract",
            R_SYNC + 6,
        ),
    );
    let copy = batched(
        format!("copy {list} of existing {s} rows into {t}"),
        i,
        format!(
            "INSERT INTO {tt} ({fk_q}, {list}) SELECT s.{key_q}, {} FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q}) LIMIT {}",
            cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", "),
            any_value("s."),
            ctx.options.batch_size
        ),
        t,
        "batches of rows, each its own short transaction; rows written meanwhile are copied by the trigger",
    );
    b.push(StageKind::Backfill, copy);
    b.verifications.push(CheckQuery {
        title: format!("every {s} row with {list} has them in {t}"),
        change: i,
        sql: format!(
            "SELECT count(*) FROM {st} s WHERE ({}) AND NOT EXISTS (SELECT 1 FROM {tt} t WHERE t.{fk_q} = s.{key_q} AND ({}) IS NOT DISTINCT FROM ({}))",
            any_value("s."),
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
            format!("split {list} from {s} into {t}: drop the triggers on {s}"),
            i,
            vec![
                lt.clone(),
                format!("DROP TRIGGER IF EXISTS {} ON {st}", q(&forward_del)),
                format!("DROP FUNCTION IF EXISTS {forward_del_fn}()"),
                format!("DROP TRIGGER IF EXISTS {} ON {st}", q(&forward)),
                format!("DROP FUNCTION IF EXISTS {forward_fn}()"),
            ],
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
            format!("split {list} from {s} into {t}: drop the trigger on {t}"),
            i,
            vec![
                lt.clone(),
                format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&back)),
                format!("DROP FUNCTION IF EXISTS {back_fn}()"),
            ],
            vec![],
            (LockMode::AccessExclusive, &[t], Effect::Metadata),
            true,
            "v1 no longer reads the old columns",
            R_DROP_COLUMN - 3,
        ),
    );
    b.app_changes.push(format!("v2 reads and writes {list} in {t} instead of {s}"));
    b.columns_moved(s, t, moved);
}
