use crate::lint::{Action, Doc, Family, Finding, Rule, SafetyCx};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "breaks-running-app",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "a rename the running application version still uses",
    what_it_does: "Flags RENAME COLUMN and RENAME TO on existing tables. In a Bellows plan it is raised for such a step before Contract.",
    why_is_this_bad: "The running version (v1) still names the old column or table: its queries fail from the moment the rename commits until the new version is deployed everywhere.",
    example: "ALTER TABLE orders RENAME COLUMN created_at TO placed_at;",
    use_instead: "Expand and contract: add the new column, keep both in step with a trigger, backfill, switch the application, then drop the old column. For a table: rename it and leave an updatable view under the old name until v1 is gone.",
    peers: "squawk renaming-column, renaming-table; strong_migrations rename_column, rename_table",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    for (i, s, table, action) in super::existing_table_actions(cx) {
        // A view under the old name, made right after the rename, keeps v1 working: the
        // recipe this rule recommends.
        let kept_as_view = cx.statements[i + 1..].iter().any(|later| {
            matches!(&later.op, crate::lint::migration::Op::CreateView { name } if crate::model::same_name(name, table))
        });
        if matches!(action, Action::RenameTo { .. }) && kept_as_view {
            continue;
        }
        match action {
            Action::RenameColumn { from, to } => out.push(
                Finding::new(Rule::BreaksRunningApp, format!("renaming {table}.{from} to {to} breaks the running version, which still uses {from}"), "add the new column, keep both in step with a trigger, backfill, switch the application, then drop the old one")
                    .at(s.span)
                    .on(table, Some(from)),
            ),
            Action::RenameTo { to } => out.push(
                Finding::new(Rule::BreaksRunningApp, format!("renaming table {table} to {to} breaks the running version, which still uses {table}"), format!("rename it and create a view named {table} over {to} until the old version is gone"))
                    .at(s.span)
                    .on(table, None),
            ),
            _ => {}
        }
    }
}
