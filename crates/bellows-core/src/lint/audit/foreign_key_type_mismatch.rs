use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "foreign-key-type-mismatch",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a foreign key column's type differs from the key it references",
    what_it_does: "Flags foreign key columns whose normalized type differs from the referenced column's (integer referencing bigint, varchar(36) referencing uuid).",
    why_is_this_bad: "Joins and reference checks need casts, indexes may not be used, and a narrower column overflows when the parent's keys grow past its range.",
    example: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (customer_id integer REFERENCES customers (id));",
    use_instead: "Give the referencing column the referenced column's exact type: customer_id bigint.",
    peers: "pg-schema-lint \"foreign key type mismatch\"; MySQL refuses some mismatches outright",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        for fk in &t.foreign_keys {
            let Some(parent) = cx.schema.find_table(&fk.ref_table) else { continue };
            let refs = fk.referenced_columns(Some(parent));
            for (c, r) in fk.columns.iter().zip(&refs) {
                let (Some(col), Some(rc)) = (t.column(c), parent.column(r)) else { continue };
                if col.data_type.kind != rc.data_type.kind {
                    out.push(
                        Finding::new(
                            Rule::ForeignKeyTypeMismatch,
                            format!(
                                "{}.{} is {} but references {}.{} of type {}",
                                t.qualified_name(),
                                col.name,
                                col.data_type.spelling,
                                parent.qualified_name(),
                                rc.name,
                                rc.data_type.spelling
                            ),
                            format!("change {}.{} to {}", t.qualified_name(), col.name, rc.data_type.spelling),
                        )
                        .at(col.span)
                        .on(&t.qualified_name(), Some(&col.name))
                        .fixed_by(
                            format!("make {} {}", col.name, plain_type(rc)),
                            super::retype_with_references(cx, t, col, |_| Some(plain_type(rc))),
                        ),
                    );
                }
            }
        }
    }
}
/// The referenced column's type as a referencing column would declare it: a serial key is
/// referenced by the integer of its width, not by a second sequence.
fn plain_type(c: &crate::Column) -> String {
    let lower = c.data_type.spelling.to_ascii_lowercase();
    match lower.trim() {
        "serial" | "serial4" => "integer".into(),
        "bigserial" | "serial8" => "bigint".into(),
        "smallserial" | "serial2" => "smallint".into(),
        _ => c.data_type.spelling.clone(),
    }
}
