use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "table-without-primary-key",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a table has no primary key",
    what_it_does: "Flags tables with neither a PRIMARY KEY nor a UNIQUE key over NOT NULL columns.",
    why_is_this_bad: "Rows cannot be told apart or referenced; logical replication cannot replicate UPDATE and DELETE; ORMs and tools that edit rows refuse the table; duplicates creep in.",
    example: "CREATE TABLE page_views (url text, viewed_at timestamptz);",
    use_instead: "CREATE TABLE page_views (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, url text, viewed_at timestamptz);",
    peers: "Atlas (schema lint) / pg-schema-lint \"missing primary key\"; sqlfluff has none",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        if t.primary_key.is_some() {
            continue;
        }
        let unique_not_null =
            t.uniques.iter().any(|k| k.columns.iter().all(|c| t.column(c).is_some_and(|c| !c.nullable)))
                || t.indexes.iter().any(|ix| {
                    ix.unique
                        && ix.predicate.is_none()
                        && ix.parts.iter().all(|p| p.column().and_then(|c| t.column(c)).is_some_and(|c| !c.nullable))
                });
        if unique_not_null {
            continue;
        }
        out.push(
            Finding::new(
                Rule::TableWithoutPrimaryKey,
                format!("table {} has no primary key", t.qualified_name()),
                "add a primary key (an identity column if no natural key exists)",
            )
            .at(t.span)
            .on(&t.qualified_name(), None),
        );
    }
}
