use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "timestamp-without-time-zone",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "timestamp without time zone (PostgreSQL)",
    what_it_does: "Flags PostgreSQL columns of type timestamp (without time zone), and arrays of it.",
    why_is_this_bad: "The value has no zone: each client reads it in its own, daylight saving turns an hour ambiguous, and arithmetic across zones is wrong. timestamptz stores an instant and costs the same 8 bytes.",
    example: "CREATE TABLE events (happened_at timestamp);",
    use_instead: "CREATE TABLE events (happened_at timestamptz);",
    peers: "squawk prefer-timestamptz; PostgreSQL wiki \"Don't Do This\"",
};

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for t in super::tables(cx) {
        for c in &t.columns {
            let array = match &c.data_type.kind {
                TypeKind::Timestamp => "",
                TypeKind::Array { of } if **of == TypeKind::Timestamp => "[]",
                _ => continue,
            };
            out.push(
                Finding::new(
                    Rule::TimestampWithoutTimeZone,
                    format!("{}.{} is a timestamp{array} without time zone", t.qualified_name(), c.name),
                    "use timestamptz",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name))
                .fixed_by(
                    format!("make {} timestamptz{array}", c.name),
                    super::retype_with_references(cx, t, c, |c| {
                        Some(format!("timestamptz{}{array}", super::type_modifier(&c.data_type.spelling)))
                    }),
                ),
            );
        }
    }
}
