use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "integer-key-may-overflow",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a generated integer key can run out",
    what_it_does: "Flags single-column primary keys of a 4-byte (or smaller) integer type that a sequence, identity or auto-increment fills.",
    why_is_this_bad: "2,147,483,647 ids run out on busy tables, and then every insert fails; widening the key later rewrites the table and every referencing column under lock.",
    example: "CREATE TABLE events (id serial PRIMARY KEY);",
    use_instead: "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
    peers: "squawk prefer-bigint-over-int, prefer-bigint-over-smallint",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    // SQLite's INTEGER is 8 bytes.
    if cx.dialect == Dialect::Sqlite {
        return;
    }
    for t in super::tables(cx) {
        let Some(pk) = t.primary_key.as_ref().filter(|k| k.columns.len() == 1) else { continue };
        let Some(c) = t.column(&pk.columns[0]) else { continue };
        let spelled_big = c.data_type.spelling.to_ascii_lowercase().contains("big");
        if matches!(c.data_type.kind, TypeKind::Integer | TypeKind::SmallInt) && c.identity.is_some() && !spelled_big {
            out.push(
                Finding::new(
                    Rule::IntegerKeyMayOverflow,
                    format!(
                        "{}.{} is a generated {} key: it stops at 2,147,483,647 or less",
                        t.qualified_name(),
                        c.name,
                        c.data_type.spelling
                    ),
                    "use bigint for generated keys",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name))
                .fixed_by(format!("make {} and its references bigint", c.name), super::widen_to_bigint(cx, t, c)),
            );
        }
    }
}
