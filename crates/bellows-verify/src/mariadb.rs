//! MariaDB (and MySQL): a real server over its local socket, the same checks as on PostgreSQL,
//! with the workloads on threads of their own beside the plan. The base is loaded with the
//! server's own client (which reads DELIMITER as a dump writes it), and the schema is read back
//! with `mariadb-dump --no-data`, imported by the core.

use crate::engine::Engine;
use crate::report::Report;
use crate::runner::{Exec, Rows, Runner};
use bellows_core::plan::Step;
use bellows_core::verify::Seed;
use bellows_core::{import, Dialect, Schema, Severity};
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicU8;
use std::sync::Arc;
use std::time::Duration;

/// The server's socket: `BELLOWS_MYSQL`, or Debian's default.
pub fn socket() -> String {
    std::env::var("BELLOWS_MYSQL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "/run/mysqld/mysqld.sock".into())
}

fn user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".into())
}

pub fn connect(db: Option<&str>) -> Result<Conn, String> {
    let opts = OptsBuilder::new().socket(Some(socket())).user(Some(user())).db_name(db.map(str::to_string));
    Conn::new(opts).map_err(|e| format!("cannot connect to MariaDB at {}: {e}", socket()))
}

pub fn server_available() -> bool {
    connect(None).is_ok()
}

/// `10.11.19-MariaDB-0+deb12u1`.
pub fn server_version() -> Result<String, String> {
    let mut c = connect(None)?;
    c.query_first::<String, _>("SELECT VERSION()").map_err(|e| e.to_string())?.ok_or_else(|| "no version".into())
}

fn client_binary(names: &[&'static str]) -> &'static str {
    names
        .iter()
        .find(|n| std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(n).is_file())))
        .copied()
        .unwrap_or(names[0])
}

/// The databases a MySQL text switches to or creates (`USE sakila`, `CREATE SCHEMA sakila`).
pub fn home_databases(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in sql.lines() {
        let words: Vec<String> = line
            .trim()
            .trim_end_matches(';')
            .split_whitespace()
            .map(|w| w.trim_matches('`').trim_end_matches(';').to_string())
            .collect();
        let name = match words.iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().as_slice() {
            [u, _] if u == "use" => words.get(1).cloned(),
            [c, d, ..] if c == "create" && (d == "database" || d == "schema") => words.last().cloned(),
            _ => None,
        };
        if let Some(n) = name.filter(|n| !n.is_empty() && !out.contains(n)) {
            out.push(n);
        }
    }
    out
}

/// `sakila.film` and `` `sakila`.`film` `` become `film` and `` `film` `` for each database in
/// `home`, outside string literals.
fn without_qualifier(text: &str, home: &[String]) -> String {
    let mut out = text.to_string();
    for db in home {
        for q in [format!("`{db}`."), format!("{db}.")] {
            let mut result = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(at) = rest.find(&q) {
                let before = &rest[..at];
                let boundary =
                    before.chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '`'));
                let quoted = before.matches('\'').count() % 2 == 1;
                result.push_str(before);
                if !boundary || quoted {
                    result.push_str(&q);
                }
                rest = &rest[at + q.len()..];
            }
            result.push_str(rest);
            out = result;
        }
    }
    out
}

/// A database of the harness's own; dropped with it.
#[derive(Debug)]
pub struct Database {
    pub name: String,
}

impl Database {
    pub fn create(name: &str) -> Result<Self, String> {
        let full = name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        let name = if full.len() > 48 {
            let hash =
                full.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
            format!("{}_{:08x}", &full[..38], hash as u32)
        } else {
            full
        };
        let name = format!("{name}_{}", std::process::id());
        let mut admin = connect(None)?;
        admin.query_drop(format!("DROP DATABASE IF EXISTS `{name}`")).map_err(|e| e.to_string())?;
        admin
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"))
            .map_err(|e| e.to_string())?;
        Ok(Self { name })
    }

    /// Loads a schema text with the server's client, stopping at the first error, as a person
    /// would (`mariadb db < schema.sql`). The text goes into this database: its own `USE db`
    /// and `CREATE DATABASE` are left out, and names qualified with the databases in `home`
    /// (the ones the case's files switch to: Sakila's views read `sakila.film`) lose the
    /// qualifier.
    pub fn load(&self, sql: &str, home: &[String]) -> Result<(), String> {
        let text = without_qualifier(&bellows_core::import::without_database_switches_in(sql, Dialect::MySql), home);
        let mut child = Command::new(client_binary(&["mariadb", "mysql"]))
            .args(["--socket", &socket(), "--user", &user(), "--database", &self.name, "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run the mariadb client: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| format!("mariadb: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            // The client echoes the statement, then says what failed on its ERROR line.
            let err = String::from_utf8_lossy(&out.stderr);
            let what = err.lines().find(|l| l.starts_with("ERROR")).unwrap_or_else(|| err.lines().next().unwrap_or(""));
            Err(format!("mariadb: {what}"))
        }
    }

    /// The schema as the server has it: `mariadb-dump --no-data`, imported by the core.
    pub fn introspect(&self) -> Result<Schema, String> {
        let out = Command::new(client_binary(&["mariadb-dump", "mysqldump"]))
            .args([
                "--socket",
                &socket(),
                "--user",
                &user(),
                "--no-data",
                // The schema is read while the workloads run: no LOCK TABLES (the dump's default,
                // which nothing here needs and which the workloads' triggers would have to wait
                // out).
                "--skip-lock-tables",
                "--skip-comments",
                "--skip-add-drop-table",
                "--triggers",
                "--routines",
                &self.name,
            ])
            .output()
            .map_err(|e| format!("cannot run mariadb-dump: {e}"))?;
        if !out.status.success() {
            return Err(format!("mariadb-dump failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let result = import(&text, Some(Dialect::MySql));
        if let Some(e) = result.diagnostics.iter().find(|d| d.severity == Severity::Error) {
            return Err(format!("the server's schema does not import: {e}"));
        }
        Ok(result.schema)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(None) {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// A connection as the runner sees it.
pub struct MyExec {
    conn: Conn,
}

impl std::fmt::Debug for MyExec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MyExec")
    }
}

fn cell(v: &mysql::Value) -> Option<String> {
    match v {
        mysql::Value::NULL => None,
        mysql::Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

impl MyExec {
    pub fn open(db: &str) -> Result<Self, String> {
        Ok(Self { conn: connect(Some(db))? })
    }

    /// Runs one statement; the rows changed (or matched) by it.
    fn execute(&mut self, sql: &str) -> Result<u64, mysql::Error> {
        let result = self.conn.query_iter(sql)?;
        let n = result.affected_rows();
        drop(result);
        Ok(n)
    }
}

impl Exec for MyExec {
    fn run(&mut self, sql: &str) -> Result<Rows, String> {
        self.run_once(sql)
    }

    /// InnoDB rolled the whole transaction back as a deadlock victim: every MySQL application
    /// runs it again. A deadlock over a table's AUTO-INC lock (which a batched INSERT ... SELECT
    /// holds to its end under MariaDB's default `innodb_autoinc_lock_mode = 1`) reaches the
    /// client as 1467, "Failed to read auto-increment value", not 1213 (seen in CI on a merge's
    /// copy and v2's insert into the same table); the unit is rolled back and run again alike.
    fn retry_transaction(&self, error: &str) -> bool {
        error.contains("ERROR 1213") || error.contains("ERROR 1467")
    }

    fn search_path(&mut self, _path: Option<&str>) -> Result<(), String> {
        Ok(())
    }
}

impl MyExec {
    fn run_once(&mut self, sql: &str) -> Result<Rows, String> {
        let mut result = self.conn.query_iter(sql).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        if let Some(set) = result.iter() {
            for row in set {
                let row = row.map_err(|e| e.to_string())?;
                rows.push(row.unwrap().iter().map(cell).collect());
            }
        }
        Ok(rows)
    }
}

/// A lock not granted in time (1205) or a deadlock this session lost (1213): the statement
/// rolled back alone and may run again.
fn lock_conflict(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(m) if m.code == 1205 || m.code == 1213)
}

/// How many times a step is retried after its metadata-lock wait ran out or it lost a deadlock.
const LOCK_RETRIES: u32 = 5;
const BATCH_RETRIES: u32 = 20;

/// One run's database, its reference, and the workloads running beside the plan.
#[allow(missing_debug_implementations)] // connections and threads
pub struct MariaDbEngine {
    db: Database,
    reference: Option<MyExec>,
    main: MyExec,
    version: String,
    workers: crate::engine::Workers,
}

impl MariaDbEngine {
    /// A fresh database with the base loaded, and a connection to the reference database (the
    /// target, loaded from its text) for v2's calibration.
    pub fn new(name: &str, base: &str, reference: Option<&Database>) -> Result<Self, String> {
        let db = Database::create(name)?;
        db.load(base, &home_databases(base)).map_err(|e| format!("the base does not load: {e}"))?;
        let main = MyExec::open(&db.name)?;
        let reference = match reference {
            Some(r) => Some(MyExec::open(&r.name)?),
            None => None,
        };
        Ok(Self { db, reference, main, version: server_version()?, workers: crate::engine::Workers::default() })
    }

    /// The triggers of the database: (name, the statement that creates it).
    fn triggers(&mut self) -> Vec<(String, String)> {
        let names: Vec<String> = self
            .main
            .run("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.first().cloned().flatten())
            .collect();
        names
            .into_iter()
            .filter_map(|n| {
                let rows = self.main.run(&format!("SHOW CREATE TRIGGER `{n}`")).ok()?;
                let def = rows.first()?.get(2)?.clone()?;
                Some((n, def))
            })
            .collect()
    }
}

impl Engine for MariaDbEngine {
    fn server(&self) -> String {
        format!("mariadb {}", self.version.split('-').next().unwrap_or(&self.version))
    }

    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    fn exec(&mut self) -> &mut dyn Exec {
        &mut self.main
    }

    fn reference(&mut self) -> Option<&mut dyn Exec> {
        self.reference.as_mut().map(|r| r as &mut dyn Exec)
    }

    fn introspect(&mut self) -> Result<Schema, String> {
        self.db.introspect()
    }

    fn seed(&mut self, seed: &Seed) -> Vec<(String, String)> {
        // The application's triggers stay out of seeding (MySQL cannot disable one): they are
        // dropped while the rows go in and created again as they were.
        let triggers = self.triggers();
        for (n, _) in &triggers {
            let _ = self.main.run(&format!("DROP TRIGGER `{n}`"));
        }
        let mut failed = Vec::new();
        for statement in &seed.statements {
            if let Err(e) = self.main.run(&statement.sql) {
                failed.push((statement.table.clone(), format!("{e}; {}", statement.sql)));
            }
        }
        for fixup in &seed.fixups {
            let _ = self.main.run(&fixup.sql);
        }
        for (_, def) in &triggers {
            let _ = self.main.run(def);
        }
        failed
    }

    fn run_step(&mut self, step: &Step, report: &mut Report) -> Result<u64, String> {
        // MySQL DDL commits on its own: each statement is its own unit. A statement that waited
        // past lock_wait_timeout (or lost a deadlock) rolled back alone and is run again, as the
        // runbook tells an operator to.
        let resolution = crate::engine::is_resolution(step);
        let mut changed = 0;
        for sql in &step.sql {
            let mut attempt = 0;
            loop {
                match self.main.execute(sql) {
                    Ok(n) if step.repeat_until_no_rows => {
                        changed += n;
                        attempt = 0;
                        if n == 0 {
                            break;
                        }
                    }
                    Ok(n) => {
                        if resolution {
                            changed += n;
                        }
                        break;
                    }
                    Err(e)
                        if lock_conflict(&e)
                            && attempt < if step.repeat_until_no_rows { BATCH_RETRIES } else { LOCK_RETRIES } =>
                    {
                        attempt += 1;
                        report.lock_retries += 1;
                        std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                    }
                    Err(e) => {
                        let _ = self.main.execute("SET SESSION foreign_key_checks = 1");
                        return Err(format!("{}: {sql}: {e}", step.title));
                    }
                }
            }
        }
        Ok(changed)
    }

    fn undo_step(&mut self, step: &Step) -> Result<(), String> {
        for sql in step.rollback.iter().filter(|s| !s.starts_with("--")) {
            let mut attempt = 0;
            loop {
                match self.main.execute(sql) {
                    Ok(_) => break,
                    Err(e) if lock_conflict(&e) && attempt < LOCK_RETRIES => {
                        attempt += 1;
                        std::thread::sleep(Duration::from_millis(50 << attempt));
                    }
                    Err(e) => {
                        let _ = self.main.execute("SET SESSION foreign_key_checks = 1");
                        return Err(format!("undo of {}: {sql}: {e}", step.title));
                    }
                }
            }
        }
        Ok(())
    }

    fn start(&mut self, runner: Runner, stage: Arc<AtomicU8>) -> Result<(), String> {
        self.workers.spawn(runner, MyExec::open(&self.db.name)?, stage);
        Ok(())
    }

    fn between_steps(&mut self, _at: &str) {}

    fn settle(&mut self) {
        std::thread::sleep(Duration::from_millis(150));
    }

    fn stop(&mut self) -> Vec<Runner> {
        self.workers.stop()
    }
}
