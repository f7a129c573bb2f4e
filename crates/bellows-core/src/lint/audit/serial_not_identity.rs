use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::Identity;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "serial-not-identity",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "serial where identity columns exist (PostgreSQL 10+)",
    what_it_does: "Flags PostgreSQL columns declared serial/bigserial, or with a nextval() default from an owned sequence.",
    why_is_this_bad: "The sequence is a separate object with its own permissions; copying the table (CREATE TABLE ... LIKE) shares it; explicit inserts silently desynchronise it. Identity columns are the SQL standard and avoid all three.",
    example: "CREATE TABLE users (id serial PRIMARY KEY);",
    use_instead: "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
    peers: "squawk prefer-identity; PostgreSQL wiki \"Don't Do This: serial\"",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for t in super::tables(cx) {
        for c in t.columns.iter().filter(|c| c.identity == Some(Identity::Serial)) {
            out.push(
                Finding::new(
                    Rule::SerialNotIdentity,
                    format!("{}.{} is a serial column", t.qualified_name(), c.name),
                    "use GENERATED ALWAYS AS IDENTITY",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
