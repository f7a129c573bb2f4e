//! `cargo xtask serve | test | dist | setup`: installs the tools that are missing, then runs them.
//!
//! Every command works on a fresh machine with only rustup and cargo: the first run installs the
//! wasm32 target, Trunk, wasm-bindgen-cli (at exactly the version in Cargo.lock), wasm-opt and,
//! for the browser tests, Chromium with chromedriver.

mod size;
mod tools;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use std::{env, fs};
use tools::{cargo, Installer, Toolchain};

pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  serve    install what is missing, then serve the app on http://127.0.0.1:8080 with live rebuild
  test     every check and test: fmt, clippy (native and wasm32), native tests, browser tests, end-to-end
  dist     build the optimized static site into dist/ and print each file's size
  verify   DIR...  run case folders (before.sql, after.sql, case.toml) through the harness on their
                   dialect's database (PostgreSQL, started if needed, or SQLite); --pairs runs
                   every real pair in ../shared/corpora
  bench    import and plan time natively and in WebAssembly, and the playground's budgets, in headless Chromium (figures for the README)
  size     what takes the bytes of the page's wasm: code per crate and the largest functions [--top N]
  setup    only install the missing tools
  readers  only install the npm parsers the format tests read DBML, Mermaid and Prisma with, and print where

environment:
  BELLOWS_TOOLS_ROOT   install tools here and look nowhere else (default: ~/.cache/bellows/tools, then PATH)";

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test(),
        Some("dist") => dist().map(|_| ()),
        Some("setup") => setup().map(|_| ()),
        Some("readers") => Installer::from_env().readers().map(|modules| println!("{}", modules.display())),
        Some("bench") => bench(),
        Some("size") => size::size(&args[1..]),
        Some("verify") => verify(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    if let Err(message) = result {
        eprintln!("xtask: error: {message}");
        std::process::exit(1);
    }
}

pub fn say(message: &str) {
    println!("==> {message}");
    let _ = std::io::stdout().flush();
}

/// Runs a command with inherited output; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd.status().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().to_string()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().to_string()));
    words.join(" ")
}

fn workspace_root() -> PathBuf {
    // crates/xtask -> workspace root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn setup() -> Result<Toolchain> {
    let root = workspace_root();
    let version = tools::locked_wasm_bindgen_version(&root)?;
    let started = Instant::now();
    say(&format!("checking tools (wasm32 target, trunk {}, wasm-bindgen {version}, wasm-opt)", tools::TRUNK_REQ));
    let toolchain = Installer::from_env().toolchain(&version)?;
    say(&format!(
        "tools ready in {}s: trunk {}, wasm-bindgen {}, wasm-opt {}",
        started.elapsed().as_secs(),
        tools::version_of(&toolchain.trunk).unwrap_or_default(),
        tools::version_of(&toolchain.wasm_bindgen).unwrap_or_default(),
        tools::version_of(&toolchain.wasm_opt).unwrap_or_default(),
    ));
    Ok(toolchain)
}

/// PATH for child processes: the chosen tools first, so Trunk (run `--offline`) uses them.
fn path_with(dirs: &[PathBuf]) -> std::ffi::OsString {
    let mut all: Vec<PathBuf> = dirs.to_vec();
    if let Some(path) = env::var_os("PATH") {
        all.extend(env::split_paths(&path));
    }
    env::join_paths(all).unwrap_or_default()
}

fn trunk(toolchain: &Toolchain) -> Command {
    let mut cmd = Command::new(&toolchain.trunk);
    cmd.current_dir(workspace_root()).env("PATH", path_with(&toolchain.path_dirs));
    cmd
}

fn serve() -> Result {
    let toolchain = setup()?;
    say("serving on http://127.0.0.1:8080 (rebuilds on change; Ctrl+C stops)");
    run(trunk(&toolchain).args(["serve", "--offline"]))
}

fn dist() -> Result<PathBuf> {
    let toolchain = setup()?;
    build_dist(&toolchain)
}

fn build_dist(toolchain: &Toolchain) -> Result<PathBuf> {
    let root = workspace_root();
    let started = Instant::now();
    say("building the release site into dist/ (wasm-opt -Os)");
    // Relative paths: the site works from any folder of any static host (`/tools/bellows/`).
    run(trunk(toolchain).args(["build", "--release", "--offline", "--public-url", "./"]))?;
    say(&format!("built dist/ in {}s", started.elapsed().as_secs()));
    let dist = root.join("dist");
    harden(&dist.join("index.html"))?;
    print_sizes(&dist)?;
    Ok(dist)
}

/// The Content-Security-Policy of the built page, with `{script}` for the hash of Trunk's inline
/// start-up script. Scripts come only from the page's own origin (plus that one inline script,
/// by hash), wasm may be compiled, and nothing may be fetched but the page's own files; once the
/// wasm has loaded, the app adds `connect-src 'none'`, so nothing can be sent anywhere at all.
/// Styles allow inline `style` attributes (the canvas positions its cards with them).
const CSP: &str = "default-src 'none'; script-src 'self' '{script}' 'wasm-unsafe-eval'; \
                   style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; object-src 'none'";

/// Puts the Content-Security-Policy in the built page, as the first thing in its head.
fn harden(index: &Path) -> Result {
    use base64::Engine;
    use sha2::Digest;
    let html = fs::read_to_string(index).map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    if html.contains("Content-Security-Policy") {
        return Ok(());
    }
    let open = "<script type=\"module\">";
    let start = html.find(open).ok_or("Trunk's start-up script is missing from dist/index.html")? + open.len();
    let end = start + html[start..].find("</script>").ok_or("Trunk's start-up script is not closed")?;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&html.as_bytes()[start..end]));
    let policy = CSP.replace("{script}", &format!("sha256-{hash}"));
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />");
    let charset = "<meta charset=\"utf-8\" />";
    let at = html.find(charset).map(|i| i + charset.len()).ok_or("dist/index.html has no charset meta")?;
    let hardened = format!("{}\n    {meta}{}", &html[..at], &html[at..]);
    fs::write(index, hardened).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    say("the page carries its Content-Security-Policy (inline start-up script allowed by its hash)");
    Ok(())
}

fn print_sizes(dist: &Path) -> Result {
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(dist, &mut files)?;
    files.sort();
    let (mut raw_total, mut gz_total) = (0u64, 0u64);
    println!("{:<48} {:>12} {:>12}", "file", "raw", "gzip -9");
    for file in &files {
        let bytes = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let gz = gzip_len(&bytes)?;
        raw_total += bytes.len() as u64;
        gz_total += gz;
        let name = file.strip_prefix(dist).unwrap_or(file).display().to_string();
        println!("{name:<48} {:>12} {:>12}", human(bytes.len() as u64), human(gz));
    }
    println!("{:<48} {:>12} {:>12}", "total", human(raw_total), human(gz_total));
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    for entry in fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len() as u64)
}

fn human(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Test totals read from the runners' own `test result:` lines.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    fn add_line(&mut self, line: &str) {
        // "test result: ok. 18 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; ..."
        let Some(rest) = line.trim().strip_prefix("test result: ") else { return };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let Some(pos) = words.iter().position(|w| matches!(*w, "passed" | "failed" | "ignored")) else { continue };
            let Some(n) = pos.checked_sub(1).and_then(|i| words[i].parse::<u64>().ok()) else { continue };
            match words[pos] {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                _ => self.ignored += n,
            }
        }
    }
}

/// Runs a test command, echoing its output and adding its results to the tally.
fn run_tests(cmd: &mut Command, tally: &mut Tally) -> Result {
    let mut child = cmd.stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    // What failed, repeated at the end: a CI log shown by its head and tail keeps it.
    let mut failures: Vec<String> = Vec::new();
    let mut details = 0;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            tally.add_line(&line);
            let failed = line.starts_with("FAIL ")
                || (line.starts_with("test ") && line.ends_with(" FAILED"))
                || line.contains("panicked at");
            // A harness case's FAIL line is followed by its reasons, indented.
            let detail = details > 0 && line.starts_with("  ");
            details = if line.starts_with("FAIL ") {
                8
            } else if detail {
                details - 1
            } else {
                0
            };
            if (failed || detail) && failures.len() < 60 {
                failures.push(line.chars().take(600).collect());
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else if failures.is_empty() {
        Err(format!("{} failed ({status})", describe(cmd)))
    } else {
        Err(format!("{} failed ({status}); what failed:\n  {}", describe(cmd), failures.join("\n  ")))
    }
}

fn test() -> Result {
    let started = Instant::now();
    let root = workspace_root();
    let toolchain = setup()?;
    let browser = Installer::from_env().browser()?;
    let mut tally = Tally::default();
    let mut steps: Vec<(&str, u64)> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut(&mut Tally) -> Result| -> Result {
        say(name);
        let t = Instant::now();
        f(&mut tally).map_err(|e| format!("{name}: {e}"))?;
        steps.push((name, t.elapsed().as_secs()));
        Ok(())
    };
    let cargo_cmd = |args: &[&str]| {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&root).args(args).env("PATH", path_with(&toolchain.path_dirs));
        cmd
    };

    step("formatting (cargo fmt --check)", &mut |_| run(&mut cargo_cmd(&["fmt", "--all", "--check"])))?;
    step("clippy, native, warnings are errors", &mut |_| {
        run(&mut cargo_cmd(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
    })?;
    step("clippy, wasm32, warnings are errors", &mut |_| {
        run(&mut cargo_cmd(&[
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "bellows-core",
            "-p",
            "bellows-app",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        // The page and the analysis worker as Trunk builds them: without the full engine's code.
        run(&mut cargo_cmd(&[
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "bellows-app",
            "--bins",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    let postgres = match tools::postgres() {
        Ok(conninfo) => Some(conninfo),
        Err(e) => {
            // The harness test then skips with a notice (and fails under CI=true).
            say(&format!("no PostgreSQL for the verification harness: {e}"));
            None
        }
    };
    let mariadb = match tools::mariadb() {
        Ok(socket) => Some(socket),
        Err(e) => {
            say(&format!("no MariaDB for the harness's MySQL cases: {e}"));
            None
        }
    };
    let readers = match Installer::from_env().readers() {
        Ok(modules) => Some(modules),
        Err(e) => {
            // The format test then skips with a notice (and fails under CI=true).
            say(&format!("no DBML and Mermaid readers for the export test: {e}"));
            None
        }
    };
    step("native tests (the verification harness on PostgreSQL and MariaDB among them)", &mut |tally| {
        let mut cmd = cargo_cmd(&["test", "--workspace", "--exclude", "bellows-e2e"]);
        if let Some(modules) = &readers {
            cmd.env("BELLOWS_READERS", modules);
        }
        if let Some(conninfo) = &postgres {
            cmd.env("BELLOWS_PG", conninfo);
        }
        if let Some(socket) = &mariadb {
            cmd.env("BELLOWS_MYSQL", socket);
        }
        run_tests(&mut cmd, tally)
    })?;
    let browser_dir = root.join("target/browser");
    step("browser tests (wasm-bindgen-test in headless Chromium)", &mut |tally| {
        let caps = write_webdriver_json(&browser_dir, &browser.chromium)?;
        // The dev profile, not the test profile: the test profile optimises the core for the
        // native corpus sweeps, which would cost the wasm32 build two minutes for a suite that
        // spends its time in the browser, not in the core.
        let mut cmd =
            cargo_cmd(&["test", "-p", "bellows-app", "--target", "wasm32-unknown-unknown", "--profile", "dev"]);
        cmd.env("CHROMEDRIVER", &browser.chromedriver)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", caps)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &toolchain.wasm_bindgen_test_runner)
            // The runner's limit is for the whole suite in one page (20 s by default), not per
            // test: ten tests on a busy 2-core machine came to it, and the runner then reports
            // the test it was in as never run.
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180");
        run_tests(&mut cmd, tally)
    })?;
    let mut dist_dir = PathBuf::new();
    step("release build (trunk build --release)", &mut |_| {
        dist_dir = build_dist(&toolchain)?;
        Ok(())
    })?;
    step("end-to-end journeys on the release build (headless Chromium)", &mut |tally| {
        let mut cmd = cargo_cmd(&["test", "-p", "bellows-e2e"]);
        cmd.env("BELLOWS_DIST", &dist_dir)
            .env("BELLOWS_CHROMIUM", &browser.chromium)
            .env("BELLOWS_CHROMEDRIVER", &browser.chromedriver)
            .env("BELLOWS_SCREENSHOTS", root.join("target/screenshots"));
        run_tests(&mut cmd, tally)
    })?;

    let ran: Vec<String> = steps.iter().map(|(name, secs)| format!("{name} {secs}s")).collect();
    println!("\nxtask test ran, in {}s: {}", started.elapsed().as_secs(), ran.join("; "));
    println!("tests: {} passed, {} failed, {} skipped", tally.passed, tally.failed, tally.ignored);
    Ok(())
}

fn verify(dirs: &[String]) -> Result {
    if dirs.is_empty() {
        return Err("usage: cargo xtask verify CASE_DIR... (e.g. tests/fixtures/rename-column)".into());
    }
    let root = workspace_root();
    let mut cmd = Command::new(cargo());
    cmd.current_dir(&root).args(["run", "--quiet", "--release", "-p", "bellows-verify", "--"]);
    // SQLite cases run on the bundled library: PostgreSQL is started only for the others (and
    // for the real pairs, which include PostgreSQL ones).
    let needs_postgres = dirs.iter().any(|d| {
        d == "--pairs" || !(case_dialect(Path::new(d)) == Some("sqlite") || case_dialect(Path::new(d)) == Some("mysql"))
    });
    if needs_postgres {
        cmd.env("BELLOWS_PG", tools::postgres()?);
    }
    // MySQL cases (and the real pairs, which include MySQL ones) run on MariaDB.
    if dirs.iter().any(|d| d == "--pairs" || case_dialect(Path::new(d)) == Some("mysql")) {
        cmd.env("BELLOWS_MYSQL", tools::mariadb()?);
    }
    for dir in dirs {
        if dir.starts_with("--") {
            cmd.arg(dir);
            continue;
        }
        // Paths are relative to where the user ran the command.
        let path = env::current_dir().map(|d| d.join(dir)).unwrap_or_else(|_| PathBuf::from(dir));
        cmd.arg(path);
    }
    run(&mut cmd)
}

/// True when the case folder's `case.toml` says `dialect = "sqlite"`.
/// The `dialect` a case's case.toml names (`sqlite`, `mysql`), if any.
fn case_dialect(dir: &Path) -> Option<&'static str> {
    let toml = std::fs::read_to_string(dir.join("case.toml")).ok()?;
    toml.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("");
        let (k, v) = l.split_once('=')?;
        if k.trim() != "dialect" {
            return None;
        }
        match v.trim().trim_matches('"') {
            "sqlite" => Some("sqlite"),
            "mysql" | "mariadb" => Some("mysql"),
            "postgres" | "postgresql" => Some("postgres"),
            _ => None,
        }
    })
}

fn bench() -> Result {
    let root = workspace_root();
    let toolchain = setup()?;
    let browser = Installer::from_env().browser()?;
    let cargo_cmd = |args: &[&str]| {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&root).args(args).env("PATH", path_with(&toolchain.path_dirs));
        cmd
    };
    say("native: import throughput (release build)");
    run(&mut cargo_cmd(&["run", "--quiet", "--release", "-p", "bellows-core", "--example", "bench_import"]))?;
    say("wasm: import throughput in headless Chromium (the browser build's profile, wasm-release)");
    let caps = write_webdriver_json(&root.join("target/browser"), &browser.chromium)?;
    let mut cmd = cargo_cmd(&[
        "test",
        "-p",
        "bellows-core",
        "--profile",
        "wasm-release",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "wasm_bench",
        "--",
        "--nocapture",
    ]);
    cmd.env("CHROMEDRIVER", &browser.chromedriver)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", caps)
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &toolchain.wasm_bindgen_test_runner);
    run(&mut cmd)?;
    say("the playground's budgets on the release build in headless Chromium (transfer, load, import and draw, drag)");
    let dist = build_dist(&toolchain)?;
    let mut cmd =
        cargo_cmd(&["test", "-p", "bellows-e2e", "--test", "budgets", "--", "--include-ignored", "--nocapture"]);
    cmd.env("BELLOWS_DIST", &dist)
        .env("BELLOWS_CHROMIUM", &browser.chromium)
        .env("BELLOWS_CHROMEDRIVER", &browser.chromedriver)
        .env("BELLOWS_SCREENSHOTS", root.join("target/screenshots"));
    run(&mut cmd)
}

/// Capabilities for wasm-bindgen-test-runner: our Chromium, headless, with a fresh profile and
/// no background traffic (this machine has no network but the registries).
fn write_webdriver_json(dir: &Path, chromium: &Path) -> Result<PathBuf> {
    let profile = dir.join(format!("profile-{}", std::process::id()));
    fs::create_dir_all(&profile).map_err(|e| format!("cannot create {}: {e}", profile.display()))?;
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--no-first-run".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let quoted: Vec<String> =
        args.iter().map(|a| format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    let json = format!(
        "{{\"goog:chromeOptions\": {{\"binary\": \"{}\", \"args\": [{}]}}}}",
        chromium.display(),
        quoted.join(", ")
    );
    let path = dir.join("webdriver.json");
    fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_names_the_server_it_runs_on() {
        let dir = std::env::temp_dir().join(format!("bellows-xtask-case-{}", std::process::id()));
        let _ = fs::create_dir_all(&dir);
        let _ = fs::write(dir.join("case.toml"), "# a SQLite case\ndialect = \"sqlite\"\n");
        assert_eq!(case_dialect(&dir), Some("sqlite"));
        let _ = fs::write(dir.join("case.toml"), "dialect = \"mysql\"\nrenames = [\"a=b\"]\n");
        assert_eq!(case_dialect(&dir), Some("mysql"));
        let _ = fs::write(dir.join("case.toml"), "renames = [\"a=b\"]\n");
        assert_eq!(case_dialect(&dir), None);
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(case_dialect(&dir), None, "no case.toml: PostgreSQL, the default");
    }
}
