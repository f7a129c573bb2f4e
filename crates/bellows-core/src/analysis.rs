//! Everything the playground shows for a design, computed in one pure call: the base as read
//! from its text, the target (base plus edits), the change set, the plan, the audit of the
//! target and the safety findings on the plan's steps.

use crate::diff::{diff, ChangeSet, DiffOptions, Matching};
use crate::edit::apply;
use crate::lint::{audit, check_plan, Finding, LintOptions};
use crate::plan::{plan_changes, Plan, PlanOptions};
use crate::share::Design;
use crate::{import, Dialect, Import, Schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub base: Import,
    pub dialect: Dialect,
    pub target: Schema,
    /// Edits that no longer apply (the base text changed under them), with the reason.
    pub skipped_edits: Vec<String>,
    pub changes: ChangeSet,
    pub plan: Plan,
    /// Debt in the target schema.
    pub audit: Vec<Finding>,
    /// Safety findings on the plan's steps.
    pub plan_findings: Vec<Finding>,
}

pub fn analyze(design: &Design) -> Analysis {
    let base = import(&design.source, design.dialect);
    let dialect = base.dialect;
    let (target, skipped_edits) = apply(&base.schema, &design.edits);
    let changes = diff(&base.schema, &target, &DiffOptions { matching: Matching::Ids, renames: vec![] });
    let options = PlanOptions {
        dialect,
        pg_version: design.options.pg_version,
        lock_timeout_ms: design.options.lock_timeout_ms,
        batch_size: design.options.batch_size,
        ..PlanOptions::default()
    };
    let plan = plan_changes(&base.schema, &target, &changes, &options);
    let lint_options = LintOptions { pg_version: design.options.pg_version, ..LintOptions::default() };
    let audit = audit(&target, dialect, &lint_options);
    let plan_findings = check_plan(&plan, &base.schema, &lint_options);
    Analysis { base, dialect, target, skipped_edits, changes, plan, audit, plan_findings }
}
