//! MySQL plans speak MySQL: every plan Bellows makes for a real MySQL schema (the corpus pairs
//! Roundcube 1.4 -> 1.6 and RT 4.4 -> 5.0, and a sample of single edits of every kind on every
//! MySQL corpus schema) and for every MySQL fixture, for each of the four target servers, is parsed again with the MySQL
//! dialect, statement by statement, forward and undo. Every statement must parse, every ALTER
//! TABLE must name its ALGORITHM, no statement may use PostgreSQL-only SQL, and no step may open
//! a transaction (MySQL DDL commits on its own).
//!
//! Without the corpora the test skips with a notice; under `CI=true` it fails.

#![allow(clippy::expect_used, clippy::panic)]

use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::edit::apply;
use bellows_core::plan::{plan, plan_changes, MySqlServer, Plan, PlanOptions};
use bellows_core::{import, Dialect};
use bellows_verify::cases;
use bellows_verify::sample::{sample, KINDS};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, Statement};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use std::path::PathBuf;

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// MariaDB's `ALTER TABLE t WAIT n`, which sqlparser does not know: taken out before parsing
/// (and only that clause, right after the table name).
fn without_wait(sql: &str) -> String {
    let Some(rest) = sql.strip_prefix("ALTER TABLE ") else { return sql.to_string() };
    let mut words = rest.splitn(4, ' ');
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some(table), Some("WAIT"), Some(n), Some(tail)) if n.parse::<u32>().is_ok() => {
            format!("ALTER TABLE {table} {tail}")
        }
        _ => sql.to_string(),
    }
}

/// `RENAME INDEX a TO b, ` (MySQL 5.7+, MariaDB 10.5.2+), which sqlparser does not know
/// either: the clause is checked for its shape, then taken out before parsing.
fn without_rename_index(sql: &str) -> Result<String, String> {
    let Some(at) = sql.find(" RENAME INDEX ") else { return Ok(sql.to_string()) };
    let rest = &sql[at + " RENAME INDEX ".len()..];
    let words: Vec<&str> = rest.splitn(4, ' ').collect();
    match words.as_slice() {
        [_, "TO", to, tail] if to.ends_with(',') => Ok(format!("{} {tail}", &sql[..at])),
        _ => Err(format!("a malformed RENAME INDEX clause: {rest}")),
    }
}

/// `ALTER TABLE t COMMENT = '...', ` (a table's comment), which sqlparser 0.64 reads in CREATE
/// TABLE only: the literal is checked for its shape, then the clause taken out before parsing.
fn without_table_comment(sql: &str) -> Result<String, String> {
    let Some(at) = sql.find(" COMMENT = ").filter(|_| sql.starts_with("ALTER TABLE ")) else {
        return Ok(sql.to_string());
    };
    let rest = &sql[at + " COMMENT = ".len()..];
    let Some(body) = rest.strip_prefix('\'') else {
        return Err(format!("a table comment that is not a literal: {rest}"));
    };
    // The literal ends at a quote that is not doubled.
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
                continue;
            }
            return match body[i + 1..].strip_prefix(", ") {
                Some(tail) => Ok(format!("{} {tail}", &sql[..at])),
                None => Err(format!("a table comment not followed by its ALGORITHM: {rest}")),
            };
        }
    }
    Err(format!("an unterminated table comment: {rest}"))
}

/// What is wrong with one statement of a MySQL plan, if anything.
fn problems(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let upper = sql.to_ascii_uppercase();
    for pg in [
        "CONCURRENTLY",
        "NOT VALID",
        "VALIDATE CONSTRAINT",
        "LOCK_TIMEOUT",
        "SESSION_REPLICATION_ROLE",
        "CTID",
        "::",
        "ENABLE ALWAYS TRIGGER",
        "LANGUAGE PLPGSQL",
        "$$",
        "IS DISTINCT FROM",
        "USING INDEX",
    ] {
        // Whole words only (`ObjectId` holds the letters of `ctid`).
        let found = upper.match_indices(pg).any(|(at, _)| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let first = pg.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
            !first || (!word(upper[..at].chars().next_back()) && !word(upper[at + pg.len()..].chars().next()))
        });
        if found {
            out.push(format!("PostgreSQL-only `{pg}`"));
        }
    }
    if matches!(upper.trim(), "BEGIN" | "COMMIT" | "ROLLBACK" | "START TRANSACTION") {
        out.push("a transaction statement: MySQL DDL commits on its own".into());
    }
    let text = match without_rename_index(&without_wait(sql)).and_then(|t| without_table_comment(&t)) {
        Ok(t) => t,
        Err(e) => {
            out.push(e);
            return out;
        }
    };
    // MySQL prepares a statement from a variable (`PREPARE s FROM @sql`), which sqlparser does
    // not read (it knows PostgreSQL's `PREPARE s AS`): the statement it runs is in the SET before.
    if upper.trim_start().starts_with("PREPARE ") && upper.contains(" FROM @") {
        return out;
    }
    // Terminated as a script terminates it (sqlparser wants the `;` after a one-statement
    // trigger body).
    match Parser::parse_sql(&MySqlDialect {}, &format!("{text};")) {
        Err(e) => out.push(format!("does not parse as MySQL: {e}")),
        Ok(statements) => {
            for s in statements {
                if let Statement::AlterTable(alter) = s {
                    if !alter.operations.iter().any(|op| matches!(op, AlterTableOperation::Algorithm { .. })) {
                        out.push("an ALTER TABLE without ALGORITHM".into());
                    }
                    for op in &alter.operations {
                        if let AlterTableOperation::AlterColumn { op, .. } = op {
                            if matches!(
                                op,
                                AlterColumnOperation::SetDataType { .. }
                                    | AlterColumnOperation::SetNotNull
                                    | AlterColumnOperation::DropNotNull
                            ) {
                                out.push(format!("PostgreSQL's ALTER COLUMN {op}"));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Every statement of the plan, forward and undo, checked; returns the failures. The plan's
/// own safety findings may warn that a step copies a table, never that it lacks ALGORITHM or
/// a lock_wait_timeout, or adds a foreign key without its gate.
fn check(name: &str, plan: &Plan, base: &bellows_core::Schema) -> (usize, Vec<String>) {
    use bellows_core::lint::{check_plan, LintOptions, Rule};
    let mut statements = 0;
    let mut failures = Vec::new();
    for f in check_plan(plan, base, &LintOptions::default()) {
        if matches!(f.rule, Rule::AlterWithoutAlgorithm | Rule::MissingLockTimeout | Rule::ForeignKeyWithoutGate) {
            failures.push(format!("{name}: finding on its own step: {} {}", f.rule.code(), f.message));
        }
    }
    for (stage, step) in plan.steps() {
        // A copy step's advice is written once the whole plan is known; its marker never stays.
        if step.reason.contains('\u{2063}') {
            failures.push(format!(
                "{name}: {} step `{}`: a copy-tools marker left in its reason",
                stage.label(),
                step.title
            ));
        }
        for sql in step.sql.iter().chain(&step.rollback) {
            statements += 1;
            for p in problems(sql) {
                failures.push(format!("{name}: {} step `{}`: {p}\n    {sql}", stage.label(), step.title));
            }
        }
    }
    for q in plan.prechecks.iter().chain(&plan.verifications) {
        statements += 1;
        for p in problems(&q.sql) {
            failures.push(format!("{name}: check `{}`: {p}\n    {}", q.title, q.sql));
        }
    }
    (statements, failures)
}

fn mysql_schemas(root: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("schema-")))
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".mysql.sql"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_mysql_plan_parses_as_mysql_and_names_its_algorithm() {
    let Some(root) = cases::corpora() else {
        assert!(!ci(), "CI=true but the corpora are missing");
        eprintln!("SKIPPED: no corpora at ../shared/corpora");
        return;
    };
    let mut failures = Vec::new();
    let mut plans = 0;
    let mut statements = 0;
    let pairs = [
        ("pair-roundcube/1.4.0/mysql.initial.mysql.sql", "pair-roundcube/1.6.0/mysql.initial.mysql.sql"),
        ("pair-rt/rt-4.4.0/schema.mysql.sql", "pair-rt/rt-5.0.0/schema.mysql.sql"),
    ];
    for server in MySqlServer::ALL {
        let options = PlanOptions { dialect: Dialect::MySql, mysql_server: server, ..PlanOptions::default() };
        for (a, b) in pairs {
            let base = import(&std::fs::read_to_string(root.join(a)).expect("corpus file"), Some(Dialect::MySql));
            let target = import(&std::fs::read_to_string(root.join(b)).expect("corpus file"), Some(Dialect::MySql));
            let p = plan(
                &base.schema,
                &target.schema,
                &DiffOptions { matching: Matching::Names, renames: vec![], merges: vec![], moves: vec![] },
                &options,
            );
            assert!(!p.is_empty(), "{a} -> {b}: the pair has changes");
            let (n, f) = check(&format!("{a} -> {b} on {}", server.label()), &p, &base.schema);
            plans += 1;
            statements += n;
            failures.extend(f);
        }
        for path in mysql_schemas(&root) {
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let base = import(&std::fs::read_to_string(&path).expect("corpus file"), Some(Dialect::MySql)).schema;
            for s in sample(&base, Dialect::MySql, 2, &file) {
                let (target, skipped) = apply(&base, &s.edits);
                assert!(skipped.is_empty(), "{file} {}: the sampled edit applies", s.kind);
                let changes = bellows_core::diff::diff(
                    &base,
                    &target,
                    &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                );
                let p = plan_changes(&base, &target, &changes, &options);
                let (n, f) = check(&format!("{file} {} {} on {}", s.kind, s.about, server.label()), &p, &base);
                plans += 1;
                statements += n;
                failures.extend(f);
            }
        }
    }
    // The MySQL fixtures, whose plans hold every recipe (the split's triggers among them).
    let fixtures: Vec<_> =
        cases::cases().expect("fixtures").into_iter().filter(|c| c.dialect == Dialect::MySql).collect();
    for server in MySqlServer::ALL {
        for case in &fixtures {
            let prepared = bellows_verify::prepare(case);
            let options = PlanOptions { mysql_server: server, ..case.options.clone() };
            let p = plan_changes(&prepared.base, &prepared.target, &prepared.changes, &options);
            let (n, f) = check(&format!("fixture {} on {}", case.name, server.label()), &p, &prepared.base);
            plans += 1;
            statements += n;
            failures.extend(f);
        }
    }
    println!("MySQL plans checked: {plans} plans, {statements} statements, {} failures", failures.len());
    assert!(plans > 4 * (pairs.len() + KINDS.len()), "the sample covers every kind on the MySQL schemas");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_parser_check_catches_postgresql_sql() {
    assert!(!problems("ALTER TABLE users ALTER COLUMN language TYPE VARCHAR(16)").is_empty());
    assert!(!problems("SET lock_timeout = '2000ms'").is_empty());
    assert!(!problems("ALTER TABLE t ADD COLUMN c INT").is_empty(), "no ALGORITHM");
    assert!(!problems("CREATE INDEX CONCURRENTLY i ON t (c)").is_empty());
    assert!(!problems("UPDATE t SET a = 1 WHERE ctid = 1").is_empty());
    assert!(problems("UPDATE t SET ObjectId = 1 WHERE ObjectId IS NULL ORDER BY id LIMIT 10").is_empty());
    assert!(problems("ALTER TABLE t WAIT 2 ADD COLUMN c INT NULL, ALGORITHM=INSTANT").is_empty());
    assert!(problems("ALTER TABLE t ADD INDEX i (c), ALGORITHM=INPLACE, LOCK=NONE").is_empty());
    assert!(problems("ALTER TABLE t WAIT 2 RENAME INDEX a TO b, ALGORITHM=INSTANT").is_empty());
    assert!(problems("ALTER TABLE t WAIT 2 COMMENT = 'it''s, the rows', ALGORITHM=INSTANT").is_empty());
    assert!(!problems("ALTER TABLE t COMMENT = 'open, ALGORITHM=INSTANT").is_empty(), "unterminated");
    assert!(!problems("ALTER TABLE t RENAME INDEX a TO b").is_empty(), "no ALGORITHM");
}
