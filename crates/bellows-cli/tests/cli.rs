//! The `bellows` binary as a user runs it: real files in, output compared with snapshots in
//! `tests/snapshots/` (run with `BELLOWS_BLESS=1` to rewrite them after a deliberate change).

#![allow(clippy::panic)] // test helpers fail loudly, like the tests that call them

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `bellows` in the workspace root (so paths in the output are stable).
fn bellows(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run bellows: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("BELLOWS_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BELLOWS_BLESS=1 to create it)", path.display()));
    assert!(expected == actual, "{name} differs from the snapshot; got:\n{actual}");
}

#[test]
fn inspect_prints_the_model_as_text() {
    let (code, out, err) = bellows(&["inspect", "app/src/examples/shop.pg.sql"]);
    assert_eq!((code, err.as_str()), (0, ""));
    snapshot("inspect-shop.txt", &out);
}

#[test]
fn inspect_json_has_the_documented_shape() {
    let (code, out, _) = bellows(&["inspect", "app/src/examples/shop.pg.sql", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    for key in ["file", "dialect", "summary", "tables", "diagnostics"] {
        assert!(json.get(key).is_some(), "missing top-level `{key}`");
    }
    let first = &json["tables"][0];
    for key in ["name", "line", "columns", "primary_key", "unique", "foreign_keys", "indexes", "checks"] {
        assert!(first.get(key).is_some(), "missing table field `{key}`");
    }
    snapshot("inspect-shop.json", &out);
}

#[test]
fn errors_are_reported_with_file_line_and_column_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("bellows-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let file = dir.join("broken.sql");
    std::fs::write(&file, "CREATE TABLE ok (id int);\n\nCREATE TABLE broken (\n  id int,\n  name text text\n);\n")
        .unwrap_or_default();
    let path = file.to_string_lossy().to_string();
    let (code, out, _) = bellows(&["inspect", &path, "--dialect", "postgres"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{path}:5:13: error[parse-error]")), "{out}");
    let (code, out, _) = bellows(&["inspect", &path, "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    assert_eq!(json["diagnostics"][0]["line"], 5);
    assert_eq!(json["diagnostics"][0]["column"], 13);
    assert_eq!(json["summary"]["tables"], 1);
}

#[test]
fn a_missing_file_is_exit_2_with_a_message() {
    let (code, out, err) = bellows(&["inspect", "no/such/file.sql"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("no/such/file.sql"), "{err}");
}
