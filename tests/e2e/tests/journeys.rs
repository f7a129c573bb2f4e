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
    session.screenshot("01-first-visit").await;
    session.close().await;
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
