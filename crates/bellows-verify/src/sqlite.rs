//! The harness for SQLite plans, on a real SQLite database (the library, in memory): the same
//! assertions as on PostgreSQL minus concurrency. SQLite has one writer at a time, so the v1
//! and v2 workloads run between the steps instead of during them: v1 before Expand and after
//! every stage until Contract, v2 from the end of Expand through Contract.

use crate::{differences, prepare, Prepared, Report};
use bellows_core::diff::{ChangeSet, DiffOptions};
use bellows_core::plan::{Plan, PlanOptions, StageKind, Step};
use bellows_core::verify::{carried_values, integer_key, seed, Workload, SEED_ROWS};
use bellows_core::{import, Dialect, Schema, Severity};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::time::Instant;

const SQ: Dialect = Dialect::Sqlite;
/// Workload iterations run at each point between stages.
const BURST: i64 = 60;

/// Verifies one SQLite before/after pair on a fresh in-memory database.
pub fn verify_sqlite(
    case: &str,
    before_sql: &str,
    after_sql: &str,
    diff_options: &DiffOptions,
    options: &PlanOptions,
) -> Result<Report, String> {
    let started = Instant::now();
    let mut report = Report { case: case.to_string(), ..Report::default() };
    let Prepared { base, target, changes, plan } = prepare(before_sql, after_sql, diff_options, options, SQ);
    let conn = Connection::open_in_memory().map_err(|e| format!("cannot open SQLite: {e}"))?;
    run_plan(&conn, before_sql, &base, &target, &changes, &plan, &mut report)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The schema as SQLite has it: `sqlite_master`, imported by the core.
pub fn introspect(conn: &Connection) -> Result<Schema, String> {
    let mut stmt = conn
        .prepare(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
             ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?;
    let mut text = String::new();
    for row in rows {
        text.push_str(&row.map_err(|e| e.to_string())?);
        text.push_str(";\n");
    }
    let result = import(&text, Some(SQ));
    if let Some(e) = result.diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("the database's schema does not import: {e}"));
    }
    Ok(result.schema)
}

fn seeded_rows(conn: &Connection, schema: &Schema) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for table in &schema.tables {
        let Some(key) = integer_key(table) else { continue };
        let sql = format!(
            "SELECT count(*) FROM {} WHERE {} <= {SEED_ROWS}",
            bellows_core::render::ident(&table.name, SQ),
            bellows_core::render::ident(&key.name, SQ)
        );
        if let Ok(n) = conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
            out.insert(table.qualified_name(), n);
        }
    }
    out
}

/// Runs `BURST` iterations of a workload; failures are recorded with the point they ran at.
fn traffic(
    conn: &Connection,
    workload: &Workload,
    next: &mut i64,
    at: &str,
    count: &mut u64,
    failures: &mut Vec<String>,
) {
    for _ in 0..BURST {
        for sql in workload.statements(*next) {
            *count += 1;
            if let Err(e) = conn.execute_batch(&sql) {
                failures.push(format!("{at}: {sql}: {e}"));
            }
        }
        *next += 1;
    }
}

/// Runs one step's statements in order. `PRAGMA foreign_key_check` that returns rows fails the
/// step and rolls its transaction back, as the plan's reason tells a person running it to do.
fn run_step(conn: &Connection, step: &Step) -> Result<(), String> {
    let wrap = step.transactional && !step.sql.iter().any(|s| s.eq_ignore_ascii_case("BEGIN"));
    if wrap {
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
    }
    for sql in &step.sql {
        let outcome = if sql.eq_ignore_ascii_case("PRAGMA foreign_key_check") {
            let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
            let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
            match rows.next() {
                Ok(Some(row)) => Err(format!(
                    "PRAGMA foreign_key_check found a broken reference in {}",
                    row.get::<_, String>(0).unwrap_or_default()
                )),
                Ok(None) => Ok(()),
                Err(e) => Err(e.to_string()),
            }
        } else {
            conn.execute_batch(sql).map_err(|e| e.to_string())
        };
        if let Err(e) = outcome {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            let _ = conn.execute_batch("PRAGMA foreign_keys = ON");
            return Err(format!("{}: {sql}: {e}", step.title));
        }
    }
    if wrap {
        conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn rollback_stage(conn: &Connection, plan: &Plan, kind: StageKind) -> Result<(), String> {
    let Some(stage) = plan.stage(kind) else { return Ok(()) };
    for step in stage.steps.iter().rev().filter(|s| !s.rollback.is_empty()) {
        let mut undo = step.clone();
        undo.sql = step.rollback.clone();
        run_step(conn, &undo).map_err(|e| format!("undo of {e}"))?;
    }
    Ok(())
}

fn values(conn: &Connection, sql: &str) -> Result<BTreeMap<i64, String>, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(|e| format!("{sql}: {e}"))?;
    rows.collect::<Result<BTreeMap<_, _>, _>>().map_err(|e| format!("{sql}: {e}"))
}

fn run_plan(
    conn: &Connection,
    before_sql: &str,
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    plan: &Plan,
    report: &mut Report,
) -> Result<(), String> {
    conn.execute_batch("PRAGMA foreign_keys = ON").map_err(|e| e.to_string())?;
    conn.execute_batch(before_sql).map_err(|e| format!("before.sql: {e}"))?;
    for sql in seed(base, changes, SQ) {
        conn.execute_batch(&sql).map_err(|e| format!("seed: {sql}: {e}"))?;
    }
    report.rows_seeded = seeded_rows(conn, base).values().sum::<i64>() as u64;
    let queries = carried_values(base, target, changes, SQ);
    let mut before_values = BTreeMap::new();
    for (table, before, _) in &queries {
        before_values.insert(table.clone(), values(conn, before)?);
    }
    let v1 = Workload::new(base, target, base, changes, 1, SQ);
    let v2 = Workload::new(target, base, base, changes, 2, SQ);
    let (mut k1, mut k2) = (1i64, 1i64);
    traffic(conn, &v1, &mut k1, "before Expand", &mut report.v1_statements, &mut report.v1_failures);
    for kind in StageKind::ALL {
        for check in plan.verifications.iter().chain(&plan.prechecks).filter(|c| c.before == kind) {
            let n =
                conn.query_row(&check.sql, [], |r| r.get::<_, i64>(0)).map_err(|e| format!("{}: {e}", check.sql))?;
            if n != 0 {
                report.step_failures.push(format!("check before {}: {} = {n}", kind.label(), check.title));
            }
        }
        if let Some(stage) = plan.stage(kind) {
            let schema_before = introspect(conn)?;
            let rows_before = seeded_rows(conn, base);
            let run_all = |report: &mut Report, count: bool| -> Result<(), String> {
                for step in &stage.steps {
                    run_step(conn, step)?;
                    if count {
                        report.steps_run += 1;
                    }
                }
                Ok(())
            };
            if let Err(e) = run_all(report, true) {
                report.step_failures.push(e);
                break;
            }
            if matches!(kind, StageKind::Expand | StageKind::Backfill) && !stage.steps.iter().any(|s| s.one_way) {
                match rollback_stage(conn, plan, kind) {
                    Ok(()) => {
                        for d in differences(&schema_before, &introspect(conn)?) {
                            report.rollback_problems.push(format!("after undoing {}: {d}", kind.label()));
                        }
                        let rows_after = seeded_rows(conn, base);
                        if rows_after != rows_before {
                            report.rollback_problems.push(format!(
                                "undoing {} changed the seeded rows: {rows_before:?} -> {rows_after:?}",
                                kind.label()
                            ));
                        }
                    }
                    Err(e) => report.rollback_problems.push(e),
                }
                if let Err(e) = run_all(report, false) {
                    report.step_failures.push(format!("{} again after its undo: {e}", kind.label()));
                    break;
                }
            }
        }
        let at = format!("after {}", kind.label());
        if kind != StageKind::Contract {
            traffic(conn, &v1, &mut k1, &at, &mut report.v1_statements, &mut report.v1_failures);
        }
        // v2 runs from the end of Expand, or from Contract when the plan says it ships then.
        let v2_works = plan.compatibility.iter().find(|c| c.after == kind).is_none_or(|c| c.v2_works);
        if v2_works {
            traffic(conn, &v2, &mut k2, &at, &mut report.v2_statements, &mut report.v2_failures);
        }
    }
    if !report.step_failures.is_empty() {
        return Ok(());
    }
    report.schema_differences = differences(target, &introspect(conn)?);
    let mut missing = 0u64;
    for (table, _, after) in &queries {
        let now = values(conn, after)?;
        let Some(before) = before_values.get(table) else { continue };
        for (key, value) in before {
            report.rows_checked += 1;
            match now.get(key) {
                None => missing += 1,
                Some(v) if v != value => report.changed_rows.push(format!("{table} key {key}: {value} -> {v}")),
                Some(_) => {}
            }
        }
    }
    if missing != 0 {
        report.lost_rows.push(format!("{missing} seeded rows are gone"));
    }
    Ok(())
}
