//! Column recipes: add, drop, rename, change type, NOT NULL, and the replacement column (a new
//! column kept in step by a trigger, backfilled, swapped in Contract) that renames and rewriting
//! type changes share.

use super::*;

pub(super) fn add_column(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
    if added_table(ctx, table)
        || ctx.changes.iter().any(
            |c| matches!(c, Change::RenameColumn { table: t, to, .. } if same_name(t, table) && same_name(to, column)),
        )
    {
        return;
    }
    let Some(t) = ctx.target_table(table) else { return };
    let Some(col) = t.column(column) else { return };
    let lt = ctx.lock_timeout();
    let tt = tq(table);
    let drop = vec![lt.clone(), format!("ALTER TABLE {tt} DROP COLUMN IF EXISTS {}", q(column))];
    let volatile = col.default.as_ref().is_some_and(|d| d.volatile) || col.identity.is_some();
    if col.identity.is_some() && col.default.is_none() {
        b.notes.push(format!(
            "{table}.{column} is an identity/serial column: adding it fills every existing row, which rewrites {table}{}",
            ctx.rows_note(table)
        ));
    }
    if col.nullable && !volatile {
        b.push(
            StageKind::Expand,
            step(
                format!("add column {table}.{column}"),
                i,
                vec![lt.clone(), format!("ALTER TABLE {tt} ADD COLUMN {}", column_definition(col, PG, false, true))],
                drop,
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "a nullable column (with no default or a constant one) is added in the catalog only; v1 does not see it",
                R_COLUMN,
            ),
        );
        b.app_changes.push(format!("v2 may read and write {table}.{column}"));
        return;
    }
    if col.nullable && volatile {
        let default = col.default.as_ref().map(|d| d.expr.clone()).unwrap_or_default();
        b.push(
            StageKind::Expand,
            step(
                format!("add column {table}.{column}, default for new rows"),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} ADD COLUMN {} {}", q(column), col.data_type.spelling),
                    format!("ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {default}", q(column)),
                ],
                drop,
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "a volatile default on ADD COLUMN would rewrite the table; added without it, then set for new rows",
                R_COLUMN,
            ),
        );
        let fill = batched(
            format!("fill {table}.{column} in existing rows"),
            i,
            ctx.batch_update(table, &format!("{} = {default}", q(column)), &format!("{} IS NULL", q(column))),
            table,
            "batches of rows, each its own short transaction",
        );
        b.push(StageKind::Backfill, fill);
        return;
    }
    // NOT NULL with a value computed per row (its volatile default, or a chosen fill such as
    // gen_random_uuid()): added nullable with that default for new rows, filled in batches,
    // then held to NOT NULL through a validated check.
    let per_row = match (&col.default, ctx.resolution(change, Resolution::StopBeforeContract)) {
        (Some(d), _) if d.volatile && col.identity.is_none() => Some((d.expr.clone(), true)),
        (None, Resolution::Fill { value }) if crate::import::is_volatile(&value) => Some((value, false)),
        _ => None,
    };
    if let Some((expr, keeps_default)) = per_row {
        let check = name(&[split_qualified(table).1, column, "not_null"]);
        b.push(
            StageKind::Expand,
            step(
                format!("add column {table}.{column}, filled per row for new rows"),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} ADD COLUMN {} {}", q(column), col.data_type.spelling),
                    format!("ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {expr}", q(column)),
                ],
                drop,
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "a volatile default on ADD COLUMN would rewrite the table: added without it, then set for new rows (v1's too)",
                R_COLUMN,
            ),
        );
        b.push(
            StageKind::Backfill,
            batched(
                format!("fill {table}.{column} in existing rows"),
                i,
                ctx.batch_update(table, &format!("{} = {expr}", q(column)), &format!("{} IS NULL", q(column))),
                table,
                "batches of rows, each its own short transaction",
            ),
        );
        // The rule comes once every row has a value: earlier, an update of a row the fill has
        // not reached would break it (the harness saw it).
        b.push(
            StageKind::Backfill,
            step(
                format!("hold {table}.{column} to NOT NULL, not yet validated"),
                i,
                vec![
                    lt.clone(),
                    format!(
                        "ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                        q(&check),
                        q(column)
                    ),
                ],
                vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&check))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "NOT VALID: no scan under the lock; new rows take the default",
                R_VALIDATE - 1,
            ),
        );
        validate_and_set_not_null(ctx, i, table, column, &check, b);
        if !keeps_default {
            b.push(
                StageKind::Contract,
                step(
                    format!("drop the temporary default of {table}.{column}"),
                    i,
                    vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} DROP DEFAULT", q(column))],
                    vec![lt, format!("ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {expr}", q(column))],
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    "v1, which relied on it, no longer runs",
                    R_DROP_COLUMN,
                ),
            );
        }
        b.app_changes.push(format!("v2 writes {table}.{column} on every insert"));
        return;
    }
    // NOT NULL.
    let fill = match &col.default {
        Some(d) if !d.volatile => Resolution::Fill { value: d.expr.clone() },
        _ => ctx.resolution(change, Resolution::StopBeforeContract),
    };
    let check = name(&[split_qualified(table).1, column, "not_null"]);
    let mut sql = vec![lt.clone()];
    let fill_value = match &fill {
        Resolution::Fill { value } => Some(value.clone()),
        _ => None,
    };
    match &fill_value {
        Some(v) => {
            sql.push(format!("ALTER TABLE {tt} ADD COLUMN {} {} DEFAULT {v}", q(column), col.data_type.spelling))
        }
        None => sql.push(format!("ALTER TABLE {tt} ADD COLUMN {} {}", q(column), col.data_type.spelling)),
    }
    if fill_value.is_some() {
        sql.push(format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", q(&check), q(column)));
    }
    b.push(
        StageKind::Expand,
        step(
            format!("add column {table}.{column} (NOT NULL staged)"),
            i,
            sql,
            drop,
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            if fill_value.is_some() {
                "a constant default fills existing rows in the catalog (no rewrite, PostgreSQL 11+) and lets v1 insert without it; the NOT VALID check holds new rows to the rule at once"
            } else {
                "added nullable, in the catalog only: v1 does not write it, so NOT NULL waits for Contract"
            },
            R_COLUMN,
        ),
    );
    if fill_value.is_none() {
        b.prechecks.push(CheckQuery {
            title: format!("rows where {table}.{column} is NULL"),
            change: i,
            sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NULL", q(column)),
            must_be_zero: true,
            before: StageKind::Contract,
            resolution: Some(Resolution::StopBeforeContract),
        });
        b.notes.push(format!(
            "{table}.{column} is NOT NULL without a default: v1 inserts cannot give it a value, so the plan stops before Contract; choose a fill value to let it go on"
        ));
    }
    if fill_value.is_some() {
        validate_and_set_not_null(ctx, i, table, column, &check, b);
    } else {
        contract_not_null(ctx, i, table, column, &check, b);
    }
    if col.default.is_none() && fill_value.is_some() {
        b.push(
            StageKind::Contract,
            step(
                format!("drop the temporary default of {table}.{column}"),
                i,
                vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} DROP DEFAULT", q(column))],
                vec![
                    lt,
                    format!(
                        "ALTER TABLE {tt} ALTER COLUMN {} SET DEFAULT {}",
                        q(column),
                        fill_value.unwrap_or_default()
                    ),
                ],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "v1, which relied on it, no longer runs",
                R_DROP_COLUMN,
            ),
        );
    }
    b.app_changes.push(format!("v2 writes {table}.{column} on every insert"));
}

/// Backfill: VALIDATE the NOT VALID check. Contract: SET NOT NULL (no scan thanks to the
/// validated check, PostgreSQL 12+), then drop the check.
pub(super) fn validate_and_set_not_null(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    column: &str,
    check: &str,
    b: &mut Builder,
) {
    let tt = tq(table);
    b.push(
        StageKind::Backfill,
        step(
            format!("validate {table}.{column} IS NOT NULL"),
            i,
            vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(check))],
            vec![],
            (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
            true,
            "VALIDATE scans without blocking reads or writes",
            R_VALIDATE,
        ),
    );
    b.push(StageKind::Contract, set_not_null_step(ctx, i, table, column, check));
}

/// NOT NULL in Contract, when v1 could write NULL until then: staged as everywhere else, a NOT
/// VALID check (brief lock), VALIDATE (no write lock), SET NOT NULL (no scan).
pub(super) fn contract_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str, b: &mut Builder) {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    b.push(
        StageKind::Contract,
        step(
            format!("hold {table}.{column} to NOT NULL, not yet validated"),
            i,
            vec![
                lt.clone(),
                format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", q(check), q(column)),
            ],
            vec![lt, format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(check))],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "NOT VALID: no scan under the lock; v1 no longer runs, so every write now keeps the rule",
            R_RULE - 2,
        ),
    );
    b.push(
        StageKind::Contract,
        step(
            format!("validate {table}.{column} IS NOT NULL"),
            i,
            vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(check))],
            vec![],
            (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
            true,
            "VALIDATE scans without blocking reads or writes; it runs once the pre-check finds no NULL",
            R_RULE - 1,
        ),
    );
    b.push(StageKind::Contract, set_not_null_step(ctx, i, table, column, check));
}

/// SET NOT NULL after a validated check (no scan, PostgreSQL 12+), then the check goes.
pub(super) fn set_not_null_step(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str) -> Step {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    step(
        format!("set NOT NULL on {table}.{column}"),
        i,
        vec![
            lt.clone(),
            format!("ALTER TABLE {tt} ALTER COLUMN {} SET NOT NULL", q(column)),
            format!("ALTER TABLE {tt} DROP CONSTRAINT {}", q(check)),
        ],
        vec![
            lt,
            format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", q(check), q(column)),
            format!("ALTER TABLE {tt} ALTER COLUMN {} DROP NOT NULL", q(column)),
        ],
        (LockMode::AccessExclusive, &[table], Effect::Metadata),
        true,
        "the validated check proves no NULL exists, so SET NOT NULL skips its scan",
        R_RULE,
    )
}

pub(super) fn set_not_null(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let default = col.default.as_ref().filter(|d| !d.volatile).map(|d| Resolution::Fill { value: d.expr.clone() });
    let resolution = ctx.resolution(change, default.unwrap_or(Resolution::StopBeforeContract));
    let check = name(&[split_qualified(table).1, column, "not_null"]);
    if !matches!(resolution, Resolution::Fill { .. }) {
        // No fill value: v1 may still write NULL (and update rows that hold one), so no rule
        // can hold before Contract. The plan stops before Contract until the NULLs are gone.
        b.prechecks.push(CheckQuery {
            title: format!("rows where {table}.{column} is NULL"),
            change: i,
            sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NULL", q(column)),
            must_be_zero: true,
            before: StageKind::Contract,
            resolution: Some(resolution.clone()),
        });
        b.notes.push(format!(
            "{table}.{column} becomes NOT NULL with no fill value: v1 may write NULL until Contract, so the rule comes in Contract, once the pre-check finds no NULL (fix them by hand, or choose a fill value)"
        ));
        contract_not_null(ctx, i, table, column, &check, b);
        b.app_changes.push(format!("v2 writes {table}.{column} on every insert and update"));
        b.v1_breaks.push(format!("v1 may write NULL into {table}.{column}, which Contract forbids"));
        return;
    }
    let (trigger, trigger_q) = sync_trigger(table, &format!("{column}_fill"));
    let mut sql = vec![lt.clone()];
    let mut rollback = vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&check))];
    if let Resolution::Fill { value } = &resolution {
        sql.push(format!(
            "CREATE OR REPLACE FUNCTION {trigger_q}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.{c} IS NULL THEN NEW.{c} := {value}; END IF; RETURN NEW; END $$",
            c = q(column)
        ));
        sql.push(format!(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {tt} FOR EACH ROW EXECUTE FUNCTION {trigger_q}()",
            q(&trigger)
        ));
        sql.push(always(&tt, &trigger));
        rollback.push(format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)));
        rollback.push(format!("DROP FUNCTION IF EXISTS {trigger_q}()"));
    }
    sql.push(format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", q(&check), q(column)));
    b.push(
        StageKind::Expand,
        step(
            format!("hold new rows of {table}.{column} to NOT NULL"),
            i,
            sql,
            rollback,
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "the trigger turns v1's NULLs into the fill value; the NOT VALID check applies to new rows without a scan",
            R_RULE,
        ),
    );
    b.prechecks.push(CheckQuery {
        title: format!("rows where {table}.{column} is NULL"),
        change: i,
        sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NULL", q(column)),
        must_be_zero: matches!(resolution, Resolution::StopBeforeContract),
        before: StageKind::Backfill,
        resolution: Some(resolution.clone()),
    });
    if let Resolution::Fill { value } = &resolution {
        let fill = batched(
            format!("fill NULL {table}.{column} with {value}"),
            i,
            ctx.batch_update(table, &format!("{} = {value}", q(column)), &format!("{} IS NULL", q(column))),
            table,
            "batches of rows, each its own short transaction",
        );
        b.push(StageKind::Backfill, fill);
    }
    validate_and_set_not_null(ctx, i, table, column, &check, b);
    if matches!(resolution, Resolution::Fill { .. }) {
        b.push(
            StageKind::Contract,
            step(
                format!("drop the fill trigger of {table}.{column}"),
                i,
                vec![
                    lt.clone(),
                    format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
                    format!("DROP FUNCTION IF EXISTS {trigger_q}()"),
                ],
                vec![],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "the column is NOT NULL now; v1 no longer runs",
                R_DROP_COLUMN,
            ),
        );
    }
    b.verifications.push(CheckQuery {
        title: format!("no NULL left in {table}.{column}"),
        change: i,
        sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NULL", q(column)),
        must_be_zero: true,
        before: StageKind::Contract,
        resolution: None,
    });
}

pub(super) fn drop_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
    if ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table))) {
        return;
    }
    let Some(bt) = ctx.base_table(table) else { return };
    let Some(col) = bt.column(column) else { return };
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    if !col.nullable && col.default.is_none() {
        b.push(
            StageKind::Expand,
            step(
                format!("let v2 omit {table}.{column}"),
                i,
                vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} DROP NOT NULL", q(column))],
                vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} SET NOT NULL", q(column))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "v2 inserts rows without the column; NOT NULL without a default would reject them",
                R_DROP_RULE,
            ),
        );
    }
    let around = objects::around(ctx, &bt.qualified_name(), &[column.to_string()], StageKind::Contract, b);
    let mut s = step(
        format!("drop column {table}.{column}"),
        i,
        around.wrap(vec![lt, format!("ALTER TABLE {tt} DROP COLUMN {}", q(column))]),
        vec![],
        (LockMode::AccessExclusive, &[table], Effect::Metadata),
        true,
        &around.reason("catalog-only (the space is reclaimed by later writes); the values are gone"),
        R_DROP_COLUMN,
    );
    s.one_way = true;
    b.push(StageKind::Contract, s);
    b.column_dropped(table, column);
}

/// Rename: a new column kept equal to the old by a trigger, backfilled, then the old dropped.
pub(super) fn rename_column(ctx: &Ctx<'_>, i: usize, table: &str, from: &str, to: &str, b: &mut Builder) {
    let Some(t) = ctx.target_table(table) else { return };
    let Some(col) = t.column(to) else { return };
    let old_type = ctx.base_table(table).and_then(|bt| bt.column(from)).map(|c| c.data_type.as_type());
    let type_changes = old_type.as_deref().is_some_and(|o| TypeKind::parse(o) != col.data_type.kind);
    // A type change on a renamed column: cast both ways.
    let (up, down) = if type_changes {
        (
            format!("CAST(NEW.{} AS {})", q(from), col.data_type.as_type()),
            format!("CAST(NEW.{} AS {})", q(to), old_type.clone().unwrap_or_default()),
        )
    } else {
        (format!("NEW.{}", q(from)), format!("NEW.{}", q(to)))
    };
    let title = format!("rename column {table}.{from} -> {to}");
    replace_column(ctx, i, table, from, to, col, &up, &down, &title, b);
    b.app_changes.push(format!("v2 reads and writes {table}.{to} instead of {from}"));
}

#[allow(clippy::too_many_arguments)]
pub(super) fn change_type(
    ctx: &Ctx<'_>,
    i: usize,
    change: &Change,
    table: &str,
    column: &str,
    from: &TypeKind,
    to: &crate::DataType,
    b: &mut Builder,
) {
    if ctx.changes.iter().any(
        |c| matches!(c, Change::RenameColumn { table: t, to: n, .. } if same_name(t, table) && same_name(n, column)),
    ) {
        return; // the rename carries the type change
    }
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let old_spelling =
        ctx.base_table(table).and_then(|bt| bt.column(column)).map(|c| c.data_type.as_type()).unwrap_or_default();
    if from.is_binary_coercible_to(&to.kind) {
        let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
        let around = objects::around(ctx, &base_name, &[column.to_string()], StageKind::Expand, b);
        b.push(
            StageKind::Expand,
            step(
                format!("change type of {table}.{column} to {}", to.spelling),
                i,
                around.wrap(vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {} TYPE {}", q(column), to.as_type())]),
                around.wrap_undo(vec![lt, format!("ALTER TABLE {tt} ALTER COLUMN {} TYPE {old_spelling}", q(column))]),
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                &around.reason(
                    "a binary-compatible widening: catalog-only, no rewrite and no scan (its rollback narrows, which scans)",
                ),
                R_COLUMN,
            ),
        );
        return;
    }
    let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
    let staging = name(&[column, "new"]);
    let up = format!("CAST(NEW.{} AS {})", q(column), to.as_type());
    let down = format!("CAST(NEW.{} AS {old_spelling})", q(&staging));
    if can_fail(from, &to.kind) {
        let (test, what) = does_not_fit(&q(column), from, &to.kind, &to.as_type(), ctx.options.pg_version);
        b.prechecks.push(CheckQuery {
            title: format!("rows of {table}.{column} that do not fit {} ({what})", to.spelling),
            change: i,
            sql: format!("SELECT count(*) FROM {tt} WHERE {} IS NOT NULL AND ({test})", q(column)),
            must_be_zero: true,
            before: StageKind::Expand,
            resolution: Some(ctx.resolution(change, Resolution::StopBeforeContract)),
        });
        b.notes.push(format!(
            "precondition of {table}.{column} -> {}: every value fits ({what}); the plan checks existing rows before Expand, and from Expand on v1 must write only such values (the trigger casts v1's writes, so one that does not fit fails)",
            to.spelling
        ));
    }
    let title = format!("change type of {table}.{column} to {}", to.spelling);
    replace_column(ctx, i, table, column, &staging, col, &up, &down, &title, b);
    b.app_changes.push(format!(
        "v2 reads and writes {table}.{staging} ({}) until Contract gives it the name {column}",
        to.spelling
    ));
    if can_fail(&to.kind, from) {
        b.app_changes.push(format!(
            "until Contract v2 writes to {table}.{staging} only values that also fit {old_spelling}: the trigger copies them into {column} for v1, and one that does not fit fails"
        ));
    }
}

/// The rows a cast from `from` to `to` rejects (a predicate on `c`), and the rule in words.
/// On PostgreSQL 16 and later, `pg_input_is_valid` judges text exactly as the cast will;
/// numbers are checked against the target's range (a cast rounds fractions, never rejects them).
pub(super) fn does_not_fit(
    c: &str,
    from: &TypeKind,
    to: &TypeKind,
    spelling: &str,
    pg_version: u32,
) -> (String, String) {
    use TypeKind::*;
    let textual = matches!(from, Text | Varchar { .. } | Char { .. } | Named { .. });
    let range = |t: &TypeKind| -> Option<(&'static str, &'static str)> {
        match t {
            SmallInt => Some(("-32768", "32767")),
            Integer => Some(("-2147483648", "2147483647")),
            BigInt => Some(("-9223372036854775808", "9223372036854775807")),
            _ => None,
        }
    };
    let number = "'^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'";
    if textual && pg_version >= 16 {
        return (format!("NOT pg_input_is_valid({c}::text, {})", lit(spelling)), format!("values {spelling} reads"));
    }
    match (from, to) {
        (_, Varchar { length: Some(n) } | Char { length: Some(n) }) => {
            (format!("char_length({c}::text) > {n}"), format!("at most {n} characters"))
        }
        (_, t) if range(t).is_some() => {
            let (lo, hi) = range(t).unwrap_or(("0", "0"));
            if textual {
                (
                    format!("CASE WHEN {c}::text ~ {number} THEN round({c}::text::numeric) NOT BETWEEN {lo} AND {hi} ELSE true END"),
                    format!("whole numbers from {lo} to {hi}"),
                )
            } else {
                (format!("round({c}::numeric) NOT BETWEEN {lo} AND {hi}"), format!("whole numbers from {lo} to {hi}"))
            }
        }
        (_, Decimal { precision: Some(p), scale }) => {
            let digits = p.saturating_sub(scale.unwrap_or(0));
            let limit = format!("1{}", "0".repeat(digits as usize));
            if textual {
                (
                    format!("CASE WHEN {c}::text ~ {number} THEN abs({c}::text::numeric) >= {limit} ELSE true END"),
                    format!("numbers below {limit} in absolute value"),
                )
            } else {
                (format!("abs({c}::numeric) >= {limit}"), format!("numbers below {limit} in absolute value"))
            }
        }
        (_, Real | Double | Decimal { .. }) => (format!("{c}::text !~ {number}"), "numbers".to_string()),
        (_, Uuid) => (
            format!("{c}::text !~* '^\\{{?[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{12}}\\}}?$'"),
            "UUIDs".to_string(),
        ),
        (_, Boolean) => (
            format!("lower(trim({c}::text)) NOT IN ('t', 'f', 'true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 'y', 'n')"),
            "true or false".to_string(),
        ),
        (_, Date) => (format!("{c}::text !~ '^\\s*[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}'"), "dates as YYYY-MM-DD".to_string()),
        _ => (
            "false".to_string(),
            format!("values {spelling} reads; PostgreSQL before 16 cannot test that without converting, so the copy in Backfill stops the plan on the first one"),
        ),
    }
}

pub(super) fn can_fail(from: &TypeKind, to: &TypeKind) -> bool {
    from.narrows_to(to)
}

/// The shared core of rename and rewriting type change: `new` is added, kept in step with `old`
/// by a trigger in both directions, backfilled, given the old column's rules, and `old` is
/// dropped in Contract.
#[allow(clippy::too_many_arguments)]
pub(super) fn replace_column(
    ctx: &Ctx<'_>,
    i: usize,
    table: &str,
    old: &str,
    new: &str,
    target_col: &Column,
    up: &str,
    down: &str,
    title: &str,
    b: &mut Builder,
) {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let (trigger, function) = sync_trigger(table, new);
    let (o, n) = (q(old), q(new));
    // Expand: the new column (nullable, no constraints yet) and the trigger. On INSERT only v2
    // writes the new column, so a value there wins: the old column may hold nothing but its
    // default, which must not overwrite what v2 wrote. An update that touches neither column
    // of a row the backfill has not reached yet fills the new one too: the row must pass the
    // new column's NOT NULL check, which holds every written row (the harness saw it).
    let body = format!(
        "BEGIN \
         IF TG_OP = 'INSERT' THEN \
           IF NEW.{n} IS NULL THEN NEW.{n} := {up}; ELSE NEW.{o} := {down}; END IF; \
         ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN NEW.{n} := {up}; \
         ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN NEW.{o} := {down}; \
         ELSIF NEW.{n} IS NULL THEN NEW.{n} := {up}; \
         END IF; RETURN NEW; END"
    );
    b.push(
        StageKind::Expand,
        step(
            format!("{title}: add {new} and keep it in step with {old}"),
            i,
            vec![
                lt.clone(),
                format!("ALTER TABLE {tt} ADD COLUMN {n} {}", target_col.data_type.as_type()),
                format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
                format!(
                    "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {tt} FOR EACH ROW EXECUTE FUNCTION {function}()",
                    q(&trigger)
                ),
                always(&tt, &trigger),
            ],
            vec![
                lt.clone(),
                format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
                format!("DROP FUNCTION IF EXISTS {function}()"),
                format!("ALTER TABLE {tt} DROP COLUMN IF EXISTS {n}"),
            ],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "a nullable column is catalog-only; the trigger copies every write from either version to the other column",
            R_SYNC,
        ),
    );
    // What the target has on the column (indexes, unique keys, the primary key, foreign keys)
    // is built on the new column in Expand, CONCURRENTLY, under a name of its own where the
    // old one still holds the target's name; the swap in Contract drops the old column (which
    // takes the old indexes and constraints along) and gives the copies their names.
    let swap = ctx.changes.iter().any(
        |c| matches!(c, Change::ChangeType { table: t, column: col, .. } if same_name(t, table) && same_name(col, old)),
    ) && !ctx
        .changes
        .iter()
        .any(|c| matches!(c, Change::RenameColumn { table: t, to, .. } if same_name(t, table) && same_name(to, old)));
    let final_name = if swap { old } else { new };
    // Every column of the table that this plan replaces, with the name that holds its new
    // values until Contract: an index over several of them is built once (by the first one's
    // recipe), on all their new columns.
    let replaced = replaced_columns(ctx, table);
    let responsible = |uses: &dyn Fn(&str) -> bool| {
        replaced.iter().find(|(f, _)| uses(f)).is_some_and(|(f, _)| same_name(f, final_name))
    };
    let live =
        |text: &str| replaced.iter().fold(text.to_string(), |t, (f, l)| crate::render::rename_identifier(&t, f, &q(l)));
    let live_column =
        |c: &str| replaced.iter().find(|(f, _)| same_name(f, c)).map_or(c.to_string(), |(_, l)| l.clone());
    // An index of the target built on the new columns, under the name `temp`.
    let live_index = |index: &Index, temp: &str| Index {
        name: Some(temp.to_string()),
        parts: index
            .parts
            .iter()
            .map(|p| match p {
                IndexPart::Column { name: c, descending } => {
                    IndexPart::Column { name: live_column(c), descending: *descending }
                }
                IndexPart::Expression { sql } => IndexPart::Expression { sql: live(sql) },
            })
            .collect(),
        predicate: index.predicate.as_deref().map(live),
        ..index.clone()
    };
    let short = split_qualified(table).1;
    let namespace = split_qualified(table).0;
    let taken_in_base = |n: &str| {
        ctx.base.tables.iter().filter(|t| t.namespace.as_deref() == namespace).any(|t| {
            t.indexes.iter().any(|ix| ix.name.as_deref().is_some_and(|x| same_name(x, n)))
                || t.uniques
                    .iter()
                    .chain(t.primary_key.iter())
                    .any(|k| k.name.as_deref().is_some_and(|x| same_name(x, n)))
        })
    };
    let mut after_swap: Vec<String> = Vec::new();
    if let Some(tt_) = ctx.target_table(table) {
        for (k, index) in tt_.indexes.iter().filter(|ix| responsible(&|c: &str| index_uses(ix, c))).enumerate() {
            let final_index = index.name.clone();
            let temp = match &final_index {
                Some(n) if !taken_in_base(n) => n.clone(),
                _ => name(&[PREFIX.trim_end_matches('_'), short, new, &k.to_string(), "idx"]),
            };
            let copy = live_index(index, &temp);
            let sql = create_index_sql(tt_, &copy, PG).replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
            b.push(
                StageKind::Expand,
                step(
                    format!(
                        "index {} on {table}.{new}, as the target has it on {final_name}",
                        final_index.as_deref().unwrap_or("")
                    ),
                    i,
                    vec![sql],
                    vec![index_drop(table, &copy)],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    false,
                    "built without blocking writes, so reads by the new column are as fast at Switch",
                    R_INDEX,
                ),
            );
            if let Some(final_index) = final_index.filter(|f| !same_name(f, &temp)) {
                after_swap.push(format!(
                    "ALTER INDEX {} RENAME TO {}",
                    qualified(namespace, &temp, PG),
                    q(&final_index)
                ));
            }
        }
        let keys: Vec<(bool, &Key)> = tt_
            .primary_key
            .iter()
            .map(|k| (true, k))
            .chain(tt_.uniques.iter().map(|k| (false, k)))
            .filter(|(_, k)| responsible(&|c: &str| k.columns.iter().any(|x| same_name(x, c))))
            .collect();
        for (k, (primary, key)) in keys.into_iter().enumerate() {
            let base_had = ctx.base_table(table).is_some_and(|bt| {
                let pk = bt.primary_key.as_ref().filter(|_| primary);
                pk.is_some_and(|pk| pk.columns.iter().any(|c| same_name(c, old)))
                    || !primary && bt.uniques.iter().any(|u| u.columns.iter().any(|c| same_name(c, old)))
            });
            if !base_had {
                continue; // a key the plan adds: its own recipe builds it
            }
            let index_name =
                name(&[PREFIX.trim_end_matches('_'), short, new, if primary { "pkey" } else { "key" }, &k.to_string()]);
            let cols: Vec<String> = key.columns.iter().map(|c| q(&live_column(c))).collect();
            b.push(
                StageKind::Expand,
                step(
                    format!(
                        "unique index on {table}({}) for its {}",
                        cols.join(", "),
                        if primary { "primary key" } else { "unique key" }
                    ),
                    i,
                    vec![format!("CREATE UNIQUE INDEX CONCURRENTLY {} ON {tt} ({})", q(&index_name), cols.join(", "))],
                    vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(namespace, &index_name, PG))],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    false,
                    "built without blocking writes; it becomes the key in Contract",
                    R_INDEX,
                ),
            );
            let constraint = key.name.clone().unwrap_or_else(|| {
                if primary {
                    format!("{short}_pkey")
                } else {
                    name(&[short, &key.columns.join("_"), "key"])
                }
            });
            after_swap.push(format!(
                "ALTER TABLE {tt} ADD CONSTRAINT {} {} USING INDEX {}",
                q(&constraint),
                if primary { "PRIMARY KEY" } else { "UNIQUE" },
                q(&index_name)
            ));
        }
        for fk in tt_
            .foreign_keys
            .iter()
            .filter(|fk| responsible(&|c: &str| fk.columns.iter().any(|x| same_name(x, c))))
            // A key that references columns another table's recipe replaces too: that
            // recipe builds it, from these new columns to its own.
            .filter(|fk| {
                same_name(&fk.ref_table, table)
                    || !replaced_columns(ctx, &fk.ref_table)
                        .iter()
                        .any(|(f, _)| fk.ref_columns.iter().any(|c| same_name(c, f)))
            })
        {
            let final_fk = fk.name.clone().unwrap_or_else(|| name(&[short, &fk.columns.join("_"), "fkey"]));
            let taken = ctx.base_table(table).is_some_and(|bt| {
                bt.foreign_keys.iter().any(|x| x.name.as_deref().is_some_and(|n| same_name(n, &final_fk)))
            });
            let cname =
                if taken { name(&[PREFIX.trim_end_matches('_'), short, new, "fkey"]) } else { final_fk.clone() };
            let copy = ForeignKey {
                name: Some(cname.clone()),
                columns: fk.columns.iter().map(|c| live_column(c)).collect(),
                ..fk.clone()
            };
            b.push(
                StageKind::Expand,
                step(
                    format!("foreign key on {table}.{new} like the target's, not yet validated"),
                    i,
                    vec![lt.clone(), format!("ALTER TABLE {tt} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                    vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                    (LockMode::ShareRowExclusive, &[table, &fk.ref_table], Effect::Metadata),
                    true,
                    "NOT VALID checks new rows only: a brief lock on both tables",
                    R_FK,
                ),
            );
            b.push(
                StageKind::Backfill,
                step(
                    format!("validate the foreign key on {table}.{new}"),
                    i,
                    vec![format!("ALTER TABLE {tt} VALIDATE CONSTRAINT {}", q(&cname))],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    true,
                    "VALIDATE scans without blocking writes",
                    R_VALIDATE + 1,
                ),
            );
            if taken {
                after_swap.push(format!("ALTER TABLE {tt} RENAME CONSTRAINT {} TO {}", q(&cname), q(&final_fk)));
            }
        }
    }
    // Foreign keys of other tables that reference the column: the old column cannot be
    // dropped under them. Each gets a copy that references the new column, added once the
    // backfill has filled it (a row not yet filled would fail a child's write) and validated;
    // the swap drops the old one and gives the copy its name.
    let mut child_locks: Vec<String> = Vec::new();
    let mut before_drop: Vec<String> = Vec::new();
    let target_name = ctx.target_table(table).map_or(table.to_string(), Table::qualified_name);
    let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
    for child in &ctx.target.tables {
        let child_name = child.qualified_name();
        for (k, fk) in child.foreign_keys.iter().enumerate().filter(|(_, fk)| {
            same_name(&fk.ref_table, &target_name)
                && fk.ref_columns.iter().any(|c| same_name(c, final_name))
                && responsible(&|c: &str| fk.ref_columns.iter().any(|x| same_name(x, c)))
        }) {
            if same_name(&child_name, &target_name)
                && fk.columns.iter().any(|c| replaced.iter().any(|(f, _)| same_name(f, c)))
            {
                continue; // a self-reference over replaced columns: copied with the table's own keys
            }
            // The base's key on the old column, which the swap drops first.
            let Some(base_child) = ctx.base_table(&child_name).or_else(|| {
                let id = child.id;
                ctx.base.tables.iter().find(|t| t.id == id)
            }) else {
                continue; // a new table: its own recipe adds the key after the swap
            };
            let Some(old_fk) = base_child.foreign_keys.iter().find(|b| {
                same_name(&b.ref_table, &base_name)
                    && b.ref_columns.iter().any(|c| same_name(c, old))
                    && same_cols(&b.columns, &fk.columns)
            }) else {
                continue;
            };
            let old_fk_name =
                old_fk.name.clone().unwrap_or_else(|| name(&[&base_child.name, &old_fk.columns.join("_"), "fkey"]));
            let final_fk = fk.name.clone().unwrap_or_else(|| name(&[&child.name, &fk.columns.join("_"), "fkey"]));
            let temp = name(&[PREFIX.trim_end_matches('_'), &child.name, new, &k.to_string(), "fkey"]);
            let ct = tq(&base_child.qualified_name());
            // The child's own columns may be replaced too (both sides of the key widened):
            // the copy joins the two new columns, and the old key goes with the child's swap.
            let child_replaced = replaced_columns(ctx, &child_name);
            let child_live = |c: &str| {
                child_replaced.iter().find(|(f, _)| same_name(f, c)).map_or(c.to_string(), |(_, l)| l.clone())
            };
            let copy = ForeignKey {
                name: Some(temp.clone()),
                columns: fk.columns.iter().map(|c| child_live(c)).collect(),
                ref_table: table.to_string(),
                ref_columns: fk.ref_columns.iter().map(|c| live_column(c)).collect(),
                ..fk.clone()
            };
            b.push(
                StageKind::Backfill,
                step(
                    format!("foreign key {} -> {table}.{new}, not yet validated", base_child.qualified_name()),
                    i,
                    vec![lt.clone(), format!("ALTER TABLE {ct} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                    vec![lt.clone(), format!("ALTER TABLE {ct} DROP CONSTRAINT IF EXISTS {}", q(&temp))],
                    (LockMode::ShareRowExclusive, &[&base_child.qualified_name(), table], Effect::Metadata),
                    true,
                    "after the copy, every row has its new value: NOT VALID checks new writes only, with a brief lock on both tables",
                    R_VALIDATE - 1,
                ),
            );
            b.push(
                StageKind::Backfill,
                step(
                    format!("validate the foreign key {} -> {table}.{new}", base_child.qualified_name()),
                    i,
                    vec![format!("ALTER TABLE {ct} VALIDATE CONSTRAINT {}", q(&temp))],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[&base_child.qualified_name()], Effect::Scan),
                    true,
                    "VALIDATE scans without blocking writes",
                    R_VALIDATE + 1,
                ),
            );
            before_drop.push(format!("ALTER TABLE {ct} DROP CONSTRAINT IF EXISTS {}", q(&old_fk_name)));
            let renamed_child = tq(&child_name);
            if !same_name(&temp, &final_fk) {
                after_swap.push(format!(
                    "ALTER TABLE {renamed_child} RENAME CONSTRAINT {} TO {}",
                    q(&temp),
                    q(&final_fk)
                ));
            }
            child_locks.push(base_child.qualified_name());
        }
    }
    // A partitioned table's partitions may have indexes and foreign keys of their own on the
    // column: each is built on the partition's new column the same way, under a name of its
    // own (the partition may be one this plan creates, with the old one under the final
    // name), and takes the target's name in the swap.
    if let Some(tt_) = ctx.target_table(table).filter(|t| t.partition_by.is_some()) {
        for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table)))
        {
            let pt = tq(&part.qualified_name());
            let pns = part.namespace.as_deref();
            let own_indexes = part.indexes.iter().filter(|ix| {
                !tt_.indexes.iter().any(|p| same_definition(p, ix)) && responsible(&|c: &str| index_uses(ix, c))
            });
            for (k, index) in own_indexes.enumerate() {
                let temp = name(&[PREFIX.trim_end_matches('_'), &part.name, new, &k.to_string(), "idx"]);
                let copy = live_index(index, &temp);
                let sql = create_index_sql(part, &copy, PG).replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
                b.push(
                    StageKind::Expand,
                    step(
                        format!(
                            "index {} on partition {}.{new}, as the target has it on {final_name}",
                            index.name.as_deref().unwrap_or(""),
                            part.qualified_name()
                        ),
                        i,
                        vec![sql],
                        vec![index_drop(&part.qualified_name(), &copy)],
                        (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                        false,
                        "built on the partition without blocking writes",
                        R_INDEX + 1,
                    ),
                );
                if let Some(final_index) = &index.name {
                    after_swap.push(format!("ALTER INDEX {} RENAME TO {}", qualified(pns, &temp, PG), q(final_index)));
                }
            }
            let own_fks = part.foreign_keys.iter().filter(|fk| {
                !tt_.foreign_keys
                    .iter()
                    .any(|p| same_cols(&p.columns, &fk.columns) && same_name(&p.ref_table, &fk.ref_table))
                    && responsible(&|c: &str| fk.columns.iter().any(|x| same_name(x, c)))
            });
            for (k, fk) in own_fks.enumerate() {
                let final_fk = fk.name.clone().unwrap_or_else(|| name(&[&part.name, &fk.columns.join("_"), "fkey"]));
                let cname = name(&[PREFIX.trim_end_matches('_'), &part.name, new, &k.to_string(), "fkey"]);
                let copy = ForeignKey {
                    name: Some(cname.clone()),
                    columns: fk.columns.iter().map(|c| live_column(c)).collect(),
                    ..fk.clone()
                };
                b.push(
                    StageKind::Expand,
                    step(
                        format!(
                            "foreign key on partition {}.{new} like the target's, not yet validated",
                            part.qualified_name()
                        ),
                        i,
                        vec![lt.clone(), format!("ALTER TABLE {pt} ADD {} NOT VALID", foreign_key_sql(&copy, PG))],
                        vec![lt.clone(), format!("ALTER TABLE {pt} DROP CONSTRAINT IF EXISTS {}", q(&cname))],
                        (LockMode::ShareRowExclusive, &[&part.qualified_name(), &fk.ref_table], Effect::Metadata),
                        true,
                        "NOT VALID checks new rows only: a brief lock on the partition and the referenced table",
                        R_FK,
                    ),
                );
                b.push(
                    StageKind::Backfill,
                    step(
                        format!("validate the foreign key on partition {}.{new}", part.qualified_name()),
                        i,
                        vec![format!("ALTER TABLE {pt} VALIDATE CONSTRAINT {}", q(&cname))],
                        vec![],
                        (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                        true,
                        "VALIDATE scans without blocking writes",
                        R_VALIDATE + 1,
                    ),
                );
                after_swap.push(format!("ALTER TABLE {pt} RENAME CONSTRAINT {} TO {}", q(&cname), q(&final_fk)));
            }
        }
    }
    // Backfill: copy old into new in batches.
    let fill = batched(
        format!("{title}: copy existing rows"),
        i,
        ctx.batch_update(
            table,
            &format!("{n} = {}", up.replace("NEW.", "")),
            &format!("{n} IS DISTINCT FROM {}", up.replace("NEW.", "")),
        ),
        table,
        "batches of rows, each its own short transaction; the trigger keeps rows written meanwhile in step",
    );
    b.push(StageKind::Backfill, fill);
    b.verifications.push(CheckQuery {
        title: format!("{table}.{new} equals {old} in every row"),
        change: i,
        sql: format!("SELECT count(*) FROM {tt} WHERE {n} IS DISTINCT FROM {}", up.replace("NEW.", "")),
        must_be_zero: true,
        before: StageKind::Switch,
        resolution: None,
    });
    // NOT NULL on the new column, through the check recipe.
    if !target_col.nullable {
        let check = name(&[split_qualified(table).1, new, "not_null"]);
        b.push(
            StageKind::Expand,
            step(
                format!("hold {table}.{new} to NOT NULL for new rows"),
                i,
                vec![
                    lt.clone(),
                    format!("ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({n} IS NOT NULL) NOT VALID", q(&check)),
                ],
                vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(&check))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "NOT VALID: no scan now; the trigger fills it from every write",
                R_SYNC + 1,
            ),
        );
        validate_and_set_not_null(ctx, i, table, new, &check, b);
    }
    // Sequences the old column owns (serial): the old column's drop would take them along,
    // so the new column owns them from the swap on, and a serial's default moves with it.
    let mut owned: Vec<String> = ctx
        .base
        .sequences
        .iter()
        .filter(|sq| {
            sq.owned_by
                .as_deref()
                .and_then(|o| o.rsplit_once('.'))
                .is_some_and(|(t, c)| same_name(t, &base_name) && same_name(c, old))
        })
        .map(|sq| qualified(sq.namespace.as_deref(), &sq.name, PG))
        .collect();
    // A column written `serial` owns the sequence the server made for it, `t_c_seq` in the
    // table's schema, which no statement of the dump names.
    let base_col = ctx.base_table(table).and_then(|t| t.column(old));
    if owned.is_empty() && base_col.is_some_and(|c| c.identity == Some(Identity::Serial) && c.default.is_none()) {
        let (ns, short) = split_qualified(&base_name);
        owned.push(qualified(ns, &name(&[short, old, "seq"]), PG));
    }
    // A sequence that feeds a widened integer column widens with it (`serial` makes an
    // integer sequence, which would run out where the old column did).
    let seq_type = {
        let t = target_col.data_type.as_type().to_ascii_lowercase();
        let base_t = base_col.map(|c| c.data_type.as_type().to_ascii_lowercase()).unwrap_or_default();
        let int = |x: &str| matches!(x, "smallint" | "int2" | "integer" | "int" | "int4" | "bigint" | "int8");
        (int(&t) && int(&base_t) && t != base_t).then_some(t)
    };
    for sequence in &owned {
        if let Some(t) = &seq_type {
            before_drop.push(format!("ALTER SEQUENCE {sequence} AS {}", t.to_ascii_uppercase()));
        }
        before_drop.push(format!("ALTER SEQUENCE {sequence} OWNED BY {tt}.{n}"));
    }
    let serial_default = (target_col.default.is_none() && target_col.identity == Some(Identity::Serial)).then(|| {
        let sequence = owned.first().cloned().unwrap_or_else(|| q(&name(&[split_qualified(&base_name).1, old, "seq"])));
        DefaultValue { expr: format!("nextval({})", lit(&sequence)), volatile: true }
    });
    if let Some(d) = target_col.default.as_ref().or(serial_default.as_ref()) {
        b.push(
            StageKind::Contract,
            step(
                format!("default of {table}.{new}"),
                i,
                vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {n} SET DEFAULT {}", d.expr)],
                vec![lt.clone(), format!("ALTER TABLE {tt} ALTER COLUMN {n} DROP DEFAULT")],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "catalog-only; set while the trigger still runs, so no insert between the two steps misses it",
                R_DROP_COLUMN - 2,
            ),
        );
    }
    // Contract: drop the trigger and the old column; a type change's staging column takes the
    // old name in the same transaction, and what depends on the old column moves to the new.
    let base_name = ctx.base_table(table).map_or(table.to_string(), Table::qualified_name);
    let around = objects::around(ctx, &base_name, &[old.to_string()], StageKind::Contract, b);
    let mut sql = vec![
        lt.clone(),
        format!("DROP TRIGGER IF EXISTS {} ON {tt}", q(&trigger)),
        format!("DROP FUNCTION IF EXISTS {function}()"),
    ];
    sql.extend(before_drop);
    sql.push(format!("ALTER TABLE {tt} DROP COLUMN {o}"));
    if swap {
        sql.push(format!("ALTER TABLE {tt} RENAME COLUMN {n} TO {o}"));
    }
    sql.extend(after_swap);
    let locked: Vec<&str> = std::iter::once(table).chain(child_locks.iter().map(String::as_str)).collect();
    let mut s = step(
        if swap {
            format!("{title}: drop {old} and give {new} its name")
        } else {
            format!("{title}: drop the trigger and {old}")
        },
        i,
        around.wrap(sql),
        vec![],
        (LockMode::AccessExclusive, &locked, Effect::Metadata),
        true,
        &around.reason(if swap {
            "v1 no longer runs; dropping a column and renaming one are catalog-only, in one short transaction"
        } else {
            "v1 no longer runs; dropping a column is catalog-only"
        }),
        R_DROP_COLUMN,
    );
    s.one_way = true;
    b.push(StageKind::Contract, s);
    b.v1_breaks.push(format!("v1 uses {table}.{old}, dropped in Contract"));
    b.one_way.push(format!("undoing Contract means re-adding {table}.{old} and copying it back from {new}"));
}
