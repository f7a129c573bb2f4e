//! `cargo xtask size`: what takes the bytes of the page's wasm. Builds the app with the browser's
//! release profile (the module cargo writes still has its function names; wasm-bindgen and
//! wasm-opt strip them later), reads the code section's function bodies and the name section
//! with `wasmparser`, demangles with `rustc-demangle`, and prints the code per crate (and per
//! module of Bellows' own crates) and the largest functions. Sizes are raw bytes of code before
//! wasm-opt, so they rank contributors; the download is `cargo xtask dist`'s gzip figure.

use crate::{run, say, workspace_root, Result};
use std::collections::BTreeMap;
use std::process::Command;

/// Function sizes by demangled name, and the data section's size.
pub fn function_sizes(bytes: &[u8]) -> Result<(Vec<(String, usize)>, usize)> {
    use wasmparser::{KnownCustom, Name, Parser, Payload};
    let mut imported = 0u32;
    let mut bodies: Vec<usize> = Vec::new();
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut data = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("the wasm does not parse: {e}"))? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body.range().len()),
            Payload::DataSection(reader) => data = reader.range().len(),
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(reader) = c.as_known() {
                    for part in reader {
                        if let Ok(Name::Function(map)) = part {
                            for naming in map.into_iter().flatten() {
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(i, size)| {
            let index = imported + i as u32;
            let name = names
                .get(&index)
                .map(|n| format!("{:#}", rustc_demangle::demangle(n)))
                .unwrap_or_else(|| format!("function[{index}]"));
            (name, size)
        })
        .collect();
    Ok((functions, data))
}

/// The crate a demangled name belongs to, with the module for Bellows' own crates
/// (`bellows_core::plan`); generic impls count for the crate of their type
/// (`<sqlparser::ast::Statement as Clone>::clone` is sqlparser's).
pub fn owner(name: &str) -> String {
    // Drop glue belongs to the type dropped; a blanket impl (`<T as Trait>`) to the trait.
    if let Some(inner) = name.strip_prefix("core::ptr::drop_in_place<") {
        return owner(inner);
    }
    if let Some(rest) = ["<T as ", "<&T as ", "<&mut T as "].iter().find_map(|p| name.strip_prefix(p)) {
        return owner(rest);
    }
    let path = name.trim_start_matches('<').trim_start_matches('&').trim_start_matches("mut ");
    let path = path.split([' ', '<', '>', '(', ')', ',']).next().unwrap_or("");
    let mut parts = path.split("::").filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or("?").to_string();
    if first.starts_with("bellows") {
        match parts.next() {
            Some(module) if !module.starts_with('{') && module.chars().next().is_some_and(char::is_lowercase) => {
                format!("{first}::{module}")
            }
            _ => first,
        }
    } else if first.starts_with("function[") || first.is_empty() {
        "(unnamed)".into()
    } else {
        first
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn size(args: &[String]) -> Result {
    let top: usize = args
        .iter()
        .position(|a| a == "--top")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse().map_err(|_| format!("--top {n}: a number")))
        .transpose()?
        .unwrap_or(15);
    let root = workspace_root();
    // Built as Trunk builds them (app/index.html): the page and the analysis worker without the
    // `full` feature, the full engine with it. A build of one feature set overwrites the other's
    // files, so each is ranked as soon as it is built.
    type Build<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let builds: [Build; 2] = [
        (
            &["--no-default-features", "--bin", "bellows-app", "--bin", "bellows-worker"],
            &[("the page", "bellows-app"), ("the analysis worker", "bellows-worker")],
        ),
        (&["--bin", "bellows-full"], &[("the full engine (loaded when first needed)", "bellows-full")]),
    ];
    for (flags, bins) in builds {
        say("building the app's wasm (wasm-release profile, names kept until wasm-bindgen)");
        run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["build", "--profile", "wasm-release", "-p", "bellows-app", "--target", "wasm32-unknown-unknown"])
            .args(flags))?;
        for (what, bin) in bins {
            let path = root.join(format!("target/wasm32-unknown-unknown/wasm-release/{bin}.wasm"));
            report(what, &path, top)?;
        }
    }
    Ok(())
}

/// Ranks one wasm file's code by crate and by function.
fn report(what: &str, path: &std::path::Path, top: usize) -> Result {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (functions, data) = function_sizes(&bytes)?;
    let code: usize = functions.iter().map(|f| f.1).sum();
    let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
    for (name, size) in &functions {
        *by_owner.entry(owner(name)).or_default() += size;
    }
    let mut owners: Vec<(String, usize)> = by_owner.into_iter().collect();
    owners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    say(&format!(
        "{what}, {}: {} functions, {} bytes of code, {} bytes of data (before wasm-opt)",
        path.display(),
        functions.len(),
        thousands(code),
        thousands(data)
    ));
    println!("\ncode by crate (Bellows' own by module):");
    for (owner, size) in owners.iter().take(top) {
        println!("  {:>10}  {:>5.1}%  {owner}", thousands(*size), *size as f64 * 100.0 / code.max(1) as f64);
    }
    let mut largest = functions;
    largest.sort_by_key(|f| std::cmp::Reverse(f.1));
    println!("\nlargest functions:");
    for (name, size) in largest.iter().take(top) {
        let short: String = name.chars().take(110).collect();
        println!("  {:>10}  {short}", thousands(*size));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_crates_or_bellows_modules() {
        assert_eq!(owner("sqlparser::parser::Parser::parse_statement"), "sqlparser");
        assert_eq!(owner("<sqlparser::ast::Statement as core::clone::Clone>::clone"), "sqlparser");
        assert_eq!(owner("bellows_core::plan::postgres::recipe"), "bellows_core::plan");
        assert_eq!(owner("<bellows_core::model::Schema as core::cmp::PartialEq>::eq"), "bellows_core::model");
        assert_eq!(owner("bellows_app::__component_app"), "bellows_app", "a function at the root is the crate's");
        assert_eq!(owner("function[12]"), "(unnamed)");
        assert_eq!(owner("core::ptr::drop_in_place<sqlparser::ast::Expr>"), "sqlparser");
        assert_eq!(owner("<T as tachys::view::any_view::IntoAny>::into_any"), "tachys");
    }

    #[test]
    fn a_module_reads_with_its_function_sizes() {
        // (module (func $a nop) (func $b i32.const 1 drop)) with a name section.
        let wasm: Vec<u8> = vec![
            0, 97, 115, 109, 1, 0, 0, 0, // magic, version
            1, 4, 1, 96, 0, 0, // type section: () -> ()
            3, 3, 2, 0, 0, // function section: two functions of type 0
            10, 11, 2, 3, 0, 1, 11, 5, 0, 65, 1, 26, 11, // code: [nop], [i32.const 1, drop]
            0, 14, 4, b'n', b'a', b'm', b'e', 1, 7, 2, 0, 1, b'a', 1, 1, b'b', // names
        ];
        let (functions, data) = function_sizes(&wasm).expect("parses");
        assert_eq!(functions, vec![("a".to_string(), 3), ("b".to_string(), 5)]);
        assert_eq!(data, 0);
    }
}
