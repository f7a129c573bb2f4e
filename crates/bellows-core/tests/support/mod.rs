//! Shared by the integration tests: where the corpora are, and the skip-or-fail rule.

#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

/// `../shared/corpora` next to the project (or `$BELLOWS_CORPORA`), or `None` with a printed notice. Under `CI=true` a
/// missing corpus fails the test instead: CI must never pass by skipping.
pub fn corpora() -> Option<PathBuf> {
    let root = match std::env::var_os("BELLOWS_CORPORA") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    };
    if root.is_dir() {
        return Some(root);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but the corpora are missing at {}", root.display());
    }
    eprintln!("SKIPPED: corpus tests need ../shared/corpora next to the project (not present in this clone)");
    None
}

/// Every dialect-suffixed schema file under `schema-*` and `pair-*` (not the migration folders).
pub fn schema_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().to_string();
            if path.is_dir() {
                let top = rel.split('/').next().unwrap_or("");
                let is_migrations = rel.contains("deltas_") || rel.contains("upgrade");
                if (top.starts_with("schema-") || top.starts_with("pair-")) && !is_migrations {
                    stack.push(path);
                }
            } else if [".pg.sql", ".mysql.sql", ".sqlite.sql"].iter().any(|s| rel.ends_with(s)) && rel.contains('/') {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

pub fn dialect_of(path: &Path) -> bellows_core::Dialect {
    let name = path.to_string_lossy();
    if name.ends_with(".mysql.sql") {
        bellows_core::Dialect::MySql
    } else if name.ends_with(".sqlite.sql") {
        bellows_core::Dialect::Sqlite
    } else {
        bellows_core::Dialect::Postgres
    }
}

pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().to_string()
}
