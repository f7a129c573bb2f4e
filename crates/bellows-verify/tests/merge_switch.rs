//! A merge's Switch on a real PostgreSQL server, with the application's writes between Backfill
//! and Switch forced statement by statement, so the test does not depend on timing.
//!
//! The race the sampled-edits sweep met on RT (`CustomRoles` merged into `CustomFields` on
//! `id`, two tables numbered by sequences of their own): B's row 2 matched A's own row 2, so
//! Backfill copied nothing for it; v1 then deleted A's row 2 (its own), and B's row 2 had no row
//! in A. Switch copies such rows under its lock, and refuses to switch while a row cannot be
//! copied (another unique key of A holds its values), leaving B a table as it was.
//!
//! MySQL has neither the lock nor the `DO` block: its Switch copies the lost rows before its
//! atomic `RENAME TABLE` with a plain `INSERT ... SELECT`, which a row another unique key holds
//! fails (B still a table), and again after it from the parked table. The same two tests run on
//! MariaDB, with a table that references B and moves to A at Switch.
//!
//! Without a server the tests skip with a notice; under `CI=true` they fail.

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

/// A database with the base and its rows, Expand and Backfill run: the moment the race needs.
/// `None` (the test skips) without a server.
fn after_backfill(name: &str) -> Option<(Plan, Database, postgres::Client)> {
    if !server_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL server answers");
        eprintln!("SKIPPED: no PostgreSQL server ({})", bellows_verify::conninfo());
        return None;
    }
    let p = merge_plan();
    let db = Database::create(name, None).expect("a database");
    let mut c = connect(&db.name).expect("connect");
    c.batch_execute(BASE).expect("the base loads");
    c.batch_execute(
        "INSERT INTO accounts VALUES (1, 'ada', 'pro'), (2, 'alan', 'free');
         INSERT INTO legacy_accounts VALUES (2, 'grace', 'pro'), (3, 'edsger', NULL);",
    )
    .expect("rows");
    run_stages(&mut c, &p, &[StageKind::Expand, StageKind::Backfill]).expect("Expand and Backfill run");
    Some((p, db, c))
}

#[test]
fn a_row_the_application_took_from_a_after_backfill_is_copied_at_switch() {
    let Some((p, _db, mut c)) = after_backfill("bellows_merge_switch_race") else { return };
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
    let Some((p, _db, mut c)) = after_backfill("bellows_merge_switch_guard") else { return };
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

mod mariadb {
    //! The same race on MariaDB, with `sessions` pointing at the merged table.

    use super::*;
    use bellows_verify::mariadb::{connect, server_available, socket, Database};
    use mysql::prelude::Queryable;

    const BASE: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, login varchar(100) NOT NULL UNIQUE, plan varchar(20) NOT NULL DEFAULT 'free');
CREATE TABLE legacy_accounts (id bigint PRIMARY KEY, login varchar(100) NOT NULL, plan varchar(20));
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint NOT NULL, KEY sessions_account (account_id),
  CONSTRAINT sessions_account_fk FOREIGN KEY (account_id) REFERENCES legacy_accounts (id));
";
    const TARGET: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, login varchar(100) NOT NULL UNIQUE, plan varchar(20) NOT NULL DEFAULT 'free');
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint NOT NULL, KEY sessions_account (account_id),
  CONSTRAINT sessions_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id));
";

    fn merge_plan() -> Plan {
        let base = import(BASE, Some(Dialect::MySql)).schema;
        let target = import(TARGET, Some(Dialect::MySql)).schema;
        let diff = DiffOptions {
            merges: vec![MergeHint::parse("legacy_accounts->accounts").expect("a merge hint")],
            ..DiffOptions::default()
        };
        plan(&base, &target, &diff, &PlanOptions { dialect: Dialect::MySql, ..PlanOptions::default() })
    }

    /// Every statement of the stages in turn (MySQL commits each DDL statement by itself), a
    /// batched one until it changes no row.
    fn run_stages(c: &mut mysql::Conn, p: &Plan, kinds: &[StageKind]) -> Result<(), String> {
        for stage in p.stages.iter().filter(|s| kinds.contains(&s.kind)) {
            for step in &stage.steps {
                for sql in &step.sql {
                    loop {
                        c.query_drop(sql.as_str()).map_err(|e| format!("{}: {e}", step.title))?;
                        if !step.repeat_until_no_rows || c.affected_rows() == 0 {
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn rows(c: &mut mysql::Conn, sql: &str) -> Vec<(i64, String)> {
        c.query(sql).expect("query")
    }

    fn count(c: &mut mysql::Conn, sql: &str) -> i64 {
        c.query_first(sql).expect("the count").expect("a row")
    }

    /// The base with its rows (and sessions pointing at both legacy rows), Expand and Backfill
    /// run; `None` (the test skips) without a server.
    fn after_backfill(name: &str) -> Option<(Plan, Database, mysql::Conn)> {
        if !server_available() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no MariaDB server answers at {}",
                socket()
            );
            eprintln!("SKIPPED: no MariaDB server at {}", socket());
            return None;
        }
        let db = Database::create(name).expect("a database");
        db.load(BASE, &[]).expect("the base loads");
        let mut c = connect(Some(&db.name)).expect("connect");
        c.query_drop(
            "INSERT INTO accounts VALUES (1, 'ada', 'pro'), (2, 'alan', 'free');
             INSERT INTO legacy_accounts VALUES (2, 'grace', 'pro'), (3, 'edsger', NULL);
             INSERT INTO sessions VALUES (10, 2), (11, 3)",
        )
        .expect("rows");
        let p = merge_plan();
        run_stages(&mut c, &p, &[StageKind::Expand, StageKind::Backfill]).expect("Expand and Backfill run");
        Some((p, db, c))
    }

    #[test]
    fn a_row_the_application_took_from_a_after_backfill_is_copied_at_switch() {
        let Some((p, _db, mut c)) = after_backfill("merge_switch_race") else { return };
        c.query_drop("DELETE FROM accounts WHERE id = 2").expect("v1's delete");
        let forecast = p.verifications.iter().find(|v| v.before == StageKind::Switch).expect("a count before Switch");
        assert_eq!(count(&mut c, &forecast.sql), 1, "the count before Switch sees the row A lost");
        assert!(!forecast.must_be_zero, "Switch makes the count good, so it is a forecast, not a stop");
        let orphans = p.prechecks.iter().find(|v| v.title.contains("no parent")).expect("an orphan count");
        assert_eq!(count(&mut c, &orphans.sql), 1, "session 10 has no parent in accounts yet");
        assert!(!orphans.must_be_zero, "the repoint copies the row first, so this count is a forecast too");

        run_stages(&mut c, &p, &[StageKind::Switch]).expect("Switch runs");
        let all = vec![(1, "ada".to_string()), (2, "grace".to_string()), (3, "edsger".to_string())];
        assert_eq!(rows(&mut c, "SELECT id, login FROM accounts ORDER BY id"), all, "every legacy row is in accounts");
        assert_eq!(
            rows(&mut c, "SELECT id, login FROM legacy_accounts ORDER BY id"),
            all,
            "v1 reads a view of accounts"
        );
        let proof = p
            .verifications
            .iter()
            .find(|v| v.before == StageKind::Contract && v.title.contains("no parent"))
            .expect("an orphan count before Contract");
        assert!(proof.must_be_zero);
        assert_eq!(count(&mut c, &proof.sql), 0, "every session has its account");
        c.query_drop("INSERT INTO sessions VALUES (12, 2)").expect("the key now points at accounts, which has row 2");
        let refused = c.query_drop("INSERT INTO sessions VALUES (13, 99)");
        assert!(refused.is_err(), "the key to accounts is in force");
    }

    #[test]
    fn switch_refuses_while_a_row_cannot_be_copied_and_leaves_b_a_table() {
        let Some((p, db, mut c)) = after_backfill("merge_switch_guard") else { return };
        c.query_drop("DELETE FROM accounts WHERE id = 2; INSERT INTO accounts VALUES (40, 'grace', 'free')")
            .expect("v1's writes");
        let err = run_stages(&mut c, &p, &[StageKind::Switch]).expect_err("Switch refuses");
        assert!(err.contains("Duplicate entry 'grace'"), "the refusal says which row: {err}");
        let kind: String = c
            .exec_first(
                "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = 'legacy_accounts'",
                (db.name.as_str(),),
            )
            .expect("legacy_accounts")
            .expect("a row");
        assert_eq!(kind, "BASE TABLE", "legacy_accounts is still a table");
        assert_eq!(
            rows(&mut c, "SELECT id, login FROM legacy_accounts ORDER BY id"),
            vec![(2, "grace".into()), (3, "edsger".into())],
            "nothing of the legacy table is lost"
        );
        let parent: String = c
            .exec_first(
                "SELECT referenced_table_name FROM information_schema.referential_constraints WHERE constraint_schema = ? AND table_name = 'sessions'",
                (db.name.as_str(),),
            )
            .expect("the key")
            .expect("a row");
        assert_eq!(parent, "legacy_accounts", "sessions still points at the legacy table");
    }
}
