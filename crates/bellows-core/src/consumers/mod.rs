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

mod bind;
mod export;
pub mod frameworks;
mod over_plan;
mod resolve;

use crate::diff::ChangeSet;
use crate::import::split::{split, ChunkKind};
use crate::plan::Plan;
use crate::verify::{renamed_column, renamed_table};
use crate::{import, Dialect, Schema, Span};
use serde::{Deserialize, Serialize};

pub use bind::{bound, literal, reads_or_writes_rows, slots, Slot, SlotValue, FRESH_ROW};
pub use export::{statements_from_export, DIGEST_LIMIT};
pub use over_plan::{check_over_plan, Outcome, PlanPoints, Verdict};
pub use resolve::{analyze, references, resolve_statement, Analysis, Reference, Use};

/// Something outside the schema that reads or writes it (a service, a job, a dashboard), with
/// its SQL: part of a design, so it travels in links, files and the autosave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub name: String,
    #[serde(default)]
    pub kind: ConsumerKind,
    /// Who to ask about it (a team, a person).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// Its statements (sqlc's `-- name:` annotations name them).
    pub sql: String,
}

/// What kind of thing a consumer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsumerKind {
    #[default]
    Service,
    Job,
    Dashboard,
    Webhook,
    Other,
}

impl ConsumerKind {
    pub const ALL: [ConsumerKind; 5] =
        [ConsumerKind::Service, ConsumerKind::Job, ConsumerKind::Dashboard, ConsumerKind::Webhook, ConsumerKind::Other];

    pub fn id(self) -> &'static str {
        match self {
            ConsumerKind::Service => "service",
            ConsumerKind::Job => "job",
            ConsumerKind::Dashboard => "dashboard",
            ConsumerKind::Webhook => "webhook",
            ConsumerKind::Other => "other",
        }
    }

    pub fn parse(id: &str) -> Option<ConsumerKind> {
        ConsumerKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

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
    /// The columns a `*` stands for changed: code that reads them by position, or maps every
    /// column, breaks. A warning: the statement itself still runs.
    StarChanged,
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
            FindingKind::StarChanged => "star-changed",
            FindingKind::Unreadable => "unreadable-statement",
        }
    }

    /// Whether the server would refuse the statement (an unreadable one is not known to fail).
    pub fn breaks(self) -> bool {
        !matches!(self, FindingKind::Unreadable | FindingKind::StarChanged)
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
/// Past the first point, a `*` whose columns differ from the first point's is a
/// [`FindingKind::StarChanged`] warning.
pub fn check_points(points: &[Point<'_>], dialect: Dialect, statements: &[Statement]) -> Vec<StatementReport> {
    statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let analyses: Vec<Analysis> = points.iter().map(|p| analyze(p.schema, dialect, s)).collect();
            let first_output = analyses.first().and_then(|a| a.output.clone());
            let findings = analyses
                .into_iter()
                .enumerate()
                .map(|(n, mut a)| {
                    if let Some(change) = star_change(s, first_output.as_deref(), &a).filter(|_| n > 0) {
                        a.findings.push(change);
                    }
                    a.findings
                })
                .collect();
            StatementReport { statement: i, findings }
        })
        .collect()
}

/// A warning when a statement's `*` stands for other columns than it did in `before`.
pub fn star_change(statement: &Statement, before: Option<&[String]>, now: &Analysis) -> Option<Finding> {
    let (before, after) = (before?, now.output.as_deref()?);
    if !now.star || now.findings.iter().any(|f| f.kind.breaks()) || before == after {
        return None;
    }
    let list = |cols: &[String]| cols.join(", ");
    Some(Finding {
        kind: FindingKind::StarChanged,
        span: statement.start,
        name: "*".into(),
        message: format!(
            "`*` now returns ({}) where it returned ({}): code that reads columns by position or maps every column must follow",
            list(after),
            list(before)
        ),
    })
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

/// The statement for the target, where the change is a rename: every name that resolves to a
/// renamed table or column is replaced where it stands, and the rest of the text (spacing,
/// comments, case, aliases, strings) is kept; a bare column that names an output keeps that name
/// (`a.full_name AS name`). `None` when nothing in it is renamed, or when the result does not
/// read the target cleanly (a `JOIN ... USING` of a column one side renames, a `*` that a
/// subquery passes on): those are changed by hand.
pub fn rewrite_renames(
    base: &Schema,
    target: &Schema,
    dialect: Dialect,
    statement: &Statement,
    changes: &ChangeSet,
) -> Option<String> {
    let text = renamed_text(base, dialect, statement, changes)?;
    let v2 = Statement { text, ..statement.clone() };
    resolve_statement(target, dialect, &v2).is_empty().then_some(v2.text)
}

fn renamed_text(schema: &Schema, dialect: Dialect, statement: &Statement, changes: &ChangeSet) -> Option<String> {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let offsets = char_offsets(&statement.text, statement.start);
    for r in references(schema, dialect, statement) {
        let new_table = renamed_table(changes, &r.table);
        let new_name = match &r.column {
            Some(c) => renamed_column(changes, &new_table, c),
            None => new_table.rsplit('.').next().unwrap_or(&new_table).to_string(),
        };
        let old_name = match &r.column {
            Some(c) => c.clone(),
            None => r.table.rsplit('.').next().unwrap_or(&r.table).to_string(),
        };
        if new_name == old_name {
            continue;
        }
        let (Some(&from), to) = (offsets.get(&r.start), offsets.get(&r.end).copied().unwrap_or(statement.text.len()))
        else {
            continue;
        };
        let mut spelled = match r.quote {
            Some('[') => format!("[{new_name}]"),
            Some(q) => format!("{q}{new_name}{q}"),
            None => identifier(&new_name, dialect),
        };
        // A bare column as a select item names the output: it keeps its name, so what reads
        // the result (a CTE's, a subquery's or the application's code) still finds it.
        if r.names_output {
            if let Some(written) = statement.text.get(from..to) {
                spelled = format!("{spelled} AS {written}");
            }
        }
        if !edits.iter().any(|(f, _, _)| *f == from) {
            edits.push((from, to, spelled));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(from, _, _)| std::cmp::Reverse(*from));
    let mut text = statement.text.clone();
    for (from, to, spelled) in edits {
        if from <= to && to <= text.len() && text.is_char_boundary(from) && text.is_char_boundary(to) {
            text.replace_range(from..to, &spelled);
        }
    }
    Some(text)
}

/// A name as the dialect needs it written: bare when it can be, quoted otherwise.
fn identifier(name: &str, dialect: Dialect) -> String {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    match (bare, dialect) {
        (true, _) => name.to_string(),
        (false, Dialect::MySql) => format!("`{}`", name.replace('`', "``")),
        (false, _) => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// The byte offset of every (line, column) in a text that starts at `start`.
fn char_offsets(text: &str, start: Span) -> std::collections::HashMap<Span, usize> {
    let mut out = std::collections::HashMap::new();
    let (mut line, mut column) = (start.line, start.column);
    for (i, ch) in text.char_indices() {
        out.insert(Span::new(line, column), i);
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    out.insert(Span::new(line, column), text.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_rewrites_the_statement_in_place_and_keeps_its_formatting() {
        use crate::diff::{diff, DiffOptions, Matching, RenameHint};
        let base = import(
            "CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);\nCREATE TABLE books (id int PRIMARY KEY, author_id int REFERENCES authors (id), name text);",
            Some(Dialect::Postgres),
        )
        .schema;
        let target = import(
            "CREATE TABLE writers (id int PRIMARY KEY, full_name text NOT NULL);\nCREATE TABLE books (id int PRIMARY KEY, author_id int REFERENCES writers (id), name text);",
            Some(Dialect::Postgres),
        )
        .schema;
        let hints = ["authors=writers", "writers.name=full_name"].map(|h| RenameHint::parse(h).expect("hint")).to_vec();
        let changes = diff(
            &base,
            &target,
            &DiffOptions { matching: Matching::Names, renames: hints, merges: vec![], moves: vec![] },
        );
        let sql = "-- name: Titles :many\nSELECT a.name,  b.name AS title -- keep me\nFROM   authors a JOIN books b ON b.author_id = a.id\nWHERE authors_filter(a.name) AND $1 = 'authors.name';";
        let s = &statements(sql, Dialect::Postgres)[0];
        let v2 = rewrite_renames(&base, &target, Dialect::Postgres, s, &changes).expect("renamed");
        assert_eq!(
            v2,
            "SELECT a.full_name AS name,  b.name AS title -- keep me\nFROM   writers a JOIN books b ON b.author_id = a.id\nWHERE authors_filter(a.full_name) AND $1 = 'authors.name'"
        );
        let v2 = Statement { text: v2, ..s.clone() };
        assert_eq!(resolve_statement(&target, Dialect::Postgres, &v2), vec![]);
        // Unaliased, the qualifier is the table's name and is renamed with it.
        let s = &statements("SELECT authors.name FROM authors", Dialect::Postgres)[0];
        assert_eq!(
            rewrite_renames(&base, &target, Dialect::Postgres, s, &changes).as_deref(),
            Some("SELECT writers.full_name AS name FROM writers")
        );
        let s = &statements("SELECT name FROM books", Dialect::Postgres)[0];
        assert_eq!(rewrite_renames(&base, &target, Dialect::Postgres, s, &changes), None);
    }

    #[test]
    fn a_star_whose_columns_change_is_a_warning_not_a_break() {
        let base = import("CREATE TABLE t (id int PRIMARY KEY, a text);", Some(Dialect::Postgres)).schema;
        let wider = import("CREATE TABLE t (id int PRIMARY KEY, a text, b text);", Some(Dialect::Postgres)).schema;
        let stmts = statements(
            "SELECT * FROM t;\nSELECT id, a FROM t;\nSELECT x.* FROM (SELECT * FROM t) x;",
            Dialect::Postgres,
        );
        let points = [Point { label: "base", schema: &base }, Point { label: "after Expand", schema: &wider }];
        let reports = check_points(&points, Dialect::Postgres, &stmts);
        let kinds = |r: &StatementReport, i: usize| r.findings[i].iter().map(|f| f.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&reports[0], 0), vec![]);
        assert_eq!(kinds(&reports[0], 1), vec![FindingKind::StarChanged]);
        assert!(reports[0].findings[1][0].message.contains("(id, a, b) where it returned (id, a)"));
        assert_eq!(reports[0].first_break(), None);
        assert_eq!(kinds(&reports[1], 1), vec![]);
        assert_eq!(kinds(&reports[2], 1), vec![FindingKind::StarChanged]);
    }

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
