//! What the verification harness runs, as plain data derived from the two schemas alone: seed
//! rows, the v1 and v2 workloads, and the checksums that prove values were carried over.
//! Execution lives in `bellows-verify` (native); nothing here touches a database.
//!
//! Keys: seeded rows get keys 1..=N; workload rows get keys above [`WORKLOAD_BASE`], so the
//! checks can tell them apart. Workloads update and delete only their own rows, so seeded rows
//! keep their values unless the plan itself changes them (a resolution).

use crate::diff::{Change, ChangeSet};
use crate::model::*;
use crate::render::{ident, qualified};
use crate::types::TypeKind;
use crate::Dialect;

pub const WORKLOAD_BASE: i64 = 1_000_000;
fn tq(table: &Table, d: Dialect) -> String {
    qualified(table.namespace.as_deref(), &table.name, d)
}

fn q(name: &str, d: Dialect) -> String {
    ident(name, d)
}

/// `CAST(expr AS type)`, which every dialect the harness runs reads.
fn cast(expr: &str, to: &str) -> String {
    format!("CAST({expr} AS {to})")
}

/// The single integer primary-key column, when the table has one.
pub fn integer_key(table: &Table) -> Option<&Column> {
    match table.primary_key.as_ref() {
        Some(pk) if pk.columns.len() == 1 => table.column(&pk.columns[0]).filter(|c| c.data_type.kind.is_integer()),
        Some(_) => None,
        // No primary key: a NOT NULL integer `id` serves (a key the target may add).
        None => table.column("id").filter(|c| c.data_type.kind.is_integer() && !c.nullable),
    }
}

/// Rules that the seed breaks on purpose, so a plan's resolutions meet real offending rows.
#[derive(Debug, Default, Clone)]
struct Breaks {
    orphans: Vec<(String, String)>,
    duplicates: Vec<(String, String)>,
}

fn breaks(changes: &ChangeSet) -> Breaks {
    let mut b = Breaks::default();
    for c in &changes.changes {
        match c {
            Change::AddForeignKey { table, foreign_key } if foreign_key.columns.len() == 1 => {
                b.orphans.push((table.clone(), foreign_key.columns[0].clone()));
            }
            Change::AddUnique { table, key } if key.columns.len() == 1 => {
                b.duplicates.push((table.clone(), key.columns[0].clone()));
            }
            _ => {}
        }
    }
    b
}

/// A value for `column` in row `g` (an SQL expression over `g`).
/// Where values come from: the schema the row is written against, the other version's shape of
/// the same table (a foreign key the target adds must hold for v1's rows too), and the schema
/// that was seeded (parents with keys 1..=N).
#[derive(Clone, Copy)]
struct Source<'a> {
    schema: &'a Schema,
    other: Option<&'a Table>,
    seeded: &'a Schema,
    dialect: Dialect,
}

fn value_in(src: Source<'_>, table: &Table, column: &Column, g: &str, numeric_text: bool) -> String {
    let fk = table
        .foreign_keys_of(&column.name)
        .next()
        .or_else(|| src.other.and_then(|o| o.foreign_keys_of(&column.name).next()));
    if let Some(fk) = fk {
        let seeded_parent = src.seeded.find_table(&fk.ref_table).is_some_and(|p| integer_key(p).is_some());
        if seeded_parent {
            return format!("((({g}) - 1) % {} + 1)", SEED_ROWS);
        }
        if column.nullable {
            return "NULL".into(); // a parent the plan creates is empty
        }
    }
    value(src.schema, table, column, g, numeric_text, src.dialect)
}

fn value(schema: &Schema, table: &Table, column: &Column, g: &str, numeric_text: bool, d: Dialect) -> String {
    if let Some(fk) = table.foreign_keys_of(&column.name).next() {
        if let Some(parent) = schema.find_table(&fk.ref_table) {
            if integer_key(parent).is_some() {
                return format!("((({g}) - 1) % {} + 1)", SEED_ROWS);
            }
        }
    }
    let kind = &column.data_type.kind;
    if d == Dialect::Sqlite {
        return sqlite_value(kind, g, numeric_text);
    }
    match kind {
        TypeKind::SmallInt => format!("(({g}) % 30000)"),
        TypeKind::Integer | TypeKind::BigInt => format!("({g})"),
        TypeKind::Decimal { precision, scale } => format!("((({g}) % {}) * 0.25)", decimal_limit(*precision, *scale)),
        TypeKind::Real | TypeKind::Double => format!("(({g}) * 0.5)"),
        TypeKind::Boolean => format!("(({g}) % 2 = 0)"),
        TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. } => {
            let text = if numeric_text { format!("(({g}))::text") } else { format!("('t' || ({g}))") };
            match kind {
                TypeKind::Varchar { length: Some(n) } | TypeKind::Char { length: Some(n) } => {
                    format!("left({text}, {n})")
                }
                _ => text,
            }
        }
        TypeKind::Date => format!("(DATE '2020-01-01' + (({g}) % 3000)::int)"),
        TypeKind::Timestamp => format!("(TIMESTAMP '2020-01-01' + ({g}) * INTERVAL '1 minute')"),
        TypeKind::TimestampTz => format!("(TIMESTAMPTZ '2020-01-01 00:00:00+00' + ({g}) * INTERVAL '1 minute')"),
        TypeKind::Time => "TIME '12:00'".into(),
        TypeKind::Interval => format!("(({g}) * INTERVAL '1 second')"),
        TypeKind::Uuid => format!("md5(({g})::text)::uuid"),
        TypeKind::Json => format!("json_build_object('g', {g})"),
        TypeKind::Jsonb => format!("jsonb_build_object('g', {g})"),
        TypeKind::Bytes => format!("decode(md5(({g})::text), 'hex')"),
        TypeKind::Array { of } if of.is_integer() => format!("ARRAY[({g})]"),
        TypeKind::Array { .. } => format!("ARRAY[('t' || ({g}))]"),
        TypeKind::Named { name } => match schema.find_enum(name) {
            Some(e) => {
                format!(
                    "{}::{}",
                    crate::render::string_literal(e.labels.first().map_or("", String::as_str)),
                    q(name, d)
                )
            }
            None => "NULL".into(),
        },
    }
}

/// A SQLite value as text that is equal for equal values whatever their storage class: an
/// integral number prints as an integer.
fn sqlite_comparable(c: &str) -> String {
    format!(
        "coalesce(CASE WHEN typeof({c}) IN ('integer', 'real') AND {c} = CAST({c} AS INTEGER) \
         THEN CAST(CAST({c} AS INTEGER) AS TEXT) ELSE CAST({c} AS TEXT) END, '~')"
    )
}

/// A bound that keeps `g % bound * 0.25` inside `numeric(precision, scale)`.
fn decimal_limit(precision: Option<u32>, scale: Option<u32>) -> u64 {
    precision.map_or(1_000_000, |p| 10u64.saturating_pow(p.saturating_sub(scale.unwrap_or(0)).saturating_sub(1).min(9)))
}

/// SQLite has no date, interval or array types: values are the text and numbers its type
/// affinities store.
fn sqlite_value(kind: &TypeKind, g: &str, numeric_text: bool) -> String {
    match kind {
        TypeKind::SmallInt => format!("(({g}) % 30000)"),
        TypeKind::Integer | TypeKind::BigInt => format!("({g})"),
        TypeKind::Decimal { precision, scale } => format!("((({g}) % {}) * 0.25)", decimal_limit(*precision, *scale)),
        TypeKind::Real | TypeKind::Double => format!("(({g}) * 0.5)"),
        TypeKind::Boolean => format!("(({g}) % 2 = 0)"),
        TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. } | TypeKind::Named { .. } => {
            let text = if numeric_text { cast(&format!("({g})"), "TEXT") } else { format!("('t' || ({g}))") };
            match kind {
                TypeKind::Varchar { length: Some(n) } | TypeKind::Char { length: Some(n) } => {
                    format!("substr({text}, 1, {n})")
                }
                _ => text,
            }
        }
        TypeKind::Date => format!("date('2020-01-01', '+' || (({g}) % 3000) || ' days')"),
        TypeKind::Timestamp | TypeKind::TimestampTz => {
            format!("datetime('2020-01-01', '+' || ({g}) || ' minutes')")
        }
        TypeKind::Time => "'12:00:00'".into(),
        TypeKind::Interval => format!("(({g}) || ' seconds')"),
        TypeKind::Uuid | TypeKind::Bytes => format!("hex(({g}))"),
        TypeKind::Json | TypeKind::Jsonb => format!("json_object('g', ({g}))"),
        TypeKind::Array { .. } => format!("json_array(({g}))"),
    }
}

pub const SEED_ROWS: i64 = 2000;

/// Columns a version writes on insert: all but generated ones and identity ALWAYS.
fn writable(table: &Table) -> impl Iterator<Item = &Column> {
    table.columns.iter().filter(|c| c.generated.is_none() && c.identity != Some(Identity::Always))
}

/// Text columns the target turns into numbers get numeric text, so the cast succeeds.
fn numeric_text(changes: &ChangeSet, table: &str, column: &str) -> bool {
    changes.changes.iter().any(|c| match c {
        Change::ChangeType { table: t, column: col, to, .. } => {
            same_name(t, table)
                && same_name(col, column)
                && matches!(
                    to.kind,
                    TypeKind::Integer
                        | TypeKind::BigInt
                        | TypeKind::SmallInt
                        | TypeKind::Decimal { .. }
                        | TypeKind::Real
                        | TypeKind::Double
                )
        }
        _ => false,
    })
}

/// One `INSERT ... SELECT` over the keys 1..=N per table with an integer key, parents first;
/// NULLs in every 7th row of nullable columns; offending rows for the target's new rules.
pub fn seed(base: &Schema, changes: &ChangeSet, d: Dialect) -> Vec<String> {
    let breaks = breaks(changes);
    let mut out = Vec::new();
    for &i in &crate::render::ddl::dependency_order(base) {
        let table = &base.tables[i];
        if integer_key(table).is_none() || table.partition_of.is_some() {
            continue;
        }
        let name = table.qualified_name();
        let mut cols = Vec::new();
        let mut values = Vec::new();
        for column in writable(table) {
            let mut v = value(base, table, column, "g", numeric_text(changes, &name, &column.name), d);
            let is_key = table.is_primary_key(&column.name);
            if breaks.orphans.iter().any(|(t, c)| same_name(t, &name) && same_name(c, &column.name)) {
                v = format!("CASE WHEN g % 50 = 0 THEN {} + g ELSE {v} END", WORKLOAD_BASE * 1000);
            } else if breaks.duplicates.iter().any(|(t, c)| same_name(t, &name) && same_name(c, &column.name)) {
                let prev = value(base, table, column, "g - 1", false, d);
                v = format!("CASE WHEN g % 50 = 0 THEN {prev} ELSE {v} END");
            } else if column.nullable && !is_key && table.foreign_keys_of(&column.name).next().is_none() {
                v = format!("CASE WHEN g % 7 = 0 THEN NULL ELSE {v} END");
            }
            cols.push(q(&column.name, d));
            values.push(v);
        }
        let rows = match d {
            Dialect::Sqlite => format!(
                "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {SEED_ROWS}) SELECT g FROM s) AS k"
            ),
            _ => format!("generate_series(1, {SEED_ROWS}) AS k(g)"),
        };
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {rows}",
            tq(table, d),
            cols.join(", "),
            values.join(", ")
        ));
    }
    out
}

/// A workload: the statements one application version runs, for iteration `k`.
#[derive(Debug, Clone)]
pub struct Workload {
    tables: Vec<WorkTable>,
    version: i64,
}

#[derive(Debug, Clone)]
struct WorkTable {
    insert: String,
    update: Option<String>,
    delete: Option<String>,
}

impl Workload {
    /// The workload of the application version that knows `schema` (`version` 1 or 2).
    pub fn new(
        schema: &Schema,
        other: &Schema,
        seeded: &Schema,
        changes: &ChangeSet,
        version: i64,
        d: Dialect,
    ) -> Self {
        let referenced: Vec<String> = schema
            .tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.ref_table.to_ascii_lowercase()))
            .collect();
        let tables = schema
            .tables
            .iter()
            .filter(|t| t.partition_of.is_none())
            .filter_map(|table| {
                let key = integer_key(table)?;
                let cols: Vec<&Column> = writable(table).collect();
                let names: Vec<String> = cols.iter().map(|c| q(&c.name, d)).collect();
                let src = Source { schema, other: other.find_table(&table.qualified_name()), seeded, dialect: d };
                let name = table.qualified_name();
                let values: Vec<String> =
                    cols.iter().map(|c| value_in(src, table, c, "$K", numeric_text(changes, &name, &c.name))).collect();
                let insert =
                    format!("INSERT INTO {} ({}) VALUES ({})", tq(table, d), names.join(", "), values.join(", "));
                let updatable = cols.iter().find(|c| {
                    !table.is_primary_key(&c.name)
                        && !same_name(&c.name, &key.name)
                        && table.foreign_keys_of(&c.name).next().is_none()
                        && !table.is_unique(&c.name)
                        && !table.uniques.iter().any(|u| u.columns.iter().any(|x| same_name(x, &c.name)))
                });
                let update = updatable.map(|c| {
                    format!(
                        "UPDATE {} SET {} = {} WHERE {} = $K",
                        tq(table, d),
                        q(&c.name, d),
                        value_in(src, table, c, "$K + 7", numeric_text(changes, &name, &c.name)),
                        q(&key.name, d)
                    )
                });
                let is_parent = referenced.contains(&table.qualified_name().to_ascii_lowercase());
                let delete =
                    (!is_parent).then(|| format!("DELETE FROM {} WHERE {} = $K", tq(table, d), q(&key.name, d)));
                Some(WorkTable { insert, update, delete })
            })
            .collect();
        Self { tables, version }
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The key of the row iteration `k` inserts.
    pub fn key(&self, k: i64) -> i64 {
        WORKLOAD_BASE * self.version + k
    }

    /// The statements of iteration `k`: an insert, an update of that row, and the delete of a
    /// row this workload inserted earlier (every third iteration, leaf tables only).
    pub fn statements(&self, k: i64) -> Vec<String> {
        if self.tables.is_empty() {
            return Vec::new();
        }
        let table = &self.tables[(k as usize) % self.tables.len()];
        let key = self.key(k);
        let mut out = vec![table.insert.replace("$K", &key.to_string())];
        if let Some(u) = &table.update {
            out.push(u.replace("$K", &key.to_string()));
        }
        if k % 3 == 0 && k > 3 * self.tables.len() as i64 {
            if let Some(d) = &table.delete {
                out.push(d.replace("$K", &self.key(k - 3 * self.tables.len() as i64).to_string()));
            }
        }
        out
    }
}

/// For each base table that survives: (table, query on the base shape, query on the target
/// shape), each returning `(key, values)` for the seeded rows, where `values` joins every column
/// carried over, cast to its target type. Equal rows mean the values were carried over; a key
/// missing afterwards is a lost row.
pub fn carried_values(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    d: Dialect,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for table in &base.tables {
        let Some(key) = integer_key(table) else { continue };
        let renamed_to = changes.changes.iter().find_map(|c| match c {
            Change::RenameTable { from, to } if same_name(from, &table.qualified_name()) => Some(to.clone()),
            _ => None,
        });
        let target_name = renamed_to.unwrap_or_else(|| table.qualified_name());
        let Some(t) = target.find_table(&target_name) else { continue };
        let mut before = Vec::new();
        let mut after = Vec::new();
        for column in &table.columns {
            let new_name = changes
                .changes
                .iter()
                .find_map(|c| match c {
                    Change::RenameColumn { table: ct, from, to }
                        if same_name(ct, &target_name) && same_name(from, &column.name) =>
                    {
                        Some(to.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| column.name.clone());
            let Some(tc) = t.column(&new_name) else { continue };
            // A column the plan fills (NOT NULL with a fill value) changes by design.
            let filled = changes.changes.iter().any(|c| matches!(c, Change::SetNotNull { table: ct, column: cc } if same_name(ct, &target_name) && same_name(cc, &new_name)));
            if filled {
                continue;
            }
            if d == Dialect::Sqlite {
                // SQLite stores by column affinity (1.0 becomes 1 in a NUMERIC column), so
                // values compare as numbers where they are numbers, as text otherwise.
                before.push(sqlite_comparable(&q(&column.name, d)));
                after.push(sqlite_comparable(&q(&tc.name, d)));
            } else {
                before.push(format!(
                    "coalesce({}, '~')",
                    cast(&cast(&q(&column.name, d), &tc.data_type.spelling), "text")
                ));
                after.push(format!("coalesce({}, '~')", cast(&q(&tc.name, d), "text")));
            }
        }
        let Some(tkey) = t.column(&key.name) else { continue };
        let rows = |cols: &[String], tname: &str, k: &str| {
            format!(
                "SELECT CAST({k} AS BIGINT), {} FROM {tname} WHERE {k} <= {SEED_ROWS} ORDER BY {k}",
                if cols.is_empty() { "''".to_string() } else { cols.join(" || ',' || ") },
            )
        };
        out.push((
            table.qualified_name(),
            rows(&before, &tq(table, d), &q(&key.name, d)),
            rows(&after, &tq(t, d), &q(&tkey.name, d)),
        ));
    }
    out
}
