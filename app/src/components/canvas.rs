//! The ER canvas (SVG): a card per table with its columns and marks, foreign-key edges from the
//! column row to the referenced column, pan, zoom, drag, select, search, connect a column to
//! another table's column to add a foreign key. Only cards on screen are in the DOM.

use crate::browser;
use crate::engine::{Reply, Request};
use crate::state::{Studio, Tab, ViewMode};
use bellows_core::edit::{display, Display, Edit, Mark};
use bellows_core::layout::{self, Density, Rect, CHAR, HEADER, PAD, ROW};
use bellows_core::{ColumnId, TableId};
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use wasm_bindgen::JsCast;

#[derive(Debug, Clone, PartialEq)]
struct RowData {
    column: ColumnId,
    name: String,
    data_type: String,
    mark: Mark,
    key: &'static str,
    flags: String,
}

#[derive(Debug, Clone, PartialEq)]
struct CardData {
    id: TableId,
    hash: u64,
    name: String,
    mark: Mark,
    w: f64,
    h: f64,
    /// The title's size against a card's (names alone are drawn larger).
    scale: f64,
    rows: Vec<RowData>,
}

#[derive(Debug, Clone, PartialEq)]
struct EdgeData {
    key: String,
    from: TableId,
    from_y: f64,
    to: TableId,
    to_y: f64,
    mark: Mark,
    /// Spreads edges that share a pair of tables, so distinct relations do not read as one.
    lane: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    table: TableId,
    start: (f64, f64),
    now: (f64, f64),
    origin: (f64, f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Connect {
    table: TableId,
    column: ColumnId,
    from: (f64, f64),
    now: (f64, f64),
}

fn mark_class(mark: Mark) -> &'static str {
    match mark {
        Mark::Same => "same",
        Mark::Added => "added",
        Mark::Removed => "removed",
        Mark::Changed => "changed",
    }
}

/// The cards to draw, shared (`Arc`) so that panning, which re-selects the cards on screen,
/// copies pointers rather than every row's text.
fn cards(d: &Display, density: Density) -> Vec<Arc<CardData>> {
    d.schema
        .tables
        .iter()
        .map(|t| {
            let (w, h) = layout::card_size(t, density);
            let rows: Vec<RowData> = layout::visible_columns(t, density)
                .into_iter()
                .map(|i| {
                    let c = &t.columns[i];
                    let pk = t.is_primary_key(&c.name);
                    let fk = t.foreign_keys_of(&c.name).next().is_some();
                    let mut flags = Vec::new();
                    if !c.nullable && !pk {
                        flags.push("NN");
                    }
                    if t.is_unique(&c.name) {
                        flags.push("UQ");
                    }
                    RowData {
                        column: c.id,
                        name: c.name.clone(),
                        data_type: c.data_type.spelling.to_lowercase().chars().take(28).collect(),
                        mark: d.columns.get(&c.id).copied().unwrap_or(Mark::Same),
                        key: match (pk, fk) {
                            (true, true) => "PF",
                            (true, false) => "PK",
                            (false, true) => "FK",
                            _ => "",
                        },
                        flags: flags.join(" "),
                    }
                })
                .collect();
            let mark = d.tables.get(&t.id).copied().unwrap_or(Mark::Same);
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (t.qualified_name(), mark_class(mark), w as u64).hash(&mut hasher);
            for r in &rows {
                (&r.name, &r.data_type, mark_class(r.mark), r.key, &r.flags).hash(&mut hasher);
            }
            let scale = density.title_scale();
            Arc::new(CardData { id: t.id, hash: hasher.finish(), name: t.qualified_name(), mark, w, h, scale, rows })
        })
        .collect()
}

fn edges(d: &Display, base: &bellows_core::Schema, density: Density) -> Vec<EdgeData> {
    let mut out = Vec::new();
    let mut lanes: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for t in &d.schema.tables {
        for fk in &t.foreign_keys {
            let Some(parent) = d.schema.find_table(&fk.ref_table) else { continue };
            let Some(ci) =
                fk.columns.first().and_then(|c| t.columns.iter().position(|x| x.name.eq_ignore_ascii_case(c)))
            else {
                continue;
            };
            let ref_col = fk
                .ref_columns
                .first()
                .cloned()
                .or_else(|| parent.primary_key.as_ref().and_then(|k| k.columns.first().cloned()));
            let pi =
                ref_col.and_then(|c| parent.columns.iter().position(|x| x.name.eq_ignore_ascii_case(&c))).unwrap_or(0);
            // A hidden row's edge meets the header's middle; a plate's (names only), the plate's.
            let middle = |x: &bellows_core::Table| {
                if density == Density::Names {
                    layout::card_size(x, density).1 / 2.0
                } else {
                    HEADER / 2.0
                }
            };
            let from_y = layout::row_centre(t, ci, density).unwrap_or_else(|| middle(t));
            let to_y = layout::row_centre(parent, pi, density).unwrap_or_else(|| middle(parent));
            // The same foreign key in the base: from the same column (by id) to the same table (by id).
            let column_id = t.columns[ci].id;
            let existed = base.table(t.id).is_some_and(|b| {
                b.foreign_keys.iter().any(|x| {
                    x.columns.first().and_then(|c| b.column(c)).is_some_and(|c| c.id == column_id)
                        && base.find_table(&x.ref_table).is_some_and(|p| p.id == parent.id)
                })
            });
            let table_mark = d.tables.get(&t.id).copied().unwrap_or(Mark::Same);
            let mark = if table_mark == Mark::Removed || d.columns.get(&t.columns[ci].id) == Some(&Mark::Removed) {
                Mark::Removed
            } else if existed {
                Mark::Same
            } else {
                Mark::Added
            };
            let lane = lanes.entry((t.id.0, parent.id.0)).or_default();
            out.push(EdgeData {
                key: format!("{}-{}-{}-{}", t.id.0, fk.columns.join(","), parent.id.0, mark_class(mark)),
                from: t.id,
                from_y,
                to: parent.id,
                to_y,
                mark,
                lane: *lane,
            });
            *lane += 1;
        }
    }
    out
}

/// A cubic curve from the child's row to the parent's row, leaving and entering at the sides
/// that face each other.
fn edge_path(a: Rect, ay: f64, b: Rect, by: f64, lane: usize) -> String {
    let spread = 18.0 + lane as f64 * 14.0;
    let (sx, ex, dir) = if b.right() + 20.0 < a.x {
        (a.x, b.right(), -1.0)
    } else if a.right() + 20.0 < b.x {
        (a.right(), b.x, 1.0)
    } else {
        // Overlapping columns: leave and enter on the right, looping out.
        (a.right(), b.right(), 0.0)
    };
    let (y1, y2) = (a.y + ay, b.y + by);
    if dir == 0.0 {
        let out = a.right().max(b.right()) + 30.0 + spread;
        return format!("M{sx:.1},{y1:.1} C{out:.1},{y1:.1} {out:.1},{y2:.1} {ex:.1},{y2:.1}");
    }
    let dx = ((ex - sx).abs() / 2.0).max(40.0) + spread - 18.0;
    // A long edge bows upwards (more for each further lane), so it does not run level
    // through the cards between its ends and read as a relation of theirs.
    let span = (ex - sx).abs();
    let bow = if span > 220.0 { (span * 0.18).min(160.0) + lane as f64 * 12.0 } else { 0.0 };
    format!(
        "M{sx:.1},{y1:.1} C{:.1},{:.1} {:.1},{:.1} {ex:.1},{y2:.1}",
        sx + dir * dx,
        y1 - bow,
        ex - dir * dx,
        y2 - bow
    )
}

/// The largest PNG side and area a browser's canvas draws reliably (Chromium refuses past 32,767
/// px a side and about 268 million pixels; these stay well inside).
const MAX_SIDE: f64 = 16_000.0;
const MAX_PIXELS: f64 = 120_000_000.0;

#[component]
pub fn Canvas(studio: Studio) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let size = RwSignal::new((1000.0f64, 700.0f64));
    // The canvas's shape, in steps of 50 px, for the layout: set only when it changes, so that
    // measuring (every Fit, every resize event) lays nothing out again unless the shape moved.
    let quantize = |(w, h): (f64, f64)| ((w / 50.0).round() * 50.0, (h / 50.0).round() * 50.0);
    let screen = RwSignal::new(quantize((1000.0, 700.0)));
    let pan = RwSignal::new((40.0f64, 40.0f64));
    let zoom = RwSignal::new(1.0f64);
    let drag = RwSignal::new(None::<Drag>);
    let connect = RwSignal::new(None::<Connect>);
    let panning = StoredValue::new(None::<((f64, f64), (f64, f64))>);
    let search = RwSignal::new(String::new());

    // The schema after a stage of the plan (the step-through views), asked of the engine for
    // the analysis on screen: (stage, the analysis's plan step count, schema).
    let after_stage = RwSignal::new(None::<(usize, bellows_core::Schema)>);
    Effect::new(move |_| {
        let ViewMode::AfterStage(stage) = studio.view.get() else { return };
        studio.analysis.track();
        studio.ask(Request::AfterStage { design: studio.design_for_engine().into(), stage }, move |reply| {
            if let Reply::Schema(schema) = reply {
                if studio.view.get_untracked() == ViewMode::AfterStage(stage) {
                    after_stage.set(Some((stage, *schema)));
                }
            }
        });
    });
    let display = Memo::new(move |_| {
        let view = studio.view.get();
        studio.analysis.with(|a| match view {
            ViewMode::Target => display(&a.base.schema, &a.target),
            ViewMode::Base => display(&a.base.schema, &a.base.schema),
            // Until the engine answers, the base: nothing of the stage has run yet.
            ViewMode::AfterStage(k) => after_stage.with(|s| match s {
                Some((at, schema)) if *at == k => display(&a.base.schema, schema),
                _ => display(&a.base.schema, &a.base.schema),
            }),
        })
    });
    let edge_list = Memo::new(move |_| {
        let density = studio.density.get();
        studio.analysis.with(|a| display.with(|d| edges(d, &a.base.schema, density)))
    });

    // Focus: the selected table and its neighbours within N foreign-key hops (either way), the
    // rest hidden; how a big schema is read one neighbourhood at a time.
    let focus_hops = RwSignal::new(0usize);
    // The table focused on: the last one selected (clearing the selection, as a click on the
    // background does, keeps the focus).
    let focus_centre = RwSignal::new(None::<TableId>);
    Effect::new(move |_| {
        if let Some(t) = studio.selected.get() {
            focus_centre.set(Some(t));
        }
    });
    // The filter: name patterns (`*` and `?` wildcards, `!` to leave out, several separated by
    // commas or spaces) and one namespace; together with focus they pick the tables shown.
    let filter_text = RwSignal::new(String::new());
    let filter_namespace = RwSignal::new(None::<String>);
    let namespaces = Memo::new(move |_| {
        display.with(|d| {
            let mut all: Vec<String> = d
                .schema
                .tables
                .iter()
                .map(|t| t.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.into()))
                .collect();
            all.sort();
            all.dedup();
            all
        })
    });
    let focused = Memo::new(move |_| {
        let hops = focus_hops.get();
        let near = focus_centre.get().filter(|_| hops > 0).map(|c| edge_list.with(|es| neighbourhood(c, hops, es)));
        let filter = Filter::parse(&filter_text.get());
        let namespace = filter_namespace.get();
        if filter.is_none() && namespace.is_none() {
            return near;
        }
        let matching = display.with(|d| {
            d.schema
                .tables
                .iter()
                .filter(|t| {
                    namespace.as_deref().is_none_or(|n| t.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE) == n)
                })
                .filter(|t| filter.as_ref().is_none_or(|f| f.matches(&t.name, &t.qualified_name())))
                .map(|t| t.id)
                .collect::<std::collections::HashSet<_>>()
        });
        Some(match near {
            Some(near) => near.intersection(&matching).copied().collect(),
            None => matching,
        })
    });
    let shown_count = move || focused.with(|f| f.as_ref().map(|s| s.len()));
    let shown = move |id: TableId| focused.with(|f| f.as_ref().is_none_or(|s| s.contains(&id)));
    // The automatic layout comes from the base as imported, so editing never moves a table
    // the user already sees; tables the edits add stand in a column to the right.
    let base_layout = Memo::new(move |_| {
        let density = studio.density.get();
        let focus = focused.get();
        studio.analysis.with(|a| match focus {
            // Focused, the neighbourhood is laid out on its own, compact, as a small schema is.
            Some(set) => {
                let mut near = a.base.schema.clone();
                near.tables.retain(|t| set.contains(&t.id));
                layout::layout_for(&near, density, screen.get())
            }
            None => layout::layout_for(&a.base.schema, density, screen.get()),
        })
    });
    let auto = Memo::new(move |_| {
        let density = studio.density.get();
        base_layout.with(|base| {
            display.with(|d| {
                let mut out = std::collections::BTreeMap::new();
                // New tables: a row under the base, so their edges run up to what they
                // reference instead of through the cards in between.
                let bounds = layout::bounds(base.values().copied());
                let (mut x, top) = bounds.map_or((0.0, 0.0), |b| (b.x, b.bottom() + 70.0));
                for t in &d.schema.tables {
                    let (w, h) = layout::card_size(t, density);
                    match base.get(&t.id) {
                        Some(r) => {
                            out.insert(t.id, Rect { w, h, ..*r });
                        }
                        None => {
                            out.insert(t.id, Rect { x, y: top, w, h });
                            x += w + 45.0;
                        }
                    }
                }
                out
            })
        })
    });
    let card_list = Memo::new(move |_| {
        let density = studio.density.get();
        display.with(|d| cards(d, density))
    });
    // Where a table rests: placed by hand, else the automatic layout.
    let rect_at_rest = move |id: TableId| -> Option<Rect> {
        let r = auto.with(|a| a.get(&id).copied())?;
        // Tables placed by hand keep their places, except in a focused view's own layout.
        let placed =
            if focused.with(Option::is_some) { None } else { studio.positions.with(|p| p.get(&id.0).copied()) };
        let (x, y) = placed.unwrap_or((r.x, r.y));
        Some(Rect { x, y, ..r })
    };
    // Where a table is drawn: at rest, or moved by the drag in progress when it is the one
    // dragged. A selector on the dragged table's id tells each card and edge whether it is
    // concerned, so only the dragged table's card and edges follow the pointer: the others
    // hear of a drag when it starts and ends, not at every move (with a memo each, a move woke
    // a thousand cards and their edges: 44 ms a frame at 1,012 tables).
    // (The selector compares the id itself and notifies only when it changes.)
    let is_dragged = StoredValue::new(Selector::new(move || drag.with(|d| d.map(|d| d.table))));
    let rect_of = move |id: TableId| -> Option<Rect> {
        let mut r = rect_at_rest(id)?;
        if is_dragged.with_value(|s| s.selected(&Some(id))) {
            if let Some(d) = drag.get() {
                let z = zoom.get_untracked();
                r.x = d.origin.0 + (d.now.0 - d.start.0) / z;
                r.y = d.origin.1 + (d.now.1 - d.start.1) / z;
            }
        }
        Some(r)
    };

    let measure = move || {
        if let Some(el) = container.get_untracked() {
            let r = el.get_bounding_client_rect();
            let now = (r.width(), r.height());
            if now.0 > 0.0 && size.get_untracked() != now {
                size.set(now);
                if screen.get_untracked() != quantize(now) {
                    screen.set(quantize(now));
                }
            }
        }
    };
    let fit = move || {
        measure();
        let rects: Vec<Rect> = card_list
            .with_untracked(|cs| cs.iter().filter(|c| shown(c.id)).filter_map(|c| rect_at_rest(c.id)).collect());
        if let Some(b) = layout::bounds(rects) {
            let (w, h) = size.get_untracked();
            let z = ((w - 60.0) / b.w).min((h - 60.0) / b.h).clamp(0.02, 1.2);
            zoom.set(z);
            pan.set(((w - b.w * z) / 2.0 - b.x * z, (h - b.h * z) / 2.0 - b.y * z));
        }
    };
    // Fit, when a new base arrives (a scenario, a link, a paste), the cards change size or the
    // canvas changes shape, once it is laid out. (A big schema's overview density comes with its
    // analysis: `Studio::overview`.)
    let fitted_for = StoredValue::new((String::new(), Density::Columns, (0.0, 0.0)));
    Effect::new(move |_| {
        let now = (studio.analysed_source.get(), studio.density.get(), screen.get());
        auto.track();
        if fitted_for.with_value(|f| *f != now) {
            request_animation_frame(fit);
        }
        fitted_for.set_value(now);
    });
    let _resize = window_event_listener(ev::resize, move |_| measure());
    // Focusing (or leaving focus) fits what is shown.
    Effect::new(move |previous: Option<()>| {
        focused.track();
        if previous.is_some() {
            request_animation_frame(fit);
        }
    });

    let to_world = move |cx: f64, cy: f64| -> (f64, f64) {
        let origin =
            container.get_untracked().map(|e| e.get_bounding_client_rect()).map_or((0.0, 0.0), |r| (r.left(), r.top()));
        let (px, py) = pan.get_untracked();
        let z = zoom.get_untracked();
        ((cx - origin.0 - px) / z, (cy - origin.1 - py) / z)
    };

    // Cards in a window around the screen, so that hundreds of tables stay smooth. The window
    // is the screen grown by half its size on each side, and it moves only when the screen
    // leaves it or it holds far more than the screen (after zooming in): a pan changes the DOM
    // once per half screen it travels, not at every frame, so that panning mostly moves a layer.
    let cull = Memo::new(move |previous: Option<&Rect>| {
        let (w, h) = size.get();
        let (px, py) = pan.get();
        let z = zoom.get().max(0.001);
        cull_window(previous.copied(), Rect { x: -px / z, y: -py / z, w: w / z, h: h / z })
    });
    let visible = Memo::new(move |_| {
        let view = cull.get();
        card_list.with(|cs| {
            cs.iter()
                .filter(|c| shown(c.id) && rect_at_rest(c.id).is_some_and(|r| r.intersects(&view)))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // The minimap: every card shown, at rest, scaled into a small box, and the window on it.
    // One path per mark, so a thousand tables cost four elements, not a thousand.
    let minimap = Memo::new(move |_| {
        let cards: Vec<(Rect, Mark)> = card_list.with(|cs| {
            cs.iter().filter(|c| shown(c.id)).filter_map(|c| rect_at_rest(c.id).map(|r| (r, c.mark))).collect()
        });
        if cards.len() < MINIMAP_TABLES {
            return None;
        }
        let b = layout::bounds(cards.iter().map(|(r, _)| *r))?;
        let scale = (MINIMAP_SIZE.0 / b.w).min(MINIMAP_SIZE.1 / b.h);
        let mut paths: BTreeMap<&'static str, String> = BTreeMap::new();
        for (r, mark) in &cards {
            let d = paths.entry(mark_class(*mark)).or_default();
            let _ = write!(
                d,
                "M{:.1},{:.1}h{:.1}v{:.1}h{:.1}z",
                (r.x - b.x) * scale,
                (r.y - b.y) * scale,
                (r.w * scale).max(1.0),
                (r.h * scale).max(1.0),
                -(r.w * scale).max(1.0)
            );
        }
        Some(Minimap {
            origin: (b.x, b.y),
            scale,
            size: (b.w * scale, b.h * scale),
            paths: paths.into_iter().collect(),
        })
    });
    // The window on the minimap: (x, y, w, h) in its pixels.
    let minimap_window = move || {
        minimap.with(|m| {
            m.as_ref().map(|m| {
                let ((w, h), (px, py), z) = (size.get(), pan.get(), zoom.get().max(0.001));
                let (x, y) = ((-px / z - m.origin.0) * m.scale, (-py / z - m.origin.1) * m.scale);
                (x, y, w / z * m.scale, h / z * m.scale)
            })
        })
    };
    // A press or a drag on the minimap centres the canvas on that point.
    let minimap_dragging = StoredValue::new(false);
    let centre_on_minimap = move |e: &ev::PointerEvent| {
        let Some((origin, scale)) = minimap.with_untracked(|m| m.as_ref().map(|m| (m.origin, m.scale))) else { return };
        let (wx, wy) = (origin.0 + f64::from(e.offset_x()) / scale, origin.1 + f64::from(e.offset_y()) / scale);
        let ((w, h), z) = (size.get_untracked(), zoom.get_untracked());
        pan.set((w / 2.0 - wx * z, h / 2.0 - wy * z));
    };
    // Far out, cards show their names only: thousands of unreadable text nodes would cost
    // frames and say nothing.
    let detailed = Memo::new(move |_| zoom.get() >= 0.35);
    let visible_edges = Memo::new(move |_| {
        let on_screen: std::collections::HashSet<TableId> = visible.with(|v| v.iter().map(|c| c.id).collect());
        edge_list.with(|es| {
            es.iter()
                .filter(|e| on_screen.contains(&e.from) || on_screen.contains(&e.to))
                .filter(|e| shown(e.from) && shown(e.to))
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    let zoom_by = move |factor: f64, at: Option<(f64, f64)>| {
        let (w, h) = size.get_untracked();
        let (cx, cy) = at.unwrap_or((w / 2.0, h / 2.0));
        let z0 = zoom.get_untracked();
        let z1 = (z0 * factor).clamp(0.02, 3.0);
        let (px, py) = pan.get_untracked();
        pan.set((cx - (cx - px) * z1 / z0, cy - (cy - py) * z1 / z0));
        zoom.set(z1);
    };
    let on_wheel = move |e: ev::WheelEvent| {
        e.prevent_default();
        let origin = container
            .get_untracked()
            .map(|el| el.get_bounding_client_rect())
            .map_or((0.0, 0.0), |r| (r.left(), r.top()));
        let factor = (-e.delta_y() * 0.0015).exp();
        zoom_by(factor, Some((e.client_x() as f64 - origin.0, e.client_y() as f64 - origin.1)));
    };
    let on_pointer_down = move |e: ev::PointerEvent| {
        if e.button() != 0 {
            return;
        }
        let target: Option<web_sys::Element> = e.target().and_then(|t| t.dyn_into().ok());
        let Some(target) = target else { return };
        let cxy = (e.client_x() as f64, e.client_y() as f64);
        let attr =
            |name: &str| target.closest(&format!("[{name}]")).ok().flatten().and_then(|el| el.get_attribute(name));
        let table = attr("data-table-id").and_then(|v| v.parse::<u32>().ok()).map(TableId);
        if let (Some(t), Some(c)) = (
            target.get_attribute("data-handle-table").and_then(|v| v.parse::<u32>().ok()),
            target.get_attribute("data-handle-column").and_then(|v| v.parse::<u32>().ok()),
        ) {
            let w = to_world(cxy.0, cxy.1);
            connect.set(Some(Connect { table: TableId(t), column: ColumnId(c), from: w, now: w }));
        } else if let Some(t) = table {
            studio.merge_into.set(None);
            studio.selected.set(Some(t));
            studio.selected_column.set(attr("data-column-id").and_then(|v| v.parse::<u32>().ok()).map(ColumnId));
            studio.tab.set(Tab::Table);
            // A focused view has a layout of its own: moving a card there would place it in the
            // whole schema where it makes no sense, so cards stay put until focus is left.
            let focusing = focused.with_untracked(Option::is_some);
            if let Some(r) = rect_at_rest(t).filter(|_| !focusing) {
                drag.set(Some(Drag { table: t, start: cxy, now: cxy, origin: (r.x, r.y) }));
            }
        } else {
            studio.selected.set(None);
            panning.set_value(Some((cxy, pan.get_untracked())));
        }
        if let Some(el) = container.get_untracked() {
            let _ = el.set_pointer_capture(e.pointer_id());
        }
    };
    let on_pointer_move = move |e: ev::PointerEvent| {
        let cxy = (e.client_x() as f64, e.client_y() as f64);
        if let Some(dragged) = drag.with_untracked(|d| d.map(|d| d.table)) {
            drag.update(|d| {
                if let Some(d) = d {
                    d.now = cxy;
                }
            });
            // The card under the pointer, if any: dropped there, the dragged table may merge
            // into it (the target view only, where edits are made).
            if !studio.read_only.get_untracked() && studio.view.get_untracked() == ViewMode::Target {
                let w = to_world(cxy.0, cxy.1);
                let under = card_list.with_untracked(|cs| {
                    cs.iter()
                        .filter(|c| c.id != dragged && shown(c.id))
                        .find(|c| {
                            rect_at_rest(c.id).is_some_and(|r| r.contains(&Rect { x: w.0, y: w.1, w: 0.0, h: 0.0 }))
                        })
                        .map(|c| c.id)
                });
                if studio.drop_target.get_untracked() != under {
                    studio.drop_target.set(under);
                }
            }
        } else if connect.with_untracked(Option::is_some) {
            let w = to_world(cxy.0, cxy.1);
            connect.update(|c| {
                if let Some(c) = c {
                    c.now = w;
                }
            });
        } else if let Some((start, origin)) = panning.get_value() {
            pan.set((origin.0 + cxy.0 - start.0, origin.1 + cxy.1 - start.1));
        }
    };
    let on_pointer_up = move |e: ev::PointerEvent| {
        panning.set_value(None);
        if let Some(d) = drag.get_untracked() {
            drag.set(None);
            let moved = (d.now.0 - d.start.0).abs() + (d.now.1 - d.start.1).abs() > 3.0;
            let over = studio.drop_target.get_untracked();
            if over.is_some() {
                studio.drop_target.set(None);
            }
            if let (Some(into), true) = (over, moved) {
                // Dropped on another table: the card goes back, and the inspector offers the
                // merge (nothing changes until the user confirms it there).
                if studio.selected.get_untracked() != Some(d.table) {
                    studio.selected.set(Some(d.table));
                }
                studio.merge_into.set(Some((d.table, into)));
                if studio.tab.get_untracked() != Tab::Table {
                    studio.tab.set(Tab::Table);
                }
            } else if moved && !studio.read_only.get_untracked() {
                let z = zoom.get_untracked();
                let mut p = studio.positions.get_untracked();
                p.insert(
                    d.table.0,
                    (
                        (d.origin.0 + (d.now.0 - d.start.0) / z).round(),
                        (d.origin.1 + (d.now.1 - d.start.1) / z).round(),
                    ),
                );
                studio.place(p);
            }
        }
        if let Some(c) = connect.get_untracked() {
            connect.set(None);
            // The row under the pointer, found through the document (the capture hides it).
            let hit = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.element_from_point(e.client_x() as f32, e.client_y() as f32))
                .and_then(|el| el.closest("[data-column-id]").ok().flatten());
            if let Some(row) = hit {
                let t = row
                    .closest("[data-table-id]")
                    .ok()
                    .flatten()
                    .and_then(|g| g.get_attribute("data-table-id"))
                    .and_then(|v| v.parse::<u32>().ok());
                let col = row.get_attribute("data-column-id").and_then(|v| v.parse::<u32>().ok());
                if let (Some(t), Some(col)) = (t, col) {
                    if t != c.table.0 || col != c.column.0 {
                        studio.edit(Edit::AddForeignKey {
                            table: c.table,
                            column: c.column,
                            ref_table: TableId(t),
                            ref_column: ColumnId(col),
                        });
                        studio.selected.set(Some(c.table));
                    }
                }
            }
        }
    };

    let jump = move || {
        let q = search.get_untracked().trim().to_ascii_lowercase();
        if q.is_empty() {
            return;
        }
        let found = card_list.with_untracked(|cs| {
            cs.iter()
                .find(|c| c.name.to_ascii_lowercase() == q)
                .or_else(|| cs.iter().find(|c| c.name.to_ascii_lowercase().contains(&q)))
                .map(|c| c.id)
        });
        match found.and_then(|id| rect_at_rest(id).map(|r| (id, r))) {
            Some((id, r)) => {
                measure();
                let (w, h) = size.get_untracked();
                let z = zoom.get_untracked().max(0.8);
                zoom.set(z);
                pan.set((w / 2.0 - (r.x + r.w / 2.0) * z, h / 2.0 - (r.y + r.h / 2.0) * z));
                studio.selected.set(Some(id));
                studio.tab.set(Tab::Table);
            }
            None => studio.notice.set(Some(format!("No table matches \u{201c}{}\u{201d}.", search.get_untracked()))),
        }
    };

    // The diagram as a picture: every card at full size, where the canvas has it at rest:
    // (SVG, its size). The plan's zip asks for it too.
    // `only_in_view`: the tables the canvas shows in its window now, rather than all of them.
    let diagram = move |only_in_view: bool| {
        use bellows_core::render::picture::{diagram_svg, picture_size};
        let at_rest: BTreeMap<TableId, Rect> =
            card_list.with_untracked(|cs| cs.iter().filter_map(|c| rect_at_rest(c.id).map(|r| (c.id, r))).collect());
        // The window in the canvas's own coordinates.
        let ((w, h), (px, py), z) = (size.get_untracked(), pan.get_untracked(), zoom.get_untracked().max(0.01));
        let (x0, y0, x1, y1) = (-px / z, -py / z, (w - px) / z, (h - py) / z);
        let seen = |r: &Rect| r.x < x1 && r.right() > x0 && r.y < y1 && r.y + r.h > y0;
        // Cards drawn smaller than full size on the canvas (keys or names only) would overlap at
        // full size: the picture then takes the automatic layout of full cards (of those in
        // view alone, when only they are wanted).
        let mut rects: BTreeMap<TableId, Rect> = if studio.density.get_untracked() == Density::Columns {
            at_rest.clone()
        } else {
            display.with_untracked(|d| {
                let mut drawn = d.schema.clone();
                if only_in_view {
                    drawn.tables.retain(|t| at_rest.get(&t.id).is_some_and(seen));
                }
                layout::layout(&drawn, Density::Columns)
            })
        };
        if only_in_view {
            rects.retain(|id, _| at_rest.get(id).is_some_and(seen));
        }
        let (tables, changes) = studio.analysis.with_untracked(|a| (a.target.tables.len(), a.plan.changes.len()));
        let title = match studio.view.get_untracked() {
            ViewMode::Target if changes > 0 => {
                format!("Target schema: {tables} tables, {changes} change{}", if changes == 1 { "" } else { "s" })
            }
            ViewMode::Base => format!("Base schema: {tables} tables"),
            ViewMode::AfterStage(k) => format!("After {}", ["Expand", "Backfill", "Switch", "Contract"][k.min(3)]),
            _ => format!("Schema: {tables} tables"),
        };
        let title = if only_in_view { format!("{title} (part shown)") } else { title };
        let svg = display.with_untracked(|d| diagram_svg(d, &rects, &title));
        (svg, picture_size(&rects), rects.len())
    };
    studio.picture.set_value(Some(Callback::new(move |()| diagram(false).0)));
    on_cleanup(move || studio.picture.set_value(None));
    let picture = move |choice: String| {
        let (in_view, choice) = match choice.strip_prefix("view-") {
            Some(c) => (true, c.to_string()),
            None => (false, choice),
        };
        let (svg, (w, h), drawn) = diagram(in_view);
        if drawn == 0 {
            studio.notice.set(Some("No table is in view: move the canvas to some, or take the whole diagram.".into()));
            return;
        }
        if choice == "svg" {
            browser::download("bellows-diagram.svg", "image/svg+xml", &svg);
            return;
        }
        // Twice the size for sharp text, less where the browser's canvas would refuse it.
        let scale = 2.0_f64.min(MAX_SIDE / w).min(MAX_SIDE / h).min((MAX_PIXELS / (w * h)).sqrt());
        if scale < 1.0 {
            studio.notice.set(Some(format!(
                "The diagram is {w:.0} \u{d7} {h:.0} px: the PNG is scaled to {:.0}% to stay within what a browser can draw. The SVG keeps every detail at full size.",
                scale * 100.0
            )));
        }
        let copy = choice == "copy";
        browser::svg_to_png(&svg, w, h, scale, move |png| match (png, copy) {
            (Some(png), false) => browser::download_url("bellows-diagram.png", &png),
            (Some(png), true) => {
                let copied = browser::copy_png(&png);
                studio.notice.set(Some(if copied {
                    "Diagram copied as an image: paste it into a chat or a document.".to_string()
                } else {
                    "This browser does not let pages put images on the clipboard: use PNG instead.".to_string()
                }));
            }
            (None, _) => {
                studio.notice.set(Some("The browser could not draw the diagram as a PNG: use SVG instead.".into()))
            }
        });
    };

    let add_table = move || {
        let (t, k) = studio.next_ids();
        let taken: Vec<String> =
            studio.analysis.with_untracked(|a| a.target.tables.iter().map(|t| t.name.to_ascii_lowercase()).collect());
        let name = (1..)
            .map(|n| if n == 1 { "new_table".to_string() } else { format!("new_table_{n}") })
            .find(|n| !taken.contains(n))
            .unwrap_or_default();
        studio.edit(Edit::AddTable { table: t, name, key: k });
        studio.selected.set(Some(t));
        studio.tab.set(Tab::Table);
        request_animation_frame(move || {
            if let Some(r) = rect_at_rest(t) {
                let (w, h) = size.get_untracked();
                let z = zoom.get_untracked();
                pan.set((w / 2.0 - (r.x + r.w / 2.0) * z, h / 2.0 - (r.y + r.h / 2.0) * z));
            }
        });
    };
    let tidy = move || {
        if !studio.positions.with_untracked(BTreeMap::is_empty) {
            studio.place(BTreeMap::new());
        }
        request_animation_frame(fit);
    };

    // Panning moves the whole picture, which is its own composited layer (`will-change`): a CSS
    // translate in whole pixels (sharp text) that the compositor applies without painting the
    // cards again. Zooming scales inside it, so the cards are drawn afresh at the new size. The
    // translate is on a div around the SVG, not on the SVG: Chromium lays out an SVG root's
    // whole content again when its own transform changes (60 ms a frame at 1,012 tables; on the
    // div, 16.7 ms).
    let pan_style = move || {
        let (x, y) = pan.get();
        format!("transform:translate({x:.0}px,{y:.0}px)")
    };
    let transform = move || format!("scale({:.4})", zoom.get());

    view! {
        <section class="canvas-panel" aria-label="Schema diagram">
            <div class="canvas-toolbar">
                <form class="search" on:submit=move |e: ev::SubmitEvent| { e.prevent_default(); jump(); }>
                    <input type="search" data-testid="table-search" placeholder="Find a table" aria-label="Find a table"
                        prop:value=move || search.get() on:input=move |e| search.set(event_target_value(&e)) />
                </form>
                <Show when=move || studio.busy.get()>
                    <span class="busy" role="status" data-testid="busy" title="The schema is being read and planned; the canvas stays usable">"Analysing\u{2026}"</span>
                </Show>
                <div class="group" role="group" aria-label="Zoom">
                    <button type="button" title="Zoom out" on:click=move |_| zoom_by(1.0 / 1.25, None)>"\u{2212}"</button>
                    <span class="zoom-level" data-testid="zoom-level">{move || format!("{:.0}%", zoom.get() * 100.0)}</span>
                    <button type="button" title="Zoom in" on:click=move |_| zoom_by(1.25, None)>"+"</button>
                    <button type="button" title="Fit the whole schema on screen" data-testid="fit" on:click=move |_| fit()>"Fit"</button>
                </div>
                <button type="button" data-testid="tidy" title="Back to the automatic layout (one undo step)" on:click=move |_| tidy()>"Tidy up"</button>
                <select data-testid="density" aria-label="What each table shows" title="What each table shows: every column, key and reference columns, or its name alone (a big schema's overview)"
                    on:change=move |e| studio.density.set(match event_target_value(&e).as_str() {
                        "keys" => Density::Keys,
                        "names" => Density::Names,
                        _ => Density::Columns,
                    })>
                    {move || {
                        let now = studio.density.get();
                        [("columns", "All columns", Density::Columns), ("keys", "Keys only", Density::Keys), ("names", "Names only", Density::Names)]
                            .map(|(value, label, d)| view! { <option value=value selected=d == now>{label}</option> })
                    }}
                </select>
                <select data-testid="focus" aria-label="Focus on the selected table"
                    title="Show only the selected table and the tables within so many foreign-key hops of it"
                    disabled=move || focus_centre.get().is_none() && focus_hops.get() == 0
                    on:change=move |e| focus_hops.set(event_target_value(&e).parse().unwrap_or(0))>
                    {move || {
                        let now = focus_hops.get();
                        [(0, "All tables"), (1, "Focus: 1 hop"), (2, "Focus: 2 hops"), (3, "Focus: 3 hops")]
                            .map(|(n, label)| view! { <option value=n.to_string() selected=n == now>{label}</option> })
                    }}
                </select>
                <input type="search" class="filter" data-testid="filter" aria-label="Filter the tables by name"
                    placeholder="Filter: name, acq.*, !*_log"
                    title="Show only the tables whose names match: a part of the name, or a pattern with * and ? (schema.table to name the schema); ! leaves matches out; several separated by commas"
                    prop:value=move || filter_text.get() on:input=move |e| filter_text.set(event_target_value(&e)) />
                <Show when=move || namespaces.with(|n| n.len() > 1)>
                    <select data-testid="namespace-filter" aria-label="Show one schema (namespace)"
                        on:change=move |e| {
                            let v = event_target_value(&e);
                            filter_namespace.set((!v.is_empty()).then_some(v));
                        }>
                        <option value="" selected=move || filter_namespace.get().is_none()>"All schemas"</option>
                        {move || namespaces.get().into_iter().map(|n| {
                            let selected = filter_namespace.get().as_deref() == Some(n.as_str());
                            view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                        }).collect_view()}
                    </select>
                </Show>
                {move || shown_count().map(|n| {
                    let all = display.with(|d| d.schema.tables.len());
                    view! { <span class="shown-count" data-testid="shown-count">{format!("{n} of {all} tables")}</span> }
                })}
                <select data-testid="view-mode" aria-label="What the canvas shows" on:change=move |e| {
                    let v = event_target_value(&e);
                    studio.view.set(match v.as_str() {
                        "base" => ViewMode::Base,
                        "0" | "1" | "2" | "3" => ViewMode::AfterStage(v.parse().unwrap_or(0)),
                        _ => ViewMode::Target,
                    });
                }>
                    {move || {
                        let now = studio.view.get();
                        [
                            ("target", "Target vs base", ViewMode::Target),
                            ("base", "Base only", ViewMode::Base),
                            ("0", "After Expand", ViewMode::AfterStage(0)),
                            ("1", "After Backfill", ViewMode::AfterStage(1)),
                            ("2", "After Switch", ViewMode::AfterStage(2)),
                            ("3", "After Contract", ViewMode::AfterStage(3)),
                        ]
                        .map(|(value, label, v)| view! { <option value=value selected=v == now>{label}</option> })
                    }}
                </select>
                <button type="button" class="primary" data-testid="add-table" disabled=move || studio.read_only.get() on:click=move |_| add_table()>"+ Table"</button>
                <select class="picture" data-testid="picture" aria-label="The diagram as a picture" title="The diagram as a picture, every table at full size: all of it, or the tables in view"
                    on:change=move |e| {
                        let el = event_target::<web_sys::HtmlSelectElement>(&e);
                        picture(el.value());
                        el.set_value("");
                    }>
                    <option value="" selected>"Picture\u{2026}"</option>
                    <optgroup label="The whole diagram">
                        <option value="svg">"Download SVG"</option>
                        <option value="png">"Download PNG"</option>
                        <option value="copy">"Copy image"</option>
                    </optgroup>
                    <optgroup label="What the canvas shows now">
                        <option value="view-svg">"Download SVG of this view"</option>
                        <option value="view-png">"Download PNG of this view"</option>
                        <option value="view-copy">"Copy image of this view"</option>
                    </optgroup>
                </select>
                <span class="legend">
                    <span class="added">"added"</span>
                    <span class="changed">"changed"</span>
                    <span class="removed">"removed"</span>
                    // Always laid out, shown only with a selection that has dependents: the
                    // toolbar keeps its height, so selecting a table never changes the canvas's
                    // shape (which refits it, and once undid a search's jump).
                    <span class="uses" title="Tables whose keys, views or triggers depend on the selected table or column"
                        style:visibility=move || if studio.highlight.with(|h| h.is_empty()) { "hidden" } else { "visible" }>"uses the selection"</span>
                </span>
            </div>
            <div class="canvas" node_ref=container data-testid="canvas"
                on:wheel=on_wheel on:pointerdown=on_pointer_down on:pointermove=on_pointer_move on:pointerup=on_pointer_up
                class:dragging=move || drag.with(Option::is_some) class:connecting=move || connect.with(Option::is_some)>
                <div class="diagram-layer" style=pan_style>
                <svg class="diagram" width="100%" height="100%">
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" class="arrow-head"></path>
                        </marker>
                    </defs>
                    <g transform=transform>
                        <g class="edges">
                            <For each=move || visible_edges.get() key=|e| e.key.clone() let(e)>
                                {
                                    let (from, to, fy, ty, lane) = (e.from, e.to, e.from_y, e.to_y, e.lane);
                                    let d = move || match (rect_of(from), rect_of(to)) {
                                        (Some(a), Some(b)) => edge_path(a, fy, b, ty, lane),
                                        _ => String::new(),
                                    };
                                    view! { <path class=format!("edge {}", mark_class(e.mark)) d=d marker-end="url(#arrow)"></path> }
                                }
                            </For>
                        </g>
                        <g class="cards">
                            <For each=move || { let d = detailed.get(); visible.get().into_iter().map(move |c| (d, c)).collect::<Vec<_>>() }
                                key=|(d, c)| (c.id, c.hash, *d) let((d, c))>
                                {
                                    let id = c.id;
                                    card_view(c, d, studio, move || rect_of(id))
                                }
                            </For>
                        </g>
                        {move || connect.get().map(|c| view! {
                            <line class="rubber-band" x1=c.from.0 y1=c.from.1 x2=c.now.0 y2=c.now.1></line>
                        })}
                    </g>
                </svg>
                </div>
                // Over another card, the dragged one would merge into it: said in a banner at the
                // top of the canvas, at a size that reads at any zoom.
                {move || studio.drop_target.get().and_then(|into| {
                    let d = drag.with_untracked(|d| *d)?;
                    let name = |id: TableId| card_list.with_untracked(|cs| cs.iter().find(|c| c.id == id).map(|c| c.name.clone()));
                    let (b, a) = (name(d.table)?, name(into)?);
                    Some(view! {
                        <div class="drop-hint" data-testid="drop-hint">
                            {format!("Drop to merge {b} into {a}")}
                        </div>
                    })
                })}
                {move || minimap.get().map(|m| view! {
                    <svg class="minimap" data-testid="minimap" width=m.size.0.ceil() height=m.size.1.ceil()
                        aria-label="Minimap: the whole diagram; press or drag to move the view"
                        on:pointerdown=move |e: ev::PointerEvent| {
                            e.stop_propagation();
                            minimap_dragging.set_value(true);
                            centre_on_minimap(&e);
                        }
                        on:pointermove=move |e: ev::PointerEvent| {
                            e.stop_propagation();
                            if minimap_dragging.get_value() && e.buttons() & 1 == 1 {
                                centre_on_minimap(&e);
                            }
                        }
                        on:pointerup=move |e: ev::PointerEvent| { e.stop_propagation(); minimap_dragging.set_value(false); }
                        on:pointerleave=move |_| minimap_dragging.set_value(false)
                        on:wheel=move |e: ev::WheelEvent| e.stop_propagation()>
                        {m.paths.into_iter().map(|(class, d)| view! { <path class=format!("mini {class}") d=d></path> }).collect_view()}
                        {move || minimap_window().map(|(x, y, w, h)| view! {
                            <rect class="mini-window" data-testid="minimap-window" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height=format!("{h:.1}")></rect>
                        })}
                    </svg>
                })}
                <Show when=move || card_list.with(Vec::is_empty)>
                    <p class="canvas-empty">"No tables yet: paste a schema on the left, pick a scenario, or add a table."</p>
                </Show>
            </div>
        </section>
    }
}

/// The part of the diagram whose cards are in the DOM, for the screen's part (both in the
/// diagram's units): the window kept while it still holds the screen and not more than 16
/// screens' area, else the screen grown by half its size on each side (a wider margin moves
/// less often but keeps more cards to lay out at every frame of a drag: at 80% zoom on 500
/// tables, a whole screen's margin kept 302 cards and a drag's frames took 20.7 ms).
fn cull_window(previous: Option<Rect>, screen: Rect) -> Rect {
    match previous {
        Some(p) if p.contains(&screen) && p.w * p.h <= 16.0 * screen.w * screen.h => p,
        _ => Rect { x: screen.x - screen.w / 2.0, y: screen.y - screen.h / 2.0, w: 2.0 * screen.w, h: 2.0 * screen.h },
    }
}

/// The minimap shows from this many tables on, where a schema no longer fits a glance.
const MINIMAP_TABLES: usize = 25;
/// The largest the minimap gets (it keeps the diagram's shape within it), in pixels.
const MINIMAP_SIZE: (f64, f64) = (200.0, 140.0);

/// The minimap's picture: where the diagram's corner is, its scale, its size in pixels, and one
/// path per mark (`same`, `added`, ...).
#[derive(Debug, Clone, PartialEq)]
struct Minimap {
    origin: (f64, f64),
    scale: f64,
    size: (f64, f64),
    paths: Vec<(&'static str, String)>,
}

/// What the model calls a table without a namespace, in the namespace filter.
const DEFAULT_NAMESPACE: &str = "(default)";

/// A filter on table names: patterns to show and patterns to leave out.
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    show: Vec<String>,
    hide: Vec<String>,
}

impl Filter {
    /// `None` for a blank filter (every table).
    fn parse(text: &str) -> Option<Filter> {
        let mut f = Filter { show: Vec::new(), hide: Vec::new() };
        for word in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
            let word = word.to_lowercase();
            match word.strip_prefix('!').or_else(|| word.strip_prefix('-')) {
                Some(rest) if !rest.is_empty() => f.hide.push(rest.to_string()),
                Some(_) => {}
                None => f.show.push(word),
            }
        }
        (!f.show.is_empty() || !f.hide.is_empty()).then_some(f)
    }

    /// Whether a table is shown: it matches a pattern to show (or there is none), and none to
    /// leave out. A pattern with a dot is tried on the qualified name, else on the name; one
    /// without wildcards matches any part of it.
    fn matches(&self, name: &str, qualified: &str) -> bool {
        let (name, qualified) = (name.to_lowercase(), qualified.to_lowercase());
        let hit = |p: &String| {
            let subject = if p.contains('.') { &qualified } else { &name };
            if p.contains(['*', '?']) {
                let (p, subject): (Vec<char>, Vec<char>) = (p.chars().collect(), subject.chars().collect());
                wildcard(&p, &subject)
            } else {
                subject.contains(p.as_str())
            }
        };
        (self.show.is_empty() || self.show.iter().any(hit)) && !self.hide.iter().any(hit)
    }
}

/// `*` (any run) and `?` (any one character) against the whole subject.
fn wildcard(pattern: &[char], subject: &[char]) -> bool {
    let (mut p, mut s, mut star, mut mark) = (0, 0, None, 0);
    while s < subject.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == subject[s]) {
            p += 1;
            s += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = s;
            p += 1;
        } else if let Some(at) = star {
            p = at + 1;
            mark += 1;
            s = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The tables within `hops` foreign-key hops of `centre`, following keys both ways.
fn neighbourhood(centre: TableId, hops: usize, edges: &[EdgeData]) -> std::collections::HashSet<TableId> {
    let mut seen = std::collections::HashSet::from([centre]);
    let mut frontier = vec![centre];
    for _ in 0..hops {
        let mut next = Vec::new();
        for e in edges {
            for (a, b) in [(e.from, e.to), (e.to, e.from)] {
                if frontier.contains(&a) && seen.insert(b) {
                    next.push(b);
                }
            }
        }
        frontier = next;
    }
    seen
}

fn card_view(
    c: Arc<CardData>,
    detailed: bool,
    studio: Studio,
    rect: impl Fn() -> Option<Rect> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = c.id;
    let w = c.w;
    let transform = move || rect().map(|r| format!("translate({:.1},{:.1})", r.x, r.y)).unwrap_or_default();
    let selected = move || studio.selected.get() == Some(id);
    let name = c.name.clone();
    let dependent = move || studio.highlight.with(|h| h.iter().any(|t| t.eq_ignore_ascii_case(&name)));
    let merge_target = move || studio.drop_target.get() == Some(id);
    let editable = move || !studio.read_only.get() && studio.view.get() == ViewMode::Target;
    let name_chars = ((w - 2.0 * PAD) / (CHAR * c.scale)) as usize;
    // A name alone fills its plate; a card's name sits in its header.
    let head = if c.rows.is_empty() && c.scale > 1.0 { c.h } else { HEADER };
    let title_style = (c.scale != 1.0).then(|| format!("font-size:{:.1}px", 12.5 * c.scale));
    let title_y = head / 2.0 + 4.5 * c.scale;
    let title: String = if c.name.chars().count() > name_chars {
        format!("{}\u{2026}", c.name.chars().take(name_chars.saturating_sub(1)).collect::<String>())
    } else {
        c.name.clone()
    };
    let rows = c.rows.iter().filter(|_| detailed).enumerate().map(|(k, r)| {
        let y = HEADER + k as f64 * ROW;
        let column = r.column;
        let selected_row = move || studio.selected.get() == Some(id) && studio.selected_column.get() == Some(column);
        view! {
            <g class=format!("row {}", mark_class(r.mark)) class:selected=selected_row data-column-id=r.column.0 transform=format!("translate(0,{y})")>
                <rect class="row-bg" width=w height=ROW></rect>
                <text class=format!("key {}", r.key.to_ascii_lowercase()) x=PAD y=15>{r.key}</text>
                <text class="col-name" x=PAD + 22.0 y=15>{r.name.clone()}</text>
                <text class="col-type" x=w - PAD y=15 text-anchor="end">
                    {r.data_type.clone()}
                    <tspan class="flags">{if r.flags.is_empty() { String::new() } else { format!(" {}", r.flags) }}</tspan>
                </text>
                <Show when=editable>
                    <circle class="handle" cx=w cy=ROW / 2.0 r=5 data-handle-table=id.0 data-handle-column=column.0>
                        <title>"Drag to a column of another table to add a foreign key"</title>
                    </circle>
                </Show>
            </g>
        }
    }).collect_view();
    view! {
        <g class=format!("card {}", mark_class(c.mark)) class:selected=selected class:dependent=dependent class:merge-target=merge_target data-table-id=id.0 data-testid="table-card" data-name=c.name.clone() transform=transform>
            <rect class="card-shadow" x=1 y=2 width=w height=c.h rx=6></rect>

            <rect class="card-bg" width=w height=c.h rx=6></rect>
            <path class="card-head" d=format!("M0,6 a6,6 0 0 1 6,-6 h{:.1} a6,6 0 0 1 6,6 v{:.1} h{:.1} z", w - 12.0, head - 6.0, -w)></path>
            <text class="card-title" x=PAD y=title_y style=title_style>{title}<title>{c.name.clone()}</title></text>
            {rows}
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellows_core::edit::{apply, display};
    use bellows_core::{import, Dialect};

    #[test]
    fn the_filter_takes_parts_of_names_wildcards_schemas_and_exclusions() {
        let f =
            |text: &str, name: &str, qualified: &str| Filter::parse(text).is_none_or(|f| f.matches(name, qualified));
        assert!(Filter::parse(" , ").is_none(), "a blank filter shows everything");
        assert!(f("user", "auth_users", "auth_users") && !f("user", "orders", "orders"));
        assert!(f("*_log", "audit_log", "audit_log") && !f("*_log", "audit_logs", "audit_logs"));
        assert!(f("ord?rs", "ORDERS", "ORDERS"), "case does not matter");
        assert!(f("acq.*", "fund", "acq.fund") && !f("acq.*", "fund", "money.fund"), "a dot names the schema");
        assert!(!f("!*_log", "audit_log", "audit_log") && f("!*_log", "orders", "orders"));
        assert!(f("fund, invoice !*_entry", "invoice", "acq.invoice"));
        assert!(!f("fund, invoice !*_entry", "invoice_entry", "acq.invoice_entry"));
        assert!(f("é*", "élève", "élève"), "wildcards count characters, not bytes");
        assert!(wildcard(&['*'], &[]) && !wildcard(&['?'], &[]));
    }

    #[test]
    fn the_culled_window_moves_once_per_half_screen_of_panning_and_shrinks_after_zooming_in() {
        let screen = |x: f64, y: f64, w: f64| Rect { x, y, w, h: w * 0.7 };
        let first = cull_window(None, screen(0.0, 0.0, 1000.0));
        assert_eq!(first, Rect { x: -500.0, y: -350.0, w: 2000.0, h: 1400.0 });
        // Panning by less than half a screen keeps the window (no card enters or leaves the DOM).
        let mut window = first;
        let mut moves = 0;
        for step in 1..=100 {
            let next = cull_window(Some(window), screen(f64::from(step) * 40.0, 0.0, 1000.0));
            moves += usize::from(next != window);
            window = next;
        }
        assert_eq!(moves, 7, "4,000 units of panning with a 1,000-unit screen moves the window 7 times");
        assert!(window.contains(&screen(4000.0, 0.0, 1000.0)));
        // Zooming out past the window moves it; zooming in far keeps it only while it is not huge.
        assert_ne!(cull_window(Some(first), screen(-500.0, -500.0, 4000.0)), first);
        assert_eq!(cull_window(Some(first), screen(0.0, 0.0, 800.0)), first);
        assert_ne!(cull_window(Some(first), screen(0.0, 0.0, 400.0)), first);
    }

    #[test]
    fn an_added_foreign_key_is_marked_added_even_beside_an_existing_one() {
        let base = import(
            "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n\
             CREATE TABLE c (id int PRIMARY KEY, a_id int REFERENCES a (id), b_id int);",
            Some(Dialect::Postgres),
        )
        .schema;
        let c = base.find_table("c").expect("c");
        let b = base.find_table("b").expect("b");
        let edit = Edit::AddForeignKey {
            table: c.id,
            column: c.column("b_id").expect("b_id").id,
            ref_table: b.id,
            ref_column: b.column("id").expect("id").id,
        };
        let (target, _) = apply(&base, &[edit]);
        let marks: Vec<(u32, Mark)> =
            edges(&display(&base, &target), &base, Density::Columns).iter().map(|e| (e.to.0, e.mark)).collect();
        let a = base.find_table("a").expect("a").id.0;
        assert!(marks.contains(&(a, Mark::Same)), "{marks:?}");
        assert!(marks.contains(&(b.id.0, Mark::Added)), "{marks:?}");
    }
}
