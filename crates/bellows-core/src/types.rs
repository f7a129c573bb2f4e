//! Column types: the spelling the user wrote, and a normalized kind that the diff, the planner,
//! the lint rules and the exporters reason about across dialects.

use crate::Dialect;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataType {
    /// As written in the source (`character varying(255)`, `INT(11) UNSIGNED`, `datetime`).
    pub spelling: String,
    pub kind: TypeKind,
}

/// The normalized type. Sizes are kept where they change what a value can hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum TypeKind {
    Boolean,
    SmallInt,
    Integer,
    BigInt,
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Real,
    Double,
    /// Unbounded text (`text`, MySQL `longtext`, SQLite `TEXT`).
    Text,
    Varchar {
        length: Option<u32>,
    },
    Char {
        length: Option<u32>,
    },
    Bytes,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    /// An array of another type (PostgreSQL).
    Array {
        of: Box<TypeKind>,
    },
    /// Anything else: a user-defined type (enum, domain) or a type we do not model, lowercased.
    Named {
        name: String,
    },
}

/// SQLite's type affinity of a declared type (its documented rules, in order).
pub fn sqlite_affinity(spelling: &str) -> &'static str {
    let t = spelling.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The values of MySQL's inline `enum('a','b')` or `set('a','b')` (`''` inside a value is a
/// quote); `None` for any other type.
pub fn inline_labels(spelling: &str) -> Option<Vec<String>> {
    let t = spelling.trim();
    let lower = t.to_ascii_lowercase();
    let open = if lower.starts_with("enum(") {
        5
    } else if lower.starts_with("set(") {
        4
    } else {
        return None;
    };
    let body = t.get(open..)?.trim_end().strip_suffix(')')?;
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                cur.push('\'');
                chars.next();
            }
            '\'' => {
                if quoted {
                    out.push(std::mem::take(&mut cur));
                }
                quoted = !quoted;
            }
            _ if quoted => cur.push(c),
            _ => {}
        }
    }
    Some(out)
}

impl DataType {
    pub fn parse(spelling: &str) -> Self {
        Self { spelling: spelling.trim().to_string(), kind: TypeKind::parse(spelling) }
    }

    /// The spelling as a type name `CAST` and `ALTER COLUMN ... TYPE` accept: PostgreSQL's
    /// `serial` shorthands (a type plus a sequence default) are their integer types.
    pub fn as_type(&self) -> String {
        match self.spelling.trim().to_ascii_lowercase().as_str() {
            "serial" | "serial4" => "integer".into(),
            "bigserial" | "serial8" => "bigint".into(),
            "smallserial" | "serial2" => "smallint".into(),
            _ => self.spelling.clone(),
        }
    }

    /// The type in a dialect's spelling: the user's own spelling when it is already that
    /// dialect's, a translation otherwise.
    pub fn sql(&self, source: Dialect, target: Dialect) -> String {
        if source == target || matches!(self.kind, TypeKind::Named { .. }) {
            self.spelling.clone()
        } else {
            self.kind.sql(target)
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelling)
    }
}

impl TypeKind {
    pub fn parse(spelling: &str) -> Self {
        let lower = spelling.trim().to_ascii_lowercase();
        let lower = lower.replace(['"', '`'], "");
        // PostgreSQL's default namespaces: `public.year` and `year` are one type.
        let lower =
            lower.strip_prefix("pg_catalog.").or_else(|| lower.strip_prefix("public.")).unwrap_or(&lower).to_string();
        if let Some(inner) = lower.strip_suffix("[]") {
            return TypeKind::Array { of: Box::new(TypeKind::parse(inner)) };
        }
        if let Some(inner) = lower.strip_prefix("array<").and_then(|s| s.strip_suffix('>')) {
            return TypeKind::Array { of: Box::new(TypeKind::parse(inner)) };
        }
        // Split the head word(s) from the modifiers: `varchar(255)`, `numeric(10, 2)`, `int(11) unsigned`.
        let (head, args, tail) = match lower.find('(') {
            Some(open) => {
                let close = lower[open..].find(')').map_or(lower.len(), |c| open + c);
                (lower[..open].trim(), lower.get(open + 1..close).unwrap_or(""), lower.get(close + 1..).unwrap_or(""))
            }
            None => (lower.as_str(), "", ""),
        };
        let nums: Vec<u32> = args.split(',').filter_map(|a| a.trim().parse().ok()).collect();
        let first = nums.first().copied();
        let words: Vec<&str> = head.split_whitespace().collect();
        let head_joined = words.join(" ");
        let with_tz = tail.contains("with time zone") || head_joined.contains("with time zone");
        let base = head_joined
            .trim_end_matches(" unsigned")
            .trim_end_matches(" signed")
            .trim_end_matches(" zerofill")
            .trim_end_matches(" without time zone")
            .trim_end_matches(" with time zone");
        match base {
            "bool" | "boolean" => TypeKind::Boolean,
            "tinyint" if first == Some(1) => TypeKind::Boolean,
            "smallint" | "int2" | "tinyint" | "smallserial" | "serial2" => TypeKind::SmallInt,
            "int" | "integer" | "int4" | "mediumint" | "serial" | "serial4" => TypeKind::Integer,
            "bigint" | "int8" | "bigserial" | "serial8" => TypeKind::BigInt,
            "decimal" | "numeric" | "dec" | "fixed" => {
                TypeKind::Decimal { precision: first, scale: nums.get(1).copied() }
            }
            "real" | "float4" | "float" if first.is_none_or(|p| p <= 24) => TypeKind::Real,
            "float" | "double" | "double precision" | "float8" => TypeKind::Double,
            "text" | "tinytext" | "mediumtext" | "longtext" | "clob" | "citext" | "string" => TypeKind::Text,
            "varchar" | "character varying" | "nvarchar" | "varchar2" | "national character varying" => {
                TypeKind::Varchar { length: first }
            }
            "char" | "character" | "nchar" | "bpchar" | "national character" => TypeKind::Char { length: first },
            "bytea" | "blob" | "tinyblob" | "mediumblob" | "longblob" | "binary" | "varbinary" => TypeKind::Bytes,
            "date" => TypeKind::Date,
            "time" | "timetz" => TypeKind::Time,
            "timestamptz" => TypeKind::TimestampTz,
            "timestamp" | "datetime" if with_tz => TypeKind::TimestampTz,
            "timestamp" | "datetime" => TypeKind::Timestamp,
            "interval" => TypeKind::Interval,
            "uuid" => TypeKind::Uuid,
            "json" => TypeKind::Json,
            "jsonb" => TypeKind::Jsonb,
            // MySQL's inline ENUM and SET: the values are the type (a value added or
            // reordered is a type change).
            "enum" | "set" => {
                let open = lower.find('(').unwrap_or(lower.len());
                let close = lower.rfind(')').unwrap_or(lower.len()).max(open);
                let values: Vec<&str> = lower.get(open + 1..close).unwrap_or("").split(',').map(str::trim).collect();
                TypeKind::Named { name: format!("{head_joined}({})", values.join(",")) }
            }
            _ => TypeKind::Named { name: head_joined },
        }
    }

    /// True for the integer kinds.
    pub fn is_integer(&self) -> bool {
        matches!(self, TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt)
    }

    /// True for numbers and booleans: the kinds whose values are written as numbers (MySQL's
    /// boolean is a tinyint), and which hold a measure or a flag rather than a name.
    pub fn is_number_or_flag(&self) -> bool {
        self.is_integer()
            || matches!(self, TypeKind::Boolean | TypeKind::Decimal { .. } | TypeKind::Real | TypeKind::Double)
    }

    /// The type in a dialect's usual spelling.
    pub fn sql(&self, dialect: Dialect) -> String {
        let pg = dialect == Dialect::Postgres;
        let my = dialect == Dialect::MySql;
        match self {
            TypeKind::Boolean if my => "tinyint(1)".into(),
            TypeKind::Boolean => "boolean".into(),
            TypeKind::SmallInt => "smallint".into(),
            TypeKind::Integer if dialect == Dialect::Sqlite => "integer".into(),
            TypeKind::Integer => "int".into(),
            TypeKind::BigInt => "bigint".into(),
            TypeKind::Decimal { precision: Some(p), scale: Some(s) } => format!("numeric({p}, {s})"),
            TypeKind::Decimal { precision: Some(p), scale: None } => format!("numeric({p})"),
            TypeKind::Decimal { .. } if my => "decimal(65, 30)".into(),
            TypeKind::Decimal { .. } => "numeric".into(),
            TypeKind::Real => "real".into(),
            TypeKind::Double if my => "double".into(),
            TypeKind::Double => "double precision".into(),
            TypeKind::Text if my => "longtext".into(),
            TypeKind::Text => "text".into(),
            TypeKind::Varchar { length: Some(n) } => format!("varchar({n})"),
            TypeKind::Varchar { length: None } if my => "varchar(255)".into(),
            TypeKind::Varchar { length: None } if pg => "varchar".into(),
            TypeKind::Varchar { length: None } => "text".into(),
            TypeKind::Char { length: Some(n) } => format!("char({n})"),
            TypeKind::Char { length: None } => "char(1)".into(),
            TypeKind::Bytes if pg => "bytea".into(),
            TypeKind::Bytes if my => "longblob".into(),
            TypeKind::Bytes => "blob".into(),
            TypeKind::Date => "date".into(),
            TypeKind::Time => "time".into(),
            TypeKind::Timestamp if my => "datetime".into(),
            TypeKind::Timestamp => "timestamp".into(),
            TypeKind::TimestampTz if pg => "timestamptz".into(),
            TypeKind::TimestampTz if my => "timestamp".into(),
            TypeKind::TimestampTz => "timestamp".into(),
            TypeKind::Interval if pg => "interval".into(),
            TypeKind::Interval => "varchar(64)".into(),
            TypeKind::Uuid if pg => "uuid".into(),
            TypeKind::Uuid => "char(36)".into(),
            TypeKind::Json | TypeKind::Jsonb if my => "json".into(),
            TypeKind::Json if pg => "json".into(),
            TypeKind::Jsonb if pg => "jsonb".into(),
            TypeKind::Json | TypeKind::Jsonb => "text".into(),
            TypeKind::Array { of } if pg => format!("{}[]", of.sql(dialect)),
            TypeKind::Array { .. } if my => "json".into(),
            TypeKind::Array { .. } => "text".into(),
            TypeKind::Named { name } => name.clone(),
        }
    }

    /// True when some values of `self` do not convert to `to`: a cast would fail on them (a
    /// text that is no number, a number out of range, a string too long). A type change in
    /// that direction has a precondition on the data.
    pub fn narrows_to(&self, to: &TypeKind) -> bool {
        use TypeKind::*;
        match (self, to) {
            (a, b) if a == b => false,
            (Text | Varchar { .. } | Char { .. } | Named { .. }, Text) => false,
            (Varchar { .. } | Named { .. }, Varchar { length: None }) => false,
            (Varchar { length: Some(a) }, Varchar { length: Some(b) }) => b < a,
            (Text | Varchar { .. } | Char { .. } | Named { .. }, _) => true,
            (BigInt, Integer | SmallInt) | (Integer, SmallInt) => true,
            (Decimal { precision: Some(a), scale: s1 }, Decimal { precision: Some(b), scale: s2 }) => {
                b.saturating_sub(s2.unwrap_or(0)) < a.saturating_sub(s1.unwrap_or(0))
            }
            (Decimal { precision: None, .. }, Decimal { precision: Some(_), .. }) => true,
            (Real | Double | Decimal { .. }, SmallInt | Integer | BigInt | Decimal { .. }) => true,
            (BigInt, Decimal { precision: Some(p), scale }) => p.saturating_sub(scale.unwrap_or(0)) < 19,
            (Integer, Decimal { precision: Some(p), scale }) => p.saturating_sub(scale.unwrap_or(0)) < 10,
            _ => false,
        }
    }

    /// True when PostgreSQL changes a column from `self` to `to` without rewriting the table
    /// (and, with a widening, without scanning it): `varchar(n)` -> `varchar(m>=n)` or `text`,
    /// `numeric(p,s)` -> `numeric(q>=p,s)`, `varchar` <-> `text`, `timestamp` -> `timestamptz` is
    /// not one of them (it depends on the time zone setting).
    pub fn is_binary_coercible_to(&self, to: &TypeKind) -> bool {
        use TypeKind::*;
        match (self, to) {
            (a, b) if a == b => true,
            (Varchar { length: Some(n) }, Varchar { length: Some(m) }) => m >= n,
            (Varchar { .. }, Varchar { length: None } | Text) => true,
            (Text, Varchar { length: None }) => true,
            (Char { .. }, Text) => false,
            (Decimal { precision: Some(p), scale: s1 }, Decimal { precision: Some(q), scale: s2 }) => {
                q >= p && s1 == s2
            }
            (Decimal { .. }, Decimal { precision: None, scale: None }) => true,
            (Bytes, Bytes) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalize() {
        let cases = [
            ("character varying(255)", TypeKind::Varchar { length: Some(255) }),
            ("VARCHAR(32)", TypeKind::Varchar { length: Some(32) }),
            ("int(11) unsigned", TypeKind::Integer),
            ("INTEGER", TypeKind::Integer),
            ("bigserial", TypeKind::BigInt),
            ("tinyint(1)", TypeKind::Boolean),
            ("numeric(10, 2)", TypeKind::Decimal { precision: Some(10), scale: Some(2) }),
            ("timestamp with time zone", TypeKind::TimestampTz),
            ("TIMESTAMP WITHOUT TIME ZONE", TypeKind::Timestamp),
            ("timestamp(6) without time zone", TypeKind::Timestamp),
            ("timestamp(6) with time zone", TypeKind::TimestampTz),
            ("datetime", TypeKind::Timestamp),
            ("text[]", TypeKind::Array { of: Box::new(TypeKind::Text) }),
            ("double precision", TypeKind::Double),
            ("mpaa_rating", TypeKind::Named { name: "mpaa_rating".into() }),
            ("public.mpaa_rating", TypeKind::Named { name: "mpaa_rating".into() }),
            ("musicbrainz.fluency", TypeKind::Named { name: "musicbrainz.fluency".into() }),
            ("pg_catalog.int4", TypeKind::Integer),
        ];
        for (spelling, kind) in cases {
            assert_eq!(TypeKind::parse(spelling), kind, "{spelling}");
        }
    }

    #[test]
    fn widening_is_binary_coercible_and_narrowing_is_not() {
        let v = |n| TypeKind::Varchar { length: Some(n) };
        assert!(v(10).is_binary_coercible_to(&v(20)));
        assert!(v(10).is_binary_coercible_to(&TypeKind::Text));
        assert!(!v(20).is_binary_coercible_to(&v(10)));
        assert!(!TypeKind::Integer.is_binary_coercible_to(&TypeKind::BigInt));
    }

    #[test]
    fn kinds_render_per_dialect() {
        assert_eq!(TypeKind::Boolean.sql(Dialect::MySql), "tinyint(1)");
        assert_eq!(TypeKind::Jsonb.sql(Dialect::Sqlite), "text");
        assert_eq!(TypeKind::Uuid.sql(Dialect::Postgres), "uuid");
    }
}
