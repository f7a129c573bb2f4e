//! The schema at each point of a plan, read back from the plan's own SQL
//! (`consumers::plan_points`), on every fixture and every real pair: after Contract it must be
//! the target, table for table and column for column. The consumer checks stand on these points,
//! so a point that is not what the server would hold would blame the wrong stage.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use bellows_core::consumers::plan_points;
use bellows_core::plan::plan_changes;
use bellows_core::Schema;
use bellows_verify::cases;

fn shape(schema: &Schema) -> Vec<String> {
    let mut out: Vec<String> = schema
        .tables
        .iter()
        .map(|t| {
            let mut columns: Vec<String> = t.columns.iter().map(|c| c.name.to_ascii_lowercase()).collect();
            columns.sort();
            format!("{}({})", t.qualified_name().to_ascii_lowercase(), columns.join(", "))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn after_contract_the_plans_own_sql_gives_the_target() {
    let mut inputs = cases::cases().expect("fixtures");
    match cases::real_pairs() {
        Ok(pairs) => inputs.extend(pairs),
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the corpora are missing: {e}");
            eprintln!("SKIPPED the real pairs: {e}");
        }
    }
    let mut failed = Vec::new();
    let mut checked = 0;
    for input in &inputs {
        let p = bellows_verify::prepare(input);
        let plan = plan_changes(&p.base, &p.target, &p.changes, &input.options);
        if !plan.blockers.is_empty() {
            continue;
        }
        let points = plan_points(&input.before, input.dialect, &plan);
        let Some((_, last)) = points.last() else { continue };
        checked += 1;
        let (got, want) = (shape(last), shape(&p.target));
        if got != want {
            let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
            let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
            failed.push(format!("{}:\n  replayed has: {extra:?}\n  target has:   {missing:?}", input.name));
        }
    }
    println!("plan points: {checked} plans replayed, {} differ from their target", failed.len());
    assert!(checked >= 80, "expected the fixtures and the real pairs, replayed {checked}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
