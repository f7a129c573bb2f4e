//! `bellows lint` (audit a schema) and `bellows check` (safety of a hand-written migration),
//! and the printing of findings shared with `bellows plan`.

use crate::output::Style;
use crate::{FailOn, Format};
use bellows_core::lint::{audit, check_migration, counts, Finding, LintOptions};
use bellows_core::{import, Dialect, Severity};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints each import error as `file:line:column` on standard error; returns how many.
pub fn report_errors(path: &Path, result: &bellows_core::Import) -> usize {
    let mut n = 0;
    for d in result.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        eprintln!("{}:{}:{}: error[{}] {}", path.display(), d.span.line, d.span.column, d.code, d.message);
        n += 1;
    }
    n
}

/// Findings as a person reads them: `file:line:column: severity[code] message`, the help on
/// the next line, the fix the playground offers when there is one, and a summary.
pub fn text(path: &Path, findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    for f in findings {
        let place = match (f.span, f.step) {
            (Some(s), _) => format!("{}:{}:{}", path.display(), s.line, s.column),
            (None, Some(step)) => format!("{} step {}", step.stage.label(), step.index + 1),
            (None, None) => path.display().to_string(),
        };
        out.push_str(&format!(
            "{}: {}[{}] {}\n  {} {}\n",
            style.bold(&place),
            style.severity(f.severity),
            f.rule.code(),
            f.message,
            style.dim("help:"),
            f.help
        ));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("  {} {} (Fix in the playground)\n", style.dim("fix:"), fix.label));
        }
    }
    let (e, w, i) = counts(findings);
    out.push_str(&format!("{} findings: {e} errors, {w} warnings, {i} info\n", findings.len()));
    out
}

pub fn json(path: &Path, dialect: Dialect, findings: &[Finding]) -> Result<String, String> {
    let (e, w, i) = counts(findings);
    let value = serde_json::json!({
        "file": path.display().to_string(),
        "dialect": dialect.label().to_ascii_lowercase(),
        "summary": { "findings": findings.len(), "errors": e, "warnings": w, "info": i },
        "findings": findings.iter().map(|f| {
            let mut v = serde_json::json!({
                "code": f.rule.code(),
                "severity": f.severity.to_string(),
                "message": f.message,
                "help": f.help,
            });
            if let Some(s) = f.span { v["line"] = s.line.into(); v["column"] = s.column.into(); }
            if let Some(t) = &f.table { v["table"] = t.clone().into(); }
            if let Some(c) = &f.column { v["column_name"] = c.clone().into(); }
            if let Some(fix) = &f.fix {
                v["fix"] = serde_json::json!({ "label": fix.label, "edits": fix.edits });
            }
            if let Some(step) = f.step {
                v["step"] = serde_json::json!({ "stage": step.stage.label(), "index": step.index + 1 });
            }
            v
        }).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).map(|s| s + "\n").map_err(|e| e.to_string())
}

/// The exit code for CI: 1 when an input has errors or a finding is at or above `fail_on`.
pub fn exit_code(findings: &[Finding], fail_on: FailOn, input_errors: usize) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Error | FailOn::Breaking => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    // Severity orders Error < Warning < Info.
    let failing = threshold.is_some_and(|t| findings.iter().any(|f| f.severity <= t));
    if failing || input_errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Debug)]
pub struct LintArgs {
    pub file: PathBuf,
    pub dialect: Option<Dialect>,
    pub format: Format,
    pub fail_on: FailOn,
    pub options: LintOptions,
}

pub fn lint(args: &LintArgs) -> Result<ExitCode, String> {
    let text = crate::read_input(&args.file)?;
    let dialect = args.dialect.unwrap_or_else(|| bellows_core::import::detect_dialect(&text));
    let result = import(&text, Some(dialect));
    let errors = report_errors(&args.file, &result);
    let findings = audit(&result.schema, dialect, &args.options);
    emit(&args.file, dialect, &findings, args.format)?;
    Ok(exit_code(&findings, args.fail_on, errors))
}

#[derive(Debug)]
pub struct CheckArgs {
    pub migration: PathBuf,
    pub base: Option<PathBuf>,
    pub dialect: Option<Dialect>,
    pub format: Format,
    pub fail_on: FailOn,
    pub options: LintOptions,
}

pub fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let text = crate::read_input(&args.migration)?;
    let base_text = args.base.as_ref().map(|b| crate::read_input(b)).transpose()?;
    let dialect =
        args.dialect.unwrap_or_else(|| bellows_core::import::detect_dialect(base_text.as_deref().unwrap_or(&text)));
    let mut errors = 0;
    let base = match (&args.base, &base_text) {
        (Some(path), Some(t)) => {
            let result = import(t, Some(dialect));
            errors += report_errors(path, &result);
            Some(result.schema)
        }
        _ => None,
    };
    let findings = check_migration(&text, base.as_ref(), dialect, &args.options);
    emit(&args.migration, dialect, &findings, args.format)?;
    Ok(exit_code(&findings, args.fail_on, errors))
}

fn emit(path: &Path, dialect: Dialect, findings: &[Finding], format: Format) -> Result<(), String> {
    let out = match format {
        Format::Text => text(path, findings, Style::detect()),
        Format::Json => json(path, dialect, findings)?,
    };
    crate::emit(&out);
    Ok(())
}
