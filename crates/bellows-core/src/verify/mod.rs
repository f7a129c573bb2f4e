//! What the verification harness runs, as plain data derived from the two schemas alone: seed
//! rows ([`seed`]), the v1 and v2 workloads ([`workload`]), and the queries that prove every
//! seeded row was carried over ([`carried_values`]). Execution lives in `bellows-verify`
//! (native); nothing here touches a database.
//!
//! Rows are identified by the keys the database gives them, whatever their type: seeds leave
//! identity and serial columns to the database and take foreign key values from the parent's
//! real rows; workloads read the keys of what they insert back (`RETURNING`). Workloads build
//! their own rows, parents included, so their triggers and cascades never touch seeded rows.

pub mod seed;
pub mod values;
pub mod workload;

pub use seed::{seed, Seed, SeedOptions};
pub use workload::{workload, workload_of, Insert, Unit, Workload};

/// An update that writes no new value into a row written before the plan (`SET c = c`): the
/// database's triggers and checks, and the plan's, meet old rows as real traffic makes them.
/// The rows are chosen once, after seeding (`keys`): the comparisons know that the schema's own
/// triggers may have changed their values (a `last_update` column), and check their presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    /// The base table's name (the carried-value queries' key).
    pub table: String,
    /// Up to 40 seeded rows: the carried-value key, then each key column as text.
    pub keys: String,
    /// `@@R<j>@@` is the row's `j`-th key column as text.
    pub sql: String,
}

/// The touches of version 1 (on the base shape) or 2 (on the target's).
pub fn touches(base: &Schema, target: &Schema, changes: &ChangeSet, version: u8, d: Dialect) -> Vec<Touch> {
    touches_of(base, target, changes, version, d, &|_| true)
}

/// [`touches`] of the base tables `keep` accepts.
pub fn touches_of(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    version: u8,
    d: Dialect,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<Touch> {
    let mut out = Vec::new();
    for table in base.tables.iter().filter(|t| keep(&t.qualified_name())) {
        if table.partition_of.is_some() {
            continue;
        }
        let target_name = renamed_table(changes, &table.qualified_name());
        let Some(t) = target.find_table(&target_name) else { continue };
        let Some(key) = row_key(table) else { continue };
        let tkey: Option<Vec<&Column>> =
            key.iter().map(|c| t.column(&renamed_column(changes, &target_name, c))).collect();
        let Some(tkey) = tkey else { continue };
        let shape = if version == 1 { table } else { t };
        let names: Vec<String> = if version == 1 {
            key.iter().map(|c| column_sql(c, d)).collect()
        } else {
            tkey.iter().map(|c| column_sql(&c.name, d)).collect()
        };
        // A column written by the application, not computed: set to itself.
        let Some(column) = shape.columns.iter().find(|c| {
            c.generated.is_none() && !shape.is_primary_key(&c.name) && !matches!(c.data_type.kind, TypeKind::Json)
        }) else {
            continue;
        };
        let c = column_sql(&column.name, d);
        let base_keys: Vec<String> = key.iter().map(|k| column_sql(k, d)).collect();
        let snapshot_key: Vec<String> = key
            .iter()
            .zip(&tkey)
            .map(|(k, tc)| as_text(&column_sql(k, d), comparable(target, &tc.data_type), d))
            .collect();
        let text = |c: &str| match d {
            Dialect::MySql => format!("CAST({c} AS CHAR)"),
            _ => format!("CAST({c} AS TEXT)"),
        };
        let raw: Vec<String> = base_keys.iter().map(|k| text(k)).collect();
        let matches: Vec<String> = names.iter().enumerate().map(|(j, n)| format!("{} = @@R{j}@@", text(n))).collect();
        let from = |t: &Table| {
            if d == Dialect::Postgres && t.partition_by.is_none() {
                format!("ONLY {}", table_sql(t, d))
            } else {
                table_sql(t, d)
            }
        };
        out.push(Touch {
            table: table.qualified_name(),
            keys: format!(
                "SELECT {}, {} FROM {} ORDER BY {} LIMIT 40",
                joined(&snapshot_key, d),
                raw.join(", "),
                from(table),
                base_keys.join(", ")
            ),
            sql: format!("UPDATE {} SET {c} = {c} WHERE {}", from(shape), matches.join(" AND ")),
        });
    }
    out
}

use crate::diff::{Change, ChangeSet};
use crate::model::*;
use crate::types::TypeKind;
use crate::Dialect;
use values::{cast_type, column_sql, table_sql};

/// Rows per table for a schema of `tables` tables: enough to meet every recipe's batches,
/// few enough that a 500-table dump seeds in seconds.
pub fn rows_for(tables: usize) -> i64 {
    (200_000 / tables.max(1) as i64).clamp(60, 2000)
}

/// The row numbers workloads use start here (per version), far above any seeded row.
pub const WORKLOAD_BASE: i64 = 10_000_000;

/// The name a table has in the target, through a rename.
pub fn renamed_table(changes: &ChangeSet, base_name: &str) -> String {
    changes
        .changes
        .iter()
        .find_map(|c| match c {
            Change::RenameTable { from, to } if same_name(from, base_name) => Some(to.clone()),
            _ => None,
        })
        .unwrap_or_else(|| base_name.to_string())
}

/// The name a column has in the target, through a rename.
pub fn renamed_column(changes: &ChangeSet, target_table: &str, base_column: &str) -> String {
    changes
        .changes
        .iter()
        .find_map(|c| match c {
            Change::RenameColumn { table, from, to }
                if same_name(table, target_table) && same_name(from, base_column) =>
            {
                Some(to.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| base_column.to_string())
}

/// The columns that identify a row: the primary key, else a unique key of NOT NULL columns.
pub fn row_key(table: &Table) -> Option<Vec<String>> {
    if let Some(pk) = &table.primary_key {
        return Some(pk.columns.clone());
    }
    let not_null = |cols: &[String]| cols.iter().all(|c| table.column(c).is_some_and(|c| !c.nullable));
    table
        .uniques
        .iter()
        .map(|k| k.columns.clone())
        .chain(
            table
                .indexes
                .iter()
                .filter(|i| i.unique && i.predicate.is_none() && i.parts.iter().all(|p| p.column().is_some()))
                .map(|i| i.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect()),
        )
        .find(|cols: &Vec<String>| !cols.is_empty() && not_null(cols))
}

/// A query per seeded base table that survives: `before` on the base shape and `after` on the
/// target shape, each returning `(key, values)` as text, where `values` joins every column
/// carried over, cast to its target type. Equal pairs mean the values were carried over; a key
/// missing afterwards is a lost row. A table without a key compares its rows as a multiset
/// (`keyed` false, the key column empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The snapshot's name: the base table's, or `S -> T` for the values a split moves.
    pub table: String,
    /// The base table whose rows these are (the workloads' touches are counted against it).
    pub origin: String,
    pub keyed: bool,
    pub before: String,
    pub after: String,
    /// `before` without the casts to the target's types: what undoing a stage must give back,
    /// readable even while rows hold values the target's types refuse.
    pub before_raw: String,
}

pub fn carried_values(base: &Schema, target: &Schema, changes: &ChangeSet, d: Dialect) -> Vec<Carried> {
    let mut out = Vec::new();
    for table in &base.tables {
        if table.partition_of.is_some() {
            continue; // its rows are read through the partitioned table
        }
        let target_name = renamed_table(changes, &table.qualified_name());
        let Some(t) = target.find_table(&target_name) else { continue };
        let mut before = Vec::new();
        let mut raw = Vec::new();
        let mut after = Vec::new();
        for column in &table.columns {
            let new_name = renamed_column(changes, &target_name, &column.name);
            let Some(tc) = t.column(&new_name) else { continue };
            // A column the plan fills (NOT NULL with a fill value) changes by design.
            let filled = changes.changes.iter().any(|c| {
                matches!(c, Change::SetNotNull { table: ct, column: cc } if same_name(ct, &target_name) && same_name(cc, &new_name))
            });
            if filled || tc.generated.is_some() && column.generated.is_none() {
                continue;
            }
            before.push(relabel(
                as_text(&column_sql(&column.name, d), comparable(target, &tc.data_type), d),
                &column.data_type,
                changes,
            ));
            raw.push(as_text(&column_sql(&column.name, d), None, d));
            after.push(as_text(&column_sql(&tc.name, d), None, d));
        }
        let key =
            row_key(table).filter(|k| k.iter().all(|c| t.column(&renamed_column(changes, &target_name, c)).is_some()));
        let key_raw: Vec<String> = key.iter().flatten().map(|c| as_text(&column_sql(c, d), None, d)).collect();
        let (key_before, key_after) = match &key {
            Some(cols) => (
                cols.iter()
                    .filter_map(|c| {
                        let tc = t.column(&renamed_column(changes, &target_name, c))?;
                        Some(as_text(&column_sql(c, d), comparable(target, &tc.data_type), d))
                    })
                    .collect::<Vec<_>>(),
                cols.iter()
                    .filter_map(|c| {
                        let tc = t.column(&renamed_column(changes, &target_name, c))?;
                        Some(as_text(&column_sql(&tc.name, d), None, d))
                    })
                    .collect::<Vec<_>>(),
            ),
            None => (vec![], vec![]),
        };
        let select = |keys: &[String], cols: &[String], from: String| {
            format!(
                "SELECT {}, {} FROM {from}",
                if keys.is_empty() { "''".to_string() } else { joined(keys, d) },
                if cols.is_empty() { "''".to_string() } else { joined(cols, d) },
            )
        };
        // Rows in partitions the target drops go with them, as planned: they are not carried.
        let from_before = match dropped_partitions(base, target, changes, table) {
            dropped if dropped.is_empty() || d != Dialect::Postgres => only(table, d),
            dropped => format!(
                "{} WHERE tableoid NOT IN ({})",
                only(table, d),
                dropped
                    .iter()
                    .map(|p| format!("{}::regclass", crate::render::string_literal(&table_sql(p, d))))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // A row a merge's other table replaces (its values win) changes by design: the merge's
        // own check compares it. Undoing a stage must still put it back (`before_raw`).
        let replaced: Vec<String> = crate::plan::recipes::merge::merges(base, target, &changes.changes, d)
            .into_iter()
            .flatten()
            .filter(|x| x.from_wins && same_name(&x.into, &target_name))
            .filter_map(|x| {
                let b = base.find_table(&x.from)?;
                let q = |c: &str| column_sql(c, d);
                Some(format!(
                    "NOT EXISTS (SELECT 1 FROM {} b WHERE {})",
                    only(b, d),
                    x.matches(&format!("{}.", table_sql(table, d)), "b.", &q)
                ))
            })
            .collect();
        let compared = if replaced.is_empty() {
            from_before.clone()
        } else {
            let joiner = if from_before.contains(" WHERE ") { " AND " } else { " WHERE " };
            format!("{from_before}{joiner}{}", replaced.join(" AND "))
        };
        out.push(Carried {
            table: table.qualified_name(),
            origin: table.qualified_name(),
            keyed: key.is_some(),
            before: select(&key_before, &before, compared),
            after: select(&key_after, &after, only(t, d)),
            before_raw: select(&key_raw, &raw, from_before),
        });
    }
    out.extend(split_values(base, target, changes, d));
    out.extend(moved_up_values(base, target, changes, d));
    out.extend(merged_values(base, target, changes, d));
    out
}

/// The rows each merge carries: every row of B whose key A did not hold when it was seeded is
/// in A with B's values (A's default where B had NULL and A requires a value); a row A held
/// keeps A's values, which A's own check compares. `before_raw` reads all of B, so undoing a
/// stage finds B as it was.
fn merged_values(base: &Schema, target: &Schema, changes: &ChangeSet, d: Dialect) -> Vec<Carried> {
    let mut out = Vec::new();
    for x in crate::plan::recipes::merge::merges(base, target, &changes.changes, d).into_iter().flatten() {
        let (Some(b), Some(a)) = (base.find_table(&x.from), target.find_table(&x.into)) else { continue };
        let q = |c: &str| column_sql(c, d);
        let typed = |c: &str| a.column(c).map(|ac| &ac.data_type);
        let key_before: Vec<String> =
            x.from_on.iter().zip(&x.on).map(|(f, o)| as_text(&format!("b.{}", q(f)), typed(o), d)).collect();
        let key_raw: Vec<String> = x.from_on.iter().map(|f| as_text(&format!("b.{}", q(f)), None, d)).collect();
        let key_after: Vec<String> = x.on.iter().map(|o| as_text(&q(o), None, d)).collect();
        let values = x.values("b.", &q);
        let before: Vec<String> = values.iter().zip(&x.columns).map(|(v, (_, y))| as_text(v, typed(y), d)).collect();
        let raw: Vec<String> = x.columns.iter().map(|(c, _)| as_text(&format!("b.{}", q(c)), None, d)).collect();
        let after: Vec<String> = x.columns.iter().map(|(_, y)| as_text(&q(y), None, d)).collect();
        let matched = x.matches("a.", "b.", &q);
        let from_b = format!("{} b", only(b, d));
        let select = |keys: &[String], cols: &[String], from: &str| {
            format!(
                "SELECT {}, {} FROM {from}",
                joined(keys, d),
                if cols.is_empty() { "''".into() } else { joined(cols, d) }
            )
        };
        // B's values win: every row of B is in A as B holds it.
        let from_rows = if x.from_wins {
            from_b.clone()
        } else {
            format!("{from_b} WHERE NOT EXISTS (SELECT 1 FROM {} a WHERE {matched})", only(a, d))
        };
        out.push(Carried {
            table: format!("{} -> {}", x.from, x.into),
            origin: x.from.clone(),
            keyed: true,
            before: select(&key_before, &before, &from_rows),
            after: select(&key_after, &after, &only(a, d)),
            before_raw: select(&key_raw, &raw, &from_b),
        });
    }
    out
}

/// The values each move up carries: every parent of a row that holds one has, afterwards, the
/// value of its first such row (the lowest key), which is the value of all of them where they
/// agree and the one the plan keeps where they do not (`Resolution::ParentValue`).
fn moved_up_values(base: &Schema, target: &Schema, changes: &ChangeSet, d: Dialect) -> Vec<Carried> {
    use crate::plan::recipes::moves::{moves, Way};
    let mut out = Vec::new();
    for m in moves(base, target, &changes.changes).into_iter().flatten().filter(|m| m.way == Way::Up) {
        // MySQL's move up is not planned yet: its values are not carried.
        if d == Dialect::MySql {
            continue;
        }
        let (Some(t), Some(p)) = (base.find_table(&m.from), target.find_table(&m.to)) else { continue };
        let (Some(key_type), Some(value_type)) =
            (p.column(&m.key).map(|c| &c.data_type), p.column(&m.to_column).map(|c| &c.data_type))
        else {
            continue;
        };
        let (c, f) = (column_sql(&m.column, d), column_sql(&m.fk, d));
        let order = |alias: &str| {
            let cols: Vec<String> = m.order.iter().map(|o| format!("{alias}.{}", column_sql(o, d))).collect();
            if cols.len() == 1 {
                cols[0].clone()
            } else {
                format!("({})", cols.join(", "))
            }
        };
        let first = format!(
            "{} a WHERE a.{c} IS NOT NULL AND a.{f} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {} b WHERE b.{f} = a.{f} AND b.{c} IS NOT NULL AND {} < {})",
            only(t, d),
            table_sql(t, d),
            order("b"),
            order("a")
        );
        let select = |key: String, value: String, from: &str| format!("SELECT {key}, {value} FROM {from}");
        out.push(Carried {
            table: format!("{} -> {}", m.from, m.to),
            origin: m.from.clone(),
            keyed: true,
            before: select(
                as_text(&format!("a.{f}"), Some(key_type), d),
                as_text(&format!("a.{c}"), Some(value_type), d),
                &first,
            ),
            after: select(
                as_text(&column_sql(&m.key, d), None, d),
                as_text(&column_sql(&m.to_column, d), None, d),
                &format!("{} WHERE {} IS NOT NULL", only(p, d), column_sql(&m.to_column, d)),
            ),
            before_raw: select(as_text(&format!("a.{f}"), None, d), as_text(&format!("a.{c}"), None, d), &first),
        });
    }
    out
}

/// The values each split moves: every row of the old table that holds one of them has them,
/// keyed by its key, in a row of the new table.
fn split_values(base: &Schema, target: &Schema, changes: &ChangeSet, d: Dialect) -> Vec<Carried> {
    let mut out = Vec::new();
    for split in crate::plan::split::splits(base, target, &changes.changes, d).into_iter().flatten() {
        let (Some(s), Some(t)) = (base.find_table(&split.source), target.find_table(&split.table)) else { continue };
        let Some(fk_type) = t.column(&split.fk).map(|c| &c.data_type) else { continue };
        let typed: Vec<(&str, &crate::DataType)> =
            split.moved.iter().filter_map(|m| t.column(m).map(|c| (m.as_str(), &c.data_type))).collect();
        let any =
            typed.iter().map(|(m, _)| format!("{} IS NOT NULL", column_sql(m, d))).collect::<Vec<_>>().join(" OR ");
        let from = format!("{} WHERE {any}", only(s, d));
        let select =
            |key: String, cols: Vec<String>, from: &str| format!("SELECT {key}, {} FROM {from}", joined(&cols, d));
        out.push(Carried {
            table: format!("{} -> {}", split.source, split.table),
            origin: split.source.clone(),
            keyed: true,
            before: select(
                as_text(&column_sql(&split.key, d), Some(fk_type), d),
                typed.iter().map(|(m, ty)| as_text(&column_sql(m, d), Some(ty), d)).collect(),
                &from,
            ),
            after: select(
                as_text(&column_sql(&split.fk, d), None, d),
                typed.iter().map(|(m, _)| as_text(&column_sql(m, d), None, d)).collect(),
                &only(t, d),
            ),
            before_raw: select(
                as_text(&column_sql(&split.key, d), None, d),
                typed.iter().map(|(m, _)| as_text(&column_sql(m, d), None, d)).collect(),
                &from,
            ),
        });
    }
    out
}

/// The partitions of `table` (at any depth) that the target no longer has.
fn dropped_partitions<'a>(base: &'a Schema, target: &Schema, changes: &ChangeSet, table: &Table) -> Vec<&'a Table> {
    if table.partition_by.is_none() {
        return Vec::new();
    }
    let under = |mut t: &'a Table| {
        for _ in 0..8 {
            let Some(parent) = t.partition_of.as_deref().and_then(|p| base.find_table(p)) else { return false };
            if parent.id == table.id {
                return true;
            }
            t = parent;
        }
        false
    };
    base.tables
        .iter()
        .filter(|p| p.partition_of.is_some() && under(p))
        .filter(|p| target.find_table(&renamed_table(changes, &p.qualified_name())).is_none())
        .collect()
}

/// `ONLY t` in PostgreSQL, so a parent of inheritance children reads its own rows.
fn only(table: &Table, d: Dialect) -> String {
    if d == Dialect::Postgres && table.partition_by.is_none() {
        format!("ONLY {}", table_sql(table, d))
    } else {
        table_sql(table, d)
    }
}

fn joined(parts: &[String], d: Dialect) -> String {
    match d {
        Dialect::MySql => format!("CONCAT_WS('|', {})", parts.join(", ")),
        _ => parts.join(" || '|' || "),
    }
}

/// The labels of an enum column's type that the plan keeps or replaces, where it removes some
/// without a replacement (no row may hold those): what rows that keep the plan's rules hold.
pub(crate) fn kept_labels(schema: &Schema, changes: &ChangeSet, ty: &crate::DataType) -> Option<Vec<String>> {
    let crate::TypeKind::Named { name: ty } = &ty.kind else { return None };
    let e = schema.find_enum(ty)?;
    let dropped: Vec<&String> = changes
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::RemoveEnumValues { name, values, replaced }
                if same_name(crate::model::split_qualified(name).1, &e.name) =>
            {
                Some(values.iter().filter(|v| !replaced.iter().any(|r| &r[0] == *v)))
            }
            _ => None,
        })
        .flatten()
        .collect();
    if dropped.is_empty() {
        return None;
    }
    let kept: Vec<String> = e.labels.iter().filter(|l| !dropped.contains(l)).cloned().collect();
    (!kept.is_empty()).then_some(kept)
}

/// The values `checks` allow in `column` when they list them: `c IN ('a', 'b')`, pg_dump's
/// `(c)::text = ANY ((ARRAY['a'::character varying, ...])::text[])`, `c = 'a'`, under casts and
/// parentheses, beside `c IS NULL OR`, and within an `AND`. Two checks that list the column keep
/// the values both allow. `None` when no check lists it (or a list is not all literals).
pub(crate) fn listed_values(checks: &[String], column: &str, d: Dialect) -> Option<Vec<String>> {
    use sqlparser::ast::{BinaryOperator, Expr, Value};
    fn is_column(e: &Expr, column: &str) -> bool {
        match e {
            Expr::Identifier(i) => same_name(&i.value, column),
            Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|i| same_name(&i.value, column)),
            Expr::Cast { expr, .. } | Expr::Nested(expr) => is_column(expr, column),
            _ => false,
        }
    }
    fn literal(e: &Expr) -> Option<String> {
        match e {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) | Value::NationalStringLiteral(s) => {
                    Some(s.clone())
                }
                Value::Number(n, _) => Some(n.to_string()),
                _ => None,
            },
            // MySQL's character set introducer: `_utf8mb4'web'`.
            Expr::Cast { expr, .. } | Expr::Nested(expr) | Expr::Prefixed { value: expr, .. } => literal(expr),
            Expr::UnaryOp { op: sqlparser::ast::UnaryOperator::Minus, expr } => literal(expr).map(|n| format!("-{n}")),
            _ => None,
        }
    }
    fn array(e: &Expr) -> Option<Vec<String>> {
        match e {
            Expr::Array(a) => a.elem.iter().map(literal).collect(),
            Expr::Cast { expr, .. } | Expr::Nested(expr) => array(expr),
            _ => None,
        }
    }
    fn both(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|v| b.contains(v)).collect()),
            (a, b) => a.or(b),
        }
    }
    fn walk(e: &Expr, column: &str) -> Option<Vec<String>> {
        match e {
            Expr::Nested(inner) => walk(inner, column),
            Expr::In { expr, target: sqlparser::ast::InTarget::List(list), negated: false, .. }
                if is_column(expr, column) =>
            {
                list.iter().map(literal).collect()
            }
            Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } if is_column(left, column) => array(right),
            Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => {
                if is_column(left, column) {
                    literal(right).map(|v| vec![v])
                } else if is_column(right, column) {
                    literal(left).map(|v| vec![v])
                } else {
                    None
                }
            }
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => both(walk(left, column), walk(right, column)),
            Expr::BinaryOp { left, op: BinaryOperator::Or, right } => {
                let null = |e: &Expr| matches!(e, Expr::IsNull(x) if is_column(x, column));
                let unwrap = |e: &'_ Expr| -> Expr {
                    let mut e = e.clone();
                    while let Expr::Nested(inner) = e {
                        e = *inner;
                    }
                    e
                };
                let (l, r) = (unwrap(left), unwrap(right));
                if null(&l) {
                    walk(&r, column)
                } else if null(&r) {
                    walk(&l, column)
                } else {
                    let (a, b) = (walk(&l, column)?, walk(&r, column)?);
                    Some(a.into_iter().chain(b).collect())
                }
            }
            _ => None,
        }
    }
    let mut out: Option<Vec<String>> = None;
    for check in checks {
        let Ok(mut parser) = sqlparser::parser::Parser::new(crate::import::sql_dialect(d)).try_with_sql(check) else {
            continue;
        };
        let Ok(expr) = parser.parse_expr() else { continue };
        out = both(out, walk(&expr, column));
    }
    out.map(|mut v| {
        let mut seen = Vec::new();
        v.retain(|x| {
            if seen.contains(x) {
                false
            } else {
                seen.push(x.clone());
                true
            }
        });
        v
    })
}

/// A value for row `g` of a column the target narrows to `to`, cast back to the column's type
/// `base_type` (spelled for casts): it fits both. A target enum type's labels are written as
/// text, since the type may not exist before the plan creates it.
pub(crate) fn narrowed_value(
    target: &Schema,
    to: &crate::DataType,
    g: &str,
    base_type: &str,
    d: Dialect,
) -> Option<String> {
    if let TypeKind::Named { name } = &to.kind {
        if let Some(e) = target.find_enum(name) {
            return Some(labels_value(&e.labels, g, base_type));
        }
    }
    values::base_value(target, to, g, d).map(|v| format!("CAST({v} AS {base_type})"))
}

/// One of `labels` for row `g`, of the type spelled `spelling`.
pub(crate) fn labels_value(labels: &[String], g: &str, spelling: &str) -> String {
    if labels.is_empty() {
        return format!("CAST(NULL AS {spelling})");
    }
    let cases: Vec<String> =
        labels.iter().enumerate().map(|(i, l)| format!("WHEN {i} THEN {}", crate::render::string_literal(l))).collect();
    format!("CAST(CASE ({g}) % {} {} END AS {spelling})", labels.len(), cases.join(" "))
}

/// `text` (a column's value as text) with the labels the plan renames or replaces in the
/// column's enum type mapped to what the rows hold after it.
fn relabel(text: String, ty: &crate::DataType, changes: &ChangeSet) -> String {
    let crate::TypeKind::Named { name: ty } = &ty.kind else { return text };
    let same = |e: &str| same_name(crate::model::split_qualified(e).1, crate::model::split_qualified(ty).1);
    let mut map: Vec<(&str, &str)> = Vec::new();
    for c in &changes.changes {
        match c {
            Change::RenameEnumValue { name, from, to } if same(name) => map.push((from, to)),
            Change::RemoveEnumValues { name, replaced, .. } if same(name) => {
                map.extend(replaced.iter().map(|r| (r[0].as_str(), r[1].as_str())))
            }
            _ => {}
        }
    }
    if map.is_empty() {
        return text;
    }
    let whens: Vec<String> = map
        .iter()
        .map(|(f, t)| format!("WHEN {} THEN {}", crate::render::string_literal(f), crate::render::string_literal(t)))
        .collect();
    format!("CASE {text} {} ELSE {text} END", whens.join(" "))
}

/// The type a base value is cast to before it is compared as text: the target column's, except
/// an enum type's (a label reads the same as text, and the type may not exist before the plan
/// creates it).
fn comparable<'a>(target: &Schema, ty: &'a crate::DataType) -> Option<&'a crate::DataType> {
    match &ty.kind {
        TypeKind::Named { name } if target.find_enum(name).is_some() => None,
        _ => Some(ty),
    }
}

fn as_text(column: &str, to: Option<&crate::DataType>, d: Dialect) -> String {
    match d {
        // SQLite stores by column affinity (1.0 becomes 1 in a NUMERIC column), so values
        // compare as numbers where they are numbers, as text otherwise.
        Dialect::Sqlite => format!(
            "coalesce(CASE WHEN typeof({column}) IN ('integer', 'real') AND {column} = CAST({column} AS INTEGER) \
             THEN CAST(CAST({column} AS INTEGER) AS TEXT) ELSE CAST({column} AS TEXT) END, '~')"
        ),
        Dialect::MySql => match to {
            Some(ty) => format!("coalesce(CAST(CAST({column} AS {}) AS CHAR), '~')", values::mysql_cast_target(ty)),
            None => format!("coalesce(CAST({column} AS CHAR), '~')"),
        },
        Dialect::Postgres => match to {
            Some(ty) => format!("coalesce(CAST(CAST({column} AS {}) AS text), '~')", cast_type(ty, d)),
            None => format!("coalesce(CAST({column} AS text), '~')"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(checks: &[&str], column: &str, d: Dialect) -> Option<Vec<String>> {
        listed_values(&checks.iter().map(|c| c.to_string()).collect::<Vec<_>>(), column, d)
    }

    #[test]
    fn checks_that_list_a_columns_values_give_them() {
        let v = |xs: &[&str]| Some(xs.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        let pg = Dialect::Postgres;
        // As written (Evergreen), and as pg_dump writes an IN list of a varchar column.
        assert_eq!(listed(&["index_weight IN ('A','B','C','D')"], "index_weight", pg), v(&["A", "B", "C", "D"]));
        assert_eq!(
            listed(
                &["((status)::text = ANY ((ARRAY['new'::character varying, 'paid'::character varying])::text[]))"],
                "status",
                pg
            ),
            v(&["new", "paid"])
        );
        assert_eq!(
            listed(&["bool_op IS NULL OR (bool_op IN ('AND','OR','NOT'))"], "bool_op", pg),
            v(&["AND", "OR", "NOT"])
        );
        assert_eq!(listed(&["(lock = 'X'::bpchar)"], "lock", pg), v(&["X"]));
        assert_eq!(listed(&["level IN (1, 2, 3) AND other > 0"], "level", pg), v(&["1", "2", "3"]));
        // Two checks keep what both allow; a list of another column, or no list, says nothing.
        assert_eq!(listed(&["s IN ('a', 'b', 'c')", "s IN ('b', 'c', 'd')"], "s", pg), v(&["b", "c"]));
        assert_eq!(listed(&["other IN ('a')"], "s", pg), None);
        assert_eq!(listed(&["s <> 'a'", "length(s) > 2"], "s", pg), None);
        assert_eq!(listed(&["s IN ('a', lower(t))"], "s", pg), None);
        assert_eq!(listed(&["s NOT IN ('a')"], "s", pg), None);
        assert_eq!(listed(&["s = 'a' OR t > 1"], "s", pg), None);
        // MySQL and SQLite spellings.
        assert_eq!(
            listed(&["(`kind` in (_utf8mb4'web',_utf8mb4'phone'))"], "kind", Dialect::MySql).map(|v| v.len()),
            Some(2)
        );
        assert_eq!(listed(&["\"rating\" IN ('G','PG')"], "rating", Dialect::Sqlite), v(&["G", "PG"]));
    }
}
