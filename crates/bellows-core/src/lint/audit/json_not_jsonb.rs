use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "json-not-jsonb",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "json instead of jsonb (PostgreSQL)",
    what_it_does: "Flags PostgreSQL columns of type json.",
    why_is_this_bad: "json keeps the text as written and reparses it on every access; it has no equality operator (DISTINCT, GROUP BY and UNIQUE fail) and no GIN indexing.",
    example: "CREATE TABLE events (payload json);",
    use_instead: "CREATE TABLE events (payload jsonb);",
    peers: "eugene E3 (adding a json column)",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for t in super::tables(cx) {
        for c in t.columns.iter().filter(|c| c.data_type.kind == TypeKind::Json) {
            out.push(
                Finding::new(Rule::JsonNotJsonb, format!("{}.{} is json", t.qualified_name(), c.name), "use jsonb")
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(
                        format!("make {} jsonb", c.name),
                        super::retype_with_references(cx, t, c, |_| Some("jsonb".into())),
                    ),
            );
        }
    }
}
