//! Set and drop NOT NULL.
//!
//! - PostgreSQL: a CHECK (... IS NOT NULL) NOT VALID, validated, then SET NOT NULL reads it.
//! - MySQL: a gate query for the NULLs, then a `MODIFY` in Contract.
//! - SQLite: the table rebuild, with a pre-check (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn drop_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
        let lt = ctx.lock_timeout();
        if replaced_column(ctx, table, column) {
            return;
        }
        // A column of the old primary key can lose NOT NULL only once that key is gone: after
        // the new key's index is built and the old key dropped or swapped (see `Replacement`).
        let in_old_key = ctx.base_table(table).is_some_and(|t| t.is_primary_key(column));
        let rank = match replacement(ctx, table) {
            Replacement::Swap | Replacement::DropAfterIndex if in_old_key => R_INDEX + 2,
            _ => R_DROP_RULE,
        };
        b.push(
            StageKind::Expand,
            step(
                format!("drop NOT NULL on {table}.{column}"),
                i,
                vec![lt.clone(), format!("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL", tq(table), q(column))],
                vec![lt.clone(), format!("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL", tq(table), q(column))],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                "relaxing a rule is catalog-only and v1 never writes NULL there (its rollback scans the table)",
                rank,
            ),
        );
    }

    /// Backfill: VALIDATE the NOT VALID check. Contract: SET NOT NULL (no scan thanks to the
    /// validated check, PostgreSQL 12+), then drop the check.
    pub(in crate::plan) fn validate_and_set_not_null(
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
    pub(in crate::plan) fn contract_not_null(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        column: &str,
        check: &str,
        b: &mut Builder,
    ) {
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
    pub(in crate::plan) fn set_not_null_step(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str) -> Step {
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

    pub(in crate::plan) fn set_not_null(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        b: &mut Builder,
    ) {
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
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    /// Contract: the gate counts NULLs, then MODIFY gives the column its target definition
    /// (INPLACE, LOCK=NONE: the table is rebuilt while reads and writes go on, and the server
    /// refuses if a NULL is left).
    pub(in crate::plan) fn not_null_in_contract(
        ctx: &Ctx<'_>,
        i: usize,
        table: &str,
        col: &Column,
        filled: bool,
        resolution: &Resolution,
        b: &mut Builder,
    ) {
        let t = ctx.live(table, StageKind::Contract);
        let gate_table = ctx.live(table, StageKind::Switch);
        b.prechecks.push(CheckQuery {
            title: format!("NULLs in {table}.{}", col.name),
            change: i,
            sql: format!("SELECT COUNT(*) FROM {gate_table} WHERE {} IS NULL", q(&col.name)),
            must_be_zero: !filled,
            before: StageKind::Contract,
            resolution: Some(resolution.clone()),
        });
        let mut relaxed = col.clone();
        relaxed.nullable = true;
        timestamp_note(ctx, table, col, b);
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("set NOT NULL on {table}.{}", col.name),
                i,
                modify_to(ctx, &t, col),
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone)],
                (LockMode::Online, &[table], Effect::Rewrite),
                "the gate counted no NULL right before; MODIFY ... NOT NULL rebuilds the table in place while reads and writes go on (brief metadata locks at the start and the end), and the server refuses if a NULL came in since",
                R_RULE,
            ),
        );
        if col.default.is_none() {
            b.v1_breaks
                .push(format!("v1 inserts that leave out {table}.{} fail once it is NOT NULL in Contract", col.name));
        }
    }

    pub(in crate::plan) fn set_not_null(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        column: &str,
        b: &mut Builder,
    ) {
        if replaced(ctx, table, column) || ctx.added_column(table, column) || renamed_to(ctx, table, column) {
            return;
        }
        let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
        let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
        let filled = if let Resolution::Fill { value } = &resolution {
            b.push(
                StageKind::Backfill,
                ctx.batched(
                    format!("fill NULLs in {table}.{column}"),
                    i,
                    table,
                    &format!("{} = {value}", q(column)),
                    &format!("{} IS NULL", q(column)),
                    "the resolution chosen for rows the new rule rejects",
                ),
            );
            true
        } else {
            false
        };
        // The base's type (a type change has its own step) with the target's rule.
        let mut c = col.clone();
        if let Some(old) = ctx.base_table(table).and_then(|bt| bt.column(column)) {
            if !replaced(ctx, table, column) {
                c.data_type = old.data_type.clone();
                if ctx.changes.iter().any(|x| matches!(x, Change::ChangeType { table: t, column: cc, .. } if same_name(t, table) && same_name(cc, column))) {
                    c.data_type = col.data_type.clone();
                }
            }
        }
        not_null_in_contract(ctx, i, table, &c, filled, &resolution, b);
        b.notes.push(format!(
            "precondition of NOT NULL on {table}.{column}: from Expand on v1 writes no NULL there{}",
            if filled { "; rows it writes before Contract are filled again by the gate's resolution" } else { "" }
        ));
    }

    pub(in crate::plan) fn drop_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
        if replaced(ctx, table, column) || renamed_to(ctx, table, column) {
            return;
        }
        let Some(col) = ctx.target_table(table).and_then(|t| t.column(column)) else { return };
        let Some(old) = ctx.base_table(table).and_then(|bt| bt.column(column)) else { return };
        let mut relaxed = old.clone();
        relaxed.nullable = true;
        relaxed.default = col.default.clone().or(old.default.clone());
        // A primary key column is NOT NULL for as long as the key holds it: InnoDB keeps it so
        // without a word (MariaDB 10.11 runs the MODIFY and the column stays NOT NULL). The plan
        // drops or swaps that key in Contract, so the column is relaxed there, after the key.
        let key_goes = ctx.base_table(table).is_some_and(|bt| bt.is_primary_key(column))
            && ctx.changes.iter().any(|c| matches!(c, Change::DropPrimaryKey { table: x, .. } if same_name(x, table)));
        let (stage, rank, why) = if key_goes {
            b.v2_waits.push(format!(
                "v2 may leave {table}.{column} NULL only after Contract, which takes it out of the primary key"
            ));
            (
                StageKind::Contract,
                R_RULE + 3,
                "relaxing a rule once the primary key no longer holds the column: the table is rebuilt in place while reads and writes go on",
            )
        } else {
            (
                StageKind::Expand,
                R_DROP_RULE,
                "relaxing a rule: the table is rebuilt in place while reads and writes go on, and v1 never writes NULL there",
            )
        };
        let t = ctx.live(table, stage);
        b.push(
            stage,
            ctx.step(
                format!("drop NOT NULL on {table}.{column}"),
                i,
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(&relaxed)), Algorithm::InplaceNone)],
                vec![ctx.alter(&t, &format!("MODIFY COLUMN {}", column_sql(old)), Algorithm::InplaceNone)],
                (LockMode::Online, &[table], Effect::Rewrite),
                why,
                rank,
            ),
        );
    }
}
