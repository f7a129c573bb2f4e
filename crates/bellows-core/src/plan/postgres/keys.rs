//! Rules: CHECK, foreign keys, UNIQUE and primary keys (NOT VALID, then VALIDATE; unique indexes
//! built CONCURRENTLY, then adopted).

use super::*;

pub(super) fn add_check(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, check: &Check, b: &mut Builder) {
    if added_table(ctx, table) {
        return;
    }
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let cname = check.name.clone().unwrap_or_else(|| name(&[split_qualified(table).1, "check", &i.to_string()]));
    let named = Check { name: Some(cname.clone()), expr: check.expr.clone() };
    b.push(
        StageKind::Expand,
        step(
            format!("add check ({}) on {table}, not yet validated", check.expr),
            i,
            vec![lt.clone(), format!("ALTER TABLE {tt} ADD {} NOT VALID", constraint_sql_check(&named, PG))],
            vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "NOT VALID holds new rows to the rule without scanning existing ones",
            R_RULE,
        ),
    );
    b.prechecks.push(CheckQuery {
        title: format!("rows of {table} that break ({})", check.expr),
        change: i,
        sql: format!("SELECT count(*) FROM {tt} WHERE NOT ({})", check.expr),
        must_be_zero: true,
        before: StageKind::Backfill,
        resolution: Some(ctx.resolution(change, Resolution::StopBeforeContract)),
    });
    b.push(
        StageKind::Backfill,
        step(
            format!("validate check ({}) on {table}", check.expr),
            i,
            vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&cname))],
            vec![],
            (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
            true,
            "VALIDATE scans without blocking reads or writes",
            R_VALIDATE,
        ),
    );
}

/// Drops a constraint in Expand. `referenced`: the table a foreign key points at, which the
/// drop locks too (ACCESS EXCLUSIVE), taken first (see [`referenced_first`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn drop_constraint(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    name: Option<&str>,
    what: &str,
    readd: Option<String>,
    referenced: Option<&str>,
    b: &mut Builder,
) {
    if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
        return;
    }
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let Some(name) = name else {
        b.notes.push(format!(
            "the {what} on {table} has no name in the DDL: drop it by the name PostgreSQL gave it (\\d {table})"
        ));
        return;
    };
    // The undo re-adds the rule without a long lock where it can: NOT VALID, then VALIDATE.
    let rollback = match readd {
        Some(definition) if definition.contains("CHECK") || definition.contains("FOREIGN KEY") => vec![
            lt.clone(),
            format!("ALTER TABLE {tt} ADD {definition} NOT VALID"),
            format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(name)),
        ],
        Some(definition) => vec![lt.clone(), format!("ALTER TABLE {tt} ADD {definition}")],
        None => vec![],
    };
    let referenced = referenced.filter(|r| !same_name(r, table));
    let mut sql = vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(name))];
    let mut rollback = rollback;
    if let Some(r) = referenced {
        sql.insert(1, format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tq(r)));
        if !rollback.is_empty() {
            rollback.insert(1, format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", tq(r)));
        }
    }
    let tables: Vec<&str> = std::iter::once(table).chain(referenced).collect();
    b.push(
        StageKind::Expand,
        step(
            format!("drop {what} on {table}"),
            i,
            sql,
            rollback,
            (LockMode::AccessExclusive, &tables, Effect::Metadata),
            true,
            "relaxing a rule first lets v2 write what the target allows while v1 still runs",
            // Foreign keys go before the keys they may reference.
            if what.starts_with("foreign key") { R_DROP_RULE - 1 } else { R_DROP_RULE },
        ),
    );
}

pub(super) fn add_foreign_key(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, fk: &ForeignKey, b: &mut Builder) {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let cname = fk.name.clone().unwrap_or_else(|| name(&[split_qualified(table).1, &fk.columns.join("_"), "fkey"]));
    let named = ForeignKey { name: Some(cname.clone()), ..fk.clone() };
    let covered = ctx.target_table(table).is_some_and(|t| {
        t.indexes.iter().any(|ix| {
            ix.parts.len() >= fk.columns.len()
                && fk.columns.iter().zip(&ix.parts).all(|(c, p)| p.column().is_some_and(|pc| same_name(pc, c)))
        }) || t.primary_key.as_ref().is_some_and(|k| {
            k.columns.len() >= fk.columns.len() && fk.columns.iter().zip(&k.columns).all(|(a, b)| same_name(a, b))
        })
    });
    let was_covered = ctx.base_table(table).is_some_and(|t| {
        t.indexes.iter().any(|ix| {
            fk.columns.iter().zip(&ix.parts).all(|(c, p)| p.column().is_some_and(|pc| same_name(pc, c)))
                && ix.parts.len() >= fk.columns.len()
        })
    });
    if !covered && !was_covered {
        let index_name = name(&[split_qualified(table).1, &fk.columns.join("_"), "idx"]);
        let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
        b.push(
            StageKind::Expand,
            step(
                format!("index {table}({}) for the new foreign key", fk.columns.join(", ")),
                i,
                vec![format!(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {tt} ({})",
                    q(&index_name),
                    cols.join(", ")
                )],
                vec![format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}",
                    qualified(split_qualified(table).0, &index_name, PG)
                )],
                (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                false,
                "without it every delete in the referenced table scans this one",
                R_INDEX,
            ),
        );
    }
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    let parent = tq(&fk.ref_table);
    let join: Vec<String> = fk
        .columns
        .iter()
        .zip(fk.ref_columns.iter().chain(std::iter::repeat(&"id".to_string())))
        .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
        .collect();
    let not_null: Vec<String> = fk.columns.iter().map(|c| format!("c.{} IS NOT NULL", q(c))).collect();
    let orphans = format!(
        "FROM {tt} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
        not_null.join(" AND "),
        join.join(" AND ")
    );
    b.push(
        StageKind::Expand,
        step(
            format!("add foreign key {table}({}) -> {}, not yet validated", fk.columns.join(", "), fk.ref_table),
            i,
            vec![lt.clone(), format!("ALTER TABLE {tt} ADD {} NOT VALID", foreign_key_sql(&named, PG))],
            vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
            (LockMode::ShareRowExclusive, &[table, &fk.ref_table], Effect::Metadata),
            true,
            "NOT VALID checks new rows only: a brief lock on both tables, no scan",
            R_FK,
        ),
    );
    b.prechecks.push(CheckQuery {
        title: format!("orphan rows in {table}({}) with no {}", fk.columns.join(", "), fk.ref_table),
        change: i,
        sql: format!("SELECT count(*) {orphans}"),
        must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
        before: StageKind::Backfill,
        resolution: Some(resolution.clone()),
    });
    if resolution == Resolution::DeleteOrphans {
        referenced_rows_stop(
            ctx,
            i,
            table,
            "c",
            &format!("SELECT count(*) {orphans}"),
            "orphan",
            StageKind::Backfill,
            b,
        );
    }
    let fix = match &resolution {
        Resolution::DeleteOrphans => {
            Some(format!("DELETE FROM {tt} WHERE ctid IN (SELECT c.ctid {orphans} LIMIT {})", ctx.options.batch_size))
        }
        Resolution::NullOrphans => {
            let set: Vec<String> = fk.columns.iter().map(|c| format!("{} = NULL", q(c))).collect();
            Some(format!(
                "UPDATE {tt} SET {} WHERE ctid IN (SELECT c.ctid {orphans} LIMIT {})",
                set.join(", "),
                ctx.options.batch_size
            ))
        }
        _ => None,
    };
    if let Some(fix) = fix {
        let mut s = batched_with_triggers(
            format!("{} in {table}", resolution.describe()),
            i,
            fix,
            table,
            "the resolution chosen for rows the new foreign key rejects",
        );
        s.one_way = matches!(resolution, Resolution::DeleteOrphans | Resolution::NullOrphans);
        b.push(StageKind::Backfill, s);
    }
    b.push(
        StageKind::Backfill,
        step(
            format!("validate foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table),
            i,
            vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&cname))],
            vec![],
            (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
            true,
            "VALIDATE scans without blocking writes (and takes ROW SHARE on the referenced table)",
            R_VALIDATE,
        ),
    );
}

/// A resolution that deletes rows cannot delete rows other tables reference (without a
/// cascade the delete fails in the middle of the plan; with one it takes rows nobody chose):
/// a pre-check counts them, and while there are any the plan stops before `stage`. `count` is
/// `SELECT count(*) FROM t alias WHERE ...` over the rows the resolution deletes.
#[allow(clippy::too_many_arguments)]
pub(super) fn referenced_rows_stop(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    alias: &str,
    count: &str,
    what: &str,
    stage: StageKind,
    b: &mut Builder,
) {
    let Some(bt) = ctx.base_table(table) else { return };
    let base_name = bt.qualified_name();
    for child in &ctx.base.tables {
        for fk in child.foreign_keys.iter().filter(|fk| {
            same_name(&fk.ref_table, &base_name)
                && fk.on_delete != RefAction::SetNull
                && fk.on_delete != RefAction::SetDefault
        }) {
            let parent_cols: Vec<String> = if fk.ref_columns.is_empty() {
                bt.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default()
            } else {
                fk.ref_columns.clone()
            };
            if parent_cols.len() != fk.columns.len() || parent_cols.is_empty() {
                continue;
            }
            let join: Vec<String> =
                fk.columns.iter().zip(&parent_cols).map(|(c, p)| format!("r.{} = {alias}.{}", q(c), q(p))).collect();
            let sql = format!(
                "{count} AND EXISTS (SELECT 1 FROM {} r WHERE {})",
                tq(&child.qualified_name()),
                join.join(" AND ")
            );
            let verb = if fk.on_delete == RefAction::Cascade {
                "would delete with them (ON DELETE CASCADE)"
            } else {
                "references"
            };
            b.prechecks.push(CheckQuery {
                title: format!(
                    "{what} rows of {table} that {} {verb}: the resolution cannot delete them; resolve them by hand",
                    child.qualified_name()
                ),
                change: i,
                sql,
                must_be_zero: true,
                before: stage,
                resolution: None,
            });
        }
    }
}

pub(super) fn add_unique(
    ctx: &Ctx<'_>,
    i: usize,
    change: &Change,
    table: &str,
    key: &Key,
    primary: bool,
    b: &mut Builder,
) {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let short = split_qualified(table).1;
    let cname = key.name.clone().unwrap_or_else(|| {
        if primary {
            format!("{short}_pkey")
        } else {
            name(&[short, &key.columns.join("_"), "key"])
        }
    });
    let index_name = cname.clone();
    let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
    let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
    // A key over a column this plan adds can only be checked (and indexed) once the column is
    // there and filled: in Backfill instead of Expand.
    let new_column = key.columns.iter().any(|c| added_column(ctx, table, c));
    let (stage, rank) = if new_column { (StageKind::Backfill, R_VALIDATE + 5) } else { (StageKind::Expand, R_INDEX) };
    b.prechecks.push(CheckQuery {
        title: format!("duplicate ({}) in {table}", key.columns.join(", ")),
        change: i,
        sql: format!(
            "SELECT count(*) FROM (SELECT 1 FROM {tt} WHERE {} GROUP BY {} HAVING count(*) > 1) d",
            key.columns.iter().map(|c| format!("{} IS NOT NULL", q(c))).collect::<Vec<_>>().join(" AND "),
            cols.join(", ")
        ),
        must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
        before: stage,
        resolution: Some(resolution.clone()),
    });
    if ctx.target_table(table).is_some_and(|t| t.partition_by.is_some()) {
        partitioned_key(ctx, i, table, key, primary, &cname, b);
        return;
    }
    if resolution == Resolution::KeepFirstDuplicate {
        let same: Vec<String> = key.columns.iter().map(|c| format!("a.{c} = b.{c}", c = q(c))).collect();
        let doomed = format!(
            "SELECT count(*) FROM {tt} a WHERE EXISTS (SELECT 1 FROM {tt} b WHERE {} AND a.ctid > b.ctid)",
            same.join(" AND ")
        );
        referenced_rows_stop(ctx, i, table, "a", &doomed, "duplicate", stage, b);
        let mut s = step(
            format!("delete duplicate ({}) rows in {table}, keeping the first", key.columns.join(", ")),
            i,
            vec![format!("DELETE FROM {tt} a USING {tt} b WHERE {} AND a.ctid > b.ctid", same.join(" AND "))],
            vec![],
            (LockMode::None, &[table], Effect::Batched),
            true,
            "the resolution chosen for rows the new unique key rejects",
            rank - 1,
        );
        s.one_way = true;
        b.push(stage, s);
    }
    b.push(
        stage,
        step(
            format!("unique index on {table}({})", key.columns.join(", ")),
            i,
            vec![format!("CREATE UNIQUE INDEX CONCURRENTLY {} ON {tt} ({})", q(&index_name), cols.join(", "))],
            vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(split_qualified(table).0, &index_name, PG))],
            (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
            false,
            "built without blocking writes; from now on duplicates are rejected",
            rank,
        ),
    );
    let mut sql = vec![lt.clone()];
    if primary {
        for c in &key.columns {
            sql.push(format!("ALTER TABLE {tt} ALTER COLUMN {} SET NOT NULL", q(c)));
        }
        sql.push(format!("ALTER TABLE {tt} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}", q(&cname), q(&index_name)));
    } else {
        sql.push(format!("ALTER TABLE {tt} ADD CONSTRAINT {} UNIQUE USING INDEX {}", q(&cname), q(&index_name)));
    }
    b.push(
        StageKind::Contract,
        step(
            format!(
                "{} ({}) on {table} from its index",
                if primary { "primary key" } else { "unique" },
                key.columns.join(", ")
            ),
            i,
            sql,
            vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            if primary {
                "adopting a built index is catalog-only; SET NOT NULL scans unless the columns are already NOT NULL"
            } else {
                "adopting a built index is catalog-only"
            },
            R_RULE,
        ),
    );
}
