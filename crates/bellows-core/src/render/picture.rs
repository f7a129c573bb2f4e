//! The diagram as a picture: one standalone SVG with every table, its columns and the references
//! between them, the target drawn against the base in the canvas's colours (added, changed,
//! removed), a title and a legend. It uses the canvas's layout and card sizes, draws every card
//! at full size whatever the screen shows, and needs no stylesheet, so it opens anywhere and
//! the app turns it into a PNG.

use crate::edit::{Display, Mark};
use crate::layout::{bounds, card_size, row_centre, Density, Rect, CHAR, HEADER, PAD, ROW};
use crate::model::{same_name, TableId};
use std::collections::BTreeMap;
use std::fmt::Write;

const MARGIN: f64 = 32.0;
/// Room above the cards for the title and the legend.
const TOP: f64 = 56.0;
const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn colours(mark: Mark) -> (&'static str, &'static str) {
    match mark {
        Mark::Same => ("#c5cbd8", "#ffffff"),
        Mark::Added => ("#1e8e4e", "#e5f6ec"),
        Mark::Changed => ("#b26b00", "#fff3dc"),
        Mark::Removed => ("#c0392b", "#fdecea"),
    }
}

/// The picture's size in pixels at scale 1.
pub fn picture_size(rects: &BTreeMap<TableId, Rect>) -> (f64, f64) {
    let b = bounds(rects.values().copied()).unwrap_or(Rect { x: 0.0, y: 0.0, w: 300.0, h: 100.0 });
    ((b.w + 2.0 * MARGIN).max(420.0), b.h + TOP + 2.0 * MARGIN)
}

/// The diagram of `display` laid out at `rects` (the canvas's), as SVG.
pub fn diagram_svg(display: &Display, rects: &BTreeMap<TableId, Rect>, title: &str) -> String {
    let b = bounds(rects.values().copied()).unwrap_or(Rect { x: 0.0, y: 0.0, w: 300.0, h: 100.0 });
    let (w, h) = picture_size(rects);
    // Card coordinates move so the top-left card sits at the margin, below the title.
    let (dx, dy) = (MARGIN - b.x, TOP + MARGIN - b.y);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONT}\" font-size=\"13\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"#f6f7fa\"/>");
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"34\" font-size=\"20\" font-weight=\"700\" fill=\"#1b2233\">{}</text>",
        escape(title)
    );
    // The legend, right-aligned on the title's line.
    let legend = [("added", Mark::Added), ("changed", Mark::Changed), ("removed", Mark::Removed)];
    let mut x = w - MARGIN - 270.0;
    for (label, mark) in legend {
        let (stroke, fill) = colours(mark);
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"22\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"34\" fill=\"#5b6477\">{label}</text>",
            x + 20.0
        );
        x += 90.0;
    }
    // References first, under the cards.
    let _ = writeln!(out, "<g fill=\"none\" stroke=\"#8b93a7\" stroke-width=\"1.4\">");
    for t in &display.schema.tables {
        let Some(r) = rects.get(&t.id) else { continue };
        for fk in &t.foreign_keys {
            let Some(parent) = display.schema.find_table(&fk.ref_table) else { continue };
            let Some(p) = rects.get(&parent.id) else { continue };
            let child_row = fk
                .columns
                .first()
                .and_then(|c| t.columns.iter().position(|x| same_name(&x.name, c)))
                .and_then(|i| row_centre(t, i, Density::Columns))
                .unwrap_or(HEADER / 2.0);
            let parent_row = fk
                .ref_columns
                .first()
                .and_then(|c| parent.columns.iter().position(|x| same_name(&x.name, c)))
                .and_then(|i| row_centre(parent, i, Density::Columns))
                .unwrap_or(HEADER / 2.0);
            let (cy, py) = (r.y + dy + child_row, p.y + dy + parent_row);
            // Leave from the side that faces the parent.
            let (cx, px, bend) = if p.x + p.w / 2.0 < r.x + r.w / 2.0 {
                (r.x + dx, p.right() + dx, -60.0)
            } else {
                (r.right() + dx, p.x + dx, 60.0)
            };
            let _ = writeln!(
                out,
                "<path d=\"M{cx:.1},{cy:.1} C{:.1},{cy:.1} {:.1},{py:.1} {px:.1},{py:.1}\"/>",
                cx + bend,
                px - bend
            );
        }
    }
    let _ = writeln!(out, "</g>");
    for t in &display.schema.tables {
        let Some(r) = rects.get(&t.id) else { continue };
        let (x, y) = (r.x + dx, r.y + dy);
        let (cw, ch) = card_size(t, Density::Columns);
        let mark = display.tables.get(&t.id).copied().unwrap_or(Mark::Same);
        let (stroke, _) = colours(mark);
        let width = if mark == Mark::Same { 1.0 } else { 2.5 };
        let _ = writeln!(out, "<g>");
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cw:.1}\" height=\"{ch:.1}\" rx=\"6\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>"
        );
        let _ = writeln!(
            out,
            "<path d=\"M{x:.1},{:.1} a6,6 0 0 1 6,-6 h{:.1} a6,6 0 0 1 6,6 v{:.1} h{:.1} z\" fill=\"#1f2a44\"/>",
            y + 6.0,
            cw - 12.0,
            HEADER - 6.0,
            -cw
        );
        let struck = if mark == Mark::Removed { " text-decoration=\"line-through\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#ffffff\" font-weight=\"700\"{struck}>{}</text>",
            x + PAD,
            y + 20.0,
            escape(&t.qualified_name())
        );
        for (row, c) in t.columns.iter().enumerate() {
            let top = y + HEADER + row as f64 * ROW;
            let cm = display.columns.get(&c.id).copied().unwrap_or(Mark::Same);
            if cm != Mark::Same {
                let (_, fill) = colours(cm);
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{fill}\"/>",
                    x + 1.0,
                    cw - 2.0
                );
            }
            let key = if t.is_primary_key(&c.name) {
                "PK"
            } else if t.foreign_keys_of(&c.name).next().is_some() {
                "FK"
            } else {
                ""
            };
            let base = top + 15.5;
            if !key.is_empty() {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{base:.1}\" fill=\"#b26b00\" font-size=\"10\" font-weight=\"700\">{key}</text>",
                    x + PAD
                );
            }
            let struck = if cm == Mark::Removed { " text-decoration=\"line-through\"" } else { "" };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{base:.1}\" fill=\"#1b2233\"{struck}>{}</text>",
                x + PAD + 3.0 * CHAR,
                escape(&c.name)
            );
            let ty: String = c.data_type.spelling.to_ascii_lowercase().chars().take(28).collect();
            let nn = if c.nullable { "" } else { " NN" };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{base:.1}\" fill=\"#5b6477\" text-anchor=\"end\" font-size=\"12\">{}{nn}</text>",
                x + cw - PAD,
                escape(&ty)
            );
        }
        let _ = writeln!(out, "</g>");
    }
    let _ = writeln!(out, "</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply, display, Edit};
    use crate::layout::{layout, Density};
    use crate::{import, Dialect};

    #[test]
    fn the_picture_has_every_table_the_marks_and_the_references() {
        let base = import(
            "CREATE TABLE a (id int PRIMARY KEY, n text);\n\
             CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a (id), old text);\n\
             CREATE TABLE \"<x&y>\" (id int);",
            Some(Dialect::Postgres),
        )
        .schema;
        let b = base.find_table("b").expect("b");
        let edits = vec![
            Edit::DropColumn { table: b.id, column: b.column("old").expect("old").id },
            Edit::RenameColumn { table: b.id, column: b.column("a_id").expect("a_id").id, to: "parent".into() },
        ];
        let (target, _) = apply(&base, &edits);
        let shown = display(&base, &target);
        let rects = layout(&shown.schema, Density::Columns);
        let svg = diagram_svg(&shown, &rects, "Shop & co");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
        assert!(svg.contains("<title>Shop &amp; co</title>"), "{svg}");
        assert!(svg.contains(">&lt;x&amp;y&gt;</text>"), "names are text, escaped: {svg}");
        assert!(svg.contains(" text-decoration=\"line-through\">old</text>"), "a removed column is struck out: {svg}");
        assert!(svg.contains("fill=\"#fff3dc\""), "a changed row is tinted: {svg}");
        assert_eq!(svg.matches("<path d=\"M").count(), 1 + 3, "one reference and three card heads: {svg}");
        for label in ["added", "changed", "removed"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label} in the legend");
        }
        let (w, h) = picture_size(&rects);
        assert!(svg.contains(&format!("viewBox=\"0 0 {w:.0} {h:.0}\"")));
    }
}
