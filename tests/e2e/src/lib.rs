//! End-to-end harness: serves the release build from `dist/` on loopback, drives headless
//! Chromium through chromedriver, and exposes the playground as a page object.
//!
//! `cargo xtask test` builds the site and sets `BELLOWS_DIST`, `BELLOWS_CHROMIUM`,
//! `BELLOWS_CHROMEDRIVER` and `BELLOWS_SCREENSHOTS`. Run without them (a plain `cargo test`), the
//! journeys print a notice and skip; with `CI=true` that is a failure instead.
#![allow(clippy::expect_used, clippy::panic, missing_debug_implementations)]

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the built site and the browser are, from the environment xtask sets.
#[derive(Debug, Clone)]
pub struct Setup {
    pub dist: PathBuf,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub screenshots: PathBuf,
}

impl Setup {
    /// `None` (after a printed notice) when the journeys cannot run here; panics under CI.
    pub fn from_env() -> Option<Setup> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        match (var("BELLOWS_DIST"), var("BELLOWS_CHROMIUM"), var("BELLOWS_CHROMEDRIVER")) {
            (Some(dist), Some(chromium), Some(chromedriver)) => Some(Setup {
                dist,
                chromium,
                chromedriver,
                screenshots: var("BELLOWS_SCREENSHOTS").unwrap_or_else(|| PathBuf::from("target/screenshots")),
            }),
            _ => {
                let notice = "end-to-end journeys skipped: run them with `cargo xtask test`, which builds the site and finds Chromium";
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{notice} (CI=true, so this is a failure)");
                }
                eprintln!("NOTICE: {notice}");
                None
            }
        }
    }
}

/// A static file server for `dist/` on a free loopback port, stopped on drop.
pub struct SiteServer {
    pub url: String,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SiteServer {
    pub fn start(dist: &Path) -> SiteServer {
        Self::start_under(dist, "/")
    }

    /// Serves `dist/` under a folder (`/tools/bellows/`), as a static host shared with other
    /// sites does; anything outside it is not found.
    pub fn start_under(dist: &Path, folder: &str) -> SiteServer {
        let folder = folder.to_string();
        let prefix = folder.clone();
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let dist = dist.to_path_buf();
        let worker = server.clone();
        let thread = std::thread::spawn(move || {
            for request in worker.incoming_requests() {
                let url = request.url().split(['?', '#']).next().unwrap_or("/").to_string();
                let Some(path) = url.strip_prefix(prefix.as_str()) else {
                    let _ = request.respond(tiny_http::Response::from_string("not found").with_status_code(404));
                    continue;
                };
                let file =
                    if path.is_empty() || path.contains("..") { dist.join("index.html") } else { dist.join(path) };
                let response = match std::fs::read(&file) {
                    Ok(bytes) => {
                        let header =
                            tiny_http::Header::from_bytes("Content-Type", content_type(&file)).expect("a header");
                        tiny_http::Response::from_data(bytes).with_header(header).boxed()
                    }
                    Err(_) => tiny_http::Response::from_string("not found").with_status_code(404).boxed(),
                };
                let _ = request.respond(response);
            }
        });
        SiteServer { url: format!("http://127.0.0.1:{port}{folder}"), server, thread: Some(thread) }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("sql") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// chromedriver on a free loopback port, killed on drop.
pub struct Driver {
    pub url: String,
    child: Child,
}

impl Driver {
    pub fn start(chromedriver: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 20s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { url: format!("http://127.0.0.1:{port}"), child }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session on the served site; each journey gets its own, with a fresh profile.
pub struct Session {
    pub client: Client,
    pub site: SiteServer,
    _driver: Driver,
    _profile: TempDir,
    screenshots: PathBuf,
}

impl Session {
    pub async fn open(setup: &Setup) -> Session {
        Self::open_under(setup, "/").await
    }

    /// A session whose site is served under `folder` (see [`SiteServer::start_under`]).
    pub async fn open_under(setup: &Setup, folder: &str) -> Session {
        let site = SiteServer::start_under(&setup.dist, folder);
        let driver = Driver::start(&setup.chromedriver);
        let profile = TempDir::new("bellows-e2e-profile");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": setup.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,800", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.0.display()),
                ]
            }
        });
        let caps = caps.as_object().cloned().expect("an object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a browser session");
        Session { client, site, _driver: driver, _profile: profile, screenshots: setup.screenshots.clone() }
    }

    /// Saves a PNG of the page as `<screenshots>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        std::fs::create_dir_all(&self.screenshots).expect("screenshot folder");
        let path = self.screenshots.join(format!("{name}.png"));
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(&path, png).expect("screenshot written");
        println!("screenshot: {}", path.display());
        path
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A script that defines `pasteOverAll(text)`: Ctrl+A then Ctrl+V in the source, as a user does
/// them. The keydown tells the source panel that all of the text is selected (the textarea holds
/// only a window of a long text), and the paste event carries the text, which the panel puts in
/// place itself (a script's paste event inserts nothing on its own).
pub const PASTE_OVER_ALL: &str = "function pasteOverAll(text) {
   const el = document.querySelector('[data-testid=\"source-input\"]');
   el.focus();
   el.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', ctrlKey: true, bubbles: true }));
   el.select();
   const data = new DataTransfer(); data.setData('text/plain', text);
   el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
 }";

/// The playground as a user sees it.
pub struct Playground<'a> {
    pub client: &'a Client,
}

impl Playground<'_> {
    fn by_test_id(id: &str) -> String {
        format!("[data-testid=\"{id}\"]")
    }

    /// Waits until the app has mounted (the table count is on screen) and shows its design.
    pub async fn wait_until_ready(&self) {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&Self::by_test_id("table-count")))
            .await
            .expect("the app mounts within 20s");
        self.settle().await;
    }

    /// Waits (up to 60s) until the page shows what the design is: the design opened and every
    /// answer of the analysis worker in (the workspace is no longer `aria-busy`), as a user
    /// waits for the canvas after a change.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let settled = self
                .client
                .execute("return document.querySelector('main[aria-busy=\"false\"]') !== null;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if settled {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page is still busy after 60s");
    }

    pub async fn text_of(&self, test_id: &str) -> String {
        self.settle().await;
        self.client.find(Locator::Css(&Self::by_test_id(test_id))).await.expect(test_id).text().await.expect("text")
    }

    pub async fn table_count(&self) -> String {
        self.text_of("table-count").await
    }

    /// Waits (up to 10s) until the table count reads `expected`, returning what it last read.
    pub async fn wait_for_table_count(&self, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.table_count().await;
            if now == expected || Instant::now() > deadline {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clears the source and types `sql` key by key, as a user would.
    pub async fn type_source(&self, sql: &str) {
        let input = self.client.find(Locator::Css(&Self::by_test_id("source-input"))).await.expect("source input");
        input.clear().await.expect("cleared");
        input.send_keys(sql).await.expect("typed");
    }

    /// Puts `sql` over the whole source as Ctrl+A then Ctrl+V do (see [`PASTE_OVER_ALL`]).
    pub async fn paste_source(&self, sql: &str) {
        self.client
            .execute(
                &format!("{PASTE_OVER_ALL} pasteOverAll(arguments[0]);"),
                vec![serde_json::Value::String(sql.to_string())],
            )
            .await
            .expect("pasted");
    }

    pub async fn source_value(&self) -> String {
        let input = self.client.find(Locator::Css(&Self::by_test_id("source-input"))).await.expect("source input");
        input.prop("value").await.expect("value").unwrap_or_default()
    }

    pub async fn diagnostics(&self) -> Vec<String> {
        self.settle().await;
        let items = self.client.find_all(Locator::Css(&Self::by_test_id("diagnostic"))).await.expect("diagnostics");
        let mut out = Vec::new();
        for item in items {
            out.push(item.text().await.expect("text"));
        }
        out
    }

    /// The names of the table cards drawn on the canvas.
    pub async fn card_names(&self) -> Vec<String> {
        self.settle().await;
        let value = self
            .client
            .execute(
                "return [...document.querySelectorAll('[data-testid=\"table-card\"]')].map(e => e.getAttribute('data-name'));",
                vec![],
            )
            .await
            .expect("cards");
        serde_json::from_value(value).unwrap_or_default()
    }

    /// Each card's name and position on the canvas (its transform).
    pub async fn card_positions(&self) -> Vec<(String, String)> {
        self.settle().await;
        let value = self
            .client
            .execute(
                "return [...document.querySelectorAll('[data-testid=\"table-card\"]')].map(e => [e.getAttribute('data-name'), e.getAttribute('transform')]).sort();",
                vec![],
            )
            .await
            .expect("cards");
        serde_json::from_value(value).unwrap_or_default()
    }

    /// The element `css` finds, once the page has settled (waits up to 10 s for it).
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.settle().await;
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn click(&self, test_id: &str) {
        self.element(&Self::by_test_id(test_id)).await.click().await.unwrap_or_else(|e| panic!("click {test_id}: {e}"));
    }

    /// Clicks the element `css` finds, once the page has settled.
    pub async fn element_click(&self, css: &str) {
        self.element(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a table's header on the canvas, as a user selects it.
    pub async fn select_table(&self, name: &str) {
        let title = self.element(&format!("[data-testid=\"table-card\"][data-name=\"{name}\"] .card-title")).await;
        title.click().await.expect("card clicked");
    }

    /// Finds a table with the canvas's search box (name, Enter): the canvas centres and selects
    /// it, as a user does on a schema too big to read at Fit.
    pub async fn find_table(&self, name: &str) {
        let input = self.element(&Self::by_test_id("table-search")).await;
        input.send_keys(&format!("\u{E009}a\u{E000}{name}\u{E007}")).await.expect("typed");
    }

    /// Renames a column in the inspector: types the new name and presses Enter.
    pub async fn rename_column(&self, column: &str, to: &str) {
        let input = self.element(&format!("[data-column=\"{column}\"] input[type=\"text\"]")).await;
        // Select what is there (Ctrl+A, then release Ctrl) and type over it, then Enter.
        input.send_keys(&format!("\u{E009}a\u{E000}{to}\u{E007}")).await.expect("typed");
    }

    /// Sets a column's type in the inspector: types over it and presses Enter.
    pub async fn set_type(&self, column: &str, to: &str) {
        let input = self.element(&format!("tr[data-column=\"{column}\"] td:nth-child(2) input[type=\"text\"]")).await;
        input.send_keys(&format!("\u{E009}a\u{E000}{to}\u{E007}")).await.expect("typed");
    }

    /// Ticks or unticks a column's NOT NULL box in the inspector.
    pub async fn toggle_not_null(&self, column: &str) {
        let input = self.element(&format!("tr[data-column=\"{column}\"] input[aria-label=\"NOT NULL\"]")).await;
        input.click().await.expect("ticked");
    }

    /// Renames the selected table in the inspector's head.
    pub async fn rename_table(&self, to: &str) {
        let input = self.element(".table-head input[type=\"text\"]").await;
        input.send_keys(&format!("\u{E009}a\u{E000}{to}\u{E007}")).await.expect("typed");
    }

    /// Deletes a column with its row's "delete column" action in the inspector.
    pub async fn delete_column(&self, column: &str) {
        let button = self.element(&format!("tr[data-column=\"{column}\"] + tr [data-testid=\"delete-column\"]")).await;
        button.click().await.expect("delete clicked");
    }

    /// Adds a column with the inspector's last row (name, Enter).
    pub async fn add_column(&self, name: &str) {
        let input = self.element(&Self::by_test_id("new-column-name")).await;
        input.send_keys(&format!("{name}\u{E007}")).await.expect("typed");
    }

    pub async fn plan_text(&self) -> String {
        self.click("tab-plan").await;
        self.text_of("plan").await
    }

    /// Drags from a column's connector dot to another table's column row, with the mouse.
    pub async fn drag_foreign_key(&self, from_table: &str, from_column: &str, to_table: &str, to_column: &str) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        // Where the source column's connector dot and the target column's name are on screen.
        let points: Vec<f64> = serde_json::from_value(
            self.client
                .execute(
                    "const row = (t, c) => [...document.querySelector(`[data-testid=\"table-card\"][data-name=\"${t}\"]`).querySelectorAll('.row')]
                         .find(r => r.querySelector('.col-name').textContent === c);
                     const centre = el => { const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; };
                     return [...centre(row(arguments[0], arguments[1]).querySelector('circle')), ...centre(row(arguments[2], arguments[3]).querySelector('.col-name'))];",
                    vec![from_table.into(), from_column.into(), to_table.into(), to_column.into()],
                )
                .await
                .expect("rows on screen"),
        )
        .expect("four numbers");
        let (hx, hy, tx, ty) = (points[0].round(), points[1].round(), points[2].round(), points[3].round());
        let actions = MouseActions::new("mouse".to_string())
            .then(PointerAction::MoveTo { duration: None, x: hx, y: hy })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(100)), x: hx + 10.0, y: hy + 10.0 })
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(200)), x: tx, y: ty })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(actions).await.expect("dragged");
        self.client.release_actions().await.expect("released");
    }

    /// Drags a table's card by its header and drops it on another table's card, as a person
    /// merging the first into the second does. The pointer rests over the target before the
    /// drop (the canvas marks it); `before_drop` runs then (a screenshot of the mark).
    pub async fn drag_table_onto<F: std::future::Future<Output = ()>>(
        &self,
        from: &str,
        to: &str,
        before_drop: impl FnOnce() -> F,
    ) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let points: Vec<f64> = serde_json::from_value(
            self.client
                .execute(
                    "const head = t => document.querySelector(`[data-testid=\"table-card\"][data-name=\"${t}\"] .card-title`).getBoundingClientRect();
                     const a = head(arguments[0]), b = head(arguments[1]);
                     return [a.x + 8, a.y + a.height / 2, b.x + b.width / 2, b.y + b.height / 2 + 20];",
                    vec![from.into(), to.into()],
                )
                .await
                .expect("cards on screen"),
        )
        .expect("four numbers");
        let (fx, fy, tx, ty) = (points[0].round(), points[1].round(), points[2].round(), points[3].round());
        let over = MouseActions::new("mouse".to_string())
            .then(PointerAction::MoveTo { duration: None, x: fx, y: fy })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(100)), x: fx + 10.0, y: fy + 10.0 })
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(300)), x: tx, y: ty });
        self.client.perform_actions(over).await.expect("dragged over");
        before_drop().await;
        let drop = MouseActions::new("mouse".to_string()).then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(drop).await.expect("dropped");
        self.client.release_actions().await.expect("released");
    }

    /// Presses a key chord on the page body (`\u{E009}` is Control, `\u{E008}` Shift).
    pub async fn press(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".to_string());
        for c in keys.chars() {
            actions = actions.then(KeyAction::Down { value: c });
        }
        for c in keys.chars().rev() {
            actions = actions.then(KeyAction::Up { value: c });
        }
        // Focus the canvas area first, so the keys do not go to a text field.
        self.client.execute("document.activeElement && document.activeElement.blur();", vec![]).await.expect("blur");
        self.client.perform_actions(actions).await.expect("keys");
        self.client.release_actions().await.expect("released");
    }

    /// Clicks "Copy link" and returns the page's address with the design's fragment.
    pub async fn copy_link(&self) -> String {
        self.click("copy-link").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.client.current_url().await.expect("url").to_string()
    }

    /// Waits until `test_id`'s text contains `needle` (up to 10s); returns the last text read.
    pub async fn wait_for_text(&self, test_id: &str, needle: &str) -> String {
        self.settle().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = match self.client.find(Locator::Css(&Self::by_test_id(test_id))).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if now.contains(needle) || Instant::now() > deadline {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
