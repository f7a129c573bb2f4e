//! `bellows diff BASE TARGET`: what changes between two schemas, with likely renames offered
//! as suggestions (never applied unless given with --rename).

use crate::Format;
use bellows_core::diff::{diff, DiffOptions, Matching};
use bellows_core::Dialect;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug)]
pub struct Args {
    pub base: PathBuf,
    pub target: PathBuf,
    pub dialect: Option<Dialect>,
    pub renames: Vec<String>,
    pub format: Format,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let pair = crate::read_pair(&args.base, &args.target, args.dialect, &args.renames)?;
    let errors = pair.errors;
    let changes = diff(
        &pair.base.schema,
        &pair.target.schema,
        &DiffOptions { matching: Matching::Names, renames: pair.renames, merges: vec![], moves: vec![] },
    );
    let out = match args.format {
        Format::Text => {
            let mut out = String::new();
            if changes.changes.is_empty() {
                out.push_str("no changes\n");
            }
            for c in &changes.changes {
                out.push_str(&format!("{}\n", c.describe()));
            }
            for s in &changes.suggestions {
                out.push_str(&format!(
                    "possible rename: {} -> {} ({:.0}% sure); confirm with --rename {}\n",
                    s.from,
                    s.to,
                    s.confidence * 100.0,
                    s.hint
                ));
            }
            out
        }
        Format::Json => {
            let value = serde_json::json!({
                "changes": changes.changes.iter().map(|c| c.describe()).collect::<Vec<_>>(),
                "suggestions": changes.suggestions.iter().map(|s| serde_json::json!({
                    "table": s.table, "from": s.from, "to": s.to, "confidence": s.confidence, "hint": s.hint,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n"
        }
    };
    crate::emit(&out);
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
