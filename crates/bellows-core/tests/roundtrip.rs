//! import -> export -> import gives the same model: for every corpus schema in its own dialect,
//! and, across dialects, the same tables, columns and foreign keys with no error.

mod support;

use bellows_core::render::{schema_sql, DdlOptions};
use bellows_core::{import, ColumnId, Dialect, Schema, Severity, Span, TableId};

/// The model without what an export cannot keep: ids (renumbered in export order), source
/// positions, and order (tables come out in dependency order).
fn canonical(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for table in &mut s.tables {
        table.id = TableId(0);
        table.span = Span::new(0, 0);
        for column in &mut table.columns {
            column.id = ColumnId(0);
            column.span = Span::new(0, 0);
        }
        for index in &mut table.indexes {
            index.span = Span::new(0, 0);
        }
        // Constraint order carries no meaning (and a foreign key in a cycle comes back last).
        table.foreign_keys.sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
        table.uniques.sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s.tables.sort_by_key(|t| t.qualified_name().to_lowercase());
    for v in &mut s.views {
        v.span = Span::new(0, 0);
    }
    for e in &mut s.enums {
        e.span = Span::new(0, 0);
    }
    for q in &mut s.sequences {
        q.span = Span::new(0, 0);
    }
    // Routines come out in two groups (before and after the tables); each keeps its text.
    s.routines.sort_by(|a, b| (&a.namespace, &a.name, &a.arguments).cmp(&(&b.namespace, &b.name, &b.arguments)));
    for r in &mut s.routines {
        r.span = Span::new(0, 0);
    }
    for t in &mut s.triggers {
        t.span = Span::new(0, 0);
    }
    for p in &mut s.policies {
        p.span = Span::new(0, 0);
    }
    for d in &mut s.domains {
        d.span = Span::new(0, 0);
        d.definition = String::new(); // written anew from the model
    }
    for o in &mut s.others {
        o.span = Span::new(0, 0);
    }
    s
}

fn first_difference(a: &Schema, b: &Schema) -> String {
    let a = serde_json::to_string_pretty(a).unwrap_or_default();
    let b = serde_json::to_string_pretty(b).unwrap_or_default();
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = la.iter().zip(&lb).position(|(x, y)| x != y).unwrap_or(la.len().min(lb.len()));
    let from = at.saturating_sub(4);
    format!(
        "first import:\n{}\nafter export and import:\n{}",
        la[from..(at + 3).min(la.len())].join("\n"),
        lb[from..(at + 3).min(lb.len())].join("\n")
    )
}

#[test]
fn every_corpus_schema_round_trips_in_its_own_dialect() {
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    for path in support::schema_files(&root) {
        let name = support::relative(&root, &path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dialect = support::dialect_of(&path);
        let first = import(&text, Some(dialect));
        let sql = schema_sql(&first.schema, DdlOptions { source: dialect, target: dialect });
        let second = import(&sql, Some(dialect));
        let errors: Vec<String> =
            second.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect();
        if !errors.is_empty() {
            failures.push(format!("{name}: the export does not re-import: {}", errors[0]));
            continue;
        }
        let (a, b) = (canonical(&first.schema), canonical(&second.schema));
        if a != b {
            failures.push(format!("{name}: the model changed:\n{}", first_difference(&a, &b)));
        }
    }
    assert!(failures.is_empty(), "{} files:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn every_corpus_schema_exports_to_the_other_dialects() {
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    for path in support::schema_files(&root) {
        let name = support::relative(&root, &path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = support::dialect_of(&path);
        let first = import(&text, Some(source));
        for target in Dialect::ALL.into_iter().filter(|d| *d != source) {
            let sql = schema_sql(&first.schema, DdlOptions { source, target });
            let second = import(&sql, Some(target));
            let errors: Vec<String> =
                second.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect();
            let counts = |s: &Schema| (s.tables.len(), s.column_count(), s.foreign_key_count());
            if !errors.is_empty() {
                failures.push(format!("{name} -> {}: {} errors, first: {}", target.id(), errors.len(), errors[0]));
            } else if counts(&first.schema) != counts(&second.schema) {
                failures.push(format!(
                    "{name} -> {}: {:?} became {:?}",
                    target.id(),
                    counts(&first.schema),
                    counts(&second.schema)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} exports:\n{}", failures.len(), failures.join("\n"));
}
