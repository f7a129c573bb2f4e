//! Prints the plan of the sampled edits that match, as the edits test makes them: to look at
//! a failing sampled edit without running the harness.
//!
//! `cargo run -p bellows-verify --example edit_plan -- SCHEMA.sql KIND ABOUT` (ABOUT: a part of
//! the edit's target, such as `orders.total`).

use bellows_core::diff::{diff, DiffOptions, Matching};
use bellows_core::plan::{plan_changes, plan_text, PlanOptions};
use bellows_core::{edit, import, Dialect};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, kind, about] = args.as_slice() else {
        return Err("usage: edit_plan SCHEMA.sql KIND ABOUT".into());
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let d = if file.ends_with(".sqlite.sql") {
        Dialect::Sqlite
    } else if file.ends_with(".mysql.sql") {
        Dialect::MySql
    } else {
        Dialect::Postgres
    };
    let schema = import(&text, Some(d)).schema;
    let seed = std::path::Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or_default();
    for s in bellows_verify::sample::sample(
        &schema,
        d,
        std::env::var("BELLOWS_EDITS_PER_KIND").ok().and_then(|n| n.parse().ok()).unwrap_or(1),
        seed,
    ) {
        if s.kind != kind || !s.about.contains(about.as_str()) {
            continue;
        }
        let (target, skipped) = edit::apply(&schema, &s.edits);
        println!("{} {} {skipped:?}", s.kind, s.about);
        let merges = edit::merge_hints(&schema, &target, &s.edits);
        let renames = edit::enum_hints(&s.edits);
        let moves = edit::move_hints(&target, &schema, &s.edits);
        let changes = diff(&schema, &target, &DiffOptions { matching: Matching::Ids, renames, merges, moves });
        let plan = plan_changes(&schema, &target, &changes, &PlanOptions { dialect: d, ..PlanOptions::default() });
        println!("{}", plan_text(&plan));
    }
    Ok(())
}
