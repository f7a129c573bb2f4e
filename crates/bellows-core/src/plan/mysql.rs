//! MySQL and MariaDB: what every MySQL recipe reads (the context, quoting, step builders and
//! ranks) and the dispatch from a change to its recipe. The recipes are in `recipes/`, one file
//! per change kind, beside their PostgreSQL and SQLite counterparts; `use crate::plan::mysql::*`
//! is a MySQL recipe's whole prelude. The facts they rest on are in
//! `../shared/design/mysql-online-ddl.md`; what differs between servers and versions is in
//! [`server`], and nowhere else.
//!
//! Rules every recipe follows:
//! - every ALTER names its `ALGORITHM` (and `LOCK`), so the server refuses rather than falls
//!   back to a blocking copy, and every DDL step first bounds its metadata-lock wait
//!   (`SET SESSION lock_wait_timeout`, and `WAIT n` on MariaDB);
//! - DDL commits on its own: no step is wrapped in a transaction, each has its own undo;
//! - there is no NOT VALID: a gate query counts the rows a new rule rejects right before the
//!   ALTER, and where the server does not check existing rows (a foreign key added with
//!   `foreign_key_checks = 0`) a verification counts them again after it;
//! - a change only a table copy can make is done on a shadow column kept in step by BEFORE
//!   INSERT and BEFORE UPDATE triggers, filled in batches along the primary key, verified, and
//!   swapped in by rename in Contract; for a key column, the step is a copy and the plan prints
//!   the gh-ost and pt-online-schema-change command lines.

pub(in crate::plan) use super::recipes::{
    add_column::mysql::*, change_type::mysql::*, checks::mysql::*, comments::mysql::*, default::mysql::*,
    drop_column::mysql::*, foreign_keys::mysql::*, indexes::mysql::*, keys::mysql::*, lookup::mysql::*,
    merge::mysql::*, not_null::mysql::*, objects::mysql::*, rename_column::mysql::*, split::mysql::*, tables::mysql::*,
};
pub(in crate::plan) use crate::diff::Change;
pub(in crate::plan) use crate::model::*;
pub(in crate::plan) use crate::plan::split::Split;
pub(in crate::plan) use crate::render::ddl::{foreign_key_sql, index_parts, table_statements};
pub(in crate::plan) use crate::render::{ident, qualified, string_literal};
pub(in crate::plan) use crate::Span;
pub(in crate::plan) use crate::{DataType, Dialect, TypeKind};
pub use server::{Algorithm, MySqlServer};

mod server;

pub(in crate::plan) use super::{
    Builder, CheckQuery, Effect, Lock, LockMode, PlanOptions, Resolution, StageKind, Step,
};

pub(in crate::plan) const MY: Dialect = Dialect::MySql;
/// Brackets a copy step's ALTER clauses in its reason until [`copy_tools_advice`] replaces them
/// with the advice (an invisible separator, which no SQL the plan writes holds).
const COPY_TOOLS: char = '\u{2063}';
/// Every trigger the plan creates starts with this, so Contract and rollbacks find them.
pub const PREFIX: &str = "bellows_";

// Ranks order steps inside a stage: lower first (the same scale as PostgreSQL's).
/// Contract: a renamed table takes its new name before anything else runs on it.
pub(in crate::plan) const R_SWAP_TABLE: u32 = 1;
pub(in crate::plan) const R_DROP_VIEW: u32 = 15;
pub(in crate::plan) const R_DROP_RULE: u32 = 20;
pub(in crate::plan) const R_CREATE_TABLE: u32 = 30;
pub(in crate::plan) const R_ROUTINE: u32 = 39;
pub(in crate::plan) const R_COLUMN: u32 = 40;
pub(in crate::plan) const R_SYNC: u32 = 50;
pub(in crate::plan) const R_INDEX: u32 = 60;
pub(in crate::plan) const R_RULE: u32 = 70;
pub(in crate::plan) const R_FK: u32 = 80;
pub(in crate::plan) const R_VIEW: u32 = 85;
pub(in crate::plan) const R_BACKFILL: u32 = 90;
pub(in crate::plan) const R_TRIGGER: u32 = 95;
pub(in crate::plan) const R_VALIDATE: u32 = 100;
pub(in crate::plan) const R_DROP_COLUMN: u32 = 120;
pub(in crate::plan) const R_SWAP_COLUMN: u32 = 125;
pub(in crate::plan) const R_DROP_TABLE: u32 = 130;
pub(in crate::plan) const R_REPLACE_VIEW: u32 = 140;
pub(in crate::plan) const R_DROP_ROUTINE: u32 = 160;

pub(in crate::plan) struct Ctx<'a> {
    pub(in crate::plan) base: &'a Schema,
    pub(in crate::plan) target: &'a Schema,
    pub(in crate::plan) changes: &'a [Change],
    pub(in crate::plan) options: &'a PlanOptions,
    pub(in crate::plan) server: MySqlServer,
}

pub(in crate::plan) fn q(name: &str) -> String {
    ident(name, MY)
}

pub(in crate::plan) fn tq(name: &str) -> String {
    let (ns, n) = split_qualified(name);
    qualified(ns, n, MY)
}

pub(in crate::plan) fn lit(text: &str) -> String {
    string_literal(text)
}

/// A valid identifier from parts: MySQL allows 64 characters; a longer name keeps its head and
/// a hash of the whole, so two long names stay apart.
pub(in crate::plan) fn name(parts: &[&str]) -> String {
    let n = parts.join("_").to_ascii_lowercase().replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_");
    if n.len() <= 64 {
        return n;
    }
    let hash = n.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    format!("{}_{:08x}", &n[..55], hash as u32)
}

/// The full column definition MODIFY COLUMN needs (MySQL forgets whatever it leaves out:
/// NOT NULL, the default, AUTO_INCREMENT, the comment).
pub(in crate::plan) fn column_sql(col: &Column) -> String {
    let mut out = format!("{} {}", q(&col.name), col.data_type.spelling);
    if let Some(g) = &col.generated {
        out.push_str(&format!(" GENERATED ALWAYS AS ({}) {}", g.expr, if g.stored { "STORED" } else { "VIRTUAL" }));
    }
    out.push_str(if col.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &col.default {
        out.push_str(&format!(" DEFAULT {}", d.expr));
    }
    if let Some(u) = &col.on_update {
        out.push_str(&format!(" ON UPDATE {u}"));
    }
    if col.identity.is_some() {
        out.push_str(" AUTO_INCREMENT");
    }
    if let Some(c) = &col.comment {
        out.push_str(&format!(" COMMENT {}", lit(c)));
    }
    out
}

/// True when the statement is DDL (it takes a metadata lock and commits on its own).
pub(in crate::plan) fn is_ddl(sql: &str) -> bool {
    let head = sql.trim_start().get(..12).unwrap_or(sql).to_ascii_uppercase();
    ["ALTER", "RENAME", "DROP", "CREATE"].iter().any(|k| head.starts_with(k))
}

impl<'a> Ctx<'a> {
    pub(in crate::plan) fn target_table(&self, name: &str) -> Option<&'a Table> {
        self.target.find_table(name)
    }

    /// The base table that became `target_name` (following a rename).
    pub(in crate::plan) fn base_table(&self, target_name: &str) -> Option<&'a Table> {
        self.base.find_table(self.renamed_from(target_name).unwrap_or(target_name))
    }

    pub(in crate::plan) fn renamed_from(&self, target_name: &str) -> Option<&'a str> {
        self.changes.iter().find_map(|c| match c {
            Change::RenameTable { from, to } if same_name(to, target_name) => Some(from.as_str()),
            _ => None,
        })
    }

    /// The table as the server names it during `stage`: a renamed table keeps its old name
    /// until Contract swaps the names (v2 reaches it through a view meanwhile).
    pub(in crate::plan) fn live(&self, table: &str, stage: StageKind) -> String {
        match self.renamed_from(table) {
            Some(from) if stage != StageKind::Contract => tq(from),
            _ => tq(table),
        }
    }

    pub(in crate::plan) fn resolution(&self, change: &Change, default: Resolution) -> Resolution {
        self.options.resolutions.get(&change.describe()).cloned().unwrap_or(default)
    }

    pub(in crate::plan) fn wait_seconds(&self) -> u32 {
        self.options.lock_timeout_ms.div_ceil(1000).max(1)
    }

    /// `ALTER TABLE t [WAIT n] clauses, ALGORITHM=..., LOCK=...`.
    pub(in crate::plan) fn alter(&self, table_sql: &str, clauses: &str, algorithm: Algorithm) -> String {
        let wait = if self.server.has_wait_clause() { format!(" WAIT {}", self.wait_seconds()) } else { String::new() };
        format!("ALTER TABLE {table_sql}{wait} {clauses}, {}", algorithm.clause())
    }

    /// A step: DDL runs after `SET SESSION lock_wait_timeout`, forward and undo alike.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn step(
        &self,
        title: String,
        change: usize,
        sql: Vec<String>,
        rollback: Vec<String>,
        lock: (LockMode, &[&str], Effect),
        reason: &str,
        rank: u32,
    ) -> Step {
        let bound = |mut v: Vec<String>| {
            if v.iter().any(|s| is_ddl(s)) {
                v.insert(0, format!("SET SESSION lock_wait_timeout = {}", self.wait_seconds()));
            }
            v
        };
        // InnoDB rebuilds a table that has a FULLTEXT index in place only while writes wait
        // (error 1846, "Fulltext index creation requires a lock", found on Sakila's film_text).
        let rebuilds_in_place = lock.2 == Effect::Rewrite
            && sql.iter().chain(&rollback).any(|s| s.contains(Algorithm::InplaceNone.clause()));
        let fulltext = lock.1.iter().find(|t| rebuilds_in_place && self.has_fulltext(t));
        let (sql, rollback, mode, reason) = match fulltext {
            Some(t) => {
                let shared = |v: Vec<String>| {
                    v.into_iter()
                        .map(|s| s.replace(Algorithm::InplaceNone.clause(), Algorithm::InplaceShared.clause()))
                        .collect::<Vec<_>>()
                };
                (
                    shared(sql),
                    shared(rollback),
                    LockMode::NoWrites,
                    format!(
                        "{reason}; {t} has a FULLTEXT index, and InnoDB rebuilds such a table in place only with writes held (LOCK=SHARED) for the whole rebuild"
                    ),
                )
            }
            None => (sql, rollback, lock.0, reason.to_string()),
        };
        Step {
            title,
            change,
            sql: bound(sql),
            rollback: bound(rollback),
            lock: Lock { mode, tables: lock.1.iter().map(|t| t.to_string()).collect(), effect: lock.2 },
            transactional: false,
            repeat_until_no_rows: false,
            one_way: false,
            reason,
            rank,
        }
    }

    /// Whether the table has a FULLTEXT index, before or after the plan.
    fn has_fulltext(&self, table: &str) -> bool {
        [self.base, self.target].iter().filter_map(|s| s.find_table(table)).any(|t| {
            t.indexes.iter().any(|ix| ix.method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("fulltext")))
        })
    }

    /// The key batches walk, in order: the primary key, or else a unique key over NOT NULL
    /// columns. `None` when the table has neither.
    pub(in crate::plan) fn walk_key(&self, table: &Table) -> Option<Vec<String>> {
        table.primary_key.as_ref().map(|k| k.columns.clone()).or_else(|| {
            table
                .uniques
                .iter()
                .find(|u| u.columns.iter().all(|c| table.column(c).is_some_and(|c| !c.nullable)))
                .map(|u| u.columns.clone())
        })
    }

    /// A Backfill step: `UPDATE ... LIMIT n` along the key, repeated until it changes no row,
    /// each run its own autocommit transaction. Every TIMESTAMP/DATETIME column is assigned
    /// its own value, so `ON UPDATE CURRENT_TIMESTAMP` does not stamp rows the migration only
    /// copied into.
    pub(in crate::plan) fn batched(
        &self,
        title: String,
        change: usize,
        table: &str,
        set: &str,
        condition: &str,
        reason: &str,
    ) -> Step {
        let t = self.live(table, StageKind::Backfill);
        let base = self.base_table(table);
        let touch: String = base
            .map(|bt| {
                bt.columns
                    .iter()
                    .filter(|c| matches!(c.data_type.kind, TypeKind::Timestamp | TypeKind::TimestampTz))
                    .filter(|c| c.generated.is_none())
                    .map(|c| format!(", {0} = {0}", q(&c.name)))
                    .collect()
            })
            .unwrap_or_default();
        let order = base
            .and_then(|bt| self.walk_key(bt))
            .map(|k| format!(" ORDER BY {}", k.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")))
            .unwrap_or_default();
        let sql = format!("UPDATE {t} SET {set}{touch} WHERE {condition}{order} LIMIT {}", self.options.batch_size);
        let walk = if order.is_empty() {
            "; the table has no primary key, so batches are taken in no particular order (unsafe with statement-based replication)"
        } else {
            ", taken along the primary key"
        };
        let mut s = self.step(
            title,
            change,
            vec![sql],
            vec![],
            (LockMode::None, &[table], Effect::Batched),
            &format!("{reason}; each batch is its own short transaction{walk}; the application's triggers fire for these updates (MySQL cannot turn them off for one session); InnoDB resolves a deadlock by rolling back the smaller transaction, which may be the application's: it must retry error 1213, as every MySQL application does"),
            R_BACKFILL,
        );
        s.repeat_until_no_rows = true;
        s
    }

    pub(in crate::plan) fn added_table(&self, table: &str) -> bool {
        self.changes.iter().any(|c| matches!(c, Change::CreateTable { table: t } if same_name(t, table)))
    }

    pub(in crate::plan) fn added_column(&self, table: &str, column: &str) -> bool {
        self.changes.iter().any(
            |c| matches!(c, Change::AddColumn { table: t, column: col } if same_name(t, table) && same_name(col, column)),
        )
    }

    pub(in crate::plan) fn dropped_table(&self, table: &str) -> bool {
        self.changes.iter().any(|c| matches!(c, Change::DropTable { table: t } if same_name(t, table)))
    }

    /// Where a step's gh-ost and pt-online-schema-change advice goes, for an ALTER that only a
    /// table copy can make. The advice depends on where this plan's own triggers are on the
    /// table, which is known once every recipe has run: [`copy_tools_advice`] writes it.
    pub(in crate::plan) fn copy_tools(&self, _table: &str, clauses: &str) -> String {
        format!("{COPY_TOOLS}{clauses}{COPY_TOOLS}")
    }
}

pub(in crate::plan) fn plan(
    base: &Schema,
    target: &Schema,
    changes: &[Change],
    options: &PlanOptions,
    b: &mut Builder,
) {
    let ctx = Ctx { base, target, changes, options, server: options.mysql_server };
    // References a merge moves from the merged table to the one it goes into, at Switch.
    let repointed = super::recipes::merge::repointed(base, target, changes, Dialect::MySql);
    for (i, change) in changes.iter().enumerate() {
        if !repointed.contains(&i) {
            recipe(&ctx, i, change, b);
        }
    }
    split_tables(&ctx, b);
    merge_tables(&ctx, b);
    copy_tools_advice(&ctx, b);
    if let Some(cap) = ctx.server.instant_row_versions() {
        let instant = b
            .steps
            .values()
            .flatten()
            .filter(|s| s.sql.iter().any(|q| q.contains("ALGORITHM=INSTANT") && q.contains(" COLUMN ")))
            .count();
        if instant > 0 {
            b.notes.push(format!(
                "{}: each instant ADD or DROP COLUMN uses one of a table's {cap} row versions; a table that has used them all refuses ALGORITHM=INSTANT (error 4092) until it is rebuilt with OPTIMIZE TABLE",
                ctx.server.label()
            ));
        }
    }
}

pub(in crate::plan) fn recipe(ctx: &Ctx<'_>, i: usize, change: &Change, b: &mut Builder) {
    use Change::*;
    match change {
        CreateTable { table } => create_table(ctx, i, table, b),
        // A merged table goes in the merge's own Contract step, after its view.
        DropTable { table } if super::recipes::merge::merged(ctx.changes, table) => {}
        DropTable { table } => drop_table(ctx, i, table, b),
        RenameTable { from, to } => rename_table(ctx, i, from, to, b),
        AddColumn { table, column } => add_column(ctx, i, change, table, column, b),
        DropColumn { table, column } => drop_column(ctx, i, table, column, b),
        RenameColumn { table, from, to } => rename_column(ctx, i, table, from, to, b),
        ChangeType { table, column, from, to } => change_type(ctx, i, change, table, column, from, to, b),
        SetNotNull { table, column } => set_not_null(ctx, i, change, table, column, b),
        DropNotNull { table, column } => drop_not_null(ctx, i, table, column, b),
        SetDefault { table, column, from, to } => set_default(ctx, i, table, column, from, to, b),
        SetComment { .. } => set_comment(ctx, i, change, b),
        SetOnUpdate { .. } => set_on_update(ctx, i, change, b),
        AddPrimaryKey { table, key } => add_key(ctx, i, change, table, key, true, b),
        AddUnique { table, key } => add_key(ctx, i, change, table, key, false, b),
        DropPrimaryKey { table, key } => drop_primary_key(ctx, i, table, key, b),
        DropUnique { table, key } => {
            let index = Index {
                name: key.name.clone(),
                unique: true,
                parts: key.columns.iter().map(|c| IndexPart::Column { name: c.clone(), descending: false }).collect(),
                method: None,
                predicate: None,
                span: Span::new(0, 0),
            };
            drop_index(ctx, i, table, &index, b)
        }
        AddCheck { table, check } => add_check(ctx, i, change, table, check, b),
        DropCheck { table, check } => drop_check(ctx, i, table, check, b),
        AddForeignKey { table, foreign_key } => add_foreign_key(ctx, i, change, table, foreign_key, b),
        DropForeignKey { table, foreign_key } => drop_foreign_key(ctx, i, table, foreign_key, b),
        CreateIndex { table, index } => create_index(ctx, i, change, table, index, b),
        DropIndex { table, index } => drop_index(ctx, i, table, index, b),
        CreateView { name: v } => create_view(ctx, i, v, b),
        DropView { name: v } => drop_view(ctx, i, v, b),
        ReplaceView { name: v } => replace_view(ctx, i, v, b),
        CreateTrigger { table, name: n } | ReplaceTrigger { table, name: n } | DropTrigger { table, name: n } => {
            trigger(ctx, i, change, table, n, b)
        }
        CreateRoutine { signature } | ReplaceRoutine { signature } | DropRoutine { signature } => {
            routine(ctx, i, change, signature, b)
        }
        // Planned as a whole by the merge recipe (`merge_tables`).
        MergeTable { .. } => {}
        // Planned by the move recipes (`split_tables` for a move down, `move_columns` up).
        MoveColumn { .. } => {}
        other => b.notes.push(format!("{}: MySQL has no such object; the change is not planned", other.describe())),
    }
}

/// A column whose identity the table's keys hang on: the primary key, AUTO_INCREMENT, a foreign
/// key (either side), or a generated column's input. Replacing it by a shadow column would mean
/// rebuilding those: a rename waits for Contract, a type change copies the table.
pub(in crate::plan) fn key_column(ctx: &Ctx<'_>, table: &Table, column: &str) -> bool {
    let col = table.column(column);
    table.is_primary_key(column)
        || col.is_some_and(|c| c.identity.is_some() || c.generated.is_some())
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| same_name(c, column)))
        || table
            .columns
            .iter()
            .any(|c| c.generated.as_ref().is_some_and(|g| crate::import::objects::mentions(&g.expr, column)))
        || ctx.base.tables.iter().any(|t| {
            t.foreign_keys.iter().any(|fk| {
                same_name(split_qualified(&fk.ref_table).1, &table.name)
                    && (fk.ref_columns.iter().any(|c| same_name(c, column))
                        || fk.ref_columns.is_empty() && table.is_primary_key(column))
            })
        })
}

/// True when this plan replaces the column (target name) by a shadow column: its recipe sets
/// the final NOT NULL and default itself.
pub(in crate::plan) fn replaced(ctx: &Ctx<'_>, table: &str, column: &str) -> bool {
    ctx.changes.iter().any(|c| match c {
        Change::RenameColumn { table: t, from, to } => {
            same_name(t, table)
                && same_name(to, column)
                && ctx.base_table(table).is_some_and(|bt| !key_column(ctx, bt, from))
        }
        Change::ChangeType { table: t, column: col, from, to } => {
            same_name(t, table)
                && same_name(col, column)
                && shadow_type_change(ctx, table, column, from, to)
                && !renamed_to(ctx, table, column)
        }
        _ => false,
    })
}

/// An expression default in the form MySQL's ALTER COLUMN SET DEFAULT takes.
pub(in crate::plan) fn paren(expr: &str) -> String {
    let e = expr.trim();
    if e.starts_with('(') {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// The statements that give a column its final definition: MODIFY (in place), and an
/// expression default (CURRENT_TIMESTAMP, `(uuid())`) set apart, since MariaDB will not make a
/// column NOT NULL in place together with a default that is not a constant.
pub(in crate::plan) fn modify_to(ctx: &Ctx<'_>, table_sql: &str, col: &Column) -> Vec<String> {
    let expression = col.default.as_ref().filter(|d| d.volatile || is_current_timestamp(&d.expr));
    let algorithm = if col.nullable {
        Algorithm::Instant
    } else if timestamp_copies(ctx, col) {
        if ctx.server.online_copy() {
            Algorithm::CopyNone
        } else {
            Algorithm::CopyShared
        }
    } else {
        Algorithm::InplaceNone
    };
    match expression {
        Some(d) if !col.nullable => {
            let mut plain = col.clone();
            plain.default = None;
            vec![
                ctx.alter(table_sql, &format!("MODIFY COLUMN {}", column_sql(&plain)), algorithm),
                ctx.alter(
                    table_sql,
                    &format!(
                        "ALTER COLUMN {} SET DEFAULT {}",
                        q(&col.name),
                        if is_current_timestamp(&d.expr) { d.expr.clone() } else { paren(&d.expr) }
                    ),
                    Algorithm::Instant,
                ),
            ]
        }
        _ => vec![ctx.alter(table_sql, &format!("MODIFY COLUMN {}", column_sql(col)), algorithm)],
    }
}

/// The trigger a statement of the plan creates or drops, if it is one of the plan's own:
/// `(name, Some(table))` for a creation, `(name, None)` for a drop.
fn own_trigger(sql: &str) -> Option<(String, Option<String>)> {
    let unquote = |w: &str| w.trim_matches('`').replace("`.`", ".");
    if let Some(rest) = sql.strip_prefix("DROP TRIGGER IF EXISTS ") {
        let name = unquote(rest.split_whitespace().next()?.trim_end_matches(';'));
        return name.starts_with(PREFIX).then_some((name, None));
    }
    let rest = sql.strip_prefix("CREATE OR REPLACE TRIGGER ").or_else(|| sql.strip_prefix("CREATE TRIGGER "))?;
    let mut words = rest.split_whitespace();
    let name = unquote(words.next()?);
    let table = words.skip_while(|w| *w != "ON").nth(1).map(unquote)?;
    name.starts_with(PREFIX).then_some((name, Some(table)))
}

/// Replaces each copy step's marker with the gh-ost and pt-online-schema-change command lines,
/// their caveats for this table (its foreign keys, its own triggers, its keys), and where in the
/// plan the tool may run: before this plan's triggers go onto the table or after they come off,
/// since gh-ost refuses a table with triggers and pt-online-schema-change must be told to carry
/// them.
fn copy_tools_advice(ctx: &Ctx<'_>, b: &mut Builder) {
    if !b.steps.values().flatten().any(|s| s.reason.contains(COPY_TOOLS)) {
        return;
    }
    // Each stage in the order it runs, so a position is (stage, index).
    for steps in b.steps.values_mut() {
        crate::plan::order_steps(steps);
    }
    // A copy in Contract while this plan's triggers are still on the table waits until the
    // last of them is off and the shadow columns have their final names (the copy's ALTER may
    // name them): then either tool can make it.
    let mut moved = false;
    for w in trigger_windows(ctx, b) {
        if let (Some(first), Some(last)) = (w.first_on, w.last_off) {
            if w.at.0 == StageKind::Contract && first < w.at && w.at < last && last.0 == StageKind::Contract {
                let after = b.steps[&last.0][last.1].rank.max(R_SWAP_COLUMN) + 1;
                if let Some(s) = b.steps.get_mut(&w.at.0).and_then(|v| v.get_mut(w.at.1)) {
                    s.rank = s.rank.max(after);
                    moved = true;
                }
            }
        }
    }
    if moved {
        for steps in b.steps.values_mut() {
            crate::plan::order_steps(steps);
        }
    }
    for w in trigger_windows(ctx, b) {
        let title = |(stage, i): (StageKind, usize)| format!("\"{}\" ({})", b.steps[&stage][i].title, stage.label());
        let table = &w.table;
        let (inside, when) = match (w.first_on, w.last_off) {
            (None, _) => (false, format!("this plan puts no triggers of its own on {table}, so the tool can run in this step's place")),
            (Some(first), _) if w.at < first => (
                false,
                format!("the tool runs in this step's place, before {} puts this plan's triggers on {table}", title(first)),
            ),
            (Some(_), Some(last)) if w.at > last => (
                false,
                format!("the tool runs in this step's place, after {} has taken this plan's triggers off {table}", title(last)),
            ),
            (Some(first), last) => (
                true,
                format!(
                    "this plan's triggers are on {table} from {} {}, and this step falls between: pt-online-schema-change carries them with --preserve-triggers, gh-ost needs the table without them",
                    title(first),
                    match last {
                        Some(l) => format!("until {}", title(l)),
                        None => "to the end of the plan".to_string(),
                    },
                ),
            ),
        };
        let text = tools_text(ctx, table, &w.clauses, inside, &when);
        if let Some(s) = b.steps.get_mut(&w.at.0).and_then(|v| v.get_mut(w.at.1)) {
            s.reason = s.reason.replace(&format!("{COPY_TOOLS}{}{COPY_TOOLS}", w.clauses), &text);
        }
    }
}

/// A copy step (its stage and index, in run order), its table and ALTER clauses, and when this
/// plan's own triggers go onto that table first and come off it last.
struct Window {
    at: (StageKind, usize),
    table: String,
    clauses: String,
    first_on: Option<(StageKind, usize)>,
    last_off: Option<(StageKind, usize)>,
}

/// Every copy step awaiting its advice, with its [`Window`]. The stages' steps are in run order.
fn trigger_windows(ctx: &Ctx<'_>, b: &Builder) -> Vec<Window> {
    let mut on: Vec<(String, String, (StageKind, usize))> = Vec::new(); // (trigger, table, position)
    let mut off: Vec<(String, (StageKind, usize))> = Vec::new();
    for (stage, steps) in &b.steps {
        for (i, s) in steps.iter().enumerate() {
            for sql in &s.sql {
                match own_trigger(sql) {
                    Some((name, Some(table))) => on.push((name, table, (*stage, i))),
                    Some((name, None)) => off.push((name, (*stage, i))),
                    None => {}
                }
            }
        }
    }
    let mut out = Vec::new();
    for (stage, steps) in &b.steps {
        for (i, s) in steps.iter().enumerate() {
            let Some(open) = s.reason.find(COPY_TOOLS).map(|o| o + COPY_TOOLS.len_utf8()) else { continue };
            let Some(len) = s.reason[open..].find(COPY_TOOLS) else { continue };
            let Some(table) = s.lock.tables.first() else { continue };
            let names: Vec<&str> = [Some(table.as_str()), ctx.renamed_from(table)].into_iter().flatten().collect();
            let ours = |t: &str| names.iter().any(|n| same_name(n, t) || same_name(split_qualified(n).1, t));
            let mine: Vec<&(String, String, (StageKind, usize))> = on.iter().filter(|(_, t, _)| ours(t)).collect();
            out.push(Window {
                at: (*stage, i),
                table: table.clone(),
                clauses: s.reason[open..open + len].to_string(),
                first_on: mine.iter().map(|(_, _, p)| *p).min(),
                last_off: off.iter().filter(|(n, _)| mine.iter().any(|(m, _, _)| m == n)).map(|(_, p)| *p).max(),
            });
        }
    }
    out
}

/// The two tools' command lines for `clauses` on `table`, with what each needs of this table.
fn tools_text(ctx: &Ctx<'_>, table: &str, clauses: &str, plan_triggers: bool, when: &str) -> String {
    let (ns, short) = split_qualified(table);
    let db = ns.unwrap_or("DATABASE");
    let alter = clauses.replace('"', "\\\"");
    let base = ctx.base_table(table);
    let base_name = base.map_or_else(|| table.to_string(), Table::qualified_name);
    let parents = base.is_some_and(|t| !t.foreign_keys.is_empty());
    let children = ctx.base.tables.iter().any(|t| {
        !same_name(&t.qualified_name(), &base_name)
            && t.foreign_keys
                .iter()
                .any(|fk| same_name(split_qualified(&fk.ref_table).1, split_qualified(&base_name).1))
    });
    let triggers = ctx.base.triggers.iter().any(|tr| same_name(&tr.table, &base_name));
    let drops_key = clauses.contains("DROP PRIMARY KEY");
    let keyed =
        base.is_some_and(|t| t.primary_key.is_some() || !t.uniques.is_empty() || t.indexes.iter().any(|i| i.unique));
    let flag = |on: bool, flag: &'static str| if on { flag } else { "" };
    let pt = format!(
        "`pt-online-schema-change --alter \"{alter}\"{}{}{} D={db},t={short} --execute`{}{}",
        flag(plan_triggers || triggers, " --preserve-triggers"),
        flag(children, " --alter-foreign-keys-method=auto"),
        flag(drops_key, " --no-check-alter"),
        if !keyed {
            " (it needs a primary key or a unique index, which this table lacks)"
        } else {
            flag(drops_key, " (its delete trigger then matches rows on another unique key: check them with --dry-run --print first)")
        },
        flag(children, " (it points the foreign keys of the tables that reference this one at the copy)"),
    );
    let tools = if parents || children || triggers {
        format!("{pt}; not gh-ost, which supports no table with foreign keys (either way) or triggers of its own, as this one has")
    } else {
        format!("{pt}, or `gh-ost --database={db} --table={short} --alter=\"{alter}\" --execute`")
    };
    format!("on a large table, an online schema change tool can make the copy instead: {tools}; {when}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, DiffOptions};
    use crate::import;

    fn plan_on(before: &str, after: &str, server: MySqlServer) -> crate::plan::Plan {
        let a = import(before, Some(MY)).schema;
        let b = import(after, Some(MY)).schema;
        let options = PlanOptions { dialect: MY, mysql_server: server, ..PlanOptions::default() };
        crate::plan::plan_changes(&a, &b, &diff(&a, &b, &DiffOptions::default()), &options)
    }

    fn sql(p: &crate::plan::Plan) -> String {
        p.steps().flat_map(|(_, s)| s.sql.clone()).collect::<Vec<_>>().join(";\n").to_ascii_lowercase()
    }

    const ORDERS: &str =
        "CREATE TABLE orders (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, qty int NOT NULL, note varchar(20));";

    #[test]
    fn a_widening_is_a_shadow_column_on_mariadb_10_11_and_an_online_copy_on_11_4() {
        let widened = ORDERS.replace("qty int", "qty bigint");
        let old = sql(&plan_on(ORDERS, &widened, MySqlServer::MariaDb1011));
        assert!(old.contains("qty_new") && old.contains("create trigger"), "{old}");
        let new = sql(&plan_on(ORDERS, &widened, MySqlServer::MariaDb114));
        assert!(new.contains("modify column qty bigint not null, algorithm=copy, lock=none"), "{new}");
        assert!(!new.contains("create trigger"), "{new}");
    }

    #[test]
    fn mariadb_bounds_each_alter_with_wait_and_mysql_with_the_session_setting() {
        let added = ORDERS.replace("note varchar(20)", "note varchar(20), memo text");
        for server in MySqlServer::ALL {
            let p = plan_on(ORDERS, &added, server);
            let text = sql(&p);
            assert!(text.contains("set session lock_wait_timeout = 2"), "{server:?}: {text}");
            assert_eq!(text.contains(" wait 2 "), server.is_mariadb(), "{server:?}: {text}");
            assert!(text.contains("add column memo text null after note, algorithm=instant"), "{text}");
            assert!(p.stages.iter().flat_map(|s| &s.steps).all(|s| !s.transactional), "no step is a transaction");
            // MySQL counts instant column changes against 64 row versions; MariaDB does not.
            assert_eq!(p.notes.iter().any(|n| n.contains("row versions")), !server.is_mariadb());
        }
    }

    #[test]
    fn a_trigger_is_replaced_in_one_statement_on_mariadb_and_dropped_then_created_on_mysql() {
        let with = |body: &str| {
            format!("{ORDERS}\nCREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = {body};")
        };
        let (a, b) = (with("'a'"), with("'b'"));
        let maria = sql(&plan_on(&a, &b, MySqlServer::MariaDb1011));
        assert!(maria.contains("create or replace trigger"), "{maria}");
        let mysql = sql(&plan_on(&a, &b, MySqlServer::MySql84));
        assert!(mysql.contains("drop trigger if exists orders_bi") && !mysql.contains("or replace"), "{mysql}");
    }

    #[test]
    fn mysql_8_4_names_a_foreign_key_to_columns_that_are_no_whole_key() {
        let base = "CREATE TABLE parents (id int NOT NULL PRIMARY KEY, code int NOT NULL, KEY parents_code (code));\nCREATE TABLE kids (id int NOT NULL PRIMARY KEY, code int);";
        let target = base
            .replace("code int);", "code int, CONSTRAINT kids_code_fk FOREIGN KEY (code) REFERENCES parents (code));");
        let note = |s| plan_on(base, &target, s).notes.iter().any(|n| n.contains("restrict_fk_on_non_standard_key"));
        assert!(note(MySqlServer::MySql84));
        assert!(!note(MySqlServer::MySql80));
        assert!(!note(MySqlServer::MariaDb1011));
    }

    #[test]
    fn a_timestamp_made_not_null_copies_on_mariadb_only() {
        let base = "CREATE TABLE t (id int NOT NULL PRIMARY KEY, seen timestamp NULL);";
        let target = base.replace("seen timestamp NULL", "seen timestamp NOT NULL");
        let maria = sql(&plan_on(base, &target, MySqlServer::MariaDb1011));
        assert!(maria.contains("modify column seen timestamp not null, algorithm=copy"), "{maria}");
        let mysql = sql(&plan_on(base, &target, MySqlServer::MySql84));
        assert!(mysql.contains("modify column seen timestamp not null, algorithm=inplace, lock=none"), "{mysql}");
    }

    /// The copy step's reason, and the titles of the plan's steps in the order they run.
    fn copy_step(p: &crate::plan::Plan) -> (String, Vec<String>) {
        let reason =
            p.steps().find(|(_, s)| s.reason.contains("online schema change tool")).map(|(_, s)| s.reason.clone());
        for (_, s) in p.steps() {
            assert!(!s.reason.contains(COPY_TOOLS), "a marker left in: {}", s.reason);
        }
        (reason.unwrap_or_default(), p.steps().map(|(_, s)| s.title.clone()).collect())
    }

    #[test]
    fn a_copy_in_contract_waits_until_the_plans_triggers_are_off_the_table() {
        // The CHECK reads the column a shadow replaces: added before the swap, MariaDB would
        // drop it with the old column (the harness saw it go).
        let before = "CREATE TABLE orders (id bigint NOT NULL PRIMARY KEY, total numeric(10, 2) NOT NULL);";
        let after = "CREATE TABLE orders (id bigint NOT NULL PRIMARY KEY, total numeric(12, 2) NOT NULL, CONSTRAINT positive CHECK (total >= 0));";
        let (reason, titles) = copy_step(&plan_on(before, after, MySqlServer::MariaDb1011));
        let at = |t: &str| titles.iter().position(|x| x.starts_with(t)).unwrap_or(usize::MAX);
        assert!(
            at("change type of orders.total to NUMERIC(12,2): drop total") < at("CHECK (total >= 0)"),
            "{titles:?}"
        );
        assert!(
            at("change type of orders.total to NUMERIC(12,2): total takes") < at("CHECK (total >= 0)"),
            "{titles:?}"
        );
        assert!(reason.contains("after \"change type of orders.total to NUMERIC(12,2): drop total\" (Contract) has taken this plan's triggers off orders"), "{reason}");
        assert!(reason.contains("`gh-ost --database=DATABASE --table=orders"), "{reason}");
        assert!(!reason.contains("--preserve-triggers"), "no trigger is left on the table then: {reason}");
    }

    #[test]
    fn a_copy_in_expand_runs_before_the_plans_triggers_go_on() {
        let before = "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, b varchar(20));";
        let after = "CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, b int);";
        let (reason, _) = copy_step(&plan_on(before, after, MySqlServer::MySql84));
        assert!(reason.contains("the tool runs in this step's place, before \"change type of t.b to INT"), "{reason}");
        assert!(reason.contains("puts this plan's triggers on t"), "{reason}");
    }

    #[test]
    fn gh_ost_is_not_offered_for_a_table_with_foreign_keys_or_triggers_and_pt_osc_gets_its_flags() {
        let before = "CREATE TABLE tags (name varchar(20) NOT NULL, PRIMARY KEY (name));
            CREATE TABLE posts (id int NOT NULL PRIMARY KEY, tag varchar(20), CONSTRAINT fk_t FOREIGN KEY (tag) REFERENCES tags (name));
            CREATE TRIGGER tags_log AFTER INSERT ON tags FOR EACH ROW SET @n = 1;";
        let after = "CREATE TABLE tags (name varchar(20) NOT NULL, UNIQUE KEY tags_name (name));
            CREATE TABLE posts (id int NOT NULL PRIMARY KEY, tag varchar(20), CONSTRAINT fk_t FOREIGN KEY (tag) REFERENCES tags (name));
            CREATE TRIGGER tags_log AFTER INSERT ON tags FOR EACH ROW SET @n = 1;";
        let (reason, _) = copy_step(&plan_on(before, after, MySqlServer::MySql84));
        assert!(!reason.contains("`gh-ost"), "{reason}");
        assert!(reason.contains("not gh-ost, which supports no table with foreign keys"), "{reason}");
        for flag in ["--preserve-triggers", "--alter-foreign-keys-method=auto", "--no-check-alter"] {
            assert!(reason.contains(flag), "{flag}: {reason}");
        }
        assert!(reason.contains("this plan puts no triggers of its own on tags"), "{reason}");
    }
}
