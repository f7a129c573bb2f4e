//! Import throughput in WebAssembly, in headless Chromium: `cargo xtask bench` runs it with the
//! browser build's profile (`wasm-release`), on the same synthetic schema as the native
//! benchmark (`examples/bench_import.rs`), so the figures compare directly.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)]

use bellows_core::diff::{DiffOptions, Matching};
use bellows_core::plan::{plan, PlanOptions};
use bellows_core::{import, synth, Dialect};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

#[wasm_bindgen_test]
fn import_throughput_in_the_browser() {
    let text = synth::postgres_schema(1000);
    let _ = import(&text, Some(Dialect::Postgres));
    let mut times = Vec::new();
    let started = now_ms();
    while times.len() < 5 || now_ms() - started < 2000.0 {
        let t = now_ms();
        let result = import(&text, Some(Dialect::Postgres));
        times.push(now_ms() - t);
        assert_eq!(result.schema.tables.len(), 1000);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    console_log!(
        "BENCH wasm import synthetic 1000 tables: {:.0} KB, median {:.2} ms, {:.1} MB/s ({} runs)",
        text.len() as f64 / 1000.0,
        median,
        text.len() as f64 / 1000.0 / median,
        times.len()
    );
}

#[wasm_bindgen_test]
fn plan_time_in_the_browser() {
    let base = import(&synth::postgres_schema(1000), Some(Dialect::Postgres)).schema;
    let target = synth::edited(&base, 100);
    let diff_options = DiffOptions { matching: Matching::Ids, renames: vec![], merges: vec![], moves: vec![] };
    let options = PlanOptions::default();
    let steps = plan(&base, &target, &diff_options, &options).steps().count();
    let mut times = Vec::new();
    let started = now_ms();
    while times.len() < 5 || now_ms() - started < 2000.0 {
        let t = now_ms();
        let result = plan(&base, &target, &diff_options, &options);
        times.push(now_ms() - t);
        assert_eq!(result.changes.len(), 100);
    }
    times.sort_by(f64::total_cmp);
    console_log!(
        "BENCH wasm plan synthetic 1000 tables, 100 changes: {steps} steps, median {:.2} ms ({} runs)",
        times[times.len() / 2],
        times.len()
    );
}

/// 1,000 application statements against a 500-table schema at the five points of a plan (the
/// native benchmark's inputs).
#[wasm_bindgen_test]
fn consumer_check_in_the_browser() {
    use bellows_core::consumers::{check_points, Point};
    let (points, stmts) = synth::consumer_bench(500, 1000);
    let points: Vec<Point<'_>> = points.iter().map(|(label, schema)| Point { label, schema }).collect();
    assert_eq!(stmts.len(), 1000);
    let mut times = Vec::new();
    let started = now_ms();
    while times.len() < 5 || now_ms() - started < 2000.0 {
        let t = now_ms();
        let reports = check_points(&points, Dialect::Postgres, &stmts);
        times.push(now_ms() - t);
        assert_eq!(reports.len(), 1000);
    }
    times.sort_by(f64::total_cmp);
    console_log!(
        "BENCH wasm consumers 1000 statements, synthetic 500 tables, {} points: median {:.2} ms ({} runs)",
        points.len(),
        times[times.len() / 2],
        times.len()
    );
}
