use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::types::TypeKind;
use crate::{Dialect, Severity};

pub(crate) const DOC: Doc = Doc {
    code: "flag-in-number",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a yes/no flag kept as a number or a letter (PostgreSQL)",
    what_it_does: "Flags PostgreSQL columns named as flags (`is_X`, `has_X`, `can_X`, `allow_X`) whose type is an integer or char(1) rather than boolean. MySQL's `tinyint(1)` is its boolean and SQLite has no other, so only PostgreSQL is judged.",
    why_is_this_bad: "Nothing stops 2, -1 or 'x' in a column that means yes or no, so every reader must decide what they mean; queries compare to 1 or 'Y' by habit, and the planner's statistics treat it as a number.",
    example: "CREATE TABLE users (id bigint PRIMARY KEY, is_guest smallint NOT NULL DEFAULT 0);",
    use_instead: "CREATE TABLE users (id bigint PRIMARY KEY, is_guest boolean NOT NULL DEFAULT false);",
    peers: "none in migration linters; PostgreSQL documentation, \"Boolean Type\"",
};

const FLAG_WORDS: &[&str] = &["is", "has", "can", "allow", "allows", "should", "was"];

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    if cx.dialect != Dialect::Postgres {
        return;
    }
    for t in super::tables(cx) {
        for c in &t.columns {
            let words = super::name_words(&c.name);
            let flag_name = words.len() >= 2 && FLAG_WORDS.contains(&words[0].as_str());
            let number_or_letter = matches!(
                c.data_type.kind,
                TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt | TypeKind::Char { length: Some(1) | None }
            );
            // A count (`has_children_count`) or a reference (`is_part_of_id`) is not a flag.
            let counts =
                words.last().is_some_and(|w| matches!(w.as_str(), "count" | "id" | "num" | "number" | "level"));
            if !flag_name || !number_or_letter || counts || t.foreign_keys_of(&c.name).next().is_some() {
                continue;
            }
            out.push(
                Finding::new(
                    Rule::FlagInNumber,
                    format!("{}.{} is a yes/no flag kept as {}", t.qualified_name(), c.name, c.data_type.spelling),
                    "use boolean: true or false, and nothing else",
                )
                .at(c.span)
                .on(&t.qualified_name(), Some(&c.name)),
            );
        }
    }
}
