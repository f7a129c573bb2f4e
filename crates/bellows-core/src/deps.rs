//! The dependency map: for every table and column, what in the schema depends on it.
//!
//! Views are resolved as queries (the consumers' resolver: aliases, CTEs, subqueries, `*`), so a
//! view depends on exactly the columns its query reads. Keys, foreign keys (both ways), indexes
//! (their columns, expressions and WHERE), CHECKs, generated columns, owned sequences and
//! partitions are read from the model. Triggers, functions, procedures and policies are kept as
//! text in languages Bellows does not parse, so they depend on what their text mentions by name:
//! a routine depends on a table when it mentions the table, and on a column when it mentions both
//! (a mention is a whole identifier, case-insensitively). The consumers' statements join the map
//! through [`DependencyMap::add_consumer`].
//!
//! The map is what a change puts at risk: the plan's recipes recreate the views and triggers a
//! change reaches; the app shows "Used by" for the selected table or column; `bellows deps` prints
//! it.

use crate::consumers::{Analysis, Statement};
use crate::model::{same_name, split_qualified, IndexPart, Table};
use crate::{Dialect, Schema};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What kind of object depends on a table or column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DependentKind {
    View,
    /// A foreign key of this table (the column is one of its columns).
    ForeignKeyOut,
    /// Another table's foreign key that references this one.
    ForeignKeyIn,
    PrimaryKey,
    Unique,
    Index,
    Check,
    /// A generated column computed from this one.
    Generated,
    /// A sequence owned by the column (dropped with it).
    Sequence,
    Trigger,
    /// A function, procedure or aggregate.
    Routine,
    /// A row-level security policy or a rewrite rule.
    Policy,
    /// A partition or an inheriting child.
    Partition,
    /// A statement of the application's (a consumer's).
    Consumer,
}

impl DependentKind {
    pub fn label(self) -> &'static str {
        match self {
            DependentKind::View => "view",
            DependentKind::ForeignKeyOut => "foreign key",
            DependentKind::ForeignKeyIn => "referenced by",
            DependentKind::PrimaryKey => "primary key",
            DependentKind::Unique => "unique",
            DependentKind::Index => "index",
            DependentKind::Check => "check",
            DependentKind::Generated => "generated column",
            DependentKind::Sequence => "sequence",
            DependentKind::Trigger => "trigger",
            DependentKind::Routine => "routine",
            DependentKind::Policy => "policy",
            DependentKind::Partition => "partition",
            DependentKind::Consumer => "consumer",
        }
    }
}

/// One thing that depends on a table or column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Dependent {
    pub kind: DependentKind,
    /// The dependent's name: `orders_customer_id_fkey`, `public.active_customers`, `GetAuthor`.
    pub name: String,
    /// How it depends: "reads it", "references customers(id)", "mentions it by name".
    pub how: String,
    /// The table (or view) the dependent lives on or is, when it is one the canvas shows: what
    /// the canvas highlights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnUse {
    pub column: String,
    pub used_by: Vec<Dependent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableUse {
    /// Qualified as the schema has it.
    pub table: String,
    /// What depends on the table as a whole (a view that reads it, a trigger on it, a foreign key
    /// into it).
    pub used_by: Vec<Dependent>,
    /// Per column, in the table's order (every column, used or not).
    pub columns: Vec<ColumnUse>,
}

/// The dependency map of a schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DependencyMap {
    pub tables: Vec<TableUse>,
}

/// The identifiers a text mentions, lower-cased: what [`crate::import::objects::mentions`] would
/// find, worked out once per text.
fn words(text: &str) -> HashSet<String> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.split(|c: char| !is_ident(c)).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn has_word(words: &HashSet<String>, name: &str) -> bool {
    words.contains(&name.to_lowercase())
}

/// A text kept whole (a routine, a trigger, a policy) with the words it mentions.
struct Body {
    kind: DependentKind,
    name: String,
    /// The table it is on (triggers, policies).
    on: Option<String>,
    words: HashSet<String>,
}

impl DependencyMap {
    /// The map of `schema`, its views resolved in `dialect`.
    pub fn build(schema: &Schema, dialect: Dialect) -> Self {
        let mut map = DependencyMap {
            tables: schema
                .tables
                .iter()
                .map(|t| TableUse {
                    table: t.qualified_name(),
                    used_by: Vec::new(),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| ColumnUse { column: c.name.clone(), used_by: Vec::new() })
                        .collect(),
                })
                .collect(),
        };
        let index: HashMap<String, usize> =
            schema.tables.iter().enumerate().map(|(i, t)| (t.qualified_name().to_lowercase(), i)).collect();
        let find = |name: &str| -> Option<usize> {
            index.get(&name.to_lowercase()).copied().or_else(|| {
                let (ns, short) = split_qualified(name);
                schema.tables.iter().position(|t| {
                    same_name(&t.name, short)
                        && ns.is_none_or(|n| t.namespace.as_deref().is_some_and(|m| same_name(m, n)))
                })
            })
        };
        for (ti, table) in schema.tables.iter().enumerate() {
            map.table_own(ti, table, schema, &find);
        }
        map.views(schema, dialect);
        map.bodies(schema, &find);
        map
    }

    /// The uses of `table` (qualified or not), or of one of its columns.
    pub fn used_by(&self, table: &str, column: Option<&str>) -> &[Dependent] {
        let Some(t) = self.position(table).map(|i| &self.tables[i]) else { return &[] };
        match column {
            None => &t.used_by,
            Some(c) => t.columns.iter().find(|u| same_name(&u.column, c)).map_or(&[], |u| &u.used_by),
        }
    }

    /// How many dependents the map lists, tables and columns together.
    pub fn len(&self) -> usize {
        self.tables.iter().map(|t| t.used_by.len() + t.columns.iter().map(|c| c.used_by.len()).sum::<usize>()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&mut self, table: usize, column: Option<&str>, dependent: Dependent) {
        let Some(t) = self.tables.get_mut(table) else { return };
        let list = match column {
            None => &mut t.used_by,
            Some(c) => match t.columns.iter_mut().find(|u| same_name(&u.column, c)) {
                Some(u) => &mut u.used_by,
                None => return,
            },
        };
        if !list.contains(&dependent) {
            list.push(dependent);
        }
    }

    /// What the table's own definition and its neighbours' foreign keys make depend on it.
    fn table_own(&mut self, ti: usize, table: &Table, schema: &Schema, find: &dyn Fn(&str) -> Option<usize>) {
        let me = table.qualified_name();
        let dep = |kind, name: &str, how: String, on: Option<&str>| Dependent {
            kind,
            name: name.to_string(),
            how,
            table: on.map(str::to_string),
        };
        if let Some(pk) = &table.primary_key {
            let name = pk.name.clone().unwrap_or_else(|| format!("{}_pkey", table.name));
            for c in &pk.columns {
                self.push(ti, Some(c), dep(DependentKind::PrimaryKey, &name, "is part of it".into(), None));
            }
        }
        for key in &table.uniques {
            let name = key.name.clone().unwrap_or_else(|| format!("unique ({})", key.columns.join(", ")));
            for c in &key.columns {
                self.push(ti, Some(c), dep(DependentKind::Unique, &name, "is part of it".into(), None));
            }
        }
        for fk in &table.foreign_keys {
            let parent = find(&fk.ref_table);
            let parent_table = parent.and_then(|p| schema.tables.get(p));
            let ref_columns = fk.referenced_columns(parent_table);
            let parent_name = parent_table.map_or(fk.ref_table.clone(), Table::qualified_name);
            let name = fk.name.clone().unwrap_or_else(|| format!("{}_{}_fkey", table.name, fk.columns.join("_")));
            let out = format!("references {parent_name}({})", ref_columns.join(", "));
            for c in &fk.columns {
                self.push(ti, Some(c), dep(DependentKind::ForeignKeyOut, &name, out.clone(), Some(&parent_name)));
            }
            if let Some(p) = parent {
                let how = format!("{me}({}) references it", fk.columns.join(", "));
                self.push(p, None, dep(DependentKind::ForeignKeyIn, &name, how.clone(), Some(&me)));
                for c in &ref_columns {
                    self.push(p, Some(c), dep(DependentKind::ForeignKeyIn, &name, how.clone(), Some(&me)));
                }
            }
        }
        for (n, ix) in table.indexes.iter().enumerate() {
            let name = ix.name.clone().unwrap_or_else(|| format!("index {} of {}", n + 1, table.name));
            let kind = DependentKind::Index;
            for part in &ix.parts {
                match part {
                    IndexPart::Column { name: c, .. } => {
                        self.push(ti, Some(c), dep(kind, &name, "indexes it".into(), None))
                    }
                    IndexPart::Expression { sql } => {
                        for c in mentioned_columns(table, sql) {
                            self.push(ti, Some(&c), dep(kind, &name, "its expression reads it".into(), None));
                        }
                    }
                }
            }
            if let Some(predicate) = &ix.predicate {
                for c in mentioned_columns(table, predicate) {
                    self.push(ti, Some(&c), dep(kind, &name, "its WHERE reads it".into(), None));
                }
            }
        }
        for (n, check) in table.checks.iter().enumerate() {
            let name = check.name.clone().unwrap_or_else(|| format!("check {} of {}", n + 1, table.name));
            for c in mentioned_columns(table, &check.expr) {
                self.push(ti, Some(&c), dep(DependentKind::Check, &name, "tests it".into(), None));
            }
        }
        for column in &table.columns {
            if let Some(g) = &column.generated {
                for c in mentioned_columns(table, &g.expr).into_iter().filter(|c| !same_name(c, &column.name)) {
                    let how = format!("{}.{} is computed from it", table.name, column.name);
                    self.push(ti, Some(&c), dep(DependentKind::Generated, &column.name, how, None));
                }
            }
        }
        for seq in &schema.sequences {
            let Some((owner, column)) = seq.owned_by.as_deref().and_then(|o| o.rsplit_once('.')) else { continue };
            if find(owner) == Some(ti) {
                let name = match &seq.namespace {
                    Some(ns) => format!("{ns}.{}", seq.name),
                    None => seq.name.clone(),
                };
                self.push(ti, Some(column), dep(DependentKind::Sequence, &name, "is owned by it".into(), None));
            }
        }
        for parent in table.partition_of.iter().chain(&table.inherits) {
            if let Some(p) = find(parent) {
                let how = if table.partition_of.is_some() { "is a partition of it" } else { "inherits from it" };
                self.push(p, None, dep(DependentKind::Partition, &me, how.into(), Some(&me)));
            }
        }
    }

    /// Each view depends on the tables and columns its query reads. A query Bellows cannot parse
    /// depends on the tables the importer saw after its FROM and JOIN, and on their columns it
    /// mentions by name.
    fn views(&mut self, schema: &Schema, dialect: Dialect) {
        for view in &schema.views {
            let name = view.qualified_name();
            let dependent = |how: &str| Dependent {
                kind: DependentKind::View,
                name: name.clone(),
                how: how.to_string(),
                table: Some(name.clone()),
            };
            let statement = Statement { name: None, text: view_query(&view.definition).to_string(), start: view.span };
            let analysis = crate::consumers::analyze(schema, dialect, &statement);
            if !analysis.findings.iter().any(|f| f.kind == crate::consumers::FindingKind::Unreadable) {
                self.add_analysis(schema, &analysis, &dependent);
                continue;
            }
            let w = words(&view.definition);
            for read in &view.reads {
                let Some(ti) = schema.find_table(read).and_then(|t| self.position(&t.qualified_name())) else {
                    continue;
                };
                self.push(ti, None, dependent("names it (its query is not parsed)"));
                let columns: Vec<String> = schema.tables[ti].columns.iter().map(|c| c.name.clone()).collect();
                for c in columns.iter().filter(|c| has_word(&w, c)) {
                    self.push(ti, Some(c), dependent("mentions it by name (its query is not parsed)"));
                }
            }
        }
    }

    /// Where `table` (qualified, or bare when unqualified) is in the map.
    fn position(&self, table: &str) -> Option<usize> {
        let (ns, short) = split_qualified(table);
        self.tables
            .iter()
            .position(|t| same_name(&t.table, table) || (ns.is_none() && same_name(split_qualified(&t.table).1, short)))
    }

    /// Routines, triggers and policies, by the names they mention.
    fn bodies(&mut self, schema: &Schema, find: &dyn Fn(&str) -> Option<usize>) {
        let mut bodies: Vec<Body> = Vec::new();
        for r in &schema.routines {
            let name = match &r.namespace {
                Some(ns) => format!("{ns}.{}", r.name),
                None => r.name.clone(),
            };
            bodies.push(Body { kind: DependentKind::Routine, name, on: None, words: words(&r.definition) });
        }
        for t in &schema.triggers {
            let mut w = words(&t.definition);
            // A PostgreSQL trigger runs a function: what the function mentions, the trigger uses.
            let function = t.function.split('(').next().unwrap_or("").trim();
            let short = split_qualified(function).1.trim_matches('"');
            if let Some(r) = schema.routines.iter().find(|r| !short.is_empty() && same_name(&r.name, short)) {
                w.extend(words(&r.definition));
            }
            bodies.push(Body {
                kind: DependentKind::Trigger,
                name: t.name.clone(),
                on: Some(t.table.clone()),
                words: w,
            });
        }
        for p in &schema.policies {
            bodies.push(Body {
                kind: DependentKind::Policy,
                name: p.name.clone(),
                on: Some(p.table.clone()),
                words: words(&p.definition),
            });
        }
        for body in &bodies {
            let on = body.on.as_deref().and_then(find);
            for (ti, table) in schema.tables.iter().enumerate() {
                let is_on = on == Some(ti);
                if !is_on && !has_word(&body.words, &table.name) {
                    continue;
                }
                let how = match (body.kind, is_on) {
                    (DependentKind::Trigger, true) => "fires on it",
                    (DependentKind::Policy, true) => "is on it",
                    _ => "mentions it by name",
                };
                let dependent = |how: &str| Dependent {
                    kind: body.kind,
                    name: body.name.clone(),
                    how: how.to_string(),
                    table: is_on.then(|| table.qualified_name()),
                };
                self.push(ti, None, dependent(how));
                for column in &table.columns {
                    if has_word(&body.words, &column.name) {
                        self.push(ti, Some(&column.name), dependent("mentions it by name"));
                    }
                }
            }
        }
    }

    /// What a resolved query reads and writes, as dependents made by `dependent(how)`: one entry
    /// per table and per column, however often the query names it.
    fn add_analysis(&mut self, schema: &Schema, analysis: &Analysis, dependent: &dyn Fn(&str) -> Dependent) {
        for u in analysis.uses(schema) {
            let Some(ti) = self.position(&u.table) else { continue };
            let read = if u.read {
                "reads it"
            } else if u.star {
                "reads it through *"
            } else {
                ""
            };
            let how = match (read, u.write, u.rows) {
                (_, _, true) if !read.is_empty() => format!("{read}, writes whole rows"),
                (_, _, true) => "writes whole rows".to_string(),
                ("reads it", true, _) => "reads and writes it".to_string(),
                ("", true, _) => "writes it".to_string(),
                (r, true, _) => format!("{r}, writes it"),
                (r, false, _) => r.to_string(),
            };
            self.push(ti, u.column.as_deref(), dependent(&how));
        }
    }

    /// A consumer's statement joins the map: `name` is how the map shows it (`billing: GetInvoice`).
    pub fn add_consumer(&mut self, schema: &Schema, name: &str, analysis: &Analysis) {
        self.add_analysis(schema, analysis, &|how: &str| Dependent {
            kind: DependentKind::Consumer,
            name: name.to_string(),
            how: how.to_string(),
            table: None,
        });
    }
}

/// A materialized view's query without pg_dump's `WITH [NO] DATA`.
fn view_query(definition: &str) -> &str {
    let text = definition.trim().trim_end_matches(';').trim_end();
    let lower = text.to_ascii_lowercase();
    for suffix in ["with no data", "with data"] {
        if lower.ends_with(suffix) {
            let rest = &text[..text.len() - suffix.len()];
            if rest.ends_with(char::is_whitespace) || rest.ends_with(')') {
                return rest.trim_end();
            }
        }
    }
    text
}

/// The table's columns an expression mentions.
fn mentioned_columns(table: &Table, sql: &str) -> Vec<String> {
    let w = words(sql);
    table.columns.iter().filter(|c| has_word(&w, &c.name)).map(|c| c.name.clone()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::import;

    fn map(sql: &str, dialect: Dialect) -> (Schema, DependencyMap) {
        let result = import(sql, Some(dialect));
        assert!(result.diagnostics.iter().all(|d| d.severity != crate::Severity::Error), "{:?}", result.diagnostics);
        let m = DependencyMap::build(&result.schema, dialect);
        (result.schema, m)
    }

    fn names(list: &[Dependent]) -> Vec<String> {
        list.iter().map(|d| format!("{} {}: {}", d.kind.label(), d.name, d.how)).collect()
    }

    const SHOP: &str = "
        CREATE TABLE customers (
            id bigint PRIMARY KEY,
            email text NOT NULL UNIQUE,
            name text,
            name_lower text GENERATED ALWAYS AS (lower(name)) STORED,
            CHECK (email LIKE '%@%')
        );
        CREATE SEQUENCE orders_id_seq;
        CREATE TABLE orders (
            id bigint PRIMARY KEY DEFAULT nextval('orders_id_seq'),
            customer_id bigint NOT NULL REFERENCES customers (id),
            total numeric NOT NULL,
            note text
        );
        ALTER SEQUENCE orders_id_seq OWNED BY orders.id;
        CREATE INDEX orders_big ON orders (customer_id) WHERE total > 100;
        CREATE INDEX customers_email_lower ON customers (lower(email));
        CREATE VIEW big_spenders AS
            SELECT c.name, sum(o.total) AS spent FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name;
        CREATE VIEW all_orders AS SELECT * FROM orders;
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'seen'; RETURN NEW; END $$;
        CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
    ";

    #[test]
    fn views_depend_on_exactly_the_columns_their_queries_read() {
        let (_, m) = map(SHOP, Dialect::Postgres);
        let name = names(m.used_by("customers", Some("name")));
        assert!(name.contains(&"view big_spenders: reads it".to_string()), "{name:?}");
        // The view reads customers.id (in its join) but not customers.email.
        assert!(names(m.used_by("customers", Some("id"))).contains(&"view big_spenders: reads it".to_string()));
        assert!(!m.used_by("customers", Some("email")).iter().any(|d| d.kind == DependentKind::View));
        // `SELECT *` reads every column.
        let note = names(m.used_by("orders", Some("note")));
        assert!(note.contains(&"view all_orders: reads it through *".to_string()), "{note:?}");
        let whole = names(m.used_by("orders", None));
        assert!(whole.contains(&"view all_orders: reads it".to_string()), "{whole:?}");
    }

    #[test]
    fn keys_indexes_checks_generated_columns_and_sequences_are_listed() {
        let (_, m) = map(SHOP, Dialect::Postgres);
        let id = names(m.used_by("customers", Some("id")));
        assert!(id.iter().any(|d| d.starts_with("primary key")), "{id:?}");
        assert!(
            id.iter().any(|d| d.contains("referenced by") && d.contains("orders(customer_id) references it")),
            "{id:?}"
        );
        let email = names(m.used_by("customers", Some("email")));
        assert!(email.iter().any(|d| d.starts_with("unique")), "{email:?}");
        assert!(email.contains(&"index customers_email_lower: its expression reads it".to_string()), "{email:?}");
        assert!(email.iter().any(|d| d.starts_with("check") && d.ends_with("tests it")), "{email:?}");
        let name = names(m.used_by("customers", Some("name")));
        assert!(name.iter().any(|d| d.starts_with("generated column name_lower")), "{name:?}");
        let total = names(m.used_by("orders", Some("total")));
        assert!(total.contains(&"index orders_big: its WHERE reads it".to_string()), "{total:?}");
        let customer = names(m.used_by("orders", Some("customer_id")));
        assert!(customer.iter().any(|d| d.contains("references customers(id)")), "{customer:?}");
        let oid = names(m.used_by("orders", Some("id")));
        assert!(oid.contains(&"sequence orders_id_seq: is owned by it".to_string()), "{oid:?}");
    }

    #[test]
    fn triggers_depend_on_their_table_and_on_what_their_function_mentions() {
        let (_, m) = map(SHOP, Dialect::Postgres);
        let whole = names(m.used_by("orders", None));
        assert!(whole.contains(&"trigger orders_touch: fires on it".to_string()), "{whole:?}");
        let note = names(m.used_by("orders", Some("note")));
        assert!(note.contains(&"trigger orders_touch: mentions it by name".to_string()), "{note:?}");
        assert!(!m.used_by("orders", Some("total")).iter().any(|d| d.kind == DependentKind::Trigger));
    }

    #[test]
    fn mysql_trigger_bodies_are_read_for_mentions() {
        let (_, m) = map(
            "CREATE TABLE a (id int PRIMARY KEY, n int);
             CREATE TABLE log (a_id int, at datetime);
             DELIMITER ;;
             CREATE TRIGGER a_log AFTER UPDATE ON a FOR EACH ROW BEGIN INSERT INTO log (a_id, at) VALUES (NEW.id, NOW()); END;;
             DELIMITER ;",
            Dialect::MySql,
        );
        assert!(names(m.used_by("log", None)).contains(&"trigger a_log: mentions it by name".to_string()));
        assert!(names(m.used_by("log", Some("a_id"))).contains(&"trigger a_log: mentions it by name".to_string()));
        assert!(names(m.used_by("a", None)).contains(&"trigger a_log: fires on it".to_string()));
    }

    #[test]
    fn consumers_read_and_write() {
        let (schema, mut m) = map(SHOP, Dialect::Postgres);
        let dialect = Dialect::Postgres;
        let text = "-- name: Pay :exec\nUPDATE orders SET total = total + $1 WHERE id = $2;\n\
                    -- name: Purge :exec\nDELETE FROM orders WHERE note IS NULL;";
        for s in crate::consumers::statements(text, dialect) {
            let a = crate::consumers::analyze(&schema, dialect, &s);
            m.add_consumer(&schema, &format!("billing: {}", s.label()), &a);
        }
        let total = names(m.used_by("orders", Some("total")));
        assert!(total.contains(&"consumer billing: Pay: reads and writes it".to_string()), "{total:?}");
        let id = names(m.used_by("orders", Some("id")));
        assert!(id.contains(&"consumer billing: Pay: reads it".to_string()), "{id:?}");
        let whole = names(m.used_by("orders", None));
        assert!(whole.contains(&"consumer billing: Purge: reads it, writes whole rows".to_string()), "{whole:?}");
    }
}
