//! Finds the tools the build and tests need, and installs the missing ones.
//!
//! Tools are looked up in the install root first and then on PATH, so a machine that already has
//! them installs nothing. Setting `BELLOWS_TOOLS_ROOT` makes the root the only place looked in,
//! which is how the first-run install path is tested from an empty directory.

use crate::{run, say, Result};
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub const TRUNK_REQ: &str = "~0.21";
/// Binaryen's npm package ships `wasm-opt`; the version is pinned so builds are repeatable.
pub const BINARYEN_NPM: &str = "binaryen@132.0.0";
/// The parsers of the formats Bellows writes, which the tests read its exports back with: DBML's
/// own (behind dbdiagram.io), Mermaid's, Prisma's schema engine (its validator and DMMF, built to
/// wasm: no engine download), and a JSON Schema validator for pgroll files. Pinned like wasm-opt.
pub const READERS_NPM: [(&str, &str); 4] = [
    ("@dbml/core", "10.2.0"),
    ("mermaid", "11.17.2"),
    ("ajv", "8.17.1"),
    ("@prisma/prisma-schema-wasm", "8.1.0-2.59be4fda12412a79eeb9c2ae727b6aa723593323"),
];

/// Everything the build and the tests run, resolved to absolute paths.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub trunk: PathBuf,
    pub wasm_bindgen: PathBuf,
    pub wasm_bindgen_test_runner: PathBuf,
    pub wasm_opt: PathBuf,
    /// Directories to put first on PATH for child processes, so Trunk finds the same tools.
    pub path_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

pub struct Installer {
    root: PathBuf,
    root_only: bool,
}

impl Installer {
    pub fn from_env() -> Self {
        match env::var_os("BELLOWS_TOOLS_ROOT") {
            Some(root) if !root.is_empty() => Self { root: PathBuf::from(root), root_only: true },
            _ => {
                let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
                Self { root: home.join(".cache/bellows/tools"), root_only: false }
            }
        }
    }

    fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    fn npm_bin_dir(&self) -> PathBuf {
        self.root.join("npm/node_modules/.bin")
    }

    /// Looks for `name` in the install root, then (unless the root is exclusive) on PATH.
    fn find(&self, name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
        let mut candidates: Vec<PathBuf> = dirs.iter().map(|d| d.join(name)).collect();
        if !self.root_only {
            if let Some(path) = env::var_os("PATH") {
                candidates.extend(env::split_paths(&path).map(|d| d.join(name)));
            }
        }
        candidates.into_iter().find(|p| p.is_file())
    }

    /// Makes sure the wasm target and the build tools are present, installing what is missing.
    pub fn toolchain(&self, wasm_bindgen_version: &str) -> Result<Toolchain> {
        ensure_wasm_target()?;
        let bin = self.bin_dir();
        let trunk = match self
            .find("trunk", std::slice::from_ref(&bin))
            .filter(|p| version_of(p).is_some_and(|v| v.starts_with("0.21.")))
        {
            Some(path) => path,
            None => {
                // Without the update check (it asks crates.io on start-up, and Bellows runs
                // Trunk --offline anyway).
                // Unoptimised: Trunk only orchestrates (cargo, wasm-bindgen and wasm-opt do
                // the work), so its own speed does not show, and its compile time does.
                self.cargo_install(
                    "trunk",
                    TRUNK_REQ,
                    &["--no-default-features", "--features", "rustls", "--debug"],
                    "about 4 minutes",
                )?;
                bin.join("trunk")
            }
        };
        let wb_ok = |p: &PathBuf| version_of(p).as_deref() == Some(wasm_bindgen_version);
        let wasm_bindgen = match self.find("wasm-bindgen", std::slice::from_ref(&bin)).filter(wb_ok) {
            Some(path) => path,
            None => {
                self.cargo_install("wasm-bindgen-cli", &format!("={wasm_bindgen_version}"), &[], "3 to 5 minutes")?;
                bin.join("wasm-bindgen")
            }
        };
        let wasm_bindgen_test_runner = wasm_bindgen.with_file_name("wasm-bindgen-test-runner");
        let npm_bin = self.npm_bin_dir();
        let wasm_opt = match self.find("wasm-opt", std::slice::from_ref(&npm_bin)).filter(|p| version_of(p).is_some()) {
            Some(path) => path,
            None => {
                self.npm_install()?;
                npm_bin.join("wasm-opt")
            }
        };
        for (tool, path) in [("trunk", &trunk), ("wasm-bindgen", &wasm_bindgen), ("wasm-opt", &wasm_opt)] {
            if version_of(path).is_none() {
                return Err(format!("{tool} at {} does not run", path.display()));
            }
        }
        let path_dirs =
            [&wasm_bindgen, &wasm_opt, &trunk].iter().filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
        Ok(Toolchain { trunk, wasm_bindgen, wasm_bindgen_test_runner, wasm_opt, path_dirs })
    }

    /// Installs a tool from source. A tool's own release profile may ask for fat LTO and one
    /// codegen unit (Trunk does), which makes the first run wait on one core for what only makes
    /// the tool a little faster: Cargo's `CARGO_PROFILE_RELEASE_*` settings turn that off. Trunk
    /// took 521 s as published and 480 s this way (without its update check too), on a 2-core
    /// machine with the crates already downloaded: the compile of its dependency tree dominates.
    /// Trunk is now built unoptimised (`--debug`, no debug info): 163 s, and a release build of
    /// the site takes 87 s with it against 79 s with an optimised Trunk (2026-12-02).
    fn cargo_install(&self, krate: &str, version: &str, extra: &[&str], how_long: &str) -> Result {
        say(&format!(
            "installing {krate} {version} into {} (first run only; it compiles from source and takes {how_long})",
            self.root.display()
        ));
        let started = Instant::now();
        let install = |locked: bool| {
            let mut cmd = Command::new(cargo());
            cmd.args(["install", krate, "--version", version, "--root"]).arg(&self.root).args(extra);
            cmd.env("CARGO_PROFILE_RELEASE_LTO", "false").env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
            // A `--debug` install: no debug info (it would make a 300 MB binary), and integer
            // overflow and debug assertions behave as in the release build the tool is tested as.
            cmd.env("CARGO_PROFILE_DEV_DEBUG", "0")
                .env("CARGO_PROFILE_DEV_DEBUG_ASSERTIONS", "false")
                .env("CARGO_PROFILE_DEV_OVERFLOW_CHECKS", "false");
            if locked {
                cmd.arg("--locked");
            }
            run(&mut cmd)
        };
        // --locked builds with the tool's own lock file (Trunk 0.21 does not build with today's
        // cssparser); some registry mirrors cannot serve it, so fall back to a fresh resolution.
        if let Err(locked_err) = install(true) {
            say(&format!("`cargo install --locked {krate}` failed ({locked_err}); retrying without --locked"));
            install(false)?;
        }
        say(&format!("installed {krate} in {}s", started.elapsed().as_secs()));
        Ok(())
    }

    fn npm_install(&self) -> Result {
        let npm = which("npm").ok_or_else(|| {
            "wasm-opt is missing and npm is not installed to fetch it; install Node.js and npm (Debian: `apt-get install -y nodejs npm`) and run again".to_string()
        })?;
        let prefix = self.root.join("npm");
        std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        say(&format!("installing wasm-opt ({BINARYEN_NPM} from npm) into {}", prefix.display()));
        run(Command::new(npm).args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&prefix).arg(BINARYEN_NPM))
    }

    /// The npm readers of DBML and Mermaid (see [`READERS_NPM`]), installed into the tools cache
    /// when missing or of another version; returns their `node_modules`.
    pub fn readers(&self) -> Result<PathBuf> {
        let prefix = self.root.join("npm-readers");
        let modules = prefix.join("node_modules");
        let installed = |name: &str, version: &str| {
            std::fs::read_to_string(modules.join(name).join("package.json"))
                .is_ok_and(|p| p.contains(&format!("\"version\": \"{version}\"")))
        };
        if READERS_NPM.iter().all(|(n, v)| installed(n, v)) {
            return Ok(modules);
        }
        let npm = which("npm").ok_or_else(|| {
            "npm is not installed to fetch the DBML and Mermaid readers; install Node.js and npm (Debian: `apt-get install -y nodejs npm`)".to_string()
        })?;
        std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        let packages: Vec<String> = READERS_NPM.iter().map(|(n, v)| format!("{n}@{v}")).collect();
        say(&format!("installing the format readers ({}) into {}", packages.join(", "), prefix.display()));
        run(Command::new(npm).args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&prefix).args(&packages))?;
        Ok(modules)
    }

    /// Headless Chromium and its driver, from Debian's packages when this machine can install them.
    pub fn browser(&self) -> Result<Browser> {
        let find_any = |names: &[&str]| names.iter().find_map(|n| which(n));
        let chromium_names = ["chromium", "chromium-browser", "google-chrome"];
        if let (Some(chromium), Some(chromedriver)) = (find_any(&chromium_names), which("chromedriver")) {
            return Ok(Browser { chromium, chromedriver });
        }
        let apt = "apt-get update && apt-get install -y chromium chromium-driver";
        if !is_root() || which("apt-get").is_none() {
            return Err(format!(
                "headless Chromium and chromedriver are needed for the browser tests; install them and run again:\n    sudo sh -c '{apt}'"
            ));
        }
        say("installing Chromium and chromedriver from Debian's packages (first run only; about a minute)");
        run(Command::new("sh").args(["-c", &format!("DEBIAN_FRONTEND=noninteractive {apt}")]))?;
        match (find_any(&chromium_names), which("chromedriver")) {
            (Some(chromium), Some(chromedriver)) => Ok(Browser { chromium, chromedriver }),
            _ => Err("apt-get finished but chromium or chromedriver is still not on PATH".to_string()),
        }
    }
}

/// A PostgreSQL server the verification harness can use: installed from Debian's packages
/// when missing (root only), started when down, with a superuser role for the current user.
/// Returns the libpq connection string, or an error that says what to run.
pub fn postgres() -> Result<String> {
    let user = env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".to_string());
    let conninfo = format!("host=/var/run/postgresql user={user}");
    if env::var_os("BELLOWS_PG").is_some() {
        return Ok(env::var("BELLOWS_PG").unwrap_or_default());
    }
    let apt = "apt-get update && apt-get install -y postgresql";
    if which("pg_ctlcluster").is_none() {
        if !is_root() || which("apt-get").is_none() {
            return Err(format!(
                "PostgreSQL is needed for the verification harness; install it and run again:\n    sudo sh -c '{apt}'"
            ));
        }
        say("installing PostgreSQL from Debian's packages (first run only; about a minute)");
        run(Command::new("sh").args(["-c", &format!("DEBIAN_FRONTEND=noninteractive {apt}")]))?;
    }
    // Start every cluster that is down (Debian creates `main` at install).
    let clusters =
        Command::new("pg_lsclusters").arg("--no-header").output().map_err(|e| format!("pg_lsclusters: {e}"))?;
    let listing = String::from_utf8_lossy(&clusters.stdout).to_string();
    if listing.trim().is_empty() {
        return Err("PostgreSQL is installed but has no cluster; create one with `pg_createcluster 15 main`".into());
    }
    for line in listing.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [version, name, _port, status, ..] = words.as_slice() {
            if *status != "online" {
                say(&format!("starting PostgreSQL {version}/{name}"));
                let started = Command::new("pg_ctlcluster").args([version, name, "start"]).status();
                if !started.is_ok_and(|s| s.success()) && !is_root() {
                    return Err(format!("cannot start PostgreSQL; run: sudo pg_ctlcluster {version} {name} start"));
                }
            }
        }
    }
    // Extensions real schemas in the corpora need (the README lists them): PostGIS, for
    // OpenStreetMap. Installed once, as PostgreSQL is; without root, the pairs needing them
    // skip with the reason.
    for line in listing.lines() {
        let Some(version) = line.split_whitespace().next() else { continue };
        for (extension, package) in [("postgis", format!("postgresql-{version}-postgis-3"))] {
            let control = format!("/usr/share/postgresql/{version}/extension/{extension}.control");
            if Path::new(&control).exists() {
                continue;
            }
            if !is_root() || which("apt-get").is_none() {
                say(&format!("PostgreSQL {version} has no {extension}; pairs needing it skip (install {package})"));
                continue;
            }
            say(&format!("installing {package} (first run only)"));
            let install = format!("DEBIAN_FRONTEND=noninteractive apt-get install -y {package} || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {package})");
            run(Command::new("sh").args(["-c", &install]))?;
        }
    }
    // A superuser role for us, so the harness can create and drop its databases.
    let probe = Command::new("psql").args(["-d", "postgres", "-tAc", "SELECT 1"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        if !is_root() {
            return Err(format!(
                "PostgreSQL runs but role `{user}` cannot connect; run: sudo -u postgres createuser -s {user}"
            ));
        }
        say(&format!("creating the PostgreSQL role {user}"));
        run(Command::new("su").args(["postgres", "-c", &format!("createuser -s {user}")]))?;
    }
    Ok(conninfo)
}

/// A MariaDB server for the harness's MySQL cases, over its local socket: installed from
/// Debian's packages when missing (root only), started when down; returns the socket path.
pub fn mariadb() -> Result<String> {
    if let Ok(socket) = env::var("BELLOWS_MYSQL") {
        if !socket.is_empty() {
            return Ok(socket);
        }
    }
    let socket = "/run/mysqld/mysqld.sock".to_string();
    let answers = || {
        Command::new("mariadb").args(["--socket", &socket, "-e", "SELECT 1"]).output().is_ok_and(|o| o.status.success())
    };
    let apt = "apt-get update && apt-get install -y mariadb-server";
    let server_installed = which("mariadbd").is_some() || Path::new("/usr/sbin/mariadbd").exists();
    if !server_installed {
        if !is_root() || which("apt-get").is_none() {
            return Err(format!(
                "MariaDB is needed for the harness's MySQL cases; install it and run again:\n    sudo sh -c '{apt}'"
            ));
        }
        say("installing MariaDB from Debian's packages (first run only; about a minute)");
        let install = format!(
            "DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server || (apt-get update && DEBIAN_FRONTEND=noninteractive {apt})"
        );
        run(Command::new("sh").args(["-c", &install]))?;
    }
    if !answers() {
        if !is_root() {
            return Err("MariaDB is installed but not running; run: sudo service mariadb start".into());
        }
        say("starting MariaDB");
        // Containers often forbid services at install time (policy-rc.d): start it here.
        let started = Command::new("service").args(["mariadb", "start"]).status().is_ok_and(|s| s.success());
        if !started {
            let _ = std::fs::create_dir_all("/run/mysqld");
            let _ = Command::new("chown").args(["mysql:mysql", "/run/mysqld"]).status();
            Command::new("sh")
                .args(["-c", "nohup mysqld_safe >/dev/null 2>&1 &"])
                .status()
                .map_err(|e| format!("cannot start MariaDB: {e}"))?;
        }
        let waited = Instant::now();
        while !answers() {
            if waited.elapsed().as_secs() > 60 {
                return Err("MariaDB did not answer within a minute of starting".into());
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
    Ok(socket)
}

pub fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn ensure_wasm_target() -> Result {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the wasm32 target: {e}"))?;
    if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    say("adding the wasm32-unknown-unknown target (first run only)");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The version a tool prints for `--version` ("trunk 0.21.14" -> "0.21.14").
pub fn version_of(path: &Path) -> Option<String> {
    let out = Command::new(path).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it.
pub fn locked_wasm_bindgen_version(workspace: &Path) -> Result<String> {
    let lock =
        std::fs::read_to_string(workspace.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".to_string())
}
