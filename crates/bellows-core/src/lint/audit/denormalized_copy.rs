use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "denormalized-copy",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a column copies a value of the row its foreign key references",
    what_it_does: "Flags a column named after the row a foreign key references and one of that row's columns, of the same type (orders.customer_email beside orders.customer_id -> customers.email), and a number or a flag of the referenced row's own name (order_details.unit_price beside order_details.product_id -> products.unit_price). A column with a comment is taken as a deliberate snapshot and left alone.",
    why_is_this_bad: "The value is stored twice. An update to the parent leaves the children's copies stale unless every writer changes both, and nothing in the schema says which copy is right.",
    example: "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), customer_email text);",
    use_instead: "Read the value through the foreign key (a join, or a view that joins); where the copy is a snapshot on purpose (the address an order shipped to), say so in a comment on the column.",
    peers: "none in migration linters; third normal form (a column that depends on another non-key column)",
};

/// Words of the columns every table keeps for itself (when and by whom a row changed, its
/// order on a page, its state): two tables that both have one hold two values, not a copy.
const BOOKKEEPING: &[&str] = &[
    "created", "updated", "modified", "deleted", "changed", "last", "update", "date", "time", "at", "on", "by", "sort",
    "order", "position", "rank", "is", "has", "flag", "status", "state", "type", "kind", "version", "count", "id",
    "uuid", "key", "hash", "token",
];

/// Text types compare as one family: a copy is often declared a little wider or narrower.
fn same_family(a: &TypeKind, b: &TypeKind) -> bool {
    let text = |k: &TypeKind| matches!(k, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. });
    a == b || (text(a) && text(b))
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for fk in t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            let Some(parent) = cx.schema.find_table(&fk.ref_table) else { continue };
            if parent.id == t.id {
                continue;
            }
            // What the child calls the parent: the reference's name without its `id`
            // (`customer` of `customer_id`, `billing_customer` of `billing_customer_id`).
            let mut reference = super::name_words(&fk.columns[0]);
            if reference.last().map(String::as_str) != Some("id") || reference.len() < 2 {
                continue;
            }
            reference.pop();
            let parent_key = fk.referenced_columns(Some(parent));
            for c in &t.columns {
                if c.comment.is_some() || t.is_primary_key(&c.name) || t.foreign_keys_of(&c.name).next().is_some() {
                    continue;
                }
                let words = super::name_words(&c.name);
                // `customer_email` names the parent's `email`. A column of the parent's own name
                // is a copy when it is a measure or a flag the row takes from what it references
                // (an order line's `unit_price`, a token's `allow_write_api`) and the name says
                // what it is (two words or more, none of the bookkeeping ones every table has):
                // names, codes and descriptions of the same name are mostly each row's own (a
                // customer's `first_name` beside its support rep's).
                let prefixed = words.len() > reference.len() && words[..reference.len()] == reference[..];
                let rest = if prefixed {
                    words[reference.len()..].join("_")
                } else if c.data_type.kind.is_number_or_flag()
                    && words.len() >= 2
                    && !words.iter().any(|w| BOOKKEEPING.contains(&w.as_str()))
                {
                    words.join("_")
                } else {
                    continue;
                };
                let Some(source) = parent.columns.iter().find(|p| {
                    super::name_words(&p.name).join("_") == rest
                        && !parent_key.iter().any(|k| crate::model::same_name(k, &p.name))
                        && same_family(&p.data_type.kind, &c.data_type.kind)
                }) else {
                    continue;
                };
                out.push(
                    Finding::new(
                        Rule::DenormalizedCopy,
                        format!(
                            "{}.{} copies {}.{} of the row {}.{} references",
                            t.qualified_name(),
                            c.name,
                            parent.qualified_name(),
                            source.name,
                            t.qualified_name(),
                            fk.columns[0]
                        ),
                        format!(
                            "read {} through {} (a join or a view), or, if it is a snapshot on purpose, say so in a comment on {}",
                            source.name, fk.columns[0], c.name
                        ),
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name)),
                );
            }
        }
    }
}
