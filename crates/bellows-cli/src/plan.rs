//! `bellows plan BASE TARGET`: the staged plan as text, JSON or SQL.

use crate::{FailOn, PlanFormat};
use bellows_core::diff::{Change, DiffOptions, Matching, MergeHint, MoveHint};
use bellows_core::lint::{check_plan, LintOptions};
use bellows_core::plan::{
    plan_changes, plan_chat_summary, plan_files, plan_markdown, plan_pgroll, plan_sql, plan_text, plan_zip, PlanOptions,
};
use bellows_core::Dialect;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug)]
pub struct Args {
    pub base: PathBuf,
    pub target: PathBuf,
    pub dialect: Option<Dialect>,
    pub renames: Vec<String>,
    pub merges: Vec<String>,
    pub moves: Vec<String>,
    pub format: PlanFormat,
    pub pg_version: u32,
    pub server: Option<bellows_core::plan::MySqlServer>,
    pub lock_timeout_ms: u32,
    pub batch_size: u32,
    pub out: Option<PathBuf>,
    pub zip: Option<PathBuf>,
    pub consumers: Vec<PathBuf>,
    pub framework: Option<bellows_core::consumers::frameworks::Framework>,
    pub fail_on: FailOn,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let crate::Pair { dialect, base, target, errors, renames, server, base_text } =
        crate::read_pair(&args.base, &args.target, args.dialect, &args.renames)?;
    let options = PlanOptions {
        dialect,
        pg_version: args.pg_version,
        mysql_server: args.server.unwrap_or(server),
        lock_timeout_ms: args.lock_timeout_ms,
        batch_size: args.batch_size,
        ..PlanOptions::default()
    };
    // The change set once: the plan, the framework snippets, pgroll and the zip all read it.
    let merges = args.merges.iter().map(|m| MergeHint::parse(m)).collect::<Result<Vec<_>, _>>()?;
    for m in &merges {
        if base.schema.find_table(&m.from).is_none() || target.schema.find_table(&m.into).is_none() {
            return Err(format!(
                "--merge {}->{}: {} must be a table of the base and {} a table of the target",
                m.from, m.into, m.from, m.into
            ));
        }
    }
    let moves = args.moves.iter().map(|m| MoveHint::parse(m)).collect::<Result<Vec<_>, _>>()?;
    let changes = bellows_core::diff::diff(
        &base.schema,
        &target.schema,
        &DiffOptions { matching: Matching::Names, renames, merges, moves: moves.clone() },
    );
    for m in &moves {
        let found = changes.changes.iter().any(|c| {
            matches!(c, Change::MoveColumn { column, to_column, .. } if column.eq_ignore_ascii_case(&m.column) && to_column.eq_ignore_ascii_case(&m.to_column))
        });
        if !found {
            return Err(format!(
                "--move {}.{}->{}.{}: the base must have {}.{} and the target must drop it and add {}.{}",
                m.from, m.column, m.to, m.to_column, m.from, m.column, m.to, m.to_column
            ));
        }
    }
    let plan = plan_changes(&base.schema, &target.schema, &changes, &options);
    let findings =
        check_plan(&plan, &base.schema, &LintOptions { pg_version: args.pg_version, ..LintOptions::default() });
    let consumers = if args.consumers.is_empty() {
        None
    } else {
        Some(crate::queries::check_plan(&base, &base_text, &target.schema, &args.renames, &args.consumers)?)
    };
    let snippets =
        args.framework.map(|f| (f, bellows_core::consumers::frameworks::snippets(&changes, &base.schema, f)));
    let name = args.target.file_stem().map(|s| s.to_string_lossy().replace(['.', ' '], "_")).unwrap_or_default();
    let text = match args.format {
        PlanFormat::Text => {
            let mut text = plan_text(&plan);
            if !findings.is_empty() {
                text.push('\n');
                text.push_str(&crate::findings::text(&args.target, &findings, crate::output::Style::detect()));
            }
            if let Some((framework, snippets)) = &snippets {
                text.push_str(&format!("\nApplication changes ({})\n", framework.label()));
                if snippets.is_empty() {
                    text.push_str("  none: no table or column the application uses is renamed or dropped\n");
                }
                for s in snippets {
                    text.push_str(&format!("  {} ({}): {}\n", s.change, s.ships.label(), s.why));
                    for line in s.code.lines() {
                        let indent = if line.is_empty() { "" } else { "    " };
                        text.push_str(&format!("{indent}{line}\n"));
                    }
                }
            }
            if let Some(report) = &consumers {
                text.push_str("\nConsumers\n");
                text.push_str(&report.text(true));
            }
            text
        }
        PlanFormat::Sql => plan_sql(&plan),
        PlanFormat::Markdown => plan_markdown(&plan, &findings),
        PlanFormat::Chat => plan_chat_summary(&plan, None),
        PlanFormat::Pgroll => {
            if dialect != Dialect::Postgres {
                return Err(format!("pgroll runs on PostgreSQL; this plan is for {}", dialect.label()));
            }
            let (migration, _) = plan_pgroll(&plan, &target.schema, &changes, &name);
            serde_json::to_string_pretty(&migration).map_err(|e| e.to_string())? + "\n"
        }
        PlanFormat::Json => {
            let mut value = serde_json::to_value(&plan).map_err(|e| e.to_string())?;
            value["findings"] = serde_json::to_value(&findings).map_err(|e| e.to_string())?;
            if let Some(report) = &consumers {
                value["consumers"] = report.json();
            }
            if let Some((framework, snippets)) = &snippets {
                value["framework"] = serde_json::to_value(framework).map_err(|e| e.to_string())?;
                value["app_snippets"] = serde_json::to_value(snippets).map_err(|e| e.to_string())?;
            }
            serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n"
        }
    };
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, contents) in plan_files(&plan, &findings) {
            let path = dir.join(&name);
            std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    if let Some(path) = &args.zip {
        let shown = bellows_core::edit::display(&base.schema, &target.schema);
        let rects = bellows_core::layout::layout(&shown.schema, bellows_core::layout::Density::Columns);
        let title = format!("Target schema: {} tables, {} changes", target.schema.tables.len(), changes.changes.len());
        let mut extra =
            vec![("diagram.svg".to_string(), bellows_core::render::picture::diagram_svg(&shown, &rects, &title))];
        if dialect == Dialect::Postgres {
            let (migration, _) = plan_pgroll(&plan, &target.schema, &changes, &name);
            let json = serde_json::to_string_pretty(&migration).map_err(|e| e.to_string())? + "\n";
            extra.push((format!("pgroll/{name}.json"), json));
        }
        let bytes = plan_zip(&plan, &findings, extra)?;
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    crate::emit(&text);
    let breaking = consumers.as_ref().is_some_and(crate::queries::Report::breaking);
    if args.fail_on == FailOn::Breaking {
        return Ok(if breaking || errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    let code = crate::findings::exit_code(&findings, args.fail_on, errors);
    Ok(if breaking && args.fail_on != FailOn::Never { ExitCode::from(1) } else { code })
}
