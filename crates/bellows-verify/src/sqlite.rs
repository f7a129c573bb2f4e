//! SQLite: a real database (the bundled library, in memory), the same checks as on a server
//! minus concurrency. SQLite has one writer at a time, so the workloads run between steps: v1
//! from before Expand until Contract, v2 once the plan says it may.

use crate::engine::Engine;
use crate::report::Report;
use crate::runner::{Exec, Rows, Runner};
use bellows_core::plan::Step;
use bellows_core::verify::Seed;
use bellows_core::{import, Dialect, Schema, Severity};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::sync::atomic::AtomicU8;
use std::sync::Arc;

/// Workload iterations run at each point between steps.
const BURST: usize = 12;

#[allow(missing_debug_implementations)] // a connection
pub struct SqliteExec {
    pub conn: Connection,
}

impl SqliteExec {
    pub fn open() -> Result<Self, String> {
        let conn = Connection::open_in_memory().map_err(|e| format!("cannot open SQLite: {e}"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON").map_err(|e| e.to_string())?;
        Ok(Self { conn })
    }

    /// Loads a schema text (a whole script), as an installer would: `#` comment lines, which
    /// SQLite rejects and RT's installer strips, are left out.
    pub fn load(&self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(&bellows_core::import::without_hash_comments(sql)).map_err(|e| e.to_string())
    }

    /// The schema as SQLite has it: `sqlite_master`, imported by the core.
    pub fn introspect(&self) -> Result<Schema, String> {
        let mut stmt = self
            .conn
            .prepare(
                // A virtual table's shadow tables (an FTS index's `_content`, `_segdir`, ...)
                // are SQLite's own: the virtual table stands for them.
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
                 AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow') \
                 ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?;
        let mut text = String::new();
        for row in rows {
            text.push_str(&row.map_err(|e| e.to_string())?);
            text.push_str(";\n");
        }
        let result = import(&text, Some(Dialect::Sqlite));
        if let Some(e) = result.diagnostics.iter().find(|d| d.severity == Severity::Error) {
            return Err(format!("the database's schema does not import: {e}"));
        }
        Ok(result.schema)
    }

    pub fn version() -> String {
        rusqlite::version().to_string()
    }
}

impl Exec for SqliteExec {
    fn time_limit(&mut self, seconds: Option<u32>) {
        match seconds {
            Some(s) => {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(u64::from(s));
                // Called every 10,000 virtual machine instructions; `true` interrupts.
                self.conn.progress_handler(10_000, Some(move || std::time::Instant::now() > deadline));
            }
            None => self.conn.progress_handler(10_000, None::<fn() -> bool>),
        }
    }

    fn run(&mut self, sql: &str) -> Result<Rows, String> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| e.to_string())?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(match row.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(f) => Some(f.to_string()),
                    ValueRef::Text(t) => Some(String::from_utf8_lossy(t).to_string()),
                    ValueRef::Blob(b) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
                });
            }
            out.push(cells);
        }
        Ok(out)
    }

    fn search_path(&mut self, _path: Option<&str>) -> Result<(), String> {
        Ok(())
    }
}

#[allow(missing_debug_implementations)] // connections
pub struct SqliteEngine {
    main: SqliteExec,
    reference: Option<SqliteExec>,
    runners: Vec<Runner>,
    stage: Option<Arc<AtomicU8>>,
}

impl SqliteEngine {
    pub fn new(before: &str, after: Option<&str>) -> Result<Self, String> {
        let main = SqliteExec::open()?;
        main.load(before).map_err(|e| format!("the base does not load: {e}"))?;
        let reference = match after {
            Some(text) => {
                let r = SqliteExec::open()?;
                r.load(text).map_err(|e| format!("the target does not load: {e}"))?;
                Some(r)
            }
            None => None,
        };
        Ok(Self { main, reference, runners: Vec::new(), stage: None })
    }
}

impl Engine for SqliteEngine {
    fn server(&self) -> String {
        format!("sqlite {}", SqliteExec::version())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self) -> &mut dyn Exec {
        &mut self.main
    }

    fn reference(&mut self) -> Option<&mut dyn Exec> {
        self.reference.as_mut().map(|r| r as &mut dyn Exec)
    }

    fn introspect(&mut self) -> Result<Schema, String> {
        self.main.introspect()
    }

    fn seed(&mut self, seed: &Seed) -> Vec<(String, String)> {
        let mut failed = Vec::new();
        for statement in &seed.statements {
            if let Err(e) = self.main.conn.execute_batch(&statement.sql) {
                failed.push((statement.table.clone(), format!("{e}; {}", statement.sql)));
            }
        }
        for fixup in &seed.fixups {
            let _ = self.main.conn.execute_batch(&fixup.sql);
        }
        failed
    }

    /// `PRAGMA foreign_key_check` that returns rows fails the step and rolls its transaction
    /// back, as the plan's reason tells a person running it to do.
    fn run_step(&mut self, step: &Step, _report: &mut Report) -> Result<u64, String> {
        let conn = &self.main.conn;
        let wrap = step.transactional && !step.sql.iter().any(|s| s.eq_ignore_ascii_case("BEGIN"));
        if wrap {
            conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        }
        let mut changed = 0u64;
        for sql in &step.sql {
            let outcome = if sql.eq_ignore_ascii_case("PRAGMA foreign_key_check") {
                let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
                let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
                match rows.next() {
                    Ok(Some(row)) => Err(format!(
                        "PRAGMA foreign_key_check found a broken reference in {}",
                        row.get::<_, String>(0).unwrap_or_default()
                    )),
                    Ok(None) => Ok(()),
                    Err(e) => Err(e.to_string()),
                }
            } else if step.repeat_until_no_rows {
                let mut r = Ok(());
                for _ in 0..1_000_000 {
                    match conn.execute(sql, []) {
                        Ok(0) => break,
                        Ok(n) => changed += n as u64,
                        Err(e) => {
                            r = Err(e.to_string());
                            break;
                        }
                    }
                }
                r
            } else {
                conn.execute_batch(sql).map_err(|e| e.to_string())
            };
            if let Err(e) = outcome {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                let _ = conn.execute_batch("PRAGMA foreign_keys = ON");
                return Err(format!("{}: {sql}: {e}", step.title));
            }
        }
        if wrap {
            conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        }
        Ok(changed)
    }

    fn undo_step(&mut self, step: &Step) -> Result<(), String> {
        let mut undo = step.clone();
        undo.sql = step.rollback.clone();
        undo.repeat_until_no_rows = false;
        let mut scratch = Report::default();
        self.run_step(&undo, &mut scratch).map(|_| ()).map_err(|e| format!("undo of {e}"))
    }

    fn start(&mut self, runner: Runner, stage: Arc<AtomicU8>) -> Result<(), String> {
        self.stage = Some(stage);
        self.runners.push(runner);
        Ok(())
    }

    fn between_steps(&mut self, at: &str) {
        for runner in &mut self.runners {
            for _ in 0..BURST {
                runner.iteration(&mut self.main, at);
            }
        }
    }

    fn stop(&mut self) -> Vec<Runner> {
        std::mem::take(&mut self.runners)
    }
}
