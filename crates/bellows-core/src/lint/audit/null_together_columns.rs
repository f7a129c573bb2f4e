use crate::lint::{AuditCx, Doc, Family, Finding, Rule};
use crate::model::{same_name, Column, Table};
use crate::types::TypeKind;
use crate::Severity;

pub(crate) const DOC: Doc = Doc {
    code: "null-together-columns",
    family: Family::Audit,
    severity: Severity::Info,
    summary: "a group of optional columns describes another thing (a missing table)",
    what_it_does: "Flags three or more optional columns of one table whose names share a first word that names a thing (`billing_street`, `billing_city`, `billing_postcode`), the way an embedded address or contact is written. Words that qualify a value rather than name a thing (`is_`, `max_`, `last_`, `default_`, the table's own name) do not count, nor do groups of flags, numbered columns (`enum_1`, `enum_2`) or a date kept in parts (`begin_date_year`, `_month`, `_day`, partly NULL by design). The fix extracts the columns into a table of their own, one row per row of this table.",
    why_is_this_bad: "The columns are NULL together when the thing is absent and filled together when it is there, which the schema cannot say: a row can hold half an address. The same group is often copied into other tables, and a second one (a shipping address beside the billing one) means copying every column again.",
    example: "CREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    billing_street text,\n    billing_city text,\n    billing_postcode text\n);",
    use_instead: "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE orders_billing (\n    order_id bigint PRIMARY KEY REFERENCES orders (id),\n    billing_street text NOT NULL,\n    billing_city text NOT NULL,\n    billing_postcode text\n);",
    peers: "none in migration linters; normal forms (a repeating or optional group is its own relation)",
};

/// First words that qualify the value (a flag, a limit, a time, an order) rather than name a
/// thing the columns describe.
const QUALIFIERS: &[&str] = &[
    "is",
    "has",
    "can",
    "allow",
    "allows",
    "show",
    "use",
    "uses",
    "enable",
    "enabled",
    "disable",
    "disabled",
    "no",
    "not",
    "max",
    "min",
    "maximum",
    "minimum",
    "avg",
    "total",
    "num",
    "count",
    "number",
    "sum",
    "last",
    "first",
    "prev",
    "previous",
    "next",
    "new",
    "old",
    "default",
    "current",
    "auto",
    "date",
    "time",
    "created",
    "updated",
    "modified",
    "deleted",
    "sort",
    "order",
    "display",
    "extra",
    "other",
    "custom",
    "user",
    "meta",
    "raw",
    "base",
    "local",
    "global",
    "public",
    "private",
    "internal",
    "external",
    "primary",
    "secondary",
    "ext",
    "opt",
    "sys",
    "x",
    "y",
    "z",
    "do",
    "send",
    "include",
    "exclude",
    "need",
    "needs",
    "require",
    "required",
    "force",
    "hide",
    "hidden",
    "edit",
    "on",
    "in",
    "at",
    "per",
    "for",
    "from",
    "to",
];

/// A date kept in parts (`begin_date_year`, `_month`, `_day`) is partly NULL by design: a year
/// alone is a value.
const DATE_PARTS: &[&str] = &["year", "month", "day", "hour", "minute", "second"];

/// The words after the first: numbered columns (`enum_1`, `enum_2`; `thumb_250_filesize`) repeat
/// one value rather than describe one thing, and a fix would need a row per number.
fn rest(c: &Column) -> Vec<String> {
    super::name_words(&c.name).into_iter().skip(1).collect()
}

/// The columns' shared first word, or None.
fn prefix(c: &Column) -> Option<String> {
    let words = super::name_words(&c.name);
    (words.len() >= 2).then(|| words[0].clone())
}

/// The groups in `t`: (prefix, the columns), each of three or more optional columns.
fn groups(t: &Table) -> Vec<(String, Vec<&Column>)> {
    let own: Vec<String> = super::name_words(&t.name);
    let mut groups: Vec<(String, Vec<&Column>)> = Vec::new();
    for c in &t.columns {
        let Some(p) = prefix(c) else { continue };
        match groups.iter_mut().find(|(q, _)| *q == p) {
            Some((_, list)) => list.push(c),
            None => groups.push((p, vec![c])),
        }
    }
    groups.retain(|(p, list)| {
        let singular_own = own.iter().any(|w| w == p || w.strip_suffix('s') == Some(p.as_str()));
        list.len() >= 3
            && !singular_own
            && !QUALIFIERS.contains(&p.as_str())
            && p.chars().any(|c| c.is_alphabetic())
            // Every column of the group is optional, none is a key or a flag.
            && list.iter().all(|c| c.nullable && !in_key(t, c))
            && !list.iter().all(|c| c.data_type.kind == TypeKind::Boolean)
            && !list.iter().all(|c| rest(c).iter().any(|w| w.starts_with(|ch: char| ch.is_ascii_digit())))
            && !list.iter().all(|c| rest(c).last().is_some_and(|w| DATE_PARTS.contains(&w.as_str())))
    });
    groups
}

fn in_key(t: &Table, c: &Column) -> bool {
    t.primary_key.as_ref().is_some_and(|k| k.columns.iter().any(|k| same_name(k, &c.name)))
        || t.foreign_keys.iter().any(|fk| fk.columns.iter().any(|f| same_name(f, &c.name)))
}

pub(crate) fn check(cx: &AuditCx<'_>, out: &mut Vec<Finding>) {
    let mut names: Vec<String> = Vec::new();
    for t in super::tables(cx) {
        for (p, list) in groups(t) {
            let columns: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
            // The fix: the columns move to `<table>_<prefix>`, keyed by a reference back.
            let stem = format!("{}_{p}", t.name);
            let name = std::iter::once(stem.clone())
                .chain((2..).map(|k| format!("{stem}{k}")))
                .find(|n| {
                    !names.iter().any(|x| x.eq_ignore_ascii_case(n))
                        && cx.schema.tables.iter().all(|t| !same_name(&t.name, n))
                })
                .unwrap_or(stem);
            let ids: Vec<crate::model::ColumnId> = list.iter().map(|c| c.id).collect();
            let fix = crate::edit::extract_columns_allowed(cx.schema, t.id, &ids, &name).ok().map(|()| {
                names.push(name.clone());
                let (into, key) = cx.fresh_ids(1, 1 + ids.len() as u32);
                crate::edit::Edit::ExtractColumns { table: t.id, columns: ids.clone(), into, key, name: name.clone() }
            });
            out.push(
                Finding::new(
                    Rule::NullTogetherColumns,
                    format!(
                        "{}'s optional columns {} describe one thing ({p}): a row can hold part of it",
                        t.qualified_name(),
                        columns.join(", ")
                    ),
                    format!(
                        "move them to a table of their own ({name}, one row per row of {}), where they can be required",
                        t.name
                    ),
                )
                .at(list[0].span)
                .on(&t.qualified_name(), Some(&list[0].name))
                .fixed_by(format!("extract {} into {name}", columns.join(", ")), fix.into_iter().collect()),
            );
        }
    }
}
