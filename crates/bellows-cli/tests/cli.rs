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

const LINT: &str = "crates/bellows-core/tests/lint";

#[test]
fn lint_reports_debt_with_file_line_column_and_fails_on_the_chosen_severity() {
    let file = format!("{LINT}/unindexed-foreign-key/err.sql");
    let (code, out, err) = bellows(&["lint", &file]);
    assert_eq!((code, err.as_str()), (0, ""), "warnings do not fail the default --fail-on error");
    snapshot("lint-unindexed.txt", &out);
    assert!(out.contains(&format!("{file}:2:")), "{out}");
    let (code, _, _) = bellows(&["lint", &file, "--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (code, out, _) = bellows(&["lint", &file, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let first = &json["findings"][0];
    for key in ["code", "severity", "message", "help", "line", "column"] {
        assert!(first.get(key).is_some(), "missing finding field `{key}`: {out}");
    }
    assert_eq!(json["summary"]["findings"], json["findings"].as_array().map_or(0, Vec::len));
}

#[test]
fn check_flags_unsafe_steps_of_a_hand_written_migration_against_its_base() {
    let dir = format!("{LINT}/scans-under-exclusive-lock");
    let (code, out, _) = bellows(&["check", &format!("{dir}/err.sql"), "--base", &format!("{dir}/base.sql")]);
    assert_eq!(code, 1, "errors fail the run: {out}");
    snapshot("check-scans.txt", &out);
    let (code, out, _) = bellows(&["check", &format!("{dir}/ok.sql"), "--base", &format!("{dir}/base.sql")]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("[scans-under-exclusive-lock]"), "{out}");
}

#[test]
fn diff_lists_changes_and_offers_renames_without_applying_them() {
    let (code, out, _) =
        bellows(&["diff", "tests/fixtures/rename-column/before.sql", "tests/fixtures/rename-column/after.sql"]);
    assert_eq!(code, 0);
    snapshot("diff-rename.txt", &out);
    assert!(out.contains("possible rename"), "{out}");
    let (_, out, _) = bellows(&[
        "diff",
        "tests/fixtures/rename-column/before.sql",
        "tests/fixtures/rename-column/after.sql",
        "--rename",
        "orders.total=amount",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["changes"].as_array().map_or(0, Vec::len), 1, "{out}");
    assert!(json["changes"][0].as_str().unwrap_or("").contains("rename"), "{out}");
}

#[test]
fn plan_writes_a_markdown_runbook_and_one_file_per_stage() {
    let case = "tests/fixtures/combined-rename-and-not-null";
    let renames = std::fs::read_to_string(workspace().join(case).join("case.toml")).unwrap_or_default();
    let hint = renames.split('"').nth(1).unwrap_or("").to_string();
    let dir = std::env::temp_dir().join(format!("bellows-plan-out-{}", std::process::id()));
    let out_dir = dir.to_string_lossy().to_string();
    let (code, out, err) = bellows(&[
        "plan",
        &format!("{case}/before.sql"),
        &format!("{case}/after.sql"),
        "--rename",
        &hint,
        "--format",
        "markdown",
        "--out",
        &out_dir,
    ]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    snapshot("plan-runbook.md", &out);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    files.sort();
    assert_eq!(
        files,
        [
            "1-expand.down.sql",
            "1-expand.up.sql",
            "2-backfill.down.sql",
            "2-backfill.up.sql",
            "4-contract.down.sql",
            "4-contract.up.sql",
            "RUNBOOK.md"
        ]
    );
    let up = std::fs::read_to_string(dir.join("1-expand.up.sql")).unwrap_or_default();
    assert!(up.contains("CREATE TRIGGER"), "{up}");
    let down = std::fs::read_to_string(dir.join("1-expand.down.sql")).unwrap_or_default();
    assert!(down.contains("DROP TRIGGER"), "{down}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The commands on every corpus schema: they run, never crash, and their JSON parses.
#[test]
fn lint_runs_on_every_corpus_schema() {
    let root = match std::env::var_os("BELLOWS_CORPORA") {
        Some(p) => PathBuf::from(p),
        None => workspace().join("../shared/corpora"),
    };
    if !root.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the corpora are missing at {}",
            root.display()
        );
        eprintln!("SKIPPED: corpus tests need ../shared/corpora");
        return;
    }
    let mut files = 0;
    for top in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let name = top.file_name().to_string_lossy().into_owned();
        if !name.starts_with("schema-") {
            continue;
        }
        for f in std::fs::read_dir(top.path()).into_iter().flatten().flatten() {
            let path = f.path().to_string_lossy().into_owned();
            if !path.ends_with(".sql") {
                continue;
            }
            let (code, out, err) = bellows(&["lint", &path, "--format", "json", "--fail-on", "never"]);
            assert!(code == 0 || code == 1, "{path}: exit {code}: {err}");
            let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(json["findings"].is_array(), "{path}");
            files += 1;
        }
    }
    assert!(files >= 20, "{files}");
}

#[test]
fn link_prints_a_share_link_that_opens_to_the_same_model() {
    let (code, out, err) =
        bellows(&["link", "tests/fixtures/rename-column/before.sql", "--site", "https://example.org/bellows/"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let link = out.trim();
    assert!(link.starts_with("https://example.org/bellows/#d=2."), "{link}");
    let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or_default();
    let design = bellows_core::share::decode(fragment).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(workspace().join("tests/fixtures/rename-column/before.sql")).unwrap_or_default();
    let original = bellows_core::import(&text, None).schema;
    let names = |s: &bellows_core::Schema| s.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(design.model.as_ref().map(names), Some(names(&original)));
    // Without --site, the fragment alone.
    let (code, out, _) = bellows(&["link", "tests/fixtures/rename-column/before.sql", "--read-only"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("#d=2."), "{out}");
    assert!(bellows_core::share::decode(out.trim()).is_ok_and(|d| d.read_only));
}

#[test]
fn plan_writes_a_summary_for_chat() {
    let (code, out, err) = bellows(&[
        "plan",
        "tests/fixtures/rename-column/before.sql",
        "tests/fixtures/rename-column/after.sql",
        "--rename",
        "orders.total=amount",
        "--format",
        "chat",
    ]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.starts_with("**Schema change**: 1 change (PostgreSQL)"), "{out}");
    assert!(out.contains("rename column orders.total -> amount") && out.contains("**Expand**"), "{out}");
}

#[test]
fn export_writes_dbml_mermaid_and_sql_of_another_dialect() {
    let file = "tests/fixtures/rename-column/before.sql";
    let (code, dbml, err) = bellows(&["export", file, "--format", "dbml"]);
    assert_eq!((code, err.as_str()), (0, ""), "{dbml}");
    assert!(dbml.contains("Table orders {"), "{dbml}");
    let (code, mermaid, _) = bellows(&["export", file, "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(mermaid.starts_with("erDiagram\n") && mermaid.contains("\n  \"orders\" {"), "{mermaid}");
    let (code, svg, _) = bellows(&["export", file, "--format", "svg"]);
    assert_eq!(code, 0);
    assert!(svg.starts_with("<svg") && svg.contains(">orders</text>"), "{svg}");
    let (code, sql, _) = bellows(&["export", file, "--format", "sql", "--to", "sqlite"]);
    assert_eq!(code, 0);
    let back = bellows_core::import(&sql, Some(bellows_core::Dialect::Sqlite));
    assert_eq!(back.errors().count(), 0, "{sql}");
    assert!(back.schema.find_table("orders").is_some(), "{sql}");
}

/// With --target, export writes the target (the SVG marks what changes) and the pgroll
/// migration, the same one `plan --format pgroll` writes; pgroll without a target is refused.
#[test]
fn export_with_a_target_writes_the_change_and_its_pgroll_migration() {
    let (base, target) = ("tests/fixtures/rename-column/before.sql", "tests/fixtures/rename-column/after.sql");
    let rename = ["--rename", "orders.total=amount"];
    let (code, svg, err) = bellows(&[&["export", base, "--target", target, "--format", "svg"][..], &rename].concat());
    assert_eq!((code, err.as_str()), (0, ""), "{svg}");
    assert!(svg.contains("tables, 1 change</title>"), "the title counts the rename as one change: {svg}");
    let (code, dbml, _) = bellows(&["export", base, "--target", target, "--format", "dbml"]);
    assert_eq!(code, 0);
    assert!(dbml.contains("  amount ") && !dbml.contains("  total "), "the target's columns: {dbml}");
    let (code, pgroll, err) =
        bellows(&[&["export", base, "--target", target, "--format", "pgroll"][..], &rename].concat());
    assert_eq!((code, err.as_str()), (0, ""), "{pgroll}");
    let (_, planned, _) = bellows(&[&["plan", base, target, "--format", "pgroll"][..], &rename].concat());
    assert_eq!(pgroll, planned, "the same migration as the plan's");
    assert!(pgroll.contains("\"rename_column\""), "{pgroll}");
    let (code, out, err) = bellows(&["export", base, "--format", "pgroll"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("--target"), "{err}");
}

#[test]
fn dbml_files_are_read_by_inspect_and_plan() {
    let dir = std::env::temp_dir().join(format!("bellows-dbml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let (base, target) = (dir.join("base.dbml"), dir.join("target.dbml"));
    std::fs::write(&base, "Table orders {\n  id bigint [pk]\n  total int [not null]\n}\n").unwrap_or_default();
    std::fs::write(&target, "Table orders {\n  id bigint [pk]\n  total int [not null]\n  note text\n}\n")
        .unwrap_or_default();
    let (code, out, err) = bellows(&["inspect", &base.to_string_lossy(), "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.contains("\"tables\": 1"), "{out}");
    let (code, out, _) = bellows(&["plan", &base.to_string_lossy(), &target.to_string_lossy()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("add column orders.note"), "{out}");
    std::fs::write(&base, "Table orders {\n  id bigint [pk\n}\n").unwrap_or_default();
    let (code, out, _) = bellows(&["inspect", &base.to_string_lossy()]);
    assert_eq!(code, 1, "a broken DBML file fails: {out}");
    assert!(
        out.contains("base.dbml:3:1: error[dbml-syntax]"),
        "line and column of the brace found where the bracket was due: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Prisma schema is exported, read back by `inspect` and `plan` (its datasource names the
/// dialect), and a broken one fails with the line and column of the fault.
#[test]
fn prisma_files_are_written_and_read() {
    let dir = std::env::temp_dir().join(format!("bellows-prisma-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let (code, prisma, err) = bellows(&[
        "export",
        "tests/fixtures/mysql-rename-column/before.sql",
        "--dialect",
        "mysql",
        "--format",
        "prisma",
    ]);
    assert_eq!((code, err.as_str()), (0, ""), "{prisma}");
    assert!(prisma.contains("provider = \"mysql\"") && prisma.contains("model orders {"), "{prisma}");
    let base = dir.join("base.prisma");
    std::fs::write(&base, &prisma).unwrap_or_default();
    let target = dir.join("target.prisma");
    std::fs::write(&target, prisma.replace("model orders {\n", "model orders {\n  memo String? @db.VarChar(40)\n"))
        .unwrap_or_default();
    let (code, out, err) = bellows(&["inspect", &base.to_string_lossy(), "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.contains("\"tables\": 2") && out.contains("\"dialect\": \"mysql\""), "{out}");
    let (code, out, _) = bellows(&["plan", &base.to_string_lossy(), &target.to_string_lossy()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("Plan for MySQL"), "the datasource names the dialect: {out}");
    assert!(out.contains("add column orders.memo") && out.contains("ALGORITHM=INSTANT"), "{out}");
    std::fs::write(&base, "datasource db {\n  provider = \"postgresql\"\n}\nmodel a {\n  id Int @id\n  name\n}\n")
        .unwrap_or_default();
    let (code, out, _) = bellows(&["inspect", &base.to_string_lossy()]);
    assert_eq!(code, 1, "a broken Prisma file fails: {out}");
    assert!(out.contains("base.prisma:6:3: error[prisma-syntax]"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bellows plan --zip` on real version pairs (the first of each project and dialect): the
/// archive, read back by the `zip` crate, holds exactly the files `--out` writes, byte for byte,
/// plus the diagram and (for PostgreSQL) the pgroll migration.
#[test]
fn plan_zip_holds_what_out_writes_plus_the_diagram_and_pgroll_on_real_pairs() {
    use std::io::Read;
    let Some(root) = bellows_verify::cases::corpora() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the corpora are missing");
        eprintln!("SKIPPED: corpus tests need ../shared/corpora");
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (name, a, b, dialect) in bellows_verify::cases::corpus_pairs(&root) {
        let project = name.split(' ').next().unwrap_or_default().to_string();
        if !seen.insert((project, dialect)) {
            continue;
        }
        let dir = std::env::temp_dir().join(format!("bellows-zip-{}-{checked}", std::process::id()));
        let zip_path = dir.join("plan.zip");
        let _ = std::fs::create_dir_all(&dir);
        let d = match dialect {
            bellows_core::Dialect::Postgres => "postgres",
            bellows_core::Dialect::MySql => "mysql",
            bellows_core::Dialect::Sqlite => "sqlite",
        };
        let (a, b) = (a.to_string_lossy().into_owned(), b.to_string_lossy().into_owned());
        let out_dir = dir.join("out").to_string_lossy().into_owned();
        let zip_arg = zip_path.to_string_lossy().into_owned();
        let (code, _, err) = bellows(&[
            "plan",
            &a,
            &b,
            "--dialect",
            d,
            "--out",
            &out_dir,
            "--zip",
            &zip_arg,
            "--format",
            "json",
            "--fail-on",
            "never",
        ]);
        assert_eq!((code, err.as_str()), (0, ""), "{name}");
        let bytes = std::fs::read(&zip_path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{name}: not a zip: {e}"));
        let mut names = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut data = String::new();
            f.read_to_string(&mut data).unwrap_or_else(|e| panic!("{name}: {}: {e}", f.name()));
            let file =
                f.name().strip_prefix("bellows-plan/").unwrap_or_else(|| panic!("{name}: {}", f.name())).to_string();
            let on_disk = std::path::Path::new(&out_dir).join(&file);
            if on_disk.is_file() {
                assert_eq!(std::fs::read_to_string(&on_disk).unwrap_or_default(), data, "{name}: {file}");
            } else if file == "diagram.svg" {
                assert!(data.starts_with("<svg") && data.contains("</svg>"), "{name}: {file}");
            } else {
                assert!(file.starts_with("pgroll/") && dialect == bellows_core::Dialect::Postgres, "{name}: {file}");
                let json: serde_json::Value = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(json["operations"].is_array(), "{name}: {file}");
            }
            names.push(file);
        }
        let written = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            names.iter().any(|n| n == "RUNBOOK.md") && names.iter().any(|n| n == "diagram.svg"),
            "{name}: {names:?}"
        );
        assert_eq!(
            names.iter().filter(|n| std::path::Path::new(&out_dir).join(n).is_file()).count(),
            written,
            "{name}: every file of --out"
        );
        assert_eq!(
            names.iter().any(|n| n.starts_with("pgroll/")),
            dialect == bellows_core::Dialect::Postgres,
            "{name}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        println!("{name}: {} files", names.len());
        checked += 1;
    }
    assert!(checked >= 5, "{checked} pairs");
}

#[test]
fn queries_finds_what_breaks_on_the_base_and_on_the_target() {
    let dir = workspace().join("target/cli-queries-test");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    write("base.sql", "CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, bio text);\n");
    write("target.sql", "CREATE TABLE authors (id bigserial PRIMARY KEY, full_name text NOT NULL, bio text);\n");
    write(
        "app.sql",
        "-- name: GetAuthor :one\nSELECT id, name FROM authors WHERE id = $1;\n\n-- name: ListBios :many\nSELECT bio FROM authors\nORDER BY naem;\n",
    );
    let path = |n: &str| format!("target/cli-queries-test/{n}");
    let (code, out, err) = bellows(&["queries", &path("base.sql"), &path("app.sql")]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("app.sql:6:10: error[unknown-column] ListBios: no table in scope has a column `naem`"),
        "{out}"
    );
    assert!(out.contains("2 statements: 1 already broken on the base"), "{out}");
    // Renamed in the target: v1's statements keep working until Contract drops the old name.
    let (code, out, err) = bellows(&[
        "queries",
        &path("base.sql"),
        &path("app.sql"),
        "--target",
        &path("target.sql"),
        "--rename",
        "authors.name=full_name",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "the base's own break still fails the run: {out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let retire: Vec<&serde_json::Value> =
        json.as_array().map(|a| a.iter().filter(|f| f["verdict"] == "retire-before").collect()).unwrap_or_default();
    assert_eq!(retire.len(), 1, "{out}");
    assert_eq!(retire[0]["statement"], "GetAuthor");
    assert_eq!((retire[0]["line"].as_u64(), retire[0]["column"].as_u64()), (Some(2), Some(12)));
    assert_eq!(retire[0]["point"], "after Contract");
    assert!(retire[0]["step"].as_str().is_some_and(|s| s.contains("authors.name")), "{out}");
    assert_eq!(retire[0]["rewrite"], "SELECT id, full_name AS name FROM authors WHERE id = $1", "{out}");
    assert!(!out.contains("plan-defect"), "{out}");
}

#[test]
fn queries_reads_a_mysql_digest_export() {
    let dir = workspace().join("target/cli-queries-test");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    write(
        "m.sql",
        "CREATE TABLE authors (id int PRIMARY KEY AUTO_INCREMENT, name varchar(50) NOT NULL) ENGINE=InnoDB;\n",
    );
    let cut = format!("SELECT `name` FROM `authors` WHERE {}", "`id` IN (...) OR ".repeat(70));
    write(
        "digests.csv",
        &format!(
            "SCHEMA_NAME,DIGEST,DIGEST_TEXT,COUNT_STAR\napp,abcdef0123456789,SELECT `name` FROM `authors` WHERE `id` IN (...),4\napp,12ab,SELECT `nme` FROM `authors`,1\napp,99ff,\"{cut}\",2\n"
        ),
    );
    let (code, out, err) =
        bellows(&["queries", "target/cli-queries-test/m.sql", "target/cli-queries-test/digests.csv"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("digests.csv:3:17: error[unknown-column] digest 12ab: no table in scope has a column `nme`"),
        "{out}"
    );
    assert!(out.contains("2 statements: 1 already broken on the base"), "{out}");
    assert!(err.contains("digests.csv:4:1: warning[truncated-statement] digest 99ff"), "{err}");
    // `deps` reads consumer files the same way: the cut text is a diagnostic of its JSON.
    let (code, out, err) = bellows(&[
        "deps",
        "target/cli-queries-test/m.sql",
        "--consumers",
        "target/cli-queries-test/digests.csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let codes: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| Some((d["severity"].as_str()?, d["code"].as_str()?))).collect())
        .unwrap_or_default();
    assert!(codes.contains(&("warning", "truncated-statement")), "{out}");
    assert!(codes.contains(&("error", "unknown-column")), "{out}");
}

#[test]
fn deps_maps_the_schema_and_the_consumers_statements() {
    let dir = workspace().join("target/cli-deps-test");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    write(
        "shop.sql",
        "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);\n\
         CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), total numeric);\n\
         CREATE INDEX orders_customer ON orders (customer_id);\n\
         CREATE VIEW order_emails AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id;\n",
    );
    write(
        "billing.sql",
        "-- name: Totals :many\nSELECT * FROM orders;\n\n-- name: Bump :exec\nUPDATE orders SET total = total * 2 WHERE id = $1;\n\n\
         -- name: Purge :exec\nDELETE FROM customers WHERE emial IS NULL;\n",
    );
    let (code, out, err) = bellows(&[
        "deps",
        "target/cli-deps-test/shop.sql",
        "--consumers",
        "target/cli-deps-test/billing.sql",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "a reference that does not resolve fails the run: {out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
    assert_eq!(diagnostics.len(), 1, "{out}");
    let d = &diagnostics[0];
    assert_eq!(d["file"], "target/cli-deps-test/billing.sql");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(8), Some(29)), "{out}");
    assert_eq!((d["severity"].as_str(), d["code"].as_str()), (Some("error"), Some("unknown-column")));
    let statements = json["statements"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = statements.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["Totals", "Bump", "Purge"]);
    assert_eq!(statements[0]["reads"], serde_json::json!(["orders.id", "orders.customer_id", "orders.total"]));
    assert_eq!(statements[1]["reads"], serde_json::json!(["orders.total", "orders.id"]));
    assert_eq!(statements[1]["writes"], serde_json::json!(["orders.total"]));
    assert_eq!(statements[2]["writes"], serde_json::json!(["customers.*"]));
    assert_eq!(statements[1]["line"], 5);
    // The map: customers.email is read by the view; customers.id by the view, the key and the
    // foreign key into it.
    let table = |name: &str| {
        json["tables"].as_array().and_then(|a| a.iter().find(|t| t["table"] == name)).cloned().unwrap_or_default()
    };
    let column = |t: &serde_json::Value, c: &str| {
        t["columns"].as_array().and_then(|a| a.iter().find(|x| x["column"] == c)).cloned().unwrap_or_default()
    };
    let kinds = |v: &serde_json::Value| -> Vec<String> {
        v["used_by"]
            .as_array()
            .map(|a| a.iter().map(|d| format!("{} {}", d["kind"], d["name"]).replace('"', "")).collect())
            .unwrap_or_default()
    };
    let customers = table("customers");
    assert_eq!(kinds(&column(&customers, "email")), ["view order_emails"]);
    let id = kinds(&column(&customers, "id"));
    assert!(id.contains(&"primary-key customers_pkey".to_string()), "{id:?}");
    assert!(id.iter().any(|k| k.starts_with("foreign-key-in")), "{id:?}");
    assert!(id.contains(&"view order_emails".to_string()), "{id:?}");
    let orders = table("orders");
    let total = kinds(&column(&orders, "total"));
    assert_eq!(total, ["consumer billing: Totals", "consumer billing: Bump"], "{out}");
    assert!(kinds(&column(&orders, "customer_id")).contains(&"index orders_customer".to_string()));

    // As text: the same map, one line per dependent.
    let (_, text, _) =
        bellows(&["deps", "target/cli-deps-test/shop.sql", "--consumers", "target/cli-deps-test/billing.sql"]);
    assert!(text.contains("  .email\n      view order_emails (reads it)\n"), "{text}");
    assert!(text.contains("billing.sql:5: Bump: reads orders.total, orders.id; writes orders.total"), "{text}");
    assert!(
        text.contains("billing.sql:8:29: error[unknown-column] Purge: no table in scope has a column `emial`"),
        "{text}"
    );
}

#[test]
fn plan_with_consumers_lists_what_breaks_per_stage_and_fails_on_breaking() {
    let dir = workspace().join("target/cli-plan-consumers-test");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    write("base.sql", "CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, bio text);\n");
    write("target.sql", "CREATE TABLE authors (id bigserial PRIMARY KEY, full_name text NOT NULL, bio text);\n");
    write("report.sql", "-- name: GetAuthor :one\nSELECT id, name FROM authors WHERE id = $1;\n");
    write("broken.sql", "-- name: ListBios :many\nSELECT bio FROM authors ORDER BY naem;\n");
    let path = |n: &str| format!("target/cli-plan-consumers-test/{n}");
    let plan = |consumers: &str, extra: &[&str]| {
        let mut args = vec![
            "plan".to_string(),
            path("base.sql"),
            path("target.sql"),
            "--rename".into(),
            "authors.name=full_name".into(),
            "--consumers".into(),
            path(consumers),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        bellows(&refs)
    };
    // The rename breaks GetAuthor at Contract, when v1 is retired: a rewrite, not a failure.
    let (code, out, err) = plan("report.sql", &["--fail-on", "breaking"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\nConsumers\n"), "{out}");
    assert!(out.contains("report.sql:2:12: error[unknown-column] GetAuthor"), "{out}");
    assert!(out.contains("breaks after Contract"), "{out}");
    assert!(out.contains("    SELECT id, full_name AS name FROM authors WHERE id = $1"), "{out}");
    // A statement that fails on the base fails the run.
    let (code, out, err) = plan("broken.sql", &["--fail-on", "breaking"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("1 statements: 1 already broken on the base"), "{out}");
    // JSON carries the same under `consumers`.
    let (_, out, _) = plan("report.sql", &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["consumers"][0]["verdict"], "retire-before", "{out}");
    assert_eq!(json["consumers"][0]["point"], "after Contract");
    // What a Rails team writes for it, and when it ships.
    let (_, out, _) = plan("report.sql", &["--framework", "rails"]);
    assert!(out.contains("\nApplication changes (Rails (ActiveRecord))\n"), "{out}");
    assert!(out.contains("  rename column authors.name -> full_name (ships with v2 at Switch)"), "{out}");
    assert!(out.contains("    class Author < ApplicationRecord\n      # v2 reads"), "{out}");
    assert!(out.contains("      alias_attribute :name, :full_name\n"), "{out}");
}

#[test]
fn plan_merges_a_table_the_user_names_and_refuses_a_merge_it_cannot_read() {
    let (before, after) = ("tests/fixtures/merge-natural-key/before.sql", "tests/fixtures/merge-natural-key/after.sql");
    let (code, out, err) = bellows(&["plan", before, after, "--merge", "clients->customers on=email full_name=name"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("merge table clients into customers on email, customers row kept on a match"), "{out}");
    assert!(out.contains("CREATE VIEW clients AS SELECT id, email, name AS full_name, phone FROM customers"), "{out}");
    // Without the hint the two texts only say that clients goes.
    let (_, out, _) = bellows(&["plan", before, after]);
    assert!(out.contains("drop table clients") && !out.contains("merge table"), "{out}");
    let (code, _, err) = bellows(&["plan", before, after, "--merge", "clients customers"]);
    assert_ne!(code, 0);
    assert!(err.contains("b->a"), "{err}");
    let (code, _, err) = bellows(&["plan", before, after, "--merge", "invoices->customers"]);
    assert_ne!(code, 0);
    assert!(err.contains("invoices must be a table of the base"), "{err}");
}

#[test]
fn plan_moves_a_column_the_user_names_and_says_why_a_move_it_cannot_read_is_refused() {
    let (before, after) =
        ("tests/fixtures/move-column-many-to-one/before.sql", "tests/fixtures/move-column-many-to-one/after.sql");
    let (code, out, err) = bellows(&["plan", before, after, "--move", "orders.currency->customers.currency"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("move column orders.currency -> customers.currency"), "{out}");
    assert!(
        out.contains("rows of orders whose currency disagrees with another row of the same customers row"),
        "{out}"
    );
    // Without the hint the two texts only say that a column goes and another comes.
    let (_, out, _) = bellows(&["plan", before, after]);
    assert!(out.contains("drop column orders.currency") && !out.contains("move column"), "{out}");
    let (code, _, err) = bellows(&["plan", before, after, "--move", "orders.currency"]);
    assert_ne!(code, 0);
    assert!(err.contains("t.c->u.c"), "{err}");
    let (code, _, err) = bellows(&["plan", before, after, "--move", "orders.total->customers.total"]);
    assert_ne!(code, 0);
    assert!(err.contains("the target must drop it and add customers.total"), "{err}");
}
