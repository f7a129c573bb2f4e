use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "wide-table",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a table has more columns or indexes than the limit",
    what_it_does: "Flags tables with more columns than `max_columns` (default 50) or more indexes than `max_indexes` (default 15).",
    why_is_this_bad: "Very wide tables mix several entities or a history of features; every write maintains every index, and rows spill out of a page.",
    example: "CREATE TABLE users (id bigint, ... 80 columns ...);",
    use_instead: "Split the table by entity or by how often columns change (a 1:1 table for rarely used attributes), and drop indexes no query uses.",
    peers: "none in migration linters",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        let (cols, ixs) = (t.columns.len(), t.indexes.len());
        let mut problems = Vec::new();
        if cols > cx.options.max_columns {
            problems.push(format!("{cols} columns (limit {})", cx.options.max_columns));
        }
        if ixs > cx.options.max_indexes {
            problems.push(format!("{ixs} indexes (limit {})", cx.options.max_indexes));
        }
        if !problems.is_empty() {
            out.push(
                Finding::new(
                    Rule::WideTable,
                    format!("table {} has {}", t.qualified_name(), problems.join(" and ")),
                    "split it by entity, or drop unused indexes",
                )
                .at(t.span)
                .on(&t.qualified_name(), None),
            );
        }
    }
}
