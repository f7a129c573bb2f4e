//! The source panel: the DDL the user pastes or types, and the dialect it is read as.

use bellows_core::Dialect;
use leptos::prelude::*;

/// Where the schema comes from.
#[component]
pub fn SourcePanel(
    /// The DDL text exactly as the user typed it; never rewritten by the app.
    source: RwSignal<String>,
    /// The chosen dialect, or `None` to detect it from the text.
    dialect: RwSignal<Option<Dialect>>,
    /// The dialect the import actually used (shown when detecting).
    #[prop(into)]
    detected: Signal<Dialect>,
) -> impl IntoView {
    let on_dialect = move |ev| {
        let value = event_target_value(&ev);
        dialect.set(Dialect::parse(&value));
    };
    view! {
        <section class="panel source-panel" aria-label="Source schema">
            <div class="panel-head">
                <h2>"Source schema"</h2>
                <label class="dialect">
                    "Dialect "
                    <select data-testid="dialect-select" on:change=on_dialect>
                        <option value="auto" selected=move || dialect.get().is_none()>
                            {move || format!("Auto ({})", detected.get().label())}
                        </option>
                        {Dialect::ALL
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <option value=d.id() selected=move || dialect.get() == Some(d)>
                                        {d.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <textarea
                data-testid="source-input"
                class="source-input"
                spellcheck="false"
                aria-label="SQL DDL"
                placeholder="Paste CREATE TABLE statements, a pg_dump or a mysqldump here"
                prop:value=move || source.get()
                on:input=move |ev| source.set(event_target_value(&ev))
            ></textarea>
        </section>
    }
}
