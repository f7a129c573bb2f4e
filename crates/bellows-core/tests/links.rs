//! Short links over real schemas: every corpus schema, with a deterministic set of edits, goes
//! into a link and comes out as the same design (the same tables, edits and plan), and the
//! links stay short enough to paste in a chat.
//!
//! `cargo test -p bellows-core --test links -- --nocapture` prints each link's length.

mod support;

use bellows_core::analysis::{analyze, from_wire, to_wire, Analysis};
use bellows_core::edit::{next_ids, Edit};
use bellows_core::share::{decode, encode, Design};
use bellows_core::{import, Dialect, Schema, TypeKind};
use std::path::Path;

/// Source positions aside (a link carries none; they point into the regenerated text).
fn without_spans<T: serde::Serialize>(value: &T) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(value).unwrap_or_default();
    strip(&mut v);
    v
}

/// The five edits of the trial, picked deterministically from any schema: rename a
/// column, set one NOT NULL, add a column, widen a type, rename a table. Each on a different
/// table where the schema has enough of them.
fn five_edits(base: &Schema, dialect: Dialect) -> Vec<Edit> {
    let mut edits = Vec::new();
    let tables: Vec<_> = base.tables.iter().filter(|t| t.partition_of.is_none() && t.columns.len() >= 2).collect();
    let mut used = Vec::new();
    let mut pick = |pred: &dyn Fn(&bellows_core::model::Column) -> bool| {
        for t in &tables {
            if used.contains(&t.id) && used.len() < tables.len() {
                continue;
            }
            if let Some(c) = t.columns.iter().find(|c| pred(c)) {
                used.push(t.id);
                return Some((t.id, c.id, c.name.clone()));
            }
        }
        None
    };
    let not_key = |c: &bellows_core::model::Column| !c.name.eq_ignore_ascii_case("id") && c.identity.is_none();
    if let Some((t, c, name)) = pick(&|c| not_key(c)) {
        edits.push(Edit::RenameColumn { table: t, column: c, to: format!("{name}_renamed") });
    }
    if let Some((t, c, _)) = pick(&|c| c.nullable && c.generated.is_none()) {
        edits.push(Edit::SetNullable { table: t, column: c, nullable: false });
    }
    if let Some(t) = tables.get(tables.len() / 2) {
        let (_, column) = next_ids(base, &edits);
        let ty = if dialect == Dialect::Sqlite { "TEXT" } else { "varchar(40)" };
        edits.push(Edit::AddColumn {
            table: t.id,
            column,
            name: "added_note".into(),
            data_type: ty.into(),
            nullable: true,
        });
    }
    if let Some((t, c, _)) = pick(&|c| matches!(c.data_type.kind, TypeKind::Varchar { length: Some(_) })) {
        edits.push(Edit::SetType { table: t, column: c, data_type: "varchar(500)".into() });
    }
    if let Some(t) = tables.last() {
        edits.push(Edit::RenameTable { table: t.id, to: format!("{}_renamed", t.name) });
    }
    edits
}

fn sorted<T: serde::Serialize>(items: &[T]) -> serde_json::Value {
    let mut all: Vec<String> = items.iter().map(|i| without_spans(i).to_string()).collect();
    all.sort();
    serde_json::Value::from(all)
}

fn same_analysis(a: &Analysis, b: &Analysis) -> Result<(), String> {
    let checks = [
        ("base model", without_spans(&a.base.schema), without_spans(&b.base.schema)),
        ("target", without_spans(&a.target), without_spans(&b.target)),
        ("changes", without_spans(&a.changes), without_spans(&b.changes)),
        ("plan", without_spans(&a.plan), without_spans(&b.plan)),
        // Findings are listed in the order of the text they point into, and the regenerated
        // text orders tables by their references: the same findings, maybe in another order.
        ("audit", sorted(&a.audit), sorted(&b.audit)),
        ("plan findings", sorted(&a.plan_findings), sorted(&b.plan_findings)),
    ];
    for (what, x, y) in checks {
        if x != y {
            let (x, y) = (x.to_string(), y.to_string());
            let at = x.bytes().zip(y.bytes()).position(|(p, q)| p != q).unwrap_or(x.len().min(y.len()));
            let from = at.saturating_sub(120);
            return Err(format!(
                "{what} differs:\n  link-less: {}\n  via link:  {}",
                x.get(from..(at + 200).min(x.len())).unwrap_or(""),
                y.get(from..(at + 200).min(y.len())).unwrap_or("")
            ));
        }
    }
    if a.skipped_edits != b.skipped_edits || a.dialect != b.dialect {
        return Err(format!("skipped edits or dialect differ: {:?} vs {:?}", a.skipped_edits, b.skipped_edits));
    }
    Ok(())
}

struct Measured {
    name: String,
    tables: usize,
    source: usize,
    link: usize,
}

fn measure(root: &Path, path: &Path) -> Result<Measured, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let dialect = support::dialect_of(path);
    let base = import(&text, Some(dialect));
    let mut design = Design::new(text.clone());
    design.dialect = Some(dialect);
    design.edits = five_edits(&base.schema, dialect);
    if let Some(t) = base.schema.tables.first() {
        design.positions.insert(t.id.0, (412.0, 96.0));
    }
    let link = encode(&design);
    let back = decode(&link)?;
    if back.edits != design.edits
        || back.positions != design.positions
        || back.options.pg_version != design.options.pg_version
    {
        return Err("the edits, positions or options changed".into());
    }
    let analysis = analyze(&design);
    same_analysis(&analysis, &analyze(&back))?;
    // The analysis crosses to the page from the worker and comes back whole.
    let wire = to_wire(&analysis);
    let read = from_wire(&wire)?;
    if serde_json::to_value(&read).ok() != serde_json::to_value(&analysis).ok() || read.target != analysis.target {
        return Err("the analysis differs after crossing from the worker".into());
    }
    // Opening a link and sharing it again gives the same link.
    if encode(&back) != link {
        return Err("a link made from the opened link differs".into());
    }
    Ok(Measured {
        name: support::relative(root, path),
        tables: base.schema.tables.len(),
        source: text.len(),
        link: link.len() + 1,
    })
}

#[test]
fn every_corpus_schema_with_five_edits_survives_its_link() {
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for path in support::schema_files(&root) {
        match measure(&root, &path) {
            Ok(m) => rows.push(m),
            Err(e) => failures.push(format!("{}: {e}", support::relative(&root, &path))),
        }
    }
    println!("{:<62} {:>6} {:>10} {:>8}", "schema (five edits)", "tables", "source", "link");
    for m in &rows {
        println!("{:<62} {:>6} {:>10} {:>8}", m.name, m.tables, m.source, m.link);
    }
    assert!(
        failures.is_empty(),
        "{} of {} schemas differ through a link:\n{}",
        failures.len(),
        rows.len() + failures.len(),
        failures.join("\n")
    );
    assert!(rows.len() >= 30, "only {} corpus schemas measured", rows.len());
    // The target: a schema of up to 100 tables, with or without data in its dump, in at
    // most 8,000 characters (the fragment and its `#`).
    let long: Vec<String> = rows
        .iter()
        .filter(|m| m.tables <= 100 && m.link > 8_000)
        .map(|m| format!("{} ({} tables): {}", m.name, m.tables, m.link))
        .collect();
    assert!(long.is_empty(), "links over 8,000 characters:\n{}", long.join("\n"));
}
