use crate::edit::Edit;
use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::same_name;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "unindexed-foreign-key",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a foreign key's columns have no index",
    what_it_does: "Flags foreign keys whose columns are not the leading columns of an index, a unique key or the primary key. (MySQL/InnoDB creates that index itself, so MySQL schemas are not flagged.)",
    why_is_this_bad: "Deleting or updating a parent row scans the whole child table to check references (under a lock), and joins from parent to children scan too.",
    example: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));",
    use_instead: "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
    peers: "eugene E15 (missing index); pg-schema-lint \"unindexed foreign key\"",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect == Dialect::MySql {
        return;
    }
    for t in super::tables(cx) {
        for fk in &t.foreign_keys {
            if !covered(t, &fk.columns) {
                let cols = fk.columns.join(", ");
                let span = fk.columns.first().and_then(|c| t.column(c)).map_or(t.span, |c| c.span);
                out.push(
                    Finding::new(
                        Rule::UnindexedForeignKey,
                        format!(
                            "foreign key {}({cols}) -> {} has no index on its columns",
                            t.qualified_name(),
                            fk.ref_table
                        ),
                        if cx.dialect == Dialect::Postgres {
                            format!("CREATE INDEX CONCURRENTLY ON {} ({cols})", t.qualified_name())
                        } else {
                            // SQLite (MySQL indexes a foreign key's columns itself).
                            format!(
                                "CREATE INDEX {}_{}_idx ON {} ({cols})",
                                t.name,
                                fk.columns.join("_"),
                                t.qualified_name()
                            )
                        },
                    )
                    .at(span)
                    .on(&t.qualified_name(), fk.columns.first().map(String::as_str))
                    .fixed_by(
                        format!("index {}({cols})", t.name),
                        // One column: an index of its own (a composite key's index waits for
                        // composite index edits).
                        match fk.columns.as_slice() {
                            [one] => t
                                .column(one)
                                .map(|c| Edit::AddIndex { table: t.id, column: c.id })
                                .into_iter()
                                .collect(),
                            _ => Vec::new(),
                        },
                    ),
                );
            }
        }
    }
}
/// True when an index or key of `t` leads with `columns` (in any order).
pub(crate) fn covered(t: &crate::Table, columns: &[String]) -> bool {
    let leads = |cols: Vec<&str>| {
        cols.len() >= columns.len() && columns.iter().all(|c| cols[..columns.len()].iter().any(|x| same_name(x, c)))
    };
    t.indexes.iter().any(|ix| leads(ix.parts.iter().map_while(|p| p.column()).collect()))
        || t.primary_key.iter().chain(t.uniques.iter()).any(|k| leads(k.columns.iter().map(String::as_str).collect()))
}
