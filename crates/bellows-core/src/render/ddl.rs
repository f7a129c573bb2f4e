//! Model -> DDL for PostgreSQL, MySQL and SQLite, in dependency order, re-importable.
//!
//! Tables come in the order their foreign keys need (a referenced table first); a foreign key
//! that points forward (a cycle, or a table not yet created) is added by `ALTER TABLE`
//! afterwards, except in SQLite, which cannot add constraints later but does not check
//! references at `CREATE TABLE` time, so it keeps every key inline.

use super::{ident, portable_expr, qualified, string_literal};
use crate::model::*;
use crate::types::TypeKind;
use crate::Dialect;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Options for [`schema_sql`].
#[derive(Debug, Clone, Copy)]
pub struct DdlOptions {
    /// The dialect the schema was imported from (its type spellings are kept when the target
    /// dialect is the same).
    pub source: Dialect,
    pub target: Dialect,
}

/// The whole schema as DDL.
pub fn schema_sql(schema: &Schema, options: DdlOptions) -> String {
    let DdlOptions { source, target } = options;
    let mut out = String::new();
    let pg = target == Dialect::Postgres;
    if target != Dialect::Sqlite {
        for ns in &schema.namespaces {
            let _ = writeln!(out, "CREATE SCHEMA {};", ident(ns, target));
        }
    }
    // Objects kept as text (routines, triggers, policies) travel only within their dialect.
    let native = source == target;
    if pg {
        if native && !schema.routines.is_empty() {
            // As pg_dump does: bodies are checked when called, so order among routines, tables
            // and defaults that call them does not matter.
            let _ = writeln!(out, "SET check_function_bodies = false;");
        }
        if native {
            for e in &schema.extensions {
                let _ = writeln!(out, "{};", e.create_sql());
            }
        }
        for e in &schema.enums {
            let labels: Vec<String> = e.labels.iter().map(|l| string_literal(l)).collect();
            let name = qualified(e.namespace.as_deref(), &e.name, target);
            let _ = writeln!(out, "CREATE TYPE {name} AS ENUM ({});", labels.join(", "));
        }
        for d in &schema.domains {
            let _ = writeln!(out, "{};", domain_sql(d, target));
        }
        for s in &schema.sequences {
            let _ = writeln!(out, "CREATE SEQUENCE {};", qualified(s.namespace.as_deref(), &s.name, target));
        }
        if !out.is_empty() {
            out.push('\n');
        }
    }
    let mut path = PathWriter::default();
    // Collations, text search configurations, types and the like, in source order: tables and
    // indexes may use them.
    if pg && native {
        for o in &schema.others {
            path.set(&mut out, o.search_path.as_deref(), target);
            out.push_str(&object_sql(&o.definition, target));
        }
    }
    // Routines whose signature names a table (`RETURNS SETOF t`) come after the tables.
    let (late, early): (Vec<&Routine>, Vec<&Routine>) =
        schema.routines.iter().filter(|_| native).partition(|r| signature_names_a_table(r, schema));
    for r in early {
        path.set(&mut out, r.search_path.as_deref(), target);
        out.push_str(&object_sql(&r.definition, target));
    }
    path.set(&mut out, None, target);
    let order = dependency_order(schema);
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut deferred: Vec<(&Table, &ForeignKey)> = Vec::new();
    // Statements after the tables (indexes, attachments, comments), with the search path of
    // the table they belong to: an index expression's unqualified functions live there.
    let mut after: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for &index in &order {
        let table = &schema.tables[index];
        created.insert(table.qualified_name().to_ascii_lowercase());
        let inline: Vec<&ForeignKey> = table
            .foreign_keys
            .iter()
            .filter(|fk| {
                let ready = target == Dialect::Sqlite
                    || created.contains(&fk.ref_table.to_ascii_lowercase())
                    || schema.find_table(&fk.ref_table).is_none();
                if !ready {
                    deferred.push((table, fk));
                }
                ready
            })
            .collect();
        if native {
            path.set(&mut out, table.search_path.as_deref(), target);
        }
        let mut own = Vec::new();
        out.push_str(&create_table(schema, table, &inline, source, target, &mut own));
        out.push('\n');
        after.push((table.search_path.clone().filter(|_| native), own));
    }
    path.set(&mut out, None, target);
    for (table, fk) in deferred {
        let _ = writeln!(
            out,
            "ALTER TABLE {} ADD {};",
            qualified(table.namespace.as_deref(), &table.name, target),
            foreign_key_sql(fk, target)
        );
    }
    for (search_path, lines) in after {
        if !lines.is_empty() {
            path.set(&mut out, search_path.as_deref(), target);
        }
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    path.set(&mut out, None, target);
    if pg {
        for s in schema.sequences.iter().filter(|s| s.owned_by.is_some()) {
            let owner = s.owned_by.as_deref().unwrap_or_default();
            let (table, column) = owner.rsplit_once('.').unwrap_or((owner, ""));
            let (ns, t) = split_qualified(table);
            let _ = writeln!(
                out,
                "ALTER SEQUENCE {} OWNED BY {}.{};",
                qualified(s.namespace.as_deref(), &s.name, target),
                qualified(ns, t, target),
                ident(column, target)
            );
        }
    }
    for r in late {
        path.set(&mut out, r.search_path.as_deref(), target);
        out.push_str(&object_sql(&r.definition, target));
    }
    for view in &schema.views {
        let kind = if view.materialized && pg { "MATERIALIZED VIEW" } else { "VIEW" };
        path.set(&mut out, view.search_path.as_deref(), target);
        let _ = writeln!(
            out,
            "CREATE {kind} {} AS {};",
            qualified(view.namespace.as_deref(), &view.name, target),
            view.definition.trim_end_matches(';')
        );
    }
    if native {
        for t in &schema.triggers {
            path.set(&mut out, t.search_path.as_deref(), target);
            out.push_str(&object_sql(&t.definition, target));
        }
        for p in &schema.policies {
            path.set(&mut out, p.search_path.as_deref(), target);
            out.push_str(&object_sql(&p.definition, target));
        }
    }
    out
}

/// Writes `SET search_path` when the next object was created under another one (PostgreSQL).
#[derive(Default)]
struct PathWriter {
    current: Option<String>,
}

impl PathWriter {
    fn set(&mut self, out: &mut String, wanted: Option<&str>, dialect: Dialect) {
        if dialect != Dialect::Postgres || self.current.as_deref() == wanted {
            return;
        }
        self.current = wanted.map(str::to_string);
        let _ = writeln!(out, "SET search_path = {};", wanted.unwrap_or("public"));
    }
}

/// An object kept as text, as a statement of the export: MySQL bodies hold `;`, so they go
/// between `DELIMITER` lines.
fn object_sql(definition: &str, dialect: Dialect) -> String {
    let definition = definition.trim().trim_end_matches(';');
    if dialect == Dialect::MySql && definition.contains(';') {
        format!("DELIMITER ;;\n{definition};;\nDELIMITER ;\n")
    } else {
        format!("{definition};\n")
    }
}

/// True when a routine's header (before its body) names a table of the schema.
fn signature_names_a_table(routine: &Routine, schema: &Schema) -> bool {
    let header = routine_signature(&routine.definition);
    schema.tables.iter().any(|t| crate::import::objects::mentions(header, &t.name))
}

/// A routine's arguments and RETURNS type, up to the first option (`LANGUAGE sql` names no
/// table, even where a table is called `language`): where a table's row type appears.
pub(crate) fn routine_signature(definition: &str) -> &str {
    let header_end = definition.find(['$', '\'']).unwrap_or(definition.len());
    let header = &definition[..header_end];
    let header = header.split_once('(').map_or(header, |(_, rest)| rest);
    const OPTIONS: [&str; 14] = [
        "language",
        "as",
        "immutable",
        "stable",
        "volatile",
        "strict",
        "called",
        "security",
        "parallel",
        "cost",
        "rows",
        "set",
        "window",
        "leakproof",
    ];
    let mut end = header.len();
    let mut start = None;
    for (i, c) in header.char_indices().chain(std::iter::once((header.len(), ' '))) {
        let word_char = c.is_alphanumeric() || c == '_';
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if OPTIONS.iter().any(|o| header[s..i].eq_ignore_ascii_case(o)) {
                    end = s;
                    break;
                }
                start = None;
            }
            _ => {}
        }
    }
    &header[..end]
}

/// `CREATE DOMAIN` from the model.
pub fn domain_sql(domain: &Domain, dialect: Dialect) -> String {
    let mut sql = format!(
        "CREATE DOMAIN {} AS {}",
        qualified(domain.namespace.as_deref(), &domain.name, dialect),
        domain.data_type.spelling
    );
    if let Some(d) = &domain.default {
        let _ = write!(sql, " DEFAULT {d}");
    }
    if !domain.nullable {
        sql.push_str(" NOT NULL");
    }
    for check in &domain.checks {
        if let Some(name) = &check.name {
            let _ = write!(sql, " CONSTRAINT {}", ident(name, dialect));
        }
        let _ = write!(sql, " CHECK ({})", check.expr);
    }
    sql
}

/// Table indexes in dependency order: referenced tables first, then the source order.
pub fn dependency_order(schema: &Schema) -> Vec<usize> {
    let n = schema.tables.len();
    let names: Vec<String> = schema.tables.iter().map(|t| t.qualified_name().to_ascii_lowercase()).collect();
    let position = |name: &str| names.iter().position(|n| n == &name.to_ascii_lowercase());
    let deps: Vec<Vec<usize>> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut d: Vec<usize> = t
                .foreign_keys
                .iter()
                .filter_map(|fk| position(&fk.ref_table))
                .chain(t.partition_of.iter().filter_map(|p| position(p)))
                .chain(t.inherits.iter().filter_map(|p| position(p)))
                .filter(|&j| j != i)
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    // Depth-first, visiting each table's dependencies in source order; a cycle is cut where it
    // closes (that foreign key is then added by ALTER TABLE).
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, next)) = stack.pop() {
            if next == 0 {
                if state[node] != 0 {
                    continue;
                }
                state[node] = 1;
            }
            if let Some(&dep) = deps[node].get(next) {
                stack.push((node, next + 1));
                if state[dep] == 0 {
                    stack.push((dep, 0));
                }
            } else {
                state[node] = 2;
                order.push(node);
            }
        }
    }
    order
}

fn create_table(
    schema: &Schema,
    table: &Table,
    foreign_keys: &[&ForeignKey],
    source: Dialect,
    target: Dialect,
    after: &mut Vec<String>,
) -> String {
    let name = qualified(table.namespace.as_deref(), &table.name, target);
    let pg = target == Dialect::Postgres;
    let mut out = String::new();
    // A partition is created as pg_dump does: a table of its own with its indexes, then
    // attached, so the parent's indexes find their match instead of being built again.
    let attach = match (&table.partition_of, &table.partition_bound, pg) {
        (Some(parent), Some(bound), true) => {
            let (ns, p) = split_qualified(parent);
            Some(format!("ALTER TABLE {} ATTACH PARTITION {name} {bound};", qualified(ns, p, target)))
        }
        _ => None,
    };
    let single_pk_autoincrement = target == Dialect::Sqlite
        && table.primary_key.as_ref().is_some_and(|pk| pk.columns.len() == 1 && pk.name.is_none())
        && table.columns.iter().any(|c| c.identity == Some(Identity::AutoIncrement));
    let mut items: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for column in &table.columns {
        let mut ty = column_type(schema, column, source, target);
        // MySQL indexes no TEXT column whole: one in a key or an index becomes VARCHAR(255)
        // (1,020 bytes in utf8mb4, within InnoDB's 3,072-byte key limit).
        if target == Dialect::MySql
            && source != Dialect::MySql
            && column.data_type.kind == TypeKind::Text
            && keyed(schema, table, &column.name)
        {
            ty = "varchar(255)".to_string();
        }
        let mut line = format!("    {} {}", ident(&column.name, target), ty);
        let inline_pk = single_pk_autoincrement && table.is_primary_key(&column.name);
        if let Some(g) = &column.generated {
            match portable_expr(&g.expr, source, target) {
                Some(expr) => {
                    let kind = if g.stored { "STORED" } else { "VIRTUAL" };
                    let _ = write!(line, " GENERATED ALWAYS AS ({expr}) {kind}");
                }
                None => notes.push(format!(
                    "-- {}.{}: generated expression not translated: {}",
                    table.name, column.name, g.expr
                )),
            }
        }
        match column.identity {
            Some(Identity::Always) if pg => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
            Some(Identity::ByDefault) if pg => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
            _ => {}
        }
        if !column.nullable && !inline_pk {
            line.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            match portable_expr(&default.expr, source, target) {
                Some(expr) => {
                    let _ = write!(line, " DEFAULT {expr}");
                }
                None => {
                    notes.push(format!("-- {}.{}: default not translated: {}", table.name, column.name, default.expr))
                }
            }
        }
        match (&column.on_update, target) {
            (Some(on_update), Dialect::MySql) => {
                let _ = write!(line, " ON UPDATE {on_update}");
            }
            (Some(on_update), _) => notes.push(format!(
                "-- {}.{}: ON UPDATE {on_update} is MySQL's alone (a BEFORE UPDATE trigger would do it)",
                table.name, column.name
            )),
            (None, _) => {}
        }
        if inline_pk {
            line.push_str(" PRIMARY KEY");
        }
        match column.identity {
            // MySQL's SERIAL says AUTO_INCREMENT itself (the server refuses it said twice).
            Some(_) if target == Dialect::MySql && ty.eq_ignore_ascii_case("serial") => {}
            // An identity column of any kind is MySQL's AUTO_INCREMENT.
            Some(_) if target == Dialect::MySql => line.push_str(" AUTO_INCREMENT"),
            Some(Identity::AutoIncrement) if inline_pk => line.push_str(" AUTOINCREMENT"),
            _ => {}
        }
        if let (Some(comment), Dialect::MySql) = (&column.comment, target) {
            let _ = write!(line, " COMMENT {}", string_literal(comment));
        }
        items.push(line);
    }
    if let Some(pk) = table.primary_key.as_ref().filter(|_| !single_pk_autoincrement) {
        items.push(format!("    {}", key_sql(pk, "PRIMARY KEY", target)));
    }
    for key in &table.uniques {
        // PostgreSQL leaves out of a CREATE TABLE a unique constraint on the primary key's
        // columns (it finds the index redundant); added afterwards, it stays, as in the source.
        let same_as_pk = table.primary_key.as_ref().is_some_and(|pk| {
            pk.columns.len() == key.columns.len() && pk.columns.iter().zip(&key.columns).all(|(a, b)| same_name(a, b))
        });
        if same_as_pk && target == Dialect::Postgres && key.name.is_some() {
            after.push(format!(
                "ALTER TABLE {} ADD {};",
                qualified(table.namespace.as_deref(), &table.name, target),
                key_sql(key, "UNIQUE", target)
            ));
            continue;
        }
        items.push(format!("    {}", key_sql(key, "UNIQUE", target)));
    }
    for check in &table.checks {
        match portable_expr(&check.expr, source, target) {
            Some(expr) => items.push(format!("    {}", check_sql(&Check { name: check.name.clone(), expr }, target))),
            None => notes.push(format!("-- {}: CHECK not translated: {}", table.name, check.expr)),
        }
    }
    for fk in foreign_keys {
        items.push(format!("    {}", foreign_key_sql(fk, target)));
    }
    if target == Dialect::MySql {
        // Plain indexes inline (MySQL allows them unnamed there); unique ones as statements, so
        // they read back as indexes and not as UNIQUE constraints.
        for index in table.indexes.iter().filter(|i| !i.unique && portable_index(i, source, target)) {
            items.push(format!("    {}", mysql_inline_index(index)));
        }
    }
    let _ = write!(out, "CREATE TABLE {name} (\n{}\n)", items.join(",\n"));
    if pg {
        if let Some(by) = &table.partition_by {
            let _ = write!(out, " PARTITION BY {by}");
        }
        if !table.inherits.is_empty() {
            let parents: Vec<String> = table
                .inherits
                .iter()
                .map(|p| {
                    let (ns, n) = split_qualified(p);
                    qualified(ns, n, target)
                })
                .collect();
            let _ = write!(out, " INHERITS ({})", parents.join(", "));
        }
    }
    if table.without_rowid && target == Dialect::Sqlite {
        out.push_str(" WITHOUT ROWID");
    }
    if let (Some(comment), Dialect::MySql) = (&table.comment, target) {
        let _ = write!(out, " COMMENT={}", string_literal(comment));
    }
    out.push_str(";\n");
    for note in notes {
        out.push_str(&note.replace('\n', " "));
        out.push('\n');
    }
    if target == Dialect::MySql {
        for index in table.indexes.iter().filter(|i| i.unique && portable_index(i, source, target)) {
            after.push(format!("{};", create_index_sql(table, index, target)));
        }
    } else {
        index_statements(table, source, target, after);
    }
    if let Some(attach) = attach {
        after.push(attach);
    }
    comment_statements(table, target, after);
    out
}

fn column_type(schema: &Schema, column: &Column, source: Dialect, target: Dialect) -> String {
    if let TypeKind::Named { name } = &column.data_type.kind {
        if source != target {
            if let Some(e) = schema.find_enum(name) {
                // An enum type becomes MySQL's inline ENUM, or text elsewhere.
                return if target == Dialect::MySql {
                    let labels: Vec<String> = e.labels.iter().map(|l| string_literal(l)).collect();
                    format!("enum({})", labels.join(", "))
                } else {
                    "text".to_string()
                };
            }
        }
    }
    column.data_type.sql(source, target)
}

fn columns_list(columns: &[String], dialect: Dialect) -> String {
    columns.iter().map(|c| ident(c, dialect)).collect::<Vec<_>>().join(", ")
}

fn constraint_prefix(name: &Option<String>, dialect: Dialect) -> String {
    name.as_ref().map(|n| format!("CONSTRAINT {} ", ident(n, dialect))).unwrap_or_default()
}

fn key_sql(key: &Key, kind: &str, dialect: Dialect) -> String {
    let deferrable = match (key.deferrable, dialect) {
        (Some(Deferrable::InitiallyDeferred), Dialect::Postgres) => " DEFERRABLE INITIALLY DEFERRED",
        (Some(Deferrable::InitiallyImmediate), Dialect::Postgres) => " DEFERRABLE",
        _ => "",
    };
    format!("{}{kind} ({}){deferrable}", constraint_prefix(&key.name, dialect), columns_list(&key.columns, dialect))
}

fn check_sql(check: &Check, dialect: Dialect) -> String {
    format!("{}CHECK ({})", constraint_prefix(&check.name, dialect), check.expr)
}

pub fn foreign_key_sql(fk: &ForeignKey, dialect: Dialect) -> String {
    let (ns, table) = split_qualified(&fk.ref_table);
    let mut out = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        constraint_prefix(&fk.name, dialect),
        columns_list(&fk.columns, dialect),
        qualified(ns, table, dialect)
    );
    if !fk.ref_columns.is_empty() {
        let _ = write!(out, " ({})", columns_list(&fk.ref_columns, dialect));
    }
    if fk.on_delete != RefAction::NoAction {
        let _ = write!(out, " ON DELETE {}", fk.on_delete.sql());
    }
    if fk.on_update != RefAction::NoAction {
        let _ = write!(out, " ON UPDATE {}", fk.on_update.sql());
    }
    out
}

/// True when the column is in the table's keys or indexes, or a foreign key elsewhere
/// references it.
fn keyed(schema: &Schema, table: &Table, column: &str) -> bool {
    table.is_primary_key(column)
        || table.uniques.iter().any(|k| k.columns.iter().any(|c| same_name(c, column)))
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| same_name(c, column)))
        || table.indexes.iter().any(|ix| ix.parts.iter().any(|p| p.column().is_some_and(|c| same_name(c, column))))
        || schema.tables.iter().any(|t| {
            t.foreign_keys.iter().any(|fk| {
                same_name(split_qualified(&fk.ref_table).1, &table.name)
                    && fk.ref_columns.iter().any(|c| same_name(c, column))
            })
        })
}

/// An index's parts as its DDL writes them: `placed_at DESC, sku`, an expression in parentheses.
pub fn index_parts(index: &Index, dialect: Dialect) -> String {
    index
        .parts
        .iter()
        .map(|p| match p {
            IndexPart::Column { name, descending: true } => format!("{} DESC", ident(name, dialect)),
            IndexPart::Column { name, .. } => ident(name, dialect),
            IndexPart::Expression { sql } => format!("({sql})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn mysql_inline_index(index: &Index) -> String {
    let kind = match index.method.as_deref() {
        Some("fulltext") => "FULLTEXT KEY",
        Some("spatial") => "SPATIAL KEY",
        _ => "KEY",
    };
    let name = index.name.as_ref().map(|n| format!("{} ", ident(n, Dialect::MySql))).unwrap_or_default();
    format!("{kind} {name}({})", index_parts(index, Dialect::MySql))
}

pub fn create_index_sql(table: &Table, index: &Index, dialect: Dialect) -> String {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let name = match (&index.name, dialect) {
        (Some(n), _) => format!("{} ", ident(n, dialect)),
        (None, Dialect::Postgres) => String::new(),
        (None, _) => {
            let cols: Vec<&str> = index.parts.iter().filter_map(IndexPart::column).collect();
            format!("{} ", ident(&format!("{}_{}_idx", table.name, cols.join("_")), dialect))
        }
    };
    let using = match (&index.method, dialect) {
        (Some(m), Dialect::Postgres) => format!(" USING {m}"),
        _ => String::new(),
    };
    let predicate = match (&index.predicate, dialect) {
        (Some(p), Dialect::Postgres | Dialect::Sqlite) => format!(" WHERE {p}"),
        _ => String::new(),
    };
    format!(
        "CREATE {unique}INDEX {name}ON {}{using} ({}){predicate}",
        qualified(table.namespace.as_deref(), &table.name, dialect),
        index_parts(index, dialect)
    )
}

fn index_statements(table: &Table, source: Dialect, dialect: Dialect, after: &mut Vec<String>) {
    for index in &table.indexes {
        if portable_index(index, source, dialect) {
            after.push(format!("{};", create_index_sql(table, index, dialect)));
        } else {
            after.push(format!(
                "-- index {} on {} not translated (expression or method)",
                index.name.as_deref().unwrap_or("(unnamed)"),
                table.name
            ));
        }
    }
}

fn portable_index(index: &Index, source: Dialect, target: Dialect) -> bool {
    source == target
        || (index.parts.iter().all(|p| matches!(p, IndexPart::Column { .. }))
            && index.method.as_deref().is_none_or(|m| m == "btree")
            && index
                .predicate
                .as_deref()
                .is_none_or(|p| target != Dialect::MySql && portable_expr(p, source, target).is_some()))
}

fn comment_statements(table: &Table, dialect: Dialect, after: &mut Vec<String>) {
    if dialect != Dialect::Postgres {
        return;
    }
    let name = qualified(table.namespace.as_deref(), &table.name, dialect);
    if let Some(c) = &table.comment {
        after.push(format!("COMMENT ON TABLE {name} IS {};", string_literal(c)));
    }
    for column in &table.columns {
        if let Some(c) = &column.comment {
            after.push(format!("COMMENT ON COLUMN {name}.{} IS {};", ident(&column.name, dialect), string_literal(c)));
        }
    }
}

/// One table as statements without terminators (a plan adds its own): `CREATE TABLE` (foreign
/// keys inline), then its indexes and comments.
pub fn table_statements(schema: &Schema, table: &Table, dialect: Dialect) -> Vec<String> {
    let fks: Vec<&ForeignKey> = table.foreign_keys.iter().collect();
    let mut after = Vec::new();
    let create = create_table(schema, table, &fks, dialect, dialect, &mut after);
    std::iter::once(create).chain(after).map(|s| s.trim_end().trim_end_matches(';').to_string()).collect()
}

/// A column definition as in `ADD COLUMN`: name, type, and optionally NOT NULL and DEFAULT.
pub fn column_definition(column: &Column, dialect: Dialect, with_not_null: bool, with_default: bool) -> String {
    let mut out = format!("{} {}", ident(&column.name, dialect), column.data_type.spelling);
    if with_default {
        if let Some(d) = &column.default {
            let _ = write!(out, " DEFAULT {}", d.expr);
        }
    }
    if with_not_null && !column.nullable {
        out.push_str(" NOT NULL");
    }
    out
}

pub fn constraint_sql_unique(key: &Key, dialect: Dialect) -> String {
    key_sql(key, "UNIQUE", dialect)
}

pub fn constraint_sql_check(check: &Check, dialect: Dialect) -> String {
    check_sql(check, dialect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_serial_is_written_without_a_second_auto_increment() {
        let schema = crate::import(
            "CREATE TABLE bar (id serial NOT NULL, n int AUTO_INCREMENT PRIMARY KEY);",
            Some(Dialect::MySql),
        )
        .schema;
        let sql = schema_sql(&schema, DdlOptions { source: Dialect::MySql, target: Dialect::MySql });
        assert!(sql.contains("id serial NOT NULL\n") || sql.contains("id serial NOT NULL,"), "{sql}");
        assert_eq!(sql.matches("AUTO_INCREMENT").count(), 1, "{sql}");
    }
}
