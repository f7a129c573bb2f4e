//! What the import found: the table count, the tables, and every diagnostic with its line:column.

use bellows_core::{Import, Severity};
use leptos::prelude::*;

/// The result of reading the source schema.
#[component]
pub fn ImportSummary(
    /// The latest import of the source panel's text.
    imported: Memo<Import>,
) -> impl IntoView {
    let table_count = move || imported.with(|i| i.schema.tables.len());
    let count_label = move || match table_count() {
        1 => "1 table".to_string(),
        n => format!("{n} tables"),
    };
    let column_count = move || imported.with(|i| i.schema.column_count());
    let error_count = move || imported.with(|i| i.errors().count());

    view! {
        <section class="panel summary-panel" aria-label="What Bellows read">
            <div class="panel-head">
                <h2>"Schema"</h2>
                <span class="count" data-testid="table-count">{count_label}</span>
                <span class="muted">{move || plural(column_count(), "column")}</span>
                <Show when=move || { error_count() > 0 }>
                    <span class="badge error" data-testid="error-count">
                        {move || match error_count() {
                            1 => "1 error".to_string(),
                            n => format!("{n} errors"),
                        }}
                    </span>
                </Show>
            </div>
            <ul class="diagnostics" data-testid="diagnostics">
                {move || {
                    imported
                        .with(|i| {
                            i.diagnostics
                                .iter()
                                .filter(|d| d.severity != Severity::Info)
                                .map(|d| {
                                    let class = format!("diagnostic {}", d.severity);
                                    view! {
                                        <li class=class data-testid="diagnostic">
                                            <span class="where">{d.span.to_string()}</span>
                                            <span class="message">{d.message.clone()}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ul>
            <ul class="tables" data-testid="table-list">
                {move || {
                    imported
                        .with(|i| {
                            i.schema
                                .tables
                                .iter()
                                .map(|t| {
                                    let cols = t.columns.len();
                                    view! {
                                        <li class="table-card">
                                            <span class="table-name">{t.qualified_name()}</span>
                                            <span class="muted">
                                                {plural(cols, "column")}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ul>
        </section>
    }
}

/// "1 column", "2 columns".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
