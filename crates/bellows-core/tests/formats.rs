//! DBML and Mermaid exports of every corpus schema, read back by the tools those formats belong
//! to: `@dbml/core` (the parser behind dbdiagram.io) must read each DBML file into as many tables
//! and references as Bellows wrote, and `mermaid` must parse each `erDiagram` into as many
//! entities and relationships.
//!
//! The readers are npm packages that `cargo xtask test` installs into the tools cache and names
//! in `BELLOWS_READERS` (their `node_modules`). Without them the test skips with a notice; under
//! `CI=true` that is a failure.

#![allow(clippy::panic, clippy::expect_used)]

mod support;

use bellows_core::render::diagram::{schema_dbml, schema_mermaid};
use bellows_core::{import, Schema};
use std::path::PathBuf;
use std::process::Command;

/// Reads every `*.dbml` and `*.mmd` file of a folder and prints one JSON line per file.
const READER: &str = r#"
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const { Parser } = require('@dbml/core');
(async () => {
  // ES modules ignore NODE_PATH; require.resolve does not.
  const { pathToFileURL } = require('url');
  const mermaid = (await import(pathToFileURL(require.resolve('mermaid')).href)).default;
  mermaid.initialize({ startOnLoad: false });
  for (const file of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const out = { file };
    try {
      if (file.endsWith('.dbml')) {
        const db = new Parser().parse(text, 'dbmlv2');
        out.tables = db.schemas.reduce((n, s) => n + s.tables.length, 0);
        out.refs = db.schemas.reduce((n, s) => n + s.refs.length, 0);
        out.enums = db.schemas.reduce((n, s) => n + s.enums.length, 0);
      } else {
        const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
        out.tables = diagram.db.getEntities().size ?? Object.keys(diagram.db.getEntities()).length;
        out.refs = diagram.db.getRelationships().length;
      }
    } catch (e) {
      const d = e && e.diags ? e.diags.map(x => `${x.location ? x.location.start.line + ':' + x.location.start.column + ' ' : ''}${x.message}`).join('; ') : String(e);
      out.error = d.slice(0, 400);
    }
    console.log(JSON.stringify(out));
  }
})();
"#;

fn readers() -> Option<PathBuf> {
    match std::env::var_os("BELLOWS_READERS").map(PathBuf::from).filter(|p| p.join("@dbml/core").is_dir()) {
        Some(dir) => Some(dir),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but BELLOWS_READERS does not name the npm readers (cargo xtask test installs them)")
        }
        None => {
            eprintln!(
                "SKIPPED: the DBML and Mermaid readers are npm packages `cargo xtask test` installs (BELLOWS_READERS)"
            );
            None
        }
    }
}

/// The references Bellows writes: those whose table is in the schema.
fn references(schema: &Schema) -> usize {
    schema.tables.iter().flat_map(|t| &t.foreign_keys).filter(|fk| schema.find_table(&fk.ref_table).is_some()).count()
}

#[test]
fn every_corpus_schema_exports_to_dbml_and_mermaid_that_their_own_parsers_read() {
    let Some(root) = support::corpora() else { return };
    let Some(modules) = readers() else { return };
    let dir = std::env::temp_dir().join(format!("bellows-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut expected = std::collections::BTreeMap::new();
    for (n, path) in support::schema_files(&root).iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let schema = import(&text, Some(support::dialect_of(path))).schema;
        let name = format!("{n:02}-{}", support::relative(&root, path).replace('/', "_"));
        let dbml = schema_dbml(&schema);
        // Ref lines, counted from the output: a reference whose key is of another width is not
        // written, and that is listed in the file.
        let refs_written = dbml.lines().filter(|l| l.starts_with("Ref")).count();
        std::fs::write(dir.join(format!("{name}.dbml")), &dbml).expect("write");
        std::fs::write(dir.join(format!("{name}.mmd")), schema_mermaid(&schema)).expect("write");
        // A table without columns in the model (`CREATE TABLE ... AS`) cannot be DBML; the file
        // lists it instead.
        let with_columns = schema.tables.iter().filter(|t| !t.columns.is_empty()).count();
        expected.insert(format!("{name}.dbml"), (with_columns, refs_written));
        expected.insert(format!("{name}.mmd"), (schema.tables.len(), references(&schema)));
    }
    let script = dir.join("read.cjs");
    std::fs::write(&script, READER).expect("script");
    let out = Command::new("node")
        .arg(&script)
        .arg(&dir)
        .env("NODE_PATH", &modules)
        .output()
        .unwrap_or_else(|e| panic!("node does not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let mut failures = Vec::new();
    let mut read = 0;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let file = v["file"].as_str().unwrap_or_default().to_string();
        let Some(&(tables, refs)) = expected.get(&file) else { continue };
        read += 1;
        if let Some(e) = v["error"].as_str() {
            failures.push(format!("{file}: not read: {e}"));
        } else if (v["tables"].as_u64(), v["refs"].as_u64()) != (Some(tables as u64), Some(refs as u64)) {
            failures.push(format!(
                "{file}: read {} tables and {} references, wrote {tables} and {refs}",
                v["tables"], v["refs"]
            ));
        }
    }
    println!("{read} files read back by @dbml/core and mermaid, {} disagreements", failures.len());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(read, expected.len(), "every file gets an answer:\n{stdout}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
