//! Findings on the target schema, by severity; clicking one selects its table (and column) on
//! the canvas.

use crate::state::{Studio, Tab};
use bellows_core::Severity;
use leptos::prelude::*;

#[component]
pub fn AuditPanel(studio: Studio) -> impl IntoView {
    let findings = Memo::new(move |_| studio.analysis.with(|a| a.audit.clone()));
    let select = move |table: Option<String>, column: Option<String>| {
        let Some(table) = table else { return };
        let hit = studio.analysis.with_untracked(|a| {
            a.target.find_table(&table).map(|t| (t.id, column.and_then(|c| t.column(&c).map(|c| c.id))))
        });
        if let Some((t, c)) = hit {
            studio.selected.set(Some(t));
            studio.selected_column.set(c);
            studio.tab.set(Tab::Table);
        }
    };
    view! {
        <div class="audit" data-testid="audit">
            {move || {
                let all = findings.get();
                if all.is_empty() {
                    return view! { <p class="hint">"No debt found in the target schema."</p> }.into_any();
                }
                [Severity::Error, Severity::Warning, Severity::Info].into_iter().map(|sev| {
                    let of: Vec<_> = all.iter().filter(|f| f.severity == sev).cloned().collect();
                    (!of.is_empty()).then(|| view! {
                        <h3 class=format!("sev {sev}")>{format!("{} ({})", match sev { Severity::Error => "Errors", Severity::Warning => "Warnings", Severity::Info => "Suggestions" }, of.len())}</h3>
                        <ul class="findings">
                            {of.into_iter().map(|f| {
                                let (t, c) = (f.table.clone(), f.column.clone());
                                view! {
                                    <li class=format!("finding {sev}") data-testid="finding" data-code=f.rule.code()>
                                        <button type="button" class="finding-link" on:click=move |_| select(t.clone(), c.clone())>
                                            <span class="code">{f.rule.code()}</span>
                                            <span class="message">{f.message.clone()}</span>
                                        </button>
                                        <span class="help">{f.help.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                }).collect_view().into_any()
            }}
        </div>
    }
}
