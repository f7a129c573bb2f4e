//! PostgreSQL: databases created per run (from a template loaded once), schemas loaded with
//! `psql` as a person would load a dump (meta-commands, `COPY ... FROM stdin` and all), read
//! back with `pg_dump`, and workloads on their own connections in threads beside the plan.

use crate::engine::Engine;
use crate::report::Report;
use crate::runner::{Exec, Rows, Runner};
use bellows_core::plan::Step;
use bellows_core::verify::Seed;
use bellows_core::{import, Dialect, Schema, Severity};
use postgres::{Client, NoTls, SimpleQueryMessage};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicU8;
use std::sync::Arc;
use std::time::Duration;

/// Where the server listens: `BELLOWS_PG` (a libpq connection string without dbname), or the
/// local socket as the current user.
pub fn conninfo() -> String {
    std::env::var("BELLOWS_PG").unwrap_or_else(|_| "host=/var/run/postgresql user=root".to_string())
}

pub fn connect(db: &str) -> Result<Client, String> {
    Client::connect(&format!("{} dbname={db}", conninfo()), NoTls).map_err(|e| format!("cannot connect to {db}: {e}"))
}

/// True when a server answers; used by tests to skip (or, under CI, fail) with a clear notice.
pub fn server_available() -> bool {
    connect("postgres").is_ok()
}

/// The server's version: (major, full text such as `15.18`).
pub fn server_version() -> Result<(u32, String), String> {
    let mut c = connect("postgres")?;
    let row = c
        .query_one("SELECT current_setting('server_version_num'), current_setting('server_version')", &[])
        .map_err(|e| e.to_string())?;
    let num: String = row.get(0);
    let full: String = row.get(1);
    let full = full.split_whitespace().next().unwrap_or_default().to_string();
    Ok((num.parse::<u32>().unwrap_or(150000) / 10000, full))
}

fn db_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}

/// Why a schema could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The server lacks something the schema needs (an extension, a language, a library):
    /// the case is skipped and says so.
    Missing(String),
    Failed(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Missing(m) => write!(f, "needs {m}"),
            LoadError::Failed(m) => f.write_str(m),
        }
    }
}

/// A database of the harness's own; dropped with it.
#[derive(Debug)]
pub struct Database {
    pub name: String,
    /// The database's own `search_path`, when the schema lives in namespaces of its own (set
    /// as installers set it: `ALTER DATABASE ... SET search_path`).
    pub search_path: std::sync::Mutex<Option<String>>,
}

impl Database {
    pub fn create(name: &str, template: Option<&Database>) -> Result<Self, String> {
        let full = name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        // Long names keep a hash of the whole, so two cases never share a database.
        let name = if full.len() > 48 {
            let hash =
                full.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
            format!("{}_{:08x}", &full[..38], hash as u32)
        } else {
            full
        };
        let name = format!("{name}_{}", std::process::id());
        let mut admin = connect("postgres")?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).map_err(|e| db_error(&e))?;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {}", t.name),
            None => format!("CREATE DATABASE {name}"),
        };
        admin.batch_execute(&sql).map_err(|e| db_error(&e))?;
        let db = Self { name, search_path: std::sync::Mutex::new(None) };
        // A copy keeps its template's search path (CREATE DATABASE does not copy settings).
        if let Some(path) = template.and_then(|t| t.search_path.lock().ok().and_then(|p| p.clone())) {
            db.set_search_path(&path)?;
        }
        Ok(db)
    }

    fn set_search_path(&self, path: &str) -> Result<(), String> {
        let mut admin = connect("postgres")?;
        admin
            .batch_execute(&format!("ALTER DATABASE {} SET search_path = {path}", self.name))
            .map_err(|e| db_error(&e))?;
        if let Ok(mut p) = self.search_path.lock() {
            *p = Some(path.to_string());
        }
        Ok(())
    }

    /// Loads a schema text with `psql`, stopping at the first error. Statements that would
    /// leave this database (`\c`, `CREATE DATABASE`) are left out.
    pub fn load(&self, sql: &str) -> Result<(), LoadError> {
        let missing = missing_requirements(sql);
        if !missing.is_empty() {
            return Err(LoadError::Missing(missing.join(", ")));
        }
        // Namespaces the text puts objects in without creating them: its installer creates
        // them first (MusicBrainz's InitDb.pl does), so the harness does too.
        let schema = import(sql, Some(Dialect::Postgres)).schema;
        let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        used.extend(schema.tables.iter().filter_map(|t| t.namespace.clone()));
        used.extend(schema.views.iter().filter_map(|v| v.namespace.clone()));
        used.extend(schema.routines.iter().filter_map(|r| r.namespace.clone()));
        used.extend(schema.enums.iter().filter_map(|e| e.namespace.clone()));
        used.extend(schema.domains.iter().filter_map(|d| d.namespace.clone()));
        used.extend(schema.sequences.iter().filter_map(|s| s.namespace.clone()));
        let created: Vec<String> = schema.namespaces.iter().map(|n| n.to_ascii_lowercase()).collect();
        let prelude: String = used
            .iter()
            .filter(|ns| !created.contains(&ns.to_ascii_lowercase()))
            .map(|ns| format!("CREATE SCHEMA IF NOT EXISTS {};\n", bellows_core::render::ident(ns, Dialect::Postgres)))
            .collect();
        // ... and sets the database's search path to them (the most used first), so files that
        // name tables without a namespace find them.
        if let Some((_, Some(path))) = bellows_core::import::installer_search_path(sql) {
            self.set_search_path(&path).map_err(LoadError::Failed)?;
        } else if !used.is_empty() {
            let mut counts: Vec<(usize, &String)> = used
                .iter()
                .map(|ns| (schema.tables.iter().filter(|t| t.namespace.as_ref() == Some(ns)).count(), ns))
                .collect();
            counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let mut path: Vec<String> =
                counts.iter().map(|(_, ns)| bellows_core::render::ident(ns, Dialect::Postgres)).collect();
            path.push("public".into());
            self.set_search_path(&path.join(", ")).map_err(LoadError::Failed)?;
        }
        let text = format!("{prelude}{}", for_this_database(sql));
        let mut child = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &format!("{} dbname={}", conninfo(), self.name),
                "-f",
                "-",
            ])
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LoadError::Failed(format!("cannot run psql: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| LoadError::Failed(format!("psql: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(match missing_from_error(&err) {
            Some(what) => LoadError::Missing(what),
            None => LoadError::Failed(format!("psql: {}", err.lines().take(4).collect::<Vec<_>>().join(" | "))),
        })
    }

    /// The schema as the server has it, through pg_dump and the core's importer.
    pub fn introspect(&self) -> Result<Schema, String> {
        let out = Command::new("pg_dump")
            .args([
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "--dbname",
                &format!("{} dbname={}", conninfo(), self.name),
            ])
            .output()
            .map_err(|e| format!("cannot run pg_dump: {e}"))?;
        if !out.status.success() {
            return Err(format!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let result = import(&text, Some(Dialect::Postgres));
        if let Some(e) = result.diagnostics.iter().find(|d| d.severity == Severity::Error) {
            return Err(format!("the server's schema does not import: {e}"));
        }
        Ok(result.schema)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect("postgres") {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The text without what would leave the database it is loaded into: `\c` and `\connect`
/// meta-commands, and `CREATE DATABASE` / `DROP DATABASE` statements.
fn for_this_database(sql: &str) -> String {
    let sql = bellows_core::import::without_database_switches(sql);
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        let t = line.trim_start();
        // Files joined into one (`-- >>> path` starts each part, as in the corpora) each ran in
        // a session of their own: a `SET search_path` of one does not reach the next.
        if t.starts_with("-- >>> ") {
            out.push_str("RESET search_path;\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Extensions, procedural languages and C libraries that `sql` needs and the server does not
/// have, named.
pub fn missing_requirements(sql: &str) -> Vec<String> {
    let Ok(mut c) = connect("postgres") else { return vec![] };
    let available: Vec<String> = c
        .query("SELECT name FROM pg_available_extensions", &[])
        .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
        .unwrap_or_default();
    let libdir: String = c
        .query_one("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'", &[])
        .map(|r| r.get(0))
        .unwrap_or_default();
    let schema = import(sql, Some(Dialect::Postgres)).schema;
    let mut missing = Vec::new();
    for e in &schema.extensions {
        if !available.iter().any(|a| a.eq_ignore_ascii_case(&e.name)) {
            missing.push(format!("the extension `{}`, which this server does not have", e.name));
        }
    }
    let lower = sql.to_ascii_lowercase();
    for language in ["plperlu", "plperl", "plpython3u", "pltcl", "pltclu", "plv8"] {
        let used = [format!("language {language}"), format!("language '{language}'")].iter().any(|needle| {
            lower
                .match_indices(needle.as_str())
                .any(|(at, m)| !lower[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        });
        if used && !available.iter().any(|a| a == language) {
            missing.push(format!("the procedural language `{language}`, which this server does not have"));
        }
    }
    // PL/Perl compiles a function when it is created: every module it uses must be installed.
    if lower.contains("language plperl") || lower.contains("language 'plperl") {
        let mut modules: Vec<String> = Vec::new();
        for line in sql.lines() {
            let t = line.trim_start();
            let Some(rest) = t.strip_prefix("use ") else { continue };
            let module: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_').collect();
            if module.starts_with(|c: char| c.is_ascii_uppercase()) && !modules.contains(&module) {
                modules.push(module);
            }
        }
        let absent: Vec<String> = modules
            .into_iter()
            .filter(|m| {
                !Command::new("perl").args([&format!("-M{m}"), "-e", "1"]).output().is_ok_and(|o| o.status.success())
            })
            .collect();
        if !absent.is_empty() {
            missing.push(format!(
                "the Perl modules {} (its plperlu functions use them), which this machine does not have",
                absent.join(", ")
            ));
        }
    }
    let mut rest = sql;
    while let Some(at) = rest.find("'$libdir/") {
        let after = &rest[at + "'$libdir/".len()..];
        let lib: String = after.chars().take_while(|c| *c != '\'').collect();
        if !libdir.is_empty() && !std::path::Path::new(&libdir).join(format!("{lib}.so")).exists() {
            let what = format!("the C library `{lib}` in the server's $libdir, which this server does not have");
            if !missing.contains(&what) {
                missing.push(what);
            }
        }
        rest = after;
    }
    missing
}

/// Recognises a load error that means "the server lacks something".
fn missing_from_error(err: &str) -> Option<String> {
    let lower = err.to_ascii_lowercase();
    if let Some(at) = lower.find("can't locate ") {
        let module: String = err[at + "can't locate ".len()..].split_whitespace().next().unwrap_or("").to_string();
        let module = module.trim_end_matches(".pm").replace('/', "::");
        return Some(format!("the Perl module `{module}` (for plperlu functions), which this machine does not have"));
    }
    for pattern in ["could not access file \"$libdir/", "could not open extension control file", "is not available"] {
        if lower.contains(pattern) {
            return Some(err.lines().next().unwrap_or(err).trim_start_matches("psql:").trim().to_string());
        }
    }
    if lower.contains("language") && lower.contains("does not exist") {
        return Some(err.lines().next().unwrap_or(err).to_string());
    }
    None
}

/// A connection as the runner sees it.
pub struct PgExec {
    client: Client,
}

impl std::fmt::Debug for PgExec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgExec")
    }
}

impl PgExec {
    pub fn open(db: &str) -> Result<Self, String> {
        Ok(Self { client: connect(db)? })
    }
}

impl Exec for PgExec {
    fn run(&mut self, sql: &str) -> Result<Rows, String> {
        let messages = self.client.simple_query(sql).map_err(|e| db_error(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => {
                    Some((0..row.len()).map(|i| row.get(i).map(str::to_string)).collect::<Vec<_>>())
                }
                _ => None,
            })
            .collect())
    }

    /// `path` goes before the database's own search path (the schema's triggers and functions
    /// rely on that one, as the application's sessions do).
    fn search_path(&mut self, path: Option<&str>) -> Result<(), String> {
        let sql = match path {
            Some(p) => format!(
                "SET search_path = DEFAULT; SELECT set_config('search_path', {} || ', ' || current_setting('search_path'), false)",
                bellows_core::render::string_literal(p)
            ),
            None => "SET search_path = DEFAULT".to_string(),
        };
        self.client.batch_execute(&sql).map_err(|e| db_error(&e))
    }
}

/// One run's database, its reference, and the workloads running beside the plan.
#[allow(missing_debug_implementations)] // connections and threads
pub struct PgEngine {
    db: Database,
    reference: Option<PgExec>,
    main: PgExec,
    version: String,
    workers: crate::engine::Workers,
}

impl PgEngine {
    /// A fresh database from `template` (the base, loaded once), and a connection to the
    /// reference database (the target, loaded from its text) for v2's calibration.
    pub fn new(name: &str, template: &Database, reference: Option<&Database>) -> Result<Self, String> {
        let db = Database::create(name, Some(template))?;
        let main = PgExec { client: connect(&db.name)? };
        let reference = match reference {
            Some(r) => Some(PgExec { client: connect(&r.name)? }),
            None => None,
        };
        let (_, version) = server_version()?;
        Ok(Self { db, reference, main, version, workers: crate::engine::Workers::default() })
    }
}

/// How many times a transactional step is retried after a lock timeout or a deadlock.
const LOCK_RETRIES: u32 = 5;
/// A batch waits 100 ms at most on a lock (its lock_timeout) and gives way: under heavy
/// traffic it may do so several times in a row before it finds its rows free.
const BATCH_RETRIES: u32 = 20;

/// A lock not granted in time (55P03) or a deadlock this session lost (40P01).
fn lock_conflict(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
    })
}

impl Engine for PgEngine {
    fn server(&self) -> String {
        format!("postgres {}", self.version)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
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
        let mut failed = Vec::new();
        // User triggers stay out of seeding: theirs is the application's logic, which the
        // workloads exercise; seed rows are data as it stands.
        let triggers: Vec<(String, String)> = self
            .main
            .run("SELECT tgrelid::regclass::text, quote_ident(tgname) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| Some((r.first()?.clone()?, r.get(1)?.clone()?)))
            .collect();
        for (table, trigger) in &triggers {
            let _ = self.main.run(&format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}"));
        }
        for statement in &seed.statements {
            let _ = self.main.search_path(statement.search_path.as_deref());
            if let Err(e) = self.main.run(&statement.sql) {
                failed.push((statement.table.clone(), format!("{e}; {}", statement.sql)));
            }
        }
        for fixup in &seed.fixups {
            let _ = self.main.search_path(fixup.search_path.as_deref());
            let _ = self.main.run(&fixup.sql);
        }
        let _ = self.main.search_path(None);
        for (table, trigger) in &triggers {
            let _ = self.main.run(&format!("ALTER TABLE {table} ENABLE TRIGGER {trigger}"));
        }
        let _ = self.main.run("ANALYZE");
        failed
    }

    fn run_step(&mut self, step: &Step, report: &mut Report) -> Result<u64, String> {
        let client = &mut self.main.client;
        let resolution = crate::engine::is_resolution(step);
        let mut changed = 0;
        let result = if step.transactional && !step.repeat_until_no_rows && !resolution {
            // The plan runs every such step under lock_timeout and calls it safe to retry: an
            // operator retries a step that timed out on its lock or lost a deadlock (it rolled
            // back whole). So does the harness, a few times, counting each retry.
            let joined = format!("BEGIN;\n{};\nCOMMIT;", step.sql.join(";\n"));
            let mut attempt = 0;
            loop {
                match client.batch_execute(&joined) {
                    Err(e) if attempt < LOCK_RETRIES && lock_conflict(&e) => {
                        let _ = client.batch_execute("ROLLBACK");
                        attempt += 1;
                        report.lock_retries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
                    }
                    other => break other,
                }
            }
        } else {
            let mut r = Ok(());
            'statements: for sql in &step.sql {
                if step.repeat_until_no_rows {
                    // A batch that lost a lock cycle (it gives way to the application) rolled
                    // back alone and is run again, as the runbook says; a few in a row fail.
                    let mut lost = 0;
                    for _ in 0..1_000_000 {
                        match client.execute(sql.as_str(), &[]) {
                            Ok(0) => break,
                            Ok(n) => {
                                changed += n;
                                lost = 0;
                            }
                            Err(e) if lost < BATCH_RETRIES && lock_conflict(&e) => {
                                lost += 1;
                                report.lock_retries += 1;
                                std::thread::sleep(std::time::Duration::from_millis(20 * u64::from(lost)));
                            }
                            Err(e) => {
                                r = Err(e);
                                break 'statements;
                            }
                        }
                    }
                } else if resolution {
                    match client.execute(sql.as_str(), &[]) {
                        Ok(n) => changed += n,
                        Err(e) => {
                            r = Err(e);
                            break;
                        }
                    }
                } else if let Err(e) = client.batch_execute(sql) {
                    r = Err(e);
                    break;
                }
            }
            r
        };
        match result {
            Ok(()) => Ok(changed),
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK");
                Err(format!("{}: {}", step.title, db_error(&e)))
            }
        }
    }

    fn undo_step(&mut self, step: &Step) -> Result<(), String> {
        let statements: Vec<&str> = step.rollback.iter().filter(|s| !s.starts_with("--")).map(String::as_str).collect();
        // An undo is one transaction, as its step was: no moment where neither shape exists.
        let script = if step.transactional {
            format!("BEGIN;\n{};\nCOMMIT;", statements.join(";\n"))
        } else {
            statements.join(";\n")
        };
        let mut attempt = 0;
        loop {
            match self.main.client.batch_execute(&script) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let _ = self.main.client.batch_execute("ROLLBACK");
                    if step.transactional && attempt < LOCK_RETRIES && lock_conflict(&e) {
                        attempt += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
                        continue;
                    }
                    return Err(format!("undo of {}: {}", step.title, db_error(&e)));
                }
            }
        }
    }

    fn start(&mut self, runner: Runner, stage: Arc<AtomicU8>) -> Result<(), String> {
        self.workers.spawn(runner, PgExec { client: connect(&self.db.name)? }, stage);
        Ok(())
    }

    fn between_steps(&mut self, _at: &str) {}

    fn settle(&mut self) {
        // Let the workloads meet the stage's new shape before it is undone.
        std::thread::sleep(Duration::from_millis(150));
    }

    fn stop(&mut self) -> Vec<Runner> {
        self.workers.stop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_level_statements_are_left_out() {
        let text = "DROP DATABASE IF EXISTS chinook;\nCREATE DATABASE chinook\n  ENCODING 'UTF8';\n\\c chinook;\nCREATE TABLE a (id int);";
        // Blanked in place, so the server's line numbers still point into the user's file.
        let kept = for_this_database(text);
        let lines: Vec<&str> = kept.lines().map(str::trim).collect();
        assert_eq!(lines, ["", "", "", "", "CREATE TABLE a (id int);"]);
        assert_eq!(
            for_this_database("-- >>> a.sql\nSET search_path = x;\n"),
            "RESET search_path;\nSET search_path = x;\n"
        );
    }

    #[test]
    fn missing_things_are_named() {
        assert_eq!(
            missing_from_error(
                "psql:<stdin>:20: ERROR:  could not access file \"$libdir/libpgosm\": No such file or directory"
            ),
            Some("<stdin>:20: ERROR:  could not access file \"$libdir/libpgosm\": No such file or directory".into())
        );
        assert!(missing_from_error(
            "ERROR:  Can't locate MARC/Record.pm in @INC (you may need to install the MARC::Record module)"
        )
        .is_some_and(|m| m.contains("`MARC::Record`")));
        assert_eq!(missing_from_error("ERROR: syntax error at or near \"x\""), None);
    }
}
