//! Values for a consumer statement's placeholders, so it can run on a real database: what the
//! verification harness does to check, at each point of a plan, that the server agrees with
//! the resolver.
//!
//! Each placeholder (`$1`, `?`, `:name`, `@name`) is tied to the column it is compared with or
//! written to, where the statement says so (`c = $1`, `c IN ($1, $2)`, `c BETWEEN $1 AND $2`,
//! `c LIKE $1`, an INSERT's VALUES, an UPDATE's SET), and gets queries that find a value for it on
//! the database, tried in turn:
//!
//! - a filter in a query: a value the column holds, so the query finds rows;
//! - a filter in an UPDATE or DELETE: a fresh value of the column's type, so nothing is changed
//!   (deleting a seeded parent would be refused by its children: the data's doing, not the
//!   schema's);
//! - a written value: for a key column a fresh value (or, for a reference, a parent row no child
//!   uses yet), for any other a value the column holds, so CHECKs and references accept it;
//! - LIMIT and OFFSET: a number.
//!
//! A placeholder with no column to go by is NULL.

use super::resolve::{analyze, Analysis};
use super::Statement;
use crate::import::split::{Chunk, ChunkKind};
use crate::import::{parse_statement, sql_dialect};
use crate::model::{same_name, Table};
use crate::render::string_literal;
use crate::verify::values::{base_value, column_sql, table_sql};
use crate::{Dialect, Schema, Span};
use sqlparser::ast::{
    AssignmentTarget, Expr, Ident, InTarget, LimitClause, Query, SelectItem, SetExpr, Statement as Sql, TableObject,
    Value, Visit, Visitor,
};
use std::ops::ControlFlow;

/// The row number fresh values are made from: above the seeded rows, below the harness's
/// workloads (which start at ten million).
pub const FRESH_ROW: i64 = 9_000_001;

/// One placeholder of a statement (every occurrence of `$1` is one placeholder; every `?` is
/// its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// As written: `$1`, `?`, `:name`, `@name`.
    pub token: String,
    /// Byte ranges of its occurrences in the statement's text.
    pub ranges: Vec<(usize, usize)>,
    pub value: SlotValue,
}

/// How a placeholder gets its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotValue {
    /// SQL written in its place as it is (`10`, `NULL`).
    Fixed(String),
    /// Queries run on the database, in turn; the first non-NULL cell of the first row that any
    /// of them returns is the value, written as a string literal (the server casts it to the
    /// column's type). None answering: NULL.
    Lookup { table: String, column: String, queries: Vec<String> },
}

/// What role a placeholder plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Filter,
    Write,
    Limit,
}

/// Every placeholder of `statement`, with how to find its value for `schema`.
pub fn slots(schema: &Schema, dialect: Dialect, statement: &Statement) -> Vec<Slot> {
    let mut slots = tokens(&statement.text, dialect);
    if slots.is_empty() {
        return slots;
    }
    // Positions relative to the statement's own text.
    let local = Statement { start: Span::new(1, 1), ..statement.clone() };
    let analysis = analyze(schema, dialect, &local);
    let roles = roles(schema, dialect, &local, &analysis);
    let kind = statement_kind(&statement.text);
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(statement.text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset_of = |at: Span| -> Option<usize> {
        let start = *line_starts.get((at.line as usize).checked_sub(1)?)?;
        let line = &statement.text[start..];
        let chars = (at.column as usize).checked_sub(1)?;
        Some(start + line.char_indices().nth(chars).map_or(line.len(), |(i, _)| i))
    };
    let mut fresh = FRESH_ROW;
    for slot in &mut slots {
        let role = roles.iter().find(|(at, ..)| offset_of(*at).is_some_and(|o| slot.ranges.iter().any(|r| r.0 == o)));
        slot.value = match role {
            Some((_, Role::Limit, _)) => SlotValue::Fixed("10".into()),
            Some((_, role, Some((table, column)))) => {
                fresh += 1;
                lookup(schema, dialect, table, column, *role, kind, fresh)
            }
            _ => SlotValue::Fixed("NULL".into()),
        };
    }
    slots
}

/// The statement with each placeholder replaced by its value's SQL (`values` in slot order;
/// `None` writes NULL).
pub fn bound(text: &str, slots: &[Slot], values: &[Option<String>]) -> String {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (slot, value) in slots.iter().zip(values) {
        let sql = value.clone().unwrap_or_else(|| "NULL".to_string());
        edits.extend(slot.ranges.iter().map(|&(a, b)| (a, b, sql.clone())));
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b, sql) in edits {
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(&sql);
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

/// A looked-up value as SQL: a string literal (the server casts it where it goes).
pub fn literal(value: &str) -> String {
    string_literal(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Query,
    Insert,
    Change,
}

/// A statement's first word, upper-cased (after any opening parentheses).
fn first_word(text: &str) -> String {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// What the statement does, from its first word (after a `WITH`, the statement still writes if
/// its last part does; a query is the safe reading).
fn statement_kind(text: &str) -> Kind {
    match first_word(text).as_str() {
        "INSERT" | "REPLACE" => Kind::Insert,
        "UPDATE" | "DELETE" => Kind::Change,
        _ => Kind::Query,
    }
}

/// Whether a statement reads or writes rows, rather than DDL or a setting (which a consumer's
/// file may hold, and which is not checked against the schema).
pub fn reads_or_writes_rows(text: &str) -> bool {
    ["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "REPLACE", "VALUES", "TABLE"].contains(&first_word(text).as_str())
}

/// The queries that find a value for `table.column` in `role`.
fn lookup(schema: &Schema, d: Dialect, table: &str, column: &str, role: Role, kind: Kind, fresh: i64) -> SlotValue {
    let value =
        |queries: Vec<String>| SlotValue::Lookup { table: table.to_string(), column: column.to_string(), queries };
    let Some(t) = schema.find_table(table) else { return value(Vec::new()) };
    let Some(c) = t.column(column) else { return value(Vec::new()) };
    let col = column_sql(&c.name, d);
    let held = format!("SELECT {col} FROM {} WHERE {col} IS NOT NULL LIMIT 1", table_sql(t, d));
    let new = base_value(schema, &c.data_type, &fresh.to_string(), d).map(|v| format!("SELECT {v}"));
    let keyed = t.is_primary_key(&c.name) || t.is_unique(&c.name) || in_composite_key(t, &c.name).is_some();
    let parent = parent_value(schema, d, t, &c.name);
    let queries: Vec<String> = match (role, kind) {
        (Role::Filter, Kind::Change) => new.into_iter().collect(),
        (Role::Filter, _) => [Some(held)].into_iter().chain([new]).flatten().collect(),
        (_, _) if keyed => match parent {
            Some(p) => [Some(p)].into_iter().chain([new]).flatten().collect(),
            None => new.into_iter().collect(),
        },
        _ => [Some(held), parent, new].into_iter().flatten().collect(),
    };
    value(queries)
}

/// The position of `column` in a key of several columns (primary or unique), if it is in one.
fn in_composite_key(t: &Table, column: &str) -> Option<usize> {
    let keys = t.primary_key.iter().map(|k| &k.columns).chain(t.uniques.iter().map(|u| &u.columns));
    keys.filter(|cols| cols.len() > 1).find_map(|cols| cols.iter().position(|c| same_name(c, column)))
}

/// A value of the parent row that `column` references: for a key column, one no row of the
/// child uses yet (a one-to-one reference), or, in a key of several columns, the first or the
/// last parent by turns (so two references of a link table do not meet a seeded pair).
fn parent_value(schema: &Schema, d: Dialect, t: &Table, column: &str) -> Option<String> {
    let fk = t.foreign_keys.iter().find(|fk| fk.columns.iter().any(|c| same_name(c, column)))?;
    let parent = schema.find_table(&fk.ref_table)?;
    let at = fk.columns.iter().position(|c| same_name(c, column))?;
    let pc = fk.referenced_columns(Some(parent)).get(at)?.clone();
    let pcol = column_sql(&pc, d);
    let child = table_sql(t, d);
    let ccol = column_sql(column, d);
    let from = format!("{} p", table_sql(parent, d));
    Some(if t.is_primary_key(column) && in_composite_key(t, column).is_none() || t.is_unique(column) {
        format!(
            "SELECT p.{pcol} FROM {from} WHERE p.{pcol} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {child} c WHERE c.{ccol} = p.{pcol}) LIMIT 1"
        )
    } else {
        let order = if in_composite_key(t, column).unwrap_or(0) % 2 == 1 { "DESC" } else { "ASC" };
        format!("SELECT p.{pcol} FROM {from} WHERE p.{pcol} IS NOT NULL ORDER BY p.{pcol} {order} LIMIT 1")
    })
}

/// The placeholders written in `text` (outside strings, quoted names and comments), each with
/// its occurrences.
fn tokens(text: &str, d: Dialect) -> Vec<Slot> {
    let bytes = text.as_bytes();
    let mut out: Vec<Slot> = Vec::new();
    let mut i = 0;
    let word = |j: usize| bytes.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b {
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 2);
                continue;
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) && (i == 0 || !word(i - 1)) => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                add(&mut out, &text[i..j], (i, j), false);
                i = j;
                continue;
            }
            b'$' if d == Dialect::Postgres && bytes.get(i + 1) == Some(&b'$') => {
                // A dollar-quoted body: no placeholders inside.
                i = text[i + 2..].find("$$").map_or(bytes.len(), |e| i + 2 + e + 2);
                continue;
            }
            b's' | b'S' if (i == 0 || !word(i - 1)) && sqlc_macro(&text[i..]).is_some() => {
                let (len, name) = sqlc_macro(&text[i..]).unwrap_or_default();
                add(&mut out, &format!("@{name}"), (i, i + len), false);
                i += len;
                continue;
            }
            b'?' if d != Dialect::Postgres => {
                // `?` is a parameter of its own; SQLite's `?NNN` is the same one each time.
                let digits = bytes[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                add(&mut out, &text[i..i + 1 + digits], (i, i + 1 + digits), digits == 0);
                i += 1 + digits;
                continue;
            }
            b':' | b'@'
                if bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                    && (i == 0 || !(word(i - 1) || bytes[i - 1] == b':' || bytes[i - 1] == b'@'))
                    && !(b == b':' && bytes.get(i + 1) == Some(&b':')) =>
            {
                let mut j = i + 1;
                while word(j) {
                    j += 1;
                }
                add(&mut out, &text[i..j], (i, j), false);
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// sqlc's `sqlc.arg(name)`, `sqlc.narg(name)` and `sqlc.slice(name)` at the start of `text`:
/// its length and the parameter's name. Each stands for a parameter, as `@name` does.
fn sqlc_macro(text: &str) -> Option<(usize, String)> {
    let lower = text.get(..12.min(text.len()))?.to_ascii_lowercase();
    let open = ["sqlc.arg(", "sqlc.narg(", "sqlc.slice("].iter().find(|m| lower.starts_with(**m))?.len();
    let close = text[open..].find(')')? + open;
    let name = text[open..close].trim().trim_matches(['\'', '"']).to_string();
    Some((close + 1, name))
}

fn add(out: &mut Vec<Slot>, token: &str, range: (usize, usize), alone: bool) {
    if !alone {
        if let Some(slot) = out.iter_mut().find(|s| s.token == token) {
            slot.ranges.push(range);
            return;
        }
    }
    out.push(Slot { token: token.to_string(), ranges: vec![range], value: SlotValue::Fixed("NULL".into()) });
}

/// Where each placeholder the parser saw stands, its role and its column (table, column).
type Roles = Vec<(Span, Role, Option<(String, String)>)>;

fn roles(schema: &Schema, dialect: Dialect, statement: &Statement, analysis: &Analysis) -> Roles {
    let chunk = Chunk { kind: ChunkKind::Statement, text: &statement.text, offset: 0, start: statement.start };
    let text = super::resolve::placeholders_as_positional(&statement.text, dialect);
    let Ok(parsed) = parse_statement(sql_dialect(dialect), &chunk, &text) else { return Vec::new() };
    let mut finder = Finder { schema, analysis, roles: Vec::new() };
    finder.statement(&parsed);
    let _ = parsed.visit(&mut finder);
    finder.roles
}

struct Finder<'a> {
    schema: &'a Schema,
    analysis: &'a Analysis,
    roles: Roles,
}

fn placeholder(e: &Expr) -> Option<Span> {
    match e {
        Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => {
            Some(Span::new(v.span.start.line as u32, v.span.start.column as u32))
        }
        Expr::Cast { expr, .. } | Expr::Nested(expr) => placeholder(expr),
        // `$1`, `:name` or `@name` where the dialect reads them as names (MySQL, SQLite).
        Expr::Identifier(i)
            if i.quote_style.is_none()
                && i.value.len() > 1
                && (i.value.starts_with('$') || i.value.starts_with(':') || i.value.starts_with('@')) =>
        {
            Some(Span::new(i.span.start.line as u32, i.span.start.column as u32))
        }
        // sqlc.arg(name) and its kin.
        Expr::Function(f) => {
            let parts: Vec<&Ident> = f.name.0.iter().filter_map(|p| p.as_ident()).collect();
            match parts.as_slice() {
                [q, m]
                    if q.value.eq_ignore_ascii_case("sqlc")
                        && ["arg", "narg", "slice"].iter().any(|x| m.value.eq_ignore_ascii_case(x)) =>
                {
                    Some(Span::new(q.span.start.line as u32, q.span.start.column as u32))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn column_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Identifier(i) => Some(i),
        Expr::CompoundIdentifier(parts) => parts.last(),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => column_ident(expr),
        _ => None,
    }
}

impl Finder<'_> {
    /// The schema column a name written at `at` resolved to.
    fn column_at(&self, at: &Ident) -> Option<(String, String)> {
        let span = Span::new(at.span.start.line as u32, at.span.start.column as u32);
        self.analysis
            .references
            .iter()
            .find(|r| r.start == span && r.column.is_some())
            .map(|r| (r.table.clone(), r.column.clone().unwrap_or_default()))
    }

    fn note(&mut self, e: &Expr, role: Role, column: Option<(String, String)>) {
        if let Some(at) = placeholder(e) {
            if !self.roles.iter().any(|(s, ..)| *s == at) {
                self.roles.push((at, role, column));
            }
        }
    }

    /// Writes: an INSERT's values (by its column list, or the table's columns in order), an
    /// UPDATE's SET.
    fn statement(&mut self, s: &Sql) {
        match s {
            Sql::Insert(insert) => {
                let Some(source) = &insert.source else { return };
                let rows: Vec<Vec<&Expr>> = match source.body.as_ref() {
                    SetExpr::Values(values) => values.rows.iter().map(|r| r.iter().collect()).collect(),
                    // INSERT ... SELECT: the select list, item by item.
                    SetExpr::Select(select) => vec![select
                        .projection
                        .iter()
                        .filter_map(|item| match item {
                            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                            _ => None,
                        })
                        .collect()],
                    _ => return,
                };
                let columns: Vec<Option<(String, String)>> = if insert.columns.is_empty() {
                    let TableObject::TableName(name) = &insert.table else { return };
                    let Some(last) = name.0.last().and_then(|p| p.as_ident()) else { return };
                    let span = Span::new(last.span.start.line as u32, last.span.start.column as u32);
                    let Some(r) = self.analysis.references.iter().find(|r| r.start == span && r.column.is_none())
                    else {
                        return;
                    };
                    let table = r.table.clone();
                    let Some(t) = self.schema.find_table(&table) else { return };
                    t.columns.iter().map(|c| Some((table.clone(), c.name.clone()))).collect()
                } else {
                    insert
                        .columns
                        .iter()
                        .map(|c| c.0.last().and_then(|p| p.as_ident()).and_then(|i| self.column_at(i)))
                        .collect()
                };
                for row in &rows {
                    for (e, column) in row.iter().zip(columns.iter().chain(std::iter::repeat(&None))) {
                        self.note(e, Role::Write, column.clone());
                    }
                }
            }
            Sql::Update(update) => {
                for a in &update.assignments {
                    if let AssignmentTarget::ColumnName(name) = &a.target {
                        let column = name.0.last().and_then(|p| p.as_ident()).and_then(|i| self.column_at(i));
                        self.note(&a.value, Role::Write, column);
                    }
                }
            }
            _ => {}
        }
    }
}

impl Visitor for Finder<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        match &q.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                if let Some(l) = limit {
                    self.note(l, Role::Limit, None);
                }
                if let Some(o) = offset {
                    self.note(&o.value, Role::Limit, None);
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.note(offset, Role::Limit, None);
                self.note(limit, Role::Limit, None);
            }
            None => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let pair = |a: &Expr, b: &Expr| -> Option<(Option<(String, String)>, Expr)> {
            let i = column_ident(a)?;
            placeholder(b)?;
            Some((self.column_at(i), b.clone()))
        };
        let mut found: Vec<(Expr, Option<(String, String)>)> = Vec::new();
        match e {
            Expr::BinaryOp { left, right, .. } => {
                if let Some((c, p)) = pair(left, right).or_else(|| pair(right, left)) {
                    found.push((p, c));
                }
            }
            Expr::In { expr, target: InTarget::List(list), .. } => {
                if let Some(i) = column_ident(expr) {
                    let c = self.column_at(i);
                    found.extend(list.iter().map(|p| (p.clone(), c.clone())));
                }
            }
            Expr::Between { expr, low, high, .. } => {
                if let Some(i) = column_ident(expr) {
                    let c = self.column_at(i);
                    found.push(((**low).clone(), c.clone()));
                    found.push(((**high).clone(), c));
                }
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                if let Some(i) = column_ident(expr) {
                    found.push(((**pattern).clone(), self.column_at(i)));
                }
            }
            _ => {}
        }
        for (p, c) in found {
            self.note(&p, Role::Filter, c);
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    const SCHEMA: &str = "CREATE TABLE customers (id bigint PRIMARY KEY, email text UNIQUE, name text NOT NULL);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
            total numeric(10,2) NOT NULL, note text);";

    fn slots_of(sql: &str, d: Dialect) -> Vec<Slot> {
        let schema = import(SCHEMA, Some(d)).schema;
        slots(&schema, d, &Statement { name: None, text: sql.to_string(), start: Span::new(7, 3) })
    }

    fn first_query(slot: &Slot) -> (&str, &str, &str) {
        match &slot.value {
            SlotValue::Lookup { table, column, queries } => (table, column, queries[0].as_str()),
            SlotValue::Fixed(sql) => ("", "", sql.as_str()),
        }
    }

    #[test]
    fn a_filter_in_a_query_looks_for_a_value_the_column_holds() {
        let s =
            slots_of("SELECT o.id FROM orders o\n  WHERE o.customer_id = $1 AND $1 > 0 LIMIT $2", Dialect::Postgres);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].ranges.len(), 2, "one value for every `$1`");
        let (table, column, query) = first_query(&s[0]);
        assert_eq!((table, column), ("orders", "customer_id"));
        assert!(query.starts_with("SELECT customer_id FROM orders WHERE customer_id IS NOT NULL"), "{query}");
        assert_eq!(s[1].value, SlotValue::Fixed("10".into()));
    }

    #[test]
    fn writes_take_fresh_keys_real_parents_and_held_values() {
        let s = slots_of("INSERT INTO orders (id, customer_id, total) VALUES (?, ?, ?)", Dialect::Sqlite);
        assert_eq!(s.len(), 3, "every `?` is its own");
        let numbered = slots_of("UPDATE orders SET note = ?1, total = ?2 WHERE id = ?1", Dialect::Sqlite);
        assert_eq!(numbered.len(), 2, "`?1` twice is one parameter");
        assert_eq!(numbered[0].ranges.len(), 2);
        assert_eq!(first_query(&numbered[1]).1, "total");
        let mysql = slots_of("INSERT INTO customers (\n  name, email\n) VALUES (\n  $1, $2\n)", Dialect::MySql);
        assert_eq!(first_query(&mysql[0]).1, "name", "MySQL reads `$1` as a name: still a parameter");
        assert!(first_query(&s[0]).2.contains(&FRESH_ROW.to_string().chars().take(6).collect::<String>()));
        let parent = first_query(&s[1]).2;
        assert!(
            parent.starts_with("SELECT customer_id FROM orders"),
            "a value a row holds references a parent: {parent}"
        );
        let SlotValue::Lookup { queries, .. } = &s[1].value else { panic!() };
        assert!(queries.iter().any(|q| q.contains("FROM customers p")), "{queries:?}");
        assert_eq!(first_query(&s[2]).1, "total");
    }

    #[test]
    fn an_update_or_delete_filters_on_a_value_no_row_has() {
        let s = slots_of("UPDATE orders SET note = :note WHERE id = :id", Dialect::Sqlite);
        assert_eq!(first_query(&s[0]).1, "note");
        let (_, column, query) = first_query(&s[1]);
        assert_eq!(column, "id");
        assert!(!query.contains("FROM orders"), "{query}");
        let s = slots_of("DELETE FROM customers WHERE email = @email", Dialect::Postgres);
        let SlotValue::Lookup { queries, .. } = &s[0].value else { panic!() };
        assert_eq!(queries.len(), 1);
        assert!(!queries[0].contains("FROM"), "{queries:?}");
    }

    #[test]
    fn an_insert_without_columns_binds_by_position_and_strings_are_left_alone() {
        let s = slots_of("INSERT INTO customers VALUES ($1, $2, '$3 ?')", Dialect::Postgres);
        assert_eq!(s.len(), 2);
        assert_eq!(first_query(&s[1]).1, "email");
        let text = bound("INSERT INTO customers VALUES ($1, $2, '$3 ?')", &s, &[Some("7".into()), None]);
        assert_eq!(text, "INSERT INTO customers VALUES (7, NULL, '$3 ?')");
    }

    #[test]
    fn sqlc_macros_are_placeholders() {
        let sql = "SELECT id FROM orders WHERE customer_id = sqlc.arg(customer) AND id IN (sqlc.slice('ids')) AND note = @customer";
        let s = slots_of(sql, Dialect::Postgres);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].token, "@customer");
        assert_eq!(s[0].ranges.len(), 2);
        assert_eq!(first_query(&s[0]).1, "customer_id");
        assert_eq!(first_query(&s[1]).1, "id");
        let text = bound(sql, &s, &[Some("'4'".into()), Some("'5'".into())]);
        assert_eq!(text, "SELECT id FROM orders WHERE customer_id = '4' AND id IN ('5') AND note = '4'");
    }

    #[test]
    fn a_placeholder_with_nothing_to_go_by_is_null() {
        let s = slots_of("SELECT coalesce($1, 'x')", Dialect::Postgres);
        assert_eq!(s[0].value, SlotValue::Fixed("NULL".into()));
    }
}
