//! `bellows queries`: the application's SQL checked against a schema, and against a target.

use crate::Format;
use bellows_core::consumers::{check_points, statements, Finding, Point};
use bellows_core::Dialect;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug)]
pub struct Args {
    pub schema: PathBuf,
    pub queries: Vec<PathBuf>,
    pub target: Option<PathBuf>,
    pub dialect: Option<Dialect>,
    pub format: Format,
}

#[derive(Serialize)]
struct Out<'a> {
    file: String,
    statement: String,
    line: u32,
    column: u32,
    point: &'a str,
    code: &'static str,
    breaks: bool,
    message: String,
}

/// Exit 1 when a statement breaks at the last point (the base, or the target with --target).
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let base_text = crate::read_input(&args.schema)?;
    let base = crate::read_schema(&args.schema, &base_text, args.dialect);
    let dialect = base.dialect;
    let target = match &args.target {
        Some(path) => {
            let text = crate::read_input(path)?;
            Some(crate::read_schema(path, &text, Some(dialect)).schema)
        }
        None => None,
    };
    let mut points = vec![Point { label: "base", schema: &base.schema }];
    if let Some(target) = &target {
        points.push(Point { label: "target", schema: target });
    }
    let mut text = String::new();
    let mut json = Vec::new();
    let (mut total, mut broken_base, mut broken_last) = (0usize, 0usize, 0usize);
    for path in &args.queries {
        let file = path.display().to_string();
        let source = crate::read_input(path)?;
        let stmts = statements(&source, dialect);
        total += stmts.len();
        for report in check_points(&points, dialect, &stmts) {
            let statement = &stmts[report.statement];
            let breaks_at = |i: usize| report.findings[i].iter().any(|f| f.kind.breaks());
            if report.already_broken() {
                broken_base += 1;
            }
            if breaks_at(points.len() - 1) {
                broken_last += 1;
            }
            for (i, point) in points.iter().enumerate() {
                // At the target, only what is new there.
                let fresh: Vec<&Finding> = report.findings[i]
                    .iter()
                    .filter(|f| i == 0 || !report.findings[0].iter().any(|b| b.kind == f.kind && b.name == f.name))
                    .collect();
                for f in fresh {
                    let severity = if f.kind.breaks() { "error" } else { "warning" };
                    let when = if i == 0 { String::new() } else { format!(" (breaks at the {})", point.label) };
                    text.push_str(&format!(
                        "{file}:{}: {severity}[{}] {}: {}{when}\n",
                        f.span,
                        f.kind.code(),
                        statement.label(),
                        f.message
                    ));
                    json.push(Out {
                        file: file.clone(),
                        statement: statement.label(),
                        line: f.span.line,
                        column: f.span.column,
                        point: point.label,
                        code: f.kind.code(),
                        breaks: f.kind.breaks(),
                        message: f.message.clone(),
                    });
                }
            }
        }
    }
    match args.format {
        Format::Json => {
            crate::emit(&format!("{}\n", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?));
        }
        Format::Text => {
            text.push_str(&format!("{total} statements: {broken_base} already broken on the base"));
            if target.is_some() {
                text.push_str(&format!(", {broken_last} broken on the target"));
            }
            text.push('\n');
            crate::emit(&text);
        }
    }
    Ok(if broken_last > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
