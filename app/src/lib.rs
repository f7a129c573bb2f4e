//! The Bellows playground: a Leptos client-side app over `bellows-core`.
//!
//! Components stay thin: they hold no planning logic, only signals and views over the core's
//! plain data. Browser I/O lives in one module as it arrives.

pub mod components;
pub mod examples;

use bellows_core::{import, Dialect};
use components::{ImportSummary, SourcePanel};
use leptos::prelude::*;

/// The whole page: header, the source panel and what was read from it.
#[component]
pub fn App() -> impl IntoView {
    let source = RwSignal::new(examples::SHOP.to_string());
    // `None` means "detect from the text".
    let dialect = RwSignal::new(None::<Dialect>);
    let imported = Memo::new(move |_| source.with(|text| import(text, dialect.get())));

    view! {
        <header class="app-header">
            <span class="brand">"Bellows"</span>
            <span class="tagline">"Design the schema you want. Get the migration that gets you there safely."</span>
        </header>
        <main class="workspace">
            <SourcePanel source=source dialect=dialect detected=Signal::derive(move || imported.with(|i| i.dialect)) />
            <ImportSummary imported=imported />
        </main>
    }
}
