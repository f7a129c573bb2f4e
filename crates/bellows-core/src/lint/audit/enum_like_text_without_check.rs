use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "enum-like-text-without-check",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a status-like text column accepts any value",
    what_it_does: "Flags text/varchar columns named status, state, kind, type, role, category, level or priority (or ending in _status, _state, _type) with no CHECK constraint mentioning them and no enum type.",
    why_is_this_bad: "Typos and retired values ('actve', 'Active', 'archived ') become data; reports and code branches miss them.",
    example: "CREATE TABLE orders (status varchar(20) NOT NULL);",
    use_instead: "status text NOT NULL CHECK (status IN ('new', 'paid', 'shipped')), or a lookup table with a foreign key, or an enum type if values never retire.",
    peers: "none in migration linters",
};

fn enum_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "status" | "state" | "kind" | "type" | "role" | "category" | "level" | "priority")
        || n.ends_with("_status")
        || n.ends_with("_state")
        || n.ends_with("_type")
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in &t.columns {
            let text = matches!(c.data_type.kind, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. });
            if !text || !enum_like(&c.name) || t.foreign_keys_of(&c.name).next().is_some() {
                continue;
            }
            let lower = c.name.to_ascii_lowercase();
            let checked = t.checks.iter().any(|k| k.expr.to_ascii_lowercase().contains(&lower));
            if !checked {
                out.push(
                    Finding::new(
                        Rule::EnumLikeTextWithoutCheck,
                        format!(
                            "{}.{} looks like a fixed set of values but accepts any text",
                            t.qualified_name(),
                            c.name
                        ),
                        format!("add CHECK ({} IN (...)), or reference a lookup table", c.name),
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name)),
                );
            }
        }
    }
}
