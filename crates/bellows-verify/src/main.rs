//! `bellows-verify DIR...`: runs each case folder (before.sql, after.sql, case.toml) through the
//! harness on its dialect's database (PostgreSQL at `BELLOWS_PG`, or SQLite in memory) and
//! prints the verdict of each run. `cargo xtask verify DIR` starts the server first.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: bellows-verify CASE_DIR...");
        return ExitCode::from(2);
    }
    let mut ok = true;
    for dir in dirs {
        let case = match bellows_verify::cases::load(std::path::Path::new(&dir)) {
            Ok(case) => case,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        match bellows_verify::verify(&case) {
            Ok(outcome) => {
                for line in outcome.lines() {
                    println!("{line}");
                }
                ok &= outcome.passed();
            }
            Err(e) => {
                println!("FAIL {}: {e}", case.name);
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
