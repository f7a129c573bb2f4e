//! Where a link's bytes go: the link's length with one part of the model left out at a time.
//! `cargo run -p bellows-core --example link_sizes -- SCHEMA.sql...`
use bellows_core::share::{encode, Design};
use bellows_core::{import, Schema};

/// Leaves one part of a model out.
type Cut = fn(&mut Schema);

fn link(s: &Schema) -> usize {
    let mut d = Design::new("");
    d.model = Some(s.clone());
    encode(&d).len()
}

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let s = import(&text, None).schema;
        let full = link(&s);
        let parts: Vec<(&str, Cut)> = vec![
            (
                "view reads",
                (|s: &mut Schema| {
                    s.views.iter_mut().for_each(|v| {
                        v.reads.clear();
                        v.columns_read.clear()
                    })
                }),
            ),
            ("view bodies", (|s: &mut Schema| s.views.iter_mut().for_each(|v| v.definition.clear()))),
            ("routines", (|s: &mut Schema| s.routines.clear())),
            ("triggers", (|s: &mut Schema| s.triggers.clear())),
            ("policies", (|s: &mut Schema| s.policies.clear())),
            ("others", (|s: &mut Schema| s.others.clear())),
            (
                "search paths",
                (|s: &mut Schema| {
                    s.tables.iter_mut().for_each(|t| t.search_path = None);
                    s.views.iter_mut().for_each(|t| t.search_path = None);
                    s.routines.iter_mut().for_each(|t| t.search_path = None);
                    s.triggers.iter_mut().for_each(|t| t.search_path = None)
                }),
            ),
            (
                "index names",
                (|s: &mut Schema| s.tables.iter_mut().for_each(|t| t.indexes.iter_mut().for_each(|i| i.name = None))),
            ),
            ("indexes", (|s: &mut Schema| s.tables.iter_mut().for_each(|t| t.indexes.clear()))),
            (
                "key names",
                (|s: &mut Schema| {
                    s.tables.iter_mut().for_each(|t| {
                        t.foreign_keys.iter_mut().for_each(|f| f.name = None);
                        t.uniques.iter_mut().for_each(|f| f.name = None);
                        t.checks.iter_mut().for_each(|f| f.name = None);
                        if let Some(k) = &mut t.primary_key {
                            k.name = None
                        }
                    })
                }),
            ),
            (
                "defaults",
                (|s: &mut Schema| {
                    s.tables.iter_mut().for_each(|t| t.columns.iter_mut().for_each(|c| c.default = None))
                }),
            ),
            (
                "comments",
                (|s: &mut Schema| {
                    s.tables.iter_mut().for_each(|t| {
                        t.comment = None;
                        t.columns.iter_mut().for_each(|c| c.comment = None)
                    })
                }),
            ),
        ];
        print!("{path}: {full}");
        for (name, f) in &parts {
            let mut t = s.clone();
            f(&mut t);
            let n = link(&t);
            if n < full {
                print!(" | {name} -{}", full - n);
            }
        }
        // The floor that bodies set: a link of the view, routine, trigger, policy and rule
        // bodies alone, every table and type left out.
        let mut bodies = s.clone();
        bodies.tables.clear();
        bodies.enums.clear();
        bodies.sequences.clear();
        bodies.domains.clear();
        bodies.extensions.clear();
        println!(" | the bodies alone: {}", link(&bodies));
    }
}
