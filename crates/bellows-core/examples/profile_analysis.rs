//! Where the playground's time goes on a large schema: each stage of `analyze`, natively.
//! `cargo run --release -p bellows-core --example profile_analysis [FILE]`.

use bellows_core::share::Design;
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpora/schema-evergreen/evergreen_full_schema.pg.sql".into());
    let Ok(sql) = std::fs::read_to_string(&path) else {
        println!("{path}: not found");
        return;
    };
    let t = Instant::now();
    let base = bellows_core::import(&sql, None);
    println!("import          {:>7.1} ms ({} tables)", t.elapsed().as_secs_f64() * 1e3, base.schema.tables.len());
    let o = bellows_core::lint::LintOptions::default();
    let t = Instant::now();
    let audit = bellows_core::lint::audit(&base.schema, base.dialect, &o);
    println!("audit           {:>7.1} ms ({} findings)", t.elapsed().as_secs_f64() * 1e3, audit.len());
    let t = Instant::now();
    let l = bellows_core::layout::layout(&base.schema, bellows_core::layout::Density::Columns);
    println!("layout          {:>7.1} ms ({} boxes)", t.elapsed().as_secs_f64() * 1e3, l.len());
    let t = Instant::now();
    let d = bellows_core::edit::display(&base.schema, &base.schema);
    println!("display         {:>7.1} ms ({} tables)", t.elapsed().as_secs_f64() * 1e3, d.schema.tables.len());
    let t = Instant::now();
    let a = bellows_core::analysis::analyze(&Design::new(sql.clone()));
    println!("analyze (all)   {:>7.1} ms ({} steps)", t.elapsed().as_secs_f64() * 1e3, a.plan.steps().count());
}
