use crate::edit::Edit;
use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "reference-without-foreign-key",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a column named like a reference has no foreign key",
    what_it_does: "Flags columns named `<table>_id` (or `<table>Id`) where a table of that name (singular or plural) exists with a single-column key, and no foreign key is declared on the column.",
    why_is_this_bad: "Nothing stops orphans: rows pointing at parents that were deleted or never existed. Diagrams and tools cannot see the relationship.",
    example: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
    use_instead: "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID; then VALIDATE CONSTRAINT (after cleaning orphans).",
    peers: "none in the migration linters; schema reviewers' \"implicit relationship\"",
};

/// Candidate table names for a reference prefix: `customer` gives customer, customers, ...
fn candidates(prefix: &str) -> Vec<String> {
    let mut out = vec![prefix.to_string(), format!("{prefix}s"), format!("{prefix}es")];
    if let Some(stem) = prefix.strip_suffix('y') {
        out.push(format!("{stem}ies"));
    }
    out
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for c in &t.columns {
            let words = super::name_words(&c.name);
            if words.len() < 2
                || words.last().map(String::as_str) != Some("id")
                || t.foreign_keys_of(&c.name).next().is_some()
            {
                continue;
            }
            if t.is_primary_key(&c.name) && t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1) {
                continue;
            }
            let prefix = words[..words.len() - 1].join("_");
            let parent = candidates(&prefix).into_iter().find_map(|name| {
                cx.schema.tables.iter().find(|p| {
                    super::name_words(&p.name).join("_") == name
                        && p.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1)
                        && !std::ptr::eq(*p, t)
                        // A partition or inheritance child shares its parent's key; it does not
                        // reference it.
                        && !t.inherits.iter().chain(t.partition_of.iter()).any(|q| cx.schema.find_table(q).is_some_and(|q| q.id == p.id))
                })
            });
            if let Some(parent) = parent {
                out.push(
                    Finding::new(
                        Rule::ReferenceWithoutForeignKey,
                        format!(
                            "{}.{} looks like a reference to {} but has no foreign key",
                            t.qualified_name(),
                            c.name,
                            parent.qualified_name()
                        ),
                        format!(
                            "add FOREIGN KEY ({}) REFERENCES {} NOT VALID, clean orphans, then VALIDATE",
                            c.name,
                            parent.qualified_name()
                        ),
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(format!("reference {}", parent.qualified_name()), reference(cx, c, t, parent)),
                );
            }
        }
    }
}
/// The foreign key, where the column already has the key's type: a fix never leaves a foreign
/// key between two types (that is another finding), and MySQL refuses one. An index comes with
/// it where none leads with the column (MySQL makes its own).
fn reference(cx: &AuditCx<'_>, c: &crate::Column, t: &crate::Table, parent: &crate::Table) -> Vec<Edit> {
    let Some(key) = parent.primary_key.as_ref().and_then(|k| k.columns.first()).and_then(|k| parent.column(k)) else {
        return Vec::new();
    };
    if key.data_type.kind != c.data_type.kind || super::unsigned(key) != super::unsigned(c) {
        return Vec::new();
    }
    let mut edits = vec![Edit::AddForeignKey { table: t.id, column: c.id, ref_table: parent.id, ref_column: key.id }];
    if cx.dialect != crate::Dialect::MySql && !super::unindexed_foreign_key::covered(t, std::slice::from_ref(&c.name)) {
        edits.push(Edit::AddIndex { table: t.id, column: c.id });
    }
    edits
}
