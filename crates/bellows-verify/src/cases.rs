//! What the harness runs: a case folder (`tests/fixtures/<case>/`: before.sql, after.sql and
//! the optional case.toml with `dialect`, `renames = ["t.old=new"]`, `[resolutions]` keyed by
//! change and `[rows]` estimates), a real version pair from the corpora, or a base text with
//! canvas edits.

use bellows_core::diff::{DiffOptions, Matching, MergeHint, MoveHint, RenameHint};
use bellows_core::edit::Edit;
use bellows_core::plan::{PlanOptions, Resolution};
use bellows_core::Dialect;
use std::path::{Path, PathBuf};

/// The target: a second text, or edits over the base (as the canvas makes them).
#[derive(Debug, Clone)]
pub enum After {
    Text(String),
    Edits(Vec<Edit>),
}

#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub dir: Option<PathBuf>,
    pub dialect: Dialect,
    pub before: String,
    pub after: After,
    pub diff: DiffOptions,
    pub options: PlanOptions,
    /// Seed rows per table, when not the default for the schema's size.
    pub rows: Option<i64>,
    /// Seed and write only the tables the change touches and their neighbours (for single
    /// edits on large schemas); the schema is still compared whole.
    pub focus: bool,
    /// The application's statements (`consumers.sql`), run at every point of the plan.
    pub consumers: Option<String>,
}

impl Input {
    /// The after text, for fixtures (which always have one).
    pub fn after_text(&self) -> &str {
        match &self.after {
            After::Text(t) => t,
            After::Edits(_) => "",
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every fixture folder, sorted.
pub fn cases() -> Result<Vec<Input>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .map_err(|e| format!("tests/fixtures: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("before.sql").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter().map(|dir| load(&dir)).collect()
}

pub fn load(dir: &Path) -> Result<Input, String> {
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
    let merges = toml
        .get("merges")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .map(|h| {
                    MergeHint::parse(h.as_str().unwrap_or_default())
                        .map_err(|e| format!("{}/case.toml: {e}", dir.display()))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let moves = toml
        .get("moves")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .map(|h| {
                    MoveHint::parse(h.as_str().unwrap_or_default())
                        .map_err(|e| format!("{}/case.toml: {e}", dir.display()))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
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
                    "parent-value" => Resolution::ParentValue,
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
    Ok(Input {
        name: dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        dir: Some(dir.to_path_buf()),
        dialect,
        before: read("before.sql")?,
        after: After::Text(read("after.sql")?),
        diff: DiffOptions { matching: Matching::Names, renames, merges, moves },
        options,
        rows: None,
        focus: false,
        consumers: std::fs::read_to_string(dir.join("consumers.sql")).ok(),
    })
}

/// `../shared/corpora` (or `$BELLOWS_CORPORA`), when present.
pub fn corpora() -> Option<PathBuf> {
    let root = match std::env::var_os("BELLOWS_CORPORA") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    };
    root.is_dir().then_some(root)
}

/// The real version pairs of the corpora, consecutive versions, one case per dialect: each
/// project's own files, as they ship. MySQL pairs are not listed here (their plans are MySQL's).
pub fn corpus_pairs(root: &Path) -> Vec<(String, PathBuf, PathBuf, Dialect)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else { return out };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("pair-")))
        .collect();
    dirs.sort();
    for dir in dirs {
        let project = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").trim_start_matches("pair-").to_string();
        // Version folders (`1.4.0/`) or versioned files side by side.
        let mut files: Vec<PathBuf> = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
                if path.is_dir() && !name.contains("upgrade") && !name.contains("deltas") {
                    stack.push(path);
                } else if (name.ends_with(".pg.sql") || name.ends_with(".sqlite.sql") || name.ends_with(".mysql.sql"))
                    && !name.contains("upgrade")
                {
                    files.push(path);
                }
            }
        }
        for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::MySql] {
            let suffix = match dialect {
                Dialect::Postgres => ".pg.sql",
                Dialect::Sqlite => ".sqlite.sql",
                Dialect::MySql => ".mysql.sql",
            };
            // Group by the file's name with its version part taken out, in version order.
            let mut series: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
            for f in files.iter().filter(|f| f.to_string_lossy().ends_with(suffix)) {
                let rel = f.strip_prefix(&dir).unwrap_or(f).to_string_lossy().to_string();
                let (version, stem) = match rel.split_once('/') {
                    Some((v, file)) => (v.to_string(), file.to_string()),
                    None => (rel.clone(), version_free(&rel)),
                };
                let _ = version;
                series.entry(stem).or_default().push(f.clone());
            }
            for (stem, mut versions) in series {
                versions.sort_by_key(|p| {
                    let rel = p.strip_prefix(&dir).unwrap_or(p).to_string_lossy().to_string();
                    (version_key(&rel), rel)
                });
                for pair in versions.windows(2) {
                    let label = |p: &Path| version_label(&p.strip_prefix(&dir).unwrap_or(p).to_string_lossy());
                    let name = format!(
                        "{project}{} {} -> {}",
                        if stem.is_empty() { String::new() } else { format!(" {}", stem_label(&stem, dialect)) },
                        label(&pair[0]),
                        label(&pair[1])
                    );
                    out.push((name, pair[0].clone(), pair[1].clone(), dialect));
                }
            }
        }
    }
    out
}

/// `main_full_v54.pg.sql` -> `main_full.pg.sql`; `structure_2018-06.pg.sql` -> `structure.pg.sql`.
fn version_free(name: &str) -> String {
    let (stem, ext) = split_suffix(name);
    let kept: Vec<&str> = stem.split('_').filter(|p| !is_version(p)).collect();
    format!("{}{ext}", kept.join("_"))
}

fn split_suffix(name: &str) -> (&str, &str) {
    for suffix in [".pg.sql", ".sqlite.sql", ".mysql.sql", ".sql"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return (stem, suffix);
        }
    }
    (name, "")
}

/// `2018-06`, `3.15.0`, `v54`, `2018-02-a`.
fn is_version(part: &str) -> bool {
    part.starts_with(|c: char| c.is_ascii_digit())
        || (part.len() > 1 && part.starts_with('v') && part[1..].chars().all(|c| c.is_ascii_digit()))
}

fn stem_label(stem: &str, dialect: Dialect) -> String {
    let s = stem
        .trim_end_matches(".pg.sql")
        .trim_end_matches(".sqlite.sql")
        .trim_end_matches(".mysql.sql")
        .trim_end_matches(".sql");
    let s = s.trim_end_matches("_full").trim_end_matches("_full_schema");
    let server = match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::MySql => "mysql",
        Dialect::Postgres => "postgres",
    };
    match s {
        "" | "schema" | "structure" | "pagila-schema" | "full_schema" | "postgres.initial" | "sqlite.initial"
        | "mysql.initial" => server.into(),
        other => format!("{other} {server}"),
    }
}

/// Numbers in a path, for sorting versions: `rt-4.4.0` < `rt-5.0.0`, `v29` < `v30`.
fn version_key(rel: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in rel.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(cur.parse().unwrap_or(0));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.parse().unwrap_or(0));
    }
    out
}

fn version_label(rel: &str) -> String {
    match rel.split_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => split_suffix(rel).0.split('_').filter(|p| is_version(p)).collect::<Vec<_>>().join("_"),
    }
}

/// A corpus pair as a case.
/// Every real pair in the corpora as a case; an error when the corpora are not there.
pub fn real_pairs() -> Result<Vec<Input>, String> {
    let root = corpora().ok_or("no corpora: ../shared/corpora (or $BELLOWS_CORPORA) is not there")?;
    corpus_pairs(&root).iter().map(|(name, before, after, d)| pair_input(name, before, after, *d)).collect()
}

pub fn pair_input(name: &str, before: &Path, after: &Path, dialect: Dialect) -> Result<Input, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    Ok(Input {
        name: name.to_string(),
        dir: None,
        dialect,
        before: read(before)?,
        after: After::Text(read(after)?),
        diff: DiffOptions { matching: Matching::Names, renames: vec![], merges: vec![], moves: vec![] },
        options: PlanOptions { dialect, ..PlanOptions::default() },
        rows: None,
        focus: false,
        consumers: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_by_their_numbers_and_name_the_pair() {
        assert!(version_key("rt-4.4.0/schema.pg.sql") < version_key("rt-5.0.0/schema.pg.sql"));
        assert!(version_key("main_full_v54.pg.sql") < version_key("main_full_v72.pg.sql"));
        assert_eq!(version_free("main_full_v54.pg.sql"), "main_full.pg.sql");
        assert_eq!(version_free("structure_2018-06.pg.sql"), "structure.pg.sql");
        assert_eq!(version_label("pagila-schema_2018-02-a.pg.sql"), "2018-02-a");
        assert_eq!(version_label("1.4.0/postgres.initial.pg.sql"), "1.4.0");
        assert_eq!(version_label("3.15.0_full_schema.pg.sql"), "3.15.0");
        assert_eq!(version_free("3.15.0_full_schema.pg.sql"), "full_schema.pg.sql");
    }
}

/// How many cases run at once: `BELLOWS_JOBS`, or one per core. A case alternates between the
/// harness (planning, writing traffic) and the server (loading, copying databases), so on two
/// cores two cases keep both busy where one left a core idle half the time.
pub fn jobs() -> usize {
    std::env::var("BELLOWS_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Runs `f` on every item, `jobs` at a time, each item once, and returns the results in the
/// items' order. `done` is called as each item finishes (from the thread that ran it, one at a
/// time), so a long sweep prints its progress as it goes rather than at the end.
pub fn each_in_parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
    done: impl Fn(usize, &R) + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let report = Mutex::new(());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(i, item);
                {
                    let _one_at_a_time = report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    done(i, &r);
                }
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().flatten().collect()
}

#[cfg(test)]
mod parallel_tests {
    use super::each_in_parallel;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_item_runs_once_and_results_keep_the_items_order() {
        let items: Vec<u64> = (0..50).collect();
        let calls = AtomicUsize::new(0);
        let reported = AtomicUsize::new(0);
        let out = each_in_parallel(
            &items,
            3,
            |i, x| {
                calls.fetch_add(1, Ordering::Relaxed);
                // Uneven work, so the threads finish out of order.
                std::thread::sleep(std::time::Duration::from_millis((x * 7) % 5));
                (i, x * x)
            },
            |_, _| {
                reported.fetch_add(1, Ordering::Relaxed);
            },
        );
        assert_eq!(calls.load(Ordering::Relaxed), 50);
        assert_eq!(reported.load(Ordering::Relaxed), 50);
        assert_eq!(out, items.iter().enumerate().map(|(i, x)| (i, x * x)).collect::<Vec<_>>());
        assert!(each_in_parallel(&[] as &[u8], 2, |_, x| *x, |_, _| ()).is_empty());
    }
}
