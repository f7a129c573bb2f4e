//! The Bellows playground: a Leptos client-side app over `bellows-core`.
//!
//! Components stay thin: they hold no planning logic, only signals and views over the core's
//! plain data (`state::Studio`). Browser I/O (storage, address bar, clipboard, files) lives in
//! `browser`.

pub mod browser;
pub mod components;
pub mod engine;
pub mod scenarios;
pub mod state;
pub mod text_window;

use bellows_core::edit::Edit;
use bellows_core::share::Design;
use components::{AuditPanel, Canvas, ConsumersPanel, Header, Inspector, PlanPanel, SourcePanel};
use engine::{Reply, Request};
use leptos::ev;
use leptos::prelude::*;
use state::{Studio, Tab};
use std::time::Duration;

/// What opens: a shared link, else the autosaved design, else the first scenario (a realistic
/// schema with debt, not an empty page). A link that cannot be read says why. The engine reads
/// them (a link's model is matched to the text it regenerates), so the design arrives later.
fn open_initial(studio: Studio, embed: bool) {
    let load = move |mut design: Design| {
        if embed {
            // An embed shows a design; it never edits or saves one.
            design.read_only = true;
        }
        studio.load(design);
        if embed {
            studio.tab.set(Tab::Plan);
        }
        studio.opened.set(true);
    };
    let restore = move || {
        let fallback = move || {
            studio.ask(Request::Scenario(scenarios::ALL[0].id.to_string()), move |reply| {
                if let Reply::Design(Ok(d)) = reply {
                    load(Design::from(*d));
                }
            })
        };
        match browser::load_autosave() {
            Some(saved) => studio.ask(Request::Open(saved), move |reply| match reply {
                Reply::Design(Ok(d)) => load(Design::from(*d)),
                _ => fallback(),
            }),
            None => fallback(),
        }
    };
    match browser::fragment().filter(|f| f.starts_with("d=")) {
        Some(fragment) => studio.ask(Request::Open(fragment), move |reply| match reply {
            Reply::Design(Ok(d)) => load(Design::from(*d)),
            Reply::Design(Err(e)) => {
                studio
                    .notice
                    .set(Some(format!("The link could not be opened: {e}. Showing your last design instead.")));
                restore();
            }
            _ => restore(),
        }),
        None => restore(),
    }
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let embed = browser::is_embed();
    let studio = Studio::new(Design::new(""));
    engine::on_failure(move |why| {
        studio.busy.set(false);
        studio
            .notice
            .set(Some(format!("Bellows cannot analyse any more: {why}. Reload the page; your design is saved.")));
    });
    open_initial(studio, embed);

    // Autosave: after each change settles, the design goes to local storage (never anywhere else).
    let pending = StoredValue::new(0u64);
    Effect::new(move |_| {
        studio.source.track();
        studio.model.track();
        studio.edits.track();
        studio.positions.track();
        studio.options.track();
        studio.dialect.track();
        let g = pending.get_value() + 1;
        pending.set_value(g);
        set_timeout(
            move || {
                let opened = studio.opened.get_untracked();
                if pending.get_value() == g && opened && !studio.read_only.get_untracked() && !embed {
                    studio.ask(Request::EncodeFile(studio.design().into()), |reply| {
                        if let Reply::Text(file) = reply {
                            browser::save_autosave(&file);
                        }
                    });
                }
            },
            Duration::from_millis(400),
        );
    });

    // Keyboard: undo/redo anywhere but in a text field; Delete removes the selected table;
    // Escape clears the selection.
    let _keys = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| {
        let in_field = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let ctrl = e.ctrl_key() || e.meta_key();
        let key = e.key().to_ascii_lowercase();
        if e.key() == "Escape" {
            studio.selected.set(None);
            studio.notice.set(None);
            return;
        }
        if in_field {
            return;
        }
        if ctrl && key == "z" && !e.shift_key() {
            e.prevent_default();
            studio.undo();
        } else if ctrl && (key == "y" || (key == "z" && e.shift_key())) {
            e.prevent_default();
            studio.redo();
        } else if e.key() == "Delete" || e.key() == "Backspace" {
            if let Some(t) = studio.selected.get_untracked() {
                e.prevent_default();
                studio.edit(Edit::DropTable { table: t });
                studio.selected.set(None);
            }
        }
    });

    let audit_count = move || studio.analysis.with(|a| a.audit.len());
    let step_count = move || studio.analysis.with(|a| a.plan.steps().count());
    // Statements that break somewhere (on the base or over the plan), over every consumer.
    let broken_count = move || {
        studio.analysis.with(|a| {
            a.consumers
                .iter()
                .map(|r| {
                    let mut s: Vec<usize> =
                        r.outcomes.iter().filter(|o| o.verdict.breaks()).map(|o| o.statement).collect();
                    s.dedup();
                    s.len()
                })
                .sum::<usize>()
        })
    };
    let tab_button = move |tab: Tab, label: &'static str, test_id: &'static str| {
        view! {
            <button type="button" role="tab" data-testid=test_id class:active=move || studio.tab.get() == tab
                aria-selected=move || (studio.tab.get() == tab).to_string() on:click=move |_| studio.tab.set(tab)>
                {label}
                {move || match tab {
                    Tab::Plan => Some(view! { <span class="tab-count" data-testid="step-count">{step_count()}</span> }.into_any()),
                    Tab::Audit => Some(view! { <span class="tab-count" data-testid="audit-count">{audit_count()}</span> }.into_any()),
                    Tab::Consumers => {
                        let n = broken_count();
                        let class = if n > 0 { "tab-count error" } else { "tab-count" };
                        Some(view! {
                            <span class=class data-testid="consumer-count"
                                title="Statements that break on the base or over the plan">{n}</span>
                        }.into_any())
                    }
                    Tab::Table => None,
                }}
            </button>
        }
    };

    if embed {
        return view! {
            <div class="embed-bar" data-testid="embed-bar">
                <span class="brand">"Bellows"</span>
                <span class="muted">{move || studio.analysis.with(|a| format!("{} tables, {} plan steps", a.target.tables.len(), a.plan.steps().count()))}</span>
                <a href=browser::full_app_link() target="_blank" rel="noopener">"Open the full design \u{2197}"</a>
            </div>
            {move || studio.notice.get().map(|n| view! { <div class="notice-bar" role="status" data-testid="notice">{n}</div> })}
            <main class="workspace embed" aria-busy=move || (!studio.settled()).to_string()>
                <Canvas studio=studio />
                <aside class="panel side-panel">
                    <div class="tab-body"><PlanPanel studio=studio /></div>
                </aside>
            </main>
        }
        .into_any();
    }
    view! {
        <Header studio=studio />
        {move || studio.notice.get().map(|n| view! {
            <div class="notice-bar" role="status" data-testid="notice">{n}
                <button type="button" class="link" aria-label="Dismiss" on:click=move |_| studio.notice.set(None)>"\u{00d7}"</button>
            </div>
        })}
        <main class="workspace" aria-busy=move || (!studio.settled()).to_string()>
            <SourcePanel studio=studio />
            <Canvas studio=studio />
            <aside class="panel side-panel">
                <div class="tabs" role="tablist">
                    {tab_button(Tab::Table, "Table", "tab-table")}
                    {tab_button(Tab::Plan, "Plan", "tab-plan")}
                    {tab_button(Tab::Audit, "Audit", "tab-audit")}
                    {tab_button(Tab::Consumers, "Consumers", "tab-consumers")}
                </div>
                <div class="tab-body">
                    {move || match studio.tab.get() {
                        Tab::Table => view! { <Inspector studio=studio /> }.into_any(),
                        Tab::Plan => view! { <PlanPanel studio=studio /> }.into_any(),
                        Tab::Audit => view! { <AuditPanel studio=studio /> }.into_any(),
                        Tab::Consumers => view! { <ConsumersPanel studio=studio /> }.into_any(),
                    }}
                </div>
            </aside>
        </main>
    }
    .into_any()
}
