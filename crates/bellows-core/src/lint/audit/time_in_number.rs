use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "time-in-number",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a point in time kept as a number (seconds or milliseconds since 1970)",
    what_it_does: "Flags integer columns named as points in time (`X_at`, `X_ts`, `X_time`, `timestamp`, `created`, `updated`, `expires`) on PostgreSQL and MySQL, which have time types. SQLite has none, so a number there is the usual choice and is not flagged.",
    why_is_this_bad: "Nothing in the schema says whether the number counts seconds or milliseconds, or from when; every reader converts by hand, date arithmetic and truncation (per day, per month) need the conversion first, and a value off by a factor of 1,000 is accepted silently.",
    example: "CREATE TABLE events (id bigint PRIMARY KEY, received_ts bigint NOT NULL);",
    use_instead: "CREATE TABLE events (id bigint PRIMARY KEY, received_at timestamptz NOT NULL);",
    peers: "none in migration linters; PostgreSQL documentation, \"Date/Time Types\"",
};

fn named_as_time(name: &str) -> bool {
    let words = super::name_words(name);
    let Some(last) = words.last() else { return false };
    match last.as_str() {
        "at" | "ts" | "timestamp" => true,
        // `time` alone may be a duration (`response_time`), but not when it says when.
        "time" => {
            words.len() >= 2
                && matches!(
                    words[words.len() - 2].as_str(),
                    "creation"
                        | "create"
                        | "update"
                        | "modification"
                        | "insert"
                        | "delete"
                        | "start"
                        | "end"
                        | "expiry"
                        | "login"
                        | "access"
                )
        }
        "created" | "updated" | "modified" | "expires" => words.len() == 1,
        _ => false,
    }
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect == crate::Dialect::Sqlite {
        return;
    }
    for t in super::tables(cx) {
        for c in &t.columns {
            if !matches!(c.data_type.kind, TypeKind::Integer | TypeKind::BigInt) || !named_as_time(&c.name) {
                continue;
            }
            if t.foreign_keys_of(&c.name).next().is_some() {
                continue;
            }
            let time_type =
                if cx.dialect == crate::Dialect::MySql { "datetime(3) or timestamp(3)" } else { "timestamptz" };
            out.push(
                Finding::new(
                    Rule::TimeInNumber,
                    format!(
                        "{}.{} keeps a point in time as {}: nothing says in which unit, or from when",
                        t.qualified_name(),
                        c.name,
                        c.data_type.spelling
                    ),
                    format!("use {time_type}, which the database can compare, truncate and show as a date"),
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
