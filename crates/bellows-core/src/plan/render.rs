//! A plan as a reader sees it (text) and as a script (SQL with stage headers).

use super::{Plan, StageKind, Step};
use std::fmt::Write;

fn lock_line(step: &Step) -> String {
    let effect = match step.lock.effect {
        super::Effect::Metadata => "brief (catalog only)",
        super::Effect::Scan => "scans the table",
        super::Effect::Rewrite => "rewrites the table",
        super::Effect::Batched => "batches of short transactions",
        super::Effect::None => "no server change",
    };
    let mut line = format!("{}, {effect}", step.lock.mode.label());
    if !step.lock.tables.is_empty() {
        let _ = write!(line, " on {}", step.lock.tables.join(", "));
    }
    if !step.transactional {
        line.push_str("; outside a transaction");
    }
    if step.repeat_until_no_rows {
        line.push_str("; repeat until no row changes");
    }
    if step.one_way {
        line.push_str("; one-way");
    }
    line
}

pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan for {} ({} changes)", plan.dialect.label(), plan.changes.len());
    for (i, change) in plan.changes.iter().enumerate() {
        let _ = writeln!(out, "  {}. {change}", i + 1);
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "  nothing to do: the schemas are the same");
    }
    for s in &plan.suggestions {
        let _ = writeln!(
            out,
            "  possible rename: {} -> {} ({:.0}% sure); confirm with --rename {}",
            s.from,
            s.to,
            s.confidence * 100.0,
            s.hint
        );
    }
    for stage in &plan.stages {
        let _ = writeln!(out, "\n== {} ({} steps)", stage.kind.label(), stage.steps.len());
        for check in plan.verifications.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(out, "  before it, verify (must be 0): {}\n    {}", check.title, check.sql);
        }
        for check in plan.prechecks.iter().filter(|c| c.before == stage.kind) {
            let what = check.resolution.as_ref().map(|r| r.describe()).unwrap_or_default();
            let _ = writeln!(out, "  before it, pre-check: {} -> {what}\n    {}", check.title, check.sql);
        }
        if stage.kind == StageKind::Switch && !plan.app_changes.is_empty() {
            for change in &plan.app_changes {
                let _ = writeln!(out, "  app: {change}");
            }
        }
        for (n, step) in stage.steps.iter().enumerate() {
            let _ =
                writeln!(out, "  {}. {}\n     lock: {}\n     why: {}", n + 1, step.title, lock_line(step), step.reason);
            for sql in &step.sql {
                let _ = writeln!(out, "     > {sql};");
            }
            for sql in &step.rollback {
                let _ = writeln!(out, "     undo> {sql};");
            }
        }
    }
    let _ = writeln!(out, "\nCompatibility");
    let yes = |b: bool| if b { "yes" } else { "no" };
    let _ = writeln!(out, "  after      v1   v2   rollback without loss");
    for row in &plan.compatibility {
        let _ = writeln!(
            out,
            "  {:<10} {:<4} {:<4} {}",
            row.after.label(),
            yes(row.v1_works),
            yes(row.v2_works),
            yes(row.rollback_without_loss)
        );
        for reason in &row.reasons {
            let _ = writeln!(out, "    - {reason}");
        }
    }
    for note in &plan.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// The plan as one SQL script with stage headers; steps outside a transaction are marked.
pub fn plan_sql(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "-- Bellows plan for {}: {} changes", plan.dialect.label(), plan.changes.len());
    for stage in &plan.stages {
        let _ = writeln!(out, "\n-- ==== {} ====", stage.kind.label());
        for check in plan.prechecks.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(
                out,
                "-- pre-check ({}): {}\n-- {};",
                if check.must_be_zero { "must be 0" } else { "informational" },
                check.title,
                check.sql
            );
        }
        for step in &stage.steps {
            let _ = writeln!(out, "\n-- {} [{}]", step.title, lock_line(step));
            for sql in &step.sql {
                let _ = writeln!(out, "{sql};");
            }
        }
        for check in plan.verifications.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(out, "-- verify (must be 0): {}\n-- {};", check.title, check.sql);
        }
    }
    out
}
