//! PostgreSQL recipes (12 and later). Lock facts are those of `expand-contract.md`.

mod objects;

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

/// Split: columns dropped from a table S that reappear, same name and type, in a new table T
/// holding a foreign key to S. On top of the create-table and drop-column steps, the values
/// travel: a trigger on S writes them into T (v1 keeps writing S), a batched copy moves the
/// existing rows, a trigger on T writes v2's values back into S (so v1 reads them), and
/// Contract drops the triggers with the old columns.
fn split_tables(ctx: &Ctx<'_>, b: &mut Builder) {
    for (i, change) in ctx.changes.iter().enumerate() {
        let Change::CreateTable { table: t_name } = change else { continue };
        let Some(t) = ctx.target_table(t_name) else { continue };
        for fk in t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            let Some(s) = ctx.base.find_table(&fk.ref_table) else { continue };
            if ctx.target.find_table(&s.qualified_name()).is_none() {
                continue;
            }
            let s_name = s.qualified_name();
            let key = fk
                .ref_columns
                .first()
                .cloned()
                .or_else(|| s.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone()));
            let Some(key) = key else { continue };
            let fk_col = fk.columns[0].clone();
            let moved: Vec<String> = t
                .columns
                .iter()
                .filter(|c| !same_name(&c.name, &fk_col))
                .filter(|c| {
                    s.column(&c.name).is_some_and(|sc| sc.data_type.kind == c.data_type.kind)
                        && ctx.changes.iter().any(|x| {
                            matches!(x, Change::DropColumn { table, column } if same_name(table, &s_name) && same_name(column, &c.name))
                        })
                })
                .map(|c| c.name.clone())
                .collect();
            if moved.is_empty() {
                continue;
            }
            // Every other required column of T must fill itself, or the copy cannot insert.
            let blocker = t.columns.iter().find(|c| {
                !c.nullable
                    && c.default.is_none()
                    && c.identity.is_none()
                    && !same_name(&c.name, &fk_col)
                    && (!moved.iter().any(|m| same_name(m, &c.name)) || s.column(&c.name).is_some_and(|sc| sc.nullable))
            });
            if let Some(c) = blocker {
                b.notes.push(format!(
                    "{t_name} takes {} from {s_name}, but {t_name}.{} is required and cannot be filled from {s_name}: copy the rows yourself between Backfill and Switch",
                    moved.join(", "),
                    c.name
                ));
                continue;
            }
            split_recipe(ctx, i, &s_name, &key, t_name, &fk_col, &moved, b);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn split_recipe(ctx: &Ctx<'_>, i: usize, s: &str, key: &str, t: &str, fk: &str, moved: &[String], b: &mut Builder) {
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
            b.app_changes.push(format!("v2 stops reading and writing {table}"));
            b.v1_breaks.push(format!("v1 uses table {table}, dropped in Contract"));
            b.one_way.push(format!("the rows of {table} are gone after Contract"));
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

/// A new partition, made like its partitioned table as it is at that moment (which may hold
/// staging columns of this plan), then attached: ATTACH takes SHARE UPDATE EXCLUSIVE on the
/// partitioned table, where `CREATE TABLE ... PARTITION OF` would take ACCESS EXCLUSIVE, and
/// finds the partition's copies of the partitioned table's indexes, keys and foreign keys.
/// Indexes and constraints of the partition's own follow.
fn new_partition(ctx: &Ctx<'_>, t: &Table, parent: &str, bound: &str) -> Vec<String> {
    let name = tq(&t.qualified_name());
    let mut sql = vec![format!(
        "CREATE TABLE {name} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)",
        tq(parent)
    )];
    // Its own indexes first: ATTACH adopts one where the partitioned table has the same index,
    // instead of building another.
    for ix in &t.indexes {
        sql.push(create_index_sql(t, ix, PG).replacen("INDEX ", "INDEX IF NOT EXISTS ", 1));
    }
    // SHARE UPDATE EXCLUSIVE still queues behind a long transaction's lock: bounded like any.
    sql.push(ctx.lock_timeout());
    sql.push(format!("ALTER TABLE {} ATTACH PARTITION {name} {bound}", tq(parent)));
    let Some(p) = ctx.target.find_table(parent) else { return sql };
    if let Some(pk) = t.primary_key.as_ref().filter(|_| p.primary_key.is_none()) {
        let cols: Vec<String> = pk.columns.iter().map(|c| q(c)).collect();
        sql.push(format!("ALTER TABLE {name} ADD PRIMARY KEY ({})", cols.join(", ")));
    }
    for u in t.uniques.iter().filter(|u| !p.uniques.iter().any(|x| same_cols(&x.columns, &u.columns))) {
        sql.push(format!("ALTER TABLE {name} ADD {}", crate::render::ddl::constraint_sql_unique(u, PG)));
    }
    for fk in t.foreign_keys.iter().filter(|fk| !p.foreign_keys.iter().any(|x| same_cols(&x.columns, &fk.columns))) {
        sql.push(format!("ALTER TABLE {name} ADD {}", foreign_key_sql(fk, PG)));
    }
    sql
}

/// The columns of `table` (target names) that this plan replaces with a new column, each with
/// the name of the column that holds its new values until Contract: a renamed column's new
/// name, or a rewritten type's staging column.
fn replaced_columns(ctx: &Ctx<'_>, table: &str) -> Vec<(String, String)> {
    let Some(t) = ctx.target_table(table) else { return vec![] };
    t.columns
        .iter()
        .filter(|c| replaced_column(ctx, table, &c.name))
        .map(|c| {
            let renamed = ctx.changes.iter().any(
                |x| matches!(x, Change::RenameColumn { table: tt, to, .. } if same_name(tt, table) && same_name(to, &c.name)),
            );
            let live = if renamed { c.name.clone() } else { name(&[&c.name, "new"]) };
            (c.name.clone(), live)
        })
        .collect()
}

/// True when `index` of partition `t` is its partitioned table's index as the partition has
/// it: the same parts, and the partitioned table's index is created or dropped by this plan.
fn partition_copy(ctx: &Ctx<'_>, t: &Table, index: &Index) -> bool {
    let Some(parent) = &t.partition_of else { return false };
    ctx.changes.iter().any(|c| match c {
        Change::CreateIndex { table, index: pi } | Change::DropIndex { table, index: pi } => {
            same_name(table, parent) && same_definition(pi, index)
        }
        _ => false,
    })
}

/// The same column names, in order.
pub(super) fn same_cols(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_name(x, y))
}

fn same_definition(a: &Index, b: &Index) -> bool {
    a.unique == b.unique && a.method == b.method && a.predicate == b.predicate && a.parts == b.parts
}

/// An index on a partitioned table: CONCURRENTLY is refused there, so it is made on the
/// partitioned table alone (invalid, instant), built CONCURRENTLY on each partition, and each
/// build attached; the last attachment makes it valid, and partitions made later get it.
fn partitioned_index(ctx: &Ctx<'_>, i: usize, t: &Table, index: &Index, b: &mut Builder) {
    let table = t.qualified_name();
    let ns = t.namespace.as_deref();
    let parent_name = index.name.clone().unwrap_or_else(|| name(&[&t.name, "idx"]));
    let on_only = create_index_sql(t, &Index { name: Some(parent_name.clone()), ..index.clone() }, PG).replacen(
        " ON ",
        " ON ONLY ",
        1,
    );
    b.push(
        StageKind::Expand,
        step(
            format!("index {parent_name} on the partitioned table {table}, not yet valid"),
            i,
            vec![ctx.lock_timeout(), on_only],
            vec![ctx.lock_timeout(), format!("DROP INDEX IF EXISTS {}", qualified(ns, &parent_name, PG))],
            (LockMode::Share, &[&table], Effect::Metadata),
            true,
            "ON ONLY makes the index on the partitioned table alone: no rows are read, the lock is brief",
            R_INDEX - 1,
        ),
    );
    for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, &table))) {
        let own = part.indexes.iter().find(|x| same_definition(x, index)).and_then(|x| x.name.clone());
        let part_index = own.unwrap_or_else(|| name(&[&part.name, &parent_name]));
        let mut built = create_index_sql(part, &Index { name: Some(part_index.clone()), ..index.clone() }, PG);
        built = built.replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
        let pns = part.namespace.as_deref();
        b.push(
            StageKind::Expand,
            step(
                format!("index {parent_name} on partition {}, attached", part.qualified_name()),
                i,
                vec![
                    built,
                    format!(
                        "ALTER INDEX {} ATTACH PARTITION {}",
                        qualified(ns, &parent_name, PG),
                        qualified(pns, &part_index, PG)
                    ),
                ],
                vec![],
                (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                false,
                "CONCURRENTLY on the partition: writes go on; attaching is catalog-only",
                R_INDEX,
            ),
        );
    }
}

/// A primary key or unique key on a partitioned table: CONCURRENTLY is refused there, so the
/// key is made on the partitioned table alone (its index invalid), and each partition gets its
/// unique index built CONCURRENTLY, its own key made from it, and that key attached; once all
/// are attached the index is valid, and partitions made later get the key.
fn partitioned_key(ctx: &Ctx<'_>, i: usize, table: &str, key: &Key, primary: bool, cname: &str, b: &mut Builder) {
    let tt = tq(table);
    let lt = ctx.lock_timeout();
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    let cols: Vec<String> = key.columns.iter().map(|c| q(c)).collect();
    let ns = split_qualified(table).0;
    b.push(
        StageKind::Expand,
        step(
            format!(
                "{} ({}) on the partitioned table {table}, not yet valid",
                kind.to_ascii_lowercase(),
                key.columns.join(", ")
            ),
            i,
            vec![lt.clone(), format!("ALTER TABLE ONLY {tt} ADD CONSTRAINT {} {kind} ({})", q(cname), cols.join(", "))],
            vec![lt.clone(), format!("ALTER TABLE {tt} DROP CONSTRAINT IF EXISTS {}", q(cname))],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "ONLY: the key is made on the partitioned table alone, reading no rows; the lock is brief",
            R_INDEX - 1,
        ),
    );
    for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table))) {
        let same = |k: &Key| {
            k.columns.len() == key.columns.len() && k.columns.iter().zip(&key.columns).all(|(a, b)| same_name(a, b))
        };
        let own =
            if primary { part.primary_key.as_ref().filter(|k| same(k)) } else { part.uniques.iter().find(|k| same(k)) };
        let part_key = own
            .and_then(|k| k.name.clone())
            .unwrap_or_else(|| name(&[&part.name, &key.columns.join("_"), if primary { "pkey" } else { "key" }]));
        let building = name(&[PREFIX.trim_end_matches('_'), &part_key]);
        let pt = tq(&part.qualified_name());
        let pns = part.namespace.as_deref();
        b.push(
            StageKind::Expand,
            step(
                format!(
                    "{} ({}) on partition {}, attached",
                    kind.to_ascii_lowercase(),
                    key.columns.join(", "),
                    part.qualified_name()
                ),
                i,
                vec![
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {pt} ({})",
                        q(&building),
                        cols.join(", ")
                    ),
                    format!("ALTER TABLE {pt} ADD CONSTRAINT {} {kind} USING INDEX {}", q(&part_key), q(&building)),
                    format!(
                        "ALTER INDEX {} ATTACH PARTITION {}",
                        qualified(ns, cname, PG),
                        qualified(pns, &part_key, PG)
                    ),
                ],
                vec![],
                (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                false,
                "the index is built without blocking writes; the key adopts it and is attached, both catalog-only",
                R_INDEX,
            ),
        );
    }
}

/// Dropping a partitioned table's index drops its partitions' with it (CONCURRENTLY is
/// refused there); a partition index the target keeps on its own is built again after.
fn drop_partitioned_index(ctx: &Ctx<'_>, i: usize, bt: &Table, table: &str, index: &Index, b: &mut Builder) {
    let Some(n) = &index.name else { return };
    let ns = split_qualified(table).0;
    let lt = ctx.lock_timeout();
    let recreate = create_index_sql(bt, index, PG).replacen(" ON ", " ON ONLY ", 1);
    b.push(
        StageKind::Contract,
        step(
            format!("drop index {n} on the partitioned table {table}"),
            i,
            vec![lt.clone(), format!("DROP INDEX IF EXISTS {}", qualified(ns, n, PG))],
            vec![lt, recreate],
            (LockMode::AccessExclusive, &[table], Effect::Metadata),
            true,
            "a partitioned index cannot be dropped CONCURRENTLY: the lock is brief, and its partitions' indexes go with it",
            R_DROP_RULE,
        ),
    );
    // An index over a column this plan replaces is built on the new column by that recipe.
    let replaced = replaced_columns(ctx, table);
    for part in ctx.target.tables.iter().filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, table))) {
        for own in
            part.indexes.iter().filter(|x| same_definition(x, index) && !replaced.iter().any(|(c, _)| index_uses(x, c)))
        {
            let sql = create_index_sql(part, own, PG).replacen("INDEX ", "INDEX CONCURRENTLY IF NOT EXISTS ", 1);
            b.push(
                StageKind::Contract,
                step(
                    format!("index {} on {}, of its own now", own.name.as_deref().unwrap_or(""), part.qualified_name()),
                    i,
                    vec![sql],
                    vec![],
                    (LockMode::ShareUpdateExclusive, &[&part.qualified_name()], Effect::Scan),
                    false,
                    "the partition keeps this index in the target: built again, without blocking writes",
                    R_DROP_RULE + 2,
                ),
            );
        }
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

fn add_column(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
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
fn validate_and_set_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str, b: &mut Builder) {
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
fn contract_not_null(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str, b: &mut Builder) {
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
fn set_not_null_step(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, check: &str) -> Step {
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

fn set_not_null(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, column: &str, b: &mut Builder) {
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

fn drop_column(ctx: &Ctx<'_>, i: usize, table: &str, column: &str, b: &mut Builder) {
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
    b.app_changes.push(format!("v2 stops reading and writing {table}.{column}"));
    b.v1_breaks.push(format!("v1 uses {table}.{column}, dropped in Contract"));
    b.one_way.push(format!("the values of {table}.{column} are gone after Contract"));
}

/// Rename: a new column kept equal to the old by a trigger, backfilled, then the old dropped.
fn rename_column(ctx: &Ctx<'_>, i: usize, table: &str, from: &str, to: &str, b: &mut Builder) {
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
fn change_type(
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
fn does_not_fit(c: &str, from: &TypeKind, to: &TypeKind, spelling: &str, pg_version: u32) -> (String, String) {
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

fn can_fail(from: &TypeKind, to: &TypeKind) -> bool {
    from.narrows_to(to)
}

/// The shared core of rename and rewriting type change: `new` is added, kept in step with `old`
/// by a trigger in both directions, backfilled, given the old column's rules, and `old` is
/// dropped in Contract.
#[allow(clippy::too_many_arguments)]
fn replace_column(
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

fn add_check(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, check: &Check, b: &mut Builder) {
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
fn drop_constraint(
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

fn add_foreign_key(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, fk: &ForeignKey, b: &mut Builder) {
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
fn referenced_rows_stop(
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

fn add_unique(ctx: &Ctx<'_>, i: usize, change: &Change, table: &str, key: &Key, primary: bool, b: &mut Builder) {
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
