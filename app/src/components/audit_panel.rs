//! Findings on the target schema, by severity; clicking one selects its table (and column) on
//! the canvas. A finding with a mechanical fix offers "Fix", and each rule with fixes offers
//! "Fix all": the edits go to the target as one undo step, and the plan shows what they cost.

use crate::state::{Studio, Tab};
use bellows_core::lint::{fix_all, Rule};
use bellows_core::Severity;
use leptos::prelude::*;

/// Findings drawn at first per severity: a big dump has thousands, and drawing them all would
/// hold the page for most of a second; the rest are one click away.
const FIRST: usize = 100;

#[component]
pub fn AuditPanel(studio: Studio) -> impl IntoView {
    let findings = Memo::new(move |_| studio.analysis.with(|a| a.audit.clone()));
    // Severities the user asked to see in full.
    let expanded = RwSignal::new(Vec::<Severity>::new());
    let select = move |table: Option<String>, column: Option<String>| {
        let table = table?;
        let hit = studio.analysis.with_untracked(|a| {
            a.target.find_table(&table).map(|t| (t.id, column.and_then(|c| t.column(&c).map(|c| c.id))))
        });
        let (t, c) = hit?;
        studio.selected.set(Some(t));
        studio.selected_column.set(c);
        studio.tab.set(Tab::Table);
        c
    };
    let fix_all = move |code: &'static str| {
        let edits = findings.with_untracked(|all| fix_all(all.iter().filter(|f| f.rule.code() == code)));
        studio.edit_all(edits);
    };
    view! {
        <div class="audit" data-testid="audit">
            {move || {
                let all = findings.get();
                if all.is_empty() {
                    return view! { <p class="hint">"No debt found in the target schema."</p> }.into_any();
                }
                // Rules with fixes, and how many of their findings have one.
                let mut fixable: Vec<(&'static str, usize)> = Vec::new();
                for f in all.iter().filter(|f| f.fix.is_some()) {
                    match fixable.iter_mut().find(|(code, _)| *code == f.rule.code()) {
                        Some((_, n)) => *n += 1,
                        None => fixable.push((f.rule.code(), 1)),
                    }
                }
                let fix_bar = (!fixable.is_empty()).then(|| view! {
                    <div class="fix-all" data-testid="fix-all">
                        <span class="label">"Fix all:"</span>
                        {fixable.into_iter().map(|(code, n)| view! {
                            <button type="button" class="fix" data-code=code
                                title="Apply every fix of this rule to the target, as one undo step"
                                on:click=move |_| fix_all(code)>
                                {format!("{code} ({n})")}
                            </button>
                        }).collect_view()}
                    </div>
                });
                let lists = [Severity::Error, Severity::Warning, Severity::Info].into_iter().map(|sev| {
                    let of: Vec<_> = all.iter().filter(|f| f.severity == sev).cloned().collect();
                    let total = of.len();
                    let shown = if expanded.with(|e| e.contains(&sev)) { total } else { total.min(FIRST) };
                    let more = (shown < total).then(|| view! {
                        <button type="button" class="link show-more" data-testid="show-more-findings"
                            on:click=move |_| expanded.update(|e| e.push(sev))>
                            {format!("Show all {total} (the first {shown} are listed)")}
                        </button>
                    });
                    (!of.is_empty()).then(|| view! {
                        <h3 class=format!("sev {sev}")>{format!("{} ({})", match sev { Severity::Error => "Errors", Severity::Warning => "Warnings", Severity::Info => "Suggestions" }, of.len())}</h3>
                        <ul class="findings">
                            {of.into_iter().take(shown).map(|f| {
                                let (t, c) = (f.table.clone(), f.column.clone());
                                view! {
                                    <li class=format!("finding {sev}") data-testid="finding" data-code=f.rule.code()>
                                        <button type="button" class="finding-link" on:click={
                                            let (t, c) = (t.clone(), c.clone());
                                            move |_| { select(t.clone(), c.clone()); }
                                        }>
                                            <span class="code">{f.rule.code()}</span>
                                            <span class="message">{f.message.clone()}</span>
                                        </button>
                                        <span class="help">{f.help.clone()}</span>
                                        // Only a person knows the values a CHECK or an enum type
                                        // would list: the offer opens the inspector's form.
                                        {(f.rule == Rule::EnumLikeTextWithoutCheck).then(|| view! {
                                            <button type="button" class="fix" data-testid="allow-only-offer"
                                                title="List the values this column may hold: a CHECK or an enum type"
                                                on:click=move |_| studio.allow_only.set(select(t.clone(), c.clone()))>
                                                "Allow only\u{2026}"
                                            </button>
                                        })}
                                        {f.fix.clone().map(|fix| view! {
                                            <button type="button" class="fix" data-testid="fix"
                                                title="Apply this fix to the target, as one undo step"
                                                on:click=move |_| studio.edit_all(fix.edits.clone())>
                                                {format!("Fix: {}", fix.label)}
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {more}
                    })
                }).collect_view();
                view! { {fix_bar} {lists} }.into_any()
            }}
        </div>
    }
}
