//! The source panel: the base schema's DDL as the user pastes, types, opens or drops it, the
//! dialect it is read as, and what the import found (with line:column; clicking a diagnostic
//! selects that line in the text).

use crate::browser;
use crate::state::Studio;
use crate::text_window::*;
use bellows_core::{Dialect, Severity, SourceFormat};
use leptos::ev;
use leptos::html::{Div, Textarea};
use leptos::prelude::*;
use std::time::Duration;

/// Whether the textarea's selection holds all of window `w` (what Ctrl+A selects).
fn spans_window(area: &NodeRef<Textarea>, w: Window) -> bool {
    let Some(el) = area.get_untracked() else { return false };
    let len = el.value().encode_utf16().count() as u32;
    el.selection_start().ok().flatten() == Some(0) && el.selection_end().ok().flatten() == Some(len) && w.lines > 0
}

/// How many bytes of its value the textarea's selection holds.
fn selected_len(area: &NodeRef<Textarea>) -> usize {
    let Some(el) = area.get_untracked() else { return 0 };
    let value = el.value();
    let (a, b) = (el.selection_start().ok().flatten(), el.selection_end().ok().flatten());
    match (a, b) {
        (Some(a), Some(b)) if b > a => byte_of_utf16(&value, b as usize) - byte_of_utf16(&value, a as usize),
        _ => 0,
    }
}

/// Typing pauses this long before the schema is read again, so typing never waits on it.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// The textarea's line height in pixels (the stylesheet's `--source-line`): the window of lines
/// sits at its first line's offset on a sheet as tall as the whole text.
const LINE: f64 = 19.0;
/// The sheet's padding above the first line (0.6rem).
const PAD: f64 = 9.6;

#[component]
pub fn SourcePanel(studio: Studio) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let sheet = NodeRef::<Div>::new();
    let area = NodeRef::<Textarea>::new();
    // The user's text, exactly as typed; the textarea holds a window of its lines (see
    // `text_window`), the whole of it when it is short.
    let text = StoredValue::new(studio.source.get_untracked());
    let window = StoredValue::new(text.with_value(|t| Window::around(t, 0)));
    // Whether the textarea has been given its window yet (the first effect run does it). An input
    // before then replaces what the textarea held, empty as it was: the whole text.
    let shown = StoredValue::new(false);
    // Ctrl+A in a window of a long text selects the whole text, as it would in a plain textarea:
    // a copy, cut, paste or typing that follows acts on all of it.
    let all = StoredValue::new(false);
    let widest = StoredValue::new(text.with_value(|t| longest_line(t)));

    // The window's place on the sheet, and the sheet's size (set directly, in the same task as
    // the textarea's value, so the two never disagree for a frame).
    let place = move |w: Window| {
        let (Some(sheet), Some(el)) = (sheet.get_untracked(), area.get_untracked()) else { return };
        let width = format!("max(100%, calc({}ch + 1.4rem))", widest.get_value());
        let _ = sheet
            .set_attribute("style", &format!("height: calc({}px + 1.2rem); width: {width}", w.total() as f64 * LINE));
        let height = w.lines as f64 * LINE;
        // A whole text's textarea fills the panel, so a click under the text still reaches it.
        let height = if w.first == 0 && w.below == 0 {
            format!("max({height}px, calc(100% - 1.2rem))")
        } else {
            format!("{height}px")
        };
        let _ = el.set_attribute("style", &format!("top: {}px; height: {height}", PAD + w.first as f64 * LINE));
        el.set_scroll_top(0);
        el.set_scroll_left(0);
    };
    // Where the textarea's selection is, in bytes of the whole text.
    let selection = move || -> Option<(usize, usize)> {
        let el = area.get_untracked()?;
        let w = window.get_value();
        let (a, b) = (el.selection_start().ok()??, el.selection_end().ok()??);
        text.with_value(|t| {
            let shown = &t[w.start..w.end];
            Some((w.start + byte_of_utf16(shown, a as usize), w.start + byte_of_utf16(shown, b as usize)))
        })
    };
    let focused = move || {
        let active = document().active_element();
        area.get_untracked().is_some_and(|el| active.is_some_and(|a| a == **el))
    };
    // Puts window `w` in the textarea, with the selection at bytes `keep` of the whole text if
    // the window holds them (a focused textarea whose caret the window leaves loses focus, so
    // typing never lands anywhere else), and scrolls to line `scroll_to`.
    let show = move |w: Window, keep: Option<(usize, usize)>, scroll_to: Option<usize>| {
        let Some(el) = area.get_untracked() else { return };
        let was_focused = focused();
        shown.set_value(true);
        window.set_value(w);
        text.with_value(|t| el.set_value(&t[w.start..w.end]));
        place(w);
        if let Some(line) = scroll_to {
            if let Some(sc) = scroller.get_untracked() {
                sc.set_scroll_top((line as f64 * LINE) as i32);
            }
        }
        match keep {
            Some((a, b)) if a >= w.start && b <= w.end => text.with_value(|t| {
                let shown = &t[w.start..w.end];
                let (a, b) = (utf16_of_byte(shown, a - w.start), utf16_of_byte(shown, b - w.start));
                let _ = el.set_selection_range(a as u32, b as u32);
            }),
            Some(_) if was_focused => {
                let _ = el.blur();
            }
            _ => {}
        }
    };
    // The window around byte `caret` of the text, shown with `keep` selected and the caret's line
    // near the bottom of the view, as the browser leaves a paste.
    let show_caret = move |caret: usize, keep: Option<(usize, usize)>| {
        let (fresh, line) = text.with_value(|t| {
            let line = line_of(t, caret);
            (Window::around(t, line), line)
        });
        show(fresh, keep, Some(line.saturating_sub(8)));
    };
    // Whether Ctrl+A has selected all of a text longer than its window (what a copy, cut, paste
    // or key then acts on).
    let all_of_long_text = move || {
        let w = window.get_value();
        all.get_value() && !w.is_whole(text.with_value(String::len)) && spans_window(&area, w)
    };
    // The text read again once typing pauses.
    let generation = StoredValue::new(0u64);
    let commit = move || {
        let g = generation.get_value() + 1;
        generation.set_value(g);
        set_timeout(
            move || {
                if generation.get_value() == g {
                    studio.set_text(text.get_value());
                }
            },
            DEBOUNCE,
        );
    };
    // The whole text replaced (a paste over everything, a cut of everything, a new design).
    let replace_all = move |new: String, caret_at_end: bool| {
        let new = normalize_newlines(new);
        widest.set_value(longest_line(&new));
        let end = new.len();
        text.set_value(new);
        if caret_at_end {
            show_caret(end, Some((end, end)));
        } else {
            let w = text.with_value(|t| Window::around(t, 0));
            show(w, None, Some(0));
        }
    };

    // A new design (scenario, link, file, New) replaces the text. The first run gives the
    // textarea its first window and sizes the sheet, unless an input came first: what the user
    // typed is never overwritten.
    Effect::new(move |previous: Option<()>| {
        let s = studio.source.get();
        if previous.is_none() {
            if !shown.get_value() {
                let w = window.get_value();
                show(w, None, None);
            }
            place(window.get_value());
        } else if text.with_value(|t| *t != s) {
            replace_all(s, false);
        }
    });
    let on_input = move |_: ev::Event| {
        let Some(el) = area.get_untracked() else { return };
        let value = el.value();
        let w = if shown.get_value() { window.get_value() } else { text.with_value(|t| Window::whole(t)) };
        let w = text.try_update_value(|t| {
            let (after, w) = w.splice(t, &value);
            *t = after;
            w
        });
        let Some(w) = w else { return };
        widest.set_value(widest.get_value().max(longest_line(&value)));
        if w.lines > 2 * WINDOW && w.total() > WHOLE {
            // Text that came in without the paste handler (a drop, a script): a window again,
            // around the caret, before the browser lays it all out.
            let keep = selection();
            show_caret(keep.map_or(w.end, |k| k.1), keep);
        } else {
            shown.set_value(true);
            window.set_value(w);
            place(w);
        }
        commit();
    };
    // A long paste goes into the text here, never through the textarea.
    let on_paste = move |e: ev::ClipboardEvent| {
        if studio.read_only.get_untracked() {
            return; // the browser refuses it too
        }
        let Some(pasted) = e.clipboard_data().and_then(|d| d.get_data("text/plain").ok()) else { return };
        let pasted = normalize_newlines(pasted);
        let w = window.get_value();
        let len = text.with_value(String::len);
        let everything = all.get_value() && spans_window(&area, w);
        let after = if everything { pasted.len() } else { len.saturating_sub(selected_len(&area)) + pasted.len() };
        if w.is_whole(len) && after <= BIG && e.is_trusted() {
            return; // the browser's own paste, with its undo (a script's paste inserts nothing)
        }
        e.prevent_default();
        all.set_value(false);
        if everything {
            replace_all(pasted, true);
        } else {
            let Some((a, b)) = selection() else { return };
            let caret = a + pasted.len();
            text.update_value(|t| t.replace_range(a..b, &pasted));
            widest.set_value(widest.get_value().max(longest_line(&pasted)));
            show_caret(caret, Some((caret, caret)));
        }
        commit();
    };
    // After Ctrl+A over a window, typing or deleting replaces the whole text.
    let on_before_input = move |e: ev::InputEvent| {
        if studio.read_only.get_untracked() || !all_of_long_text() {
            return;
        }
        let kind = e.input_type();
        let with = match kind.as_str() {
            "insertFromPaste" | "insertFromDrop" => return,
            "insertLineBreak" | "insertParagraph" => "\n".to_string(),
            k if k.starts_with("insert") => e.data().unwrap_or_default(),
            k if k.starts_with("delete") => String::new(),
            _ => return,
        };
        e.prevent_default();
        all.set_value(false);
        replace_all(with, true);
        commit();
    };
    let on_keydown = move |e: ev::KeyboardEvent| {
        let key = e.key();
        if (e.ctrl_key() || e.meta_key()) && key.eq_ignore_ascii_case("a") {
            all.set_value(true);
        } else if key.starts_with("Arrow") || matches!(key.as_str(), "Home" | "End" | "PageUp" | "PageDown") {
            all.set_value(false);
        }
    };
    // Copy and cut after Ctrl+A over a window take the whole text.
    let on_copy = move |e: ev::ClipboardEvent, cut: bool| {
        if !all_of_long_text() {
            return;
        }
        let Some(data) = e.clipboard_data() else { return };
        if text.with_value(|t| data.set_data("text/plain", t)).is_err() {
            return;
        }
        e.prevent_default();
        if cut && !studio.read_only.get_untracked() {
            all.set_value(false);
            replace_all(String::new(), true);
            commit();
        }
    };
    // Scrolling moves the window before the view reaches its end.
    let on_scroll = move |_: ev::Event| {
        let Some(sc) = scroller.get_untracked() else { return };
        let w = window.get_value();
        if w.is_whole(text.with_value(String::len)) {
            return;
        }
        let top = ((sc.scroll_top() as f64 - PAD).max(0.0) / LINE) as usize;
        let rows = (sc.client_height() as f64 / LINE).ceil() as usize;
        if !w.covers(top, rows) {
            let keep = if focused() { selection() } else { None };
            let fresh = text.with_value(|t| Window::for_view(t, top, rows));
            all.set_value(false);
            show(fresh, keep, None);
        }
    };
    let load_text = move |new: String| {
        replace_all(new.clone(), false);
        studio.set_text(new);
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
    // A diagnostic's line: selected from its column to its end, four lines from the top.
    let show_line = move |line: u32, column: u32| {
        let Some(el) = area.get_untracked() else { return };
        let line = line.saturating_sub(1) as usize;
        let (w, from, to) = text.with_value(|t| {
            let start = line_start(t, line);
            let end = t[start..].find('\n').map_or(t.len(), |e| start + e);
            let skip = column.saturating_sub(1) as usize;
            let from = t[start..end].char_indices().nth(skip).map_or(end, |(i, _)| start + i);
            (Window::around(t, line), from, end)
        });
        let _ = el.focus();
        show(w, Some((from, to)), Some(line.saturating_sub(4)));
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
            <div class="source-scroll" node_ref=scroller on:scroll=on_scroll>
                <div class="source-sheet" node_ref=sheet>
                    <textarea node_ref=area data-testid="source-input" class="source-input" spellcheck="false" aria-label="Schema text"
                        wrap="off" readonly=move || studio.read_only.get()
                        placeholder="Paste CREATE TABLE statements, a pg_dump or a mysqldump, DBML or a Prisma schema here, open a file, or drop one on this panel"
                        on:input=on_input on:paste=on_paste on:beforeinput=on_before_input on:keydown=on_keydown
                        on:mousedown=move |_| all.set_value(false)
                        on:copy=move |e| on_copy(e, false) on:cut=move |e| on_copy(e, true)></textarea>
                </div>
            </div>
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
