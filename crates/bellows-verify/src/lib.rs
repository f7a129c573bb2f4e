//! Runs a Bellows plan on a real database while the application versions it promises to keep
//! working run against it, and checks what the plan promises:
//!
//! 1. the base is loaded as a person would load it (`psql` on PostgreSQL), into a database of
//!    its own; the target is loaded the same way into a reference database;
//! 2. seed rows fill every table the generator can fill (any column type, references from the
//!    parents' real keys, CHECKs as filters), mixed, in the first run, with rows that break the
//!    target's new rules, so pre-checks and resolutions meet real offending rows;
//! 3. a v1 workload runs from the start until Contract and a v2 workload from when the plan
//!    lets it, each writing its own rows (parents included) and reading their keys back; units
//!    that fail before the plan runs (v1 on the base, v2 on the reference) are left out and
//!    reported, so every failure that remains is the plan's;
//! 4. Expand and Backfill are each rolled back right after they run (the schema must come back
//!    as it was, with every seeded row unchanged) and then run again;
//! 5. after Contract, the schema read back equals the reference database's, and every seeded
//!    row is there with its values carried over, except rows a chosen resolution removes,
//!    which must be exactly the rows its pre-check counted.
//!
//! When a pre-check stops the first run as the plan says it will, a second run on clean rows,
//! with a resolution chosen for each stopping pre-check, executes the whole plan.

pub mod cases;
pub mod consumers;
pub mod engine;
pub mod mariadb;
pub mod postgres;
pub mod report;
pub mod runner;
pub mod sample;
pub mod sqlite;

pub use cases::{After, Input};
pub use report::{Outcome, Report};

use bellows_core::diff::{diff, Change, ChangeSet, DiffOptions, Matching};
use bellows_core::plan::{plan_changes, Plan, PlanOptions, Resolution};
use bellows_core::render::{schema_sql, DdlOptions};
use bellows_core::verify::rows_for;
use bellows_core::{import, Dialect, Schema};
use std::collections::BTreeMap;
use std::time::Instant;

/// The two schemas of a case, their changes, and the target's text for the reference database.
#[derive(Debug)]
pub struct Prepared {
    pub base: Schema,
    pub target: Schema,
    pub changes: ChangeSet,
    pub target_text: String,
}

pub fn prepare(input: &Input) -> Prepared {
    let d = input.dialect;
    let base = import(&input.before, Some(d)).schema;
    match &input.after {
        After::Text(after) => {
            let target = import(after, Some(d)).schema;
            let changes = diff(&base, &target, &input.diff);
            Prepared { base, target, changes, target_text: after.clone() }
        }
        After::Edits(edits) => {
            let (target, _) = bellows_core::edit::apply(&base, edits);
            let renames = bellows_core::edit::enum_hints(edits);
            let merges = bellows_core::edit::merge_hints(&base, &target, edits);
            let moves = bellows_core::edit::move_hints(&target, &base, edits);
            let changes = diff(&base, &target, &DiffOptions { matching: Matching::Ids, renames, merges, moves });
            let target_text = schema_sql(&target, DdlOptions { source: d, target: d });
            Prepared { base, target, changes, target_text }
        }
    }
}

/// Resolutions for the pre-checks that stopped a run: fill required values with a constant of
/// the column's type, delete orphans, keep the first of duplicates. Other stops (values a new
/// type cannot hold, rows a new CHECK rejects) have no resolution: clean rows avoid them.
pub fn resolutions_for(stopping: &[usize], p: &Prepared, options: &PlanOptions) -> BTreeMap<String, Resolution> {
    let mut out = options.resolutions.clone();
    for &i in stopping {
        let Some(change) = p.changes.changes.get(i) else { continue };
        let resolution = match change {
            Change::SetNotNull { table, column } | Change::AddColumn { table, column } => {
                let t = p.target.find_table(table);
                let c = t.and_then(|t| t.column(column));
                // A column a key makes unique needs a value per row; any other, a constant.
                let same = |x: &str| x.eq_ignore_ascii_case(column);
                let unique = t.is_some_and(|t| {
                    t.is_primary_key(column)
                        || t.uniques.iter().any(|k| k.columns.iter().any(|x| same(x)))
                        || t.indexes.iter().any(|ix| ix.unique && ix.parts.iter().any(|p| p.column().is_some_and(same)))
                });
                let sqlite = options.dialect == Dialect::Sqlite;
                let value = match (unique, c.map(|c| &c.data_type.kind)) {
                    (true, Some(bellows_core::TypeKind::Uuid)) if !sqlite => Some("gen_random_uuid()".to_string()),
                    (true, Some(bellows_core::TypeKind::Text | bellows_core::TypeKind::Varchar { length: None })) => {
                        Some(
                            if sqlite {
                                "lower(hex(randomblob(16)))"
                            } else {
                                "md5(random()::text || clock_timestamp()::text)"
                            }
                            .to_string(),
                        )
                    }
                    (true, _) => None,
                    (false, _) => c.and_then(|c| {
                        bellows_core::verify::values::base_value(&p.target, &c.data_type, "1", options.dialect)
                    }),
                };
                value.map(|value| Resolution::Fill { value })
            }
            // Orphans of a nullable reference lose the reference; others, the row.
            Change::AddForeignKey { table, foreign_key } => {
                let nullable = p
                    .target
                    .find_table(table)
                    .is_some_and(|t| foreign_key.columns.iter().all(|c| t.column(c).is_some_and(|c| c.nullable)));
                Some(if nullable { Resolution::NullOrphans } else { Resolution::DeleteOrphans })
            }
            Change::AddUnique { .. } | Change::AddPrimaryKey { .. } => Some(Resolution::KeepFirstDuplicate),
            // A parent whose rows disagree takes its first row's value.
            Change::MoveColumn { .. } => Some(Resolution::ParentValue),
            _ => None,
        };
        if let Some(r) = resolution {
            out.entry(change.describe()).or_insert(r);
        }
    }
    out
}

fn plan_for(p: &Prepared, options: &PlanOptions) -> Plan {
    plan_changes(&p.base, &p.target, &p.changes, options)
}

/// The tables a change set touches, their partitions, the tables that reference them and
/// every table they reference (transitively, so their rows can be seeded): lower-cased names
/// in base and target spelling.
pub fn focus_for(p: &Prepared) -> Vec<String> {
    use bellows_core::model::same_name;
    let mut names: Vec<String> = Vec::new();
    let add = |names: &mut Vec<String>, n: &str| {
        if !names.iter().any(|x| same_name(x, n)) {
            names.push(n.to_ascii_lowercase());
        }
    };
    for c in &p.changes.changes {
        if let Some(t) = c.table() {
            add(&mut names, t);
        }
        match c {
            Change::RenameTable { from, .. } => add(&mut names, from),
            Change::AddForeignKey { foreign_key, .. } | Change::DropForeignKey { foreign_key, .. } => {
                add(&mut names, &foreign_key.ref_table)
            }
            _ => {}
        }
    }
    // Through ids, a table's name on the other side.
    let other_side = |names: &mut Vec<String>| {
        for (a, b) in [(&p.base, &p.target), (&p.target, &p.base)] {
            for t in &a.tables {
                if names.iter().any(|n| same_name(n, &t.qualified_name())) {
                    if let Some(o) = b.tables.iter().find(|o| o.id == t.id) {
                        add(names, &o.qualified_name());
                    }
                }
            }
        }
    };
    other_side(&mut names);
    // Children (one level) and partitions.
    for schema in [&p.base, &p.target] {
        for t in &schema.tables {
            let refers = t.foreign_keys.iter().any(|fk| names.iter().any(|n| same_name(n, &fk.ref_table)));
            let part = t.partition_of.as_deref().is_some_and(|x| names.iter().any(|n| same_name(n, x)));
            if refers || part {
                add(&mut names, &t.qualified_name());
            }
        }
    }
    other_side(&mut names);
    // Ancestors, transitively, and the parents of partitions.
    loop {
        let before = names.len();
        for schema in [&p.base, &p.target] {
            let parents: Vec<String> = schema
                .tables
                .iter()
                .filter(|t| names.iter().any(|n| same_name(n, &t.qualified_name())))
                .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.ref_table.clone()).chain(t.partition_of.clone()))
                .collect();
            for parent in parents {
                add(&mut names, &parent);
            }
        }
        other_side(&mut names);
        if names.len() == before {
            break;
        }
    }
    names
}

/// Runs a case on its dialect's database: PostgreSQL (the server at `BELLOWS_PG`) or SQLite.
pub fn verify(input: &Input) -> Result<Outcome, String> {
    match input.dialect {
        Dialect::Postgres => {
            let template = postgres::Database::create(&format!("bellows_base_{}", input.name), None)?;
            match template.load(&input.before) {
                Ok(()) => verify_postgres(input, &template),
                Err(postgres::LoadError::Missing(what)) => Ok(Outcome {
                    case: input.name.clone(),
                    runs: vec![],
                    skipped: Some(format!("the base needs {what}")),
                    blocked: None,
                }),
                Err(postgres::LoadError::Failed(e)) => Err(format!("the base does not load: {e}")),
            }
        }
        Dialect::Sqlite => verify_sqlite(input),
        Dialect::MySql => verify_mariadb(input),
    }
}

/// Runs a PostgreSQL case on databases made from `template` (a database with the base loaded
/// and nothing else), so several cases on one schema load it once.
/// The outcome of a case whose plan names dependents only a person can change: it does not
/// run (the plan says so), and the outcome says what blocks it.
/// A move the case states (`moves` in `case.toml`) that the diff did not find is the case's
/// mistake, not a plan to verify.
fn stated_moves(input: &Input, p: &Prepared) -> Result<(), String> {
    for m in &input.diff.moves {
        let found = p.changes.changes.iter().any(|c| {
            matches!(c, Change::MoveColumn { column, to_column, .. } if column.eq_ignore_ascii_case(&m.column) && to_column.eq_ignore_ascii_case(&m.to_column))
        });
        if !found {
            return Err(format!(
                "moves: {}.{}->{}.{} is no move: the before text must have {}.{} and the after text must drop it and add {}.{}",
                m.from, m.column, m.to, m.to_column, m.from, m.column, m.to, m.to_column
            ));
        }
    }
    Ok(())
}

fn blocked_by_design(input: &Input, p: &Prepared, options: &PlanOptions) -> Option<Outcome> {
    let plan = plan_for(p, options);
    (!plan.blockers.is_empty()).then(|| Outcome {
        case: input.name.clone(),
        runs: vec![],
        skipped: None,
        blocked: Some(plan.blockers.join("; ")),
    })
}

pub fn verify_postgres(input: &Input, template: &postgres::Database) -> Result<Outcome, String> {
    let p = prepare(input);
    stated_moves(input, &p)?;
    if let Some(blocked) = blocked_by_design(input, &p, &input.options) {
        return Ok(blocked);
    }
    let (major, _) = postgres::server_version()?;
    let reference = postgres::Database::create(&format!("bellows_target_{}", input.name), None)?;
    match reference.load(&p.target_text) {
        Ok(()) => {}
        Err(postgres::LoadError::Missing(what)) => {
            return Ok(Outcome {
                case: input.name.clone(),
                runs: vec![],
                skipped: Some(format!("the target needs {what}")),
                blocked: None,
            })
        }
        Err(postgres::LoadError::Failed(e)) => return Err(format!("the target does not load: {e}")),
    }
    let reference_schema = reference.introspect()?;
    let options = PlanOptions { dialect: Dialect::Postgres, pg_version: major, ..input.options.clone() };
    let rows = input.rows.unwrap_or_else(|| rows_for(p.base.tables.len()));
    runs(input, &p, &options, &reference_schema, rows, &|number| {
        let engine =
            postgres::PgEngine::new(&format!("bellows_run{number}_{}", input.name), template, Some(&reference))?;
        Ok(Box::new(engine))
    })
}

/// Runs the case's plan on a fresh database from `engine_for`; when a pre-check stops the
/// first run as the plan says it will, a second run on clean rows, with a resolution chosen for
/// each stopping pre-check, executes the whole plan.
fn runs(
    input: &Input,
    p: &Prepared,
    options: &PlanOptions,
    reference: &Schema,
    rows: i64,
    engine_for: &dyn Fn(u8) -> Result<Box<dyn engine::Engine>, String>,
) -> Result<Outcome, String> {
    let focus = input.focus.then(|| focus_for(p));
    let run = |number: u8, options: &PlanOptions| -> Result<Report, String> {
        let started = Instant::now();
        let plan = plan_for(p, options);
        let mut engine = engine_for(number)?;
        let mut report = Report { case: input.name.clone(), run: number, against_reference: true, ..Report::default() };
        let prepared = engine::Prepared {
            base: &p.base,
            target: &p.target,
            changes: &p.changes,
            plan: &plan,
            reference,
            rows,
            breaks: number == 1,
            focus: focus.as_deref(),
            consumers: input.consumers.as_deref().map(|c| (c, input.before.as_str())),
        };
        engine::run(engine.as_mut(), &prepared, &mut report)?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    };
    let first = run(1, options)?;
    let stopping = first.stopping_changes.clone();
    let stopped = first.stopped_before.is_some();
    let mut all = vec![first];
    let mut blocked = None;
    if stopped {
        let second_options = PlanOptions { resolutions: resolutions_for(&stopping, p, options), ..options.clone() };
        let second = run(2, &second_options)?;
        if let Some((_, why)) = &second.stopped_before {
            blocked = Some(why.clone());
        }
        all.push(second);
    }
    Ok(Outcome { case: input.name.clone(), runs: all, skipped: None, blocked })
}

pub fn verify_sqlite(input: &Input) -> Result<Outcome, String> {
    let p = prepare(input);
    stated_moves(input, &p)?;
    if let Some(blocked) = blocked_by_design(input, &p, &input.options) {
        return Ok(blocked);
    }
    let reference_schema = {
        let r = sqlite::SqliteExec::open()?;
        r.load(&p.target_text).map_err(|e| format!("the target does not load: {e}"))?;
        r.introspect()?
    };
    let options = PlanOptions { dialect: Dialect::Sqlite, ..input.options.clone() };
    let rows = input.rows.unwrap_or_else(|| rows_for(p.base.tables.len()).min(500));
    runs(input, &p, &options, &reference_schema, rows, &|_| {
        Ok(Box::new(sqlite::SqliteEngine::new(&input.before, Some(&p.target_text))?))
    })
}

/// The target server a plan is made for, from the version the server reports.
fn server_of(version: &str) -> bellows_core::plan::MySqlServer {
    use bellows_core::plan::MySqlServer;
    let v = version.to_ascii_lowercase();
    let major_minor: Vec<u32> = v.split(['.', '-']).take(2).filter_map(|p| p.parse().ok()).collect();
    match (v.contains("mariadb"), major_minor.as_slice()) {
        (true, [major, minor]) if (*major, *minor) >= (11, 2) => MySqlServer::MariaDb114,
        (true, _) => MySqlServer::MariaDb1011,
        (false, [8, 0]) => MySqlServer::MySql80,
        _ => MySqlServer::MySql84,
    }
}

/// Runs a MySQL case on the MariaDB server at `BELLOWS_MYSQL` (a local socket): the plan is
/// made for that server's version.
pub fn verify_mariadb(input: &Input) -> Result<Outcome, String> {
    let p = prepare(input);
    stated_moves(input, &p)?;
    if let Some(blocked) = blocked_by_design(input, &p, &input.options) {
        return Ok(blocked);
    }
    let version = mariadb::server_version()?;
    let reference = mariadb::Database::create(&format!("bellows_target_{}", input.name))?;
    reference
        .load(&p.target_text, &mariadb::home_databases(&input.before))
        .map_err(|e| format!("the target does not load: {e}"))?;
    let reference_schema = reference.introspect()?;
    let options = PlanOptions { dialect: Dialect::MySql, mysql_server: server_of(&version), ..input.options.clone() };
    let rows = input.rows.unwrap_or_else(|| rows_for(p.base.tables.len()));
    runs(input, &p, &options, &reference_schema, rows, &|number| {
        let engine = mariadb::MariaDbEngine::new(
            &format!("bellows_run{number}_{}", input.name),
            &input.before,
            Some(&reference),
        )?;
        Ok(Box::new(engine))
    })
}

pub use postgres::{conninfo, server_available};
