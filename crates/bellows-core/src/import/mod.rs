//! DDL text + dialect -> [`Schema`] + diagnostics. The only module that reads sqlparser's AST.
//!
//! Statement by statement: the text is split first ([`split`]), each statement is parsed on its
//! own with the dialect's parser, and a statement that fails or does not shape the schema is
//! reported with its line and column while the import goes on.

mod split;

use crate::{Column, ColumnId, Diagnostic, Dialect, Schema, Severity, Span, Table, TableId};
use split::{Chunk, ChunkKind};
use sqlparser::ast::{ColumnOption, ObjectName, ObjectNamePart, Statement};
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, TokenWithSpan, Tokenizer};

/// The result of an import: always a schema (possibly partial) and what went wrong on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub dialect: Dialect,
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
}

impl Import {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
}

/// Nesting limit handed to sqlparser: deep enough for real DDL, shallow enough that hostile input
/// is rejected with a diagnostic instead of exhausting the (small, in wasm) stack.
const RECURSION_LIMIT: usize = 48;

/// Imports a DDL text. `dialect: None` detects it from the text.
pub fn import(sql: &str, dialect: Option<Dialect>) -> Import {
    let dialect = dialect.unwrap_or_else(|| Dialect::detect(sql));
    let parser_dialect: &dyn SqlDialect = match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::MySql => &MySqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
    };
    let mut builder = Builder::default();
    for chunk in split::split(sql, dialect) {
        match chunk.kind {
            ChunkKind::Statement => match parse_statement(parser_dialect, &chunk) {
                Ok(statement) => builder.apply(statement, &chunk),
                Err(diagnostic) => builder.diagnostics.push(diagnostic),
            },
            ChunkKind::MetaCommand => builder.diagnostics.push(
                Diagnostic::new(
                    "skipped-meta-command",
                    Severity::Info,
                    chunk.start,
                    format!("skipped psql meta-command `{}`", first_line(chunk.text)),
                )
                .with_help("meta-commands are instructions to psql, not SQL; they do not change the schema"),
            ),
            ChunkKind::Delimiter | ChunkKind::CopyData => {}
        }
    }
    Import { dialect, schema: builder.schema, diagnostics: builder.diagnostics }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// Parses one statement, reporting errors at their place in the whole input.
fn parse_statement(dialect: &dyn SqlDialect, chunk: &Chunk<'_>) -> Result<Statement, Diagnostic> {
    let base = chunk.start;
    let mut tokens: Vec<TokenWithSpan> = Vec::new();
    Tokenizer::new(dialect, chunk.text)
        .tokenize_with_location_into_buf_with_mapper(&mut tokens, |mut t| {
            t.span.start = absolute(base, t.span.start);
            t.span.end = absolute(base, t.span.end);
            t
        })
        .map_err(|e| parse_error(absolute_span(base, e.location), &e.message, chunk.text))?;
    let mut parser = Parser::new(dialect).with_recursion_limit(RECURSION_LIMIT).with_tokens_with_locations(tokens);
    let statement = parser.parse_statement().map_err(|e| match e {
        ParserError::RecursionLimitExceeded => {
            Diagnostic::new("parse-error", Severity::Error, chunk.start, "statement is nested too deeply to read")
        }
        ParserError::TokenizerError(message) | ParserError::ParserError(message) => {
            let (message, span) = split_location(&message);
            parse_error(span.unwrap_or(chunk.start), message, chunk.text)
        }
    })?;
    // A statement must end where its text ends: trailing tokens mean sqlparser stopped early.
    let next = parser.peek_token();
    if next.token != sqlparser::tokenizer::Token::EOF {
        let at = Span::new(next.span.start.line as u32, next.span.start.column as u32);
        return Err(parse_error(
            at,
            &format!("unexpected `{}` after the end of the statement", next.token),
            chunk.text,
        ));
    }
    Ok(statement)
}

fn parse_error(span: Span, message: &str, statement: &str) -> Diagnostic {
    let what = statement_kind(statement);
    Diagnostic::new("parse-error", Severity::Error, span, format!("could not read this {what}: {message}")).with_help(
        "the statement was skipped and the rest of the file was imported; fix the syntax or check the dialect",
    )
}

/// "CREATE TABLE statement", "ALTER TABLE statement", ... for messages.
fn statement_kind(statement: &str) -> String {
    let words: Vec<String> = statement
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    match words.as_slice() {
        [a, b] if matches!(a.as_str(), "CREATE" | "ALTER" | "DROP") => format!("{a} {b} statement"),
        [a, ..] => format!("{a} statement"),
        [] => "statement".to_string(),
    }
}

/// sqlparser appends " at Line: L, Column: C" to its messages; take the place out of the text.
fn split_location(message: &str) -> (&str, Option<Span>) {
    let Some(at) = message.rfind(" at Line: ") else { return (message, None) };
    let rest = &message[at + " at Line: ".len()..];
    let mut parts = rest.split(", Column: ");
    let line = parts.next().and_then(|l| l.trim().parse::<u32>().ok());
    let column = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
    let message = message[..at].trim_start_matches("sql parser error: ");
    match (line, column) {
        (Some(line), Some(column)) if line > 0 => (message, Some(Span::new(line, column))),
        _ => (message, None),
    }
}

/// Moves a location inside a statement to its place in the whole input.
fn absolute(base: Span, at: Location) -> Location {
    if at.line == 0 {
        return at; // sqlparser's "no location"
    }
    let line = u64::from(base.line) + at.line - 1;
    let column = if at.line == 1 { u64::from(base.column) + at.column - 1 } else { at.column };
    Location { line, column }
}

fn absolute_span(base: Span, at: Location) -> Span {
    let at = absolute(base, at);
    if at.line == 0 {
        base
    } else {
        Span::new(at.line as u32, at.column as u32)
    }
}

#[derive(Default)]
struct Builder {
    schema: Schema,
    diagnostics: Vec<Diagnostic>,
    next_table: u32,
    next_column: u32,
}

impl Builder {
    fn apply(&mut self, statement: Statement, chunk: &Chunk<'_>) {
        match statement {
            Statement::CreateTable(create) => {
                let (namespace, name) = split_name(&create.name);
                let columns = create
                    .columns
                    .iter()
                    .map(|c| {
                        let id = ColumnId(self.next_column);
                        self.next_column += 1;
                        let not_null = c
                            .options
                            .iter()
                            .any(|o| matches!(o.option, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
                        Column {
                            id,
                            name: c.name.value.clone(),
                            data_type: c.data_type.to_string(),
                            nullable: !not_null,
                        }
                    })
                    .collect();
                let id = TableId(self.next_table);
                self.next_table += 1;
                self.schema.tables.push(Table { id, namespace, name, columns, span: chunk.start });
            }
            other => self.diagnostics.push(Diagnostic::new(
                "skipped-statement",
                Severity::Info,
                chunk.start,
                format!("skipped {}: it does not shape the tables", statement_kind(&other.to_string())),
            )),
        }
    }
}

/// `a.b.c` -> (Some("a.b"), "c"); identifiers keep their case when quoted.
fn split_name(name: &ObjectName) -> (Option<String>, String) {
    let mut parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(ident) => ident.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect();
    let last = parts.pop().unwrap_or_default();
    let namespace = if parts.is_empty() { None } else { Some(parts.join(".")) };
    (namespace, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_tables_and_columns() {
        let result = import(
            "CREATE TABLE shop.customer (id bigint PRIMARY KEY, email text NOT NULL, note text);\n\
             CREATE TABLE orders (id int, customer_id bigint);",
            Some(Dialect::Postgres),
        );
        assert_eq!(result.diagnostics, vec![]);
        let names: Vec<String> = result.schema.tables.iter().map(Table::qualified_name).collect();
        assert_eq!(names, ["shop.customer", "orders"]);
        let customer = &result.schema.tables[0];
        let cols: Vec<(&str, &str, bool)> =
            customer.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable)).collect();
        assert_eq!(cols, [("id", "BIGINT", false), ("email", "TEXT", false), ("note", "TEXT", true)]);
        assert_eq!(result.schema.tables[1].span, Span::new(2, 1));
    }

    #[test]
    fn a_bad_statement_is_reported_at_its_place_and_the_rest_imported() {
        let src = "CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,, x int);\nCREATE TABLE c (id int);";
        let result = import(src, Some(Dialect::Postgres));
        assert_eq!(result.schema.tables.len(), 2);
        let errors: Vec<&Diagnostic> = result.errors().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span, Span::new(3, 24), "{}", errors[0]);
        assert!(errors[0].message.starts_with("could not read this CREATE TABLE statement"), "{}", errors[0]);
    }

    #[test]
    fn errors_on_later_lines_of_a_statement_keep_their_own_column() {
        let src = "  CREATE TABLE a (\n    id int,\n    x int int\n  );";
        let result = import(src, Some(Dialect::Postgres));
        let errors: Vec<&Diagnostic> = result.errors().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span, Span::new(3, 11), "{}", errors[0]);
    }

    #[test]
    fn meta_commands_and_other_statements_are_reported_as_skipped() {
        let src = "\\set ON_ERROR_STOP 1\nSET search_path = public;\nCREATE TABLE a (id int);";
        let result = import(src, Some(Dialect::Postgres));
        assert_eq!(result.schema.tables.len(), 1);
        let codes: Vec<(&str, Span)> = result.diagnostics.iter().map(|d| (d.code, d.span)).collect();
        assert_eq!(codes, [("skipped-meta-command", Span::new(1, 1)), ("skipped-statement", Span::new(2, 1))]);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let src = format!("CREATE TABLE t (x int DEFAULT {}1{});", "(".repeat(5000), ")".repeat(5000));
        let result = import(&src, Some(Dialect::Postgres));
        assert_eq!(result.errors().count(), 1);
    }

    #[test]
    fn empty_and_whitespace_input_give_an_empty_schema() {
        for src in ["", "   \n\t", "-- only a comment", ";;;"] {
            let result = import(src, None);
            assert_eq!(result.schema, Schema::default());
            assert_eq!(result.diagnostics, vec![]);
        }
    }
}
