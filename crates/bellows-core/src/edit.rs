//! Edits: the target schema as a list of changes to the base, as the user makes them on the
//! canvas. Edits name tables and columns by id, so a rename stays a rename (the diff matches
//! by id) and the list is small enough to travel in a share link.
//!
//! [`apply`] replays the list on the base. An edit whose table or column no longer exists (the
//! user changed the base text since) is skipped and reported, never a panic; nothing else is
//! lost.

use crate::model::*;
use crate::types::{DataType, TypeKind};
use crate::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", try_from = "EditJson")]
pub enum Edit {
    AddTable {
        table: TableId,
        name: String,
        key: ColumnId,
    },
    RenameTable {
        table: TableId,
        to: String,
    },
    DropTable {
        table: TableId,
    },
    AddColumn {
        table: TableId,
        column: ColumnId,
        name: String,
        data_type: String,
        nullable: bool,
    },
    RenameColumn {
        table: TableId,
        column: ColumnId,
        to: String,
    },
    SetType {
        table: TableId,
        column: ColumnId,
        data_type: String,
    },
    SetNullable {
        table: TableId,
        column: ColumnId,
        nullable: bool,
    },
    SetDefault {
        table: TableId,
        column: ColumnId,
        default: Option<String>,
    },
    /// Makes the column the whole primary key (`true`) or takes it out of the key (`false`).
    SetPrimaryKey {
        table: TableId,
        column: ColumnId,
        primary: bool,
    },
    SetUnique {
        table: TableId,
        column: ColumnId,
        unique: bool,
    },
    DropColumn {
        table: TableId,
        column: ColumnId,
    },
    AddForeignKey {
        table: TableId,
        column: ColumnId,
        ref_table: TableId,
        ref_column: ColumnId,
    },
    DropForeignKey {
        table: TableId,
        column: ColumnId,
    },
    AddIndex {
        table: TableId,
        column: ColumnId,
    },
    DropIndex {
        table: TableId,
        name: String,
    },
    /// A CHECK constraint named `name`: `expr` is the condition, as SQL of the schema's dialect.
    AddCheck {
        table: TableId,
        name: String,
        expr: String,
    },
    /// Drops the CHECK named `check`, or, for a CHECK the DDL left unnamed, the one whose
    /// condition is `check`.
    DropCheck {
        table: TableId,
        check: String,
    },
    /// Makes an integer column an identity column (`GENERATED ALWAYS` or `BY DEFAULT`), a
    /// serial one included, or (`None`) takes the identity off. PostgreSQL only.
    SetIdentity {
        table: TableId,
        column: ColumnId,
        identity: Option<Identity>,
    },
    /// Extracts a lookup table from a column: a new table `name` (id `lookup`) keyed by one
    /// column (id `key`) of the column's name and type, and a foreign key from the column to it.
    /// The column stays as it is; the plan fills the table with the column's distinct values.
    ExtractLookup {
        table: TableId,
        column: ColumnId,
        lookup: TableId,
        key: ColumnId,
        name: String,
    },
    /// Extracts columns into a new table `name` (id `into`) that holds them one to one: keyed
    /// by one column (id `key`) that references the table's primary key, the moved columns after
    /// it with the ids that follow `key`, in order. The columns leave the table; the plan moves
    /// their values (the split recipe).
    ExtractColumns {
        table: TableId,
        columns: Vec<ColumnId>,
        into: TableId,
        key: ColumnId,
        name: String,
    },
    /// The comment of the table (`column` is `None`) or of one of its columns; `None` or blank
    /// text takes it off.
    SetComment {
        table: TableId,
        column: Option<ColumnId>,
        comment: Option<String>,
    },
    /// Makes `columns`, in that order, the whole primary key; none takes the key off.
    SetPrimaryKeyColumns {
        table: TableId,
        columns: Vec<ColumnId>,
    },
    /// A UNIQUE constraint `name` over `columns`, in that order.
    AddUnique {
        table: TableId,
        name: String,
        columns: Vec<ColumnId>,
    },
    /// Drops the UNIQUE constraint (or the unique index without a WHERE) over exactly
    /// `columns`, in any order.
    DropUnique {
        table: TableId,
        columns: Vec<ColumnId>,
    },
    /// An index `name` over `columns` in that order, those in `descending` sorted downwards;
    /// UNIQUE or not, with an access method (`None`: the server's default) and a `WHERE`
    /// (a partial index) where the dialect has them.
    CreateIndex {
        table: TableId,
        name: String,
        columns: Vec<ColumnId>,
        descending: Vec<ColumnId>,
        unique: bool,
        method: Option<String>,
        predicate: Option<String>,
    },
    /// Adds `value` to the enum type `name` (qualified as the schema writes it), placed before
    /// the label `before`, or last. PostgreSQL only.
    AddEnumValue {
        name: String,
        value: String,
        before: Option<String>,
    },
    /// Renames the label `from` of the enum type `name` to `to`; the rows holding it follow.
    RenameEnumValue {
        name: String,
        from: String,
        to: String,
    },
    /// Removes the label `value` from the enum type `name`. Rows that hold it get the label
    /// `replacement`; with none, the plan checks that no row holds it.
    RemoveEnumValue {
        name: String,
        value: String,
        replacement: Option<String>,
    },
    /// Creates the enum type `name` with `labels`, in order (qualified, or in the namespace most
    /// tables live in). PostgreSQL only: MySQL's ENUM is a column's type.
    CreateEnum {
        name: String,
        labels: Vec<String>,
    },
    /// Merges `table` into `into` (the same entity stored twice): `table` goes, and the plan
    /// copies its rows into `into`, matched on `on` (a unique key of `into`), `into`'s row kept
    /// on a match, or `table`'s values written over it where `from_wins`. `map` sends a column
    /// of `table` to a column of `into` of another name; the others go to the column of the
    /// same name. The tables that reference `table` point at `into` with it.
    MergeTable {
        table: TableId,
        into: TableId,
        on: Vec<ColumnId>,
        map: Vec<(ColumnId, ColumnId)>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_wins: bool,
    },
    /// Moves `column` of `table` to `into`, a table joined to it by a foreign key of one column:
    /// one that references `table` one to one, or the one `table` references (whose rows then
    /// share one value per parent; not on MySQL yet). The column keeps
    /// its id and name and allows NULL in `into` (a row of `to` may have no row to take a value
    /// from); the plan moves its values (the move recipes).
    MoveColumn {
        table: TableId,
        column: ColumnId,
        into: TableId,
    },
}

/// An edit as JSON (design files, version 1 links): `{"op": "rename-column", "table": 1, ...}`.
/// Read through this flat struct rather than serde's internally tagged enum, which buffers every
/// field in a generic form first and costs the page about 40 KB of wasm; the JSON is the same.
#[derive(Deserialize)]
struct EditJson {
    op: String,
    /// Every edit but the enum ones names a table.
    table: Option<TableId>,
    column: Option<ColumnId>,
    name: Option<String>,
    key: Option<ColumnId>,
    to: Option<String>,
    data_type: Option<String>,
    nullable: Option<bool>,
    default: Option<String>,
    primary: Option<bool>,
    unique: Option<bool>,
    ref_table: Option<TableId>,
    ref_column: Option<ColumnId>,
    expr: Option<String>,
    check: Option<String>,
    identity: Option<Identity>,
    lookup: Option<TableId>,
    columns: Option<Vec<ColumnId>>,
    into: Option<TableId>,
    comment: Option<String>,
    descending: Option<Vec<ColumnId>>,
    method: Option<String>,
    predicate: Option<String>,
    value: Option<String>,
    from: Option<String>,
    before: Option<String>,
    replacement: Option<String>,
    labels: Option<Vec<String>>,
    on: Option<Vec<ColumnId>>,
    map: Option<Vec<(ColumnId, ColumnId)>>,
    from_wins: Option<bool>,
}

impl TryFrom<EditJson> for Edit {
    type Error = String;

    fn try_from(j: EditJson) -> Result<Self, String> {
        let op = j.op.clone();
        let missing = |field: &str| format!("edit `{op}` has no `{field}`");
        let text = |v: &Option<String>, field: &str| v.clone().ok_or_else(|| missing(field));
        match j.op.as_str() {
            "add-enum-value" => {
                return Ok(Edit::AddEnumValue {
                    name: text(&j.name, "name")?,
                    value: text(&j.value, "value")?,
                    before: j.before.clone(),
                })
            }
            "rename-enum-value" => {
                return Ok(Edit::RenameEnumValue {
                    name: text(&j.name, "name")?,
                    from: text(&j.from, "from")?,
                    to: text(&j.to, "to")?,
                })
            }
            "create-enum" => {
                return Ok(Edit::CreateEnum {
                    name: text(&j.name, "name")?,
                    labels: j.labels.clone().ok_or_else(|| missing("labels"))?,
                })
            }
            "remove-enum-value" => {
                return Ok(Edit::RemoveEnumValue {
                    name: text(&j.name, "name")?,
                    value: text(&j.value, "value")?,
                    replacement: j.replacement.clone(),
                })
            }
            _ => {}
        }
        let table = j.table.ok_or_else(|| missing("table"))?;
        let column = || j.column.ok_or_else(|| missing("column"));
        Ok(match j.op.as_str() {
            "add-table" => Edit::AddTable {
                table,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
                key: j.key.ok_or_else(|| missing("key"))?,
            },
            "rename-table" => Edit::RenameTable { table, to: j.to.clone().ok_or_else(|| missing("to"))? },
            "drop-table" => Edit::DropTable { table },
            "merge-table" => Edit::MergeTable {
                table,
                into: j.into.ok_or_else(|| missing("into"))?,
                on: j.on.clone().ok_or_else(|| missing("on"))?,
                map: j.map.clone().unwrap_or_default(),
                from_wins: j.from_wins.unwrap_or(false),
            },
            "move-column" => {
                Edit::MoveColumn { table, column: column()?, into: j.into.ok_or_else(|| missing("into"))? }
            }
            "add-column" => Edit::AddColumn {
                table,
                column: column()?,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
                data_type: j.data_type.clone().ok_or_else(|| missing("data_type"))?,
                nullable: j.nullable.ok_or_else(|| missing("nullable"))?,
            },
            "rename-column" => {
                Edit::RenameColumn { table, column: column()?, to: j.to.clone().ok_or_else(|| missing("to"))? }
            }
            "set-type" => Edit::SetType {
                table,
                column: column()?,
                data_type: j.data_type.clone().ok_or_else(|| missing("data_type"))?,
            },
            "set-nullable" => {
                Edit::SetNullable { table, column: column()?, nullable: j.nullable.ok_or_else(|| missing("nullable"))? }
            }
            "set-default" => Edit::SetDefault { table, column: column()?, default: j.default.clone() },
            "set-primary-key" => {
                Edit::SetPrimaryKey { table, column: column()?, primary: j.primary.ok_or_else(|| missing("primary"))? }
            }
            "set-unique" => {
                Edit::SetUnique { table, column: column()?, unique: j.unique.ok_or_else(|| missing("unique"))? }
            }
            "drop-column" => Edit::DropColumn { table, column: column()? },
            "add-foreign-key" => Edit::AddForeignKey {
                table,
                column: column()?,
                ref_table: j.ref_table.ok_or_else(|| missing("ref_table"))?,
                ref_column: j.ref_column.ok_or_else(|| missing("ref_column"))?,
            },
            "drop-foreign-key" => Edit::DropForeignKey { table, column: column()? },
            "add-index" => Edit::AddIndex { table, column: column()? },
            "drop-index" => Edit::DropIndex { table, name: j.name.clone().ok_or_else(|| missing("name"))? },
            "add-check" => Edit::AddCheck {
                table,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
                expr: j.expr.clone().ok_or_else(|| missing("expr"))?,
            },
            "drop-check" => Edit::DropCheck { table, check: j.check.clone().ok_or_else(|| missing("check"))? },
            "set-identity" => Edit::SetIdentity { table, column: column()?, identity: j.identity },
            "extract-lookup" => Edit::ExtractLookup {
                table,
                column: column()?,
                lookup: j.lookup.ok_or_else(|| missing("lookup"))?,
                key: j.key.ok_or_else(|| missing("key"))?,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
            },
            "extract-columns" => Edit::ExtractColumns {
                table,
                columns: j.columns.clone().ok_or_else(|| missing("columns"))?,
                into: j.into.ok_or_else(|| missing("into"))?,
                key: j.key.ok_or_else(|| missing("key"))?,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
            },
            "set-comment" => Edit::SetComment { table, column: j.column, comment: j.comment.clone() },
            "set-primary-key-columns" => {
                Edit::SetPrimaryKeyColumns { table, columns: j.columns.clone().ok_or_else(|| missing("columns"))? }
            }
            "add-unique" => Edit::AddUnique {
                table,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
                columns: j.columns.clone().ok_or_else(|| missing("columns"))?,
            },
            "drop-unique" => Edit::DropUnique { table, columns: j.columns.clone().ok_or_else(|| missing("columns"))? },
            "create-index" => Edit::CreateIndex {
                table,
                name: j.name.clone().ok_or_else(|| missing("name"))?,
                columns: j.columns.clone().ok_or_else(|| missing("columns"))?,
                descending: j.descending.clone().unwrap_or_default(),
                unique: j.unique.unwrap_or(false),
                method: j.method.clone(),
                predicate: j.predicate.clone(),
            },
            other => return Err(format!("unknown edit `{other}`")),
        })
    }
}

impl Edit {
    /// The table the edit is about; `None` for an edit of an enum type.
    pub fn table(&self) -> Option<TableId> {
        Some(match self {
            Edit::AddEnumValue { .. }
            | Edit::RenameEnumValue { .. }
            | Edit::RemoveEnumValue { .. }
            | Edit::CreateEnum { .. } => return None,
            Edit::AddTable { table, .. }
            | Edit::RenameTable { table, .. }
            | Edit::DropTable { table }
            | Edit::AddColumn { table, .. }
            | Edit::RenameColumn { table, .. }
            | Edit::SetType { table, .. }
            | Edit::SetNullable { table, .. }
            | Edit::SetDefault { table, .. }
            | Edit::SetPrimaryKey { table, .. }
            | Edit::SetUnique { table, .. }
            | Edit::DropColumn { table, .. }
            | Edit::AddForeignKey { table, .. }
            | Edit::DropForeignKey { table, .. }
            | Edit::AddIndex { table, .. }
            | Edit::DropIndex { table, .. }
            | Edit::AddCheck { table, .. }
            | Edit::DropCheck { table, .. }
            | Edit::SetIdentity { table, .. }
            | Edit::ExtractLookup { table, .. }
            | Edit::ExtractColumns { table, .. }
            | Edit::SetComment { table, .. }
            | Edit::SetPrimaryKeyColumns { table, .. }
            | Edit::AddUnique { table, .. }
            | Edit::DropUnique { table, .. }
            | Edit::CreateIndex { table, .. } => *table,
            Edit::MergeTable { table, .. } | Edit::MoveColumn { table, .. } => *table,
        })
    }
}

/// An edit of an enum type's labels. Column defaults that name a renamed or removed label follow
/// it; a removed label that is some column's default with no replacement is refused.
fn apply_enum(schema: &mut Schema, edit: &Edit) -> Result<(), String> {
    if let Edit::CreateEnum { name, labels } = edit {
        return create_enum(schema, name, labels);
    }
    let (Edit::AddEnumValue { name, .. } | Edit::RenameEnumValue { name, .. } | Edit::RemoveEnumValue { name, .. }) =
        edit
    else {
        return Err("not an enum edit".into());
    };
    let Some(index) = schema.find_enum(name).and_then(|e| schema.enums.iter().position(|x| std::ptr::eq(x, e))) else {
        return Err(if schema.dialect == Some(crate::dialect::Dialect::MySql) {
            format!("no enum type {name}: MySQL's ENUM belongs to its column, so change the column's type")
        } else {
            format!("no enum type {name}")
        });
    };
    let labels = &schema.enums[index].labels;
    let has = |l: &str| labels.iter().any(|x| x == l);
    let blank = |l: &str| l.is_empty();
    match edit {
        Edit::AddEnumValue { value, before, .. } => {
            if blank(value) {
                return Err("an enum label needs some text".into());
            }
            if has(value) {
                return Err(format!("{name} already has the label '{value}'"));
            }
            let at = match before {
                Some(b) => labels.iter().position(|x| x == b).ok_or_else(|| format!("{name} has no label '{b}'"))?,
                None => labels.len(),
            };
            schema.enums[index].labels.insert(at, value.clone());
        }
        Edit::RenameEnumValue { from, to, .. } => {
            if blank(to) {
                return Err("an enum label needs some text".into());
            }
            let at = labels.iter().position(|x| x == from).ok_or_else(|| format!("{name} has no label '{from}'"))?;
            if has(to) {
                return Err(format!(
                    "{name} already has the label '{to}'; to fold '{from}' into it, remove '{from}' with '{to}' as its replacement"
                ));
            }
            schema.enums[index].labels[at] = to.clone();
            relabel_defaults(schema, index, from, to);
        }
        Edit::RemoveEnumValue { value, replacement, .. } => {
            let at = labels.iter().position(|x| x == value).ok_or_else(|| format!("{name} has no label '{value}'"))?;
            if labels.len() == 1 {
                return Err(format!("'{value}' is the last label of {name}; an enum type needs one"));
            }
            if let Some(r) = replacement {
                if r == value || !has(r) {
                    return Err(format!("the replacement of '{value}' must be another label of {name}"));
                }
            } else if let Some(&(ti, ci, _)) = label_defaults(schema, index, value, value).first() {
                let c = format!("{}.{}", schema.tables[ti].name, schema.tables[ti].columns[ci].name);
                return Err(format!(
                    "'{value}' is the default of {c}: change that default, or give the rows a replacement label"
                ));
            }
            schema.enums[index].labels.remove(at);
            if let Some(r) = replacement {
                relabel_defaults(schema, index, value, r);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The namespace a new table or type goes to: the one most tables live in (MusicBrainz keeps
/// them all in `musicbrainz`, under a search path that starts there).
fn home_namespace(schema: &Schema) -> Option<String> {
    let mut counts: std::collections::BTreeMap<Option<&str>, usize> = std::collections::BTreeMap::new();
    for t in &schema.tables {
        *counts.entry(t.namespace.as_deref()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(ns, n)| (*n, ns.is_none())).and_then(|(ns, _)| ns.map(str::to_string))
}

/// Why `labels` cannot be an enum type's (or a CHECK's list): none, a blank one, one twice, one
/// longer than PostgreSQL's 63 bytes.
fn labels_refused(labels: &[String]) -> Option<String> {
    if labels.is_empty() {
        return Some("list at least one value".into());
    }
    for (i, l) in labels.iter().enumerate() {
        if l.trim().is_empty() {
            return Some("a value needs some text".into());
        }
        if labels[..i].contains(l) {
            return Some(format!("'{l}' is listed twice"));
        }
    }
    None
}

fn create_enum(schema: &mut Schema, name: &str, labels: &[String]) -> Result<(), String> {
    match schema.dialect {
        Some(crate::Dialect::MySql) => {
            return Err(
                "MySQL has no enum types: its ENUM belongs to a column, so set the column's type to ENUM('a', 'b')"
                    .into(),
            )
        }
        Some(crate::Dialect::Sqlite) => return Err("SQLite has no enum types: a CHECK lists a column's values".into()),
        _ => {}
    }
    let name = name.trim();
    if name.is_empty() {
        return Err("an enum type needs a name".into());
    }
    if let Some(why) = labels_refused(labels) {
        return Err(why);
    }
    if let Some(long) = labels.iter().find(|l| l.len() > 63) {
        return Err(format!("'{long}' is longer than the 63 bytes PostgreSQL allows an enum label"));
    }
    let (ns, short) = split_qualified(name);
    let namespace = ns.map(str::to_string).or_else(|| home_namespace(schema));
    let clash = schema.find_enum(name).is_some()
        || schema.tables.iter().any(|t| same_name(&t.name, short) && t.namespace == namespace)
        || schema.views.iter().any(|v| same_name(split_qualified(&v.name).1, short));
    if clash {
        // A table's or view's row type has its name too.
        return Err(format!("a type or table named {short} exists"));
    }
    schema.enums.push(EnumType { namespace, name: short.to_string(), labels: labels.to_vec(), span: Span::new(1, 1) });
    Ok(())
}

/// Whether a column of type `ty` holds labels of `e` (directly or as an array's elements).
pub fn uses_enum(schema: &Schema, ty: &TypeKind, e: &EnumType) -> bool {
    match ty {
        TypeKind::Named { name } => {
            schema.find_enum(name).is_some_and(|x| same_name(&x.name, &e.name) && x.namespace == e.namespace)
        }
        TypeKind::Array { of } => uses_enum(schema, of, e),
        _ => false,
    }
}

/// The columns (table and column index) holding enum `index` whose default is the label `from`,
/// each with that default naming `to` instead.
fn label_defaults(schema: &Schema, index: usize, from: &str, to: &str) -> Vec<(usize, usize, String)> {
    let e = &schema.enums[index];
    let mut out = Vec::new();
    for (ti, t) in schema.tables.iter().enumerate() {
        for (ci, c) in t.columns.iter().enumerate() {
            if !uses_enum(schema, &c.data_type.kind, e) {
                continue;
            }
            if let Some(expr) = c.default.as_ref().and_then(|d| crate::diff::relabelled(&d.expr, from, to)) {
                out.push((ti, ci, expr));
            }
        }
    }
    out
}

/// Points the defaults that are the label `from` of enum `index` at `to`.
fn relabel_defaults(schema: &mut Schema, index: usize, from: &str, to: &str) {
    for (ti, ci, expr) in label_defaults(schema, index, from, to) {
        if let Some(d) = &mut schema.tables[ti].columns[ci].default {
            d.expr = expr;
        }
    }
}

/// The enum label renames and replacements the edits make, as diff hints `type.old=new`
/// (`old` a label of the base): a chain of renames collapses to one hint.
pub fn enum_hints(edits: &[Edit]) -> Vec<crate::diff::RenameHint> {
    // (type, base label, the label its rows hold now, a rename rather than a replacement)
    let mut hints: Vec<(String, String, String, bool)> = Vec::new();
    let mut added: Vec<(String, String)> = Vec::new();
    for edit in edits {
        match edit {
            Edit::AddEnumValue { name, value, .. } => added.push((name.clone(), value.clone())),
            Edit::RenameEnumValue { name, from, to } => {
                if let Some(h) = hints.iter_mut().find(|h| h.3 && same_name(&h.0, name) && &h.2 == from) {
                    h.2 = to.clone();
                } else if let Some(a) = added.iter_mut().find(|a| same_name(&a.0, name) && &a.1 == from) {
                    a.1 = to.clone();
                } else {
                    hints.push((name.clone(), from.clone(), to.clone(), true));
                }
                for h in hints.iter_mut().filter(|h| !h.3 && same_name(&h.0, name) && &h.2 == from) {
                    h.2 = to.clone();
                }
            }
            Edit::RemoveEnumValue { name, value, replacement } => {
                let was_added = added.iter().any(|a| same_name(&a.0, name) && &a.1 == value);
                added.retain(|a| !(same_name(&a.0, name) && &a.1 == value));
                let chained = hints.iter().any(|h| h.3 && same_name(&h.0, name) && &h.2 == value);
                match replacement {
                    Some(r) => {
                        for h in hints.iter_mut().filter(|h| same_name(&h.0, name) && &h.2 == value) {
                            h.2 = r.clone();
                            h.3 = false;
                        }
                        if !chained && !was_added {
                            hints.push((name.clone(), value.clone(), r.clone(), false));
                        }
                    }
                    None => hints.retain(|h| !(same_name(&h.0, name) && &h.2 == value)),
                }
            }
            _ => {}
        }
    }
    hints
        .into_iter()
        .filter(|h| h.1 != h.2)
        .map(|(name, from, to, _)| crate::diff::RenameHint { from: format!("{name}.{from}"), to })
        .collect()
}

/// Ids for new objects: one above every id in the schema and the edits so far.
pub fn next_ids(base: &Schema, edits: &[Edit]) -> (TableId, ColumnId) {
    let mut t = base.tables.iter().map(|t| t.id.0).max().unwrap_or(0);
    let mut c = base.tables.iter().flat_map(|t| t.columns.iter()).map(|c| c.id.0).max().unwrap_or(0);
    for e in edits {
        match e {
            Edit::AddTable { table, key, .. } => {
                t = t.max(table.0);
                c = c.max(key.0);
            }
            Edit::AddColumn { column, .. } => c = c.max(column.0),
            Edit::ExtractLookup { lookup, key, .. } => {
                t = t.max(lookup.0);
                c = c.max(key.0);
            }
            Edit::ExtractColumns { into, key, columns, .. } => {
                t = t.max(into.0);
                c = c.max(key.0 + columns.len() as u32);
            }
            _ => {}
        }
    }
    (TableId(t + 1), ColumnId(c + 1))
}

/// The target: `base` with `edits` applied in order, and a message for each edit skipped.
pub fn apply(base: &Schema, edits: &[Edit]) -> (Schema, Vec<String>) {
    let mut schema = base.clone();
    let mut skipped = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        if let Err(why) = apply_one(&mut schema, edit) {
            skipped.push(format!("edit {} skipped: {why}", i + 1));
        }
    }
    (schema, skipped)
}

fn column_name(t: &Table, id: ColumnId) -> Result<String, String> {
    t.columns
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .ok_or_else(|| format!("no column #{} in {}", id.0, t.name))
}

fn rename_in(list: &mut [String], from: &str, to: &str) {
    for c in list.iter_mut().filter(|c| same_name(c, from)) {
        *c = to.to_string();
    }
}

/// A column type as MySQL matches foreign keys: the kind (string lengths aside) and the sign.
fn mysql_type_key(t: &DataType) -> (crate::TypeKind, bool) {
    let kind = match &t.kind {
        crate::TypeKind::Varchar { .. } => crate::TypeKind::Varchar { length: None },
        crate::TypeKind::Char { .. } => crate::TypeKind::Char { length: None },
        other => other.clone(),
    };
    (kind, t.spelling.to_ascii_lowercase().contains("unsigned"))
}

/// MySQL refuses a type change that leaves a foreign key's two sides of different types.
fn mysql_foreign_key_types(schema: &Schema, index: usize, column: &str, to: &DataType) -> Result<(), String> {
    let t = &schema.tables[index];
    for fk in &t.foreign_keys {
        let Some(pos) = fk.columns.iter().position(|c| same_name(c, column)) else { continue };
        let Some(parent) = schema.find_table(&fk.ref_table) else { continue };
        let ref_col = fk
            .ref_columns
            .get(pos)
            .cloned()
            .or_else(|| parent.primary_key.as_ref().and_then(|k| k.columns.get(pos).cloned()));
        if let Some(rc) = ref_col.and_then(|rc| parent.column(&rc)) {
            if mysql_type_key(&rc.data_type) != mysql_type_key(to) {
                return Err(format!(
                    "MySQL needs a foreign key's column and the column it references to have the same type: {}.{} is {}; change both, or drop the key first",
                    parent.name, rc.name, rc.data_type.spelling
                ));
            }
        }
    }
    for child in &schema.tables {
        for fk in child.foreign_keys.iter().filter(|fk| same_name(split_qualified(&fk.ref_table).1, &t.name)) {
            let refs = fk.referenced_columns(Some(t));
            let Some(pos) = refs.iter().position(|c| same_name(c, column)) else { continue };
            if let Some(cc) = fk.columns.get(pos).and_then(|c| child.column(c)) {
                if mysql_type_key(&cc.data_type) != mysql_type_key(to) {
                    return Err(format!(
                        "MySQL needs a foreign key's column and the column it references to have the same type: {}.{} references it as {}; change both, or drop the key first",
                        child.name, cc.name, cc.data_type.spelling
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What a merge of the table at `index` into `into` needs: another table, a key of it to match
/// rows on, columns that exist, and references to the merged table whose values name the same
/// rows in `into` (the plan repoints them).
fn merge_allowed(
    schema: &Schema,
    index: usize,
    into: TableId,
    on: &[ColumnId],
    map: &[(ColumnId, ColumnId)],
) -> Result<(), String> {
    let b = &schema.tables[index];
    let a = schema.tables.iter().find(|t| t.id == into).ok_or_else(|| format!("no table #{}", into.0))?;
    if a.id == b.id {
        return Err(format!("{} cannot be merged into itself", b.name));
    }
    if on.is_empty() {
        return Err(format!("choose the columns of {} that match a row of {}", a.name, b.name));
    }
    for c in on {
        column_name(a, *c)?;
    }
    for (x, y) in map {
        column_name(b, *x)?;
        column_name(a, *y)?;
    }
    // What the plan needs, as the merge recipe checks it: a key of `into` that is unique, its
    // required columns filled. The recipe reads `b` from the base and `a` from the target, so
    // the schema serves as both: `b` still in it is nothing the rules look at.
    // References to `b` move to `a` with it: the recipe checks that their values name the same
    // rows there (they reference the columns rows are matched on).
    let hint = merge_hint(b, a, on, map);
    let mut changes =
        vec![crate::diff::Change::DropTable { table: b.qualified_name() }, crate::diff::merge_change(b, a, &hint)];
    for (t, fk) in references_to(schema, b) {
        let table = t.qualified_name();
        changes.push(crate::diff::Change::DropForeignKey { table: table.clone(), foreign_key: fk.clone() });
        changes.push(crate::diff::Change::AddForeignKey { table, foreign_key: repointed_key(b, a, &hint, fk) });
    }
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    match crate::plan::recipes::merge::merges(schema, schema, &changes, d).into_iter().find_map(Result::err) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// The foreign keys of other tables that reference `b`.
pub fn references_to<'a>(schema: &'a Schema, b: &Table) -> Vec<(&'a Table, &'a ForeignKey)> {
    let name = b.qualified_name();
    schema
        .tables
        .iter()
        .filter(|t| t.id != b.id)
        .flat_map(|t| t.foreign_keys.iter().filter(|fk| same_name(&fk.ref_table, &name)).map(move |fk| (t, fk)))
        .collect()
}

/// `fk` (a reference to `b`) pointed at `a`: each referenced column of `b` becomes the column of
/// `a` the merge carries it to (the hint's mapping, or the namesake).
fn repointed_key(b: &Table, a: &Table, hint: &crate::diff::MergeHint, fk: &ForeignKey) -> ForeignKey {
    let refs: Vec<String> = if fk.ref_columns.is_empty() {
        b.primary_key.iter().flat_map(|k| k.columns.clone()).collect()
    } else {
        fk.ref_columns.clone()
    };
    let to = |c: &String| {
        hint.columns
            .iter()
            .find(|(x, _)| same_name(x, c))
            .map(|(_, y)| y.clone())
            .or_else(|| a.column(c).map(|ac| ac.name.clone()))
            .unwrap_or_else(|| c.clone())
    };
    ForeignKey { ref_table: a.qualified_name(), ref_columns: refs.iter().map(to).collect(), ..fk.clone() }
}

/// A merge edit's hint for the diff, by name: `b`'s (the merged table's) and `a`'s columns.
fn merge_hint(b: &Table, a: &Table, on: &[ColumnId], map: &[(ColumnId, ColumnId)]) -> crate::diff::MergeHint {
    let name = |t: &Table, c: &ColumnId| t.columns.iter().find(|x| x.id == *c).map(|x| x.name.clone());
    crate::diff::MergeHint {
        from: b.qualified_name(),
        into: a.qualified_name(),
        on: on.iter().filter_map(|c| name(a, c)).collect(),
        from_wins: false,
        columns: map.iter().filter_map(|(x, y)| Some((name(b, x)?, name(a, y)?))).collect(),
    }
}

/// The merges the edits make, by name, for the diff: the merged table's name in the base, the
/// other table's and its columns' names in the target.
pub fn merge_hints(base: &Schema, target: &Schema, edits: &[Edit]) -> Vec<crate::diff::MergeHint> {
    let mut out = Vec::new();
    for e in edits {
        let Edit::MergeTable { table, into, on, map, from_wins } = e else { continue };
        let (Some(b), Some(a)) =
            (base.tables.iter().find(|t| t.id == *table), target.tables.iter().find(|t| t.id == *into))
        else {
            continue;
        };
        out.push(crate::diff::MergeHint { from_wins: *from_wins, ..merge_hint(b, a, on, map) });
    }
    out
}

/// Drops a table (an edit's): its partitions go with it, and the references to them; a table
/// that inherits from it is refused.
fn drop_table(schema: &mut Schema, old_table_name: &str) -> Result<(), String> {
    if let Some(child) = schema.tables.iter().find(|t| t.inherits.iter().any(|p| same_name(p, old_table_name))) {
        return Err(format!("{} inherits from it; drop or detach {} first", child.name, child.name));
    }
    // Partitions go with their partitioned table, as the server drops them.
    let mut gone = vec![old_table_name.to_string()];
    while let Some(more) = schema.tables.iter().find(|t| {
        t.partition_of.as_deref().is_some_and(|p| gone.iter().any(|g| same_name(g, p)))
            && !gone.iter().any(|g| same_name(g, &t.qualified_name()))
    }) {
        gone.push(more.qualified_name());
    }
    schema.tables.retain(|t| !gone.iter().any(|g| same_name(g, &t.qualified_name())));
    for t in &mut schema.tables {
        t.foreign_keys.retain(|fk| !gone.iter().any(|g| same_name(&fk.ref_table, g)));
    }
    for g in &gone {
        dependents::drop_table(schema, g);
    }
    Ok(())
}

fn apply_one(schema: &mut Schema, edit: &Edit) -> Result<(), String> {
    let Some(tid) = edit.table() else { return apply_enum(schema, edit) };
    if let Edit::AddTable { table, name, key } = edit {
        if schema.tables.iter().any(|t| same_name(&t.name, name)) {
            return Err(format!("a table named {name} exists"));
        }
        // A new table goes where most of the schema's tables live.
        let namespace = home_namespace(schema);
        let mut t = Table::new(*table, namespace, name.clone(), Span::new(1, 1));
        t.columns.push(Column {
            identity: Some(Identity::Always),
            ..Column::new(*key, "id", DataType::parse("bigint"), false, Span::new(1, 1))
        });
        t.primary_key = Some(Key::new(None, vec!["id".into()]));
        schema.tables.push(t);
        return Ok(());
    }
    let index = schema.tables.iter().position(|t| t.id == tid).ok_or_else(|| format!("no table #{}", tid.0))?;
    let old_table_name = schema.tables[index].qualified_name();
    match edit {
        Edit::AddTable { .. }
        | Edit::AddEnumValue { .. }
        | Edit::RenameEnumValue { .. }
        | Edit::RemoveEnumValue { .. }
        | Edit::CreateEnum { .. } => {}
        Edit::RenameTable { to, .. } => {
            if to.trim().is_empty() {
                return Err("a table needs a name".into());
            }
            let old_short = schema.tables[index].name.clone();
            schema.tables[index].name = to.clone();
            let new_name = schema.tables[index].qualified_name();
            for t in &mut schema.tables {
                for fk in t.foreign_keys.iter_mut().filter(|fk| same_name(&fk.ref_table, &old_table_name)) {
                    fk.ref_table = new_name.clone();
                }
                if t.partition_of.as_deref().is_some_and(|p| same_name(p, &old_table_name)) {
                    t.partition_of = Some(new_name.clone());
                }
                for parent in t.inherits.iter_mut().filter(|p| same_name(p, &old_table_name)) {
                    *parent = new_name.clone();
                }
            }
            dependents::rename_table(schema, &old_table_name, &old_short, to, &new_name);
        }
        Edit::MergeTable { into, on, map, .. } => {
            merge_allowed(schema, index, *into, on, map)?;
            let b = &schema.tables[index];
            let a = schema.tables.iter().find(|t| t.id == *into).ok_or("no such table")?;
            let hint = merge_hint(b, a, on, map);
            let moved: Vec<(TableId, ForeignKey, ForeignKey)> = references_to(schema, b)
                .into_iter()
                .map(|(t, fk)| (t.id, fk.clone(), repointed_key(b, a, &hint, fk)))
                .collect();
            for (t, old, new) in moved {
                if let Some(fk) = schema
                    .tables
                    .iter_mut()
                    .find(|x| x.id == t)
                    .and_then(|x| x.foreign_keys.iter_mut().find(|f| **f == old))
                {
                    *fk = new;
                }
            }
            drop_table(schema, &old_table_name)?;
        }
        Edit::DropTable { .. } => drop_table(schema, &old_table_name)?,
        Edit::AddColumn { column, name, data_type, nullable, .. } => {
            let t = &mut schema.tables[index];
            if t.column(name).is_some() {
                return Err(format!("{} already has a column {name}", t.name));
            }
            t.columns.push(Column::new(*column, name.clone(), DataType::parse(data_type), *nullable, Span::new(1, 1)));
        }
        Edit::RenameColumn { column, to, .. } => {
            let from = column_name(&schema.tables[index], *column)?;
            if to.trim().is_empty() {
                return Err("a column needs a name".into());
            }
            if !same_name(&from, to) && schema.tables[index].column(to).is_some() {
                return Err(format!("{} already has a column {to}", schema.tables[index].name));
            }
            for other in &mut schema.tables {
                for fk in other.foreign_keys.iter_mut().filter(|fk| same_name(&fk.ref_table, &old_table_name)) {
                    rename_in(&mut fk.ref_columns, &from, to);
                }
            }
            dependents::rename_column(schema, index, &from, to);
        }
        Edit::SetType { column, data_type, .. } => {
            let t = &mut schema.tables[index];
            let c = t.columns.iter_mut().find(|c| c.id == *column).ok_or("no such column")?;
            // A serial column retyped to another integer keeps its sequence: it stays a serial
            // of that width (the plan moves and widens the sequence with it).
            let serial = match data_type.trim().to_ascii_lowercase().as_str() {
                "bigint" | "int8" if c.identity == Some(Identity::Serial) && c.default.is_none() => Some("bigserial"),
                "integer" | "int" | "int4" if c.identity == Some(Identity::Serial) && c.default.is_none() => {
                    Some("serial")
                }
                "smallint" | "int2" if c.identity == Some(Identity::Serial) && c.default.is_none() => {
                    Some("smallserial")
                }
                _ => None,
            };
            let new_type = DataType::parse(serial.unwrap_or(data_type));
            let column_name = c.name.clone();
            if schema.dialect == Some(crate::Dialect::MySql) {
                mysql_foreign_key_types(schema, index, &column_name, &new_type)?;
            }
            let t = &mut schema.tables[index];
            let c = t.columns.iter_mut().find(|c| c.id == *column).ok_or("no such column")?;
            c.data_type = new_type;
        }
        Edit::SetNullable { column, nullable, .. } => {
            let t = &mut schema.tables[index];
            let name = column_name(t, *column)?;
            if *nullable && t.is_primary_key(&name) {
                return Err(format!("{name} is in the primary key"));
            }
            if let Some(c) = t.columns.iter_mut().find(|c| c.id == *column) {
                c.nullable = *nullable;
            }
        }
        Edit::SetDefault { column, default, .. } => {
            let t = &mut schema.tables[index];
            let c = t.columns.iter_mut().find(|c| c.id == *column).ok_or("no such column")?;
            c.default = default
                .as_ref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| DefaultValue { expr: d.clone(), volatile: crate::import::is_volatile(d) });
        }
        Edit::SetComment { column, comment, .. } => {
            let t = &mut schema.tables[index];
            let text = comment.as_ref().filter(|c| !c.trim().is_empty()).cloned();
            match column {
                Some(id) => t.columns.iter_mut().find(|c| c.id == *id).ok_or("no such column")?.comment = text,
                None => t.comment = text,
            }
        }
        Edit::SetPrimaryKeyColumns { columns, .. } => {
            let names = column_list(&schema.tables[index], columns, true)?;
            let current: Vec<String> =
                schema.tables[index].primary_key.iter().flat_map(|k| k.columns.clone()).collect();
            let same = current.len() == names.len() && current.iter().zip(&names).all(|(a, b)| same_name(a, b));
            if same {
                return Err("that is the primary key already".into());
            }
            if !current.is_empty() {
                if let Some(child) = referencing(schema, &old_table_name, &current) {
                    return Err(format!("{child} references the primary key; drop that foreign key first"));
                }
            }
            let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
            if !names.is_empty() {
                holds_partition_key(&schema.tables[index], &names, d)?;
            }
            if d == crate::Dialect::MySql {
                auto_increment_keeps_a_key(&schema.tables[index], &current, &names)?;
            }
            let t = &mut schema.tables[index];
            for c in t.columns.iter_mut().filter(|c| columns.contains(&c.id)) {
                c.nullable = false;
            }
            let name = t.primary_key.as_ref().and_then(|k| k.name.clone());
            t.primary_key = (!names.is_empty()).then(|| Key::new(name, names));
        }
        Edit::AddUnique { name, columns, .. } => {
            let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
            let names = column_list(&schema.tables[index], columns, false)?;
            let name = name.trim();
            if name.is_empty() {
                return Err("a UNIQUE constraint needs a name".into());
            }
            let t = &schema.tables[index];
            if unique_over(t, &names).is_some() || t.primary_key.as_ref().is_some_and(|k| same_set(&k.columns, &names))
            {
                return Err(format!("({}) is unique already", names.join(", ")));
            }
            if constraint_names(t, d).iter().any(|n| same_name(n, name)) || index_name_taken(schema, index, name) {
                return Err(format!("a constraint or index named {name} exists"));
            }
            holds_partition_key(t, &names, d)?;
            schema.tables[index].uniques.push(Key::new(Some(name.to_string()), names));
        }
        Edit::DropUnique { columns, .. } => {
            let names = column_list(&schema.tables[index], columns, false)?;
            let t = &schema.tables[index];
            let Some(found) = unique_over(t, &names) else {
                return Err(format!("nothing makes ({}) unique", names.join(", ")));
            };
            if let Some(child) = referencing(schema, &old_table_name, &names) {
                return Err(format!("{child} references it; drop that foreign key first"));
            }
            let t = &mut schema.tables[index];
            match found {
                UniqueBy::Constraint(i) => {
                    t.uniques.remove(i);
                }
                UniqueBy::Index(i) => {
                    t.indexes.remove(i);
                }
            }
        }
        Edit::CreateIndex { name, columns, descending, unique, method, predicate, .. } => {
            let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
            let t = &schema.tables[index];
            let names = column_list(t, columns, false)?;
            let name = name.trim();
            if name.is_empty() {
                return Err("an index needs a name".into());
            }
            if index_name_taken(schema, index, name) {
                return Err(format!("an index or table named {name} exists"));
            }
            if *unique {
                holds_partition_key(t, &names, d)?;
            }
            let types: Vec<&DataType> = names.iter().filter_map(|n| t.column(n).map(|c| &c.data_type)).collect();
            let method = index_method(d, method.as_deref(), &types, *unique, !descending.is_empty())?;
            let predicate = match predicate.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                None => None,
                Some(_) if d == crate::Dialect::MySql => {
                    return Err("MySQL and MariaDB have no partial indexes (an index with a WHERE)".into())
                }
                Some(p) => {
                    let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                    Some(crate::import::check_condition(p, d, &cols).map_err(|e| format!("the index's WHERE: {e}"))?)
                }
            };
            let t = &mut schema.tables[index];
            let parts = columns
                .iter()
                .zip(names)
                .map(|(id, name)| IndexPart::Column { name, descending: descending.contains(id) })
                .collect();
            t.indexes.push(Index {
                name: Some(name.to_string()),
                unique: *unique,
                parts,
                method,
                predicate,
                span: Span::new(1, 1),
            });
        }
        Edit::SetPrimaryKey { column, primary, .. } => {
            let name = column_name(&schema.tables[index], *column)?;
            // A key that foreign keys reference stays (the server refuses to drop it).
            let current: Vec<String> =
                schema.tables[index].primary_key.iter().flat_map(|k| k.columns.clone()).collect();
            let keeps_same_key = *primary && current.len() == 1 && same_name(&current[0], &name);
            if !current.is_empty() && !keeps_same_key {
                if let Some(child) = referencing(schema, &old_table_name, &current) {
                    return Err(format!("{child} references the primary key; drop that foreign key first"));
                }
            }
            if schema.dialect == Some(crate::Dialect::MySql) {
                let next: Vec<String> = if *primary {
                    vec![name.clone()]
                } else {
                    current.iter().filter(|c| !same_name(c, &name)).cloned().collect()
                };
                auto_increment_keeps_a_key(&schema.tables[index], &current, &next)?;
            }
            let t = &mut schema.tables[index];
            if *primary {
                t.primary_key = Some(Key::new(t.primary_key.as_ref().and_then(|k| k.name.clone()), vec![name.clone()]));
                if let Some(c) = t.columns.iter_mut().find(|c| c.id == *column) {
                    c.nullable = false;
                }
            } else if let Some(pk) = &mut t.primary_key {
                pk.columns.retain(|c| !same_name(c, &name));
                if pk.columns.is_empty() {
                    t.primary_key = None;
                }
            }
        }
        Edit::SetUnique { column, unique, .. } => {
            let name = column_name(&schema.tables[index], *column)?;
            if !*unique {
                if let Some(child) = referencing(schema, &old_table_name, std::slice::from_ref(&name)) {
                    return Err(format!("{child} references it; drop that foreign key first"));
                }
            }
            let t = &mut schema.tables[index];
            if *unique {
                if !t.is_unique(&name) {
                    t.uniques.push(Key::new(Some(format!("{}_{name}_key", t.name)), vec![name]));
                }
            } else {
                t.uniques.retain(|k| !(k.columns.len() == 1 && same_name(&k.columns[0], &name)));
                t.indexes.retain(|ix| {
                    !(ix.unique && ix.parts.len() == 1 && ix.parts[0].column().is_some_and(|c| same_name(c, &name)))
                });
            }
        }
        Edit::DropColumn { column, .. } => {
            let t = &mut schema.tables[index];
            let name = column_name(t, *column)?;
            let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
            if t.partition_by.as_deref().is_some_and(|p| crate::rewrite::names(p, d, &name)) {
                return Err(format!("{name} is in the partition key of {}", t.name));
            }
            // Indexes and CHECKs that read it go with it, as the server drops them.
            t.checks.retain(|c| !crate::rewrite::names(&c.expr, d, &name));
            t.indexes.retain(|ix| {
                !ix.parts
                    .iter()
                    .any(|p| matches!(p, IndexPart::Expression { sql } if crate::rewrite::names(sql, d, &name)))
                    && !ix.predicate.as_deref().is_some_and(|p| crate::rewrite::names(p, d, &name))
            });
            let owned = format!("{}.{name}", old_table_name);
            schema.sequences.retain(|s| !s.owned_by.as_deref().is_some_and(|o| same_name(o, &owned)));
            let t = &mut schema.tables[index];
            let in_primary_key =
                t.primary_key.as_ref().is_some_and(|pk| pk.columns.iter().any(|c| same_name(c, &name)));
            t.columns.retain(|c| c.id != *column);
            // A key loses all its columns with one of them, as the server drops the constraint.
            if t.primary_key.as_ref().is_some_and(|pk| pk.columns.iter().any(|c| same_name(c, &name))) {
                t.primary_key = None;
            }
            t.uniques.retain(|k| !k.columns.iter().any(|c| same_name(c, &name)));
            t.foreign_keys.retain(|fk| !fk.columns.iter().any(|c| same_name(c, &name)));
            t.indexes.retain(|ix| !ix.parts.iter().any(|p| p.column().is_some_and(|c| same_name(c, &name))));
            for other in &mut schema.tables {
                // `REFERENCES t` without columns points at the primary key the column was part of.
                other.foreign_keys.retain(|fk| {
                    !(same_name(&fk.ref_table, &old_table_name)
                        && (fk.ref_columns.iter().any(|c| same_name(c, &name))
                            || (fk.ref_columns.is_empty() && in_primary_key)))
                });
            }
        }
        Edit::AddForeignKey { column, ref_table, ref_column, .. } => {
            let name = column_name(&schema.tables[index], *column)?;
            let parent = schema.table(*ref_table).ok_or_else(|| format!("no table #{}", ref_table.0))?;
            let parent_name = parent.qualified_name();
            let ref_name = column_name(parent, *ref_column)?;
            if schema.dialect == Some(crate::Dialect::MySql) {
                let child = schema.tables[index].column(&name).map(|c| c.data_type.clone());
                let parent_col = parent.column(&ref_name).map(|c| c.data_type.clone());
                if let (Some(a), Some(b)) = (child, parent_col) {
                    if mysql_type_key(&a) != mysql_type_key(&b) {
                        return Err(format!(
                            "MySQL needs a foreign key's column and the column it references to have the same type: {name} is {}, {parent_name}.{ref_name} is {}",
                            a.spelling, b.spelling
                        ));
                    }
                }
                let indexed = parent
                    .primary_key
                    .iter()
                    .chain(parent.uniques.iter())
                    .any(|k| k.columns.first().is_some_and(|c| same_name(c, &ref_name)))
                    || parent.indexes.iter().any(|ix| {
                        ix.parts.first().and_then(IndexPart::column).is_some_and(|c| same_name(c, &ref_name))
                    });
                if !indexed {
                    return Err(format!("MySQL needs the referenced column {parent_name}.{ref_name} to lead a key or an index; add one first"));
                }
            }
            let t = &mut schema.tables[index];
            if t.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && same_name(&fk.columns[0], &name)) {
                return Err(format!("{}.{name} already references a table", t.name));
            }
            t.foreign_keys.push(ForeignKey {
                name: Some(format!("{}_{name}_fkey", t.name)),
                columns: vec![name],
                ref_table: parent_name,
                ref_columns: vec![ref_name],
                on_delete: RefAction::NoAction,
                on_update: RefAction::NoAction,
            });
        }
        Edit::DropForeignKey { column, .. } => {
            let t = &mut schema.tables[index];
            let name = column_name(t, *column)?;
            t.foreign_keys.retain(|fk| !fk.columns.iter().any(|c| same_name(c, &name)));
        }
        Edit::AddIndex { column, .. } => {
            let t = &mut schema.tables[index];
            let name = column_name(t, *column)?;
            let index_name = format!("{}_{name}_idx", t.name);
            if t.indexes.iter().any(|ix| ix.name.as_deref() == Some(index_name.as_str())) {
                return Err(format!("{index_name} exists"));
            }
            t.indexes.push(Index {
                name: Some(index_name),
                unique: false,
                parts: vec![IndexPart::Column { name, descending: false }],
                method: None,
                predicate: None,
                span: Span::new(1, 1),
            });
        }
        Edit::DropIndex { name, .. } => {
            let t = &mut schema.tables[index];
            let before = t.indexes.len();
            t.indexes.retain(|ix| ix.name.as_deref() != Some(name.as_str()));
            if t.indexes.len() == before {
                return Err(format!("no index {name}"));
            }
        }
        Edit::AddCheck { name, expr, .. } => {
            let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
            let name = name.trim();
            if name.is_empty() {
                return Err("a CHECK needs a name".into());
            }
            let t = &schema.tables[index];
            // PostgreSQL and MariaDB keep a table's constraint names apart; MySQL keeps CHECK
            // names apart across the whole database.
            let taken_here = constraint_names(t, d).iter().any(|n| same_name(n, name));
            let taken_elsewhere = d == crate::Dialect::MySql
                && schema
                    .tables
                    .iter()
                    .flat_map(|t| &t.checks)
                    .filter_map(|c| c.name.as_deref())
                    .any(|n| same_name(n, name));
            if taken_here || taken_elsewhere {
                return Err(format!("a constraint named {name} exists"));
            }
            let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let expr = crate::import::check_condition(expr, d, &columns)
                .map_err(|e| format!("CHECK {name} on {}: {e}", t.name))?;
            if t.checks.iter().any(|c| crate::diff::normalize_expr(&c.expr) == crate::diff::normalize_expr(&expr)) {
                return Err(format!("{} already has CHECK ({expr})", t.name));
            }
            schema.tables[index].checks.push(Check { name: Some(name.to_string()), expr });
        }
        Edit::SetIdentity { column, identity, .. } => {
            if schema.dialect.is_some_and(|d| d != crate::Dialect::Postgres) {
                return Err("identity columns are PostgreSQL's here: MySQL's AUTO_INCREMENT and SQLite's rowid keys are not edited".into());
            }
            let t = &schema.tables[index];
            let name = column_name(t, *column)?;
            let c = t.column(&name).ok_or("no such column")?;
            let from = c.identity;
            if let Some(why) = identity_refused(schema, t) {
                return Err(why);
            }
            match identity {
                Some(Identity::Always | Identity::ByDefault) => {
                    if !matches!(
                        c.data_type.kind,
                        crate::TypeKind::SmallInt | crate::TypeKind::Integer | crate::TypeKind::BigInt
                    ) {
                        return Err(format!(
                            "{name} is {}: an identity column is smallint, integer or bigint",
                            c.data_type.spelling
                        ));
                    }
                    if c.generated.is_some() {
                        return Err(format!("{name} is a generated column"));
                    }
                    if c.default.is_some() && from != Some(Identity::Serial) {
                        return Err(format!("{name} has a default; drop it first (an identity column has none)"));
                    }
                }
                None if matches!(from, Some(Identity::Always | Identity::ByDefault)) => {}
                None => return Err(format!("{name} is not an identity column")),
                Some(other) => return Err(format!("an identity is GENERATED ALWAYS or BY DEFAULT, not {other:?}")),
            }
            // A serial's own sequence goes (the identity makes its own); one that is not the
            // column's alone (not OWNED BY it, or another default draws from it) stays.
            if from == Some(Identity::Serial) {
                let owner = format!("{old_table_name}.{name}");
                let column_id = *column;
                let drawn_elsewhere = |seq: &str| {
                    schema.tables.iter().flat_map(|t| &t.columns).any(|c| {
                        c.id != column_id
                            && c.default.as_ref().is_some_and(|d| crate::import::objects::mentions(&d.expr, seq))
                    })
                };
                let own: Vec<String> = schema
                    .sequences
                    .iter()
                    .filter(|s| {
                        s.owned_by.as_deref().is_some_and(|o| same_name(o, &owner)) && !drawn_elsewhere(&s.name)
                    })
                    .map(|s| s.name.clone())
                    .collect();
                schema.sequences.retain(|s| !own.contains(&s.name));
            }
            let t = &mut schema.tables[index];
            if let Some(c) = t.columns.iter_mut().find(|c| c.id == *column) {
                if identity.is_some() {
                    c.nullable = false;
                    c.default = None;
                    // `serial` spelt the type: the identity keeps its width.
                    let width = match c.data_type.kind {
                        crate::TypeKind::SmallInt => "smallint",
                        crate::TypeKind::BigInt => "bigint",
                        _ => "integer",
                    };
                    if c.data_type.spelling.to_ascii_lowercase().contains("serial") {
                        c.data_type = DataType::parse(width);
                    }
                }
                c.identity = *identity;
            }
        }
        Edit::DropCheck { check, .. } => {
            let t = &mut schema.tables[index];
            let wanted = crate::diff::normalize_expr(check);
            let found = t
                .checks
                .iter()
                .position(|c| c.name.as_deref().is_some_and(|n| same_name(n, check.trim())))
                .or_else(|| t.checks.iter().position(|c| crate::diff::normalize_expr(&c.expr) == wanted));
            match found {
                Some(i) => {
                    t.checks.remove(i);
                }
                None => return Err(format!("{} has no CHECK {check}", t.name)),
            }
        }
        Edit::ExtractLookup { column, lookup, key, name, .. } => {
            let source = &schema.tables[index];
            let col = column_name(source, *column)?;
            let c = source.column(&col).ok_or("no such column")?.clone();
            lookup_refused(schema, source, &c, name)?;
            let mut t = Table::new(*lookup, source.namespace.clone(), name.trim().to_string(), Span::new(1, 1));
            t.columns.push(Column::new(*key, col.clone(), c.data_type.clone(), false, Span::new(1, 1)));
            t.primary_key = Some(Key::new(None, vec![col.clone()]));
            let parent_name = t.qualified_name();
            let source = &mut schema.tables[index];
            source.foreign_keys.push(ForeignKey {
                name: Some(format!("{}_{col}_fkey", source.name)),
                columns: vec![col.clone()],
                ref_table: parent_name,
                ref_columns: vec![col],
                on_delete: RefAction::NoAction,
                on_update: RefAction::NoAction,
            });
            // The key's column gets an index (a delete in the lookup table would scan the
            // table otherwise), unless one leads with it already: under a name no index has.
            let col = &source.foreign_keys.last().map(|fk| fk.columns[0].clone()).unwrap_or_default();
            let leads = source
                .indexes
                .iter()
                .any(|ix| ix.parts.first().and_then(IndexPart::column).is_some_and(|c| same_name(c, col)))
                || source
                    .primary_key
                    .iter()
                    .chain(source.uniques.iter())
                    .any(|k| k.columns.first().is_some_and(|c| same_name(c, col)));
            if !leads {
                let stem = format!("{}_{col}_idx", source.name);
                let taken: Vec<String> =
                    schema.tables.iter().flat_map(|t| &t.indexes).filter_map(|ix| ix.name.clone()).collect();
                let index_name = free_name(&stem, &taken);
                schema.tables[index].indexes.push(Index {
                    name: Some(index_name),
                    unique: false,
                    parts: vec![IndexPart::Column { name: col.clone(), descending: false }],
                    method: None,
                    predicate: None,
                    span: Span::new(1, 1),
                });
            }
            // The lookup table follows the table that references it (so the first table of a
            // column's name stays the one it was, in findings that name it).
            schema.tables.insert(index + 1, t);
        }
        Edit::MoveColumn { table, column, into } => {
            let moved = move_allowed(schema, index, *column, *into)?;
            apply_one(schema, &Edit::DropColumn { table: *table, column: *column })?;
            let u = schema.tables.iter_mut().find(|x| x.id == *into).ok_or("no such table")?;
            u.columns.push(Column { nullable: true, default: None, identity: None, ..moved });
        }
        Edit::ExtractColumns { table, columns, into, key, name } => {
            let t = extracted_table(schema, &schema.tables[index], columns, *into, *key, name)?;
            for column in columns {
                apply_one(schema, &Edit::DropColumn { table: *table, column: *column })?;
            }
            let index = schema.tables.iter().position(|t| t.id == *table).unwrap_or(index);
            schema.tables.insert(index + 1, t);
        }
    }
    Ok(())
}

/// The column [`Edit::MoveColumn`] moves, or why it cannot: `into` must be joined to the table by
/// a foreign key of one column (one that references the table one to one, or the one the
/// table references), and the column must be the table's own data, not a key.
fn move_allowed(schema: &Schema, index: usize, column: ColumnId, to: TableId) -> Result<Column, String> {
    let t = &schema.tables[index];
    let c = t.columns.iter().find(|c| c.id == column).ok_or("no such column")?;
    let u = schema.tables.iter().find(|x| x.id == to).ok_or("no such table")?;
    if u.id == t.id {
        return Err(format!("{} is already in {}", c.name, t.name));
    }
    if u.column(&c.name).is_some() {
        return Err(format!("{} already has a column {}", u.name, c.name));
    }
    let keyed = t.is_primary_key(&c.name)
        || t.foreign_keys.iter().any(|fk| fk.columns.iter().any(|x| same_name(x, &c.name)))
        || t.uniques.iter().any(|k| k.columns.iter().any(|x| same_name(x, &c.name)))
        || t.indexes
            .iter()
            .any(|ix| ix.unique && ix.parts.iter().any(|p| p.column().is_some_and(|x| same_name(x, &c.name))))
        || schema.tables.iter().any(|o| {
            o.foreign_keys.iter().any(|fk| {
                same_name(&fk.ref_table, &t.qualified_name()) && fk.ref_columns.iter().any(|x| same_name(x, &c.name))
            })
        });
    if keyed {
        return Err(format!("{} is part of a key of {}; a move takes a column of data", c.name, t.name));
    }
    if c.generated.is_some() || c.identity.is_some() {
        return Err(format!("{} is filled by the database; a move takes a column the application writes", c.name));
    }
    if [t, u].iter().any(|x| x.partition_by.is_some() || x.partition_of.is_some()) {
        return Err(format!(
            "a move between {} and {} would change a partitioned table's partitions; it is not planned",
            t.name, u.name
        ));
    }
    let unique_in_u = |col: &str| {
        u.primary_key.iter().chain(u.uniques.iter()).any(|k| k.columns.len() == 1 && same_name(&k.columns[0], col))
            || u.indexes.iter().any(|ix| {
                ix.unique
                    && ix.predicate.is_none()
                    && ix.parts.len() == 1
                    && ix.parts[0].column().is_some_and(|x| same_name(x, col))
            })
    };
    let down = u.foreign_keys.iter().find(|fk| fk.columns.len() == 1 && same_name(&fk.ref_table, &t.qualified_name()));
    let up = t.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && same_name(&fk.ref_table, &u.qualified_name()));
    match down {
        Some(fk) if unique_in_u(&fk.columns[0]) => {}
        Some(fk) => {
            return Err(format!(
                "{} may hold many rows per {} row ({}.{} is not unique): a move goes to one row",
                u.name, t.name, u.name, fk.columns[0]
            ))
        }
        None if up && schema.dialect == Some(crate::Dialect::MySql) => {
            return Err(format!(
                "a move to {}, the table {} references, is not planned on MySQL yet: its triggers cannot keep a parent's rows in step",
                u.name, t.name
            ))
        }
        None if up => {}
        None => return Err(format!("no foreign key of one column joins {} and {}", t.name, u.name)),
    }
    Ok(c.clone())
}

/// A table a column can move to, by id and name, with the columns (id, name) the move takes
/// there.
pub type MoveTarget = (TableId, String, Vec<(ColumnId, String)>);

/// Where a column of `table` can move ([`Edit::MoveColumn`]): each table that holds one row per
/// row of it, and each table it references, with the columns the move takes there.
pub fn move_targets(schema: &Schema, table: TableId) -> Vec<MoveTarget> {
    let Some(index) = schema.tables.iter().position(|t| t.id == table) else { return Vec::new() };
    let t = &schema.tables[index];
    let name = t.qualified_name();
    schema
        .tables
        .iter()
        .filter(|u| {
            u.id != t.id
                && (u.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && same_name(&fk.ref_table, &name))
                    || t.foreign_keys
                        .iter()
                        .any(|fk| fk.columns.len() == 1 && same_name(&fk.ref_table, &u.qualified_name())))
        })
        .filter_map(|u| {
            let columns: Vec<(ColumnId, String)> = t
                .columns
                .iter()
                .filter(|c| move_allowed(schema, index, c.id, u.id).is_ok())
                .map(|c| (c.id, c.name.clone()))
                .collect();
            (!columns.is_empty()).then(|| (u.id, u.qualified_name(), columns))
        })
        .collect()
}

/// The hints for the diff that the design's moves state: each moved column's old table and
/// new table, by their names in the target.
pub fn move_hints(target: &Schema, base: &Schema, edits: &[Edit]) -> Vec<crate::diff::MoveHint> {
    let mut out = Vec::new();
    for e in edits {
        let Edit::MoveColumn { table, column, into } = e else { continue };
        let (Some(t), Some(u), Some(b)) = (target.table(*table), target.table(*into), base.table(*table)) else {
            continue;
        };
        let Some(c) = b.columns.iter().find(|c| c.id == *column) else { continue };
        out.push(crate::diff::MoveHint {
            from: t.qualified_name(),
            column: c.name.clone(),
            to: u.qualified_name(),
            to_column: c.name.clone(),
        });
    }
    out
}

/// The table [`Edit::ExtractColumns`] makes: `columns` of `source` under `name`, keyed by a
/// column that references `source`'s primary key; or why they cannot move.
fn extracted_table(
    schema: &Schema,
    source: &Table,
    columns: &[ColumnId],
    into: TableId,
    key: ColumnId,
    name: &str,
) -> Result<Table, String> {
    // Text is searched for names without the SQL tokenizer, which the page does not carry (it
    // asks this as the user ticks columns): a name in a string refuses too, on the safe side.
    use crate::import::objects::mentions;
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    let name = name.trim();
    if name.is_empty() {
        return Err("a table needs a name".into());
    }
    if schema.tables.iter().any(|t| same_name(&t.name, name)) {
        return Err(format!("a table named {name} exists"));
    }
    if columns.is_empty() {
        return Err("pick the columns to extract".into());
    }
    let pk = source
        .primary_key
        .as_ref()
        .filter(|k| k.columns.len() == 1)
        .and_then(|k| source.column(&k.columns[0]))
        .ok_or_else(|| format!("{} needs a one-column primary key for the new table to reference", source.name))?;
    if source.partition_of.is_some() || source.partition_by.is_some() {
        return Err(format!("{} is partitioned or a partition: its columns move with the partitions", source.name));
    }
    let source_name = source.qualified_name();
    let mut moved: Vec<&Column> = Vec::new();
    for id in columns {
        let c = source
            .columns
            .iter()
            .find(|c| c.id == *id)
            .ok_or_else(|| format!("no column #{} in {}", id.0, source.name))?;
        if moved.iter().any(|m| m.id == c.id) {
            return Err(format!("{} is picked twice", c.name));
        }
        moved.push(c);
    }
    let is_moved = |n: &str| moved.iter().any(|m| same_name(&m.name, n));
    if source.columns.iter().all(|c| is_moved(&c.name) || same_name(&c.name, &pk.name)) {
        return Err(format!("that is every column of {} but its key: rename the table instead", source.name));
    }
    for c in &moved {
        let n = &c.name;
        let why = if same_name(n, &pk.name) {
            Some("is the primary key, which stays to key both tables".to_string())
        } else if c.generated.is_some() {
            Some("is a generated column".into())
        } else if c.identity.is_some() {
            Some("is an identity column".into())
        } else if let Some(def) = c.default.as_ref().filter(|x| !x.expr.trim().eq_ignore_ascii_case("null")) {
            // v1 and v2 run side by side: the row v2 adds to the table would fill the column
            // from its default, and the trigger would make the new table's row from it before v2
            // writes its own.
            Some(format!(
                "has a default ({}): drop it first, or each row v2 adds to {} gets a row in {name} from it before v2 writes its own",
                def.expr, source.name
            ))
        } else if source.uniques.iter().any(|k| k.columns.iter().any(|x| same_name(x, n)))
            || source
                .indexes
                .iter()
                .any(|ix| ix.unique && ix.parts.iter().any(|p| p.column().is_some_and(|x| same_name(x, n))))
        {
            Some("is in a unique key, which the new table could not enforce while both tables hold the values".into())
        } else if let Some(fk) = source.foreign_keys.iter().find(|fk| fk.columns.iter().any(|x| same_name(x, n))) {
            Some(format!("references {}: move it without its key, or drop the key first", fk.ref_table))
        } else if let Some(child) = schema.tables.iter().find(|o| {
            o.foreign_keys
                .iter()
                .any(|fk| same_name(&fk.ref_table, &source_name) && fk.ref_columns.iter().any(|x| same_name(x, n)))
        }) {
            Some(format!("is referenced by {}", child.name))
        } else if let Some(ix) = source.indexes.iter().find(|ix| {
            let reads: Vec<&str> = ix.parts.iter().filter_map(IndexPart::column).collect();
            ix.parts.len() != reads.len()
                && ix.parts.iter().any(|p| matches!(p, IndexPart::Expression { sql } if mentions(sql, n)))
                || reads.iter().any(|x| same_name(x, n)) && reads.iter().any(|x| !is_moved(x))
                || ix.predicate.as_deref().is_some_and(|p| mentions(p, n))
        }) {
            Some(format!("is in index {} with columns that stay", ix.name.as_deref().unwrap_or("(unnamed)")))
        } else if source.checks.iter().any(|k| {
            mentions(&k.expr, n) && source.columns.iter().any(|o| !is_moved(&o.name) && mentions(&k.expr, &o.name))
        }) {
            Some("is in a CHECK with columns that stay".into())
        } else if let Some(v) = schema.views.iter().find(|v| {
            v.reads.iter().any(|r| same_name(split_qualified(r).1, &source.name)) && mentions(&v.definition, n)
        }) {
            Some(format!("is read by view {}: the view would need the new table joined", v.name))
        } else if let Some(tr) = schema.triggers.iter().find(|tr| {
            same_name(&tr.table, &source_name)
                && (tr.columns.iter().any(|x| same_name(x, n))
                    || schema
                        .routines
                        .iter()
                        .any(|r| crate::import::objects::mentions(&tr.function, &r.name) && mentions(&r.definition, n)))
        }) {
            Some(format!("is read by trigger {}", tr.name))
        } else if source.partition_by.as_deref().is_some_and(|p| mentions(p, n)) {
            Some("is in the partition key".into())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(format!("{}.{n} {why}", source.name));
        }
    }
    let mut t = Table::new(into, source.namespace.clone(), name.to_string(), Span::new(1, 1));
    // The key column: the source key's name where it says whose key it is (`customer_id`),
    // else `customer_id` from the table's name; its type without the source's identity.
    let fk_name = {
        let stem = if same_name(&pk.name, "id") || same_name(&pk.name, "rowid") {
            format!("{}_{}", singular_of(&source.name), pk.name)
        } else {
            pk.name.clone()
        };
        std::iter::once(stem.clone()).chain((1..).map(|i| format!("{stem}{i}"))).find(|n| !is_moved(n)).unwrap_or(stem)
    };
    let key_type = match pk.data_type.spelling.trim().to_ascii_lowercase().as_str() {
        "serial" | "serial4" => DataType::parse("integer"),
        "bigserial" | "serial8" => DataType::parse("bigint"),
        "smallserial" | "serial2" => DataType::parse("smallint"),
        _ => pk.data_type.clone(),
    };
    let key_type = if d == crate::Dialect::MySql {
        // MySQL keeps AUTO_INCREMENT in the type's spelling on some dumps; the reference
        // takes the type alone.
        DataType::parse(&key_type.spelling.replace("AUTO_INCREMENT", "").replace("auto_increment", ""))
    } else {
        key_type
    };
    t.columns.push(Column::new(key, fk_name.clone(), key_type, false, Span::new(1, 1)));
    for (i, c) in moved.iter().enumerate() {
        let mut col = (*c).clone();
        col.id = ColumnId(key.0 + 1 + i as u32);
        col.span = Span::new(1, 1);
        t.columns.push(col);
    }
    t.primary_key = Some(Key::new(None, vec![fk_name.clone()]));
    t.foreign_keys.push(ForeignKey {
        name: Some(format!("{name}_{fk_name}_fkey")),
        columns: vec![fk_name],
        ref_table: source_name,
        ref_columns: vec![pk.name.clone()],
        on_delete: RefAction::Cascade,
        on_update: RefAction::NoAction,
    });
    // CHECKs on the moved columns alone, and indexes on them alone, go along; an index under a
    // name no index has (the old one stays until Contract).
    t.checks = source
        .checks
        .iter()
        .filter(|k| moved.iter().any(|m| mentions(&k.expr, &m.name)))
        .map(|k| Check {
            // `customers_age_check` becomes `customer_details_age_check`: MySQL keeps CHECK names
            // apart across the database, and the old one stays until Contract.
            name: k.name.as_deref().map(|n| {
                let rest = n.strip_prefix(&format!("{}_", source.name)).unwrap_or(n);
                format!("{name}_{rest}")
            }),
            expr: k.expr.clone(),
        })
        .collect();
    let mut taken: Vec<String> =
        schema.tables.iter().flat_map(|t| &t.indexes).filter_map(|ix| ix.name.clone()).collect();
    for ix in source.indexes.iter().filter(|ix| ix.parts.iter().filter_map(IndexPart::column).any(is_moved)) {
        let cols: Vec<&str> = ix.parts.iter().filter_map(IndexPart::column).collect();
        let index_name = free_name(&format!("{name}_{}_idx", cols.join("_")), &taken);
        taken.push(index_name.clone());
        t.indexes.push(Index { name: Some(index_name), span: Span::new(1, 1), ..ix.clone() });
    }
    Ok(t)
}

/// `stem`, or `stem1`, `stem2`, ... : the first that `taken` does not hold.
fn free_name(stem: &str, taken: &[String]) -> String {
    std::iter::once(stem.to_string())
        .chain((1..).map(|k| format!("{stem}{k}")))
        .find(|n| !taken.iter().any(|x| same_name(x, n)))
        .unwrap_or_else(|| stem.to_string())
}

/// An English singular of a table name: customers -> customer, categories -> category,
/// addresses -> address; a name that reads as singular stays.
fn singular_of(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if !crate::lint::plural_name(word) {
        word.to_string()
    } else if lower.ends_with("ies") {
        format!("{}{}", &word[..word.len() - 3], if word.ends_with("IES") { "Y" } else { "y" })
    } else if ["sses", "xes", "ches", "shes", "zes"].iter().any(|e| lower.ends_with(e)) {
        word[..word.len() - 2].to_string()
    } else if lower.ends_with('s') && !lower.ends_with("ss") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// A name for a table of columns extracted from `table`: `customer_details`, or with a number
/// after it when taken.
pub fn extracted_name(schema: &Schema, table: TableId) -> String {
    let Some(t) = schema.table(table) else { return "details".into() };
    let upper = t.name.chars().any(|c| c.is_ascii_uppercase()) && !t.name.contains('_');
    let stem =
        if upper { format!("{}Details", singular_of(&t.name)) } else { format!("{}_details", singular_of(&t.name)) };
    let taken = |n: &str| schema.tables.iter().any(|t| same_name(&t.name, n));
    std::iter::once(stem.clone()).chain((2..).map(|i| format!("{stem}{i}"))).find(|n| !taken(n)).unwrap_or(stem)
}

/// The edit that extracts `columns` of `table` into a new table [`extracted_name`] names, with
/// `ids` as the new table's and its first column's ids (see [`next_ids`]).
pub fn extract_columns(schema: &Schema, table: TableId, columns: Vec<ColumnId>, ids: (TableId, ColumnId)) -> Edit {
    Edit::ExtractColumns { table, columns, into: ids.0, key: ids.1, name: extracted_name(schema, table) }
}

/// Whether `columns` of `table` can move into a new table named `name` (the reason when they
/// cannot).
pub fn extract_columns_allowed(
    schema: &Schema,
    table: TableId,
    columns: &[ColumnId],
    name: &str,
) -> Result<(), String> {
    let t = schema.table(table).ok_or_else(|| format!("no table #{}", table.0))?;
    let (into, key) = next_ids(schema, &[]);
    extracted_table(schema, t, columns, into, key, name).map(|_| ())
}

/// Why a lookup table cannot be extracted from column `c` of `source` under `name`, if it cannot.
fn lookup_refused(schema: &Schema, source: &Table, c: &Column, name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a table needs a name".into());
    }
    if schema.tables.iter().any(|t| same_name(&t.name, name)) {
        return Err(format!("a table named {name} exists"));
    }
    if source.foreign_keys.iter().any(|fk| fk.columns.iter().any(|f| same_name(f, &c.name))) {
        return Err(format!("{}.{} already references a table", source.name, c.name));
    }
    if c.generated.is_some() {
        return Err(format!("{} is a generated column", c.name));
    }
    if c.identity.is_some() {
        return Err(format!("{} is an identity column: its values are keys, not a list", c.name));
    }
    if source.partition_of.is_some() {
        return Err(format!("{} is a partition: extract from its partitioned table", source.name));
    }
    if source.partition_by.is_some() && schema.dialect.unwrap_or(crate::Dialect::Postgres) == crate::Dialect::Postgres {
        return Err(format!(
            "{} is partitioned: PostgreSQL adds no NOT VALID foreign key to a partitioned table (before version 18), so the key could not go in without a long lock",
            source.name
        ));
    }
    if matches!(c.data_type.kind, crate::TypeKind::Json) {
        return Err(format!("{} is json, which has no equality to key a table on", c.name));
    }
    if schema.dialect == Some(crate::Dialect::MySql) {
        match c.data_type.kind {
            crate::TypeKind::Text | crate::TypeKind::Bytes => {
                return Err(format!(
                    "MySQL cannot key a {} column in full; make {} a VARCHAR first",
                    c.data_type.spelling, c.name
                ))
            }
            // InnoDB keys hold at most 3,072 bytes: 768 characters of utf8mb4.
            crate::TypeKind::Varchar { length: Some(n) } | crate::TypeKind::Char { length: Some(n) } if n > 768 => {
                return Err(format!("MySQL keys hold at most 768 characters; {} is {}", c.name, c.data_type.spelling))
            }
            _ => {}
        }
    }
    Ok(())
}

/// A name for a lookup table of `table`'s `column`: `orders_status`, or with `_values`, then a
/// number, after it when the name is taken.
pub fn lookup_name(schema: &Schema, table: TableId, column: ColumnId) -> String {
    let Some(t) = schema.table(table) else { return "lookup".into() };
    let col = t.columns.iter().find(|c| c.id == column).map(|c| c.name.as_str()).unwrap_or("value");
    // Plural where most of the schema's table names are (`orders_statuses`), as the audit's
    // naming rule would have it.
    let plurals = schema.tables.iter().filter(|t| crate::lint::plural_name(&t.name)).count();
    let col = if plurals * 2 > schema.tables.len() { plural_of(col) } else { col.to_string() };
    let stem = format!("{}_{col}", t.name);
    let taken = |n: &str| schema.tables.iter().any(|t| same_name(&t.name, n));
    std::iter::once(stem.clone())
        .chain(std::iter::once(format!("{stem}_values")))
        .chain((2..).map(|i| format!("{stem}_values{i}")))
        .find(|n| !taken(n))
        .unwrap_or(stem)
}

/// An English plural of a name's last word: status -> statuses, category -> categories.
fn plural_of(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let upper = word.chars().last().is_some_and(|c| c.is_ascii_uppercase());
    let tail = |s: &str| if upper { s.to_ascii_uppercase() } else { s.to_string() };
    if crate::lint::plural_name(word) {
        word.to_string()
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|e| lower.ends_with(e)) {
        format!("{word}{}", tail("es"))
    } else if lower.ends_with('y') && !lower.ends_with("ay") && !lower.ends_with("ey") && !lower.ends_with("oy") {
        format!("{}{}", &word[..word.len() - 1], tail("ies"))
    } else {
        format!("{word}{}", tail("s"))
    }
}

/// The edit that extracts a lookup table from `table`'s `column` under the name [`lookup_name`]
/// gives, with `ids` as the new table's and key's ids (see [`next_ids`]).
pub fn extract_lookup(schema: &Schema, table: TableId, column: ColumnId, ids: (TableId, ColumnId)) -> Edit {
    Edit::ExtractLookup { table, column, lookup: ids.0, key: ids.1, name: lookup_name(schema, table, column) }
}

/// The keys of `into` that can match the rows of `table` in a merge: its primary key, then its
/// unique keys, whose columns `table` has under the same names. Each with a label, such as
/// `email (unique)`.
pub fn merge_keys(schema: &Schema, table: TableId, into: TableId) -> Vec<(String, Vec<ColumnId>)> {
    let (Some(b), Some(a)) = (schema.table(table), schema.table(into)) else {
        return vec![];
    };
    let mut keys: Vec<(Vec<String>, &str)> = Vec::new();
    keys.extend(a.primary_key.iter().map(|k| (k.columns.clone(), "primary key")));
    keys.extend(a.uniques.iter().map(|k| (k.columns.clone(), "unique")));
    keys.extend(a.indexes.iter().filter(|ix| ix.unique && ix.predicate.is_none()).filter_map(|ix| {
        ix.parts.iter().map(|p| p.column().map(str::to_string)).collect::<Option<Vec<_>>>().map(|c| (c, "unique"))
    }));
    let mut out: Vec<(String, Vec<ColumnId>)> = Vec::new();
    for (cols, kind) in keys {
        let ids: Option<Vec<ColumnId>> = cols.iter().map(|c| a.column(c).map(|x| x.id)).collect();
        let (Some(ids), true) = (ids, cols.iter().all(|c| b.column(c).is_some())) else { continue };
        if !out.iter().any(|(_, x)| *x == ids) {
            out.push((format!("{} ({kind})", cols.join(", ")), ids));
        }
    }
    out
}

/// Whether [`extract_lookup`] applies to the column (the reason when it does not).
pub fn lookup_allowed(schema: &Schema, table: TableId, column: ColumnId) -> Result<(), String> {
    let t = schema.table(table).ok_or_else(|| format!("no table #{}", table.0))?;
    let c = t.columns.iter().find(|c| c.id == column).ok_or("no such column")?;
    lookup_refused(schema, t, c, &lookup_name(schema, table, column))
}

/// How "allow only these values" holds a text column to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValuesAs {
    /// `CHECK (c IN (...))`: the column keeps its type.
    Check,
    /// An enum type (PostgreSQL: a new type the column takes; MySQL: the column's own `ENUM`).
    EnumType,
}

/// The text of a default written as one quoted value, with or without a cast (`'new'`,
/// `'new'::text`, `'it''s'`); `None` for any other expression.
pub fn quoted_default(expr: &str) -> Option<String> {
    let body = expr.trim().split("::").next()?.trim();
    body.strip_prefix('\'')
        .and_then(|b| b.strip_suffix('\''))
        .filter(|b| !b.replace("''", "").contains('\''))
        .map(|b| b.replace("''", "'"))
}

/// Values typed as a list: `new, paid, shipped`, each optionally quoted (`'a, b', 'it''s'`).
pub fn parse_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut value = String::new();
        if first == '\'' || first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == first {
                    if chars.peek() == Some(&first) {
                        chars.next();
                        value.push(c);
                        continue;
                    }
                    break;
                }
                value.push(c);
            }
            // Anything up to the next comma after the closing quote is ignored.
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
                value.push(c);
            }
            value = value.trim().to_string();
        }
        out.push(value);
    }
    out
}

/// The edits that hold a text column to `values` (see [`ValuesAs`]), or why they cannot: a
/// column that is not text, a value listed twice or too long for the column, a default that is
/// not one of the values; for an enum type, a column in a foreign key, and SQLite (no enum
/// types). On PostgreSQL the new type is named after the table and column.
pub fn allow_only(
    schema: &Schema,
    table: TableId,
    column: ColumnId,
    values: &[String],
    how: ValuesAs,
) -> Result<Vec<Edit>, String> {
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    let t = schema.table(table).ok_or_else(|| format!("no table #{}", table.0))?;
    let c = t.columns.iter().find(|c| c.id == column).ok_or("no such column")?;
    let limit = match c.data_type.kind {
        TypeKind::Text => None,
        TypeKind::Varchar { length } | TypeKind::Char { length } => length,
        _ => return Err(format!("{} is {}: only a text column's values are listed", c.name, c.data_type.spelling)),
    };
    if let Some(why) = labels_refused(values) {
        return Err(why);
    }
    if let Some(long) = values.iter().find(|v| limit.is_some_and(|n| v.chars().count() > n as usize)) {
        return Err(format!("'{long}' is longer than {} allows", c.data_type.spelling));
    }
    // The default, a quoted value with or without a cast, must be one of them.
    let default = match &c.default {
        None => None,
        Some(dv) => {
            let expr = dv.expr.trim();
            match quoted_default(expr) {
                Some(v) if values.contains(&v) => Some(v),
                Some(v) => return Err(format!("the default '{v}' of {} is not one of the values", c.name)),
                None if expr.eq_ignore_ascii_case("null") => None,
                None => return Err(format!("the default {expr} of {} is not one of the values", c.name)),
            }
        }
    };
    let list: Vec<String> = values.iter().map(|v| crate::render::string_literal(v)).collect();
    match how {
        ValuesAs::Check => {
            let expr = format!("{} IN ({})", crate::render::ident(&c.name, d), list.join(", "));
            Ok(vec![Edit::AddCheck { table, name: check_name(schema, table, &expr), expr }])
        }
        ValuesAs::EnumType => {
            let keyed = t.foreign_keys_of(&c.name).next().is_some()
                || schema.tables.iter().any(|o| {
                    o.foreign_keys.iter().any(|fk| {
                        same_name(&fk.ref_table, &t.qualified_name())
                            && fk.ref_columns.iter().any(|r| same_name(r, &c.name))
                    })
                });
            if keyed {
                return Err(format!("{} is in a foreign key, whose two sides must keep one type: use a CHECK", c.name));
            }
            match d {
                crate::Dialect::Sqlite => Err("SQLite has no enum types: a CHECK lists a column's values".into()),
                crate::Dialect::MySql => {
                    Ok(vec![Edit::SetType { table, column, data_type: format!("ENUM({})", list.join(", ")) }])
                }
                crate::Dialect::Postgres => {
                    let stem = format!("{}_{}", t.name, c.name).to_ascii_lowercase();
                    let taken = |n: &str| {
                        schema.enums.iter().any(|e| same_name(&e.name, n))
                            || schema.tables.iter().any(|t| same_name(&t.name, n))
                            || schema.views.iter().any(|v| same_name(split_qualified(&v.name).1, n))
                    };
                    let name = std::iter::once(stem.clone())
                        .chain((2..).map(|i| format!("{stem}{i}")))
                        .find(|n| !taken(n))
                        .unwrap_or(stem);
                    let qualified = match home_namespace(schema) {
                        Some(ns) => format!("{}.{}", crate::render::ident(&ns, d), crate::render::ident(&name, d)),
                        None => crate::render::ident(&name, d),
                    };
                    let mut edits = vec![
                        Edit::CreateEnum { name: qualified.clone(), labels: values.to_vec() },
                        Edit::SetType { table, column, data_type: qualified },
                    ];
                    if let Some(v) = default {
                        // `'new'::text` would not convert; the bare label does.
                        edits.push(Edit::SetDefault {
                            table,
                            column,
                            default: Some(crate::render::string_literal(&v)),
                        });
                    }
                    Ok(edits)
                }
            }
        }
    }
}

/// A name for a new CHECK on the table, as PostgreSQL would give it: `orders_total_check` when
/// the condition reads one column, `orders_check` otherwise, with a number after it when taken
/// (on MySQL, taken anywhere in the database).
pub fn check_name(schema: &Schema, table: TableId, expr: &str) -> String {
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    let Some(t) = schema.table(table) else { return "check".into() };
    let named: Vec<&str> =
        t.columns.iter().filter(|c| crate::import::objects::mentions(expr, &c.name)).map(|c| c.name.as_str()).collect();
    let stem = match named.as_slice() {
        [one] => format!("{}_{one}_check", t.name),
        _ => format!("{}_check", t.name),
    };
    let mut taken = constraint_names(t, d);
    if d == crate::Dialect::MySql {
        taken.extend(schema.tables.iter().flat_map(|t| &t.checks).filter_map(|c| c.name.clone()));
    }
    (0..)
        .map(|i| if i == 0 { stem.clone() } else { format!("{stem}{i}") })
        .find(|n| !taken.iter().any(|x| same_name(x, n)))
        .unwrap_or(stem)
}

/// Why a column of `t` cannot become (or stop being) an identity column here: a partitioned
/// table, a partition, or a table in an inheritance tree, whose columns share one default the
/// identity could not follow.
pub(crate) fn identity_refused(schema: &Schema, t: &Table) -> Option<String> {
    let name = t.qualified_name();
    if t.partition_by.is_some() || t.partition_of.is_some() {
        return Some(format!("{} is partitioned or a partition: its partitions share the key's sequence", t.name));
    }
    let child = schema.tables.iter().any(|c| c.inherits.iter().any(|p| same_name(p, &name)));
    if child || !t.inherits.is_empty() {
        return Some(format!("{} is in an inheritance tree: its tables share the key's sequence", t.name));
    }
    None
}

/// The names of a table's constraints; on PostgreSQL with the names the server gives those
/// the DDL leaves unnamed (`orders_pkey`, `orders_email_key`, `orders_total_check`).
fn constraint_names(t: &Table, d: crate::Dialect) -> Vec<String> {
    let pg = d == crate::Dialect::Postgres;
    let implicit = |name: &Option<String>, columns: &[&str], suffix: &str| -> Option<String> {
        match name {
            Some(n) => Some(n.clone()),
            None if pg => {
                let mut parts = vec![t.name.as_str()];
                parts.extend(columns.first().copied().filter(|_| suffix != "pkey"));
                Some(format!("{}_{suffix}", parts.join("_")))
            }
            None => None,
        }
    };
    fn cols(columns: &[String]) -> Vec<&str> {
        columns.iter().map(String::as_str).collect()
    }
    let mut out = Vec::new();
    out.extend(t.primary_key.iter().filter_map(|k| implicit(&k.name, &cols(&k.columns), "pkey")));
    out.extend(t.uniques.iter().filter_map(|k| implicit(&k.name, &cols(&k.columns), "key")));
    out.extend(t.foreign_keys.iter().filter_map(|fk| implicit(&fk.name, &cols(&fk.columns), "fkey")));
    out.extend(t.checks.iter().filter_map(|c| {
        let named: Vec<&str> = t
            .columns
            .iter()
            .filter(|col| crate::import::objects::mentions(&c.expr, &col.name))
            .map(|col| col.name.as_str())
            .collect();
        implicit(&c.name, if named.len() == 1 { &named } else { &[] }, "check")
    }));
    out
}

/// The names of `ids` in `t`, in that order: at least one, each once; a primary key may be
/// given none (`may_be_empty`).
fn column_list(t: &Table, ids: &[ColumnId], may_be_empty: bool) -> Result<Vec<String>, String> {
    if ids.is_empty() && !may_be_empty {
        return Err("pick at least one column".into());
    }
    let mut names: Vec<String> = Vec::new();
    for id in ids {
        let name = column_name(t, *id)?;
        if names.iter().any(|n| same_name(n, &name)) {
            return Err(format!("{name} is picked twice"));
        }
        names.push(name);
    }
    Ok(names)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| same_name(x, y)))
}

/// What makes a set of columns unique: a UNIQUE constraint, or a unique index without a WHERE.
enum UniqueBy {
    Constraint(usize),
    Index(usize),
}

fn unique_over(t: &Table, columns: &[String]) -> Option<UniqueBy> {
    if let Some(i) = t.uniques.iter().position(|k| same_set(&k.columns, columns)) {
        return Some(UniqueBy::Constraint(i));
    }
    t.indexes
        .iter()
        .position(|ix| {
            ix.unique && ix.predicate.is_none() && ix.parts.iter().all(|p| p.column().is_some()) && {
                let cols: Vec<String> = ix.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect();
                same_set(&cols, columns)
            }
        })
        .map(UniqueBy::Index)
}

/// PostgreSQL and MySQL make a partitioned table's unique keys hold every column of its partition
/// key, since each partition checks its own rows.
fn holds_partition_key(t: &Table, names: &[String], d: crate::Dialect) -> Result<(), String> {
    let Some(by) = t.partition_by.as_deref() else { return Ok(()) };
    let missing: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| crate::rewrite::names(by, d, &c.name) && !names.iter().any(|n| same_name(n, &c.name)))
        .map(|c| c.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} is partitioned: a unique key on it must hold its partition key's columns too ({})",
            t.name,
            missing.join(", ")
        ))
    }
}

/// Whether an index named `name` would clash: PostgreSQL keeps index names apart from every
/// table, index and key of the same schema (a key's index takes its name), SQLite across the
/// database, MySQL within the table.
fn index_name_taken(schema: &Schema, index: usize, name: &str) -> bool {
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    let own = &schema.tables[index];
    let index_names = |t: &Table| -> Vec<String> { t.indexes.iter().filter_map(|ix| ix.name.clone()).collect() };
    match d {
        crate::Dialect::MySql => {
            index_names(own).iter().any(|n| same_name(n, name))
                || own.uniques.iter().filter_map(|k| k.name.as_deref()).any(|n| same_name(n, name))
        }
        _ => schema.tables.iter().filter(|t| d == crate::Dialect::Sqlite || t.namespace == own.namespace).any(|t| {
            same_name(&t.name, name)
                || index_names(t).iter().any(|n| same_name(n, name))
                || (d == crate::Dialect::Postgres && constraint_names(t, d).iter().any(|n| same_name(n, name)))
        }),
    }
}

/// The access methods an index can use here, checked against its columns' types: `None` is
/// the server's default (a B-tree everywhere), which `btree` also means.
fn index_method(
    d: crate::Dialect,
    method: Option<&str>,
    types: &[&DataType],
    unique: bool,
    descending: bool,
) -> Result<Option<String>, String> {
    use crate::TypeKind as K;
    let method = method.map(|m| m.trim().to_ascii_lowercase()).filter(|m| !m.is_empty() && m != "btree");
    let Some(m) = method else { return Ok(None) };
    if d != crate::Dialect::Postgres {
        return Err(format!(
            "{} indexes are B-trees: there is no {m} method here",
            if d == crate::Dialect::MySql { "InnoDB" } else { "SQLite" }
        ));
    }
    if unique {
        return Err(format!("only B-tree indexes can be UNIQUE, not {m}"));
    }
    if descending {
        return Err(format!("only B-tree indexes have a sort order, not {m}"));
    }
    let named = |t: &DataType| t.spelling.trim().to_ascii_lowercase();
    let fits = |t: &DataType| -> bool {
        match m.as_str() {
            "hash" => !matches!(t.kind, K::Json | K::Array { .. }),
            "gin" => matches!(t.kind, K::Jsonb | K::Array { .. }) || named(t) == "tsvector",
            "gist" => {
                let n = named(t);
                n == "tsvector"
                    || n.ends_with("range")
                    || ["point", "box", "polygon", "circle", "inet", "cidr", "geometry", "geography"]
                        .iter()
                        .any(|g| n.starts_with(g))
            }
            "brin" => matches!(
                t.kind,
                K::SmallInt
                    | K::Integer
                    | K::BigInt
                    | K::Decimal { .. }
                    | K::Real
                    | K::Double
                    | K::Text
                    | K::Varchar { .. }
                    | K::Char { .. }
                    | K::Date
                    | K::Time
                    | K::Timestamp
                    | K::TimestampTz
                    | K::Interval
                    | K::Uuid
            ),
            _ => false,
        }
    };
    if !["hash", "gin", "gist", "brin"].contains(&m.as_str()) {
        return Err(format!("unknown index method {m}: btree, hash, gin, gist or brin"));
    }
    if m == "hash" && types.len() > 1 {
        return Err("a hash index holds one column".into());
    }
    if let Some(t) = types.iter().find(|t| !fits(t)) {
        return Err(format!("a {m} index cannot hold a column of type {}", t.spelling.to_lowercase()));
    }
    Ok(Some(m))
}

/// MySQL keeps an AUTO_INCREMENT column the first column of some key: the primary key moving
/// from `current` to `next` must leave each such column leading one.
fn auto_increment_keeps_a_key(t: &Table, current: &[String], next: &[String]) -> Result<(), String> {
    for c in current.iter().filter(|c| t.column(c).is_some_and(|col| col.identity.is_some())) {
        let leads_pk = next.first().is_some_and(|x| same_name(x, c));
        let other_key = t.uniques.iter().any(|k| k.columns.first().is_some_and(|x| same_name(x, c)))
            || t.indexes.iter().any(|ix| ix.parts.first().and_then(IndexPart::column).is_some_and(|x| same_name(x, c)));
        if !leads_pk && !other_key {
            return Err(format!(
                "{}.{c} is AUTO_INCREMENT, which MySQL keeps the first column of a key: index it (or drop AUTO_INCREMENT) before the primary key moves",
                t.name
            ));
        }
    }
    Ok(())
}

/// A name for a new UNIQUE constraint or index over `columns` (`key` or `idx`), as PostgreSQL
/// names them (`orders_customer_id_placed_at_key`), with a number after it when taken.
pub fn key_name(schema: &Schema, table: TableId, columns: &[ColumnId], suffix: &str) -> String {
    let Some(index) = schema.tables.iter().position(|t| t.id == table) else { return suffix.into() };
    let t = &schema.tables[index];
    let mut parts = vec![t.name.clone()];
    parts.extend(columns.iter().filter_map(|id| t.columns.iter().find(|c| c.id == *id)).map(|c| c.name.clone()));
    parts.push(suffix.to_string());
    let stem = parts.join("_");
    // PostgreSQL cuts identifiers at 63 bytes.
    let stem: String = stem.chars().take(60).collect();
    let d = schema.dialect.unwrap_or(crate::Dialect::Postgres);
    (0..)
        .map(|i| if i == 0 { stem.clone() } else { format!("{stem}{i}") })
        .find(|n| !index_name_taken(schema, index, n) && !constraint_names(t, d).iter().any(|x| same_name(x, n)))
        .unwrap_or(stem)
}

/// A foreign key (as `table(columns)`) that references `columns` of `table`, in any order (a
/// key's columns are a set to the server: `REFERENCES t (b, a)` rests on `UNIQUE (a, b)`).
fn referencing(schema: &Schema, table: &str, columns: &[String]) -> Option<String> {
    // `REFERENCES t` without columns points at t's primary key.
    let primary: Vec<String> =
        schema.find_table(table).and_then(|t| t.primary_key.as_ref()).map(|k| k.columns.clone()).unwrap_or_default();
    schema.tables.iter().find_map(|t| {
        t.foreign_keys
            .iter()
            .find(|fk| {
                same_name(&fk.ref_table, table)
                    && same_set(if fk.ref_columns.is_empty() { &primary } else { &fk.ref_columns }, columns)
            })
            .map(|fk| format!("{}({})", t.name, fk.columns.join(", ")))
    })
}

/// What reads a renamed or dropped table or column (views, triggers, policies, sequences, a
/// table's own expressions), kept in step as the server keeps its stored objects.
mod dependents {
    use crate::model::*;
    use crate::rewrite::{self, TableRef};
    use crate::Dialect;

    fn dialect(schema: &Schema) -> Dialect {
        schema.dialect.unwrap_or(Dialect::Postgres)
    }

    pub(super) fn rename_table(schema: &mut Schema, old: &str, old_short: &str, to: &str, new_name: &str) {
        let d = dialect(schema);
        let (ns, _) = split_qualified(old);
        let ns = ns.map(str::to_string);
        let table = TableRef { namespace: ns.as_deref(), name: old_short };
        for view in &mut schema.views {
            if rewrite::reads_table(&view.definition, d, table) {
                if let Ok(def) = rewrite::rename_table_in_query(&view.definition, d, table, to) {
                    view.definition = def;
                }
                for r in view.reads.iter_mut().filter(|r| same_name(r, old)) {
                    *r = new_name.to_string();
                }
            }
        }
        for t in schema.triggers.iter_mut().filter(|t| same_name(&t.table, old)) {
            t.table = new_name.to_string();
            t.definition = rewrite::rename_table_after_on(&t.definition, d, table, to);
        }
        // SQLite's triggers hold their statements, and the server renames the table in them
        // (any table's triggers); PostgreSQL's run a function, whose body it leaves alone.
        if d == Dialect::Sqlite {
            for t in schema.triggers.iter_mut().filter(|t| crate::import::objects::mentions(&t.definition, old_short)) {
                t.definition = crate::render::rename_identifier(&t.definition, old_short, &crate::render::ident(to, d));
            }
        }
        for p in schema.policies.iter_mut().filter(|p| same_name(&p.table, old)) {
            p.table = new_name.to_string();
            p.definition = rewrite::rename_table_after_on(&p.definition, d, table, to);
        }
        for s in &mut schema.sequences {
            if let Some(owner) = &s.owned_by {
                if let Some((t, c)) = owner.rsplit_once('.') {
                    if same_name(t, old) {
                        s.owned_by = Some(format!("{new_name}.{c}"));
                    }
                }
            }
        }
    }

    pub(super) fn drop_table(schema: &mut Schema, table: &str) {
        // Triggers, policies and owned sequences go with the table; views that read it stay
        // (the plan stops on them: a person decides what they become).
        schema.triggers.retain(|t| !same_name(&t.table, table));
        schema.policies.retain(|p| !same_name(&p.table, table));
        schema.sequences.retain(|s| {
            !s.owned_by.as_deref().and_then(|o| o.rsplit_once('.')).is_some_and(|(t, _)| same_name(t, table))
        });
    }

    pub(super) fn rename_column(schema: &mut Schema, index: usize, from: &str, to: &str) {
        let d = dialect(schema);
        let (qualified, short, ns) = {
            let t = &schema.tables[index];
            (t.qualified_name(), t.name.clone(), t.namespace.clone())
        };
        rename_in_table(&mut schema.tables[index], d, from, to);
        // Partitions (at any depth) and inheritance children have the column too.
        let mut family = vec![qualified.clone()];
        while let Some(i) = schema.tables.iter().position(|t| {
            !family.iter().any(|f| same_name(f, &t.qualified_name()))
                && (t.partition_of.as_deref().is_some_and(|p| family.iter().any(|f| same_name(f, p)))
                    || t.inherits.iter().any(|p| family.iter().any(|f| same_name(f, p))))
        }) {
            family.push(schema.tables[i].qualified_name());
            rename_in_table(&mut schema.tables[i], d, from, to);
        }
        let columns: Vec<(String, Vec<String>)> = schema
            .tables
            .iter()
            .map(|t| (t.qualified_name(), t.columns.iter().map(|c| c.name.clone()).collect()))
            .collect();
        let columns_of = |parts: &[&str]| -> Option<Vec<String>> {
            let name = parts.join(".");
            let t = schema_table(&columns, &name)?;
            Some(t.clone())
        };
        let table = TableRef { namespace: ns.as_deref(), name: &short };
        for view in &mut schema.views {
            if let Ok(def) = rewrite::rename_column_in_query(&view.definition, d, table, from, to, &columns_of) {
                view.definition = def;
            }
        }
        for t in schema.triggers.iter_mut().filter(|t| same_name(&t.table, &qualified)) {
            t.definition = rewrite::rename_column_in_header(&t.definition, d, &["new", "old", &short], from, to);
            for c in t.columns.iter_mut().filter(|c| same_name(c, from)) {
                *c = to.to_string();
            }
        }
        for p in
            schema.policies.iter_mut().filter(|p| same_name(&p.table, &qualified) && p.kind == PolicyKind::RowSecurity)
        {
            p.definition = rewrite::rename_column_in_header(&p.definition, d, &[&short], from, to);
        }
        let owner = format!("{qualified}.{from}");
        for s in schema.sequences.iter_mut().filter(|s| s.owned_by.as_deref().is_some_and(|o| same_name(o, &owner))) {
            s.owned_by = Some(format!("{qualified}.{to}"));
        }
    }

    /// Renames the column in the table and in everything of its own that names it: keys,
    /// foreign keys, indexes (parts, expressions, predicates), CHECKs, generated columns and
    /// the partition key.
    fn rename_in_table(t: &mut Table, d: Dialect, from: &str, to: &str) {
        let short = t.name.clone();
        let local = |text: &str| rewrite::rename_column_in_header(text, d, &[short.as_str()], from, to);
        let rename = |names: &mut Vec<String>| {
            for n in names.iter_mut().filter(|n| same_name(n, from)) {
                *n = to.to_string();
            }
        };
        for c in t.columns.iter_mut().filter(|c| same_name(&c.name, from)) {
            c.name = to.to_string();
        }
        if let Some(pk) = &mut t.primary_key {
            rename(&mut pk.columns);
        }
        for k in &mut t.uniques {
            rename(&mut k.columns);
        }
        for fk in &mut t.foreign_keys {
            rename(&mut fk.columns);
        }
        for c in &mut t.checks {
            c.expr = local(&c.expr);
        }
        for ix in &mut t.indexes {
            for part in &mut ix.parts {
                match part {
                    IndexPart::Column { name, .. } if same_name(name, from) => *name = to.to_string(),
                    IndexPart::Expression { sql } => *sql = local(sql),
                    IndexPart::Column { .. } => {}
                }
            }
            ix.predicate = ix.predicate.as_deref().map(local);
        }
        for c in &mut t.columns {
            if let Some(g) = &mut c.generated {
                g.expr = local(&g.expr);
            }
        }
        t.partition_by = t.partition_by.as_deref().map(local);
    }

    /// A table's columns by its name as a query writes it (`t` or `ns.t`).
    fn schema_table<'a>(columns: &'a [(String, Vec<String>)], name: &str) -> Option<&'a Vec<String>> {
        columns
            .iter()
            .find(|(q, _)| same_name(q, name))
            .or_else(|| columns.iter().find(|(q, _)| same_name(split_qualified(q).1, name) && !name.contains('.')))
            .or_else(|| {
                let (ns, t) = split_qualified(name);
                ns.filter(|n| same_name(n, "public")).and_then(|_| columns.iter().find(|(q, _)| same_name(q, t)))
            })
            .map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, Change, DiffOptions, Matching};
    use crate::{import, Dialect};

    #[test]
    fn every_edit_reads_back_from_its_json() {
        let (t, c, u, k) = (TableId(3), ColumnId(7), TableId(4), ColumnId(9));
        let all = vec![
            Edit::AddTable { table: t, name: "n".into(), key: k },
            Edit::RenameTable { table: t, to: "m".into() },
            Edit::DropTable { table: t },
            Edit::AddColumn { table: t, column: c, name: "x".into(), data_type: "int".into(), nullable: false },
            Edit::RenameColumn { table: t, column: c, to: "y".into() },
            Edit::SetType { table: t, column: c, data_type: "bigint".into() },
            Edit::SetNullable { table: t, column: c, nullable: true },
            Edit::SetDefault { table: t, column: c, default: Some("0".into()) },
            Edit::SetDefault { table: t, column: c, default: None },
            Edit::SetPrimaryKey { table: t, column: c, primary: true },
            Edit::SetUnique { table: t, column: c, unique: false },
            Edit::DropColumn { table: t, column: c },
            Edit::AddForeignKey { table: t, column: c, ref_table: u, ref_column: k },
            Edit::DropForeignKey { table: t, column: c },
            Edit::AddIndex { table: t, column: c },
            Edit::DropIndex { table: t, name: "i".into() },
            Edit::AddCheck { table: t, name: "c".into(), expr: "x > 0".into() },
            Edit::DropCheck { table: t, check: "c".into() },
            Edit::SetIdentity { table: t, column: c, identity: Some(Identity::ByDefault) },
            Edit::SetIdentity { table: t, column: c, identity: None },
            Edit::SetComment { table: t, column: None, comment: Some("people".into()) },
            Edit::SetComment { table: t, column: Some(c), comment: None },
            Edit::SetPrimaryKeyColumns { table: t, columns: vec![k, c] },
            Edit::AddUnique { table: t, name: "u".into(), columns: vec![c, k] },
            Edit::DropUnique { table: t, columns: vec![k, c] },
            Edit::CreateIndex {
                table: t,
                name: "i".into(),
                columns: vec![c, k],
                descending: vec![k],
                unique: true,
                method: Some("btree".into()),
                predicate: Some("x > 0".into()),
            },
            Edit::AddEnumValue { name: "public.mood".into(), value: "ok".into(), before: Some("happy".into()) },
            Edit::AddEnumValue { name: "mood".into(), value: "meh".into(), before: None },
            Edit::RenameEnumValue { name: "mood".into(), from: "meh".into(), to: "so-so".into() },
            Edit::RemoveEnumValue { name: "mood".into(), value: "so-so".into(), replacement: Some("ok".into()) },
            Edit::RemoveEnumValue { name: "mood".into(), value: "ok".into(), replacement: None },
            Edit::CreateEnum { name: "order_status".into(), labels: vec!["new".into(), "paid".into()] },
            Edit::MergeTable { table: t, into: u, on: vec![k], map: vec![(c, k)], from_wins: false },
            Edit::MergeTable { table: t, into: u, on: vec![k], map: vec![], from_wins: true },
            Edit::MoveColumn { table: t, column: c, into: u },
        ];
        let json = serde_json::to_string(&all).expect("json");
        assert!(json.contains(r#"{"op":"move-column","table":3,"column":7,"into":4}"#), "{json}");
        // Kept off the JSON when false, so designs saved before it read and write the same.
        assert!(json.contains(r#"{"op":"merge-table","table":3,"into":4,"on":[9],"map":[[7,9]]}"#), "{json}");
        assert!(json.contains(r#""from_wins":true"#), "{json}");
        assert!(json.contains(r#"{"op":"create-enum","name":"order_status","labels":["new","paid"]}"#), "{json}");
        assert!(json.contains(r#"{"op":"rename-column","table":3,"column":7,"to":"y"}"#), "{json}");
        assert_eq!(serde_json::from_str::<Vec<Edit>>(&json).expect("reads"), all);
        let unknown = serde_json::from_str::<Edit>(r#"{"op":"explode","table":1}"#).expect_err("unknown");
        assert!(unknown.to_string().contains("unknown edit `explode`"), "{unknown}");
        let short = serde_json::from_str::<Edit>(r#"{"op":"rename-column","table":1,"column":2}"#).expect_err("short");
        assert!(short.to_string().contains("has no `to`"), "{short}");
    }

    #[test]
    fn typed_values_are_read_as_a_list_quoted_or_not() {
        assert_eq!(parse_values(" new, paid ,shipped "), vec!["new", "paid", "shipped"]);
        assert_eq!(parse_values("'a, b', 'it''s', \"x\""), vec!["a, b", "it's", "x"]);
        assert_eq!(parse_values(""), Vec::<String>::new());
        assert_eq!(parse_values("a,,b"), vec!["a", "", "b"], "a blank value is kept, to be refused");
        assert_eq!(quoted_default("'new'::character varying"), Some("new".to_string()));
        assert_eq!(quoted_default(" 'it''s' "), Some("it's".to_string()));
        assert_eq!(quoted_default("'a' || 'b'"), None);
        assert_eq!(quoted_default("now()"), None);
    }

    #[test]
    fn a_text_column_is_held_to_listed_values_by_a_check_or_an_enum_type_per_dialect() {
        let text = "CREATE TABLE customers (id bigint PRIMARY KEY, tier varchar(10));
CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(12) NOT NULL DEFAULT 'new', total int, customer_tier varchar(10) REFERENCES customers (tier));";
        let values: Vec<String> = ["new", "paid", "it's shipped"].iter().map(|v| v.to_string()).collect();
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let base = import(text, Some(dialect)).schema;
            let t = base.find_table("orders").expect("orders");
            let (orders, status) = (t.id, t.column("status").expect("status").id);
            let col = |n: &str| t.column(n).expect("column").id;
            for how in [ValuesAs::Check, ValuesAs::EnumType] {
                let edits = allow_only(&base, orders, status, &values, how);
                if dialect == Dialect::Sqlite && how == ValuesAs::EnumType {
                    assert!(edits.expect_err("no enum types").contains("SQLite has no enum types"));
                    continue;
                }
                let edits = edits.unwrap_or_else(|e| panic!("{dialect:?} {how:?}: {e}"));
                let (target, skipped) = apply(&base, &edits);
                assert!(skipped.is_empty(), "{dialect:?} {how:?}: {skipped:?}");
                let changes = diff(
                    &base,
                    &target,
                    &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                );
                let plan = crate::plan::plan_changes(
                    &base,
                    &target,
                    &changes,
                    &crate::plan::PlanOptions { dialect, ..Default::default() },
                );
                let sql = plan.steps().flat_map(|(_, s)| s.sql.clone()).collect::<Vec<_>>().join(";\n");
                let checks = plan.prechecks.iter().map(|c| c.sql.clone()).collect::<Vec<_>>().join(";\n");
                match (dialect, how) {
                    (_, ValuesAs::Check) => {
                        let o = target.find_table("orders").expect("orders");
                        assert_eq!(o.checks.len(), 1, "{dialect:?}");
                        assert!(o.checks[0].expr.contains("IN ('new', 'paid', 'it''s shipped')"), "{:?}", o.checks[0]);
                        assert!(sql.contains("CHECK (") && sql.contains("'it''s shipped'"), "{dialect:?}: {sql}");
                    }
                    (Dialect::Postgres, ValuesAs::EnumType) => {
                        assert!(
                            sql.contains("CREATE TYPE orders_status AS ENUM ('new', 'paid', 'it''s shipped')"),
                            "{sql}"
                        );
                        assert!(sql.contains("CAST(status AS orders_status)"), "{sql}");
                        assert!(sql.contains("SET DEFAULT 'new'"), "the default is the bare label: {sql}");
                        assert!(
                            checks.contains("status::text NOT IN ('new', 'paid', 'it''s shipped')"),
                            "rows that do not fit are counted first: {checks}"
                        );
                    }
                    (Dialect::MySql, ValuesAs::EnumType) => {
                        let o = target.find_table("orders").expect("orders");
                        let c = o.column("status").expect("status");
                        assert_eq!(c.data_type.spelling.to_ascii_uppercase(), "ENUM('NEW', 'PAID', 'IT''S SHIPPED')");
                        assert!(sql.contains("ENUM('new', 'paid', 'it''s shipped')"), "{sql}");
                    }
                    _ => unreachable!(),
                }
            }
            // What is refused, and why.
            let refused = |column: ColumnId, values: &[&str], how| {
                let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                allow_only(&base, orders, column, &values, how).expect_err("refused")
            };
            assert!(refused(status, &["paid", "shipped"], ValuesAs::Check).contains("the default 'new'"));
            assert!(refused(status, &["new", "paid", "new"], ValuesAs::Check).contains("'new' is listed twice"));
            assert!(refused(status, &["new", "a much longer value"], ValuesAs::Check).contains("longer than"));
            assert!(refused(status, &[], ValuesAs::Check).contains("at least one"));
            assert!(refused(col("total"), &["1"], ValuesAs::Check).contains("only a text column"));
            if dialect != Dialect::Sqlite {
                assert!(refused(col("customer_tier"), &["gold"], ValuesAs::EnumType).contains("foreign key"));
            }
        }
    }

    #[test]
    fn allowing_only_listed_values_plans_as_the_fixtures_two_texts_do() {
        for (dialect, dir) in [
            (Dialect::Postgres, "values-listed"),
            (Dialect::MySql, "mysql-values-listed"),
            (Dialect::Sqlite, "sqlite-values-listed"),
        ] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(dir);
            let read = |f: &str| std::fs::read_to_string(root.join(f)).expect("fixture");
            let base = import(&read("before.sql"), Some(dialect)).schema;
            let ids = |t: &str, c: &str| {
                let t = base.find_table(t).expect("table");
                (t.id, t.column(c).expect("column").id)
            };
            let list = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
            let status_as = if dialect == Dialect::Sqlite { ValuesAs::Check } else { ValuesAs::EnumType };
            let mut edits = Vec::new();
            for (t, c, values, how) in [
                ("customers", "tier", list(&["free", "pro", "team"]), ValuesAs::Check),
                ("orders", "status", list(&["new", "paid", "shipped", "cancelled"]), status_as),
                ("orders", "channel", list(&["web", "phone"]), ValuesAs::Check),
            ] {
                let (t, c) = ids(t, c);
                edits.extend(allow_only(&base, t, c, &values, how).unwrap_or_else(|e| panic!("{dir}: {e}")));
            }
            let (target, skipped) = apply(&base, &edits);
            assert!(skipped.is_empty(), "{dir}: {skipped:?}");
            let describe = |c: &crate::diff::ChangeSet| {
                let mut d: Vec<String> = c.changes.iter().map(Change::describe).collect();
                d.sort();
                d
            };
            let from_edits = diff(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
            );
            let after = import(&read("after.sql"), Some(dialect)).schema;
            let from_texts = diff(
                &base,
                &after,
                &DiffOptions { matching: Matching::Names, renames: vec![], merges: vec![], moves: vec![] },
            );
            assert_eq!(describe(&from_edits), describe(&from_texts), "{dir}");
        }
    }

    #[test]
    fn composite_keys_unique_constraints_and_indexes_are_one_edit_each_and_plan_per_dialect() {
        let text = "CREATE TABLE orders (id bigint NOT NULL, line int NOT NULL, sku text, placed_at date, note text, doc jsonb, PRIMARY KEY (id));";
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let text = if dialect == Dialect::Postgres { text.to_string() } else { text.replace("jsonb", "text") };
            let base = import(&text, Some(dialect)).schema;
            let t = base.find_table("orders").expect("orders");
            let col = |n: &str| t.column(n).expect("column").id;
            let (orders, id, line, sku, placed) = (t.id, col("id"), col("line"), col("sku"), col("placed_at"));
            let unique = key_name(&base, orders, &[sku, placed], "key");
            let index = key_name(&base, orders, &[placed, sku], "idx");
            assert_eq!((unique.as_str(), index.as_str()), ("orders_sku_placed_at_key", "orders_placed_at_sku_idx"));
            let edits = vec![
                Edit::SetPrimaryKeyColumns { table: orders, columns: vec![id, line] },
                Edit::AddUnique { table: orders, name: unique.clone(), columns: vec![sku, placed] },
                Edit::CreateIndex {
                    table: orders,
                    name: index.clone(),
                    columns: vec![placed, sku],
                    descending: vec![placed],
                    unique: false,
                    method: Some("BTREE".into()),
                    predicate: (dialect != Dialect::MySql).then(|| "sku IS NOT NULL".into()),
                },
            ];
            let (target, skipped) = apply(&base, &edits);
            assert!(skipped.is_empty(), "{dialect:?}: {skipped:?}");
            let o = target.find_table("orders").expect("orders");
            assert_eq!(o.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["id".into(), "line".into()]));
            assert_eq!(o.uniques[0].columns, vec!["sku".to_string(), "placed_at".to_string()]);
            let ix = &o.indexes[0];
            assert_eq!(ix.method, None, "btree is the default and is kept as none");
            assert_eq!(
                ix.parts,
                vec![
                    IndexPart::Column { name: "placed_at".into(), descending: true },
                    IndexPart::Column { name: "sku".into(), descending: false }
                ]
            );
            let plan = crate::plan::plan_changes(
                &base,
                &target,
                &diff(
                    &base,
                    &target,
                    &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                ),
                &crate::plan::PlanOptions { dialect, ..Default::default() },
            );
            let sql = plan.steps().flat_map(|(_, s)| s.sql.clone()).collect::<Vec<_>>().join(";\n");
            match dialect {
                Dialect::Postgres => {
                    assert!(sql.contains("PRIMARY KEY USING INDEX"), "{sql}");
                    assert!(sql.contains("UNIQUE USING INDEX orders_sku_placed_at_key"), "{sql}");
                    assert!(
                        sql.contains("CREATE INDEX CONCURRENTLY orders_placed_at_sku_idx ON orders (placed_at DESC, sku) WHERE sku IS NOT NULL"),
                        "{sql}"
                    );
                }
                Dialect::MySql => {
                    assert!(sql.contains("ADD PRIMARY KEY (id, line)"), "{sql}");
                    assert!(sql.contains("UNIQUE"), "{sql}");
                    assert!(sql.contains("orders_placed_at_sku_idx"), "{sql}");
                }
                Dialect::Sqlite => {
                    assert!(sql.contains("PRIMARY KEY (id, line)"), "{sql}");
                    assert!(sql.contains("CREATE INDEX orders_placed_at_sku_idx ON orders (placed_at DESC, sku) WHERE sku IS NOT NULL"), "{sql}");
                }
            }
            // Dropped again by its columns, in any order; the key back to one column.
            let (undone, skipped) = apply(
                &target,
                &[
                    Edit::DropUnique { table: orders, columns: vec![placed, sku] },
                    Edit::SetPrimaryKeyColumns { table: orders, columns: vec![id] },
                ],
            );
            assert!(skipped.is_empty(), "{skipped:?}");
            let o = undone.find_table("orders").expect("orders");
            assert!(o.uniques.is_empty());
            assert_eq!(o.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["id".into()]));
        }
    }

    #[test]
    fn a_table_with_a_fulltext_index_is_rebuilt_with_writes_held_on_mysql() {
        // Sakila's film_text: MariaDB refuses LOCK=NONE for the rebuild (error 1846).
        for (fulltext, lock) in [(", FULLTEXT KEY idx_title (title)", "LOCK=SHARED"), ("", "LOCK=NONE")] {
            let base = import(
                &format!("CREATE TABLE film_text (film_id smallint NOT NULL, title varchar(255) NOT NULL, PRIMARY KEY (film_id){fulltext}) ENGINE=InnoDB;"),
                Some(Dialect::MySql),
            )
            .schema;
            let (t, film_id) = ids(&base, "film_text", "film_id");
            let (_, title) = ids(&base, "film_text", "title");
            let (target, skipped) =
                apply(&base, &[Edit::SetPrimaryKeyColumns { table: t, columns: vec![film_id, title] }]);
            assert!(skipped.is_empty(), "{skipped:?}");
            let plan = crate::plan::plan_changes(
                &base,
                &target,
                &diff(
                    &base,
                    &target,
                    &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                ),
                &crate::plan::PlanOptions { dialect: Dialect::MySql, ..Default::default() },
            );
            let (_, step) = plan.steps().find(|(_, s)| s.title.starts_with("primary key")).expect("the key's step");
            let sql = step.sql.join(";\n");
            assert!(
                sql.contains(&format!("DROP PRIMARY KEY, ADD PRIMARY KEY (film_id, title), ALGORITHM=INPLACE, {lock}")),
                "{sql}"
            );
            assert!(step.rollback.iter().any(|s| s.contains(lock)), "{:?}", step.rollback);
            assert_eq!(step.reason.contains("FULLTEXT"), !fulltext.is_empty(), "{}", step.reason);
            assert_eq!(step.lock.mode == crate::plan::LockMode::NoWrites, !fulltext.is_empty());
        }
    }

    #[test]
    fn key_and_index_edits_that_cannot_hold_say_why() {
        let base = import(
            "CREATE TABLE customers (id bigint PRIMARY KEY, email text, doc jsonb, tags text[]);\n\
             CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), placed_at date);\n\
             CREATE UNIQUE INDEX customers_email_idx ON customers (email);",
            Some(Dialect::Postgres),
        )
        .schema;
        let (customers, id) = ids(&base, "customers", "id");
        let (_, email) = ids(&base, "customers", "email");
        let (_, doc) = ids(&base, "customers", "doc");
        let (_, tags) = ids(&base, "customers", "tags");
        let refused = |edit: Edit| apply(&base, &[edit]).1.first().cloned().unwrap_or_default();
        let index = |columns: Vec<ColumnId>, unique: bool, method: &str, predicate: Option<&str>| Edit::CreateIndex {
            table: customers,
            name: "x".into(),
            columns,
            descending: vec![],
            unique,
            method: Some(method.into()),
            predicate: predicate.map(str::to_string),
        };
        assert!(refused(Edit::SetPrimaryKeyColumns { table: customers, columns: vec![id, email] })
            .contains("orders(customer_id) references the primary key"));
        assert!(refused(Edit::SetPrimaryKeyColumns { table: customers, columns: vec![id] }).contains("already"));
        assert!(refused(Edit::AddUnique { table: customers, name: "u".into(), columns: vec![email, email] })
            .contains("email is picked twice"));
        assert!(refused(Edit::AddUnique { table: customers, name: "u".into(), columns: vec![email] })
            .contains("(email) is unique already"));
        assert!(refused(Edit::AddUnique { table: customers, name: "orders".into(), columns: vec![doc] })
            .contains("named orders exists"));
        assert!(refused(Edit::AddUnique { table: customers, name: "u".into(), columns: vec![] })
            .contains("pick at least one column"));
        assert!(
            refused(Edit::DropUnique { table: customers, columns: vec![doc] }).contains("nothing makes (doc) unique")
        );
        let brin = refused(index(vec![doc], false, "brin", None));
        assert!(brin.contains("a brin index cannot hold a column of type jsonb"), "{brin}");
        assert!(refused(index(vec![email, doc], false, "hash", None)).contains("a hash index holds one column"));
        assert!(refused(index(vec![doc], true, "gin", None)).contains("only B-tree indexes can be UNIQUE"));
        assert!(refused(index(vec![email], false, "fancy", None)).contains("unknown index method fancy"));
        let typo = refused(index(vec![email], false, "btree", Some("emial IS NOT NULL")));
        assert!(typo.contains("the index's WHERE") && typo.contains("emial"), "{typo}");
        // What the methods are for passes.
        let (target, skipped) = apply(&base, &[index(vec![doc, tags], false, "gin", None)]);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(target.find_table("customers").expect("t").indexes[1].method.as_deref(), Some("gin"));
        // The unique index over email goes by its columns.
        let (target, skipped) = apply(&base, &[Edit::DropUnique { table: customers, columns: vec![email] }]);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert!(target.find_table("customers").expect("t").indexes.is_empty());
        // A partitioned table's unique keys hold its partition key.
        let parted = import(
            "CREATE TABLE events (id bigint NOT NULL, region text NOT NULL, at date) PARTITION BY LIST (region);",
            Some(Dialect::Postgres),
        )
        .schema;
        let (events, eid) = ids(&parted, "events", "id");
        let (_, region) = ids(&parted, "events", "region");
        let why = apply(&parted, &[Edit::SetPrimaryKeyColumns { table: events, columns: vec![eid] }]).1;
        assert!(why[0].contains("must hold its partition key's columns too (region)"), "{why:?}");
        let (_, skipped) = apply(&parted, &[Edit::SetPrimaryKeyColumns { table: events, columns: vec![eid, region] }]);
        assert!(skipped.is_empty(), "{skipped:?}");
        // MySQL has neither partial indexes nor other methods.
        let my = import("CREATE TABLE t (id int PRIMARY KEY, a int);", Some(Dialect::MySql)).schema;
        let (t, a) = ids(&my, "t", "a");
        let with = |method: Option<&str>, predicate: Option<&str>| Edit::CreateIndex {
            table: t,
            name: "t_a_idx".into(),
            columns: vec![a],
            descending: vec![],
            unique: false,
            method: method.map(str::to_string),
            predicate: predicate.map(str::to_string),
        };
        assert!(apply(&my, &[with(None, Some("a > 0"))]).1[0].contains("no partial indexes"));
        assert!(apply(&my, &[with(Some("hash"), None)]).1[0].contains("InnoDB indexes are B-trees"));
    }

    #[test]
    fn comments_are_set_changed_and_taken_off_and_the_plan_says_so_per_dialect() {
        let text = "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);";
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let base = import(text, Some(dialect)).schema;
            let t = base.find_table("orders").expect("orders");
            let (orders, total) = (t.id, t.column("total").expect("total").id);
            let edits = [
                Edit::SetComment { table: orders, column: None, comment: Some("One per checkout".into()) },
                Edit::SetComment {
                    table: orders,
                    column: Some(total),
                    comment: Some("in cents; it's never negative".into()),
                },
                // A column that is not there: skipped, and said so.
                Edit::SetComment { table: orders, column: Some(ColumnId(999)), comment: Some("x".into()) },
            ];
            let (target, skipped) = apply(&base, &edits);
            assert_eq!(skipped, vec!["edit 3 skipped: no such column".to_string()]);
            let o = target.find_table("orders").expect("orders");
            assert_eq!(o.comment.as_deref(), Some("One per checkout"));
            assert_eq!(o.column("total").and_then(|c| c.comment.as_deref()), Some("in cents; it's never negative"));
            let changes = diff(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
            )
            .changes;
            assert_eq!(
                changes.iter().map(Change::describe).collect::<Vec<_>>(),
                ["set the comment of table orders", "set the comment of orders.total"]
            );
            let p = crate::plan::plan(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                &crate::plan::PlanOptions { dialect, ..Default::default() },
            );
            let sql: Vec<&str> =
                p.stages.iter().flat_map(|s| &s.steps).flat_map(|s| &s.sql).map(String::as_str).collect();
            match dialect {
                Dialect::Postgres => {
                    assert!(sql.contains(&"COMMENT ON TABLE orders IS 'One per checkout'"), "{sql:?}");
                    assert!(
                        sql.contains(&"COMMENT ON COLUMN orders.total IS 'in cents; it''s never negative'"),
                        "{sql:?}"
                    );
                }
                Dialect::MySql => {
                    assert!(sql.iter().any(|s| s.contains("COMMENT = 'One per checkout'")), "{sql:?}");
                    assert!(
                        sql.iter().any(|s| s.contains("MODIFY COLUMN total NUMERIC NULL COMMENT 'in cents; it''s never negative', ALGORITHM=INPLACE, LOCK=NONE")),
                        "{sql:?}"
                    );
                }
                Dialect::Sqlite => {
                    assert!(sql.is_empty(), "SQLite keeps no comments, and rebuilds nothing for one: {sql:?}");
                    assert!(p.notes.iter().any(|n| n.contains("SQLite keeps no comments")), "{:?}", p.notes);
                }
            }
            // Taken off again, blank counts as none: no change left.
            let off = [edits[0].clone(), Edit::SetComment { table: orders, column: None, comment: Some("  ".into()) }];
            let (target, _) = apply(&base, &off);
            assert!(diff(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] }
            )
            .changes
            .is_empty());
        }
    }

    #[test]
    fn a_check_is_added_and_dropped_by_name_or_by_condition_and_bad_ones_say_where() {
        let base = import(
            "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total numeric CHECK (total >= 0));",
            Some(Dialect::Postgres),
        )
        .schema;
        let orders = base.find_table("orders").expect("orders").id;
        let add = |name: &str, expr: &str| Edit::AddCheck { table: orders, name: name.into(), expr: expr.into() };
        let (target, skipped) = apply(&base, &[add("orders_status_check", "status IN ('new', 'paid')")]);
        assert!(skipped.is_empty(), "{skipped:?}");
        let checks = &target.find_table("orders").expect("orders").checks;
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[1].name.as_deref(), Some("orders_status_check"));
        assert_eq!(checks[1].expr, "status IN ('new', 'paid')");
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
        )
        .changes;
        assert!(matches!(changes.as_slice(), [Change::AddCheck { .. }]), "{changes:?}");
        // Typed whole, the CHECK keyword and its parentheses come off.
        let (target, _) = apply(&base, &[add("positive_id", "CHECK (id > 0);")]);
        assert_eq!(target.find_table("orders").expect("orders").checks[1].expr, "id > 0");
        // The unnamed CHECK goes by its condition, spaced and cased differently.
        let (target, skipped) = apply(&base, &[Edit::DropCheck { table: orders, check: "TOTAL>=0".into() }]);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert!(target.find_table("orders").expect("orders").checks.is_empty());
        let (target, skipped) =
            apply(&base, &[add("s", "status <> ''"), Edit::DropCheck { table: orders, check: "s".into() }]);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(target.find_table("orders").expect("orders").checks.len(), 1);
        // Suggested names follow PostgreSQL's, past the ones taken.
        assert_eq!(check_name(&base, orders, "status <> ''"), "orders_status_check");
        assert_eq!(check_name(&base, orders, "total < 1000"), "orders_total_check1");
        assert_eq!(check_name(&base, orders, "total < id"), "orders_check");
        // Mistakes: each says what and where, and the schema keeps what it had.
        for (edit, says) in [
            (add("c1", "status IN ('new',"), "Expected: an expression, found: EOF (line 1, column 18)"),
            (add("c2", "stauts = 'new'"), "there is no column stauts (line 1, column 1)"),
            (add("c3", "total > 0 total"), "unexpected `total` after the condition (line 1, column 11)"),
            (add("c4", "   "), "the condition is empty"),
            (add("", "total > 0"), "a CHECK needs a name"),
            (add("orders_pkey", "total > 0"), "a constraint named orders_pkey exists"),
            (add("c5", "total >= 0"), "already has CHECK (total >= 0)"),
            (add("orders_total_check", "total < 1000"), "a constraint named orders_total_check exists"),
            (Edit::DropCheck { table: orders, check: "nope".into() }, "orders has no CHECK nope"),
        ] {
            let (target, skipped) = apply(&base, std::slice::from_ref(&edit));
            assert_eq!(skipped.len(), 1, "{edit:?}");
            assert!(skipped[0].contains(says), "{edit:?}: {}", skipped[0]);
            assert_eq!(target, base);
        }
    }

    #[test]
    fn a_serial_becomes_an_identity_in_one_change_that_drops_its_sequence_and_keeps_its_ids() {
        // Both ways a serial is written: the keyword, and pg_dump's sequence with OWNED BY.
        let sql = "CREATE TABLE a (id serial PRIMARY KEY, note text);\n\
                   CREATE TABLE b (id integer NOT NULL DEFAULT nextval('public.b_id_seq'::regclass), note text);\n\
                   CREATE SEQUENCE public.b_id_seq AS integer;\n\
                   ALTER SEQUENCE public.b_id_seq OWNED BY public.b.id;";
        let base = import(sql, Some(Dialect::Postgres)).schema;
        for (table, sequence, aside) in
            [("a", "a_id_seq", "bellows_old_a_id_seq"), ("b", "public.b_id_seq", "public.bellows_old_b_id_seq")]
        {
            let (t, c) = ids(&base, table, "id");
            let (target, skipped) =
                apply(&base, &[Edit::SetIdentity { table: t, column: c, identity: Some(Identity::ByDefault) }]);
            assert!(skipped.is_empty(), "{skipped:?}");
            let col = target.find_table(table).and_then(|t| t.column("id")).expect("id");
            assert_eq!((col.identity, col.default.is_none(), col.nullable), (Some(Identity::ByDefault), true, false));
            assert_eq!(col.data_type.spelling.to_ascii_lowercase(), "integer");
            let changes = diff(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
            )
            .changes;
            assert!(matches!(changes.as_slice(), [Change::SetIdentity { .. }]), "{table}: {changes:?}");
            let plan = crate::plan::plan(
                &base,
                &target,
                &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
                &crate::plan::PlanOptions::default(),
            );
            let sql: Vec<String> =
                plan.stages.iter().flat_map(|s| s.steps.iter()).flat_map(|s| s.sql.clone()).collect();
            let text = sql.join(";\n");
            assert!(text.contains(&format!("ALTER SEQUENCE {sequence} OWNED BY NONE")), "{text}");
            assert!(text.contains("ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"), "{text}");
            assert!(text.contains(&format!("DROP SEQUENCE {aside}")), "{text}");
            assert_eq!(plan.stages.iter().map(|s| s.steps.len()).sum::<usize>(), 1, "{text}");
        }
        // Refused where it has no meaning.
        let (a, id) = ids(&base, "a", "note");
        let (_, skipped) =
            apply(&base, &[Edit::SetIdentity { table: a, column: id, identity: Some(Identity::Always) }]);
        assert!(skipped[0].contains("an identity column is smallint, integer or bigint"), "{skipped:?}");
        let (_, skipped) = apply(&base, &[Edit::SetIdentity { table: a, column: id, identity: None }]);
        assert!(skipped[0].contains("is not an identity column"), "{skipped:?}");
    }

    fn shop() -> Schema {
        import(
            "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n\
             CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), total numeric(10,2));\n\
             CREATE INDEX orders_customer_idx ON orders (customer_id);",
            Some(Dialect::Postgres),
        )
        .schema
    }

    fn ids(s: &Schema, table: &str, column: &str) -> (TableId, ColumnId) {
        let t = s.find_table(table).expect("table");
        (t.id, t.column(column).expect("column").id)
    }

    #[test]
    fn a_renamed_column_diffs_as_a_rename_and_keeps_its_constraints() {
        let base = shop();
        let (orders, customer_id) = ids(&base, "orders", "customer_id");
        let (target, skipped) =
            apply(&base, &[Edit::RenameColumn { table: orders, column: customer_id, to: "buyer_id".into() }]);
        assert!(skipped.is_empty());
        let t = target.find_table("orders").expect("orders");
        assert_eq!(t.foreign_keys[0].columns, vec!["buyer_id".to_string()]);
        assert_eq!(t.indexes[0].parts[0].column(), Some("buyer_id"));
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
        );
        assert!(matches!(changes.changes.as_slice(), [Change::RenameColumn { .. }]), "{:?}", changes.changes);
    }

    #[test]
    fn a_serial_key_widened_to_bigint_keeps_its_sequence_and_dropping_a_key_column_drops_the_key() {
        let base = import(
            "CREATE TABLE tags (id serial PRIMARY KEY, name text);\n\
             CREATE TABLE pairs (a int, b int, note text, PRIMARY KEY (a, b));",
            Some(Dialect::Postgres),
        )
        .schema;
        let (tags, id) = ids(&base, "tags", "id");
        let (target, skipped) = apply(&base, &[Edit::SetType { table: tags, column: id, data_type: "bigint".into() }]);
        assert!(skipped.is_empty());
        let column = target.find_table("tags").and_then(|t| t.column("id")).expect("id");
        assert_eq!(column.data_type.spelling.to_ascii_lowercase(), "bigserial");
        assert_eq!(column.identity, Some(Identity::Serial));
        // A key that `REFERENCES tags` (no columns) points at stays: the edit is refused.
        let with_ref = import(
            "CREATE TABLE tags (id int PRIMARY KEY);\nCREATE TABLE uses (tag int REFERENCES tags);",
            Some(Dialect::Postgres),
        )
        .schema;
        let (t, tid) = ids(&with_ref, "tags", "id");
        let (_, skipped) = apply(&with_ref, &[Edit::SetPrimaryKey { table: t, column: tid, primary: false }]);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let (after_drop, _) = apply(&with_ref, &[Edit::DropColumn { table: t, column: tid }]);
        assert!(after_drop.find_table("uses").expect("uses").foreign_keys.is_empty());
        // The server drops a key with any of its columns; so does the edit.
        let (pairs, b) = ids(&base, "pairs", "b");
        let (target, _) = apply(&base, &[Edit::DropColumn { table: pairs, column: b }]);
        assert_eq!(target.find_table("pairs").expect("pairs").primary_key, None);
    }

    #[test]
    fn a_renamed_table_keeps_the_references_to_it() {
        let base = shop();
        let (customers, _) = ids(&base, "customers", "id");
        let (target, _) = apply(&base, &[Edit::RenameTable { table: customers, to: "clients".into() }]);
        assert_eq!(target.find_table("orders").expect("orders").foreign_keys[0].ref_table, "clients");
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
        );
        assert!(matches!(changes.changes.as_slice(), [Change::RenameTable { .. }]), "{:?}", changes.changes);
    }

    #[test]
    fn a_merge_points_the_references_to_the_merged_table_at_the_other_and_the_plan_moves_them() {
        let base = import(
            "CREATE TABLE accounts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, login text NOT NULL UNIQUE);
             CREATE TABLE legacy (id bigint PRIMARY KEY, login text NOT NULL);
             CREATE TABLE invoices (id int PRIMARY KEY, account_id bigint REFERENCES legacy (id));
             CREATE INDEX invoices_account_id ON invoices (account_id);",
            Some(Dialect::Postgres),
        )
        .schema;
        let (legacy, _) = ids(&base, "legacy", "id");
        let (accounts, id) = ids(&base, "accounts", "id");
        let merge = Edit::MergeTable { table: legacy, into: accounts, on: vec![id], map: vec![], from_wins: false };
        let (target, skipped) = apply(&base, std::slice::from_ref(&merge));
        assert!(skipped.is_empty(), "{skipped:?}");
        let fk = &target.find_table("invoices").expect("invoices").foreign_keys[0];
        assert_eq!((fk.ref_table.as_str(), fk.ref_columns.as_slice()), ("accounts", &["id".to_string()][..]));
        let merges = merge_hints(&base, &target, std::slice::from_ref(&merge));
        let changes = diff(&base, &target, &DiffOptions { matching: Matching::Ids, merges, ..Default::default() });
        let plan = crate::plan::plan_changes(&base, &target, &changes, &crate::plan::PlanOptions::default());
        let switch: Vec<&str> = plan
            .stage(crate::plan::StageKind::Switch)
            .map(|s| s.steps.iter().map(|x| x.title.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(switch[0], "repoint invoices(account_id) from legacy to accounts, not yet validated", "{switch:?}");
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);

        // Matched on login, legacy's rows get accounts' ids: invoices' values would name other
        // rows, so the merge is refused with the reason and nothing changes.
        let (_, login) = ids(&base, "accounts", "login");
        let by_login =
            Edit::MergeTable { table: legacy, into: accounts, on: vec![login], map: vec![], from_wins: false };
        let (kept, skipped) = apply(&base, &[by_login]);
        assert!(skipped.iter().any(|s| s.contains("would need translating")), "{skipped:?}");
        assert!(kept.find_table("legacy").is_some());
    }

    #[test]
    fn a_column_moves_down_to_a_one_to_one_table_and_the_plan_carries_its_values() {
        let base = import(
            "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, bio text NOT NULL);\n\
             CREATE TABLE profiles (user_id bigint PRIMARY KEY REFERENCES users (id), shown text);\n\
             CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text);",
            Some(Dialect::Postgres),
        )
        .schema;
        let (users, bio) = ids(&base, "users", "bio");
        let (profiles, _) = ids(&base, "profiles", "shown");
        let (posts, title) = ids(&base, "posts", "title");
        let edit = Edit::MoveColumn { table: users, column: bio, into: profiles };
        let (target, skipped) = apply(&base, std::slice::from_ref(&edit));
        assert!(skipped.is_empty(), "{skipped:?}");
        assert!(target.find_table("users").and_then(|t| t.column("bio")).is_none());
        let moved = target.find_table("profiles").and_then(|t| t.column("bio")).expect("profiles.bio");
        assert!(moved.nullable, "a profile row may have no user row to take a value from");
        assert_eq!(moved.id, bio, "the column keeps its id");

        let moves = move_hints(&target, &base, std::slice::from_ref(&edit));
        let changes = diff(&base, &target, &DiffOptions { matching: Matching::Ids, moves, ..Default::default() });
        let described: Vec<String> = changes.changes.iter().map(Change::describe).collect();
        assert!(described.contains(&"move column users.bio -> profiles.bio".to_string()), "{described:?}");
        let plan = crate::plan::plan_changes(&base, &target, &changes, &crate::plan::PlanOptions::default());
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
        let titles: Vec<&str> = plan.steps().map(|(_, s)| s.title.as_str()).collect();
        for wanted in [
            "move bio from users to profiles: v1's writes to users reach profiles",
            "copy bio of existing users rows into their profiles rows",
            "make the profiles rows that users rows with bio lack",
        ] {
            assert!(titles.contains(&wanted), "{wanted:?} in {titles:?}");
        }

        // Many posts per user, a key: refused.
        for (edit, why) in [
            (Edit::MoveColumn { table: users, column: bio, into: posts }, "not unique"),
            (
                Edit::MoveColumn { table: profiles, column: ids(&base, "profiles", "user_id").1, into: users },
                "part of a key",
            ),
        ] {
            let (kept, skipped) = apply(&base, std::slice::from_ref(&edit));
            assert!(skipped.iter().any(|s| s.contains(why)), "{why}: {skipped:?}");
            assert_eq!(kept, base);
        }

        // Up to the table posts references: a user's posts share one title, which the plan
        // checks before Backfill; MySQL's triggers cannot keep them in step yet.
        let up = Edit::MoveColumn { table: posts, column: title, into: users };
        let (target, skipped) = apply(&base, std::slice::from_ref(&up));
        assert!(skipped.is_empty(), "{skipped:?}");
        let moves = move_hints(&target, &base, std::slice::from_ref(&up));
        let changes = diff(&base, &target, &DiffOptions { matching: Matching::Ids, moves, ..Default::default() });
        let plan = crate::plan::plan_changes(&base, &target, &changes, &crate::plan::PlanOptions::default());
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
        assert!(
            plan.prechecks
                .iter()
                .any(|c| c.title == "rows of posts whose title disagrees with another row of the same users row"
                    && c.before == crate::plan::StageKind::Backfill),
            "{:?}",
            plan.prechecks
        );
        assert!(move_targets(&base, posts)
            .iter()
            .any(|(id, _, cols)| *id == users && cols.iter().any(|c| c.0 == title)));
        let mut mysql = base.clone();
        mysql.dialect = Some(Dialect::MySql);
        let (_, skipped) = apply(&mysql, std::slice::from_ref(&up));
        assert!(skipped.iter().any(|s| s.contains("not planned on MySQL yet")), "{skipped:?}");
        let json = serde_json::to_string(std::slice::from_ref(&edit)).expect("json");
        assert_eq!(serde_json::from_str::<Vec<Edit>>(&json).expect("back"), vec![edit]);
    }

    #[test]
    fn a_move_hint_names_two_columns_and_says_what_is_wrong() {
        let hint = crate::diff::MoveHint::parse("app.users.bio -> app.profiles.about").expect("hint");
        assert_eq!(
            (hint.from.as_str(), hint.column.as_str(), hint.to.as_str(), hint.to_column.as_str()),
            ("app.users", "bio", "app.profiles", "about")
        );
        for bad in ["users.bio", "users->profiles.bio", "users.bio->.bio"] {
            let err = crate::diff::MoveHint::parse(bad).expect_err(bad);
            assert!(err.contains("t.c"), "{bad}: {err}");
        }
    }

    #[test]
    fn new_tables_columns_and_foreign_keys_apply_and_undo_is_replay_without_the_last() {
        let base = shop();
        let (next_table, next_column) = next_ids(&base, &[]);
        let (orders, _) = ids(&base, "orders", "id");
        let edits = vec![
            Edit::AddTable { table: next_table, name: "shipments".into(), key: next_column },
            Edit::AddColumn {
                table: next_table,
                column: ColumnId(next_column.0 + 1),
                name: "order_id".into(),
                data_type: "bigint".into(),
                nullable: false,
            },
            Edit::AddForeignKey {
                table: next_table,
                column: ColumnId(next_column.0 + 1),
                ref_table: orders,
                ref_column: ids(&base, "orders", "id").1,
            },
        ];
        let (target, skipped) = apply(&base, &edits);
        assert!(skipped.is_empty(), "{skipped:?}");
        let shipments = target.find_table("shipments").expect("shipments");
        assert_eq!(shipments.foreign_keys[0].ref_table, "orders");
        let (undone, _) = apply(&base, &edits[..2]);
        assert!(undone.find_table("shipments").expect("shipments").foreign_keys.is_empty());
        assert_eq!(next_ids(&base, &edits), (TableId(next_table.0 + 1), ColumnId(next_column.0 + 2)));
    }

    #[test]
    fn a_lookup_table_is_extracted_keyed_by_the_values_and_referenced_from_the_column() {
        let base = import(
            "CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(20) NOT NULL DEFAULT 'new', total numeric);\n\
             CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));",
            Some(Dialect::Postgres),
        )
        .schema;
        let (orders, status) = ids(&base, "orders", "status");
        let edit = extract_lookup(&base, orders, status, next_ids(&base, &[]));
        let Edit::ExtractLookup { name, lookup, key, .. } = &edit else { panic!("{edit:?}") };
        // Most tables are plural here: so is the lookup table's name.
        assert_eq!(name, "orders_statuses");
        assert_eq!(next_ids(&base, std::slice::from_ref(&edit)), (TableId(lookup.0 + 1), ColumnId(key.0 + 1)));
        let (target, skipped) = apply(&base, std::slice::from_ref(&edit));
        assert!(skipped.is_empty(), "{skipped:?}");
        let lookup_table = target.find_table("orders_statuses").expect("lookup table");
        assert_eq!(lookup_table.id, *lookup);
        let key_column = lookup_table.column("status").expect("key column");
        assert_eq!(
            (key_column.id, key_column.data_type.spelling.as_str(), key_column.nullable),
            (*key, "VARCHAR(20)", false)
        );
        assert_eq!(lookup_table.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["status".to_string()]));
        let t = target.find_table("orders").expect("orders");
        let fk = t.foreign_keys_of("status").next().expect("a foreign key from status");
        assert_eq!((fk.ref_table.as_str(), fk.ref_columns.clone()), ("orders_statuses", vec!["status".to_string()]));
        assert!(t.indexes.iter().any(|ix| ix.parts.first().and_then(IndexPart::column) == Some("status")), "indexed");
        assert_eq!(t.column("status"), base.find_table("orders").and_then(|b| b.column("status")), "the column stays");
        let changes = crate::diff::diff(&base, &target, &crate::diff::DiffOptions::default()).changes;
        let described: Vec<String> = changes.iter().map(|c| c.describe()).collect();
        assert_eq!(described.len(), 3, "{described:?}");
        // Again: the name is taken, and the column references a table already.
        let (_, skipped) = apply(&target, &[extract_lookup(&base, orders, status, next_ids(&target, &[]))]);
        assert_eq!(skipped.len(), 1, "a second extraction is refused");
        assert!(lookup_allowed(&target, orders, status).is_err());
        // An identity key is not a list of values.
        let (_, id) = ids(&base, "orders", "id");
        let mut with_identity = base.clone();
        with_identity.tables[0].columns[0].identity = Some(Identity::Always);
        assert!(lookup_allowed(&with_identity, orders, id).is_err());
    }

    #[test]
    fn columns_are_extracted_into_a_table_keyed_by_the_source_key_and_the_split_recipe_plans_them() {
        for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let base = import(
                "CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL, street varchar(100), city varchar(60), age integer CHECK (age >= 0), CONSTRAINT customers_email_key UNIQUE (email));\n\
                 CREATE INDEX customers_city_idx ON customers (city);\n\
                 CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));",
                Some(d),
            )
            .schema;
            let (customers, street) = ids(&base, "customers", "street");
            let (_, city) = ids(&base, "customers", "city");
            let edit = extract_columns(&base, customers, vec![street, city], next_ids(&base, &[]));
            let Edit::ExtractColumns { name, into, key, .. } = &edit else { panic!("{edit:?}") };
            assert_eq!(name, "customer_details");
            assert_eq!(next_ids(&base, std::slice::from_ref(&edit)), (TableId(into.0 + 1), ColumnId(key.0 + 3)));
            let (target, skipped) = apply(&base, std::slice::from_ref(&edit));
            assert!(skipped.is_empty(), "{skipped:?}");
            let t = target.find_table("customer_details").expect("new table");
            let names: Vec<(&str, u32, bool)> =
                t.columns.iter().map(|c| (c.name.as_str(), c.id.0 - key.0, c.nullable)).collect();
            assert_eq!(names, vec![("customer_id", 0, false), ("street", 1, true), ("city", 2, true)], "{d:?}");
            assert_eq!(t.primary_key.as_ref().map(|k| k.columns.clone()), Some(vec!["customer_id".to_string()]));
            let fk = &t.foreign_keys[0];
            assert_eq!(
                (fk.ref_table.as_str(), fk.ref_columns.clone(), fk.on_delete),
                ("customers", vec!["id".to_string()], RefAction::Cascade)
            );
            assert_eq!(
                t.indexes.iter().map(|ix| ix.name.clone().unwrap_or_default()).collect::<Vec<_>>(),
                vec!["customer_details_city_idx"]
            );
            let source = target.find_table("customers").expect("customers");
            assert!(
                source.column("street").is_none() && source.column("city").is_none() && source.indexes.is_empty(),
                "{d:?}"
            );
            // The new table follows its source.
            let at = |n: &str| target.tables.iter().position(|t| t.name == n);
            assert_eq!(at("customer_details"), at("customers").map(|i| i + 1));
            // The split recipe moves the values: triggers both ways and a copy at Backfill.
            let plan = crate::plan::plan(
                &base,
                &target,
                &crate::diff::DiffOptions {
                    matching: crate::diff::Matching::Ids,
                    renames: vec![],
                    merges: vec![],
                    moves: vec![],
                },
                &crate::plan::PlanOptions { dialect: d, ..Default::default() },
            );
            assert!(plan.blockers.is_empty(), "{d:?}: {:?}", plan.blockers);
            let backfill = plan.stage(crate::plan::StageKind::Backfill).expect("a backfill");
            let text: Vec<String> = backfill.steps.iter().flat_map(|s| s.sql.clone()).collect();
            assert!(text.iter().any(|s| s.contains("customer_details") && s.contains("street")), "{d:?}: {text:?}");
            // A CHECK on a moved column alone goes along, renamed for its new table.
            let (_, age) = ids(&base, "customers", "age");
            let (moved, skipped) = apply(&base, &[extract_columns(&base, customers, vec![age], next_ids(&base, &[]))]);
            assert!(skipped.is_empty(), "{skipped:?}");
            assert_eq!(moved.find_table("customer_details").map(|t| t.checks.len()), Some(1), "{d:?}");
            // Refused: a unique column, the key, a column picked twice, every column.
            let (_, email) = ids(&base, "customers", "email");
            let (_, id) = ids(&base, "customers", "id");
            for (columns, says) in [
                (vec![email], "unique"),
                (vec![id], "primary key"),
                (vec![street, street], "picked twice"),
                (vec![street, city, age, email], "every column"),
                (vec![], "pick the columns"),
            ] {
                let why = extract_columns_allowed(&base, customers, &columns, "customer_details").expect_err(says);
                assert!(why.contains(says), "{d:?} {says}: {why}");
            }
        }
    }

    #[test]
    fn a_lookup_table_is_refused_where_the_server_cannot_key_or_reference_it() {
        let mysql = import(
            "CREATE TABLE posts (id bigint PRIMARY KEY, kind text, state varchar(1000), role varchar(20));",
            Some(Dialect::MySql),
        )
        .schema;
        let t = mysql.find_table("posts").expect("posts");
        for (column, allowed) in [("kind", false), ("state", false), ("role", true)] {
            let c = t.column(column).expect("column").id;
            assert_eq!(
                lookup_allowed(&mysql, t.id, c).is_ok(),
                allowed,
                "{column}: {:?}",
                lookup_allowed(&mysql, t.id, c)
            );
        }
        let pg = import(
            "CREATE TABLE events (id bigint, kind text, at date) PARTITION BY RANGE (at);\n\
             CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
            Some(Dialect::Postgres),
        )
        .schema;
        for table in ["events", "events_2026"] {
            let t = pg.find_table(table).expect("table");
            let c = t.column("kind").expect("kind").id;
            assert!(lookup_allowed(&pg, t.id, c).is_err(), "{table}");
        }
    }

    #[test]
    fn edits_on_missing_objects_are_skipped_with_a_reason() {
        let base = shop();
        let (target, skipped) = apply(&base, &[Edit::DropColumn { table: TableId(999), column: ColumnId(1) }]);
        assert_eq!(target, base);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].contains("no table"), "{skipped:?}");
    }
}

/// How an object of the target compares with the base, for the canvas's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    Same,
    Added,
    Removed,
    Changed,
}

/// The schema the canvas draws in "target against base" mode: the target, plus the tables and
/// columns the edits removed (so they can be shown struck out), with a mark for each table and
/// column (by id).
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    pub schema: Schema,
    pub tables: std::collections::BTreeMap<TableId, Mark>,
    pub columns: std::collections::BTreeMap<ColumnId, Mark>,
}

pub fn display(base: &Schema, target: &Schema) -> Display {
    use std::collections::BTreeMap;
    let mut schema = target.clone();
    let mut tables = BTreeMap::new();
    let mut columns = BTreeMap::new();
    for t in &mut schema.tables {
        let Some(b) = base.table(t.id) else {
            tables.insert(t.id, Mark::Added);
            for c in &t.columns {
                columns.insert(c.id, Mark::Added);
            }
            continue;
        };
        let mut changed = b.name != t.name
            || b.primary_key != t.primary_key
            || b.foreign_keys != t.foreign_keys
            || b.indexes != t.indexes
            || b.uniques != t.uniques;
        for c in &t.columns {
            let mark = match b.columns.iter().find(|x| x.id == c.id) {
                None => Mark::Added,
                Some(x)
                    if x.name != c.name
                        || x.data_type.kind != c.data_type.kind
                        || x.nullable != c.nullable
                        || x.default != c.default =>
                {
                    Mark::Changed
                }
                Some(_) => Mark::Same,
            };
            changed |= mark != Mark::Same;
            columns.insert(c.id, mark);
        }
        // Removed columns come back, struck out, where they stood.
        for (i, c) in b.columns.iter().enumerate() {
            if t.columns.iter().all(|x| x.id != c.id) {
                changed = true;
                columns.insert(c.id, Mark::Removed);
                let at = i.min(t.columns.len());
                t.columns.insert(at, c.clone());
            }
        }
        tables.insert(t.id, if changed { Mark::Changed } else { Mark::Same });
    }
    for b in &base.tables {
        if target.table(b.id).is_none() {
            tables.insert(b.id, Mark::Removed);
            for c in &b.columns {
                columns.insert(c.id, Mark::Removed);
            }
            schema.tables.push(b.clone());
        }
    }
    Display { schema, tables, columns }
}

#[cfg(test)]
mod display_tests {
    use super::*;
    use crate::diff::{diff, Change, DiffOptions, Matching};
    use crate::{import, Dialect};

    #[test]
    fn marks_show_what_the_edits_changed_and_keep_removed_items_visible() {
        let base = import(
            "CREATE TABLE a (id int PRIMARY KEY, x int, y int);\nCREATE TABLE gone (id int PRIMARY KEY);",
            Some(Dialect::Postgres),
        )
        .schema;
        let a = base.find_table("a").expect("a");
        let (x, y) = (a.column("x").expect("x").id, a.column("y").expect("y").id);
        let (next_t, next_c) = next_ids(&base, &[]);
        let edits = vec![
            Edit::RenameColumn { table: a.id, column: x, to: "xx".into() },
            Edit::DropColumn { table: a.id, column: y },
            Edit::DropTable { table: base.find_table("gone").expect("gone").id },
            Edit::AddTable { table: next_t, name: "fresh".into(), key: next_c },
        ];
        let (target, _) = apply(&base, &edits);
        let d = display(&base, &target);
        assert_eq!(d.tables[&a.id], Mark::Changed);
        assert_eq!(d.columns[&x], Mark::Changed);
        assert_eq!(d.columns[&y], Mark::Removed);
        assert_eq!(d.tables[&next_t], Mark::Added);
        assert_eq!(d.tables.values().filter(|m| **m == Mark::Removed).count(), 1);
        let shown = d.schema.find_table("a").expect("a");
        assert_eq!(shown.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "xx", "y"]);
        assert_eq!(d.schema.tables.len(), 3);
    }

    const ENUMS: &str = "CREATE TYPE mood AS ENUM ('sad', 'meh', 'ok', 'happy', 'ecstatic', 'unknown');
        CREATE TYPE tier AS ENUM ('free', 'trial', 'pro');
        CREATE TABLE customers (id bigint PRIMARY KEY, tier tier NOT NULL DEFAULT 'trial', mood mood);
        CREATE TABLE surveys (id bigint PRIMARY KEY, answer mood NOT NULL DEFAULT 'meh', history mood[]);";

    #[test]
    fn enum_labels_are_added_renamed_and_removed_one_edit_each_and_plan_as_the_two_texts_do() {
        let base = import(ENUMS, Some(Dialect::Postgres)).schema;
        let name = |n: &str| n.to_string();
        let edits = vec![
            Edit::AddEnumValue { name: name("mood"), value: name("content"), before: Some(name("happy")) },
            Edit::RenameEnumValue { name: name("tier"), from: name("trial"), to: name("starter") },
            Edit::AddEnumValue { name: name("tier"), value: name("enterprise"), before: None },
            Edit::RemoveEnumValue { name: name("mood"), value: name("meh"), replacement: Some(name("ok")) },
            Edit::RemoveEnumValue { name: name("mood"), value: name("ecstatic"), replacement: Some(name("happy")) },
            Edit::RemoveEnumValue { name: name("mood"), value: name("unknown"), replacement: None },
        ];
        let (target, skipped) = apply(&base, &edits);
        assert!(skipped.is_empty(), "{skipped:?}");
        let labels = |e: &str| target.find_enum(e).expect("enum").labels.clone();
        assert_eq!(labels("mood"), ["sad", "ok", "content", "happy"]);
        assert_eq!(labels("tier"), ["free", "starter", "pro", "enterprise"]);
        // Defaults follow a renamed label, and a replaced one.
        let default = |t: &str, c: &str| {
            target.find_table(t).and_then(|t| t.column(c)).and_then(|c| c.default.clone()).expect("default").expr
        };
        assert_eq!((default("customers", "tier"), default("surveys", "answer")), (name("'starter'"), name("'ok'")));
        let hints = enum_hints(&edits);
        let hinted: Vec<String> = hints.iter().map(|h| format!("{}={}", h.from, h.to)).collect();
        assert_eq!(hinted, ["tier.trial=starter", "mood.meh=ok", "mood.ecstatic=happy"]);
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Ids, renames: hints, merges: vec![], moves: vec![] },
        );
        let described: Vec<String> = changes.changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            [
                "add value 'content' to enum mood",
                "remove values 'meh' (its rows become 'ok'), 'ecstatic' (its rows become 'happy'), 'unknown' from enum mood",
                "add value 'enterprise' to enum tier",
                "rename value 'trial' of enum tier to 'starter'",
                "set default of surveys.answer to 'ok'",
            ]
        );
        // The same plan from the two texts with rename hints (the fixture `enum-values-edited`).
        let after = ENUMS
            .replace("('sad', 'meh', 'ok', 'happy', 'ecstatic', 'unknown')", "('sad', 'ok', 'content', 'happy')")
            .replace("('free', 'trial', 'pro')", "('free', 'starter', 'pro', 'enterprise')")
            .replace("DEFAULT 'trial'", "DEFAULT 'starter'")
            .replace("DEFAULT 'meh'", "DEFAULT 'ok'");
        let texts = diff(
            &base,
            &import(&after, Some(Dialect::Postgres)).schema,
            &DiffOptions {
                matching: Matching::Names,
                renames: ["mood.meh=ok", "mood.ecstatic=happy", "tier.trial=starter"]
                    .map(|h| crate::diff::RenameHint::parse(h).expect("hint"))
                    .to_vec(),
                merges: vec![],
                moves: vec![],
            },
        );
        assert_eq!(texts.changes.iter().map(Change::describe).collect::<Vec<_>>(), described);
    }

    #[test]
    fn enum_edits_that_cannot_hold_are_refused_with_the_reason() {
        let base = import(ENUMS, Some(Dialect::Postgres)).schema;
        let name = |n: &str| n.to_string();
        let refused = |edit: Edit| apply(&base, &[edit]).1.join("; ");
        let cases = [
            (Edit::AddEnumValue { name: name("mood"), value: name("ok"), before: None }, "already has the label 'ok'"),
            (
                Edit::AddEnumValue { name: name("mood"), value: name("x"), before: Some(name("nope")) },
                "has no label 'nope'",
            ),
            (
                Edit::RenameEnumValue { name: name("mood"), from: name("meh"), to: name("ok") },
                "remove 'meh' with 'ok' as its replacement",
            ),
            (
                Edit::RemoveEnumValue { name: name("mood"), value: name("meh"), replacement: None },
                "'meh' is the default of surveys.answer",
            ),
            (
                Edit::RemoveEnumValue { name: name("mood"), value: name("sad"), replacement: Some(name("sad")) },
                "must be another label",
            ),
            (Edit::RenameEnumValue { name: name("colour"), from: name("a"), to: name("b") }, "no enum type colour"),
        ];
        for (edit, why) in cases {
            let message = refused(edit.clone());
            assert!(message.contains(why), "{edit:?}: {message}");
        }
        let mysql = import("CREATE TABLE t (id int PRIMARY KEY, s enum('a','b'));", Some(Dialect::MySql)).schema;
        let message =
            apply(&mysql, &[Edit::RemoveEnumValue { name: name("s"), value: name("a"), replacement: None }]).1;
        assert!(message.join("").contains("MySQL's ENUM belongs to its column"), "{message:?}");
        // A chain: a label renamed twice, then the target of a replacement renamed.
        let chain = [
            Edit::RenameEnumValue { name: name("mood"), from: name("sad"), to: name("down") },
            Edit::RenameEnumValue { name: name("mood"), from: name("down"), to: name("low") },
            Edit::RemoveEnumValue { name: name("mood"), value: name("ecstatic"), replacement: Some(name("happy")) },
            Edit::RenameEnumValue { name: name("mood"), from: name("happy"), to: name("glad") },
        ];
        let hinted: Vec<String> = enum_hints(&chain).iter().map(|h| format!("{}={}", h.from, h.to)).collect();
        assert_eq!(hinted, ["mood.sad=low", "mood.ecstatic=glad", "mood.happy=glad"]);
    }
}
