use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "reserved-or-long-identifier",
    family: Family::Audit,
    severity: Severity::Warning,
    summary: "a name is a reserved word or longer than the dialect allows",
    what_it_does: "Flags table and column names that are reserved words in SQL (user, order, group, select, ...) and names longer than the dialect's limit (PostgreSQL 63 bytes, MySQL 64 characters).",
    why_is_this_bad: "A reserved word must be quoted in every query, and tools that forget fail. PostgreSQL silently truncates a longer name, so two long names can collide and the schema reads back differently from the DDL.",
    example: "CREATE TABLE \"user\" (\"order\" int);",
    use_instead: "CREATE TABLE users (order_number int);",
    peers: "squawk identifier-too-long (length); sqlfluff RF04 (keywords as identifiers)",
};

/// The words the DDL renderer quotes: reserved in at least one of the three dialects.
use crate::render::RESERVED;

/// The longest name the server keeps: PostgreSQL cuts a longer one to 63 bytes (with only a
/// NOTICE), MySQL refuses one over 64 characters; SQLite has no limit.
pub(crate) fn name_limit(dialect: Dialect) -> Option<usize> {
    match dialect {
        Dialect::Postgres => Some(63),
        Dialect::MySql => Some(64),
        Dialect::Sqlite => None,
    }
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    let limit = name_limit(cx.dialect);
    for t in super::tables(cx) {
        let mut names: Vec<(&str, Option<&crate::Column>)> = vec![(&t.name, None)];
        names.extend(t.columns.iter().map(|c| (c.name.as_str(), Some(c))));
        for (name, c) in names {
            let what = if c.is_some() { "column" } else { "table" };
            let problem = if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
                Some(format!("{what} name {name} is a reserved word: it must be quoted everywhere"))
            } else if limit.is_some_and(|l| name.len() > l) {
                Some(format!("{what} name {name} is {} bytes, over the limit of {}", name.len(), limit.unwrap_or(0)))
            } else {
                None
            };
            if let Some(message) = problem {
                out.push(
                    Finding::new(Rule::ReservedOrLongIdentifier, message, "rename it to a plain, shorter name")
                        .at(c.map_or(t.span, |c| c.span))
                        .on(&t.qualified_name(), c.map(|c| c.name.as_str())),
                );
            }
        }
    }
}
