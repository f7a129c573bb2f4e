//! One orchestration for every database: seed, snapshot, workloads, the plan stage by stage
//! with its pre-checks, undo and redo of Expand and Backfill, and the checks at the end. The
//! engines (`postgres`, `sqlite`) only say how to talk to their database and how traffic runs
//! beside the plan (threads on a server, bursts between steps on SQLite).

use crate::report::Report;
use crate::runner::{Exec, Rows, Runner};
use bellows_core::diff::{diff, Change, ChangeSet, DiffOptions, Matching};
use bellows_core::plan::{Plan, Resolution, StageKind, Step};
use bellows_core::verify::{carried_values, seed, touches_of, workload_of, Carried, Seed, SeedOptions, WORKLOAD_BASE};
use bellows_core::{Dialect, Schema};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// How the orchestration talks to one database.
pub trait Engine {
    /// `postgres 15.18`, `sqlite 3.49.1`.
    fn server(&self) -> String;
    fn dialect(&self) -> Dialect;
    /// The main connection, for statements of the harness itself.
    fn exec(&mut self) -> &mut dyn Exec;
    fn introspect(&mut self) -> Result<Schema, String>;
    /// Runs the seed statements (user triggers held off where the database allows it), then
    /// the fix-ups; returns the statements that failed, with the error.
    fn seed(&mut self, seed: &Seed) -> Vec<(String, String)>;
    /// Runs a step; returns the rows changed by its batches and resolutions.
    fn run_step(&mut self, step: &Step, report: &mut Report) -> Result<u64, String>;
    /// Runs a step's undo.
    fn undo_step(&mut self, step: &Step) -> Result<(), String>;
    /// Starts a workload beside the plan; `stage` says which stage is running.
    fn start(&mut self, runner: Runner, stage: Arc<AtomicU8>) -> Result<(), String>;
    /// Called between steps: SQLite runs its workloads now (one writer at a time).
    fn between_steps(&mut self, at: &str);
    /// Stops the workloads and gives them back with their figures.
    fn stop(&mut self) -> Vec<Runner>;
    /// Pauses (SQLite: nothing runs anyway) so that traffic overlaps a stage.
    fn settle(&mut self) {}
    /// A connection to the reference database (the target built from its own text), where
    /// v2's workload is calibrated.
    fn reference(&mut self) -> Option<&mut dyn Exec>;
}

/// Workloads on threads of their own beside the plan, each on its own connection (servers).
#[derive(Default)]
pub struct Workers {
    running: Vec<(Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<Runner>)>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workers({})", self.running.len())
    }
}

impl Workers {
    /// Runs `runner` on `exec` until stopped; `stage` says which stage is running.
    pub fn spawn<E: Exec + Send + 'static>(&mut self, mut runner: Runner, mut exec: E, stage: Arc<AtomicU8>) {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let label = bellows_core::plan::StageKind::ALL[stage.load(Ordering::Relaxed) as usize % 4].label();
                runner.iteration(&mut exec, label);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            runner
        });
        self.running.push((stop, handle));
    }

    /// Stops every workload and gives the runners back with their figures.
    pub fn stop(&mut self) -> Vec<Runner> {
        let mut out = Vec::new();
        for (stop, handle) in self.running.drain(..) {
            stop.store(true, Ordering::Relaxed);
            if let Ok(runner) = handle.join() {
                out.push(runner);
            }
        }
        out
    }
}

/// Runs `sql` and reads one number.
pub fn count(exec: &mut dyn Exec, sql: &str) -> Result<i64, String> {
    let rows = exec.run(sql)?;
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_deref())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| format!("{sql}: no number came back"))
}

/// A savepoint-per-statement wrapper, so one failure does not spoil the transaction that the
/// calibration runs in (and rolls back).
struct Savepoints<'a> {
    inner: &'a mut dyn Exec,
}

impl Exec for Savepoints<'_> {
    fn run(&mut self, sql: &str) -> Result<Rows, String> {
        self.inner.run("SAVEPOINT bellows_calibration")?;
        match self.inner.run(sql) {
            Ok(rows) => {
                self.inner.run("RELEASE SAVEPOINT bellows_calibration")?;
                Ok(rows)
            }
            Err(e) => {
                self.inner.run("ROLLBACK TO SAVEPOINT bellows_calibration")?;
                Err(e)
            }
        }
    }

    fn search_path(&mut self, path: Option<&str>) -> Result<(), String> {
        self.inner.search_path(path)
    }
}

/// Runs every unit of `runner` in a transaction that is rolled back.
pub fn calibrate(exec: &mut dyn Exec, runner: &mut Runner) -> Result<(), String> {
    exec.run("BEGIN")?;
    runner.calibrate(&mut Savepoints { inner: exec });
    exec.run("ROLLBACK").map(|_| ())
}

/// Calibrates v1 on the base, and records which seeded rows the schema's own logic changes or
/// removes when the workloads write (a trigger that rebuilds a cache table, renumbers an
/// order): those rows are left out of every comparison, since no plan is needed to change them.
fn calibrate_v1(
    exec: &mut dyn Exec,
    runner: &mut Runner,
    queries: &[Carried],
    seeded: &Snapshot,
    d: Dialect,
) -> Result<Snapshot, String> {
    exec.run("BEGIN")?;
    runner.calibrate(&mut Savepoints { inner: exec });
    if d == Dialect::Postgres {
        // Deferred triggers run now, as they would at the units' commits.
        let _ = Savepoints { inner: exec }.run("SET CONSTRAINTS ALL IMMEDIATE");
    }
    let now = snapshot(exec, queries, Shape::BaseRaw);
    exec.run("ROLLBACK")?;
    let now = now?;
    let mut volatile = Snapshot::new();
    for (table, (keyed, rows)) in seeded {
        let Some((_, current)) = now.get(table) else { continue };
        let moved: BTreeMap<String, Vec<String>> = if *keyed {
            rows.iter().filter(|(k, v)| current.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect()
        } else if current.values().map(Vec::len).sum::<usize>() < rows.values().map(Vec::len).sum::<usize>() {
            rows.clone()
        } else {
            BTreeMap::new()
        };
        if !moved.is_empty() {
            volatile.insert(table.clone(), (*keyed, moved));
        }
    }
    Ok(volatile)
}

/// `snapshot` without the rows in `volatile`.
fn stable(snapshot: &Snapshot, volatile: &Snapshot) -> Snapshot {
    snapshot
        .iter()
        .filter_map(|(table, (keyed, rows))| match volatile.get(table) {
            None => Some((table.clone(), (*keyed, rows.clone()))),
            Some(_) if !keyed => None,
            Some((_, gone)) => Some((
                table.clone(),
                (
                    *keyed,
                    rows.iter().filter(|(k, _)| !gone.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
                ),
            )),
        })
        .collect()
}

/// What one run needs: the schemas, their changes and the plan.
#[derive(Debug)]
pub struct Prepared<'a> {
    pub base: &'a Schema,
    pub target: &'a Schema,
    pub changes: &'a ChangeSet,
    pub plan: &'a Plan,
    /// The target as a database built from its own text reads it back (pg_dump, sqlite_master).
    pub reference: &'a Schema,
    /// Rows per table.
    pub rows: i64,
    /// Mix in rows that break the target's new rules.
    pub breaks: bool,
    /// The application's statements to run at every point (a case's `consumers.sql`), and the
    /// base's text the plan's SQL replays over to predict what they do there.
    pub consumers: Option<(&'a str, &'a str)>,
    /// Tables (lower-cased names, base or target) that seeds and workloads are limited to:
    /// those a single edit touches and their neighbours. `None`: every table.
    pub focus: Option<&'a [String]>,
}

impl Prepared<'_> {
    fn in_focus(&self, table: &str) -> bool {
        self.focus.is_none_or(|f| f.iter().any(|x| bellows_core::model::same_name(x, table)))
    }
}

type Snapshot = BTreeMap<String, (bool, BTreeMap<String, Vec<String>>)>;

/// Which query of a [`Carried`] a snapshot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The base shape, values cast to the target's types: compared with [`Shape::Target`].
    Base,
    /// The base shape as stored: compared with itself around an undo.
    BaseRaw,
    Target,
}

/// Key -> row texts (several for a table without a key, where the key is empty).
fn snapshot(exec: &mut dyn Exec, queries: &[Carried], shape: Shape) -> Result<Snapshot, String> {
    let mut out = BTreeMap::new();
    for q in queries {
        let sql = match shape {
            Shape::Base => &q.before,
            Shape::BaseRaw => &q.before_raw,
            Shape::Target => &q.after,
        };
        let rows = exec.run(sql).map_err(|e| format!("{sql}: {e}"))?;
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in rows {
            let key = row.first().cloned().flatten().unwrap_or_default();
            let value = row.get(1).cloned().flatten().unwrap_or_default();
            map.entry(key).or_default().push(value);
        }
        out.insert(q.table.clone(), (q.keyed, map));
    }
    Ok(out)
}

/// Seeded rows missing or changed in `now`: (missing, changed descriptions, checked), and the
/// tables rows went missing from.
fn compare_by_table(seeded: &Snapshot, now: &Snapshot) -> (u64, Vec<String>, u64, BTreeMap<String, u64>) {
    let mut by_table: BTreeMap<String, u64> = BTreeMap::new();
    let (mut missing, mut changed, mut checked) = (0u64, Vec::new(), 0u64);
    for (table, entry) in seeded {
        let one: Snapshot = [(table.clone(), entry.clone())].into_iter().collect();
        let (m, c, k) = compare_tables(&one, now);
        if m > 0 {
            by_table.insert(table.clone(), m);
        }
        missing += m;
        changed.extend(c);
        checked += k;
    }
    (missing, changed, checked, by_table)
}

fn compare_tables(seeded: &Snapshot, now: &Snapshot) -> (u64, Vec<String>, u64) {
    let mut missing = 0;
    let mut checked = 0;
    let mut changed = Vec::new();
    for (table, (keyed, rows)) in seeded {
        let Some((_, after)) = now.get(table) else { continue };
        if *keyed {
            for (key, values) in rows {
                checked += 1;
                match after.get(key) {
                    None => missing += 1,
                    Some(v) if v.first() != values.first() => {
                        changed.push(format!("{table} key {key}: {} -> {}", values.join(""), v.join("")))
                    }
                    Some(_) => {}
                }
            }
        } else {
            // A multiset: every seeded row is still there as many times.
            let mut pool: BTreeMap<&String, usize> = BTreeMap::new();
            for v in after.values().flatten() {
                *pool.entry(v).or_default() += 1;
            }
            for v in rows.values().flatten() {
                checked += 1;
                match pool.get_mut(v) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => missing += 1,
                }
            }
        }
    }
    (missing, changed, checked)
}

/// The rows of `seeded` that `now` still has, with their values now.
fn still_there(seeded: &Snapshot, now: &Snapshot) -> Snapshot {
    let mut out = Snapshot::new();
    for (table, (keyed, rows)) in seeded {
        let Some((_, current)) = now.get(table) else { continue };
        let kept: BTreeMap<String, Vec<String>> = if *keyed {
            rows.keys().filter_map(|k| current.get(k).map(|v| (k.clone(), v.clone()))).collect()
        } else {
            rows.clone()
        };
        out.insert(table.clone(), (*keyed, kept));
    }
    out
}

/// The schema without the indexes InnoDB makes for foreign keys: a plain index over exactly a
/// foreign key's columns, whatever its name (the key's name, or its first column's when the key
/// has none, depending on how the key was written).
fn without_implicit_fk_indexes(schema: &Schema) -> Schema {
    let mut out = schema.clone();
    for t in &mut out.tables {
        let fks = t.foreign_keys.clone();
        t.indexes.retain(|ix| {
            let cols: Vec<&str> = ix.parts.iter().filter_map(|p| p.column()).collect();
            ix.unique
                || !fks.iter().any(|fk| {
                    cols.len() == fk.columns.len()
                        && cols.iter().zip(&fk.columns).all(|(a, b)| bellows_core::model::same_name(a, b))
                })
        });
    }
    out
}

fn differences(a: &Schema, b: &Schema) -> Vec<Change> {
    diff(a, b, &DiffOptions { matching: Matching::Names, renames: vec![], merges: vec![], moves: vec![] }).changes
}

/// A step that applies a resolution to rows (deletes orphans or duplicates): its row count is
/// what the plan said it would remove.
pub fn is_resolution(step: &Step) -> bool {
    step.one_way && step.lock.effect == bellows_core::plan::Effect::Batched
}

/// Phase timings, printed with `BELLOWS_TIMING=1` (to see where a slow case spends its time).
struct Phases {
    on: bool,
    at: std::time::Instant,
}

impl Phases {
    fn new() -> Self {
        Self { on: std::env::var_os("BELLOWS_TIMING").is_some(), at: std::time::Instant::now() }
    }

    fn mark(&mut self, what: &str) {
        if self.on {
            eprintln!("  timing: {what} {:.1}s", self.at.elapsed().as_secs_f64());
            self.at = std::time::Instant::now();
        }
    }
}

/// Empties every table of the base.
fn clear(exec: &mut dyn Exec, base: &Schema, d: Dialect) -> Result<(), String> {
    let tables: Vec<String> = base.tables.iter().map(|t| bellows_core::verify::values::table_sql(t, d)).collect();
    if tables.is_empty() {
        return Ok(());
    }
    match d {
        Dialect::Sqlite => {
            exec.run("PRAGMA foreign_keys = OFF")?;
            for t in &tables {
                exec.run(&format!("DELETE FROM {t}"))?;
            }
            exec.run("PRAGMA foreign_keys = ON")?;
        }
        Dialect::MySql => {
            exec.run("SET SESSION foreign_key_checks = 0")?;
            for t in &tables {
                exec.run(&format!("DELETE FROM {t}"))?;
            }
            exec.run("SET SESSION foreign_key_checks = 1")?;
        }
        Dialect::Postgres => {
            exec.run(&format!("TRUNCATE TABLE {} CASCADE", tables.join(", ")))?;
        }
    }
    Ok(())
}

/// One run of the plan on a database the engine has loaded with the base (and nothing else).
pub fn run(engine: &mut dyn Engine, p: &Prepared<'_>, report: &mut Report) -> Result<(), String> {
    let mut phase = Phases::new();
    let d = engine.dialect();
    report.server = engine.server();
    report.steps_total = p.plan.steps().count();
    if !p.breaks {
        // A run on clean rows has only the harness's own rows: rows the schema's file inserted
        // (real data, which may break the target's rules) go first.
        clear(engine.exec(), p.base, d)?;
    }
    let mut seed = seed(p.base, p.target, p.changes, d, &SeedOptions { rows: p.rows, breaks: p.breaks });
    seed.statements.retain(|s| p.in_focus(&s.table));
    seed.fixups.retain(|s| p.in_focus(&s.table));
    report.unseeded = seed.skipped.clone();
    let failed = engine.seed(&seed);
    phase.mark("seed");
    report.unseeded.extend(failed.iter().map(|(t, e)| (t.clone(), format!("seed statement failed: {e}"))));
    report.seed_errors = failed.len();
    let queries = carried_values(p.base, p.target, p.changes, d);
    let seeded_raw = snapshot(engine.exec(), &queries, Shape::BaseRaw)?;
    // Rows of the base's tables (a split's moved values are more checks of the same rows).
    report.rows_seeded = queries
        .iter()
        .filter(|q| q.table == q.origin)
        .filter_map(|q| seeded_raw.get(&q.table))
        .map(|(_, rows)| rows.values().map(Vec::len).sum::<usize>() as u64)
        .sum();
    // Rows a narrower type cannot hold (mixed in on purpose) make the cast fail: the plan stops
    // before such a change, so there is nothing to compare at the end.
    let seeded = snapshot(engine.exec(), &queries, Shape::Base);
    phase.mark("snapshots");

    // The workloads, calibrated where the plan has not run: v1 on the base, v2 on the
    // reference (its own shape).
    // The seeded rows the workloads touch: their values may be changed by the schema's own
    // triggers, so only their presence is compared.
    let mut touched: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut targets: BTreeMap<String, Vec<Vec<Option<String>>>> = BTreeMap::new();
    let keep = |t: &str| p.in_focus(t);
    for touch in touches_of(p.base, p.target, p.changes, 1, d, &keep) {
        let rows = engine.exec().run(&touch.keys).unwrap_or_default();
        touched
            .entry(touch.table.clone())
            .or_default()
            .extend(rows.iter().filter_map(|r| r.first().cloned().flatten()));
        targets.insert(touch.table.clone(), rows.into_iter().map(|r| r.into_iter().skip(1).collect()).collect());
    }
    let with_rows = |version: u8| -> Vec<(bellows_core::verify::Touch, Vec<Vec<Option<String>>>)> {
        touches_of(p.base, p.target, p.changes, version, d, &keep)
            .into_iter()
            .map(|t| {
                let rows = targets.get(&t.table).cloned().unwrap_or_default();
                (t, rows)
            })
            .collect()
    };
    let units = |version: u8| workload_of(p.base, p.target, p.changes, version, d, &keep).units;
    let mut v1 = Runner::new(1, units(1)).with_touches(with_rows(1));
    let volatile = calibrate_v1(engine.exec(), &mut v1, &queries, &seeded_raw, d)?;
    phase.mark(&format!("calibrate v1 ({} units)", v1.units()));
    report.volatile_rows = volatile.values().map(|(_, rows)| rows.len() as u64).sum();
    let seeded_raw = stable(&seeded_raw, &volatile);
    let seeded = seeded.map(|s| stable(&s, &volatile));
    // A table whose own triggers refuse updates refuses v2's touches as well as v1's.
    let refused: Vec<String> =
        v1.excluded.iter().filter_map(|(t, _)| t.strip_suffix(" (touch)").map(str::to_string)).collect();
    let mut v2 = Runner::new(2, units(2));
    report.excluded.extend(v1.excluded.iter().map(|(t, e)| (format!("v1 {t}"), e.clone())));
    if let Some(reference) = engine.reference() {
        calibrate(reference, &mut v2)?;
        report.excluded.extend(v2.excluded.iter().map(|(t, e)| (format!("v2 {t}"), e.clone())));
    }

    // v2 touches the rows v1's calibration kept: a row that breaks a rule only a trigger
    // enforces is refused by both shapes.
    let kept = v1.touch_rows();
    let v2_touches = |rows: Vec<(bellows_core::verify::Touch, Vec<Vec<Option<String>>>)>| {
        rows.into_iter()
            .filter(|(t, _)| !refused.contains(&t.table))
            .filter_map(|(t, _)| kept.get(&t.table).map(|rows| (t, rows.clone())))
            .collect::<Vec<_>>()
    };
    let v2 = v2.with_touches(v2_touches(with_rows(2)));
    phase.mark("calibrate v2");
    let after_contract =
        Runner::new(2, v2.remaining_units()).with_offset(WORKLOAD_BASE / 2).with_touches(v2_touches(with_rows(2)));
    // The application's statements, on the base before anything runs.
    let mut consumer_checks = match p.consumers {
        Some((text, base_sql)) => {
            let (checks, unchecked, not_queries) =
                crate::consumers::checks(text, base_sql, p.base, p.target, p.changes, p.plan, d);
            report.consumers.unchecked = unchecked;
            report.consumers.not_queries = not_queries;
            checks
        }
        None => Vec::new(),
    };
    crate::consumers::run_point(engine.exec(), d, &mut consumer_checks, "base", &mut report.consumers);
    let stage_now = Arc::new(AtomicU8::new(0));
    engine.start(v1, stage_now.clone())?;
    let mut v2 = Some(v2);
    let mut resolution_changes: i64 = 0;
    let mut expected_changes: i64 = 0;
    let mut stopped = false;
    for (index, kind) in StageKind::ALL.iter().enumerate() {
        stage_now.store(index as u8, Ordering::Relaxed);
        if *kind == StageKind::Contract {
            // Contract begins: v1 no longer runs, and v2 pauses while the old shape goes.
            finish(engine, report);
        }
        for check in p.plan.verifications.iter().filter(|c| c.before == *kind) {
            let n = count(engine.exec(), &check.sql)?;
            // A count the plan marks informational is a forecast (a step of the stage makes it
            // good, and fails if it cannot); the others must be zero.
            if n != 0 && check.must_be_zero {
                report.step_failures.push(format!("verification before {}: {} = {n}", kind.label(), check.title));
            }
        }
        for check in p.plan.prechecks.iter().filter(|c| c.before == *kind) {
            let n = count(engine.exec(), &check.sql)?;
            match &check.resolution {
                Some(Resolution::DeleteOrphans | Resolution::KeepFirstDuplicate | Resolution::NullOrphans) => {
                    expected_changes += n
                }
                Some(Resolution::StopBeforeContract) | None if n > 0 && check.must_be_zero => {
                    if report.stopped_before.is_none() {
                        report.stopped_before = Some((*kind, format!("{}: {n}", check.title)));
                    }
                    report.stopping_changes.push(check.change);
                }
                _ => {}
            }
        }
        if report.stopped_before.is_some() {
            stopped = true;
            break;
        }
        let Some(stage) = p.plan.stage(*kind) else { continue };
        let one_way = stage.steps.iter().any(|s| s.one_way);
        let checked_undo = matches!(kind, StageKind::Expand | StageKind::Backfill) && !one_way;
        let before = if checked_undo {
            // The seeded rows as they are now (a resolution may have removed some).
            let now = snapshot(engine.exec(), &queries, Shape::BaseRaw)?;
            Some((engine.introspect()?, still_there(&seeded_raw, &now)))
        } else {
            None
        };
        let mut failed = false;
        for step in &stage.steps {
            match engine.run_step(step, report) {
                Ok(changed) => {
                    if is_resolution(step) {
                        resolution_changes += changed as i64;
                    }
                    report.steps_run += 1;
                }
                Err(e) => {
                    report.step_failures.push(e);
                    failed = true;
                    break;
                }
            }
            engine.between_steps(&format!("after step {} of {}", report.steps_run, kind.label()));
        }
        if failed {
            break;
        }
        engine.settle();
        // Roll the stage back, check, and run it again (Expand and Backfill promise lossless undo).
        if let Some((schema_before, rows_before)) = before {
            let undone =
                stage.steps.iter().rev().filter(|s| !s.rollback.is_empty()).try_for_each(|s| engine.undo_step(s));
            match undone {
                Ok(()) => {
                    let schema_after = engine.introspect()?;
                    for c in differences(&schema_before, &schema_after) {
                        report.rollback_problems.push(format!("after undoing {}: {}", kind.label(), c.describe()));
                    }
                    // Every seeded row is back as it was (the workloads' rows come and go).
                    let rows_after = snapshot(engine.exec(), &queries, Shape::BaseRaw)?;
                    let (missing, changed, _, tables) = compare_by_table(&rows_before, &rows_after);
                    let changed = untouched(changed, &touched, &queries);
                    if missing > 0 || !changed.is_empty() {
                        report.rollback_problems.push(format!(
                            "undoing {} lost {missing} rows {tables:?} and changed {} ({})",
                            kind.label(),
                            changed.len(),
                            changed.first().cloned().unwrap_or_default()
                        ));
                    }
                }
                Err(e) => report.rollback_problems.push(e),
            }
            for step in &stage.steps {
                if let Err(e) = engine.run_step(step, report) {
                    report.step_failures.push(format!("{} again after its undo: {e}", kind.label()));
                    failed = true;
                    break;
                }
            }
            if failed {
                break;
            }
        }
        let point = format!("after {}", kind.label());
        crate::consumers::run_point(engine.exec(), d, &mut consumer_checks, &point, &mut report.consumers);
        let v2_now = p.plan.compatibility.iter().find(|c| c.after == *kind).is_none_or(|c| c.v2_works);
        if v2_now && *kind != StageKind::Contract {
            if let Some(runner) = v2.take() {
                engine.start(runner, stage_now.clone())?;
            }
        }
        engine.between_steps(&format!("after {}", kind.label()));
    }
    finish(engine, report);
    if stopped || !report.step_failures.is_empty() {
        return Ok(());
    }
    phase.mark("stages");
    // The server's schema is the target's, as a database built from the target's text has it.
    let live = engine.introspect()?;
    // Indexes the plan adds for new foreign keys are part of its promise (printed as steps).
    let added_indexes: Vec<String> = p
        .plan
        .steps()
        .filter(|(_, s)| s.title.ends_with("for the new foreign key"))
        .map(|(_, s)| s.title.trim_start_matches("index ").trim_end_matches(" for the new foreign key").to_string())
        .collect();
    // InnoDB indexes a foreign key's columns itself when no index serves them, named after
    // the key, and keeps that index when a later one would serve: whether one exists follows
    // the order the statements ran in, not the design. Both sides leave them out (MySQL).
    let (reference, live) = if d == Dialect::MySql {
        (without_implicit_fk_indexes(p.reference), without_implicit_fk_indexes(&live))
    } else {
        (p.reference.clone(), live)
    };
    report.schema_differences = differences(&reference, &live)
        .iter()
        .filter(|c| match c {
            Change::CreateIndex { table, index } => {
                let cols: Vec<&str> = index.parts.iter().filter_map(|p| p.column()).collect();
                !added_indexes.contains(&format!("{table}({})", cols.join(", ")))
            }
            _ => true,
        })
        .map(Change::describe)
        .collect();
    phase.mark("schema compared");
    let seeded = seeded?;
    let now = snapshot(engine.exec(), &queries, Shape::Target)?;
    // v2 keeps working once the old shape is gone: a round of its units on the final schema.
    let mut after_contract = after_contract;
    for _ in 0..after_contract.units().max(1) * 2 {
        after_contract.iteration(engine.exec(), "after Contract");
    }
    phase.mark("after Contract");
    report.v2_statements += after_contract.statements;
    report.empty_inserts += after_contract.empty;
    report.v2_failures.extend(after_contract.failures);
    report.rows_touched = touched.values().map(BTreeSet::len).sum::<usize>() as u64;
    let (missing, changed, checked, missing_from) = compare_by_table(&seeded, &now);
    let changed = untouched(changed, &touched, &queries);
    report.rows_checked = checked;
    report.changed_rows = changed;
    report.resolved_rows = resolution_changes.max(0) as u64;
    let removed_by_design = if p.plan.steps().any(|(_, s)| is_resolution(s)) { resolution_changes } else { 0 };
    if missing as i64 != removed_by_design || resolution_changes != expected_changes {
        report.lost_rows.push(format!(
            "{missing} seeded rows are gone {missing_from:?}; the resolutions removed {resolution_changes}, their pre-checks counted {expected_changes}"
        ));
    }
    Ok(())
}

/// Changed rows, without those a workload touched (the schema's triggers may change them).
fn untouched(changed: Vec<String>, touched: &BTreeMap<String, BTreeSet<String>>, queries: &[Carried]) -> Vec<String> {
    changed
        .into_iter()
        .filter(|c| {
            !queries.iter().any(|q| {
                touched
                    .get(&q.origin)
                    .is_some_and(|keys| keys.iter().any(|k| c.starts_with(&format!("{} key {k}: ", q.table))))
            })
        })
        .collect()
}

fn finish(engine: &mut dyn Engine, report: &mut Report) {
    for runner in engine.stop() {
        report.empty_inserts += runner.empty;
        report.deadlock_retries += runner.retried;
        if runner.version == 1 {
            report.v1_statements += runner.statements;
            report.v1_failures.extend(runner.failures);
        } else {
            report.v2_statements += runner.statements;
            report.v2_failures.extend(runner.failures);
        }
    }
}
