//! Every fixture, run on its dialect's database with live v1 and v2 traffic: PostgreSQL (a
//! real server; without one, on a user's machine, it skips with a notice, and under `CI=true`
//! a missing server fails), MariaDB for MySQL cases (the same way) and SQLite (the bundled
//! library). `cargo xtask test` installs and starts PostgreSQL and MariaDB first.

#![allow(clippy::expect_used, clippy::panic)] // a test file: helpers fail the test they serve

use bellows_core::Dialect;
use bellows_verify::{cases, server_available, verify};

fn postgres_or_skip() -> bool {
    if server_available() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but no PostgreSQL server answers ({})",
        bellows_verify::conninfo()
    );
    eprintln!("SKIPPED: no PostgreSQL server at `{}` (cargo xtask test starts one)", bellows_verify::conninfo());
    false
}

fn mariadb_or_skip() -> bool {
    if bellows_verify::mariadb::server_available() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but no MariaDB server answers at {}",
        bellows_verify::mariadb::socket()
    );
    eprintln!("SKIPPED: no MariaDB server at `{}` (cargo xtask test starts one)", bellows_verify::mariadb::socket());
    false
}

fn run_fixtures(dialect: Dialect) {
    let mut failed = Vec::new();
    let mut totals = (0u64, 0u64, 0u64, 0usize);
    // The application's statements: fixtures that carry them, runs, as predicted, refused.
    let mut consumers = (0usize, 0u64, 0u64, 0u64);
    // BELLOWS_FIXTURE=name runs the fixtures whose names hold it, for work on one recipe.
    let only = std::env::var("BELLOWS_FIXTURE").ok().filter(|s| !s.is_empty());
    let chosen = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    for case in cases::cases().expect("fixtures").into_iter().filter(|c| c.dialect == dialect && chosen(&c.name)) {
        let outcome = match verify(&case) {
            Ok(outcome) => outcome,
            Err(e) => {
                failed.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        for line in outcome.lines() {
            println!("{line}");
        }
        assert!(outcome.skipped.is_none(), "{}: fixtures need nothing the server lacks", case.name);
        // Every step of every case runs: in the first run, or in the second on clean rows.
        match outcome.complete() {
            Some(complete) if complete.rows_checked > 0 && complete.v1_statements > 0 => {}
            Some(complete) => failed.push(format!("{}: nothing was checked: {}", case.name, complete.verdict())),
            None => failed.push(format!("{}: no run executed the whole plan", case.name)),
        }
        if case.consumers.is_some() {
            consumers.0 += 1;
            // Statements ran at every point of the run that executed the whole plan.
            match outcome.complete() {
                Some(c)
                    if c.consumers.runs > 0
                        && c.consumers.uncompared.is_empty()
                        && c.consumers.agreed + c.consumers.mismatches.len() as u64 == c.consumers.runs => {}
                Some(c) if !c.consumers.uncompared.is_empty() => failed.push(format!(
                    "{}: the server refused statements of its consumers.sql for what Bellows does not check:\n{}",
                    case.name,
                    c.consumers.uncompared.join("\n")
                )),
                _ => failed.push(format!("{}: its consumers.sql did not run at the plan's points", case.name)),
            }
        }
        for r in &outcome.runs {
            // Each case runs on its own dialect's server, and says which.
            let server = match dialect {
                Dialect::Sqlite => "sqlite ",
                Dialect::MySql => "mariadb ",
                Dialect::Postgres => "postgres ",
            };
            assert!(r.server.starts_with(server), "{}: ran on {}", case.name, r.server);
            totals.0 += r.rows_checked;
            totals.1 += r.v1_statements;
            totals.2 += r.v2_statements;
            assert_eq!(r.seed_errors, 0, "{}: a seed statement failed", case.name);
            consumers.1 += r.consumers.runs;
            consumers.2 += r.consumers.agreed;
            consumers.3 += r.consumers.refused;
        }
        totals.3 += 1;
        if !outcome.passed() {
            failed.push(outcome.lines().join("\n"));
        }
    }
    println!(
        "harness ({dialect:?}): {} cases, {} rows checked, v1 {} statements, v2 {} statements, {} failed",
        totals.3,
        totals.0,
        totals.1,
        totals.2,
        failed.len()
    );
    println!(
        "consumers ({dialect:?}): {} fixtures carry the application's SQL; {} of {} statement runs at the plans' points as predicted ({} refused as predicted)",
        consumers.0, consumers.2, consumers.1, consumers.3
    );
    if only.is_none() {
        assert!(totals.3 >= 2, "expected {dialect:?} fixtures");
        assert!(consumers.0 >= 2, "expected {dialect:?} fixtures with a consumers.sql");
    }
    assert!(totals.3 >= 1, "no {dialect:?} fixture is named like {only:?}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// MySQL cases on a real MariaDB server, with the workloads on threads beside the plan.
#[test]
fn every_mysql_fixture_passes_the_harness_on_mariadb() {
    if mariadb_or_skip() {
        run_fixtures(Dialect::MySql);
    }
}

#[test]
fn every_postgres_fixture_passes_the_harness() {
    if postgres_or_skip() {
        run_fixtures(Dialect::Postgres);
    }
}

/// The same checks on a real SQLite database, the workloads running between steps (SQLite has
/// one writer at a time).
#[test]
fn every_sqlite_fixture_passes_on_a_real_sqlite_database() {
    run_fixtures(Dialect::Sqlite);
}
