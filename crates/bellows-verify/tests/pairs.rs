//! Every real pair of consecutive versions in `../shared/corpora` runs through the harness on
//! its dialect's server: PostgreSQL files on PostgreSQL, MySQL files on MariaDB, SQLite files
//! on SQLite. Nothing may
//! be lost, no v1 statement may fail before Contract, and the schema read back must equal the
//! target's. A pair that cannot run here says exactly why, and only the pairs the README lists
//! (with that reason) may skip under `CI=true`.
//!
//! Without the corpora (a user's clone) the test skips with a notice; under `CI=true` it fails.

#![allow(clippy::expect_used, clippy::panic)] // a test file: helpers fail the test they serve

use bellows_core::Dialect;
use bellows_verify::{cases, server_available, verify};

/// Pairs that cannot run on a Debian 12 PostgreSQL 15 server, and the missing piece each
/// names. The README's table lists the same pairs.
const KNOWN_SKIPS: &[(&str, &str)] = &[
    // pgvector is not packaged for Debian 12, and the registries reachable here do not have it.
    ("pagila postgres 2024-10 -> 2026-08", "`vector`"),
    // OpenStreetMap's own C functions (libpgosm) are built from the website's source tree.
    ("openstreetmap postgres 2018-06 -> 2023-12", "`libpgosm`"),
    // Evergreen's PL/Perl functions load Perl modules that Debian does not package.
    ("evergreen postgres 3.15.0 -> 3.16.0", "Perl module"),
];

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

#[test]
fn every_real_pair_passes_the_harness_on_its_server() {
    let pairs = match cases::real_pairs() {
        Ok(pairs) => pairs,
        Err(e) => {
            assert!(!ci(), "CI=true but the corpora are missing: {e}");
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    assert!(pairs.len() >= 16, "expected the corpora's 16 pairs, found {}", pairs.len());
    let postgres = server_available();
    assert!(postgres || !ci(), "CI=true but no PostgreSQL server answers ({})", bellows_verify::conninfo());
    let mariadb = bellows_verify::mariadb::server_available();
    assert!(mariadb || !ci(), "CI=true but no MariaDB server answers at {}", bellows_verify::mariadb::socket());
    let (mut ran, mut rows, mut steps, mut v1, mut v2) = (0, 0u64, 0usize, 0u64, 0u64);
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    // Pairs run side by side (`BELLOWS_JOBS`, one per core by default); each has databases of
    // its own, and its lines print together when it is done.
    let outcomes = bellows_verify::cases::each_in_parallel(
        &pairs,
        bellows_verify::cases::jobs(),
        |_, pair| {
            if pair.dialect == Dialect::Postgres && !postgres {
                return Err(format!("SKIPPED {}: no PostgreSQL server at `{}`", pair.name, bellows_verify::conninfo()));
            }
            if pair.dialect == Dialect::MySql && !mariadb {
                return Err(format!(
                    "SKIPPED {}: no MariaDB server at `{}`",
                    pair.name,
                    bellows_verify::mariadb::socket()
                ));
            }
            Ok(verify(pair))
        },
        |_, r| match r {
            Ok(Ok(outcome)) => {
                for line in outcome.lines() {
                    println!("{line}");
                }
            }
            Ok(Err(_)) => {}
            Err(skip) => eprintln!("{skip}"),
        },
    );
    for (pair, outcome) in pairs.iter().zip(outcomes) {
        let outcome = match outcome {
            Err(_) => continue,
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => {
                failed.push(format!("{}: {e}", pair.name));
                continue;
            }
        };
        if let Some(why) = &outcome.skipped {
            let known = KNOWN_SKIPS.iter().any(|(name, what)| *name == pair.name && why.contains(what));
            if !known {
                failed.push(format!("{}: skipped, which the README does not list: {why}", pair.name));
            }
            skipped.push(pair.name.clone());
            continue;
        }
        ran += 1;
        match outcome.complete() {
            Some(complete) if complete.rows_checked > 0 && complete.v1_statements > 0 => {
                rows += complete.rows_checked;
                steps += complete.steps_run;
            }
            Some(complete) => failed.push(format!("{}: nothing was checked: {}", pair.name, complete.verdict())),
            None => failed.push(format!("{}: no run executed the whole plan", pair.name)),
        }
        for r in &outcome.runs {
            v1 += r.v1_statements;
            v2 += r.v2_statements;
            if r.seed_errors > 0 {
                failed.push(format!("{}: {} seed statements failed", pair.name, r.seed_errors));
            }
        }
        if !outcome.passed() {
            failed.push(outcome.lines().join("\n"));
        }
    }
    println!(
        "real pairs: {} of {} ran ({} skipped: {}), {steps} steps, {rows} rows checked, v1 {v1} statements, v2 {v2} statements, {} failed",
        ran,
        pairs.len(),
        skipped.len(),
        skipped.join("; "),
        failed.len()
    );
    // On a server set up by `cargo xtask test`, only the listed pairs skip.
    if ci() {
        assert_eq!(ran + skipped.len(), pairs.len(), "every pair runs or skips for a listed reason");
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// `bellows plan` on every real pair: both files read without an error, no dependent is named
/// as a blocker, and the plan's own safety findings never contradict its recipes (no error
/// finding on any step).
#[test]
fn every_real_pair_plans_without_an_error_diagnostic() {
    use bellows_core::lint::{check_plan, LintOptions};
    use bellows_core::{import, Severity};
    let pairs = match cases::real_pairs() {
        Ok(pairs) => pairs,
        Err(e) => {
            assert!(!ci(), "CI=true but the corpora are missing: {e}");
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let mut problems = Vec::new();
    for pair in &pairs {
        let before = import(&pair.before, Some(pair.dialect));
        let after = import(pair.after_text(), Some(pair.dialect));
        for (which, result) in [("base", &before), ("target", &after)] {
            for d in result.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
                problems.push(format!("{} ({which}): {d}", pair.name));
            }
        }
        let plan = bellows_core::plan::plan(&before.schema, &after.schema, &pair.diff, &pair.options);
        // A real project's next version does not keep objects that read what it drops: a
        // blocker here would be a false alarm.
        for b in &plan.blockers {
            problems.push(format!("{}: blocker: {b}", pair.name));
        }
        for f in
            check_plan(&plan, &before.schema, &LintOptions::default()).iter().filter(|f| f.severity == Severity::Error)
        {
            problems.push(format!("{}: {:?} at {:?}: {}", pair.name, f.rule, f.step, f.message));
        }
    }
    println!("{} pairs planned", pairs.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
