use crate::lint::{Action, Constraint, Doc, Family, Finding, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "unique-without-index-first",
    family: Family::Safety,
    severity: Severity::Error,
    summary: "UNIQUE or PRIMARY KEY built while the table is locked",
    what_it_does: "Flags ADD CONSTRAINT ... UNIQUE / PRIMARY KEY without USING INDEX, and ADD COLUMN ... UNIQUE / PRIMARY KEY, on a table that exists.",
    why_is_this_bad: "The unique index is built inside the ALTER, under ACCESS EXCLUSIVE: reads and writes wait for the whole build.",
    example: "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);",
    use_instead: "CREATE UNIQUE INDEX CONCURRENTLY first, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX (catalog-only).",
    peers: "squawk disallowed-unique-constraint, adding-serial-primary-key-field; eugene E7",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for (_, s, table, action) in super::existing_table_actions(cx) {
        // `ALTER TABLE ONLY` a partitioned table makes the key's index on the table alone,
        // invalid and empty: nothing is built (the partitions' indexes are built apart).
        if super::only_partitioned(cx, s, table) {
            continue;
        }
        let what = match action {
            Action::AddConstraint { constraint: Constraint::Unique, using_index: false, .. } => Some("UNIQUE"),
            Action::AddConstraint { constraint: Constraint::PrimaryKey, using_index: false, .. } => Some("PRIMARY KEY"),
            Action::AddColumn { keyed: true, .. } => Some("a keyed column"),
            _ => None,
        };
        if let Some(what) = what {
            out.push(
                Finding::new(
                    Rule::UniqueWithoutIndexFirst,
                    format!("adding {what} on {table} builds its index under ACCESS EXCLUSIVE"),
                    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
                )
                .at(s.span)
                .on(table, None),
            );
        }
    }
}
