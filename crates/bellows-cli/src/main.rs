//! `bellows`: the core on files. Reads DDL, prints what Bellows understood, exits non-zero when
//! the input has errors, so it fits CI pipelines.

mod deps;
mod diff;
mod findings;
mod inspect;
mod output;
mod plan;
mod queries;

use bellows_core::lint::LintOptions;
use bellows_core::Dialect;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "bellows", version, about = "Schema design and safe migration planning, on the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the model imported from a DDL file: tables, columns, keys, foreign keys, indexes,
    /// and every diagnostic with file:line:column. Exits 1 when the file has errors.
    Inspect {
        /// The DDL file (`-` reads standard input).
        file: PathBuf,
        /// The SQL dialect; detected from the text when left out.
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Plan the staged migration from BASE to TARGET: Expand, Backfill, Switch, Contract, with
    /// forward and rollback SQL, locks and reasons. Exits 1 when an input has errors.
    Plan {
        base: PathBuf,
        target: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// A rename the diff cannot know from two texts: `old=new` (table) or `table.old=new`
        /// (column). Repeatable.
        #[arg(long = "rename", value_name = "OLD=NEW")]
        renames: Vec<String>,
        /// Table B merged into table A, which the diff cannot know from two texts:
        /// `b->a [on=c1,c2] [wins=a|b] [x=y ...]` (`on`: the key of A that matches rows, by default
        /// its primary key; `wins`: whose values a matched row keeps, by default A's; `x=y`: B's
        /// column x goes to A's column y). Repeatable.
        #[arg(long = "merge", value_name = "B->A")]
        merges: Vec<String>,
        /// A column moved to a related table along a foreign key, which the diff cannot know
        /// from two texts: `t.c->u.c` (to the table that references t one to one, or to the
        /// table t references). Repeatable.
        #[arg(long = "move", value_name = "T.C->U.C")]
        moves: Vec<String>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// PostgreSQL major version (12 to 17).
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(12..=17))]
        pg_version: u32,
        /// The MySQL or MariaDB server a MySQL plan runs on: mysql-8.0, mysql-8.4, mariadb-10.11
        /// or mariadb-11.4. Default: MariaDB 10.11 when the dump says MariaDB, else MySQL 8.4.
        #[arg(long, value_parser = parse_server)]
        server: Option<bellows_core::plan::MySqlServer>,
        /// lock_timeout for every step that takes a blocking lock, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        lock_timeout_ms: u32,
        /// Rows per backfill batch.
        #[arg(long, default_value_t = 1000)]
        batch_size: u32,
        /// Also write one file per stage (N-stage.up.sql, N-stage.down.sql) and RUNBOOK.md here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also write the whole plan as one zip here: the files of --out, the diagram of the
        /// target (SVG) and, for PostgreSQL, the pgroll migration.
        #[arg(long, value_name = "FILE")]
        zip: Option<PathBuf>,
        /// The application's SQL (`.sql`, or a pg_stat_statements or MySQL digest CSV export):
        /// each statement is checked after every stage; what breaks is listed with the step that
        /// breaks it and, for renames, the statement rewritten for the target. Repeatable.
        #[arg(long = "consumers", value_name = "FILE", num_args = 1..)]
        consumers: Vec<PathBuf>,
        /// Also print what the application changes for each renamed or dropped table and
        /// column, in this framework's code, with the stage it ships with: rails, django,
        /// prisma, sqlalchemy or sql.
        #[arg(long, value_parser = parse_framework)]
        framework: Option<bellows_core::consumers::frameworks::Framework>,
        /// Exit 1 when a safety finding on the plan's steps is at or above this severity, or a
        /// consumer statement breaks while the running version needs it. `breaking`: only the
        /// consumers (a statement already broken on the base, or one the plan breaks before
        /// Contract).
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
    },
    /// Audit a schema for debt: missing keys, unindexed foreign keys, duplicated entities, weak
    /// types, naming. Exits 1 when a finding is at or above --fail-on.
    Lint {
        file: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        /// Tables with more columns are flagged (wide-table).
        #[arg(long, default_value_t = 50)]
        max_columns: usize,
        /// Tables with more indexes are flagged (wide-table).
        #[arg(long, default_value_t = 15)]
        max_indexes: usize,
    },
    /// Check a hand-written migration for steps that can hurt production (locks, rewrites,
    /// drops, renames the running version still uses) and for the debt it brings in (weak types
    /// on the columns it creates, names the server would cut or refuse). Exits 1 when a finding
    /// is at or above --fail-on.
    Check {
        migration: PathBuf,
        /// The schema the migration runs on (lets the check know column types and which
        /// tables exist).
        #[arg(long, value_name = "BASE.sql")]
        base: Option<PathBuf>,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        /// PostgreSQL major version the migration runs on.
        #[arg(long, default_value_t = 16)]
        pg_version: u32,
        /// The migration tool wraps each file in a transaction.
        #[arg(long)]
        assume_in_transaction: bool,
    },
    /// Write a schema in another format: DBML (dbdiagram.io), a Mermaid erDiagram (renders in
    /// GitHub and GitLab Markdown), or SQL DDL for any of the three dialects. What a format
    /// cannot hold is listed at the end as comments. Exits 1 when the file has errors.
    Export {
        file: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// For `--format sql`: the dialect to write (default: the file's own).
        #[arg(long, value_enum)]
        to: Option<DialectArg>,
        /// The schema to migrate to: the formats then write it, the SVG marks what changes
        /// against FILE, and `pgroll` (which needs it) writes the migration from FILE to it.
        #[arg(long, value_name = "TARGET")]
        target: Option<PathBuf>,
        /// With --target: `old=new` renames the diff cannot see (as `plan --rename`).
        #[arg(long = "rename", value_name = "OLD=NEW")]
        renames: Vec<String>,
    },
    /// Print the share link of a schema, so a CI job can post it: the fragment (`#d=2....`), or
    /// the whole address with --site. The link carries the model, not the file's text.
    Link {
        file: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// Where Bellows is hosted (`https://example.org/tools/bellows/`): prints the whole link.
        #[arg(long, value_name = "URL")]
        site: Option<String>,
        /// The link opens read-only (workshops).
        #[arg(long)]
        read_only: bool,
    },
    /// Check the application's SQL against a schema: every table and column each statement
    /// names, resolved as the server would (aliases, CTEs, subqueries, INSERT lists, RETURNING).
    /// With --target, each statement is checked after every stage of the plan: what breaks while
    /// the running version still needs it is a plan defect; what breaks at Contract must be
    /// retired or rewritten first. sqlc's `-- name:` comments name the statements. Exits 1 when
    /// a statement fails on the base or the plan breaks one early.
    Queries {
        schema: PathBuf,
        /// Files of SQL statements (`-` reads standard input).
        #[arg(required = true)]
        queries: Vec<PathBuf>,
        /// The target: each statement is then checked after each stage of the plan to it, and
        /// the step that breaks it is named.
        #[arg(long, value_name = "TARGET.sql")]
        target: Option<PathBuf>,
        /// A rename the diff cannot know from two texts, as for `plan`. Repeatable.
        #[arg(long = "rename", value_name = "OLD=NEW")]
        renames: Vec<String>,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// What depends on each table and column: views (the columns their queries read), foreign
    /// keys in and out, keys, indexes, CHECKs, generated columns, owned sequences, partitions,
    /// and triggers, functions and policies by the names their text mentions. With --consumers,
    /// the application's statements join the map, each with what it reads and writes, and every
    /// reference that does not resolve is an error with file:line:column. Exits 1 on an error.
    Deps {
        schema: PathBuf,
        /// Files of the application's SQL (`.sql`, sqlc's `-- name:` comments name statements),
        /// or a pg_stat_statements or MySQL statement-digest CSV export. Repeatable.
        #[arg(long = "consumers", value_name = "FILE", num_args = 1..)]
        consumers: Vec<PathBuf>,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// What changes between two schemas; likely renames are offered, not applied.
    Diff {
        base: PathBuf,
        target: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long = "rename", value_name = "OLD=NEW")]
        renames: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Dbml,
    Mermaid,
    /// A Prisma schema for the dialect's connector (or --to's).
    Prisma,
    Sql,
    /// The diagram as a standalone SVG picture.
    Svg,
    /// A pgroll migration from FILE to --target (PostgreSQL), as `plan --format pgroll`.
    Pgroll,
}

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// `plan --consumers`: only what breaks the application's statements; elsewhere, as `error`.
    Breaking,
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Sql,
    Markdown,
    /// A few lines of Markdown for a chat message or a pull request.
    Chat,
    /// A pgroll migration (PostgreSQL): pgroll's own operations where it has them, the plan's
    /// SQL for the rest.
    Pgroll,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DialectArg {
    #[value(alias = "postgresql", alias = "pg")]
    Postgres,
    #[value(alias = "mariadb")]
    Mysql,
    Sqlite,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::MySql,
            DialectArg::Sqlite => Dialect::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn parse_framework(text: &str) -> Result<bellows_core::consumers::frameworks::Framework, String> {
    bellows_core::consumers::frameworks::Framework::parse(text)
        .ok_or_else(|| format!("unknown framework `{text}`; one of rails, django, prisma, sqlalchemy, sql"))
}

fn parse_server(text: &str) -> Result<bellows_core::plan::MySqlServer, String> {
    bellows_core::plan::MySqlServer::parse(text).ok_or_else(|| {
        let ids: Vec<&str> = bellows_core::plan::MySqlServer::ALL.iter().map(|s| s.id()).collect();
        format!("unknown server `{text}`; one of {}", ids.join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect { file, dialect, format } => inspect::run(&file, dialect.map(Dialect::from), format),
        Command::Plan {
            base,
            target,
            dialect,
            renames,
            merges,
            moves,
            format,
            pg_version,
            server,
            lock_timeout_ms,
            batch_size,
            out,
            zip,
            consumers,
            framework,
            fail_on,
        } => plan::run(&plan::Args {
            base,
            target,
            dialect: dialect.map(Dialect::from),
            renames,
            merges,
            moves,
            format,
            pg_version,
            server,
            lock_timeout_ms,
            batch_size,
            out,
            zip,
            consumers,
            framework,
            fail_on,
        }),
        Command::Export { file, dialect, format, to, target, renames } => {
            export(&file, dialect.map(Dialect::from), format, to.map(Dialect::from), target.as_deref(), &renames)
        }
        Command::Queries { schema, queries, target, renames, dialect, format } => queries::run(&queries::Args {
            schema,
            queries,
            target,
            renames,
            dialect: dialect.map(Dialect::from),
            format,
        }),
        Command::Deps { schema, consumers, dialect, format } => {
            deps::run(&deps::Args { schema, consumers, dialect: dialect.map(Dialect::from), format })
        }
        Command::Link { file, dialect, site, read_only } => link(&file, dialect.map(Dialect::from), site, read_only),
        Command::Lint { file, dialect, format, fail_on, max_columns, max_indexes } => {
            findings::lint(&findings::LintArgs {
                file,
                dialect: dialect.map(Dialect::from),
                format,
                fail_on,
                options: LintOptions { max_columns, max_indexes, ..LintOptions::default() },
            })
        }
        Command::Check { migration, base, dialect, format, fail_on, pg_version, assume_in_transaction } => {
            findings::check(&findings::CheckArgs {
                migration,
                base,
                dialect: dialect.map(Dialect::from),
                format,
                fail_on,
                options: LintOptions { pg_version, assume_in_transaction, ..LintOptions::default() },
            })
        }
        Command::Diff { base, target, dialect, renames, format } => {
            diff::run(&diff::Args { base, target, dialect: dialect.map(Dialect::from), renames, format })
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("bellows: {message}");
            ExitCode::from(2)
        }
    }
}

/// Two schemas read in one dialect (given, or detected from the base), their import errors
/// reported as `file:line:column`, and the rename hints parsed: what `diff` and `plan` start from.
#[derive(Debug)]
pub struct Pair {
    pub dialect: Dialect,
    pub base: bellows_core::Import,
    pub target: bellows_core::Import,
    pub errors: usize,
    pub renames: Vec<bellows_core::diff::RenameHint>,
    /// The MySQL server the base dump names (MySQL 8.4 when it names none).
    pub server: bellows_core::plan::MySqlServer,
    /// The base as written: the plan's SQL replays over it to check consumers at each stage.
    pub base_text: String,
}

/// `bellows export`: the schema in DBML, Mermaid, Prisma, SVG or SQL; with a target, the target
/// (the SVG marking what changes), or the pgroll migration to it.
fn export(
    path: &std::path::Path,
    dialect: Option<Dialect>,
    format: ExportFormat,
    to: Option<Dialect>,
    target: Option<&std::path::Path>,
    renames: &[String],
) -> Result<ExitCode, String> {
    use bellows_core::diff::{diff, DiffOptions, Matching};
    use bellows_core::render::{ddl, diagram};
    let (base, schema, errors, label, changes) = match target {
        Some(target_path) => {
            let pair = read_pair(path, target_path, dialect, renames)?;
            let changes = diff(
                &pair.base.schema,
                &pair.target.schema,
                &DiffOptions {
                    matching: Matching::Names,
                    renames: pair.renames.clone(),
                    merges: vec![],
                    moves: vec![],
                },
            );
            (pair.base.schema, pair.target.schema, pair.errors, target_path.display().to_string(), Some(changes))
        }
        None => {
            let text = read_input(path)?;
            let read = read_schema(path, &text, dialect);
            let errors: Vec<_> = read.errors().collect();
            for e in &errors {
                eprintln!("{}:{}: {}", path.display(), e.span, e.message);
            }
            let n = errors.len();
            (read.schema.clone(), read.schema, n, path.display().to_string(), None)
        }
    };
    let source = schema.dialect.unwrap_or(Dialect::Postgres);
    let out = match format {
        ExportFormat::Dbml => diagram::schema_dbml(&schema),
        ExportFormat::Mermaid => diagram::schema_mermaid(&schema),
        ExportFormat::Prisma => bellows_core::render::prisma::schema_prisma(&schema, to.unwrap_or(source)),
        ExportFormat::Svg => {
            let shown = bellows_core::edit::display(&base, &schema);
            let rects = bellows_core::layout::layout(&shown.schema, bellows_core::layout::Density::Columns);
            let title = match &changes {
                Some(c) => format!(
                    "{label}: {} tables, {} change{}",
                    schema.tables.len(),
                    c.changes.len(),
                    if c.changes.len() == 1 { "" } else { "s" }
                ),
                None => format!("{label}: {} tables", schema.tables.len()),
            };
            bellows_core::render::picture::diagram_svg(&shown, &rects, &title)
        }
        ExportFormat::Sql => ddl::schema_sql(&schema, ddl::DdlOptions { source, target: to.unwrap_or(source) }),
        ExportFormat::Pgroll => {
            let Some(changes) = &changes else {
                return Err("a pgroll migration goes from FILE to a schema: name it with --target".into());
            };
            if source != Dialect::Postgres {
                return Err(format!("pgroll runs on PostgreSQL; this schema is {}", source.label()));
            }
            let options = bellows_core::plan::PlanOptions { dialect: source, ..Default::default() };
            let plan = bellows_core::plan::plan_changes(&base, &schema, changes, &options);
            let name = std::path::Path::new(&label)
                .file_stem()
                .map(|s| s.to_string_lossy().replace(['.', ' '], "_"))
                .unwrap_or_default();
            let (migration, _) = bellows_core::plan::plan_pgroll(&plan, &schema, changes, &name);
            serde_json::to_string_pretty(&migration).map_err(|e| e.to_string())? + "\n"
        }
    };
    emit(&out);
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `bellows link`: the schema's share link. Exits 1 (with the diagnostics on stderr) when the
/// file has errors, since the link would carry only what could be read.
fn link(
    path: &std::path::Path,
    dialect: Option<Dialect>,
    site: Option<String>,
    read_only: bool,
) -> Result<ExitCode, String> {
    let text = read_input(path)?;
    let read = read_schema(path, &text, dialect);
    let mut design = bellows_core::share::Design::new(text);
    design.dialect = Some(read.dialect);
    design.read_only = read_only;
    let fragment = bellows_core::share::encode_model(&design, &read.schema, read.dialect);
    match site {
        Some(site) => println!("{site}#{fragment}"),
        None => println!("#{fragment}"),
    }
    let errors: Vec<_> = read.errors().collect();
    for e in &errors {
        eprintln!("{}:{}: {}", path.display(), e.span, e.message);
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub fn read_pair(
    base: &std::path::Path,
    target: &std::path::Path,
    dialect: Option<Dialect>,
    renames: &[String],
) -> Result<Pair, String> {
    let base_text = read_input(base)?;
    let target_text = read_input(target)?;
    let dialect = dialect.unwrap_or_else(|| match extension(base).as_str() {
        "dbml" => Dialect::Postgres,
        // A Prisma schema names its connector.
        "prisma" => bellows_core::import::prisma::import_prisma(&base_text, Dialect::Postgres).dialect,
        _ => bellows_core::import::detect_dialect(&base_text),
    });
    let base_import = read_schema(base, &base_text, Some(dialect));
    let target_import = read_schema(target, &target_text, Some(dialect));
    let errors = findings::report_errors(base, &base_import) + findings::report_errors(target, &target_import);
    let renames = rename_hints(renames)?;
    let server = bellows_core::plan::MySqlServer::detect(&base_text);
    Ok(Pair { dialect, base: base_import, target: target_import, errors, renames, server, base_text })
}

/// `--rename` values as the diff takes them.
pub fn rename_hints(renames: &[String]) -> Result<Vec<bellows_core::diff::RenameHint>, String> {
    renames
        .iter()
        .map(|hint| {
            bellows_core::diff::RenameHint::parse(hint).ok_or_else(|| format!("--rename {hint}: expected OLD=NEW"))
        })
        .collect()
}

fn extension(path: &std::path::Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// Reads a schema file: DBML (`.dbml`, types in `dialect`, PostgreSQL by default), a Prisma
/// schema (`.prisma`, the dialect of its datasource, else `dialect`) or SQL DDL.
pub fn read_schema(path: &std::path::Path, text: &str, dialect: Option<Dialect>) -> bellows_core::Import {
    match extension(path).as_str() {
        "dbml" => bellows_core::import::dbml::import_dbml(text, dialect.unwrap_or(Dialect::Postgres)),
        "prisma" => bellows_core::import::prisma::import_prisma(text, dialect.unwrap_or(Dialect::Postgres)),
        _ => bellows_core::import(text, dialect),
    }
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &std::path::Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| format!("stdin: {e}"))?;
        return Ok(text);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Dumps are not always valid UTF-8 (latin1 comments): keep going with replacement characters.
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Writes to standard output; a closed pipe (`bellows inspect x | head`) ends quietly.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        std::process::exit(0);
    }
}
