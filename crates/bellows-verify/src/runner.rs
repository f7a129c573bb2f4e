//! Runs a workload's units against a database, whatever the engine: each iteration writes one
//! unit (its parents, its row), updates the row, and now and then deletes an older one,
//! reading back the keys the database gave. Failures are kept with the stage they happened in.

use bellows_core::verify::{Touch, Unit, WORKLOAD_BASE};
use std::collections::VecDeque;

/// Text cells of the rows a statement returned (`None` for NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// Something that runs one statement and returns its rows.
pub trait Exec {
    fn run(&mut self, sql: &str) -> Result<Rows, String>;
    /// Sets the search path for the statements that follow (PostgreSQL), or does nothing.
    fn search_path(&mut self, path: Option<&str>) -> Result<(), String>;
    /// True when the error rolled the whole transaction back and the database's own guidance is
    /// to run it again (InnoDB's deadlock victim, which two single-row writes of the application
    /// can make on index gaps with no plan involved). PostgreSQL: never.
    fn retry_transaction(&self, _error: &str) -> bool {
        false
    }
    /// Stops statements that run longer than `seconds` (`None`: no limit), for statements the
    /// harness did not write (the application's, whose recursive queries may run on and on
    /// over seeded rows). SQLite's connection counts it; the servers are told per statement.
    fn time_limit(&mut self, _seconds: Option<u32>) {}
}

#[derive(Debug)]
pub struct Runner {
    pub version: u8,
    units: Vec<Unit>,
    /// Units that failed on a database where the plan had not run yet: the generator's limit,
    /// not the plan's fault, so they are left out (and reported).
    pub excluded: Vec<(String, String)>,
    active: Vec<usize>,
    next: i64,
    /// Added to row numbers, so a second runner of one version writes rows of its own.
    offset: i64,
    history: Vec<VecDeque<Vec<Option<String>>>>,
    pub statements: u64,
    /// Inserts that wrote no row (a CHECK filtered it, or a unique key refused it).
    pub empty: u64,
    pub failures: Vec<String>,
    /// Units run again after the database rolled them back as a deadlock victim.
    pub retried: u64,
    /// Each touch with the key columns (as text) of the rows it may update.
    touches: Vec<(Touch, Vec<Vec<Option<String>>>)>,
}

/// How many times a unit InnoDB chose as a deadlock victim is run again. Two workloads writing
/// rows under the same parents meet on index gaps often on a busy 2-core machine: a real
/// application retries with a growing pause, and so does the harness.
const DEADLOCK_RETRIES: u32 = 8;

/// The pause before retry `attempt`: 5 ms, doubling, at most 320 ms.
fn backoff(attempt: u32) {
    std::thread::sleep(std::time::Duration::from_millis(5u64 << attempt.min(6)));
}

fn literal(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("'{}'", v.replace('\'', "''")),
        None => "NULL".to_string(),
    }
}

fn fill(sql: &str, k: i64, parents: &[Vec<Option<String>>], key: Option<&[Option<String>]>) -> String {
    let mut out = sql.replace("@@K@@", &k.to_string());
    for (i, row) in parents.iter().enumerate().rev() {
        for (j, v) in row.iter().enumerate().rev() {
            out = out.replace(&format!("@@P{i}_{j}@@"), &literal(v));
        }
    }
    if let Some(key) = key {
        for (j, v) in key.iter().enumerate().rev() {
            out = out.replace(&format!("@@R{j}@@"), &literal(v));
        }
    }
    out
}

/// What one unit's run did.
enum Outcome {
    Wrote,
    Empty,
    Failed(String),
}

impl Runner {
    pub fn new(version: u8, units: Vec<Unit>) -> Self {
        let n = units.len();
        Self {
            version,
            units,
            excluded: Vec::new(),
            active: (0..n).collect(),
            next: 1,
            offset: 0,
            history: vec![VecDeque::new(); n],
            statements: 0,
            empty: 0,
            failures: Vec::new(),
            retried: 0,
            touches: Vec::new(),
        }
    }

    /// Also touches old rows, one per iteration in turn.
    pub fn with_touches(mut self, touches: Vec<(Touch, Vec<Vec<Option<String>>>)>) -> Self {
        self.touches = touches.into_iter().filter(|(_, rows)| !rows.is_empty()).collect();
        self
    }

    /// This runner's row numbers start `offset` above the version's.
    pub fn with_offset(mut self, offset: i64) -> Self {
        self.offset = offset;
        self
    }

    /// The rows each touch may update, as calibration left them (by base table).
    pub fn touch_rows(&self) -> std::collections::BTreeMap<String, Vec<Vec<Option<String>>>> {
        self.touches.iter().map(|(t, rows)| (t.table.clone(), rows.clone())).collect()
    }

    /// The units left after calibration, to run again later (after Contract).
    pub fn remaining_units(&self) -> Vec<Unit> {
        self.active.iter().map(|&u| self.units[u].clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    pub fn units(&self) -> usize {
        self.active.len()
    }

    /// Runs every unit once on a database the plan has not touched (inside a transaction the
    /// caller rolls back, or on a scratch database); units that fail there are left out.
    pub fn calibrate(&mut self, exec: &mut dyn Exec) {
        let mut keep = Vec::new();
        // Three rows each: values alternate (a flag every other row, a NULL every seventh), and
        // the schema's own triggers may refuse some of them.
        'units: for &u in &self.active.clone() {
            for _ in 0..3 {
                let k = self.row_number();
                if let Outcome::Failed(e) = self.run_unit(exec, u, k, true, false) {
                    // An update or a delete the schema refuses is left out; the unit still
                    // writes its rows.
                    let unit = &mut self.units[u];
                    if e.starts_with("UPDATE") && unit.update.is_some() {
                        unit.update = None;
                        continue;
                    }
                    if e.starts_with("DELETE") && unit.delete.is_some() {
                        unit.delete = None;
                        continue;
                    }
                    self.excluded.push((unit.table.clone(), e));
                    continue 'units;
                }
            }
            keep.push(u);
        }
        self.active = keep;
        // Touches too, row by row: a table whose own triggers refuse any update (`link rows
        // are immutable`) is not touched, nor a seeded row that breaks a rule only a trigger
        // enforces (seeding holds triggers off).
        let mut touches = Vec::new();
        for (touch, rows) in std::mem::take(&mut self.touches) {
            let mut kept = Vec::new();
            let mut last_error = None;
            for row in rows {
                let sql = fill(&touch.sql, 1, &[], Some(&row));
                match exec.run(&sql) {
                    Ok(_) => kept.push(row),
                    Err(e) => last_error = Some(format!("{sql}: {e}")),
                }
            }
            match (kept.is_empty(), last_error) {
                (true, Some(e)) => self.excluded.push((format!("{} (touch)", touch.table), e)),
                _ => touches.push((touch, kept)),
            }
        }
        self.touches = touches.into_iter().filter(|(_, rows)| !rows.is_empty()).collect();
        self.history.iter_mut().for_each(VecDeque::clear);
        self.statements = 0;
        self.empty = 0;
    }

    fn row_number(&mut self) -> i64 {
        let k = WORKLOAD_BASE * i64::from(self.version) + self.offset + self.next;
        self.next += 1;
        k
    }

    /// One iteration: the next unit in turn. A failure is recorded with `stage`.
    pub fn iteration(&mut self, exec: &mut dyn Exec, stage: &str) {
        if self.active.is_empty() {
            return;
        }
        let u = self.active[(self.next as usize) % self.active.len()];
        let k = self.row_number();
        match self.run_unit(exec, u, k, true, true) {
            Outcome::Failed(e) => self.failures.push(format!("during {stage}: {e}")),
            Outcome::Empty => self.empty += 1,
            Outcome::Wrote => {}
        }
        if !self.touches.is_empty() {
            let (touch, rows) = &self.touches[(self.next as usize) % self.touches.len()];
            let row = &rows[(self.next as usize / self.touches.len().max(1)) % rows.len()];
            let sql = fill(&touch.sql, k, &[], Some(row));
            self.statements += 1;
            let mut attempt = 0;
            loop {
                match exec.run(&sql) {
                    Err(e) if attempt < DEADLOCK_RETRIES && exec.retry_transaction(&e) => {
                        attempt += 1;
                        self.retried += 1;
                        backoff(attempt);
                    }
                    Err(e) => {
                        self.failures.push(format!("during {stage}: {sql}: {e}"));
                        break;
                    }
                    Ok(_) => break,
                }
            }
        }
    }

    /// One unit of work; in its own transaction (`transaction`), as an application writes an
    /// object and its parents together, so deferred checks and triggers see the whole of it.
    fn run_unit(&mut self, exec: &mut dyn Exec, u: usize, k: i64, deletes: bool, transaction: bool) -> Outcome {
        let mut attempt = 0;
        loop {
            let outcome = self.run_unit_once(exec, u, k, deletes, transaction);
            match &outcome {
                Outcome::Failed(e) if transaction && attempt < DEADLOCK_RETRIES && exec.retry_transaction(e) => {
                    attempt += 1;
                    self.retried += 1;
                    backoff(attempt);
                }
                _ => return outcome,
            }
        }
    }

    fn run_unit_once(&mut self, exec: &mut dyn Exec, u: usize, k: i64, deletes: bool, transaction: bool) -> Outcome {
        let unit = self.units[u].clone();
        if let Err(e) = exec.search_path(unit.search_path.as_deref()) {
            return Outcome::Failed(e);
        }
        if transaction {
            if let Err(e) = exec.run("BEGIN") {
                return Outcome::Failed(e);
            }
        }
        let mut outcome = self.write(exec, &unit, u, k, deletes);
        if transaction {
            match outcome {
                Outcome::Wrote => {
                    if let Err(e) = exec.run("COMMIT") {
                        let _ = exec.run("ROLLBACK");
                        outcome = Outcome::Failed(format!("COMMIT of a unit writing {}: {e}", unit.table));
                    }
                }
                _ => {
                    let _ = exec.run("ROLLBACK");
                }
            }
        }
        let _ = exec.search_path(None);
        outcome
    }

    fn write(&mut self, exec: &mut dyn Exec, unit: &Unit, u: usize, k: i64, deletes: bool) -> Outcome {
        let mut returned: Vec<Vec<Option<String>>> = Vec::new();
        for insert in &unit.inserts {
            let sql = fill(&insert.sql, k, &returned, None);
            self.statements += 1;
            match exec.run(&sql) {
                Ok(rows) => match rows.into_iter().next() {
                    Some(row) => returned.push(row),
                    None if insert.returns.is_empty() => returned.push(Vec::new()),
                    None => return Outcome::Empty,
                },
                Err(e) => return Outcome::Failed(format!("{sql}: {e}")),
            }
        }
        let own_len = unit.inserts.last().map_or(0, |i| i.key_len);
        let own: Vec<Option<String>> =
            returned.last().map(|r| r.iter().take(own_len).cloned().collect()).unwrap_or_default();
        if let Some(update) = &unit.update {
            if own_len > 0 {
                let sql = fill(update, k, &returned, Some(&own));
                self.statements += 1;
                if let Err(e) = exec.run(&sql) {
                    return Outcome::Failed(format!("{sql}: {e}"));
                }
            }
        }
        if own_len > 0 {
            self.history[u].push_back(own);
        }
        if deletes && self.history[u].len() > 2 {
            if let (Some(delete), Some(old)) = (&unit.delete, self.history[u].pop_front()) {
                let sql = fill(delete, k, &returned, Some(&old));
                self.statements += 1;
                if let Err(e) = exec.run(&sql) {
                    return Outcome::Failed(format!("{sql}: {e}"));
                }
            }
        }
        Outcome::Wrote
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_literals() {
        let parents = vec![vec![Some("4".to_string()), Some("it's".to_string())], vec![None]];
        assert_eq!(
            fill(
                "INSERT ... (@@K@@, CAST(@@P0_0@@ AS int), @@P0_1@@, @@P1_0@@) WHERE id = @@R0@@",
                12,
                &parents,
                Some(&[Some("9".into())])
            ),
            "INSERT ... (12, CAST('4' AS int), 'it''s', NULL) WHERE id = '9'"
        );
    }
}
