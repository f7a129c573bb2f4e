//! A value for any column, as an SQL expression over a row number `g`: distinct for distinct
//! `g` wherever the type allows (so keys and unique columns fill), valid for the type (domains
//! and enums resolved through the schema), and typed so the server needs no guess.
//!
//! A type Bellows cannot fill is named, never written as a malformed statement: the caller
//! leaves a nullable column NULL, lets a default fill it, or reports the table.

use crate::model::*;
use crate::render::{ident, qualified, string_literal};
use crate::types::{DataType, TypeKind};
use crate::Dialect;

/// What a column holds, with domains resolved to their base type.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    /// The type as written on the column (a domain or enum name stays).
    pub declared: &'a DataType,
    /// The base type (the domain's, or the declared one).
    pub base: DataType,
    pub domain: Option<&'a Domain>,
    pub enum_labels: Option<&'a [String]>,
}

pub fn resolve<'a>(schema: &'a Schema, ty: &'a DataType) -> Resolved<'a> {
    let mut base = ty.clone();
    let mut domain = None;
    // Domains over domains: follow at most a few steps.
    for _ in 0..4 {
        let TypeKind::Named { name } = &base.kind else { break };
        match schema.find_domain(name) {
            Some(d) => {
                domain = domain.or(Some(d));
                base = d.data_type.clone();
            }
            None => break,
        }
    }
    let enum_labels = match &base.kind {
        TypeKind::Named { name } => schema.find_enum(name).map(|e| e.labels.as_slice()),
        _ => None,
    };
    Resolved { declared: ty, base, domain, enum_labels }
}

/// Room in a `numeric(p, s)`: `(g % limit) * 0.25` stays inside it.
fn decimal_limit(precision: Option<u32>, scale: Option<u32>) -> u64 {
    precision.map_or(1_000_000, |p| {
        10u64.saturating_pow(p.saturating_sub(scale.unwrap_or(0)).saturating_sub(1).min(9)).max(1)
    })
}

/// A distinct text of at most `n` characters for each `g`.
fn text_within(g: &str, n: Option<u32>, d: Dialect) -> String {
    let plain = match d {
        Dialect::Sqlite => format!("('t' || ({g}))"),
        Dialect::MySql => format!("CONCAT('t', {g})"),
        Dialect::Postgres => format!("('t' || ({g}))"),
    };
    match n {
        // 't' and up to 8 digits (workload rows run into the millions).
        Some(n) if n >= 9 => plain,
        Some(n) => match d {
            Dialect::Postgres => format!("right(md5(({g})::text), {n})"),
            Dialect::Sqlite => format!("substr(hex(({g})), 1, {n})"),
            Dialect::MySql => format!("RIGHT(MD5({g}), {n})"),
        },
        None => plain,
    }
}

/// The expression for `kind` at row `g` in PostgreSQL, or `None` when Bellows cannot fill it.
/// `spelling` is the type as written (for lengths and names the kind does not keep).
fn postgres_value(kind: &TypeKind, spelling: &str, g: &str, labels: Option<&[String]>) -> Option<String> {
    let lower = spelling.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("pg_catalog.").unwrap_or(&lower);
    Some(match kind {
        TypeKind::Boolean => format!("(({g}) % 2 = 0)"),
        TypeKind::SmallInt => format!("CAST(({g}) % 30000 AS smallint)"),
        TypeKind::Integer => format!("CAST({g} AS integer)"),
        TypeKind::BigInt => format!("CAST({g} AS bigint)"),
        TypeKind::Decimal { precision, scale } => {
            format!("CAST((({g}) % {}) * 0.25 AS {spelling})", decimal_limit(*precision, *scale))
        }
        TypeKind::Real | TypeKind::Double => format!("CAST(({g}) * 0.5 AS {spelling})"),
        TypeKind::Text => text_within(g, None, Dialect::Postgres),
        TypeKind::Varchar { length } | TypeKind::Char { length } => {
            format!("CAST({} AS {spelling})", text_within(g, *length, Dialect::Postgres))
        }
        TypeKind::Bytes => format!("decode(md5(({g})::text), 'hex')"),
        // Dates and times in the past (row numbers of workloads run to tens of millions):
        // schemas check that a confirmation or a creation is not in the future.
        TypeKind::Date => format!("(DATE '2000-01-01' + CAST(({g}) % 3000 AS integer))"),
        TypeKind::Time if lower.contains("with time zone") || lower.starts_with("timetz") => {
            format!("CAST(TIME '00:00' + (({g}) % 86400) * INTERVAL '1 second' AS {spelling})")
        }
        TypeKind::Time => format!("CAST(TIME '00:00' + (({g}) % 86400) * INTERVAL '1 second' AS {spelling})"),
        TypeKind::Timestamp => format!("CAST(TIMESTAMP '2000-01-01' + ({g}) * INTERVAL '1 second' AS {spelling})"),
        TypeKind::TimestampTz => {
            format!("CAST(TIMESTAMPTZ '2000-01-01 00:00:00+00' + ({g}) * INTERVAL '1 second' AS {spelling})")
        }
        TypeKind::Interval => format!("(({g}) * INTERVAL '1 second')"),
        TypeKind::Uuid => format!("CAST(md5(({g})::text) AS uuid)"),
        TypeKind::Json => format!("json_build_object('g', {g})"),
        TypeKind::Jsonb => format!("jsonb_build_object('g', {g})"),
        TypeKind::Array { of } => {
            let element = lower.trim_end_matches("[]").trim_end_matches("[]");
            let inner = postgres_value(of, element, g, None)?;
            format!("CAST(ARRAY[{inner}] AS {spelling})")
        }
        TypeKind::Named { .. } if labels.is_some() => {
            let labels = labels.unwrap_or_default();
            if labels.is_empty() {
                return None;
            }
            let cases: Vec<String> =
                labels.iter().enumerate().map(|(i, l)| format!("WHEN {i} THEN {}", string_literal(l))).collect();
            format!("CAST(CASE ({g}) % {} {} END AS {spelling})", labels.len(), cases.join(" "))
        }
        TypeKind::Named { name } => return postgres_named(name, lower, spelling, g),
    })
}

/// Built-in and common extension types that the kind does not model.
fn postgres_named(name: &str, lower: &str, spelling: &str, g: &str) -> Option<String> {
    let head = name.split('(').next().unwrap_or(name).trim();
    let ipv4 = format!("'10.' || (({g}) / 65536) % 256 || '.' || (({g}) / 256) % 256 || '.' || ({g}) % 256");
    Some(match head {
        "inet" => format!("CAST({ipv4} AS inet)"),
        "cidr" => format!("CAST({ipv4} || '/32' AS cidr)"),
        "macaddr" => format!("CAST(lpad(to_hex({g}), 12, '0') AS macaddr)"),
        "macaddr8" => format!("CAST(lpad(to_hex({g}), 16, '0') AS macaddr8)"),
        "bit" | "bit varying" | "varbit" => {
            let n: u32 = lower.split(['(', ')']).nth(1).and_then(|n| n.trim().parse().ok()).unwrap_or(1);
            format!("CAST(CAST({g} AS bigint) AS bit({})) :: {spelling}", n.min(64))
        }
        "money" => format!("CAST((({g}) % 100000) * 0.25 AS numeric) :: money"),
        "tsvector" => format!("to_tsvector('simple', 't' || ({g}))"),
        "tsquery" => format!("plainto_tsquery('simple', 't' || ({g}))"),
        "int4range" => format!("int4range(CAST({g} AS integer), CAST({g} AS integer) + 10)"),
        "int8range" => format!("int8range(CAST({g} AS bigint), CAST({g} AS bigint) + 10)"),
        "numrange" => format!("numrange(CAST({g} AS numeric), CAST({g} AS numeric) + 10)"),
        "daterange" => format!(
            "daterange(DATE '2020-01-01' + CAST(({g}) % 3000 AS integer), DATE '2020-01-02' + CAST(({g}) % 3000 AS integer))"
        ),
        "tsrange" => format!(
            "tsrange(TIMESTAMP '2020-01-01' + ({g}) * INTERVAL '1 minute', TIMESTAMP '2020-01-01' + ({g} + 1) * INTERVAL '1 minute')"
        ),
        "tstzrange" => format!(
            "tstzrange(TIMESTAMPTZ '2020-01-01 00:00:00+00' + ({g}) * INTERVAL '1 minute', TIMESTAMPTZ '2020-01-01 00:00:00+00' + ({g} + 1) * INTERVAL '1 minute')"
        ),
        "xml" => format!("xmlparse(content '<g>' || ({g}) || '</g>')"),
        "point" => format!("point({g}, {g})"),
        "lseg" => format!("lseg(point({g}, {g}), point({g} + 1, {g} + 1))"),
        "box" => format!("box(point({g}, {g}), point({g} + 1, {g} + 1))"),
        "path" => format!("CAST('[(' || ({g}) || ',0),(' || ({g}) || ',1)]' AS path)"),
        "polygon" => format!("CAST('((' || ({g}) || ',0),(' || ({g}) || ',1),(' || ({g} + 1) || ',1))' AS polygon)"),
        "circle" => format!("circle(point({g}, {g}), 1)"),
        "line" => format!("CAST('{{1,-1,' || ({g}) || '}}' AS line)"),
        "oid" => format!("CAST({g} AS oid)"),
        "\"char\"" | "char" => format!("CAST(chr(65 + ({g}) % 26) AS \"char\")"),
        "name" => format!("CAST('t' || ({g}) AS name)"),
        "regclass" => "CAST('pg_class' AS regclass)".to_string(),
        "regtype" => "CAST('integer' AS regtype)".to_string(),
        "regconfig" => "CAST('simple' AS regconfig)".to_string(),
        "pg_lsn" => format!("CAST('0/' || to_hex({g}) AS pg_lsn)"),
        "hstore" => format!("CAST('g=>' || ({g}) AS hstore)"),
        "ltree" => format!("CAST('t' || ({g}) AS ltree)"),
        "cube" => format!("cube(CAST({g} AS float8))"),
        "earth" => "CAST(cube(cube(cube(1), 0), 0) AS earth)".to_string(),
        "vector" => {
            let dims: usize = lower.split(['(', ')']).nth(1).and_then(|n| n.trim().parse().ok()).unwrap_or(3);
            let zeros = vec!["0"; dims.saturating_sub(1).min(4096)].join(",");
            if zeros.is_empty() {
                format!("CAST('[' || ({g}) || ']' AS vector)")
            } else {
                format!("CAST('[' || ({g}) || ',{zeros}]' AS {spelling})")
            }
        }
        "geometry" | "geography" => spatial(lower, spelling, g),
        "citext" => format!("CAST('t' || ({g}) AS citext)"),
        "txid_snapshot" => "CAST('10:20:10,14,15' AS txid_snapshot)".to_string(),
        _ => return None,
    })
}

/// A PostGIS value of the shape and SRID the type modifier asks for (`geometry(Polygon, 4326)`,
/// `geography(PointZ)`): a column constrained to one shape refuses every other.
fn spatial(lower: &str, spelling: &str, g: &str) -> String {
    let mods: Vec<&str> =
        lower.split(['(', ')']).nth(1).map(|m| m.split(',').map(str::trim).collect()).unwrap_or_default();
    let shape = mods.first().copied().unwrap_or("point");
    let srid = mods.get(1).and_then(|s| s.parse::<i64>().ok()).filter(|s| *s > 0).unwrap_or(4326);
    let (base, dims) = match shape.strip_suffix("zm") {
        Some(b) => (b, " ZM"),
        None => match shape.strip_suffix('z') {
            Some(b) => (b, " Z"),
            None => match shape.strip_suffix('m').filter(|b| !b.is_empty() && *b != "geo") {
                Some(b) if b != "geometryco" => (b, " M"),
                _ => (shape, ""),
            },
        },
    };
    let extra = match dims {
        " ZM" => " 0 0",
        " Z" | " M" => " 0",
        _ => "",
    };
    // Coordinates within longitude and latitude, so geography takes them too.
    let (x, y) = (format!("' || (({g}) % 170) || '"), format!("' || (({g}) % 80) || '"));
    let (x1, y1) = (format!("' || (({g}) % 170 + 1) || '"), format!("' || (({g}) % 80 + 1) || '"));
    let p = |a: &str, b: &str| format!("{a} {b}{extra}");
    let ring = format!("({}, {}, {}, {})", p(&x, &y), p(&x1, &y), p(&x1, &y1), p(&x, &y));
    let line = format!("({}, {})", p(&x, &y), p(&x1, &y1));
    let wkt = match base {
        "linestring" => format!("LINESTRING{dims} {line}"),
        "polygon" => format!("POLYGON{dims} ({ring})"),
        "multipoint" => format!("MULTIPOINT{dims} ({})", p(&x, &y)),
        "multilinestring" => format!("MULTILINESTRING{dims} ({line})"),
        "multipolygon" => format!("MULTIPOLYGON{dims} (({ring}))"),
        "geometrycollection" => format!("GEOMETRYCOLLECTION{dims} (POINT{dims} ({}))", p(&x, &y)),
        _ => format!("POINT{dims} ({})", p(&x, &y)),
    };
    format!("CAST('SRID={srid};{wkt}' AS {spelling})")
}

/// SQLite stores by affinity: numbers and text are all it needs.
fn sqlite_value(kind: &TypeKind, g: &str) -> String {
    match kind {
        TypeKind::SmallInt => format!("(({g}) % 30000)"),
        TypeKind::Integer | TypeKind::BigInt => format!("({g})"),
        TypeKind::Decimal { precision, scale } => format!("((({g}) % {}) * 0.25)", decimal_limit(*precision, *scale)),
        TypeKind::Real | TypeKind::Double => format!("(({g}) * 0.5)"),
        TypeKind::Boolean => format!("(({g}) % 2 = 0)"),
        TypeKind::Text | TypeKind::Named { .. } => text_within(g, None, Dialect::Sqlite),
        TypeKind::Varchar { length } | TypeKind::Char { length } => text_within(g, *length, Dialect::Sqlite),
        TypeKind::Date => format!("date('2000-01-01', '+' || (({g}) % 3000) || ' days')"),
        TypeKind::Timestamp | TypeKind::TimestampTz => format!("datetime('2000-01-01', '+' || ({g}) || ' seconds')"),
        TypeKind::Time => format!("time('00:00:00', '+' || (({g}) % 86400) || ' seconds')"),
        TypeKind::Interval => format!("(({g}) || ' seconds')"),
        TypeKind::Uuid | TypeKind::Bytes => format!("hex(({g}))"),
        TypeKind::Json | TypeKind::Jsonb => format!("json_object('g', ({g}))"),
        TypeKind::Array { .. } => format!("json_array(({g}))"),
    }
}

/// The length in a spelling such as `varbinary(16)`.
fn length_of(spelling: &str) -> Option<u32> {
    spelling.split(['(', ')']).nth(1).and_then(|n| n.split(',').next()).and_then(|n| n.trim().parse().ok())
}

/// The expression for `kind` at row `g` in MySQL and MariaDB, or `None` when Bellows cannot
/// fill it. Values are computed in the types the server converts on assignment.
fn mysql_value(kind: &TypeKind, spelling: &str, g: &str) -> Option<String> {
    let lower = spelling.trim().to_ascii_lowercase();
    let unsigned = lower.contains("unsigned");
    if let Some(labels) = crate::types::inline_labels(spelling) {
        if labels.is_empty() {
            return None;
        }
        let cases: Vec<String> =
            labels.iter().enumerate().map(|(i, l)| format!("WHEN {i} THEN {}", string_literal(l))).collect();
        return Some(format!("(CASE ({g}) % {} {} END)", labels.len(), cases.join(" ")));
    }
    Some(match kind {
        TypeKind::Boolean => format!("(({g}) % 2)"),
        TypeKind::SmallInt if lower.starts_with("tinyint") => {
            format!("(({g}) % {})", if unsigned { 250 } else { 120 })
        }
        TypeKind::SmallInt => format!("(({g}) % 30000)"),
        TypeKind::Integer if lower.starts_with("mediumint") => format!("(({g}) % 8000000)"),
        TypeKind::Integer | TypeKind::BigInt => format!("({g})"),
        TypeKind::Decimal { precision, scale } => format!("((({g}) % {}) * 0.25)", decimal_limit(*precision, *scale)),
        TypeKind::Real | TypeKind::Double => format!("(({g}) * 0.5)"),
        TypeKind::Text | TypeKind::Json | TypeKind::Jsonb if lower.starts_with("json") => {
            format!("JSON_OBJECT('g', {g})")
        }
        TypeKind::Text => text_within(g, None, Dialect::MySql),
        TypeKind::Varchar { length } | TypeKind::Char { length } => text_within(g, *length, Dialect::MySql),
        TypeKind::Bytes => match length_of(&lower) {
            Some(n) if n < 16 => format!("LEFT(UNHEX(MD5({g})), {n})"),
            _ => format!("UNHEX(MD5({g}))"),
        },
        TypeKind::Date => format!("(DATE '2000-01-01' + INTERVAL (({g}) % 3000) DAY)"),
        TypeKind::Timestamp | TypeKind::TimestampTz => {
            format!("(TIMESTAMP '2000-01-01 00:00:00' + INTERVAL ({g}) SECOND)")
        }
        TypeKind::Time => format!("SEC_TO_TIME(({g}) % 86400)"),
        TypeKind::Uuid => format!("MD5({g})"),
        TypeKind::Json | TypeKind::Jsonb => format!("JSON_OBJECT('g', {g})"),
        TypeKind::Named { name } => match name.split('(').next().unwrap_or(name).trim() {
            "year" => format!("(1990 + ({g}) % 100)"),
            "bit" => format!("(({g}) % 2)"),
            "tinytext" => text_within(g, Some(200), Dialect::MySql),
            _ => return None,
        },
        TypeKind::Interval | TypeKind::Array { .. } => return None,
    })
}

/// The type MySQL's CAST converts to for a column of this type (CAST knows only a few).
pub fn mysql_cast_target(ty: &DataType) -> String {
    let lower = ty.spelling.to_ascii_lowercase();
    let unsigned = lower.contains("unsigned");
    match &ty.kind {
        TypeKind::Boolean | TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt => {
            if unsigned { "UNSIGNED" } else { "SIGNED" }.to_string()
        }
        TypeKind::Decimal { precision, scale } => {
            format!("DECIMAL({}, {})", precision.unwrap_or(10), scale.unwrap_or(0))
        }
        TypeKind::Real | TypeKind::Double => "DOUBLE".into(),
        TypeKind::Date => "DATE".into(),
        TypeKind::Timestamp | TypeKind::TimestampTz => match length_of(&lower) {
            Some(p) => format!("DATETIME({p})"),
            None => "DATETIME".into(),
        },
        TypeKind::Time => "TIME".into(),
        TypeKind::Bytes => "BINARY".into(),
        _ => "CHAR".into(),
    }
}

/// A value of the column's base type at row `g` (the caller casts to a domain after the
/// domain's checks have filtered the row); `None` when Bellows cannot fill the type.
pub fn base_value(schema: &Schema, ty: &DataType, g: &str, d: Dialect) -> Option<String> {
    let r = resolve(schema, ty);
    match d {
        Dialect::Sqlite => Some(sqlite_value(&r.base.kind, g)),
        Dialect::MySql => mysql_value(&r.base.kind, &r.base.spelling, g),
        Dialect::Postgres => postgres_value(&r.base.kind, &r.base.spelling, g, r.enum_labels),
    }
}

/// A value that breaks a narrowing to `to`: too long, too large, or not a number.
pub fn out_of_range(from: &TypeKind, to: &TypeKind, g: &str, d: Dialect) -> Option<String> {
    // A literal followed by the row number, as text.
    let text = |prefix: &str| match d {
        Dialect::Sqlite => format!("'{prefix}' || ({g})"),
        Dialect::MySql => format!("CONCAT('{prefix}', {g})"),
        Dialect::Postgres => format!("CAST('{prefix}' || ({g}) AS text)"),
    };
    match (from, to) {
        (TypeKind::Integer | TypeKind::BigInt, TypeKind::SmallInt) => Some(format!("(40000 + ({g}))")),
        (TypeKind::BigInt, TypeKind::Integer) => Some(format!("(3000000000 + ({g}))")),
        (
            TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. },
            TypeKind::Varchar { length: Some(n) } | TypeKind::Char { length: Some(n) },
        ) => {
            let long = "x".repeat(*n as usize + 1);
            Some(text(&long))
        }
        (TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. }, to)
            if !matches!(to, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. }) =>
        {
            Some(text("not a value "))
        }
        _ => None,
    }
}

/// The column's type for `CAST`: the declared spelling, or the kind's own when the spelling is
/// a shorthand that is no type (`serial`).
pub fn cast_type(ty: &DataType, d: Dialect) -> String {
    if d == Dialect::MySql {
        return mysql_cast_target(ty);
    }
    let lower = ty.spelling.to_ascii_lowercase();
    if lower.contains("serial") {
        ty.kind.sql(d)
    } else {
        ty.as_type()
    }
}

/// A table's name as SQL.
pub fn table_sql(table: &Table, d: Dialect) -> String {
    qualified(table.namespace.as_deref(), &table.name, d)
}

pub fn column_sql(name: &str, d: Dialect) -> String {
    ident(name, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_postgres_type_has_a_value() {
        for spelling in [
            "inet",
            "cidr",
            "macaddr",
            "uuid",
            "jsonb",
            "json",
            "int4range",
            "tstzrange",
            "daterange",
            "interval",
            "bit(8)",
            "varbit",
            "money",
            "tsvector",
            "bytea",
            "text[]",
            "integer[]",
            "xml",
            "point",
            "timetz",
            "time with time zone",
            "numeric(5,2)",
            "character varying(3)",
            "char(1)",
            "hstore",
            "citext",
        ] {
            let ty = DataType::parse(spelling);
            assert!(base_value(&Schema::default(), &ty, "g", Dialect::Postgres).is_some(), "{spelling}");
        }
        assert!(base_value(&Schema::default(), &DataType::parse("my_custom_type"), "g", Dialect::Postgres).is_none());
    }

    #[test]
    fn spatial_values_take_the_shape_and_srid_of_their_type_modifier() {
        let v = |spelling: &str| {
            let ty = DataType::parse(spelling);
            base_value(&Schema::default(), &ty, "7", Dialect::Postgres).unwrap_or_default()
        };
        assert!(
            v("geometry(Polygon,3857)").starts_with("CAST('SRID=3857;POLYGON (("),
            "{}",
            v("geometry(Polygon,3857)")
        );
        assert!(v("geometry(MultiPolygonZ, 4326)").contains("MULTIPOLYGON Z ((("));
        assert!(v("geography(PointM)").contains("SRID=4326;POINT M ("));
        assert!(v("geometry(LineStringZM,4326)").contains("LINESTRING ZM ("));
        assert!(v("geometry(GeometryCollection)").contains("GEOMETRYCOLLECTION (POINT ("));
        assert!(v("geometry").contains("SRID=4326;POINT ("));
    }

    #[test]
    fn decimals_stay_inside_their_precision() {
        assert_eq!(decimal_limit(Some(5), Some(2)), 100);
        assert_eq!(decimal_limit(Some(1), Some(1)), 1);
    }
}
