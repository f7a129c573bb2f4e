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
use bellows_core::render::prisma::schema_prisma;
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

/// Validates every `*.json` of a folder against a JSON Schema with ajv (draft 2020-12), one JSON
/// line per file.
const VALIDATOR: &str = r#"
const fs = require('fs');
const path = require('path');
const [dir, schemaPath] = process.argv.slice(2);
const Ajv2020 = require('ajv/dist/2020').default;
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
for (const file of fs.readdirSync(dir).sort().filter(f => f.endsWith('.json'))) {
  const ok = validate(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  console.log(JSON.stringify({ file, valid: ok, error: ok ? null : ajv.errorsText(validate.errors).slice(0, 300) }));
}
"#;

/// The PostgreSQL plan between consecutive versions of each real pair, as pgroll migrations,
/// must be valid pgroll files (pgroll's own JSON Schema). The validator must also agree with
/// every valid and invalid example pgroll's own tests hold, so it is shown to tell them apart.
#[test]
fn every_real_postgres_pair_plans_to_a_valid_pgroll_migration() {
    use bellows_core::diff::{diff, DiffOptions, Matching};
    use bellows_core::plan::{plan_changes, plan_pgroll, PlanOptions};
    let Some(root) = support::corpora() else { return };
    let Some(modules) = readers() else { return };
    let dir = std::env::temp_dir().join(format!("bellows-pgroll-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut expected = std::collections::BTreeMap::new();
    // pgroll's schema-validity examples: `-- input.json --` ... `-- valid --` true|false.
    let cases = root.join("mig-pgroll/jsonschema-validity");
    for entry in std::fs::read_dir(&cases).expect("pgroll validity cases").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let mut sections = text.split("\n-- ").skip(1);
        let (Some(json), Some(valid)) = (sections.next(), sections.next()) else { continue };
        let json = json.split_once("--\n").map(|(_, j)| j).unwrap_or_default();
        let valid = valid.contains("true");
        let name = format!("case-{}.json", entry.file_name().to_string_lossy().trim_end_matches(".txtar"));
        std::fs::write(dir.join(&name), json).expect("write");
        expected.insert(name, valid);
    }
    let cases_count = expected.len();
    let (mut operations, mut native) = (0, 0);
    let mut pairs = 0;
    let mut by_pair: std::collections::BTreeMap<String, Vec<PathBuf>> = std::collections::BTreeMap::new();
    for path in support::schema_files(&root) {
        let rel = support::relative(&root, &path);
        let top = rel.split('/').next().unwrap_or_default().to_string();
        if top.starts_with("pair-") && support::dialect_of(&path) == bellows_core::Dialect::Postgres {
            by_pair.entry(top).or_default().push(path);
        }
    }
    for (name, mut files) in by_pair {
        files.sort();
        for w in files.windows(2) {
            let read = |p: &std::path::Path| {
                import(&std::fs::read_to_string(p).unwrap_or_default(), Some(bellows_core::Dialect::Postgres)).schema
            };
            let (base, target) = (read(&w[0]), read(&w[1]));
            let changes = diff(
                &base,
                &target,
                &DiffOptions { matching: Matching::Names, renames: vec![], merges: vec![], moves: vec![] },
            );
            let plan = plan_changes(&base, &target, &changes, &PlanOptions::default());
            let file = format!("{name}-{pairs}.json");
            let (migration, n) = plan_pgroll(&plan, &target, &changes, &file.replace(".json", ""));
            operations += migration["operations"].as_array().map_or(0, Vec::len);
            native += n;
            std::fs::write(dir.join(&file), serde_json::to_string_pretty(&migration).unwrap_or_default())
                .expect("write");
            expected.insert(file, true);
            pairs += 1;
        }
    }
    let script = dir.join("validate.cjs");
    std::fs::write(&script, VALIDATOR).expect("script");
    let out = Command::new("node")
        .arg(&script)
        .arg(&dir)
        .arg(root.join("mig-pgroll/schema.json"))
        .env("NODE_PATH", &modules)
        .output()
        .unwrap_or_else(|e| panic!("node does not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let mut wrong = Vec::new();
    let mut seen = 0;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let file = v["file"].as_str().unwrap_or_default();
        let Some(&want) = expected.get(file) else { continue };
        seen += 1;
        if v["valid"].as_bool() != Some(want) {
            wrong.push(format!("{file}: valid={} but should be {want}: {}", v["valid"], v["error"]));
        }
    }
    println!(
        "{pairs} real pairs as pgroll migrations: {operations} operations, {native} of the changes as pgroll's own; {cases_count} pgroll validity examples agree"
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(pairs >= 10 && cases_count >= 20, "{pairs} pairs, {cases_count} cases");
    assert_eq!(seen, expected.len(), "every file gets a verdict:\n{stdout}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// SQL -> model -> DBML -> model over every corpus schema: the tables, columns, types,
/// nullability, keys, uniques, references, indexes, enums and notes come back equal. What DBML
/// cannot hold is compared out (and listed in each DBML file, see `schema_dbml`): checks, the
/// predicate and method (other than btree and hash) of an index, views, routines, triggers,
/// policies, domains, generated expressions, tables with no columns in the model, references to
/// tables that are not in the schema, and which kind of identity a column has.
#[test]
fn every_corpus_schema_round_trips_through_dbml() {
    use bellows_core::import::dbml::import_dbml;
    use bellows_core::model::{same_name, IndexPart};
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    let (mut schemas, mut tables, mut columns, mut references) = (0, 0, 0, 0);
    for path in support::schema_files(&root) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let dialect = support::dialect_of(&path);
        let original = import(&text, Some(dialect)).schema;
        let dbml = schema_dbml(&original);
        let back = import_dbml(&dbml, dialect);
        let name = support::relative(&root, &path);
        if let Some(e) = back.errors().next() {
            failures.push(format!("{name}: DBML not read at {}: {}", e.span, e.message));
            continue;
        }
        schemas += 1;
        let mut differ = |what: String| failures.push(format!("{name}: {what}"));
        for t in original.tables.iter().filter(|t| !t.columns.is_empty()) {
            let Some(b) = back.schema.find_table(&t.qualified_name()) else {
                differ(format!("table {} is missing", t.qualified_name()));
                continue;
            };
            tables += 1;
            if t.columns.len() != b.columns.len() {
                differ(format!("{}: {} columns, back {}", t.name, t.columns.len(), b.columns.len()));
                continue;
            }
            for (c, d) in t.columns.iter().zip(&b.columns) {
                columns += 1;
                let same = c.name == d.name
                    && c.data_type.spelling.to_ascii_lowercase() == d.data_type.spelling
                    && c.nullable == d.nullable
                    && c.identity.is_some() == d.identity.is_some()
                    && c.comment == d.comment
                    && (c.identity.is_some()
                        || c.default.as_ref().map(|x| &x.expr) == d.default.as_ref().map(|x| &x.expr));
                if !same {
                    differ(format!(
                        "{}.{}: {:?} / {:?}",
                        t.name,
                        c.name,
                        (&c.data_type.spelling, c.nullable, &c.default, &c.comment),
                        (&d.data_type.spelling, d.nullable, &d.default, &d.comment)
                    ));
                }
            }
            let cols = |k: Option<&bellows_core::model::Key>| k.map(|k| k.columns.clone());
            if cols(t.primary_key.as_ref()) != cols(b.primary_key.as_ref()) {
                differ(format!("{}: primary key {:?} / {:?}", t.name, t.primary_key, b.primary_key));
            }
            // Unique column sets, whether a constraint or a unique index.
            let uniques = |x: &bellows_core::model::Table| {
                let mut u: Vec<Vec<String>> = x.uniques.iter().map(|k| k.columns.clone()).collect();
                u.extend(x.indexes.iter().filter(|i| i.unique && i.predicate.is_none()).filter_map(|i| {
                    i.parts.iter().map(|p| p.column().map(str::to_string)).collect::<Option<Vec<_>>>()
                }));
                u.sort();
                u.dedup();
                u
            };
            let has = |c: &str| t.column(c).is_some();
            let expressible = |i: &bellows_core::model::Index| i.parts.iter().filter_map(IndexPart::column).all(has);
            let mut want = uniques(t);
            want.retain(|cols| cols.iter().all(|c| has(c)));
            if want != uniques(b) {
                differ(format!("{}: uniques {:?} / {:?}", t.name, want, uniques(b)));
            }
            let index_names = |x: &bellows_core::model::Table, filter: &dyn Fn(&bellows_core::model::Index) -> bool| {
                let mut n: Vec<(Option<String>, usize)> =
                    x.indexes.iter().filter(|i| filter(i)).map(|i| (i.name.clone(), i.parts.len())).collect();
                n.sort();
                n
            };
            let non_unique = |i: &bellows_core::model::Index| !i.unique || i.predicate.is_some();
            let (wi, bi) = (index_names(t, &|i| non_unique(i) && expressible(i)), index_names(b, &|i| !i.unique));
            if wi != bi {
                differ(format!("{}: indexes {:?} / {:?}", t.name, wi, bi));
            }
            let fks = |x: &bellows_core::model::Table, schema: &bellows_core::Schema| {
                let mut f: Vec<String> = x
                    .foreign_keys
                    .iter()
                    .filter(|fk| schema.find_table(&fk.ref_table).is_some_and(|p| !p.columns.is_empty()))
                    .filter(|fk| fk.columns.iter().all(|c| x.column(c).is_some()))
                    .map(|fk| {
                        let parent = schema.find_table(&fk.ref_table).map(|p| p.qualified_name()).unwrap_or_default();
                        let refs = if fk.ref_columns.is_empty() {
                            schema
                                .find_table(&fk.ref_table)
                                .and_then(|p| p.primary_key.as_ref())
                                .map(|k| k.columns.clone())
                                .unwrap_or_default()
                        } else {
                            fk.ref_columns.clone()
                        };
                        format!("{:?}->{parent}{refs:?} {:?}/{:?}", fk.columns, fk.on_delete, fk.on_update)
                    })
                    .collect();
                f.sort();
                f
            };
            let (wf, bf) = (fks(t, &original), fks(b, &back.schema));
            let wf: Vec<String> = wf.into_iter().filter(|f| !f.contains("->[]")).collect();
            references += wf.len();
            if wf != bf {
                differ(format!("{}: references {:?} / {:?}", t.name, wf, bf));
            }
            if t.comment != b.comment {
                differ(format!("{}: note {:?} / {:?}", t.name, t.comment, b.comment));
            }
        }
        for e in &original.enums {
            if !back.schema.enums.iter().any(|x| same_name(&x.name, &e.name) && x.labels == e.labels) {
                differ(format!("enum {} ({:?})", e.name, e.labels));
            }
        }
    }
    println!("{schemas} schemas through DBML and back: {tables} tables, {columns} columns, {references} references; {} differences", failures.len());
    assert!(failures.is_empty(), "{}", failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n"));
    assert!(schemas >= 50, "{schemas}");
    assert!(failures.is_empty(), "{}", failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n"));
}

/// Validates every `*.prisma` file of a folder with Prisma's own schema engine (its wasm build),
/// then reads its DMMF: the models, and the relation fields that hold the foreign key.
const PRISMA_READER: &str = r#"
const fs = require('fs');
const path = require('path');
const prisma = require('@prisma/prisma-schema-wasm');
const dir = process.argv[2];
for (const file of fs.readdirSync(dir).sort().filter(f => f.endsWith('.prisma'))) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const params = JSON.stringify({ prismaSchema: [[file, text]], noColorErrors: true });
  const out = { file };
  try {
    prisma.validate(params);
    const dmmf = JSON.parse(prisma.get_dmmf(params));
    out.models = dmmf.datamodel.models.length;
    out.fields = dmmf.datamodel.models.reduce((n, m) => n + m.fields.filter(f => f.kind !== 'object').length, 0);
    out.refs = dmmf.datamodel.models.reduce((n, m) => n + m.fields.filter(f => f.kind === 'object' && f.relationFromFields && f.relationFromFields.length > 0).length, 0);
    out.enums = dmmf.datamodel.enums.length;
  } catch (e) {
    let message = String(e);
    try { message = JSON.parse(String(e).replace(/^Error: /, '')).message; } catch (_) {}
    out.error = message.slice(0, 1500);
  }
  console.log(JSON.stringify(out));
}
"#;

/// What a Prisma file holds that Prisma's client sees: models without `@@ignore`, their fields of
/// a type Prisma supports, and the relation fields that hold a foreign key.
fn written(prisma: &str) -> (usize, usize, usize) {
    let (mut models, mut fields, mut refs) = (0, 0, 0);
    for block in prisma.split("\nmodel ").skip(1) {
        let body = block.split("\n}").next().unwrap_or_default();
        if body.contains("@@ignore") {
            continue;
        }
        models += 1;
        for line in body.lines().skip(1).map(str::trim) {
            let mut words = line.split_whitespace();
            let (Some(name), Some(ty)) = (words.next(), words.next()) else { continue };
            if name.starts_with("//") || name.starts_with("@@") {
                continue;
            }
            if line.contains("@relation(") && line.contains("fields: [") {
                refs += 1;
            } else if !ty.starts_with("Unsupported") && !line.contains("@relation") && !prisma_model(prisma, ty) {
                fields += 1;
            }
        }
    }
    (models, fields, refs)
}

/// True when `ty` (`Post`, `Post[]`, `Post?`) names a model of the file.
fn prisma_model(prisma: &str, ty: &str) -> bool {
    let name = ty.trim_end_matches(['?', ']', '[']);
    prisma.lines().any(|l| l.strip_prefix("model ").is_some_and(|r| r.trim_end_matches(" {") == name))
}

/// Every corpus schema, written as a Prisma schema for its dialect's connector, passes Prisma's
/// own validation, and Prisma reads as many models, scalar fields and relations as Bellows wrote.
#[test]
fn every_corpus_schema_exports_to_a_prisma_schema_that_prisma_validates() {
    let Some(root) = support::corpora() else { return };
    let Some(modules) = readers() else { return };
    let dir = std::env::temp_dir().join(format!("bellows-prisma-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut expected = std::collections::BTreeMap::new();
    for (n, path) in support::schema_files(&root).iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let dialect = support::dialect_of(path);
        let schema = import(&text, Some(dialect)).schema;
        let name = format!("{n:02}-{}", support::relative(&root, path).replace('/', "_"));
        let prisma = schema_prisma(&schema, dialect);
        let (tables, columns, refs) = written(&prisma);
        let models = prisma.lines().filter(|l| l.starts_with("model ")).count();
        assert_eq!(models, schema.tables.iter().filter(|t| !t.columns.is_empty()).count(), "{name}: a model per table");
        std::fs::write(dir.join(format!("{name}.prisma")), &prisma).expect("write");
        expected.insert(format!("{name}.prisma"), (tables, columns, refs));
    }
    let script = dir.join("read.cjs");
    std::fs::write(&script, PRISMA_READER).expect("script");
    let out = Command::new("node")
        .arg(&script)
        .arg(&dir)
        .env("NODE_PATH", &modules)
        .output()
        .unwrap_or_else(|e| panic!("node does not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let mut failures = Vec::new();
    let (mut read, mut models, mut relations) = (0, 0, 0);
    let mut kinds: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let file = v["file"].as_str().unwrap_or_default().to_string();
        let Some(&(tables, columns, refs)) = expected.get(&file) else { continue };
        read += 1;
        if let Some(e) = v["error"].as_str() {
            for l in e.lines().filter(|l| l.starts_with("error")) {
                *kinds.entry(l.chars().take(120).collect()).or_default() += 1;
            }
            failures.push(format!("{file}: Prisma refuses it: {e}"));
            continue;
        }
        let got = (v["models"].as_u64(), v["fields"].as_u64(), v["refs"].as_u64());
        if got != (Some(tables as u64), Some(columns as u64), Some(refs as u64)) {
            failures.push(format!(
                "{file}: Prisma read {} models, {} fields and {} relations; Bellows wrote {tables}, {columns} and {refs}",
                v["models"], v["fields"], v["refs"]
            ));
        }
        models += tables;
        relations += refs;
    }
    println!(
        "{read} Prisma schemas validated by Prisma's engine: {models} models, {relations} relations, {} failures",
        failures.len()
    );
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_eq!(read, expected.len(), "every file gets an answer:\n{stdout}");
    assert!(failures.is_empty(), "{} of {read} files ({kinds:#?}):\n{}", failures.len(), failures.join("\n"));
}

/// Every corpus schema goes SQL -> model -> Prisma -> model and comes back equal in all Prisma
/// holds: tables, columns (name, order, type, NULL), keys, uniques, plain indexes, references
/// and enums. What Prisma cannot hold is listed in the file and left out of the comparison:
/// a domain's name (its base type travels), a NULL-able SQLite primary key column (Prisma's id
/// is required), a NULL-able array (a Prisma list is never NULL), and references Prisma has no
/// relation for (listed by name in the file).
/// A comment as a Prisma schema can hold it: `///` doc lines end at the last line of text and
/// lose their trailing spaces, so a comment's trailing line breaks and spaces (Evergreen wraps its
/// comments in line breaks) cannot be written.
fn trimmed(comment: &Option<String>) -> Option<String> {
    comment.as_deref().map(|c| c.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string())
}

#[test]
fn every_corpus_schema_round_trips_through_prisma() {
    use bellows_core::import::prisma::import_prisma;
    use bellows_core::model::{same_name, IndexPart, Table};
    use bellows_core::TypeKind;
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    let (mut schemas, mut tables, mut columns, mut references) = (0, 0, 0, 0);
    for path in support::schema_files(&root) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let dialect = support::dialect_of(&path);
        let original = import(&text, Some(dialect)).schema;
        let prisma = schema_prisma(&original, dialect);
        let back = import_prisma(&prisma, dialect);
        let name = support::relative(&root, &path);
        if let Some(e) = back.errors().next() {
            failures.push(format!("{name}: Prisma not read at {}: {}", e.span, e.message));
            continue;
        }
        schemas += 1;
        let left_out: Vec<&str> = prisma.lines().filter_map(|l| l.strip_prefix("//   ")).collect();
        let mut differ = |what: String| failures.push(format!("{name}: {what}"));
        let kind_of = |t: &Table, c: &bellows_core::model::Column| -> TypeKind {
            match &c.data_type.kind {
                TypeKind::Named { name } => original
                    .domains
                    .iter()
                    .find(|d| same_name(&d.name, bellows_core::model::split_qualified(name).1))
                    .map(|d| d.data_type.kind.clone())
                    .unwrap_or_else(|| c.data_type.kind.clone()),
                _ => {
                    let _ = t;
                    c.data_type.kind.clone()
                }
            }
        };
        // SQLite keeps a type's affinity, not its spelling, and Prisma's SQLite connector has no
        // native types: VARCHAR(128) comes back as TEXT, TINYINT as INTEGER, the same to SQLite.
        let same_type = |c: &bellows_core::model::Column, d: &bellows_core::model::Column, t: &Table| {
            if dialect == bellows_core::Dialect::Sqlite {
                bellows_core::types::sqlite_affinity(&c.data_type.spelling)
                    == bellows_core::types::sqlite_affinity(&d.data_type.spelling)
            } else {
                // `char` is `char(1)`.
                // An enum named with or without its namespace (found on the search path).
                let one = |k: TypeKind| match k {
                    TypeKind::Char { length: None } => TypeKind::Char { length: Some(1) },
                    TypeKind::Named { name } => {
                        TypeKind::Named { name: bellows_core::model::split_qualified(&name).1.to_string() }
                    }
                    other => other,
                };
                one(kind_of(t, c)) == one(d.data_type.kind.clone())
            }
        };
        for t in original.tables.iter().filter(|t| !t.columns.is_empty()) {
            let Some(b) = back.schema.find_table(&t.qualified_name()) else {
                differ(format!("table {} is missing", t.qualified_name()));
                continue;
            };
            tables += 1;
            if t.columns.len() != b.columns.len() {
                differ(format!("{}: {} columns, back {}", t.name, t.columns.len(), b.columns.len()));
                continue;
            }
            for (c, d) in t.columns.iter().zip(&b.columns) {
                columns += 1;
                let excused = left_out.iter().any(|l| l.starts_with(&format!("{}.{}:", t.qualified_name(), c.name)));
                let same = c.name == d.name
                    && same_type(c, d, t)
                    && (c.nullable == d.nullable || excused)
                    && c.identity.is_some() == d.identity.is_some()
                    && trimmed(&c.comment) == trimmed(&d.comment);
                if !same {
                    differ(format!(
                        "{}.{}: {:?} / {:?}",
                        t.name,
                        c.name,
                        (&c.data_type.spelling, kind_of(t, c), c.nullable, c.identity.is_some()),
                        (&d.data_type.spelling, &d.data_type.kind, d.nullable, d.identity.is_some())
                    ));
                }
            }
            let cols = |k: Option<&bellows_core::model::Key>| k.map(|k| k.columns.clone());
            if cols(t.primary_key.as_ref()) != cols(b.primary_key.as_ref()) {
                differ(format!("{}: primary key {:?} / {:?}", t.name, t.primary_key, b.primary_key));
            }
            let sets = |x: &Table, unique: bool| {
                let mut u: Vec<Vec<String>> =
                    if unique { x.uniques.iter().map(|k| k.columns.clone()).collect() } else { Vec::new() };
                u.extend(
                    x.indexes
                        .iter()
                        .filter(|i| i.unique == unique && i.predicate.is_none())
                        .filter(|i| i.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case("btree")))
                        .filter_map(|i| {
                            i.parts.iter().map(|p| p.column().map(str::to_string)).collect::<Option<Vec<_>>>()
                        }),
                );
                u.sort();
                u
            };
            if sets(t, true) != sets(b, true) {
                differ(format!("{}: uniques {:?} / {:?}", t.name, sets(t, true), sets(b, true)));
            }
            if sets(t, false) != sets(b, false) {
                differ(format!("{}: indexes {:?} / {:?}", t.name, sets(t, false), sets(b, false)));
            }
            let _ = IndexPart::Column { name: String::new(), descending: false };
            let fks = |x: &Table, schema: &bellows_core::Schema, skip_left_out: bool| {
                let mut f: Vec<String> = x
                    .foreign_keys
                    .iter()
                    .filter_map(|fk| {
                        let parent = schema.find_table(&fk.ref_table)?;
                        let refs = if fk.ref_columns.is_empty() {
                            parent.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default()
                        } else {
                            fk.ref_columns.clone()
                        };
                        let listed = format!(
                            "the reference {}({}) -> {}({}):",
                            x.qualified_name(),
                            fk.columns.join(", "),
                            fk.ref_table,
                            refs.join(", ")
                        );
                        if skip_left_out && left_out.iter().any(|l| l.starts_with(&listed)) {
                            return None;
                        }
                        Some(format!(
                            "{:?}->{}{refs:?} {:?}/{:?}",
                            fk.columns,
                            parent.qualified_name(),
                            fk.on_delete,
                            fk.on_update
                        ))
                    })
                    .collect();
                f.sort();
                f
            };
            let (wf, bf) = (fks(t, &original, true), fks(b, &back.schema, false));
            references += wf.len();
            if wf != bf {
                differ(format!("{}: references {:?} / {:?}", t.name, wf, bf));
            }
            if trimmed(&t.comment) != trimmed(&b.comment) {
                differ(format!("{}: comment {:?} / {:?}", t.name, t.comment, b.comment));
            }
        }
        if dialect == bellows_core::Dialect::Postgres {
            for e in &original.enums {
                if !back.schema.enums.iter().any(|x| same_name(&x.name, &e.name) && x.labels == e.labels) {
                    differ(format!("enum {} ({:?})", e.name, e.labels));
                }
            }
        }
    }
    println!(
        "{schemas} schemas through Prisma and back: {tables} tables, {columns} columns, {references} references; {} differences",
        failures.len()
    );
    assert!(schemas >= 50, "{schemas}");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The app has one text box for every format, so [`bellows_core::detect_format`] must never take
/// SQL for DBML or Prisma: every `.sql` file of the corpora (schemas, dumps, migrations, the
/// PostgreSQL regression suite's DDL, squawk's and pgroll's fixtures) is read as SQL. The DBML and
/// Prisma written for each corpus schema are read as those formats through [`import`] without a
/// dialect, and give the same schema as their own readers with the dialect named.
#[test]
fn every_sql_file_reads_as_sql_and_every_dbml_and_prisma_export_as_its_own_format() {
    use bellows_core::import::{dbml::import_dbml, prisma::import_prisma};
    use bellows_core::{detect_format, SourceFormat};
    let Some(root) = support::corpora() else { return };
    let mut failures = Vec::new();
    let mut sql_files = 0;
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                let Ok(bytes) = std::fs::read(&path) else { continue };
                sql_files += 1;
                let format = detect_format(&String::from_utf8_lossy(&bytes));
                if format != SourceFormat::Sql {
                    failures.push(format!("{}: read as {format:?}", support::relative(&root, &path)));
                }
            }
        }
    }
    let mut exports = 0;
    for path in support::schema_files(&root) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let dialect = support::dialect_of(&path);
        let name = support::relative(&root, &path);
        let original = import(&text, Some(dialect)).schema;
        for (format, written, own) in [
            (SourceFormat::Dbml, schema_dbml(&original), import_dbml as fn(&str, _) -> _),
            (SourceFormat::Prisma, schema_prisma(&original, dialect), import_prisma),
        ] {
            exports += 1;
            let read = import(&written, None);
            if read.format != format || read.dialect != dialect {
                failures.push(format!("{name}: {format:?} export read as {:?} in {:?}", read.format, read.dialect));
            } else if read.schema != own(&written, dialect).schema {
                failures.push(format!("{name}: {format:?} export reads differently without its reader named"));
            }
        }
    }
    println!("{sql_files} SQL files read as SQL; {exports} DBML and Prisma exports read as their formats");
    assert!(sql_files > 1_000, "the corpora hold over a thousand SQL files, found {sql_files}");
    assert!(failures.is_empty(), "{} of them wrong:\n{}", failures.len(), failures.join("\n"));
}
