//! The Consumers tab: the application's SQL (services, jobs, dashboards, webhooks), each
//! statement checked on the base and after every stage of the plan by the worker; what breaks,
//! where and why, and the statement rewritten for the target where a rename is the cause.

use crate::browser;
use crate::engine::{Reply, Request};
use crate::state::Studio;
use bellows_core::consumers::{Consumer, ConsumerKind, Outcome, Verdict};
use leptos::prelude::*;
use std::time::Duration;

/// Typing pauses this long before the statements are checked again.
const DEBOUNCE: Duration = Duration::from_millis(400);

#[component]
pub fn ConsumersPanel(studio: Studio) -> impl IntoView {
    let add = move |_| {
        studio.change_consumers(|cs| {
            let n = cs.len() + 1;
            cs.push(Consumer {
                name: format!("consumer {n}"),
                kind: ConsumerKind::Service,
                owner: String::new(),
                sql: String::new(),
            });
        })
    };
    view! {
        <div class="consumers-panel" data-testid="consumers-panel">
            <p class="muted intro">
                "What reads or writes the schema outside it: a service, a job, a dashboard. Paste its SQL (sqlc\u{2019}s "
                <code>"-- name:"</code>" comments name the statements): each one is checked on the base and after every stage of the plan."
            </p>
            <For each=move || 0..studio.consumers.with(Vec::len) key=|i| *i let(index)>
                <ConsumerCard studio=studio index=index />
            </For>
            <button type="button" class="primary" data-testid="add-consumer" disabled=move || studio.read_only.get()
                on:click=add>"+ Consumer"</button>
        </div>
    }
}

#[component]
fn ConsumerCard(studio: Studio, index: usize) -> impl IntoView {
    let field =
        move |f: fn(&Consumer) -> String| move || studio.consumers.with(|cs| cs.get(index).map(f).unwrap_or_default());
    let set = move |change: Box<dyn FnOnce(&mut Consumer)>| {
        studio.change_consumers(move |cs| {
            if let Some(c) = cs.get_mut(index) {
                change(c);
            }
        })
    };
    // The SQL as typed; it reaches the design (and the worker) after a pause.
    let draft = RwSignal::new(field(|c| c.sql.clone())());
    Effect::new(move |_| {
        let now = studio.consumers.with(|cs| cs.get(index).map(|c| c.sql.clone()).unwrap_or_default());
        if draft.get_untracked() != now {
            draft.set(now);
        }
    });
    let generation = StoredValue::new(0u64);
    let on_input = move |e: leptos::ev::Event| {
        draft.set(event_target_value(&e));
        let g = generation.get_value() + 1;
        generation.set_value(g);
        set_timeout(
            move || {
                let text = draft.get_untracked();
                let same = studio.consumers.with_untracked(|cs| cs.get(index).is_some_and(|c| c.sql == text));
                if generation.get_value() == g && !same {
                    set(Box::new(move |c| c.sql = text));
                }
            },
            DEBOUNCE,
        );
    };
    // A `.sql` file is the consumer's SQL; a `.csv` one, a server's statement statistics
    // (pg_stat_statements, MySQL's digests), which the worker reads into SQL.
    let open_file = move |file: Option<web_sys::File>| {
        if let Some(file) = file {
            let csv = file.name().to_ascii_lowercase().ends_with(".csv");
            leptos::task::spawn_local(async move {
                match browser::read_file(file).await {
                    Some(text) if csv => studio.ask(Request::ReadExport(text), move |reply| match reply {
                        Reply::File(Ok((_, sql))) => set(Box::new(move |c| c.sql = sql)),
                        Reply::File(Err(e)) => {
                            studio.notice.set(Some(format!("That CSV is not a statement export Bellows reads: {e}")))
                        }
                        _ => {}
                    }),
                    Some(text) => set(Box::new(move |c| c.sql = text)),
                    None => studio.notice.set(Some("That file could not be read as text.".into())),
                }
            });
        }
    };
    let report = Memo::new(move |_| studio.analysis.with(|a| a.consumers.get(index).cloned()));
    let summary = move || {
        report.with(|r| {
            let Some(r) = r else { return ("muted", "not checked yet".to_string()) };
            let mut breaking: Vec<usize> =
                r.outcomes.iter().filter(|o| o.verdict.breaks()).map(|o| o.statement).collect();
            breaking.dedup();
            let mut warned: Vec<usize> =
                r.outcomes.iter().filter(|o| !o.verdict.breaks()).map(|o| o.statement).collect();
            warned.dedup();
            let statements = plural(r.statements, "statement");
            match (breaking.len(), warned.len()) {
                (0, 0) if r.statements == 0 => ("muted", "no statements yet".to_string()),
                (0, 0) => ("ok", format!("{statements}: all run at every stage")),
                (0, w) => ("warning", format!("{statements}: {w} to look at")),
                (b, _) => ("error", format!("{statements}: {b} break")),
            }
        })
    };
    let read_only = move || studio.read_only.get();
    view! {
        <section class="consumer" data-testid="consumer">
            <div class="consumer-head">
                <input class="consumer-name" data-testid="consumer-name" aria-label="Consumer name" prop:value=field(|c| c.name.clone())
                    readonly=read_only on:change=move |e| { let v = event_target_value(&e); set(Box::new(move |c| c.name = v)); } />
                <select aria-label="Kind" data-testid="consumer-kind" disabled=read_only
                    on:change=move |e| {
                        let kind = ConsumerKind::parse(&event_target_value(&e)).unwrap_or_default();
                        set(Box::new(move |c| c.kind = kind));
                    }>
                    {ConsumerKind::ALL.into_iter().map(|k| view! {
                        <option value=k.id() selected=move || studio.consumers.with(|cs| cs.get(index).map(|c| c.kind)) == Some(k)>{k.id()}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="link danger" data-testid="remove-consumer" disabled=read_only
                    on:click=move |_| studio.change_consumers(|cs| { if index < cs.len() { cs.remove(index); } })>"remove"</button>
            </div>
            <div class="consumer-meta">
                <input class="consumer-owner" aria-label="Owner" placeholder="owner (team or person)" prop:value=field(|c| c.owner.clone())
                    readonly=read_only on:change=move |e| { let v = event_target_value(&e); set(Box::new(move |c| c.owner = v)); } />
                <label class="file-button" title="Load its SQL from a .sql file, or a pg_stat_statements or MySQL statement-digest export (.csv)">
                    "Open\u{2026}"
                    <input type="file" data-testid="consumer-file" accept=".sql,.txt,.csv,text/plain,text/csv" disabled=read_only
                        on:change=move |e| open_file(event_target::<web_sys::HtmlInputElement>(&e).files().and_then(|f| f.get(0))) />
                </label>
            </div>
            <textarea class="consumer-sql" data-testid="consumer-sql" spellcheck="false" aria-label="Its SQL" readonly=read_only
                placeholder="-- name: RecentOrders :many\nSELECT id, total FROM orders WHERE created_at > $1;"
                prop:value=move || draft.get() on:input=on_input></textarea>
            <p class=move || format!("consumer-summary {}", summary().0) data-testid="consumer-summary">{move || summary().1}</p>
            <ul class="outcomes">
                {move || report.get().map(|r| r.outcomes.into_iter().map(outcome_view).collect_view())}
            </ul>
        </section>
    }
}

fn outcome_view(o: Outcome) -> impl IntoView {
    let (class, verdict) = match o.verdict {
        Verdict::AlreadyBroken => ("error", "already broken".to_string()),
        Verdict::PlanDefect => ("error", format!("breaks {} while v1 still runs: a plan defect", o.point)),
        Verdict::RetireBefore => ("hard", format!("breaks {}: rewrite or retire it before then", o.point)),
        Verdict::Unchecked => ("warning", "not checked".to_string()),
        Verdict::OutputChanges => ("warning", format!("its * changes {}", o.point)),
    };
    let rewrite = o.rewrite.clone().map(|to| {
        let copy_text = to.clone();
        view! {
            <div class="rewrite" data-testid="rewrite">
                <div><span class="muted">"now"</span><pre>{o.original.clone().unwrap_or_default()}</pre></div>
                <div><span class="muted">"for the target"</span><pre>{to}</pre></div>
                <button type="button" class="link" on:click=move |_| browser::copy(&copy_text)>"copy"</button>
            </div>
        }
    });
    view! {
        <li class=format!("outcome {class}") data-testid="outcome">
            <div class="outcome-head">
                <strong>{o.label.clone()}</strong>
                <span class="muted">{format!(" {}:{}", o.span.line, o.span.column)}</span>
                <span class=format!("badge {class}")>{verdict}</span>
            </div>
            <div class="outcome-message">{o.message.clone()}</div>
            {o.step.clone().map(|s| view! { <div class="muted">"broken by the step \u{201c}"{s}"\u{201d}"</div> })}
            {rewrite}
        </li>
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
