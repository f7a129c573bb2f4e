//! Components mounted in a real browser (headless Chromium through wasm-bindgen-test), driven the
//! way a user drives them: by typing into the page and reading what it shows.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used, clippy::panic)]

use bellows_app::App;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    Element, Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent,
    KeyboardEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app into a fresh container and returns it; each test gets its own (and starts
/// from the default design: no autosave, no link).
fn mount() -> HtmlElement {
    let window = web_sys::window().expect("a window");
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.clear();
    }
    let document = window.document().expect("a document");
    let host: HtmlElement = document.create_element("div").expect("a div").unchecked_into();
    document.body().expect("a body").append_child(&host).expect("appended");
    // No built site here, so no worker: the engine answers on the page, still asynchronously.
    bellows_app::engine::start_inline();
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

/// Lets Leptos run the effects that the last event scheduled (and the source's debounce).
async fn settle() {
    TimeoutFuture::new(400).await;
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
    let names = card_names(&host);
    for table in ["customers", "products", "orders", "order_items", "shipments"] {
        assert!(names.iter().any(|n| n == table), "{table} missing from the canvas: {names:?}");
    }
    assert!(text(&host, "audit-count").parse::<usize>().expect("a number") > 5, "the example has debt to show");
}

fn card_names(host: &HtmlElement) -> Vec<String> {
    let cards = host.query_selector_all("[data-testid=\"table-card\"]").expect("selector");
    (0..cards.length())
        .filter_map(|i| cards.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|e| e.get_attribute("data-name"))
        .collect()
}

fn click(el: &Element) {
    el.dyn_ref::<HtmlElement>().expect("an HTML element").click();
}

/// Opens the Table tab and selects the first card the way the canvas does (pointer down, up).
async fn select_first_card(host: &HtmlElement) {
    select_card(host, find(host, "table-card")).await;
}

/// Opens the Table tab and selects the card of the table `name`.
async fn select_table(host: &HtmlElement, name: &str) {
    let card = host
        .query_selector(&format!("[data-testid=\"table-card\"][data-name=\"{name}\"]"))
        .expect("selector")
        .unwrap_or_else(|| panic!("no card for {name}"));
    select_card(host, card).await;
}

async fn select_card(host: &HtmlElement, card: Element) {
    click(&find(host, "tab-table"));
    settle().await;
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_button(0);
    for kind in ["pointerdown", "pointerup"] {
        let event = web_sys::PointerEvent::new_with_event_init_dict(kind, &init).expect("event");
        card.dispatch_event(&event).expect("dispatched");
    }
    settle().await;
}

/// Types into a text input and presses Enter, as the inspector expects.
fn enter(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    dispatch(input, "input");
    let init = KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("an event");
    input.dispatch_event(&event).expect("dispatched");
}

#[wasm_bindgen_test]
async fn renaming_a_column_in_the_inspector_plans_the_rename_recipe_and_undo_takes_it_back() {
    let host = mount();
    type_source(&host, "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);").await;
    // Select the table the way the canvas does, then edit in the inspector.
    select_first_card(&host).await;
    let name: HtmlInputElement = host
        .query_selector("[data-column=\"created_at\"] input[type=\"text\"]")
        .expect("selector")
        .expect("the column's name field")
        .unchecked_into();
    enter(&name, "placed_at");
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("rename column orders.created_at -> placed_at"), "{plan}");
    assert!(plan.contains("CREATE TRIGGER"), "the rename recipe keeps both columns in step: {plan}");
    click(&find(&host, "undo"));
    settle().await;
    assert!(
        host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(),
        "undo takes the rename back"
    );
    click(&find(&host, "redo"));
    settle().await;
    assert!(text(&host, "plan").contains("placed_at"));
}

/// Picks `value` in the identity control of `column` in the inspector.
fn pick_identity(host: &HtmlElement, column: &str, value: &str) {
    let select: HtmlSelectElement = host
        .query_selector(&format!("tr.row-actions[data-column=\"{column}\"] [data-testid=\"identity\"]"))
        .expect("selector")
        .unwrap_or_else(|| panic!("no identity control on {column}"))
        .unchecked_into();
    select.set_value(value);
    dispatch(&select, "change");
}

#[wasm_bindgen_test]
async fn a_column_becomes_an_identity_in_the_inspector_and_a_serial_turns_into_one() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE TABLE tags (id serial PRIMARY KEY);",
    )
    .await;
    select_table(&host, "orders").await;
    // Text columns have no identity to choose.
    assert!(
        host.query_selector("tr.row-actions[data-column=\"note\"] [data-testid=\"identity\"]")
            .expect("selector")
            .is_none(),
        "a text column offers no identity"
    );
    pick_identity(&host, "id", "by-default");
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("orders.id: GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
    assert!(plan.contains("ADD GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
    click(&find(&host, "undo"));
    settle().await;
    assert!(host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(), "undo takes it back");

    // A serial shows as one, and becomes an identity that starts past its highest key.
    select_table(&host, "tags").await;
    let select: HtmlSelectElement = host
        .query_selector("tr.row-actions[data-column=\"id\"] [data-testid=\"identity\"]")
        .expect("selector")
        .expect("the serial's identity control")
        .unchecked_into();
    assert_eq!(select.value(), "serial");
    pick_identity(&host, "id", "by-default");
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("tags.id: serial to GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
}

/// The comment field of `column` (None: the table's own), if the inspector shows one.
fn comment_area(host: &HtmlElement, column: Option<&str>) -> Option<HtmlTextAreaElement> {
    let selector = match column {
        Some(c) => format!("tr.row-actions[data-column=\"{c}\"] [data-testid=\"column-comment\"]"),
        None => "[data-testid=\"table-comment\"]".to_string(),
    };
    host.query_selector(&selector).expect("selector").map(|e| e.unchecked_into())
}

#[wasm_bindgen_test]
async fn comments_are_written_in_the_inspector_and_planned_one_undo_step_each() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);\nCOMMENT ON COLUMN orders.total IS 'in cents';",
    )
    .await;
    select_table(&host, "orders").await;
    // A column with a comment shows it; one without shows no field until it is selected.
    let total = comment_area(&host, Some("total")).expect("the comment of total");
    assert_eq!(total.value(), "in cents");
    assert!(comment_area(&host, Some("note")).is_none(), "an uncommented column shows no empty field");

    let table = comment_area(&host, None).expect("the table's comment field");
    assert_eq!(table.value(), "");
    table.set_value("One row per checkout;\nit's kept for seven years");
    dispatch(&table, "change");
    settle().await;
    // The analysis redraws the field with the comment as the design now has it.
    assert_eq!(
        comment_area(&host, None).expect("table comment").value(),
        "One row per checkout;\nit's kept for seven years"
    );
    let total = comment_area(&host, Some("total")).expect("the comment of total");
    total.set_value("");
    dispatch(&total, "change");
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("set the comment of table orders"), "{plan}");
    assert!(plan.contains("COMMENT ON TABLE orders IS 'One row per checkout;\nit''s kept for seven years'"), "{plan}");
    assert!(plan.contains("COMMENT ON COLUMN orders.total IS NULL"), "{plan}");

    // Each comment was one edit: two undos take both back.
    click(&find(&host, "undo"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("COMMENT ON TABLE orders"), "the table's comment is still planned: {plan}");
    assert!(!plan.contains("orders.total IS NULL"), "{plan}");
    click(&find(&host, "undo"));
    settle().await;
    assert!(host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(), "undo takes both back");
}

fn enum_labels(host: &HtmlElement) -> Vec<String> {
    let items = host.query_selector_all("[data-testid=\"enum-label\"]").expect("selector");
    (0..items.length())
        .filter_map(|i| items.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|e| e.get_attribute("data-label"))
        .collect()
}

fn choose(host: &HtmlElement, test_id: &str, value: &str) {
    let select: HtmlSelectElement = find(host, test_id).unchecked_into();
    select.set_value(value);
    dispatch(&select, "change");
}

#[wasm_bindgen_test]
async fn enum_labels_are_renamed_added_and_removed_in_the_inspector_one_undo_step_each() {
    let host = mount();
    type_source(
        &host,
        "CREATE TYPE mood AS ENUM ('sad', 'meh', 'ok', 'happy');\nCREATE TABLE surveys (id bigint PRIMARY KEY, answer mood NOT NULL DEFAULT 'meh');",
    )
    .await;
    select_table(&host, "surveys").await;
    assert_eq!(enum_labels(&host), ["sad", "meh", "ok", "happy"]);
    assert!(text(&host, "enum").contains("held by answer"), "{}", text(&host, "enum"));

    // Rename in place: the label's field commits on change.
    let sad: HtmlInputElement = host
        .query_selector("[data-testid=\"enum-label\"][data-label=\"sad\"] input")
        .expect("selector")
        .expect("the field of 'sad'")
        .unchecked_into();
    sad.set_value("down");
    dispatch(&sad, "change");
    until("the rename", || enum_labels(&host) == ["down", "meh", "ok", "happy"]).await;

    // A new label before another.
    let label: HtmlInputElement = find(&host, "new-label").unchecked_into();
    label.set_value("content");
    dispatch(&label, "input");
    choose(&host, "label-before", "happy");
    click(&find(&host, "add-label"));
    until("the new label", || enum_labels(&host) == ["down", "meh", "ok", "content", "happy"]).await;

    // Removing 'meh' with no replacement is refused (it is the column's default), with the reason.
    click(
        &host.query_selector("[data-label=\"meh\"] [data-testid=\"remove-label\"]").expect("selector").expect("remove"),
    );
    until("the refusal", || host.query_selector("[data-testid=\"enum-error\"]").ok().flatten().is_some()).await;
    assert!(
        text(&host, "enum-error").contains("'meh' is the default of surveys.answer"),
        "{}",
        text(&host, "enum-error")
    );
    assert_eq!(enum_labels(&host), ["down", "meh", "ok", "content", "happy"]);
    // With 'ok' for its rows it goes, and the default follows.
    choose(&host, "label-replacement", "ok");
    click(
        &host.query_selector("[data-label=\"meh\"] [data-testid=\"remove-label\"]").expect("selector").expect("remove"),
    );
    until("the removal", || enum_labels(&host) == ["down", "ok", "content", "happy"]).await;

    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    for expected in [
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'down'",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'content' AFTER 'ok'",
        "CASE answer::text WHEN 'meh' THEN 'ok' ELSE answer::text END",
        "CREATE TYPE mood AS ENUM ('down', 'ok', 'content', 'happy')",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    // Three edits (the refused one was withdrawn): three undos take them all back.
    for _ in 0..3 {
        click(&find(&host, "undo"));
        settle().await;
    }
    assert!(host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(), "undo takes all back");
}

/// The control `test_id` in the actions row of `column`.
fn in_row(host: &HtmlElement, column: &str, test_id: &str) -> Element {
    host.query_selector(&format!("tr.row-actions[data-column=\"{column}\"] [data-testid=\"{test_id}\"]"))
        .expect("selector")
        .unwrap_or_else(|| panic!("no {test_id} for {column}"))
}

#[wasm_bindgen_test]
async fn a_text_column_is_allowed_only_listed_values_as_an_enum_type_or_a_check_one_undo_step_each() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(12) NOT NULL DEFAULT 'new', channel text);",
    )
    .await;
    select_table(&host, "orders").await;
    // The form starts from the column's default, which must be one of the values.
    click(&in_row(&host, "status", "allow-only"));
    settle().await;
    let values: HtmlInputElement = in_row(&host, "status", "allowed-values").unchecked_into();
    assert_eq!(values.value(), "new, ");
    values.set_value("new, paid, shipped");
    dispatch(&values, "input");
    let how: HtmlSelectElement = in_row(&host, "status", "allowed-as").unchecked_into();
    how.set_value("enum");
    dispatch(&how, "change");
    click(&in_row(&host, "status", "allow-only-apply"));
    until("the enum type", || enum_labels(&host) == ["new", "paid", "shipped"]).await;
    assert!(text(&host, "enum").contains("orders_status"), "{}", text(&host, "enum"));

    // A value listed twice is refused with the reason; the typed list stays to be fixed.
    click(&in_row(&host, "channel", "allow-only"));
    settle().await;
    let values: HtmlInputElement = in_row(&host, "channel", "allowed-values").unchecked_into();
    values.set_value("web, web");
    dispatch(&values, "input");
    click(&in_row(&host, "channel", "allow-only-apply"));
    settle().await;
    assert!(text(&host, "allow-only-error").contains("'web' is listed twice"), "{}", text(&host, "allow-only-error"));
    let values: HtmlInputElement = in_row(&host, "channel", "allowed-values").unchecked_into();
    assert_eq!(values.value(), "web, web");
    values.set_value("web, 'phone, fax'");
    dispatch(&values, "input");
    click(&in_row(&host, "channel", "allow-only-apply"));
    until("the CHECK", || {
        host.query_selector("[data-testid=\"checks\"]")
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("channel IN ('web', 'phone, fax')"))
    })
    .await;

    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    for expected in [
        "CREATE TYPE orders_status AS ENUM ('new', 'paid', 'shipped')",
        "status::text NOT IN ('new', 'paid', 'shipped')",
        "ALTER TABLE orders ALTER COLUMN status_new SET DEFAULT 'new'",
        "ADD CONSTRAINT orders_channel_check CHECK (channel IN ('web', 'phone, fax')) NOT VALID",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    // Each gesture is one undo step, the enum type's three edits included.
    for _ in 0..2 {
        click(&find(&host, "undo"));
        settle().await;
    }
    assert!(host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(), "undo takes both back");
}

/// The audit finds a free-text status; its "Allow only…" opens that column's form in the
/// inspector with the cursor in the list (a CHECK's values are the user's to give), and the CHECK
/// made there retires the finding.
#[wasm_bindgen_test]
async fn the_audit_offers_to_hold_an_enum_like_column_to_listed_values_in_the_inspector() {
    let host = mount();
    type_source(&host, "CREATE TABLE tickets (id bigint PRIMARY KEY, title text NOT NULL, status text NOT NULL);")
        .await;
    click(&find(&host, "tab-audit"));
    settle().await;
    let offer = host
        .query_selector(
            "[data-testid=\"finding\"][data-code=\"enum-like-text-without-check\"] [data-testid=\"allow-only-offer\"]",
        )
        .expect("selector")
        .expect("the enum-like finding offers \"Allow only…\"");
    click(&offer);
    until("the form open with the cursor in the list", || {
        let form = host
            .query_selector("tr.row-actions[data-column=\"status\"] [data-testid=\"allow-only-form\"]")
            .ok()
            .flatten();
        let focused = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.get_attribute("data-testid"));
        form.is_some_and(|f| !f.class_list().contains("hidden")) && focused.as_deref() == Some("allowed-values")
    })
    .await;
    assert!(find(&host, "tab-table").class_list().contains("active"), "the Table tab shows the column");
    let values: HtmlInputElement = in_row(&host, "status", "allowed-values").unchecked_into();
    values.set_value("open, closed");
    dispatch(&values, "input");
    click(&in_row(&host, "status", "allow-only-apply"));
    until("the CHECK", || text(&host, "checks").contains("status IN ('open', 'closed')")).await;
    click(&find(&host, "tab-audit"));
    settle().await;
    assert!(
        host.query_selector("[data-testid=\"finding\"][data-code=\"enum-like-text-without-check\"]")
            .expect("selector")
            .is_none(),
        "the CHECK retires the finding"
    );
}

/// "Merge into…" in the inspector: the other table chosen, the key that matches rows, a column
/// of another name mapped by hand; a merge the plan cannot make is refused with the reason and
/// nothing changes; the merge is one undo step.
#[wasm_bindgen_test]
async fn a_table_merges_into_another_on_a_key_with_a_column_mapped_and_undo_takes_it_back() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
         CREATE TABLE clients (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, full_name text NOT NULL);",
    )
    .await;
    select_table(&host, "clients").await;
    click(&find(&host, "merge-open"));
    settle().await;
    choose_labelled(&find(&host, "merge-into"), "customers");
    settle().await;
    let on: HtmlSelectElement = find(&host, "merge-on").unchecked_into();
    let keys: Vec<String> = (0..on.length()).filter_map(|i| on.item(i)).filter_map(|o| o.text_content()).collect();
    assert_eq!(keys, ["id (primary key)", "email (unique)"]);
    on.set_value("1");
    // full_name finds no column of its name: unmapped, customers.name has nothing to fill it.
    click(&find(&host, "merge-apply"));
    until("the refusal", || host.query_selector("[data-testid=\"merge-error\"]").ok().flatten().is_some()).await;
    let refused = text(&host, "merge-error");
    assert!(refused.contains("customers.name is required"), "{refused}");
    // Nothing changed: the form stays open with its choices, and clients is still on the canvas.
    assert!(!find(&host, "merge-form").class_list().contains("hidden"));
    assert_eq!(find(&host, "merge-on").unchecked_into::<HtmlSelectElement>().value(), "1");
    choose_labelled(&key_control(&host, "merge-map", "full_name"), "name");
    let plan = apply_merge(&host, "merge table clients into customers on email").await;
    for expected in [
        "INSERT INTO customers (email, name) SELECT b.email, b.full_name FROM clients b",
        "CREATE VIEW clients AS SELECT id, email, name AS full_name FROM customers",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    click(&find(&host, "undo"));
    until("the undo", || host.query_selector("[data-testid=\"plan-empty\"]").ok().flatten().is_some()).await;
}

/// Picks the option of `select` whose text is `label`, as a person does.
fn choose_labelled(select: &Element, label: &str) {
    let select: &HtmlSelectElement = select.unchecked_ref();
    let value = (0..select.length())
        .filter_map(|i| select.item(i))
        .find(|o| o.text_content().as_deref() == Some(label))
        .and_then(|o| o.get_attribute("value"))
        .unwrap_or_else(|| panic!("{label} is offered"));
    select.set_value(&value);
    dispatch(select, "change");
}

/// Applies the inspector's merge form and returns the plan once it shows `change`.
async fn apply_merge(host: &HtmlElement, change: &str) -> String {
    click(&find(host, "merge-apply"));
    settle().await;
    click(&find(host, "tab-plan"));
    until("the merge in the plan", || {
        host.query_selector("[data-testid=\"plan\"]")
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains(change))
    })
    .await;
    text(host, "plan")
}

/// A merge moves what references the merged table to the other, and can let the merged
/// table's values win on a match: the form says both before it applies, and the plan does them.
#[wasm_bindgen_test]
async fn a_merge_repoints_what_references_the_merged_table_and_can_let_its_values_win() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE accounts (id bigint PRIMARY KEY, login text NOT NULL);
         CREATE TABLE legacy (id bigint PRIMARY KEY, login text NOT NULL);
         CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES legacy (id));
         CREATE INDEX invoices_account_id ON invoices (account_id);",
    )
    .await;
    select_table(&host, "legacy").await;
    click(&find(&host, "merge-open"));
    settle().await;
    choose_labelled(&find(&host, "merge-into"), "accounts");
    settle().await;
    let form = text(&host, "merge-form");
    assert!(form.contains("invoices will reference accounts instead"), "{form}");
    assert!(form.contains("accounts' row is kept"), "{form}");
    choose_labelled(&find(&host, "merge-wins"), "legacy's values replace it");
    settle().await;
    let form = text(&host, "merge-form");
    assert!(form.contains("accounts' own values are kept aside until Contract"), "{form}");
    let plan = apply_merge(&host, "merge table legacy into accounts on id").await;
    for expected in [
        "legacy row kept on a match",
        "repoint invoices(account_id) from legacy to accounts",
        "CREATE TABLE IF NOT EXISTS bellows_replaced_accounts_by_legacy",
        "ON CONFLICT (id) DO UPDATE SET (id, login) = (EXCLUDED.id, EXCLUDED.login)",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    assert!(!plan.contains("not planned"), "{plan}");
    click(&find(&host, "undo"));
    until("the undo", || host.query_selector("[data-testid=\"plan-empty\"]").ok().flatten().is_some()).await;
}

/// A column moves to the table that holds one row per row of its own: the inspector offers
/// only such tables and the columns that can go (no key, no unique column), the plan carries
/// the values, and undo takes the move back; a column moved up to the table its table
/// references gets the pre-check of the rows that disagree.
#[wasm_bindgen_test]
async fn a_column_moves_to_the_one_to_one_table_and_the_plan_carries_its_values() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, bio text);
         CREATE TABLE profiles (user_id bigint PRIMARY KEY REFERENCES users (id), shown text);
         CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text);
         CREATE INDEX posts_user_id ON posts (user_id);",
    )
    .await;
    select_table(&host, "users").await;
    let form = text(&host, "move-column");
    assert!(form.contains("Move to profiles"), "{form}");
    let into = find(&host, "move-into");
    let offered = into.text_content().unwrap_or_default();
    assert!(offered.contains("profiles") && !offered.contains("posts"), "one row per user only: {offered}");
    let columns = find(&host, "move-pick").text_content().unwrap_or_default();
    assert!(columns.contains("bio") && !columns.contains("email") && !columns.contains("id"), "{columns}");
    choose_labelled(&find(&host, "move-pick"), "bio");
    settle().await;
    click(&find(&host, "move-go"));
    settle().await;
    click(&find(&host, "tab-plan"));
    until("the move in the plan", || {
        host.query_selector("[data-testid=\"plan\"]")
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("move column users.bio -> profiles.bio"))
    })
    .await;
    let plan = text(&host, "plan");
    for expected in [
        "move bio from users to profiles: v1's writes to users reach profiles",
        "copy bio of existing users rows into their profiles rows",
        "make the profiles rows that users rows with bio lack",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    assert!(!plan.contains("not planned"), "{plan}");
    click(&find(&host, "undo"));
    until("the undo", || host.query_selector("[data-testid=\"plan-empty\"]").ok().flatten().is_some()).await;

    // Up to the table posts references: a user's posts then share one title, and the plan
    // counts the posts that disagree before it copies.
    select_table(&host, "posts").await;
    choose_labelled(&find(&host, "move-into"), "users");
    settle().await;
    choose_labelled(&find(&host, "move-pick"), "title");
    settle().await;
    click(&find(&host, "move-go"));
    settle().await;
    click(&find(&host, "tab-plan"));
    until("the move up in the plan", || {
        host.query_selector("[data-testid=\"plan\"]")
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("move column posts.title -> users.title"))
    })
    .await;
    let plan = text(&host, "plan");
    for expected in [
        "rows of posts whose title disagrees with another row of the same users row",
        "move title from posts to users: v1's writes to posts reach users and the row's siblings",
        "copy title of existing posts rows into users",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
}

/// Dropping a table's card on another's opens the merge with the other chosen, and moves
/// nothing; the card under the pointer is marked while the drag lasts.
#[wasm_bindgen_test]
async fn a_card_dropped_on_another_offers_the_merge_into_it() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
         CREATE TABLE clients (id bigint PRIMARY KEY, email text NOT NULL);",
    )
    .await;
    click(&find(&host, "tab-table"));
    settle().await;
    let card = |name: &str| {
        host.query_selector(&format!("[data-testid=\"table-card\"][data-name=\"{name}\"]"))
            .expect("selector")
            .unwrap_or_else(|| panic!("no card for {name}"))
    };
    let centre = |el: &Element| {
        let r = el.get_bounding_client_rect();
        (r.x() + r.width() / 2.0, r.y() + r.height() / 2.0)
    };
    let title = card("clients").query_selector(".card-title").expect("selector").expect("a title");
    let (from, to) = (centre(&title), centre(&card("customers")));
    let pointer = |kind: &str, target: &Element, (x, y): (f64, f64)| {
        let init = web_sys::PointerEventInit::new();
        init.set_bubbles(true);
        init.set_button(0);
        init.set_client_x(x as i32);
        init.set_client_y(y as i32);
        let event = web_sys::PointerEvent::new_with_event_init_dict(kind, &init).expect("event");
        target.dispatch_event(&event).expect("dispatched");
    };
    let canvas = find(&host, "canvas");
    pointer("pointerdown", &title, from);
    pointer("pointermove", &canvas, (from.0 + 10.0, from.1 + 10.0));
    pointer("pointermove", &canvas, to);
    settle().await;
    assert!(card("customers").class_list().contains("merge-target"), "the card under the pointer is marked");
    assert_eq!(text(&host, "drop-hint"), "Drop to merge clients into customers");
    pointer("pointerup", &canvas, to);
    settle().await;
    assert!(!card("customers").class_list().contains("merge-target"));
    let form = find(&host, "merge-form");
    assert!(!form.class_list().contains("hidden"), "the merge form opens");
    let into: HtmlSelectElement = find(&host, "merge-into").unchecked_into();
    assert_eq!(into.selected_options().item(0).and_then(|o| o.text_content()).as_deref(), Some("customers"));
}

fn key_control(host: &HtmlElement, test_id: &str, column: &str) -> Element {
    host.query_selector(&format!("[data-testid=\"{test_id}\"][data-column=\"{column}\"]"))
        .expect("selector")
        .unwrap_or_else(|| panic!("no {test_id} for {column}"))
}

/// Waits (up to 10 s) until `done` holds: the analysis of an edit arrives in its own time.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        TimeoutFuture::new(100).await;
    }
    panic!("waited 10 s for {what}");
}

fn keys_listed(host: &HtmlElement) -> Vec<String> {
    let items = host.query_selector_all("[data-testid=\"key\"]").expect("selector");
    (0..items.length())
        .filter_map(|i| items.item(i))
        .filter_map(|n| n.text_content())
        .map(|t| t.replace("drop", "").trim().to_string())
        .collect()
}

#[wasm_bindgen_test]
async fn keys_and_indexes_over_several_columns_are_built_in_order_and_each_is_one_undo_step() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE order_lines (order_id bigint NOT NULL, line int NOT NULL, sku text, placed_at date, PRIMARY KEY (order_id));",
    )
    .await;
    select_table(&host, "order_lines").await;
    assert!(keys_listed(&host)[0].starts_with("PRIMARY KEY(order_id)"), "{:?}", keys_listed(&host));

    // The primary key: the form starts from the current key; line is picked after it.
    choose(&host, "key-kind", "primary key");
    settle().await;
    assert_eq!(text(&host, "key-columns"), "order_id\u{d7}", "the current key is picked at once");
    click(&key_control(&host, "key-pick", "line"));
    settle().await;
    assert_eq!(text(&host, "key-add"), "Make the primary key (order_id, line)");
    click(&find(&host, "key-add"));
    until("the wider key", || keys_listed(&host)[0].starts_with("PRIMARY KEY(order_id, line)")).await;
    settle().await;

    // An index: sku then placed_at, placed_at moved first and sorted downwards, partial.
    choose(&host, "key-kind", "index");
    settle().await;
    click(&key_control(&host, "key-pick", "sku"));
    settle().await;
    click(&key_control(&host, "key-pick", "placed_at"));
    settle().await;
    let earlier = key_control(&host, "key-column", "placed_at")
        .query_selector("[data-testid=\"key-column-earlier\"]")
        .expect("selector")
        .expect("an up button");
    click(&earlier);
    settle().await;
    let desc = key_control(&host, "key-column", "placed_at")
        .query_selector("[data-testid=\"key-desc\"]")
        .expect("selector")
        .expect("a DESC box");
    click(&desc);
    let predicate: HtmlInputElement = find(&host, "key-where").unchecked_into();
    predicate.set_value("sku IS NOT NULL");
    dispatch(&predicate, "input");
    settle().await;
    assert_eq!(text(&host, "key-add"), "Add index (placed_at, sku)");
    click(&find(&host, "key-add"));
    until("the index", || {
        keys_listed(&host).iter().any(|k| {
            k.starts_with("INDEX(placed_at DESC, sku) WHERE sku IS NOT NULL")
                && k.ends_with("order_lines_placed_at_sku_idx")
        })
    })
    .await;
    settle().await;

    // A unique constraint under a name of one's own.
    choose(&host, "key-kind", "unique");
    settle().await;
    click(&key_control(&host, "key-pick", "sku"));
    click(&key_control(&host, "key-pick", "line"));
    settle().await;
    let name: HtmlInputElement = find(&host, "key-name").unchecked_into();
    name.set_value("one_sku_per_line");
    dispatch(&name, "input");
    click(&find(&host, "key-add"));
    until("the unique key", || keys_listed(&host).iter().any(|k| k.starts_with("UNIQUE(sku, line)one_sku_per_line")))
        .await;

    click(&find(&host, "tab-plan"));
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("PRIMARY KEY USING INDEX"), "{plan}");
    assert!(
        plan.contains("CREATE INDEX CONCURRENTLY order_lines_placed_at_sku_idx ON order_lines (placed_at DESC, sku) WHERE sku IS NOT NULL"),
        "{plan}"
    );
    assert!(plan.contains("UNIQUE USING INDEX one_sku_per_line"), "{plan}");

    // A WHERE that names no column is refused with the reason; nothing is added to undo.
    click(&find(&host, "tab-table"));
    settle().await;
    choose(&host, "key-kind", "index");
    settle().await;
    click(&key_control(&host, "key-pick", "sku"));
    let predicate: HtmlInputElement = find(&host, "key-where").unchecked_into();
    predicate.set_value("skew > 0");
    dispatch(&predicate, "input");
    settle().await;
    click(&find(&host, "key-add"));
    until("the refusal", || host.query_selector("[data-testid=\"key-error\"]").ok().flatten().is_some()).await;
    let error = text(&host, "key-error");
    assert!(error.contains("skew"), "{error}");
    assert_eq!(predicate.value(), "skew > 0", "the refused condition stays in the field to be corrected");

    // Three edits, three undos.
    for _ in 0..3 {
        click(&find(&host, "undo"));
        settle().await;
    }
    click(&find(&host, "tab-plan"));
    settle().await;
    assert!(
        host.query_selector("[data-testid=\"plan-empty\"]").expect("selector").is_some(),
        "undo takes all three back"
    );
}

#[wasm_bindgen_test]
async fn a_scenario_loads_its_base_target_and_explanation() {
    let host = mount();
    let select: HtmlSelectElement = find(&host, "scenario-select").unchecked_into();
    select.set_value("split-table");
    dispatch(&select, "change");
    settle().await;
    assert!(text(&host, "scenario-note").contains("Split a table"));
    assert!(card_names(&host).iter().any(|n| n == "addresses"), "the new table is on the canvas");
    let plan = text(&host, "plan");
    assert!(plan.contains("create table addresses"), "{plan}");
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

/// Pastes `text` as Ctrl+A then Ctrl+V do: a keydown the source panel sees, everything the
/// textarea holds selected, and a paste event carrying the text.
async fn paste_over_everything(host: &HtmlElement, text: &str) {
    let input: HtmlTextAreaElement = find(host, "source-input").unchecked_into();
    let _ = input.focus();
    let init = KeyboardEventInit::new();
    init.set_key("a");
    init.set_ctrl_key(true);
    init.set_bubbles(true);
    let key = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("a keydown");
    input.dispatch_event(&key).expect("dispatched");
    input.select();
    paste(&input, text);
    settle().await;
}

/// A paste event at the textarea's selection; the text lands only if a handler puts it there
/// (a script's paste event does nothing by itself).
fn paste(input: &HtmlTextAreaElement, text: &str) {
    let data = web_sys::DataTransfer::new().expect("a data transfer");
    data.set_data("text/plain", text).expect("set");
    let init = web_sys::ClipboardEventInit::new();
    init.set_clipboard_data(Some(&data));
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::ClipboardEvent::new_with_event_init_dict("paste", &init).expect("a paste");
    input.dispatch_event(&event).expect("dispatched");
}

fn scroll_source_to_line(host: &HtmlElement, line: usize) {
    let scroller: HtmlElement =
        host.query_selector(".source-scroll").expect("selector").expect("the scroller").unchecked_into();
    scroller.set_scroll_top((line * 19) as i32);
    dispatch(&scroller, "scroll");
}

/// A dump of thousands of lines: the textarea holds only the lines around the view, so the
/// browser never lays out the whole text, yet the text is whole: scrolling shows any line,
/// an edit there changes that line only, and Ctrl+A acts on all of it.
#[wasm_bindgen_test]
async fn a_long_source_is_edited_a_window_at_a_time_and_nothing_else_is_lost() {
    let host = mount();
    settle().await;
    let sql = bellows_core::synth::postgres_schema(400);
    let lines = sql.lines().count();
    assert!(lines > 3_000, "{lines} lines");
    paste_over_everything(&host, &sql).await;
    until("400 tables", || text(&host, "table-count") == "400 tables").await;
    let input: HtmlTextAreaElement = find(&host, "source-input").unchecked_into();
    let shown = input.value();
    assert_eq!(shown.split('\n').count(), 400, "the textarea holds a window of lines");
    assert!(sql.contains(&shown), "the window is a part of the text, as it is");
    // The caret ends after the pasted text, as the browser's paste leaves it, with the last
    // lines in view.
    assert!(sql.trim_end().ends_with(shown.trim_end()));
    assert_eq!(input.selection_start().expect("a selection"), Some(shown.encode_utf16().count() as u32));

    // Scroll to the middle: the window follows the view.
    scroll_source_to_line(&host, lines / 2);
    let shown = input.value();
    let middle = sql.lines().nth(lines / 2).expect("the middle line");
    assert!(shown.lines().any(|l| l == middle), "line {} is in the window", lines / 2);
    let at = sql.find(&shown).expect("the window is a part of the text");
    let first = sql[..at].lines().count();
    assert!(first < lines / 2 && lines / 2 < first + 400, "the window holds the view ({first})");

    // Type a table into the window: the text around it is kept, so one table more.
    let cut = shown.find("CREATE TABLE").expect("a table in the window");
    let edited = format!("{}CREATE TABLE typed_here (id int);\n{}", &shown[..cut], &shown[cut..]);
    input.set_value(&edited);
    dispatch(&input, "input");
    settle().await;
    until("401 tables", || text(&host, "table-count") == "401 tables").await;
    assert!(card_names(&host).iter().any(|n| n == "typed_here"));

    // A short paste into the window goes where the caret is; the rest stays.
    let before = edited[..cut].encode_utf16().count() as u32;
    input.set_selection_range(before, before).expect("caret");
    paste(&input, "CREATE TABLE pasted_here (id int);\n");
    settle().await;
    until("402 tables", || text(&host, "table-count") == "402 tables").await;

    // Ctrl+A and a paste replace all of the text, not the window.
    paste_over_everything(&host, "CREATE TABLE only_one (id int);").await;
    until("1 table", || text(&host, "table-count") == "1 table").await;
    assert_eq!(input.value(), "CREATE TABLE only_one (id int);", "a short text is shown whole");
}

/// A diagnostic far down a long text shows its line: the window moves there and selects it.
#[wasm_bindgen_test]
async fn a_diagnostic_deep_in_a_long_source_shows_its_line() {
    let host = mount();
    settle().await;
    let sql = format!("{}\nCREATE TABLE broken (id int,, x int);\n", bellows_core::synth::postgres_schema(300));
    let line = sql.lines().count();
    paste_over_everything(&host, &sql).await;
    until("the error", || text(&host, "diagnostics").starts_with(&format!("{line}:"))).await;
    let diagnostics = text(&host, "diagnostics");
    assert!(diagnostics.starts_with(&format!("{line}:")), "{diagnostics}");
    // Away from it first.
    scroll_source_to_line(&host, 0);
    let input: HtmlTextAreaElement = find(&host, "source-input").unchecked_into();
    assert!(!input.value().contains("broken"));
    click(&host.query_selector(".diagnostic .where").expect("selector").expect("the diagnostic's place"));
    settle().await;
    let shown = input.value();
    let (a, b) = (input.selection_start().expect("start"), input.selection_end().expect("end"));
    let selected: String = shown
        .encode_utf16()
        .skip(a.unwrap_or(0) as usize)
        .take((b.unwrap_or(0) - a.unwrap_or(0)) as usize)
        .map(|u| char::from_u32(u32::from(u)).unwrap_or('?'))
        .collect();
    assert!(selected.ends_with(", x int);"), "the line from the error's column is selected: {selected:?}");
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

#[wasm_bindgen_test]
async fn deleting_a_column_a_view_reads_shows_the_plan_as_blocked_and_names_the_view() {
    let host = mount();
    type_source(
        &host,
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL, note text);\n\
         CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;",
    )
    .await;
    select_first_card(&host).await;
    let delete = host
        .query_selector("tr[data-column=\"total\"] + tr [data-testid=\"delete-column\"]")
        .expect("selector")
        .expect("the column's delete button");
    click(&delete);
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    let blockers = text(&host, "plan-blockers");
    assert!(blockers.contains("cannot run yet"), "{blockers}");
    assert!(blockers.contains("view big_orders reads orders.total"), "{blockers}");
    // Undo takes the deletion back, and the blocker with it.
    click(&find(&host, "undo"));
    settle().await;
    assert!(host.query_selector("[data-testid=\"plan-blockers\"]").expect("selector").is_none());
}

#[wasm_bindgen_test]
async fn a_mysql_plan_names_its_algorithm_and_follows_the_server_chosen() {
    let host = mount();
    type_source(
        &host,
        "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\nCREATE TABLE `orders` (`id` bigint NOT NULL AUTO_INCREMENT, `note` varchar(20) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;",
    )
    .await;
    // Select the table the way the canvas does, then rename a column in the inspector.
    select_first_card(&host).await;
    let name: HtmlInputElement = host
        .query_selector("[data-column=\"note\"] input[type=\"text\"]")
        .expect("selector")
        .expect("the column's name field")
        .unchecked_into();
    enter(&name, "memo");
    settle().await;
    click(&find(&host, "tab-plan"));
    settle().await;
    // The dump says MariaDB: the plan is made for MariaDB 10.11, which bounds each ALTER with WAIT.
    let select: HtmlSelectElement = find(&host, "mysql-server").unchecked_into();
    assert_eq!(select.value(), "mariadb-10.11");
    let plan = text(&host, "plan");
    assert!(plan.contains("ALGORITHM=INSTANT") && plan.contains("lock_wait_timeout"), "{plan}");
    assert!(plan.contains(" WAIT 2 "), "{plan}");
    assert!(!plan.contains("lock_timeout = '") && !plan.contains("ACCESS EXCLUSIVE"), "no PostgreSQL in it: {plan}");
    select.set_value("mysql-8.4");
    dispatch(&select, "change");
    settle().await;
    let plan = text(&host, "plan");
    assert!(plan.contains("ALGORITHM=INSTANT") && !plan.contains(" WAIT 2 "), "MySQL has no WAIT clause: {plan}");
}
