//! The automatic layout over every corpus schema (`../shared/corpora`), and over two of them
//! together (a thousand tables): every table placed, no two cards overlapping, the same picture
//! twice, and a picture shaped for a screen, so that Fit shows a big schema large enough to read.
//!
//! "Large enough" is measured as the canvas does it: Fit scales the picture's bounds into the
//! canvas (1000 x 700 px here, a laptop's canvas beside the side panels), and a card's title is
//! 12.5 px at 100% (names alone are drawn larger). Names only (the overview a schema over 100
//! tables opens in) must show every title at 8 px or more up to 250 tables; every density must stay within 4:1 either way.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod support;

use bellows_core::layout::{bounds, layout_for, namespace_frames, Density, Rect};
use bellows_core::{import, Schema};

const CANVAS: (f64, f64) = (1000.0, 700.0);
const TITLE_PX: f64 = 12.5;

/// The zoom Fit picks (as `canvas.rs` does: 30 px of margin on each side, at most 120%).
fn fit_zoom(b: &Rect) -> f64 {
    ((CANVAS.0 - 60.0) / b.w).min((CANVAS.1 - 60.0) / b.h).clamp(0.08, 1.2)
}

fn check(label: &str, schema: &Schema) -> Vec<(Density, f64)> {
    let mut out = Vec::new();
    for density in [Density::Columns, Density::Keys, Density::Names] {
        let rects = layout_for(schema, density, CANVAS);
        assert_eq!(rects.len(), schema.tables.len(), "{label} {density:?}: every table placed");
        assert_eq!(rects, layout_for(schema, density, CANVAS), "{label} {density:?}: the same picture twice");
        let mut sorted: Vec<Rect> = rects.values().copied().collect();
        sorted.sort_by(|a, b| a.x.total_cmp(&b.x));
        for (i, a) in sorted.iter().enumerate() {
            for b in sorted[i + 1..].iter().take_while(|b| b.x < a.right()) {
                assert!(!a.intersects(b), "{label} {density:?}: {a:?} overlaps {b:?}");
            }
        }
        let Some(b) = bounds(rects.values().copied()) else { continue };
        let zoom = fit_zoom(&b);
        let aspect = b.w / b.h;
        let frames = namespace_frames(schema, &rects);
        println!(
            "{label}: {} tables, {density:?}: {:.0} x {:.0} (aspect {aspect:.2}), Fit {:.0}%, titles {:.1} px{}",
            schema.tables.len(),
            b.w,
            b.h,
            zoom * 100.0,
            zoom * TITLE_PX * density.title_scale(),
            if frames.is_empty() { String::new() } else { format!(", {} namespaces", frames.len()) }
        );
        if schema.tables.len() >= 20 {
            assert!((0.25..=4.0).contains(&aspect), "{label} {density:?}: a strip ({:.0} x {:.0})", b.w, b.h);
        }
        if density == Density::Names && schema.tables.len() <= 250 {
            assert!(
                zoom * TITLE_PX * density.title_scale() >= 8.0,
                "{label}: titles at {:.1} px at Fit",
                zoom * TITLE_PX * density.title_scale()
            );
        }
        // Each namespace's frame holds its tables and no other namespace's.
        for (i, (a, ra)) in frames.iter().enumerate() {
            for (b, rb) in &frames[i + 1..] {
                assert!(!ra.intersects(rb), "{label} {density:?}: namespaces {a} and {b} overlap");
            }
        }
        out.push((density, ((CANVAS.0 - 60.0) / b.w).min((CANVAS.1 - 60.0) / b.h)));
    }
    out
}

#[test]
fn every_corpus_schema_lays_out_for_a_screen() {
    let Some(root) = support::corpora() else { return };
    let mut texts = Vec::new();
    for path in support::schema_files(&root) {
        let rel = support::relative(&root, &path);
        let text = std::fs::read_to_string(&path).expect("read");
        let dialect = support::dialect_of(&path);
        let schema = import(&text, Some(dialect)).schema;
        check(&rel, &schema);
        if rel.starts_with("schema-evergreen/") || rel.starts_with("schema-musicbrainz/") {
            texts.push(text);
        }
    }
    // Evergreen and MusicBrainz together: over a thousand tables, the size the issue asks for.
    assert_eq!(texts.len(), 2, "the corpus has Evergreen and MusicBrainz");
    let both = import(&texts.join(";\n"), Some(bellows_core::Dialect::Postgres)).schema;
    assert!(both.tables.len() > 1000, "{} tables", both.tables.len());
    let started = std::time::Instant::now();
    let zooms = check("evergreen + musicbrainz", &both);
    println!("(the three layouts of {} tables took {:?} in this build)", both.tables.len(), started.elapsed());
    let names = zooms.iter().find(|z| z.0 == Density::Names).map(|z| z.1).unwrap_or(0.0);
    let columns = zooms.iter().find(|z| z.0 == Density::Columns).map(|z| z.1).unwrap_or(1.0);
    assert!(names > columns * 2.0, "names only shows the overview over twice as large ({names:.3} vs {columns:.3})");
}

#[test]
fn two_hundred_generated_tables_show_every_name_legibly_at_fit() {
    // No corpus schema has between 135 and 490 tables: the generator stands in for the
    // 200-table schema (Koha has 199), with its foreign keys and names of real lengths.
    for n in [200, 250] {
        let schema = import(&bellows_core::synth::postgres_schema(n), Some(bellows_core::Dialect::Postgres)).schema;
        check(&format!("synthetic {n}"), &schema);
    }
}
