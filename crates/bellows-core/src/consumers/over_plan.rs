//! A consumer's statements over a plan: where each one first stops working, which step breaks
//! it, whether that is the plan's fault (v1 still runs there) or the application's to change
//! before Contract, and the statement rewritten for the target where the change is a rename.
//! What `bellows queries --target` and `bellows plan --consumers` print, and what the app shows
//! per consumer and per stage.

use super::{analyze, resolve_statement, rewrite_renames, schema_after, star_change, FindingKind, Statement};
use crate::diff::ChangeSet;
use crate::plan::{Plan, StageKind};
use crate::{Dialect, Schema, Span};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What happens to one statement over the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
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

impl Verdict {
    /// Whether the statement stops working (rather than a warning).
    pub fn breaks(self) -> bool {
        matches!(self, Verdict::AlreadyBroken | Verdict::PlanDefect | Verdict::RetireBefore)
    }
}

/// One finding about one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The statement's index in the consumer's statements.
    pub statement: usize,
    /// Its sqlc name, or "statement at LINE:COL".
    pub label: String,
    /// Where, in the consumer's text.
    pub span: Span,
    /// `base`, or the point where it first fails (`after Contract`).
    pub point: String,
    /// The stage it first fails after (`None` on the base).
    pub stage: Option<usize>,
    /// The step that breaks it.
    pub step: Option<String>,
    pub verdict: Verdict,
    pub kind: FindingKind,
    pub message: String,
    /// The statement rewritten for the target, where the change is a rename (checked to read
    /// the target); on the last finding of its statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
    /// The statement as written, beside its rewrite (to show them side by side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

/// The plan and the schema at each of its points, with what finding the breaking step needs.
#[derive(Debug)]
pub struct PlanPoints {
    plan: Plan,
    base_sql: String,
    dialect: Dialect,
    /// (label, schema, the stage it follows, whether the plan says v1 still works there).
    points: Vec<(String, Schema, Option<usize>, bool)>,
    /// Schemas after (stage, steps), worked out when a statement breaks inside that stage.
    cache: HashMap<(usize, usize), Schema>,
    base: Schema,
    target: Schema,
    changes: ChangeSet,
}

impl PlanPoints {
    /// `base_sql` is the base's text (or DDL written from it), which the plan's SQL replays over:
    /// each point holds what the plan's own SQL made of the schema.
    pub fn new(
        base: &Schema,
        base_sql: String,
        dialect: Dialect,
        plan: Plan,
        target: Schema,
        changes: ChangeSet,
    ) -> Self {
        let mut points = vec![("base".to_string(), base.clone(), None, true)];
        for (i, stage) in plan.stages.iter().enumerate() {
            let v1_works = plan.compatibility.iter().find(|c| c.after == stage.kind).is_none_or(|c| c.v1_works);
            let schema = schema_after(&base_sql, dialect, &plan, i, stage.steps.len());
            points.push((format!("after {}", stage.kind.label()), schema, Some(i), v1_works));
        }
        Self { plan, base_sql, dialect, points, cache: HashMap::new(), base: base.clone(), target, changes }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The first step of stage `stage` after which `statement` fails.
    fn breaking_step(&mut self, stage: usize, statement: &Statement) -> Option<String> {
        let steps = self.plan.stages.get(stage)?.steps.len();
        for n in 1..=steps {
            let schema = self
                .cache
                .entry((stage, n))
                .or_insert_with(|| schema_after(&self.base_sql, self.dialect, &self.plan, stage, n));
            if resolve_statement(schema, self.dialect, statement).iter().any(|f| f.kind.breaks()) {
                return self.plan.stages[stage].steps.get(n - 1).map(|s| s.title.clone());
            }
        }
        None
    }
}

/// Every statement checked on the base and, with a plan, at each of its points: what fails on
/// the base, and for what runs there, where it first breaks (or where its `*` changes).
pub fn check_over_plan(
    base: &Schema,
    dialect: Dialect,
    mut planned: Option<&mut PlanPoints>,
    statements: &[Statement],
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        let outcome = |f: &super::Finding,
                       point: &str,
                       stage: Option<usize>,
                       step: Option<String>,
                       verdict,
                       rewrite: Option<String>| {
            let original = rewrite.is_some().then(|| statement.text.clone());
            Outcome {
                original,
                statement: index,
                label: statement.label(),
                span: f.span,
                point: point.to_string(),
                stage,
                step,
                verdict,
                kind: f.kind,
                message: f.message.clone(),
                rewrite,
            }
        };
        let at_base = resolve_statement(base, dialect, statement);
        if !at_base.is_empty() {
            for f in &at_base {
                let verdict = if f.kind.breaks() { Verdict::AlreadyBroken } else { Verdict::Unchecked };
                out.push(outcome(f, "base", None, None, verdict, None));
            }
            continue;
        }
        let Some(planned) = planned.as_deref_mut() else { continue };
        let base_output = analyze(base, dialect, statement).output;
        let mut star = None;
        let first = planned.points.iter().skip(1).find_map(|(label, schema, stage, v1_works)| {
            let analysis = analyze(schema, dialect, statement);
            if star.is_none() {
                star = star_change(statement, base_output.as_deref(), &analysis).map(|f| (label.clone(), *stage, f));
            }
            let found = analysis.findings;
            found.iter().any(|f| f.kind.breaks()).then(|| (label.clone(), *stage, *v1_works, found))
        });
        if first.is_none() {
            if let Some((label, stage, f)) = star {
                out.push(outcome(&f, &label, stage, None, Verdict::OutputChanges, None));
            }
        }
        if let Some((label, Some(stage), v1_works, found)) = first {
            let step = planned.breaking_step(stage, statement);
            let contract = planned.plan.stages.get(stage).is_some_and(|s| s.kind == StageKind::Contract);
            let verdict = if v1_works && !contract { Verdict::PlanDefect } else { Verdict::RetireBefore };
            let rewrite = rewrite_renames(&planned.base, &planned.target, dialect, statement, &planned.changes);
            let breaking: Vec<_> = found.iter().filter(|f| f.kind.breaks()).collect();
            for (n, f) in breaking.iter().enumerate() {
                // The rewrite once per statement, on its last finding.
                let last = n + 1 == breaking.len();
                out.push(outcome(
                    f,
                    &label,
                    Some(stage),
                    step.clone(),
                    verdict,
                    if last { rewrite.clone() } else { None },
                ));
            }
        }
    }
    out
}
