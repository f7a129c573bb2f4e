//! DDL text + dialect -> [`Schema`] + diagnostics. The only module that reads sqlparser's AST.
//!
//! Statement by statement: the text is split first ([`split`]), each statement is parsed on its
//! own with the dialect's parser, and a statement that fails or does not shape the schema is
//! reported with its line and column while the import goes on.

mod build;
#[cfg(feature = "formats")]
pub mod dbml;
pub mod objects;
#[cfg(feature = "formats")]
pub mod prisma;
mod recover;
pub(crate) mod split;

use crate::{Diagnostic, Dialect, Schema, Severity, Span};
pub use build::is_volatile;
use build::Builder;
pub use detect_dialect as detect;
use split::{Chunk, ChunkKind};
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, TokenWithSpan, Tokenizer};

/// The result of an import: always a schema (possibly partial) and what went wrong on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    pub dialect: Dialect,
    /// What the text was written in: SQL, DBML or a Prisma schema.
    #[serde(default)]
    pub format: SourceFormat,
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: ImportStats,
}

/// The language a schema text is written in. [`import`] tells them apart by the text alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    #[default]
    Sql,
    /// dbdiagram's DBML: `Table name { ... }`, `Ref: a.b > c.d`.
    Dbml,
    /// A Prisma schema: `model Name { ... }`, `datasource db { ... }`.
    Prisma,
}

impl SourceFormat {
    pub fn label(self) -> &'static str {
        match self {
            SourceFormat::Sql => "SQL",
            SourceFormat::Dbml => "DBML",
            SourceFormat::Prisma => "Prisma",
        }
    }
}

/// Which language `text` is in, from the first line that can only be one of them: a SQL
/// statement's first word (`CREATE`, `ALTER`, `INSERT`, `SET`, ...) says SQL; `Table x {`,
/// `Ref:`, `Project x {` or `TableGroup x {` say DBML; `model x {`, `datasource x {`,
/// `generator x {` or `view x {` say Prisma. `enum x {` is both DBML's and Prisma's, so it decides
/// nothing. Comments of every language are passed over. Text that says nothing is SQL.
pub fn detect_format(text: &str) -> SourceFormat {
    let mut in_block_comment = false;
    // Inside an `enum x { ... }` or `Note { ... }` block, which says nothing: its depth.
    let mut undecided_depth = 0i32;
    for line in text.lines() {
        let mut line = line.trim();
        if undecided_depth > 0 {
            undecided_depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            continue;
        }
        if in_block_comment {
            match line.find("*/") {
                Some(end) => {
                    in_block_comment = false;
                    line = line[end + 2..].trim();
                }
                None => continue,
            }
        }
        if line.starts_with("/*") && !line.starts_with("/*!") {
            match line.find("*/") {
                Some(end) => line = line[end + 2..].trim(),
                None => {
                    in_block_comment = true;
                    continue;
                }
            }
        }
        if line.is_empty() || line.starts_with("--") || line.starts_with("//") || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '{' || c == ':' || c == '[')
            .filter(|w| !w.is_empty())
            .take(3)
            .collect();
        let first = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
        let opens_block = line.contains('{');
        // A block header: `keyword name {` (the brace may also start the next line).
        let block_header = words.len() >= 2 && (opens_block || words.len() == 2);
        match first.as_str() {
            "model" | "datasource" | "generator" | "view" | "type" if block_header && opens_block => {
                return SourceFormat::Prisma;
            }
            "table" | "project" | "tablegroup" | "tablepartial" if block_header && opens_block => {
                return SourceFormat::Dbml;
            }
            "ref" if line[3..].trim_start().starts_with(':') || (words.len() >= 2 && line.contains(':')) => {
                return SourceFormat::Dbml;
            }
            "enum" | "note" if opens_block => {
                undecided_depth = line.matches('{').count() as i32 - line.matches('}').count() as i32;
            }
            _ => return SourceFormat::Sql,
        }
    }
    SourceFormat::Sql
}

/// What became of each statement. `skipped` and `failed` statements each carry a diagnostic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportStats {
    pub statements: usize,
    /// Read by sqlparser and applied to the model.
    pub applied: usize,
    /// Applied after a rewrite or read by the fallback reader (a warning says how).
    pub recovered: usize,
    /// Left out because they do not shape the tables (SET, GRANT, functions, meta-commands).
    pub skipped: usize,
    /// Shape the tables but could not be read (an error says where).
    pub failed: usize,
}

impl Import {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
}

/// A DBML or Prisma text in a build without their readers (the app's analysis worker, which
/// hands such designs to the full engine): nothing read, and an error that says why.
#[cfg(not(feature = "formats"))]
fn unread(format: SourceFormat, dialect: Option<Dialect>) -> Import {
    let what = if format == SourceFormat::Dbml { "DBML" } else { "a Prisma schema" };
    Import {
        dialect: dialect.unwrap_or(Dialect::Postgres),
        format,
        schema: Schema::default(),
        diagnostics: vec![Diagnostic::new(
            "format-unavailable",
            Severity::Error,
            Span::new(1, 1),
            format!("this build reads SQL only; {what} is read by the full engine"),
        )],
        stats: ImportStats::default(),
    }
}

/// Nesting limit handed to sqlparser: deep enough for real DDL, shallow enough that hostile input
/// is rejected with a diagnostic instead of exhausting the (small, in wasm) stack.
const RECURSION_LIMIT: usize = 48;

/// Imports a schema text: SQL DDL, DBML or a Prisma schema ([`detect_format`]). `dialect:
/// None` detects it from the text (a Prisma datasource's provider, a DBML project's
/// `database_type`, or the SQL itself); DBML that names none is read as PostgreSQL.
pub fn import(sql: &str, dialect: Option<Dialect>) -> Import {
    match detect_format(sql) {
        #[cfg(feature = "formats")]
        SourceFormat::Dbml => {
            let dialect = dialect.or_else(|| dbml::database_type(sql)).unwrap_or(Dialect::Postgres);
            return dbml::import_dbml(sql, dialect);
        }
        #[cfg(feature = "formats")]
        SourceFormat::Prisma => return prisma::import_prisma(sql, dialect.unwrap_or(Dialect::Postgres)),
        #[cfg(not(feature = "formats"))]
        format @ (SourceFormat::Dbml | SourceFormat::Prisma) => return unread(format, dialect),
        SourceFormat::Sql => {}
    }
    let dialect = dialect.unwrap_or_else(|| detect_dialect(sql));
    let parser_dialect = sql_dialect(dialect);
    let mut builder = Builder::new(dialect);
    // Files joined into one, as the corpora join an installer's files (`-- >>> path @ commit`
    // starts each part): each part ran in a session of its own, so a `SET search_path` ends
    // with its part.
    let parts: Vec<u32> =
        sql.lines().enumerate().filter(|(_, l)| l.starts_with("-- >>> ")).map(|(i, _)| i as u32 + 1).collect();
    let mut next_part = 0;
    let installer_path = if parts.is_empty() { None } else { installer_search_path(sql) };
    for chunk in split::split(sql, dialect) {
        while parts.get(next_part).is_some_and(|&line| line < chunk.start.line) {
            let (first, full) = installer_path.clone().unwrap_or((None, None));
            builder.search_path = first;
            builder.search_path_text = full;
            next_part += 1;
        }
        match chunk.kind {
            ChunkKind::Statement => {
                builder.stats.statements += 1;
                read_statement(&mut builder, parser_dialect, &chunk);
            }
            ChunkKind::MetaCommand => {
                builder.stats.statements += 1;
                builder.stats.skipped += 1;
                builder.diagnostics.push(
                    Diagnostic::new(
                        "skipped-meta-command",
                        Severity::Info,
                        chunk.start,
                        format!("skipped psql meta-command `{}`", first_line(chunk.text)),
                    )
                    .with_help("meta-commands are instructions to psql, not SQL; they do not change the schema"),
                );
            }
            ChunkKind::Delimiter | ChunkKind::CopyData => {}
        }
    }
    builder.resolve_references();
    Import {
        dialect,
        format: SourceFormat::Sql,
        schema: builder.schema,
        diagnostics: builder.diagnostics,
        stats: builder.stats,
    }
}

/// The text with `#` line comments blanked (outside quotes), as RT's and similar installers
/// strip them before SQLite sees the file (SQLite rejects them); lines and columns are kept.
pub fn without_hash_comments(text: &str) -> String {
    recover::prepare(text, Dialect::Sqlite).unwrap_or_else(|| text.to_string())
}

/// The text without what would leave the database it is loaded into (PostgreSQL): psql's
/// `\c` and `\connect`, and `CREATE DATABASE` / `DROP DATABASE` statements, found as whole
/// statements (never inside a comment or a string), blanked with lines kept.
pub fn without_database_switches(text: &str) -> String {
    without_database_switches_in(text, Dialect::Postgres)
}

/// [`without_database_switches`] for a dialect: in MySQL, `CREATE SCHEMA` and `DROP SCHEMA` are
/// CREATE and DROP DATABASE, and `USE db` switches database, so those go too.
pub fn without_database_switches_in(text: &str, dialect: Dialect) -> String {
    let mut out = text.to_string();
    let mysql = dialect == Dialect::MySql;
    for chunk in split::split(text, dialect) {
        let words: Vec<String> = chunk
            .text
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\\'))
            .filter(|w| !w.is_empty())
            .take(2)
            .map(str::to_ascii_lowercase)
            .collect();
        let leaves = match chunk.kind {
            split::ChunkKind::MetaCommand => matches!(words.first().map(String::as_str), Some("\\c" | "\\connect")),
            split::ChunkKind::Statement => {
                matches!(words.as_slice(), [a, b] if (a == "create" || a == "drop") && (b == "database" || mysql && b == "schema"))
                    || mysql && words.first().is_some_and(|w| w == "use")
            }
            _ => false,
        };
        if leaves {
            let end = chunk.offset + chunk.text.len();
            // The statement's `;` goes too.
            let end = if out.as_bytes().get(end) == Some(&b';') { end + 1 } else { end };
            let blank: String = out[chunk.offset..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
            out.replace_range(chunk.offset..end, &blank);
        }
    }
    out
}

/// Detects the dialect: from tell-tale spellings when they are clear, otherwise by trying the
/// first statements that define tables with each dialect's parser and taking the one that
/// reads the most (ties go to the tell-tales, then to PostgreSQL).
/// sqlparser's dialect for one of Bellows'.
pub(crate) fn sql_dialect(dialect: Dialect) -> &'static dyn SqlDialect {
    match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::MySql => &MySqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
    }
}

pub fn detect_dialect(sql: &str) -> Dialect {
    let scores = Dialect::scores(sql);
    let mut ranked: Vec<(usize, Dialect)> = scores.iter().copied().zip(Dialect::ALL).collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let (best, runner_up) = (ranked[0], ranked[1]);
    if best.0 >= 6 && best.0 >= runner_up.0 * 2 {
        return best.1;
    }
    let hint = Dialect::detect(sql);
    let head_end = sql.char_indices().nth(64 * 1024).map_or(sql.len(), |(i, _)| i);
    let head = &sql[..head_end];
    let failures = |dialect: Dialect| -> usize {
        let parser = sql_dialect(dialect);
        split::split(head, dialect)
            .into_iter()
            .filter(|c| c.kind == ChunkKind::Statement && shapes_tables(c.text))
            .take(40)
            .filter(|c| {
                let prepared = recover::prepare(c.text, dialect);
                parse_statement(parser, c, prepared.as_deref().unwrap_or(c.text)).is_err()
            })
            .count()
    };
    let mut best = (failures(hint), hint);
    for dialect in Dialect::ALL.into_iter().filter(|d| *d != hint) {
        let f = failures(dialect);
        if f < best.0 {
            best = (f, dialect);
        }
    }
    best.1
}

/// Parses one statement and applies it; on failure tries the recoveries in [`recover`], and
/// reports what it could not read: as an error when the statement shapes tables, as a skip
/// otherwise (a function body sqlparser cannot read loses nothing from the model).
fn read_statement(builder: &mut Builder, parser_dialect: &dyn SqlDialect, chunk: &Chunk<'_>) {
    let prepared = recover::prepare(chunk.text, builder.dialect);
    let text = prepared.as_deref().unwrap_or(chunk.text);
    let literal_comment =
        (builder.dialect == Dialect::Postgres).then(|| recover::dollar_quoted_comment(text)).flatten();
    let text = literal_comment.as_deref().unwrap_or(text);
    if builder.dialect == Dialect::Postgres {
        if let Some((first, full)) = search_path(text) {
            builder.search_path = first;
            builder.search_path_text = full;
            builder.stats.applied += 1;
            return;
        }
    }
    if let Some(object) = objects::read(text) {
        if builder.apply_object(object, chunk) {
            builder.stats.applied += 1;
        } else {
            builder.stats.skipped += 1;
        }
        return;
    }
    let error = match parse_statement(parser_dialect, chunk, text) {
        Ok(statement) => {
            if builder.apply(statement, chunk) {
                builder.stats.applied += 1;
            } else {
                builder.stats.skipped += 1;
            }
            return;
        }
        Err(error) => error,
    };
    // Rewrites of the same width, tried cumulatively.
    let mut attempt = text.to_string();
    let mut notes = Vec::new();
    for rewrite in recover::REWRITES.iter().filter(|r| r.dialects.contains(&builder.dialect)) {
        let Some(next) = (rewrite.apply)(&attempt) else { continue };
        attempt = next;
        notes.push(rewrite.note);
        if let Ok(statement) = parse_statement(parser_dialect, chunk, &attempt) {
            let virtual_columns = notes.iter().any(|n| n.contains("VIRTUAL"));
            let tables_before = builder.schema.tables.len();
            builder.apply(statement, chunk);
            builder.stats.recovered += 1;
            if virtual_columns {
                mark_virtual(builder, tables_before);
            }
            if let Some(kind) = recover::special_index_kind(text) {
                // The index this statement made is the one whose span is the statement's.
                for index in builder.schema.tables.iter_mut().flat_map(|t| t.indexes.iter_mut()) {
                    if index.span == chunk.start {
                        index.method = Some(kind.to_string());
                    }
                }
            }
            builder.diagnostics.push(
                Diagnostic::new(
                    "recovered-statement",
                    Severity::Warning,
                    chunk.start,
                    format!("read this {} after a second look: {}", statement_kind(text), notes.join("; ")),
                )
                .with_help(format!("sqlparser alone rejected it: {}", error.message)),
            );
            return;
        }
    }
    match recover::fallback(text) {
        Some(recover::Fallback::SequenceOwnedBy { sequence, owner }) => {
            builder.sequence_owned_by(&sequence, &owner);
            builder.stats.recovered += 1;
            builder.diagnostics.push(Diagnostic::new(
                "recovered-statement",
                Severity::Info,
                chunk.start,
                format!(
                    "read `ALTER SEQUENCE {sequence} OWNED BY {owner}` by its words (sqlparser does not read OWNED BY)"
                ),
            ));
            return;
        }
        Some(recover::Fallback::View { name, materialized, definition, reads }) => {
            builder.view_by_words(&name, materialized, definition, reads, chunk.start);
            builder.stats.recovered += 1;
            builder.diagnostics.push(
                Diagnostic::new(
                    "recovered-statement",
                    Severity::Warning,
                    chunk.start,
                    format!("read view `{name}` by its words: its name, text and the tables it reads are known, its columns are not"),
                )
                .with_help(format!("sqlparser could not read its query: {}", error.message)),
            );
            return;
        }
        Some(recover::Fallback::StorageSetting { table }) => {
            builder.stats.skipped += 1;
            builder.diagnostics.push(Diagnostic::new(
                "skipped-statement",
                Severity::Info,
                chunk.start,
                format!("skipped a storage or statistics setting on `{table}`: it does not change the model"),
            ));
            return;
        }
        Some(recover::Fallback::AddIdentity { table, column, always })
            if builder.add_identity(&table, &column, always) =>
        {
            builder.stats.recovered += 1;
            builder.diagnostics.push(Diagnostic::new(
                "recovered-statement",
                Severity::Info,
                chunk.start,
                format!("read the identity of `{table}.{column}` by its words (sqlparser does not read ADD GENERATED ... AS IDENTITY)"),
            ));
            return;
        }
        Some(recover::Fallback::CreateTableLike { table, source }) => {
            builder.create_table_like(&table, &source, chunk.start);
            builder.stats.recovered += 1;
            builder.diagnostics.push(Diagnostic::new(
                "recovered-statement",
                Severity::Warning,
                chunk.start,
                format!("read `CREATE TABLE {table} (LIKE {source} ...)` by its words: columns copied from `{source}`; INCLUDING options are not applied"),
            ));
            return;
        }
        // An identity on a column that does not exist: reported as the error it is, below.
        Some(recover::Fallback::AddIdentity { .. }) | None => {}
    }
    if shapes_tables(text) {
        builder.stats.failed += 1;
        builder.diagnostics.push(error);
    } else {
        builder.stats.skipped += 1;
        builder.diagnostics.push(
            Diagnostic::new(
                "skipped-statement",
                Severity::Info,
                error.span,
                format!(
                    "skipped {} that could not be read: {}",
                    statement_kind(text),
                    error.message.trim_start_matches("could not read this ")
                ),
            )
            .with_help("it does not define tables, columns, keys or indexes, so the model is complete without it"),
        );
    }
}

/// The search path a session starts with when an installer runs the parts of a joined file
/// (`-- >>> path` before each) one by one: the database's own, which such installers set to the
/// first path their files name (MusicBrainz: `musicbrainz, public`). `None` when the text names
/// none, or is no joined file.
pub fn installer_search_path(sql: &str) -> Option<(Option<String>, Option<String>)> {
    if !sql.lines().any(|l| l.starts_with("-- >>> ")) {
        return None;
    }
    sql.lines().find_map(|line| {
        let t = line.trim_start();
        t.to_ascii_lowercase().starts_with("set search_path").then(|| search_path(t)).flatten()
    })
}

/// `SET search_path = a, b` / `SET search_path TO 'a'` / pg_dump's
/// `SELECT pg_catalog.set_config('search_path', '', false)`: `Some((first schema, whole list))`,
/// each `None` for the default path; `None` when the statement is something else.
fn search_path(text: &str) -> Option<(Option<String>, Option<String>)> {
    // The statement ends at its `;`: a comment may follow on the same line.
    let t = text.split(';').next().unwrap_or(text).trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("select pg_catalog.set_config('search_path'") {
        return Some((None, None));
    }
    let rest = lower.strip_prefix("set")?.trim_start();
    let rest = rest.strip_prefix("local").or_else(|| rest.strip_prefix("session")).unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("search_path")?.trim_start();
    let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix("to"))?.trim();
    // Same byte length as `t` (ASCII lower-casing), so the list keeps the user's spelling.
    let list = &t[t.len() - rest.len()..];
    let names: Vec<&str> =
        rest.split(',').map(|n| n.trim().trim_matches(|c| c == '\'' || c == '"')).filter(|n| !n.is_empty()).collect();
    let first = match names.first().copied().unwrap_or("") {
        "" | "public" | "default" | "$user" => None,
        ns => Some(ns.to_string()),
    };
    let default_path = names.iter().all(|n| matches!(*n, "public" | "default" | "$user"));
    Some((first, (!default_path).then(|| list.to_string())))
}

fn mark_virtual(builder: &mut Builder, tables_before: usize) {
    let tables = &mut builder.schema.tables;
    let range = if tables.len() > tables_before { tables_before..tables.len() } else { 0..tables.len() };
    for table in &mut tables[range] {
        for column in &mut table.columns {
            if let Some(g) = column.generated.as_mut() {
                g.stored = false;
            }
        }
    }
}

/// True when a statement's first words say it defines tables, columns, keys, indexes or types.
fn shapes_tables(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    match w(0) {
        "CREATE" => {
            let mut i = 1;
            while matches!(
                w(i),
                "OR" | "REPLACE" | "UNIQUE" | "TEMPORARY" | "TEMP" | "UNLOGGED" | "GLOBAL" | "LOCAL" | "MATERIALIZED"
            ) {
                i += 1;
            }
            matches!(w(i), "TABLE" | "INDEX" | "TYPE" | "VIEW" | "SEQUENCE" | "DOMAIN")
        }
        "ALTER" => matches!(w(1), "TABLE"),
        _ => false,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// Parses one statement, reporting errors at their place in the whole input.
pub(crate) fn parse_statement(
    dialect: &dyn SqlDialect,
    chunk: &Chunk<'_>,
    text: &str,
) -> Result<Statement, Diagnostic> {
    let base = chunk.start;
    let fold_case = dialect.is::<PostgreSqlDialect>();
    let mut tokens: Vec<TokenWithSpan> = Vec::new();
    Tokenizer::new(dialect, text)
        .tokenize_with_location_into_buf_with_mapper(&mut tokens, |mut t| {
            t.span.start = absolute(base, t.span.start);
            t.span.end = absolute(base, t.span.end);
            // PostgreSQL folds unquoted identifiers to lower case; the model stores names as
            // the server does, so the SQL the planner writes names what exists.
            if fold_case {
                if let sqlparser::tokenizer::Token::Word(w) = &mut t.token {
                    if w.quote_style.is_none() {
                        w.value.make_ascii_lowercase();
                    }
                }
            }
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

/// A CHECK condition as the designer types it (`status IN ('new', 'paid')`, or the whole
/// `CHECK (...)`): read with the dialect's parser, and every column it names must be one of
/// `columns`. The condition comes back trimmed, without a `CHECK (...)` around it; a mistake
/// comes back as a message with its line and column in the text typed.
pub fn check_condition(text: &str, dialect: Dialect, columns: &[&str]) -> Result<String, String> {
    use sqlparser::ast::{Expr, Visit, Visitor};
    use std::ops::ControlFlow;
    let trimmed = text.trim().trim_end_matches(';').trim();
    if trimmed.is_empty() {
        return Err("the condition is empty".into());
    }
    // sqlparser gives no place for running out of text: that place is the end.
    let end = Span::new(
        trimmed.lines().count().max(1) as u32,
        trimmed.lines().last().map_or(0, |l| l.chars().count()) as u32 + 1,
    );
    let parser_error = |e: ParserError| match e {
        ParserError::RecursionLimitExceeded => "the condition is nested too deeply to read".to_string(),
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => {
            let (message, at) = split_location(&m);
            let at = at.unwrap_or(end);
            format!("{message} (line {}, column {})", at.line, at.column)
        }
    };
    let mut parser = Parser::new(sql_dialect(dialect))
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(trimmed)
        .map_err(parser_error)?;
    // `CHECK (cond)` typed whole: the condition is what the parentheses hold.
    let whole = parser.parse_keyword(sqlparser::keywords::Keyword::CHECK);
    let expr = parser.parse_expr().map_err(parser_error)?;
    let next = parser.peek_token();
    if next.token != sqlparser::tokenizer::Token::EOF {
        return Err(format!(
            "unexpected `{}` after the condition (line {}, column {})",
            next.token, next.span.start.line, next.span.start.column
        ));
    }
    struct Names(Vec<(String, Span)>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            let ident = match e {
                Expr::Identifier(i) => Some(i),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            if let Some(i) = ident {
                let at = Span::new(i.span.start.line as u32, i.span.start.column as u32);
                self.0.push((i.value.clone(), at));
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(Vec::new());
    let _ = expr.visit(&mut names);
    // Words the parsers read as names that are values: `CURRENT_DATE`, `true` in SQLite.
    let value_word = |n: &str| {
        let n = n.to_ascii_lowercase();
        n.starts_with("current_") || n.starts_with("localtime") || matches!(n.as_str(), "true" | "false" | "null")
    };
    if let Some((name, at)) =
        names.0.iter().find(|(n, _)| !value_word(n) && !columns.iter().any(|c| crate::model::same_name(c, n)))
    {
        return Err(format!("there is no column {name} (line {}, column {})", at.line, at.column));
    }
    let condition = if whole {
        match &expr {
            Expr::Nested(inner) => inner.to_string(),
            _ => return Err("write CHECK (condition), with the condition in parentheses".into()),
        }
    } else {
        trimmed.to_string()
    };
    Ok(condition)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Table;

    #[test]
    fn tells_sql_dbml_and_prisma_apart_by_their_first_telling_line() {
        let cases = [
            ("", SourceFormat::Sql),
            ("-- a comment\nCREATE TABLE t (id int);", SourceFormat::Sql),
            ("/*!40101 SET NAMES utf8 */;\nCREATE TABLE t (id int);", SourceFormat::Sql),
            ("/* Table x {\n} */\nCREATE TABLE t (id int);", SourceFormat::Sql),
            ("TABLE t;", SourceFormat::Sql),
            ("// shop\nTable users {\n  id int [pk]\n}", SourceFormat::Dbml),
            ("Enum mood {\n  sad\n}\nTable t {\n  m mood\n}", SourceFormat::Dbml),
            ("Ref: a.b > c.d", SourceFormat::Dbml),
            ("Ref fk_x: a.b > c.d", SourceFormat::Dbml),
            ("Project p {\n  database_type: 'MySQL'\n}", SourceFormat::Dbml),
            ("// app\ngenerator client {\n  provider = \"prisma-client-js\"\n}", SourceFormat::Prisma),
            ("enum Role {\n  ADMIN\n}\nmodel User {\n  id Int @id\n}", SourceFormat::Prisma),
            ("datasource db {\n  provider = \"sqlite\"\n}", SourceFormat::Prisma),
        ];
        for (text, format) in cases {
            assert_eq!(detect_format(text), format, "{text:?}");
        }
    }

    #[test]
    fn one_entry_reads_dbml_and_prisma_with_their_dialect_and_their_errors_where_they_are() {
        let dbml = import("Project p {\n  database_type: 'MySQL'\n}\nTable users {\n  id int [pk]\n  email varchar(200) [not null]\n}\n", None);
        assert_eq!((dbml.format, dbml.dialect), (SourceFormat::Dbml, Dialect::MySql));
        assert_eq!(dbml.schema.tables[0].columns.len(), 2);
        let named = import("Table users {\n  id int [pk]\n}\n", Some(Dialect::Sqlite));
        assert_eq!(named.dialect, Dialect::Sqlite, "a dialect the user picks wins over the default");
        let prisma = import("datasource db {\n  provider = \"mysql\"\n}\nmodel User {\n  id Int @id\n}\n", None);
        assert_eq!((prisma.format, prisma.dialect), (SourceFormat::Prisma, Dialect::MySql));
        assert_eq!(prisma.schema.tables.len(), 1);
        let broken = import("Table users {\n  id int [pk\n}\n", None);
        let e = broken.errors().next().expect("an unclosed setting list is an error");
        assert_eq!((e.span.line, e.span.column), (3, 1), "where the list was found unclosed: {e:?}");
    }

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
            customer.columns.iter().map(|c| (c.name.as_str(), c.data_type.spelling.as_str(), c.nullable)).collect();
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
        let src = "\\set ON_ERROR_STOP 1\nSET client_encoding = 'UTF8';\nCREATE TABLE a (id int);";
        let result = import(src, Some(Dialect::Postgres));
        assert_eq!(result.schema.tables.len(), 1);
        let codes: Vec<(&str, Span)> = result.diagnostics.iter().map(|d| (d.code.as_ref(), d.span)).collect();
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
            assert_eq!(result.schema, Schema { dialect: result.schema.dialect, ..Schema::default() });
            assert_eq!(result.diagnostics, vec![]);
        }
    }
}
