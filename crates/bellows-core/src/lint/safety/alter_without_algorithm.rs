use crate::lint::{Action, Doc, Family, Finding, Op, Rule, SafetyCx};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "alter-without-algorithm",
    family: Family::Safety,
    severity: Severity::Warning,
    summary: "a MySQL ALTER TABLE names no ALGORITHM",
    what_it_does: "Flags an ALTER TABLE on an existing MySQL or MariaDB table that does not say ALGORITHM=INSTANT, INPLACE or COPY.",
    why_is_this_bad: "Without it the server picks the algorithm itself and falls back to a table copy when the change cannot be made in place: writes then wait for the whole copy, and nothing warned you.",
    example: "ALTER TABLE orders MODIFY COLUMN note varchar(400);",
    use_instead: "ALTER TABLE orders MODIFY COLUMN note varchar(400), ALGORITHM=INPLACE, LOCK=NONE; the server refuses (error 1846) instead of copying when it cannot.",
    peers: "gh-ost and pt-online-schema-change exist because of this fallback",
};

pub(crate) fn check(cx: &SafetyCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::MySql {
        return;
    }
    for (i, s) in cx.statements.iter().enumerate() {
        let Op::AlterTable { table, actions } = &s.op else { continue };
        if cx.created_here(table, i) || actions.iter().any(|a| matches!(a, Action::Algorithm { .. })) {
            continue;
        }
        out.push(
            Finding::new(
                Rule::AlterWithoutAlgorithm,
                format!(
                    "this ALTER TABLE on {table} names no ALGORITHM: the server may copy the table while writes wait"
                ),
                "add `, ALGORITHM=INSTANT` (or `INPLACE, LOCK=NONE`), so the server refuses rather than copies",
            )
            .at(s.span)
            .on(table, None),
        );
    }
}
