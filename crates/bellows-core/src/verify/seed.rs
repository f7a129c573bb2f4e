//! Seed rows for any schema: one `INSERT ... SELECT` per table, parents first.
//!
//! - Every column gets a value of its type ([`super::values`]); identity, serial and SQLite
//!   rowid keys are left to the database, as an application leaves them.
//! - A foreign key takes its values from the parent's real rows (numbered and joined), whatever
//!   their type and however many columns; a nullable reference to a table seeded later (a
//!   cycle, a self-reference) is filled by an update once both exist.
//! - Rows that a CHECK (the table's, or its domains') rejects are filtered out with the
//!   constraint itself; unique keys, partial or not, skip what they refuse (`ON CONFLICT DO
//!   NOTHING`).
//! - Partitions of a range or list partitioned table are seeded one by one, with partition key
//!   values inside each one's bound.
//! - With `breaks`, rows that break a rule the target adds (orphans, duplicates, NULLs, values a
//!   narrower type cannot hold) are mixed in where the base allows them, so the plan's
//!   pre-checks and resolutions meet real offending rows; without, every row keeps the target's
//!   rules.

use super::values::{base_value, cast_type, column_sql, out_of_range, resolve, table_sql};
use crate::diff::{Change, ChangeSet};
use crate::import::objects::mentions;
use crate::model::*;
use crate::types::TypeKind;
use crate::Dialect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedOptions {
    /// Rows per table (partitions share their table's).
    pub rows: i64,
    /// Mix in rows that break the target's new rules.
    pub breaks: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seed {
    /// In order; each names its table and the `search_path` it runs under (PostgreSQL: the
    /// table's namespace first, so its checks' unqualified functions resolve).
    pub statements: Vec<SeedStatement>,
    /// Updates that link nullable references seeded before their parents; best effort.
    pub fixups: Vec<SeedStatement>,
    /// Tables left empty, with the reason.
    pub skipped: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedStatement {
    pub table: String,
    pub search_path: Option<String>,
    pub sql: String,
}

/// A foreign key as the seed sees it: in base names, from the base or added by the target.
#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
    /// The target adds it (the base allows anything there).
    pub added: bool,
}

/// The references of a base table: its own foreign keys, and those the target adds between
/// tables and columns the base has.
pub(super) fn references(base: &Schema, target: &Schema, changes: &ChangeSet, table: &Table) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    let key_of = |parent: &str| -> Vec<String> {
        base.find_table(parent).and_then(|p| p.primary_key.as_ref()).map(|k| k.columns.clone()).unwrap_or_default()
    };
    // A partition's rows answer to its partitioned table's foreign keys too.
    let mut own: Vec<&ForeignKey> = table.foreign_keys.iter().collect();
    let mut parent = table.partition_of.as_deref();
    let mut depth = 0;
    while let (Some(p), true) = (parent.and_then(|p| base.find_table(p)), depth < 4) {
        own.extend(p.foreign_keys.iter());
        parent = p.partition_of.as_deref();
        depth += 1;
    }
    for fk in own {
        let parent_columns = if fk.ref_columns.is_empty() { key_of(&fk.ref_table) } else { fk.ref_columns.clone() };
        out.push(Reference { columns: fk.columns.clone(), parent: fk.ref_table.clone(), parent_columns, added: false });
    }
    let target_name = super::renamed_table(changes, &table.qualified_name());
    let Some(t) = target.find_table(&target_name) else { return out };
    for fk in &t.foreign_keys {
        // Back to base names: columns and the parent table through renames.
        let columns: Option<Vec<String>> = fk
            .columns
            .iter()
            .map(|c| {
                let back = changes.changes.iter().find_map(|ch| match ch {
                    Change::RenameColumn { table: tt, from, to } if same_name(tt, &target_name) && same_name(to, c) => {
                        Some(from.clone())
                    }
                    _ => None,
                });
                let name = back.unwrap_or_else(|| c.clone());
                table.column(&name).map(|_| name)
            })
            .collect();
        let Some(columns) = columns else { continue };
        let parent = changes
            .changes
            .iter()
            .find_map(|ch| match ch {
                Change::RenameTable { from, to } if same_name(to, &fk.ref_table) => Some(from.clone()),
                _ => None,
            })
            .unwrap_or_else(|| fk.ref_table.clone());
        let Some(p) = base.find_table(&parent) else { continue };
        if out
            .iter()
            .any(|r| r.columns.len() == columns.len() && r.columns.iter().zip(&columns).all(|(a, b)| same_name(a, b)))
        {
            continue;
        }
        let parent_columns = if fk.ref_columns.is_empty() {
            key_of(&parent)
        } else {
            // Referenced columns through renames too.
            fk.ref_columns
                .iter()
                .map(|c| {
                    changes
                        .changes
                        .iter()
                        .find_map(|ch| match ch {
                            Change::RenameColumn { table: tt, from, to }
                                if same_name(tt, &fk.ref_table) && same_name(to, c) =>
                            {
                                Some(from.clone())
                            }
                            _ => None,
                        })
                        .unwrap_or_else(|| c.clone())
                })
                .collect()
        };
        if parent_columns.iter().any(|c| p.column(c).is_none()) {
            continue;
        }
        out.push(Reference { columns, parent: p.qualified_name(), parent_columns, added: true });
    }
    out
}

/// Tables in the order they can be seeded: parents (through both versions' references)
/// first, leaf partitions before their partitioned table, else the source order.
pub(super) fn seed_order(base: &Schema, target: &Schema, changes: &ChangeSet) -> Vec<usize> {
    let n = base.tables.len();
    let index: std::collections::HashMap<String, usize> =
        base.tables.iter().enumerate().map(|(i, t)| (t.qualified_name().to_ascii_lowercase(), i)).collect();
    let find = |name: &str| {
        index.get(&name.to_ascii_lowercase()).copied().or_else(|| {
            base.find_table(name).and_then(|t| index.get(&t.qualified_name().to_ascii_lowercase()).copied())
        })
    };
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, table) in base.tables.iter().enumerate() {
        for r in references(base, target, changes, table) {
            if let Some(j) = find(&r.parent) {
                if j != i {
                    deps[i].push(j);
                }
            }
        }
        if let Some(parent) = &table.partition_of {
            if let Some(j) = find(parent) {
                deps[j].push(i); // the partitioned table's rows live in its partitions
            }
        }
    }
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, next)) = stack.pop() {
            if next == 0 {
                if state[node] != 0 {
                    continue;
                }
                state[node] = 1;
            }
            if let Some(&dep) = deps[node].get(next) {
                stack.push((node, next + 1));
                if state[dep] == 0 {
                    stack.push((dep, 0));
                }
            } else {
                state[node] = 2;
                order.push(node);
            }
        }
    }
    order
}

/// True when the database gives the column its value: identity, serial, AUTO_INCREMENT, or
/// SQLite's INTEGER PRIMARY KEY (the rowid).
pub(super) fn database_fills(table: &Table, column: &Column, d: Dialect) -> bool {
    if self_keyed(table, column) || checked(table, column) {
        // A row points at itself, or a CHECK reads the key (`id <> 1 OR ...`): the key is
        // written, so the row can be made to keep the rule.
        return false;
    }
    if column.identity.is_some() {
        return true;
    }
    d == Dialect::Sqlite
        && column.data_type.kind == TypeKind::Integer
        && table.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &column.name))
        && !table.without_rowid
}

/// True when a CHECK of the table reads the column.
fn checked(table: &Table, column: &Column) -> bool {
    table.checks.iter().any(|c| mentions(&c.expr, &column.name))
}

/// True when `column` is a key a required reference of the same table points at (a tree's
/// `root`, say): rows must name their own key, so the key cannot be left to a sequence.
pub(super) fn self_keyed(table: &Table, column: &Column) -> bool {
    table.foreign_keys.iter().any(|fk| {
        same_name(split_qualified(&fk.ref_table).1, &table.name)
            && fk.columns.iter().any(|c| table.column(c).is_some_and(|c| !c.nullable))
            && (fk.ref_columns.iter().any(|r| same_name(r, &column.name))
                || fk.ref_columns.is_empty() && table.is_primary_key(&column.name))
    })
}

/// How a row's value of a column whose type the target narrows is made: of the target's kind,
/// so it fits both (the precondition the plan states); `None` when the change widens.
pub(super) fn narrowed_to<'a>(
    changes: &'a ChangeSet,
    target_table: &str,
    column: &str,
) -> Option<(&'a TypeKind, &'a crate::DataType)> {
    changes.changes.iter().find_map(|c| match c {
        Change::ChangeType { table, column: col, from, to }
            if same_name(table, target_table) && same_name(col, column) =>
        {
            narrows(&from.kind, &to.kind).then_some((&from.kind, to))
        }
        _ => None,
    })
}

/// The old type of a column the target widens by a rewrite (some of its values do not fit the
/// old type, which keeps taking v2's writes until Contract); `None` otherwise.
pub(super) fn widened_from<'a>(
    changes: &'a ChangeSet,
    target_table: &str,
    column: &str,
) -> Option<&'a crate::DataType> {
    changes.changes.iter().find_map(|c| match c {
        Change::ChangeType { table, column: col, from, to }
            if same_name(table, target_table)
                && same_name(col, column)
                && !from.kind.is_binary_coercible_to(&to.kind)
                && narrows(&to.kind, &from.kind) =>
        {
            Some(from)
        }
        _ => None,
    })
}

/// True when some values of `from` do not fit `to` (see [`TypeKind::narrows_to`]).
pub fn narrows(from: &TypeKind, to: &TypeKind) -> bool {
    from.narrows_to(to)
}

/// The values the base's and the target's CHECKs allow in `column` when they list them, and
/// (where the target's list is narrower) those the base's alone allows beyond it (`None`: any).
fn listed_rows(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    table: &Table,
    column: &Column,
    d: Dialect,
) -> Option<(Vec<String>, Option<Vec<String>>)> {
    let all = super::listed_values(&row_checks(base, target, changes, table, true, d), &column.name, d)?;
    if all.is_empty() {
        return None;
    }
    let base_only = super::listed_values(&row_checks(base, target, changes, table, false, d), &column.name, d);
    let beyond = base_only.map(|b| b.into_iter().filter(|v| !all.contains(v)).collect());
    Some((all, beyond))
}

/// A check expression with `VALUE` (a domain's) naming the column.
fn domain_check(expr: &str, column: &str, d: Dialect) -> String {
    let col = column_sql(column, d);
    let mut out = String::with_capacity(expr.len());
    let bytes = expr.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < expr.len() {
        let c = bytes[i];
        if c == b'\'' {
            in_string = !in_string;
        }
        let boundary = |j: Option<usize>| j.is_none_or(|j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'));
        if !in_string
            && expr.get(i..i + 5).is_some_and(|w| w.eq_ignore_ascii_case("value"))
            && boundary(i.checked_sub(1))
            && boundary(Some(i + 5).filter(|&j| j < expr.len()))
        {
            out.push_str(&col);
            i += 5;
            continue;
        }
        let end = (i + 1..=expr.len()).find(|&j| expr.is_char_boundary(j)).unwrap_or(expr.len());
        out.push_str(&expr[i..end]);
        i = end;
    }
    out
}

/// The CHECKs a row of `table` must pass: the table's, its columns' domains', and (when
/// `target_rules`) the target's checks on the same table that read only base columns.
pub(super) fn row_checks(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    table: &Table,
    target_rules: bool,
    d: Dialect,
) -> Vec<String> {
    let mut checks: Vec<String> = table.checks.iter().map(|c| c.expr.clone()).collect();
    for column in &table.columns {
        let r = resolve(base, &column.data_type);
        if let Some(domain) = r.domain {
            checks.extend(domain.checks.iter().map(|c| domain_check(&c.expr, &column.name, d)));
        }
    }
    if target_rules {
        let target_name = super::renamed_table(changes, &table.qualified_name());
        if let Some(t) = target.find_table(&target_name) {
            for check in &t.checks {
                let known =
                    !t.columns.iter().any(|c| table.column(&c.name).is_none() && mentions(&check.expr, &c.name));
                let already =
                    checks.iter().any(|c| crate::diff::normalize_expr(c) == crate::diff::normalize_expr(&check.expr));
                if known && !already {
                    checks.push(check.expr.clone());
                }
            }
        }
    }
    checks
}

/// The namespace a table's statements put first on the search path (before the database's
/// own path), so its checks' unqualified functions resolve.
pub(super) fn path_for(table: &Table, d: Dialect) -> Option<String> {
    (d == Dialect::Postgres).then_some(())?;
    table.namespace.as_ref().map(|ns| column_sql(ns, d))
}

/// True when `ON CONFLICT DO NOTHING` is refused on the table: rewrite rules act on it, or a
/// key is deferrable.
pub(super) fn has_rules(schema: &Schema, table: &Table) -> bool {
    schema.policies.iter().any(|p| p.kind == PolicyKind::Rule && same_name(&p.table, &table.qualified_name()))
        || table.uniques.iter().chain(table.primary_key.iter()).any(|k| k.deferrable.is_some())
}

/// `(expr) IS NOT FALSE`: a CHECK passes on NULL, and so does the filter.
pub(super) fn passes(check: &str) -> String {
    format!("(({check}) IS NOT FALSE)")
}

pub fn seed(base: &Schema, target: &Schema, changes: &ChangeSet, d: Dialect, options: &SeedOptions) -> Seed {
    let mut out = Seed::default();
    let mut seeded: Vec<String> = Vec::new(); // lower-cased qualified names with rows
    for i in seed_order(base, target, changes) {
        let table = &base.tables[i];
        let name = table.qualified_name();
        if table.partition_by.is_some() && d == Dialect::Postgres {
            let method = table.partition_by.as_deref().unwrap_or("").trim_start().to_ascii_lowercase();
            if !method.starts_with("hash") {
                // Its leaf partitions were seeded (or not) before it: it has rows if they do.
                let leaves =
                    base.tables.iter().filter(|t| t.partition_of.as_deref().is_some_and(|p| same_name(p, &name)));
                if leaves.clone().any(|l| seeded.contains(&l.qualified_name().to_ascii_lowercase())) {
                    seeded.push(name.to_ascii_lowercase());
                } else {
                    out.skipped.push((name.clone(), "no partition of it could be seeded".into()));
                }
                continue;
            }
        }
        let partition = match (&table.partition_of, d) {
            (Some(parent), Dialect::Postgres) => {
                let parent_table = base.find_table(parent);
                let method = parent_table
                    .and_then(|p| p.partition_by.as_deref())
                    .unwrap_or("")
                    .trim_start()
                    .to_ascii_lowercase();
                if method.starts_with("hash") {
                    continue; // rows reach it through its parent
                }
                if table.partition_by.is_some() {
                    out.skipped.push((name.clone(), "a partition that is partitioned again is not seeded".into()));
                    continue;
                }
                match partition_key_value(table, parent_table, d) {
                    Ok(p) => Some(p),
                    Err(why) => {
                        out.skipped.push((name.clone(), why));
                        continue;
                    }
                }
            }
            // A table the target partitions anew: clean rows fall inside its partitions.
            _ if !options.breaks && d == Dialect::Postgres => target_partitioning(target, changes, table, d),
            _ => None,
        };
        match table_statement(base, target, changes, table, d, options, &seeded, partition.as_ref()) {
            Ok((sql, fixups)) => {
                out.statements.push(SeedStatement { table: name.clone(), search_path: path_for(table, d), sql });
                out.fixups.extend(fixups.into_iter().map(|sql| SeedStatement {
                    table: name.clone(),
                    search_path: path_for(table, d),
                    sql,
                }));
                seeded.push(name.to_ascii_lowercase());
            }
            Err(why) => out.skipped.push((name, why)),
        }
    }
    out
}

/// The partition key's value inside a leaf partition's bound.
#[derive(Debug, Clone)]
struct PartitionValue {
    column: String,
    expr: String,
    /// Extra filter that keeps rows inside the bound.
    filter: Option<String>,
}

fn partition_key_value(leaf: &Table, parent: Option<&Table>, d: Dialect) -> Result<PartitionValue, String> {
    let parent = parent.ok_or("its partitioned table is not in the schema")?;
    let column = parent.partition_key().ok_or(format!(
        "partition key `{}` has several columns or expressions",
        parent.partition_by.as_deref().unwrap_or("")
    ))?;
    let col = leaf
        .column(&column)
        .or_else(|| parent.column(&column))
        .ok_or(format!("partition key `{column}` is no column"))?;
    let bound =
        leaf.bound().ok_or(format!("cannot read the bound `{}`", leaf.partition_bound.as_deref().unwrap_or("")))?;
    key_in_bounds(col, &[bound], d)
}

/// A value of the key column inside one of `bounds` (row `g` takes them in turn), and the
/// filter that keeps rows inside.
fn key_in_bounds(col: &Column, bounds: &[PartitionBound], d: Dialect) -> Result<PartitionValue, String> {
    let ty = cast_type(&col.data_type, d);
    let c = column_sql(&col.name, d);
    let mut values = Vec::new();
    let mut filters = Vec::new();
    for bound in bounds {
        match bound {
            PartitionBound::Default => {
                return Err("a DEFAULT partition holds what no other partition takes: not seeded".into())
            }
            PartitionBound::Hash => return Err("hash partitions are seeded through their partitioned table".into()),
            PartitionBound::List(list) => values.extend(list.iter().map(|v| format!("CAST({v} AS {ty})"))),
            PartitionBound::Range { from, to } => {
                let step = match col.data_type.kind {
                    TypeKind::Date => "CAST(k.g % 28 AS integer)".to_string(),
                    TypeKind::Timestamp | TypeKind::TimestampTz => "(k.g % 100000) * INTERVAL '1 second'".to_string(),
                    TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt | TypeKind::Decimal { .. } => {
                        "(k.g % 1000)".to_string()
                    }
                    _ => return Err(format!("range partitions on a {} key are not seeded", col.data_type.spelling)),
                };
                let expr = match (from.eq_ignore_ascii_case("minvalue"), to.eq_ignore_ascii_case("maxvalue")) {
                    (true, true) => base_value_or_null(col, d),
                    (true, false) => format!("(CAST({to} AS {ty}) - {step} - 1)"),
                    _ => format!("(CAST({from} AS {ty}) + {step})"),
                };
                values.push(format!("CAST({expr} AS {ty})"));
            }
        }
        if let Some(p) = bound.predicate(&c, &ty) {
            filters.push(p);
        }
    }
    if values.is_empty() {
        return Err("no bound to aim at".into());
    }
    let cases: Vec<String> = values.iter().enumerate().map(|(i, v)| format!("WHEN {i} THEN {v}")).collect();
    let expr = if values.len() == 1 {
        values[0].clone()
    } else {
        format!("CASE k.g % {} {} END", values.len(), cases.join(" "))
    };
    let filter = (!filters.is_empty()).then(|| format!("({})", filters.join(" OR ")));
    Ok(PartitionValue { column: col.name.clone(), expr, filter })
}

fn base_value_or_null(col: &Column, d: Dialect) -> String {
    base_value(&Schema::default(), &col.data_type, "k.g", d).unwrap_or_else(|| "NULL".into())
}

/// For a table the target partitions (and the base does not, or partitions otherwise): a key
/// value inside the target's partitions, so the rebuild finds a place for every clean row.
fn target_partitioning(target: &Schema, changes: &ChangeSet, table: &Table, d: Dialect) -> Option<PartitionValue> {
    let name = super::renamed_table(changes, &table.qualified_name());
    let t = target.find_table(&name)?;
    if t.partition_by.is_none() || t.partition_by == table.partition_by {
        return None;
    }
    let column = t.partition_key()?;
    let col = table.column(&column)?;
    let bounds: Vec<PartitionBound> = target
        .tables
        .iter()
        .filter(|p| p.partition_of.as_deref().is_some_and(|x| same_name(x, &name)))
        .filter_map(Table::bound)
        .filter(|b| !matches!(b, PartitionBound::Default))
        .collect();
    key_in_bounds(col, &bounds, d).ok()
}

/// Multipliers that spread a table's references over different parent rows.
const SPREAD: [i64; 6] = [1, 7, 13, 31, 37, 61];

#[allow(clippy::too_many_arguments)]
fn table_statement(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    table: &Table,
    d: Dialect,
    options: &SeedOptions,
    seeded: &[String],
    partition: Option<&PartitionValue>,
) -> Result<(String, Vec<String>), String> {
    let name = table.qualified_name();
    let target_name = super::renamed_table(changes, &name);
    let target_table = target.find_table(&target_name);
    let refs = references(base, target, changes, table);
    let mut inner: Vec<String> = Vec::new(); // `expr AS column`
    let mut outer: Vec<String> = Vec::new(); // what is inserted
    let mut columns: Vec<String> = Vec::new();
    let mut joins: Vec<String> = Vec::new();
    let mut filters: Vec<String> = Vec::new();
    let mut fixups: Vec<String> = Vec::new();
    let mut from_ref: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    // References first: each joined once, its columns taken from the parent's row.
    for (n, r) in refs.iter().enumerate() {
        let parent_seeded = seeded.contains(&r.parent.to_ascii_lowercase())
            || base.find_table(&r.parent).is_some_and(|p| seeded.contains(&p.qualified_name().to_ascii_lowercase()));
        let self_reference = same_name(&r.parent, &name);
        let required = r.columns.iter().any(|c| table.column(c).is_some_and(|c| !c.nullable));
        if r.parent_columns.is_empty() || r.parent_columns.len() != r.columns.len() {
            if required {
                return Err(format!("the reference {}({}) names no key of {}", name, r.columns.join(", "), r.parent));
            }
            continue;
        }
        if self_reference || !parent_seeded {
            if required && !(r.added && options.breaks) {
                if self_reference {
                    // A row may point at itself: the key it references, written from the row.
                    let own: Option<Vec<String>> = r
                        .parent_columns
                        .iter()
                        .map(|pc| {
                            let col = table.column(pc)?;
                            (!database_fills(table, col, d))
                                .then(|| base_value(base, &col.data_type, "k.g", d))
                                .flatten()
                        })
                        .collect();
                    match own {
                        Some(values) => {
                            for (c, v) in r.columns.iter().zip(values) {
                                from_ref.entry(c.to_ascii_lowercase()).or_insert(v);
                            }
                            continue;
                        }
                        None => {
                            return Err(format!(
                                "{name}({}) must reference a row of its own table",
                                r.columns.join(", ")
                            ))
                        }
                    }
                }
                return Err(format!("{name}({}) needs rows in {}, which has none", r.columns.join(", "), r.parent));
            }
            // Nullable: NULL now, linked once both tables have rows (single-column keys).
            if r.columns.len() == 1 && !r.added {
                if let (Some(key), Some(parent)) = (super::row_key(table), base.find_table(&r.parent)) {
                    fixups.push(link_update(table, &key, &r.columns[0], parent, &r.parent_columns[0], d));
                }
            }
            continue;
        }
        let Some(parent) = base.find_table(&r.parent) else { continue };
        let alias = format!("p{n}");
        let cols: Vec<String> = r.parent_columns.iter().map(|c| column_sql(c, d)).collect();
        let from = if d == Dialect::Postgres && parent.partition_by.is_none() {
            format!("ONLY {}", table_sql(parent, d))
        } else {
            table_sql(parent, d)
        };
        // The rows of a column the plan moves up to this parent come in pairs on one parent,
        // each with its own value: the plan's pre-check meets parents whose rows disagree.
        let paired = d != Dialect::MySql
            && r.columns.len() == 1
            && crate::plan::recipes::moves::moves(base, target, &changes.changes).into_iter().flatten().any(|m| {
                m.way == crate::plan::recipes::moves::Way::Up
                    && same_name(&m.from, &name)
                    && same_name(&m.fk, &r.columns[0])
            });
        joins.push(format!(
            "LEFT JOIN (SELECT {list}, row_number() OVER (ORDER BY {list}) AS bellows_rn, count(*) OVER () AS bellows_n FROM {from}) AS {alias} ON {alias}.bellows_rn = (({} * {}) % {alias}.bellows_n) + 1",
            if paired { "(k.g / 2)" } else { "k.g" },
            SPREAD[n % SPREAD.len()],
            list = cols.join(", ")
        ));
        for (c, pc) in r.columns.iter().zip(&r.parent_columns) {
            let mut v = format!("{alias}.{}", column_sql(pc, d));
            if r.added && options.breaks && c == &r.columns[0] {
                // An orphan now and then, where the base allows any value.
                if let Some(orphan) =
                    table.column(c).and_then(|col| base_value(base, &col.data_type, "(k.g + 90000000)", d))
                {
                    v = format!("CASE WHEN k.g % 50 = 0 THEN {orphan} ELSE {v} END");
                }
            }
            let nullable = table.column(c).is_some_and(|c| c.nullable);
            if nullable && !table.is_primary_key(c) {
                v = format!("CASE WHEN k.g % 7 = 3 THEN NULL ELSE {v} END");
            }
            from_ref.entry(c.to_ascii_lowercase()).or_insert(v);
        }
    }
    let unique_cols: Vec<&str> = table
        .uniques
        .iter()
        .flat_map(|k| k.columns.iter().map(String::as_str))
        .chain(table.indexes.iter().filter(|i| i.unique).flat_map(|i| i.parts.iter().filter_map(|p| p.column())))
        .collect();
    for column in &table.columns {
        if column.generated.is_some() || database_fills(table, column, d) {
            continue;
        }
        let key = column.name.to_ascii_lowercase();
        let target_col =
            target_table.and_then(|t| t.column(&super::renamed_column(changes, &target_name, &column.name)));
        let declared = cast_type(&column.data_type, d);
        let resolved = resolve(base, &column.data_type);
        let (mut value, typed) = if let Some(v) = from_ref.get(&key) {
            (v.clone(), true)
        } else if let Some(p) = partition.filter(|p| same_name(&p.column, &column.name)) {
            (p.expr.clone(), true)
        } else {
            let narrowed = narrowed_to(changes, &target_name, &column.name);
            let produced = match narrowed {
                // Values of the narrower type, cast back: they fit both versions.
                Some((_, to)) => super::narrowed_value(target, to, "k.g", &cast_type(&resolved.base, d), d),
                None => match super::kept_labels(base, changes, &column.data_type) {
                    // Labels the target keeps; with breaks, now and then one it drops.
                    Some(labels) => {
                        let kept = super::labels_value(&labels, "k.g", &column.data_type.spelling);
                        match base_value(base, &column.data_type, "k.g", d) {
                            Some(any) if options.breaks => {
                                Some(format!("CASE WHEN k.g % 50 = 0 THEN {any} ELSE {kept} END"))
                            }
                            _ => Some(kept),
                        }
                    }
                    // A column a CHECK limits to listed values (the base's, or one the target
                    // adds) takes them in turn; rows of any other value would all be filtered
                    // out. With breaks, a value only the base allows now and then.
                    None => match listed_rows(base, target, changes, table, column, d) {
                        Some((all, only_base)) => {
                            let cast = cast_type(&resolved.base, d);
                            let kept = super::labels_value(&all, "k.g", &cast);
                            let other = match only_base {
                                Some(values) if !values.is_empty() => Some(super::labels_value(&values, "k.g", &cast)),
                                Some(_) => None,
                                None => base_value(base, &column.data_type, "k.g", d),
                            };
                            match other {
                                Some(any) if options.breaks && all.len() < 1000 => {
                                    Some(format!("CASE WHEN k.g % 50 = 0 THEN {any} ELSE {kept} END"))
                                }
                                _ => Some(kept),
                            }
                        }
                        None => base_value(base, &column.data_type, "k.g", d),
                    },
                },
            };
            match produced {
                Some(v) => {
                    let mut v = v;
                    if options.breaks {
                        if let Some((from, to)) = narrowed {
                            if let Some(bad) = out_of_range(from, &to.kind, "k.g", d) {
                                v = format!(
                                    "CASE WHEN k.g % 50 = 0 THEN CAST({bad} AS {}) ELSE {v} END",
                                    cast_type(&resolved.base, d)
                                );
                            }
                        }
                        let duplicate = changes.changes.iter().any(|c| match c {
                            Change::AddUnique { table: t, key } | Change::AddPrimaryKey { table: t, key } => {
                                same_name(t, &target_name)
                                    && key.columns.iter().any(|k| {
                                        same_name(k, &super::renamed_column(changes, &target_name, &column.name))
                                    })
                            }
                            _ => false,
                        });
                        if duplicate {
                            if let Some(prev) = base_value(base, &column.data_type, "(k.g - 1)", d) {
                                v = format!("CASE WHEN k.g % 50 = 0 THEN {prev} ELSE {v} END");
                            }
                        }
                    }
                    (v, false)
                }
                None if column.nullable => ("NULL".to_string(), false),
                None if column.default.is_some() => continue,
                None => {
                    return Err(format!("cannot fill {}.{} of type {}", name, column.name, column.data_type.spelling))
                }
            }
        };
        let _ = typed;
        // NULL now and then where the column allows it; never in keys and unique columns, and
        // not where the target requires a value, unless the seed is to break that rule.
        let required_later = target_col.is_some_and(|c| !c.nullable);
        let keyed = table.is_primary_key(&column.name) || unique_cols.iter().any(|u| same_name(u, &column.name));
        if column.nullable
            && !keyed
            && !from_ref.contains_key(&key)
            && partition.is_none_or(|p| !same_name(&p.column, &column.name))
            && (!required_later || options.breaks)
            && value != "NULL"
        {
            value = format!("CASE WHEN k.g % 7 = 0 THEN NULL ELSE {value} END");
        }
        // Domains and enums: the inner value has the base type; the cast to the declared
        // type happens after the filter (a domain's CHECK would raise, not filter).
        let inner_ty = cast_type(&resolved.base, d);
        if d == Dialect::Sqlite {
            inner.push(format!("{value} AS {}", column_sql(&column.name, d)));
        } else {
            inner.push(format!("CAST({value} AS {inner_ty}) AS {}", column_sql(&column.name, d)));
        }
        let outer_value = if resolved.domain.is_some() && d == Dialect::Postgres {
            format!("CAST(s.{} AS {declared})", column_sql(&column.name, d))
        } else {
            format!("s.{}", column_sql(&column.name, d))
        };
        outer.push(outer_value);
        columns.push(column_sql(&column.name, d));
        if !column.nullable && from_ref.contains_key(&key) {
            filters.push(format!("s.{} IS NOT NULL", column_sql(&column.name, d)));
        }
    }
    if columns.is_empty() {
        return Err("no column can be written (all are computed by the database)".into());
    }
    // A check that reads a column the database fills (an identity `id > 0`) is left to it.
    let unwritten: Vec<&Column> = table.columns.iter().filter(|c| !columns.contains(&column_sql(&c.name, d))).collect();
    filters.extend(
        row_checks(base, target, changes, table, !options.breaks, d)
            .iter()
            .filter(|c| !unwritten.iter().any(|u| mentions(c, &u.name)))
            .map(|c| passes(c)),
    );
    if let Some(f) = partition.and_then(|p| p.filter.clone()) {
        filters.push(f);
    }
    if filters.is_empty() {
        filters.push("1 = 1".into());
    }
    let rows = options.rows;
    // A table merged into another takes row numbers from half-way: the first half of its rows
    // meet rows of the other table on the same values (a match, the other's row kept), the
    // second half are new to it.
    let first =
        if crate::plan::recipes::merge::merged(&changes.changes, &table.qualified_name()) { rows / 2 + 1 } else { 1 };
    let last = first + rows - 1;
    let numbers = match d {
        Dialect::Postgres => format!("generate_series({first}, {last}) AS k(g)"),
        _ => format!(
            "(WITH RECURSIVE n(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM n WHERE g < {last}) SELECT g FROM n) AS k"
        ),
    };
    let conflict = match d {
        Dialect::MySql => "",
        _ if has_rules(base, table) => "",
        _ => " ON CONFLICT DO NOTHING",
    };
    let insert_into = if d == Dialect::MySql { "INSERT IGNORE INTO" } else { "INSERT INTO" };
    // Keys written over an identity or a sequence: OVERRIDING where PostgreSQL insists, and the
    // sequence moved past them afterwards, so later inserts do not collide.
    let overridden: Vec<&Column> =
        table.columns.iter().filter(|c| c.identity.is_some() && !database_fills(table, c, d)).collect();
    let overriding = if d == Dialect::Postgres && overridden.iter().any(|c| c.identity == Some(Identity::Always)) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    if d == Dialect::Postgres {
        for c in &overridden {
            let t = table_sql(table, d);
            fixups.push(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), (SELECT max({}) FROM {t}))",
                crate::render::string_literal(&t),
                crate::render::string_literal(&c.name),
                column_sql(&c.name, d)
            ));
        }
    }
    let sql = format!(
        "{insert_into} {} ({}){overriding} SELECT {} FROM (SELECT k.g AS bellows_g, {} FROM {numbers} {}) AS s WHERE {}{conflict}",
        table_sql(table, d),
        columns.join(", "),
        outer.join(", "),
        inner.join(", "),
        joins.join(" "),
        filters.join(" AND ")
    );
    Ok((sql, fixups))
}

/// Links a nullable reference seeded as NULL to parent rows: every third row.
fn link_update(table: &Table, key: &[String], column: &str, parent: &Table, parent_column: &str, d: Dialect) -> String {
    let t = table_sql(table, d);
    let keys: Vec<String> = key.iter().map(|k| column_sql(k, d)).collect();
    let list = keys.join(", ");
    let me_match: Vec<String> = keys.iter().map(|k| format!("me.{k} = {t}.{k}")).collect();
    format!(
        "UPDATE {t} SET {c} = p.{pc} FROM (SELECT {pc}, row_number() OVER (ORDER BY {pc}) AS bellows_rn, count(*) OVER () AS bellows_n FROM {pt}) AS p, \
         (SELECT {list}, row_number() OVER (ORDER BY {list}) AS bellows_rn FROM {t}) AS me \
         WHERE {} AND me.bellows_rn % 3 = 0 AND p.bellows_rn = ((me.bellows_rn * 7) % p.bellows_n) + 1",
        me_match.join(" AND "),
        c = column_sql(column, d),
        pc = column_sql(parent_column, d),
        pt = table_sql(parent, d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, DiffOptions};
    use crate::import;

    fn schema(sql: &str) -> Schema {
        import(sql, Some(Dialect::Postgres)).schema
    }

    #[test]
    fn text_keys_and_composite_references_come_from_the_parent_rows() {
        let base = schema(
            "CREATE TABLE product (sku varchar(20) PRIMARY KEY, region char(2), name text NOT NULL, UNIQUE (sku, region));\n\
             CREATE TABLE review (id serial PRIMARY KEY, product_sku varchar(20) NOT NULL REFERENCES product(sku), sku2 varchar(20), region char(2), FOREIGN KEY (sku2, region) REFERENCES product (sku, region), stars int CHECK (stars BETWEEN 1 AND 5));",
        );
        let changes = diff(&base, &base, &DiffOptions::default());
        let seed = seed(&base, &base, &changes, Dialect::Postgres, &SeedOptions { rows: 100, breaks: false });
        assert_eq!(seed.skipped, vec![]);
        let review = &seed.statements[1].sql;
        assert!(review.starts_with("INSERT INTO review (product_sku, sku2, region, stars)"), "{review}");
        assert!(review.contains("FROM ONLY product) AS p0"), "{review}");
        assert!(review.contains("p1.sku") && review.contains("p1.region"), "{review}");
        assert!(review.contains("((stars BETWEEN 1 AND 5) IS NOT FALSE)"), "{review}");
        assert!(!review.contains(" id"), "serial keys are left to the database: {review}");
    }

    #[test]
    fn a_type_nobody_can_fill_is_named() {
        let base = schema("CREATE TABLE t (id int PRIMARY KEY, shape my_shape NOT NULL);");
        let changes = diff(&base, &base, &DiffOptions::default());
        let seed = seed(&base, &base, &changes, Dialect::Postgres, &SeedOptions { rows: 10, breaks: false });
        assert_eq!(seed.skipped, [("t".to_string(), "cannot fill t.shape of type my_shape".to_string())]);
    }

    #[test]
    fn domains_are_filtered_by_their_checks_before_the_cast() {
        let base = schema(
            "CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);\n\
             CREATE TABLE film (film_id serial PRIMARY KEY, release_year year);",
        );
        let changes = diff(&base, &base, &DiffOptions::default());
        let sql = &seed(&base, &base, &changes, Dialect::Postgres, &SeedOptions { rows: 10, breaks: false }).statements
            [0]
        .sql;
        assert!(sql.contains("CAST(s.release_year AS year)"), "{sql}");
        assert!(sql.contains("((release_year >= 1901 AND release_year <= 2155) IS NOT FALSE)"), "{sql}");
    }

    #[test]
    fn narrowing_types_seed_values_that_fit_and_breaks_add_some_that_do_not() {
        let base = schema("CREATE TABLE t (id int PRIMARY KEY, n integer);");
        let target = schema("CREATE TABLE t (id int PRIMARY KEY, n smallint);");
        let changes = diff(&base, &target, &DiffOptions::default());
        let clean = seed(&base, &target, &changes, Dialect::Postgres, &SeedOptions { rows: 10, breaks: false });
        assert!(
            clean.statements[0].sql.contains("CAST(CAST((k.g) % 30000 AS smallint) AS INTEGER)"),
            "{}",
            clean.statements[0].sql
        );
        let broken = seed(&base, &target, &changes, Dialect::Postgres, &SeedOptions { rows: 10, breaks: true });
        assert!(broken.statements[0].sql.contains("(40000 + (k.g))"), "{}", broken.statements[0].sql);
    }
}
