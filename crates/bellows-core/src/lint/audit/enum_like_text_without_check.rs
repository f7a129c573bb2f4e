use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::same_name;
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "enum-like-text-without-check",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a status-like text column accepts any value",
    what_it_does: "Flags text/varchar columns named status, state, kind, type, role, category, level or priority (or ending in _status, _state, _type) with no CHECK constraint mentioning them, no foreign key and no enum type; a column that is its table's whole primary key is a list of values itself and is not flagged.",
    why_is_this_bad: "Typos and retired values ('actve', 'Active', 'archived ') become data; reports and code branches miss them.",
    example: "CREATE TABLE orders (status varchar(20) NOT NULL);",
    use_instead: "status text NOT NULL CHECK (status IN ('new', 'paid', 'shipped')), or a lookup table with a foreign key, or an enum type if values never retire. The fix extracts a lookup table keyed by the values (orders_status), filled from the rows by the plan, which orders.status references.",
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
    // Each fix creates a table: with ids no other fix of the audit takes, and a name no other fix takes.
    let mut names: Vec<String> = Vec::new();
    for t in super::tables(cx) {
        for c in &t.columns {
            let text = matches!(c.data_type.kind, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. });
            // A column that is its table's whole key is the list of values itself (a lookup
            // table, such as the one the fix extracts).
            let whole_key =
                t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &c.name));
            if !text || !enum_like(&c.name) || whole_key || t.foreign_keys_of(&c.name).next().is_some() {
                continue;
            }
            let lower = c.name.to_ascii_lowercase();
            let checked = t.checks.iter().any(|k| k.expr.to_ascii_lowercase().contains(&lower));
            if !checked {
                let fix = crate::edit::lookup_allowed(cx.schema, t.id, c.id).ok().map(|()| {
                    let mut edit = crate::edit::extract_lookup(cx.schema, t.id, c.id, cx.fresh_ids(1, 1));
                    if let crate::edit::Edit::ExtractLookup { name, .. } = &mut edit {
                        let stem = name.clone();
                        *name = std::iter::once(stem.clone())
                            .chain((2..).map(|k| format!("{stem}{k}")))
                            .find(|n| !names.iter().any(|x| x.eq_ignore_ascii_case(n)))
                            .unwrap_or(stem);
                        names.push(name.clone());
                    }
                    edit
                });
                let label = match &fix {
                    Some(crate::edit::Edit::ExtractLookup { name, .. }) => format!("extract lookup table {name}"),
                    _ => String::new(),
                };
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
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(label, fix.into_iter().collect()),
                );
            }
        }
    }
}
