//! `bellows-verify DIR...`: runs each case folder (before.sql, after.sql, case.toml) through the
//! harness on the server at `BELLOWS_PG` (default: the local socket) and prints one verdict line
//! per case. `cargo xtask verify DIR` starts the server first.

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
        match bellows_verify::verify(&case.name, &case.before, &case.after, &case.diff, &case.options) {
            Ok(report) => {
                println!("{}", report.verdict());
                for problem in report.problems() {
                    println!("  {problem}");
                }
                ok &= report.passed();
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
