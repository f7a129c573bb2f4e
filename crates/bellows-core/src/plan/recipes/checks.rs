//! Add and drop a CHECK.
//!
//! - PostgreSQL: NOT VALID, then VALIDATE.
//! - MySQL: a gate query that counts the rows the rule rejects, right before the ALTER.
//! - SQLite: the table rebuild, with a pre-check (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    pub(in crate::plan) fn drop_check(ctx: &Ctx<'_>, i: usize, table: &str, check: &Check, b: &mut Builder) {
        let readd = constraint_sql_check(check, PG);
        let name = check.name.clone().unwrap_or_else(|| pg_check_name(ctx, table, check));
        let readd = if check.name.is_some() { readd } else { format!("CONSTRAINT {} {readd}", q(&name)) };
        drop_constraint(ctx, i, table, Some(&name), &format!("check ({})", check.expr), Some(readd), None, b)
    }

    pub(in crate::plan) fn add_check(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        check: &Check,
        b: &mut Builder,
    ) {
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
        // Before Expand: from the NOT VALID on, the server holds every written row to the rule,
        // an UPDATE of an old row that breaks it too, so such rows would fail v1's writes.
        b.prechecks.push(CheckQuery {
            title: format!("rows of {table} that break ({})", check.expr),
            change: i,
            sql: format!("SELECT count(*) FROM {tt} WHERE NOT ({})", check.expr),
            must_be_zero: true,
            before: StageKind::Expand,
            resolution: Some(ctx.resolution(change, Resolution::StopBeforeContract)),
        });
        b.notes.push(format!(
            "precondition of CHECK ({}) on {table}: every row passes it; the plan checks existing rows before Expand, and from Expand on v1 must write only rows that pass (the server refuses one that does not, an update of an old row included)",
            check.expr
        ));
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
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn add_check(
        ctx: &Ctx<'_>,
        i: usize,
        change: &Change,
        table: &str,
        check: &Check,
        b: &mut Builder,
    ) {
        if ctx.added_table(table) {
            return;
        }
        let t = ctx.live(table, StageKind::Contract);
        let gate_t = ctx.live(table, StageKind::Switch);
        let resolution = ctx.resolution(change, Resolution::StopBeforeContract);
        b.prechecks.push(CheckQuery {
            title: format!("rows of {table} that break CHECK ({})", check.expr),
            change: i,
            sql: format!("SELECT COUNT(*) FROM {gate_t} WHERE NOT ({})", check.expr),
            must_be_zero: true,
            before: StageKind::Contract,
            resolution: Some(resolution),
        });
        let algorithm = if ctx.server.online_copy() { Algorithm::CopyNone } else { Algorithm::CopyShared };
        let clause = format!(
            "ADD {}CHECK ({})",
            check.name.as_ref().map(|n| format!("CONSTRAINT {} ", q(n))).unwrap_or_default(),
            check.expr
        );
        let undo = match &check.name {
            Some(n) => vec![ctx.alter(&t, &format!("DROP CONSTRAINT {}", q(n)), Algorithm::InplaceNone)],
            None => vec![],
        };
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("CHECK ({}) on {table}", check.expr),
                i,
                vec![ctx.alter(&t, &clause, algorithm)],
                undo,
                (
                    if algorithm == Algorithm::CopyNone { LockMode::Online } else { LockMode::NoWrites },
                    &[table],
                    Effect::Rewrite,
                ),
                &format!(
                    "a CHECK is validated by copying the table{}; the gate counted no violation right before; {}",
                    if algorithm == Algorithm::CopyNone {
                        " while writes go on (online COPY)"
                    } else {
                        ", and writes wait for the copy"
                    },
                    ctx.copy_tools(table, &clause)
                ),
                R_RULE,
            ),
        );
        b.notes.push(format!(
            "precondition of CHECK ({}) on {table}: from Expand on v1 writes only rows that pass it",
            check.expr
        ));
    }

    pub(in crate::plan) fn drop_check(ctx: &Ctx<'_>, i: usize, table: &str, check: &Check, b: &mut Builder) {
        if ctx.dropped_table(table) {
            return;
        }
        // A CHECK written without a name has the one the server gave it: MariaDB numbers a
        // table's unnamed checks CONSTRAINT_1, CONSTRAINT_2, ...; MySQL names them t_chk_1, ....
        let generated = ctx.base_table(table).and_then(|bt| {
            let k = bt.checks.iter().filter(|c| c.name.is_none()).position(|c| c == check)? + 1;
            Some(if ctx.server.is_mariadb() { format!("CONSTRAINT_{k}") } else { format!("{}_chk_{k}", bt.name) })
        });
        let Some(n) = check.name.clone().or(generated) else { return };
        let n = &n;
        if check.name.is_none() {
            b.notes.push(format!(
                "the CHECK ({}) on {table} has no name in the DDL: the plan drops it by the name {} gives it, {n} (SHOW CREATE TABLE shows it)",
                check.expr,
                ctx.server.label()
            ));
        }
        let t = ctx.live(table, StageKind::Expand);
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("drop CHECK {n} on {table}"),
                i,
                vec![ctx.alter(&t, &format!("DROP CONSTRAINT {}", q(n)), Algorithm::InplaceNone)],
                vec![ctx.alter(&t, &format!("ADD CONSTRAINT {} CHECK ({})", q(n), check.expr), Algorithm::CopyShared)],
                (LockMode::Metadata, &[table], Effect::Metadata),
                "relaxing a rule is metadata only; its undo validates the table again, which copies it",
                R_DROP_RULE,
            ),
        );
    }
}
