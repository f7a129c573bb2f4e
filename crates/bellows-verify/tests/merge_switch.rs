//! A merge's Switch on a real PostgreSQL server, with the application's writes between Backfill
//! and Switch forced statement by statement, so the test does not depend on timing.
//!
//! The race the sampled-edits sweep met on RT (`CustomRoles` merged into `CustomFields` on
//! `id`, two tables numbered by sequences of their own): B's row 2 matched A's own row 2, so
//! Backfill copied nothing for it; v1 then deleted A's row 2 (its own), and B's row 2 had no row
//! in A. Switch copies such rows under its lock, and refuses to switch while a row cannot be
//! copied (another unique key of A holds its values), leaving B a table as it was.
//!
//! Without a server the test skips with a notice; under `CI=true` it fails.

#![allow(clippy::expect_used, clippy::panic)] // a test file: helpers fail the test they serve

use bellows_core::diff::{DiffOptions, MergeHint};
use bellows_core::import::import;
use bellows_core::plan::{plan, Plan, PlanOptions, StageKind};
use bellows_core::Dialect;
use bellows_verify::postgres::{connect, Database};
use bellows_verify::server_available;

const BASE: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, login text NOT NULL UNIQUE, plan text NOT NULL DEFAULT 'free');
CREATE TABLE legacy_accounts (id bigint PRIMARY KEY, login text NOT NULL, plan text);
";
const TARGET: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, login text NOT NULL UNIQUE, plan text NOT NULL DEFAULT 'free');
";

fn merge_plan() -> Plan {
    let base = import(BASE, Some(Dialect::Postgres)).schema;
    let target = import(TARGET, Some(Dialect::Postgres)).schema;
    let diff = DiffOptions {
        merges: vec![MergeHint::parse("legacy_accounts->accounts").expect("a merge hint")],
        ..DiffOptions::default()
    };
    plan(&base, &target, &diff, &PlanOptions::default())
}

/// Runs every step of the stages, each in a transaction of its own (a batched step until it
/// changes no row), as the runbook does.
fn run_stages(client: &mut postgres::Client, p: &Plan, kinds: &[StageKind]) -> Result<(), String> {
    for stage in p.stages.iter().filter(|s| kinds.contains(&s.kind)) {
        for step in &stage.steps {
            if step.repeat_until_no_rows {
                for sql in &step.sql {
                    while client.execute(sql.as_str(), &[]).map_err(|e| e.to_string())? > 0 {}
                }
            } else {
                let body = format!("BEGIN;\n{};\nCOMMIT;", step.sql.join(";\n"));
                if let Err(e) = client.batch_execute(&body) {
                    let _ = client.batch_execute("ROLLBACK");
                    return Err(format!(
                        "{}: {}",
                        step.title,
                        e.as_db_error().map_or(e.to_string(), |d| d.message().to_string())
                    ));
                }
            }
        }
    }
    Ok(())
}

fn rows(client: &mut postgres::Client, sql: &str) -> Vec<(i64, String)> {
    client.query(sql, &[]).expect("query").iter().map(|r| (r.get(0), r.get(1))).collect()
}

fn skip_without_server() -> bool {
    if server_available() {
        return false;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL server answers");
    eprintln!("SKIPPED: no PostgreSQL server ({})", bellows_verify::conninfo());
    true
}

#[test]
fn a_row_the_application_took_from_a_after_backfill_is_copied_at_switch() {
    if skip_without_server() {
        return;
    }
    let p = merge_plan();
    let db = Database::create("bellows_merge_switch_race", None).expect("a database");
    let mut c = connect(&db.name).expect("connect");
    c.batch_execute(BASE).expect("the base loads");
    c.batch_execute(
        "INSERT INTO accounts VALUES (1, 'ada', 'pro'), (2, 'alan', 'free');
         INSERT INTO legacy_accounts VALUES (2, 'grace', 'pro'), (3, 'edsger', NULL);",
    )
    .expect("rows");
    run_stages(&mut c, &p, &[StageKind::Expand, StageKind::Backfill]).expect("Expand and Backfill run");
    // Legacy row 2 matched accounts' own row 2, so the copy left it; v1 now deletes that row.
    c.batch_execute("DELETE FROM accounts WHERE id = 2").expect("v1's delete");
    let forecast = p.verifications.iter().find(|v| v.before == StageKind::Switch).expect("a count before Switch");
    let missing: i64 = c.query_one(forecast.sql.as_str(), &[]).expect("the count").get(0);
    assert_eq!(missing, 1, "the count before Switch sees the row A lost");
    assert!(!forecast.must_be_zero, "Switch makes the count good, so it is a forecast, not a stop");

    run_stages(&mut c, &p, &[StageKind::Switch]).expect("Switch runs");
    assert_eq!(
        rows(&mut c, "SELECT id, login FROM accounts ORDER BY id"),
        vec![(1, "ada".into()), (2, "grace".into()), (3, "edsger".into())],
        "every legacy row is in accounts after Switch"
    );
    assert_eq!(
        rows(&mut c, "SELECT id, login FROM legacy_accounts ORDER BY id"),
        vec![(1, "ada".into()), (2, "grace".into()), (3, "edsger".into())],
        "v1 reads the legacy name as a view of accounts"
    );
}

#[test]
fn switch_refuses_while_a_row_cannot_be_copied_and_leaves_b_a_table() {
    if skip_without_server() {
        return;
    }
    let p = merge_plan();
    let db = Database::create("bellows_merge_switch_guard", None).expect("a database");
    let mut c = connect(&db.name).expect("connect");
    c.batch_execute(BASE).expect("the base loads");
    c.batch_execute(
        "INSERT INTO accounts VALUES (1, 'ada', 'pro'), (2, 'alan', 'free');
         INSERT INTO legacy_accounts VALUES (2, 'grace', 'pro'), (3, 'edsger', NULL);",
    )
    .expect("rows");
    run_stages(&mut c, &p, &[StageKind::Expand, StageKind::Backfill]).expect("Expand and Backfill run");
    // v1 takes row 2 from A, and writes A a row holding legacy row 2's login under another id:
    // legacy row 2 cannot be copied (accounts' login is unique).
    c.batch_execute("DELETE FROM accounts WHERE id = 2; INSERT INTO accounts VALUES (40, 'grace', 'free')")
        .expect("v1's writes");
    let err = run_stages(&mut c, &p, &[StageKind::Switch]).expect_err("Switch refuses");
    assert!(err.contains("have no row in accounts"), "the refusal says why: {err}");
    let kind: String = c
        .query_one("SELECT relkind::text FROM pg_class WHERE relname = 'legacy_accounts'", &[])
        .expect("legacy_accounts")
        .get(0);
    assert_eq!(kind, "r", "legacy_accounts is still a table");
    assert_eq!(
        rows(&mut c, "SELECT id, login FROM legacy_accounts ORDER BY id"),
        vec![(2, "grace".into()), (3, "edsger".into())],
        "nothing of the legacy table is lost"
    );
}
