//! Every PostgreSQL fixture, run on a real server with live v1 and v2 traffic. Without a
//! server (a user's machine), it skips with a notice; under `CI=true` a missing server fails.
//! `cargo xtask test` installs and starts PostgreSQL first.

use bellows_core::Dialect;
use bellows_verify::{cases, server_available, verify};

#[test]
fn every_postgres_fixture_passes_the_harness() {
    if !server_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no PostgreSQL server answers ({})",
            bellows_verify::conninfo()
        );
        eprintln!("SKIPPED: no PostgreSQL server at `{}` (cargo xtask test starts one)", bellows_verify::conninfo());
        return;
    }
    let mut failed = Vec::new();
    let mut totals = (0u64, 0u64, 0u64, 0u64, 0usize);
    for case in cases::cases().expect("fixtures").into_iter().filter(|c| c.dialect == Dialect::Postgres) {
        let report = verify(&case.name, &case.before, &case.after, &case.diff, &case.options)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        println!("{}", report.verdict());
        totals.0 += report.rows_checked;
        totals.1 += report.v1_statements;
        totals.2 += report.v2_statements;
        totals.3 += report.lock_timeouts;
        totals.4 += 1;
        if !report.passed() {
            failed.push(format!("{}\n  {}", report.verdict(), report.problems().join("\n  ")));
        }
    }
    println!(
        "harness: {} cases, {} rows checked, v1 {} statements, v2 {} statements, {} lock timeouts, {} failed",
        totals.4,
        totals.0,
        totals.1,
        totals.2,
        totals.3,
        failed.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Every SQLite fixture, on a real SQLite database (the bundled library): the same checks,
/// with the workloads run between steps, as SQLite has one writer at a time.
#[test]
fn every_sqlite_fixture_passes_on_a_real_sqlite_database() {
    let mut failed = Vec::new();
    let mut ran = 0;
    for case in cases::cases().expect("fixtures").into_iter().filter(|c| c.dialect == Dialect::Sqlite) {
        let report =
            bellows_verify::sqlite::verify_sqlite(&case.name, &case.before, &case.after, &case.diff, &case.options)
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        println!("{}", report.verdict());
        assert!(
            report.rows_checked > 0 && report.v1_statements > 0 && report.v2_statements > 0,
            "{}",
            report.verdict()
        );
        ran += 1;
        if !report.passed() {
            failed.push(format!("{}\n  {}", report.verdict(), report.problems().join("\n  ")));
        }
    }
    assert!(ran >= 2, "expected SQLite fixtures, found {ran}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
