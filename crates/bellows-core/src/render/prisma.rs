//! The model as a Prisma schema (`schema.prisma`): a datasource for the dialect, one model per
//! table and one enum per enum type (MySQL's inline `enum(...)` becomes an enum of its own),
//! with `@map`/`@@map` wherever a name is not a valid Prisma identifier, native types (`@db.*`)
//! where the column's type is not Prisma's default for its scalar, and both sides of every
//! relation Prisma can hold. Names are kept as they are in the database (as `prisma db pull`
//! keeps them). What Prisma cannot hold (CHECKs, expression and partial indexes, views,
//! triggers, routines, a reference to columns that are no key) is listed at the end as
//! comments, never dropped silently; a table without a key Prisma can use is kept with
//! `@@ignore`, as `prisma db pull` keeps it.

use crate::model::*;
use crate::types::sqlite_affinity;
use crate::{Dialect, TypeKind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Words Prisma reserves for its own use or its client's: a model, enum or field may not be
/// named so.
const RESERVED: &[&str] = &[
    "String",
    "Boolean",
    "Int",
    "BigInt",
    "Float",
    "Decimal",
    "DateTime",
    "Json",
    "Bytes",
    "Unsupported",
    "Prisma",
    "PrismaClient",
    "model",
    "enum",
    "type",
    "datasource",
    "generator",
    "view",
];

/// A valid Prisma identifier for `name`: letters, digits and `_`, starting with a letter.
fn identifier(name: &str) -> String {
    let mut out: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'x');
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&out)) {
        out.push('_');
    }
    out
}

/// A constraint or index name as the server keeps it: PostgreSQL cuts names at 63 bytes, MySQL
/// at 64 characters.
fn db_name(name: &str, d: Dialect) -> String {
    let max = match d {
        Dialect::Postgres => 63,
        Dialect::MySql => 64,
        Dialect::Sqlite => return name.to_string(),
    };
    let mut end = name.len().min(max);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// Names made unique within one scope (models and enums share one; each model has its own).
#[derive(Default)]
struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 1;
        while !self.taken.insert(name.to_ascii_lowercase()) {
            n += 1;
            name = format!("{wanted}_{n}");
        }
        name
    }
}

struct Field {
    name: String,
    /// `String`, `Int?`, `Post[]`, ...
    ty: String,
    attributes: Vec<String>,
    doc: Option<String>,
}

/// The type Prisma's SQLite connector creates for a scalar.
fn sqlite_type(scalar: &str) -> &'static str {
    match scalar {
        "Int" => "INTEGER",
        "BigInt" => "BIGINT",
        "Float" => "REAL",
        "Decimal" => "DECIMAL",
        "Boolean" => "BOOLEAN",
        "DateTime" => "DATETIME",
        "Json" => "JSONB",
        "Bytes" => "BLOB",
        _ => "TEXT",
    }
}

/// The scalar and native type attribute of a column (`Unsupported("...")` where Prisma has
/// none). On SQLite, where a column keeps its declared type's affinity, a scalar whose own type
/// has another affinity (`BYTEA` is NUMERIC, Prisma's `Bytes` is a BLOB) is `Unsupported`.
fn scalar(c: &Column, d: Dialect, enum_name: Option<&str>) -> (String, Option<String>) {
    let (base, native) = scalar_of(c, d, enum_name);
    if d == Dialect::Sqlite
        && !base.starts_with("Unsupported")
        && sqlite_affinity(sqlite_type(&base)) != sqlite_affinity(&c.data_type.spelling)
    {
        return (format!("Unsupported({})", quoted(c.data_type.spelling.trim())), None);
    }
    (base, native)
}

fn scalar_of(c: &Column, d: Dialect, enum_name: Option<&str>) -> (String, Option<String>) {
    let spelling = c.data_type.spelling.trim().to_ascii_lowercase();
    let unsupported = || (format!("Unsupported({})", quoted(c.data_type.spelling.trim())), None);
    if let Some(e) = enum_name {
        return (e.to_string(), None);
    }
    let len = |n: Option<u32>| n.map(|n| format!("({n})")).unwrap_or_default();
    let native = |t: &str| if d == Dialect::Sqlite { None } else { Some(format!("@db.{t}")) };
    match (&c.data_type.kind, d) {
        (TypeKind::Boolean, Dialect::MySql) if spelling.starts_with("bit") => ("Boolean".into(), native("Bit(1)")),
        (TypeKind::Boolean, _) => ("Boolean".into(), None),
        (TypeKind::SmallInt, Dialect::MySql) if spelling.starts_with("tinyint") => {
            ("Int".into(), native(if spelling.contains("unsigned") { "UnsignedTinyInt" } else { "TinyInt" }))
        }
        (TypeKind::SmallInt, Dialect::MySql) => {
            ("Int".into(), native(if spelling.contains("unsigned") { "UnsignedSmallInt" } else { "SmallInt" }))
        }
        (TypeKind::SmallInt, _) => ("Int".into(), native("SmallInt")),
        (TypeKind::Integer, Dialect::MySql) if spelling.starts_with("mediumint") => {
            ("Int".into(), native(if spelling.contains("unsigned") { "UnsignedMediumInt" } else { "MediumInt" }))
        }
        (TypeKind::Integer, Dialect::MySql) if spelling.contains("unsigned") => ("Int".into(), native("UnsignedInt")),
        (TypeKind::Integer, _) => ("Int".into(), None),
        (TypeKind::BigInt, Dialect::MySql) if spelling.contains("unsigned") => {
            ("BigInt".into(), native("UnsignedBigInt"))
        }
        (TypeKind::BigInt, _) => ("BigInt".into(), None),
        (TypeKind::Decimal { precision, scale }, _) if spelling.starts_with("money") => {
            let _ = (precision, scale);
            ("Decimal".into(), if d == Dialect::Postgres { native("Money") } else { None })
        }
        (TypeKind::Decimal { precision: Some(p), scale }, _) => {
            ("Decimal".into(), native(&format!("Decimal({p}, {})", scale.unwrap_or(0))))
        }
        (TypeKind::Decimal { .. }, Dialect::Postgres) => ("Decimal".into(), native("Decimal")),
        (TypeKind::Decimal { .. }, _) => ("Decimal".into(), None),
        (TypeKind::Real, Dialect::Postgres) => ("Float".into(), native("Real")),
        (TypeKind::Real, Dialect::MySql) => ("Float".into(), native("Float")),
        (TypeKind::Real | TypeKind::Double, _) => ("Float".into(), None),
        (TypeKind::Text, Dialect::MySql) => {
            let t = if spelling.starts_with("tinytext") {
                "TinyText"
            } else if spelling.starts_with("mediumtext") {
                "MediumText"
            } else if spelling.starts_with("longtext") {
                "LongText"
            } else {
                "Text"
            };
            ("String".into(), native(t))
        }
        (TypeKind::Text, Dialect::Postgres) if spelling == "citext" => ("String".into(), native("Citext")),
        (TypeKind::Text, _) => ("String".into(), if d == Dialect::Postgres { None } else { native("Text") }),
        (TypeKind::Varchar { length }, Dialect::Postgres) => {
            ("String".into(), native(&format!("VarChar{}", len(*length))))
        }
        (TypeKind::Varchar { length: Some(n) }, _) => ("String".into(), native(&format!("VarChar({n})"))),
        (TypeKind::Varchar { length: None }, _) => ("String".into(), None),
        (TypeKind::Char { length }, Dialect::Postgres | Dialect::MySql) => {
            ("String".into(), native(&format!("Char{}", len(length.or(Some(1))))))
        }
        (TypeKind::Char { .. }, _) => ("String".into(), None),
        (TypeKind::Bytes, Dialect::MySql) => {
            let t = if spelling.starts_with("tinyblob") {
                "TinyBlob".to_string()
            } else if spelling.starts_with("mediumblob") {
                "MediumBlob".to_string()
            } else if spelling.starts_with("longblob") {
                "LongBlob".to_string()
            } else if spelling.starts_with("blob") {
                "Blob".to_string()
            } else if let Some(n) = spelling.strip_prefix("varbinary(").and_then(|r| r.strip_suffix(')')) {
                format!("VarBinary({n})")
            } else if let Some(n) = spelling.strip_prefix("binary(").and_then(|r| r.strip_suffix(')')) {
                format!("Binary({n})")
            } else {
                return unsupported();
            };
            ("Bytes".into(), native(&t))
        }
        (TypeKind::Bytes, _) => ("Bytes".into(), None),
        (TypeKind::Date, _) => ("DateTime".into(), native("Date")),
        (TypeKind::Time, Dialect::Postgres)
            if spelling.contains("with time zone") || spelling.starts_with("timetz") =>
        {
            ("DateTime".into(), native("Timetz"))
        }
        (TypeKind::Time, _) => ("DateTime".into(), native("Time")),
        (TypeKind::Timestamp, Dialect::MySql) if spelling.starts_with("timestamp") => {
            ("DateTime".into(), native(&format!("Timestamp({})", precision_of(&spelling).unwrap_or(0))))
        }
        (TypeKind::Timestamp, Dialect::MySql) => {
            ("DateTime".into(), native(&format!("DateTime({})", precision_of(&spelling).unwrap_or(0))))
        }
        (TypeKind::Timestamp, _) => {
            ("DateTime".into(), native(&format!("Timestamp({})", precision_of(&spelling).unwrap_or(6))))
        }
        (TypeKind::TimestampTz, Dialect::MySql) => {
            ("DateTime".into(), native(&format!("Timestamp({})", precision_of(&spelling).unwrap_or(0))))
        }
        (TypeKind::TimestampTz, _) => {
            ("DateTime".into(), native(&format!("Timestamptz({})", precision_of(&spelling).unwrap_or(6))))
        }
        (TypeKind::Uuid, Dialect::Postgres) => ("String".into(), native("Uuid")),
        (TypeKind::Uuid, _) => ("String".into(), None),
        (TypeKind::Json, Dialect::Postgres) => ("Json".into(), native("Json")),
        (TypeKind::Json | TypeKind::Jsonb, Dialect::Sqlite) => ("Json".into(), None),
        (TypeKind::Json | TypeKind::Jsonb, _) => ("Json".into(), None),
        (TypeKind::Named { name }, Dialect::Postgres) if name == "inet" => ("String".into(), native("Inet")),
        (TypeKind::Named { name }, Dialect::Postgres) if name == "xml" => ("String".into(), native("Xml")),
        (TypeKind::Named { name }, Dialect::Postgres) if name == "oid" => ("Int".into(), native("Oid")),
        (TypeKind::Named { name }, Dialect::MySql) if name == "year" => ("Int".into(), native("Year")),
        _ => unsupported(),
    }
}

/// The precision in `timestamp(3)` and the like.
fn precision_of(spelling: &str) -> Option<u32> {
    let open = spelling.find('(')?;
    let close = spelling[open..].find(')')? + open;
    spelling[open + 1..close].trim().parse().ok()
}

/// A default Prisma can state: `autoincrement()`, `now()`, a literal, an enum value, or the
/// expression as `dbgenerated("...")`.
fn default_attribute(c: &Column, scalar: &str, enum_labels: Option<&[(String, String)]>, d: Dialect) -> Option<String> {
    if c.identity.is_some() && matches!(scalar, "Int" | "BigInt") {
        return Some("@default(autoincrement())".into());
    }
    let expr = c.default.as_ref()?.expr.trim().to_string();
    let lower = expr.to_ascii_lowercase();
    let bare = strip_casts(&expr);
    if scalar == "DateTime"
        && matches!(
            lower.trim_end_matches("()"),
            "now" | "current_timestamp" | "localtimestamp" | "current_timestamp(3)" | "current_timestamp(6)"
        )
    {
        return Some("@default(now())".into());
    }
    if lower == "null" {
        return None;
    }
    let string = bare.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).map(|s| s.replace("''", "'"));
    let literal = match (scalar, &string) {
        ("String", Some(s)) => Some(quoted(s)),
        ("Boolean", _) => match bare.trim_matches('\'').to_ascii_lowercase().as_str() {
            "true" | "1" | "t" | "b'1'" => Some("true".into()),
            "false" | "0" | "f" | "b'0'" => Some("false".into()),
            _ => None,
        },
        ("Int" | "BigInt", _) => bare.trim_matches('\'').parse::<i64>().ok().map(|n| n.to_string()),
        ("Float" | "Decimal", _) => {
            let t = bare.trim_matches('\'');
            t.parse::<f64>().ok().filter(|f| f.is_finite()).map(|_| t.to_string())
        }
        (_, Some(s)) => enum_labels.and_then(|labels| labels.iter().find(|(l, _)| l == s).map(|(_, id)| id.clone())),
        _ => None,
    };
    match literal {
        Some(v) => Some(format!("@default({v})")),
        // SQLite's Prisma connector takes no dbgenerated() on every type; the rest do.
        None if d == Dialect::Sqlite
            && !matches!(scalar, "String" | "Int" | "BigInt" | "Float" | "Decimal" | "DateTime") =>
        {
            None
        }
        None => Some(format!("@default(dbgenerated({}))", quoted(&expr))),
    }
}

/// `'x'::text` -> `'x'`, `(0)::numeric` -> `0`, `('a'::character varying)` -> `'a'`.
fn strip_casts(expr: &str) -> String {
    let mut t = expr.trim();
    loop {
        let before = t;
        if t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
            t = t[1..t.len() - 1].trim();
        }
        if let Some(at) = t.rfind("::") {
            if !t[at..].contains('\'') && balanced(&t[..at]) {
                t = t[..at].trim();
            }
        }
        if t == before {
            return t.to_string();
        }
    }
}

fn balanced(t: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    for c in t.chars() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_string
}

/// The schema as a Prisma schema file for `dialect`'s connector.
pub fn schema_prisma(schema: &Schema, dialect: Dialect) -> String {
    // A column of a domain is written as the domain's base type (Prisma has no domains).
    let mut resolved = schema.clone();
    let mut domain_columns = 0usize;
    for t in &mut resolved.tables {
        for c in &mut t.columns {
            let TypeKind::Named { name } = &c.data_type.kind else { continue };
            let short = split_qualified(name).1;
            if let Some(d) = schema.domains.iter().find(|d| same_name(&d.name, short)) {
                c.data_type = d.data_type.clone();
                c.nullable &= d.nullable;
                domain_columns += 1;
            }
        }
    }
    let schema = &resolved;
    let provider = match dialect {
        Dialect::Postgres => "postgresql",
        Dialect::MySql => "mysql",
        Dialect::Sqlite => "sqlite",
    };
    let mut left_out: Vec<String> = Vec::new();
    let mut out = String::new();
    let namespaces: BTreeSet<String> = if dialect == Dialect::Postgres {
        schema
            .tables
            .iter()
            .filter_map(|t| t.namespace.clone())
            .chain(schema.enums.iter().filter_map(|e| e.namespace.clone()))
            .collect()
    } else {
        BTreeSet::new()
    };
    let multi = !namespaces.is_empty();
    let _ = writeln!(out, "// Written by Bellows from the {} schema.\n", dialect.label());
    let _ = writeln!(out, "datasource db {{\n  provider = \"{provider}\"");
    if multi {
        let list: Vec<String> =
            std::iter::once("public".to_string()).chain(namespaces.iter().cloned()).map(|n| quoted(&n)).collect();
        let _ = writeln!(out, "  schemas  = [{}]", list.join(", "));
    }
    let _ = writeln!(out, "}}\n");
    let schema_attr = |ns: &Option<String>| -> Option<String> {
        multi.then(|| format!("@@schema({})", quoted(ns.as_deref().unwrap_or("public"))))
    };

    // Names: models and enums share one scope.
    let mut top = Names::default();
    let mut model_of: BTreeMap<TableId, String> = BTreeMap::new();
    for t in &schema.tables {
        let wanted =
            if t.namespace.is_some() && schema.tables.iter().filter(|o| same_name(&o.name, &t.name)).count() > 1 {
                identifier(&format!("{}_{}", t.namespace.as_deref().unwrap_or(""), t.name))
            } else {
                identifier(&t.name)
            };
        model_of.insert(t.id, top.claim(&wanted));
    }
    // Enum types, and MySQL's inline enums (one per column).
    struct EnumOut {
        name: String,
        db_name: String,
        namespace: Option<String>,
        labels: Vec<(String, String)>,
    }
    let labels_of = |labels: &[String]| -> Vec<(String, String)> {
        let mut names = Names::default();
        labels.iter().map(|l| (l.clone(), names.claim(&identifier(if l.is_empty() { "empty" } else { l })))).collect()
    };
    let mut enums: Vec<EnumOut> = Vec::new();
    if dialect == Dialect::Postgres {
        for e in &schema.enums {
            enums.push(EnumOut {
                name: top.claim(&identifier(&e.name)),
                db_name: e.name.clone(),
                namespace: e.namespace.clone(),
                labels: labels_of(&e.labels),
            });
        }
    }
    let mut column_enum: BTreeMap<(TableId, ColumnId), usize> = BTreeMap::new();
    for t in &schema.tables {
        for c in &t.columns {
            let found = match dialect {
                Dialect::MySql => crate::types::inline_labels(&c.data_type.spelling)
                    .filter(|_| c.data_type.spelling.trim().to_ascii_lowercase().starts_with("enum"))
                    .map(|labels| {
                        enums.push(EnumOut {
                            name: top.claim(&identifier(&format!("{}_{}", t.name, c.name))),
                            db_name: String::new(),
                            namespace: None,
                            labels: labels_of(&labels),
                        });
                        enums.len() - 1
                    }),
                Dialect::Postgres => {
                    let n = name_of_kind(&c.data_type.kind);
                    if n.is_empty() {
                        None
                    } else {
                        schema.enums.iter().position(|e| same_name(&e.name, split_qualified(n).1))
                    }
                }
                Dialect::Sqlite => None,
            };
            if let Some(i) = found {
                column_enum.insert((t.id, c.id), i);
            }
        }
    }

    // Relations: which foreign keys Prisma can hold, and the field names on both sides.
    let has_key = |t: &Table| -> bool {
        let required = |cols: &[String]| cols.iter().all(|c| t.column(c).is_some_and(|c| !c.nullable));
        let supported = |cols: &[String]| {
            cols.iter().all(|c| {
                t.column(c).is_some_and(|col| {
                    !scalar(col, dialect, column_enum.get(&(t.id, col.id)).map(|i| enums[*i].name.as_str()))
                        .0
                        .starts_with("Unsupported")
                })
            })
        };
        t.primary_key.as_ref().is_some_and(|k| supported(&k.columns))
            || t.uniques.iter().any(|k| required(&k.columns) && supported(&k.columns))
    };
    let unique_sets =
        |t: &Table| -> Vec<Vec<String>> { t.primary_key.iter().chain(&t.uniques).map(|k| k.columns.clone()).collect() };
    struct Relation {
        child: TableId,
        parent: TableId,
        fk: ForeignKey,
        ref_columns: Vec<String>,
        one_to_one: bool,
        name: Option<String>,
        child_field: String,
        parent_field: String,
    }
    let mut relations: Vec<Relation> = Vec::new();
    for t in &schema.tables {
        for fk in &t.foreign_keys {
            let Some(parent) = schema.find_table(&fk.ref_table) else { continue };
            let ref_columns = fk.referenced_columns(Some(parent));
            let same_set =
                |a: &[String], b: &[String]| a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| same_name(x, y)));
            let why = if !has_key(t) || !has_key(parent) {
                Some("one of its tables has no key Prisma can use")
            } else if ref_columns.len() != fk.columns.len()
                || !unique_sets(parent).iter().any(|k| same_set(k, &ref_columns))
            {
                Some("the referenced columns are not a key Prisma knows")
            } else if fk.columns.iter().zip(&ref_columns).any(|(a, b)| {
                let (Some(ca), Some(cb)) = (t.column(a), parent.column(b)) else { return true };
                let sa = scalar(ca, dialect, column_enum.get(&(t.id, ca.id)).map(|i| enums[*i].name.as_str()));
                let sb = scalar(cb, dialect, column_enum.get(&(parent.id, cb.id)).map(|i| enums[*i].name.as_str()));
                sa != sb || sa.0.starts_with("Unsupported")
            }) {
                Some("its columns and the referenced ones differ in type")
            } else {
                None
            };
            if let Some(why) = why {
                left_out.push(format!(
                    "the reference {}({}) -> {}({}): {why}",
                    t.qualified_name(),
                    fk.columns.join(", "),
                    fk.ref_table,
                    ref_columns.join(", ")
                ));
                continue;
            }
            let one_to_one = unique_sets(t).iter().any(|k| same_set(k, &fk.columns));
            relations.push(Relation {
                child: t.id,
                parent: parent.id,
                fk: fk.clone(),
                ref_columns,
                one_to_one,
                name: None,
                child_field: String::new(),
                parent_field: String::new(),
            });
        }
    }
    // Field names: each model's columns first, then its relation fields.
    let mut field_names: BTreeMap<TableId, Names> = BTreeMap::new();
    let mut column_field: BTreeMap<(TableId, ColumnId), String> = BTreeMap::new();
    for t in &schema.tables {
        let names = field_names.entry(t.id).or_default();
        for c in &t.columns {
            column_field.insert((t.id, c.id), names.claim(&identifier(&c.name)));
        }
    }
    let pair_count = |a: TableId, b: TableId, rs: &[Relation]| {
        rs.iter().filter(|r| (r.child == a && r.parent == b) || (r.child == b && r.parent == a)).count()
    };
    for i in 0..relations.len() {
        let (child, parent) = (relations[i].child, relations[i].parent);
        let ambiguous = child == parent || pair_count(child, parent, &relations) > 1;
        let cols = relations[i].fk.columns.join("_");
        let (child_model, parent_model) = (model_of[&child].clone(), model_of[&parent].clone());
        if ambiguous {
            relations[i].name = Some(format!("{child_model}_{cols}_to_{parent_model}"));
        }
        let wanted_child = if ambiguous { format!("{parent_model}_{cols}") } else { parent_model.clone() };
        let wanted_parent = if ambiguous { format!("{child_model}_{cols}") } else { child_model.clone() };
        relations[i].child_field = field_names.entry(child).or_default().claim(&identifier(&wanted_child));
        relations[i].parent_field = field_names.entry(parent).or_default().claim(&identifier(&wanted_parent));
    }

    for e in &enums {
        let _ = writeln!(out, "enum {} {{", e.name);
        for (label, id) in &e.labels {
            if label == id {
                let _ = writeln!(out, "  {id}");
            } else {
                let _ = writeln!(out, "  {id} @map({})", quoted(label));
            }
        }
        if !e.db_name.is_empty() && e.db_name != e.name {
            let _ = writeln!(out, "\n  @@map({})", quoted(&e.db_name));
        }
        if let Some(s) = schema_attr(&e.namespace) {
            let _ = writeln!(out, "  {s}");
        }
        let _ = writeln!(out, "}}\n");
    }

    for t in &schema.tables {
        if t.columns.is_empty() {
            left_out.push(format!("table {}: its columns are not in the model", t.qualified_name()));
            continue;
        }
        let model = &model_of[&t.id];
        let field_of = |c: &str| {
            t.column(c).and_then(|col| column_field.get(&(t.id, col.id))).cloned().unwrap_or_else(|| identifier(c))
        };
        let mut fields: Vec<Field> = Vec::new();
        let single_pk = t.primary_key.as_ref().filter(|k| k.columns.len() == 1).map(|k| k.columns[0].clone());
        for c in &t.columns {
            let enum_index = column_enum.get(&(t.id, c.id)).copied();
            let (base, native) = scalar(c, dialect, enum_index.map(|i| enums[i].name.as_str()));
            let array = matches!(c.data_type.kind, TypeKind::Array { .. }) && dialect == Dialect::Postgres;
            let (base, native) = match (&c.data_type.kind, array) {
                (TypeKind::Array { of }, true) => {
                    let inner = Column {
                        data_type: crate::DataType {
                            spelling: c.data_type.spelling.trim().trim_end_matches("[]").to_string(),
                            kind: (**of).clone(),
                        },
                        ..c.clone()
                    };
                    let (b, n) = scalar(&inner, dialect, enum_index.map(|i| enums[i].name.as_str()));
                    if b.starts_with("Unsupported") || matches!(**of, TypeKind::Array { .. }) {
                        (format!("Unsupported({})", quoted(c.data_type.spelling.trim())), None)
                    } else {
                        (b, n)
                    }
                }
                _ => (base, native),
            };
            let list = array && !base.starts_with("Unsupported");
            let in_primary_key =
                t.primary_key.as_ref().is_some_and(|k| k.columns.iter().any(|x| same_name(x, &c.name)));
            if in_primary_key && c.nullable {
                left_out.push(format!(
                    "{}.{}: SQLite lets this primary key column hold NULL; Prisma's id is required",
                    t.qualified_name(),
                    c.name
                ));
            }
            let ty = if list {
                if c.nullable {
                    left_out.push(format!("{}.{}: a list in Prisma is never NULL", t.qualified_name(), c.name));
                }
                format!("{base}[]")
            } else if c.nullable && !in_primary_key {
                format!("{base}?")
            } else {
                base.clone()
            };
            let mut attributes = Vec::new();
            if single_pk.as_deref().is_some_and(|k| same_name(k, &c.name)) {
                attributes.push("@id".to_string());
            }
            if let Some(k) = t.uniques.iter().find(|u| u.columns.len() == 1 && same_name(&u.columns[0], &c.name)) {
                attributes.push(match &k.name {
                    Some(n) => format!("@unique(map: {})", quoted(&db_name(n, dialect))),
                    _ => "@unique".into(),
                });
            }
            let labels = enum_index.map(|i| enums[i].labels.as_slice());
            if !list {
                if let Some(d) = default_attribute(c, &base, labels, dialect) {
                    attributes.push(d);
                }
            } else if c.default.is_some() {
                attributes.push(format!(
                    "@default(dbgenerated({}))",
                    quoted(c.default.as_ref().map(|d| d.expr.as_str()).unwrap_or(""))
                ));
            }
            if let Some(n) = native {
                attributes.push(n);
            }
            let name = field_of(&c.name);
            if name != c.name {
                attributes.push(format!("@map({})", quoted(&c.name)));
            }
            if c.generated.is_some() {
                left_out.push(format!("{}.{}: generated from an expression", t.qualified_name(), c.name));
            }
            fields.push(Field { name, ty, attributes, doc: c.comment.clone() });
        }
        for r in relations.iter().filter(|r| r.child == t.id) {
            let parent = schema.tables.iter().find(|p| p.id == r.parent);
            let optional = r.fk.columns.iter().any(|c| t.column(c).is_some_and(|c| c.nullable));
            let mut args: Vec<String> = Vec::new();
            if let Some(n) = &r.name {
                args.push(quoted(n));
            }
            args.push(format!("fields: [{}]", r.fk.columns.iter().map(|c| field_of(c)).collect::<Vec<_>>().join(", ")));
            let parent_field = |c: &str| {
                parent
                    .and_then(|p| p.column(c).and_then(|col| column_field.get(&(p.id, col.id))))
                    .cloned()
                    .unwrap_or_else(|| identifier(c))
            };
            args.push(format!(
                "references: [{}]",
                r.ref_columns.iter().map(|c| parent_field(c)).collect::<Vec<_>>().join(", ")
            ));
            let action = |a: RefAction| match a {
                RefAction::NoAction => "NoAction",
                RefAction::Restrict => "Restrict",
                RefAction::Cascade => "Cascade",
                RefAction::SetNull => "SetNull",
                RefAction::SetDefault => "SetDefault",
            };
            if dialect != Dialect::Sqlite || r.fk.on_delete != RefAction::SetDefault {
                args.push(format!("onDelete: {}", action(r.fk.on_delete)));
            }
            if dialect != Dialect::Sqlite || r.fk.on_update != RefAction::SetDefault {
                args.push(format!("onUpdate: {}", action(r.fk.on_update)));
            }
            if let (Some(n), false) = (&r.fk.name, dialect == Dialect::Sqlite) {
                args.push(format!("map: {}", quoted(&db_name(n, dialect))));
            }
            fields.push(Field {
                name: r.child_field.clone(),
                ty: format!("{}{}", model_of[&r.parent], if optional { "?" } else { "" }),
                attributes: vec![format!("@relation({})", args.join(", "))],
                doc: None,
            });
        }
        for r in relations.iter().filter(|r| r.parent == t.id) {
            let ty =
                if r.one_to_one { format!("{}?", model_of[&r.child]) } else { format!("{}[]", model_of[&r.child]) };
            let attributes = r.name.iter().map(|n| format!("@relation({})", quoted(n))).collect();
            fields.push(Field { name: r.parent_field.clone(), ty, attributes, doc: None });
        }

        if let Some(c) = &t.comment {
            for line in c.lines() {
                let _ = writeln!(out, "/// {line}");
            }
        }
        let _ = writeln!(out, "model {model} {{");
        let width = fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
        let ty_width = fields.iter().map(|f| f.ty.len()).max().unwrap_or(0);
        for f in &fields {
            if let Some(doc) = &f.doc {
                for line in doc.lines() {
                    let _ = writeln!(out, "  /// {line}");
                }
            }
            let line = format!("  {:width$} {:ty_width$} {}", f.name, f.ty, f.attributes.join(" "));
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let mut block: Vec<String> = Vec::new();
        let list = |cols: &[String]| cols.iter().map(|c| field_of(c)).collect::<Vec<_>>().join(", ");
        if let Some(k) = t.primary_key.as_ref().filter(|k| k.columns.len() > 1) {
            block.push(format!("@@id([{}])", list(&k.columns)));
        }
        for k in t.uniques.iter().filter(|k| k.columns.len() > 1) {
            match &k.name {
                Some(n) => {
                    block.push(format!("@@unique([{}], map: {})", list(&k.columns), quoted(&db_name(n, dialect))))
                }
                None => block.push(format!("@@unique([{}])", list(&k.columns))),
            }
        }
        for ix in &t.indexes {
            let label = ix.name.clone().unwrap_or_default();
            if ix.parts.iter().any(|p| p.column().is_none()) {
                left_out.push(format!("index {label} on {}: an expression index", t.qualified_name()));
                continue;
            }
            if let Some(p) = &ix.predicate {
                left_out.push(format!("index {label} on {}: partial (WHERE {p})", t.qualified_name()));
                continue;
            }
            if ix.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case("btree")) {
                left_out.push(format!(
                    "index {label} on {}: USING {}",
                    t.qualified_name(),
                    ix.method.as_deref().unwrap_or("")
                ));
                continue;
            }
            let parts: Vec<String> = ix
                .parts
                .iter()
                .filter_map(|p| match p {
                    IndexPart::Column { name, descending: true } => Some(format!("{}(sort: Desc)", field_of(name))),
                    IndexPart::Column { name, .. } => Some(field_of(name)),
                    IndexPart::Expression { .. } => None,
                })
                .collect();
            let kind = if ix.unique { "@@unique" } else { "@@index" };
            match &ix.name {
                Some(n) => block.push(format!("{kind}([{}], map: {})", parts.join(", "), quoted(&db_name(n, dialect)))),
                None => block.push(format!("{kind}([{}])", parts.join(", "))),
            }
        }
        if model != &t.name {
            block.push(format!("@@map({})", quoted(&t.name)));
        }
        if let Some(s) = schema_attr(&t.namespace) {
            block.push(s);
        }
        if !has_key(t) {
            block.push("@@ignore".into());
            left_out.push(format!(
                "table {}: no key Prisma can use, so the model is ignored (as prisma db pull does)",
                t.qualified_name()
            ));
        }
        for c in &t.checks {
            left_out.push(format!("CHECK ({}) on {}", c.expr, t.qualified_name()));
        }
        if !block.is_empty() {
            let _ = writeln!(out);
            for b in block {
                let _ = writeln!(out, "  {b}");
            }
        }
        let _ = writeln!(out, "}}\n");
    }
    if domain_columns > 0 {
        left_out.push(format!(
            "domains ({domain_columns} columns): each such column is written as its domain's base type, without the domain's CHECKs"
        ));
    }
    for v in &schema.views {
        left_out.push(format!("view {}", v.name));
    }
    for tr in &schema.triggers {
        left_out.push(format!("trigger {} on {}", tr.name, tr.table));
    }
    for r in &schema.routines {
        left_out.push(format!("routine {}", r.name));
    }
    if !left_out.is_empty() {
        let _ = writeln!(out, "// Not in this file (Prisma has no place for them):");
        for l in left_out {
            let _ = writeln!(out, "//   {}", l.replace('\n', " "));
        }
    }
    out.trim_end().to_string() + "\n"
}

/// The type name a PostgreSQL column names (its element's, for an array): empty for built-ins.
fn name_of_kind(kind: &TypeKind) -> &str {
    match kind {
        TypeKind::Named { name } => name,
        TypeKind::Array { of } => name_of_kind(of),
        _ => "",
    }
}
