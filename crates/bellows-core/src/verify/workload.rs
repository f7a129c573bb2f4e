//! The statements one application version runs while the plan does its work.
//!
//! A unit of work writes one row of a table the way an application would: first the parent rows
//! its required references need (so it never leans on seeded rows, and its triggers and
//! cascades stay among its own rows), then the row, reading back the keys the database gave
//! each (`RETURNING`). Later it updates that row and, for tables nothing references, deletes
//! an older one. v1 writes what the base allows and also keeps the rules the target adds
//! (a new foreign key, a new check, values that fit a narrower type), since those rules apply
//! to new rows from Expand on; v2 writes the target's shape.
//!
//! Placeholders, replaced by the harness: `@@K@@` the unit's row number; `@@P<i>_<j>@@` the
//! `j`-th value returned by the unit's `i`-th insert; `@@R<j>@@` the `j`-th key value of the
//! row an update or delete is for. Values arrive as SQL string literals.

use super::seed::{
    database_fills, has_rules, narrowed_to, passes, path_for, references, row_checks, widened_from, Reference,
};
use super::values::{base_value, cast_type, column_sql, resolve, table_sql};
use crate::diff::{Change, ChangeSet};
use crate::model::*;
use crate::Dialect;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    /// 1 (knows the base) or 2 (knows the target).
    pub version: u8,
    pub units: Vec<Unit>,
    /// Tables this version cannot write, and why.
    pub skipped: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The table the unit writes a row of (as this version names it).
    pub table: String,
    pub search_path: Option<String>,
    /// Parents first; the last is the unit's own row.
    pub inserts: Vec<Insert>,
    /// Updates the unit's own row (`@@R<j>@@` = its key).
    pub update: Option<String>,
    /// Deletes a row an earlier run of the unit wrote.
    pub delete: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insert {
    pub table: String,
    pub sql: String,
    /// The columns `RETURNING` gives back, as text, in order.
    pub returns: Vec<String>,
    /// How many of `returns` (from the first) are the row's key.
    pub key_len: usize,
}

/// The schema this version runs against and what it must honour.
struct Version<'a> {
    schema: &'a Schema,
    base: &'a Schema,
    target: &'a Schema,
    changes: &'a ChangeSet,
    v1: bool,
    d: Dialect,
    /// Per table (by id), the columns other tables' references read, in the order of the
    /// schema's tables and their references: what [`Version::returned`] reads back. Worked out
    /// once per workload, since every insert of every unit needs it (a 500-table schema asked
    /// for it afresh spent minutes on it).
    referenced: std::collections::HashMap<TableId, Vec<String>>,
}

impl<'a> Version<'a> {
    fn new(
        schema: &'a Schema,
        base: &'a Schema,
        target: &'a Schema,
        changes: &'a ChangeSet,
        v1: bool,
        d: Dialect,
    ) -> Self {
        let mut ver = Version { schema, base, target, changes, v1, d, referenced: Default::default() };
        let mut by_name: std::collections::HashMap<String, Vec<TableId>> = Default::default();
        for t in &schema.tables {
            by_name.entry(t.qualified_name().to_ascii_lowercase()).or_default().push(t.id);
        }
        let mut referenced: std::collections::HashMap<TableId, Vec<String>> = Default::default();
        for other in &schema.tables {
            for r in ver.references(other) {
                let mut parents: Vec<TableId> =
                    by_name.get(&r.parent.to_ascii_lowercase()).cloned().unwrap_or_default();
                if let Some(p) = schema.find_table(&r.parent) {
                    if !parents.contains(&p.id) {
                        parents.push(p.id);
                    }
                }
                for id in parents {
                    referenced.entry(id).or_default().extend(r.parent_columns.iter().cloned());
                }
            }
        }
        ver.referenced = referenced;
        ver
    }

    /// The references a row must satisfy: its schema's, and for v1 those the target adds.
    fn references(&self, table: &Table) -> Vec<Reference> {
        if self.v1 {
            references(self.base, self.target, self.changes, table)
        } else {
            references(self.schema, self.schema, &ChangeSet::default(), table)
        }
    }

    fn checks(&self, table: &Table) -> Vec<String> {
        if self.v1 {
            row_checks(self.base, self.target, self.changes, table, true, self.d)
        } else {
            row_checks(self.schema, self.schema, &ChangeSet::default(), table, false, self.d)
        }
    }

    /// The columns of `table` some unique key or primary key holds, whose values each row
    /// writes (rather than leave a default that would repeat). v1 keeps to the target's keys
    /// too, as to its CHECKs: a key the plan adds would refuse v1's repeated defaults.
    fn keyed(&self, table: &Table) -> Vec<String> {
        let key_columns = |t: &Table| -> Vec<String> { unique_keys(t, true).into_iter().flatten().collect() };
        let mut out = key_columns(table);
        if self.v1 {
            let target_name = super::renamed_table(self.changes, &table.qualified_name());
            if let Some(t) = self.target.find_table(&target_name) {
                let target_keys = key_columns(t);
                out.extend(
                    table
                        .columns
                        .iter()
                        .filter(|c| {
                            let now = super::renamed_column(self.changes, &target_name, &c.name);
                            target_keys.iter().any(|k| same_name(k, &now))
                        })
                        .map(|c| c.name.clone()),
                );
            }
        }
        out
    }

    /// The unique keys (primary key, UNIQUE, unique index without a WHERE) of `table`'s target
    /// form that its base form lacks, by column set, in this version's column names.
    fn added_keys(&self, table: &Table) -> Vec<Vec<String>> {
        let (base_table, target_table) = if self.v1 {
            let target_name = super::renamed_table(self.changes, &table.qualified_name());
            (Some(table), self.target.find_table(&target_name))
        } else {
            let name = table.qualified_name();
            let base = self
                .base
                .tables
                .iter()
                .find(|b| same_name(&super::renamed_table(self.changes, &b.qualified_name()), &name));
            (base, Some(table))
        };
        let (Some(b), Some(t)) = (base_table, target_table) else { return Vec::new() };
        let target_name = t.qualified_name();
        // A target column's name in the base (`None`: the column is new).
        let in_base = |k: &str| {
            b.columns
                .iter()
                .find(|c| same_name(&super::renamed_column(self.changes, &target_name, &c.name), k))
                .map(|c| c.name.clone())
        };
        let same_set =
            |a: &[String], z: &[String]| a.len() == z.len() && a.iter().all(|x| z.iter().any(|y| same_name(x, y)));
        let base_keys = unique_keys(b, false);
        unique_keys(t, false)
            .into_iter()
            .filter_map(|key| {
                let mapped: Vec<Option<String>> = key.iter().map(|k| in_base(k)).collect();
                let existed = mapped.iter().all(Option::is_some) && {
                    let names: Vec<String> = mapped.iter().flatten().cloned().collect();
                    base_keys.iter().any(|bk| same_set(bk, &names))
                };
                if existed {
                    return None;
                }
                if self.v1 {
                    mapped.into_iter().collect::<Option<Vec<String>>>()
                } else {
                    Some(key)
                }
            })
            .collect()
    }

    /// The value a column gets at row `g`: of a narrower target type where v1 must keep to it.
    fn value(&self, table: &Table, column: &Column, g: &str) -> Option<String> {
        if let (true, Some(labels)) = (self.v1, super::kept_labels(self.schema, self.changes, &column.data_type)) {
            // The plan's precondition: v1 writes no label that leaves the type unreplaced.
            return Some(super::labels_value(&labels, g, &column.data_type.spelling));
        }
        if self.v1 {
            let target_name = super::renamed_table(self.changes, &table.qualified_name());
            if let Some((_, to)) = narrowed_to(self.changes, &target_name, &column.name) {
                let base = resolve(self.schema, &column.data_type).base;
                return super::narrowed_value(self.target, to, g, &cast_type(&base, self.d), self.d);
            }
        } else if let Some(from) = widened_from(self.changes, &table.qualified_name(), &column.name) {
            // Until Contract the old column takes v2's writes too: the plan's precondition
            // for v2 is values that fit both types.
            let target = resolve(self.schema, &column.data_type).base;
            return base_value(self.base, from, g, self.d)
                .map(|v| format!("CAST({v} AS {})", cast_type(&target, self.d)));
        }
        // A column a CHECK limits to listed values: one of them (any other would be refused).
        if let Some(values) = super::listed_values(&self.checks(table), &column.name, self.d).filter(|v| !v.is_empty())
        {
            let base = resolve(self.schema, &column.data_type).base;
            return Some(super::labels_value(&values, g, &cast_type(&base, self.d)));
        }
        base_value(self.schema, &column.data_type, g, self.d)
    }

    /// Columns whose values other rows reference: returned by every insert, key first.
    fn returned(&self, table: &Table) -> (Vec<String>, usize) {
        let mut out: Vec<String> = super::row_key(table).unwrap_or_default();
        let key_len = out.len();
        for c in self.referenced.get(&table.id).into_iter().flatten() {
            if !out.iter().any(|o| same_name(o, c)) {
                out.push(c.clone());
            }
        }
        (out, key_len)
    }
}

/// The workload of the version that knows `schema` (`version` 1: the base, with `other` the
/// target; 2: the target).
pub fn workload(base: &Schema, target: &Schema, changes: &ChangeSet, version: u8, d: Dialect) -> Workload {
    workload_of(base, target, changes, version, d, &|_| true)
}

/// [`workload`] for the tables `keep` accepts (by the name this version gives them).
pub fn workload_of(
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    version: u8,
    d: Dialect,
    keep: &dyn Fn(&str) -> bool,
) -> Workload {
    let v1 = version == 1;
    let schema = if v1 { base } else { target };
    let ver = Version::new(schema, base, target, changes, v1, d);
    let mut out = Workload { version, ..Workload::default() };
    for table in schema.tables.iter().filter(|t| keep(&t.qualified_name())) {
        // Partitioned tables are written through the partitioned table itself only when the
        // key lands somewhere: rows go to their partitions (range and list bounds are not
        // aimed at here), so only tables that take any row are units.
        if table.partition_of.is_some() || table.partition_by.is_some() {
            out.skipped.push((table.qualified_name(), "partitioned: its rows are written by seeding only".into()));
            continue;
        }
        let mut inserts = Vec::new();
        match build(&ver, table, 0, &mut inserts) {
            Ok(_) => {}
            Err(why) => {
                out.skipped.push((table.qualified_name(), why));
                continue;
            }
        }
        let Some(own) = inserts.last() else { continue };
        let key = super::row_key(table);
        let key_match = |key: &[String]| -> String {
            key.iter()
                .enumerate()
                .map(|(j, k)| {
                    // A key of an enum type is matched as text: until Contract the column may
                    // still be the text one the plan converts (v2 writes its labels there too).
                    let label = table.column(k).is_some_and(|c| {
                        matches!(&c.data_type.kind, crate::TypeKind::Named { name } if ver.schema.find_enum(name).is_some())
                    });
                    if label {
                        return format!("CAST({} AS TEXT) = @@R{j}@@", column_sql(k, d));
                    }
                    let ty = table.column(k).map(|c| cast_type(&c.data_type, d)).unwrap_or_else(|| "text".into());
                    format!("{} = {}", column_sql(k, d), typed(&format!("@@R{j}@@"), &ty, d))
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let update = key.as_ref().filter(|_| own.key_len > 0).and_then(|key| {
            let column = updatable(&ver, table)?;
            let value = ver.value(table, column, "(@@K@@ + 7)")?;
            let checks: Vec<String> = ver
                .checks(table)
                .iter()
                .filter(|c| crate::import::objects::mentions(c, &column.name))
                .map(|c| passes(&substitute(c, &column.name, &format!("({value})"))))
                .collect();
            let mut condition = key_match(key);
            for c in checks {
                condition.push_str(" AND ");
                condition.push_str(&c);
            }
            Some(format!(
                "UPDATE {} SET {} = {value} WHERE {condition}",
                table_sql(table, d),
                column_sql(&column.name, d)
            ))
        });
        let referenced = [base, target].iter().any(|s| {
            s.tables
                .iter()
                .any(|t| t.foreign_keys.iter().any(|fk| same_name(split_qualified(&fk.ref_table).1, &table.name)))
        });
        // The plan's rule for v2 until Contract: a split's new row goes only with its old row.
        let held =
            !ver.v1 && crate::plan::split::holds_deletes(base, target, &changes.changes, d, &table.qualified_name());
        let delete = key
            .as_ref()
            .filter(|_| own.key_len > 0 && !referenced && !held)
            .map(|key| format!("DELETE FROM {} WHERE {}", table_sql(table, d), key_match(key)));
        out.units.push(Unit {
            table: table.qualified_name(),
            search_path: path_for(table, d),
            inserts,
            update,
            delete,
        });
    }
    out
}

/// A column an update may change: not a key, reference, unique, generated or identity column.
fn updatable<'a>(ver: &Version<'_>, table: &'a Table) -> Option<&'a Column> {
    let refs = ver.references(table);
    table.columns.iter().find(|c| {
        !table.is_primary_key(&c.name)
            && c.generated.is_none()
            && !database_fills(table, c, ver.d)
            && !refs.iter().any(|r| r.columns.iter().any(|x| same_name(x, &c.name)))
            && !table.uniques.iter().any(|u| u.columns.iter().any(|x| same_name(x, &c.name)))
            && !table
                .indexes
                .iter()
                .any(|i| i.unique && i.parts.iter().any(|p| p.column().is_some_and(|x| same_name(x, &c.name))))
            && !matches!(c.data_type.kind, crate::TypeKind::Json)
            && ver.value(table, c, "1").is_some()
    })
}

/// `text` with the identifier `name` replaced by `with` (outside string literals).
fn substitute(text: &str, name: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let n = name.len();
    let mut i = 0;
    let mut in_string = false;
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < text.len() {
        let c = bytes[i];
        if c == b'\'' {
            in_string = !in_string;
        }
        if !in_string
            && text.get(i..i + n).is_some_and(|w| w.eq_ignore_ascii_case(name))
            && i.checked_sub(1).is_none_or(|p| !ident(bytes[p]) && bytes[p] != b'.')
            && bytes.get(i + n).is_none_or(|&b| !ident(b))
        {
            out.push_str(with);
            i += n;
            continue;
        }
        let end = (i + 1..=text.len()).find(|&j| text.is_char_boundary(j)).unwrap_or(text.len());
        out.push_str(&text[i..end]);
        i = end;
    }
    out
}

/// Adds the inserts `table`'s row needs (its required parents first) and its own; returns
/// the index of its own insert.
fn build(ver: &Version<'_>, table: &Table, depth: usize, inserts: &mut Vec<Insert>) -> Result<usize, String> {
    if depth > 8 {
        return Err("its required references go too deep (a cycle of NOT NULL references?)".into());
    }
    let d = ver.d;
    let name = table.qualified_name();
    let mut values: Vec<(String, String)> = Vec::new(); // (column sql, value)
    let mut taken: Vec<String> = Vec::new();
    for r in ver.references(table) {
        // A key column is never left NULL, even where the database would allow it (SQLite).
        let required =
            r.columns.iter().any(|c| table.column(c).is_some_and(|c| !c.nullable) || table.is_primary_key(c));
        if !required {
            continue;
        }
        let Some(parent) = ver.schema.find_table(&r.parent) else {
            return Err(format!(
                "{name}({}) must reference {}, which this version does not have",
                r.columns.join(", "),
                r.parent
            ));
        };
        if parent.id == table.id || same_name(&parent.qualified_name(), &name) {
            // Points at itself: the referenced values are this row's own.
            for (c, pc) in r.columns.iter().zip(&r.parent_columns) {
                let col = table.column(pc).ok_or(format!("{name}.{pc} is no column"))?;
                if database_fills(table, col, d) {
                    return Err(format!("{name}({}) must reference its own generated key", r.columns.join(", ")));
                }
                let v = ver.value(table, col, "@@K@@").ok_or(format!("cannot fill {name}.{pc}"))?;
                values.push((column_sql(c, d), v));
                taken.push(c.to_ascii_lowercase());
            }
            continue;
        }
        let index = build(ver, parent, depth + 1, inserts)?;
        let returns = &inserts[index].returns;
        for (c, pc) in r.columns.iter().zip(&r.parent_columns) {
            let Some(j) = returns.iter().position(|x| same_name(x, pc)) else {
                return Err(format!("{}.{pc} is not read back", parent.qualified_name()));
            };
            let ty = parent.column(pc).map(|c| cast_type(&c.data_type, d)).unwrap_or_else(|| "text".into());
            let v = typed(&format!("@@P{index}_{j}@@"), &ty, d);
            values.push((column_sql(c, d), v));
            taken.push(c.to_ascii_lowercase());
        }
    }
    let refs = ver.references(table);
    let mut inner = Vec::new();
    let mut outer = Vec::new();
    let mut columns = Vec::new();
    let keyed = ver.keyed(table);
    for column in &table.columns {
        // A key the database fills is still written where it references a row (SQLite's
        // INTEGER PRIMARY KEY of a one-to-one table holds its parent's key).
        let referenced_value = values.iter().any(|(c, _)| same_name(c.trim_matches(['"', '`']), &column.name));
        if column.generated.is_some() || (database_fills(table, column, d) && !referenced_value) {
            continue;
        }
        // An application leaves a column with a default to it (a flag starts false, a
        // timestamp starts now), unless the column makes the row unique or is changing type.
        let changing =
            ver.v1 && narrowed_to(ver.changes, &super::renamed_table(ver.changes, &name), &column.name).is_some();
        if column.default.is_some()
            && !keyed.iter().any(|k| same_name(k, &column.name))
            && !refs.iter().any(|r| r.columns.iter().any(|c| same_name(c, &column.name)))
            && !changing
        {
            continue;
        }
        let key = column.name.to_ascii_lowercase();
        let resolved = resolve(ver.schema, &column.data_type);
        let value = if let Some((_, v)) = values.iter().find(|(c, _)| same_name(c.trim_matches('"'), &column.name)) {
            v.clone()
        } else if refs.iter().any(|r| r.columns.iter().any(|c| same_name(c, &column.name)))
            && column.nullable
            && !table.is_primary_key(&column.name)
        {
            "NULL".to_string()
        } else {
            match ver.value(table, column, "@@K@@") {
                Some(v) => v,
                None if column.nullable => "NULL".to_string(),
                None if column.default.is_some() => continue,
                None => {
                    return Err(format!("cannot fill {name}.{} of type {}", column.name, column.data_type.spelling))
                }
            }
        };
        let _ = taken.contains(&key);
        let c = column_sql(&column.name, d);
        if d == Dialect::Sqlite {
            inner.push(format!("{value} AS {c}"));
        } else {
            inner.push(format!("CAST({value} AS {}) AS {c}", cast_type(&resolved.base, d)));
        }
        outer.push(if resolved.domain.is_some() && d == Dialect::Postgres {
            format!("CAST(s.{c} AS {})", cast_type(&column.data_type, d))
        } else {
            format!("s.{c}")
        });
        columns.push(c);
    }
    let (returns, key_len) = ver.returned(table);
    let unwritten: Vec<&Column> = table.columns.iter().filter(|c| !columns.contains(&column_sql(&c.name, d))).collect();
    let mut filters: Vec<String> = ver
        .checks(table)
        .iter()
        .filter(|c| !unwritten.iter().any(|u| crate::import::objects::mentions(c, &u.name)))
        .map(|c| passes(c))
        .collect();
    // A unique key the plan adds holds from Expand on: each version writes only rows it
    // accepts, as with a CHECK (a flag pair or a short enum repeats within a few rows).
    for key in ver.added_keys(table) {
        let cols: Vec<String> = key.iter().map(|c| column_sql(c, d)).collect();
        if cols.iter().all(|c| columns.contains(c)) {
            // MySQL: the derived value has the connection's collation and the column its own,
            // which `=` refuses to mix (error 1267); the bytes compare the same.
            let equal = |c: &String| match d {
                Dialect::MySql => format!("CAST(bellows_u.{c} AS BINARY) = CAST(s.{c} AS BINARY)"),
                _ => format!("bellows_u.{c} = s.{c}"),
            };
            filters.push(format!(
                "NOT EXISTS (SELECT 1 FROM {} AS bellows_u WHERE {})",
                table_sql(table, d),
                cols.iter().map(equal).collect::<Vec<_>>().join(" AND ")
            ));
        }
    }
    if filters.is_empty() {
        filters.push("1 = 1".into());
    }
    let returning: Vec<String> = returns
        .iter()
        .map(|c| match d {
            Dialect::MySql => format!("CAST({} AS CHAR)", column_sql(c, d)),
            _ => format!("CAST({} AS TEXT)", column_sql(c, d)),
        })
        .collect();
    let head = if columns.is_empty() && d == Dialect::MySql {
        format!("INSERT INTO {} () VALUES ()", table_sql(table, d))
    } else if columns.is_empty() {
        format!("INSERT INTO {} DEFAULT VALUES", table_sql(table, d))
    } else {
        let overriding = d == Dialect::Postgres
            && table.columns.iter().any(|c| c.identity == Some(Identity::Always) && !database_fills(table, c, d));
        format!(
            "INSERT INTO {} ({}){} SELECT {} FROM (SELECT {}) AS s WHERE {}{}",
            table_sql(table, d),
            columns.join(", "),
            if overriding { " OVERRIDING SYSTEM VALUE" } else { "" },
            outer.join(", "),
            inner.join(", "),
            filters.join(" AND "),
            // MySQL has no ON CONFLICT, and INSERT IGNORE would turn the very errors the harness
            // watches for (NOT NULL, truncation, foreign keys) into warnings: a unit whose row
            // collides fails on the base and is left out at calibration.
            if has_rules(ver.schema, table) || d == Dialect::MySql { "" } else { " ON CONFLICT DO NOTHING" }
        )
    };
    let sql = if returning.is_empty() { head } else { format!("{head} RETURNING {}", returning.join(", ")) };
    inserts.push(Insert { table: name, sql, returns, key_len });
    Ok(inserts.len() - 1)
}

/// A literal typed for the server. MySQL text stays a bare literal: a literal takes the
/// column's collation in a comparison, where `CAST(... AS CHAR)` would bring the connection's
/// and clash with a table declared in another (error 1267).
fn typed(literal: &str, ty: &str, d: Dialect) -> String {
    if d == Dialect::MySql && ty == "CHAR" {
        literal.to_string()
    } else {
        format!("CAST({literal} AS {ty})")
    }
}

/// A table's unique keys as column lists: the primary key, UNIQUE constraints, and unique
/// indexes (the columns among their parts); those with a WHERE or an expression only when
/// `partial` (they hold for some rows, or by more than the columns).
fn unique_keys(t: &Table, partial: bool) -> Vec<Vec<String>> {
    t.primary_key
        .iter()
        .chain(t.uniques.iter())
        .map(|k| k.columns.clone())
        .chain(
            t.indexes
                .iter()
                .filter(|i| {
                    i.unique && (partial || (i.predicate.is_none() && i.parts.iter().all(|p| p.column().is_some())))
                })
                .map(|i| i.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect()),
        )
        .collect()
}

/// Which changes make v1's writes to a table follow rules the base does not have: used by
/// the harness to explain a v1 failure.
pub fn v1_follows_target_rules(changes: &ChangeSet, table: &str) -> bool {
    changes.changes.iter().any(|c| {
        c.table().is_some_and(|t| same_name(t, table))
            && matches!(c, Change::AddForeignKey { .. } | Change::AddCheck { .. } | Change::ChangeType { .. })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, DiffOptions};
    use crate::import;

    #[test]
    fn a_unit_writes_its_required_parents_first_and_reads_keys_back() {
        let s = import(
            "CREATE TABLE customer (id serial PRIMARY KEY, email text NOT NULL);\n\
             CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customer(id), note text, total numeric(10,2) CHECK (total >= 0));",
            Some(Dialect::Postgres),
        )
        .schema;
        let changes = diff(&s, &s, &DiffOptions::default());
        let w = workload(&s, &s, &changes, 1, Dialect::Postgres);
        let orders = w.units.iter().find(|u| u.table == "orders").expect("orders unit");
        assert_eq!(orders.inserts.len(), 2);
        assert!(orders.inserts[0].sql.starts_with("INSERT INTO customer (email)"), "{}", orders.inserts[0].sql);
        assert!(orders.inserts[0].sql.ends_with("RETURNING CAST(id AS TEXT)"), "{}", orders.inserts[0].sql);
        let own = &orders.inserts[1].sql;
        assert!(own.contains("CAST(@@P0_0@@ AS int)"), "{own}");
        assert!(own.contains("((total >= 0) IS NOT FALSE)"), "{own}");
        let update = orders.update.as_deref().expect("an update");
        assert!(
            update.starts_with("UPDATE orders SET note = ") && update.contains("id = CAST(@@R0@@ AS bigint)"),
            "{update}"
        );
        assert!(orders.delete.is_some() && w.units[0].delete.is_none(), "customer is referenced: never deleted");
    }

    #[test]
    fn both_versions_write_only_rows_a_unique_key_the_plan_adds_accepts() {
        let base = import(
            "CREATE TABLE blogs (id int AUTO_INCREMENT PRIMARY KEY, mature tinyint NOT NULL DEFAULT 0, archived tinyint NOT NULL DEFAULT 0, note text);",
            Some(Dialect::MySql),
        )
        .schema;
        let target = import(
            "CREATE TABLE blogs (id int AUTO_INCREMENT PRIMARY KEY, mature tinyint NOT NULL DEFAULT 0, archived tinyint NOT NULL DEFAULT 0, note text, UNIQUE KEY blogs_mature_archived (mature, archived));",
            Some(Dialect::MySql),
        )
        .schema;
        let changes = diff(&base, &target, &DiffOptions::default());
        for version in [1, 2] {
            let w = workload_of(&base, &target, &changes, version, Dialect::MySql, &|_| true);
            let blogs = w.units.iter().find(|u| u.table == "blogs").expect("blogs unit");
            let insert = &blogs.inserts[0].sql;
            // The flags are written (not left to their repeating default), and a row whose pair
            // exists is not written.
            assert!(
                insert.contains("(mature, archived") || insert.contains("archived, mature"),
                "v{version}: {insert}"
            );
            assert!(
                insert.contains("NOT EXISTS (SELECT 1 FROM blogs AS bellows_u WHERE CAST(bellows_u.mature AS BINARY) = CAST(s.mature AS BINARY) AND CAST(bellows_u.archived AS BINARY) = CAST(s.archived AS BINARY))"),
                "v{version}: {insert}"
            );
        }
        // A key both forms have adds no filter.
        let same = diff(&target, &target, &DiffOptions::default());
        let w = workload_of(&target, &target, &same, 1, Dialect::MySql, &|_| true);
        assert!(!w.units.iter().any(|u| u.inserts.iter().any(|i| i.sql.contains("bellows_u"))));
    }

    #[test]
    fn substitution_is_by_whole_identifier() {
        assert_eq!(
            substitute("total >= 0 AND subtotal > 1 AND t.total < 9", "total", "(5)"),
            "(5) >= 0 AND subtotal > 1 AND t.total < 9"
        );
    }
}
