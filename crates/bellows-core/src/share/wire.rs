//! The link's binary form, version 2: the design's model and edits as compact as they can be
//! while still giving back the same design.
//!
//! These types are the format, frozen: they mirror the model but are not the model, so the model
//! can change without breaking links already pasted in chats. A change to the format is a new
//! version with its own types beside these, and every older version keeps its reader.
//!
//! What makes it small: postcard's varints and length-prefixed strings (no field names), no
//! source positions, a type as its spelling alone (the kind is read again from it), ids as gaps
//! from the previous id
//! (almost always 0), and enums as one byte.

use crate::edit::Edit;
use crate::model::*;
use crate::types::DataType;
use crate::{Dialect, Span};
use serde::{Deserialize, Serialize};

/// Where a decoded object points: the link carries no source positions.
const NOWHERE: Span = Span::new(0, 0);

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WDesign {
    pub dialect: u8,
    pub schema: WSchema,
    pub edits: Vec<WEdit>,
    /// Hand-placed tables: (table id, x, y), in whole pixels.
    pub positions: Vec<(u32, i32, i32)>,
    pub pg_version: u32,
    pub mysql_server: Option<u8>,
    pub lock_timeout_ms: u32,
    pub batch_size: u32,
    pub read_only: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct WSchema {
    tables: Vec<WTable>,
    enums: Vec<(Option<String>, String, Vec<String>)>,
    views: Vec<WView>,
    /// (namespace, name, owned by).
    sequences: Vec<(Option<String>, String, Option<String>)>,
    namespaces: Vec<String>,
    domains: Vec<WDomain>,
    routines: Vec<WRoutine>,
    triggers: Vec<WTrigger>,
    policies: Vec<WPolicy>,
    /// (name, schema).
    extensions: Vec<(String, Option<String>)>,
    others: Vec<WOther>,
}

/// A type is its spelling: the model makes a type's kind only by reading its spelling
/// (`DataType::parse`), so the kind is read again on the way out.
type WType = String;

#[derive(Debug, Serialize, Deserialize)]
struct WTable {
    id_gap: u32,
    namespace: Option<String>,
    name: String,
    columns: Vec<WColumn>,
    primary_key: Option<WKey>,
    uniques: Vec<WKey>,
    checks: Vec<(Option<String>, String)>,
    foreign_keys: Vec<WForeignKey>,
    indexes: Vec<WIndex>,
    comment: Option<String>,
    partition_of: Option<String>,
    partition_bound: Option<String>,
    partition_by: Option<String>,
    inherits: Vec<String>,
    without_rowid: bool,
    search_path: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WColumn {
    id_gap: u32,
    name: String,
    data_type: WType,
    nullable: bool,
    default: Option<WDefault>,
    identity: Option<u8>,
    /// (expression, stored).
    generated: Option<(String, bool)>,
    comment: Option<String>,
}

/// A constraint's or index's name: most follow their server's naming rule, and those are
/// carried as which rule (an index into the context's list in [`derivations`]), not as text.
#[derive(Debug, Serialize, Deserialize)]
enum WName {
    Unnamed,
    Named(String),
    Derived(u8),
}

/// What a name is derived for.
#[derive(Debug, Clone, Copy)]
enum NameOf {
    PrimaryKey,
    Unique,
    /// A foreign key, with its position among the table's (MySQL counts them from 1).
    ForeignKey(usize),
    Index,
}

/// The names servers and frameworks give when none is written, in a fixed order (part of the
/// format: a new rule goes at the end of its list).
fn derivations(of: NameOf, table: &str, columns: &[&str]) -> Vec<String> {
    let cols = columns.join("_");
    let first = columns.first().copied().unwrap_or("");
    match of {
        NameOf::PrimaryKey => vec![format!("{table}_pkey"), "PRIMARY".into(), format!("pk_{table}")],
        NameOf::Unique => vec![format!("{table}_{cols}_key"), first.to_string(), format!("{table}_{cols}_unique")],
        NameOf::ForeignKey(i) => {
            vec![format!("{table}_{cols}_fkey"), format!("{table}_ibfk_{}", i + 1), format!("{table}_{cols}_foreign")]
        }
        NameOf::Index => vec![
            format!("{table}_{cols}_idx"),
            first.to_string(),
            format!("idx_{table}_{cols}"),
            format!("{table}_{cols}_index"),
            format!("index_{table}_on_{}", columns.join("_and_")),
            format!("ix_{table}_{cols}"),
        ],
    }
}

fn wname(name: &Option<String>, of: NameOf, table: &str, columns: &[&str]) -> WName {
    let Some(name) = name else { return WName::Unnamed };
    if !columns.is_empty() || matches!(of, NameOf::PrimaryKey) {
        if let Some(i) = derivations(of, table, columns).iter().position(|d| d == name) {
            if let Ok(i) = u8::try_from(i) {
                return WName::Derived(i);
            }
        }
    }
    WName::Named(name.clone())
}

fn rname(name: WName, of: NameOf, table: &str, columns: &[&str]) -> Result<Option<String>, String> {
    match name {
        WName::Unnamed => Ok(None),
        WName::Named(n) => Ok(Some(n)),
        WName::Derived(i) => derivations(of, table, columns)
            .into_iter()
            .nth(usize::from(i))
            .map(Some)
            .ok_or_else(|| format!("this link has an unknown naming rule ({i})")),
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A column default: most serial columns take their sequence's `nextval`, carried as the rule.
#[derive(Debug, Serialize, Deserialize)]
enum WDefault {
    /// (expression, volatile).
    Expr(String, bool),
    /// (rule, volatile): an index into [`default_derivations`].
    Derived(u8, bool),
    // New kinds go last: a link's defaults name their kind by its position here.
    /// MySQL's `ON UPDATE` (expression), beside the column's default if it has one.
    OnUpdate(Option<Box<WDefault>>, String),
}

fn default_derivations(namespace: Option<&str>, table: &str, column: &str) -> Vec<String> {
    let seq = format!("{table}_{column}_seq");
    // `public` is the default namespace, kept as none in the model but often written out.
    let ns = format!("{}.", namespace.unwrap_or("public"));
    vec![
        format!("nextval('{seq}'::REGCLASS)"),
        format!("nextval('{ns}{seq}'::REGCLASS)"),
        format!("nextval('{seq}'::regclass)"),
        format!("nextval('{ns}{seq}'::regclass)"),
    ]
}

#[derive(Debug, Serialize, Deserialize)]
struct WKey {
    name: WName,
    columns: Vec<String>,
    deferrable: Option<u8>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WForeignKey {
    name: WName,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: u8,
    on_update: u8,
}

#[derive(Debug, Serialize, Deserialize)]
struct WIndex {
    name: WName,
    unique: bool,
    parts: Vec<WIndexPart>,
    method: Option<String>,
    predicate: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
enum WIndexPart {
    Column(String, bool),
    Expression(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct WView {
    namespace: Option<String>,
    name: String,
    materialized: bool,
    definition: String,
    reads: Vec<String>,
    columns_read: Vec<String>,
    search_path: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WDomain {
    namespace: Option<String>,
    name: String,
    data_type: WType,
    nullable: bool,
    default: Option<String>,
    checks: Vec<(Option<String>, String)>,
    definition: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct WRoutine {
    namespace: Option<String>,
    name: String,
    kind: u8,
    arguments: String,
    definition: String,
    search_path: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WTrigger {
    name: String,
    table: String,
    function: String,
    columns: Vec<String>,
    definition: String,
    search_path: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WPolicy {
    kind: u8,
    name: String,
    table: String,
    definition: String,
    search_path: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WOther {
    kind: String,
    name: String,
    definition: String,
    search_path: Option<String>,
}

/// The edits, one variant each; ids as numbers.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum WEdit {
    AddTable(u32, String, u32),
    RenameTable(u32, String),
    DropTable(u32),
    AddColumn(u32, u32, String, String, bool),
    RenameColumn(u32, u32, String),
    SetType(u32, u32, String),
    SetNullable(u32, u32, bool),
    SetDefault(u32, u32, Option<String>),
    SetPrimaryKey(u32, u32, bool),
    SetUnique(u32, u32, bool),
    DropColumn(u32, u32),
    AddForeignKey(u32, u32, u32, u32),
    DropForeignKey(u32, u32),
    AddIndex(u32, u32),
    DropIndex(u32, String),
    // New kinds go last: a link's edits name their kind by its position here.
    AddCheck(u32, String, String),
    DropCheck(u32, String),
    /// 0: no identity, 1: GENERATED ALWAYS, 2: GENERATED BY DEFAULT.
    SetIdentity(u32, u32, u8),
    /// (table, column, lookup table, its key column, its name).
    ExtractLookup(u32, u32, u32, u32, String),
    /// (table, columns, new table, its key column, its name).
    ExtractColumns(u32, Vec<u32>, u32, u32, String),
    /// (table, column or none for the table's own, comment).
    SetComment(u32, Option<u32>, Option<String>),
    /// (table, the key's columns in order).
    SetPrimaryKeyColumns(u32, Vec<u32>),
    /// (table, name, columns).
    AddUnique(u32, String, Vec<u32>),
    /// (table, columns).
    DropUnique(u32, Vec<u32>),
    /// (table, name, columns, the descending ones, unique, method, predicate).
    CreateIndex(u32, String, Vec<u32>, Vec<u32>, bool, Option<String>, Option<String>),
    /// (enum type, label, the label it goes before).
    AddEnumValue(String, String, Option<String>),
    /// (enum type, label, new label).
    RenameEnumValue(String, String, String),
    /// (enum type, label, the label its rows get).
    RemoveEnumValue(String, String, Option<String>),
    /// (enum type, its labels).
    CreateEnum(String, Vec<String>),
    /// (merged table, the table it goes into, the key columns, column pairs), the other
    /// table's row kept on a match.
    MergeTable(u32, u32, Vec<u32>, Vec<(u32, u32)>),
    /// The same, the merged table's values winning on a match. The last variant, so the others
    /// keep their numbers.
    MergeTableWins(u32, u32, Vec<u32>, Vec<(u32, u32)>),
    /// (table, column, the related table it moves to). After the merges, so they keep their
    /// numbers.
    MoveColumn(u32, u32, u32),
}

pub(super) fn dialect_code(d: Dialect) -> u8 {
    match d {
        Dialect::Postgres => 0,
        Dialect::MySql => 1,
        Dialect::Sqlite => 2,
    }
}

pub(super) fn dialect_from(code: u8) -> Result<Dialect, String> {
    Dialect::ALL.get(usize::from(code)).copied().ok_or_else(|| format!("this link names an unknown dialect ({code})"))
}

/// An enum as its position in `all`, and back.
fn code<T: PartialEq + Copy>(all: &[T], v: T) -> u8 {
    all.iter().position(|x| *x == v).and_then(|i| u8::try_from(i).ok()).unwrap_or(0)
}

fn pick<T: Copy>(all: &[T], c: u8, what: &str) -> Result<T, String> {
    all.get(usize::from(c)).copied().ok_or_else(|| format!("this link has an unknown {what} ({c})"))
}

const IDENTITIES: [Identity; 4] = [Identity::Always, Identity::ByDefault, Identity::Serial, Identity::AutoIncrement];
const DEFERRABLES: [Deferrable; 2] = [Deferrable::InitiallyImmediate, Deferrable::InitiallyDeferred];
const ACTIONS: [RefAction; 5] =
    [RefAction::NoAction, RefAction::Restrict, RefAction::Cascade, RefAction::SetNull, RefAction::SetDefault];
const ROUTINES: [RoutineKind; 3] = [RoutineKind::Function, RoutineKind::Procedure, RoutineKind::Aggregate];
const POLICIES: [PolicyKind; 2] = [PolicyKind::RowSecurity, PolicyKind::Rule];
pub(super) const SERVERS: [crate::plan::MySqlServer; 4] = [
    crate::plan::MySqlServer::MySql80,
    crate::plan::MySqlServer::MySql84,
    crate::plan::MySqlServer::MariaDb1011,
    crate::plan::MySqlServer::MariaDb114,
];

pub(super) fn server_code(s: crate::plan::MySqlServer) -> u8 {
    code(&SERVERS, s)
}

pub(super) fn server_from(c: u8) -> Result<crate::plan::MySqlServer, String> {
    pick(&SERVERS, c, "server")
}

/// The gap between an id and the one after the previous id (0 when they follow each other).
fn gap(prev: &mut u32, id: u32) -> u32 {
    let g = id.wrapping_sub(prev.wrapping_add(1));
    *prev = id;
    g
}

fn ungap(prev: &mut u32, g: u32) -> u32 {
    let id = prev.wrapping_add(1).wrapping_add(g);
    *prev = id;
    id
}

fn wtype(t: &DataType) -> WType {
    t.spelling.clone()
}

fn rtype(spelling: WType) -> Result<DataType, String> {
    Ok(DataType::parse(&spelling))
}

fn wkey(k: &Key, of: NameOf, table: &str) -> WKey {
    WKey {
        name: wname(&k.name, of, table, &strs(&k.columns)),
        columns: k.columns.clone(),
        deferrable: k.deferrable.map(|d| code(&DEFERRABLES, d)),
    }
}

fn rkey(k: WKey, of: NameOf, table: &str) -> Result<Key, String> {
    Ok(Key {
        name: rname(k.name, of, table, &strs(&k.columns))?,
        columns: k.columns,
        deferrable: k.deferrable.map(|d| pick(&DEFERRABLES, d, "deferral")).transpose()?,
    })
}

/// An index's columns, for its derived name; none when a part is an expression.
fn index_columns(parts: &[IndexPart]) -> Vec<&str> {
    parts.iter().map(IndexPart::column).collect::<Option<Vec<_>>>().unwrap_or_default()
}

fn wchecks(c: &[Check]) -> Vec<(Option<String>, String)> {
    c.iter().map(|c| (c.name.clone(), c.expr.clone())).collect()
}

fn rchecks(c: Vec<(Option<String>, String)>) -> Vec<Check> {
    c.into_iter().map(|(name, expr)| Check { name, expr }).collect()
}

pub(super) fn write_schema(s: &Schema) -> WSchema {
    // Column ids run on across tables, so one counter for them all.
    let (mut prev_table, mut prev_column) = (u32::MAX, u32::MAX);
    WSchema {
        tables: s
            .tables
            .iter()
            .map(|t| WTable {
                id_gap: gap(&mut prev_table, t.id.0),
                namespace: t.namespace.clone(),
                name: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| WColumn {
                        id_gap: gap(&mut prev_column, c.id.0),
                        name: c.name.clone(),
                        data_type: wtype(&c.data_type),
                        nullable: c.nullable,
                        default: {
                            let default = c.default.as_ref().map(|d| {
                                let rules = default_derivations(t.namespace.as_deref(), &t.name, &c.name);
                                match rules.iter().position(|r| *r == d.expr).and_then(|i| u8::try_from(i).ok()) {
                                    Some(i) => WDefault::Derived(i, d.volatile),
                                    None => WDefault::Expr(d.expr.clone(), d.volatile),
                                }
                            });
                            match &c.on_update {
                                Some(u) => Some(WDefault::OnUpdate(default.map(Box::new), u.clone())),
                                None => default,
                            }
                        },
                        identity: c.identity.map(|i| code(&IDENTITIES, i)),
                        generated: c.generated.as_ref().map(|g| (g.expr.clone(), g.stored)),
                        comment: c.comment.clone(),
                    })
                    .collect(),
                primary_key: t.primary_key.as_ref().map(|k| wkey(k, NameOf::PrimaryKey, &t.name)),
                uniques: t.uniques.iter().map(|k| wkey(k, NameOf::Unique, &t.name)).collect(),
                checks: wchecks(&t.checks),
                foreign_keys: t
                    .foreign_keys
                    .iter()
                    .enumerate()
                    .map(|(n, f)| WForeignKey {
                        name: wname(&f.name, NameOf::ForeignKey(n), &t.name, &strs(&f.columns)),
                        columns: f.columns.clone(),
                        ref_table: f.ref_table.clone(),
                        ref_columns: f.ref_columns.clone(),
                        on_delete: code(&ACTIONS, f.on_delete),
                        on_update: code(&ACTIONS, f.on_update),
                    })
                    .collect(),
                indexes: t
                    .indexes
                    .iter()
                    .map(|i| WIndex {
                        name: wname(&i.name, NameOf::Index, &t.name, &index_columns(&i.parts)),
                        unique: i.unique,
                        parts: i
                            .parts
                            .iter()
                            .map(|p| match p {
                                IndexPart::Column { name, descending } => WIndexPart::Column(name.clone(), *descending),
                                IndexPart::Expression { sql } => WIndexPart::Expression(sql.clone()),
                            })
                            .collect(),
                        method: i.method.clone(),
                        predicate: i.predicate.clone(),
                    })
                    .collect(),
                comment: t.comment.clone(),
                partition_of: t.partition_of.clone(),
                partition_bound: t.partition_bound.clone(),
                partition_by: t.partition_by.clone(),
                inherits: t.inherits.clone(),
                without_rowid: t.without_rowid,
                search_path: t.search_path.clone(),
            })
            .collect(),
        enums: s.enums.iter().map(|e| (e.namespace.clone(), e.name.clone(), e.labels.clone())).collect(),
        views: s
            .views
            .iter()
            .map(|v| WView {
                namespace: v.namespace.clone(),
                name: v.name.clone(),
                materialized: v.materialized,
                definition: v.definition.clone(),
                reads: v.reads.clone(),
                columns_read: v.columns_read.clone(),
                search_path: v.search_path.clone(),
            })
            .collect(),
        sequences: s.sequences.iter().map(|q| (q.namespace.clone(), q.name.clone(), q.owned_by.clone())).collect(),
        namespaces: s.namespaces.clone(),
        domains: s
            .domains
            .iter()
            .map(|d| WDomain {
                namespace: d.namespace.clone(),
                name: d.name.clone(),
                data_type: wtype(&d.data_type),
                nullable: d.nullable,
                default: d.default.clone(),
                checks: wchecks(&d.checks),
                definition: d.definition.clone(),
            })
            .collect(),
        routines: s
            .routines
            .iter()
            .map(|r| WRoutine {
                namespace: r.namespace.clone(),
                name: r.name.clone(),
                kind: code(&ROUTINES, r.kind),
                arguments: r.arguments.clone(),
                definition: r.definition.clone(),
                search_path: r.search_path.clone(),
            })
            .collect(),
        triggers: s
            .triggers
            .iter()
            .map(|t| WTrigger {
                name: t.name.clone(),
                table: t.table.clone(),
                function: t.function.clone(),
                columns: t.columns.clone(),
                definition: t.definition.clone(),
                search_path: t.search_path.clone(),
            })
            .collect(),
        policies: s
            .policies
            .iter()
            .map(|p| WPolicy {
                kind: code(&POLICIES, p.kind),
                name: p.name.clone(),
                table: p.table.clone(),
                definition: p.definition.clone(),
                search_path: p.search_path.clone(),
            })
            .collect(),
        extensions: s.extensions.iter().map(|e| (e.name.clone(), e.schema.clone())).collect(),
        others: s
            .others
            .iter()
            .map(|o| WOther {
                kind: o.kind.clone(),
                name: o.name.clone(),
                definition: o.definition.clone(),
                search_path: o.search_path.clone(),
            })
            .collect(),
    }
}

pub(super) fn read_schema(w: WSchema, dialect: Dialect) -> Result<Schema, String> {
    let (mut prev_table, mut prev_column) = (u32::MAX, u32::MAX);
    let mut tables = Vec::with_capacity(w.tables.len());
    for t in w.tables {
        let id = TableId(ungap(&mut prev_table, t.id_gap));
        let mut columns = Vec::with_capacity(t.columns.len());
        for c in t.columns {
            let (default, on_update) = match c.default {
                Some(WDefault::OnUpdate(d, u)) => (d.map(|d| *d), Some(u)),
                other => (other, None),
            };
            let default = match default {
                None => None,
                Some(WDefault::Expr(expr, volatile)) => Some(DefaultValue { expr, volatile }),
                Some(WDefault::Derived(i, volatile)) => {
                    let expr = default_derivations(t.namespace.as_deref(), &t.name, &c.name)
                        .into_iter()
                        .nth(usize::from(i))
                        .ok_or_else(|| format!("this link has an unknown default rule ({i})"))?;
                    Some(DefaultValue { expr, volatile })
                }
                Some(WDefault::OnUpdate(..)) => return Err("this link has a default inside a default".to_string()),
            };
            columns.push(Column {
                id: ColumnId(ungap(&mut prev_column, c.id_gap)),
                name: c.name.clone(),
                data_type: rtype(c.data_type)?,
                nullable: c.nullable,
                default,
                identity: c.identity.map(|i| pick(&IDENTITIES, i, "identity")).transpose()?,
                generated: c.generated.map(|(expr, stored)| Generated { expr, stored }),
                comment: c.comment,
                on_update,
                span: NOWHERE,
            });
        }
        let mut foreign_keys = Vec::with_capacity(t.foreign_keys.len());
        for (n, f) in t.foreign_keys.into_iter().enumerate() {
            foreign_keys.push(ForeignKey {
                name: rname(f.name, NameOf::ForeignKey(n), &t.name, &strs(&f.columns))?,
                columns: f.columns,
                ref_table: f.ref_table,
                ref_columns: f.ref_columns,
                on_delete: pick(&ACTIONS, f.on_delete, "referential action")?,
                on_update: pick(&ACTIONS, f.on_update, "referential action")?,
            });
        }
        let primary_key = t.primary_key.map(|k| rkey(k, NameOf::PrimaryKey, &t.name)).transpose()?;
        let uniques = t.uniques.into_iter().map(|k| rkey(k, NameOf::Unique, &t.name)).collect::<Result<_, _>>()?;
        let mut indexes = Vec::with_capacity(t.indexes.len());
        for i in t.indexes {
            let parts: Vec<IndexPart> = i
                .parts
                .into_iter()
                .map(|p| match p {
                    WIndexPart::Column(name, descending) => IndexPart::Column { name, descending },
                    WIndexPart::Expression(sql) => IndexPart::Expression { sql },
                })
                .collect();
            indexes.push(Index {
                name: rname(i.name, NameOf::Index, &t.name, &index_columns(&parts))?,
                unique: i.unique,
                parts,
                method: i.method,
                predicate: i.predicate,
                span: NOWHERE,
            });
        }
        tables.push(Table {
            id,
            namespace: t.namespace,
            name: t.name,
            columns,
            primary_key,
            uniques,
            checks: rchecks(t.checks),
            foreign_keys,
            indexes,
            comment: t.comment,
            partition_of: t.partition_of,
            partition_bound: t.partition_bound,
            partition_by: t.partition_by,
            inherits: t.inherits,
            without_rowid: t.without_rowid,
            search_path: t.search_path,
            span: NOWHERE,
        });
    }
    let mut domains = Vec::with_capacity(w.domains.len());
    for d in w.domains {
        domains.push(Domain {
            namespace: d.namespace,
            name: d.name,
            data_type: rtype(d.data_type)?,
            nullable: d.nullable,
            default: d.default,
            checks: rchecks(d.checks),
            definition: d.definition,
            span: NOWHERE,
        });
    }
    let mut routines = Vec::with_capacity(w.routines.len());
    for r in w.routines {
        routines.push(Routine {
            namespace: r.namespace,
            name: r.name,
            kind: pick(&ROUTINES, r.kind, "routine kind")?,
            arguments: r.arguments,
            definition: r.definition,
            search_path: r.search_path,
            span: NOWHERE,
        });
    }
    let mut policies = Vec::with_capacity(w.policies.len());
    for p in w.policies {
        policies.push(Policy {
            kind: pick(&POLICIES, p.kind, "policy kind")?,
            name: p.name,
            table: p.table,
            definition: p.definition,
            search_path: p.search_path,
            span: NOWHERE,
        });
    }
    Ok(Schema {
        dialect: Some(dialect),
        tables,
        enums: w
            .enums
            .into_iter()
            .map(|(namespace, name, labels)| EnumType { namespace, name, labels, span: NOWHERE })
            .collect(),
        views: w
            .views
            .into_iter()
            .map(|v| View {
                namespace: v.namespace,
                name: v.name,
                materialized: v.materialized,
                definition: v.definition,
                reads: v.reads,
                columns_read: v.columns_read,
                search_path: v.search_path,
                span: NOWHERE,
            })
            .collect(),
        sequences: w
            .sequences
            .into_iter()
            .map(|(namespace, name, owned_by)| Sequence { namespace, name, owned_by, span: NOWHERE })
            .collect(),
        namespaces: w.namespaces,
        domains,
        routines,
        triggers: w
            .triggers
            .into_iter()
            .map(|t| Trigger {
                name: t.name,
                table: t.table,
                function: t.function,
                columns: t.columns,
                definition: t.definition,
                search_path: t.search_path,
                span: NOWHERE,
            })
            .collect(),
        policies,
        extensions: w.extensions.into_iter().map(|(name, schema)| Extension { name, schema }).collect(),
        others: w
            .others
            .into_iter()
            .map(|o| OtherObject {
                kind: o.kind,
                name: o.name,
                definition: o.definition,
                search_path: o.search_path,
                span: NOWHERE,
            })
            .collect(),
    })
}

pub(super) fn write_edit(e: &Edit) -> WEdit {
    match e.clone() {
        Edit::AddTable { table, name, key } => WEdit::AddTable(table.0, name, key.0),
        Edit::RenameTable { table, to } => WEdit::RenameTable(table.0, to),
        Edit::DropTable { table } => WEdit::DropTable(table.0),
        Edit::AddColumn { table, column, name, data_type, nullable } => {
            WEdit::AddColumn(table.0, column.0, name, data_type, nullable)
        }
        Edit::RenameColumn { table, column, to } => WEdit::RenameColumn(table.0, column.0, to),
        Edit::SetType { table, column, data_type } => WEdit::SetType(table.0, column.0, data_type),
        Edit::SetNullable { table, column, nullable } => WEdit::SetNullable(table.0, column.0, nullable),
        Edit::SetDefault { table, column, default } => WEdit::SetDefault(table.0, column.0, default),
        Edit::SetPrimaryKey { table, column, primary } => WEdit::SetPrimaryKey(table.0, column.0, primary),
        Edit::SetUnique { table, column, unique } => WEdit::SetUnique(table.0, column.0, unique),
        Edit::DropColumn { table, column } => WEdit::DropColumn(table.0, column.0),
        Edit::AddForeignKey { table, column, ref_table, ref_column } => {
            WEdit::AddForeignKey(table.0, column.0, ref_table.0, ref_column.0)
        }
        Edit::DropForeignKey { table, column } => WEdit::DropForeignKey(table.0, column.0),
        Edit::AddIndex { table, column } => WEdit::AddIndex(table.0, column.0),
        Edit::DropIndex { table, name } => WEdit::DropIndex(table.0, name),
        Edit::AddCheck { table, name, expr } => WEdit::AddCheck(table.0, name, expr),
        Edit::DropCheck { table, check } => WEdit::DropCheck(table.0, check),
        Edit::SetIdentity { table, column, identity } => WEdit::SetIdentity(
            table.0,
            column.0,
            match identity {
                Some(crate::model::Identity::Always) => 1,
                Some(_) => 2,
                None => 0,
            },
        ),
        Edit::ExtractLookup { table, column, lookup, key, name } => {
            WEdit::ExtractLookup(table.0, column.0, lookup.0, key.0, name)
        }
        Edit::ExtractColumns { table, columns, into, key, name } => {
            WEdit::ExtractColumns(table.0, columns.iter().map(|c| c.0).collect(), into.0, key.0, name)
        }
        Edit::SetComment { table, column, comment } => WEdit::SetComment(table.0, column.map(|c| c.0), comment),
        Edit::SetPrimaryKeyColumns { table, columns } => WEdit::SetPrimaryKeyColumns(table.0, ids(&columns)),
        Edit::AddUnique { table, name, columns } => WEdit::AddUnique(table.0, name, ids(&columns)),
        Edit::DropUnique { table, columns } => WEdit::DropUnique(table.0, ids(&columns)),
        Edit::CreateIndex { table, name, columns, descending, unique, method, predicate } => {
            WEdit::CreateIndex(table.0, name, ids(&columns), ids(&descending), unique, method, predicate)
        }
        Edit::AddEnumValue { name, value, before } => WEdit::AddEnumValue(name, value, before),
        Edit::RenameEnumValue { name, from, to } => WEdit::RenameEnumValue(name, from, to),
        Edit::RemoveEnumValue { name, value, replacement } => WEdit::RemoveEnumValue(name, value, replacement),
        Edit::CreateEnum { name, labels } => WEdit::CreateEnum(name, labels),
        Edit::MergeTable { table, into, on, map, from_wins } => {
            let map = map.iter().map(|(x, y)| (x.0, y.0)).collect();
            if from_wins {
                WEdit::MergeTableWins(table.0, into.0, ids(&on), map)
            } else {
                WEdit::MergeTable(table.0, into.0, ids(&on), map)
            }
        }
        Edit::MoveColumn { table, column, into } => WEdit::MoveColumn(table.0, column.0, into.0),
    }
}

fn ids(columns: &[ColumnId]) -> Vec<u32> {
    columns.iter().map(|c| c.0).collect()
}

pub(super) fn read_edit(w: WEdit) -> Edit {
    let (t, c) = (TableId, ColumnId);
    match w {
        WEdit::AddTable(table, name, key) => Edit::AddTable { table: t(table), name, key: c(key) },
        WEdit::RenameTable(table, to) => Edit::RenameTable { table: t(table), to },
        WEdit::DropTable(table) => Edit::DropTable { table: t(table) },
        WEdit::AddColumn(table, column, name, data_type, nullable) => {
            Edit::AddColumn { table: t(table), column: c(column), name, data_type, nullable }
        }
        WEdit::RenameColumn(table, column, to) => Edit::RenameColumn { table: t(table), column: c(column), to },
        WEdit::SetType(table, column, data_type) => Edit::SetType { table: t(table), column: c(column), data_type },
        WEdit::SetNullable(table, column, nullable) => {
            Edit::SetNullable { table: t(table), column: c(column), nullable }
        }
        WEdit::SetDefault(table, column, default) => Edit::SetDefault { table: t(table), column: c(column), default },
        WEdit::SetPrimaryKey(table, column, primary) => {
            Edit::SetPrimaryKey { table: t(table), column: c(column), primary }
        }
        WEdit::SetUnique(table, column, unique) => Edit::SetUnique { table: t(table), column: c(column), unique },
        WEdit::DropColumn(table, column) => Edit::DropColumn { table: t(table), column: c(column) },
        WEdit::AddForeignKey(table, column, ref_table, ref_column) => Edit::AddForeignKey {
            table: t(table),
            column: c(column),
            ref_table: t(ref_table),
            ref_column: c(ref_column),
        },
        WEdit::DropForeignKey(table, column) => Edit::DropForeignKey { table: t(table), column: c(column) },
        WEdit::AddIndex(table, column) => Edit::AddIndex { table: t(table), column: c(column) },
        WEdit::DropIndex(table, name) => Edit::DropIndex { table: t(table), name },
        WEdit::AddCheck(table, name, expr) => Edit::AddCheck { table: t(table), name, expr },
        WEdit::DropCheck(table, check) => Edit::DropCheck { table: t(table), check },
        WEdit::SetIdentity(table, column, identity) => Edit::SetIdentity {
            table: t(table),
            column: c(column),
            identity: match identity {
                1 => Some(crate::model::Identity::Always),
                2 => Some(crate::model::Identity::ByDefault),
                _ => None,
            },
        },
        WEdit::ExtractLookup(table, column, lookup, key, name) => {
            Edit::ExtractLookup { table: t(table), column: c(column), lookup: t(lookup), key: c(key), name }
        }
        WEdit::ExtractColumns(table, columns, into, key, name) => Edit::ExtractColumns {
            table: t(table),
            columns: columns.into_iter().map(c).collect(),
            into: t(into),
            key: c(key),
            name,
        },
        WEdit::SetComment(table, column, comment) => {
            Edit::SetComment { table: t(table), column: column.map(c), comment }
        }
        WEdit::SetPrimaryKeyColumns(table, columns) => {
            Edit::SetPrimaryKeyColumns { table: t(table), columns: columns.into_iter().map(c).collect() }
        }
        WEdit::AddUnique(table, name, columns) => {
            Edit::AddUnique { table: t(table), name, columns: columns.into_iter().map(c).collect() }
        }
        WEdit::DropUnique(table, columns) => {
            Edit::DropUnique { table: t(table), columns: columns.into_iter().map(c).collect() }
        }
        WEdit::CreateIndex(table, name, columns, descending, unique, method, predicate) => Edit::CreateIndex {
            table: t(table),
            name,
            columns: columns.into_iter().map(c).collect(),
            descending: descending.into_iter().map(c).collect(),
            unique,
            method,
            predicate,
        },
        WEdit::AddEnumValue(name, value, before) => Edit::AddEnumValue { name, value, before },
        WEdit::RenameEnumValue(name, from, to) => Edit::RenameEnumValue { name, from, to },
        WEdit::RemoveEnumValue(name, value, replacement) => Edit::RemoveEnumValue { name, value, replacement },
        WEdit::CreateEnum(name, labels) => Edit::CreateEnum { name, labels },
        WEdit::MergeTable(table, into, on, map) => Edit::MergeTable {
            table: t(table),
            into: t(into),
            on: on.into_iter().map(c).collect(),
            map: map.into_iter().map(|(x, y)| (c(x), c(y))).collect(),
            from_wins: false,
        },
        WEdit::MergeTableWins(table, into, on, map) => Edit::MergeTable {
            table: t(table),
            into: t(into),
            on: on.into_iter().map(c).collect(),
            map: map.into_iter().map(|(x, y)| (c(x), c(y))).collect(),
            from_wins: true,
        },
        WEdit::MoveColumn(table, column, into) => {
            Edit::MoveColumn { table: t(table), column: c(column), into: t(into) }
        }
    }
}

/// A consumer (version 3): (name, kind, owner, SQL).
pub(super) type WConsumer = (String, u8, String, String);

pub(super) fn write_consumer(c: &crate::consumers::Consumer) -> WConsumer {
    use crate::consumers::ConsumerKind;
    (c.name.clone(), code(&ConsumerKind::ALL, c.kind), c.owner.clone(), c.sql.clone())
}

pub(super) fn read_consumer(w: WConsumer) -> crate::consumers::Consumer {
    use crate::consumers::ConsumerKind;
    let kind = ConsumerKind::ALL.get(usize::from(w.1)).copied().unwrap_or(ConsumerKind::Other);
    crate::consumers::Consumer { name: w.0, kind, owner: w.2, sql: w.3 }
}
