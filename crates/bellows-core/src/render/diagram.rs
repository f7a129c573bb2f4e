//! The model in the text formats other tools read: DBML (dbdiagram.io, dbdocs) and Mermaid's
//! `erDiagram` (GitHub and GitLab render it in Markdown).
//!
//! Neither format holds everything a schema does. What one cannot express is never dropped
//! silently: it is listed at the end of the output as comments (`//` in DBML, `%%` in Mermaid),
//! one line per object, so a reader sees what the picture leaves out.

use crate::model::*;
use crate::Dialect;
use std::fmt::Write;

/// DBML keywords that a bare name would be read as.
const DBML_WORDS: [&str; 10] =
    ["table", "ref", "enum", "note", "indexes", "project", "tablegroup", "checks", "records", "as"];

fn simple(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A DBML name: bare when it is a plain identifier and no keyword, else in double quotes.
fn dbml_name(name: &str) -> String {
    if simple(name) && !DBML_WORDS.contains(&name.to_ascii_lowercase().as_str()) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn dbml_table_name(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{}.{}", dbml_name(ns), dbml_name(name)),
        None => dbml_name(name),
    }
}

/// A reference's table (`schema.table` or `table`) as DBML names it.
fn dbml_qualified(qualified: &str) -> String {
    let (ns, name) = crate::model::split_qualified(qualified);
    dbml_table_name(ns, name)
}

/// A type DBML reads bare (`varchar(45)`, `numeric(5,2)`, `int[]`), else quoted; in lower case,
/// as these formats are written by hand.
fn dbml_type(spelling: &str) -> String {
    let spelling = &spelling.to_ascii_lowercase();
    let bare = spelling.chars().all(|c| c.is_ascii_alphanumeric() || "_(),[]".contains(c))
        && spelling.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if bare {
        spelling.to_string()
    } else {
        format!("\"{}\"", spelling.replace('"', "'"))
    }
}

fn dbml_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'").replace('\n', "\\n"))
}

/// A default as DBML writes it: numbers and booleans bare, a plain SQL string as a string,
/// anything else as an expression in backticks.
fn dbml_default(expr: &str) -> String {
    let e = expr.trim();
    let lower = e.to_ascii_lowercase();
    if e.parse::<f64>().is_ok() || matches!(lower.as_str(), "true" | "false" | "null") {
        return lower_if_word(e);
    }
    if let Some(inner) = e.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        if !inner.contains('\'') {
            return dbml_string(inner);
        }
    }
    format!("`{}`", e.replace('`', "'"))
}

fn lower_if_word(e: &str) -> String {
    if e.parse::<f64>().is_ok() {
        e.to_string()
    } else {
        e.to_ascii_lowercase()
    }
}

fn action(a: RefAction) -> Option<&'static str> {
    match a {
        RefAction::NoAction => None,
        RefAction::Restrict => Some("restrict"),
        RefAction::Cascade => Some("cascade"),
        RefAction::SetNull => Some("set null"),
        RefAction::SetDefault => Some("set default"),
    }
}

fn columns_ref(table: &str, columns: &[String]) -> String {
    if columns.len() == 1 {
        format!("{table}.{}", dbml_name(&columns[0]))
    } else {
        format!("{table}.({})", columns.iter().map(|c| dbml_name(c)).collect::<Vec<_>>().join(", "))
    }
}

/// The schema as DBML: enums, tables (columns with their settings, composite keys and indexes
/// in `Indexes`, notes), then references; what DBML cannot hold is listed at the end.
pub fn schema_dbml(schema: &Schema) -> String {
    let mut out = String::new();
    let mut left_out: Vec<String> = Vec::new();
    if let Some(d) = schema.dialect {
        // dbdiagram's own header: the dialect the types are in, so the file reads back as it.
        let name = match d {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
            Dialect::Sqlite => "SQLite",
        };
        let _ = writeln!(out, "Project bellows {{\n  database_type: '{name}'\n}}\n");
    }
    for e in &schema.enums {
        let _ = writeln!(out, "Enum {} {{", dbml_table_name(e.namespace.as_deref(), &e.name));
        for label in &e.labels {
            let _ = writeln!(out, "  \"{}\"", label.replace('\\', "\\\\").replace('"', "\\\""));
        }
        let _ = writeln!(out, "}}\n");
    }
    for t in &schema.tables {
        if t.columns.is_empty() {
            // DBML wants a column; `CREATE TABLE ... AS SELECT` leaves the model none.
            left_out.push(format!("table {}: its columns are not in the model", t.qualified_name()));
            continue;
        }
        let name = dbml_table_name(t.namespace.as_deref(), &t.name);
        let _ = writeln!(out, "Table {name} {{");
        let single_pk = t.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone());
        for c in &t.columns {
            let mut settings: Vec<String> = Vec::new();
            if single_pk.as_deref().is_some_and(|k| same_name(k, &c.name)) {
                settings.push("pk".into());
            }
            if c.identity.is_some() {
                settings.push("increment".into());
            }
            if !c.nullable {
                settings.push("not null".into());
            }
            if t.uniques.iter().any(|u| u.columns.len() == 1 && same_name(&u.columns[0], &c.name)) {
                settings.push("unique".into());
            }
            match &c.default {
                Some(d) if !(c.identity.is_some() && d.expr.to_ascii_lowercase().starts_with("nextval")) => {
                    settings.push(format!("default: {}", dbml_default(&d.expr)));
                }
                _ => {}
            }
            if let Some(note) = &c.comment {
                settings.push(format!("note: {}", dbml_string(note)));
            }
            if let Some(g) = &c.generated {
                left_out.push(format!("{}.{}: generated as ({})", t.qualified_name(), c.name, g.expr));
            }
            let settings = if settings.is_empty() { String::new() } else { format!(" [{}]", settings.join(", ")) };
            let _ = writeln!(out, "  {} {}{settings}", dbml_name(&c.name), dbml_type(&c.data_type.spelling));
        }
        let mut indexes: Vec<String> = Vec::new();
        if let Some(k) = t.primary_key.as_ref().filter(|k| k.columns.len() > 1) {
            indexes.push(format!("({}) [pk]", k.columns.iter().map(|c| dbml_name(c)).collect::<Vec<_>>().join(", ")));
        }
        for u in t.uniques.iter().filter(|u| u.columns.len() > 1) {
            let mut s = vec!["unique".to_string()];
            if let Some(n) = &u.name {
                s.push(format!("name: {}", dbml_string(n)));
            }
            indexes.push(format!(
                "({}) [{}]",
                u.columns.iter().map(|c| dbml_name(c)).collect::<Vec<_>>().join(", "),
                s.join(", ")
            ));
        }
        let has = |c: &str| t.column(c).is_some();
        for i in &t.indexes {
            if let Some(missing) = i.parts.iter().filter_map(IndexPart::column).find(|c| !has(c)) {
                // A table read from `CREATE TABLE ... AS` has no columns in the model.
                left_out.push(format!(
                    "index {} on {}: its column {missing} is not in the model",
                    i.name.as_deref().unwrap_or("(unnamed)"),
                    t.qualified_name()
                ));
                continue;
            }
            let parts: Vec<String> = i
                .parts
                .iter()
                .map(|p| match p {
                    IndexPart::Column { name, .. } => dbml_name(name),
                    IndexPart::Expression { sql } => format!("`{}`", sql.replace('`', "'")),
                })
                .collect();
            if parts.is_empty() {
                continue;
            }
            let mut s = Vec::new();
            // A partial unique index is unique only where its predicate holds, which DBML cannot
            // say: written as a plain index (the predicate is listed), never as a stronger rule.
            if i.unique && i.predicate.is_none() {
                s.push("unique".to_string());
            }
            if let Some(n) = &i.name {
                s.push(format!("name: {}", dbml_string(n)));
            }
            match i.method.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("btree") => {}
                Some("hash") => s.push("type: hash".into()),
                Some(other) => left_out.push(format!(
                    "index {} on {}: method {other}",
                    i.name.as_deref().unwrap_or("(unnamed)"),
                    t.qualified_name()
                )),
            }
            if let Some(p) = &i.predicate {
                left_out.push(format!(
                    "index {} on {}: WHERE {p}",
                    i.name.as_deref().unwrap_or("(unnamed)"),
                    t.qualified_name()
                ));
            }
            let target = if parts.len() == 1 { parts[0].clone() } else { format!("({})", parts.join(", ")) };
            let settings = if s.is_empty() { String::new() } else { format!(" [{}]", s.join(", ")) };
            indexes.push(format!("{target}{settings}"));
        }
        if !indexes.is_empty() {
            let _ = writeln!(out, "\n  Indexes {{");
            for i in &indexes {
                let _ = writeln!(out, "    {i}");
            }
            let _ = writeln!(out, "  }}");
        }
        if let Some(note) = &t.comment {
            let _ = writeln!(out, "\n  Note: {}", dbml_string(note));
        }
        let _ = writeln!(out, "}}\n");
        for c in &t.checks {
            left_out.push(format!("check on {}: {}", t.qualified_name(), c.expr));
        }
    }
    for t in &schema.tables {
        let from = dbml_table_name(t.namespace.as_deref(), &t.name);
        for fk in &t.foreign_keys {
            let Some(target) = schema.find_table(&fk.ref_table) else {
                left_out.push(format!(
                    "reference {}({}) -> {}: that table is not in the schema",
                    t.qualified_name(),
                    fk.columns.join(", "),
                    fk.ref_table
                ));
                continue;
            };
            let ref_columns = fk.referenced_columns(Some(target));
            let known = fk.columns.iter().all(|c| t.column(c).is_some())
                && ref_columns.iter().all(|c| target.column(c).is_some());
            if ref_columns.len() != fk.columns.len() || !known {
                left_out.push(format!(
                    "reference {}({}) -> {}: its columns are not all in the model",
                    t.qualified_name(),
                    fk.columns.join(", "),
                    fk.ref_table
                ));
                continue;
            }
            let mut s = Vec::new();
            if let Some(a) = action(fk.on_delete) {
                s.push(format!("delete: {a}"));
            }
            if let Some(a) = action(fk.on_update) {
                s.push(format!("update: {a}"));
            }
            let settings = if s.is_empty() { String::new() } else { format!(" [{}]", s.join(", ")) };
            let name = fk.name.as_deref().map(|n| format!(" {}", dbml_name(n))).unwrap_or_default();
            let _ = writeln!(
                out,
                "Ref{name}: {} > {}{settings}",
                columns_ref(&from, &fk.columns),
                columns_ref(&dbml_qualified(&target.qualified_name()), &ref_columns)
            );
        }
    }
    left_out.extend(schema.views.iter().map(|v| format!("view {}", v.qualified_name())));
    left_out.extend(schema.routines.iter().map(|r| format!("{} {}", r.kind.sql().to_ascii_lowercase(), r.signature())));
    left_out.extend(schema.triggers.iter().map(|t| format!("trigger {} on {}", t.name, t.table)));
    left_out.extend(schema.policies.iter().map(|p| format!("policy {} on {}", p.name, p.table)));
    left_out.extend(schema.domains.iter().map(|d| format!("domain {}", d.name)));
    if !left_out.is_empty() {
        let _ = writeln!(out, "\n// Not expressible in DBML, left out of this file ({}):", left_out.len());
        for l in &left_out {
            let _ = writeln!(out, "// - {}", l.replace('\n', " "));
        }
    }
    out
}

/// A Mermaid word: letters, digits, `_` and `-` (anything else becomes `_`).
fn mermaid_word(text: &str) -> String {
    let w: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || "_-".contains(c) { c } else { '_' }).collect();
    if w.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
        w
    } else {
        format!("_{w}")
    }
}

/// A type as a Mermaid attribute type: spaces become `_` (`character_varying(45)`).
fn mermaid_type(spelling: &str) -> String {
    let t: String = spelling
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-()[],".contains(c) { c } else { '_' })
        .collect();
    if t.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
        t
    } else {
        format!("_{t}")
    }
}

fn mermaid_entity(qualified: &str) -> String {
    format!("\"{}\"", qualified.replace('"', "'"))
}

/// The schema as a Mermaid `erDiagram`: each table with its columns (type, PK, FK, UK), and a
/// relationship per foreign key (one-or-zero to many, exactly one where the reference is NOT
/// NULL, to one where it is unique).
pub fn schema_mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    let mut left_out: Vec<String> = Vec::new();
    for t in &schema.tables {
        let _ = writeln!(out, "  {} {{", mermaid_entity(&t.qualified_name()));
        for c in &t.columns {
            let mut keys = Vec::new();
            if t.primary_key.as_ref().is_some_and(|k| k.columns.iter().any(|k| same_name(k, &c.name))) {
                keys.push("PK");
            }
            if t.foreign_keys.iter().any(|f| f.columns.iter().any(|k| same_name(k, &c.name))) {
                keys.push("FK");
            }
            if t.uniques.iter().any(|u| u.columns.iter().any(|k| same_name(k, &c.name))) {
                keys.push("UK");
            }
            let keys = if keys.is_empty() { String::new() } else { format!(" {}", keys.join(", ")) };
            let comment = c
                .comment
                .as_ref()
                .map(|n| format!(" \"{}\"", n.replace('"', "'").replace('\n', " ")))
                .unwrap_or_default();
            let _ =
                writeln!(out, "    {} {}{keys}{comment}", mermaid_type(&c.data_type.spelling), mermaid_word(&c.name));
        }
        let _ = writeln!(out, "  }}");
    }
    for t in &schema.tables {
        for fk in &t.foreign_keys {
            let Some(target) = schema.find_table(&fk.ref_table) else {
                left_out.push(format!(
                    "reference {} -> {}: that table is not in the schema",
                    t.qualified_name(),
                    fk.ref_table
                ));
                continue;
            };
            let required = fk.columns.iter().all(|k| t.column(k).is_some_and(|c| !c.nullable));
            let unique = t.uniques.iter().chain(t.primary_key.iter()).any(|u| {
                u.columns.len() == fk.columns.len()
                    && u.columns.iter().all(|c| fk.columns.iter().any(|f| same_name(f, c)))
            });
            let parent = if required { "||" } else { "|o" };
            let child = if unique { "o|" } else { "o{" };
            let _ = writeln!(
                out,
                "  {} {parent}--{child} {} : \"{}\"",
                mermaid_entity(&target.qualified_name()),
                mermaid_entity(&t.qualified_name()),
                fk.columns.join(", ").replace('"', "'")
            );
        }
    }
    for t in &schema.tables {
        for c in &t.checks {
            left_out.push(format!("check on {}: {}", t.qualified_name(), c.expr));
        }
        for i in &t.indexes {
            left_out.push(format!("index {} on {}", i.name.as_deref().unwrap_or("(unnamed)"), t.qualified_name()));
        }
    }
    left_out.extend(schema.views.iter().map(|v| format!("view {}", v.qualified_name())));
    left_out.extend(schema.enums.iter().map(|e| format!("enum {} ({})", e.name, e.labels.join(", "))));
    left_out.extend(schema.routines.iter().map(|r| format!("{} {}", r.kind.sql().to_ascii_lowercase(), r.signature())));
    left_out.extend(schema.triggers.iter().map(|t| format!("trigger {} on {}", t.name, t.table)));
    if !left_out.is_empty() {
        let _ = writeln!(out, "%% Not drawn in a Mermaid ER diagram ({}):", left_out.len());
        for l in &left_out {
            let _ = writeln!(out, "%% - {}", l.replace('\n', " "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{import, Dialect};

    const SHOP: &str = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
        CREATE TABLE customers (id bigserial PRIMARY KEY, email character varying(200) NOT NULL UNIQUE, m mood);\n\
        COMMENT ON TABLE customers IS 'people who buy';\n\
        CREATE TABLE \"order\" (id bigint, line int, customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n\
          total numeric(10,2) DEFAULT 0, note text DEFAULT 'none', placed timestamp without time zone DEFAULT now(),\n\
          PRIMARY KEY (id, line), CHECK (total >= 0));\n\
        CREATE INDEX order_placed_idx ON \"order\" (placed) WHERE total > 0;\n\
        CREATE VIEW big AS SELECT * FROM \"order\" WHERE total > 100;";

    #[test]
    fn dbml_carries_keys_references_enums_and_lists_what_it_cannot() {
        let s = import(SHOP, Some(Dialect::Postgres)).schema;
        let dbml = schema_dbml(&s);
        assert!(dbml.contains("Enum mood {\n  \"sad\"\n  \"ok\"\n}"), "{dbml}");
        assert!(
            dbml.contains("  id bigserial [pk, increment, not null]") || dbml.contains("  id bigserial [pk, increment"),
            "{dbml}"
        );
        assert!(dbml.contains("  email \"character varying(200)\" [not null, unique]"), "{dbml}");
        assert!(dbml.contains("  placed \"timestamp without time zone\" [default: `now()`]"), "{dbml}");
        assert!(dbml.contains("Table order {"), "{dbml}");
        assert!(dbml.contains("  \"note\" text [default: 'none']"), "a DBML keyword as a name is quoted: {dbml}");
        assert!(dbml.contains("(id, line) [pk]"), "{dbml}");
        assert!(dbml.contains("total numeric(10,2) [default: 0]"), "{dbml}");
        assert!(dbml.contains("default: `now()`"), "{dbml}");
        assert!(dbml.contains("Note: 'people who buy'"), "{dbml}");
        assert!(dbml.contains("Ref: order.customer_id > customers.id [delete: cascade]"), "{dbml}");
        assert!(dbml.contains("// - check on order: total >= 0"), "{dbml}");
        assert!(dbml.contains("// - index order_placed_idx on order: WHERE total > 0"), "{dbml}");
        assert!(dbml.contains("// - view big"), "{dbml}");
    }

    #[test]
    fn mermaid_draws_tables_and_references_with_their_cardinality() {
        let s = import(SHOP, Some(Dialect::Postgres)).schema;
        let m = schema_mermaid(&s);
        assert!(m.starts_with("erDiagram\n  \"customers\" {\n    bigserial id PK\n"), "{m}");
        assert!(m.contains("    character_varying(200) email UK"), "{m}");
        assert!(m.contains("    numeric(10,2) total\n"), "{m}");
        assert!(m.contains("    bigint id PK\n    int line PK\n    bigint customer_id FK"), "{m}");
        assert!(m.contains("    timestamp_without_time_zone placed\n"), "{m}");
        assert!(m.contains("  \"customers\" ||--o{ \"order\" : \"customer_id\""), "{m}");
        assert!(m.contains("%% - view big"), "{m}");
    }
}
