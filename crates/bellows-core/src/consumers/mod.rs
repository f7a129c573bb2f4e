//! Consumers: the application's own SQL, checked against a schema.
//!
//! A consumer is something outside the schema that reads or writes it (a service, a job, a
//! dashboard). Its statements are read from the text the user gives (a `.sql` file, with sqlc's
//! `-- name: GetAuthor :one` annotations naming them), parsed in the schema's dialect with
//! placeholders allowed, and every table and column they name is resolved against a schema the
//! way the server would: aliases, CTEs (recursive ones too), derived tables, correlated
//! subqueries, `SELECT *`, INSERT column lists, ON CONFLICT and ON DUPLICATE KEY, UPDATE ... FROM,
//! DELETE ... USING and RETURNING. See `../shared/design/consumers.md`.
//!
//! What cannot be resolved is a [`Finding`] with its line and column in the consumer's text.
//! Functions, types and operators are not checked: an unknown function is the server's business,
//! not the schema's. A relation whose columns Bellows cannot know (a table function, `VALUES`, a
//! view it cannot read) accepts any column, so it never produces a false alarm.
//!
//! [`check_points`] runs the same statements against the schema at several points of a plan and
//! reports, per point, what stops working there.

mod resolve;

use crate::import::split::{split, ChunkKind};
use crate::plan::Plan;
use crate::{import, Dialect, Schema, Span};
use serde::{Deserialize, Serialize};

pub use resolve::resolve_statement;

/// One statement of a consumer's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The sqlc-style name (`-- name: GetAuthor :one`), if the text gives one.
    pub name: Option<String>,
    /// The statement as written, without its final `;`.
    pub text: String,
    /// Where it starts in the consumer's text.
    pub start: Span,
}

impl Statement {
    /// The name, or "statement at LINE:COL".
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("statement at {}", self.start),
        }
    }
}

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A table, view or CTE that does not exist.
    UnknownTable,
    /// A qualifier (`x.col`) that names no table or alias in scope.
    UnknownAlias,
    /// A column that no table in scope has.
    UnknownColumn,
    /// An unqualified column that more than one table in scope has.
    AmbiguousColumn,
    /// An INSERT that leaves out a column that is NOT NULL and has no default.
    MissingRequired,
    /// The statement could not be parsed; nothing in it was checked.
    Unreadable,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::UnknownTable => "unknown-table",
            FindingKind::UnknownAlias => "unknown-alias",
            FindingKind::UnknownColumn => "unknown-column",
            FindingKind::AmbiguousColumn => "ambiguous-column",
            FindingKind::MissingRequired => "missing-required-column",
            FindingKind::Unreadable => "unreadable-statement",
        }
    }

    /// Whether the server would refuse the statement (an unreadable one is not known to fail).
    pub fn breaks(self) -> bool {
        !matches!(self, FindingKind::Unreadable)
    }
}

/// A reference that does not resolve, or a statement that would fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// Where, in the consumer's text.
    pub span: Span,
    /// The name as written (`o.total`, `orders`), empty for an unreadable statement.
    pub name: String,
    pub message: String,
}

/// Splits a consumer's text into statements, each with its sqlc name when it has one.
pub fn statements(text: &str, dialect: Dialect) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut previous_end = 0;
    for chunk in split(text, dialect) {
        let gap = text.get(previous_end..chunk.offset).unwrap_or("");
        previous_end = chunk.offset + chunk.text.len();
        if chunk.kind != ChunkKind::Statement {
            continue;
        }
        out.push(Statement { name: annotation(gap), text: chunk.text.to_string(), start: chunk.start });
    }
    out
}

/// The last sqlc name annotation in the comments before a statement: `-- name: X :one`,
/// `/* name: X :many */` or `# name: X :exec`.
fn annotation(gap: &str) -> Option<String> {
    gap.lines().rev().find_map(|line| {
        let line = line.trim();
        let body = line
            .strip_prefix("--")
            .or_else(|| line.strip_prefix('#'))
            .or_else(|| line.strip_prefix("/*").map(|b| b.trim_end().trim_end_matches("*/")))?;
        let rest = body.trim_start().strip_prefix("name:")?;
        rest.split_whitespace().next().map(str::to_string)
    })
}

/// Every finding of every statement against one schema, as (statement index, finding).
pub fn check(schema: &Schema, dialect: Dialect, statements: &[Statement]) -> Vec<(usize, Finding)> {
    statements
        .iter()
        .enumerate()
        .flat_map(|(i, s)| resolve_statement(schema, dialect, s).into_iter().map(move |f| (i, f)))
        .collect()
}

/// A named schema state: "base", "after Expand", and so on.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    pub label: &'a str,
    pub schema: &'a Schema,
}

/// What happens to one statement across the points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementReport {
    pub statement: usize,
    /// Per point, in order: what breaks there.
    pub findings: Vec<Vec<Finding>>,
}

impl StatementReport {
    /// The first point where the statement breaks that worked at the one before (`None`: it works
    /// everywhere it worked at first).
    pub fn first_break(&self) -> Option<usize> {
        let breaks = |i: usize| self.findings[i].iter().any(|f| f.kind.breaks());
        (1..self.findings.len()).find(|&i| breaks(i) && !breaks(i - 1))
    }

    /// Broken already at the first point: not the plan's doing.
    pub fn already_broken(&self) -> bool {
        self.findings.first().is_some_and(|f| f.iter().any(|f| f.kind.breaks()))
    }
}

/// Checks every statement at every point.
pub fn check_points(points: &[Point<'_>], dialect: Dialect, statements: &[Statement]) -> Vec<StatementReport> {
    statements
        .iter()
        .enumerate()
        .map(|(i, s)| StatementReport {
            statement: i,
            findings: points.iter().map(|p| resolve_statement(p.schema, dialect, s)).collect(),
        })
        .collect()
}

/// The schema at each point of a plan: the base, then the schema after each stage the plan has.
/// Each is read the way the base was: the base's text followed by the forward SQL of every step
/// up to that point, through the importer, so a point holds what the plan's own SQL made of it
/// (compatibility views, shadow columns, renames) rather than what the planner meant to do.
pub fn plan_points(base_sql: &str, dialect: Dialect, plan: &Plan) -> Vec<(String, Schema)> {
    let mut out = vec![("base".to_string(), import(base_sql, Some(dialect)).schema)];
    for (i, stage) in plan.stages.iter().enumerate() {
        out.push((
            format!("after {}", stage.kind.label()),
            schema_after(base_sql, dialect, plan, i, stage.steps.len()),
        ));
    }
    out
}

/// The schema once the plan has run up to `steps` steps into its stage number `stage` (all the
/// stages before it whole): where, inside a stage, a statement stops working.
pub fn schema_after(base_sql: &str, dialect: Dialect, plan: &Plan, stage: usize, steps: usize) -> Schema {
    let mut text = base_sql.to_string();
    let ran = plan
        .stages
        .iter()
        .take(stage)
        .flat_map(|s| s.steps.iter())
        .chain(plan.stages.get(stage).into_iter().flat_map(|s| s.steps.iter().take(steps)));
    for sql in ran.flat_map(|s| s.sql.iter()) {
        text.push_str("\n;\n");
        text.push_str(sql);
    }
    import(&text, Some(dialect)).schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlc_annotations_name_the_statements_that_follow_them() {
        let text = "-- name: GetAuthor :one\nSELECT * FROM authors\nWHERE id = $1 LIMIT 1;\n\n/* name: ListAuthors :many */\nSELECT * FROM authors;\nSELECT 1;\n";
        let s = statements(text, Dialect::Postgres);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].name.as_deref(), Some("GetAuthor"));
        assert_eq!(s[0].start, Span::new(2, 1));
        assert_eq!(s[1].name.as_deref(), Some("ListAuthors"));
        assert_eq!(s[2].name, None);
        assert_eq!(s[2].label(), "statement at 7:1");
    }
}
