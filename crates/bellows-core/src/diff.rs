//! Base + target -> the changes between them.
//!
//! Tables and columns are matched by stable id when the target was edited from the base
//! ([`Matching::Ids`]), or by name when two DDL texts are compared ([`Matching::Names`]). By
//! name, a rename is never guessed silently: explicit hints (`old=new`, `t.old=t.new`) are
//! applied, and likely renames are offered as [`RenameSuggestion`]s with a confidence.

use crate::model::*;
use crate::types::DataType;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// The target was edited from the base: equal ids are the same object.
    Ids,
    /// Two independent texts: equal names are the same object.
    #[default]
    Names,
}

/// A rename the user states: `old=new` for a table, `table.old=table.new` (or `table.old=new`)
/// for a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameHint {
    pub from: String,
    pub to: String,
}

impl RenameHint {
    /// Parses `old=new`.
    pub fn parse(text: &str) -> Option<Self> {
        let (from, to) = text.split_once('=')?;
        let (from, to) = (from.trim(), to.trim());
        (!from.is_empty() && !to.is_empty()).then(|| Self { from: from.to_string(), to: to.to_string() })
    }
}

/// Table B merged into table A (the same entity stored twice), as the user states it:
/// `b->a`, then options separated by spaces:
/// - `on=c1,c2`: the columns of A whose values match a row of B to a row of A (a unique key of
///   A); by default A's primary key;
/// - `wins=b`: on a match B's values replace A's; by default A's row is kept (`wins=a`);
/// - `x=y`: B's column `x` goes to A's column `y`; by default columns go to A's column of the
///   same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeHint {
    pub from: String,
    pub into: String,
    pub on: Vec<String>,
    pub from_wins: bool,
    pub columns: Vec<(String, String)>,
}

impl MergeHint {
    /// Parses `b->a [on=c1,c2] [wins=a|b] [x=y ...]`; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut words = text.split_whitespace();
        let head = words.next().unwrap_or("");
        let Some((from, into)) = head.split_once("->") else {
            return Err(format!("a merge is written b->a (table b merged into table a), not {text:?}"));
        };
        let (from, into) = (from.trim(), into.trim());
        if from.is_empty() || into.is_empty() {
            return Err(format!("a merge names two tables, b->a: {text:?}"));
        }
        let mut hint =
            MergeHint { from: from.into(), into: into.into(), on: vec![], from_wins: false, columns: vec![] };
        for word in words {
            let Some((k, v)) = word.split_once('=') else {
                return Err(format!("{word:?} in merge {head}: options are on=columns, wins=a|b or column=column"));
            };
            match k {
                "on" => hint.on = v.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
                "wins" if same_name(v, from) || v == "b" => hint.from_wins = true,
                "wins" if same_name(v, into) || v == "a" => hint.from_wins = false,
                "wins" => return Err(format!("wins={v} in merge {head}: the winner is {from} or {into}")),
                _ if !v.is_empty() && !k.is_empty() => hint.columns.push((k.to_string(), v.to_string())),
                _ => return Err(format!("{word:?} in merge {head}: a column goes to a column, x=y")),
            }
        }
        Ok(hint)
    }
}

/// A column moved to a related table (one that references its table, or that its table
/// references), as the user states it: `t.c->u.c`. Tables may carry their schema
/// (`app.t.c->app.u.c`); the last dot names the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveHint {
    pub from: String,
    pub column: String,
    pub to: String,
    pub to_column: String,
}

impl MoveHint {
    /// Parses `t.c->u.c`; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((from, to)) = text.trim().split_once("->") else {
            return Err(format!("a move is written t.c->u.c (column c of table t moved to table u), not {text:?}"));
        };
        let column = |side: &str| {
            side.trim()
                .rsplit_once('.')
                .map(|(t, c)| (t.trim().to_string(), c.trim().to_string()))
                .filter(|(t, c)| !t.is_empty() && !c.is_empty())
                .ok_or_else(|| format!("{side:?} in move {text:?}: each side names a table and a column, t.c"))
        };
        let ((from, column), (to, to_column)) = (column(from)?, column(to)?);
        Ok(MoveHint { from, column, to, to_column })
    }
}

#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub matching: Matching,
    pub renames: Vec<RenameHint>,
    pub merges: Vec<MergeHint>,
    pub moves: Vec<MoveHint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    CreateTable {
        table: String,
    },
    DropTable {
        table: String,
    },
    /// The rows of `from` (dropped) go into `into`: `columns` maps `from`'s columns onto
    /// `into`'s, `on` (columns of `into`) matches a row of `from` to a row of `into`, and on a
    /// match `from`'s values win when `from_wins`, else `into`'s row is kept as it is.
    MergeTable {
        from: String,
        into: String,
        on: Vec<String>,
        columns: Vec<(String, String)>,
        from_wins: bool,
    },
    RenameTable {
        from: String,
        to: String,
    },
    /// The values of `from.column` (dropped) go to `to.to_column` (added) along the foreign key
    /// between the two tables. It comes with the drop and the add, which plan as they would
    /// alone; the move's own recipe carries the values.
    MoveColumn {
        from: String,
        column: String,
        to: String,
        to_column: String,
    },
    AddColumn {
        table: String,
        column: String,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    ChangeType {
        table: String,
        column: String,
        from: DataType,
        to: DataType,
    },
    SetNotNull {
        table: String,
        column: String,
    },
    DropNotNull {
        table: String,
        column: String,
    },
    SetDefault {
        table: String,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// The column becomes (or stops being) a PostgreSQL identity column, or changes between
    /// ALWAYS and BY DEFAULT; a serial that becomes one loses its sequence and default with it.
    SetIdentity {
        table: String,
        column: String,
        from: Option<Identity>,
        to: Option<Identity>,
    },
    /// The comment of a table both sides have (`column` is `None`) or of a column both have.
    SetComment {
        table: String,
        column: Option<String>,
        from: Option<String>,
        to: Option<String>,
    },
    /// MySQL's `ON UPDATE` of a column both sides have.
    SetOnUpdate {
        table: String,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    AddPrimaryKey {
        table: String,
        key: Key,
    },
    DropPrimaryKey {
        table: String,
        key: Key,
    },
    AddUnique {
        table: String,
        key: Key,
    },
    DropUnique {
        table: String,
        key: Key,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    DropCheck {
        table: String,
        check: Check,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    CreateEnum {
        name: String,
    },
    AddEnumValue {
        name: String,
        value: String,
    },
    /// A label renamed in place: the rows holding it follow.
    RenameEnumValue {
        name: String,
        from: String,
        to: String,
    },
    /// Labels the target's type no longer has. Those listed in `replaced` as `[label, other]`
    /// hand their rows to another label; rows holding the rest must not exist.
    RemoveEnumValues {
        name: String,
        values: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        replaced: Vec<[String; 2]>,
    },
    CreateExtension {
        name: String,
    },
    /// The table's partitioning changes: partitioned by another key or method, or from
    /// inheritance children to declarative partitions (the table is rebuilt).
    ChangePartitioning {
        table: String,
    },
    CreateSequence {
        name: String,
    },
    DropSequence {
        name: String,
    },
    CreateDomain {
        name: String,
    },
    DropDomain {
        name: String,
    },
    /// The domain's base type, default, NOT NULL or checks differ.
    ChangeDomain {
        name: String,
    },
    /// A view (`name`, qualified) the target has and the base does not.
    CreateView {
        name: String,
    },
    DropView {
        name: String,
    },
    /// The same view with another query.
    ReplaceView {
        name: String,
    },
    /// `signature` is `ns.name(arg types)`.
    CreateRoutine {
        signature: String,
    },
    DropRoutine {
        signature: String,
    },
    ReplaceRoutine {
        signature: String,
    },
    CreateTrigger {
        table: String,
        name: String,
    },
    DropTrigger {
        table: String,
        name: String,
    },
    ReplaceTrigger {
        table: String,
        name: String,
    },
    CreatePolicy {
        table: String,
        name: String,
    },
    DropPolicy {
        table: String,
        name: String,
    },
    ReplacePolicy {
        table: String,
        name: String,
    },
}

impl Change {
    /// The table (as named in the target, or in the base for drops) the change touches.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateTable { table } | DropTable { table } => Some(table),
            MergeTable { into, .. } => Some(into),
            MoveColumn { to, .. } => Some(to),
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | ChangeType { table, .. }
            | SetNotNull { table, .. }
            | DropNotNull { table, .. }
            | SetDefault { table, .. }
            | SetIdentity { table, .. }
            | SetComment { table, .. }
            | SetOnUpdate { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | ChangePartitioning { table }
            | CreateTrigger { table, .. }
            | DropTrigger { table, .. }
            | ReplaceTrigger { table, .. }
            | CreatePolicy { table, .. }
            | DropPolicy { table, .. }
            | ReplacePolicy { table, .. } => Some(table),
            CreateEnum { .. }
            | AddEnumValue { .. }
            | RenameEnumValue { .. }
            | RemoveEnumValues { .. }
            | CreateExtension { .. }
            | CreateSequence { .. }
            | DropSequence { .. }
            | CreateDomain { .. }
            | DropDomain { .. }
            | ChangeDomain { .. }
            | CreateView { .. }
            | DropView { .. }
            | ReplaceView { .. }
            | CreateRoutine { .. }
            | DropRoutine { .. }
            | ReplaceRoutine { .. } => None,
        }
    }

    /// One line for a reader: "rename column orders.total -> amount".
    pub fn describe(&self) -> String {
        use Change::*;
        match self {
            CreateTable { table } => format!("create table {table}"),
            DropTable { table } => format!("drop table {table}"),
            MergeTable { from, into, on, from_wins, .. } => format!(
                "merge table {from} into {into} on {}, {} row kept on a match",
                if on.is_empty() { "(no key)".to_string() } else { on.join(", ") },
                if *from_wins { from } else { into }
            ),
            RenameTable { from, to } => format!("rename table {from} -> {to}"),
            MoveColumn { from, column, to, to_column } => format!("move column {from}.{column} -> {to}.{to_column}"),
            AddColumn { table, column } => format!("add column {table}.{column}"),
            DropColumn { table, column } => format!("drop column {table}.{column}"),
            RenameColumn { table, from, to } => format!("rename column {table}.{from} -> {to}"),
            ChangeType { table, column, from, to } => format!("change type of {table}.{column}: {from} -> {to}"),
            SetNotNull { table, column } => format!("set NOT NULL on {table}.{column}"),
            DropNotNull { table, column } => format!("drop NOT NULL on {table}.{column}"),
            SetDefault { table, column, to: Some(to), .. } => format!("set default of {table}.{column} to {to}"),
            SetDefault { table, column, .. } => format!("drop default of {table}.{column}"),
            SetIdentity { table, column, to, .. } => match to {
                Some(Identity::Always) => format!("make {table}.{column} GENERATED ALWAYS AS IDENTITY"),
                Some(_) => format!("make {table}.{column} GENERATED BY DEFAULT AS IDENTITY"),
                None => format!("drop the identity of {table}.{column}"),
            },
            SetComment { table, column, to, .. } => {
                let on = match column {
                    Some(c) => format!("{table}.{c}"),
                    None => format!("table {table}"),
                };
                match to {
                    Some(_) => format!("set the comment of {on}"),
                    None => format!("drop the comment of {on}"),
                }
            }
            SetOnUpdate { table, column, to: Some(to), .. } => format!("set ON UPDATE {to} on {table}.{column}"),
            SetOnUpdate { table, column, .. } => format!("drop ON UPDATE of {table}.{column}"),
            AddPrimaryKey { table, key } => format!("add primary key on {table} ({})", key.columns.join(", ")),
            DropPrimaryKey { table, .. } => format!("drop primary key on {table}"),
            AddUnique { table, key } => format!("add unique ({}) on {table}", key.columns.join(", ")),
            DropUnique { table, key } => format!("drop unique ({}) on {table}", key.columns.join(", ")),
            AddCheck { table, check } => format!("add check ({}) on {table}", check.expr),
            DropCheck { table, check } => format!("drop check ({}) on {table}", check.expr),
            AddForeignKey { table, foreign_key: fk } => {
                format!("add foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table)
            }
            DropForeignKey { table, foreign_key: fk } => {
                format!("drop foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table)
            }
            CreateIndex { table, index } => format!("create index {} on {table}", index.name.as_deref().unwrap_or("")),
            DropIndex { table, index } => format!("drop index {} on {table}", index.name.as_deref().unwrap_or("")),
            CreateEnum { name } => format!("create enum {name}"),
            AddEnumValue { name, value } => format!("add value '{value}' to enum {name}"),
            RenameEnumValue { name, from, to } => format!("rename value '{from}' of enum {name} to '{to}'"),
            RemoveEnumValues { name, values, replaced } => {
                let each: Vec<String> = values
                    .iter()
                    .map(|v| match replaced.iter().find(|r| &r[0] == v) {
                        Some(r) => format!("'{v}' (its rows become '{}')", r[1]),
                        None => format!("'{v}'"),
                    })
                    .collect();
                format!(
                    "remove {} {} from enum {name}",
                    if values.len() == 1 { "value" } else { "values" },
                    each.join(", ")
                )
            }
            CreateExtension { name } => format!("create extension {name}"),
            ChangePartitioning { table } => format!("change the partitioning of {table}"),
            CreateSequence { name } => format!("create sequence {name}"),
            DropSequence { name } => format!("drop sequence {name}"),
            CreateDomain { name } => format!("create domain {name}"),
            DropDomain { name } => format!("drop domain {name}"),
            ChangeDomain { name } => format!("change domain {name}"),
            CreateView { name } => format!("create view {name}"),
            DropView { name } => format!("drop view {name}"),
            ReplaceView { name } => format!("replace view {name}"),
            CreateRoutine { signature } => format!("create routine {signature}"),
            DropRoutine { signature } => format!("drop routine {signature}"),
            ReplaceRoutine { signature } => format!("replace routine {signature}"),
            CreateTrigger { table, name } => format!("create trigger {name} on {table}"),
            DropTrigger { table, name } => format!("drop trigger {name} on {table}"),
            ReplaceTrigger { table, name } => format!("replace trigger {name} on {table}"),
            CreatePolicy { table, name } => format!("create policy {name} on {table}"),
            DropPolicy { table, name } => format!("drop policy {name} on {table}"),
            ReplacePolicy { table, name } => format!("replace policy {name} on {table}"),
        }
    }
}

/// A likely rename the diff did not apply: the user confirms it with a hint.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RenameSuggestion {
    /// `None` for a table rename.
    pub table: Option<String>,
    pub from: String,
    pub to: String,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// The hint that applies it: `orders.total=amount`.
    pub hint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ChangeSet {
    pub changes: Vec<Change>,
    pub suggestions: Vec<RenameSuggestion>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

pub fn diff(base: &Schema, target: &Schema, options: &DiffOptions) -> ChangeSet {
    let mut out = ChangeSet::default();
    // Enums first: a new type must exist before a column uses it.
    for e in &target.enums {
        match base.enums.iter().find(|b| same_name(&b.name, &e.name) && b.namespace == e.namespace) {
            None => out.changes.push(Change::CreateEnum { name: qualified(&e.namespace, &e.name) }),
            Some(b) => enum_changes(b, e, &options.renames, &mut out.changes),
        }
    }
    let pairs = match_tables(base, target, options);
    let mut matched_base = vec![false; base.tables.len()];
    let mut matched_target = vec![false; target.tables.len()];
    for &(b, t) in &pairs {
        matched_base[b] = true;
        matched_target[t] = true;
    }
    for (i, table) in target.tables.iter().enumerate() {
        if !matched_target[i] {
            out.changes.push(Change::CreateTable { table: table.qualified_name() });
        }
    }
    let refs = Refs::new(base, target, &pairs, options);
    for &(b, t) in &pairs {
        diff_table(&base.tables[b], &target.tables[t], options, &refs, &mut out);
    }
    for (i, table) in base.tables.iter().enumerate() {
        if !matched_base[i] {
            out.changes.push(Change::DropTable { table: table.qualified_name() });
            if let Some(m) = merge_of(table, target, options) {
                out.changes.push(m);
            }
        }
    }
    if options.matching == Matching::Names {
        suggest_table_renames(base, target, &matched_base, &matched_target, &mut out);
    }
    moves_of(options, &mut out.changes);
    diff_objects(base, target, &refs, &mut out.changes);
    out
}

/// The moves the options state, each where the diff drops the column from one table and adds
/// it to the other (the recipe checks that a foreign key joins them).
fn moves_of(options: &DiffOptions, changes: &mut Vec<Change>) {
    let has = |f: &dyn Fn(&Change) -> bool| changes.iter().any(f);
    let named = |name: &str, hint: &str| {
        same_name(name, hint) || (!hint.contains('.') && same_name(split_qualified(name).1, hint))
    };
    let mut found = Vec::new();
    for h in &options.moves {
        let dropped = changes.iter().find_map(|c| match c {
            Change::DropColumn { table, column } if named(table, &h.from) && same_name(column, &h.column) => {
                Some((table.clone(), column.clone()))
            }
            _ => None,
        });
        let added = changes.iter().find_map(|c| match c {
            Change::AddColumn { table, column } if named(table, &h.to) && same_name(column, &h.to_column) => {
                Some((table.clone(), column.clone()))
            }
            _ => None,
        });
        if let (Some((from, column)), Some((to, to_column))) = (dropped, added) {
            if !has(
                &|c| matches!(c, Change::MoveColumn { from: f, column: c, .. } if same_name(f, &from) && same_name(c, &column)),
            ) {
                found.push(Change::MoveColumn { from, column, to, to_column });
            }
        }
    }
    changes.extend(found);
}

/// The merge the options state for a dropped base table, its columns mapped and its key chosen.
/// B's columns go to A's column of the same name unless the hint maps them; a column with no
/// place in A is left out (its values go with B). `on` defaults to A's primary key when B has
/// every one of its columns, else to A's first unique key B has.
fn merge_of(b: &Table, target: &Schema, options: &DiffOptions) -> Option<Change> {
    let hint = options
        .merges
        .iter()
        .find(|h| same_name(&h.from, &b.qualified_name()) || (!h.from.contains('.') && same_name(&h.from, &b.name)))?;
    Some(merge_change(b, target.find_table(&hint.into)?, hint))
}

/// The merge of `b` into `a` that `hint` states, its columns mapped and its key chosen (see
/// [`MergeHint`]).
pub fn merge_change(b: &Table, a: &Table, hint: &MergeHint) -> Change {
    let mut columns = Vec::new();
    for c in &b.columns {
        let to = hint.columns.iter().find(|(x, _)| same_name(x, &c.name)).map_or(c.name.as_str(), |(_, y)| y.as_str());
        if let Some(ac) = a.column(to) {
            columns.push((c.name.clone(), ac.name.clone()));
        }
    }
    let mapped = |cols: &[String]| cols.iter().all(|k| columns.iter().any(|(_, y)| same_name(y, k)));
    let on = if !hint.on.is_empty() {
        hint.on.iter().map(|c| a.column(c).map_or(c.clone(), |ac| ac.name.clone())).collect()
    } else {
        a.primary_key
            .iter()
            .chain(a.uniques.iter())
            .map(|k| k.columns.clone())
            .chain(
                a.indexes
                    .iter()
                    .filter(|ix| ix.unique && ix.predicate.is_none())
                    .filter_map(|ix| ix.parts.iter().map(|p| p.column().map(str::to_string)).collect()),
            )
            .find(|k| mapped(k))
            .unwrap_or_default()
    };
    Change::MergeTable { from: b.qualified_name(), into: a.qualified_name(), on, columns, from_wins: hint.from_wins }
}

/// Extensions, sequences, domains, views, routines, triggers and policies: matched by name
/// (triggers and policies by name and table, seen through table renames), compared by their
/// normalized text.
fn diff_objects(base: &Schema, target: &Schema, refs: &Refs, out: &mut Vec<Change>) {
    // Sequences that belong to a column (serial, OWNED BY) come and go with it.
    let seq_name = |s: &Sequence| qualified(&s.namespace, &s.name);
    // The sequence a `serial` column makes (or its `_seq1` when the name was taken): not named
    // in the DDL, made and dropped with the column.
    // Worked out once per schema: asked per sequence and per column, it was cubic on a dump
    // with a sequence per table.
    let (base_serials, target_serials) = (SerialSequences::of(base), SerialSequences::of(target));
    let belongs = |schema: &Schema, s: &Sequence| {
        if std::ptr::eq(schema, base) {
            base_serials.owns(s)
        } else {
            target_serials.owns(s)
        }
    };
    let standalone = |schema: &Schema, name: &str| {
        schema.sequences.iter().any(|s| same_name(&seq_name(s), name) && !belongs(schema, s))
    };
    for s in target.sequences.iter().filter(|s| !belongs(target, s)) {
        if !base.sequences.iter().any(|b| same_name(&seq_name(b), &seq_name(s))) {
            out.push(Change::CreateSequence { name: seq_name(s) });
        }
    }
    // A serial's sequence that goes because its column became an identity: that change drops it.
    let to_identity: Vec<(String, String)> = out
        .iter()
        .filter_map(|c| match c {
            Change::SetIdentity { table, column, from: Some(Identity::Serial), .. } => {
                Some((table.clone(), column.clone()))
            }
            _ => None,
        })
        .collect();
    let dropped_by_identity = |s: &Sequence| {
        s.owned_by.as_deref().and_then(|o| o.rsplit_once('.')).is_some_and(|(t, c)| {
            to_identity.iter().any(|(tt, cc)| {
                same_name(cc, c) && (same_name(tt, t) || same_name(split_qualified(tt).1, split_qualified(t).1))
            })
        })
    };
    for s in base.sequences.iter().filter(|s| !belongs(base, s) && !dropped_by_identity(s)) {
        if !standalone(target, &seq_name(s)) && !target.sequences.iter().any(|t| same_name(&seq_name(t), &seq_name(s)))
        {
            out.push(Change::DropSequence { name: seq_name(s) });
        }
    }
    for e in &target.extensions {
        if !base.extensions.iter().any(|b| same_name(&b.name, &e.name)) {
            out.insert(0, Change::CreateExtension { name: e.name.clone() });
        }
    }
    for d in &target.domains {
        let name = qualified(&d.namespace, &d.name);
        match base.find_domain(&name).filter(|b| b.namespace == d.namespace) {
            None => out.push(Change::CreateDomain { name }),
            Some(b) => {
                let same = b.data_type.kind == d.data_type.kind
                    && b.nullable == d.nullable
                    && b.default.as_deref().map(normalize_expr) == d.default.as_deref().map(normalize_expr)
                    && b.checks.len() == d.checks.len()
                    && b.checks.iter().zip(&d.checks).all(|(x, y)| normalize_expr(&x.expr) == normalize_expr(&y.expr));
                if !same {
                    out.push(Change::ChangeDomain { name });
                }
            }
        }
    }
    for d in &base.domains {
        let name = qualified(&d.namespace, &d.name);
        if target.find_domain(&name).filter(|t| t.namespace == d.namespace).is_none() {
            out.push(Change::DropDomain { name });
        }
    }
    for v in &target.views {
        let name = qualified(&v.namespace, &v.name);
        match base.find_view(&name) {
            None => out.push(Change::CreateView { name }),
            Some(b) => {
                if b.materialized != v.materialized
                    || normalize_definition(&b.definition) != normalize_definition(&v.definition)
                {
                    out.push(Change::ReplaceView { name });
                }
            }
        }
    }
    for v in &base.views {
        let name = qualified(&v.namespace, &v.name);
        if target.find_view(&name).is_none() {
            out.push(Change::DropView { name });
        }
    }
    let routine_key =
        |r: &Routine| (qualified(&r.namespace, &r.name).to_ascii_lowercase(), r.arguments.to_ascii_lowercase());
    for r in &target.routines {
        match base.routines.iter().find(|b| routine_key(b) == routine_key(r)) {
            None => out.push(Change::CreateRoutine { signature: r.signature() }),
            Some(b) if normalize_definition(&b.definition) != normalize_definition(&r.definition) => {
                out.push(Change::ReplaceRoutine { signature: r.signature() })
            }
            Some(_) => {}
        }
    }
    for r in &base.routines {
        if !target.routines.iter().any(|t| routine_key(t) == routine_key(r)) {
            out.push(Change::DropRoutine { signature: r.signature() });
        }
    }
    // Triggers and policies live on tables: a base one on a renamed table is the target one
    // of the same name on the new name.
    let on_target = |table: &str| refs.map(table, &[]).0;
    for t in &target.triggers {
        let found =
            base.triggers.iter().find(|b| same_name(&b.name, &t.name) && same_name(&on_target(&b.table), &t.table));
        match found {
            None => out.push(Change::CreateTrigger { table: t.table.clone(), name: t.name.clone() }),
            Some(b) if normalize_definition(&b.definition) != normalize_definition(&t.definition) => {
                out.push(Change::ReplaceTrigger { table: t.table.clone(), name: t.name.clone() })
            }
            Some(_) => {}
        }
    }
    for b in &base.triggers {
        if !target.triggers.iter().any(|t| same_name(&b.name, &t.name) && same_name(&on_target(&b.table), &t.table)) {
            out.push(Change::DropTrigger { table: b.table.clone(), name: b.name.clone() });
        }
    }
    for p in &target.policies {
        let found =
            base.policies.iter().find(|b| same_name(&b.name, &p.name) && same_name(&on_target(&b.table), &p.table));
        match found {
            None => out.push(Change::CreatePolicy { table: p.table.clone(), name: p.name.clone() }),
            Some(b) if normalize_definition(&b.definition) != normalize_definition(&p.definition) => {
                out.push(Change::ReplacePolicy { table: p.table.clone(), name: p.name.clone() })
            }
            Some(_) => {}
        }
    }
    for b in &base.policies {
        if !target.policies.iter().any(|p| same_name(&b.name, &p.name) && same_name(&on_target(&b.table), &p.table)) {
            out.push(Change::DropPolicy { table: b.table.clone(), name: b.name.clone() });
        }
    }
}

/// An object's text as compared across versions: comments out, whitespace collapsed, case
/// folded, `OR REPLACE` and the default namespace ignored.
pub fn normalize_definition(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for line in text.lines() {
        let line = match line.find("--") {
            // A `--` inside a string is rare in DDL; cutting it only risks a spurious change.
            Some(at) => &line[..at],
            None => line,
        };
        for c in line.chars() {
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            // Quotes around a name change nothing once case is folded (SQLite quotes the
            // names it rewrites in a trigger when a table is renamed).
            if c != '"' {
                out.extend(c.to_lowercase());
            }
        }
        space = true;
    }
    out.replace("create or replace ", "create ")
        .replace("public.", "")
        .replace(" ;", ";")
        .trim_end_matches(';')
        .to_string()
}

/// How names in the base map to the target, for references: a foreign key to a renamed table
/// (or a renamed column of it) is the same foreign key.
#[derive(Debug, Default)]
struct Refs {
    /// (base table, target table, [(base column, target column)]).
    tables: Vec<(String, String, ColumnRenames)>,
}

type ColumnRenames = Vec<(String, String)>;

impl Refs {
    fn new(base: &Schema, target: &Schema, pairs: &[(usize, usize)], options: &DiffOptions) -> Self {
        let tables = pairs
            .iter()
            .map(|&(b, t)| {
                let (bt, tt) = (&base.tables[b], &target.tables[t]);
                let columns = match_columns(bt, tt, options)
                    .into_iter()
                    .map(|(bc, tc)| (bt.columns[bc].name.clone(), tt.columns[tc].name.clone()))
                    .collect();
                (bt.qualified_name(), tt.qualified_name(), columns)
            })
            .collect();
        Self { tables }
    }

    fn map(&self, ref_table: &str, ref_columns: &[String]) -> (String, Vec<String>) {
        let short = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        let found = self
            .tables
            .iter()
            .find(|(b, _, _)| same_name(b, ref_table))
            .or_else(|| self.tables.iter().find(|(b, _, _)| same_name(&short(b), &short(ref_table))));
        match found {
            Some((_, to, columns)) => (
                to.clone(),
                ref_columns
                    .iter()
                    .map(|c| columns.iter().find(|(b, _)| same_name(b, c)).map_or(c.clone(), |(_, t)| t.clone()))
                    .collect(),
            ),
            None => (ref_table.to_string(), ref_columns.to_vec()),
        }
    }
}

fn qualified(namespace: &Option<String>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}.{name}"),
        None => name.to_string(),
    }
}

fn match_tables(base: &Schema, target: &Schema, options: &DiffOptions) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (t, table) in target.tables.iter().enumerate() {
        let found = match options.matching {
            Matching::Ids => base.tables.iter().position(|b| b.id == table.id),
            Matching::Names => {
                let renamed_from =
                    options.renames.iter().find(|h| !h.from.contains('.') || is_table_hint(h, base)).and_then(|h| {
                        (same_name(&h.to, &table.qualified_name()) || same_name(&h.to, &table.name))
                            .then_some(h.from.as_str())
                    });
                match renamed_from {
                    Some(from) => base
                        .tables
                        .iter()
                        .position(|b| same_name(&b.qualified_name(), from) || same_name(&b.name, from)),
                    None => base.tables.iter().position(|b| same_name(&b.qualified_name(), &table.qualified_name())),
                }
            }
        };
        if let Some(b) = found {
            if !pairs.iter().any(|&(pb, _)| pb == b) {
                pairs.push((b, t));
            }
        }
    }
    pairs
}

/// `a.b=c` is a table hint when `a.b` names a table (namespace-qualified), a column hint otherwise.
/// The label changes from `b` to `e` (the same type): labels added, renamed (a hint
/// `type.old=new` whose new label the base lacks) and removed (with the label a hint hands their
/// rows to, if any).
fn enum_changes(b: &EnumType, e: &EnumType, hints: &[RenameHint], out: &mut Vec<Change>) {
    let name = qualified(&e.namespace, &e.name);
    let prefixes = [format!("{name}."), format!("{}.", e.name)];
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut replaced: Vec<[String; 2]> = Vec::new();
    for hint in hints {
        let Some(from) = prefixes.iter().find_map(|p| hint.from.strip_prefix(p.as_str())) else { continue };
        let to = &hint.to;
        let (in_base, in_target) =
            (|l: &str| b.labels.iter().any(|x| x == l), |l: &str| e.labels.iter().any(|x| x == l));
        if !in_base(from) || in_target(from) || !in_target(to) || renamed.iter().any(|r| r.0 == from) {
            continue;
        }
        if !in_base(to) && !renamed.iter().any(|r| &r.1 == to) {
            renamed.push((from.to_string(), to.clone()));
        } else if !replaced.iter().any(|r| r[0] == from) {
            replaced.push([from.to_string(), to.clone()]);
        }
    }
    for label in e.labels.iter().filter(|l| !b.labels.contains(l) && !renamed.iter().any(|r| &r.1 == *l)) {
        out.push(Change::AddEnumValue { name: name.clone(), value: label.clone() });
    }
    for (from, to) in renamed.iter() {
        out.push(Change::RenameEnumValue { name: name.clone(), from: from.clone(), to: to.clone() });
    }
    let removed: Vec<String> =
        b.labels.iter().filter(|l| !e.labels.contains(l) && !renamed.iter().any(|r| &r.0 == *l)).cloned().collect();
    if !removed.is_empty() {
        out.push(Change::RemoveEnumValues { name, values: removed, replaced });
    }
}

/// `default` (`'from'` or `'from'::type`) with the label `from` renamed to `to`.
pub(crate) fn relabelled(default: &str, from: &str, to: &str) -> Option<String> {
    let literal = |l: &str| format!("'{}'", l.replace('\'', "''"));
    let rest = default.trim().strip_prefix(&literal(from))?;
    (rest.is_empty() || rest.starts_with("::")).then(|| format!("{}{rest}", literal(to)))
}

fn is_table_hint(hint: &RenameHint, base: &Schema) -> bool {
    base.find_table(&hint.from).is_some()
}

fn diff_table(base: &Table, target: &Table, options: &DiffOptions, refs: &Refs, out: &mut ChangeSet) {
    let table = target.qualified_name();
    if base.qualified_name() != table {
        out.changes.push(Change::RenameTable { from: base.qualified_name(), to: table.clone() });
    }
    if base.comment != target.comment {
        out.changes.push(Change::SetComment {
            table: table.clone(),
            column: None,
            from: base.comment.clone(),
            to: target.comment.clone(),
        });
    }
    let pairs = match_columns(base, target, options);
    // Drops of constraints come before the column changes they depend on; the planner orders
    // steps by stage and dependency, so here the order is only for readers.
    let key = |by: &Option<String>| by.as_deref().map(|b| b.to_ascii_lowercase().replace(char::is_whitespace, ""));
    if key(&base.partition_by) != key(&target.partition_by) {
        out.changes.push(Change::ChangePartitioning { table: table.clone() });
    }
    diff_constraints(base, target, &table, &pairs, refs, out);
    // A partition's columns are its partitioned table's: they change there, and it follows.
    if base.partition_of.is_some() && target.partition_of.is_some() {
        return;
    }
    for (t, column) in target.columns.iter().enumerate() {
        if !pairs.iter().any(|&(_, pt)| pt == t) {
            out.changes.push(Change::AddColumn { table: table.clone(), column: column.name.clone() });
        }
    }
    for &(b, t) in &pairs {
        let (old, new) = (&base.columns[b], &target.columns[t]);
        if !same_name(&old.name, &new.name) || old.name != new.name {
            out.changes.push(Change::RenameColumn {
                table: table.clone(),
                from: old.name.clone(),
                to: new.name.clone(),
            });
        }
        if old.data_type.kind != new.data_type.kind {
            out.changes.push(Change::ChangeType {
                table: table.clone(),
                column: new.name.clone(),
                from: old.data_type.clone(),
                to: new.data_type.clone(),
            });
        }
        if old.nullable && !new.nullable {
            out.changes.push(Change::SetNotNull { table: table.clone(), column: new.name.clone() });
        } else if !old.nullable && new.nullable {
            out.changes.push(Change::DropNotNull { table: table.clone(), column: new.name.clone() });
        }
        let (od, nd) = (old.default.as_ref().map(|d| d.expr.clone()), new.default.as_ref().map(|d| d.expr.clone()));
        // PostgreSQL's identity, taken on, off or changed; a serial that becomes one loses its
        // default with it (the identity's change drops it).
        let pg_identity = |i: Option<Identity>| matches!(i, Some(Identity::Always | Identity::ByDefault));
        let identity_change = old.identity != new.identity && (pg_identity(old.identity) || pg_identity(new.identity));
        if identity_change {
            out.changes.push(Change::SetIdentity {
                table: table.clone(),
                column: new.name.clone(),
                from: old.identity,
                to: new.identity,
            });
        }
        let serial_to_identity = identity_change && old.identity == Some(Identity::Serial) && new.default.is_none();
        // A serial column's sequence keeps the name it was made with when the table or the
        // column is renamed, so both sides are read against the base's names.
        // A default that names a label the plan renames follows the rename by itself.
        let follows_label = match (&od, &nd, &new.data_type.kind) {
            (Some(o), Some(n), crate::types::TypeKind::Named { name: ty }) => out.changes.iter().any(|c| {
                matches!(c, Change::RenameEnumValue { name, from, to }
                    if same_name(split_qualified(name).1, split_qualified(ty).1)
                        && relabelled(o, from, to).as_deref() == Some(n.trim()))
            }),
            _ => false,
        };
        if !serial_to_identity
            && !follows_label
            && effective_default(&base.name, &old.name, old) != effective_default(&base.name, &old.name, new)
        {
            out.changes.push(Change::SetDefault { table: table.clone(), column: new.name.clone(), from: od, to: nd });
        }
        // `CURRENT_TIMESTAMP` as written, `current_timestamp()` as MariaDB shows it.
        let on_update = |c: &Column| c.on_update.as_deref().map(normalize_expr);
        if on_update(old) != on_update(new) {
            out.changes.push(Change::SetOnUpdate {
                table: table.clone(),
                column: new.name.clone(),
                from: old.on_update.clone(),
                to: new.on_update.clone(),
            });
        }
        if old.comment != new.comment {
            out.changes.push(Change::SetComment {
                table: table.clone(),
                column: Some(new.name.clone()),
                from: old.comment.clone(),
                to: new.comment.clone(),
            });
        }
    }
    for (b, column) in base.columns.iter().enumerate() {
        if !pairs.iter().any(|&(pb, _)| pb == b) {
            out.changes.push(Change::DropColumn { table: table.clone(), column: column.name.clone() });
        }
    }
    if options.matching == Matching::Names {
        suggest_column_renames(base, target, &pairs, &table, out);
    }
}

/// Pairs (base column, target column) of one matched table.
fn match_columns(base: &Table, target: &Table, options: &DiffOptions) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (t, column) in target.columns.iter().enumerate() {
        let found = match options.matching {
            Matching::Ids => base.columns.iter().position(|c| c.id == column.id),
            Matching::Names => {
                let hinted = options.renames.iter().find_map(|h| column_hint(h, base, target, &column.name));
                match hinted {
                    Some(from) => base.columns.iter().position(|c| same_name(&c.name, &from)),
                    None => base.columns.iter().position(|c| same_name(&c.name, &column.name)),
                }
            }
        };
        if let Some(b) = found {
            pairs.push((b, t));
        }
    }
    pairs
}

/// The base column a hint renames to `new_name` in this table, if any.
fn column_hint(hint: &RenameHint, base: &Table, target: &Table, new_name: &str) -> Option<String> {
    let (from_table, from_column) = hint.from.rsplit_once('.')?;
    let to_column = hint.to.rsplit_once('.').map_or(hint.to.as_str(), |(_, c)| c);
    let table_ok = same_name(from_table, &base.name)
        || same_name(from_table, &base.qualified_name())
        || same_name(from_table, &target.name);
    (table_ok && same_name(to_column, new_name)).then(|| from_column.to_string())
}

/// Maps a base column name to its target name (after renames).
fn renamed(base: &Table, target: &Table, pairs: &[(usize, usize)], name: &str) -> String {
    base.columns
        .iter()
        .position(|c| same_name(&c.name, name))
        .and_then(|b| pairs.iter().find(|&&(pb, _)| pb == b))
        .map_or(name.to_string(), |&(_, t)| target.columns[t].name.clone())
}

fn diff_constraints(
    base: &Table,
    target: &Table,
    table: &str,
    pairs: &[(usize, usize)],
    refs: &Refs,
    out: &mut ChangeSet,
) {
    let map = |names: &[String]| -> Vec<String> { names.iter().map(|n| renamed(base, target, pairs, n)).collect() };
    let same_cols = |a: &[String], b: &[String]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_name(x, y));
    // Primary key.
    match (&base.primary_key, &target.primary_key) {
        (Some(b), Some(t)) if same_cols(&map(&b.columns), &t.columns) => {}
        (b, t) => {
            if let Some(b) = b {
                out.changes.push(Change::DropPrimaryKey { table: table.to_string(), key: b.clone() });
            }
            if let Some(t) = t {
                out.changes.push(Change::AddPrimaryKey { table: table.to_string(), key: t.clone() });
            }
        }
    }
    for key in &base.uniques {
        if !target.uniques.iter().any(|t| same_cols(&map(&key.columns), &t.columns)) {
            out.changes.push(Change::DropUnique { table: table.to_string(), key: key.clone() });
        }
    }
    for key in &target.uniques {
        if !base.uniques.iter().any(|b| same_cols(&map(&b.columns), &key.columns)) {
            out.changes.push(Change::AddUnique { table: table.to_string(), key: key.clone() });
        }
    }
    let norm = normalize_expr;
    for check in &base.checks {
        if !target.checks.iter().any(|t| norm(&t.expr) == norm(&check.expr)) {
            out.changes.push(Change::DropCheck { table: table.to_string(), check: check.clone() });
        }
    }
    for check in &target.checks {
        if !base.checks.iter().any(|b| norm(&b.expr) == norm(&check.expr)) {
            out.changes.push(Change::AddCheck { table: table.to_string(), check: check.clone() });
        }
    }
    let fk_same = |b: &ForeignKey, t: &ForeignKey| {
        // The base reference, seen through the renames of the table and columns it points at.
        let (ref_table, ref_columns) = refs.map(&b.ref_table, &b.ref_columns);
        same_cols(&map(&b.columns), &t.columns)
            && same_name(ref_table.rsplit('.').next().unwrap_or(""), t.ref_table.rsplit('.').next().unwrap_or(""))
            && (ref_columns.is_empty() || t.ref_columns.is_empty() || same_cols(&ref_columns, &t.ref_columns))
            && b.on_delete == t.on_delete
            && b.on_update == t.on_update
    };
    for fk in &base.foreign_keys {
        if !target.foreign_keys.iter().any(|t| fk_same(fk, t)) {
            out.changes.push(Change::DropForeignKey { table: table.to_string(), foreign_key: fk.clone() });
        }
    }
    for fk in &target.foreign_keys {
        if !base.foreign_keys.iter().any(|b| fk_same(b, fk)) {
            out.changes.push(Change::AddForeignKey { table: table.to_string(), foreign_key: fk.clone() });
        }
    }
    let index_same = |b: &Index, t: &Index| {
        b.unique == t.unique
            && b.method == t.method
            && b.predicate == t.predicate
            && b.parts.len() == t.parts.len()
            && b.parts.iter().zip(&t.parts).all(|(x, y)| match (x, y) {
                (IndexPart::Column { name: a, descending: da }, IndexPart::Column { name: c, descending: dc }) => {
                    da == dc && same_name(&renamed(base, target, pairs, a), c)
                }
                (IndexPart::Expression { sql: a }, IndexPart::Expression { sql: c }) => a == c,
                _ => false,
            })
    };
    // An index is matched by its name first (the same name with another definition is a new
    // index), then, when the other side has no index of that name, by its definition.
    let same_named = |a: &Index, others: &[Index]| -> Option<usize> {
        let name = a.name.as_deref()?;
        others.iter().position(|o| o.name.as_deref().is_some_and(|n| same_name(n, name)))
    };
    let matched_base: Vec<bool> = base
        .indexes
        .iter()
        .map(|index| match same_named(index, &target.indexes) {
            Some(t) => index_same(index, &target.indexes[t]),
            None => target.indexes.iter().any(|t| same_named(t, &base.indexes).is_none() && index_same(index, t)),
        })
        .collect();
    for (index, matched) in base.indexes.iter().zip(matched_base) {
        if !matched {
            out.changes.push(Change::DropIndex { table: table.to_string(), index: index.clone() });
        }
    }
    for index in &target.indexes {
        let matched = match same_named(index, &base.indexes) {
            Some(b) => index_same(&base.indexes[b], index),
            None => base.indexes.iter().any(|b| same_named(b, &target.indexes).is_none() && index_same(b, index)),
        };
        if !matched {
            out.changes.push(Change::CreateIndex { table: table.to_string(), index: index.clone() });
        }
    }
}

/// A column's default as compared: `serial`, and a `nextval` of the sequence a serial column
/// of table `table` named `name` makes (`t_c_seq`, or `t_c_seq1` when that name was taken), are
/// the same default.
fn effective_default(table: &str, name: &str, column: &Column) -> Option<String> {
    let implicit = format!("{table}_{name}_seq").to_ascii_lowercase();
    match &column.default {
        // `DEFAULT NULL` on a column that allows NULL is no default at all.
        Some(d) if column.nullable && is_null_literal(&d.expr) => None,
        Some(d) => {
            let norm = normalize_expr(&d.expr);
            // A number quoted or not is the same default on a numeric column (`DEFAULT '1'`
            // and `DEFAULT 1` on MySQL's tinyint(1) or boolean).
            let unquoted = norm.trim_matches('\'');
            let norm = if column.data_type.kind.is_number_or_flag()
                && unquoted.len() + 2 == norm.len()
                && unquoted.parse::<f64>().is_ok()
            {
                unquoted.to_string()
            } else {
                norm
            };
            match norm.strip_prefix("nextval") {
                Some(rest) => {
                    let seq = rest.trim_matches(|c: char| c == '\'' || c == '"');
                    let seq = seq.rsplit('.').next().unwrap_or(seq).trim_matches(|c: char| c == '\'' || c == '"');
                    if is_implicit_sequence(seq, &implicit) {
                        Some("serial".to_string())
                    } else {
                        Some(format!("nextval:{seq}"))
                    }
                }
                None => Some(norm),
            }
        }
        None if column.identity == Some(Identity::Serial) => Some("serial".to_string()),
        None => None,
    }
}

/// `NULL`, or `NULL::type` as pg_dump casts it.
fn is_null_literal(expr: &str) -> bool {
    let e = expr.trim().to_ascii_lowercase();
    e == "null" || e.starts_with("null::") || (e.starts_with("cast(null as") && e.ends_with(')'))
}

/// The sequences a schema's `serial` columns make: `table_column_seq` (named in no statement of
/// the DDL, so it belongs to the column when the column has no explicit default), or that name
/// followed by digits when it was taken.
struct SerialSequences {
    /// Implicit names of serial columns without an explicit default.
    bare: Vec<String>,
    /// Implicit names of every serial column.
    any: Vec<String>,
}

impl SerialSequences {
    fn of(schema: &Schema) -> Self {
        let mut out = SerialSequences { bare: Vec::new(), any: Vec::new() };
        for t in &schema.tables {
            for c in t.columns.iter().filter(|c| c.identity == Some(Identity::Serial)) {
                let implicit = format!("{}_{}_seq", t.name, c.name).to_ascii_lowercase();
                if c.default.is_none() {
                    out.bare.push(implicit.clone());
                }
                out.any.push(implicit);
            }
        }
        out
    }

    fn owns(&self, s: &Sequence) -> bool {
        let name = s.name.to_ascii_lowercase();
        let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
        let has = |names: &[String], n: &str| names.iter().any(|x| x == n);
        has(&self.bare, &name) || (stem.len() < name.len() && has(&self.any, stem))
    }
}

/// `t_c_seq`, `t_c_seq1`, ...: the name PostgreSQL gives a serial column's sequence.
fn is_implicit_sequence(name: &str, implicit: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.strip_prefix(implicit).is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
}

/// An expression as the server may print it back: `'new'::text` and `'new'`, or
/// `((total >= (0)::numeric))` and `total >= 0`, compare equal.
pub fn normalize_expr(expr: &str) -> String {
    crate::render::strip_casts(expr)
        .to_ascii_lowercase()
        .replace(|c: char| c.is_whitespace() || c == '(' || c == ')', "")
        .replace("public.", "")
}

/// Similarity of two names, 0.0 to 1.0: shared prefix and suffix, and shared words.
fn name_similarity(a: &str, b: &str) -> f32 {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let suffix = a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).count();
    let longest = a.chars().count().max(b.chars().count()).max(1);
    let edge = ((prefix + suffix).min(longest)) as f32 / longest as f32;
    let words = |s: &str| s.split('_').map(str::to_string).collect::<Vec<_>>();
    let (wa, wb) = (words(&a), words(&b));
    let shared = wa.iter().filter(|w| wb.contains(w)).count();
    let word = shared as f32 / wa.len().max(wb.len()).max(1) as f32;
    edge.max(word)
}

fn suggest_column_renames(base: &Table, target: &Table, pairs: &[(usize, usize)], table: &str, out: &mut ChangeSet) {
    let dropped: Vec<usize> = (0..base.columns.len()).filter(|b| !pairs.iter().any(|&(pb, _)| pb == *b)).collect();
    let added: Vec<usize> = (0..target.columns.len()).filter(|t| !pairs.iter().any(|&(_, pt)| pt == *t)).collect();
    for &b in &dropped {
        let old = &base.columns[b];
        let best = added
            .iter()
            .map(|&t| {
                let new = &target.columns[t];
                let mut score = 0.35 * name_similarity(&old.name, &new.name);
                if old.data_type.kind == new.data_type.kind {
                    score += 0.35;
                }
                if old.nullable == new.nullable {
                    score += 0.1;
                }
                if b == t {
                    score += 0.2; // same position
                }
                (t, score)
            })
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((t, confidence)) = best.filter(|(_, s)| *s >= 0.5) {
            let to = &target.columns[t].name;
            out.suggestions.push(RenameSuggestion {
                table: Some(table.to_string()),
                from: old.name.clone(),
                to: to.clone(),
                confidence: (confidence * 100.0).round() / 100.0,
                hint: format!("{table}.{}={to}", old.name),
            });
        }
    }
}

fn suggest_table_renames(
    base: &Schema,
    target: &Schema,
    matched_base: &[bool],
    matched_target: &[bool],
    out: &mut ChangeSet,
) {
    for (_, old) in base.tables.iter().enumerate().filter(|(i, _)| !matched_base[*i]) {
        let best = target
            .tables
            .iter()
            .enumerate()
            .filter(|(i, _)| !matched_target[*i])
            .map(|(_, new)| {
                let shared = old.columns.iter().filter(|c| new.column(&c.name).is_some()).count();
                let overlap = shared as f32 / old.columns.len().max(new.columns.len()).max(1) as f32;
                (new, 0.7 * overlap + 0.3 * name_similarity(&old.name, &new.name))
            })
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((new, confidence)) = best.filter(|(_, s)| *s >= 0.6) {
            out.suggestions.push(RenameSuggestion {
                table: None,
                from: old.qualified_name(),
                to: new.qualified_name(),
                confidence: (confidence * 100.0).round() / 100.0,
                hint: format!("{}={}", old.qualified_name(), new.qualified_name()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{import, Dialect};

    fn schemas(a: &str, b: &str) -> (Schema, Schema) {
        (import(a, Some(Dialect::Postgres)).schema, import(b, Some(Dialect::Postgres)).schema)
    }

    #[test]
    fn identical_schemas_have_no_changes() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b text NOT NULL); CREATE INDEX ON a (b);";
        let (a, b) = schemas(sql, sql);
        assert_eq!(diff(&a, &b, &DiffOptions::default()), ChangeSet::default());
    }

    #[test]
    fn by_name_a_rename_is_suggested_not_applied_and_a_hint_applies_it() {
        let (a, b) = schemas(
            "CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL);",
            "CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2) NOT NULL);",
        );
        let plain = diff(&a, &b, &DiffOptions::default());
        assert_eq!(
            plain.changes,
            [
                Change::AddColumn { table: "orders".into(), column: "amount".into() },
                Change::DropColumn { table: "orders".into(), column: "total".into() }
            ]
        );
        assert_eq!(plain.suggestions.len(), 1);
        assert_eq!(plain.suggestions[0].hint, "orders.total=amount");
        assert!(plain.suggestions[0].confidence >= 0.6, "{:?}", plain.suggestions);
        let hinted = diff(
            &a,
            &b,
            &DiffOptions { renames: vec![RenameHint::parse("orders.total=amount").unwrap()], ..Default::default() },
        );
        assert_eq!(
            hinted.changes,
            [Change::RenameColumn { table: "orders".into(), from: "total".into(), to: "amount".into() }]
        );
    }

    #[test]
    fn by_id_renames_are_known() {
        let (a, mut b) = schemas("CREATE TABLE t (id int, x int);", "CREATE TABLE t (id int, x int);");
        b.tables[0].name = "u".into();
        b.tables[0].columns[1].name = "y".into();
        let changes =
            diff(&a, &b, &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] })
                .changes;
        assert_eq!(
            changes,
            [
                Change::RenameTable { from: "t".into(), to: "u".into() },
                Change::RenameColumn { table: "u".into(), from: "x".into(), to: "y".into() }
            ]
        );
    }

    #[test]
    fn constraints_types_and_nullability_are_compared() {
        let (a, b) = schemas(
            "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int, p_id int, code varchar(10), note text NOT NULL);",
            "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int, p_id int REFERENCES p(id), code varchar(20), note text, CHECK (id > 0), UNIQUE (code));",
        );
        let described: Vec<String> =
            diff(&a, &b, &DiffOptions::default()).changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            [
                "add unique (code) on c",
                "add check (id > 0) on c",
                "add foreign key c(p_id) -> p",
                "change type of c.code: VARCHAR(10) -> VARCHAR(20)",
                "drop NOT NULL on c.note"
            ]
        );
    }

    #[test]
    fn a_serial_column_keeps_its_sequence_when_its_table_or_itself_is_renamed() {
        // Seen on Sakila: renaming `staff` planned a spurious "set default" to the very same
        // nextval, because the target's implicit sequence name was read from the new name.
        let base = crate::import(
            "CREATE SEQUENCE staff_staff_id_seq;\n\
             CREATE TABLE staff (staff_id integer DEFAULT nextval('staff_staff_id_seq'::regclass) NOT NULL, n int);\n\
             CREATE TABLE shop (id serial PRIMARY KEY);",
            Some(crate::Dialect::Postgres),
        )
        .schema;
        let staff = base.find_table("staff").expect("staff");
        let shop = base.find_table("shop").expect("shop");
        let edits = [
            crate::edit::Edit::RenameTable { table: staff.id, to: "employee".into() },
            crate::edit::Edit::RenameColumn { table: staff.id, column: staff.columns[0].id, to: "employee_id".into() },
            crate::edit::Edit::RenameTable { table: shop.id, to: "store".into() },
        ];
        let (target, skipped) = crate::edit::apply(&base, &edits);
        assert!(skipped.is_empty(), "{skipped:?}");
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] },
        );
        let described: Vec<String> = changes.changes.iter().map(Change::describe).collect();
        assert!(!described.iter().any(|d| d.contains("default")), "{described:?}");
        assert_eq!(described.len(), 3, "{described:?}");
        // A target that names another sequence is still a change.
        let other = crate::import(
            "CREATE SEQUENCE staff_staff_id_seq;\n\
             CREATE TABLE staff (staff_id integer DEFAULT nextval('other_seq'::regclass) NOT NULL, n int);\n\
             CREATE TABLE shop (id serial PRIMARY KEY);",
            Some(crate::Dialect::Postgres),
        )
        .schema;
        assert_eq!(diff(&base, &other, &DiffOptions::default()).changes.len(), 1);
    }

    #[test]
    fn spellings_that_mean_the_same_default_are_no_change() {
        let a = import(
            "CREATE TABLE users (id int(11) NOT NULL, created datetime DEFAULT NULL, active tinyint(1) NOT NULL DEFAULT '1', PRIMARY KEY (id));",
            Some(Dialect::MySql),
        )
        .schema;
        let b = import(
            "CREATE TABLE users (id int NOT NULL, created datetime, active boolean NOT NULL DEFAULT 1, PRIMARY KEY (id));",
            Some(Dialect::MySql),
        )
        .schema;
        assert_eq!(diff(&a, &b, &DiffOptions::default()), ChangeSet::default());
        // A NOT NULL column's DEFAULT NULL and a text column's '1' still count.
        let c = import("CREATE TABLE t (id int PRIMARY KEY, code text DEFAULT '1');", Some(Dialect::Postgres)).schema;
        let d = import("CREATE TABLE t (id int PRIMARY KEY, code text DEFAULT 1);", Some(Dialect::Postgres)).schema;
        assert_eq!(diff(&c, &d, &DiffOptions::default()).changes.len(), 1);
    }

    #[test]
    fn mysql_character_sets_and_display_widths_spelled_two_ways_are_no_change() {
        let a = import(
            "CREATE TABLE t (id int(11) NOT NULL, n int(10) unsigned, b varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
            Some(Dialect::MySql),
        );
        let b = import(
            "CREATE TABLE t (id int NOT NULL, n int unsigned, b varchar(10) CHARSET utf8mb4 COLLATE utf8mb4_general_ci, PRIMARY KEY (id));",
            Some(Dialect::MySql),
        );
        assert!(b.diagnostics.iter().all(|d| d.severity != crate::Severity::Error), "{:?}", b.diagnostics);
        assert_eq!(diff(&a.schema, &b.schema, &DiffOptions::default()), ChangeSet::default());
    }
}
