//! Import throughput and plan time, natively: `cargo xtask bench` runs it with `--release`.
//!
//! Inputs: a synthetic 1,000-table pg_dump-style schema (the same text the wasm benchmark
//! reads, so the two are comparable) and, when `../shared/corpora` is present, the largest real
//! schemas. Each is imported repeatedly (at least 5 runs and 2 seconds); the median is reported.

use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::plan::{plan, PlanOptions};
use bellows_core::{import, synth, Dialect};
use std::time::{Duration, Instant};

fn measure(name: &str, text: &str, dialect: Dialect) {
    let _ = import(text, Some(dialect)); // warm-up
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || started.elapsed() < Duration::from_secs(2) {
        let t = Instant::now();
        let result = import(text, Some(dialect));
        times.push(t.elapsed());
        std::hint::black_box(result);
    }
    times.sort();
    let median = times[times.len() / 2];
    let mb = text.len() as f64 / 1_000_000.0;
    let tables = import(text, Some(dialect)).schema.tables.len();
    println!(
        "import  {name:<48} {:>7.0} KB {tables:>5} tables  median {:>8.2} ms  {:>6.1} MB/s  ({} runs)",
        text.len() as f64 / 1000.0,
        median.as_secs_f64() * 1000.0,
        mb / median.as_secs_f64(),
        times.len()
    );
}

/// Diff and plan of a 1,000-table schema against a target with 100 edits (the same inputs as
/// the wasm benchmark).
fn measure_plan() {
    let base = import(&synth::postgres_schema(1000), Some(Dialect::Postgres)).schema;
    let target = synth::edited(&base, 100);
    let diff_options = DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] };
    let options = PlanOptions::default();
    let steps = plan(&base, &target, &diff_options, &options).steps().count();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || started.elapsed() < Duration::from_secs(2) {
        let t = Instant::now();
        std::hint::black_box(plan(&base, &target, &diff_options, &options));
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "plan    {:<48} {steps:>5} steps   median {:>8.2} ms  ({} runs)",
        "synthetic 1000 tables, 100 changes (diff + plan)",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times.len()
    );
}

/// The consumer check: 1,000 application statements resolved against a 500-table schema at
/// the five points of a plan (the base and after each stage), 5,000 resolutions (the same
/// inputs as the wasm benchmark). The points themselves are built once, outside the timing.
fn measure_consumers() {
    use bellows_core::consumers::{check_points, Point};
    let (points, stmts) = synth::consumer_bench(500, 1000);
    let points: Vec<Point<'_>> = points.iter().map(|(label, schema)| Point { label, schema }).collect();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || started.elapsed() < Duration::from_secs(2) {
        let t = Instant::now();
        std::hint::black_box(check_points(&points, Dialect::Postgres, &stmts));
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "consumers {:<46} {:>5} points  median {:>8.2} ms  ({} runs)",
        format!("{} statements, synthetic 500 tables", stmts.len()),
        points.len(),
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times.len()
    );
}

fn main() {
    measure_consumers();
    measure_plan();
    let synthetic = synth::postgres_schema(1000);
    measure("synthetic 1000 tables (pg_dump style)", &synthetic, Dialect::Postgres);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    for (file, dialect) in [
        ("schema-evergreen/evergreen_full_schema.pg.sql", Dialect::Postgres),
        ("schema-musicbrainz/musicbrainz_full_schema.pg.sql", Dialect::Postgres),
        ("schema-chinook/Chinook_MySql.mysql.sql", Dialect::MySql),
    ] {
        match std::fs::read_to_string(root.join(file)) {
            Ok(text) => measure(file, &text, dialect),
            Err(_) => println!("import  {file:<48} skipped: ../shared/corpora is not present"),
        }
    }
}
