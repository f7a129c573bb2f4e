//! Runs a Bellows plan on a real PostgreSQL server while the application versions it promises
//! to keep working run against it, and checks what the plan promises:
//!
//! 1. a fresh database gets `before.sql` and deterministic seed rows (NULLs, and rows that break
//!    the target's new rules, so resolutions meet real offending rows);
//! 2. a v1 workload runs from the start until Contract; a v2 workload from Backfill until
//!    Contract; every statement's failure is recorded with the stage it happened in;
//! 3. Expand and Backfill are each rolled back right after they run (the schema must come back
//!    as it was, with every seeded row) and then run again;
//! 4. after Contract, the schema read back from the server (pg_dump, imported by the core) has
//!    no difference with the target, and every seeded row is there with its values carried
//!    over, except rows a chosen resolution removes, which must be exactly the rows it counted.
//!
//! The seed, the workloads and the carried-value queries come from `bellows_core::verify`,
//! derived from the two schemas alone.

pub mod cases;
pub mod sqlite;

use bellows_core::diff::{diff, ChangeSet, DiffOptions, Matching};
use bellows_core::plan::{plan_changes, Plan, PlanOptions, Resolution, StageKind, Step};
use bellows_core::verify::{carried_values, seed, Workload, SEED_ROWS};
use bellows_core::{import, Dialect, Schema, Severity};
use postgres::{Client, NoTls};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where the server listens: `BELLOWS_PG` (a libpq connection string without dbname), or the
/// local socket as the current user.
pub fn conninfo() -> String {
    std::env::var("BELLOWS_PG").unwrap_or_else(|_| "host=/var/run/postgresql user=root".to_string())
}

fn connect(db: &str) -> Result<Client, String> {
    Client::connect(&format!("{} dbname={db}", conninfo()), NoTls).map_err(|e| format!("cannot connect to {db}: {e}"))
}

/// True when a server answers; used by tests to skip (or, under CI, fail) with a clear notice.
pub fn server_available() -> bool {
    connect("postgres").is_ok()
}

/// The server's major version (15 for 15.18).
pub fn server_major_version() -> Result<u32, String> {
    let mut c = connect("postgres")?;
    let row = c.query_one("SHOW server_version_num", &[]).map_err(|e| e.to_string())?;
    let num: String = row.get(0);
    Ok(num.parse::<u32>().unwrap_or(150000) / 10000)
}

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub case: String,
    pub steps_run: usize,
    pub rows_seeded: u64,
    pub rows_checked: u64,
    pub v1_statements: u64,
    pub v2_statements: u64,
    pub v1_failures: Vec<String>,
    pub v2_failures: Vec<String>,
    pub step_failures: Vec<String>,
    pub lock_timeouts: u64,
    pub rollback_problems: Vec<String>,
    pub schema_differences: Vec<String>,
    pub lost_rows: Vec<String>,
    pub changed_rows: Vec<String>,
    /// Rows a resolution removed or changed, as the plan states.
    pub resolved_rows: u64,
    /// The plan stopped before this stage, as it says it will while a pre-check finds rows.
    pub stopped_before: Option<(StageKind, String)>,
    pub seconds: f64,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.v1_failures.is_empty()
            && self.v2_failures.is_empty()
            && self.step_failures.is_empty()
            && self.lock_timeouts == 0
            && self.rollback_problems.is_empty()
            && self.schema_differences.is_empty()
            && self.lost_rows.is_empty()
            && self.changed_rows.is_empty()
    }

    /// One line: the verdict and its figures.
    pub fn verdict(&self) -> String {
        let stop = match &self.stopped_before {
            Some((stage, why)) => format!(", stopped before {} as planned ({why})", stage.label()),
            None => String::new(),
        };
        format!(
            "{} {}: {} steps, {} rows seeded, {} rows checked, v1 {} statements ({} failed), v2 {} statements ({} failed), {} rows resolved, {} lock timeouts, {:.1}s{stop}",
            if self.passed() { "PASS" } else { "FAIL" },
            self.case,
            self.steps_run,
            self.rows_seeded,
            self.rows_checked,
            self.v1_statements,
            self.v1_failures.len(),
            self.v2_statements,
            self.v2_failures.len(),
            self.resolved_rows,
            self.lock_timeouts,
            self.seconds
        )
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |label: &str, items: &[String]| {
            for item in items.iter().take(5) {
                out.push(format!("{label}: {item}"));
            }
            if items.len() > 5 {
                out.push(format!("{label}: ... and {} more", items.len() - 5));
            }
        };
        add("v1", &self.v1_failures);
        add("v2", &self.v2_failures);
        add("step", &self.step_failures);
        add("rollback", &self.rollback_problems);
        add("schema", &self.schema_differences);
        add("lost", &self.lost_rows);
        add("changed", &self.changed_rows);
        out
    }
}

/// A workload running in its own thread and connection until stopped.
struct Runner {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<()>,
    statements: Arc<AtomicU64>,
    failures: Arc<Mutex<Vec<String>>>,
}

fn start_workload(db: &str, workload: Workload, stage: Arc<AtomicU8>) -> Result<Runner, String> {
    let mut client = connect(db)?;
    let stop = Arc::new(AtomicBool::new(false));
    let statements = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let (s, n, f) = (stop.clone(), statements.clone(), failures.clone());
    let handle = std::thread::spawn(move || {
        let mut k: i64 = 1;
        while !s.load(Ordering::Relaxed) {
            for sql in workload.statements(k) {
                n.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = client.batch_execute(&sql) {
                    let stage = StageKind::ALL[stage.load(Ordering::Relaxed) as usize % 4].label();
                    if let Ok(mut list) = f.lock() {
                        list.push(format!("during {stage}: {sql}: {}", db_error(&e)));
                    }
                }
            }
            k += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    Ok(Runner { stop, handle, statements, failures })
}

impl Runner {
    fn finish(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.handle.join();
        let failures = self.failures.lock().map(|f| f.clone()).unwrap_or_default();
        (self.statements.load(Ordering::Relaxed), failures)
    }
}

fn db_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}

/// The schema as the server has it, through pg_dump and the core's importer.
pub fn introspect(db: &str) -> Result<Schema, String> {
    let mut cmd = Command::new("pg_dump");
    cmd.args(["--schema-only", "--no-owner", "--no-privileges", "--dbname", &format!("{} dbname={db}", conninfo())]);
    let out = cmd.output().map_err(|e| format!("cannot run pg_dump: {e}"))?;
    if !out.status.success() {
        return Err(format!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let result = import(&text, Some(Dialect::Postgres));
    if let Some(e) = result.diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("the server's schema does not import: {e}"));
    }
    Ok(result.schema)
}

fn differences(a: &Schema, b: &Schema) -> Vec<String> {
    diff(a, b, &DiffOptions { matching: Matching::Names, renames: vec![] })
        .changes
        .iter()
        .map(|c| c.describe())
        .collect()
}

fn seeded_rows(client: &mut Client, schema: &Schema) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for table in &schema.tables {
        let Some(key) = bellows_core::verify::integer_key(table) else { continue };
        let sql = format!(
            "SELECT count(*) FROM {} WHERE {} <= {SEED_ROWS}",
            bellows_core::render::qualified(table.namespace.as_deref(), &table.name, Dialect::Postgres),
            bellows_core::render::ident(&key.name, Dialect::Postgres)
        );
        if let Ok(row) = client.query_one(sql.as_str(), &[]) {
            out.insert(table.qualified_name(), row.get::<_, i64>(0));
        }
    }
    out
}

/// A step that applies a resolution to rows (deletes orphans or duplicates): its row count is
/// what the plan said it would remove.
fn is_resolution(step: &Step) -> bool {
    step.one_way && step.lock.effect == bellows_core::plan::Effect::Batched
}

/// Runs one step; returns the rows changed by batches and resolutions.
fn run_step(client: &mut Client, step: &Step, report: &mut Report) -> Result<u64, String> {
    let run = |client: &mut Client, sql: &str| -> Result<u64, postgres::Error> {
        if is_resolution(step) && !step.repeat_until_no_rows {
            client.execute(sql, &[])
        } else if step.repeat_until_no_rows {
            let mut total = 0;
            for _ in 0..100_000 {
                let n = client.execute(sql, &[])?;
                total += n;
                if n == 0 {
                    break;
                }
            }
            Ok(total)
        } else {
            client.batch_execute(sql).map(|()| 0)
        }
    };
    let mut changed = 0;
    let result = if step.transactional && !step.repeat_until_no_rows && !is_resolution(step) {
        let joined = format!("BEGIN;\n{};\nCOMMIT;", step.sql.join(";\n"));
        client.batch_execute(&joined).map(|()| 0)
    } else {
        let mut r = Ok(0);
        for sql in &step.sql {
            match run(client, sql) {
                Ok(n) => changed += n,
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        r
    };
    match result {
        Ok(_) => Ok(changed),
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            let message = db_error(&e);
            if message.contains("lock timeout") || message.contains("55P03") {
                report.lock_timeouts += 1;
            }
            Err(format!("{}: {message}", step.title))
        }
    }
}

fn rollback_stage(client: &mut Client, plan: &Plan, kind: StageKind) -> Result<(), String> {
    let Some(stage) = plan.stage(kind) else { return Ok(()) };
    for step in stage.steps.iter().rev().filter(|s| !s.rollback.is_empty()) {
        let statements: Vec<&String> = step.rollback.iter().filter(|s| !s.starts_with("--")).collect();
        // An undo is one transaction, as its step was: no moment where neither shape exists.
        let script = if step.transactional {
            format!("BEGIN;\n{};\nCOMMIT;", statements.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";\n"))
        } else {
            statements.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";\n")
        };
        if let Err(e) = client.batch_execute(&script) {
            let _ = client.batch_execute("ROLLBACK");
            return Err(format!("undo of {}: {}", step.title, db_error(&e)));
        }
    }
    Ok(())
}

fn count(client: &mut Client, sql: &str) -> Result<i64, String> {
    client.query_one(sql, &[]).map(|r| r.get::<_, i64>(0)).map_err(|e| format!("{sql}: {}", db_error(&e)))
}

/// What both harnesses run: the two schemas read in one dialect, their changes and the plan.
pub(crate) struct Prepared {
    pub base: Schema,
    pub target: Schema,
    pub changes: ChangeSet,
    pub plan: Plan,
}

pub(crate) fn prepare(
    before_sql: &str,
    after_sql: &str,
    diff_options: &DiffOptions,
    options: &PlanOptions,
    dialect: Dialect,
) -> Prepared {
    let base = import(before_sql, Some(dialect)).schema;
    let target = import(after_sql, Some(dialect)).schema;
    let changes = diff(&base, &target, diff_options);
    let plan = plan_changes(&base, &target, &changes, &PlanOptions { dialect, ..options.clone() });
    Prepared { base, target, changes, plan }
}

/// Verifies one before/after pair on a fresh database named after the case.
pub fn verify(
    case: &str,
    before_sql: &str,
    after_sql: &str,
    diff_options: &DiffOptions,
    options: &PlanOptions,
) -> Result<Report, String> {
    let started = Instant::now();
    let mut report = Report { case: case.to_string(), ..Report::default() };
    let options = PlanOptions { pg_version: server_major_version()?, ..options.clone() };
    let Prepared { base, target, changes, plan } =
        prepare(before_sql, after_sql, diff_options, &options, Dialect::Postgres);

    // The process id keeps two runs on one server (two clones, two terminals) apart.
    let db: String = format!(
        "bellows_verify_{}_{}",
        case.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id()
    );
    let mut admin = connect("postgres")?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).map_err(|e| db_error(&e))?;
    admin.batch_execute(&format!("CREATE DATABASE {db}")).map_err(|e| db_error(&e))?;
    let result = run_plan(&db, before_sql, &base, &target, &changes, &plan, &mut report);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    report.seconds = started.elapsed().as_secs_f64();
    result.map(|()| report)
}

fn run_plan(
    db: &str,
    before_sql: &str,
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    plan: &Plan,
    report: &mut Report,
) -> Result<(), String> {
    let mut client = connect(db)?;
    client.batch_execute(before_sql).map_err(|e| format!("before.sql: {}", db_error(&e)))?;
    for sql in seed(base, changes, Dialect::Postgres) {
        client.batch_execute(&sql).map_err(|e| format!("seed: {sql}: {}", db_error(&e)))?;
    }
    let seeded = seeded_rows(&mut client, base);
    report.rows_seeded = seeded.values().sum::<i64>() as u64;
    let queries = carried_values(base, target, changes, Dialect::Postgres);
    let mut before_values: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
    for (table, before, _) in &queries {
        let rows = client.query(before.as_str(), &[]).map_err(|e| format!("{before}: {}", db_error(&e)))?;
        before_values.insert(table.clone(), rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))).collect());
    }

    let stage_now = Arc::new(AtomicU8::new(0));
    let mut v1 =
        Some(start_workload(db, Workload::new(base, target, base, changes, 1, Dialect::Postgres), stage_now.clone())?);
    let mut v2: Option<Runner> = None;
    let mut resolution_deletes: i64 = 0;
    let mut expected_deletes: i64 = 0;
    for (index, kind) in StageKind::ALL.iter().enumerate() {
        stage_now.store(index as u8, Ordering::Relaxed);
        if *kind == StageKind::Contract {
            // Contract begins: v1 no longer runs, and v2 pauses while the old shape goes.
            finish_workloads(&mut v1, &mut v2, report);
        }
        for check in plan.verifications.iter().filter(|c| c.before == *kind) {
            let n = count(&mut client, &check.sql)?;
            if n != 0 {
                report.step_failures.push(format!("verification before {}: {} = {n}", kind.label(), check.title));
            }
        }
        for check in plan.prechecks.iter().filter(|c| c.before == *kind) {
            let n = count(&mut client, &check.sql)?;
            match &check.resolution {
                Some(Resolution::StopBeforeContract) if n > 0 => {
                    report.stopped_before = Some((*kind, format!("{}: {n}", check.title)));
                }
                Some(Resolution::DeleteOrphans | Resolution::KeepFirstDuplicate) => expected_deletes += n,
                _ => {}
            }
        }
        if report.stopped_before.is_some() {
            break;
        }
        let Some(stage) = plan.stage(*kind) else { continue };
        let schema_before = introspect(db)?;
        let rows_before = seeded_rows(&mut client, base);
        let mut run_stage = |client: &mut Client, report: &mut Report, count_steps: bool| -> Result<(), String> {
            for step in &stage.steps {
                let changed = run_step(client, step, report)?;
                if is_resolution(step) {
                    resolution_deletes += changed as i64;
                }
                if count_steps {
                    report.steps_run += 1;
                }
            }
            Ok(())
        };
        if let Err(e) = run_stage(&mut client, report, true) {
            report.step_failures.push(e);
            break;
        }
        // Roll the stage back, check, and run it again (Expand and Backfill promise lossless undo).
        if matches!(kind, StageKind::Expand | StageKind::Backfill) && !stage.steps.iter().any(|s| s.one_way) {
            match rollback_stage(&mut client, plan, *kind) {
                Ok(()) => {
                    let schema_after = introspect(db)?;
                    for d in differences(&schema_before, &schema_after) {
                        report.rollback_problems.push(format!("after undoing {}: {d}", kind.label()));
                    }
                    let rows_after = seeded_rows(&mut client, base);
                    if rows_after != rows_before {
                        report.rollback_problems.push(format!(
                            "undoing {} changed the seeded rows: {rows_before:?} -> {rows_after:?}",
                            kind.label()
                        ));
                    }
                }
                Err(e) => report.rollback_problems.push(e),
            }
            if let Err(e) = run_stage(&mut client, report, false) {
                report.step_failures.push(format!("{} again after its undo: {e}", kind.label()));
                break;
            }
        }
        if *kind == StageKind::Expand {
            v2 = Some(start_workload(
                db,
                Workload::new(target, base, base, changes, 2, Dialect::Postgres),
                stage_now.clone(),
            )?);
        }
    }
    finish_workloads(&mut v1, &mut v2, report);
    if report.stopped_before.is_some() || !report.step_failures.is_empty() {
        return Ok(());
    }
    // The server's schema is the target.
    let live = introspect(db)?;
    // Indexes the plan adds for new foreign keys are part of its promise (they are printed as
    // steps); any other difference is a defect.
    let added_indexes: Vec<String> = plan
        .steps()
        .filter(|(_, s)| s.title.ends_with("for the new foreign key"))
        .map(|(_, s)| s.title.trim_start_matches("index ").trim_end_matches(" for the new foreign key").to_string())
        .collect();
    report.schema_differences = diff(target, &live, &DiffOptions { matching: Matching::Names, renames: vec![] })
        .changes
        .iter()
        .filter(|c| match c {
            bellows_core::diff::Change::CreateIndex { table, index } => {
                let cols: Vec<&str> = index.parts.iter().filter_map(|p| p.column()).collect();
                !added_indexes.contains(&format!("{table}({})", cols.join(", ")))
            }
            _ => true,
        })
        .map(|c| c.describe())
        .collect();
    // Every seeded row is there with its values, but those the resolution removed.
    let mut missing = 0i64;
    for (table, _, after) in &queries {
        let rows = client.query(after.as_str(), &[]).map_err(|e| format!("{after}: {}", db_error(&e)))?;
        let now: BTreeMap<i64, String> = rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))).collect();
        let Some(before) = before_values.get(table) else { continue };
        for (key, values) in before {
            report.rows_checked += 1;
            match now.get(key) {
                None => missing += 1,
                Some(v) if v != values => report.changed_rows.push(format!("{table} key {key}: {values} -> {v}")),
                Some(_) => {}
            }
        }
    }
    report.resolved_rows = resolution_deletes as u64;
    if missing != resolution_deletes || resolution_deletes != expected_deletes {
        report.lost_rows.push(format!(
            "{missing} seeded rows are gone; the resolution removed {resolution_deletes}, its pre-check counted {expected_deletes}"
        ));
    }
    Ok(())
}

fn finish_workloads(v1: &mut Option<Runner>, v2: &mut Option<Runner>, report: &mut Report) {
    if let Some(runner) = v1.take() {
        let (n, failures) = runner.finish();
        report.v1_statements += n;
        report.v1_failures.extend(failures);
    }
    if let Some(runner) = v2.take() {
        let (n, failures) = runner.finish();
        report.v2_statements += n;
        report.v2_failures.extend(failures);
    }
}
