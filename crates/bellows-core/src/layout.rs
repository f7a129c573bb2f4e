//! The automatic ER layout: deterministic (the same schema gives the same picture), layered by
//! references (a referenced table sits left of the tables that point at it), ordered within a
//! layer to shorten edges, tall layers wrapped into several columns, and tables with no
//! relation set apart in a grid below.
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
const MAX_COLUMN_HEIGHT: f64 = 2200.0;

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
}

/// The columns a card shows: all, or only key and reference columns when collapsed.
pub fn visible_columns(table: &Table, collapsed: bool) -> Vec<usize> {
    (0..table.columns.len())
        .filter(|&i| {
            let name = &table.columns[i].name;
            !collapsed || table.is_primary_key(name) || table.foreign_keys_of(name).next().is_some()
        })
        .collect()
}

/// Width and height of a table's card.
pub fn card_size(table: &Table, collapsed: bool) -> (f64, f64) {
    let rows = visible_columns(table, collapsed);
    let widest_row = rows
        .iter()
        .map(|&i| {
            let c = &table.columns[i];
            // name, a gap, the type, and room for the marks (PK, FK, NN, UQ).
            c.name.chars().count() + c.data_type.spelling.chars().count().min(28) + 9
        })
        .max()
        .unwrap_or(0);
    let widest = widest_row.max(table.qualified_name().chars().count() + 2);
    let w = (widest as f64 * CHAR + 2.0 * PAD).clamp(150.0, 420.0);
    let h = HEADER + rows.len().max(1) as f64 * ROW + 6.0;
    (w, h)
}

/// The y of a column's row centre, relative to the card's top (None when hidden).
pub fn row_centre(table: &Table, column: usize, collapsed: bool) -> Option<f64> {
    let rows = visible_columns(table, collapsed);
    rows.iter().position(|&i| i == column).map(|p| HEADER + p as f64 * ROW + ROW / 2.0)
}

/// Positions for every table of the schema.
pub fn layout(schema: &Schema, collapsed: bool) -> BTreeMap<TableId, Rect> {
    let n = schema.tables.len();
    let index_of =
        |name: &str| -> Option<usize> {
            schema.tables.iter().position(|t| same_name(&t.qualified_name(), name)).or_else(|| {
                schema.tables.iter().position(|t| same_name(&t.name, name.rsplit('.').next().unwrap_or(name)))
            })
        };
    // parents[i]: tables that table i references (no self references, no duplicates).
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut related = vec![false; n];
    for (i, t) in schema.tables.iter().enumerate() {
        for fk in &t.foreign_keys {
            if let Some(p) = index_of(&fk.ref_table) {
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
    for _ in 0..n.min(64) {
        let mut changed = false;
        for i in 0..n {
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
    let layers_count = (0..n).filter(|&i| related[i]).map(|i| level[i] + 1).max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layers_count];
    for i in (0..n).filter(|&i| related[i]) {
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
            let neighbours = |i: usize| -> Vec<usize> {
                if sweep % 2 == 0 {
                    parents[i].clone()
                } else {
                    children[i].clone()
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
    let mut out = BTreeMap::new();
    let mut x = 0.0;
    let mut bottom: f64 = 0.0;
    for layer in &layers {
        let mut y = 0.0;
        let mut column_width: f64 = 0.0;
        for &i in layer {
            let (w, h) = card_size(&schema.tables[i], collapsed);
            if y > 0.0 && y + h > MAX_COLUMN_HEIGHT {
                x += column_width + GAP_X;
                y = 0.0;
                column_width = 0.0;
            }
            out.insert(schema.tables[i].id, Rect { x, y, w, h });
            y += h + GAP_Y;
            column_width = column_width.max(w);
            bottom = bottom.max(y);
        }
        x += column_width + GAP_X;
    }
    // Tables with no relation: a grid below (or alone, when nothing is related).
    let loose: Vec<usize> = (0..n).filter(|&i| !related[i]).collect();
    let width = x.max(1200.0);
    let (mut gx, mut gy, mut row_height): (f64, f64, f64) =
        (0.0, if out.is_empty() { 0.0 } else { bottom + GAP_Y * 2.0 }, 0.0);
    for i in loose {
        let (w, h) = card_size(&schema.tables[i], collapsed);
        if gx > 0.0 && gx + w > width {
            gx = 0.0;
            gy += row_height + GAP_Y;
            row_height = 0.0;
        }
        out.insert(schema.tables[i].id, Rect { x: gx, y: gy, w, h });
        gx += w + GAP_X / 2.0;
        row_height = row_height.max(h);
    }
    out
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
        let l = layout(&s, false);
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
        let a = layout(&s, false);
        assert_eq!(a, layout(&s, false));
        assert_eq!(a.len(), 300);
        let rects: Vec<Rect> = a.values().copied().collect();
        for (i, r) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!r.intersects(b));
            }
        }
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
        assert_eq!(layout(&s, false).len(), 2);
    }
}
