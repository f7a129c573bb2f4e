//! Change set + options -> a staged expand-and-contract [`Plan`].
//!
//! One file per change kind in `recipes/`, each holding that kind's recipe for every dialect
//! side by side (`mod postgres`, `mod mysql`, `mod sqlite`), so a reader finds "rename column"
//! once and sees its three plans together:
//!
//! | change | file | SQLite |
//! |---|---|---|
//! | create, drop, rename table | `tables.rs` | create and drop; a rename is part of the rebuild |
//! | enum types | `enums.rs` (PostgreSQL; MySQL's inline ENUM is a type change) | none |
//! | add, drop, rename column | `add_column.rs`, `drop_column.rs`, `rename_column.rs` | `ADD COLUMN`; the rest in the rebuild |
//! | change type | `change_type.rs` (PostgreSQL's replacement column, MySQL's shadow column) | rebuild |
//! | NOT NULL, default | `not_null.rs`, `default.rs` | rebuild with pre-checks |
//! | CHECK, UNIQUE and primary key, foreign key | `checks.rs`, `keys.rs`, `foreign_keys.rs` | rebuild with pre-checks |
//! | index | `indexes.rs`, `partitions.rs` (PostgreSQL) | `CREATE INDEX`, `DROP INDEX` |
//! | views, triggers, routines, policies | `objects.rs` | `objects.rs` |
//! | split a table (detection and recipes) | `split.rs` | `split.rs` |
//!
//! What differs between the dialects sits behind one small module each: `postgres.rs`,
//! `mysql.rs` and `sqlite.rs` hold the context a recipe reads, the quoting, the step builders,
//! the ranks and the dispatch from a change to its recipe (and, for SQLite, the table rebuild).
//! What differs between MySQL and MariaDB versions is in `mysql/server.rs`, and nowhere else.
//!
//! Each change is planned by one recipe (see `../shared/design/expand-contract.md`), which
//! emits steps into the four stages. Steps carry their forward and rollback SQL, the lock they
//! take, whether they scan or rewrite, whether they run outside a transaction, and a reason.
//! Within a stage, steps are ordered by a rank that encodes dependencies (a referenced table
//! before its foreign key; a foreign key dropped before the column it uses), then by the order
//! of the changes.

mod blockers;
mod mysql;
mod pgroll;
mod postgres;
mod render;
pub(crate) use recipes::split;
pub(crate) mod recipes;
mod sqlite;

pub use mysql::{Algorithm, MySqlServer};
pub use pgroll::plan_pgroll;
pub use render::{plan_chat_summary, plan_files, plan_markdown, plan_sql, plan_text, plan_zip};

use crate::diff::{diff, Change, ChangeSet, DiffOptions};
use crate::{Dialect, Schema};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PlanOptions {
    pub dialect: Dialect,
    /// PostgreSQL major version, 12 to 17.
    pub pg_version: u32,
    /// The MySQL or MariaDB server and version a MySQL plan runs on.
    pub mysql_server: MySqlServer,
    pub lock_timeout_ms: u32,
    pub batch_size: u32,
    /// Known row counts per table, for the size notes on scans and rewrites.
    pub row_estimates: BTreeMap<String, u64>,
    /// How to treat existing rows that break a new rule, keyed by the change's description
    /// (`Change::describe`); the default loses nothing.
    pub resolutions: BTreeMap<String, Resolution>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            dialect: Dialect::Postgres,
            pg_version: 16,
            mysql_server: MySqlServer::default(),
            lock_timeout_ms: 2000,
            batch_size: 1000,
            row_estimates: BTreeMap::new(),
            resolutions: BTreeMap::new(),
        }
    }
}

/// What to do with existing rows that a new rule rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Resolution {
    /// Set missing values to this SQL expression.
    Fill { value: String },
    /// Delete rows whose reference has no parent.
    DeleteOrphans,
    /// Set references with no parent to NULL.
    NullOrphans,
    /// Keep the first row of each duplicate group (lowest key), delete the others.
    KeepFirstDuplicate,
    /// Change nothing: the plan stops before Contract while the pre-check finds rows.
    StopBeforeContract,
    /// A column moved to the table its table references: each parent takes the value of its
    /// first row (lowest key) that holds one; the values of rows that disagree with it, or that
    /// have no parent, go with the old column at Contract.
    ParentValue,
}

impl Resolution {
    pub fn describe(&self) -> String {
        match self {
            Resolution::Fill { value } => format!("fill with {value}"),
            Resolution::DeleteOrphans => "delete orphan rows".into(),
            Resolution::NullOrphans => "set orphan references to NULL".into(),
            Resolution::KeepFirstDuplicate => "keep the first row of each duplicate group, delete the rest".into(),
            Resolution::StopBeforeContract => "stop before Contract until the offending rows are fixed by hand".into(),
            Resolution::ParentValue => {
                "each parent takes its first row's value; the values that disagree with it, or have no parent, go at Contract"
                    .into()
            }
        }
    }

    /// What happens when a pre-check run before `stage` finds rows: a stop is a stop before
    /// that stage (the pre-check's own), whichever stage it is.
    pub fn describe_before(&self, stage: StageKind) -> String {
        match self {
            Resolution::StopBeforeContract => {
                format!("stop before {} until the offending rows are fixed by hand", stage.label())
            }
            other => other.describe(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Expand,
    Backfill,
    Switch,
    Contract,
}

impl StageKind {
    pub const ALL: [StageKind; 4] = [StageKind::Expand, StageKind::Backfill, StageKind::Switch, StageKind::Contract];

    pub fn label(self) -> &'static str {
        match self {
            StageKind::Expand => "Expand",
            StageKind::Backfill => "Backfill",
            StageKind::Switch => "Switch",
            StageKind::Contract => "Contract",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockMode {
    None,
    AccessShare,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
    /// SQLite: the database write lock.
    Write,
    /// MySQL: the exclusive metadata lock every ALTER takes; with ALGORITHM=INSTANT it is all
    /// the step takes, for a moment, but the statements queued behind it wait too.
    Metadata,
    /// MySQL: LOCK=NONE, reads and writes go on; a brief exclusive metadata lock at the start
    /// and the end.
    Online,
    /// MySQL: LOCK=SHARED, reads go on and writes wait for the whole step.
    NoWrites,
}

impl LockMode {
    pub fn label(self) -> &'static str {
        match self {
            LockMode::None => "no lock",
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
            LockMode::Write => "database write lock",
            LockMode::Metadata => "exclusive metadata lock",
            LockMode::Online => "LOCK=NONE (reads and writes go on)",
            LockMode::NoWrites => "LOCK=SHARED (writes wait)",
        }
    }

    /// True when the lock blocks reads or writes of the table while held.
    pub fn blocks_traffic(self) -> bool {
        matches!(
            self,
            LockMode::Share
                | LockMode::ShareRowExclusive
                | LockMode::AccessExclusive
                | LockMode::Write
                | LockMode::Metadata
                | LockMode::NoWrites
        )
    }
}

/// What the locked step does to the table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Catalog only: the lock is held for a moment.
    Metadata,
    /// Reads every row (validation, index build) while the lock is held.
    Scan,
    /// Writes the whole table anew.
    Rewrite,
    /// Changes rows in batches, each its own transaction.
    Batched,
    /// Nothing on the server: an application change.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Lock {
    pub mode: LockMode,
    pub tables: Vec<String>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Step {
    pub title: String,
    /// Index of the change in [`Plan::changes`] this step belongs to.
    pub change: usize,
    pub sql: Vec<String>,
    /// Undoes this step (run in reverse order within a stage); empty when nothing is needed,
    /// and `one_way` says when it cannot be undone without loss.
    pub rollback: Vec<String>,
    pub lock: Lock,
    /// False for statements that cannot run in a transaction block (CONCURRENTLY).
    pub transactional: bool,
    /// Run the SQL again until it changes no row (batched backfills).
    pub repeat_until_no_rows: bool,
    pub one_way: bool,
    pub reason: String,
    #[serde(skip)]
    pub(crate) rank: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Stage {
    pub kind: StageKind,
    pub steps: Vec<Step>,
}

/// A query to run before (pre-check) or after (verification) a stage.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CheckQuery {
    pub title: String,
    pub change: usize,
    /// Returns one number; the plan says what it must be.
    pub sql: String,
    /// The number must be zero for the plan to go on (before the stage named in `before`).
    pub must_be_zero: bool,
    pub before: StageKind,
    /// For pre-checks: what the plan does with the rows it counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Compatibility {
    pub after: StageKind,
    pub v1_works: bool,
    pub v2_works: bool,
    pub rollback_without_loss: bool,
    /// Why a "no" is a no.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub changes: Vec<String>,
    /// Objects of the target that read what the target drops or renames: the plan does not
    /// run until the design says what they become.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    pub stages: Vec<Stage>,
    pub prechecks: Vec<CheckQuery>,
    pub verifications: Vec<CheckQuery>,
    pub compatibility: Vec<Compatibility>,
    /// What the application (v2) must change at Switch.
    pub app_changes: Vec<String>,
    pub notes: Vec<String>,
    pub suggestions: Vec<crate::diff::RenameSuggestion>,
    pub options: PlanOptions,
}

impl Plan {
    pub fn stage(&self, kind: StageKind) -> Option<&Stage> {
        self.stages.iter().find(|s| s.kind == kind)
    }

    pub fn steps(&self) -> impl Iterator<Item = (StageKind, &Step)> {
        self.stages.iter().flat_map(|s| s.steps.iter().map(move |step| (s.kind, step)))
    }

    pub fn is_empty(&self) -> bool {
        self.stages.iter().all(|s| s.steps.is_empty())
    }
}

/// Collects steps while recipes run.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub steps: BTreeMap<StageKind, Vec<Step>>,
    pub prechecks: Vec<CheckQuery>,
    pub verifications: Vec<CheckQuery>,
    pub app_changes: Vec<String>,
    pub notes: Vec<String>,
    /// Reasons v1 stops working after Contract.
    pub v1_breaks: Vec<String>,
    /// Reasons a Contract rollback loses data.
    pub one_way: Vec<String>,
    /// Reasons v2 works only once Contract has run (it must ship with Contract).
    pub v2_waits: Vec<String>,
    /// Reasons v2 works only once Switch is done (v1 alone runs through Expand and Backfill).
    pub v2_after_switch: Vec<String>,
    /// Views, triggers and policies (`view:name`, `trigger:table.name`) that a Contract step
    /// already created with their target definition: no later step replaces them again.
    pub recreated: std::collections::BTreeSet<String>,
}

impl Builder {
    pub fn push(&mut self, stage: StageKind, step: Step) {
        self.steps.entry(stage).or_default().push(step);
    }

    /// What dropping a table in Contract means for v1, v2 and a rollback (every dialect).
    pub fn table_dropped(&mut self, table: &str) {
        self.app_changes.push(format!("v2 stops reading and writing {table}"));
        self.v1_breaks.push(format!("v1 uses table {table}, dropped in Contract"));
        self.one_way.push(format!("the rows of {table} are gone after Contract"));
    }

    /// What dropping a column in Contract means for v1, v2 and a rollback (every dialect).
    pub fn column_dropped(&mut self, table: &str, column: &str) {
        self.app_changes.push(format!("v2 stops reading and writing {table}.{column}"));
        self.v1_breaks.push(format!("v1 uses {table}.{column}, dropped in Contract"));
        self.one_way.push(format!("the values of {table}.{column} are gone after Contract"));
    }

    /// A split carries `moved` from `source` to `table`: the columns' drops in Contract lose no
    /// values, though undoing them still means copying the values back.
    pub fn columns_moved(&mut self, source: &str, table: &str, moved: &[String]) {
        for column in moved {
            let gone = [
                format!("the values of {source}.{column} are gone after Contract"),
                format!("the values of {source}.{column} are gone after the rebuild"),
            ];
            let kept = format!(
                "{source}.{column} lives on in {table}.{column}; undoing Contract means re-adding it and copying the values back"
            );
            for line in self.one_way.iter_mut().filter(|l| gone.contains(l)) {
                line.clone_from(&kept);
            }
            let title = format!("drop column {source}.{column}");
            for step in self.steps.values_mut().flatten().filter(|s| s.title == title) {
                step.reason =
                    step.reason.replace("the values are gone", &format!("the values live on in {table}.{column}"));
            }
        }
    }
}

/// How many foreign-key hops lead from `table` to tables it does not reach again (at most 10):
/// a table is created after the tables it references.
/// A stage's steps in the order they run: by rank, then by the order of the changes (stable, so
/// a recipe's own order stands among equals). One function, so every pass that needs the order
/// sorts the same way.
pub(crate) fn order_steps(steps: &mut [Step]) {
    steps.sort_by_key(|s| (s.rank, s.change));
}

pub(crate) fn fk_depth(schema: &Schema, table: &crate::model::Table) -> usize {
    let mut depth = 0;
    let mut frontier = vec![table.qualified_name()];
    let mut seen = frontier.clone();
    while !frontier.is_empty() && depth < 10 {
        let mut next = Vec::new();
        for name in &frontier {
            if let Some(t) = schema.find_table(name) {
                for fk in &t.foreign_keys {
                    if !seen.iter().any(|s| crate::model::same_name(s, &fk.ref_table)) {
                        seen.push(fk.ref_table.clone());
                        next.push(fk.ref_table.clone());
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        depth += 1;
        frontier = next;
    }
    depth
}

/// Plans the change from `base` to `target`.
pub fn plan(base: &Schema, target: &Schema, diff_options: &DiffOptions, options: &PlanOptions) -> Plan {
    let changes = diff(base, target, diff_options);
    plan_changes(base, target, &changes, options)
}

pub fn plan_changes(base: &Schema, target: &Schema, changes: &ChangeSet, options: &PlanOptions) -> Plan {
    let mut b = Builder::default();
    match options.dialect {
        Dialect::Postgres => postgres::plan(base, target, &changes.changes, options, &mut b),
        Dialect::Sqlite => sqlite::plan(base, target, &changes.changes, options, &mut b),
        Dialect::MySql => mysql::plan(base, target, &changes.changes, options, &mut b),
    }
    let stages = StageKind::ALL
        .iter()
        .map(|&kind| {
            let mut steps = b.steps.remove(&kind).unwrap_or_default();
            order_steps(&mut steps);
            Stage { kind, steps }
        })
        .collect();
    // Two recipes may say the same of one table (a merge and the drop of the merged table).
    let mut seen = std::collections::BTreeSet::new();
    b.v1_breaks.retain(|r| seen.insert(r.clone()));
    let contract_breaks_v1 = !b.v1_breaks.is_empty();
    let v2_early = b.v2_waits.is_empty();
    let compatibility = vec![
        Compatibility {
            after: StageKind::Expand,
            v1_works: true,
            v2_works: v2_early && b.v2_after_switch.is_empty(),
            rollback_without_loss: true,
            reasons: b.v2_waits.iter().chain(&b.v2_after_switch).cloned().collect(),
        },
        Compatibility {
            after: StageKind::Backfill,
            v1_works: true,
            v2_works: v2_early && b.v2_after_switch.is_empty(),
            rollback_without_loss: true,
            reasons: vec![],
        },
        Compatibility {
            after: StageKind::Switch,
            v1_works: true,
            v2_works: v2_early,
            rollback_without_loss: true,
            reasons: if v2_early {
                vec!["the old shape is kept in sync, so v1 can take traffic again".into()]
            } else {
                vec!["v2 ships with Contract: until then only v1 runs".into()]
            },
        },
        Compatibility {
            after: StageKind::Contract,
            v1_works: !contract_breaks_v1,
            v2_works: true,
            rollback_without_loss: b.one_way.is_empty(),
            reasons: b.v1_breaks.iter().chain(b.one_way.iter()).cloned().collect(),
        },
    ];
    Plan {
        dialect: options.dialect,
        changes: changes.changes.iter().map(Change::describe).collect(),
        blockers: blockers::blockers(base, target, &changes.changes, options.dialect),
        stages,
        prechecks: b.prechecks,
        verifications: b.verifications,
        compatibility,
        app_changes: b.app_changes,
        notes: b.notes,
        suggestions: changes.suggestions.clone(),
        options: options.clone(),
    }
}
