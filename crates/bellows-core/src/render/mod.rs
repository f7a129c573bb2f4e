//! Model and plan -> text: SQL per dialect (more renderers join as the plan grows).

pub mod ddl;
pub mod diagram;
pub mod picture;
pub mod prisma;
pub mod zip;

pub use ddl::{schema_sql, DdlOptions};

use crate::Dialect;

/// Words that must be quoted to be used as a name in at least one of the three dialects.
pub(crate) const RESERVED: &[&str] = &[
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "change",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "condition",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "default",
    "deferrable",
    "delete",
    "desc",
    "describe",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "fulltext",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "keys",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "match",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "range",
    "rank",
    "read",
    "references",
    "regexp",
    "rename",
    "replace",
    "returning",
    "right",
    "rlike",
    "row",
    "rows",
    "select",
    "session_user",
    "set",
    "show",
    "similar",
    "some",
    "spatial",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "trigger",
    "true",
    "union",
    "unique",
    "update",
    "usage",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier, quoted only when it must be: characters outside `[a-z0-9_]`, a leading digit,
/// a reserved word, or (in PostgreSQL, which folds unquoted names) an upper-case letter.
pub fn ident(name: &str, dialect: Dialect) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !(dialect == Dialect::Postgres && name.chars().any(|c| c.is_ascii_uppercase()))
        && !RESERVED.contains(&name.to_ascii_lowercase().as_str());
    if plain {
        return name.to_string();
    }
    match dialect {
        Dialect::MySql => format!("`{}`", name.replace('`', "``")),
        Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// `namespace.name` with each part quoted as needed.
pub fn qualified(namespace: Option<&str>, name: &str, dialect: Dialect) -> String {
    match namespace {
        Some(ns) => {
            ns.split('.').map(|p| ident(p, dialect)).chain([ident(name, dialect)]).collect::<Vec<_>>().join(".")
        }
        None => ident(name, dialect),
    }
}

/// An expression written for `from`, for use in `to`: PostgreSQL casts (`'x'::text`) removed
/// and `now()` spelled `CURRENT_TIMESTAMP`; `None` when it uses syntax the target does not share
/// (PostgreSQL operators such as `~` and `@>`, `ARRAY[...]`, `nextval`), so the caller can
/// leave it out and say so.
pub fn portable_expr(expr: &str, from: Dialect, to: Dialect) -> Option<String> {
    if from == to {
        return Some(expr.to_string());
    }
    let mut out = expr.to_string();
    if from == Dialect::Postgres {
        out = strip_casts(&out);
        let lower = out.to_ascii_lowercase();
        let pg_only = [
            "~",
            "@>",
            "<@",
            "&&",
            "array[",
            "any (",
            "any(",
            "nextval(",
            "regexp_",
            "::",
            "similar to",
            "e'",
            "$",
            "ilike",
            "||",
            "is distinct from",
            "[",
            "interval '",
            "to_tsvector",
            "lower(",
            "date_trunc",
        ];
        if pg_only.iter().any(|p| lower.contains(p)) {
            return None;
        }
        if ["now()", "transaction_timestamp()", "statement_timestamp()", "clock_timestamp()"].contains(&lower.as_str())
        {
            return Some("CURRENT_TIMESTAMP".to_string());
        }
        if to == Dialect::MySql && ["gen_random_uuid()", "uuid_generate_v4()"].contains(&lower.as_str()) {
            // MySQL and MariaDB take a function default in parentheses.
            return Some("(uuid())".to_string());
        }
    }
    if from == Dialect::MySql {
        let lower = out.to_ascii_lowercase();
        if ["`", "\\", "on update", "curdate", "unix_timestamp"].iter().any(|p| lower.contains(p)) {
            return None;
        }
    }
    let lower = out.to_ascii_lowercase();
    if to == Dialect::Sqlite && lower.contains('(') && !lower.starts_with("current_") && !lower.starts_with("(") {
        // Function calls rarely exist under the same name in SQLite.
        let allowed = ["length(", "lower(", "upper(", "coalesce(", "abs(", "round("];
        let calls = lower.matches('(').count();
        let known = allowed.iter().map(|a| lower.matches(a).count()).sum::<usize>();
        if known < calls && lower.chars().any(|c| c.is_ascii_alphabetic()) && lower.contains("()") {
            return None;
        }
    }
    Some(out)
}

/// Removes `::type` casts (including multi-word types and `[]`), outside string literals.
pub fn strip_casts(expr: &str) -> String {
    const MULTI: &[&str] = &[
        "character varying",
        "double precision",
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "time with time zone",
        "bit varying",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_string = !in_string;
        }
        if !in_string && c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
            let rest: String = chars[i..].iter().collect::<String>().to_ascii_lowercase();
            if let Some(m) = MULTI.iter().find(|m| rest.starts_with(*m)) {
                i += m.chars().count();
            } else {
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '"')) {
                    i += 1;
                }
            }
            if chars.get(i) == Some(&'(') {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
            }
            while chars.get(i) == Some(&'[') && chars.get(i + 1) == Some(&']') {
                i += 2;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A SQL string literal.
/// `text` (SQL) with the identifier `name` replaced by `with`, outside string literals: whole
/// identifiers only, unqualified or after a `.`, quoted or not.
pub fn rename_identifier(text: &str, name: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let n = name.len();
    let mut i = 0;
    let mut in_string = false;
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < text.len() {
        let c = bytes[i];
        if c == b'\'' {
            in_string = !in_string;
        }
        if !in_string {
            // `"name"`
            if c == b'"' && text.get(i + 1..i + 1 + n).is_some_and(|w| w == name) && bytes.get(i + 1 + n) == Some(&b'"')
            {
                out.push_str(with);
                i += n + 2;
                continue;
            }
            if text.get(i..i + n).is_some_and(|w| w.eq_ignore_ascii_case(name))
                && i.checked_sub(1).is_none_or(|p| !is_ident(bytes[p]) && bytes[p] != b'"')
                && bytes.get(i + n).is_none_or(|&b| !is_ident(b) && b != b'"')
            {
                out.push_str(with);
                i += n;
                continue;
            }
        }
        let end = (i + 1..=text.len()).find(|&j| text.is_char_boundary(j)).unwrap_or(text.len());
        out.push_str(&text[i..end]);
        i = end;
    }
    out
}

pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_they_must_be() {
        assert_eq!(ident("customer", Dialect::Postgres), "customer");
        assert_eq!(ident("order", Dialect::Postgres), "\"order\"");
        assert_eq!(ident("Album", Dialect::Postgres), "\"Album\"");
        assert_eq!(ident("Album", Dialect::MySql), "Album");
        assert_eq!(ident("odd name", Dialect::MySql), "`odd name`");
        assert_eq!(ident("say \"hi\"", Dialect::Sqlite), "\"say \"\"hi\"\"\"");
        assert_eq!(qualified(Some("shop"), "user", Dialect::Postgres), "shop.\"user\"");
        assert_eq!(string_literal("it's"), "'it''s'");
    }

    #[test]
    fn expressions_travel_between_dialects_or_say_they_cannot() {
        let pg = Dialect::Postgres;
        assert_eq!(portable_expr("'G'::mpaa_rating", pg, Dialect::MySql).as_deref(), Some("'G'"));
        assert_eq!(portable_expr("''::character varying", pg, Dialect::Sqlite).as_deref(), Some("''"));
        assert_eq!(portable_expr("now()", pg, Dialect::MySql).as_deref(), Some("CURRENT_TIMESTAMP"));
        assert_eq!(portable_expr("code ~ '^\\w+$'", pg, Dialect::MySql), None);
        assert_eq!(portable_expr("nextval('s'::regclass)", pg, Dialect::Sqlite), None);
        assert_eq!(portable_expr("length > 0", pg, Dialect::Sqlite).as_deref(), Some("length > 0"));
    }
}
