use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;
use std::collections::BTreeMap;

pub(crate) const DOC: Doc = Doc {
    code: "inconsistent-column-type",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "the same column name has different types across tables",
    what_it_does: "Flags a column name (other than `id`) used in several tables with different kinds of type (email as text here and varchar(100) there is fine; amount as numeric here and real there is not). One finding per name, at its first odd use.",
    why_is_this_bad: "Values copied between the tables are truncated or rounded, joins on the column need casts, and readers cannot tell which type is meant.",
    example: "CREATE TABLE orders (amount numeric(12,2));\nCREATE TABLE refunds (amount real);",
    use_instead: "Pick one type for the concept and use it everywhere (numeric(12,2) for money).",
    peers: "none in migration linters",
};

/// Kinds that read as the same concept: text-like, integer-like (integers of any width are a
/// separate rule), timestamp-like are each one family.
fn family(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. } => "text".into(),
        TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt => "integer".into(),
        TypeKind::Decimal { .. } => "decimal".into(),
        TypeKind::Real | TypeKind::Double => "float".into(),
        TypeKind::Json | TypeKind::Jsonb => "json".into(),
        other => format!("{other:?}"),
    }
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    let mut by_name: BTreeMap<String, Vec<(&crate::Table, &crate::Column)>> = BTreeMap::new();
    for t in super::tables(cx) {
        for c in &t.columns {
            let n = c.name.to_ascii_lowercase();
            if n != "id" {
                by_name.entry(n).or_default().push((t, c));
            }
        }
    }
    for (name, uses) in by_name {
        if uses.len() < 2 {
            continue;
        }
        let mut families: BTreeMap<String, usize> = BTreeMap::new();
        for (_, c) in &uses {
            *families.entry(family(&c.data_type.kind)).or_default() += 1;
        }
        if families.len() < 2 {
            continue;
        }
        let (common, _) = families.iter().max_by_key(|(_, n)| **n).map(|(f, n)| (f.clone(), *n)).unwrap_or_default();
        if let Some((t, c)) = uses.iter().find(|(_, c)| family(&c.data_type.kind) != common) {
            let types: Vec<String> =
                uses.iter().map(|(t, c)| format!("{}: {}", t.qualified_name(), c.data_type.spelling)).take(6).collect();
            out.push(
                Finding::new(
                    Rule::InconsistentColumnType,
                    format!("column {name} has different types across tables ({})", types.join(", ")),
                    "use one type for the same concept everywhere",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
