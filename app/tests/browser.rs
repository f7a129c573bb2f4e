//! Components mounted in a real browser (headless Chromium through wasm-bindgen-test), driven the
//! way a user drives them: by typing into the page and reading what it shows.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used, clippy::panic)]

use bellows_app::App;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app into a fresh container and returns it; each test gets its own.
fn mount() -> HtmlElement {
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let host: HtmlElement = document.create_element("div").expect("a div").unchecked_into();
    document.body().expect("a body").append_child(&host).expect("appended");
    leptos::mount::mount_to(host.clone(), App).forget();
    host
}

fn find(host: &HtmlElement, test_id: &str) -> Element {
    host.query_selector(&format!("[data-testid=\"{test_id}\"]"))
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={test_id}"))
}

fn text(host: &HtmlElement, test_id: &str) -> String {
    find(host, test_id).text_content().unwrap_or_default()
}

/// Lets Leptos run the effects that the last event scheduled.
async fn settle() {
    TimeoutFuture::new(20).await;
}

fn dispatch(target: &Element, event: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict(event, &init).expect("an event");
    target.dispatch_event(&event).expect("dispatched");
}

async fn type_source(host: &HtmlElement, sql: &str) {
    let input: HtmlTextAreaElement = find(host, "source-input").unchecked_into();
    input.set_value(sql);
    dispatch(&input, "input");
    settle().await;
}

#[wasm_bindgen_test]
async fn opens_on_the_example_schema() {
    let host = mount();
    settle().await;
    assert_eq!(text(&host, "table-count"), "5 tables");
    let list = text(&host, "table-list");
    for table in ["customers", "products", "orders", "order_items", "shipments"] {
        assert!(list.contains(table), "{table} missing from {list}");
    }
}

#[wasm_bindgen_test]
async fn counts_tables_as_the_user_types() {
    let host = mount();
    type_source(&host, "CREATE TABLE a (id int);\nCREATE TABLE b (id int, a_id int);").await;
    assert_eq!(text(&host, "table-count"), "2 tables");
    type_source(&host, "CREATE TABLE only_one (id int);").await;
    assert_eq!(text(&host, "table-count"), "1 table");
}

#[wasm_bindgen_test]
async fn shows_a_parse_error_with_its_line_and_column_and_keeps_the_text() {
    let host = mount();
    let sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id int,, x int);";
    type_source(&host, sql).await;
    assert_eq!(text(&host, "table-count"), "1 table");
    assert_eq!(text(&host, "error-count"), "1 error");
    let diagnostics = text(&host, "diagnostics");
    assert!(diagnostics.starts_with("2:24"), "diagnostics: {diagnostics}");
    let input: HtmlTextAreaElement = find(&host, "source-input").unchecked_into();
    assert_eq!(input.value(), sql, "the user's text must be kept as typed");
}

#[wasm_bindgen_test]
async fn the_dialect_can_be_chosen_instead_of_detected() {
    let host = mount();
    // Square brackets quote identifiers in SQLite only.
    type_source(&host, "CREATE TABLE [order] ([id] INTEGER PRIMARY KEY);").await;
    let select: HtmlSelectElement = find(&host, "dialect-select").unchecked_into();
    select.set_value("sqlite");
    dispatch(&select, "change");
    settle().await;
    assert_eq!(text(&host, "table-count"), "1 table");
    assert!(host.query_selector("[data-testid=\"error-count\"]").expect("selector").is_none());
}
