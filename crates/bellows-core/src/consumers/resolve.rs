//! Name resolution for consumer statements: scopes, as the server builds them.
//!
//! The query's structure (statements, `WITH`, set operations, `SELECT ... FROM`, joins, derived
//! tables) is walked here by hand, because that is where scopes open and close. Expressions are
//! walked with sqlparser's visitor, which reaches every clause and every kind of expression; a
//! subquery met inside an expression is resolved by this module in a scope of its own (it sees
//! the outer scopes, as a correlated subquery does), and the visitor's own walk through it is
//! ignored.

use super::{Finding, FindingKind, Statement};
use crate::import::split::{Chunk, ChunkKind};
use crate::import::{parse_statement, sql_dialect};
use crate::model::{same_name, Identity, Table};
use crate::{Dialect, Schema, Span};
use sqlparser::ast::{
    AssignmentTarget, ConflictTarget, Delete, Expr, FromTable, FunctionArg, FunctionArguments, Ident, Insert,
    JoinConstraint, JoinOperator, ObjectName, OnConflictAction, OnInsert, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement as Sql, TableAlias, TableFactor, TableObject, TableWithJoins,
    Update, UpdateTableFromKind, Visit, Visitor,
};
use std::collections::HashMap;
use std::ops::ControlFlow;

/// What resolving one statement against a schema gives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Every name that resolved to a schema's table or column, where it is written.
    pub references: Vec<Reference>,
    /// The statement's output columns (a query's, or a write's RETURNING), when all are known.
    pub output: Option<Vec<String>>,
    /// Whether a `*` or `t.*` feeds the output.
    pub star: bool,
    /// The schema's tables (qualified) whose every column a `*` or `t.*` reads.
    pub stars: Vec<String>,
    /// The schema's tables whose whole rows the statement writes: a DELETE's, and an INSERT's
    /// that names no columns (it writes every column).
    pub row_writes: Vec<String>,
    /// (table, column) a `JOIN ... USING (column)` reads on each side: one name in the text for
    /// two tables' columns, so not among `references` (a rewrite cannot rename one side alone).
    pub shared_reads: Vec<(String, String)>,
}

/// What a statement does to one of the schema's tables (`column: None`) or columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub table: String,
    pub column: Option<String>,
    /// Read by name.
    pub read: bool,
    pub write: bool,
    /// Read through a `*` (every column of the table).
    pub star: bool,
    /// Whole rows written (a DELETE, an INSERT without a column list): on the table's entry.
    pub rows: bool,
}

impl Analysis {
    /// Every table and column the statement uses, once each (names compared as the server
    /// does), in the order first met, with what it does to each; `schema` gives the columns a
    /// `*` expands to. The dependency map and `bellows deps` both read a statement this way.
    pub fn uses(&self, schema: &Schema) -> Vec<Use> {
        let mut uses: Vec<Use> = Vec::new();
        let mut note = |table: &str, column: Option<&str>, set: &dyn Fn(&mut Use)| {
            let same = |u: &Use| {
                same_name(&u.table, table)
                    && match (u.column.as_deref(), column) {
                        (None, None) => true,
                        (Some(a), Some(b)) => same_name(a, b),
                        _ => false,
                    }
            };
            match uses.iter_mut().find(|u| same(u)) {
                Some(u) => set(u),
                None => {
                    let mut u = Use {
                        table: table.to_string(),
                        column: column.map(str::to_string),
                        read: false,
                        write: false,
                        star: false,
                        rows: false,
                    };
                    set(&mut u);
                    uses.push(u);
                }
            }
        };
        for r in &self.references {
            let set: &dyn Fn(&mut Use) = if r.write { &|u| u.write = true } else { &|u| u.read = true };
            note(&r.table, None, set);
            if let Some(c) = &r.column {
                note(&r.table, Some(c), set);
            }
        }
        for (table, column) in &self.shared_reads {
            note(table, Some(column), &|u| u.read = true);
        }
        for table in &self.stars {
            note(table, None, &|u| u.read = true);
            if let Some(t) = schema.find_table(table) {
                for c in &t.columns {
                    note(table, Some(&c.name), &|u| u.star = true);
                }
            }
        }
        for table in &self.row_writes {
            note(table, None, &|u| u.rows = true);
        }
        uses
    }
}

/// Resolves one statement against `schema`.
pub fn analyze(schema: &Schema, dialect: Dialect, statement: &Statement) -> Analysis {
    let parser = sql_dialect(dialect);
    let text = placeholders_as_positional(&statement.text, dialect);
    let chunk = Chunk { kind: ChunkKind::Statement, text: &statement.text, offset: 0, start: statement.start };
    let parsed = match parse_statement(parser, &chunk, &text) {
        Ok(parsed) => parsed,
        Err(d) => {
            return Analysis {
                findings: vec![Finding {
                    kind: FindingKind::Unreadable,
                    span: d.span,
                    name: String::new(),
                    message: d.message,
                }],
                ..Analysis::default()
            }
        }
    };
    let mut r = Resolver::new(schema, dialect, 0);
    let output = r.statement(&parsed, &[]);
    Analysis {
        findings: r.findings,
        references: r.refs,
        output,
        star: r.saw_star,
        stars: r.stars,
        row_writes: r.row_writes,
        shared_reads: r.shared_reads,
    }
}

/// Every finding of one statement against `schema`.
pub fn resolve_statement(schema: &Schema, dialect: Dialect, statement: &Statement) -> Vec<Finding> {
    analyze(schema, dialect, statement).findings
}

/// Every name in the statement that resolves to a schema's table or column, where it is written
/// (empty when the statement cannot be parsed).
pub fn references(schema: &Schema, dialect: Dialect, statement: &Statement) -> Vec<Reference> {
    analyze(schema, dialect, statement).references
}

/// sqlc's `@name` parameters (PostgreSQL) are not SQL: each becomes `$1` padded with spaces to
/// the same width, so every position after it stays where the user wrote it.
pub(super) fn placeholders_as_positional(text: &str, dialect: Dialect) -> String {
    if dialect != Dialect::Postgres || !text.contains('@') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
        } else if b == b'\'' || b == b'"' {
            quote = Some(b);
        } else if b == b'@'
            && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'@'))
        {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            out.push_str("$1");
            out.extend(std::iter::repeat_n(' ', j - i - 2));
            i = j;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// A table, view, CTE or derived table in a scope, under the name the query gives it.
#[derive(Debug, Clone)]
struct Rel {
    name: String,
    /// The schema a table was named with (`public.orders`), for three-part references.
    qualifier: Option<String>,
    /// `None`: its columns cannot be known (a table function, `VALUES`); any name is accepted.
    columns: Option<Vec<String>>,
    /// The schema's table it is (qualified), when it is one: what a rewrite renames.
    table: Option<String>,
}

impl Rel {
    fn has(&self, column: &str) -> Option<bool> {
        self.columns.as_ref().map(|cs| cs.iter().any(|c| same_name(c, column)))
    }
}

/// One level of scope: the FROM list of one SELECT (or an UPDATE's or DELETE's tables).
#[derive(Debug, Clone, Default)]
struct Frame {
    rels: Vec<Rel>,
    /// The SELECT list's output names, which ORDER BY, GROUP BY and HAVING may name.
    aliases: Vec<String>,
    /// Columns a `JOIN ... USING` merged: unqualified, they are not ambiguous.
    using: Vec<String>,
    /// A FROM item whose name Bellows cannot tell: any qualifier is accepted.
    opaque: bool,
    /// A NATURAL join: same-named columns are one.
    natural: bool,
}

struct Resolver<'s> {
    schema: &'s Schema,
    dialect: Dialect,
    findings: Vec<Finding>,
    /// The CTEs in scope, innermost `WITH` last.
    ctes: Vec<Vec<(String, Option<Vec<String>>)>>,
    /// Views' output columns, worked out once.
    views: HashMap<String, Option<Vec<String>>>,
    /// How deep in views' own definitions (a view reading a view).
    depth: u32,
    /// Every name that resolved to a table or a table's column, where it is written.
    refs: Vec<Reference>,
    /// Walking a select item that is a bare column.
    output_item: bool,
    /// A `*` or `t.*` was expanded.
    saw_star: bool,
    /// Tables a `*` expanded over.
    stars: Vec<String>,
    /// Tables whose whole rows are written.
    row_writes: Vec<String>,
    /// Columns a `JOIN ... USING` reads.
    shared_reads: Vec<(String, String)>,
    /// Resolving a column the statement writes.
    writing: bool,
}

/// A name in the statement that resolved to a schema's table (`column: None`) or column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub start: Span,
    pub end: Span,
    pub quote: Option<char>,
    /// The table, qualified as the schema has it.
    pub table: String,
    pub column: Option<String>,
    /// A bare column as a whole select-list (or RETURNING) item: its name is the output's name.
    pub names_output: bool,
    /// The statement writes this column (an INSERT list, a SET, an ON CONFLICT target).
    pub write: bool,
}

fn span(ident: &Ident) -> Span {
    Span::new(ident.span.start.line as u32, ident.span.start.column as u32)
}

fn idents(name: &ObjectName) -> Vec<&Ident> {
    name.0.iter().filter_map(|p| p.as_ident()).collect()
}

fn text_of(parts: &[&Ident]) -> String {
    parts.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(".")
}

/// Output names under an alias's column list (`AS t(a, b)`).
fn renamed(alias: Option<&TableAlias>, columns: Option<Vec<String>>) -> Option<Vec<String>> {
    let Some(alias) = alias.filter(|a| !a.columns.is_empty()) else { return columns };
    let mut out: Vec<String> = alias.columns.iter().map(|c| c.name.value.clone()).collect();
    if let Some(columns) = columns {
        out.extend(columns.into_iter().skip(alias.columns.len()));
        Some(out)
    } else {
        None
    }
}

/// The server's own relations: catalogs (`information_schema`, `pg_catalog`, `sqlite_master`,
/// MySQL's `mysql` and `performance_schema`), and the SQL-value functions PostgreSQL lets a FROM
/// name without parentheses. Their columns are not modelled, so any is accepted.
fn system_relation(dialect: Dialect, qualifier: Option<&str>, name: &str) -> bool {
    const SCHEMAS: &[&str] =
        &["information_schema", "pg_catalog", "performance_schema", "mysql", "sys", "sqlite_temp_master"];
    if qualifier.is_some_and(|q| SCHEMAS.iter().any(|s| same_name(s, q))) {
        return true;
    }
    match dialect {
        Dialect::Postgres => name.to_ascii_lowercase().starts_with("pg_") || builtin_value(name),
        Dialect::Sqlite => ["sqlite_master", "sqlite_schema", "sqlite_sequence", "sqlite_temp_master", "dual"]
            .iter()
            .any(|s| same_name(s, name)),
        Dialect::MySql => same_name(name, "dual"),
    }
}

/// Columns every table has without declaring them: PostgreSQL's system columns, SQLite's rowid.
fn system_column(dialect: Dialect, name: &str) -> bool {
    let names: &[&str] = match dialect {
        Dialect::Postgres => &["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid"],
        Dialect::Sqlite => &["rowid", "oid", "_rowid_"],
        Dialect::MySql => &[],
    };
    names.iter().any(|n| same_name(n, name))
}

/// Names that read like columns but are the server's own values.
fn builtin_value(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "current_user",
        "session_user",
        "current_role",
        "current_catalog",
        "current_schema",
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "user",
        "true",
        "false",
        "null",
        "default",
        "unknown",
        "rowid",
        "oid",
        "_rowid_",
        "excluded",
    ];
    NAMES.iter().any(|n| same_name(n, name))
}

impl<'s> Resolver<'s> {
    fn new(schema: &'s Schema, dialect: Dialect, depth: u32) -> Self {
        Resolver {
            schema,
            dialect,
            findings: Vec::new(),
            ctes: Vec::new(),
            views: HashMap::new(),
            depth,
            refs: Vec::new(),
            output_item: false,
            saw_star: false,
            stars: Vec::new(),
            row_writes: Vec::new(),
            shared_reads: Vec::new(),
            writing: false,
        }
    }

    /// A `*` over every relation of `frame`.
    fn star_over(&mut self, frame: Option<&Frame>) {
        self.saw_star = true;
        if self.depth > 0 {
            return;
        }
        for table in frame.into_iter().flat_map(|f| &f.rels).filter_map(|r| r.table.as_ref()) {
            if !self.stars.contains(table) {
                self.stars.push(table.clone());
            }
        }
    }

    fn refer(&mut self, at: &Ident, table: &str, column: Option<&str>) {
        if self.depth > 0 {
            return;
        }
        let end = Span::new(at.span.end.line as u32, at.span.end.column as u32);
        self.refs.push(Reference {
            start: span(at),
            end,
            quote: at.quote_style,
            table: table.to_string(),
            column: column.map(str::to_string),
            names_output: self.output_item && column.is_some(),
            write: self.writing && column.is_some(),
        });
    }

    fn finding(&mut self, kind: FindingKind, at: &Ident, name: String, message: String) {
        self.findings.push(Finding { kind, span: span(at), name, message });
    }

    /// Resolves a statement and gives its output columns (a query's, or a write's RETURNING).
    fn statement(&mut self, statement: &Sql, outer: &[Frame]) -> Option<Vec<String>> {
        match statement {
            Sql::Query(q) => self.query(q, outer),
            Sql::Insert(insert) => self.insert(insert, outer),
            Sql::Update(update) => self.update(update, outer),
            Sql::Delete(delete) => self.delete(delete, outer),
            // DDL, transactions and settings name no data to resolve.
            _ => None,
        }
    }

    /// A RETURNING list's output names, resolved in the write's scope.
    fn returning(&mut self, items: &[SelectItem], frames: &[Frame]) -> Option<Vec<String>> {
        let mut out = Some(Vec::new());
        for item in items {
            let named = match item {
                SelectItem::UnnamedExpr(e) => {
                    self.output_item = matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
                    self.walk(e, frames);
                    self.output_item = false;
                    Some(vec![output_name(e, self.dialect)])
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.walk(expr, frames);
                    Some(vec![alias.value.clone()])
                }
                SelectItem::Wildcard(_) => {
                    self.star_over(frames.last());
                    let all: Option<Vec<Vec<String>>> =
                        frames.last().map(|f| f.rels.iter().map(|r| r.columns.clone()).collect()).unwrap_or(None);
                    all.map(|v| v.into_iter().flatten().collect())
                }
                other => {
                    self.walk(other, frames);
                    None
                }
            };
            match (named, &mut out) {
                (Some(n), Some(o)) => o.extend(n),
                _ => out = None,
            }
        }
        out
    }

    /// Resolves a query and gives its output column names (`None`: not all known).
    fn query(&mut self, q: &Query, outer: &[Frame]) -> Option<Vec<String>> {
        let with = q.with.is_some();
        if let Some(w) = &q.with {
            self.ctes.push(Vec::new());
            for cte in &w.cte_tables {
                let name = cte.alias.name.value.clone();
                if w.recursive {
                    // The recursive reference sees the CTE's named columns (or any, until known).
                    let named = renamed(Some(&cte.alias), None);
                    self.push_cte(name.clone(), named);
                }
                let columns = self.query(&cte.query, outer);
                let columns = renamed(Some(&cte.alias), columns);
                self.push_cte(name, columns);
            }
        }
        let (columns, frame) = self.set_expr(&q.body, outer);
        let mut frames = outer.to_vec();
        let mut last = frame.unwrap_or_default();
        if let Some(cols) = &columns {
            last.aliases.extend(cols.iter().cloned());
        } else {
            last.opaque = true;
            last.rels.push(Rel { table: None, name: String::new(), qualifier: None, columns: None });
        }
        frames.push(last);
        if let Some(order_by) = &q.order_by {
            self.walk(order_by, &frames);
        }
        if let Some(limit) = &q.limit_clause {
            self.walk(limit, outer);
        }
        if let Some(fetch) = &q.fetch {
            self.walk(fetch, outer);
        }
        if with {
            self.ctes.pop();
        }
        columns
    }

    fn push_cte(&mut self, name: String, columns: Option<Vec<String>>) {
        if let Some(level) = self.ctes.last_mut() {
            level.retain(|(n, _)| !same_name(n, &name));
            level.push((name, columns));
        }
    }

    fn set_expr(&mut self, body: &SetExpr, outer: &[Frame]) -> (Option<Vec<String>>, Option<Frame>) {
        match body {
            SetExpr::Select(select) => {
                let (columns, frame) = self.select(select, outer);
                (columns, Some(frame))
            }
            SetExpr::Query(q) => (self.query(q, outer), None),
            SetExpr::SetOperation { left, right, .. } => {
                let (columns, _) = self.set_expr(left, outer);
                self.set_expr(right, outer);
                (columns, None)
            }
            SetExpr::Values(values) => {
                self.walk(values, outer);
                (None, None)
            }
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
                (self.statement(s, outer), None)
            }
            SetExpr::Table(t) => {
                let columns = t.table_name.as_ref().and_then(|name| {
                    let name = ObjectName::from(vec![name.clone()]);
                    self.lookup(&name).and_then(|r| r.columns)
                });
                (columns, None)
            }
        }
    }

    fn select(&mut self, s: &Select, outer: &[Frame]) -> (Option<Vec<String>>, Frame) {
        let mut frame = Frame::default();
        for from in &s.from {
            self.join_tree(from, outer, &mut frame);
        }
        let mut frames = outer.to_vec();
        frames.push(frame);
        for from in &s.from {
            self.join_conditions(from, &mut frames);
        }
        let mut columns: Option<Vec<String>> = Some(Vec::new());
        for item in &s.projection {
            let named = match item {
                SelectItem::UnnamedExpr(e) => {
                    self.output_item = matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
                    self.walk(e, &frames);
                    self.output_item = false;
                    Some(vec![output_name(e, self.dialect)])
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.walk(expr, &frames);
                    Some(vec![alias.value.clone()])
                }
                SelectItem::ExprWithAliases { expr, aliases } => {
                    self.walk(expr, &frames);
                    Some(aliases.iter().map(|a| a.value.clone()).collect())
                }
                SelectItem::Wildcard(_) => {
                    self.star_over(frames.last());
                    let all: Option<Vec<Vec<String>>> =
                        frames.last().map(|f| f.rels.iter().map(|r| r.columns.clone()).collect()).unwrap_or(None);
                    all.map(|v| v.into_iter().flatten().collect())
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    self.saw_star = true;
                    let parts = idents(name);
                    match parts.last() {
                        Some(q) => self.qualified_star(q, &frames),
                        None => None,
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::Expr(e), _) => {
                    self.walk(e, &frames);
                    None
                }
            };
            match (named, &mut columns) {
                (Some(n), Some(c)) => c.extend(n),
                _ => columns = None,
            }
        }
        if let Some(last) = frames.last_mut() {
            last.aliases = columns.clone().unwrap_or_default();
            if columns.is_none() {
                // `SELECT *` over something unknown: its output names are unknown too.
                last.aliases.clear();
            }
            for item in &s.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    last.aliases.push(alias.value.clone());
                }
            }
        }
        if let Some(e) = &s.prewhere {
            self.walk(e, &frames);
        }
        if let Some(e) = &s.selection {
            self.walk(e, &frames);
        }
        self.walk(&s.group_by, &frames);
        if let Some(e) = &s.having {
            self.walk(e, &frames);
        }
        self.walk(&s.named_window, &frames);
        if let Some(e) = &s.qualify {
            self.walk(e, &frames);
        }
        self.walk(&s.sort_by, &frames);
        self.walk(&s.cluster_by, &frames);
        self.walk(&s.distribute_by, &frames);
        let frame = frames.pop().unwrap_or_default();
        (columns, frame)
    }

    /// `t.*`: the relation's columns.
    fn qualified_star(&mut self, qualifier: &Ident, frames: &[Frame]) -> Option<Vec<String>> {
        for frame in frames.iter().rev() {
            if let Some(rel) = frame.rels.iter().find(|r| same_name(&r.name, &qualifier.value)).cloned() {
                if let Some(table) = &rel.table {
                    if table.rsplit('.').next().is_some_and(|n| same_name(n, &qualifier.value)) {
                        self.refer(qualifier, table, None);
                    }
                    if self.depth == 0 && !self.stars.contains(table) {
                        self.stars.push(table.clone());
                    }
                }
                return rel.columns;
            }
        }
        if !frames.iter().any(|f| f.opaque) {
            self.finding(
                FindingKind::UnknownAlias,
                qualifier,
                qualifier.value.clone(),
                format!("no table or alias named `{}` in this query's FROM", qualifier.value),
            );
        }
        None
    }

    fn join_tree(&mut self, from: &TableWithJoins, outer: &[Frame], frame: &mut Frame) {
        self.factor(&from.relation, outer, frame);
        for join in &from.joins {
            self.factor(&join.relation, outer, frame);
        }
    }

    /// Resolves the ON and USING of every join, once every table of the FROM is known.
    fn join_conditions(&mut self, from: &TableWithJoins, frames: &mut [Frame]) {
        if let TableFactor::NestedJoin { table_with_joins, .. } = &from.relation {
            self.join_conditions(table_with_joins, frames);
        }
        for join in &from.joins {
            if let TableFactor::NestedJoin { table_with_joins, .. } = &join.relation {
                self.join_conditions(table_with_joins, frames);
            }
            if let Some(last) = frames.last_mut() {
                match constraint(&join.join_operator) {
                    Some(JoinConstraint::Using(names) | JoinConstraint::UsingAlias(names, _)) => {
                        for name in names {
                            let Some(c) = idents(name).last().map(|i| (*i).clone()) else { continue };
                            // Both sides must have it: two tables of the FROM, or one whose
                            // columns are not known.
                            let having = last.rels.iter().filter(|r| r.has(&c.value) != Some(false)).count();
                            if self.depth == 0 {
                                for r in last.rels.iter().filter(|r| r.has(&c.value) == Some(true)) {
                                    if let Some(table) = &r.table {
                                        self.shared_reads.push((table.clone(), c.value.clone()));
                                    }
                                }
                            }
                            if having < 2 && !last.opaque {
                                self.findings.push(Finding {
                                    kind: FindingKind::UnknownColumn,
                                    span: span(&c),
                                    name: c.value.clone(),
                                    message: format!(
                                        "USING ({}): the tables on both sides must have the column",
                                        c.value
                                    ),
                                });
                            }
                            last.using.push(c.value);
                        }
                    }
                    // Columns a NATURAL join matches are one column; which ones is not worth
                    // working out to find an ambiguity.
                    Some(JoinConstraint::Natural) => last.natural = true,
                    _ => {}
                }
            }
            self.walk(&join.join_operator, frames);
        }
    }

    fn factor(&mut self, factor: &TableFactor, outer: &[Frame], frame: &mut Frame) {
        match factor {
            TableFactor::Table { name, alias, args: None, .. } => {
                let parts = idents(name);
                let rel = match self.lookup(name) {
                    Some(rel) => rel,
                    None => {
                        if let Some(first) = parts.first() {
                            let written = text_of(&parts);
                            self.finding(
                                FindingKind::UnknownTable,
                                first,
                                written.clone(),
                                format!("no table or view named `{written}`"),
                            );
                        }
                        Rel {
                            table: None,
                            name: parts.last().map(|p| p.value.clone()).unwrap_or_default(),
                            qualifier: None,
                            columns: None,
                        }
                    }
                };
                if let (Some(table), Some(last)) = (&rel.table, parts.last()) {
                    self.refer(last, table, None);
                }
                frame.rels.push(Rel {
                    table: rel.table.clone(),
                    name: alias.as_ref().map_or(rel.name.clone(), |a| a.name.value.clone()),
                    qualifier: if alias.is_some() { None } else { rel.qualifier },
                    columns: renamed(alias.as_ref(), rel.columns),
                });
            }
            TableFactor::Derived { lateral, subquery, alias, .. } => {
                let columns = if *lateral {
                    let mut frames = outer.to_vec();
                    frames.push(frame.clone());
                    self.query(subquery, &frames)
                } else {
                    self.query(subquery, outer)
                };
                frame.rels.push(Rel {
                    table: None,
                    name: alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_default(),
                    qualifier: None,
                    columns: renamed(alias.as_ref(), columns),
                });
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                let mut inner = Frame::default();
                self.join_tree(table_with_joins, outer, &mut inner);
                match alias {
                    Some(alias) => {
                        let columns: Option<Vec<Vec<String>>> = inner.rels.iter().map(|r| r.columns.clone()).collect();
                        frame.rels.push(Rel {
                            table: None,
                            name: alias.name.value.clone(),
                            qualifier: None,
                            columns: renamed(Some(alias), columns.map(|c| c.into_iter().flatten().collect())),
                        });
                    }
                    None => {
                        frame.rels.extend(inner.rels);
                        frame.opaque |= inner.opaque;
                    }
                }
            }
            other => {
                // Table functions, UNNEST, JSON tables and the like: their arguments are
                // expressions in the enclosing scope; their columns are not known here.
                let mut frames = outer.to_vec();
                frames.push(frame.clone());
                self.walk(other, &frames);
                let alias = match other {
                    TableFactor::Table { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::UNNEST { alias, .. }
                    | TableFactor::TableFunction { alias, .. }
                    | TableFactor::JsonTable { alias, .. } => alias.as_ref(),
                    _ => None,
                };
                let name = alias.map(|a| a.name.value.clone()).or_else(|| match other {
                    // An unaliased function in FROM is named after the function.
                    TableFactor::Table { name, .. } | TableFactor::Function { name, .. } => {
                        idents(name).last().map(|i| i.value.clone())
                    }
                    _ => None,
                });
                match name {
                    Some(name) => frame.rels.push(Rel { table: None, name, qualifier: None, columns: None }),
                    None => frame.opaque = true,
                }
                if frame.rels.last().is_none_or(|r| r.columns.is_some()) {
                    frame.opaque = true;
                }
            }
        }
    }

    /// A table, view or CTE by name.
    fn lookup(&mut self, name: &ObjectName) -> Option<Rel> {
        let parts = idents(name);
        let last = parts.last()?;
        if parts.len() == 1 {
            for level in self.ctes.iter().rev() {
                if let Some((n, columns)) = level.iter().rev().find(|(n, _)| same_name(n, &last.value)) {
                    return Some(Rel { table: None, name: n.clone(), qualifier: None, columns: columns.clone() });
                }
            }
        }
        let qualifier = (parts.len() >= 2).then(|| parts[parts.len() - 2].value.clone());
        let rel = |name: &str, columns: Option<Vec<String>>| Rel {
            table: None,
            name: name.to_string(),
            qualifier: qualifier.clone(),
            columns,
        };
        if let Some(table) = self.find_table(qualifier.as_deref(), &last.value) {
            let mut found = rel(&table.name, Some(table.columns.iter().map(|c| c.name.clone()).collect()));
            found.table = Some(table.qualified_name());
            return Some(found);
        }
        if system_relation(self.dialect, qualifier.as_deref(), &last.value) {
            return Some(rel(&last.value, None));
        }
        let view = self.find_view(qualifier.as_deref(), &last.value)?;
        let columns = self.view_columns(&view);
        Some(rel(&last.value, columns))
    }

    /// A table by (qualifier, name): a qualifier that names no namespace of the schema is the
    /// default one (`public`, `main`, the MySQL database), and an unqualified name is found in
    /// any namespace when the default one lacks it (the search path).
    fn find_table(&self, qualifier: Option<&str>, name: &str) -> Option<&'s Table> {
        let schema = self.schema;
        if let Some(q) = qualifier {
            if let Some(t) = schema.find_table(&format!("{q}.{name}")) {
                return Some(t);
            }
            if schema.tables.iter().any(|t| t.namespace.as_deref().is_some_and(|ns| same_name(ns, q))) {
                return None;
            }
        }
        schema.find_table(name).or_else(|| schema.tables.iter().find(|t| same_name(&t.name, name)))
    }

    fn find_view(&self, qualifier: Option<&str>, name: &str) -> Option<crate::model::View> {
        let schema = self.schema;
        let found = match qualifier {
            Some(q) => schema.find_view(&format!("{q}.{name}")),
            None => None,
        };
        found
            .or_else(|| schema.find_view(name))
            .or_else(|| schema.views.iter().find(|v| same_name(&v.name, name)))
            .cloned()
    }

    /// A view's output columns, from its definition (`None` when it cannot be read).
    fn view_columns(&mut self, view: &crate::model::View) -> Option<Vec<String>> {
        let key = view.qualified_name().to_ascii_lowercase();
        if let Some(known) = self.views.get(&key) {
            return known.clone();
        }
        if self.depth > 8 {
            return None;
        }
        self.views.insert(key.clone(), None);
        let parser = sql_dialect(self.dialect);
        let chunk = Chunk { kind: ChunkKind::Statement, text: &view.definition, offset: 0, start: Span::new(1, 1) };
        let columns = match parse_statement(parser, &chunk, &view.definition) {
            Ok(Sql::Query(q)) => {
                let mut inner = Resolver::new(self.schema, self.dialect, self.depth + 1);
                inner.views = std::mem::take(&mut self.views);
                let columns = inner.query(&q, &[]);
                self.views = inner.views;
                columns
            }
            _ => None,
        };
        self.views.insert(key, columns.clone());
        columns
    }

    fn target(&mut self, name: &ObjectName) -> Option<Rel> {
        let rel = self.lookup(name);
        if let (Some(table), Some(last)) = (rel.as_ref().and_then(|r| r.table.clone()), idents(name).last()) {
            self.refer(last, &table, None);
        }
        if rel.is_none() {
            let parts = idents(name);
            if let Some(first) = parts.first() {
                let written = text_of(&parts);
                self.finding(FindingKind::UnknownTable, first, written.clone(), format!("no table named `{written}`"));
            }
        }
        rel
    }

    /// A column the statement writes: it must be the target's.
    fn written_column(&mut self, target: &Rel, column: &ObjectName) {
        let parts = idents(column);
        let Some(c) = parts.last() else { return };
        if let Some(table) = &target.table {
            if target.has(&c.value) == Some(true) {
                self.writing = true;
                self.refer(c, table, Some(&c.value));
                self.writing = false;
            }
        }
        if target.has(&c.value) == Some(false) {
            self.finding(
                FindingKind::UnknownColumn,
                c,
                c.value.clone(),
                format!("`{}` has no column `{}`", target.name, c.value),
            );
        }
    }

    fn insert(&mut self, insert: &Insert, outer: &[Frame]) -> Option<Vec<String>> {
        let TableObject::TableName(name) = &insert.table else { return None };
        let target = self.target(name);
        if let Some(source) = &insert.source {
            self.query(source, outer);
        }
        let target = target?;
        for column in &insert.columns {
            self.written_column(&target, column);
        }
        let mut frame = Frame::default();
        let visible = insert.table_alias.as_ref().map_or(target.name.clone(), |a| a.alias.value.clone());
        frame.rels.push(Rel {
            table: target.table.clone(),
            name: visible,
            qualifier: target.qualifier.clone(),
            columns: target.columns.clone(),
        });
        if let Some(aliases) = &insert.insert_alias {
            // MySQL 8's `INSERT ... AS new ON DUPLICATE KEY UPDATE c = new.c`.
            let name = idents(&aliases.row_alias).last().map(|i| i.value.clone()).unwrap_or_default();
            let columns = match &aliases.col_aliases {
                Some(cols) => Some(cols.iter().map(|c| c.value.clone()).collect()),
                None => target.columns.clone(),
            };
            frame.rels.push(Rel { table: None, name, qualifier: None, columns });
        }
        for assignment in &insert.assignments {
            self.assignment_target(&target, &assignment.target);
        }
        let mut frames = outer.to_vec();
        frames.push(frame.clone());
        self.walk(&insert.assignments, &frames);
        match &insert.on {
            Some(OnInsert::DuplicateKeyUpdate(assignments)) => {
                for a in assignments {
                    self.assignment_target(&target, &a.target);
                }
                self.walk(assignments, &frames);
            }
            Some(OnInsert::OnConflict(on)) => {
                if let Some(ConflictTarget::Columns { columns, .. }) = &on.conflict_target {
                    for c in columns {
                        self.written_column(&target, &ObjectName::from(vec![c.clone()]));
                    }
                }
                if let OnConflictAction::DoUpdate(update) = &on.action {
                    for a in &update.assignments {
                        self.assignment_target(&target, &a.target);
                    }
                    let mut with_excluded = frames.clone();
                    if let Some(last) = with_excluded.last_mut() {
                        last.rels.push(Rel {
                            table: None,
                            name: "excluded".into(),
                            qualifier: None,
                            columns: target.columns.clone(),
                        });
                    }
                    self.walk(update, &with_excluded);
                }
            }
            _ => {}
        }
        let out = insert.returning.as_ref().and_then(|r| self.returning(r, &frames));
        if insert.columns.is_empty() && insert.assignments.is_empty() && self.depth == 0 {
            if let Some(table) = &target.table {
                self.row_writes.push(table.clone());
            }
        }
        if !insert.columns.is_empty() || !insert.assignments.is_empty() {
            let written: Vec<String> = insert
                .columns
                .iter()
                .filter_map(|c| idents(c).last().map(|i| i.value.clone()))
                .chain(insert.assignments.iter().flat_map(|a| match &a.target {
                    AssignmentTarget::ColumnName(n) => idents(n).last().map(|i| i.value.clone()).into_iter().collect(),
                    AssignmentTarget::Tuple(ns) => {
                        ns.iter().filter_map(|n| idents(n).last().map(|i| i.value.clone())).collect::<Vec<_>>()
                    }
                }))
                .collect();
            self.required_columns(name, &written);
        }
        out
    }

    /// An INSERT that names its columns must name every column the server cannot fill.
    fn required_columns(&mut self, name: &ObjectName, written: &[String]) {
        let parts = idents(name);
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else { return };
        let qualifier = (parts.len() >= 2).then(|| parts[parts.len() - 2].value.clone());
        let Some(table) = self.find_table(qualifier.as_deref(), &last.value) else { return };
        let missing: Vec<String> = table
            .columns
            .iter()
            .filter(|c| !written.iter().any(|w| same_name(w, &c.name)))
            .filter(|c| !self.fills(table, c))
            .map(|c| c.name.clone())
            .collect();
        if !missing.is_empty() {
            let first = (*first).clone();
            self.finding(
                FindingKind::MissingRequired,
                &first,
                text_of(&parts),
                format!(
                    "leaves out {} of `{}`, NOT NULL with no default",
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                    table.name
                ),
            );
        }
    }

    /// Whether the server gives a column a value when an INSERT leaves it out.
    fn fills(&self, table: &Table, column: &crate::model::Column) -> bool {
        if column.nullable || column.default.is_some() || column.generated.is_some() {
            return true;
        }
        if matches!(
            column.identity,
            Some(Identity::ByDefault | Identity::Always | Identity::Serial | Identity::AutoIncrement)
        ) {
            return true;
        }
        // A domain with a default, or one that allows NULL.
        if let Some(domain) = self.schema.find_domain(&column.data_type.spelling) {
            if domain.default.is_some() {
                return true;
            }
        }
        if trigger_fills(self.schema, self.dialect, table, &column.name) {
            return true;
        }
        // SQLite's INTEGER PRIMARY KEY is the rowid; MySQL's TIMESTAMP columns default to now on
        // old servers, which Bellows does not assume.
        self.dialect == Dialect::Sqlite
            && table
                .primary_key
                .as_ref()
                .is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &column.name))
            && column.data_type.spelling.eq_ignore_ascii_case("integer")
    }

    fn assignment_target(&mut self, target: &Rel, assignment: &AssignmentTarget) {
        match assignment {
            AssignmentTarget::ColumnName(name) => self.written_column(target, name),
            AssignmentTarget::Tuple(names) => {
                for name in names {
                    self.written_column(target, name);
                }
            }
        }
    }

    fn update(&mut self, update: &Update, outer: &[Frame]) -> Option<Vec<String>> {
        let mut frame = Frame::default();
        self.join_tree(&update.table, outer, &mut frame);
        let target = frame.rels.first().cloned();
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) = &update.from {
            for item in from {
                self.join_tree(item, outer, &mut frame);
            }
        }
        let mut frames = outer.to_vec();
        frames.push(frame);
        self.join_conditions(&update.table, &mut frames);
        for a in &update.assignments {
            match &a.target {
                AssignmentTarget::ColumnName(name) if idents(name).len() >= 2 => {
                    // `SET t.c = ...` (MySQL's multi-table UPDATE): resolve like a reference.
                    let parts: Vec<Ident> = idents(name).into_iter().cloned().collect();
                    self.writing = true;
                    self.reference(&parts, &frames);
                    self.writing = false;
                }
                other => {
                    if let Some(target) = &target {
                        self.assignment_target(target, other);
                    }
                }
            }
            self.walk(&a.value, &frames);
        }
        if let Some(e) = &update.selection {
            self.walk(e, &frames);
        }
        self.walk(&update.order_by, &frames);
        update.returning.as_ref().and_then(|r| self.returning(r, &frames))
    }

    fn delete(&mut self, delete: &Delete, outer: &[Frame]) -> Option<Vec<String>> {
        let mut frame = Frame::default();
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        for item in from {
            self.join_tree(item, outer, &mut frame);
        }
        for item in delete.using.iter().flatten() {
            self.join_tree(item, outer, &mut frame);
        }
        if self.depth == 0 {
            // MySQL's `DELETE t1 FROM t1 JOIN t2` names what it deletes from; otherwise the
            // first table of the FROM.
            let deleted: Vec<&Rel> = if delete.tables.is_empty() {
                frame.rels.first().into_iter().collect()
            } else {
                let names: Vec<String> =
                    delete.tables.iter().filter_map(|n| idents(n).last().map(|i| i.value.clone())).collect();
                frame.rels.iter().filter(|r| names.iter().any(|n| same_name(n, &r.name))).collect()
            };
            let tables: Vec<String> = deleted.into_iter().filter_map(|r| r.table.clone()).collect();
            self.row_writes.extend(tables);
        }
        let mut frames = outer.to_vec();
        frames.push(frame);
        for item in from.iter().chain(delete.using.iter().flatten()) {
            self.join_conditions(item, &mut frames);
        }
        if let Some(e) = &delete.selection {
            self.walk(e, &frames);
        }
        self.walk(&delete.order_by, &frames);
        delete.returning.as_ref().and_then(|r| self.returning(r, &frames))
    }

    /// Resolves every column reference in `node`, each subquery in a scope of its own.
    fn walk<V: Visit>(&mut self, node: &V, frames: &[Frame]) {
        let mut walker = Walker { r: self, frames, depth: 0, skip: Vec::new(), names: Vec::new() };
        let _ = node.visit(&mut walker);
    }

    /// A column reference: `c`, `t.c` or `s.t.c`.
    fn reference(&mut self, parts: &[Ident], frames: &[Frame]) {
        let Some(column) = parts.last() else { return };
        if column.value.starts_with('@') || column.value.starts_with(':') || column.value.starts_with('$') {
            // A variable or a named parameter.
            return;
        }
        // Double quotes make a string in MySQL, and in SQLite when no column has the name.
        let string_like = column.quote_style == Some('"') && self.dialect != Dialect::Postgres && parts.len() == 1;
        if parts.len() == 1 {
            for frame in frames.iter().rev() {
                let hits: Vec<&Rel> = frame.rels.iter().filter(|r| r.has(&column.value) == Some(true)).collect();
                if hits.len() > 1 && !frame.natural && !frame.using.iter().any(|u| same_name(u, &column.value)) {
                    let names: Vec<String> = hits.iter().map(|r| format!("`{}`", r.name)).collect();
                    self.finding(
                        FindingKind::AmbiguousColumn,
                        column,
                        column.value.clone(),
                        format!("`{}` is ambiguous: {} both have it", column.value, names.join(" and ")),
                    );
                    return;
                }
                if let [hit] = hits.as_slice() {
                    if let Some(table) = hit.table.clone() {
                        self.refer(column, &table, Some(&column.value));
                    }
                    return;
                }
                if !hits.is_empty()
                    || frame.rels.iter().any(|r| r.columns.is_none())
                    || frame.opaque
                    || frame.aliases.iter().any(|a| same_name(a, &column.value))
                    || frame.rels.iter().any(|r| same_name(&r.name, &column.value))
                {
                    return;
                }
            }
            let any_table = frames.iter().any(|f| f.rels.iter().any(|r| r.qualifier.is_some() || r.columns.is_some()));
            if builtin_value(&column.value) || string_like || (any_table && system_column(self.dialect, &column.value))
            {
                return;
            }
            self.finding(
                FindingKind::UnknownColumn,
                column,
                column.value.clone(),
                if frames.iter().all(|f| f.rels.is_empty()) {
                    format!("`{}` names a column, but nothing is selected from", column.value)
                } else {
                    format!("no table in scope has a column `{}`", column.value)
                },
            );
            return;
        }
        // Qualified: the qualifier is the part before the column, and a schema may precede it.
        let qualifier = &parts[parts.len() - 2];
        let schema_part = (parts.len() >= 3).then(|| &parts[parts.len() - 3]);
        for frame in frames.iter().rev() {
            let rel = frame.rels.iter().find(|r| {
                same_name(&r.name, &qualifier.value)
                    && schema_part.is_none_or(|s| r.qualifier.as_deref().is_none_or(|q| same_name(q, &s.value)))
            });
            if let Some(rel) = rel {
                if let Some(table) = rel.table.clone() {
                    if rel.has(&column.value) == Some(true) {
                        self.refer(column, &table, Some(&column.value));
                    }
                    // Unaliased, the qualifier is the table's own name.
                    if table.rsplit('.').next().is_some_and(|n| same_name(n, &qualifier.value)) {
                        self.refer(qualifier, &table, None);
                    }
                }
                if rel.has(&column.value) == Some(false) && !system_column(self.dialect, &column.value) {
                    self.finding(
                        FindingKind::UnknownColumn,
                        column,
                        parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join("."),
                        format!("`{}` has no column `{}`", rel.name, column.value),
                    );
                }
                return;
            }
        }
        if frames.iter().any(|f| f.opaque || f.rels.iter().any(|r| r.name.is_empty())) {
            return;
        }
        if parts.len() >= 3 {
            // `t.composite.field`: a field of a composite column.
            let t = &parts[parts.len() - 3];
            if frames.iter().any(|f| f.rels.iter().any(|r| same_name(&r.name, &t.value))) {
                return;
            }
        }
        // `column.field` of a composite column, or a column of a record variable.
        if frames.iter().any(|f| f.rels.iter().any(|r| r.has(&qualifier.value) == Some(true))) {
            return;
        }
        if same_name(&qualifier.value, "excluded")
            || same_name(&qualifier.value, "new")
            || same_name(&qualifier.value, "old")
        {
            return;
        }
        self.finding(
            FindingKind::UnknownAlias,
            qualifier,
            qualifier.value.clone(),
            format!("no table or alias named `{}` in this query's FROM", qualifier.value),
        );
    }
}

/// Whether a BEFORE INSERT trigger on `table` assigns `column` (`NEW.c := ...` in PL/pgSQL, or
/// `SET NEW.c = ...` in MySQL), so the server checks NOT NULL after the trigger has given it a
/// value: a plan's sync trigger fills the old column from the new one this way. SQLite's
/// triggers cannot change the row being inserted.
fn trigger_fills(schema: &Schema, dialect: Dialect, table: &Table, column: &str) -> bool {
    if dialect == Dialect::Sqlite {
        return false;
    }
    let qualified = table.qualified_name();
    schema.triggers.iter().filter(|t| same_name(&t.table, &qualified) || same_name(&t.table, &table.name)).any(|t| {
        let upper = t.definition.to_ascii_uppercase();
        let before_insert = upper
            .find(" BEFORE ")
            .zip(upper.find(" ON "))
            .is_some_and(|(b, on)| b < on && upper[b..on].contains("INSERT"));
        if !before_insert {
            return false;
        }
        if dialect == Dialect::MySql {
            return assigns_new(&t.definition, column);
        }
        // PostgreSQL: the function's body.
        let function = t.function.split('(').next().unwrap_or("").trim();
        let name = function.rsplit('.').next().unwrap_or(function).trim_matches('"');
        schema.routines.iter().filter(|r| same_name(&r.name, name)).any(|r| assigns_new(&r.definition, column))
    })
}

/// Whether `body` assigns `NEW.column`: `NEW.c :=`, or `NEW.c =` as a statement of its own
/// (after SET, THEN, ELSE, BEGIN, LOOP or `;`), not a comparison inside a condition.
fn assigns_new(body: &str, column: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    let col = column.to_ascii_lowercase();
    let targets = [format!("new.{col}"), format!("new.\"{col}\""), format!("new.`{col}`")];
    for target in &targets {
        let mut from = 0;
        while let Some(at) = lower[from..].find(target.as_str()).map(|i| i + from) {
            from = at + target.len();
            let word_before = at > 0 && lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            let rest = lower[from..].trim_start();
            let word_after = lower.as_bytes().get(from).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if word_before || word_after {
                continue;
            }
            if rest.starts_with(":=") {
                return true;
            }
            if rest.starts_with('=') && !rest.starts_with("==") {
                let before = lower[..at].trim_end();
                let statement_start = before.ends_with(';')
                    || ["set", "then", "else", "begin", "loop"].iter().any(|w| {
                        before.ends_with(w)
                            && !before[..before.len() - w.len()]
                                .chars()
                                .last()
                                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                if statement_start {
                    return true;
                }
            }
        }
    }
    false
}

/// The name the server gives an unaliased select item: a column's own name, a function's
/// name, a cast's operand's name, or PostgreSQL's `?column?`.
fn output_name(e: &Expr, dialect: Dialect) -> String {
    match e {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()).unwrap_or_default(),
        // MySQL and SQLite name any other item by its text: `count(*)`, not `count`.
        _ if dialect != Dialect::Postgres => e.to_string(),
        Expr::Function(f) => idents(&f.name).last().map(|i| i.value.clone()).unwrap_or_default(),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => output_name(expr, dialect),
        _ => "?column?".to_string(),
    }
}

/// The expression walker: column references at this scope's level; subqueries handed back to
/// the resolver; sqlc's macros (`sqlc.arg(name)`) skipped, since their arguments are parameter
/// names, not columns.
struct Walker<'w, 's> {
    r: &'w mut Resolver<'s>,
    frames: &'w [Frame],
    /// Inside a query the resolver has already handled.
    depth: usize,
    /// Expressions whose inside is not SQL, innermost last.
    skip: Vec<*const Expr>,
    /// Named arguments' names (`a` in `f(a => 1)`).
    names: Vec<*const Expr>,
}

impl Visitor for Walker<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if self.depth == 0 && self.skip.is_empty() {
            self.r.query(query, self.frames);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth > 0 || !self.skip.is_empty() || self.names.iter().any(|p| std::ptr::eq(*p, expr)) {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(i) => self.r.reference(std::slice::from_ref(i), self.frames),
            Expr::CompoundIdentifier(parts) => self.r.reference(parts, self.frames),
            Expr::Function(f) => {
                let parts = idents(&f.name);
                if parts.len() == 2 && same_name(&parts[0].value, "sqlc") {
                    self.skip.push(expr as *const Expr);
                }
                // `f(a => 1)`: `a` names a parameter, not a column.
                if let FunctionArguments::List(list) = &f.args {
                    for arg in &list.args {
                        if let FunctionArg::ExprNamed { name, .. } = arg {
                            self.names.push(name as *const Expr);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.skip.last().is_some_and(|p| std::ptr::eq(*p, expr)) {
            self.skip.pop();
        }
        ControlFlow::Continue(())
    }
}

fn constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c)
        | JoinOperator::AsOf { constraint: c, .. } => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    const SCHEMA: &str = "CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, bio text);
        CREATE TABLE books (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id), title text NOT NULL, isbn text NOT NULL DEFAULT '');
        CREATE VIEW author_names AS SELECT a.id, a.name AS author FROM authors a;";

    fn findings(sql: &str) -> Vec<(FindingKind, String, Span)> {
        let schema = import(SCHEMA, Some(Dialect::Postgres)).schema;
        let stmts = super::super::statements(sql, Dialect::Postgres);
        super::super::check(&schema, Dialect::Postgres, &stmts)
            .into_iter()
            .map(|(_, f)| (f.kind, f.name, f.span))
            .collect()
    }

    #[test]
    fn clean_queries_resolve_in_every_clause() {
        for sql in [
            "SELECT a.name, b.title FROM authors a JOIN books b ON b.author_id = a.id WHERE a.bio IS NULL ORDER BY b.title",
            "WITH n AS (SELECT author_id, count(*) AS c FROM books GROUP BY author_id) SELECT name, c FROM authors JOIN n ON n.author_id = authors.id",
            "SELECT name FROM authors a WHERE EXISTS (SELECT 1 FROM books WHERE books.author_id = a.id)",
            "SELECT id, author FROM author_names WHERE author LIKE $1",
            "SELECT count(*) AS n, author_id FROM books GROUP BY author_id HAVING count(*) > 1 ORDER BY n",
            "INSERT INTO books (author_id, title) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET title = excluded.title RETURNING id",
            "UPDATE books SET title = a.name FROM authors a WHERE a.id = books.author_id",
            "DELETE FROM books USING authors WHERE authors.id = books.author_id AND authors.bio = @bio",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
            "SELECT x.total FROM (SELECT count(*) AS total FROM books) x",
            "SELECT name FROM authors WHERE id = sqlc.arg(author_id)",
        ] {
            assert_eq!(findings(sql), vec![], "{sql}");
        }
    }

    #[test]
    fn what_does_not_resolve_is_found_where_it_is_written() {
        assert_eq!(
            findings("SELECT name,\n  titel FROM authors"),
            vec![(FindingKind::UnknownColumn, "titel".to_string(), Span::new(2, 3))]
        );
        assert_eq!(findings("SELECT 1 FROM autors")[0].0, FindingKind::UnknownTable);
        assert_eq!(findings("SELECT b.name FROM books b")[0].0, FindingKind::UnknownColumn);
        assert_eq!(findings("SELECT x.name FROM authors a")[0].0, FindingKind::UnknownAlias);
        // `id` is in both tables.
        assert_eq!(
            findings("SELECT id FROM authors JOIN books ON author_id = authors.id")[0].0,
            FindingKind::AmbiguousColumn
        );
        // The subquery's `title` cannot be read outside it.
        assert_eq!(findings("SELECT title FROM (SELECT id FROM books) s")[0].0, FindingKind::UnknownColumn);
        // `name` is NOT NULL without a default.
        assert_eq!(findings("INSERT INTO authors (bio) VALUES ($1)")[0].0, FindingKind::MissingRequired);
        assert_eq!(findings("UPDATE books SET titel = $1")[0].0, FindingKind::UnknownColumn);
        assert_eq!(findings("SELEC 1")[0].0, FindingKind::Unreadable);
    }

    #[test]
    fn at_points_the_first_break_is_named() {
        let base = import(SCHEMA, Some(Dialect::Postgres)).schema;
        let mut renamed = base.clone();
        if let Some(c) = renamed.tables[0].columns.iter_mut().find(|c| c.name == "bio") {
            c.name = "biography".into();
        }
        let stmts = super::super::statements("SELECT bio FROM authors;\nSELECT name FROM authors;", Dialect::Postgres);
        let points = [
            super::super::Point { label: "base", schema: &base },
            super::super::Point { label: "after Expand", schema: &base },
            super::super::Point { label: "after Contract", schema: &renamed },
        ];
        let reports = super::super::check_points(&points, Dialect::Postgres, &stmts);
        assert_eq!(reports[0].first_break(), Some(2));
        assert!(!reports[0].already_broken());
        assert_eq!(reports[1].first_break(), None);
    }
}
