use crate::lint::{Action, Doc, Family, Finding, Rule, SafetyCx};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "not-null-without-default",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "a required column is added with no default",
    what_it_does: "Flags ADD COLUMN ... NOT NULL without a DEFAULT (and not generated) on a table that exists.",
    why_is_this_bad: "It fails outright if the table has rows; if it succeeds, every INSERT from the running version, which does not know the column, fails.",
    example: "ALTER TABLE orders ADD COLUMN channel text NOT NULL;",
    use_instead: "Add it nullable (or with a default), backfill, deploy the version that writes it, then enforce NOT NULL through a validated CHECK.",
    peers: "squawk adding-required-field; Atlas MF103; eugene E2 (variant)",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    for (_, s, table, action) in super::existing_table_actions(cx) {
        if let Action::AddColumn { column, not_null: true, default: None, generated_stored: false, data_type, .. } =
            action
        {
            let lower = data_type.to_ascii_lowercase();
            // serial and identity columns fill themselves.
            if lower.contains("serial") || s.text.to_ascii_lowercase().contains("identity") {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::NotNullWithoutDefault,
                    format!("adding {table}.{column} as NOT NULL with no default fails on existing rows and on inserts from the running version"),
                    "add it nullable or with a default, backfill, then enforce NOT NULL with a validated CHECK",
                )
                .at(s.span)
                .on(table, Some(column)),
            );
        }
    }
}
