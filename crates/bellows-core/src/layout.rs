//! The automatic ER layout: deterministic (the same schema gives the same picture), layered by
//! references (a referenced table sits left of, or in a band above, the tables that point at
//! it), ordered within a layer to shorten edges, tall layers wrapped into several columns, and
//! tables with no relation set apart in a grid below. The picture is shaped for a screen, so
//! Fit shows a big schema as large as it can; namespaces are laid out as groups of their own.
//!
//! Sizes are computed from the text the canvas draws (monospace), so the layout needs no
//! browser to measure anything.

use crate::model::{same_name, Schema, Table, TableId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Card geometry, shared with the canvas that draws it.
pub const HEADER: f64 = 30.0;
pub const ROW: f64 = 22.0;
pub const CHAR: f64 = 7.3;
pub const PAD: f64 = 12.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 28.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }

    /// Whether `other` lies wholly inside (edges may touch).
    pub fn contains(&self, other: &Rect) -> bool {
        self.x <= other.x && self.y <= other.y && other.right() <= self.right() && other.bottom() <= self.bottom()
    }
}

/// How much of each table a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Density {
    /// Every column.
    #[default]
    Columns,
    /// Key and reference columns only.
    Keys,
    /// The name alone: the overview of a big schema, where every name stays legible at Fit.
    Names,
}

impl Density {
    fn gaps(self) -> (f64, f64) {
        match self {
            Density::Names => (GAP_X * 0.45, GAP_Y * 0.4),
            _ => (GAP_X, GAP_Y),
        }
    }

    /// How much larger than a card's title a name alone is drawn: the overview is read zoomed
    /// out, so its names take the room the columns left.
    pub fn title_scale(self) -> f64 {
        match self {
            Density::Names => NAME_SCALE,
            _ => 1.0,
        }
    }
}

const NAME_SCALE: f64 = 1.6;

/// The columns a card shows: all, only key and reference columns, or none.
pub fn visible_columns(table: &Table, density: Density) -> Vec<usize> {
    (0..table.columns.len())
        .filter(|&i| {
            let name = &table.columns[i].name;
            match density {
                Density::Columns => true,
                Density::Keys => table.is_primary_key(name) || table.foreign_keys_of(name).next().is_some(),
                Density::Names => false,
            }
        })
        .collect()
}

/// Width and height of a table's card.
pub fn card_size(table: &Table, density: Density) -> (f64, f64) {
    let title = table.qualified_name().chars().count() + 2;
    if density == Density::Names {
        return ((title as f64 * CHAR * NAME_SCALE + 2.0 * PAD).clamp(90.0, 640.0), HEADER * 1.2);
    }
    let rows = visible_columns(table, density);
    let widest_row = rows
        .iter()
        .map(|&i| {
            let c = &table.columns[i];
            // name, a gap, the type, and room for the marks (PK, FK, NN, UQ).
            c.name.chars().count() + c.data_type.spelling.chars().count().min(28) + 9
        })
        .max()
        .unwrap_or(0);
    let widest = widest_row.max(title);
    let w = (widest as f64 * CHAR + 2.0 * PAD).clamp(150.0, 420.0);
    let h = HEADER + rows.len().max(1) as f64 * ROW + 6.0;
    (w, h)
}

/// The y of a column's row centre, relative to the card's top (None when hidden).
pub fn row_centre(table: &Table, column: usize, density: Density) -> Option<f64> {
    let rows = visible_columns(table, density);
    rows.iter().position(|&i| i == column).map(|p| HEADER + p as f64 * ROW + ROW / 2.0)
}

/// The screen the layout is shaped for when the caller has none (a laptop's canvas): Fit shows
/// the most when the picture has about the screen's shape, rather than one long strip.
pub const SCREEN: (f64, f64) = (1200.0, 800.0);
/// Room above a namespace's tables for its name.
pub const GROUP_LABEL: f64 = 44.0;

/// Rectangles by table index, and the width and height they take.
type Placed = (Vec<(usize, Rect)>, f64, f64);

/// A layer's cards as (table index, x, y) within the block, and the block's width and height.
type Block = (Vec<(usize, f64, f64)>, f64, f64);

/// Positions for every table of the schema.
///
/// Tables are grouped by namespace (PostgreSQL schema, MySQL database) when the schema has more
/// than one; each group is laid out on its own and the groups are packed in rows. Within a
/// group, the layers are wrapped into columns and the columns into bands, at the height that
/// makes the group show largest on a screen-shaped canvas.
pub fn layout(schema: &Schema, density: Density) -> BTreeMap<TableId, Rect> {
    layout_for(schema, density, SCREEN)
}

/// [`layout`] for a screen (canvas) of this width and height, in pixels.
pub fn layout_for(schema: &Schema, density: Density, screen: (f64, f64)) -> BTreeMap<TableId, Rect> {
    let screen = (screen.0.max(200.0), screen.1.max(200.0));
    let groups = namespaces(schema);
    let mut out = BTreeMap::new();
    if groups.len() <= 1 {
        let all: Vec<usize> = (0..schema.tables.len()).collect();
        for (i, r) in arrange(schema, &all, density, screen, true).0 {
            out.insert(schema.tables[i].id, r);
        }
        return out;
    }
    let (gap_x, _) = density.gaps();
    let mut boxes: Vec<Placed> = groups
        .iter()
        .map(|(_, members)| {
            let (rects, w, h) = arrange(schema, members, density, screen, false);
            (rects, w, h + GROUP_LABEL)
        })
        .collect();
    // Biggest first, so the rows fill evenly; ties keep the order of the source.
    boxes.sort_by(|a, b| (b.1 * b.2).total_cmp(&(a.1 * a.2)));
    let gap = gap_x * 1.5;
    let area: f64 = boxes.iter().map(|b| (b.1 + gap) * (b.2 + gap)).sum();
    let row_width = boxes.iter().map(|b| b.1).fold((area * screen.0 / screen.1).sqrt(), f64::max);
    let (mut x, mut y, mut row_h) = (0.0, 0.0, 0.0f64);
    for (rects, w, h) in boxes {
        if x > 0.0 && x + w > row_width {
            x = 0.0;
            y += row_h + gap;
            row_h = 0.0;
        }
        for (i, r) in rects {
            out.insert(schema.tables[i].id, Rect { x: r.x + x, y: r.y + y + GROUP_LABEL, ..r });
        }
        x += w + gap;
        row_h = row_h.max(h);
    }
    out
}

/// The namespaces of the schema with their tables' indexes, in the order they first appear
/// (tables without a namespace first).
fn namespaces(schema: &Schema) -> Vec<(Option<String>, Vec<usize>)> {
    let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, t) in schema.tables.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|g| g.0.as_deref().map(str::to_lowercase) == t.namespace.as_deref().map(str::to_lowercase))
        {
            Some(g) => g.1.push(i),
            None => groups.push((t.namespace.clone(), vec![i])),
        }
    }
    groups.sort_by_key(|g| g.0.is_some());
    groups
}

/// Each namespace's name and the box around its tables (empty when the schema has one
/// namespace). The layout leaves `GROUP_LABEL` of room above each group for its name; the canvas
/// does not draw the frames yet (the page has no room for them: issue 14), so a group reads
/// through its cards' qualified names.
pub fn namespace_frames(schema: &Schema, rects: &BTreeMap<TableId, Rect>) -> Vec<(String, Rect)> {
    let groups = namespaces(schema);
    if groups.len() <= 1 {
        return Vec::new();
    }
    groups
        .into_iter()
        .filter_map(|(ns, members)| {
            let b = bounds(members.iter().filter_map(|&i| rects.get(&schema.tables[i].id).copied()))?;
            Some((ns.unwrap_or_else(|| "(default)".into()), b))
        })
        .collect()
}

/// Lays out some of the schema's tables (one namespace, or all) from (0, 0): the rectangles
/// by table index, and the width and height they take. `whole`: these are all the tables, so a
/// picture that fits the screen at 100% needs no more wrapping (a namespace is shaped for the
/// screen whatever its size, since it is packed with the others).
fn arrange(schema: &Schema, members: &[usize], density: Density, screen: (f64, f64), whole: bool) -> Placed {
    let n = schema.tables.len();
    let index_of =
        |name: &str| -> Option<usize> {
            schema.tables.iter().position(|t| same_name(&t.qualified_name(), name)).or_else(|| {
                schema.tables.iter().position(|t| same_name(&t.name, name.rsplit('.').next().unwrap_or(name)))
            })
        };
    let mut member = vec![false; n];
    for &i in members {
        member[i] = true;
    }
    // parents[i]: tables of this group that table i references (no self references, no
    // duplicates).
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut related = vec![false; n];
    for &i in members {
        for fk in &schema.tables[i].foreign_keys {
            if let Some(p) = index_of(&fk.ref_table).filter(|&p| member[p]) {
                if p != i && !parents[i].contains(&p) {
                    parents[i].push(p);
                    related[i] = true;
                    related[p] = true;
                }
            }
        }
    }
    // Layers: the longest reference chain from a table that references nothing. Cycles are
    // cut by bounding the relaxation rounds.
    let mut level = vec![0usize; n];
    for _ in 0..members.len().min(64) {
        let mut changed = false;
        for &i in members {
            let want = parents[i].iter().map(|&p| level[p] + 1).max().unwrap_or(0);
            if want > level[i] && want < n {
                level[i] = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let layers_count = members.iter().filter(|&&i| related[i]).map(|&i| level[i] + 1).max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layers_count];
    for &i in members.iter().filter(|&&i| related[i]) {
        layers[level[i]].push(i);
    }
    // Order within layers by the barycentre of neighbours in the layer to the left, a few
    // sweeps; ties keep the source order, so the result is deterministic.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ps) in parents.iter().enumerate() {
        for &p in ps {
            children[p].push(i);
        }
    }
    let mut position = vec![0f64; n];
    let set_positions = |layers: &Vec<Vec<usize>>, position: &mut Vec<f64>| {
        for layer in layers {
            for (k, &i) in layer.iter().enumerate() {
                position[i] = k as f64;
            }
        }
    };
    set_positions(&layers, &mut position);
    for sweep in 0..4 {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let neighbours = |i: usize| -> &Vec<usize> {
                if sweep % 2 == 0 {
                    &parents[i]
                } else {
                    &children[i]
                }
            };
            let mut keyed: Vec<(f64, usize, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(k, &i)| {
                    let ns = neighbours(i);
                    let bary = if ns.is_empty() {
                        k as f64
                    } else {
                        ns.iter().map(|&j| position[j]).sum::<f64>() / ns.len() as f64
                    };
                    (bary, i, k)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[l] = keyed.into_iter().map(|(_, i, _)| i).collect();
            set_positions(&layers, &mut position);
        }
    }
    let sizes: Vec<(f64, f64)> = schema.tables.iter().map(|t| card_size(t, density)).collect();
    let loose: Vec<usize> = members.iter().copied().filter(|&i| !related[i]).collect();
    // Try column heights from one column per layer down to the tallest card, and keep the one
    // whose picture shows largest on a screen-shaped canvas. For the whole schema, up to 100%
    // zoom all are as good, and the first wins: the fewest wrapped layers.
    let (gap_x, gap_y) = density.gaps();
    let tallest = members.iter().map(|&i| sizes[i].1).fold(0.0, f64::max);
    let stacked: f64 = members.iter().map(|&i| sizes[i].1 + gap_y).sum::<f64>().max(tallest);
    let mut best: Option<(f64, Placed)> = None;
    let mut height = stacked;
    loop {
        let (rects, w, h) = place(&layers, &loose, &sizes, height, (gap_x, gap_y), screen);
        let zoom = (screen.0 / w.max(1.0)).min(screen.1 / h.max(1.0)).min(if whole { 1.0 } else { f64::MAX });
        if best.as_ref().is_none_or(|b| zoom > b.0 * 1.0001) {
            best = Some((zoom, (rects, w, h)));
        }
        if height <= tallest {
            break;
        }
        height = (height / 1.15).max(tallest);
    }
    best.map(|(_, placed)| placed).unwrap_or_default()
}

/// Places the layers left to right, each wrapped into columns no taller than `height`; folds
/// the layers into bands stacked top to bottom when they run wider than the screen's shape
/// wants; puts the loose tables in a grid below.
fn place(
    layers: &[Vec<usize>],
    loose: &[usize],
    sizes: &[(f64, f64)],
    height: f64,
    (gap_x, gap_y): (f64, f64),
    screen: (f64, f64),
) -> Placed {
    // Each layer as a block of columns: (x, y) within the block, the block's width and height.
    let mut blocks: Vec<Block> = Vec::new();
    for layer in layers {
        let (mut x, mut y, mut column_width, mut block_h) = (0.0, 0.0, 0.0f64, 0.0f64);
        let mut cells = Vec::new();
        for &i in layer {
            let (w, h) = sizes[i];
            if y > 0.0 && y + h > height {
                x += column_width + gap_x;
                y = 0.0;
                column_width = 0.0;
            }
            cells.push((i, x, y));
            y += h + gap_y;
            column_width = column_width.max(w);
            block_h = block_h.max(y - gap_y);
        }
        blocks.push((cells, x + column_width, block_h));
    }
    // Bands: as many as make the layered part about the screen's shape.
    let total: f64 = blocks.iter().map(|b| b.1 + gap_x).sum();
    let band_h = blocks.iter().map(|b| b.2).fold(0.0, f64::max) + gap_y * 3.0;
    let bands = if total > screen.0 && band_h > 0.0 {
        (total * screen.1 / (screen.0 * band_h)).sqrt().round().max(1.0)
    } else {
        1.0
    };
    let band_width = blocks.iter().map(|b| b.1).fold(total / bands, f64::max);
    let mut out = Vec::new();
    let (mut bx, mut by, mut row_h, mut width, mut bottom) = (0.0, 0.0, 0.0f64, 0.0f64, 0.0f64);
    for (cells, w, h) in blocks {
        if bx > 0.0 && bx + w > band_width * 1.05 {
            bx = 0.0;
            by += row_h + gap_y * 3.0;
            row_h = 0.0;
        }
        for (i, x, y) in cells {
            let (cw, ch) = sizes[i];
            out.push((i, Rect { x: bx + x, y: by + y, w: cw, h: ch }));
        }
        width = width.max(bx + w);
        bottom = bottom.max(by + h);
        bx += w + gap_x;
        row_h = row_h.max(h);
    }
    // Loose tables: a grid below (or alone), about the screen's shape when they are many.
    let loose_area: f64 = loose.iter().map(|&i| (sizes[i].0 + gap_x / 2.0) * (sizes[i].1 + gap_y)).sum();
    let grid_width =
        loose.iter().map(|&i| sizes[i].0).fold(width.max((loose_area * screen.0 / screen.1).sqrt()), f64::max);
    let (mut gx, mut gy, mut grid_row) = (0.0, if out.is_empty() { 0.0 } else { bottom + gap_y * 2.0 }, 0.0f64);
    for &i in loose {
        let (w, h) = sizes[i];
        if gx > 0.0 && gx + w > grid_width {
            gx = 0.0;
            gy += grid_row + gap_y;
            grid_row = 0.0;
        }
        out.push((i, Rect { x: gx, y: gy, w, h }));
        width = width.max(gx + w);
        bottom = bottom.max(gy + h);
        gx += w + gap_x / 2.0;
        grid_row = grid_row.max(h);
    }
    (out, width, bottom)
}

/// The box around every card: what "fit to screen" shows.
pub fn bounds(rects: impl IntoIterator<Item = Rect>) -> Option<Rect> {
    let mut it = rects.into_iter();
    let first = it.next()?;
    let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.right(), first.bottom());
    for r in it {
        x0 = x0.min(r.x);
        y0 = y0.min(r.y);
        x1 = x1.max(r.right());
        y1 = y1.max(r.bottom());
    }
    Some(Rect { x: x0, y: y0, w: x1 - x0, h: y1 - y0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{import, synth, Dialect};

    #[test]
    fn referenced_tables_sit_left_and_nothing_overlaps() {
        let s = import(
            "CREATE TABLE customers (id bigint PRIMARY KEY);\n\
             CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\n\
             CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));\n\
             CREATE TABLE settings (key text PRIMARY KEY, value text);",
            Some(Dialect::Postgres),
        )
        .schema;
        let l = layout(&s, Density::Columns);
        let at = |n: &str| l[&s.find_table(n).expect("table").id];
        assert!(at("customers").right() < at("orders").x);
        assert!(at("orders").right() < at("items").x);
        assert!(at("settings").y > at("items").bottom(), "loose tables go below");
        let rects: Vec<Rect> = l.values().copied().collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.intersects(b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_same_schema_gives_the_same_picture_and_large_ones_do_not_overlap() {
        let s = import(&synth::postgres_schema(300), Some(Dialect::Postgres)).schema;
        let a = layout(&s, Density::Columns);
        assert_eq!(a, layout(&s, Density::Columns));
        assert_eq!(a.len(), 300);
        let rects: Vec<Rect> = a.values().copied().collect();
        for (i, r) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!r.intersects(b));
            }
        }
    }

    #[test]
    fn each_namespace_is_a_group_of_its_own_with_its_name_above() {
        let s = import(
            "CREATE SCHEMA billing; CREATE SCHEMA catalog;\n\
             CREATE TABLE catalog.products (id bigint PRIMARY KEY);\n\
             CREATE TABLE billing.invoices (id bigint PRIMARY KEY);\n\
             CREATE TABLE catalog.prices (id bigint PRIMARY KEY, product_id bigint REFERENCES catalog.products (id));\n\
             CREATE TABLE billing.lines (id bigint PRIMARY KEY, invoice_id bigint REFERENCES billing.invoices (id),\n\
               product_id bigint REFERENCES catalog.products (id));",
            Some(Dialect::Postgres),
        )
        .schema;
        for density in [Density::Columns, Density::Keys, Density::Names] {
            let l = layout(&s, density);
            let frames = namespace_frames(&s, &l);
            let names: Vec<&str> = frames.iter().map(|f| f.0.as_str()).collect();
            assert_eq!(names, ["catalog", "billing"], "in the order they first appear");
            assert!(!frames[0].1.intersects(&frames[1].1), "{frames:?}");
            for t in &s.tables {
                let frame = &frames.iter().find(|f| Some(f.0.as_str()) == t.namespace.as_deref()).expect("frame").1;
                let r = l[&t.id];
                assert!(r.x >= frame.x && r.right() <= frame.right() && r.y >= frame.y && r.bottom() <= frame.bottom());
                assert!(r.y >= GROUP_LABEL, "room above for the namespace's name");
            }
        }
        let one = import("CREATE TABLE a (id int PRIMARY KEY);", Some(Dialect::Postgres)).schema;
        assert!(namespace_frames(&one, &layout(&one, Density::Columns)).is_empty(), "one namespace: no frame");
    }

    #[test]
    fn names_only_cards_are_plates_and_layers_fold_into_bands_on_a_narrow_screen() {
        let s = import(&synth::postgres_schema(120), Some(Dialect::Postgres)).schema;
        let t = &s.tables[0];
        let (w, h) = card_size(t, Density::Names);
        assert_eq!(h, HEADER * 1.2);
        assert!(w < card_size(t, Density::Columns).0 * 2.0);
        assert!(visible_columns(t, Density::Names).is_empty());
        // The same schema on a wide and on a tall screen: each picture takes the screen's shape.
        let aspect = |screen| {
            let b = bounds(layout_for(&s, Density::Keys, screen).values().copied()).expect("bounds");
            b.w / b.h
        };
        let (wide, tall) = (aspect((1600.0, 600.0)), aspect((600.0, 1200.0)));
        assert!(wide > tall * 1.5, "wide screen {wide:.2}, tall screen {tall:.2}");
    }

    #[test]
    fn cycles_and_self_references_still_lay_out() {
        let s = import(
            "CREATE TABLE a (id int PRIMARY KEY, b_id int, parent_id int REFERENCES a (id));\n\
             CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));\n\
             ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);",
            Some(Dialect::Postgres),
        )
        .schema;
        assert_eq!(layout(&s, Density::Columns).len(), 2);
    }
}
