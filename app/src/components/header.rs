//! The header: scenarios, New, undo and redo, and sharing (copy a link, its length, read-only
//! for workshops, a file when the link is too long).

use crate::browser;
use crate::engine::{Reply, Request};
use crate::scenarios;
use crate::state::Studio;
use bellows_core::share::{encode_file, encode_model, Design, COMFORTABLE_LINK};
use leptos::prelude::*;

#[component]
pub fn Header(studio: Studio) -> impl IntoView {
    let scenario = RwSignal::new(None::<&'static str>);
    let share_read_only = RwSignal::new(false);
    let last_link = RwSignal::new(None::<usize>);
    let pick = move |id: String| {
        if let Some(s) = scenarios::find(&id) {
            // The engine reads the scenario's text to make its edits against the base's ids.
            studio.ask(Request::Scenario(s.id.to_string()), move |reply| {
                if let Reply::Design(Ok(d)) = reply {
                    studio.load(Design::from(*d));
                    scenario.set(Some(s.id));
                }
            });
        }
    };
    let new_design = move || {
        if browser::confirm("Start a new, empty design? The current one is replaced (copy its link first to keep it).")
        {
            studio.load(Design::new(""));
            scenario.set(None);
        }
    };
    let copy_link = move || {
        let mut d = studio.design();
        d.read_only = share_read_only.get_untracked();
        // The link carries the model the analysis already read, not the text.
        let fragment = studio.analysis.with_untracked(|a| encode_model(&d, &a.base.schema, a.dialect));
        let link = browser::link_with(&fragment);
        last_link.set(Some(link.len()));
        if link.len() <= COMFORTABLE_LINK {
            browser::copy(&link);
            browser::replace_fragment(&fragment);
            studio.notice.set(Some(format!(
                "Link copied ({} characters). Anyone who opens it sees this design; nothing was uploaded.",
                link.len()
            )));
        } else {
            studio.notice.set(Some(format!(
                "This link is {} characters long, too long for most chats. Use \u{201c}Save file\u{201d} and share the file instead.",
                link.len()
            )));
        }
    };
    let save_file = move || {
        // A file keeps the whole design, the original text included.
        let fragment = encode_file(&studio.design());
        browser::download("design.bellows", "text/plain", &fragment);
    };
    // The target schema (what the user designed) in another format, written by the full engine.
    let export = move |format: String| {
        if !format.is_empty() {
            studio.download(Request::Export { design: studio.design_for_engine().into(), format });
        }
    };
    let open_design = move |file: Option<web_sys::File>| {
        let Some(file) = file else { return };
        leptos::task::spawn_local(async move {
            match browser::read_file(file).await {
                Some(text) => studio.ask(Request::Open(text), move |reply| match reply {
                    Reply::Design(Ok(d)) => studio.load(Design::from(*d)),
                    Reply::Design(Err(e)) => studio.notice.set(Some(format!("That file is not a Bellows design: {e}"))),
                    _ => {}
                }),
                None => studio.notice.set(Some("That file could not be read.".into())),
            }
        });
    };
    view! {
        <header class="app-header">
            <span class="brand">"Bellows"</span>
            <label class="scenario">
                <select data-testid="scenario-select" aria-label="Scenario" on:change=move |e| pick(event_target_value(&e))>
                    <option value="" selected=move || scenario.get().is_none()>"Scenarios\u{2026}"</option>
                    {scenarios::ALL.iter().map(|s| view! {
                        <option value=s.id selected=move || scenario.get() == Some(s.id)>{s.title}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="button" data-testid="new" on:click=move |_| new_design()>"New"</button>
            <span class="spacer"></span>
            <button type="button" data-testid="undo" title="Undo (Ctrl+Z)" disabled=move || !studio.can_undo() on:click=move |_| studio.undo()>"Undo"</button>
            <button type="button" data-testid="redo" title="Redo (Ctrl+Shift+Z or Ctrl+Y)" disabled=move || !studio.can_redo() on:click=move |_| studio.redo()>"Redo"</button>
            <span class="spacer"></span>
            <label class="toggle" title="People who open the link can look but not change the design">
                <input type="checkbox" data-testid="share-read-only" prop:checked=move || share_read_only.get()
                    on:change=move |e| share_read_only.set(event_target_checked(&e)) />
                "read-only link"
            </label>
            <button type="button" class="primary" data-testid="copy-link" on:click=move |_| copy_link()>"Copy link"</button>
            <span class="link-length" data-testid="link-length">{move || last_link.get().map(|n| format!("{n} chars")).unwrap_or_default()}</span>
            <button type="button" title="Save the design as a file" on:click=move |_| save_file()>"Save file"</button>
            <select class="export" data-testid="export" aria-label="Export the target schema" title="Download the target schema in another format"
                on:change=move |e| {
                    let el = event_target::<web_sys::HtmlSelectElement>(&e);
                    export(el.value());
                    el.set_value("");
                }>
                <option value="" selected>"Export\u{2026}"</option>
                <option value="dbml">"DBML (dbdiagram)"</option>
                <option value="mermaid">"Mermaid erDiagram"</option>
                <option value="prisma">"Prisma schema"</option>
                <option value="postgres">"SQL: PostgreSQL"</option>
                <option value="mysql">"SQL: MySQL"</option>
                <option value="sqlite">"SQL: SQLite"</option>
            </select>
            <label class="file-button" title="Open a saved design">
                "Open design\u{2026}"
                <input type="file" accept=".bellows,text/plain" on:change=move |e| open_design(event_target::<web_sys::HtmlInputElement>(&e).files().and_then(|f| f.get(0))) />
            </label>
        </header>
        {move || scenario.get().and_then(scenarios::find).map(|s| view! {
            <div class="scenario-note" data-testid="scenario-note"><strong>{s.title}": "</strong>{s.explanation}</div>
        })}
        <Show when=move || studio.read_only.get()>
            <div class="read-only-bar" data-testid="read-only-bar">
                "Read-only design: you can look, step through the plan and copy SQL. "
                <button type="button" on:click=move |_| studio.read_only.set(false)>"Edit a copy"</button>
            </div>
        </Show>
    }
}
