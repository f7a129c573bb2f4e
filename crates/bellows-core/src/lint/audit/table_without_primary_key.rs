use crate::edit::Edit;
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
            .on(&t.qualified_name(), None)
            .fixed_by("make id the primary key", key_fix(cx, t)),
        );
    }
}
/// A column named id that no key holds yet is the key the table meant to have: the plan checks
/// it for NULLs and duplicates before it becomes one. A generated id narrower than bigint is
/// widened in the same fix, or the new key would be flagged as one that may overflow.
fn key_fix(cx: &AuditCx<'_>, t: &crate::Table) -> Vec<Edit> {
    let Some(c) = t.columns.iter().find(|c| c.name.eq_ignore_ascii_case("id") && c.generated.is_none()) else {
        return Vec::new();
    };
    // Widened first, so the key is never a narrow generated one.
    let generated_integer = c.identity.is_some() && cx.dialect != crate::Dialect::Sqlite;
    let mut edits = if generated_integer { super::widen_to_bigint(cx, t, c) } else { Vec::new() };
    edits.push(Edit::SetPrimaryKey { table: t.id, column: c.id, primary: true });
    edits
}
