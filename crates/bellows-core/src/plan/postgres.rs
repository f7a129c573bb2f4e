//! PostgreSQL (12 and later): what every PostgreSQL recipe reads (the context, quoting, step
//! builders and ranks), the dispatch from a change to its recipe, and the passes over the whole
//! plan. The recipes themselves are in `recipes/`, one file per change kind, beside their MySQL
//! and SQLite counterparts. Lock facts are those of `expand-contract.md`.
//!
//! The `use` items are re-exported to the recipes: `use crate::plan::postgres::*` is a
//! PostgreSQL recipe's whole prelude.

pub(in crate::plan) use super::recipes::{
    add_column::postgres::*, change_type::postgres::*, checks::postgres::*, comments::postgres::*,
    default::postgres::*, drop_column::postgres::*, enums::postgres::*, foreign_keys::postgres::*,
    identity::postgres::*, indexes::postgres::*, keys::postgres::*, lookup::postgres::*, merge::postgres::*,
    not_null::postgres::*, objects::postgres::*, partitions::postgres::*, rename_column::postgres::*,
    split::postgres::*, tables::postgres::*,
};
pub(in crate::plan) use super::{
    Builder, CheckQuery, Effect, Lock, LockMode, PlanOptions, Resolution, StageKind, Step,
};
pub(in crate::plan) use crate::diff::Change;
pub(in crate::plan) use crate::model::*;
pub(in crate::plan) use crate::render::ddl::{
    column_definition, constraint_sql_check, create_index_sql, foreign_key_sql, table_statements,
};
pub(in crate::plan) use crate::render::{ident, qualified};
pub(in crate::plan) use crate::{Dialect, TypeKind};

pub(in crate::plan) const PG: Dialect = Dialect::Postgres;
/// Every trigger and function the plan creates starts with this, so Contract and rollbacks can
/// find exactly them.
pub const PREFIX: &str = "bellows_";

// Ranks order steps inside a stage: lower first.
pub(in crate::plan) const R_EXTENSION: u32 = 5;
pub(in crate::plan) const R_ENUM: u32 = 10;
/// Contract: views, triggers and policies dropped before the columns they read (11 to 15).
pub(in crate::plan) const R_DROP_VIEW: u32 = 15;
/// Contract: routines, triggers and policies that get a new definition.
pub(in crate::plan) const R_REPLACE_ROUTINE: u32 = 16;
pub(in crate::plan) const R_DROP_RULE: u32 = 20;
pub(in crate::plan) const R_CREATE_TABLE: u32 = 30;
pub(in crate::plan) const R_RENAME_TABLE: u32 = 35;
/// Expand: new routines, before the columns whose defaults may call them.
pub(in crate::plan) const R_ROUTINE: u32 = 39;
pub(in crate::plan) const R_COLUMN: u32 = 40;
pub(in crate::plan) const R_SYNC: u32 = 50;
pub(in crate::plan) const R_INDEX: u32 = 60;
pub(in crate::plan) const R_RULE: u32 = 70;
pub(in crate::plan) const R_FK: u32 = 80;
/// Expand: new views (85 to 94, readers of views later), then triggers and policies.
pub(in crate::plan) const R_VIEW: u32 = 85;
pub(in crate::plan) const R_TRIGGER: u32 = 95;
pub(in crate::plan) const R_BACKFILL: u32 = 90;
pub(in crate::plan) const R_VALIDATE: u32 = 100;
pub(in crate::plan) const R_DROP_COLUMN: u32 = 120;
pub(in crate::plan) const R_DROP_TABLE: u32 = 130;
/// Contract: views with a new query, once the columns they read have their final shape.
pub(in crate::plan) const R_REPLACE_VIEW: u32 = 140;
pub(in crate::plan) const R_DROP_ROUTINE: u32 = 160;

pub(in crate::plan) struct Ctx<'a> {
    pub(in crate::plan) base: &'a Schema,
    pub(in crate::plan) target: &'a Schema,
    pub(in crate::plan) changes: &'a [Change],
    pub(in crate::plan) options: &'a PlanOptions,
}

pub(in crate::plan) fn tq(name: &str) -> String {
    let (ns, n) = split_qualified(name);
    qualified(ns, n, PG)
}

pub(in crate::plan) fn q(name: &str) -> String {
    ident(name, PG)
}

pub(in crate::plan) fn lit(text: &str) -> String {
    crate::render::string_literal(text)
}

/// A short, valid identifier from parts (PostgreSQL truncates at 63 bytes).
pub(in crate::plan) fn name(parts: &[&str]) -> String {
    let mut n = parts.join("_").to_ascii_lowercase().replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_");
    n.truncate(63);
    n
}

/// The name PostgreSQL gives a constraint written without one (`makeObjectName`): the table's
/// name, the columns' joined by `_`, and the label, the longer of the first two cut until the
/// whole fits in 63 bytes.
pub(in crate::plan) fn pg_default_name(table: &str, columns: Option<&str>, label: &str) -> String {
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
pub(in crate::plan) fn pg_check_name(ctx: &Ctx<'_>, table: &str, check: &Check) -> String {
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
    pub(in crate::plan) fn lock_timeout(&self) -> String {
        format!("SET lock_timeout = '{}ms'", self.options.lock_timeout_ms)
    }

    pub(in crate::plan) fn target_table(&self, name: &str) -> Option<&Table> {
        self.target.find_table(name)
    }

    /// The base table that became `target_name` (following a rename).
    pub(in crate::plan) fn base_table(&self, target_name: &str) -> Option<&Table> {
        let from = self.changes.iter().find_map(|c| match c {
            Change::RenameTable { from, to } if same_name(to, target_name) => Some(from.as_str()),
            _ => None,
        });
        self.base.find_table(from.unwrap_or(target_name))
    }

    pub(in crate::plan) fn resolution(&self, change: &Change, default: Resolution) -> Resolution {
        self.options.resolutions.get(&change.describe()).cloned().unwrap_or(default)
    }

    pub(in crate::plan) fn rows_note(&self, table: &str) -> String {
        match self.options.row_estimates.get(table) {
            Some(n) => format!(" (about {n} rows)"),
            None => String::new(),
        }
    }

    /// A repeated batch update over `table`: `set` for rows matching `condition`.
    pub(in crate::plan) fn batch_update(&self, table: &str, set: &str, condition: &str) -> String {
        let t = tq(table);
        format!(
            "UPDATE {t} SET {set} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} WHERE {condition} LIMIT {}))",
            self.options.batch_size
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub(in crate::plan) fn step(
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
    let tables = distinct_tables(lock.1);
    let (sql, rollback, reason) = if tables > 1 {
        let (sql, shortened) = shorter_lock_timeout(sql);
        let (rollback, shortened_undo) = shorter_lock_timeout(rollback);
        let count = match tables {
            2 => "two",
            3 => "three",
            _ => "several",
        };
        let reason = if shortened || shortened_undo {
            format!("{reason}; it locks {count} tables{TWO_TABLES_REASON}")
        } else {
            reason.to_string()
        };
        (sql, rollback, reason)
    } else {
        (sql, rollback, reason.to_string())
    };
    Step {
        title,
        change,
        sql,
        rollback,
        lock: Lock { mode: lock.0, tables: lock.1.iter().map(|t| t.to_string()).collect(), effect: lock.2 },
        transactional,
        repeat_until_no_rows: false,
        one_way: false,
        reason,
        rank,
    }
}

/// The longest a step that locks two tables waits for each lock: half of PostgreSQL's default
/// `deadlock_timeout` (1 s).
///
/// Such a step holds one table while it waits for the next, and the application takes the same
/// two in both orders: a write to the referencing table checks its foreign key at the end of
/// the statement (ROW SHARE on the referenced table, taken whatever the key's value), and a
/// delete from the referenced table cascades into the referencing one. A unit of work can
/// therefore slip in between the step's two locks and wait on the first while the step waits
/// on it. In that cycle the server cancels whichever waiter runs its deadlock check first,
/// `deadlock_timeout` after it began to wait, and that may be the application's transaction.
/// A step that gives up its wait sooner is never that waiter: its lock timeout rolls it back,
/// the application's transaction goes on, and the step is run again (it is written to be).
/// `tests/lock_cycles.rs` in bellows-verify forces that cycle on a real server.
pub const TWO_TABLE_LOCK_TIMEOUT_MS: u32 = 500;

const TWO_TABLES_REASON: &str = ", so it waits at most 500ms for each (half of PostgreSQL's deadlock_timeout): in a lock cycle with the application the step gives way and is run again, never the application's transaction";

fn distinct_tables(tables: &[&str]) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for t in tables {
        if !seen.iter().any(|s| same_name(s, t)) {
            seen.push(t);
        }
    }
    seen.len()
}

/// `SET lock_timeout` statements above [`TWO_TABLE_LOCK_TIMEOUT_MS`] lowered to it; true when
/// one was.
fn shorter_lock_timeout(mut sql: Vec<String>) -> (Vec<String>, bool) {
    let mut shortened = false;
    for s in &mut sql {
        let Some(ms) = s
            .strip_prefix("SET lock_timeout = '")
            .and_then(|r| r.strip_suffix("ms'"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if ms > TWO_TABLE_LOCK_TIMEOUT_MS {
            *s = format!("SET lock_timeout = '{TWO_TABLE_LOCK_TIMEOUT_MS}ms'");
            shortened = true;
        }
    }
    (sql, shortened)
}

/// A step that adds a foreign key locks the referenced table too (SHARE ROW EXCLUSIVE), after
/// the table it alters. A unit of work that holds the referenced table and then writes the
/// other would wait on the step while the step waits on it: a deadlock in which the
/// application's transaction may be the one cancelled. Taking the referenced table first, with
/// nothing else held, makes the step wait first in that cycle. That alone is not enough: a
/// write to the referencing table can start between the step's two locks and wait for the
/// first one (its foreign key check) before the step waits for the second, so the step also
/// waits less than the server's deadlock check takes (see [`TWO_TABLE_LOCK_TIMEOUT_MS`]).
///
/// Its undo drops the key, which locks both tables in ACCESS EXCLUSIVE mode: the referenced
/// one first there too.
pub(in crate::plan) fn referenced_first(mut sql: Vec<String>, lock: &(LockMode, &[&str], Effect)) -> Vec<String> {
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

/// One of the plan's own row triggers on `table` (quoted): the plpgsql function `function`
/// (qualified) with `body`, the trigger `trigger` fired `when` (`AFTER INSERT OR UPDATE OF c`),
/// enabled always; and the statements that drop both.
pub(in crate::plan) fn row_trigger(
    table: &str,
    trigger: &str,
    function: &str,
    when: &str,
    body: &str,
) -> (Vec<String>, Vec<String>) {
    (
        vec![
            format!("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"),
            format!("CREATE TRIGGER {} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()", q(trigger)),
            always(table, trigger),
        ],
        vec![
            format!("DROP TRIGGER IF EXISTS {} ON {table}", q(trigger)),
            format!("DROP FUNCTION IF EXISTS {function}()"),
        ],
    )
}

/// The plan's own triggers fire in every session, the backfill's too (which runs as a
/// replica, so that the application's triggers do not).
pub(in crate::plan) fn always(table_sql: &str, trigger: &str) -> String {
    format!("ALTER TABLE {table_sql} ENABLE ALWAYS TRIGGER {}", q(trigger))
}

/// A Backfill step: one statement run again and again, each run its own short transaction,
/// until it changes no row. It fills what the plan added, so the application's own triggers
/// stay out of it (a `last_updated` trigger would mark every row as changed, an audit trigger
/// would log the migration): the session runs as a replica does, with ordinary triggers off.
pub(in crate::plan) fn batched(title: String, change: usize, sql: String, table: &str, reason: &str) -> Step {
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
pub(in crate::plan) fn batched_with_triggers(
    title: String,
    change: usize,
    sql: String,
    table: &str,
    reason: &str,
) -> Step {
    let mut s =
        step(title, change, vec![sql], vec![], (LockMode::None, &[table], Effect::Batched), true, reason, R_BACKFILL);
    s.repeat_until_no_rows = true;
    s
}

pub(in crate::plan) fn plan(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    options: &PlanOptions,
    b: &mut Builder,
) {
    let ctx = Ctx { base, target, changes, options };
    // Tables whose row type a replaced routine returns or takes, and whose columns change: no
    // body matches a shape between the old and the new, so they are rebuilt in one step.
    let bound = row_type_bound_tables(&ctx);
    // References a merge moves from the merged table to the one it goes into, after its copy.
    let repointed = super::recipes::merge::repointed(base, target, changes, Dialect::Postgres);
    for (i, change) in changes.iter().enumerate() {
        if repointed.contains(&i) {
            continue;
        }
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
        reshape_in_contract(&ctx, table, b);
    }
    split_tables(&ctx, b);
    super::recipes::moves::postgres::move_columns_up(&ctx, b);
    merge_tables(&ctx, b);
    blockers(&ctx, b);
    bind_routines_to_row_types(&ctx, b);
}

pub(in crate::plan) fn recipe(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
    use Change::*;
    if object_recipe(ctx, i, change, b) {
        return;
    }
    match change {
        CreateEnum { name: e } => create_enum(ctx, i, e, b),
        AddEnumValue { name: e, value } => add_enum_value(ctx, i, e, value, b),
        RenameEnumValue { name: e, from, to } => rename_enum_value(ctx, i, e, from, to, b),
        RemoveEnumValues { name: e, values, replaced } => remove_enum_values(ctx, i, e, values, replaced, b),
        CreateTable { table } => create_table(ctx, i, table, b),
        // A merged table goes in the merge's own Contract step, after its view.
        DropTable { table } if super::recipes::merge::merged(ctx.changes, table) => {}
        DropTable { table } => drop_table(ctx, i, table, b),
        RenameTable { from, to } => rename_table(ctx, i, from, to, b),
        AddColumn { table, column } => {
            add_column(ctx, i, change, table, column, b);
            added_column_comment(ctx, i, table, column, b);
        }
        DropColumn { table, column } => drop_column(ctx, i, table, column, b),
        RenameColumn { table, from, to } => rename_column(ctx, i, table, from, to, b),
        ChangeType { table, column, from, to } => change_type(ctx, i, change, table, column, &from.kind, to, b),
        SetNotNull { table, column } => {
            if replaced_column(ctx, table, column) {
                return;
            }
            set_not_null(ctx, i, change, table, column, b);
        }
        DropNotNull { table, column } => drop_not_null(ctx, i, table, column, b),
        SetDefault { .. } => set_default(ctx, i, change, b),
        SetIdentity { .. } => set_identity(ctx, i, change, b),
        SetComment { .. } => set_comment(ctx, i, change, b),
        SetOnUpdate { .. } => b
            .notes
            .push(format!("{}: ON UPDATE is MySQL's alone; a BEFORE UPDATE trigger does it here", change.describe())),
        AddCheck { table, check } => add_check(ctx, i, change, table, check, b),
        DropCheck { table, check } => drop_check(ctx, i, table, check, b),
        DropUnique { table, key } => drop_unique(ctx, i, table, key, b),
        DropForeignKey { table, foreign_key } => drop_foreign_key(ctx, i, table, foreign_key, b),
        DropPrimaryKey { table, key } => drop_primary_key(ctx, i, table, key, b),
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
        CreateIndex { table, index } => create_index(ctx, i, table, index, b),
        DropIndex { table, index } => drop_index(ctx, i, table, index, b),
        // Objects kept as text: planned by `objects::recipe` above.
        _ => {}
    }
}

pub(in crate::plan) fn added_table(ctx: &Ctx<'_>, table: &str) -> bool {
    ctx.changes.iter().any(|c| matches!(c, Change::CreateTable { table: t } if same_name(t, table)))
}

pub(in crate::plan) fn added_column(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(
        |c| matches!(c, Change::AddColumn { table: t, column: col } if same_name(t, table) && same_name(col, column)),
    )
}

/// True when the column is replaced by a new one in this plan (a rename, or a rewriting type
/// change): its recipe carries the column's rules over.
pub(in crate::plan) fn replaced_column(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(|c| match c {
        Change::RenameColumn { table: t, to, .. } => same_name(t, table) && same_name(to, column),
        Change::ChangeType { table: t, column: col, from, to } => {
            same_name(t, table) && same_name(col, column) && !from.kind.is_binary_coercible_to(&to.kind)
        }
        _ => false,
    })
}

pub(in crate::plan) fn sync_trigger(table: &str, column: &str) -> (String, String) {
    let short = split_qualified(table).1;
    let n = name(&[PREFIX.trim_end_matches('_'), "sync", short, column]);
    let ns = split_qualified(table).0;
    (n.clone(), qualified(ns, &n, PG))
}
