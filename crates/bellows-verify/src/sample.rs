//! A deterministic sample of single edits on a real schema, of every kind the canvas offers,
//! for the property test. Targets with dependents are chosen on purpose: columns views read,
//! keys foreign keys reference, partitioned tables, tables with triggers. Every sampled edit
//! applies cleanly to the schema (an edit the designer would refuse is not sampled).

use bellows_core::edit::{self, Edit};
use bellows_core::model::{same_name, ColumnId, Schema, Table, TableId};
use bellows_core::rewrite::{query_info, QueryInfo, TableRef};
use bellows_core::types::TypeKind;
use bellows_core::Dialect;

/// The edit kinds of the canvas, in the order the test reports them.
pub const KINDS: [&str; 31] = [
    "add-table",
    "rename-table",
    "drop-table",
    "add-column",
    "rename-column",
    "set-type",
    "set-nullable",
    "set-default",
    "set-primary-key",
    "set-unique",
    "drop-column",
    "add-foreign-key",
    "drop-foreign-key",
    "add-index",
    "drop-index",
    "add-check",
    "drop-check",
    "set-identity",
    "extract-lookup",
    "extract-columns",
    "set-comment",
    "set-primary-key-columns",
    "add-unique",
    "create-index",
    "add-enum-value",
    "rename-enum-value",
    "remove-enum-value",
    "allow-only-check",
    "allow-only-enum",
    "merge-table",
    "move-column",
];

/// The kinds that edit an enum type (PostgreSQL's): few schemas have one, so the test runs
/// them wherever they apply.
pub const ENUM_KINDS: [&str; 3] = ["add-enum-value", "rename-enum-value", "remove-enum-value"];

/// Kinds that few schemas offer a place for (a table whose rows another can take whole): like
/// the enum kinds, they run wherever they apply.
pub const RARE_KINDS: [&str; 1] = ["merge-table"];

/// What makes a target interesting: what depends on it.
const FEATURES: [&str; 4] =
    ["read by a view", "referenced by a foreign key", "on a partitioned table", "on a table with triggers"];

#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: &'static str,
    /// The target in words: `orders.note (read by a view)`.
    pub about: String,
    /// One edit, or the few one gesture makes ("allow only these values" as an enum type).
    pub edits: Vec<Edit>,
}

/// FNV-1a: a stable order that does not depend on the platform.
fn hash(parts: &[&str]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[derive(Clone)]
struct Candidate<'a> {
    table: &'a Table,
    column: Option<&'a bellows_core::model::Column>,
    features: Vec<&'static str>,
}

impl Candidate<'_> {
    fn about(&self) -> String {
        let what = match self.column {
            Some(c) => format!("{}.{}", self.table.qualified_name(), c.name),
            None => self.table.qualified_name(),
        };
        if self.features.is_empty() {
            what
        } else {
            format!("{what} ({})", self.features.join(", "))
        }
    }
}

fn table_features(schema: &Schema, views: &[QueryInfo], t: &Table) -> Vec<&'static str> {
    let name = t.qualified_name();
    let r = TableRef { namespace: t.namespace.as_deref(), name: &t.name };
    let mut out = Vec::new();
    if views.iter().any(|v| v.reads(r)) {
        out.push(FEATURES[0]);
    }
    if schema.tables.iter().any(|o| o.foreign_keys.iter().any(|fk| same_name(&fk.ref_table, &name))) {
        out.push(FEATURES[1]);
    }
    if t.partition_by.is_some() {
        out.push(FEATURES[2]);
    }
    if schema.triggers.iter().any(|tr| same_name(&tr.table, &name)) {
        out.push(FEATURES[3]);
    }
    out
}

fn column_features(schema: &Schema, views: &[QueryInfo], t: &Table, c: &str) -> Vec<&'static str> {
    let name = t.qualified_name();
    let r = TableRef { namespace: t.namespace.as_deref(), name: &t.name };
    let mut out = Vec::new();
    if views.iter().any(|v| v.reads(r) && v.names(c)) {
        out.push(FEATURES[0]);
    }
    if schema.tables.iter().any(|o| {
        o.foreign_keys
            .iter()
            .any(|fk| same_name(&fk.ref_table, &name) && fk.ref_columns.iter().any(|x| same_name(x, c)))
    }) {
        out.push(FEATURES[1]);
    }
    if t.partition_by.is_some() {
        out.push(FEATURES[2]);
    }
    if schema.triggers.iter().any(|tr| same_name(&tr.table, &name)) {
        out.push(FEATURES[3]);
    }
    out
}

/// Picks up to `n` candidates: first one with the feature this kind prefers (so the kinds
/// between them cover every feature), then with any feature, then the rest, each group in a
/// stable pseudo-random order.
fn pick<'a>(mut all: Vec<Candidate<'a>>, kind_index: usize, seed: &str, kind: &str) -> Vec<Candidate<'a>> {
    let key =
        |c: &Candidate<'_>| hash(&[seed, kind, &c.table.qualified_name(), c.column.map_or("", |c| c.name.as_str())]);
    // A merge prefers a table others reference: the plan moves their keys with its rows.
    let preferred = if kind == "merge-table" { FEATURES[1] } else { FEATURES[kind_index % FEATURES.len()] };
    all.sort_by_key(|c| {
        let group = if c.features.contains(&preferred) {
            0
        } else if c.features.is_empty() {
            2
        } else {
            1
        };
        (group, key(c))
    });
    // Interleave: the preferred first, then one plain target, then the rest as sorted.
    let plain = all.iter().position(|c| c.features.is_empty());
    if let Some(p) = plain.filter(|&p| p > 1) {
        let c = all.remove(p);
        all.insert(1, c);
    }
    all
}

/// A type change for a column of kind `k`: widening at even `variant`, narrowing at odd.
fn changed_type(k: &TypeKind, variant: usize) -> Option<String> {
    use TypeKind::*;
    let widen = variant.is_multiple_of(2);
    Some(match k {
        SmallInt => "integer".into(),
        Integer if widen => "bigint".into(),
        Integer => "smallint".into(),
        BigInt if widen => "numeric(20,0)".into(),
        BigInt => "integer".into(),
        Decimal { precision: Some(p), scale } if widen => format!("numeric({}, {})", p + 4, scale.unwrap_or(0)),
        Decimal { precision: Some(p), scale } => {
            format!("numeric({}, {})", p.saturating_sub(2).max(scale.unwrap_or(0) + 1), scale.unwrap_or(0))
        }
        Decimal { .. } => "double precision".into(),
        Real => "double precision".into(),
        Varchar { length: Some(n) } if widen => format!("varchar({})", n.saturating_mul(2).min(10_000)),
        Varchar { .. } => "text".into(),
        Char { length: Some(n) } => format!("varchar({n})"),
        Text if widen => "varchar(500)".into(),
        Text => "varchar(40)".into(),
        Timestamp => "timestamptz".into(),
        TimestampTz => "timestamp".into(),
        Date => "timestamp".into(),
        Uuid => "text".into(),
        Json => "jsonb".into(),
        _ => return None,
    })
}

/// A default of the column's kind.
fn default_for(k: &TypeKind, d: Dialect) -> Option<String> {
    use TypeKind::*;
    Some(match k {
        SmallInt | Integer | BigInt | Decimal { .. } | Real | Double => "0".into(),
        Boolean if d == Dialect::Sqlite => "0".into(),
        Boolean => "false".into(),
        Text | Varchar { length: None } => "'bellows'".into(),
        Varchar { length: Some(n) } | Char { length: Some(n) } if *n >= 7 => "'bellows'".into(),
        Varchar { .. } | Char { .. } => "'b'".into(),
        Date => "CURRENT_DATE".into(),
        Timestamp | TimestampTz => "CURRENT_TIMESTAMP".into(),
        _ => return None,
    })
}

/// The sample: up to `per_kind` edits of each kind (one for add-table), each applying cleanly.
pub fn sample(schema: &Schema, d: Dialect, per_kind: usize, seed: &str) -> Vec<Sample> {
    let tables: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| t.partition_of.is_none() && t.inherits.is_empty() && !t.columns.is_empty())
        // A parent of inheritance children: its columns belong to them too.
        .filter(|t| !schema.tables.iter().any(|c| c.inherits.iter().any(|p| same_name(p, &t.qualified_name()))))
        .collect();
    // What each view reads, found once (the views of a large schema are read for every column).
    let views: Vec<QueryInfo> = schema.views.iter().filter_map(|v| query_info(&v.definition, d)).collect();
    let views = views.as_slice();
    let table_candidates = || -> Vec<Candidate<'_>> {
        tables
            .iter()
            .map(|t| Candidate { table: t, column: None, features: table_features(schema, views, t) })
            .collect()
    };
    let all_columns: Vec<Candidate<'_>> = tables
        .iter()
        .flat_map(|t| {
            t.columns.iter().filter(|c| c.generated.is_none()).map(move |c| Candidate {
                table: t,
                column: Some(c),
                features: column_features(schema, views, t, &c.name),
            })
        })
        .collect();
    let column_candidates = |keep: &dyn Fn(&Table, &bellows_core::model::Column) -> bool| -> Vec<Candidate<'_>> {
        all_columns.iter().filter(|c| c.column.is_some_and(|col| keep(c.table, col))).cloned().collect()
    };
    let (next_table, next_column) = edit::next_ids(schema, &[]);
    let mut out = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        let candidates: Vec<Candidate<'_>> = match *kind {
            "add-table" => {
                let name = (0..)
                    .map(|i| if i == 0 { "bellows_added".to_string() } else { format!("bellows_added_{i}") })
                    .find(|n| !schema.tables.iter().any(|t| same_name(&t.name, n)))
                    .unwrap_or_default();
                let edit = Edit::AddTable { table: next_table, name: name.clone(), key: next_column };
                out.push(Sample { kind, about: name, edits: vec![edit] });
                continue;
            }
            "rename-table" | "drop-table" | "add-column" => table_candidates(),
            "set-primary-key" => column_candidates(&|t, c| match &t.primary_key {
                None => !matches!(c.data_type.kind, TypeKind::Array { .. } | TypeKind::Json),
                Some(pk) => pk.columns.len() == 1 && same_name(&pk.columns[0], &c.name),
            }),
            "set-unique" => column_candidates(&|t, c| !t.is_primary_key(&c.name)),
            "drop-foreign-key" => column_candidates(&|t, c| {
                t.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && same_name(&fk.columns[0], &c.name))
            }),
            "add-index" => column_candidates(&|t, c| {
                !t.indexes
                    .iter()
                    .any(|ix| ix.parts.first().and_then(|p| p.column()).is_some_and(|x| same_name(x, &c.name)))
                    && !t.is_primary_key(&c.name)
            }),
            "drop-index" => tables
                .iter()
                .filter(|t| t.indexes.iter().any(|ix| !ix.unique && ix.name.is_some()))
                .map(|t| Candidate { table: t, column: None, features: table_features(schema, views, t) })
                .collect(),
            // Not from a column a sequence fills: the plan refuses that reference (a blocker,
            // tested on its own), as every generated value would be an orphan.
            "add-foreign-key" => column_candidates(&|t, c| {
                c.identity.is_none()
                    && !c.default.as_ref().is_some_and(|d| d.expr.to_ascii_lowercase().contains("nextval("))
                    && !t.foreign_keys.iter().any(|fk| fk.columns.iter().any(|x| same_name(x, &c.name)))
                    && parent_for(schema, t, c).is_some()
            }),
            "set-type" => column_candidates(&|_, c| changed_type(&c.data_type.kind, 0).is_some()),
            "set-default" => {
                column_candidates(&|_, c| default_for(&c.data_type.kind, d).is_some() && c.identity.is_none())
            }
            "set-nullable" => column_candidates(&|t, c| !t.is_primary_key(&c.name) && c.identity.is_none()),
            "add-check" => column_candidates(&|t, c| check_for(t, c, d).is_some()),
            // The audit's fix for a serial (PostgreSQL): it becomes an identity.
            "set-identity" if d == Dialect::Postgres => {
                column_candidates(&|_, c| c.identity == Some(bellows_core::model::Identity::Serial))
            }
            "set-identity" => Vec::new(),
            // The audit's fix for free text that holds a fixed set of values: a lookup table.
            "extract-lookup" => column_candidates(&|t, c| {
                matches!(c.data_type.kind, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. })
                    && edit::lookup_allowed(schema, t.id, c.id).is_ok()
            }),
            // Columns that belong elsewhere: a new table holds them one to one.
            "extract-columns" => tables
                .iter()
                .filter(|t| !extractable(schema, t).is_empty())
                .map(|t| Candidate { table: t, column: None, features: table_features(schema, views, t) })
                .collect(),
            // SQLite keeps no comments: the plan notes the change and the database cannot show it.
            "set-comment" if d == Dialect::Sqlite => Vec::new(),
            // A single-column key widened by another column, or taken off (a key nothing
            // references: the edit refuses the rest).
            "set-primary-key-columns" => column_candidates(&|t, c| {
                t.primary_key.as_ref().is_some_and(|k| k.columns.len() == 1)
                    && !t.is_primary_key(&c.name)
                    && keyable(&c.data_type.kind, d)
            }),
            "add-unique" | "create-index" => column_candidates(&|t, c| {
                keyable(&c.data_type.kind, d) && !t.is_primary_key(&c.name) && partner(t, c, d).is_some()
            }),
            // Free text held to a list of values (the audit's enum-like text), by a CHECK or an
            // enum type.
            "allow-only-check" | "allow-only-enum" => column_candidates(&|t, c| {
                matches!(c.data_type.kind, TypeKind::Text | TypeKind::Varchar { .. } | TypeKind::Char { .. })
                    && t.foreign_keys_of(&c.name).next().is_none()
            }),
            // Columns of an enum type: the edit changes the type's labels.
            k if ENUM_KINDS.contains(&k) => {
                column_candidates(&|_, c| enum_of(schema, c).is_some_and(|e| e.labels.len() > 1))
            }
            // A table another can take whole: every column of it has a place in the other, the
            // other's key and required columns among them (an archive beside its table).
            "merge-table" => tables
                .iter()
                .filter(|t| merge_partner(schema, t, &tables).is_some())
                .map(|t| Candidate { table: t, column: None, features: table_features(schema, views, t) })
                .collect(),
            // A column of data moved down to a table that holds one row per row of its table.
            "move-column" => column_candidates(&|t, c| move_partner(schema, t, c).is_some()),
            "drop-check" => tables
                .iter()
                .filter(|t| !t.checks.is_empty())
                .map(|t| Candidate { table: t, column: None, features: table_features(schema, views, t) })
                .collect(),
            _ => column_candidates(&|_, _| true),
        };
        let mut taken = 0;
        for (variant, c) in pick(candidates, k, seed, kind).into_iter().enumerate() {
            if taken == per_kind {
                break;
            }
            let edits = match *kind {
                "merge-table" => {
                    let Some((into, on)) = merge_partner(schema, c.table, &tables) else { continue };
                    // Which table's values win on a match: both, across the schemas.
                    let from_wins = hash(&[seed, &c.table.qualified_name(), &into.qualified_name()]) % 2 == 1;
                    vec![Edit::MergeTable { table: c.table.id, into: into.id, on, map: vec![], from_wins }]
                }
                "move-column" => {
                    let (Some(col), Some(into)) =
                        (c.column, c.column.and_then(|col| move_partner(schema, c.table, col)))
                    else {
                        continue;
                    };
                    vec![Edit::MoveColumn { table: c.table.id, column: col.id, into: into.id }]
                }
                "allow-only-check" | "allow-only-enum" => {
                    let how =
                        if *kind == "allow-only-check" { edit::ValuesAs::Check } else { edit::ValuesAs::EnumType };
                    let Some(col) = c.column else { continue };
                    let Ok(edits) = edit::allow_only(schema, c.table.id, col.id, &sample_values(col), how) else {
                        continue;
                    };
                    edits
                }
                _ => {
                    let Some(edit) = make(kind, &c, schema, d, variant, next_column) else { continue };
                    vec![edit]
                }
            };
            let (_, skipped) = edit::apply(schema, &edits);
            if !skipped.is_empty() {
                continue;
            }
            out.push(Sample { kind, about: c.about(), edits });
            taken += 1;
        }
    }
    out
}

/// Values a sampled "allow only" lists for a text column: its default when that is a quoted
/// value, then short words that fit its length.
fn sample_values(c: &bellows_core::model::Column) -> Vec<String> {
    let limit = match c.data_type.kind {
        TypeKind::Varchar { length: Some(n) } | TypeKind::Char { length: Some(n) } => n as usize,
        _ => usize::MAX,
    };
    let mut out: Vec<String> = Vec::new();
    if let Some(v) = c.default.as_ref().and_then(|d| edit::quoted_default(&d.expr)) {
        out.push(v);
    }
    for word in ["active", "archived", "pending", "on", "off", "a", "b", "c"] {
        if out.len() == 3 {
            break;
        }
        if word.len() <= limit && !out.iter().any(|o| o == word) {
            out.push(word.to_string());
        }
    }
    out
}

/// The enum type of a column (not of an array of them).
fn enum_of<'a>(schema: &'a Schema, c: &bellows_core::model::Column) -> Option<&'a bellows_core::model::EnumType> {
    match &c.data_type.kind {
        TypeKind::Named { name } => schema.find_enum(name),
        _ => None,
    }
}

/// A parent for a new foreign key from `c`: a single-column primary key of the same type kind,
/// preferring a table whose name the column's name contains.
fn parent_for<'a>(schema: &'a Schema, t: &Table, c: &bellows_core::model::Column) -> Option<(&'a Table, String)> {
    let fits = |p: &'a Table| -> Option<(&'a Table, String)> {
        let pk = p.primary_key.as_ref().filter(|k| k.columns.len() == 1)?;
        let col = p.column(&pk.columns[0])?;
        (col.data_type.kind == c.data_type.kind && p.partition_of.is_none() && p.partition_by.is_none() && p.id != t.id)
            .then(|| (p, col.name.clone()))
    };
    let lower = c.name.to_ascii_lowercase();
    schema
        .tables
        .iter()
        .filter(|p| lower.contains(&p.name.to_ascii_lowercase()))
        .find_map(fits)
        .or_else(|| schema.tables.iter().find_map(fits))
}

fn make(
    kind: &str,
    c: &Candidate<'_>,
    schema: &Schema,
    d: Dialect,
    variant: usize,
    new_column: ColumnId,
) -> Option<Edit> {
    let table: TableId = c.table.id;
    let col = c.column;
    let suffix = |name: &str| {
        let mut n: String = name.chars().take(50).collect();
        n.push_str("_v2");
        n
    };
    Some(match kind {
        "rename-table" => Edit::RenameTable { table, to: suffix(&c.table.name) },
        "drop-table" => Edit::DropTable { table },
        "add-column" => {
            let nullable = variant.is_multiple_of(2);
            let name = (0..)
                .map(|i| if i == 0 { "bellows_added".to_string() } else { format!("bellows_added_{i}") })
                .find(|n| c.table.column(n).is_none())?;
            Edit::AddColumn {
                table,
                column: new_column,
                name,
                data_type: if nullable { "text".into() } else { "integer".into() },
                nullable,
            }
        }
        "rename-column" => Edit::RenameColumn { table, column: col?.id, to: suffix(&col?.name) },
        // A label before the first (even variants) or last; a label renamed; a label removed,
        // its rows handed to the first other label, or (odd variants after the first) to none.
        "add-enum-value" | "rename-enum-value" | "remove-enum-value" => {
            let e = enum_of(schema, col?)?;
            let name = match &e.namespace {
                Some(ns) => format!("{ns}.{}", e.name),
                None => e.name.clone(),
            };
            let label = e.labels[variant % e.labels.len()].clone();
            match kind {
                "add-enum-value" => Edit::AddEnumValue {
                    name,
                    value: "bellows added".into(),
                    before: variant.is_multiple_of(2).then(|| e.labels[0].clone()),
                },
                "rename-enum-value" => Edit::RenameEnumValue { name, to: suffix(&label), from: label },
                _ => {
                    let other = e.labels.iter().find(|l| **l != label)?.clone();
                    let replacement = (variant == 0 || variant.is_multiple_of(2)).then_some(other);
                    Edit::RemoveEnumValue { name, value: label, replacement }
                }
            }
        }
        // A column's comment (with a quote and a line break, which the SQL must escape) on even
        // variants; the table's on odd ones, taken off where it has one.
        "set-comment" if variant.is_multiple_of(2) => Edit::SetComment {
            table,
            column: Some(col?.id),
            comment: Some(format!("What {} holds;\nit's set by Bellows", col?.name)),
        },
        "set-comment" => Edit::SetComment {
            table,
            column: None,
            comment: c.table.comment.is_none().then(|| format!("The {} table's rows", c.table.name)),
        },
        "set-type" => Edit::SetType { table, column: col?.id, data_type: changed_type(&col?.data_type.kind, variant)? },
        "set-nullable" => Edit::SetNullable { table, column: col?.id, nullable: !col?.nullable },
        "set-default" => Edit::SetDefault {
            table,
            column: col?.id,
            default: if col?.default.is_some() && variant % 2 == 1 {
                None
            } else {
                default_for(&col?.data_type.kind, d)
            },
        },
        "set-primary-key" => {
            let is_pk = c.table.is_primary_key(&col?.name);
            Edit::SetPrimaryKey { table, column: col?.id, primary: !is_pk }
        }
        "set-unique" => Edit::SetUnique { table, column: col?.id, unique: !c.table.is_unique(&col?.name) },
        "drop-column" => Edit::DropColumn { table, column: col?.id },
        "add-foreign-key" => {
            let (parent, ref_name) = parent_for(schema, c.table, col?)?;
            let ref_column = parent.column(&ref_name)?.id;
            Edit::AddForeignKey { table, column: col?.id, ref_table: parent.id, ref_column }
        }
        "drop-foreign-key" => Edit::DropForeignKey { table, column: col?.id },
        "add-index" => Edit::AddIndex { table, column: col?.id },
        "drop-index" => {
            let mut names: Vec<&str> =
                c.table.indexes.iter().filter(|ix| !ix.unique).filter_map(|ix| ix.name.as_deref()).collect();
            names.sort_by_key(|n| hash(&[n]));
            Edit::DropIndex { table, name: names.first()?.to_string() }
        }
        "add-check" => {
            let name = (0..)
                .map(|i| if i == 0 { "bellows_check".to_string() } else { format!("bellows_check_{i}") })
                .find(|n| !schema.tables.iter().flat_map(|t| &t.checks).any(|c| c.name.as_deref() == Some(n)))?;
            Edit::AddCheck { table, name, expr: check_for(c.table, col?, d)? }
        }
        // BY DEFAULT as the audit's fix makes it, or ALWAYS (one more step, at Contract) on
        // half the columns.
        "set-identity" => {
            let always = hash(&[&c.table.name, &col?.name]) % 2 == 1;
            Edit::SetIdentity {
                table,
                column: col?.id,
                identity: Some(if always {
                    bellows_core::model::Identity::Always
                } else {
                    bellows_core::model::Identity::ByDefault
                }),
            }
        }
        "extract-lookup" => edit::extract_lookup(schema, table, col?.id, edit::next_ids(schema, &[])),
        // One column, or two on every other table (a pair that cannot move together, one).
        "extract-columns" => {
            let mut cols = extractable(schema, c.table);
            cols.sort_by_key(|x| hash(&[&c.table.name, &x.1]));
            let ids = edit::next_ids(schema, &[]);
            let pair: Vec<ColumnId> = cols.iter().take(2).map(|x| x.0).collect();
            let columns = if variant % 2 == 1
                && pair.len() == 2
                && edit::extract_columns_allowed(schema, table, &pair, &edit::extracted_name(schema, table)).is_ok()
            {
                pair
            } else {
                vec![cols.first()?.0]
            };
            edit::extract_columns(schema, table, columns, ids)
        }
        "set-primary-key-columns" => {
            let key = c.table.primary_key.as_ref()?;
            let id = c.table.column(&key.columns[0])?.id;
            let columns = if variant % 2 == 1 { Vec::new() } else { vec![id, col?.id] };
            Edit::SetPrimaryKeyColumns { table, columns }
        }
        // Two columns: seeded rows may repeat the pair, which the plan's pre-check finds.
        "add-unique" => {
            let columns = vec![col?.id, partner(c.table, col?, d)?];
            Edit::AddUnique { table, name: edit::key_name(schema, table, &columns, "key"), columns }
        }
        // Two columns, the second descending on even variants; partial (where the dialect has
        // it) on odd ones; a BRIN index on every third (PostgreSQL, where the types fit).
        "create-index" => {
            let columns = vec![col?.id, partner(c.table, col?, d)?];
            let first = col?;
            let predicate = (variant % 2 == 1 && d != Dialect::MySql)
                .then(|| format!("{} IS NOT NULL", bellows_core::render::ident(&first.name, d)));
            let btree = Edit::CreateIndex {
                table,
                name: edit::key_name(schema, table, &columns, "idx"),
                descending: if variant.is_multiple_of(2) { vec![columns[1]] } else { Vec::new() },
                columns: columns.clone(),
                unique: false,
                method: None,
                predicate: predicate.clone(),
            };
            let brin = Edit::CreateIndex {
                table,
                name: edit::key_name(schema, table, &columns, "brin"),
                columns,
                descending: Vec::new(),
                unique: false,
                method: Some("brin".into()),
                predicate,
            };
            if variant % 3 == 2
                && d == Dialect::Postgres
                && edit::apply(schema, std::slice::from_ref(&brin)).1.is_empty()
            {
                brin
            } else {
                btree
            }
        }
        // By name where it has one, by its condition where the DDL left it unnamed.
        "drop-check" => {
            let mut checks: Vec<&bellows_core::model::Check> = c.table.checks.iter().collect();
            checks.sort_by_key(|k| hash(&[&k.expr]));
            let check = checks.first()?;
            Edit::DropCheck { table, check: check.name.clone().unwrap_or_else(|| check.expr.clone()) }
        }
        _ => return None,
    })
}

/// Whether a column of this type can be in a B-tree key: not an array or JSON (PostgreSQL's
/// `json` has no equality), and on MySQL not a TEXT or BLOB, which a key takes only by a prefix.
fn keyable(kind: &TypeKind, d: Dialect) -> bool {
    let unkeyed = matches!(kind, TypeKind::Array { .. } | TypeKind::Json | TypeKind::Jsonb);
    let prefix_only = d == Dialect::MySql && matches!(kind, TypeKind::Text | TypeKind::Bytes);
    !unkeyed && !prefix_only
}

/// A second column for a key or index with `c`, picked by a hash of the names among the
/// table's other keyable columns.
/// The table `b` can be merged into, and the key that matches rows: a table whose primary key
/// (or else a unique key) `b` has, that has every column of `b` under the same name and type,
/// whose required columns and foreign keys `b` has too, and that checks nothing `b` does not.
/// References to `b` must be to its primary key, whose values the merge keeps (it repoints them).
/// The table a column of `t` can move to: down to one that references `t` by a unique column
/// (one row per row of `t`), or, every other column by a stable hash and wherever no such
/// table exists, up to a table `t` references (not on MySQL, whose move up is not planned);
/// either without a column of its name. The edit refuses keys and the rest.
fn move_partner<'s>(schema: &'s Schema, t: &Table, c: &bellows_core::model::Column) -> Option<&'s Table> {
    let up = || {
        (schema.dialect != Some(Dialect::MySql))
            .then(|| {
                t.foreign_keys.iter().filter(|fk| fk.columns.len() == 1).find_map(|fk| {
                    schema.find_table(&fk.ref_table).filter(|u| {
                        u.id != t.id
                            && u.column(&c.name).is_none()
                            && u.partition_by.is_none()
                            && u.partition_of.is_none()
                    })
                })
            })
            .flatten()
    };
    let down = move_down_partner(schema, t, c);
    if hash(&[&t.qualified_name(), &c.name]) % 2 == 1 {
        up().or(down)
    } else {
        down.or_else(up)
    }
}

fn move_down_partner<'s>(schema: &'s Schema, t: &Table, c: &bellows_core::model::Column) -> Option<&'s Table> {
    schema.tables.iter().find(|u| {
        u.id != t.id
            && u.column(&c.name).is_none()
            && u.partition_by.is_none()
            && u.partition_of.is_none()
            && u.foreign_keys.iter().any(|fk| {
                fk.columns.len() == 1
                    && same_name(&fk.ref_table, &t.qualified_name())
                    && (u
                        .primary_key
                        .as_ref()
                        .is_some_and(|k| k.columns.len() == 1 && same_name(&k.columns[0], &fk.columns[0]))
                        || u.uniques.iter().any(|k| k.columns.len() == 1 && same_name(&k.columns[0], &fk.columns[0])))
            })
    })
}

fn merge_partner<'s>(schema: &'s Schema, b: &Table, tables: &[&'s Table]) -> Option<(&'s Table, Vec<ColumnId>)> {
    let pk: Vec<String> = b.primary_key.iter().flat_map(|k| k.columns.clone()).collect();
    let elsewhere = schema.tables.iter().any(|t| {
        t.id != b.id
            && t.foreign_keys.iter().any(|fk| {
                same_name(&fk.ref_table, &b.qualified_name())
                    && !fk.ref_columns.is_empty()
                    && !(fk.ref_columns.len() == pk.len()
                        && fk.ref_columns.iter().zip(&pk).all(|(r, k)| same_name(r, k)))
            })
    });
    if elsewhere || b.columns.len() < 2 {
        return None;
    }
    let mut partners: Vec<&&Table> = tables
        .iter()
        .filter(|a| a.id != b.id && a.checks.is_empty())
        .filter(|a| {
            b.columns.iter().all(|bc| {
                bc.generated.is_none()
                    && a.column(&bc.name)
                        .is_some_and(|ac| ac.data_type.kind == bc.data_type.kind && ac.generated.is_none())
            })
        })
        .filter(|a| {
            a.columns.iter().all(|ac| {
                ac.nullable
                    || ac.default.is_some()
                    || ac.identity.is_some()
                    || ac.generated.is_some()
                    || b.column(&ac.name).is_some()
            })
        })
        .filter(|a| {
            a.foreign_keys.iter().all(|fk| {
                !fk.columns.iter().any(|c| b.column(c).is_some())
                    || b.foreign_keys.iter().any(|x| x.columns == fk.columns && same_name(&x.ref_table, &fk.ref_table))
            })
        })
        .collect();
    partners.sort_by_key(|a| hash(&[&b.name, &a.name]));
    partners.into_iter().find_map(|a| {
        let key =
            a.primary_key.as_ref().map(|k| k.columns.clone()).filter(|k| k.iter().all(|c| b.column(c).is_some()))?;
        let ids: Option<Vec<ColumnId>> = key.iter().map(|c| a.column(c).map(|x| x.id)).collect();
        Some((*a, ids?))
    })
}

fn partner(t: &Table, c: &bellows_core::model::Column, d: Dialect) -> Option<ColumnId> {
    let mut others: Vec<&bellows_core::model::Column> =
        t.columns.iter().filter(|x| x.id != c.id && keyable(&x.data_type.kind, d) && x.generated.is_none()).collect();
    others.sort_by_key(|x| hash(&[&t.name, &c.name, &x.name]));
    others.first().map(|x| x.id)
}

/// The columns of `t` that can move into a new table one at a time, with their names.
fn extractable(schema: &Schema, t: &Table) -> Vec<(ColumnId, String)> {
    t.columns
        .iter()
        .filter(|c| edit::extract_columns_allowed(schema, t.id, &[c.id], &edit::extracted_name(schema, t.id)).is_ok())
        .map(|c| (c.id, c.name.clone()))
        .collect()
}

/// A CHECK a designer might add on the column: a number in a range, a text of bounded length.
/// Half the columns (by a hash of their names) get a tight rule the seeded rows break (`< 20`,
/// at most 3 characters), so the plan's pre-check meets real offenders and stops where it says;
/// the others a loose one every row keeps (`>= 0`, at most 40 characters).
fn check_for(t: &Table, c: &bellows_core::model::Column, d: Dialect) -> Option<String> {
    use TypeKind::*;
    let name = bellows_core::render::ident(&c.name, d);
    let tight = hash(&[&t.name, &c.name]) % 2 == 1;
    let length = if d == Dialect::MySql { format!("char_length({name})") } else { format!("length({name})") };
    match &c.data_type.kind {
        SmallInt | Integer | BigInt | Decimal { .. } | Real | Double if c.identity.is_none() => {
            Some(if tight { format!("{name} < 20") } else { format!("{name} >= 0") })
        }
        Text | Varchar { .. } => Some(if tight { format!("{length} <= 3") } else { format!("{length} <= 40") }),
        _ => None,
    }
}
