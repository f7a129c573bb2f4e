//! Reads `tests/fixtures/<case>/`: before.sql, after.sql and the optional case.toml
//! (`dialect`, `renames = ["t.old=new"]`, `[resolutions]` keyed by change, `[rows]` estimates).

use bellows_core::diff::{DiffOptions, Matching, RenameHint};
use bellows_core::plan::{PlanOptions, Resolution};
use bellows_core::Dialect;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub before: String,
    pub after: String,
    pub dialect: Dialect,
    pub diff: DiffOptions,
    pub options: PlanOptions,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn cases() -> Result<Vec<Case>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .map_err(|e| format!("tests/fixtures: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("before.sql").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter().map(|dir| load(&dir)).collect()
}

pub fn load(dir: &Path) -> Result<Case, String> {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{}/{f}: {e}", dir.display()));
    let toml: toml::Table = match std::fs::read_to_string(dir.join("case.toml")) {
        Ok(t) => t.parse().map_err(|e| format!("{}/case.toml: {e}", dir.display()))?,
        Err(_) => toml::Table::new(),
    };
    let dialect = toml.get("dialect").and_then(|d| d.as_str()).and_then(Dialect::parse).unwrap_or(Dialect::Postgres);
    let renames = toml
        .get("renames")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(|h| h.as_str().and_then(RenameHint::parse)).collect())
        .unwrap_or_default();
    let mut options = PlanOptions { dialect, ..PlanOptions::default() };
    if let Some(res) = toml.get("resolutions").and_then(|r| r.as_table()) {
        for (change, value) in res {
            let value = value.as_str().unwrap_or_default();
            let resolution = match value.split_once(':') {
                Some(("fill", v)) => Resolution::Fill { value: v.to_string() },
                _ => match value {
                    "delete-orphans" => Resolution::DeleteOrphans,
                    "null-orphans" => Resolution::NullOrphans,
                    "keep-first-duplicate" => Resolution::KeepFirstDuplicate,
                    "stop" => Resolution::StopBeforeContract,
                    other => return Err(format!("{}: unknown resolution {other}", dir.display())),
                },
            };
            options.resolutions.insert(change.clone(), resolution);
        }
    }
    if let Some(rows) = toml.get("rows").and_then(|r| r.as_table()) {
        for (table, n) in rows {
            options.row_estimates.insert(table.clone(), n.as_integer().unwrap_or(0) as u64);
        }
    }
    Ok(Case {
        name: dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        dir: dir.to_path_buf(),
        before: read("before.sql")?,
        after: read("after.sql")?,
        dialect,
        diff: DiffOptions { matching: Matching::Names, renames },
        options,
    })
}
