//! Statements from a server's own statistics: PostgreSQL's `pg_stat_statements` and MySQL's or
//! MariaDB's `events_statements_summary_by_digest`, exported as CSV with a header row.
//!
//! Which export it is comes from the header: a `query` column (PostgreSQL, `$1` placeholders) or
//! a `DIGEST_TEXT` column (MySQL, `?` placeholders, value lists folded to `(...)`). A digest text
//! the server cut at its limit (1,024 bytes by default) is reported as truncated, never guessed at.

use super::Statement;
use crate::{Diagnostic, Severity, Span};

/// MySQL's `performance_schema_max_digest_length` default: a digest text this long was cut.
pub const DIGEST_LIMIT: usize = 1024;

/// The statements of an export, and what could not be taken from it (a truncated digest, a row
/// without a statement), each with the line of its row.
pub fn statements_from_export(text: &str) -> Result<(Vec<Statement>, Vec<Diagnostic>), String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| format!("not a CSV export: {e}"))?.clone();
    let find = |names: &[&str]| header.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
    let (column, digest) = match (find(&["query"]), find(&["digest_text"])) {
        (Some(c), _) => (c, false),
        (None, Some(c)) => (c, true),
        (None, None) => return Err(
            "neither a pg_stat_statements export (a `query` column) nor a MySQL digest export (a `DIGEST_TEXT` column)"
                .into(),
        ),
    };
    let id = if digest { find(&["digest"]) } else { find(&["queryid"]) };
    let mut statements = Vec::new();
    let mut notes = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("CSV: {e}"))?;
        let line = record.position().map_or(0, |p| p.line()) as u32;
        let at = Span::new(line, 1);
        let Some(sql) = record.get(column).map(str::trim).filter(|s| !s.is_empty() && *s != "NULL") else {
            notes.push(Diagnostic::new("empty-statement", Severity::Info, at, "this row has no statement text"));
            continue;
        };
        let name = id.and_then(|i| record.get(i)).filter(|v| !v.is_empty()).map(|v| {
            if digest {
                format!("digest {}", v.get(..12).unwrap_or(v))
            } else {
                format!("queryid {v}")
            }
        });
        if digest && (sql.len() >= DIGEST_LIMIT || sql.ends_with("...")) {
            notes.push(
                Diagnostic::new(
                    "truncated-statement",
                    Severity::Warning,
                    at,
                    format!(
                        "{}: the server cut this digest text at its length limit, so it is not checked",
                        name.as_deref().unwrap_or("statement")
                    ),
                )
                .with_help("raise performance_schema_max_digest_length (and max_digest_length) to see it whole"),
            );
            continue;
        }
        // Where the cell's text stands in the file, when it is there as written (no doubled
        // quotes inside), so findings point into the file; else the row's first column.
        let byte = record.position().map_or(0, |p| p.byte() as usize);
        let start =
            text.get(byte..).and_then(|rest| rest.find(sql)).map_or(at, |found| position_of(text, byte + found));
        let text = if digest { unfold_lists(sql) } else { sql.to_string() };
        statements.push(Statement { name, text, start });
    }
    Ok((statements, notes))
}

/// The line and column (characters, from 1) of a byte offset.
fn position_of(text: &str, byte: usize) -> Span {
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Span::new(line, column)
}

/// A digest writes a list of values as `(...)`: one placeholder in its place, padded to the same
/// width so positions hold.
fn unfold_lists(sql: &str) -> String {
    sql.replace("(...)", "(?  )")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_stat_statements_rows_become_statements() {
        let csv = "userid,dbid,queryid,query,calls\n10,5,-4411,\"SELECT id, name FROM authors WHERE id = $1\",12\n10,5,77,\"UPDATE authors\nSET bio = $1 WHERE id = $2\",3\n";
        let (s, notes) = statements_from_export(csv).expect("export");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name.as_deref(), Some("queryid -4411"));
        assert_eq!(s[0].text, "SELECT id, name FROM authors WHERE id = $1");
        assert_eq!(s[0].start, Span::new(2, 13));
        assert_eq!(s[1].start, Span::new(3, 10));
        assert!(notes.is_empty());
    }

    #[test]
    fn a_cut_digest_is_reported_not_guessed() {
        let long = format!("SELECT `a` FROM `t` WHERE `b` IN {}", "(...) OR `b` IN ".repeat(80));
        let csv = format!(
            "SCHEMA_NAME,DIGEST,DIGEST_TEXT,COUNT_STAR\napp,abcdef0123456789,SELECT `name` FROM `authors` WHERE `id` IN (...),4\napp,ffff,\"{long}\",1\n"
        );
        let (s, notes) = statements_from_export(&csv).expect("export");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name.as_deref(), Some("digest abcdef012345"));
        assert_eq!(s[0].text, "SELECT `name` FROM `authors` WHERE `id` IN (?  )");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].code, "truncated-statement");
        assert_eq!(notes[0].span.line, 3);
    }

    #[test]
    fn an_export_without_a_statement_column_is_refused() {
        assert!(statements_from_export("a,b\n1,2\n").is_err());
    }
}
