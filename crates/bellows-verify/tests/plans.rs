//! Every case in `tests/fixtures/`: the plan as a reader sees it equals the snapshot
//! `plan.txt` (rewrite with `BELLOWS_BLESS=1` after a deliberate change, and read the diff), and
//! every SQL statement in it re-parses with sqlparser for its dialect, except the written list
//! of sqlparser gaps below.

use bellows_core::plan::{plan, plan_text};
use bellows_core::{import, Dialect, Severity};
use bellows_verify::cases as fixtures;
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// Statements valid on the server that sqlparser 0.64 does not read.
const SQLPARSER_GAPS: &[&str] = &[
    "DROP INDEX CONCURRENTLY",  // sqlparser 0.64 reads DROP INDEX but not CONCURRENTLY
    "PRAGMA",                   // SQLite pragmas without a value (`PRAGMA foreign_key_check`)
    "CREATE INDEX ... ON ONLY", // an index on a partitioned table alone
    "ALTER INDEX ... ATTACH PARTITION",
    "ALTER SEQUENCE", // sqlparser 0.64 reads CREATE SEQUENCE only (`OWNED BY` moves a serial's sequence)
    "ALTER TABLE ... RENAME INDEX", // MySQL 5.7+ / MariaDB 10.5.2+: an index renamed in place
    "PREPARE ... FROM", // MySQL: a statement prepared from a variable (sqlparser reads PostgreSQL's PREPARE ... AS)
    "DO $",           // PostgreSQL: an anonymous code block (a merge's Switch refuses to go on while a row is missing)
    "ALTER TABLE ... COMMENT =", // MySQL: a table's comment changed (sqlparser 0.64 reads it in CREATE TABLE only)
];

/// The gap a statement sqlparser cannot read falls in, if any.
fn gap(sql: &str) -> Option<&'static str> {
    let sql = sql.trim_start();
    SQLPARSER_GAPS.iter().copied().find(|g| match g.split_once(" ... ") {
        Some((head, tail)) => sql.starts_with(head) && sql.contains(&format!(" {tail} ")),
        None => sql.starts_with(g),
    })
}

fn reparses(sql: &str, dialect: Dialect) -> Result<(), String> {
    let result = match dialect {
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
        // Terminated as a script terminates it: sqlparser wants the `;` after a one-statement
        // trigger body.
        Dialect::MySql => Parser::parse_sql(&MySqlDialect {}, &format!("{sql};")),
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn there_are_at_least_25_cases_and_every_recipe_has_one() {
    let cases = fixtures::cases().expect("fixtures");
    assert!(cases.len() >= 25, "{} cases", cases.len());
}

#[test]
fn every_fixture_plans_as_its_snapshot_and_its_sql_reparses() {
    let mut failures = Vec::new();
    let mut unparsed_kinds = std::collections::BTreeMap::<String, usize>::new();
    for case in fixtures::cases().expect("fixtures") {
        let before = import(&case.before, Some(case.dialect));
        let after = import(case.after_text(), Some(case.dialect));
        for (file, result) in [("before.sql", &before), ("after.sql", &after)] {
            let errors: Vec<String> =
                result.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect();
            assert!(errors.is_empty(), "{}/{file}: {errors:?}", case.name);
        }
        let plan = plan(&before.schema, &after.schema, &case.diff, &case.options);
        assert!(!plan.is_empty(), "{}: the plan has no step", case.name);
        let text = plan_text(&plan);
        let snapshot = case.dir.clone().unwrap_or_default().join("plan.txt");
        if std::env::var_os("BELLOWS_BLESS").is_some() {
            std::fs::write(&snapshot, &text).unwrap_or_default();
        } else {
            match std::fs::read_to_string(&snapshot) {
                Ok(expected) if expected == text => {}
                Ok(_) => failures.push(format!("{}: the plan differs from plan.txt; now:\n{text}", case.name)),
                Err(_) => failures.push(format!("{}: no plan.txt (run with BELLOWS_BLESS=1)", case.name)),
            }
        }
        for (_, step) in plan.steps() {
            for sql in step.sql.iter().chain(&step.rollback) {
                if let Err(e) = reparses(sql, case.dialect) {
                    match gap(sql) {
                        Some(gap) => *unparsed_kinds.entry(gap.to_string()).or_default() += 1,
                        None => failures.push(format!("{}: `{sql}` does not re-parse: {e}", case.name)),
                    }
                }
            }
        }
    }
    println!("statements on the sqlparser gap list: {unparsed_kinds:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
