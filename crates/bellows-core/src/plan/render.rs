//! A plan as a reader sees it (text) and as a script (SQL with stage headers).

use super::{Effect, Plan, Stage, StageKind, Step};
use crate::Dialect;
use std::fmt::Write;

/// One statement as a script line. A MySQL statement with a body (a trigger or routine with
/// BEGIN ... END) holds semicolons of its own: the `mysql` client reads it between DELIMITER
/// lines, as a dump writes it.
fn script_statement(sql: &str, dialect: Dialect) -> String {
    if dialect == Dialect::MySql && sql.contains(';') {
        format!("DELIMITER //\n{sql} //\nDELIMITER ;")
    } else {
        format!("{sql};")
    }
}

/// A step's statements (or its undo's) as script lines. A step the plan runs as one transaction,
/// of more than one statement, is written between BEGIN and COMMIT, as the runbook runs it: its statements hold together
/// (a drop and a rename in one short transaction), and LOCK TABLE needs one. MySQL's DDL commits
/// by itself, a batch repeats its own short transactions, and a SQLite rebuild opens its own.
fn script_step(out: &mut String, step: &Step, statements: &[String], dialect: Dialect) {
    let own = statements.iter().any(|s| s.trim_start().to_ascii_uppercase().starts_with("BEGIN"));
    // Settings aside, one statement is a transaction by itself.
    let work = statements.iter().filter(|s| !s.starts_with("SET ") && !s.starts_with("RESET ")).count();
    let block = dialect != Dialect::MySql && step.transactional && !step.repeat_until_no_rows && !own && work > 1;
    if block {
        out.push_str("BEGIN;\n");
    }
    for sql in statements {
        let _ = writeln!(out, "{}", script_statement(sql, dialect));
    }
    if block {
        out.push_str("COMMIT;\n");
    }
}

fn lock_line(step: &Step, dialect: Dialect) -> String {
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
    // MySQL DDL is never transactional: every step there is its own unit, so saying it on
    // each step would be noise.
    if !step.transactional && dialect != Dialect::MySql {
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
    if !plan.blockers.is_empty() {
        let _ = writeln!(out, "\nBLOCKED: the plan does not run until the design says what these become:");
        for b in &plan.blockers {
            let _ = writeln!(out, "  - {b}");
        }
    }
    for stage in &plan.stages {
        let _ = writeln!(out, "\n== {} ({} steps)", stage.kind.label(), stage.steps.len());
        for check in plan.verifications.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(out, "  before it, verify (must be 0): {}\n    {}", check.title, check.sql);
        }
        for check in plan.prechecks.iter().filter(|c| c.before == stage.kind) {
            let what = check.resolution.as_ref().map(|r| r.describe_before(check.before)).unwrap_or_default();
            let _ = writeln!(out, "  before it, pre-check: {} -> {what}\n    {}", check.title, check.sql);
        }
        if stage.kind == StageKind::Switch && !plan.app_changes.is_empty() {
            for change in &plan.app_changes {
                let _ = writeln!(out, "  app: {change}");
            }
        }
        for (n, step) in stage.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {}\n     lock: {}\n     why: {}",
                n + 1,
                step.title,
                lock_line(step, plan.dialect),
                step.reason
            );
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
    for b in &plan.blockers {
        let _ = writeln!(out, "-- BLOCKED: {b}");
    }
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
            let _ = writeln!(out, "\n-- {} [{}]", step.title, lock_line(step, plan.dialect));
            script_step(&mut out, step, &step.sql, plan.dialect);
        }
        for check in plan.verifications.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(out, "-- verify (must be 0): {}\n-- {};", check.title, check.sql);
        }
    }
    out
}

/// The plan as a Markdown runbook: what changes, then each stage with its checks, steps (SQL,
/// undo, lock, reason) and what the application does, the compatibility table, and the safety
/// findings on the plan's steps.
pub fn plan_markdown(plan: &Plan, findings: &[crate::lint::Finding]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Migration runbook ({})\n", plan.dialect.label());
    let _ = writeln!(out, "## Changes\n");
    if plan.changes.is_empty() {
        let _ = writeln!(out, "Nothing to do: the schemas are the same.");
    }
    if !plan.blockers.is_empty() {
        let _ = writeln!(out, "\n**Blocked**: the plan does not run until the design says what these become:\n");
        for b in &plan.blockers {
            let _ = writeln!(out, "- {b}");
        }
        let _ = writeln!(out);
    }
    for change in &plan.changes {
        let _ = writeln!(out, "- {change}");
    }
    for s in &plan.suggestions {
        let _ =
            writeln!(out, "- possible rename, not applied: {} -> {} ({:.0}% sure)", s.from, s.to, s.confidence * 100.0);
    }
    for stage in &plan.stages {
        let _ = writeln!(out, "\n## {} ({} steps)\n", stage.kind.label(), stage.steps.len());
        for check in plan.prechecks.iter().filter(|c| c.before == stage.kind) {
            let what = check.resolution.as_ref().map(|r| r.describe_before(check.before)).unwrap_or_default();
            let _ = writeln!(out, "- [ ] Pre-check: {} ({what})\n\n  ```sql\n  {};\n  ```\n", check.title, check.sql);
        }
        for check in plan.verifications.iter().filter(|c| c.before == stage.kind) {
            let _ = writeln!(out, "- [ ] Verify, must be 0: {}\n\n  ```sql\n  {};\n  ```\n", check.title, check.sql);
        }
        if stage.kind == StageKind::Switch {
            for change in &plan.app_changes {
                let _ = writeln!(out, "- [ ] Application: {change}");
            }
        }
        for (n, step) in stage.steps.iter().enumerate() {
            let _ = writeln!(out, "### {}.{} {}\n", stage.kind.label(), n + 1, step.title);
            let _ = writeln!(out, "- Lock: {}\n- Why it is safe: {}", lock_line(step, plan.dialect), step.reason);
            for f in findings.iter().filter(|f| f.step.is_some_and(|s| s.stage == stage.kind && s.index == n)) {
                let _ = writeln!(out, "- **{} [{}]**: {} ({})", f.severity, f.rule.code(), f.message, f.help);
            }
            let mut sql = String::new();
            script_step(&mut sql, step, &step.sql, plan.dialect);
            let _ = writeln!(out, "\n```sql\n{}```\n", sql);
            if !step.rollback.is_empty() {
                let mut undo = String::new();
                script_step(&mut undo, step, &step.rollback, plan.dialect);
                let _ = writeln!(out, "Undo:\n\n```sql\n{}```\n", undo);
            } else if step.one_way {
                let _ = writeln!(out, "Undo: none, this step is one-way.\n");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n## Compatibility\n\n| after | v1 works | v2 works | rollback without loss |\n|---|---|---|---|"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for row in &plan.compatibility {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.after.label(),
            yes(row.v1_works),
            yes(row.v2_works),
            yes(row.rollback_without_loss)
        );
    }
    for row in plan.compatibility.iter().filter(|r| !r.reasons.is_empty()) {
        for reason in &row.reasons {
            let _ = writeln!(out, "- {}: {reason}", row.after.label());
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for note in &plan.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

/// How much a step can hurt the running application, for the chat summary's "riskiest step":
/// a lock that blocks traffic while the table is rewritten is the worst, a catalog-only change
/// the least.
fn risk(step: &Step) -> (bool, u8, u8) {
    let effect = match step.lock.effect {
        Effect::Rewrite => 4,
        Effect::Scan => 3,
        Effect::Batched => 2,
        Effect::Metadata => 1,
        Effect::None => 0,
    };
    (step.lock.mode.blocks_traffic() && step.lock.effect != Effect::Metadata, effect, u8::from(step.one_way))
}

/// The plan in a few lines of Markdown for a chat message or a pull request: what changes, each
/// stage with its riskiest step, when the running version (v1) stops working, what blocks the
/// plan, and the link that opens the design.
pub fn plan_chat_summary(plan: &Plan, link: Option<&str>) -> String {
    const SHOWN: usize = 8;
    let mut out = String::new();
    let n = plan.changes.len();
    let _ = writeln!(
        out,
        "**Schema change**: {n} change{} ({}), planned by Bellows in expand-and-contract stages",
        if n == 1 { "" } else { "s" },
        plan.dialect.label()
    );
    for change in plan.changes.iter().take(SHOWN) {
        let _ = writeln!(out, "- {change}");
    }
    if n > SHOWN {
        let _ = writeln!(out, "- and {} more", n - SHOWN);
    }
    if !plan.blockers.is_empty() {
        let _ = writeln!(
            out,
            "
**Blocked** until the design says what these become:"
        );
        for b in &plan.blockers {
            let _ = writeln!(out, "- {b}");
        }
    }
    let stages: Vec<&Stage> = plan.stages.iter().filter(|s| !s.steps.is_empty()).collect();
    if !stages.is_empty() {
        let _ = writeln!(
            out,
            "
**Stages**"
        );
    }
    for (i, stage) in stages.iter().enumerate() {
        let steps = stage.steps.len();
        let mut line =
            format!("{}. **{}**, {steps} step{}", i + 1, stage.kind.label(), if steps == 1 { "" } else { "s" });
        if let Some(worst) = stage.steps.iter().max_by_key(|s| risk(s)) {
            let _ = write!(line, "; riskiest: {} ({})", worst.title, lock_line(worst, plan.dialect));
        }
        let _ = writeln!(out, "{line}");
    }
    if !plan.app_changes.is_empty() {
        let _ = writeln!(
            out,
            "
**The application (v2)** ships at Switch: {}",
            plan.app_changes.join("; ")
        );
    }
    match plan.compatibility.iter().find(|c| !c.v1_works) {
        Some(c) => {
            let why = c.reasons.first().map(|r| format!(": {r}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "
**v1 (running now)** works until {}{why}",
                c.after.label()
            );
        }
        None if !plan.is_empty() => {
            let _ = writeln!(
                out,
                "
**v1 (running now)** keeps working through every stage"
            );
        }
        None => {}
    }
    if let Some(c) = plan.compatibility.iter().find(|c| !c.rollback_without_loss) {
        let _ = writeln!(out, "**Rollback** loses data after {}", c.after.label());
    }
    if let Some(link) = link {
        let _ = writeln!(
            out,
            "
[Open the design and the full plan]({link})"
        );
    }
    out
}

/// One file per stage: `(file name, contents)`, numbered in order, `up` (forward) and `down`
/// (undo, steps in reverse) for each stage, plus the runbook. Empty stages are left out.
pub fn plan_files(plan: &Plan, findings: &[crate::lint::Finding]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (i, stage) in plan.stages.iter().enumerate().filter(|(_, s)| !s.steps.is_empty()) {
        let label = stage.kind.label().to_ascii_lowercase();
        let mut up = format!("-- Bellows plan, stage {}: {} ({})\n", i + 1, stage.kind.label(), plan.dialect.label());
        for check in plan.prechecks.iter().chain(&plan.verifications).filter(|c| c.before == stage.kind) {
            let _ = writeln!(up, "-- before this stage, must be 0: {}\n-- {};", check.title, check.sql);
        }
        for step in &stage.steps {
            let _ = writeln!(up, "\n-- {} [{}]", step.title, lock_line(step, plan.dialect));
            script_step(&mut up, step, &step.sql, plan.dialect);
        }
        let mut down = format!("-- Undo of stage {}: {}, steps in reverse order\n", i + 1, stage.kind.label());
        for step in stage.steps.iter().rev() {
            let _ = writeln!(down, "\n-- undo: {}", step.title);
            if step.rollback.is_empty() {
                let _ = writeln!(
                    down,
                    "-- (nothing to undo{})",
                    if step.one_way { "; one-way: the data is gone" } else { "" }
                );
            }
            script_step(&mut down, step, &step.rollback, plan.dialect);
        }
        files.push((format!("{}-{label}.up.sql", i + 1), up));
        files.push((format!("{}-{label}.down.sql", i + 1), down));
    }
    files.push(("RUNBOOK.md".to_string(), plan_markdown(plan, findings)));
    files
}

/// The whole plan as one zip, every file under `bellows-plan/`: each stage's up and down SQL and
/// the runbook (as [`plan_files`]), then `extra` files (the diagram, a pgroll migration).
pub fn plan_zip(
    plan: &Plan,
    findings: &[crate::lint::Finding],
    extra: Vec<(String, String)>,
) -> Result<Vec<u8>, String> {
    let files: Vec<(String, Vec<u8>)> = plan_files(plan, findings)
        .into_iter()
        .chain(extra)
        .map(|(name, text)| (format!("bellows-plan/{name}"), text.into_bytes()))
        .collect();
    crate::render::zip::zip(&files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::edit::Edit;
    use crate::share::Design;

    const SHOP: &str =
        "CREATE TABLE orders (id bigint PRIMARY KEY, total integer NOT NULL, note text, placed timestamptz);";

    fn planned(edits: impl Fn(&crate::Schema) -> Vec<Edit>) -> Plan {
        let base = crate::import(SHOP, Some(Dialect::Postgres)).schema;
        let mut d = Design::new(SHOP);
        d.edits = edits(&base);
        analyze(&d).plan
    }

    #[test]
    fn the_chat_summary_names_the_riskiest_step_and_when_v1_stops() {
        let plan = planned(|b| {
            let t = &b.tables[0];
            vec![
                Edit::SetType { table: t.id, column: t.columns[1].id, data_type: "bigint".into() },
                Edit::DropColumn { table: t.id, column: t.columns[2].id },
            ]
        });
        let text = plan_chat_summary(&plan, Some("https://example.org/bellows/#d=2.abc"));
        assert!(text.starts_with("**Schema change**: 2 changes (PostgreSQL)"), "{text}");
        assert!(text.contains("- drop column orders.note"), "{text}");
        assert!(text.contains("**v1 (running now)** works until Contract"), "{text}");
        assert!(text.contains("**Rollback** loses data after Contract"), "{text}");
        assert!(text.contains("(https://example.org/bellows/#d=2.abc)"), "{text}");
        // Every stage with steps has one line, naming a step it really has.
        for stage in plan.stages.iter().filter(|s| !s.steps.is_empty()) {
            let line = text.lines().find(|l| l.contains(&format!("**{}**", stage.kind.label()))).expect("a line");
            assert!(stage.steps.iter().any(|s| line.contains(&s.title)), "{line}");
        }
        // A scan of the whole table outranks batches of short transactions, and a one-way drop
        // outranks the other catalog-only steps of Contract.
        assert!(text.contains("**Backfill**, 2 steps; riskiest: validate orders.total_new"), "{text}");
        assert!(text.contains("riskiest: drop column orders.note"), "{text}");
        assert!(text.lines().count() < 20, "short enough for a chat message:\n{text}");
    }

    #[test]
    fn a_plan_v1_survives_says_so() {
        let plan = planned(|b| {
            let t = &b.tables[0];
            vec![Edit::AddColumn {
                table: t.id,
                column: crate::ColumnId(99),
                name: "memo".into(),
                data_type: "text".into(),
                nullable: true,
            }]
        });
        let text = plan_chat_summary(&plan, None);
        assert!(text.contains("keeps working through every stage"), "{text}");
        assert!(!text.contains("Open the design"), "{text}");
    }
}
