//! `bellows inspect FILE`: the imported model and every diagnostic.
//!
//! The JSON shape is documented in the README ("CLI") and kept stable: top-level `file`,
//! `dialect`, `summary`, `tables`, `diagnostics`. It is built from these structs, not from the
//! core's model, so internal changes do not move it.

use crate::output::Style;
use crate::Format;
use bellows_core::{Diagnostic, Dialect, Identity, IndexPart, Severity, Table};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    dialect: &'static str,
    summary: Summary,
    tables: Vec<TableOut<'a>>,
    diagnostics: Vec<DiagnosticOut<'a>>,
}

#[derive(Debug, Serialize)]
struct Summary {
    tables: usize,
    columns: usize,
    foreign_keys: usize,
    indexes: usize,
    statements: usize,
    skipped: usize,
    recovered: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Debug, Serialize)]
struct TableOut<'a> {
    name: String,
    line: u32,
    columns: Vec<ColumnOut<'a>>,
    primary_key: Option<&'a [String]>,
    unique: Vec<&'a [String]>,
    foreign_keys: Vec<ForeignKeyOut<'a>>,
    indexes: Vec<IndexOut>,
    checks: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ColumnOut<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    data_type: &'a str,
    nullable: bool,
    primary_key: bool,
    unique: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generated: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_update: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    line: u32,
}

#[derive(Debug, Serialize)]
struct ForeignKeyOut<'a> {
    name: Option<&'a str>,
    columns: &'a [String],
    references: Reference<'a>,
    on_delete: &'static str,
    on_update: &'static str,
}

#[derive(Debug, Serialize)]
struct Reference<'a> {
    table: &'a str,
    columns: &'a [String],
}

#[derive(Debug, Serialize)]
struct IndexOut {
    name: Option<String>,
    unique: bool,
    parts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    predicate: Option<String>,
}

#[derive(Debug, Serialize)]
struct DiagnosticOut<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    severity: Severity,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

fn table_out(table: &Table) -> TableOut<'_> {
    TableOut {
        name: table.qualified_name(),
        line: table.span.line,
        columns: table
            .columns
            .iter()
            .map(|c| ColumnOut {
                name: &c.name,
                data_type: &c.data_type.spelling,
                nullable: c.nullable,
                primary_key: table.is_primary_key(&c.name),
                unique: table.is_unique(&c.name),
                default: c.default.as_ref().map(|d| d.expr.as_str()),
                identity: c.identity,
                generated: c.generated.as_ref().map(|g| g.expr.as_str()),
                on_update: c.on_update.as_deref(),
                comment: c.comment.as_deref(),
                line: c.span.line,
            })
            .collect(),
        primary_key: table.primary_key.as_ref().map(|k| k.columns.as_slice()),
        unique: table.uniques.iter().map(|k| k.columns.as_slice()).collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyOut {
                name: fk.name.as_deref(),
                columns: &fk.columns,
                references: Reference { table: &fk.ref_table, columns: &fk.ref_columns },
                on_delete: fk.on_delete.sql(),
                on_update: fk.on_update.sql(),
            })
            .collect(),
        indexes: table
            .indexes
            .iter()
            .map(|i| IndexOut {
                name: i.name.clone(),
                unique: i.unique,
                parts: i.parts.iter().map(part_text).collect(),
                method: i.method.clone(),
                predicate: i.predicate.clone(),
            })
            .collect(),
        checks: table.checks.iter().map(|c| c.expr.as_str()).collect(),
        comment: table.comment.as_deref(),
    }
}

fn part_text(part: &IndexPart) -> String {
    match part {
        IndexPart::Column { name, descending: true } => format!("{name} DESC"),
        IndexPart::Column { name, .. } => name.clone(),
        IndexPart::Expression { sql } => format!("({sql})"),
    }
}

pub fn run(path: &Path, dialect: Option<Dialect>, format: Format) -> Result<ExitCode, String> {
    let text = crate::read_input(path)?;
    let file = path.display().to_string();
    let result = crate::read_schema(path, &text, dialect);
    let count = |s: Severity| result.diagnostics.iter().filter(|d| d.severity == s).count();
    let errors = count(Severity::Error);
    match format {
        Format::Json => {
            let report = Report {
                file: file.clone(),
                dialect: result.dialect.id(),
                summary: Summary {
                    tables: result.schema.tables.len(),
                    columns: result.schema.column_count(),
                    foreign_keys: result.schema.foreign_key_count(),
                    indexes: result.schema.tables.iter().map(|t| t.indexes.len()).sum(),
                    statements: result.stats.statements,
                    skipped: result.stats.skipped,
                    recovered: result.stats.recovered,
                    errors,
                    warnings: count(Severity::Warning),
                },
                tables: result.schema.tables.iter().map(table_out).collect(),
                diagnostics: result.diagnostics.iter().map(|d| diagnostic_out(&file, d)).collect(),
            };
            let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            crate::emit(&format!("{json}\n"));
        }
        Format::Text => crate::emit(&print_text(&file, &result, Style::detect())),
    }
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn diagnostic_out<'a>(file: &'a str, d: &'a Diagnostic) -> DiagnosticOut<'a> {
    DiagnosticOut {
        file,
        line: d.span.line,
        column: d.span.column,
        severity: d.severity,
        code: &d.code,
        message: &d.message,
        help: d.help.as_deref(),
    }
}

fn print_text(file: &str, result: &bellows_core::Import, style: Style) -> String {
    let mut out = String::new();
    let schema = &result.schema;
    let _ =
        writeln!(out,
        "{}: {}, {} tables, {} columns, {} foreign keys ({} statements: {} read, {} recovered, {} skipped, {} failed)",
        style.bold(file),
        result.dialect.label(),
        schema.tables.len(),
        schema.column_count(),
        schema.foreign_key_count(),
        result.stats.statements,
        result.stats.applied,
        result.stats.recovered,
        result.stats.skipped,
        result.stats.failed
    );
    for table in &schema.tables {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.bold(&format!("table {}", table.qualified_name())),
            style.dim(&format!("{file}:{}", table.span.line))
        );
        let name_width = table.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
        let type_width = table.columns.iter().map(|c| c.data_type.spelling.chars().count()).max().unwrap_or(0);
        for c in &table.columns {
            let mut marks = Vec::new();
            if table.is_primary_key(&c.name) {
                marks.push("PK".to_string());
            }
            if table.foreign_keys_of(&c.name).next().is_some() {
                marks.push("FK".to_string());
            }
            if table.is_unique(&c.name) {
                marks.push("UQ".to_string());
            }
            if !c.nullable {
                marks.push("not null".to_string());
            }
            if let Some(identity) = c.identity {
                marks.push(format!("{identity:?}").to_lowercase());
            }
            if let Some(d) = &c.default {
                marks.push(format!("default {}", d.expr));
            }
            if let Some(g) = &c.generated {
                marks.push(format!("generated ({})", g.expr));
            }
            if let Some(u) = &c.on_update {
                marks.push(format!("on update {u}"));
            }
            let _ =
                writeln!(out, "  {:name_width$}  {:type_width$}  {}", c.name, c.data_type.spelling, marks.join(", "));
        }
        for fk in &table.foreign_keys {
            let refs =
                if fk.ref_columns.is_empty() { String::new() } else { format!("({})", fk.ref_columns.join(", ")) };
            let _ = writeln!(
                out,
                "  {} ({}) -> {}{}{}",
                style.dim("foreign key"),
                fk.columns.join(", "),
                fk.ref_table,
                refs,
                if fk.on_delete == bellows_core::RefAction::NoAction {
                    String::new()
                } else {
                    format!(" on delete {}", fk.on_delete.sql().to_lowercase())
                }
            );
        }
        for key in &table.uniques {
            let _ = writeln!(out, "  {} ({})", style.dim("unique"), key.columns.join(", "));
        }
        for index in &table.indexes {
            let parts: Vec<String> = index.parts.iter().map(part_text).collect();
            let kind = if index.unique { "unique index" } else { "index" };
            let name = index.name.as_deref().unwrap_or("(unnamed)");
            let predicate = index.predicate.as_ref().map(|p| format!(" where {p}")).unwrap_or_default();
            let _ = writeln!(out, "  {} {name} ({}){predicate}", style.dim(kind), parts.join(", "));
        }
        for check in &table.checks {
            let _ = writeln!(out, "  {} ({})", style.dim("check"), check.expr);
        }
    }
    let shown: Vec<&Diagnostic> = result.diagnostics.iter().filter(|d| d.severity != Severity::Info).collect();
    let infos = result.diagnostics.len() - shown.len();
    if !shown.is_empty() || infos > 0 {
        let _ = writeln!(out);
    }
    for d in &shown {
        let _ = writeln!(
            out,
            "{file}:{}:{}: {}[{}] {}",
            d.span.line,
            d.span.column,
            style.severity(d.severity),
            d.code,
            d.message
        );
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  {} {help}", style.dim("help:"));
        }
    }
    if infos > 0 {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!("{infos} statements skipped as not shaping the tables (see --format json for each)"))
        );
    }
    out
}
