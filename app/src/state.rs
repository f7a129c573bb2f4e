//! The playground's state: the design (base text, edits, hand-placed tables, options) as
//! signals, the undo history, the selection and view, and the analysis the core computes from
//! the design. Components read these and call the actions here; none of them plans anything.

use crate::browser;
use crate::engine::{self, Reply, Request};
use bellows_core::analysis::Analysis;
use bellows_core::consumers::Consumer;
use bellows_core::edit::{next_ids, Edit};
use bellows_core::layout::Density;
use bellows_core::share::{Design, ShareOptions};
use bellows_core::{ColumnId, Dialect, Schema, TableId};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// What the canvas shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    /// The target, with what changed against the base marked.
    Target,
    /// The base alone, as read from the source.
    Base,
    /// The schema as it stands after this stage of the plan (0 = Expand ... 3 = Contract).
    AfterStage(usize),
}

/// One undo step: the edits and the hand-placed positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    edits: Vec<Edit>,
    positions: BTreeMap<u32, (f64, f64)>,
    consumers: Vec<Consumer>,
}

#[derive(Debug, Clone, Copy)]
pub struct Studio {
    pub source: RwSignal<String>,
    /// The base as a model, when the design came from a link (see `Design::model`); the user's
    /// first change to the text makes the text the base again.
    pub model: RwSignal<Option<Schema>>,
    pub dialect: RwSignal<Option<Dialect>>,
    pub edits: RwSignal<Vec<Edit>>,
    pub positions: RwSignal<BTreeMap<u32, (f64, f64)>>,
    pub options: RwSignal<ShareOptions>,
    pub read_only: RwSignal<bool>,
    /// The application's queries, checked at every stage of the plan.
    pub consumers: RwSignal<Vec<Consumer>>,
    undo: RwSignal<Vec<Snapshot>>,
    redo: RwSignal<Vec<Snapshot>>,
    pub selected: RwSignal<Option<TableId>>,
    pub selected_column: RwSignal<Option<ColumnId>>,
    pub view: RwSignal<ViewMode>,
    /// How much of each table the cards show (names alone for a big schema's overview).
    pub density: RwSignal<Density>,
    /// A message for the user (a refused link, a skipped edit), shown until dismissed.
    pub notice: RwSignal<Option<String>>,
    /// Which side panel is open.
    pub tab: RwSignal<Tab>,
    /// The analysis of the design as it stands, from the engine (a Web Worker). It arrives
    /// after each change; a newer change supersedes it, and a stale one is never shown.
    pub analysis: RwSignal<Analysis>,
    /// An analysis has been on its way for more than 150 ms (the page shows that it works).
    pub busy: RwSignal<bool>,
    /// False until the design that opens (a link, the autosave, a scenario) has been read.
    pub opened: RwSignal<bool>,
    /// The source text of the analysis on screen (it trails `source` while the engine works).
    pub analysed_source: RwSignal<String>,
    /// Requests to the engine not answered yet (the page is `aria-busy` until they are).
    pub waiting: RwSignal<u32>,
    /// Tables the canvas marks as depending on the selection (the inspector's "Used by").
    pub highlight: RwSignal<Vec<String>>,
    /// The table a dragged card is over: dropped there, the inspector offers to merge into it.
    pub drop_target: RwSignal<Option<TableId>>,
    /// A merge the inspector's form proposes, (table, the table it goes into), set by a drop
    /// and kept until the form is used or closed (the inspector may be drawn anew meanwhile).
    pub merge_into: RwSignal<Option<(TableId, TableId)>>,
    /// A column whose "allow only…" form opens when the inspector shows it (the audit's offer
    /// for a text column that looks like a fixed set of values: only a person knows the values).
    pub allow_only: RwSignal<Option<ColumnId>>,
    /// The framework whose code changes the Plan tab shows (none: not shown).
    pub framework: RwSignal<Option<bellows_core::consumers::frameworks::Framework>>,
    /// Draws the diagram as the canvas lays it out, as SVG (set by the canvas while it shows).
    pub picture: StoredValue<Option<Callback<(), String>>>,
}

/// Keeps the analysis on screen that of the newest design, with at most one analysis in the
/// worker at a time: a design changed while one is computed waits, and a newer change replaces
/// it, so typing into a big schema costs one analysis per pause in the worker's work, not one
/// per keystroke pause queued behind each other. A stale answer is never shown.
/// Above this many tables, a schema opens as an overview of names (see [`Density::Names`]).
pub const OVERVIEW_TABLES: usize = 100;

#[derive(Debug, Clone, Copy)]
struct Analyser {
    analysis: RwSignal<Analysis>,
    /// The canvas's density, which a big schema's analysis turns to names only.
    density: RwSignal<Density>,
    analysed_source: RwSignal<String>,
    busy: RwSignal<bool>,
    waiting: RwSignal<u32>,
    /// The generation of the newest design, and of the last one answered.
    latest: StoredValue<u64>,
    answered: StoredValue<u64>,
    in_flight: StoredValue<bool>,
    /// The newest design, waiting for the worker to finish the one in flight.
    next: StoredValue<Option<(u64, Design)>>,
}

impl Analyser {
    fn want(self, design: Design) {
        let generation = self.latest.get_value() + 1;
        self.latest.set_value(generation);
        if self.in_flight.get_value() {
            if self.next.with_value(Option::is_none) {
                self.waiting.update(|n| *n += 1);
            }
            self.next.set_value(Some((generation, design)));
        } else {
            self.waiting.update(|n| *n += 1);
            self.send(generation, design);
        }
        set_timeout(
            move || {
                if self.latest.get_value() == generation && self.answered.get_value() != generation {
                    self.busy.set(true);
                }
            },
            std::time::Duration::from_millis(150),
        );
    }

    /// A big schema opens as an overview, names only, so that Fit shows every name legibly; a
    /// small one opens with its columns. Only crossing the line changes what the user chose. Set
    /// with the analysis, not after it, so that the canvas lays a big schema out once.
    fn overview(self, tables: usize) {
        let before = self.analysis.with_untracked(|a| a.base.schema.tables.len());
        if tables > OVERVIEW_TABLES && before <= OVERVIEW_TABLES {
            self.density.set(Density::Names);
        } else if tables <= OVERVIEW_TABLES
            && before > OVERVIEW_TABLES
            && self.density.get_untracked() == Density::Names
        {
            self.density.set(Density::Columns);
        }
    }

    /// Sends one design (already counted in `waiting`).
    fn send(self, generation: u64, design: Design) {
        self.in_flight.set_value(true);
        let sent_source = design.source.clone();
        engine::ask(Request::Analyze(design.into()), move |reply| {
            self.in_flight.set_value(false);
            if self.latest.get_value() == generation {
                self.answered.set_value(generation);
                if let Reply::Analysis(a) = reply {
                    if self.analysed_source.with_untracked(|s| *s != sent_source) {
                        self.analysed_source.set(sent_source);
                    }
                    self.overview(a.base.schema.tables.len());
                    self.analysis.set(*a);
                }
                self.busy.set(false);
            }
            if let Some((g, d)) = self.next.try_update_value(Option::take).flatten() {
                self.send(g, d);
            }
            self.waiting.update(|n| *n = n.saturating_sub(1));
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Table,
    Plan,
    Audit,
    Consumers,
}

impl Studio {
    pub fn new(design: Design) -> Self {
        let source = RwSignal::new(design.source);
        let model = RwSignal::new(design.model);
        let dialect = RwSignal::new(design.dialect);
        // A design without edits has no plan yet: open on what the schema's debt is.
        let first_tab = if design.edits.is_empty() { Tab::Audit } else { Tab::Plan };
        let edits = RwSignal::new(design.edits);
        let options = RwSignal::new(design.options);
        let consumers = RwSignal::new(design.consumers);
        let analysis = RwSignal::new(Analysis::default());
        let waiting = RwSignal::new(0u32);
        let analysed_source = RwSignal::new(String::new());
        let busy = RwSignal::new(false);
        let density = RwSignal::new(Density::Columns);
        let analyser = Analyser {
            analysis,
            density,
            analysed_source,
            busy,
            waiting,
            latest: StoredValue::new(0),
            answered: StoredValue::new(0),
            in_flight: StoredValue::new(false),
            next: StoredValue::new(None),
        };
        Effect::new(move |_| {
            let design = Design {
                source: source.get(),
                model: model.get(),
                dialect: dialect.get(),
                edits: edits.get(),
                positions: BTreeMap::new(),
                options: options.get(),
                read_only: false,
                consumers: consumers.get(),
            };
            analyser.want(design);
        });
        Self {
            source,
            model,
            dialect,
            edits,
            positions: RwSignal::new(design.positions),
            options,
            read_only: RwSignal::new(design.read_only),
            consumers,
            undo: RwSignal::new(Vec::new()),
            redo: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            selected_column: RwSignal::new(None),
            view: RwSignal::new(ViewMode::Target),
            density,
            notice: RwSignal::new(None),
            tab: RwSignal::new(first_tab),
            analysis,
            busy,
            opened: RwSignal::new(false),
            waiting,
            analysed_source,
            highlight: RwSignal::new(Vec::new()),
            drop_target: RwSignal::new(None),
            merge_into: RwSignal::new(None),
            allow_only: RwSignal::new(None),
            picture: StoredValue::new(None),
            framework: RwSignal::new(None),
        }
    }

    /// Asks the engine, counting the request as outstanding until its reply has been handled.
    pub fn ask(&self, request: Request, then: impl FnOnce(Reply) + 'static) {
        let waiting = self.waiting;
        waiting.update(|n| *n += 1);
        engine::ask(request, move |reply| {
            then(reply);
            waiting.update(|n| *n = n.saturating_sub(1));
        });
    }

    /// Asks the engine for a file ([`Request::Export`], [`Request::PlanZip`]) and downloads it
    /// when it comes; a refusal becomes a notice.
    pub fn download(&self, request: Request) {
        let notice = self.notice;
        self.ask(request, move |reply| match reply {
            Reply::File(Ok((name, data))) if name.ends_with(".zip") => {
                browser::download_url(&name, &format!("data:application/zip;base64,{data}"))
            }
            Reply::File(Ok((name, text))) => browser::download(&name, "text/plain", &text),
            Reply::File(Err(e)) => notice.set(Some(format!("That download could not be made: {e}"))),
            _ => {}
        });
    }

    /// Whether the page shows what the design is: opened, and every answer in.
    pub fn settled(&self) -> bool {
        self.opened.get() && self.waiting.get() == 0
    }

    /// The design as it stands (not tracked: for saving and sharing).
    pub fn design(&self) -> Design {
        Design {
            source: self.source.get_untracked(),
            model: self.model.get_untracked(),
            dialect: self.dialect.get_untracked(),
            edits: self.edits.get_untracked(),
            positions: self.positions.get_untracked(),
            options: self.options.get_untracked(),
            read_only: self.read_only.get_untracked(),
            consumers: self.consumers.get_untracked(),
        }
    }

    /// The design as the engine reads it (not tracked): the hand-placed positions and the
    /// read-only mark change no analysis, so they are left out, and every question about the
    /// design on screen (a stage's schema, "Used by", an export) finds its analysis in the
    /// worker's cache instead of making it again.
    pub fn design_for_engine(&self) -> Design {
        Design { positions: BTreeMap::new(), read_only: false, ..self.design() }
    }

    /// Replaces the whole design (a scenario, a link, a file, "New"); the history starts over.
    pub fn load(&self, design: Design) {
        self.tab.set(if design.edits.is_empty() { Tab::Audit } else { Tab::Plan });
        self.model.set(design.model);
        self.source.set(design.source);
        self.dialect.set(design.dialect);
        self.edits.set(design.edits);
        self.positions.set(design.positions);
        self.options.set(design.options);
        self.read_only.set(design.read_only);
        self.consumers.set(design.consumers);
        self.undo.set(Vec::new());
        self.redo.set(Vec::new());
        self.selected.set(None);
        self.selected_column.set(None);
        self.view.set(ViewMode::Target);
    }

    /// The user's own text becomes the base (typed, pasted, opened): a model that came with a
    /// link gives way to it.
    pub fn set_text(&self, text: String) {
        self.model.set(None);
        self.source.set(text);
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            edits: self.edits.get_untracked(),
            positions: self.positions.get_untracked(),
            consumers: self.consumers.get_untracked(),
        }
    }

    fn record(&self) {
        let s = self.snapshot();
        self.undo.update(|u| {
            u.push(s);
            if u.len() > 500 {
                u.remove(0);
            }
        });
        self.redo.set(Vec::new());
    }

    /// Applies one edit as one undo step. Read-only designs refuse.
    pub fn edit(&self, edit: Edit) {
        if self.read_only.get_untracked() {
            self.notice.set(Some("This design is read-only: make a copy with \"Edit a copy\" to change it.".into()));
            return;
        }
        self.record();
        self.edits.update(|e| e.push(edit));
    }

    /// Takes back the last edit when it is the `n`th and the core refused it (a CHECK whose
    /// condition does not read): the edit list and the undo history lose it, so neither the
    /// link nor undo carries a step that did nothing. The field that made it keeps its text.
    pub fn withdraw_refused(&self, n: usize) {
        if self.edits.with_untracked(Vec::len) != n {
            return;
        }
        let Some(before) = self.undo.try_update(|u| u.pop()).flatten() else { return };
        if before.edits.len() + 1 == n {
            self.edits.set(before.edits);
        } else {
            self.undo.update(|u| u.push(before));
        }
    }

    /// Applies several edits as one undo step (an audit finding's fix, "Fix all"). Read-only
    /// designs refuse.
    pub fn edit_all(&self, edits: Vec<Edit>) {
        if edits.is_empty() {
            return;
        }
        if self.read_only.get_untracked() {
            self.notice.set(Some("This design is read-only: make a copy with \"Edit a copy\" to change it.".into()));
            return;
        }
        self.record();
        self.edits.update(|e| e.extend(edits));
    }

    /// Changes the consumers (one added, removed, renamed, its SQL typed) as one undo step.
    /// Read-only designs refuse.
    pub fn change_consumers(&self, change: impl FnOnce(&mut Vec<Consumer>)) {
        if self.read_only.get_untracked() {
            self.notice.set(Some("This design is read-only: make a copy with \"Edit a copy\" to change it.".into()));
            return;
        }
        self.record();
        self.consumers.update(change);
    }

    /// Moves tables (a drag, a tidy-up) as one undo step.
    pub fn place(&self, positions: BTreeMap<u32, (f64, f64)>) {
        self.record();
        self.positions.set(positions);
    }

    pub fn can_undo(&self) -> bool {
        self.undo.with(|u| !u.is_empty())
    }

    pub fn can_redo(&self) -> bool {
        self.redo.with(|r| !r.is_empty())
    }

    pub fn undo(&self) {
        let Some(previous) = self.undo.try_update(|u| u.pop()).flatten() else { return };
        let now = self.snapshot();
        self.redo.update(|r| r.push(now));
        self.edits.set(previous.edits);
        self.positions.set(previous.positions);
        if self.consumers.with_untracked(|c| *c != previous.consumers) {
            self.consumers.set(previous.consumers);
        }
    }

    pub fn redo(&self) {
        let Some(next) = self.redo.try_update(|r| r.pop()).flatten() else { return };
        let now = self.snapshot();
        self.undo.update(|u| u.push(now));
        self.edits.set(next.edits);
        self.positions.set(next.positions);
        if self.consumers.with_untracked(|c| *c != next.consumers) {
            self.consumers.set(next.consumers);
        }
    }

    /// Ids for a new table or column, unique in the base and the edits so far.
    pub fn next_ids(&self) -> (TableId, ColumnId) {
        let edits = self.edits.get_untracked();
        self.analysis.with_untracked(|a| next_ids(&a.base.schema, &edits))
    }
}
