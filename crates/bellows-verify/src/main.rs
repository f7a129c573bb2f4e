//! `bellows-verify DIR...`: runs each case folder (before.sql, after.sql, case.toml) through the
//! harness on its dialect's database (PostgreSQL at `BELLOWS_PG`, or SQLite in memory) and
//! prints the verdict of each run; `--pairs` runs every real pair of consecutive versions in
//! the corpora (`--pairs=mysql` those whose name holds `mysql`). `cargo xtask verify DIR`
//! starts the server first.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: bellows-verify CASE_DIR... | --pairs");
        return ExitCode::from(2);
    }
    let mut cases = Vec::new();
    for dir in dirs {
        if let Some(filter) = dir.strip_prefix("--pairs") {
            // `--pairs=rt` runs the pairs whose name holds `rt`.
            let filter = filter.trim_start_matches('=');
            match bellows_verify::cases::real_pairs() {
                Ok(pairs) => cases.extend(pairs.into_iter().filter(|p| p.name.contains(filter))),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
            continue;
        }
        match bellows_verify::cases::load(std::path::Path::new(&dir)) {
            Ok(case) => cases.push(case),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    let mut ok = true;
    for case in cases {
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
