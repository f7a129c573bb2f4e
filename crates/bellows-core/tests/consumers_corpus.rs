//! The consumer resolver against sqlc's own end-to-end cases (`../shared/corpora/queries-sqlc`):
//! 470 schemas with the application queries written for them, by people who are not us.
//!
//! - A case sqlc runs without errors must resolve without an unknown table, alias or column:
//!   every such finding is a false alarm a user would see on working code. The ones left are
//!   listed in `KNOWN`, each with its reason; a new one fails the test, and so does a listed
//!   one that no longer happens.
//! - A case where sqlc reports that a table or column "does not exist" must get a finding on
//!   the same line of the query file.
//!
//! The statements Bellows cannot parse are counted and printed, not hidden: the floor below
//! keeps them from growing.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod support;

use bellows_core::consumers::{check, statements, FindingKind};
use bellows_core::{import, Dialect};
use std::collections::BTreeSet;
use std::path::Path;

/// False alarms on cases sqlc runs cleanly, as `case/engine: name` with why they remain.
const KNOWN: &[(&str, &str)] = &[
    (
        "virtual_table/sqlite",
        "SQLite virtual tables (`CREATE VIRTUAL TABLE ... USING fts5`) are not in Bellows' model: the importer \
         skips them, so statements on them name a table Bellows does not know",
    ),
    (
        "cte_count/mysql",
        "`WITH all_count AS (SELECT count(*) FROM bar) SELECT all_count.count`: MySQL and MariaDB name an \
         unaliased `count(*)` by its text, so the server refuses `all_count.count` (MariaDB 10.11: error 1054, \
         seen by tests/consumers_on_servers.rs); sqlc names it as PostgreSQL does",
    ),
    ("cte_filter/mysql", "the same as cte_count/mysql: `filter_count.count` names a column MySQL calls `count(*)`"),
    (
        "join_left_same_table/mysql",
        "`FROM authors a ... ON (authors.parent_id = p.id)`: MySQL refuses this too (a table aliased `a` is no \
         longer `authors`), sqlc does not check it",
    ),
];

/// At least this share of the statements must parse (per thousand).
const PARSED_FLOOR_PERMILLE: usize = 900;

struct Case {
    folder: String,
    engine: String,
    expected_errors: bool,
    error_kind: String,
}

fn cases(root: &Path) -> Vec<Case> {
    let manifest = std::fs::read_to_string(root.join("queries-sqlc/MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (path, engine, errors, kind) = (col("path"), col("engine"), col("has_expected_errors"), col("error_kind"));
    lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .map(|f| Case {
            folder: f[path].to_string(),
            engine: f[engine].to_string(),
            expected_errors: f[errors] == "yes",
            error_kind: f[kind].to_string(),
        })
        .collect()
}

/// One case read: its folder, its schema and its queries' statements.
struct Loaded {
    dir: std::path::PathBuf,
    dialect: Dialect,
    schema: bellows_core::Schema,
    stmts: Vec<bellows_core::consumers::Statement>,
}

fn load(root: &Path, case: &Case) -> Option<Loaded> {
    let dir = root.join("queries-sqlc").join(&case.folder);
    let schema_sql = std::fs::read_to_string(dir.join("schema.sql")).ok()?;
    let query_sql = std::fs::read_to_string(dir.join("query.sql")).ok()?;
    let dialect = Dialect::parse(&case.engine).expect("engine");
    let schema = import(&schema_sql, Some(dialect)).schema;
    let stmts = statements(&query_sql, dialect);
    Some(Loaded { dir, dialect, schema, stmts })
}

#[test]
fn sqlc_cases_resolve_as_sqlc_resolves_them() {
    let Some(root) = support::corpora() else { return };
    let all = cases(&root);
    assert!(all.len() >= 400, "expected sqlc's 470 cases, found {}", all.len());
    let (mut statements_total, mut parsed, mut clean_cases) = (0usize, 0usize, 0usize);
    // Statements of clean cases, and those with a false alarm (sqlc's verdict: they work).
    let (mut clean_statements, mut alarmed_statements) = (0usize, 0usize);
    let mut false_alarms: BTreeSet<String> = BTreeSet::new();
    let (mut expected_found, mut expected_total) = (0usize, 0usize);
    let mut missed = Vec::new();
    for case in &all {
        let Some(Loaded { dir, dialect, schema, stmts, .. }) = load(&root, case) else { continue };
        let findings = check(&schema, dialect, &stmts);
        statements_total += stmts.len();
        parsed += stmts.len()
            - findings
                .iter()
                .filter(|(_, f)| f.kind == FindingKind::Unreadable)
                .map(|(i, _)| *i)
                .collect::<BTreeSet<_>>()
                .len();
        let name_errors: Vec<_> = findings
            .iter()
            .filter(|(_, f)| {
                matches!(f.kind, FindingKind::UnknownTable | FindingKind::UnknownAlias | FindingKind::UnknownColumn)
            })
            .collect();
        if !case.expected_errors {
            clean_cases += 1;
            clean_statements += stmts.len();
            alarmed_statements += name_errors.iter().map(|(i, _)| *i).collect::<BTreeSet<_>>().len();
            for (i, f) in &name_errors {
                false_alarms.insert(format!(
                    "{}: {} {} at {}: {} ({})",
                    case.folder,
                    stmts[*i].label(),
                    f.kind.code(),
                    f.span,
                    f.message,
                    stmts[*i].text.lines().next().unwrap_or("")
                ));
            }
        } else if case.error_kind == "sql" {
            let expected = std::fs::read_to_string(dir.join("expected-errors.txt")).unwrap_or_default();
            // Only what names a table or column: functions and types are the server's business.
            let about_names =
                |l: &&str| ["column \"", "relation \"", "table alias", "table \""].iter().any(|w| l.contains(w));
            for line in expected
                .lines()
                .filter(|l| l.contains("does not exist") && l.starts_with("query.sql:"))
                .filter(about_names)
            {
                let Some(at) = line.split(':').nth(1).and_then(|n| n.parse::<u32>().ok()) else { continue };
                expected_total += 1;
                if name_errors.iter().any(|(_, f)| f.span.line == at) {
                    expected_found += 1;
                } else {
                    missed.push(format!("{}: {line}", case.folder));
                }
            }
        }
    }
    println!(
        "queries-sqlc: {} cases ({clean_cases} clean), {statements_total} statements, {parsed} parsed; \
         false alarms on clean cases: {}; sqlc's 'does not exist' errors found: {expected_found} of {expected_total}",
        all.len(),
        false_alarms.len()
    );
    // Agreement with sqlc's verdicts: each statement of a clean case that Bellows passes, and
    // each of sqlc's "does not exist" errors Bellows finds.
    let agreed = clean_statements - alarmed_statements + expected_found;
    let judged = clean_statements + expected_total;
    println!(
        "agreement with sqlc: {agreed} of {judged} verdicts ({:.1}%); every disagreement is listed in KNOWN with its reason",
        100.0 * agreed as f64 / judged.max(1) as f64
    );
    for f in &false_alarms {
        println!("  false alarm: {f}");
    }
    for m in &missed {
        println!("  missed: {m}");
    }
    let known: BTreeSet<String> = KNOWN.iter().map(|(k, _)| k.to_string()).collect();
    let new: Vec<&String> = false_alarms.iter().filter(|f| !known.iter().any(|k| f.starts_with(k.as_str()))).collect();
    assert!(new.is_empty(), "{} false alarms on cases sqlc runs cleanly", new.len());
    assert!(agreed * 100 >= judged * 95, "agreement with sqlc below 95%: {agreed} of {judged}");
    assert!(missed.is_empty(), "{} of sqlc's 'does not exist' errors not found", missed.len());
    assert!(
        parsed * 1000 >= statements_total * PARSED_FLOOR_PERMILLE,
        "only {parsed} of {statements_total} statements parse"
    );
}

/// The resolver must see breakage, not only stay quiet: on every clean case, each column some
/// statement names (as a whole word) is removed from the schema in turn, and some statement must
/// then get a finding. A resolver that accepted everything would pass the test above and fail
/// this one.
#[test]
fn removing_a_column_the_queries_use_is_caught() {
    let Some(root) = support::corpora() else { return };
    let (mut mutations, mut caught) = (0usize, 0usize);
    let mut uncaught = Vec::new();
    for case in cases(&root).iter().filter(|c| !c.expected_errors) {
        let Some(Loaded { dialect, schema, stmts, .. }) = load(&root, case) else { continue };
        let before = check(&schema, dialect, &stmts).len();
        // Words of the statements that read or write data, less what `*` stands for (a column
        // that `*` alone reads changes the star's output; it does not break the statement).
        let dml: String = stmts
            .iter()
            .filter(|s| {
                let head = s.text.trim_start().get(..6).unwrap_or("").to_ascii_lowercase();
                ["select", "insert", "update", "delete", "with  ", "with\n"]
                    .iter()
                    .any(|k| head.starts_with(k.trim_end()))
            })
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let words: BTreeSet<String> = dml
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        for (t, table) in schema.tables.iter().enumerate() {
            for (c, column) in table.columns.iter().enumerate() {
                if !words.contains(&column.name.to_ascii_lowercase()) {
                    continue;
                }
                let mut mutated = schema.clone();
                mutated.tables[t].columns.remove(c);
                mutations += 1;
                if check(&mutated, dialect, &stmts).len() > before {
                    caught += 1;
                } else {
                    uncaught.push(format!("{}: {}.{}", case.folder, table.name, column.name));
                }
            }
        }
    }
    println!("queries-sqlc: {caught} of {mutations} removed columns caught");
    for u in uncaught.iter().take(60) {
        println!("  not caught: {u}");
    }
    assert!(mutations >= 700, "expected some 800 columns named by the queries, found {mutations}");
    assert!(caught * 100 >= mutations * CAUGHT_FLOOR_PERCENT, "only {caught} of {mutations} removed columns caught");
}

/// The share of removed columns that must be caught. The rest are names that appear in the
/// query text without reading the column: a parameter or alias of the same name, a column of
/// another table by that name, a statement Bellows cannot parse.
const CAUGHT_FLOOR_PERCENT: usize = 90;
