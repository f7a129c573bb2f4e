use crate::edit::Edit;
use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::{Dialect, Severity, TypeKind};

pub(crate) const DOC: Doc = Doc {
    code: "nullable-primary-key-column",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a primary key column allows NULL",
    what_it_does: "Flags primary key columns that are not NOT NULL where the database lets that through: SQLite (any primary key that is not INTEGER PRIMARY KEY) and keys declared with an explicit NULL.",
    why_is_this_bad: "SQLite keeps a historical bug: a PRIMARY KEY column accepts NULL, and NULLs are all distinct, so the key does not identify rows. Other databases force NOT NULL, which then surprises a schema that says NULL.",
    example: "CREATE TABLE tags (name TEXT PRIMARY KEY);  -- SQLite: name may be NULL",
    use_instead: "CREATE TABLE tags (name TEXT NOT NULL PRIMARY KEY);",
    peers: "none known (SQLite documentation, \"CREATE TABLE\": the NULL-in-PRIMARY-KEY quirk)",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    for t in super::tables(cx) {
        let Some(pk) = &t.primary_key else { continue };
        for name in &pk.columns {
            let Some(c) = t.column(name) else { continue };
            let rowid_alias =
                cx.dialect == Dialect::Sqlite && pk.columns.len() == 1 && c.data_type.kind == TypeKind::Integer;
            if c.nullable && !rowid_alias && !t.without_rowid {
                out.push(
                    Finding::new(
                        Rule::NullablePrimaryKeyColumn,
                        format!("primary key column {}.{} allows NULL", t.qualified_name(), c.name),
                        "declare it NOT NULL",
                    )
                    .at(c.span)
                    .on(&t.qualified_name(), Some(&c.name))
                    .fixed_by(
                        format!("make {} NOT NULL", c.name),
                        vec![Edit::SetNullable { table: t.id, column: c.id, nullable: false }],
                    ),
                );
            }
        }
    }
}
