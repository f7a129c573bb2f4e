//! `bellows queries`: the application's SQL checked against a schema and, with a target, at
//! every point of the plan from the one to the other.

use crate::Format;
use bellows_core::consumers::{schema_after, star_change, statements, statements_from_export, Finding, Statement};
use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::plan::{plan, Plan, PlanOptions, StageKind};
use bellows_core::render::ddl::{schema_sql, DdlOptions};
use bellows_core::{Dialect, Schema};
use serde::Serialize;
use std::collections::HashMap;
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

/// What happens to one statement over the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Verdict {
    /// It fails on the base already: not the plan's doing.
    AlreadyBroken,
    /// It breaks at a point where the plan says v1 still works: a defect of the plan.
    PlanDefect,
    /// It breaks where the plan retires v1 (Contract): retire or rewrite it before then.
    RetireBefore,
    /// Bellows cannot parse it, so nothing in it was checked.
    Unchecked,
    /// It runs at every point, but a `*` in it stands for other columns from some point on.
    OutputChanges,
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

/// The plan and the points to check at, with what is needed to find the breaking step.
struct Planned {
    plan: Plan,
    base_sql: String,
    dialect: Dialect,
    /// (label, schema, the stage it follows, whether the plan says v1 still works there).
    points: Vec<(String, Schema, Option<usize>, bool)>,
    /// Schemas after (stage, steps), worked out when a statement breaks inside that stage.
    cache: HashMap<(usize, usize), Schema>,
    base: Schema,
    target: Schema,
    changes: bellows_core::diff::ChangeSet,
}

impl Planned {
    fn new(base: &bellows_core::Import, base_text: &str, target: &Schema, renames: &[String]) -> Result<Self, String> {
        let dialect = base.dialect;
        let renames = crate::rename_hints(renames)?;
        let options = DiffOptions { matching: Matching::Names, renames };
        let plan = plan(&base.schema, target, &options, &PlanOptions { dialect, ..PlanOptions::default() });
        let changes = bellows_core::diff::diff(&base.schema, target, &options);
        // The plan's SQL replays over the base's own text, or its DDL when it came from DBML or
        // Prisma.
        let base_sql = if base.stats.statements > 0 {
            base_text.to_string()
        } else {
            schema_sql(&base.schema, DdlOptions { source: dialect, target: dialect })
        };
        let mut points = vec![("base".to_string(), base.schema.clone(), None, true)];
        for (i, stage) in plan.stages.iter().enumerate() {
            let v1_works = plan.compatibility.iter().find(|c| c.after == stage.kind).is_none_or(|c| c.v1_works);
            let schema = schema_after(&base_sql, dialect, &plan, i, stage.steps.len());
            points.push((format!("after {}", stage.kind.label()), schema, Some(i), v1_works));
        }
        Ok(Self {
            plan,
            base_sql,
            dialect,
            points,
            cache: HashMap::new(),
            base: base.schema.clone(),
            target: target.clone(),
            changes,
        })
    }

    /// The first step of stage `stage` after which `statement` fails.
    fn breaking_step(&mut self, stage: usize, statement: &Statement) -> Option<String> {
        let steps = self.plan.stages.get(stage)?.steps.len();
        for n in 1..=steps {
            let schema = self
                .cache
                .entry((stage, n))
                .or_insert_with(|| schema_after(&self.base_sql, self.dialect, &self.plan, stage, n));
            let fails = bellows_core::consumers::resolve_statement(schema, self.dialect, statement)
                .iter()
                .any(|f| f.kind.breaks());
            if fails {
                return self.plan.stages[stage].steps.get(n - 1).map(|s| s.title.clone());
            }
        }
        None
    }
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
            Some(Planned::new(&base, &base_text, &target, &args.renames)?)
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
    let mut planned = Planned::new(base, base_text, target, renames)?;
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
    mut planned: Option<&mut Planned>,
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
        for statement in &stmts {
            let at_base = bellows_core::consumers::resolve_statement(base, dialect, statement);
            let mut push =
                |f: &Finding, point: &str, step: Option<String>, verdict: Verdict, rewrite: Option<String>| {
                    out.push(Out {
                        rewrite,
                        file: file.clone(),
                        statement: statement.label(),
                        line: f.span.line,
                        column: f.span.column,
                        point: point.to_string(),
                        step,
                        verdict,
                        code: f.kind.code(),
                        message: f.message.clone(),
                    });
                };
            if !at_base.is_empty() {
                for f in &at_base {
                    let verdict = if f.kind.breaks() { Verdict::AlreadyBroken } else { Verdict::Unchecked };
                    push(f, "base", None, verdict, None);
                }
                continue;
            }
            let Some(planned) = planned.as_deref_mut() else { continue };
            let base_output = bellows_core::consumers::analyze(base, dialect, statement).output;
            let mut star: Option<(String, Finding)> = None;
            let first = planned.points.iter().skip(1).find_map(|(label, schema, stage, v1_works)| {
                let analysis = bellows_core::consumers::analyze(schema, dialect, statement);
                if star.is_none() {
                    star = star_change(statement, base_output.as_deref(), &analysis).map(|f| (label.clone(), f));
                }
                let found = analysis.findings;
                found.iter().any(|f| f.kind.breaks()).then(|| (label.clone(), *stage, *v1_works, found))
            });
            if first.is_none() {
                if let Some((label, f)) = star {
                    push(&f, &label, None, Verdict::OutputChanges, None);
                }
            }
            if let Some((label, Some(stage), v1_works, found)) = first {
                let step = planned.breaking_step(stage, statement);
                let contract = planned.plan.stages.get(stage).is_some_and(|s| s.kind == StageKind::Contract);
                let verdict = if v1_works && !contract { Verdict::PlanDefect } else { Verdict::RetireBefore };
                let rewrite = bellows_core::consumers::rewrite_renames(
                    &planned.base,
                    &planned.target,
                    dialect,
                    statement,
                    &planned.changes,
                );
                for (n, f) in found.iter().filter(|f| f.kind.breaks()).enumerate() {
                    // The rewrite once per statement, after its last finding.
                    let last = n + 1 == found.iter().filter(|f| f.kind.breaks()).count();
                    push(f, &label, step.clone(), verdict, if last { rewrite.clone() } else { None });
                }
            }
        }
    }
    Ok(Report { out, total })
}
