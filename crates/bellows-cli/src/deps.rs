//! `bellows deps`: what depends on each table and column (views, keys, indexes, CHECKs,
//! generated columns, triggers, functions, policies, owned sequences, partitions), and with
//! `--consumers`, the application's statements: what each reads and writes, and every reference
//! that does not resolve.

use crate::Format;
use bellows_core::consumers::{analyze, Analysis, Statement};
use bellows_core::deps::DependencyMap;
use bellows_core::{Dialect, Schema};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug)]
pub struct Args {
    pub schema: PathBuf,
    pub consumers: Vec<PathBuf>,
    pub dialect: Option<Dialect>,
    pub format: Format,
}

/// A problem found in the schema or in a consumer's file.
#[derive(Debug, Serialize)]
struct Diagnostic {
    file: String,
    line: u32,
    column: u32,
    /// `error` or `warning`.
    severity: &'static str,
    code: String,
    message: String,
}

/// One consumer statement: what it reads and writes, as `table.column` (`table.*` for whole rows
/// a DELETE or an INSERT without a column list writes).
#[derive(Debug, Serialize)]
struct StatementOut {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    line: u32,
    reads: Vec<String>,
    writes: Vec<String>,
}

#[derive(Serialize)]
struct Out<'a> {
    diagnostics: Vec<Diagnostic>,
    statements: Vec<StatementOut>,
    tables: &'a [bellows_core::deps::TableUse],
}

/// What a statement reads and writes, as `table.column` strings in the order first named.
fn access(schema: &Schema, analysis: &Analysis) -> (Vec<String>, Vec<String>) {
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for u in analysis.uses(schema) {
        match &u.column {
            Some(c) => {
                if u.read || u.star {
                    reads.push(format!("{}.{c}", u.table));
                }
                if u.write {
                    writes.push(format!("{}.{c}", u.table));
                }
            }
            None if u.rows => writes.push(format!("{}.*", u.table)),
            None => {}
        }
    }
    (reads, writes)
}

/// The consumer's statements: a CSV export of the server's statistics, or SQL.
fn read_consumer(
    path: &std::path::Path,
    dialect: Dialect,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Statement>, String> {
    let file = path.display().to_string();
    let (stmts, notes) = crate::queries::read_statements(path, dialect)?;
    diagnostics.extend(notes.into_iter().map(|n| Diagnostic {
        file: file.clone(),
        line: n.span.line,
        column: n.span.column,
        severity: if n.severity == bellows_core::Severity::Error { "error" } else { "warning" },
        code: n.code.to_string(),
        message: n.message,
    }));
    Ok(stmts)
}

/// Exits 1 when the schema has errors or a consumer's reference does not resolve.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let text = crate::read_input(&args.schema)?;
    let read = crate::read_schema(&args.schema, &text, args.dialect);
    let (schema, dialect) = (&read.schema, read.dialect);
    let mut diagnostics: Vec<Diagnostic> = read
        .diagnostics
        .iter()
        .filter(|d| d.severity == bellows_core::Severity::Error)
        .map(|d| Diagnostic {
            file: args.schema.display().to_string(),
            line: d.span.line,
            column: d.span.column,
            severity: "error",
            code: d.code.to_string(),
            message: d.message.clone(),
        })
        .collect();
    let mut map = DependencyMap::build(schema, dialect);
    let mut outs: Vec<StatementOut> = Vec::new();
    for path in &args.consumers {
        let file = path.display().to_string();
        let consumer = path.file_stem().map_or(file.clone(), |s| s.to_string_lossy().to_string());
        for statement in read_consumer(path, dialect, &mut diagnostics)? {
            let analysis = analyze(schema, dialect, &statement);
            for f in &analysis.findings {
                diagnostics.push(Diagnostic {
                    file: file.clone(),
                    line: f.span.line,
                    column: f.span.column,
                    severity: if f.kind.breaks() { "error" } else { "warning" },
                    code: f.kind.code().to_string(),
                    message: format!("{}: {}", statement.label(), f.message),
                });
            }
            map.add_consumer(schema, &format!("{consumer}: {}", statement.label()), &analysis);
            let (reads, writes) = access(schema, &analysis);
            outs.push(StatementOut {
                file: file.clone(),
                name: statement.name.clone(),
                line: statement.start.line,
                reads,
                writes,
            });
        }
    }
    let errors = diagnostics.iter().filter(|d| d.severity == "error").count();
    match args.format {
        Format::Json => {
            let out = Out { diagnostics, statements: outs, tables: &map.tables };
            crate::emit(&format!("{}\n", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?));
        }
        Format::Text => crate::emit(&text_report(&map, &diagnostics, &outs)),
    }
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn text_report(map: &DependencyMap, diagnostics: &[Diagnostic], statements: &[StatementOut]) -> String {
    let mut out = String::new();
    let line = |d: &bellows_core::deps::Dependent| format!("{} {} ({})", d.kind.label(), d.name, d.how);
    for t in &map.tables {
        let used: Vec<_> = t.columns.iter().filter(|c| !c.used_by.is_empty()).collect();
        if t.used_by.is_empty() && used.is_empty() {
            continue;
        }
        out.push_str(&format!("{}\n", t.table));
        for d in &t.used_by {
            out.push_str(&format!("  {}\n", line(d)));
        }
        for c in used {
            out.push_str(&format!("  .{}\n", c.column));
            for d in &c.used_by {
                out.push_str(&format!("      {}\n", line(d)));
            }
        }
    }
    for s in statements {
        let name = s.name.clone().unwrap_or_else(|| format!("statement at line {}", s.line));
        out.push_str(&format!("{}:{}: {name}: reads {}", s.file, s.line, list(&s.reads)));
        if !s.writes.is_empty() {
            out.push_str(&format!("; writes {}", list(&s.writes)));
        }
        out.push('\n');
    }
    for d in diagnostics {
        out.push_str(&format!("{}:{}:{}: {}[{}] {}\n", d.file, d.line, d.column, d.severity, d.code, d.message));
    }
    let tables = map.tables.iter().filter(|t| !t.used_by.is_empty() || t.columns.iter().any(|c| !c.used_by.is_empty()));
    out.push_str(&format!(
        "{} dependents on {} tables; {} consumer statements; {} errors\n",
        map.len(),
        tables.count(),
        statements.len(),
        diagnostics.iter().filter(|d| d.severity == "error").count()
    ));
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}
