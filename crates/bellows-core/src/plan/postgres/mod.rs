//! PostgreSQL recipes (12 and later). Lock facts are those of `expand-contract.md`.

mod columns;
mod keys;
mod objects;
mod partitions;
mod split;

use columns::*;
use keys::*;
use partitions::*;
use split::*;

use super::{Builder, CheckQuery, Effect, Lock, LockMode, PlanOptions, Resolution, StageKind, Step};
use crate::diff::Change;
use crate::model::*;
use crate::render::ddl::{
    column_definition, constraint_sql_check, create_index_sql, foreign_key_sql, table_statements,
};
use crate::render::{ident, qualified};
use crate::{Dialect, TypeKind};

const PG: Dialect = Dialect::Postgres;
/// Every trigger and function the plan creates starts with this, so Contract and rollbacks can
/// find exactly them.
pub const PREFIX: &str = "bellows_";

// Ranks order steps inside a stage: lower first.
const R_EXTENSION: u32 = 5;
const R_ENUM: u32 = 10;
/// Contract: views, triggers and policies dropped before the columns they read (11 to 15).
const R_DROP_VIEW: u32 = 15;
/// Contract: routines, triggers and policies that get a new definition.
const R_REPLACE_ROUTINE: u32 = 16;
const R_DROP_RULE: u32 = 20;
const R_CREATE_TABLE: u32 = 30;
const R_RENAME_TABLE: u32 = 35;
/// Expand: new routines, before the columns whose defaults may call them.
const R_ROUTINE: u32 = 39;
const R_COLUMN: u32 = 40;
const R_SYNC: u32 = 50;
const R_INDEX: u32 = 60;
const R_RULE: u32 = 70;
const R_FK: u32 = 80;
/// Expand: new views (85 to 94, readers of views later), then triggers and policies.
const R_VIEW: u32 = 85;
const R_TRIGGER: u32 = 95;
const R_BACKFILL: u32 = 90;
const R_VALIDATE: u32 = 100;
const R_DROP_COLUMN: u32 = 120;
const R_DROP_TABLE: u32 = 130;
/// Contract: views with a new query, once the columns they read have their final shape.
const R_REPLACE_VIEW: u32 = 140;
const R_DROP_ROUTINE: u32 = 160;

struct Ctx<'a> {
    base: &'a Schema,
    target: &'a Schema,
    changes: &'a [Change],
    options: &'a PlanOptions,
}

fn tq(name: &str) -> String {
    let (ns, n) = split_qualified(name);
    qualified(ns, n, PG)
}

fn q(name: &str) -> String {
    ident(name, PG)
}

fn lit(text: &str) -> String {
    crate::render::string_literal(text)
}

/// A short, valid identifier from parts (PostgreSQL truncates at 63 bytes).
fn name(parts: &[&str]) -> String {
    let mut n = parts.join("_").to_ascii_lowercase().replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_");
    n.truncate(63);
    n
}

/// The name PostgreSQL gives a constraint written without one (`makeObjectName`): the table's
/// name, the columns' joined by `_`, and the label, the longer of the first two cut until the
/// whole fits in 63 bytes.
fn pg_default_name(table: &str, columns: Option<&str>, label: &str) -> String {
    let (name1, name2) = (split_qualified(table).1, columns.unwrap_or(""));
    let overhead = if name2.is_empty() { 0 } else { 1 } + label.len() + 1;
    let avail = 63usize.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    // Whole characters only.
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if !name2.is_empty() {
        out.push('_');
        out.push_str(&clip(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// The name PostgreSQL gives a CHECK written without one: `t_c_check` when its expression reads
/// one column of the table, `t_check` otherwise.
fn pg_check_name(ctx: &Ctx<'_>, table: &str, check: &Check) -> String {
    let columns: Vec<&Column> = ctx
        .base_table(table)
        .map(|t| t.columns.iter().filter(|c| crate::import::objects::mentions(&check.expr, &c.name)).collect())
        .unwrap_or_default();
    match columns.as_slice() {
        [one] => pg_default_name(table, Some(&one.name), "check"),
        _ => pg_default_name(table, None, "check"),
    }
}

impl Ctx<'_> {
    fn lock_timeout(&self) -> String {
        format!("SET lock_timeout = '{}ms'", self.options.lock_timeout_ms)
    }

    fn target_table(&self, name: &str) -> Option<&Table> {
        self.target.find_table(name)
    }

    /// The base table that became `target_name` (following a rename).
    fn base_table(&self, target_name: &str) -> Option<&Table> {
        let from = self.changes.iter().find_map(|c| match c {
            Change::RenameTable { from, to } if same_name(to, target_name) => Some(from.as_str()),
            _ => None,
        });
        self.base.find_table(from.unwrap_or(target_name))
    }

    fn resolution(&self, change: &Change, default: Resolution) -> Resolution {
        self.options.resolutions.get(&change.describe()).cloned().unwrap_or(default)
    }

    fn rows_note(&self, table: &str) -> String {
        match self.options.row_estimates.get(table) {
            Some(n) => format!(" (about {n} rows)"),
            None => String::new(),
        }
    }

    /// A repeated batch update over `table`: `set` for rows matching `condition`.
    fn batch_update(&self, table: &str, set: &str, condition: &str) -> String {
        let t = tq(table);
        format!(
            "UPDATE {t} SET {set} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} WHERE {condition} LIMIT {}))",
            self.options.batch_size
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn step(
    title: String,
    change: usize,
    sql: Vec<String>,
    rollback: Vec<String>,
    lock: (LockMode, &[&str], Effect),
    transactional: bool,
    reason: &str,
    rank: u32,
) -> Step {
    let sql = referenced_first(sql, &lock);
    let rollback = referenced_first(rollback, &lock);
    Step {
        title,
        change,
        sql,
        rollback,
        lock: Lock { mode: lock.0, tables: lock.1.iter().map(|t| t.to_string()).collect(), effect: lock.2 },
        transactional,
        repeat_until_no_rows: false,
        one_way: false,
        reason: reason.to_string(),
        rank,
    }
}

/// A step that adds a foreign key locks the referenced table too (SHARE ROW EXCLUSIVE), after
/// the table it alters. A unit of work that holds the referenced table and then writes the
/// other would wait on the step while the step waits on it: a deadlock in which the
/// application's transaction may be the one cancelled. Taking the referenced table first, with
/// nothing else held, makes the step the one that waits first in any cycle, so the server
/// cancels the step (which is retried), never the application.
///
/// Its undo drops the key, which locks both tables in ACCESS EXCLUSIVE mode: the referenced
/// one first there too.
fn referenced_first(mut sql: Vec<String>, lock: &(LockMode, &[&str], Effect)) -> Vec<String> {
    let (mode, tables, _) = lock;
    let adds = sql.iter().any(|s| s.contains("FOREIGN KEY"));
    let drops = !adds && sql.iter().any(|s| s.contains("DROP CONSTRAINT"));
    if *mode != LockMode::ShareRowExclusive || tables.len() < 2 || !(adds || drops) {
        return sql;
    }
    let others: Vec<String> = tables[1..].iter().filter(|t| !same_name(t, tables[0])).map(|t| tq(t)).collect();
    if others.is_empty() {
        return sql;
    }
    let at = sql.iter().position(|s| s.starts_with("SET lock_timeout")).map_or(0, |p| p + 1);
    let mode = if adds { "SHARE ROW EXCLUSIVE" } else { "ACCESS EXCLUSIVE" };
    sql.insert(at, format!("LOCK TABLE {} IN {mode} MODE", others.join(", ")));
    sql
}

/// The plan's own triggers fire in every session, the backfill's too (which runs as a
/// replica, so that the application's triggers do not).
fn always(table_sql: &str, trigger: &str) -> String {
    format!("ALTER TABLE {table_sql} ENABLE ALWAYS TRIGGER {}", q(trigger))
}

/// A Backfill step: one statement run again and again, each run its own short transaction,
/// until it changes no row. It fills what the plan added, so the application's own triggers
/// stay out of it (a `last_updated` trigger would mark every row as changed, an audit trigger
/// would log the migration): the session runs as a replica does, with ordinary triggers off.
fn batched(title: String, change: usize, sql: String, table: &str, reason: &str) -> Step {
    let mut s = step(
        title,
        change,
        vec![
            "SET session_replication_role = replica".to_string(),
            "SET lock_timeout = '100ms'".to_string(),
            sql,
            "RESET lock_timeout".to_string(),
            "RESET session_replication_role".to_string(),
        ],
        vec![],
        (LockMode::None, &[table], Effect::Batched),
        true,
        &format!("{reason}; the application's triggers do not fire for the batches (session_replication_role = replica, which needs a superuser or a role granted it), and a batch never waits on the application's locks for more than 100ms (lock_timeout): it gives way and is run again, so a lock cycle never cancels the application's transaction"),
        R_BACKFILL,
    );
    s.repeat_until_no_rows = true;
    s
}

/// A batched step that changes the application's rows (a resolution deleting orphans): its
/// triggers and cascades run, as for any delete.
fn batched_with_triggers(title: String, change: usize, sql: String, table: &str, reason: &str) -> Step {
    let mut s =
        step(title, change, vec![sql], vec![], (LockMode::None, &[table], Effect::Batched), true, reason, R_BACKFILL);
    s.repeat_until_no_rows = true;
    s
}

pub(super) fn plan(base: &Schema, target: &Schema, changes: &[Change], options: &PlanOptions, b: &mut Builder) {
    let ctx = Ctx { base, target, changes, options };
    // Tables whose row type a replaced routine returns or takes, and whose columns change: no
    // body matches a shape between the old and the new, so they are rebuilt in one step.
    let bound = objects::row_type_bound_tables(&ctx);
    for (i, change) in changes.iter().enumerate() {
        // A rebuilt table (and its partitions) takes every change of its columns, keys and
        // indexes with it.
        let on_bound = |t: &str| {
            bound.iter().any(|x| {
                same_name(x, t)
                    || target.find_table(t).and_then(|tb| tb.partition_of.as_deref()).is_some_and(|p| same_name(p, x))
            })
        };
        match change {
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::ChangeType { table, .. }
            | Change::SetNotNull { table, .. }
            | Change::DropNotNull { table, .. }
            | Change::SetDefault { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::AddPrimaryKey { table, .. }
            | Change::DropPrimaryKey { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::CreateTrigger { table, .. }
            | Change::ReplaceTrigger { table, .. }
            | Change::DropTrigger { table, .. }
            | Change::ChangePartitioning { table }
                if on_bound(table) =>
            {
                continue
            }
            _ => recipe(&ctx, i, change, b),
        }
    }
    for table in &bound {
        objects::reshape_in_contract(&ctx, table, b);
    }
    split_tables(&ctx, b);
    objects::blockers(&ctx, b);
    objects::bind_routines_to_row_types(&ctx, b);
}

fn recipe(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
    use Change::*;
    if objects::recipe(ctx, i, change, b) {
        return;
    }
    let lt = ctx.lock_timeout();
    match change {
        CreateEnum { name: e } => {
            let Some(en) = ctx.target.find_enum(e) else { return };
            let labels: Vec<String> = en.labels.iter().map(|l| lit(l)).collect();
            b.push(
                StageKind::Expand,
                step(
                    format!("create enum type {e}"),
                    i,
                    vec![format!("CREATE TYPE {} AS ENUM ({})", tq(e), labels.join(", "))],
                    vec![format!("DROP TYPE {}", tq(e))],
                    (LockMode::None, &[], Effect::Metadata),
                    true,
                    "a new type touches no table",
                    R_ENUM,
                ),
            );
        }
        AddEnumValue { name: e, value } => {
            let mut s = step(
                format!("add value '{value}' to enum {e}"),
                i,
                vec![format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}", tq(e), lit(value))],
                vec![],
                (LockMode::None, &[], Effect::Metadata),
                true,
                "adding an enum value is catalog-only; it cannot be removed again without recreating the type",
                R_ENUM,
            );
            s.one_way = true;
            b.push(StageKind::Expand, s);
            b.notes.push(format!("the new value '{value}' of {e} cannot be rolled back; it stays harmless if unused"));
        }
        RemoveEnumValues { name: e, values } => {
            b.notes.push(format!(
                "removing {} from enum {e} means a new enum type and a type change of every column that uses it; plan that as a column type change",
                values.join(", ")
            ));
        }
        CreateTable { table } => {
            let Some(t) = ctx.target_table(table) else { return };
            let mut sql = match (&t.partition_of, &t.partition_bound) {
                (Some(parent), Some(bound)) => new_partition(ctx, t, parent, bound),
                _ => table_statements(ctx.target, t, PG),
            };
            sql.retain(|s| !s.starts_with("COMMENT"));
            // Foreign keys to tables created in the same plan are fine inline: the ranks put
            // referenced tables first (dependency order below).
            let depth = fk_depth(ctx, t);
            let (lock, reason) = match &t.partition_of {
                Some(parent) => (
                    (LockMode::ShareUpdateExclusive, vec![parent.as_str()]),
                    "a new partition is made a table of its own with its indexes, then attached: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the partitioned table (reads and writes go on) and checks the bound against a default partition if there is one",
                ),
                None => (
                    (LockMode::None, vec![]),
                    "a new table is empty: its constraints and indexes need no staging, and v1 does not know it",
                ),
            };
            b.push(
                StageKind::Expand,
                step(
                    format!("create table {table}"),
                    i,
                    sql,
                    vec![format!("DROP TABLE {}", tq(table))],
                    (lock.0, &lock.1, Effect::Metadata),
                    true,
                    reason,
                    R_CREATE_TABLE + depth,
                ),
            );
            b.app_changes.push(format!("v2 may use the new table {table}"));
        }
        DropTable { table } => {
            let depth = referenced_depth(ctx, table, 0).min(9);
            let around = objects::around(ctx, table, &[], StageKind::Contract, b);
            let mut s = step(
                format!("drop table {table}"),
                i,
                around.wrap(vec![lt.clone(), format!("DROP TABLE {}", tq(table))]),
                vec![],
                (LockMode::AccessExclusive, &[table], Effect::Metadata),
                true,
                &around.reason("after Switch no application version uses it; dropping is one-way (rename it aside first and drop it a release later to keep an undo)"),
                R_DROP_TABLE + depth,
            );
            s.one_way = true;
            b.push(StageKind::Contract, s);
            b.table_dropped(table);
        }
        RenameTable { from, to } => {
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
        AddColumn { table, column } => add_column(ctx, i, change, table, column, b),
        DropColumn { table, column } => drop_column(ctx, i, table, column, b),
        RenameColumn { table, from, to } => rename_column(ctx, i, table, from, to, b),
        ChangeType { table, column, from, to } => change_type(ctx, i, change, table, column, &from.kind, to, b),
        SetNotNull { table, column } => {
            if replaced_column(ctx, table, column) {
                return;
            }
            set_not_null(ctx, i, change, table, column, b);
        }
        DropNotNull { table, column } => {
            if replaced_column(ctx, table, column) {
                return;
            }
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
                    R_DROP_RULE,
                ),
            );
        }
        SetDefault { table, column, from, to } => {
            if replaced_column(ctx, table, column) || added_column(ctx, table, column) {
                return;
            }
            let set = |d: &Option<String>| match d {
                Some(d) => format!("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {d}", tq(table), q(column)),
                None => format!("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT", tq(table), q(column)),
            };
            // v1 may leave the column to its old default: a default is taken away or changed
            // once v1 no longer runs; a new one can come at once.
            let (stage, reason) = if from.is_some() {
                (StageKind::Contract, "v1 relied on the old default when it left the column out; a default applies to new rows only: catalog-only")
            } else {
                (StageKind::Expand, "a default applies to new rows only: catalog-only; v1 wrote the column itself, as it had no default")
            };
            b.push(
                stage,
                step(
                    change.describe(),
                    i,
                    vec![lt.clone(), set(to)],
                    vec![lt.clone(), set(from)],
                    (LockMode::AccessExclusive, &[table], Effect::Metadata),
                    true,
                    reason,
                    R_COLUMN,
                ),
            );
        }
        AddCheck { table, check } => add_check(ctx, i, change, table, check, b),
        DropCheck { table, check } => {
            let readd = constraint_sql_check(check, PG);
            let name = check.name.clone().unwrap_or_else(|| pg_check_name(ctx, table, check));
            let readd = if check.name.is_some() { readd } else { format!("CONSTRAINT {} {readd}", q(&name)) };
            drop_constraint(ctx, i, table, Some(&name), &format!("check ({})", check.expr), Some(readd), None, b)
        }
        DropUnique { table, key } => {
            let readd = crate::render::ddl::constraint_sql_unique(key, PG);
            let name = key.name.clone().unwrap_or_else(|| pg_default_name(table, Some(&key.columns.join("_")), "key"));
            let readd = if key.name.is_some() { readd } else { format!("CONSTRAINT {} {readd}", q(&name)) };
            drop_constraint(
                ctx,
                i,
                table,
                Some(&name),
                &format!("unique ({})", key.columns.join(", ")),
                Some(readd),
                None,
                b,
            )
        }
        DropForeignKey { table, foreign_key } => {
            let name = foreign_key
                .name
                .clone()
                .unwrap_or_else(|| pg_default_name(table, Some(&foreign_key.columns.join("_")), "fkey"));
            let readd = foreign_key_sql(&ForeignKey { name: Some(name.clone()), ..foreign_key.clone() }, PG);
            let what = format!("foreign key ({})", foreign_key.columns.join(", "));
            drop_constraint(ctx, i, table, Some(&name), &what, Some(readd), Some(&foreign_key.ref_table), b)
        }
        DropPrimaryKey { table, key } => {
            let name = key.name.clone().unwrap_or_else(|| format!("{}_pkey", split_qualified(table).1));
            let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
            let readd = format!("CONSTRAINT {} PRIMARY KEY ({})", q(&name), cols.join(", "));
            drop_constraint(ctx, i, table, Some(&name), "primary key", Some(readd), None, b);
        }
        AddForeignKey { table, foreign_key } => {
            if added_table(ctx, table) {
                return;
            }
            add_foreign_key(ctx, i, change, table, foreign_key, b);
        }
        AddUnique { table, key } => {
            if added_table(ctx, table) {
                return;
            }
            add_unique(ctx, i, change, table, key, false, b);
        }
        AddPrimaryKey { table, key } => {
            if added_table(ctx, table) {
                return;
            }
            add_unique(ctx, i, change, table, key, true, b);
        }
        CreateIndex { table, index } => {
            if added_table(ctx, table)
                || ctx.target_table(table).is_some_and(|t| {
                    t.columns.iter().any(|c| replaced_column(ctx, table, &c.name) && index_uses(index, &c.name))
                })
            {
                return; // the column's replacement builds it
            }
            let Some(t) = ctx.target_table(table) else { return };
            if t.partition_by.is_some() {
                partitioned_index(ctx, i, t, index, b);
                return;
            }
            if partition_copy(ctx, t, index) {
                return; // built and attached by its partitioned table's index
            }
            // The same name on an index the plan drops: built under a name of its own, and
            // given its name in Contract, once the old one is gone.
            let replaces = index.name.as_deref().filter(|n| {
                ctx.changes.iter().any(|c| matches!(c, Change::DropIndex { index: old, .. } if old.name.as_deref().is_some_and(|o| same_name(o, n))))
            });
            let built = match replaces {
                Some(n) => Index { name: Some(name(&[PREFIX.trim_end_matches('_'), n])), ..index.clone() },
                None => index.clone(),
            };
            let mut sql = create_index_sql(t, &built, PG);
            sql = sql.replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
            let drop = index_drop(table, &built);
            // A unique index over a column this plan adds is built once the column is filled.
            let new_column = t.columns.iter().any(|c| added_column(ctx, table, &c.name) && index_uses(index, &c.name));
            let (stage, rank) = if index.unique && new_column {
                (StageKind::Backfill, R_VALIDATE + 5)
            } else {
                (StageKind::Expand, R_INDEX)
            };
            if index.unique && index.parts.iter().all(|p| p.column().is_some()) && !added_table(ctx, table) {
                let cols: Vec<String> = index.parts.iter().filter_map(IndexPart::column).map(q).collect();
                let present: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
                let filter = match &index.predicate {
                    Some(p) => format!("({p}) AND {}", present.join(" AND ")),
                    None => present.join(" AND "),
                };
                b.prechecks.push(CheckQuery {
                    title: format!(
                        "duplicate ({}) in {table}, which the unique index {} refuses",
                        cols.join(", "),
                        index.name.as_deref().unwrap_or("")
                    ),
                    change: i,
                    sql: format!(
                        "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {filter} GROUP BY {} HAVING count(*) > 1) d",
                        tq(table),
                        cols.join(", ")
                    ),
                    must_be_zero: true,
                    before: stage,
                    resolution: Some(Resolution::StopBeforeContract),
                });
            }
            b.push(
                stage,
                step(
                    format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
                    i,
                    vec![sql],
                    vec![drop],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Scan),
                    false,
                    "CONCURRENTLY builds without blocking writes; if it fails it leaves an INVALID index: drop it and retry",
                    rank,
                ),
            );
            if let (Some(final_name), Some(temp)) = (replaces, built.name.as_deref()) {
                let ns = split_qualified(table).0;
                b.push(
                    StageKind::Contract,
                    step(
                        format!("give index {temp} the name {final_name}"),
                        i,
                        vec![
                            lt.clone(),
                            format!("ALTER INDEX {} RENAME TO {}", qualified(ns, temp, PG), q(final_name)),
                        ],
                        vec![
                            lt.clone(),
                            format!("ALTER INDEX {} RENAME TO {}", qualified(ns, final_name, PG), q(temp)),
                        ],
                        (LockMode::ShareUpdateExclusive, &[table], Effect::Metadata),
                        true,
                        "the index of that name was dropped just before; renaming is catalog-only",
                        R_DROP_RULE + 1,
                    ),
                );
            }
        }
        DropIndex { table, index } => {
            let Some(bt) = ctx.base_table(table) else { return };
            if bt.partition_by.is_some() {
                drop_partitioned_index(ctx, i, bt, table, index, b);
                return;
            }
            if partition_copy(ctx, bt, index) {
                return; // goes with its partitioned table's index
            }
            let create = create_index_sql(bt, index, PG).replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
            b.push(
                StageKind::Contract,
                step(
                    format!("drop index {} on {table}", index.name.as_deref().unwrap_or("")),
                    i,
                    vec![index_drop(&bt.qualified_name(), index)],
                    vec![create],
                    (LockMode::ShareUpdateExclusive, &[table], Effect::Metadata),
                    false,
                    "DROP INDEX CONCURRENTLY waits for queries using the index instead of blocking the table",
                    R_DROP_RULE,
                ),
            );
        }
        // Objects kept as text: planned by `objects::recipe` above.
        _ => {}
    }
}

/// True when the index reads the column: as a part, in an expression, or in its WHERE.
fn index_uses(index: &Index, column: &str) -> bool {
    use crate::import::objects::mentions;
    index.parts.iter().any(|p| match p {
        IndexPart::Column { name, .. } => same_name(name, column),
        IndexPart::Expression { sql } => mentions(sql, column),
    }) || index.predicate.as_deref().is_some_and(|w| mentions(w, column))
}

fn index_drop(table: &str, index: &Index) -> String {
    let ns = split_qualified(table).0;
    match &index.name {
        Some(n) => format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(ns, n, PG)),
        None => format!("-- the index on {table} has no name: find it with \\d {table} and drop it CONCURRENTLY"),
    }
}

/// How many tables created in this plan a new table references, transitively (for ordering).
fn fk_depth(ctx: &Ctx<'_>, table: &Table) -> u32 {
    super::fk_depth(ctx.target, table).min(9) as u32
}

/// How many tables this plan drops reference `table`, chained: a table goes after those that
/// reference it.
fn referenced_depth(ctx: &Ctx<'_>, table: &str, depth: u32) -> u32 {
    if depth > 8 {
        return depth;
    }
    let dropped = |t: &str| ctx.changes.iter().any(|c| matches!(c, Change::DropTable { table: x } if same_name(x, t)));
    ctx.base
        .tables
        .iter()
        .filter(|t| !same_name(&t.qualified_name(), table) && dropped(&t.qualified_name()))
        .filter(|t| {
            t.foreign_keys.iter().any(|fk| {
                same_name(&fk.ref_table, table) || same_name(split_qualified(&fk.ref_table).1, split_qualified(table).1)
            })
        })
        .map(|t| 1 + referenced_depth(ctx, &t.qualified_name(), depth + 1))
        .max()
        .unwrap_or(0)
}

fn added_table(ctx: &Ctx<'_>, table: &str) -> bool {
    ctx.changes.iter().any(|c| matches!(c, Change::CreateTable { table: t } if same_name(t, table)))
}

fn added_column(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(
        |c| matches!(c, Change::AddColumn { table: t, column: col } if same_name(t, table) && same_name(col, column)),
    )
}

/// True when the column is replaced by a new one in this plan (a rename, or a rewriting type
/// change): its recipe carries the column's rules over.
fn replaced_column(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(|c| match c {
        Change::RenameColumn { table: t, to, .. } => same_name(t, table) && same_name(to, column),
        Change::ChangeType { table: t, column: col, from, to } => {
            same_name(t, table) && same_name(col, column) && !from.kind.is_binary_coercible_to(&to.kind)
        }
        _ => false,
    })
}

fn sync_trigger(table: &str, column: &str) -> (String, String) {
    let short = split_qualified(table).1;
    let n = name(&[PREFIX.trim_end_matches('_'), "sync", short, column]);
    let ns = split_qualified(table).0;
    (n.clone(), qualified(ns, &n, PG))
}
