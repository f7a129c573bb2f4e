//! Every rule has SQL it must flag (`tests/lint/<code>/err.sql`) and SQL it must not
//! (`ok.sql`); safety rules read their migration against `base.sql`. A first line
//! `-- sqlite` (or `-- mysql`) picks the dialect; PostgreSQL otherwise.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use bellows_core::lint::{audit, check_migration, Family, LintOptions, Rule};
use bellows_core::{import, Dialect};
use std::path::Path;

fn dialect_of(sql: &str) -> Dialect {
    match sql.lines().next().unwrap_or("") {
        "-- sqlite" => Dialect::Sqlite,
        "-- mysql" => Dialect::MySql,
        _ => Dialect::Postgres,
    }
}

fn findings(rule: Rule, file: &Path) -> Vec<bellows_core::lint::Finding> {
    let sql = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let dialect = dialect_of(&sql);
    let options = LintOptions::default();
    match rule.doc().family {
        Family::Audit => audit(&import(&sql, Some(dialect)).schema, dialect, &options),
        Family::Safety => {
            let base =
                std::fs::read_to_string(file.with_file_name("base.sql")).ok().map(|b| import(&b, Some(dialect)).schema);
            check_migration(&sql, base.as_ref(), dialect, &options)
        }
    }
}

#[test]
fn every_rule_flags_its_err_input_and_not_its_ok_input() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint");
    let mut problems = Vec::new();
    for &rule in Rule::ALL {
        let dir = root.join(rule.code());
        let err = findings(rule, &dir.join("err.sql"));
        let flagged: Vec<_> = err.iter().filter(|f| f.rule == rule).collect();
        if flagged.is_empty() {
            problems.push(format!(
                "{}: err.sql is not flagged (found: {:?})",
                rule.code(),
                err.iter().map(|f| f.rule.code()).collect::<Vec<_>>()
            ));
        }
        for f in &flagged {
            if f.span.is_none() || f.message.is_empty() || f.help.is_empty() {
                problems.push(format!("{}: a finding without place, message or help: {f:?}", rule.code()));
            }
        }
        let ok = findings(rule, &dir.join("ok.sql"));
        for f in ok.iter().filter(|f| f.rule == rule) {
            problems.push(format!("{}: ok.sql is flagged: {}", rule.code(), f.message));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_a_complete_doc_and_a_unique_kebab_case_code() {
    let mut codes = std::collections::BTreeSet::new();
    for &rule in Rule::ALL {
        let d = rule.doc();
        assert!(codes.insert(d.code), "duplicate code {}", d.code);
        assert!(d.code.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", d.code);
        for (field, text) in [
            ("summary", d.summary),
            ("what_it_does", d.what_it_does),
            ("why_is_this_bad", d.why_is_this_bad),
            ("example", d.example),
            ("use_instead", d.use_instead),
            ("peers", d.peers),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", d.code);
        }
        assert_eq!(Rule::from_code(d.code), Some(rule));
    }
    // Every rule in ../shared/design/lint-rules.md's safety table is here.
    for code in [
        "rewrites-table",
        "scans-under-exclusive-lock",
        "blocking-index-build",
        "concurrent-index-in-transaction",
        "missing-lock-timeout",
        "drops-data",
        "breaks-running-app",
        "not-null-without-default",
        "unique-without-index-first",
        "irreversible-enum-change",
    ] {
        assert!(Rule::from_code(code).is_some(), "missing safety rule {code}");
    }
}

#[test]
fn findings_point_at_the_line_and_column_of_the_object() {
    let sql = "CREATE TABLE customers (id bigint PRIMARY KEY);\n\nCREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    customer_id bigint REFERENCES customers (id)\n);\n";
    let found = audit(&import(sql, Some(Dialect::Postgres)).schema, Dialect::Postgres, &LintOptions::default());
    let fk = found.iter().find(|f| f.rule == Rule::UnindexedForeignKey).expect("unindexed FK flagged");
    let span = fk.span.expect("a place");
    assert_eq!((span.line, span.column), (5, 5));
    let migration = "SET lock_timeout = '1s';\n-- add the index\n  CREATE INDEX orders_c ON orders (customer_id);\n";
    let found = check_migration(migration, None, Dialect::Postgres, &LintOptions::default());
    let f = found.iter().find(|f| f.rule == Rule::BlockingIndexBuild).expect("flagged");
    let span = f.span.expect("a place");
    assert_eq!((span.line, span.column), (3, 3));
}

#[test]
fn a_migration_is_judged_on_the_debt_it_brings_in() {
    let base = import("CREATE TABLE users (id bigint PRIMARY KEY, seen timestamptz);", Some(Dialect::Postgres)).schema;
    let long = "a".repeat(64);
    let migration = format!(
        "SET lock_timeout = '1s';\n\
         ALTER TABLE users ADD COLUMN created timestamp, ALTER COLUMN seen TYPE timestamp;\n\
         CREATE TABLE orders (id serial PRIMARY KEY, code char(2), tags timestamp[], note text);\n\
         DROP TABLE {long};\n\
         ALTER TABLE users ADD COLUMN fine timestamptz;\n"
    );
    let found = check_migration(&migration, Some(&base), Dialect::Postgres, &LintOptions::default());
    let at = |rule: Rule| -> Vec<(u32, u32, Option<String>)> {
        found
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| {
                let s = f.span.expect("a place");
                (s.line, s.column, f.column.clone())
            })
            .collect()
    };
    // The added and the retyped column, at their statement; the new table's array column, at itself.
    assert_eq!(
        at(Rule::TimestampWithoutTimeZone),
        vec![(2, 1, Some("created".into())), (2, 1, Some("seen".into())), (3, 59, Some("tags".into()))]
    );
    assert_eq!(at(Rule::SerialNotIdentity), vec![(3, 22, Some("id".into()))]);
    assert_eq!(at(Rule::FixedLengthChar), vec![(3, 45, Some("code".into()))]);
    // PostgreSQL cuts the 64-byte name to 63: the DROP names another table.
    let long_name = found.iter().find(|f| f.rule == Rule::ReservedOrLongIdentifier).expect("the long name");
    assert_eq!(long_name.span.map(|s| (s.line, s.column)), Some((4, 12)));
    assert!(long_name.message.contains("64 bytes"), "{}", long_name.message);
    // Debt in a migration is fixed by hand: no design edits ride along.
    assert!(found.iter().all(|f| f.fix.is_none()));
    assert!(!found.iter().any(|f| f.column.as_deref() == Some("fine")));
}

#[test]
fn reindex_detach_and_drop_database_are_read_and_judged() {
    let flags = |sql: &str, rule: Rule| {
        check_migration(sql, None, Dialect::Postgres, &LintOptions::default()).iter().any(|f| f.rule == rule)
    };
    for blocking in ["REINDEX TABLE orders;", "REINDEX INDEX orders_pkey;", "REINDEX (CONCURRENTLY false) INDEX i;"] {
        assert!(flags(blocking, Rule::BlockingIndexBuild), "{blocking}");
        assert!(flags(blocking, Rule::MissingLockTimeout), "{blocking}");
    }
    for online in
        ["REINDEX TABLE CONCURRENTLY orders;", "REINDEX (VERBOSE, CONCURRENTLY) TABLE orders;", "REINDEX SYSTEM db;"]
    {
        assert!(!flags(online, Rule::BlockingIndexBuild), "{online}");
    }
    assert!(flags("BEGIN;\nREINDEX INDEX CONCURRENTLY i;\nCOMMIT;", Rule::ConcurrentIndexInTransaction));
    assert!(flags(
        "BEGIN;\nALTER TABLE t DETACH PARTITION p CONCURRENTLY;\nCOMMIT;",
        Rule::ConcurrentIndexInTransaction
    ));
    assert!(flags("ALTER TABLE t DETACH PARTITION p;", Rule::MissingLockTimeout));
    assert!(!flags("ALTER TABLE t DETACH PARTITION p CONCURRENTLY;", Rule::MissingLockTimeout));
    assert!(flags("DROP DATABASE IF EXISTS shop;", Rule::DropsData));
    assert!(flags("DROP SCHEMA sales CASCADE;", Rule::DropsData));
    assert!(!flags("DROP SCHEMA sales;", Rule::DropsData), "PostgreSQL refuses to drop a schema that holds anything");
    let mysql = check_migration("DROP SCHEMA shop;", None, Dialect::MySql, &LintOptions::default());
    assert!(mysql.iter().any(|f| f.rule == Rule::DropsData), "MySQL's DROP SCHEMA is DROP DATABASE");
}

#[test]
fn vacuum_full_and_cluster_are_rewrites_and_plain_vacuum_is_not() {
    let findings = |sql: &str| check_migration(sql, None, Dialect::Postgres, &LintOptions::default());
    let flags = |sql: &str, rule: Rule| findings(sql).iter().any(|f| f.rule == rule);
    for rewrite in [
        "VACUUM FULL orders;",
        "VACUUM (FULL) orders;",
        "VACUUM (VERBOSE, FULL true) orders;",
        "VACUUM FULL FREEZE VERBOSE ANALYZE orders;",
        "CLUSTER orders;",
        "CLUSTER orders USING orders_pkey;",
        "CLUSTER VERBOSE orders_pkey ON orders;",
    ] {
        let f = findings(rewrite);
        let rewrites: Vec<_> = f.iter().filter(|f| f.rule == Rule::RewritesTable).collect();
        assert_eq!(rewrites.len(), 1, "{rewrite}: {f:?}");
        assert!(rewrites[0].message.contains("orders"), "the finding names the table: {:?}", rewrites[0].message);
        assert!(flags(rewrite, Rule::MissingLockTimeout), "{rewrite} takes ACCESS EXCLUSIVE");
        assert!(!flags(&format!("SET lock_timeout = '2s';\n{rewrite}"), Rule::MissingLockTimeout), "{rewrite}");
    }
    // A bare CLUSTER rewrites every table clustered before: flagged, with no table to name.
    assert!(findings("CLUSTER;").iter().any(|f| f.rule == Rule::RewritesTable && f.message.contains("every table")));
    for plain in ["VACUUM orders;", "VACUUM ANALYZE orders;", "VACUUM FREEZE orders;", "VACUUM (FULL false) orders;"] {
        assert!(!flags(plain, Rule::RewritesTable), "{plain} writes nothing anew");
    }
    // A table the migration creates is empty: nothing to lock out.
    assert!(!flags("CREATE TABLE t (id int);\nVACUUM FULL t;", Rule::RewritesTable));
    // Not PostgreSQL's: other dialects' statements of the same name are left alone.
    assert!(!check_migration("VACUUM;", None, Dialect::Sqlite, &LintOptions::default())
        .iter()
        .any(|f| f.rule == Rule::RewritesTable));
}

#[test]
fn a_domain_constraint_checked_against_its_columns_is_a_scan_that_blocks_writes() {
    let flags = |sql: &str, base: Option<&bellows_core::Schema>| {
        check_migration(sql, base, Dialect::Postgres, &LintOptions::default())
            .into_iter()
            .filter(|f| f.rule == Rule::ScansUnderExclusiveLock)
            .collect::<Vec<_>>()
    };
    for scan in [
        "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);",
        "ALTER DOMAIN positive SET NOT NULL;",
        "ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check;",
    ] {
        assert_eq!(flags(scan, None).len(), 1, "{scan}");
    }
    for quiet in [
        "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;",
        "ALTER DOMAIN positive DROP CONSTRAINT positive_check;",
        "ALTER DOMAIN positive DROP NOT NULL;",
        "ALTER DOMAIN positive RENAME TO strictly_positive;",
        "CREATE DOMAIN positive AS int;\nALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0);",
    ] {
        assert!(flags(quiet, None).is_empty(), "{quiet}");
    }
    // With the schema it runs on: the finding names the tables that use the domain, and a
    // domain no column uses is checked against nothing.
    let base = bellows_core::import(
        "CREATE DOMAIN positive AS int CHECK (VALUE > 0);\nCREATE DOMAIN unused AS int;\nCREATE TABLE orders (id int PRIMARY KEY, qty positive);\nCREATE TABLE notes (id int PRIMARY KEY);",
        Some(Dialect::Postgres),
    )
    .schema;
    let f = flags("ALTER DOMAIN positive SET NOT NULL;", Some(&base));
    assert!(f.len() == 1 && f[0].message.contains("orders") && !f[0].message.contains("notes"), "{f:?}");
    assert!(flags("ALTER DOMAIN unused SET NOT NULL;", Some(&base)).is_empty());

    // Bellows' own plan says so of its step: a domain's VALIDATE holds SHARE on the tables.
    let target = import(
        "CREATE DOMAIN positive AS int CHECK (VALUE > 0) CHECK (VALUE < 1000);\nCREATE DOMAIN unused AS int;\nCREATE TABLE orders (id int PRIMARY KEY, qty positive);\nCREATE TABLE notes (id int PRIMARY KEY);",
        Some(Dialect::Postgres),
    )
    .schema;
    let plan = bellows_core::plan::plan(&base, &target, &Default::default(), &Default::default());
    let validate = plan
        .steps()
        .map(|(_, s)| s)
        .find(|s| s.sql.iter().any(|q| q.contains("VALIDATE CONSTRAINT")))
        .expect("a VALIDATE step");
    assert_eq!(validate.lock.mode, bellows_core::plan::LockMode::Share, "{validate:?}");
    assert_eq!(validate.lock.tables, vec!["orders".to_string()]);
}

#[test]
fn bellows_own_plans_pass_the_safety_rules_they_are_built_for() {
    // The planner's recipes avoid every risk these rules name, so a plan of the fixtures has
    // no such finding; rules a plan may legitimately raise (a one-way enum change) are allowed.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut problems = Vec::new();
    let mut plans = 0;
    for entry in std::fs::read_dir(&root).expect("fixtures") {
        let dir = entry.expect("entry").path();
        let case = std::fs::read_to_string(dir.join("case.toml")).unwrap_or_default();
        if case.contains("sqlite") {
            continue;
        }
        // `renames = ["t.old=new", ...]`: the hints the case gives the diff.
        let renames: Vec<bellows_core::diff::RenameHint> = case
            .lines()
            .filter(|l| l.trim_start().starts_with("renames"))
            .flat_map(|l| l.split('"').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>())
            .filter_map(|h| bellows_core::diff::RenameHint::parse(&h))
            .collect();
        let diff_options = bellows_core::diff::DiffOptions { renames, ..Default::default() };
        let (Ok(before), Ok(after)) =
            (std::fs::read_to_string(dir.join("before.sql")), std::fs::read_to_string(dir.join("after.sql")))
        else {
            continue;
        };
        let base = import(&before, Some(Dialect::Postgres)).schema;
        let target = import(&after, Some(Dialect::Postgres)).schema;
        let plan = bellows_core::plan::plan(&base, &target, &diff_options, &Default::default());
        plans += 1;
        for f in bellows_core::lint::check_plan(&plan, &base, &LintOptions::default()) {
            if matches!(f.rule, Rule::IrreversibleEnumChange) {
                continue;
            }
            // Removing an enum label makes the type anew and converts its columns: a rewrite
            // PostgreSQL offers no way around (an online path through a shadow column is not
            // built), so the plan flags it, as a user must see.
            let title = f
                .step
                .as_ref()
                .and_then(|s| plan.stage(s.stage).and_then(|st| st.steps.get(s.index)))
                .map(|s| s.title.as_str())
                .unwrap_or_default();
            if f.rule == Rule::RewritesTable && title.starts_with("remove '") && title.contains("from enum") {
                continue;
            }
            problems.push(format!("{}: {:?} step {:?}: {}", dir.display(), f.rule, f.step, f.message));
        }
    }
    assert!(plans >= 25, "{plans}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_mysql_migration_bounds_its_metadata_lock_wait() {
    let base = import(
        "CREATE TABLE orders (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, note varchar(20));",
        Some(Dialect::MySql),
    )
    .schema;
    let flagged = |sql: &str| {
        check_migration(sql, Some(&base), Dialect::MySql, &LintOptions::default())
            .iter()
            .any(|f| f.rule == Rule::MissingLockTimeout)
    };
    assert!(flagged("ALTER TABLE orders ADD COLUMN c int NULL, ALGORITHM=INSTANT;"));
    assert!(!flagged(
        "SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN c int NULL, ALGORITHM=INSTANT;"
    ));
    assert!(
        !flagged("ALTER TABLE orders WAIT 5 ADD COLUMN c int NULL, ALGORITHM=INSTANT;"),
        "MariaDB's WAIT bounds it"
    );
}

/// The audit rules whose findings fix themselves: on each rule's own err.sql, the fix applies
/// without a skip and the finding is gone from the audit of the fixed schema; the other audit
/// rules offer no fix there (`table-without-primary-key` offers one only where an `id` column
/// waits to be the key). The corpora test, `fix_corpus.rs`, runs the fixes on real schemas.
#[test]
fn fixable_rules_fix_their_err_input_and_the_others_offer_none() {
    const FIXABLE: &[&str] = &[
        "unindexed-foreign-key",
        "reference-without-foreign-key",
        "foreign-key-type-mismatch",
        "integer-key-may-overflow",
        "timestamp-without-time-zone",
        "json-not-jsonb",
        "money-in-float",
        "fixed-length-char",
        "nullable-primary-key-column",
        "nullable-but-required",
        "redundant-index",
        "serial-not-identity",
        "enum-like-text-without-check",
        "same-concept-different-names",
        "null-together-columns",
        "uuid-in-text",
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint");
    let mut problems = Vec::new();
    for &rule in Rule::ALL.iter().filter(|r| r.doc().family == Family::Audit) {
        let file = root.join(rule.code()).join("err.sql");
        let sql = std::fs::read_to_string(&file).expect("err.sql");
        let dialect = dialect_of(&sql);
        let schema = import(&sql, Some(dialect)).schema;
        let flagged: Vec<_> =
            audit(&schema, dialect, &LintOptions::default()).into_iter().filter(|f| f.rule == rule).collect();
        let fixes: Vec<_> = flagged.iter().filter_map(|f| f.fix.clone()).collect();
        if !FIXABLE.contains(&rule.code()) {
            if !fixes.is_empty() {
                problems.push(format!("{}: offers a fix the list does not name", rule.code()));
            }
            continue;
        }
        if fixes.len() != flagged.len() {
            problems.push(format!("{}: {} of {} findings offer a fix", rule.code(), fixes.len(), flagged.len()));
        }
        let edits = bellows_core::lint::fix_all(&flagged);
        let (fixed, skipped) = bellows_core::edit::apply(&schema, &edits);
        if !skipped.is_empty() {
            problems.push(format!("{}: edits skipped: {skipped:?}", rule.code()));
        }
        let left = audit(&fixed, dialect, &LintOptions::default()).into_iter().filter(|f| f.rule == rule).count();
        if left > 0 {
            problems.push(format!("{}: {left} findings left after the fixes", rule.code()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
