//! Applies parsed statements to the model. Everything sqlparser-shaped is translated here.

use super::{statement_kind, Chunk, ImportStats};
use crate::model::*;
use crate::types::DataType;
use crate::{Diagnostic, Dialect, Severity, Span};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, CommentObject, CreateIndex, CreateTable,
    CreateTableLikeKind, Expr, GeneratedAs, GeneratedExpressionMode, Ident, IndexColumn, ObjectName, ObjectNamePart,
    Query, ReferentialAction, RenameTableNameKind, SelectItem, SequenceOptions, SetExpr, SqliteTableOption, Statement,
    TableConstraint, TableFactor, TableWithJoins, UserDefinedTypeRepresentation,
};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;

pub(super) struct Builder {
    pub dialect: Dialect,
    pub schema: Schema,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: ImportStats,
    /// The first schema of `SET search_path` (PostgreSQL): where unqualified names live.
    pub search_path: Option<String>,
    /// The whole `search_path` as written (`musicbrainz, public`), when it is not the default:
    /// objects kept as text are created again under it.
    pub search_path_text: Option<String>,
    /// Lower-cased qualified name -> position in `schema.tables`, so lookups stay O(1) on
    /// dumps with thousands of tables.
    by_name: HashMap<String, usize>,
    next_table: u32,
    next_column: u32,
}

/// Functions whose value differs per row: a default calling one makes PostgreSQL rewrite the
/// table when the column is added.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "nextval(",
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v1(",
    "uuid_generate_v1mc(",
    "uuid_generate_v4(",
    "uuidv4(",
    "uuidv7(",
    "clock_timestamp(",
    "timeofday(",
    "txid_current(",
    "uuid(",
];

pub fn is_volatile(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase().replace(' ', "");
    VOLATILE_FUNCTIONS.iter().any(|f| lower.contains(f))
}

impl Builder {
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            schema: Schema { dialect: Some(dialect), ..Schema::default() },
            diagnostics: Vec::new(),
            stats: ImportStats::default(),
            search_path: None,
            search_path_text: None,
            by_name: HashMap::new(),
            next_table: 0,
            next_column: 0,
        }
    }

    fn info(&mut self, code: &'static str, at: Span, message: String) {
        self.diagnostics.push(Diagnostic::new(code, Severity::Info, at, message));
    }

    fn warn(&mut self, code: &'static str, at: Span, message: String) {
        self.diagnostics.push(Diagnostic::new(code, Severity::Warning, at, message));
    }

    /// Applies a parsed statement; returns false when it was skipped (and reported).
    pub fn apply(&mut self, statement: Statement, chunk: &Chunk<'_>) -> bool {
        let at = chunk.start;
        match statement {
            Statement::CreateTable(create) => return self.create_table(create, at),
            Statement::AlterTable(alter) => {
                let target = self.qualify(&alter.name);
                for op in alter.operations {
                    self.alter_table(&target, op, at);
                }
            }
            // MySQL's `RENAME TABLE a TO b, c TO d`.
            Statement::RenameTable(renames) => {
                for r in renames {
                    let old = self.resolve_table(&self.qualify(&r.old_name));
                    let Some(i) = self.lookup(&old) else { continue };
                    let (_, name) = self.split_name(&r.new_name);
                    self.schema.tables[i].name = name;
                    self.reindex();
                }
            }
            Statement::CreateIndex(index) => self.create_index(index, at),
            Statement::CreateType { name, representation: Some(UserDefinedTypeRepresentation::Enum { labels }) } => {
                let (namespace, name) = self.split_name(&name);
                let labels = labels.into_iter().map(|l| l.value).collect();
                self.schema.enums.push(EnumType { namespace, name, labels, span: at });
            }
            Statement::CreateView(view) => {
                let (namespace, name) = self.split_name(&view.name);
                let mut reads = Vec::new();
                let mut columns_read = Vec::new();
                collect_query(&view.query, &mut reads, &mut columns_read);
                reads.iter_mut().for_each(|r| *r = self.normalize_qualified(r));
                reads.dedup();
                self.put_view(View {
                    namespace,
                    name,
                    materialized: view.materialized,
                    definition: view.query.to_string(),
                    reads,
                    columns_read,
                    search_path: self.search_path_text.clone(),
                    span: at,
                });
            }
            Statement::CreateSequence { name, sequence_options, .. } => {
                let (namespace, name) = self.split_name(&name);
                let owned_by = sequence_options.iter().find_map(|o| match o {
                    SequenceOptions::OwnedBy(Some(owner)) => Some(self.normalize_column_ref(&object_name(owner))),
                    _ => None,
                });
                self.schema.sequences.push(Sequence { namespace, name, owned_by, span: at });
            }
            Statement::CreateSchema { schema_name, .. } => {
                let name = schema_name.to_string();
                if !self.is_default_namespace(&name) {
                    self.schema.namespaces.push(name);
                }
            }
            Statement::Comment { object_type, object_name, comment, .. } => {
                return self.comment(object_type, &object_name, comment, at);
            }
            Statement::Drop { object_type: sqlparser::ast::ObjectType::Table, names, .. } => {
                for name in names {
                    let qualified = self.qualify(&name);
                    let (ns, n) = split_qualified(&qualified);
                    let (ns, n) = (ns.map(str::to_string), n.to_string());
                    self.schema.tables.retain(|t| {
                        !(same_name(&t.name, &n) && t.namespace.as_deref().map(str::to_ascii_lowercase) == ns)
                    });
                    self.reindex();
                }
            }
            other => {
                let _ = other;
                let kind = statement_kind(chunk.text);
                self.info("skipped-statement", at, format!("skipped {kind}: it does not shape the tables"));
                return false;
            }
        }
        true
    }

    /// Applies an object read by its words ([`super::objects`]); false when it was skipped.
    pub fn apply_object(&mut self, object: super::objects::Object, chunk: &Chunk<'_>) -> bool {
        use super::objects::{Dropped, Object};
        let at = chunk.start;
        let definition = chunk.text.trim().trim_end_matches(';').trim_end().to_string();
        let search_path = self.search_path_text.clone();
        match object {
            Object::Routine { name, kind, arguments } => {
                let (namespace, name) = self.split_qualified_name(&name);
                self.schema
                    .routines
                    .retain(|r| !(same_name(&r.name, &name) && r.namespace == namespace && r.arguments == arguments));
                self.schema.routines.push(Routine {
                    namespace,
                    name,
                    kind,
                    arguments,
                    definition,
                    search_path,
                    span: at,
                });
            }
            Object::Trigger { name, table, function, columns } => {
                let table = self.resolve_table(&self.normalize_qualified(&table));
                self.schema.triggers.retain(|t| !(same_name(&t.name, &name) && same_name(&t.table, &table)));
                self.schema.triggers.push(Trigger {
                    name,
                    table,
                    function,
                    columns,
                    definition,
                    search_path,
                    span: at,
                });
            }
            Object::Policy { kind, name, table } => {
                let table = self.resolve_table(&self.normalize_qualified(&table));
                self.schema.policies.retain(|p| !(same_name(&p.name, &name) && same_name(&p.table, &table)));
                self.schema.policies.push(Policy { kind, name, table, definition, search_path, span: at });
            }
            Object::Domain { name, data_type, nullable, default, checks } => {
                let (namespace, name) = self.split_qualified_name(&name);
                let checks = checks.into_iter().map(|(name, expr)| Check { name, expr }).collect();
                self.schema.domains.push(Domain {
                    namespace,
                    name,
                    data_type,
                    nullable,
                    default,
                    checks,
                    definition,
                    span: at,
                });
            }
            Object::Extension { name, schema } => {
                if self.dialect != Dialect::Postgres {
                    return false;
                }
                // `WITH SCHEMA` is kept as written (public too: a loader's search path may
                // start elsewhere); otherwise the schema the search path put it in.
                let schema = schema.or_else(|| self.search_path.clone().filter(|s| !self.is_default_namespace(s)));
                if !self.schema.extensions.iter().any(|e| same_name(&e.name, &name)) && !same_name(&name, "plpgsql") {
                    self.schema.extensions.push(Extension { name, schema });
                }
            }
            Object::Other { kind, name } => {
                if self.dialect != Dialect::Postgres {
                    return false;
                }
                let name = if name.is_empty() { name } else { self.normalize_qualified(&name) };
                // A second CREATE of the same object replaces the first; an ALTER follows it.
                let alters = chunk.text.trim_start().get(..5).is_some_and(|w| w.eq_ignore_ascii_case("alter"));
                if !name.is_empty() && !alters {
                    self.schema.others.retain(|o| !(o.kind == kind && same_name(&o.name, &name)));
                }
                self.schema.others.push(OtherObject { kind, name, definition, search_path, span: at });
            }
            Object::Drop { what, names, table } => {
                let table = table.map(|t| self.resolve_table(&self.normalize_qualified(&t)));
                for name in names {
                    let (namespace, name) = self.split_qualified_name(&name);
                    let named = |n: &str, ns: &Option<String>| same_name(n, &name) && *ns == namespace;
                    let on = |t: &str| table.as_deref().is_none_or(|x| same_name(x, t));
                    match what {
                        Dropped::Routine => self.schema.routines.retain(|r| !named(&r.name, &r.namespace)),
                        Dropped::Trigger => {
                            self.schema.triggers.retain(|t| !(same_name(&t.name, &name) && on(&t.table)))
                        }
                        Dropped::Policy => {
                            self.schema.policies.retain(|p| !(same_name(&p.name, &name) && on(&p.table)))
                        }
                        Dropped::View => self.schema.views.retain(|v| !named(&v.name, &v.namespace)),
                        Dropped::Domain => self.schema.domains.retain(|d| !named(&d.name, &d.namespace)),
                    }
                }
            }
        }
        true
    }

    /// `ns.name` or `name` (under the search path) -> (namespace, name), default namespace dropped.
    fn split_qualified_name(&self, name: &str) -> (Option<String>, String) {
        let qualified = self.normalize_qualified(name);
        let (ns, n) = split_qualified(&qualified);
        (ns.map(str::to_string), n.to_string())
    }

    // ---- names ---------------------------------------------------------------------------

    fn is_default_namespace(&self, ns: &str) -> bool {
        self.dialect == Dialect::Postgres && same_name(ns, "public")
            || self.dialect == Dialect::Sqlite && same_name(ns, "main")
    }

    /// (namespace, name) with the default namespace dropped.
    pub fn split_name(&self, name: &ObjectName) -> (Option<String>, String) {
        let mut parts: Vec<String> = name.0.iter().map(part_value).collect();
        let last = parts.pop().unwrap_or_default();
        let namespace = if parts.is_empty() { self.search_path.clone() } else { Some(parts.join(".")) };
        (namespace.filter(|ns| !self.is_default_namespace(ns)), last)
    }

    fn qualify(&self, name: &ObjectName) -> String {
        match self.split_name(name) {
            (Some(ns), n) => format!("{ns}.{n}"),
            (None, n) => n,
        }
    }

    pub fn normalize_qualified(&self, qualified: &str) -> String {
        match split_qualified(qualified) {
            (Some(ns), n) if !self.is_default_namespace(ns) => format!("{ns}.{n}"),
            (Some(_), n) => n.to_string(),
            (None, n) => match &self.search_path {
                Some(ns) => format!("{ns}.{n}"),
                None => n.to_string(),
            },
        }
    }

    /// `[ns.]table.column` with the table part normalized.
    fn normalize_column_ref(&self, reference: &str) -> String {
        match reference.rsplit_once('.') {
            Some((table, column)) => format!("{}.{column}", self.normalize_qualified(table)),
            None => reference.to_string(),
        }
    }

    fn new_table_id(&mut self) -> TableId {
        self.next_table += 1;
        TableId(self.next_table - 1)
    }

    fn new_column_id(&mut self) -> ColumnId {
        self.next_column += 1;
        ColumnId(self.next_column - 1)
    }

    // ---- CREATE TABLE ---------------------------------------------------------------------

    fn create_table(&mut self, create: CreateTable, at: Span) -> bool {
        let (namespace, name) = self.split_name(&create.name);
        let qualified = self.qualify(&create.name);
        if create.temporary {
            self.info(
                "skipped-statement",
                at,
                format!("skipped temporary table `{name}`: it lives only for a session"),
            );
            return false;
        }
        if create.if_not_exists && self.lookup(&qualified).is_some() {
            return true;
        }
        let id = self.new_table_id();
        let mut table = Table {
            comment: create
                .comment
                .as_ref()
                .map(comment_text)
                .or_else(|| table_option_comment(&create.table_options))
                .filter(|c| !c.is_empty()),
            partition_of: create.partition_of.as_ref().map(|p| self.qualify(p)),
            partition_bound: create.for_values.as_ref().map(|v| v.to_string()),
            partition_by: create.partition_by.as_ref().map(|p| p.to_string()),
            inherits: create.inherits.iter().flatten().map(|p| self.qualify(p)).collect(),
            without_rowid: create.sqlite_table_options.options.contains(&SqliteTableOption::WithoutRowid),
            search_path: self.search_path_text.clone(),
            ..Table::new(id, namespace, name, at)
        };
        if let Some(like) = &create.like {
            let like = match like {
                CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => l,
            };
            self.copy_like(&mut table, &self.qualify(&like.name), at);
        }
        if let Some(parent) = table.partition_of.clone().or_else(|| table.inherits.first().cloned()) {
            // A partition (or child) has its parent's columns, then its own.
            if table.columns.is_empty() {
                self.copy_like(&mut table, &parent, at);
            }
        }
        for column in create.columns {
            // `(a int, LIKE other INCLUDING ALL)`: sqlparser reads the LIKE as a column named like.
            if column.name.quote_style.is_none() && column.name.value.eq_ignore_ascii_case("like") {
                let source = self.normalize_qualified(&column.data_type.to_string());
                self.copy_like(&mut table, &source, at);
                continue;
            }
            self.add_column(&mut table, column, at);
        }
        for constraint in create.constraints {
            self.add_constraint(&mut table, constraint, at);
        }
        if self.dialect == Dialect::Sqlite {
            // SQLite lets a PRIMARY KEY column hold NULL, except the INTEGER rowid alias and in
            // WITHOUT ROWID tables: the model says what the database enforces.
            let columns: Vec<String> = table.primary_key.iter().flat_map(|k| k.columns.clone()).collect();
            let rowid_alias = columns.len() == 1
                && table.column(&columns[0]).is_some_and(|c| c.data_type.kind == crate::TypeKind::Integer);
            if rowid_alias || table.without_rowid {
                for name in &columns {
                    if let Some(c) = table.column_mut(name) {
                        c.nullable = false;
                    }
                }
            }
        }
        if create.query.is_some() {
            self.warn(
                "create-table-as",
                at,
                format!("table `{}` is created from a query; its columns are not known until it runs", table.name),
            );
        }
        self.push_table(table);
        true
    }

    fn copy_like(&mut self, table: &mut Table, source: &str, at: Span) {
        let Some(columns) = self.lookup(source).map(|i| self.schema.tables[i].columns.clone()) else {
            self.warn(
                "unknown-table",
                at,
                format!("`{}` copies columns from `{source}`, which is not defined before it", table.name),
            );
            return;
        };
        for mut column in columns {
            column.id = self.new_column_id();
            column.span = at;
            table.columns.push(column);
        }
    }

    fn column_from_def(&mut self, def: &ColumnDef, at: Span) -> (Column, Vec<TableConstraint>) {
        let spelling = def.data_type.to_string();
        let data_type = DataType::parse(&spelling);
        let lower = spelling.to_ascii_lowercase();
        let mut column = Column {
            identity: if lower.contains("serial") { Some(Identity::Serial) } else { None },
            ..Column::new(
                self.new_column_id(),
                def.name.value.clone(),
                data_type,
                true,
                ident_span(&def.name).unwrap_or(at),
            )
        };
        if column.identity == Some(Identity::Serial) {
            column.nullable = false;
        }
        let mut constraints = Vec::new();
        for option in &def.options {
            let constraint_name = option.name.clone();
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(expr) => {
                    let expr = expr.to_string();
                    // `DEFAULT NULL` (with or without a cast) is no default at all.
                    if crate::render::strip_casts(&expr).trim().eq_ignore_ascii_case("null") {
                        column.default = None;
                        continue;
                    }
                    if expr.to_ascii_lowercase().starts_with("nextval(") {
                        column.identity = Some(Identity::Serial);
                    }
                    column.default = Some(DefaultValue { volatile: is_volatile(&expr), expr });
                }
                ColumnOption::PrimaryKey(pk) => {
                    if self.dialect != Dialect::Sqlite {
                        column.nullable = false;
                    }
                    let mut pk = pk.clone();
                    pk.name = pk.name.or(constraint_name);
                    pk.columns = vec![index_column(&def.name)];
                    constraints.push(TableConstraint::PrimaryKey(pk));
                }
                ColumnOption::Unique(unique) => {
                    let mut unique = unique.clone();
                    unique.name = unique.name.or(constraint_name);
                    unique.columns = vec![index_column(&def.name)];
                    constraints.push(TableConstraint::Unique(unique));
                }
                ColumnOption::ForeignKey(fk) => {
                    let mut fk = fk.clone();
                    fk.name = fk.name.or(constraint_name);
                    fk.columns = vec![def.name.clone()];
                    constraints.push(TableConstraint::ForeignKey(fk));
                }
                ColumnOption::Check(check) => {
                    let mut check = check.clone();
                    check.name = check.name.or(constraint_name);
                    constraints.push(TableConstraint::Check(check));
                }
                // MySQL shows no comment for `COMMENT ''`.
                ColumnOption::Comment(text) => column.comment = Some(text.clone()).filter(|c| !c.is_empty()),
                ColumnOption::Generated { generated_as, generation_expr, generation_expr_mode, .. } => {
                    match (generated_as, generation_expr) {
                        (_, Some(expr)) => {
                            column.generated = Some(Generated {
                                expr: expr.to_string(),
                                stored: !matches!(generation_expr_mode, Some(GeneratedExpressionMode::Virtual))
                                    && (matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored))
                                        || *generated_as == GeneratedAs::ExpStored
                                        || self.dialect == Dialect::Postgres),
                            });
                        }
                        (GeneratedAs::Always, None) => {
                            column.identity = Some(Identity::Always);
                            column.nullable = false;
                        }
                        (GeneratedAs::ByDefault, None) => {
                            column.identity = Some(Identity::ByDefault);
                            column.nullable = false;
                        }
                        (GeneratedAs::ExpStored, None) => {}
                    }
                }
                ColumnOption::Identity(_) => column.identity = Some(Identity::AutoIncrement),
                ColumnOption::OnUpdate(expr) => column.on_update = Some(expr.to_string()),
                ColumnOption::DialectSpecific(tokens) => {
                    let auto = tokens.iter().any(|t| match t {
                        Token::Word(w) => {
                            w.value.eq_ignore_ascii_case("AUTO_INCREMENT")
                                || w.value.eq_ignore_ascii_case("AUTOINCREMENT")
                        }
                        _ => false,
                    });
                    if auto {
                        column.identity = Some(Identity::AutoIncrement);
                    }
                }
                _ => {}
            }
        }
        (column, constraints)
    }

    fn add_column(&mut self, table: &mut Table, def: ColumnDef, at: Span) {
        let (column, constraints) = self.column_from_def(&def, at);
        if let Some(existing) = table.column_mut(&column.name) {
            // A partition or LIKE copy re-declaring an inherited column: merge the options.
            existing.nullable &= column.nullable;
            if column.default.is_some() {
                existing.default = column.default;
            }
        } else {
            table.columns.push(column);
        }
        for constraint in constraints {
            self.add_constraint(table, constraint, at);
        }
    }

    fn add_constraint(&mut self, table: &mut Table, constraint: TableConstraint, at: Span) {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let columns: Vec<String> = pk.columns.iter().map(index_column_name).collect();
                if self.dialect != Dialect::Sqlite {
                    for name in &columns {
                        if let Some(c) = table.column_mut(name) {
                            c.nullable = false;
                        }
                    }
                }
                table.primary_key =
                    Some(Key { name: pk.name.map(|n| n.value), columns, deferrable: deferrable(pk.characteristics) });
            }
            TableConstraint::Unique(unique) => {
                let columns = unique.columns.iter().map(index_column_name).collect();
                let name = unique.name.or(unique.index_name).map(|n| n.value);
                table.uniques.push(Key { name, columns, deferrable: deferrable(unique.characteristics) });
            }
            TableConstraint::ForeignKey(fk) => {
                table.foreign_keys.push(ForeignKey {
                    name: fk.name.map(|n| n.value),
                    columns: fk.columns.iter().map(|c| c.value.clone()).collect(),
                    ref_table: self.qualify(&fk.foreign_table),
                    ref_columns: fk.referred_columns.iter().map(|c| c.value.clone()).collect(),
                    on_delete: fk.on_delete.map(ref_action).unwrap_or_default(),
                    on_update: fk.on_update.map(ref_action).unwrap_or_default(),
                });
            }
            TableConstraint::Check(check) => {
                table.checks.push(Check { name: check.name.map(|n| n.value), expr: check.expr.to_string() });
            }
            TableConstraint::Index(index) => {
                table.indexes.push(Index {
                    name: index.name.map(|n| n.value),
                    unique: false,
                    parts: index.columns.iter().map(index_part).collect(),
                    method: index.index_type.map(|t| t.to_string().to_ascii_lowercase()),
                    predicate: None,
                    span: at,
                });
            }
            TableConstraint::FulltextOrSpatial(index) => {
                table.indexes.push(Index {
                    name: index.opt_index_name.map(|n| n.value),
                    unique: false,
                    parts: index.columns.iter().map(index_part).collect(),
                    method: Some(if index.fulltext { "fulltext" } else { "spatial" }.to_string()),
                    predicate: None,
                    span: at,
                });
            }
            TableConstraint::PrimaryKeyUsingIndex(c) | TableConstraint::UniqueUsingIndex(c) => {
                self.warn(
                    "constraint-using-index",
                    at,
                    format!(
                        "constraint `{}` adopts index `{}`; its columns are taken from that index",
                        c.name.as_ref().map_or("", |n| n.value.as_str()),
                        c.index_name
                    ),
                );
                let columns = table
                    .indexes
                    .iter()
                    .find(|i| i.name.as_deref().is_some_and(|n| same_name(n, &c.index_name.value)))
                    .map(|i| i.parts.iter().filter_map(|p| p.column().map(str::to_string)).collect());
                if let Some(columns) = columns {
                    table.uniques.push(Key::new(c.name.map(|n| n.value), columns));
                }
            }
            TableConstraint::Exclude(_) => {
                self.info("skipped-constraint", at, format!("EXCLUDE constraint on `{}` is not modelled", table.name));
            }
        }
    }

    // ---- ALTER TABLE ----------------------------------------------------------------------

    fn alter_table(&mut self, target: &str, op: AlterTableOperation, at: Span) {
        let target = self.resolve_table(target);
        // pg_dump's `ALTER TABLE ONLY parent ATTACH PARTITION child FOR VALUES ...`: the child
        // was created as a plain table and becomes a partition of the parent.
        if let AlterTableOperation::AttachPartitionOf { partition, for_values } = &op {
            let child = self.resolve_table(&self.qualify(partition));
            if let Some(i) = self.lookup(&child) {
                // pg_dump writes the parent's checks into the child's CREATE TABLE; once
                // attached they are the parent's, inherited, not the partition's own.
                let inherited: Vec<Check> =
                    self.lookup(&target).map(|p| self.schema.tables[p].checks.clone()).unwrap_or_default();
                let table = &mut self.schema.tables[i];
                table.checks.retain(|c| {
                    !inherited.iter().any(|p| {
                        p.name.as_deref().map(str::to_lowercase) == c.name.as_deref().map(str::to_lowercase)
                            && crate::diff::normalize_expr(&p.expr) == crate::diff::normalize_expr(&c.expr)
                    })
                });
                table.partition_of = Some(target.clone());
                table.partition_bound = Some(for_values.to_string());
            } else {
                self.warn(
                    "unknown-table",
                    at,
                    format!("ATTACH PARTITION names `{child}`, which is not defined before it"),
                );
            }
            return;
        }
        let Some(position) = self.lookup(&target) else {
            // pg_dump writes `ALTER TABLE` for views and sequences too (OWNER TO, SET DEFAULT).
            if !self.is_view_or_sequence(&target) {
                self.warn("unknown-table", at, format!("ALTER TABLE names `{target}`, which is not defined before it"));
            }
            return;
        };
        // Work on the table in place (taken out so the builder can be borrowed alongside).
        let mut table = std::mem::replace(&mut self.schema.tables[position], placeholder());
        let old_name = table.qualified_name();
        self.alter_table_in(&mut table, op, at);
        let renamed = table.qualified_name() != old_name;
        self.schema.tables[position] = table;
        if renamed {
            self.reindex();
        }
    }

    fn is_view_or_sequence(&self, qualified: &str) -> bool {
        let (ns, name) = split_qualified(qualified);
        let matches = |namespace: &Option<String>, n: &str| {
            same_name(n, name)
                && match (ns, namespace) {
                    (Some(a), Some(b)) => same_name(a, b),
                    (None, None) => true,
                    _ => false,
                }
        };
        self.schema.views.iter().any(|v| matches(&v.namespace, &v.name))
            || self.schema.sequences.iter().any(|s| matches(&s.namespace, &s.name))
    }

    /// A name as written, resolved leniently: when no table has exactly that qualified name
    /// (a `search_path` that a concatenated dump no longer sets, say), the default namespace,
    /// then a table of that name in any namespace if there is only one.
    pub fn resolve_table(&self, qualified: &str) -> String {
        if self.lookup(qualified).is_some() {
            return qualified.to_string();
        }
        let (_, name) = split_qualified(qualified);
        if self.lookup(name).is_some() {
            return name.to_string();
        }
        let mut candidates = self.schema.tables.iter().filter(|t| same_name(&t.name, name));
        match (candidates.next(), candidates.next()) {
            (Some(only), None) => only.qualified_name(),
            _ => qualified.to_string(),
        }
    }

    /// Points foreign keys whose target was named under another `search_path` at the table
    /// that exists (see [`Self::resolve_table`]). Runs once, at the end of the import.
    pub fn resolve_references(&mut self) {
        let resolved: Vec<Vec<String>> = self
            .schema
            .tables
            .iter()
            .map(|t| t.foreign_keys.iter().map(|fk| self.resolve_table(&fk.ref_table)).collect())
            .collect();
        for (table, targets) in self.schema.tables.iter_mut().zip(resolved) {
            for (fk, target) in table.foreign_keys.iter_mut().zip(targets) {
                fk.ref_table = target;
            }
        }
    }

    fn lookup(&self, qualified: &str) -> Option<usize> {
        self.by_name.get(&qualified.to_ascii_lowercase()).copied()
    }

    fn push_table(&mut self, table: Table) {
        self.by_name.insert(table.qualified_name().to_ascii_lowercase(), self.schema.tables.len());
        self.schema.tables.push(table);
    }

    fn reindex(&mut self) {
        self.by_name =
            self.schema.tables.iter().enumerate().map(|(i, t)| (t.qualified_name().to_ascii_lowercase(), i)).collect();
    }

    fn alter_table_in(&mut self, table: &mut Table, op: AlterTableOperation, at: Span) {
        match op {
            AlterTableOperation::AddColumn { column_def, if_not_exists, .. } => {
                if if_not_exists && table.column(&column_def.name.value).is_some() {
                    return;
                }
                self.add_column(table, column_def, at);
            }
            AlterTableOperation::AddConstraint { constraint, .. } => self.add_constraint(table, constraint, at),
            AlterTableOperation::DropColumn { column_names, .. } => {
                for name in column_names {
                    table.columns.retain(|c| !same_name(&c.name, &name.value));
                }
            }
            AlterTableOperation::DropConstraint { name, .. } => {
                let n = name.value;
                let named = |k: &Option<String>| k.as_deref().is_some_and(|k| same_name(k, &n));
                if table.primary_key.as_ref().is_some_and(|k| named(&k.name)) {
                    table.primary_key = None;
                }
                table.uniques.retain(|k| !named(&k.name));
                table.checks.retain(|k| !named(&k.name));
                table.foreign_keys.retain(|k| !named(&k.name));
            }
            AlterTableOperation::DropPrimaryKey { .. } => table.primary_key = None,
            AlterTableOperation::DropForeignKey { name, .. } => {
                table.foreign_keys.retain(|k| !k.name.as_deref().is_some_and(|k| same_name(k, &name.value)));
            }
            AlterTableOperation::DropIndex { name } => {
                table.indexes.retain(|k| !k.name.as_deref().is_some_and(|k| same_name(k, &name.value)));
                table.uniques.retain(|k| !k.name.as_deref().is_some_and(|k| same_name(k, &name.value)));
            }
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                rename_column(table, &old_column_name.value, &new_column_name.value);
            }
            AlterTableOperation::RenameTable { table_name } => {
                let name = match table_name {
                    RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
                };
                let (_, name) = self.split_name(&name);
                table.name = name;
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let rename = |k: &mut Option<String>| {
                    if k.as_deref().is_some_and(|k| same_name(k, &old_name.value)) {
                        *k = Some(new_name.value.clone());
                    }
                };
                table.uniques.iter_mut().for_each(|k| rename(&mut k.name));
                table.foreign_keys.iter_mut().for_each(|k| rename(&mut k.name));
                table.checks.iter_mut().for_each(|k| rename(&mut k.name));
                if let Some(pk) = table.primary_key.as_mut() {
                    rename(&mut pk.name);
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let Some(column) = table.column_mut(&column_name.value) else {
                    self.warn(
                        "unknown-column",
                        at,
                        format!("ALTER COLUMN names `{}.{}`, which does not exist", table.name, column_name.value),
                    );
                    return;
                };
                match op {
                    AlterColumnOperation::SetNotNull => column.nullable = false,
                    AlterColumnOperation::DropNotNull => column.nullable = true,
                    AlterColumnOperation::SetDefault { value } => {
                        let expr = value.to_string();
                        if crate::render::strip_casts(&expr).trim().eq_ignore_ascii_case("null") {
                            column.default = None;
                        } else {
                            if expr.to_ascii_lowercase().starts_with("nextval(") {
                                column.identity = Some(Identity::Serial);
                            }
                            column.default = Some(DefaultValue { volatile: is_volatile(&expr), expr });
                        }
                    }
                    AlterColumnOperation::DropDefault => column.default = None,
                    AlterColumnOperation::SetDataType { data_type, .. } => {
                        column.data_type = DataType::parse(&data_type.to_string());
                    }
                    AlterColumnOperation::AddGenerated { generated_as, .. } => {
                        column.identity = Some(match generated_as {
                            Some(GeneratedAs::Always) => Identity::Always,
                            _ => Identity::ByDefault,
                        });
                        column.nullable = false;
                    }
                    _ => {}
                }
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, .. } => {
                rename_column(table, &old_name.value, &new_name.value);
                self.replace_column(table, new_name, data_type, options, at);
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, options, .. } => {
                self.replace_column(table, col_name, data_type, options, at);
            }
            AlterTableOperation::AttachPartition { .. } | AlterTableOperation::OwnerTo { .. } => {}
            other => {
                let text = other.to_string();
                if !is_silent_alter(&text) {
                    self.info(
                        "skipped-clause",
                        at,
                        format!("ALTER TABLE {}: `{}` does not change the model", table.name, first_words(&text, 4)),
                    );
                }
            }
        }
    }

    fn replace_column(
        &mut self,
        table: &mut Table,
        name: Ident,
        data_type: sqlparser::ast::DataType,
        options: Vec<ColumnOption>,
        at: Span,
    ) {
        let def = ColumnDef {
            name,
            data_type,
            options: options.into_iter().map(|option| sqlparser::ast::ColumnOptionDef { name: None, option }).collect(),
        };
        let (mut column, constraints) = self.column_from_def(&def, at);
        if let Some(existing) = table.column_mut(&column.name) {
            column.id = existing.id;
            column.comment = column.comment.or(existing.comment.take());
            *existing = column;
        } else {
            table.columns.push(column);
        }
        for constraint in constraints {
            self.add_constraint(table, constraint, at);
        }
    }

    // ---- CREATE INDEX, COMMENT ON -----------------------------------------------------------

    fn create_index(&mut self, index: CreateIndex, at: Span) {
        let target = self.resolve_table(&self.qualify(&index.table_name));
        if self.lookup(&target).is_none() {
            if !self.is_view_or_sequence(&target) {
                self.warn(
                    "unknown-table",
                    at,
                    format!("CREATE INDEX names table `{target}`, which is not defined before it"),
                );
            }
            return;
        }
        let Some(table) = self.lookup(&target).map(|i| &mut self.schema.tables[i]) else { return };
        let method = index.using.map(|m| m.to_string().to_ascii_lowercase()).filter(|m| m != "btree");
        let name = index.name.as_ref().map(|n| n.0.last().map(part_value).unwrap_or_default());
        if index.if_not_exists
            && name.as_deref().is_some_and(|n| table.indexes.iter().any(|i| i.name.as_deref() == Some(n)))
        {
            return;
        }
        table.indexes.push(Index {
            name,
            unique: index.unique,
            parts: index.columns.iter().map(index_part).collect(),
            method,
            predicate: index.predicate.map(|p| p.to_string()),
            span: at,
        });
    }

    fn comment(&mut self, object_type: CommentObject, name: &ObjectName, comment: Option<String>, at: Span) -> bool {
        // An empty comment is none: PostgreSQL deletes the comment for `IS ''`.
        let comment = comment.filter(|c| !c.is_empty());
        match object_type {
            CommentObject::Table => {
                let target = self.qualify(name);
                if let Some(t) = self.lookup(&target).map(|i| &mut self.schema.tables[i]) {
                    t.comment = comment;
                }
            }
            CommentObject::Column => {
                let mut parts: Vec<String> = name.0.iter().map(part_value).collect();
                let column = parts.pop().unwrap_or_default();
                let target = self.normalize_qualified(&parts.join("."));
                if let Some(c) = self.lookup(&target).and_then(|i| self.schema.tables[i].column_mut(&column)) {
                    c.comment = comment;
                }
            }
            _ => {
                self.info(
                    "skipped-statement",
                    at,
                    "skipped COMMENT ON: only table and column comments are kept".into(),
                );
                return false;
            }
        }
        true
    }

    /// `ALTER SEQUENCE s OWNED BY t.c` (which sqlparser does not read): the column is serial.
    /// An identity added to an existing column (pg_dump's form); false when there is no such column.
    pub fn add_identity(&mut self, table: &str, column: &str, always: bool) -> bool {
        let target = self.normalize_qualified(table);
        match self.lookup(&target).and_then(|i| self.schema.tables[i].column_mut(column)) {
            Some(c) => {
                c.identity = Some(if always { Identity::Always } else { Identity::ByDefault });
                c.nullable = false;
                true
            }
            None => false,
        }
    }

    pub fn sequence_owned_by(&mut self, sequence: &str, owner: &str) {
        let sequence = self.normalize_qualified(sequence);
        let owner = self.normalize_column_ref(owner);
        let (ns, name) = split_qualified(&sequence);
        if let Some(s) = self.schema.sequences.iter_mut().find(|s| {
            same_name(&s.name, name) && ns.is_none_or(|ns| s.namespace.as_deref().is_some_and(|n| same_name(n, ns)))
        }) {
            s.owned_by = Some(owner);
        }
    }

    /// A view, in place of the one of that name the text made before (`CREATE OR REPLACE VIEW`,
    /// as the server does: Evergreen defines `money.billable_xact_summary` twice), else added.
    fn put_view(&mut self, view: View) {
        let same = |v: &View| {
            same_name(&v.name, &view.name)
                && v.namespace.as_deref().map(str::to_ascii_lowercase)
                    == view.namespace.as_deref().map(str::to_ascii_lowercase)
        };
        match self.schema.views.iter_mut().find(|v| same(v)) {
            Some(existing) => *existing = view,
            None => self.schema.views.push(view),
        }
    }

    /// A view read by [`super::recover::fallback`].
    pub fn view_by_words(&mut self, name: &str, materialized: bool, definition: String, reads: Vec<String>, at: Span) {
        let qualified = self.normalize_qualified(name);
        let (ns, n) = split_qualified(&qualified);
        let (namespace, name) = (ns.map(str::to_string), n.to_string());
        let mut reads: Vec<String> = reads.iter().map(|r| self.normalize_qualified(r)).collect();
        reads.dedup();
        self.put_view(View {
            namespace,
            name,
            materialized,
            definition,
            reads,
            columns_read: Vec::new(),
            search_path: self.search_path_text.clone(),
            span: at,
        });
    }

    /// `CREATE TABLE t (LIKE source ...)` that sqlparser does not read.
    pub fn create_table_like(&mut self, name: &str, source: &str, at: Span) {
        let qualified = self.normalize_qualified(name);
        let (ns, n) = split_qualified(&qualified);
        let (namespace, name) = (ns.map(str::to_string), n.to_string());
        let id = self.new_table_id();
        let mut table = Table::new(id, namespace, name, at);
        let source = self.normalize_qualified(source);
        self.copy_like(&mut table, &source, at);
        self.push_table(table);
    }
}

fn deferrable(characteristics: Option<sqlparser::ast::ConstraintCharacteristics>) -> Option<Deferrable> {
    let c = characteristics?;
    (c.deferrable == Some(true)).then_some(match c.initially {
        Some(sqlparser::ast::DeferrableInitial::Deferred) => Deferrable::InitiallyDeferred,
        _ => Deferrable::InitiallyImmediate,
    })
}

fn rename_column(table: &mut Table, old: &str, new: &str) {
    if let Some(c) = table.column_mut(old) {
        c.name = new.to_string();
    }
    let fix = |names: &mut Vec<String>| {
        for n in names.iter_mut() {
            if same_name(n, old) {
                *n = new.to_string();
            }
        }
    };
    if let Some(pk) = table.primary_key.as_mut() {
        fix(&mut pk.columns);
    }
    table.uniques.iter_mut().for_each(|k| fix(&mut k.columns));
    table.foreign_keys.iter_mut().for_each(|k| fix(&mut k.columns));
    for index in &mut table.indexes {
        for part in &mut index.parts {
            if let IndexPart::Column { name, .. } = part {
                if same_name(name, old) {
                    *name = new.to_string();
                }
            }
        }
    }
}

/// ALTER TABLE clauses that do not change the model and need no note (storage, triggers, RLS).
fn is_silent_alter(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    [
        "ENABLE ",
        "DISABLE ",
        "FORCE ",
        "NO FORCE",
        "REPLICA IDENTITY",
        "SET (",
        "CLUSTER ON",
        "SET LOGGED",
        "SET UNLOGGED",
        "ALGORITHM",
        "LOCK",
    ]
    .iter()
    .any(|p| upper.starts_with(p))
}

fn first_words(text: &str, n: usize) -> String {
    text.split_whitespace().take(n).collect::<Vec<_>>().join(" ")
}

fn part_value(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(ident) => ident.value.clone(),
        ObjectNamePart::Function(f) => f.name.value.clone(),
    }
}

fn object_name(name: &ObjectName) -> String {
    name.0.iter().map(part_value).collect::<Vec<_>>().join(".")
}

fn ident_span(ident: &Ident) -> Option<Span> {
    let start = ident.span.start;
    (start.line > 0).then(|| Span::new(start.line as u32, start.column as u32))
}

/// MySQL's `COMMENT='...'` after the column list, which sqlparser keeps among the table options.
fn table_option_comment(options: &sqlparser::ast::CreateTableOptions) -> Option<String> {
    use sqlparser::ast::{CreateTableOptions as O, SqlOption};
    let (O::Plain(list) | O::With(list) | O::Options(list) | O::TableProperties(list)) = options else {
        return None;
    };
    list.iter().find_map(|o| match o {
        SqlOption::Comment(c) => Some(comment_text(c)),
        _ => None,
    })
}

fn comment_text(comment: &sqlparser::ast::CommentDef) -> String {
    match comment {
        sqlparser::ast::CommentDef::WithEq(s) | sqlparser::ast::CommentDef::WithoutEq(s) => s.clone(),
    }
}

fn ref_action(action: ReferentialAction) -> RefAction {
    match action {
        ReferentialAction::Restrict => RefAction::Restrict,
        ReferentialAction::Cascade => RefAction::Cascade,
        ReferentialAction::SetNull => RefAction::SetNull,
        ReferentialAction::NoAction => RefAction::NoAction,
        ReferentialAction::SetDefault => RefAction::SetDefault,
    }
}

fn index_column(ident: &Ident) -> IndexColumn {
    IndexColumn {
        column: sqlparser::ast::OrderByExpr {
            expr: Expr::Identifier(ident.clone()),
            options: sqlparser::ast::OrderByOptions { sort: None, nulls_first: None },
            with_fill: None,
        },
        operator_class: None,
    }
}

fn index_column_name(column: &IndexColumn) -> String {
    match &column.column.expr {
        Expr::Identifier(ident) => ident.value.clone(),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
        // MySQL prefix keys `name(191)` parse as a function call.
        Expr::Function(f) => object_name(&f.name),
        other => other.to_string(),
    }
}

fn index_part(column: &IndexColumn) -> IndexPart {
    let descending = matches!(column.column.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
    match &column.column.expr {
        Expr::Identifier(ident) => IndexPart::Column { name: ident.value.clone(), descending },
        Expr::Function(f)
            if f.name.0.len() == 1
                && matches!(f.args, sqlparser::ast::FunctionArguments::List(ref l) if l.args.len() == 1 && l.args[0].to_string().chars().all(|c| c.is_ascii_digit())) =>
        {
            // MySQL prefix index `name(191)`: a column, with a prefix length we do not model.
            IndexPart::Column { name: object_name(&f.name), descending }
        }
        Expr::Nested(inner) => IndexPart::Expression { sql: inner.to_string() },
        other => IndexPart::Expression { sql: other.to_string() },
    }
}

// ---- views: what a query reads ------------------------------------------------------------

fn collect_query(query: &Query, reads: &mut Vec<String>, columns: &mut Vec<String>) {
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            collect_query(&cte.query, reads, columns);
        }
    }
    collect_set_expr(&query.body, reads, columns);
}

fn collect_set_expr(body: &SetExpr, reads: &mut Vec<String>, columns: &mut Vec<String>) {
    match body {
        SetExpr::Select(select) => {
            let mut aliases: Vec<(String, String)> = Vec::new();
            for from in &select.from {
                collect_from(from, reads, columns, &mut aliases);
            }
            for item in &select.projection {
                let expr = match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => continue,
                };
                match expr {
                    Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                        let qualifier = &parts[parts.len() - 2].value;
                        let column = &parts[parts.len() - 1].value;
                        let table = aliases
                            .iter()
                            .find(|(alias, _)| same_name(alias, qualifier))
                            .map_or(qualifier.clone(), |(_, t)| t.clone());
                        columns.push(format!("{table}.{column}"));
                    }
                    Expr::Identifier(ident) if aliases.len() == 1 => {
                        columns.push(format!("{}.{}", aliases[0].1, ident.value));
                    }
                    _ => {}
                }
            }
        }
        SetExpr::Query(q) => collect_query(q, reads, columns),
        SetExpr::SetOperation { left, right, .. } => {
            collect_set_expr(left, reads, columns);
            collect_set_expr(right, reads, columns);
        }
        _ => {}
    }
}

fn collect_from(
    from: &TableWithJoins,
    reads: &mut Vec<String>,
    columns: &mut Vec<String>,
    aliases: &mut Vec<(String, String)>,
) {
    collect_factor(&from.relation, reads, columns, aliases);
    for join in &from.joins {
        collect_factor(&join.relation, reads, columns, aliases);
    }
}

fn collect_factor(
    factor: &TableFactor,
    reads: &mut Vec<String>,
    columns: &mut Vec<String>,
    aliases: &mut Vec<(String, String)>,
) {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let table = object_name(name);
            let short = name.0.last().map(part_value).unwrap_or_default();
            aliases.push((alias.as_ref().map_or(short, |a| a.name.value.clone()), table.clone()));
            if !reads.contains(&table) {
                reads.push(table);
            }
        }
        TableFactor::Derived { subquery, .. } => collect_query(subquery, reads, columns),
        TableFactor::NestedJoin { table_with_joins, .. } => collect_from(table_with_joins, reads, columns, aliases),
        _ => {}
    }
}

/// Stands in for a table while it is being altered.
fn placeholder() -> Table {
    Table::new(TableId(u32::MAX), None, String::new(), Span::new(0, 0))
}
