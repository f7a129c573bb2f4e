use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "uuid-in-text",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a UUID kept as text (PostgreSQL)",
    what_it_does: "Flags PostgreSQL columns named as UUIDs (`uuid`, `guid`, `X_uuid`, `X_guid`) whose type is text, varchar or char(32) or char(36) rather than uuid. The fix changes the type, with every column its foreign keys tie it to; the plan checks first that every value reads as a UUID.",
    why_is_this_bad: "Text takes 37 bytes or more where uuid takes 16, so the table and every index on the column are larger and slower; nothing stops a value that is not a UUID, and `ABC...` and `abc...` are two different keys.",
    example: "CREATE TABLE devices (id bigint PRIMARY KEY, device_uuid varchar(36) NOT NULL UNIQUE);",
    use_instead: "CREATE TABLE devices (id bigint PRIMARY KEY, device_uuid uuid NOT NULL UNIQUE);",
    peers: "none in migration linters; PostgreSQL documentation, \"UUID Type\"",
};

fn named_as_uuid(name: &str) -> bool {
    super::name_words(name).last().is_some_and(|w| w == "uuid" || w == "guid")
}

fn text_of_uuid_size(kind: &TypeKind) -> bool {
    match kind {
        TypeKind::Text | TypeKind::Varchar { length: None } => true,
        TypeKind::Varchar { length: Some(n) } | TypeKind::Char { length: Some(n) } => matches!(n, 32 | 36 | 38),
        _ => false,
    }
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for t in super::tables(cx) {
        for c in t.columns.iter().filter(|c| named_as_uuid(&c.name) && text_of_uuid_size(&c.data_type.kind)) {
            out.push(
                Finding::new(
                    Rule::UuidInText,
                    format!("{}.{} holds UUIDs as {}", t.qualified_name(), c.name, c.data_type.spelling),
                    "use the uuid type: 16 bytes, checked on every write, one spelling per value",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name))
                .fixed_by(
                    format!("make {} uuid", c.name),
                    super::retype_with_references(cx, t, c, |_| Some("uuid".into())),
                ),
            );
        }
    }
}
