//! The source panel: the base schema's DDL as the user pastes, types, opens or drops it, the
//! dialect it is read as, and what the import found (with line:column; clicking a diagnostic
//! selects that line in the text).

use crate::browser;
use crate::state::Studio;
use bellows_core::{Dialect, Severity, SourceFormat};
use leptos::ev;
use leptos::html::Textarea;
use leptos::prelude::*;
use std::time::Duration;

/// Typing pauses this long before the schema is read again, so typing never waits on it.
const DEBOUNCE: Duration = Duration::from_millis(250);

#[component]
pub fn SourcePanel(studio: Studio) -> impl IntoView {
    let area = NodeRef::<Textarea>::new();
    // What the textarea shows: the user's text, exactly as typed, read after a pause.
    let draft = RwSignal::new(studio.source.get_untracked());
    // A new design (scenario, link, file, New) replaces the text; the first run only records
    // the source, so it never overwrites what the user typed before it ran.
    Effect::new(move |previous: Option<()>| {
        let s = studio.source.get();
        if previous.is_some() && draft.get_untracked() != s {
            draft.set(s);
        }
    });
    let generation = StoredValue::new(0u64);
    let on_input = move |e: ev::Event| {
        draft.set(event_target_value(&e));
        let g = generation.get_value() + 1;
        generation.set_value(g);
        set_timeout(
            move || {
                if generation.get_value() == g {
                    studio.set_text(draft.get_untracked());
                }
            },
            DEBOUNCE,
        );
    };
    let load_text = move |text: String| {
        draft.set(text.clone());
        studio.set_text(text);
    };
    let open_file = move |file: Option<web_sys::File>| {
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                match browser::read_file(file).await {
                    Some(text) => load_text(text),
                    None => studio.notice.set(Some("That file could not be read as text.".into())),
                }
            });
        }
    };
    let dragging_over = RwSignal::new(false);
    let show_line = move |line: u32, column: u32| {
        let Some(el) = area.get_untracked() else { return };
        let text = el.value();
        let start: usize =
            text.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(|l| l.chars().count()).sum();
        let line_len = text.lines().nth(line.saturating_sub(1) as usize).map_or(0, |l| l.chars().count());
        let _ = el.focus();
        let _ = el.set_selection_range((start + column.saturating_sub(1) as usize) as u32, (start + line_len) as u32);
        // Scroll so the line is in view (line height from the stylesheet: 1.5em of 0.85rem).
        let line_px = 20.4;
        el.set_scroll_top(((line as f64 - 4.0) * line_px).max(0.0) as i32);
    };
    let detected = move || studio.analysis.with(|a| a.dialect);
    view! {
        <section class="panel source-panel" aria-label="Source schema" class:drop-target=move || dragging_over.get()
            on:dragover=move |e: ev::DragEvent| { e.prevent_default(); dragging_over.set(true); }
            on:dragleave=move |_| dragging_over.set(false)
            on:drop=move |e: ev::DragEvent| {
                e.prevent_default();
                dragging_over.set(false);
                open_file(e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)));
            }>
            <div class="panel-head">
                <h2>"Base schema"</h2>
                <label class="file-button" title="Open a .sql, .dbml or .prisma file (or drop it here)">
                    "Open\u{2026}"
                    <input type="file" accept=".sql,.txt,.ddl,.dbml,.prisma,text/plain" data-testid="open-file"
                        on:change=move |e| open_file(event_target::<web_sys::HtmlInputElement>(&e).files().and_then(|f| f.get(0))) />
                </label>
                <label class="dialect">
                    <select data-testid="dialect-select" aria-label="Dialect" on:change=move |e| studio.dialect.set(Dialect::parse(&event_target_value(&e)))>
                        <option value="auto" selected=move || studio.dialect.get().is_none()>
                            {move || format!("Auto ({})", detected().label())}
                        </option>
                        {Dialect::ALL.into_iter().map(|d| view! {
                            <option value=d.id() selected=move || studio.dialect.get() == Some(d)>{d.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <Show when=move || studio.model.with(Option::is_some)>
                <p class="regenerated-note" data-testid="regenerated-note">
                    "Regenerated from the link\u{2019}s model. The original text (comments, formatting, data) travels only in design files."
                </p>
            </Show>
            <textarea node_ref=area data-testid="source-input" class="source-input" spellcheck="false" aria-label="Schema text"
                readonly=move || studio.read_only.get()
                placeholder="Paste CREATE TABLE statements, a pg_dump or a mysqldump, DBML or a Prisma schema here, open a file, or drop one on this panel"
                prop:value=move || draft.get() on:input=on_input></textarea>
            <ImportFacts studio=studio show_line=show_line />
        </section>
    }
}

#[component]
fn ImportFacts(studio: Studio, show_line: impl Fn(u32, u32) + Copy + Send + Sync + 'static) -> impl IntoView {
    let tables = move || studio.analysis.with(|a| a.base.schema.tables.len());
    let columns = move || studio.analysis.with(|a| a.base.schema.column_count());
    let errors = move || studio.analysis.with(|a| a.base.errors().count());
    let format = move || studio.analysis.with(|a| a.base.format);
    let diagnostics = Memo::new(move |_| {
        studio
            .analysis
            .with(|a| a.base.diagnostics.iter().filter(|d| d.severity != Severity::Info).cloned().collect::<Vec<_>>())
    });
    let skipped =
        move || studio.analysis.with(|a| a.base.diagnostics.iter().filter(|d| d.severity == Severity::Info).count());
    view! {
        <div class="import-facts">
            <span class="count" data-testid="table-count">{move || plural(tables(), "table")}</span>
            <span class="muted">{move || plural(columns(), "column")}</span>
            <Show when=move || format() != SourceFormat::Sql>
                <span class="badge format" data-testid="source-format"
                    title="Read as this format; the dialect picker says which database its types are for">
                    {move || format!("read as {}", format().label())}
                </span>
            </Show>
            <Show when=move || { skipped() > 0 }>
                <span class="muted" title="Statements that do not shape the schema (SET, GRANT, functions, data) are skipped">{move || format!("{} skipped", skipped())}</span>
            </Show>
            <Show when=move || { errors() > 0 }>
                <span class="badge error" data-testid="error-count">{move || plural(errors(), "error")}</span>
            </Show>
        </div>
        <ul class="diagnostics" data-testid="diagnostics">
            <For each=move || diagnostics.get() key=|d| (d.span, d.code.clone(), d.message.clone()) let(d)>
                {
                    let (line, column) = (d.span.line, d.span.column);
                    view! {
                        <li class=format!("diagnostic {}", d.severity) data-testid="diagnostic">
                            <button type="button" class="where" title="Show this line" on:click=move |_| show_line(line, column)>{d.span.to_string()}</button>
                            <span class="message">{d.message.clone()}</span>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// "1 column", "2 columns".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
