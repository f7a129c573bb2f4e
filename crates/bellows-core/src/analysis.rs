//! Everything the playground shows for a design, computed in one pure call: the base as read
//! from its text, the target (base plus edits), the change set, the plan, the audit of the
//! target and the safety findings on the plan's steps.

use crate::consumers::{check_over_plan, Outcome, PlanPoints};
use crate::diff::{diff, ChangeSet, DiffOptions, Matching};
use crate::edit::apply;
use crate::lint::{audit, check_plan, Finding, LintOptions};
use crate::plan::{plan_changes, Plan, PlanOptions};
use crate::share::Design;
use crate::{import, Dialect, Import, Schema};

/// Serializable both ways: the page receives it from the worker that computes it.
/// The default is the analysis of nothing: no tables, no plan.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub base: Import,
    pub dialect: Dialect,
    pub target: Schema,
    /// Edits that no longer apply (the base text changed under them), with the reason.
    pub skipped_edits: Vec<String>,
    /// The planner's input. Not sent to the page (see [`to_wire`]), which reads each change as
    /// the plan describes it (`plan.changes`, one per change); reading the change set back would
    /// cost the page 100 KB of code.
    #[serde(skip)]
    pub changes: ChangeSet,
    pub plan: Plan,
    /// Debt in the target schema.
    pub audit: Vec<Finding>,
    /// Safety findings on the plan's steps.
    pub plan_findings: Vec<Finding>,
    /// Per consumer of the design, in order: its statements checked on the base and at every
    /// point of the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<ConsumerReport>,
}

/// One consumer's statements over the plan.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConsumerReport {
    /// How many statements its SQL holds.
    pub statements: usize,
    /// What fails on the base, where each statement first breaks, and the rewrites.
    pub outcomes: Vec<Outcome>,
}

pub fn analyze(design: &Design) -> Analysis {
    let base = match &design.model {
        // A design from a link: its base came as a model, already read.
        Some(model) => Import {
            dialect: design.dialect.or(model.dialect).unwrap_or(Dialect::Postgres),
            format: crate::import::SourceFormat::Sql,
            schema: model.clone(),
            diagnostics: Vec::new(),
            stats: crate::import::ImportStats::default(),
        },
        None => import(&design.source, design.dialect),
    };
    let dialect = base.dialect;
    let (target, skipped_edits) = apply(&base.schema, &design.edits);
    let renames = crate::edit::enum_hints(&design.edits);
    let merges = crate::edit::merge_hints(&base.schema, &target, &design.edits);
    let moves = crate::edit::move_hints(&target, &base.schema, &design.edits);
    let changes = diff(&base.schema, &target, &DiffOptions { matching: Matching::Ids, renames, merges, moves });
    let options = PlanOptions {
        dialect,
        pg_version: design.options.pg_version,
        mysql_server: design.options.mysql_server.unwrap_or_else(|| crate::plan::MySqlServer::detect(&design.source)),
        lock_timeout_ms: design.options.lock_timeout_ms,
        batch_size: design.options.batch_size,
        ..PlanOptions::default()
    };
    let plan = plan_changes(&base.schema, &target, &changes, &options);
    let lint_options = LintOptions {
        pg_version: design.options.pg_version,
        next_ids: Some(crate::edit::next_ids(&base.schema, &design.edits)),
        ..LintOptions::default()
    };
    let audit = audit(&target, dialect, &lint_options);
    let plan_findings = check_plan(&plan, &base.schema, &lint_options);
    let consumers = if design.consumers.is_empty() {
        Vec::new()
    } else {
        let base_sql = base_sql(&base, &design.source).into_owned();
        let mut points =
            PlanPoints::new(&base.schema, base_sql, dialect, plan.clone(), target.clone(), changes.clone());
        design
            .consumers
            .iter()
            .map(|c| {
                let statements = crate::consumers::statements(&c.sql, dialect);
                ConsumerReport {
                    statements: statements.len(),
                    outcomes: check_over_plan(&base.schema, dialect, Some(&mut points), &statements),
                }
            })
            .collect()
    };
    Analysis { base, dialect, target, skipped_edits, changes, plan, audit, plan_findings, consumers }
}

/// The analysis as the worker sends it to the page (JSON: the model's types skip their empty
/// fields, which a self-describing format reads back as their defaults). Everything but the
/// change set, which comes back empty.
pub fn to_wire(analysis: &Analysis) -> String {
    serde_json::to_string(analysis).unwrap_or_default()
}

/// Reads what [`to_wire`] wrote.
pub fn from_wire(text: &str) -> Result<Analysis, String> {
    serde_json::from_str(text).map_err(|e| format!("the analysis could not be read: {e}"))
}

/// The schema as it stands after the plan's stages `0..=stage` (0 = Expand ... 3 = Contract):
/// the base text followed by every step's SQL, read by the importer, which applies the ALTERs.
/// Statements that do not shape the schema (UPDATE batches, triggers) are skipped by the import.
/// The base as SQL that the plan's statements can follow, to be read again with them: its own
/// text when it is SQL, else (DBML, a Prisma schema) DDL written from its model.
pub fn base_sql<'a>(base: &Import, source: &'a str) -> std::borrow::Cow<'a, str> {
    use crate::render::ddl::{schema_sql, DdlOptions};
    match base.format {
        crate::import::SourceFormat::Sql => std::borrow::Cow::Borrowed(source),
        _ => {
            std::borrow::Cow::Owned(schema_sql(&base.schema, DdlOptions { source: base.dialect, target: base.dialect }))
        }
    }
}

pub fn schema_after_stage(analysis: &Analysis, source: &str, stage: usize) -> Schema {
    let source = base_sql(&analysis.base, source);
    let mut text = String::with_capacity(source.len() + 4096);
    text.push_str(&source);
    text.push_str(";\n");
    for s in analysis.plan.stages.iter().take(stage + 1) {
        for step in &s.steps {
            for sql in &step.sql {
                text.push_str(sql);
                text.push_str(";\n");
            }
        }
    }
    import(&text, Some(analysis.dialect)).schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_after_each_stage_shows_expand_and_contract() {
        let source = "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);";
        let base = import(source, Some(Dialect::Postgres)).schema;
        let t = base.find_table("orders").expect("orders");
        let c = t.column("created_at").expect("column").id;
        let mut design = Design::new(source);
        design.edits.push(crate::edit::Edit::RenameColumn { table: t.id, column: c, to: "placed_at".into() });
        let a = analyze(&design);
        let after_expand = schema_after_stage(&a, source, 0);
        let orders = after_expand.find_table("orders").expect("orders");
        assert!(
            orders.column("created_at").is_some() && orders.column("placed_at").is_some(),
            "both during the migration"
        );
        let after_contract = schema_after_stage(&a, source, 3);
        let orders = after_contract.find_table("orders").expect("orders");
        assert!(orders.column("created_at").is_none() && orders.column("placed_at").is_some());
        assert_eq!(orders.id, t.id, "base ids survive, so marks line up");
    }

    /// A design's consumers are checked over its plan: a statement the rename breaks at Contract
    /// comes with its rewrite, one that fails on the base is already broken, one that reads only
    /// what stays is fine; and the consumers travel in links (version 3) and files.
    #[test]
    fn consumers_are_checked_at_every_stage_and_travel_with_the_design() {
        use crate::consumers::{Consumer, ConsumerKind, Verdict};
        let source = "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, note text);";
        let base = import(source, Some(Dialect::Postgres)).schema;
        let t = base.find_table("orders").expect("orders");
        let c = t.column("created_at").expect("column").id;
        let mut design = Design::new(source);
        design.edits.push(crate::edit::Edit::RenameColumn { table: t.id, column: c, to: "placed_at".into() });
        design.consumers.push(Consumer {
            name: "reports".into(),
            kind: ConsumerKind::Job,
            owner: "data team".into(),
            sql: "-- name: Recent :many\nSELECT id, created_at FROM orders WHERE created_at > $1;\n\
                  -- name: Notes :many\nSELECT note FROM orders;\n\
                  -- name: Broken :one\nSELECT total FROM orders;\n"
                .into(),
        });
        let a = analyze(&design);
        let report = &a.consumers[0];
        assert_eq!(report.statements, 3);
        let recent: Vec<_> = report.outcomes.iter().filter(|o| o.label == "Recent").collect();
        assert!(!recent.is_empty(), "{:?}", report.outcomes);
        assert!(recent.iter().all(|o| o.verdict == Verdict::RetireBefore && o.point == "after Contract"), "{recent:?}");
        let rewrite = recent.last().and_then(|o| o.rewrite.clone()).expect("a rewrite");
        assert_eq!(rewrite, "SELECT id, placed_at AS created_at FROM orders WHERE placed_at > $1");
        assert!(report.outcomes.iter().all(|o| o.label != "Notes"), "note stays: {:?}", report.outcomes);
        let broken: Vec<_> = report.outcomes.iter().filter(|o| o.label == "Broken").collect();
        assert_eq!(broken.len(), 1);
        assert_eq!((broken[0].verdict, broken[0].point.as_str()), (Verdict::AlreadyBroken, "base"));
        assert_eq!((broken[0].span.line, broken[0].span.column), (6, 8), "where `total` is written");

        let link = crate::share::encode(&design);
        assert!(link.starts_with("d=3."), "{link}");
        let opened = crate::share::decode(&link).expect("opens");
        assert_eq!(opened.consumers, design.consumers);
        assert_eq!(analyze(&opened).consumers, a.consumers, "the same findings from the link");
        let file = crate::share::decode(&crate::share::encode_file(&design)).expect("file");
        assert_eq!(file.consumers, design.consumers);
        design.consumers.clear();
        assert!(crate::share::encode(&design).starts_with("d=2."), "no consumers: still version 2");
    }
}
