//! The importer against every real schema in `../shared/corpora`: for each file, the tables,
//! columns and foreign keys it imports equal an independent count over the text, nothing
//! panics, every statement left out is reported, and export -> import gives the same model.
//!
//! The counter below shares no code with the importer: it strips comments, strings and
//! dollar-quoted bodies, then counts `CREATE TABLE` bodies' items, `ALTER TABLE ... ADD` items
//! and `DROP TABLE`s by plain text scanning.

mod support;

use bellows_core::{import, Dialect, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    tables: usize,
    columns: usize,
    foreign_keys: usize,
}

/// Blanks comments, quoted strings and dollar-quoted bodies; keeps identifiers in double quotes
/// and backticks (unquoted, lowercased later).
fn strip(text: &str, dialect: Dialect) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == b'-' && next == Some(b'-') || (c == b'#' && dialect != Dialect::Postgres) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let line_start = i == 0 || b[i - 1] == b'\n';
        if c == b'\\' && line_start && dialect == Dialect::Postgres {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            out.push(';'); // a meta-command ends the statement before it
            continue;
        }
        if c == b'/' && next == Some(b'*') {
            let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            out.push(' ');
            i = end;
            continue;
        }
        if c == b'\'' {
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == b'\\' && dialect == Dialect::MySql {
                    i += 2;
                    continue;
                }
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let inner = &text[start + 1..i.min(b.len())];
            i += 1;
            if !inner.is_empty() && inner.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                out.push_str(inner); // `SET search_path = 'cover_art_archive'` keeps its value
            } else {
                out.push_str("''");
            }
            continue;
        }
        if c == b'$' && dialect == Dialect::Postgres {
            // $tag$ ... $tag$
            let tag_end = text[i + 1..].find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).map(|e| i + 1 + e);
            if let Some(te) = tag_end {
                if b.get(te) == Some(&b'$') {
                    let tag = &text[i..=te];
                    let body_end = text[te + 1..].find(tag).map_or(b.len(), |e| te + 1 + e + tag.len());
                    out.push_str("''");
                    i = body_end;
                    continue;
                }
            }
        }
        if c == b'"' || c == b'`' || (c == b'[' && dialect == Dialect::Sqlite) {
            let close = if c == b'[' { b']' } else { c };
            let end = b[i + 1..].iter().position(|&x| x == close).map_or(b.len(), |e| i + 1 + e);
            out.push_str(&text[i + 1..end].replace([' ', '.'], "_"));
            i = end + 1;
            continue;
        }
        out.push(c as char);
        i += 1;
    }
    out
}

/// The text of the balanced parentheses that open at `open`.
fn balanced(text: &str, open: usize) -> Option<&str> {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[open + 1..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top_level(body: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&body[start..]);
    items.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

const TYPE_WORDS: &[&str] =
    &["varchar", "char", "character", "int", "integer", "text", "numeric", "decimal", "bit", "varbinary", "binary"];

/// An item of a table body or an ADD clause, as words with parentheses standing alone.
fn item_words(item: &str) -> Vec<String> {
    item.replace('(', " ( ").replace(')', " ) ").split_whitespace().map(str::to_string).collect()
}

/// True when the item is a constraint or index rather than a column. `key text PRIMARY KEY` and
/// `fulltext tsvector` are columns; `KEY name (a)`, `UNIQUE (a)`, `CHECK (x)` are not.
fn is_constraint(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    match w(0) {
        "constraint" | "like" => true,
        "exclude" => matches!(w(1), "using" | "("),
        "primary" | "foreign" => w(1) == "key",
        "unique" | "key" | "index" | "fulltext" | "spatial" | "check" => {
            w(1) == "("
                || matches!(w(1), "key" | "index")
                || (w(2) == "(" && !TYPE_WORDS.contains(&w(1)))
                || w(1) == "using"
        }
        _ => false,
    }
}

/// Unqualified names go to the first schema of `search_path` (PostgreSQL).
fn qualify(name: &str, search_path: &Option<String>) -> String {
    let short = short_name(name);
    match search_path {
        Some(ns) if !short.contains('.') => format!("{ns}.{short}"),
        _ => short,
    }
}

fn short_name(qualified: &str) -> String {
    let q = qualified.trim().to_lowercase();
    match q.rsplit_once('.') {
        Some((ns, n)) if ns == "public" || ns == "main" => n.to_string(),
        _ => q,
    }
}

fn count(text: &str, dialect: Dialect) -> Counts {
    let tables = count_tables(text, dialect);
    Counts {
        tables: tables.len(),
        columns: tables.values().map(|t| t.0).sum(),
        foreign_keys: tables.values().map(|t| t.1).sum(),
    }
}

fn count_tables(text: &str, dialect: Dialect) -> BTreeMap<String, (usize, usize)> {
    scan(text, dialect).into_iter().map(|(name, (columns, fks))| (name, (columns.len(), fks))).collect()
}

/// Reads the stripped text statement by statement: table name -> (column names, foreign keys).
/// Column names are a set because PostgreSQL merges a column re-declared over an inherited one.
fn scan(text: &str, dialect: Dialect) -> BTreeMap<String, (BTreeSet<String>, usize)> {
    let text = strip(text, dialect).to_lowercase();
    // name -> (columns, foreign keys)
    let mut tables: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    let mut search_path: Option<String> = None;
    for statement in text.split(';') {
        let words: Vec<&str> = statement.split_whitespace().collect();
        if words.first() == Some(&"set") && words.get(1) == Some(&"search_path") {
            let value =
                words.get(2..).unwrap_or(&[]).iter().find(|w| !matches!(**w, "=" | "to")).copied().unwrap_or("public");
            let first = value.trim_end_matches(',');
            search_path = if first == "public" || first == "''" { None } else { Some(first.to_string()) };
            continue;
        }
        let create_at = if words.first() == Some(&"create") { Some(0) } else { None };
        let mut i = create_at.map_or(usize::MAX - 4, |c| c + 1);
        let mut temporary = false;
        while matches!(words.get(i), Some(&("temporary" | "temp" | "unlogged" | "global" | "local"))) {
            temporary |= matches!(words.get(i), Some(&("temporary" | "temp")));
            i += 1;
        }
        if words.get(i) == Some(&"table") {
            i += 1;
            let mut if_not_exists = false;
            if words.get(i..i + 3) == Some(&["if", "not", "exists"]) {
                i += 3;
                if_not_exists = true;
            }
            let Some(raw_name) = words.get(i) else { continue };
            let name = qualify(raw_name.split('(').next().unwrap_or(raw_name), &search_path);
            if temporary || (if_not_exists && tables.contains_key(&name)) {
                continue;
            }
            let after_name = statement.find(raw_name).map_or(0, |p| p + raw_name.len()) - raw_name.len()
                + raw_name.split('(').next().unwrap_or(raw_name).len();
            let rest = &statement[after_name..];
            let rest_words: Vec<&str> = rest.split_whitespace().collect();
            let mut columns = BTreeSet::new();
            let mut fks = 0;
            if rest_words.first() == Some(&"partition") && rest_words.get(1) == Some(&"of") {
                let parent = qualify(rest_words.get(2).unwrap_or(&""), &search_path);
                columns = tables.get(&parent).map(|t| t.0.clone()).unwrap_or_default();
            } else if let Some(open) = rest.find('(').filter(|&o| rest[..o].trim().is_empty()) {
                if let Some(body) = balanced(rest, open) {
                    for item in split_top_level(body) {
                        let words = item_words(item);
                        if words.first().map(String::as_str) == Some("like") {
                            let source = qualify(words.get(1).map_or("", String::as_str), &search_path);
                            columns.extend(tables.get(&source).map(|t| t.0.clone()).unwrap_or_default());
                        } else if !is_constraint(&words) {
                            columns.insert(words[0].clone());
                        }
                        if item.split_whitespace().any(|w| w == "references" || w.starts_with("references")) {
                            fks += 1;
                        }
                    }
                    let tail = &rest[open + body.len() + 2..];
                    if let Some(p) = tail.find("inherits") {
                        if let Some(open) = tail[p..].find('(') {
                            let parents = balanced(&tail[p..], open).unwrap_or("");
                            for parent in parents.split(',') {
                                columns.extend(
                                    tables.get(&qualify(parent, &search_path)).map(|t| t.0.clone()).unwrap_or_default(),
                                );
                            }
                        }
                    }
                }
            }
            tables.insert(name, (columns, fks));
            continue;
        }
        // ALTER TABLE [ONLY] [IF EXISTS] name ADD ...
        if words.first() != Some(&"alter") {
            continue;
        }
        let mut i = 1;
        if words.get(i) != Some(&"table") {
            continue;
        }
        i += 1;
        while matches!(words.get(i), Some(&("only" | "if" | "exists"))) {
            i += 1;
        }
        let Some(name) = words.get(i).map(|n| qualify(n, &search_path)) else { continue };
        let body = words[i + 1..].join(" ");
        for clause in split_top_level(&body) {
            let w = item_words(clause);
            // A name the current search_path does not find: psql would fail, but a reader (and
            // the importer) takes the one table of that name.
            let short = name.rsplit('.').next().unwrap_or(&name).to_string();
            let key = if tables.contains_key(&name) {
                name.clone()
            } else if tables.contains_key(&short) {
                short.clone()
            } else {
                let mut same = tables.keys().filter(|k| k.rsplit('.').next() == Some(short.as_str()));
                match (same.next(), same.next()) {
                    (Some(only), None) => only.clone(),
                    _ => name.clone(),
                }
            };
            let Some(entry) = tables.get_mut(&key) else { continue };
            if w.first().map(String::as_str) == Some("drop")
                && !matches!(w.get(1).map(String::as_str), Some("constraint" | "default" | "not"))
            {
                let column = w[1..].iter().find(|w| !matches!(w.as_str(), "column" | "if" | "exists"));
                if let Some(column) = column {
                    entry.0.remove(column);
                }
                continue;
            }
            if w.first().map(String::as_str) != Some("add") {
                continue;
            }
            let rest = &w[1..];
            if rest.iter().any(|x| x == "foreign") || (!is_constraint(rest) && rest.iter().any(|x| x == "references")) {
                entry.1 += 1;
            }
            if rest.first().map(String::as_str) == Some("column") || !is_constraint(rest) {
                let name = rest.iter().find(|w| !matches!(w.as_str(), "column" | "if" | "not" | "exists"));
                entry.0.insert(name.cloned().unwrap_or_default());
            }
        }
    }
    // DROP TABLE is rare in these dumps and always precedes the CREATE, so it is left out.
    tables
}

/// The tables whose counts differ, for the failure message.
fn differences(schema: &bellows_core::Schema, expected: &BTreeMap<String, (usize, usize)>) -> String {
    let mut got: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for t in &schema.tables {
        got.insert(t.qualified_name().to_lowercase(), (t.columns.len(), t.foreign_keys.len()));
    }
    let mut out = Vec::new();
    for (name, e) in expected {
        match got.get(name) {
            Some(g) if g == e => {}
            g => out.push(format!("{name}: imported {g:?}, text {e:?}")),
        }
    }
    for name in got.keys().filter(|n| !expected.contains_key(*n)) {
        out.push(format!("{name}: imported, not in the text"));
    }
    out.truncate(8);
    out.join("; ")
}

#[test]
fn every_corpus_schema_imports_with_all_its_tables_columns_and_foreign_keys() {
    let Some(root) = support::corpora() else { return };
    let files = support::schema_files(&root);
    assert!(files.len() >= 40, "expected the corpus schema files, found {}", files.len());
    let mut failures = Vec::new();
    let mut report = String::from(
        "| file | dialect | tables | columns | FKs | statements | applied | recovered | skipped | failed |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for path in &files {
        let name = support::relative(&root, path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dialect = support::dialect_of(path);
        let result = import(&text, Some(dialect));
        let expected = count(&text, dialect);
        let got = Counts {
            tables: result.schema.tables.len(),
            columns: result.schema.column_count(),
            foreign_keys: result.schema.foreign_key_count(),
        };
        let s = result.stats;
        report.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            dialect.id(),
            got.tables,
            got.columns,
            got.foreign_keys,
            s.statements,
            s.applied,
            s.recovered,
            s.skipped,
            s.failed
        ));
        if got != expected {
            let detail = differences(&result.schema, &count_tables(&text, dialect));
            failures.push(format!("{name}: imported {got:?}, the text has {expected:?}: {detail}"));
        }
        // The schema against itself changes nothing (an object the text defines twice, as
        // `CREATE OR REPLACE VIEW` does, is one object).
        let same = bellows_core::diff::diff(&result.schema, &result.schema, &Default::default()).changes;
        if !same.is_empty() {
            let first: Vec<String> = same.iter().take(3).map(|c| c.describe()).collect();
            failures.push(format!("{name}: against itself, {} changes: {}", same.len(), first.join("; ")));
        }
        // Every statement is accounted for, and each one left out carries a diagnostic.
        assert_eq!(s.statements, s.applied + s.recovered + s.skipped + s.failed, "{name}");
        let reported = result
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(d.code.as_ref(), "skipped-statement" | "skipped-meta-command") || d.code == "parse-error"
            })
            .count();
        assert_eq!(reported, s.skipped + s.failed, "{name}: every skipped or failed statement is reported");
        let errors: Vec<String> = result
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{name}:{d}"))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{name}: {} errors, first: {}", errors.len(), errors[0]));
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{} files differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_counter_counts_what_it_should() {
    let sql = "-- CREATE TABLE not_this (x int);\nCREATE TABLE public.a (id int PRIMARY KEY, b_id int REFERENCES b, \
               note text DEFAULT 'x, y', CONSTRAINT c CHECK (id > 0));\n\
               CREATE FUNCTION f() RETURNS void AS $$ CREATE TABLE inner_t (x int); $$ LANGUAGE sql;\n\
               ALTER TABLE ONLY a ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES b(id), ADD COLUMN z int;";
    let c = count(sql, Dialect::Postgres);
    assert_eq!(c, Counts { tables: 1, columns: 4, foreign_keys: 2 });
    let _ = Path::new("");
}

#[test]
fn dialect_detection_never_loses_anything() {
    // Some files are valid in two dialects (Synapse's SQLite schema is plain SQL that PostgreSQL
    // reads too), so the test is what matters to a user: importing with the detected dialect
    // gives the same tables, columns and foreign keys, and no more errors, than the true one.
    let Some(root) = support::corpora() else { return };
    let mut lost = Vec::new();
    let mut exact = 0;
    let files = support::schema_files(&root);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let truth = support::dialect_of(path);
        let detected = bellows_core::import::detect_dialect(&text);
        exact += usize::from(detected == truth);
        if detected == truth {
            continue;
        }
        let (a, b) = (import(&text, Some(truth)), import(&text, Some(detected)));
        let counts = |r: &bellows_core::Import| {
            (r.schema.tables.len(), r.schema.column_count(), r.schema.foreign_key_count(), r.errors().count())
        };
        if counts(&a) != counts(&b) {
            lost.push(format!(
                "{}: detected {}: {:?} instead of {:?}",
                support::relative(&root, path),
                detected.id(),
                counts(&b),
                counts(&a)
            ));
        }
    }
    println!("dialect detection: {exact} of {} files exactly", files.len());
    assert!(lost.is_empty(), "{}", lost.join("\n"));
    assert!(exact * 10 >= files.len() * 8, "only {exact} of {} detected exactly", files.len());
}
