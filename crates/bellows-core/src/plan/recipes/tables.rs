//! Create, drop and rename a table.
//!
//! - PostgreSQL: a new table in Expand (a partition is built apart, then attached); a drop in
//!   Contract; a rename in Expand that leaves a simple, updatable view under the old name for v1.
//! - MySQL: the same shape; the old name stays a view where MySQL lets v1 write through it.
//! - SQLite: create and drop as they are; a rename is part of the table rebuild (`sqlite.rs`).

pub(in crate::plan) mod postgres {
    use crate::plan::postgres::*;

    /// How many tables created in this plan a new table references, transitively (for ordering).
    pub(in crate::plan) fn fk_depth(ctx: &Ctx<'_>, table: &Table) -> u32 {
        crate::plan::fk_depth(ctx.target, table).min(9) as u32
    }

    /// How many tables this plan drops reference `table`, chained: a table goes after those that
    /// reference it.
    pub(in crate::plan) fn referenced_depth(ctx: &Ctx<'_>, table: &str, depth: u32) -> u32 {
        if depth > 8 {
            return depth;
        }
        let dropped =
            |t: &str| ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: x } if same_name(x, t)));
        ctx.base
            .tables
            .iter()
            .filter(|t| !same_name(&t.qualified_name(), table) && dropped(&t.qualified_name()))
            .filter(|t| {
                t.foreign_keys.iter().any(|fk| {
                    same_name(&fk.ref_table, table)
                        || same_name(split_qualified(&fk.ref_table).1, split_qualified(table).1)
                })
            })
            .map(|t| 1 + referenced_depth(ctx, &t.qualified_name(), depth + 1))
            .max()
            .unwrap_or(0)
    }

    pub(in crate::plan) fn create_table(ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        let Some(t) = ctx.target_table(table) else { return };
        let sql = match (&t.partition_of, &t.partition_bound) {
            (Some(parent), Some(bound)) => new_partition(ctx, t, parent, bound),
            _ => table_statements(ctx.target, t, PG),
        };
        // Foreign keys to tables created in the same plan are fine inline: the ranks put
        // referenced tables first (dependency order below).
        let depth = fk_depth(ctx, t);
        let live = live_parents(ctx, table, &t.foreign_keys);
        let (lock, reason) = match &t.partition_of {
                Some(parent) => (
                    (LockMode::ShareUpdateExclusive, vec![parent.as_str()]),
                    "a new partition is made a table of its own with its indexes, then attached: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the partitioned table (reads and writes go on) and checks the bound against a default partition if there is one",
                ),
                None if live.is_empty() => (
                    (LockMode::None, vec![]),
                    "a new table is empty: its constraints and indexes need no staging, and v1 does not know it",
                ),
                None => (
                    (LockMode::ShareRowExclusive, std::iter::once(table).chain(live.iter().copied()).collect()),
                    "a new table is empty: its constraints and indexes need no staging, and v1 does not know it; its foreign keys lock the tables they reference for an instant (SHARE ROW EXCLUSIVE; the undo's DROP TABLE takes ACCESS EXCLUSIVE)",
                ),
            };
        // A key to a live table locks it, in the step and in its undo: both wait under a lock
        // timeout, so neither queues the application's writes behind it.
        let (sql, undo) = if live.is_empty() || t.partition_of.is_some() {
            (sql, vec![format!("DROP TABLE {}", tq(table))])
        } else {
            let lt = ctx.lock_timeout();
            (std::iter::once(lt.clone()).chain(sql).collect(), vec![lt, format!("DROP TABLE {}", tq(table))])
        };
        b.push(
            StageKind::Expand,
            step(
                format!("create table {table}"),
                i,
                sql,
                undo,
                (lock.0, &lock.1, Effect::Metadata),
                true,
                reason,
                R_CREATE_TABLE + depth,
            ),
        );
        b.app_changes.push(format!("v2 may use the new table {table}"));
    }

    /// The tables `fks` reference that the application uses while the step runs: tables of the
    /// base that this plan neither creates nor drops, other than `table` itself. A step that
    /// adds or drops such a key locks each of them too.
    pub(in crate::plan) fn live_parents<'s>(ctx: &Ctx<'_>, table: &str, fks: &'s [ForeignKey]) -> Vec<&'s str> {
        let planned = |t: &str| {
            ctx.changes.iter().any(
                |c| matches!(c, Change::CreateTable { table: x } | Change::DropTable { table: x } if same_name(x, t)),
            )
        };
        let mut out: Vec<&str> = Vec::new();
        for fk in fks {
            let parent = fk.ref_table.as_str();
            if same_name(parent, table)
                || planned(parent)
                || ctx.base_table(parent).is_none()
                || out.iter().any(|p| same_name(p, parent))
            {
                continue;
            }
            out.push(parent);
        }
        out
    }

    pub(in crate::plan) fn drop_table(ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        let lt = ctx.lock_timeout();
        let depth = referenced_depth(ctx, table, 0).min(9);
        let around = around(ctx, table, &[], StageKind::Contract, b);
        // Dropping the table drops its foreign keys, whose triggers sit on the tables they
        // reference: those are locked too (ACCESS EXCLUSIVE), one after another.
        let keys = ctx.base.find_table(table).map(|t| t.foreign_keys.as_slice()).unwrap_or_default();
        let live = live_parents(ctx, table, keys);
        let tables: Vec<&str> = std::iter::once(table).chain(live.iter().copied()).collect();
        let mut s = step(
                format!("drop table {table}"),
                i,
                around.wrap(vec![lt.clone(), format!("DROP TABLE {}", tq(table))]),
                vec![],
                (LockMode::AccessExclusive, &tables, Effect::Metadata),
                true,
                &around.reason("after Switch no application version uses it; dropping is one-way (rename it aside first and drop it a release later to keep an undo)"),
                R_DROP_TABLE + depth,
            );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        b.table_dropped(table);
    }

    pub(in crate::plan) fn rename_table(ctx: &Ctx<'_>, i: usize, from: &str, to: &str, b: &mut Builder) {
        let lt = ctx.lock_timeout();
        let view_from = tq(from);
        let new_name = split_qualified(to).1;
        b.push(
                StageKind::Expand,
                step(
                    format!("rename table {from} to {to}, keep {from} as a view"),
                    i,
                    vec![
                        lt.clone(),
                        format!("ALTER TABLE {} RENAME TO {}", tq(from), q(new_name)),
                        format!("CREATE VIEW {view_from} AS SELECT * FROM {}", tq(to)),
                    ],
                    vec![lt.clone(), format!("DROP VIEW {view_from}"), format!("ALTER TABLE {} RENAME TO {}", tq(to), q(split_qualified(from).1))],
                    (LockMode::AccessExclusive, &[from], Effect::Metadata),
                    true,
                    "a simple view is updatable and applies the table's defaults, so v1 keeps reading and writing the old name",
                    R_RENAME_TABLE,
                ),
            );
        b.push(
            StageKind::Contract,
            step(
                format!("drop the compatibility view {from}"),
                i,
                vec![lt.clone(), format!("DROP VIEW {view_from}")],
                vec![format!("CREATE VIEW {view_from} AS SELECT * FROM {}", tq(to))],
                (LockMode::AccessExclusive, &[to], Effect::Metadata),
                true,
                "no version uses the old name after Switch",
                R_DROP_TABLE,
            ),
        );
        b.app_changes.push(format!("v2 uses table {to} instead of {from}"));
        b.v1_breaks.push(format!("v1 uses {from}, a view dropped in Contract"));
    }
}

pub(in crate::plan) mod mysql {
    use crate::plan::mysql::*;

    pub(in crate::plan) fn create_table(ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        let Some(t) = ctx.target_table(table) else { return };
        let sql: Vec<String> = table_statements(ctx.target, t, MY)
            .into_iter()
            .map(|s| s.trim().trim_end_matches(';').to_string())
            .filter(|s| !s.is_empty() && !s.starts_with("--"))
            .collect();
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("create table {table}"),
                i,
                sql,
                vec![format!("DROP TABLE IF EXISTS {}", tq(table))],
                (LockMode::None, &[], Effect::Metadata),
                "a new table is empty: its keys and indexes need no staging, and v1 does not know it",
                R_CREATE_TABLE + crate::plan::fk_depth(ctx.target, t).min(9) as u32,
            ),
        );
        b.app_changes.push(format!("v2 may use the new table {table}"));
    }

    pub(in crate::plan) fn drop_table(ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        // Tables that reference this one and are dropped too go first.
        let depth = ctx
            .base
            .tables
            .iter()
            .filter(|t| ctx.dropped_table(&t.qualified_name()) && !same_name(&t.qualified_name(), table))
            .filter(|t| t.foreign_keys.iter().any(|fk| same_name(&fk.ref_table, table)))
            .count()
            .min(9) as u32;
        let mut s = ctx.step(
            format!("drop table {table}"),
            i,
            vec![format!("DROP TABLE {}", tq(table))],
            vec![],
            (LockMode::Metadata, &[table], Effect::Metadata),
            "after Switch no application version uses it; dropping is one-way (rename it aside first and drop it a release later to keep an undo)",
            R_DROP_TABLE + 9 - depth,
        );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        if !crate::plan::recipes::merge::merged(ctx.changes, table) {
            b.table_dropped(table);
        }
    }

    /// Rename: v2 reaches the table by its new name through a view from Expand on (a single-table
    /// `SELECT *` view is updatable and insertable, and applies the table's defaults); Contract
    /// swaps the names in one atomic RENAME TABLE, so no query ever finds neither name.
    pub(in crate::plan) fn rename_table(ctx: &Ctx<'_>, i: usize, from: &str, to: &str, b: &mut Builder) {
        let (old, new) = (tq(from), tq(to));
        let parked = tq(&name(&[PREFIX.trim_end_matches('_'), "old", split_qualified(to).1]));
        b.push(
            StageKind::Expand,
            ctx.step(
                format!("let v2 use {to}: a view of {from} under the new name"),
                i,
                vec![format!("CREATE VIEW {new} AS SELECT * FROM {old}")],
                vec![format!("DROP VIEW IF EXISTS {new}")],
                (LockMode::None, &[], Effect::Metadata),
                "a single-table view is updatable and insertable, so v2 reads and writes the table under its new name while v1 keeps the old one; the view lists the columns the table has once Expand's column steps ran",
                R_VIEW,
            ),
        );
        b.push(
            StageKind::Contract,
            ctx.step(
                format!("rename table {from} to {to}, in place of the view"),
                i,
                vec![format!("RENAME TABLE {new} TO {parked}, {old} TO {new}"), format!("DROP VIEW {parked}")],
                vec![
                    format!("RENAME TABLE {new} TO {old}"),
                    format!("CREATE VIEW {new} AS SELECT * FROM {old}"),
                ],
                (LockMode::Metadata, &[from], Effect::Metadata),
                "RENAME TABLE swaps both names in one atomic statement (metadata only); the table's triggers, indexes and the foreign keys to it follow it",
                R_SWAP_TABLE,
            ),
        );
        b.app_changes.push(format!("v2 uses table {to} instead of {from}"));
        b.v1_breaks.push(format!("v1 uses {from}, renamed in Contract"));
    }
}

pub(in crate::plan) mod sqlite {
    use crate::plan::sqlite::*;

    pub(in crate::plan) fn create_table(ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        if let Some(t) = ctx.target.find_table(table) {
            b.push(
                StageKind::Expand,
                step(
                    format!("create table {table}"),
                    i,
                    table_statements(ctx.target, t, SQ),
                    vec![format!("DROP TABLE {}", ident(table, SQ))],
                    table,
                    "a new, empty table",
                    10,
                ),
            );
        }
    }

    pub(in crate::plan) fn drop_table(_ctx: &Ctx<'_>, i: usize, table: &str, b: &mut Builder) {
        let mut s = step(
            format!("drop table {table}"),
            i,
            vec![format!("DROP TABLE {}", ident(table, SQ))],
            vec![],
            table,
            "no version uses it after Switch",
            90,
        );
        s.one_way = true;
        b.push(StageKind::Contract, s);
        b.v1_breaks.push(format!("v1 uses table {table}, dropped in Contract"));
        b.one_way.push(format!("the rows of {table} are gone after Contract"));
    }
}
