//! Findings: debt in a schema as it stands (audit) and steps that can hurt production
//! (safety), in a plan or in a hand-written migration.
//!
//! One rule per file under `audit/` and `safety/`; [`Rule`] is the registry. Every rule has a
//! doc in one template ([`Doc`]: what it does, why it is bad, an example, what to use instead,
//! and the matching check of peer tools) and `ok`/`err` inputs under
//! `crates/bellows-core/tests/lint/<code>/` that the tests run.
//!
//! Objects the same migration or plan creates are never flagged: a lock on an empty new table
//! hurts nobody (the peer linters' most common false positive).

mod audit;
mod introduced;

/// Whether a table name reads as a plural, as the audit's naming rule counts them.
pub(crate) fn plural_name(name: &str) -> bool {
    audit::mixed_naming_style::plural(name)
}
pub mod migration;
mod safety;

use crate::plan::{Plan, StageKind};
use crate::{Dialect, Schema, Severity, Span};
use serde::Serialize;

pub use migration::{analyze, Action, Constraint, Op, Statement};

/// Which family a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Audit,
    Safety,
}

/// A rule's documentation, in one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Doc {
    pub code: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// One line for lists.
    pub summary: &'static str,
    pub what_it_does: &'static str,
    pub why_is_this_bad: &'static str,
    pub example: &'static str,
    pub use_instead: &'static str,
    /// The same check in peer tools (squawk rule, Atlas code, strong_migrations key, eugene
    /// hint), when one exists.
    pub peers: &'static str,
}

macro_rules! registry {
    ($( $variant:ident => $family:ident :: $module:ident ),* $(,)?) => {
        /// Every rule Bellows knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $( $variant ),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant ),* ];

            pub fn doc(self) -> &'static Doc {
                match self { $( Rule::$variant => &$family::$module::DOC ),* }
            }

            /// The rule's code, without its documentation: what the playground needs, so the
            /// page does not carry every rule's prose (26 KB) that only the CLI and docs print.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $family::$module::DOC.code ),* }
            }

            /// The rule's default severity (see [`Rule::code`] for why not through `doc`).
            pub fn severity(self) -> Severity {
                match self { $( Rule::$variant => $family::$module::DOC.severity ),* }
            }
        }
    };
}

registry! {
    TableWithoutPrimaryKey => audit::table_without_primary_key,
    NullablePrimaryKeyColumn => audit::nullable_primary_key_column,
    UnindexedForeignKey => audit::unindexed_foreign_key,
    ReferenceWithoutForeignKey => audit::reference_without_foreign_key,
    ForeignKeyTypeMismatch => audit::foreign_key_type_mismatch,
    DuplicateEntity => audit::duplicate_entity,
    DenormalizedCopy => audit::denormalized_copy,
    SameConceptDifferentNames => audit::same_concept_different_names,
    OwnershipWithoutOnDelete => audit::ownership_without_on_delete,
    NullTogetherColumns => audit::null_together_columns,
    ReferencesInAList => audit::references_in_a_list,
    PolymorphicReference => audit::polymorphic_reference,
    EntityAttributeValue => audit::entity_attribute_value,
    NumberedColumns => audit::numbered_columns,
    InconsistentColumnType => audit::inconsistent_column_type,
    RedundantIndex => audit::redundant_index,
    MoneyInFloat => audit::money_in_float,
    TimestampWithoutTimeZone => audit::timestamp_without_time_zone,
    FixedLengthChar => audit::fixed_length_char,
    JsonNotJsonb => audit::json_not_jsonb,
    UuidInText => audit::uuid_in_text,
    FlagInNumber => audit::flag_in_number,
    TimeInNumber => audit::time_in_number,
    SerialNotIdentity => audit::serial_not_identity,
    IntegerKeyMayOverflow => audit::integer_key_may_overflow,
    NullableButRequired => audit::nullable_but_required,
    EnumLikeTextWithoutCheck => audit::enum_like_text_without_check,
    MixedNamingStyle => audit::mixed_naming_style,
    ReservedOrLongIdentifier => audit::reserved_or_long_identifier,
    WideTable => audit::wide_table,
    RewritesTable => safety::rewrites_table,
    ScansUnderExclusiveLock => safety::scans_under_exclusive_lock,
    BlockingIndexBuild => safety::blocking_index_build,
    BlockingPartitionDetach => safety::blocking_partition_detach,
    ConcurrentIndexInTransaction => safety::concurrent_index_in_transaction,
    MissingLockTimeout => safety::missing_lock_timeout,
    DropsData => safety::drops_data,
    BreaksRunningApp => safety::breaks_running_app,
    NotNullWithoutDefault => safety::not_null_without_default,
    UniqueWithoutIndexFirst => safety::unique_without_index_first,
    IrreversibleEnumChange => safety::irreversible_enum_change,
    AlterWithoutAlgorithm => safety::alter_without_algorithm,
    CopiesTable => safety::copies_table,
    ForeignKeyWithoutGate => safety::foreign_key_without_gate,
}

impl Rule {
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Rule::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("no rule `{code}`")))
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Where a safety finding sits in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StepRef {
    pub stage: StageKind,
    /// The step's index within its stage (0-based).
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do.
    pub help: String,
    /// Where, in the user's text (audit, migrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The plan step (safety findings on plans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepRef>,
    /// The edits that retire the finding, where they are mechanical (audit findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// A mechanical fix for an audit finding: edits to the target, by id, that the playground applies
/// as one undo step, so the plan shows at once what the fix costs. It stays valid for as long as
/// the target it was computed on; a fix that creates a table takes ids no other fix of the same
/// audit takes, so "Fix all" applies them together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Fix {
    /// What the fix does, in a few words: "index order_items(order_id)".
    pub label: String,
    pub edits: Vec<crate::edit::Edit>,
}

/// "Fix all": the edits of every fix among `findings`, each edit once (two findings' fixes may
/// share one: a key and the columns that reference it are widened together).
pub fn fix_all<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<crate::edit::Edit> {
    let mut seen = std::collections::HashSet::new();
    findings
        .into_iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| fix.edits.iter())
        .filter(|e| seen.insert(*e))
        .cloned()
        .collect()
}

impl Finding {
    pub(crate) fn new(rule: Rule, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            message: message.into(),
            help: help.into(),
            span: None,
            table: None,
            column: None,
            step: None,
            fix: None,
        }
    }

    pub(crate) fn fixed_by(mut self, label: impl Into<String>, edits: Vec<crate::edit::Edit>) -> Self {
        if !edits.is_empty() {
            self.fix = Some(Fix { label: label.into(), edits });
        }
        self
    }

    pub(crate) fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub(crate) fn on(mut self, table: &str, column: Option<&str>) -> Self {
        self.table = Some(table.to_string());
        self.column = column.map(str::to_string);
        self
    }
}

/// Limits the audit applies; the defaults suit most schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintOptions {
    pub max_columns: usize,
    pub max_indexes: usize,
    /// The PostgreSQL major version the migration runs on.
    pub pg_version: u32,
    /// Treat a hand-written migration as if a tool runs it inside one transaction.
    pub assume_in_transaction: bool,
    /// The first ids free for a new table and column (see `edit::next_ids`), above the base's
    /// and the edits' own, for fixes that create a table; without them, the audited schema's.
    #[serde(skip)]
    pub next_ids: Option<(crate::model::TableId, crate::model::ColumnId)>,
}

impl Default for LintOptions {
    fn default() -> Self {
        Self { max_columns: 50, max_indexes: 15, pg_version: 16, assume_in_transaction: false, next_ids: None }
    }
}

/// What the audit rules read.
#[derive(Debug)]
pub(crate) struct AuditCx<'a> {
    pub schema: &'a Schema,
    pub dialect: Dialect,
    pub options: &'a LintOptions,
    /// The columns each column's foreign keys tie it to, both ways, found once when a rule
    /// first asks.
    links: std::cell::OnceCell<Links>,
    /// The ids the next fix that creates a table takes (see [`AuditCx::fresh_ids`]).
    free_ids: std::cell::Cell<Option<(crate::model::TableId, crate::model::ColumnId)>>,
}

/// (table index, column name in ASCII lower case) -> the columns tied to it by a foreign key:
/// the one it references and the ones that reference it.
pub(crate) type Links = std::collections::HashMap<(usize, String), Vec<(usize, String)>>;

impl<'a> AuditCx<'a> {
    pub(crate) fn new(schema: &'a Schema, dialect: Dialect, options: &'a LintOptions) -> Self {
        Self { schema, dialect, options, links: std::cell::OnceCell::new(), free_ids: std::cell::Cell::new(None) }
    }

    /// Ids for a fix that creates `tables` tables and `columns` columns, none taken by another
    /// fix of this audit (whatever its rule), so the fixes can be applied together: the first
    /// are [`LintOptions::next_ids`] (one above every id in the design) or the schema's own.
    pub(crate) fn fresh_ids(&self, tables: u32, columns: u32) -> (crate::model::TableId, crate::model::ColumnId) {
        let first =
            self.free_ids.get().or(self.options.next_ids).unwrap_or_else(|| crate::edit::next_ids(self.schema, &[]));
        self.free_ids
            .set(Some((crate::model::TableId(first.0 .0 + tables), crate::model::ColumnId(first.1 .0 + columns))));
        first
    }

    pub(crate) fn links(&self) -> &Links {
        self.links.get_or_init(|| {
            let schema = self.schema;
            // Table names as `same_name` compares them (ASCII case aside).
            let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for (i, t) in schema.tables.iter().enumerate() {
                by_name.entry(t.qualified_name().to_ascii_lowercase()).or_insert(i);
            }
            let mut links = Links::new();
            for (child, t) in schema.tables.iter().enumerate() {
                for fk in &t.foreign_keys {
                    let Some(&parent) = by_name.get(&fk.ref_table.to_ascii_lowercase()) else { continue };
                    for (c, r) in fk.columns.iter().zip(fk.referenced_columns(Some(&schema.tables[parent]))) {
                        let (c, r) = (c.to_ascii_lowercase(), r.to_ascii_lowercase());
                        links.entry((child, c.clone())).or_default().push((parent, r.clone()));
                        links.entry((parent, r)).or_default().push((child, c));
                    }
                }
            }
            links
        })
    }
}

/// Audits a schema as it stands; findings sorted by place.
pub fn audit(schema: &Schema, dialect: Dialect, options: &LintOptions) -> Vec<Finding> {
    let cx = AuditCx::new(schema, dialect, options);
    let mut out = Vec::new();
    audit::run(&cx, &mut out);
    out.sort_by_key(|f| (f.span, f.rule));
    out
}

/// What the safety rules read: the migration's statements, analyzed, and the schema it runs on
/// (when known: tables not in it and not created earlier are treated as existing).
#[derive(Debug)]
pub(crate) struct SafetyCx<'a> {
    pub statements: &'a [Statement],
    pub base: Option<&'a Schema>,
    pub dialect: Dialect,
    pub options: &'a LintOptions,
}

impl SafetyCx<'_> {
    /// True when the table was created by a statement before `before` in this migration.
    pub fn created_here(&self, table: &str, before: usize) -> bool {
        self.statements[..before.min(self.statements.len())].iter().any(|s| match &s.op {
            Op::CreateTable { table: t } => crate::model::same_name(short(t), short(table)),
            _ => false,
        })
    }

    pub fn base_column(&self, table: &str, column: &str) -> Option<&crate::Column> {
        self.base?.find_table(table).or_else(|| self.base?.find_table(short(table)))?.column(column)
    }
}

/// The name without its namespace.
pub(crate) fn short(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Checks a hand-written migration (`sql`) that will run on `base` (when given): the safety
/// rules, and the debt the migration brings in (the audit's column rules on what it creates,
/// adds and retypes; names the server would cut or refuse).
pub fn check_migration(sql: &str, base: Option<&Schema>, dialect: Dialect, options: &LintOptions) -> Vec<Finding> {
    let statements = analyze(sql, dialect);
    let cx = SafetyCx { statements: &statements, base, dialect, options };
    let mut out = Vec::new();
    safety::run(&cx, &mut out);
    introduced::run(sql, &statements, dialect, options, &mut out);
    out.sort_by_key(|f| (f.span, f.rule));
    out
}

/// Checks a plan's own steps: each step's SQL is analyzed as a migration in the stage it runs
/// in, and findings point at the step. Bellows' recipes are built to pass these rules, except
/// where a change cannot be done without the risk (a step that must drop data is flagged
/// unless it is in Contract and marked one-way, as the rule asks).
pub fn check_plan(plan: &Plan, base: &Schema, options: &LintOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    // What earlier steps did (tables created, checks validated) is the context of each step:
    // it rides along at line 0, and findings there are dropped, so each finding is raised once,
    // on the step whose own SQL causes it. Session settings (lock_timeout, transactions) do
    // not carry over: each step may run in its own session.
    let mut history: Vec<Statement> = Vec::new();
    for stage in &plan.stages {
        for (index, step) in stage.steps.iter().enumerate() {
            let own = analyze(&step.sql.join(";\n"), plan.dialect);
            let mut all = history.clone();
            all.extend(own.iter().cloned());
            let cx = SafetyCx { statements: &all, base: Some(base), dialect: plan.dialect, options };
            let mut found = Vec::new();
            safety::run(&cx, &mut found);
            for mut f in found.into_iter().filter(|f| f.span.is_some_and(|s| s.line > 0)) {
                // Dropping data in Contract, one-way and said so, is what Contract is for.
                if f.rule == Rule::DropsData && stage.kind == StageKind::Contract && step.one_way {
                    continue;
                }
                // A rename in Contract happens when v1 no longer runs.
                if f.rule == Rule::BreaksRunningApp && stage.kind == StageKind::Contract {
                    continue;
                }
                // An enum step whose rollback undoes it (a label renamed back, the type made
                // anew with its old labels) is not one-way; ADD VALUE steps are, and stay flagged.
                if f.rule == Rule::IrreversibleEnumChange && !step.one_way && !step.rollback.is_empty() {
                    continue;
                }
                // The plan gates its own foreign keys: a pre-check counts the orphans before
                // the step (or, for a lookup table the plan creates, Backfill fills it from the
                // rows) and a verification counts them again after.
                let gated = plan.prechecks.iter().any(|c| c.change == step.change)
                    || plan.stage(StageKind::Backfill).is_some_and(|b| b.steps.iter().any(|s| s.change == step.change));
                if f.rule == Rule::ForeignKeyWithoutGate
                    && gated
                    && plan.verifications.iter().any(|c| c.change == step.change)
                {
                    continue;
                }
                f.span = None;
                f.step = Some(StepRef { stage: stage.kind, index });
                out.push(f);
            }
            history.extend(
                own.into_iter()
                    .filter(|s| matches!(s.op, Op::CreateTable { .. } | Op::CreateIndex { .. } | Op::AlterTable { .. }))
                    .map(|s| Statement { span: Span::new(0, 0), ..s }),
            );
        }
    }
    out
}

/// Counts by severity, for summaries and badges.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}
