//! A plan step that locks two tables, caught in a lock cycle with the application on a real
//! PostgreSQL server, gives way: its lock timeout rolls it back before the server's deadlock
//! check can cancel the application's transaction.
//!
//! The cycle is the one the sampled-edits sweep met on Synapse (a retyped key that another
//! table references): the undo of "foreign key, not yet validated" takes the referenced table
//! (ACCESS EXCLUSIVE), then drops the key on the referencing table. An `INSERT` into the
//! referencing table that starts between the two locks holds that table and waits for the
//! referenced one (its foreign key check, even with a NULL key), and the step then waits for the
//! referencing table. Here the interleaving is forced, statement by statement, so the test does
//! not depend on timing: the application waits first, so with a lock timeout above
//! `deadlock_timeout` (1 s) the server would cancel the application's `INSERT`.
//!
//! Without a server the test skips with a notice; under `CI=true` it fails.

#![allow(clippy::expect_used, clippy::panic)] // a test file: helpers fail the test they serve

use bellows_core::diff::DiffOptions;
use bellows_core::import::import;
use bellows_core::plan::{plan, PlanOptions, StageKind};
use bellows_core::Dialect;
use bellows_verify::postgres::{connect, Database};
use bellows_verify::server_available;
use std::time::{Duration, Instant};

const BASE: &str = "
CREATE TABLE parent (id bigint PRIMARY KEY, name text);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id) ON DELETE CASCADE);
";

fn sql_state(e: &postgres::Error) -> String {
    e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| e.to_string())
}

#[test]
fn a_step_locking_two_tables_gives_way_to_the_application_in_a_lock_cycle() {
    if !server_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL server answers");
        eprintln!("SKIPPED: no PostgreSQL server ({})", bellows_verify::conninfo());
        return;
    }
    let base = import(BASE, Some(Dialect::Postgres)).schema;
    let target = import(
        &BASE.replace("(id bigint PRIMARY KEY, name", "(id numeric(20,0) PRIMARY KEY, name"),
        Some(Dialect::Postgres),
    )
    .schema;
    let p = plan(&base, &target, &DiffOptions::default(), &PlanOptions::default());

    // Every step up to the one whose undo drops the new key with both tables locked.
    let db = Database::create("bellows_lock_cycle", None).expect("a database");
    let mut admin = connect(&db.name).expect("connect");
    admin.batch_execute(BASE).expect("the base loads");
    admin
        .batch_execute("INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g; INSERT INTO child SELECT g, g FROM generate_series(1, 50) g")
        .expect("rows");
    let mut undo = None;
    'stages: for stage in p.stages.iter().filter(|s| matches!(s.kind, StageKind::Expand | StageKind::Backfill)) {
        for step in &stage.steps {
            let body = step.sql.join(";\n");
            if step.transactional {
                admin
                    .batch_execute(&format!("BEGIN;\n{body};\nCOMMIT"))
                    .unwrap_or_else(|e| panic!("{}: {e}", step.title));
            } else {
                admin.batch_execute(&body).unwrap_or_else(|e| panic!("{}: {e}", step.title));
            }
            if step.lock.tables.len() > 1 && step.rollback.iter().any(|s| s.starts_with("LOCK TABLE parent")) {
                undo = Some(step.rollback.clone());
                break 'stages;
            }
        }
    }
    let undo = undo.expect("a step whose undo locks parent, then alters child");
    let alter = undo.iter().position(|s| s.starts_with("ALTER TABLE child")).expect("the undo alters child");
    assert!(
        undo.iter().any(|s| s == "SET lock_timeout = '500ms'"),
        "a step that locks two tables waits less than deadlock_timeout: {undo:?}"
    );

    // The step takes the referenced table.
    let mut step = connect(&db.name).expect("connect");
    step.batch_execute("BEGIN").expect("begin");
    for s in &undo[..alter] {
        step.batch_execute(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    // The application's INSERT holds child and waits for parent (its foreign key check).
    let name = db.name.clone();
    let application = std::thread::spawn(move || {
        let mut app = connect(&name).expect("connect");
        app.batch_execute("INSERT INTO child VALUES (1000, NULL)").map_err(|e| sql_state(&e))
    });
    std::thread::sleep(Duration::from_millis(150));
    // The step waits for child: the cycle is closed.
    let started = Instant::now();
    let outcome = step.batch_execute(&undo[alter]);
    let waited = started.elapsed();
    let _ = step.batch_execute("ROLLBACK");

    let err = outcome.expect_err("the step cannot take child while the application holds it");
    assert_eq!(sql_state(&err), "55P03", "the step gave up on its lock timeout, not as a deadlock victim: {err}");
    assert!(waited < Duration::from_millis(1000), "it gave up before the deadlock check ({waited:?})");
    assert_eq!(application.join().expect("the application's thread"), Ok(()), "the application's INSERT went through");

    // Run again once the application is done, the step goes through.
    step.batch_execute(&format!("BEGIN;\n{};\nCOMMIT", undo.join(";\n"))).expect("the retried step");
}

/// The cycle the OpenStreetMap pair met in CI: the undo of "create table note_subscriptions"
/// drops a table whose foreign keys reference two tables the application writes, so the
/// `DROP TABLE` takes both of them (ACCESS EXCLUSIVE), one after the other. A unit of work
/// holds one (it wrote a note), the step takes the other and waits for the first; its deadlock
/// check finds no cycle yet, because the application is not waiting. The application then
/// checks a foreign key into the table the step holds and waits: the cycle closes with the
/// application as the later waiter, so its own check cancels it a second later. A step that
/// waits at most half of `deadlock_timeout` has given up by then. Which of the two tables
/// `DROP TABLE` takes first is the server's business, so both orders are run.
#[test]
fn undoing_a_new_table_that_references_two_live_tables_gives_way_to_the_application() {
    if !server_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL server answers");
        eprintln!("SKIPPED: no PostgreSQL server ({})", bellows_verify::conninfo());
        return;
    }
    const LIVE: &str = "
CREATE TABLE users (id bigint PRIMARY KEY, name text);
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
";
    let base = import(LIVE, Some(Dialect::Postgres)).schema;
    let target = import(
        &format!(
            "{LIVE}CREATE TABLE note_subscriptions (user_id bigint NOT NULL REFERENCES users (id), note_id bigint NOT NULL REFERENCES notes (id), PRIMARY KEY (user_id, note_id));"
        ),
        Some(Dialect::Postgres),
    )
    .schema;
    let p = plan(&base, &target, &DiffOptions::default(), &PlanOptions::default());
    let create = p
        .stages
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.title == "create table note_subscriptions")
        .expect("a step creates the table");
    assert!(
        create.lock.tables.iter().any(|t| t == "users") && create.lock.tables.iter().any(|t| t == "notes"),
        "the step names the tables its foreign keys lock: {:?}",
        create.lock
    );
    for sql in [&create.sql, &create.rollback] {
        assert!(sql.iter().any(|s| s == "SET lock_timeout = '500ms'"), "it waits less than deadlock_timeout: {sql:?}");
    }

    let db = Database::create("bellows_lock_cycle_drop", None).expect("a database");
    let mut admin = connect(&db.name).expect("connect");
    admin.batch_execute(LIVE).expect("the base loads");
    admin.batch_execute("INSERT INTO users VALUES (1, 'u'); INSERT INTO notes VALUES (1, 'n')").expect("rows");
    admin.batch_execute(&format!("BEGIN;\n{};\nCOMMIT", create.sql.join(";\n"))).expect("the step runs");

    for (k, (held, other)) in [("notes", "users"), ("users", "notes")].into_iter().enumerate() {
        let mut app = connect(&db.name).expect("connect");
        app.batch_execute(&format!("BEGIN; INSERT INTO {held} VALUES ({}, 'x')", 100 + k)).expect("the unit writes");
        let (name, undo) = (db.name.clone(), create.rollback.clone());
        let step = std::thread::spawn(move || {
            let mut step = connect(&name).expect("connect");
            step.batch_execute("BEGIN").expect("begin");
            let started = Instant::now();
            let outcome = step.batch_execute(&undo.join(";\n")).map_err(|e| sql_state(&e));
            let waited = started.elapsed();
            let _ = step.batch_execute("ROLLBACK");
            (outcome, waited)
        });
        // Past deadlock_timeout: a step still waiting has run its one deadlock check.
        std::thread::sleep(Duration::from_millis(1200));
        let checked = app
            .batch_execute(&format!("SELECT 1 FROM {other} WHERE id = 1 FOR KEY SHARE"))
            .and_then(|()| app.batch_execute("COMMIT"))
            .map_err(|e| sql_state(&e));
        let (outcome, waited) = step.join().expect("the step's thread");
        assert_eq!(checked, Ok(()), "the application's unit went through ({held} held, then {other} checked)");
        assert_eq!(outcome, Err("55P03".to_string()), "the step gave up on its lock timeout ({held} held)");
        assert!(waited < Duration::from_millis(1000), "it gave up before the deadlock check ({waited:?})");
    }
    // Run again once the application is done, the undo goes through.
    admin.batch_execute(&format!("BEGIN;\n{};\nCOMMIT", create.rollback.join(";\n"))).expect("the retried undo");
}
