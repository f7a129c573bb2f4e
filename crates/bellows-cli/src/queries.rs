//! `bellows queries`: the application's SQL checked against a schema and, with a target, at
//! every point of the plan from the one to the other.

use crate::Format;
use bellows_core::consumers::{check_over_plan, statements, statements_from_export, PlanPoints, Statement, Verdict};
use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::plan::{plan, PlanOptions};
use bellows_core::{Dialect, Schema};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug)]
pub struct Args {
    pub schema: PathBuf,
    pub queries: Vec<PathBuf>,
    pub target: Option<PathBuf>,
    pub renames: Vec<String>,
    pub dialect: Option<Dialect>,
    pub format: Format,
}

#[derive(Serialize)]
struct Out {
    file: String,
    statement: String,
    line: u32,
    column: u32,
    /// `base`, or the point where it first fails (`after Contract`).
    point: String,
    /// The step that breaks it, with a target.
    step: Option<String>,
    /// The statement rewritten for the target, where the change is a rename (checked to read
    /// the target).
    #[serde(skip_serializing_if = "Option::is_none")]
    rewrite: Option<String>,
    verdict: Verdict,
    code: &'static str,
    message: String,
}

/// The plan from `base` to `target` (names matched, with the rename hints) and its points.
fn planned(
    base: &bellows_core::Import,
    base_text: &str,
    target: &Schema,
    renames: &[String],
) -> Result<PlanPoints, String> {
    let dialect = base.dialect;
    let renames = crate::rename_hints(renames)?;
    let options = DiffOptions { matching: Matching::Names, renames, merges: vec![], moves: vec![] };
    let plan = plan(&base.schema, target, &options, &PlanOptions { dialect, ..PlanOptions::default() });
    let changes = bellows_core::diff::diff(&base.schema, target, &options);
    // The plan's SQL replays over the base's own text, or its DDL when it came from DBML or
    // Prisma.
    let base_sql = bellows_core::analysis::base_sql(base, base_text).into_owned();
    Ok(PlanPoints::new(&base.schema, base_sql, dialect, plan, target.clone(), changes))
}

/// Exit 1 when a statement fails on the base, or breaks before the plan retires v1.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let base_text = crate::read_input(&args.schema)?;
    let base = crate::read_schema(&args.schema, &base_text, args.dialect);
    let dialect = base.dialect;
    let mut planned = match &args.target {
        Some(path) => {
            let text = crate::read_input(path)?;
            let target = crate::read_schema(path, &text, Some(dialect)).schema;
            Some(planned(&base, &base_text, &target, &args.renames)?)
        }
        None => None,
    };
    let report = check_files(&base.schema, dialect, planned.as_mut(), &args.queries)?;
    match args.format {
        Format::Json => {
            crate::emit(&format!("{}\n", serde_json::to_string_pretty(&report.out).map_err(|e| e.to_string())?));
        }
        Format::Text => crate::emit(&report.text(planned.is_some())),
    }
    Ok(if report.breaking() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Every statement of the consumers' files, checked on the base and, with a plan, at each of its
/// points.
#[derive(Serialize)]
pub struct Report {
    out: Vec<Out>,
    #[serde(skip)]
    total: usize,
}

impl Report {
    fn count(&self, v: Verdict) -> usize {
        let mut seen: Vec<(&str, &str)> =
            self.out.iter().filter(|o| o.verdict == v).map(|o| (o.file.as_str(), o.statement.as_str())).collect();
        seen.dedup();
        seen.len()
    }

    /// A statement fails on the base, or the plan breaks one while v1 still runs.
    pub fn breaking(&self) -> bool {
        self.count(Verdict::AlreadyBroken) > 0 || self.count(Verdict::PlanDefect) > 0
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(&self.out).unwrap_or_default()
    }

    pub fn text(&self, planned: bool) -> String {
        let mut text = String::new();
        for o in &self.out {
            let when = match (&o.verdict, &o.step) {
                (Verdict::AlreadyBroken, _) => String::new(),
                (Verdict::Unchecked, _) => " (not checked)".to_string(),
                (Verdict::OutputChanges, _) => format!(" (from {} on)", o.point),
                (Verdict::PlanDefect, step) => format!(
                    " (breaks {}{}, while the plan says the running version still works: a plan defect)",
                    o.point,
                    step.as_ref().map(|s| format!(", at \"{s}\"")).unwrap_or_default()
                ),
                (Verdict::RetireBefore, step) => format!(
                    " (breaks {}{}: retire or rewrite it before then)",
                    o.point,
                    step.as_ref().map(|s| format!(", at \"{s}\"")).unwrap_or_default()
                ),
            };
            let severity =
                if matches!(o.verdict, Verdict::Unchecked | Verdict::OutputChanges) { "warning" } else { "error" };
            text.push_str(&format!(
                "{}:{}:{}: {severity}[{}] {}: {}{when}\n",
                o.file, o.line, o.column, o.code, o.statement, o.message
            ));
            if let Some(v2) = &o.rewrite {
                text.push_str("  rewritten for the target:\n");
                for line in v2.lines() {
                    text.push_str(&format!("    {line}\n"));
                }
            }
        }
        let (broken, defects, retire) =
            (self.count(Verdict::AlreadyBroken), self.count(Verdict::PlanDefect), self.count(Verdict::RetireBefore));
        text.push_str(&format!("{} statements: {broken} already broken on the base", self.total));
        if planned {
            text.push_str(&format!(
                ", {defects} broken by the plan while the running version still needs them, {retire} to retire or rewrite before Contract"
            ));
        }
        let unchecked = self.count(Verdict::Unchecked);
        if unchecked > 0 {
            text.push_str(&format!(", {unchecked} not understood (not checked)"));
        }
        text.push('\n');
        text
    }
}

/// `bellows plan --consumers`: the statements of `paths` at every point of the plan from `base`
/// to `target`.
pub fn check_plan(
    base: &bellows_core::Import,
    base_text: &str,
    target: &Schema,
    renames: &[String],
    paths: &[PathBuf],
) -> Result<Report, String> {
    let mut planned = planned(base, base_text, target, renames)?;
    check_files(&base.schema, base.dialect, Some(&mut planned), paths)
}

/// A consumer's statements from its file: SQL (sqlc's `-- name:` annotations name them), or a
/// server's statistics export as CSV (pg_stat_statements, MySQL's statement digests), with what
/// the export's reading noted (texts cut at the server's limit, rows skipped).
pub fn read_statements(
    path: &std::path::Path,
    dialect: Dialect,
) -> Result<(Vec<Statement>, Vec<bellows_core::Diagnostic>), String> {
    let source = crate::read_input(path)?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        statements_from_export(&source).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        Ok((statements(&source, dialect), Vec::new()))
    }
}

fn check_files(
    base: &Schema,
    dialect: Dialect,
    mut planned: Option<&mut PlanPoints>,
    paths: &[PathBuf],
) -> Result<Report, String> {
    let mut out: Vec<Out> = Vec::new();
    let mut total = 0usize;
    for path in paths {
        let file = path.display().to_string();
        let (stmts, notes) = read_statements(path, dialect)?;
        for n in notes {
            eprintln!("{file}:{}: {}[{}] {}", n.span, n.severity, n.code, n.message);
        }
        total += stmts.len();
        for o in check_over_plan(base, dialect, planned.as_deref_mut(), &stmts) {
            out.push(Out {
                file: file.clone(),
                statement: o.label,
                line: o.span.line,
                column: o.span.column,
                point: o.point,
                step: o.step,
                rewrite: o.rewrite,
                verdict: o.verdict,
                code: o.kind.code(),
                message: o.message,
            });
        }
    }
    Ok(Report { out, total })
}
