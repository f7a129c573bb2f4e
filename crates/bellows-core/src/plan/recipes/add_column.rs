//! Add a column.
//!
//! - PostgreSQL: catalog-only where the default allows; a volatile default or a NOT NULL column
//!   goes in steps (add, set the default for new rows, backfill, validate).
//! - MySQL: `ALGORITHM=INSTANT` where the server allows it, else `INPLACE`.
//! - SQLite: `ALTER TABLE ADD COLUMN`, unless the table is rebuilt anyway.

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn add_column(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        b: &mut Builder,
    ) {
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
            sql.push(format!(
                "ALTER TABLE {tt} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                q(&check),
                q(column)
            ));
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
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn add_column(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        b: &mut Builder,
    ) {
        if ctx.added_table(table) || renamed_to(ctx, table, column) {
            return;
        }
        let Some(t) = ctx.target_table(table) else { return };
        let Some(col) = t.column(column) else { return };
        let tt = ctx.live(table, StageKind::Expand);
        // Where the target puts it: after the column before it (instant at any position).
        let position = t.columns.iter().position(|c| same_name(&c.name, column)).unwrap_or(0);
        let place = match position.checked_sub(1).map(|p| &t.columns[p]) {
            Some(prev) => format!(" AFTER {}", q(&prev.name)),
            None => " FIRST".to_string(),
        };
        let drop = vec![ctx.alter(&tt, &format!("DROP COLUMN {}", q(column)), Algorithm::Instant)];
        let expr_default = col.default.as_ref().filter(|d| d.volatile && !is_current_timestamp(&d.expr));
        if col.identity.is_some() || col.generated.as_ref().is_some_and(|g| g.stored) {
            let algorithm = if ctx.server.online_copy() { Algorithm::CopyNone } else { Algorithm::CopyShared };
            let clause = format!("ADD COLUMN {}{place}", column_sql(col));
            let reason = format!(
                "an AUTO_INCREMENT or stored generated column fills every row: the table is copied{}; {}",
                if algorithm == Algorithm::CopyNone { " while writes go on" } else { ", and writes wait for the copy" },
                ctx.copy_tools(table, &clause)
            );
            b.push(
                StageKind::Expand,
                ctx.step(
                    format!("add column {table}.{column} (table copy)"),
                    i,
                    vec![ctx.alter(&tt, &clause, algorithm)],
                    drop,
                    (
                        if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites },
                        &[table],
                        Effect::Rewrite,
                    ),
                    &reason,
                    R_COLUMN,
                ),
            );
            b.app_changes.push(format!("v2 may read and write {table}.{column}"));
            return;
        }
        let instant = col.nullable || (col.default.is_some() && expr_default.is_none());
        if instant && expr_default.is_none() {
            let algorithm = if col.generated.is_some() { Algorithm::InplaceNone } else { Algorithm::Instant };
            b.push(
                StageKind::Expand,
                ctx.step(
                    format!("add column {table}.{column}"),
                    i,
                    vec![ctx.alter(&tt, &format!("ADD COLUMN {}{place}", column_sql(col)), algorithm)],
                    drop,
                    (LockMode::Metadata, &[table], Effect::Metadata),
                    if col.nullable {
                        "a nullable column is added in the metadata only (INSTANT); v1 does not see it"
                    } else {
                        "a NOT NULL column with a constant default is added in the metadata only (INSTANT); v1's inserts get the default"
                    },
                    R_COLUMN,
                ),
            );
            b.app_changes.push(format!("v2 may read and write {table}.{column}"));
            return;
        }
        // NOT NULL without a constant default, or a default computed per row: added nullable
        // (instant), the per-row default set for new rows, existing rows filled in batches, and
        // NOT NULL set in Contract after a gate counts the rows still empty.
        let mut nullable = col.clone();
        nullable.nullable = true;
        nullable.default = None;
        let mut sql = vec![ctx.alter(&tt, &format!("ADD COLUMN {}{place}", column_sql(&nullable)), Algorithm::Instant)];
        let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
        let fill = match (&col.default, &resolution) {
            (Some(d), _) => Some(d.expr.clone()),
            (None, Resolution::Fill { value }) => Some(value.clone()),
            _ => None,
        };
        let trigger = name(&[PREFIX.trim_end_matches('_'), "fill", &t.name, column]);
        if let Some(d) = expr_default {
            sql.push(ctx.alter(
                &tt,
                &format!("ALTER COLUMN {} SET DEFAULT {}", q(column), paren(&d.expr)),
                Algorithm::Instant,
            ));
        } else if let Some(value) = &fill {
            // v1 inserts without the column: a trigger fills it, as the target's rule will.
            sql.push(format!(
                "CREATE TRIGGER {} BEFORE INSERT ON {tt} FOR EACH ROW SET NEW.{c} = COALESCE(NEW.{c}, {value})",
                q(&trigger),
                c = q(column)
            ));
        }
        let mut undo = vec![format!("DROP TRIGGER IF EXISTS {}", q(&trigger))];
        undo.extend(drop);
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("add column {table}.{column}, nullable until Contract"),
                i,
                sql,
                undo,
                (LockMode::Metadata, &[table], Effect::Metadata),
                "added nullable in the metadata only (INSTANT), so v1's inserts, which leave it out, still work; new rows get their value from the default or the plan's trigger",
                R_COLUMN,
            ),
        );
        if let Some(value) = &fill {
            b.push(
                StageKind::Backfill,
                ctx.batched(
                    format!("fill {table}.{column} in existing rows"),
                    i,
                    table,
                    &format!("{} = {value}", q(column)),
                    &format!("{} IS NULL", q(column)),
                    "existing rows get the value new rows get",
                ),
            );
        }
        b.app_changes.push(format!("v2 writes {table}.{column} on every insert"));
        if col.nullable {
            return;
        }
        not_null_in_contract(ctx, i, table, col, fill.is_some(), &resolution, b);
        if fill.is_some() && expr_default.is_none() {
            b.push(
                StageKind::Contract,
                ctx.step(
                    format!("drop the fill trigger of {table}.{column}"),
                    i,
                    vec![format!("DROP TRIGGER IF EXISTS {}", q(&trigger))],
                    vec![format!(
                        "CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW SET NEW.{c} = COALESCE(NEW.{c}, {})",
                        q(&trigger),
                        ctx.live(table, StageKind::Contract),
                        fill.clone().unwrap_or_default(),
                        c = q(column)
                    )],
                    (LockMode::Metadata, &[table], Effect::Metadata),
                    "NOT NULL holds from here; the column has the target's definition",
                    R_RULE + 1,
                ),
            );
        }
    }

    pub(in crate::plan) fn is_current_timestamp(expr: &str) -> bool {
        let e = expr.trim().to_ascii_lowercase().replace(' ', "");
        ["current_timestamp", "current_timestamp()", "now()", "localtimestamp", "localtimestamp()"]
            .iter()
            .any(|k| e == *k || e.starts_with(&format!("{}(", k.trim_end_matches("()"))))
    }

    /// A TIMESTAMP column made NOT NULL on MariaDB: the table is copied.
    pub(in crate::plan) fn timestamp_copies(ctx: &Ctx<'_>, col: &Column) -> bool {
        !col.nullable
            && ctx.server.timestamp_not_null_copies()
            && col.data_type.spelling.trim().to_ascii_lowercase().starts_with("timestamp")
    }

    pub(in crate::plan) fn timestamp_note(ctx: &Ctx<'_>, table: &str, col: &Column, b: &mut Builder) {
        if timestamp_copies(ctx, col) {
            b.notes.push(format!(
                "{}: making the TIMESTAMP column {table}.{} NOT NULL copies the table{}",
                ctx.server.label(),
                col.name,
                if ctx.server.online_copy() {
                    " while writes go on"
                } else {
                    ", and writes wait for the copy (a DATETIME column would not)"
                }
            ));
        }
    }
}

pub(in crate::plan) mod sqlite {
    use crate::plan::sqlite::*;

    pub(in crate::plan) fn add_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
        let Some(col) = ctx.target.find_table(table).and_then(|t| t.column(column)) else { return };
        // SQLite adds NOT NULL columns only with a non-NULL default.
        if !ctx.rebuilds(table) {
            b.push(
                StageKind::Expand,
                step(
                    format!("add column {table}.{column}"),
                    i,
                    vec![format!(
                        "ALTER TABLE {} ADD COLUMN {}",
                        ident(table, SQ),
                        column_definition(col, SQ, true, true)
                    )],
                    vec![format!("ALTER TABLE {} DROP COLUMN {}", ident(table, SQ), ident(column, SQ))],
                    table,
                    "ALTER TABLE ADD COLUMN only changes the schema text; v1 does not see it",
                    20,
                ),
            );
        }
    }
}
