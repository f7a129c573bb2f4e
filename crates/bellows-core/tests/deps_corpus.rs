//! The dependency map over every corpus schema (`../shared/corpora`): schemas nobody here wrote,
//! with hundreds of views, triggers and functions (Evergreen, MusicBrainz, Pagila, Sakila).
//!
//! Two independent readings must agree:
//! - the importer records, for each view, the tables its text names (`View::reads`); the map
//!   resolves the view's query as the server would. Every table a view reads must list the view.
//!   The ones that do not are in `KNOWN` with the reason; a new one fails the test.
//! - every foreign key must show on both sides (its columns, and the referenced table's), every
//!   trigger on its table, every owned sequence on its column, every index on its columns.
//!
//! The totals per schema are printed: how many dependents, of which kind.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod support;

use bellows_core::deps::{DependencyMap, DependentKind};
use bellows_core::model::{same_name, split_qualified, IndexPart};
use bellows_core::{import, Schema};
use std::collections::BTreeMap;

/// View readings the map does not confirm, as `file: view -> table`, with the reason.
const KNOWN: &[(&str, &str)] = &[];

/// The table a view's reading names: by its qualified name, or by its bare name when no view
/// has that name (Evergreen's `metabib.full_rec` is a view, `authority.full_rec` a table).
fn table_of<'a>(schema: &'a Schema, name: &str) -> Option<&'a bellows_core::Table> {
    if schema.find_view(name).is_some() {
        return None;
    }
    schema.find_table(name).or_else(|| {
        let short = split_qualified(name).1;
        schema.tables.iter().find(|t| same_name(&t.name, short))
    })
}

#[test]
fn the_map_agrees_with_the_model_on_every_corpus_schema() {
    let Some(root) = support::corpora() else { return };
    let mut missing: Vec<String> = Vec::new();
    let mut totals: BTreeMap<DependentKind, usize> = BTreeMap::new();
    let mut schemas = 0;
    let mut views_checked = 0;
    for path in support::schema_files(&root) {
        let rel = support::relative(&root, &path);
        let text = std::fs::read_to_string(&path).expect("read");
        let dialect = support::dialect_of(&path);
        let schema = import(&text, Some(dialect)).schema;
        let started = std::time::Instant::now();
        let map = DependencyMap::build(&schema, dialect);
        let took = started.elapsed();
        schemas += 1;
        let mut kinds: BTreeMap<DependentKind, usize> = BTreeMap::new();
        for t in &map.tables {
            for d in t.used_by.iter().chain(t.columns.iter().flat_map(|c| &c.used_by)) {
                *kinds.entry(d.kind).or_default() += 1;
            }
        }
        for (k, n) in &kinds {
            *totals.entry(*k).or_default() += n;
        }
        println!(
            "{rel}: {} tables, {} views, {} dependents in {:.1} ms",
            schema.tables.len(),
            schema.views.len(),
            map.len(),
            took.as_secs_f64() * 1000.0
        );
        let has = |table: &str, column: Option<&str>, kind: DependentKind, name: &str| {
            map.used_by(table, column).iter().any(|d| d.kind == kind && same_name(&d.name, name))
        };

        for view in &schema.views {
            let name = view.qualified_name();
            for read in &view.reads {
                let Some(t) = table_of(&schema, read) else { continue };
                views_checked += 1;
                if !has(&t.qualified_name(), None, DependentKind::View, &name) {
                    missing.push(format!("{rel}: {name} -> {}", t.qualified_name()));
                }
            }
        }
        for table in &schema.tables {
            let me = table.qualified_name();
            for fk in &table.foreign_keys {
                let Some(name) = &fk.name else { continue };
                for c in &fk.columns {
                    assert!(has(&me, Some(c), DependentKind::ForeignKeyOut, name), "{rel}: {me}.{c} lacks {name}");
                }
                if let Some(parent) = schema.find_table(&fk.ref_table) {
                    let p = parent.qualified_name();
                    assert!(has(&p, None, DependentKind::ForeignKeyIn, name), "{rel}: {p} lacks {name} into it");
                    for c in fk.referenced_columns(Some(parent)) {
                        assert!(has(&p, Some(&c), DependentKind::ForeignKeyIn, name), "{rel}: {p}.{c} lacks {name}");
                    }
                }
            }
            for ix in &table.indexes {
                let Some(name) = &ix.name else { continue };
                for c in ix.parts.iter().filter_map(IndexPart::column) {
                    if table.column(c).is_some() {
                        assert!(has(&me, Some(c), DependentKind::Index, name), "{rel}: {me}.{c} lacks index {name}");
                    }
                }
            }
        }
        // What the app's inspector asks ("Used by": the table's qualified name, a column's name)
        // finds that table's and column's own entry, and crosses to the page as JSON intact.
        for (t, u) in schema.tables.iter().zip(&map.tables) {
            let name = t.qualified_name();
            assert_eq!(map.used_by(&name, None), u.used_by.as_slice(), "{rel}: {name}");
            for (c, cu) in t.columns.iter().zip(&u.columns) {
                assert_eq!(map.used_by(&name, Some(&c.name)), cu.used_by.as_slice(), "{rel}: {name}.{}", c.name);
            }
            let json = serde_json::to_string(&u.used_by).expect("json");
            let back: Vec<bellows_core::deps::Dependent> = serde_json::from_str(&json).expect("read back");
            assert_eq!(back, u.used_by, "{rel}: {name}");
        }
        for trigger in &schema.triggers {
            if let Some(t) = schema.find_table(&trigger.table) {
                let on = t.qualified_name();
                let listed = map.used_by(&on, None).iter().any(|d| {
                    d.kind == DependentKind::Trigger && same_name(&d.name, &trigger.name) && d.how == "fires on it"
                });
                assert!(listed, "{rel}: trigger {} is not listed on {on}", trigger.name);
            }
        }
        for seq in &schema.sequences {
            let Some((owner, column)) = seq.owned_by.as_deref().and_then(|o| o.rsplit_once('.')) else { continue };
            if let Some(t) = schema.find_table(owner).filter(|t| t.column(column).is_some()) {
                let listed =
                    map.used_by(&t.qualified_name(), Some(column)).iter().any(|d| d.kind == DependentKind::Sequence);
                assert!(listed, "{rel}: sequence {} is not listed on {owner}.{column}", seq.name);
            }
        }
    }
    println!("dependency map: {schemas} schemas, {views_checked} view readings checked; dependents by kind:");
    for (k, n) in &totals {
        println!("  {:<16} {n}", k.label());
    }
    assert!(schemas >= 20, "the corpus has at least 20 schema files, found {schemas}");
    assert!(totals.get(&DependentKind::View).copied().unwrap_or(0) > 100, "views must show in the map");
    assert!(totals.get(&DependentKind::Trigger).copied().unwrap_or(0) > 100, "triggers must show in the map");
    let known: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).collect();
    let new: Vec<&String> = missing.iter().filter(|m| !known.contains(&m.as_str())).collect();
    let fixed: Vec<&&str> = known.iter().filter(|k| !missing.iter().any(|m| m == *k)).collect();
    assert!(
        new.is_empty(),
        "views the map misses ({} of {views_checked}):\n{}",
        new.len(),
        new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    assert!(fixed.is_empty(), "listed in KNOWN but found now (remove them): {fixed:?}");
}
