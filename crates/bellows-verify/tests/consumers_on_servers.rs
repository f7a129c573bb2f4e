//! sqlc's own end-to-end cases (`../shared/corpora/queries-sqlc`: real schemas and the queries
//! written against them, nothing shaped here) on real servers. Each case's schema gets one
//! edit (a rename of a column its queries use, a rename of a table they use, a new NOT NULL
//! column, or a dropped column, by turns), the plan runs through the harness on PostgreSQL,
//! MariaDB or SQLite, and each query runs on the server at every point of the plan with its
//! placeholders bound: what the server does must be what Bellows predicted.
//!
//! A sample of the cases runs by default (every sixth, which keeps each engine and each project's
//! style in the run; `BELLOWS_SQLC_ALL=1` runs them all).
//! Disagreements Bellows cannot settle are listed in `KNOWN` with the reason.

#![allow(clippy::expect_used, clippy::panic)] // a test file: helpers fail the test they serve

use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::edit::Edit;
use bellows_core::model::ColumnId;
use bellows_core::plan::PlanOptions;
use bellows_core::{import, Dialect};
use bellows_verify::{cases, After, Input};

/// (case path, what Bellows and the server disagree on, and why).
const KNOWN: &[(&str, &str)] = &[];

fn server_or_skip(d: Dialect) -> bool {
    let (up, what) = match d {
        Dialect::Postgres => (bellows_verify::server_available(), "PostgreSQL"),
        Dialect::MySql => (bellows_verify::mariadb::server_available(), "MariaDB"),
        Dialect::Sqlite => return true,
    };
    if !up {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no {what} server answers");
    }
    up
}

#[test]
fn sqlc_queries_do_on_real_servers_what_bellows_predicts_at_every_point() {
    let Some(root) = cases::corpora() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the corpora are missing");
        eprintln!("SKIPPED: the sqlc cases need ../shared/corpora");
        return;
    };
    let all = std::env::var_os("BELLOWS_SQLC_ALL").is_some();
    let manifest = std::fs::read_to_string(root.join("queries-sqlc/MANIFEST.tsv")).expect("manifest");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (path_col, engine_col, errors_col) = (col("path"), col("engine"), col("has_expected_errors"));
    let (mut cases_run, mut runs, mut agreed, mut refused) = (0usize, 0u64, 0u64, 0u64);
    let mut skipped = Vec::new();
    let mut harness_notes = Vec::new();
    let mut disagreements = Vec::new();
    let mut known_seen = Vec::new();
    // Why the server refused statements for what Bellows does not check, with how often.
    let mut uncompared: std::collections::BTreeMap<String, (usize, String)> = std::collections::BTreeMap::new();
    // `BELLOWS_SQLC_FILTER=mysql` runs the cases whose path holds it.
    let filter = std::env::var("BELLOWS_SQLC_FILTER").unwrap_or_default();
    let mut uncompared_runs = 0usize;
    let mut not_queries = 0u64;
    let rows: Vec<Vec<&str>> =
        lines.map(|l| l.split('\t').collect()).filter(|r: &Vec<&str>| r[errors_col] == "no").collect();
    // The cases are read here and run below side by side (`BELLOWS_JOBS`, one per core).
    let mut prepared: Vec<(&str, Edit, Input)> = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let path = row[path_col];
        if (!all && n % 6 != 0) || !path.contains(&filter) {
            continue;
        }
        let dir = root.join("queries-sqlc").join(path);
        let (Ok(schema_sql), Ok(query_sql)) =
            (std::fs::read_to_string(dir.join("schema.sql")), std::fs::read_to_string(dir.join("query.sql")))
        else {
            continue;
        };
        let d = Dialect::parse(row[engine_col]).expect("engine");
        if !server_or_skip(d) {
            skipped.push(format!("{path}: no server"));
            continue;
        }
        let base = import(&schema_sql, Some(d)).schema;
        let words: std::collections::BTreeSet<String> =
            query_sql.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(str::to_ascii_lowercase).collect();
        let Some(table) = base.tables.iter().find(|t| words.contains(&t.name.to_ascii_lowercase())) else {
            skipped.push(format!("{path}: its queries name no table of its schema"));
            continue;
        };
        let used = table.columns.iter().find(|c| words.contains(&c.name.to_ascii_lowercase()) && c.generated.is_none());
        let fresh = ColumnId(base.tables.iter().flat_map(|t| t.columns.iter()).map(|c| c.id.0).max().unwrap_or(0) + 1);
        let edit = match (n / 3 % 4, used) {
            (0, Some(c)) => Edit::RenameColumn { table: table.id, column: c.id, to: format!("{}_v2", c.name) },
            (1, _) => Edit::RenameTable { table: table.id, to: format!("{}_v2", table.name) },
            // (A table keeps at least one column.)
            (3, Some(c)) if table.columns.len() > 1 => Edit::DropColumn { table: table.id, column: c.id },
            _ => Edit::AddColumn {
                table: table.id,
                column: fresh,
                name: "added_v2".into(),
                data_type: "integer".into(),
                nullable: false,
            },
        };
        let input = Input {
            name: format!("sqlc {path}"),
            dir: None,
            dialect: d,
            before: schema_sql.clone(),
            after: After::Edits(vec![edit.clone()]),
            diff: DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
            options: PlanOptions { dialect: d, ..PlanOptions::default() },
            rows: Some(20),
            focus: false,
            consumers: Some(query_sql.clone()),
        };
        prepared.push((path, edit, input));
    }
    let outcomes = bellows_verify::cases::each_in_parallel(
        &prepared,
        bellows_verify::cases::jobs(),
        |_, (_, _, input)| bellows_verify::verify(input),
        |_, _| (),
    );
    for ((path, edit, _), outcome) in prepared.iter().zip(outcomes) {
        let path = *path;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                skipped.push(format!("{path}: {e}"));
                continue;
            }
        };
        if let Some(why) = outcome.skipped.as_ref().or(outcome.blocked.as_ref()) {
            skipped.push(format!("{path}: {why}"));
            continue;
        }
        cases_run += 1;
        for r in &outcome.runs {
            runs += r.consumers.runs;
            agreed += r.consumers.agreed;
            refused += r.consumers.refused;
            not_queries += r.consumers.not_queries;
            uncompared_runs += r.consumers.uncompared.len();
            for u in &r.consumers.uncompared {
                // The server's reason, without the case's names and numbers.
                let reason = u.lines().next().unwrap_or("").splitn(3, ": ").nth(2).unwrap_or("").to_string();
                let reason: String = reason.chars().take(60).collect();
                let entry = uncompared.entry(reason).or_insert_with(|| (0, format!("{path}: {u}")));
                entry.0 += 1;
            }
            let problems: Vec<String> = r.problems().into_iter().filter(|p| !p.starts_with("consumer:")).collect();
            if !problems.is_empty() {
                harness_notes.push(format!("{path} {edit:?}: {}", problems.join("; ")));
            }
            for m in &r.consumers.mismatches {
                match KNOWN.iter().find(|(p, what)| *p == path && m.contains(what)) {
                    Some(k) => known_seen.push(k.0),
                    None => disagreements.push(format!("{path} {edit:?}: {m}")),
                }
            }
        }
    }
    let compared = runs - uncompared_runs as u64;
    println!(
        "sqlc on real servers: {cases_run} cases, {runs} statement runs at the plans' points; of the {compared} the server judged on names, {agreed} as predicted ({:.1}%, {refused} refused as predicted), {} disagreements ({} listed as known); {uncompared_runs} runs refused for what Bellows does not check; {not_queries} DDL statements in query files not run; {} cases not run",
        100.0 * agreed as f64 / compared.max(1) as f64,
        disagreements.len() + known_seen.len(),
        known_seen.len(),
        skipped.len()
    );
    let mut reasons: Vec<(&String, &(usize, String))> = uncompared.iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1 .0));
    for (reason, (n, example)) in reasons.iter().take(25) {
        println!("  not judged on names ({n}): {reason}\n      for example {}", example.replace('\n', "\n      "));
    }
    for s in &skipped {
        println!("  not run: {s}");
    }
    for h in &harness_notes {
        println!("  harness: {h}");
    }
    for (path, what) in KNOWN {
        assert!(known_seen.contains(path) || !all, "{path}: the known disagreement `{what}` no longer happens");
    }
    // Every sixth case gives 73, of which 54 ran on 2026-12-04 (the rest name no table the
    // plan touches or need what the servers here lack).
    assert!(cases_run >= 50 || !server_or_skip(Dialect::Postgres), "expected the sample to run, ran {cases_run}");
    assert!(disagreements.is_empty(), "Bellows and the server disagree:\n{}", disagreements.join("\n"));
}
