//! The application's own statements (a case's `consumers.sql`) run on the real database at
//! every point of the plan: on the base, and after each stage. At each point, what the server
//! does (runs the statement, or refuses it) must be what Bellows predicted from the schema it
//! reads back from the plan's own SQL at that point (`consumers::plan_points`).
//!
//! Placeholders are bound to values found on the database (`consumers::slots`): a value the
//! column holds, a parent row's key, or a fresh value of the column's type. Each statement runs
//! in a transaction that is rolled back, so the data the harness compares is never changed.
//! Where the plan renames, the statement's rewrite for the target runs too, and must work where
//! Bellows says it does.

use crate::runner::Exec;
use bellows_core::consumers::{
    analyze, bound, literal, plan_points, reads_or_writes_rows, rewrite_renames, slots, statements, FindingKind, Slot,
    SlotValue, Statement,
};
use bellows_core::diff::ChangeSet;
use bellows_core::plan::Plan;
use bellows_core::{Dialect, Schema};

/// What stops a statement at a point: each finding's kind, and the messages.
type Stops = (Vec<FindingKind>, String);

/// One statement to run at every point, with what Bellows predicts there.
#[derive(Debug, Clone)]
pub struct Check {
    pub label: String,
    pub statement: Statement,
    slots: Vec<Slot>,
    /// The bound values (SQL), found on the database the first time the statement runs, and
    /// kept for every later point.
    values: Option<Vec<Option<String>>>,
    /// Per point label: `None` when it runs there, or what stops it (each finding's kind) and
    /// why.
    predicted: Vec<(String, Option<Stops>)>,
}

/// What the consumer checks found over one run.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Statement runs (a statement at a point).
    pub runs: u64,
    pub agreed: u64,
    /// Of the runs, those Bellows predicted to fail (and the server refused).
    pub refused: u64,
    /// Statements Bellows cannot read, so predicts nothing about (not run).
    pub unchecked: u64,
    /// Statements that are not the application's queries (DDL in the file): not run.
    pub not_queries: u64,
    /// Runs the server refused for something Bellows does not check (a function the server
    /// lacks, SQL it cannot read, a value bound that a CHECK or a type refuses): nothing to
    /// compare. Fixtures must have none.
    pub uncompared: Vec<String>,
    pub mismatches: Vec<String>,
}

/// The checks for a consumer text over `plan`: each statement as written, and its rewrite
/// where the plan renames what it reads.
pub fn checks(
    text: &str,
    base_sql: &str,
    base: &Schema,
    target: &Schema,
    changes: &ChangeSet,
    plan: &Plan,
    d: Dialect,
) -> (Vec<Check>, u64, u64) {
    let points = plan_points(base_sql, d, plan);
    let mut out = Vec::new();
    let mut unchecked = 0;
    let mut not_queries = 0;
    let predict = |statement: &Statement| -> Vec<(String, Option<Stops>)> {
        points
            .iter()
            .map(|(label, schema)| {
                let findings: Vec<_> =
                    analyze(schema, d, statement).findings.into_iter().filter(|f| f.kind.breaks()).collect();
                let why = findings.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ");
                (label.clone(), (!findings.is_empty()).then(|| (findings.iter().map(|f| f.kind).collect(), why)))
            })
            .collect()
    };
    for statement in statements(text, d) {
        if !reads_or_writes_rows(&statement.text) {
            not_queries += 1;
            continue;
        }
        let at_base = analyze(base, d, &statement).findings;
        if at_base.iter().any(|f| f.kind == FindingKind::Unreadable) {
            unchecked += 1;
            continue;
        }
        if let Some(v2) = rewrite_renames(base, target, d, &statement, changes) {
            let rewritten = Statement { text: v2, ..statement.clone() };
            out.push(Check {
                label: format!("{} (rewritten)", statement.label()),
                slots: slots(target, d, &rewritten),
                values: None,
                predicted: predict(&rewritten),
                statement: rewritten,
            });
        }
        out.push(Check {
            label: statement.label(),
            slots: slots(base, d, &statement),
            values: None,
            predicted: predict(&statement),
            statement,
        });
    }
    (out, unchecked, not_queries)
}

/// What the server's error says is wrong with the statement against the schema (a missing
/// table or column, an ambiguous name, a required column left out), or `None` when it is about
/// the values the harness bound (a duplicate key, a type's range, a reference) or anything else.
pub fn error_kind(d: Dialect, error: &str) -> Option<FindingKind> {
    let table = FindingKind::UnknownTable;
    let column = FindingKind::UnknownColumn;
    let ambiguous = FindingKind::AmbiguousColumn;
    let required = FindingKind::MissingRequired;
    match d {
        Dialect::Postgres => {
            let code = error.rsplit('(').next().unwrap_or("").trim_end_matches(')');
            match code {
                "42P01" => Some(table),
                "42703" => Some(column),
                "42702" => Some(ambiguous),
                "23502" => Some(required),
                _ => None,
            }
        }
        Dialect::Sqlite => {
            let e = error.to_ascii_lowercase();
            if e.contains("no such table") {
                Some(table)
            } else if e.contains("no such column") || e.contains("has no column named") {
                Some(column)
            } else if e.contains("ambiguous column") {
                Some(ambiguous)
            } else if e.contains("not null constraint failed") {
                Some(required)
            } else {
                None
            }
        }
        Dialect::MySql => {
            let has = |code: &str| error.contains(&format!("ERROR {code} "));
            if has("1146") {
                Some(table)
            } else if has("1054") {
                Some(column)
            } else if has("1052") {
                Some(ambiguous)
            } else if has("1364") {
                // (1048, a NULL written into a NOT NULL column, is about the value.)
                Some(required)
            } else {
                None
            }
        }
    }
}

/// Whether the server's error and Bellows' finding say the same thing: a qualifier that names
/// nothing is a missing column to SQLite and MySQL, and a missing FROM-clause entry (an
/// undefined table, 42P01) to PostgreSQL.
fn same_kind(predicted: FindingKind, observed: FindingKind) -> bool {
    predicted == observed
        || (predicted == FindingKind::UnknownAlias
            && matches!(observed, FindingKind::UnknownColumn | FindingKind::UnknownTable))
}

/// Finds the values of a check's placeholders on the database as it is now.
fn bind(exec: &mut dyn Exec, slots: &[Slot]) -> Vec<Option<String>> {
    slots
        .iter()
        .map(|slot| match &slot.value {
            SlotValue::Fixed(sql) => Some(sql.clone()),
            SlotValue::Lookup { queries, .. } => queries.iter().find_map(|q| {
                let rows = exec.run(q).ok()?;
                rows.into_iter().next()?.into_iter().next().flatten().map(|v| literal(&v))
            }),
        })
        .collect()
}

/// How long one of the application's statements may run: a recursive query over seeded rows
/// can run on without end, and one stopped while running was accepted by the server (names
/// are resolved before a statement runs), which is all the check asks.
const TIME_LIMIT_SECONDS: u32 = 2;

/// Runs `sql` (inside the caller's transaction) for at most [`TIME_LIMIT_SECONDS`]: stopped
/// for time, it counts as run.
fn run_limited(exec: &mut dyn Exec, d: Dialect, sql: &str) -> Result<(), String> {
    let (sql, stopped): (String, &[&str]) = match d {
        Dialect::Postgres => {
            let _ = exec.run(&format!("SET LOCAL statement_timeout = {}", TIME_LIMIT_SECONDS * 1000));
            (sql.to_string(), &["(57014)"])
        }
        Dialect::MySql => (
            format!("SET STATEMENT max_statement_time={TIME_LIMIT_SECONDS} FOR {sql}"),
            &["ERROR 1969 ", "ERROR 3024 "],
        ),
        Dialect::Sqlite => {
            exec.time_limit(Some(TIME_LIMIT_SECONDS));
            (sql.to_string(), &["interrupted"])
        }
    };
    let result = exec.run(&sql);
    exec.time_limit(None);
    match result {
        Err(e) if stopped.iter().any(|s| e.contains(s)) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Runs every check at `point` and tallies agreement with the prediction.
pub fn run_point(exec: &mut dyn Exec, d: Dialect, checks: &mut [Check], point: &str, tally: &mut Tally) {
    for check in checks.iter_mut() {
        let Some((_, predicted)) = check.predicted.iter().find(|(p, _)| p == point) else { continue };
        let predicted = predicted.clone();
        if check.values.is_none() {
            check.values = Some(bind(exec, &check.slots));
        }
        let values = check.values.clone().unwrap_or_default();
        let sql = bound(&check.statement.text, &check.slots, &values);
        let _ = exec.search_path(None);
        let mut attempt = 0;
        let observed = loop {
            let began = exec.run("BEGIN");
            let observed = run_limited(exec, d, &sql);
            if began.is_ok() {
                let _ = exec.run("ROLLBACK");
            }
            // InnoDB may choose the statement as a deadlock victim beside the workloads: an
            // application runs it again.
            match observed {
                Err(e) if attempt < 5 && exec.retry_transaction(&e) => attempt += 1,
                other => break other,
            }
        };
        tally.runs += 1;
        let label = &check.label;
        if std::env::var_os("BELLOWS_TRACE_CONSUMERS").is_some() {
            let said = predicted.as_ref().map_or("runs", |(_, why)| why.as_str());
            let did = observed.as_ref().map_or_else(|e| e.as_str(), |_| "ran");
            eprintln!("{point}: {label}: predicted {said}; server {did}");
        }
        let observed = observed.map_err(|e| (error_kind(d, &e), e));
        match (predicted, observed) {
            (None, Ok(_)) => tally.agreed += 1,
            (Some((kinds, _)), Err((Some(kind), _))) if kinds.iter().any(|k| same_kind(*k, kind)) => {
                tally.agreed += 1;
                tally.refused += 1;
            }
            (Some((_, why)), Err((Some(_), e))) => tally.mismatches.push(format!(
                "{point}: {label}: Bellows says it fails ({why}); the server refused it for another reason: {e}\n    {sql}"
            )),
            (None, Err((Some(_), e))) => {
                tally.mismatches.push(format!("{point}: {label}: Bellows says it runs; the server refused it: {e}\n    {sql}"))
            }
            (_, Err((None, e))) => tally.uncompared.push(format!("{point}: {label}: {e}\n    {sql}")),
            (Some((_, why)), Ok(_)) => tally
                .mismatches
                .push(format!("{point}: {label}: Bellows says it fails ({why}); the server ran it\n    {sql}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_errors_are_told_from_value_errors() {
        let pg = Dialect::Postgres;
        assert_eq!(error_kind(pg, "column \"total\" does not exist (42703)"), Some(FindingKind::UnknownColumn));
        assert_eq!(
            error_kind(pg, "null value in column \"x\" violates not-null constraint (23502)"),
            Some(FindingKind::MissingRequired)
        );
        assert_eq!(error_kind(pg, "duplicate key value violates unique constraint \"k\" (23505)"), None);
        assert_eq!(error_kind(Dialect::Sqlite, "no such column: total"), Some(FindingKind::UnknownColumn));
        assert_eq!(error_kind(Dialect::Sqlite, "UNIQUE constraint failed: orders.id"), None);
        assert_eq!(
            error_kind(Dialect::MySql, "ERROR 1054 (42S22) at line 1: Unknown column 'total'"),
            Some(FindingKind::UnknownColumn)
        );
        assert_eq!(error_kind(Dialect::MySql, "ERROR 1062 (23000) at line 1: Duplicate entry"), None);
    }
}
