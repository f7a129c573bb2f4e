use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "copies-table",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "a MySQL ALTER copies an existing table while writes wait",
    what_it_does: "Flags ALGORITHM=COPY on an existing MySQL or MariaDB table unless it says LOCK=NONE (MariaDB 11.2 and later copy online).",
    why_is_this_bad: "A copy reads and rewrites every row; with LOCK=SHARED (the default for COPY) every write to the table waits until it ends.",
    example: "ALTER TABLE orders MODIFY COLUMN id bigint NOT NULL AUTO_INCREMENT, ALGORITHM=COPY;",
    use_instead: "A shadow column kept in step by triggers and filled in batches (what Bellows plans), or gh-ost / pt-online-schema-change for a whole-table change.",
    peers: "gh-ost, pt-online-schema-change, Spirit",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::MySql {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        let Op::AlterTable { table, actions } = &s.op else { continue };
        let copy = actions.iter().any(|a| matches!(a, Action::Algorithm { value } if value == "COPY"));
        let online = actions.iter().any(|a| matches!(a, Action::Lock { value } if value == "NONE"));
        if !copy || online || cx.created_here(table, i) {
            continue;
        }
        out.push(
            Finding::new(
                Rule::CopiesTable,
                format!("ALGORITHM=COPY rewrites {table} row by row while its writes wait"),
                "on a large table use a shadow column with triggers and batches, or gh-ost / pt-online-schema-change; on MariaDB 11.2+ add LOCK=NONE",
            )
            .at(s.span)
            .on(table, None),
        );
    }
}
