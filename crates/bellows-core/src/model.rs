//! The schema model: ours, not sqlparser's. Every table and column has a stable id so later edits
//! and diffs can tell a rename from a drop-and-add.
//!
//! Constraints and indexes name their columns by name (as SQL does); the `edit` stage keeps those
//! names in step when a column is renamed. Names keep the spelling of the source (quoted
//! identifiers keep their case); lookups compare them case-insensitively.

use crate::types::DataType;
use crate::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnId(pub u32);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The dialect the schema was read in, when it came from text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<crate::Dialect>,
    pub tables: Vec<Table>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    /// Namespaces created explicitly (`CREATE SCHEMA`), besides the default one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<Routine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Row-level security policies and rewrite rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// `CREATE EXTENSION`s, as the schema needs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Other statements that define what tables and indexes may use (collations, text search
    /// configurations, composite and range types, operators, casts, `DO` blocks), kept as
    /// text in source order so an export loads as the original did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<OtherObject>,
}

/// An extension and the schema its objects go to (`WITH SCHEMA`, or the first schema of the
/// search path it was created under), when not the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

impl Extension {
    /// `CREATE EXTENSION IF NOT EXISTS name [WITH SCHEMA s]`.
    pub fn create_sql(&self) -> String {
        let q = |n: &str| crate::render::ident(n, crate::Dialect::Postgres);
        match &self.schema {
            Some(s) => format!("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}", q(&self.name), q(s)),
            None => format!("CREATE EXTENSION IF NOT EXISTS {}", q(&self.name)),
        }
    }
}

/// A statement kept as text: `kind` is its object kind in lower case (`collation`,
/// `text search configuration`, `type`, `do`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherObject {
    pub kind: String,
    /// The object's name, empty for a `DO` block.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub id: TableId,
    /// The namespace (PostgreSQL schema, MySQL database) when the DDL names one other than the
    /// default (`public` in PostgreSQL is stored as `None`, so `public.t` and `t` are one table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Key>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<Key>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `PARTITION OF parent` (PostgreSQL declarative partitions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<String>,
    /// The bound of a partition: `FOR VALUES FROM (...) TO (...)`, `DEFAULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_bound: Option<String>,
    /// `PARTITION BY RANGE (col)` of a partitioned table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// `INHERITS (parent, ...)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    /// SQLite `WITHOUT ROWID`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_rowid: bool,
    /// The `search_path` the table was created under, when not the default: the unqualified
    /// names in its CHECKs and defaults (functions, types) live there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    /// Where the table is defined in the source text.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub id: ColumnId,
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL's `ON UPDATE` expression (`CURRENT_TIMESTAMP`): the value a row's update writes
    /// when it leaves the column out. Kept so a statement that restates the column (MODIFY
    /// COLUMN) keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
    pub span: Span,
}

impl Column {
    /// A plain column: no default, identity, generation or comment.
    pub fn new(id: ColumnId, name: impl Into<String>, data_type: DataType, nullable: bool, span: Span) -> Self {
        Self {
            id,
            name: name.into(),
            data_type,
            nullable,
            default: None,
            identity: None,
            generated: None,
            comment: None,
            on_update: None,
            span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultValue {
    /// The expression as SQL text.
    pub expr: String,
    /// True when the value is computed per row (`now()`, `nextval(...)`, `gen_random_uuid()`):
    /// adding such a column rewrites the table in PostgreSQL.
    pub volatile: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
    /// `serial` / `bigserial`, or a `nextval()` default from a sequence owned by the column.
    Serial,
    /// MySQL `AUTO_INCREMENT`, SQLite `AUTOINCREMENT`.
    AutoIncrement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: String,
    /// STORED (computed on write) rather than VIRTUAL (computed on read).
    pub stored: bool,
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// `DEFERRABLE` (checked at commit when `INITIALLY DEFERRED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<Deferrable>,
}

impl Key {
    pub fn new(name: Option<String>, columns: Vec<String>) -> Self {
        Self { name, columns, deferrable: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deferrable {
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub expr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// The referenced table, qualified as written (after the default-namespace normalisation).
    pub ref_table: String,
    /// Empty when the DDL leaves them out (meaning the referenced table's primary key).
    pub ref_columns: Vec<String>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
}

impl ForeignKey {
    /// The columns it references: as written, or the parent's primary key when the DDL leaves
    /// them out (empty when there is neither).
    pub fn referenced_columns(&self, parent: Option<&Table>) -> Vec<String> {
        if self.ref_columns.is_empty() {
            parent.and_then(|p| p.primary_key.as_ref()).map(|k| k.columns.clone()).unwrap_or_default()
        } else {
            self.ref_columns.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl RefAction {
    pub fn sql(self) -> &'static str {
        match self {
            RefAction::NoAction => "NO ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: Option<String>,
    pub unique: bool,
    /// Each part is a column name or, for expression indexes, the expression's SQL.
    pub parts: Vec<IndexPart>,
    /// `USING gist` and the like; `None` for the server's default (btree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The `WHERE` of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexPart {
    Column { name: String, descending: bool },
    Expression { sql: String },
}

impl IndexPart {
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexPart::Column { name, .. } => Some(name),
            IndexPart::Expression { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub labels: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub materialized: bool,
    /// The `SELECT` as SQL text.
    pub definition: String,
    /// The tables (qualified as written) the view reads.
    pub reads: Vec<String>,
    /// Columns the view names explicitly, as `table.column` where the table is known.
    pub columns_read: Vec<String>,
    /// The `search_path` the view was created under: its query's unqualified names live there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    pub span: Span,
}

impl View {
    /// `namespace.name`, or `name` when there is no namespace.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A domain: a base type with its own NOT NULL, default and CHECKs (`VALUE` names the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// The `CREATE DOMAIN` statement as written.
    pub definition: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoutineKind {
    Function,
    Procedure,
    Aggregate,
}

impl RoutineKind {
    pub fn sql(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
            RoutineKind::Aggregate => "AGGREGATE",
        }
    }
}

/// A function, procedure or aggregate. Bodies are in languages Bellows does not read, so a
/// routine is kept as its text; what it uses is found by the names it mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub kind: RoutineKind,
    /// The argument types as the server identifies the routine: `(integer, text)`.
    pub arguments: String,
    /// The whole `CREATE` statement as written.
    pub definition: String,
    /// The `search_path` the routine was created under (its unqualified names live there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    pub span: Span,
}

impl Routine {
    /// `ns.name(args)`: the routine's identity, as `DROP FUNCTION` wants it.
    pub fn signature(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}.{}{}", self.name, self.arguments),
            None => format!("{}{}", self.name, self.arguments),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// The table (or view) it is on, qualified as tables are.
    pub table: String,
    /// The function it executes, as written.
    pub function: String,
    /// `UPDATE OF` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// The whole `CREATE TRIGGER` statement as written.
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// `CREATE POLICY` (row-level security).
    RowSecurity,
    /// `CREATE RULE` (the query rewrite system).
    Rule,
}

/// A row-level security policy or a rewrite rule on a table, kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub kind: PolicyKind,
    pub name: String,
    pub table: String,
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// `OWNED BY table.column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    pub span: Span,
}

/// A partition's bound, read from its text (`FOR VALUES FROM (a) TO (b)`, `IN (...)`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionBound {
    /// Single-column range bounds as SQL literals; `MINVALUE`/`MAXVALUE` kept as words.
    Range {
        from: String,
        to: String,
    },
    List(Vec<String>),
    Hash,
    Default,
}

impl PartitionBound {
    /// The rows the bound takes, as a predicate on the key column (`None` for hash and default
    /// partitions, which no predicate of the key describes alone).
    pub fn predicate(&self, key: &str, ty: &str) -> Option<String> {
        match self {
            PartitionBound::Range { from, to } => {
                let mut parts = Vec::new();
                if !from.eq_ignore_ascii_case("minvalue") {
                    parts.push(format!("{key} >= CAST({from} AS {ty})"));
                }
                if !to.eq_ignore_ascii_case("maxvalue") {
                    parts.push(format!("{key} < CAST({to} AS {ty})"));
                }
                Some(if parts.is_empty() { "true".into() } else { format!("({})", parts.join(" AND ")) })
            }
            PartitionBound::List(values) => {
                let casts: Vec<String> = values.iter().map(|v| format!("CAST({v} AS {ty})")).collect();
                Some(format!("{key} IN ({})", casts.join(", ")))
            }
            PartitionBound::Hash | PartitionBound::Default => None,
        }
    }
}

/// Splits `a, 'b,c', (d)` on its top-level commas.
fn split_values(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut quote = false;
    let mut cur = String::new();
    for c in list.chars() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ',' if !quote && depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// A table's possessive in the plan's and the inspector's English: "accounts' row",
/// "legacy's values".
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// Compares identifiers the way a reader expects: case-insensitively.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Schema {
    pub fn column_count(&self) -> usize {
        self.tables.iter().map(|t| t.columns.len()).sum()
    }

    pub fn foreign_key_count(&self) -> usize {
        self.tables.iter().map(|t| t.foreign_keys.len()).sum()
    }

    pub fn table(&self, id: TableId) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// Finds a table by `name` or `namespace.name`.
    pub fn find_table(&self, qualified: &str) -> Option<&Table> {
        let (namespace, name) = split_qualified(qualified);
        self.tables.iter().find(|t| t.matches(namespace, name))
    }

    pub fn find_table_mut(&mut self, qualified: &str) -> Option<&mut Table> {
        let (namespace, name) = split_qualified(qualified);
        self.tables.iter_mut().find(|t| t.matches(namespace, name))
    }

    pub fn find_domain(&self, qualified: &str) -> Option<&Domain> {
        let (namespace, name) = split_qualified(qualified);
        self.domains.iter().find(|d| {
            same_name(&d.name, name)
                && match (namespace, &d.namespace) {
                    (Some(a), Some(b)) => same_name(a, b),
                    (None, _) => true,
                    (Some(_), None) => false,
                }
        })
    }

    pub fn find_view(&self, qualified: &str) -> Option<&View> {
        let (namespace, name) = split_qualified(qualified);
        self.views.iter().find(|v| {
            same_name(&v.name, name)
                && match (namespace, &v.namespace) {
                    (Some(a), Some(b)) => same_name(a, b),
                    (None, None) => true,
                    _ => false,
                }
        })
    }

    pub fn find_enum(&self, qualified: &str) -> Option<&EnumType> {
        let (namespace, name) = split_qualified(qualified);
        self.enums.iter().find(|e| {
            same_name(&e.name, name)
                && match (namespace, &e.namespace) {
                    (Some(a), Some(b)) => same_name(a, b),
                    (None, _) => true,
                    (Some(_), None) => false,
                }
        })
    }
}

/// `"a.b"` -> (Some("a"), "b"); `"b"` -> (None, "b").
pub fn split_qualified(qualified: &str) -> (Option<&str>, &str) {
    match qualified.rsplit_once('.') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, qualified),
    }
}

impl Table {
    /// A table with no columns, keys or options yet.
    pub fn new(id: TableId, namespace: Option<String>, name: impl Into<String>, span: Span) -> Self {
        Self {
            id,
            namespace,
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            partition_of: None,
            partition_bound: None,
            partition_by: None,
            inherits: Vec::new(),
            without_rowid: false,
            search_path: None,
            span,
        }
    }

    /// `namespace.name`, or `name` when there is no namespace.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}.{}", self.name),
            None => self.name.clone(),
        }
    }

    fn matches(&self, namespace: Option<&str>, name: &str) -> bool {
        same_name(&self.name, name)
            && match (namespace, &self.namespace) {
                (Some(a), Some(b)) => same_name(a, b),
                (None, None) => true,
                _ => false,
            }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| same_name(&c.name, name))
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| same_name(&c.name, name))
    }

    /// True when the column is (part of) the primary key.
    pub fn is_primary_key(&self, column: &str) -> bool {
        self.primary_key.as_ref().is_some_and(|k| k.columns.iter().any(|c| same_name(c, column)))
    }

    /// True when a single-column unique constraint or unique index covers exactly this column.
    pub fn is_unique(&self, column: &str) -> bool {
        let single = |cols: &[String]| cols.len() == 1 && same_name(&cols[0], column);
        self.uniques.iter().any(|k| single(&k.columns))
            || self.indexes.iter().any(|i| {
                i.unique
                    && i.predicate.is_none()
                    && i.parts.len() == 1
                    && i.parts[0].column().is_some_and(|c| same_name(c, column))
            })
    }

    /// The bound of a partition, read from its text.
    pub fn bound(&self) -> Option<PartitionBound> {
        let bound = self.partition_bound.as_deref()?.trim();
        let upper = bound.to_ascii_uppercase();
        if upper == "DEFAULT" {
            return Some(PartitionBound::Default);
        }
        if upper.starts_with("FOR VALUES WITH") {
            return Some(PartitionBound::Hash);
        }
        let inner = |t: &str| t.trim().trim_start_matches('(').trim_end_matches(')').trim().to_string();
        if upper.starts_with("FOR VALUES IN") {
            let values = split_values(&inner(&bound["FOR VALUES IN".len()..]));
            return (!values.is_empty()).then_some(PartitionBound::List(values));
        }
        if upper.starts_with("FOR VALUES FROM") {
            let rest = &bound["FOR VALUES FROM".len()..];
            let at = rest.to_ascii_uppercase().find(" TO ")?;
            let (from, to) = (inner(&rest[..at]), inner(&rest[at + 4..]));
            // One key column only: several make a bound no single predicate reads simply.
            if split_values(&from).len() != 1 {
                return None;
            }
            return Some(PartitionBound::Range { from, to });
        }
        None
    }

    /// The one column a partitioned table is keyed by (`PARTITION BY RANGE (c)`), if it is
    /// one column.
    pub fn partition_key(&self) -> Option<String> {
        let by = self.partition_by.as_deref()?;
        let inner = by.split_once('(').map(|(_, r)| r.trim_end().trim_end_matches(')'))?;
        let columns: Vec<&str> =
            inner.split(',').map(|c| c.trim().trim_matches('"')).filter(|c| !c.is_empty()).collect();
        match columns.as_slice() {
            [one] if one.chars().all(|c| c.is_alphanumeric() || c == '_') => Some(one.to_string()),
            _ => None,
        }
    }

    /// The foreign keys that include this column.
    pub fn foreign_keys_of<'a>(&'a self, column: &'a str) -> impl Iterator<Item = &'a ForeignKey> + 'a {
        self.foreign_keys.iter().filter(move |fk| fk.columns.iter().any(|c| same_name(c, column)))
    }
}
