//! The analysis engine, off the page's thread.
//!
//! Reading a schema, diffing, planning and auditing run in a Web Worker (`src/worker.rs`, the
//! `bellows-worker` binary) that loads the core compiled to wasm. The page sends a [`Request`]
//! and receives a [`Reply`] as JSON text; it never links the SQL reader or the planner, so it
//! downloads and starts without them.
//!
//! The page talks to the engine through [`ask`]. Which engine answers is set once at start-up:
//! [`start_worker`] in the app, [`start_inline`] in tests that mount components without a built
//! site (the same [`handle`], called on the page, still answering later rather than at once).

use bellows_core::analysis::Analysis;
use bellows_core::consumers::frameworks::{Framework, Snippet};
use bellows_core::deps::{DependencyMap, Dependent};
use bellows_core::share::Design;
use bellows_core::Schema;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

/// A design as it crosses between the page and the worker: its model (the base of a design
/// opened from a link) travels whole, not in the compact form of links and files, which leaves
/// out the model's places in the text. Its fields are a `Design`'s, spelled out: `Design`'s own
/// serde form writes the model packed, and reading that back would put the links' reader on the
/// page (about 40 KB of code) for a field that never crosses packed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    source: String,
    model: Option<Schema>,
    dialect: Option<bellows_core::Dialect>,
    edits: Vec<bellows_core::edit::Edit>,
    positions: std::collections::BTreeMap<u32, (f64, f64)>,
    options: bellows_core::share::ShareOptions,
    read_only: bool,
    consumers: Vec<bellows_core::consumers::Consumer>,
}

impl From<Design> for Carried {
    fn from(d: Design) -> Self {
        let Design { source, model, dialect, edits, positions, options, read_only, consumers } = d;
        Carried { source, model, dialect, edits, positions, options, read_only, consumers }
    }
}

impl From<Carried> for Design {
    fn from(c: Carried) -> Self {
        let Carried { source, model, dialect, edits, positions, options, read_only, consumers } = c;
        Design { source, model, dialect, edits, positions, options, read_only, consumers }
    }
}

/// What the page asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Everything the page shows for a design (its positions aside: they never reach the engine).
    Analyze(Carried),
    /// A link's fragment, a design file or the autosave, read into a design.
    Open(String),
    /// A scenario (by its id) as a design.
    Scenario(String),
    /// The schema as it stands after the plan's stages `0..=stage` of a design.
    AfterStage { design: Carried, stage: usize },
    /// What in the target schema depends on a table, or on one of its columns (the inspector's
    /// "Used by"): views, keys, indexes, checks, triggers, routines, policies, partitions.
    UsedBy { design: Carried, table: String, column: Option<String> },
    /// A design file (also the autosave): the whole design, source text included, compressed.
    /// Deflating a big dump's text takes the page's thread for a noticeable time.
    EncodeFile(Carried),
    /// The target schema in another format (`dbml`, `mermaid`, `prisma`, or DDL for `postgres`,
    /// `mysql` or `sqlite`), as a file.
    Export { design: Carried, format: String },
    /// The whole plan as one zip: each stage's up and down SQL, the runbook, the diagram (as the
    /// page draws it, with its layout) and, for PostgreSQL, the pgroll migration.
    PlanZip { design: Carried, diagram_svg: String },
    /// What the application's code changes with the plan, in a framework's terms.
    Snippets { design: Carried, framework: Framework },
    /// A server's statement statistics (pg_stat_statements, MySQL's digests) as CSV, read into
    /// SQL text for a consumer: one statement each, with what the reading noted as comments.
    ReadExport(String),
}

/// What the engine answers, one reply per request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    Analysis(Box<Analysis>),
    /// An analysis whose target is the base schema (a design without edits, as every paste
    /// starts), sent without the target: the page copies the base into it. A big schema's answer
    /// is half as long to read (Evergreen's: 4.6 MB of JSON otherwise).
    AnalysisOfBase(Box<Analysis>),
    Design(Result<Box<Carried>, String>),
    Schema(Box<Schema>),
    Text(String),
    UsedBy(Vec<Dependent>),
    /// A file to download: its name and contents (base64 when the name ends in `.zip`).
    File(Result<(String, String), String>),
    Snippets(Vec<Snippet>),
}

impl Reply {
    /// The reply as the page uses it: an analysis sent without its target has it again.
    fn whole(self) -> Reply {
        match self {
            Reply::AnalysisOfBase(mut a) => {
                a.target = a.base.schema.clone();
                Reply::Analysis(a)
            }
            other => other,
        }
    }
}

/// What the worker keeps of the last design it analysed: the step-through views and "Used by"
/// ask about it again, and the dependency map is built once, when first asked for.
#[derive(Debug, Default)]
pub struct Cache {
    last: Option<(Design, Analysis)>,
    dependencies: Option<DependencyMap>,
}

impl Cache {
    /// The analysis of `design`: the one kept when it is the same design, else a new one.
    fn analysis_of(&mut self, design: Design) -> &Analysis {
        if self.last.as_ref().is_some_and(|(d, _)| *d != design) {
            self.last = None;
            self.dependencies = None;
        }
        let (_, analysis) = self.last.get_or_insert_with(|| {
            let analysis = bellows_core::analysis::analyze(&design);
            (design, analysis)
        });
        analysis
    }
}

/// A message from the page to the engine.
#[derive(Debug, Serialize, Deserialize)]
pub struct Asked {
    pub id: u64,
    pub request: Request,
}

/// A message from the engine to the page.
#[derive(Debug, Serialize, Deserialize)]
pub enum Told {
    /// The worker has loaded and listens (messages sent earlier would be lost).
    Ready,
    Reply {
        id: u64,
        reply: Reply,
    },
}

/// The engine's side: answers one request. Pure, and the only place that reads SQL or plans.
pub fn handle(request: Request, cache: &mut Cache) -> Reply {
    use bellows_core::analysis::schema_after_stage;
    match request {
        Request::Analyze(design) => {
            let analysis = cache.analysis_of(Design::from(design));
            if analysis.target == analysis.base.schema {
                let sent = Analysis { target: Schema::default(), ..analysis.clone() };
                Reply::AnalysisOfBase(Box::new(sent))
            } else {
                Reply::Analysis(Box::new(analysis.clone()))
            }
        }
        Request::Open(text) => Reply::Design(bellows_core::share::decode(&text).map(|d| Box::new(d.into()))),
        Request::Scenario(id) => Reply::Design(
            crate::scenarios::find(&id)
                .map(|s| Box::new(s.design().into()))
                .ok_or_else(|| format!("there is no scenario `{id}`")),
        ),
        Request::EncodeFile(design) => Reply::Text(bellows_core::share::encode_file(&Design::from(design))),
        Request::AfterStage { design, stage } => {
            let design = Design::from(design);
            let source = design.source.clone();
            Reply::Schema(Box::new(schema_after_stage(cache.analysis_of(design), &source, stage)))
        }
        Request::UsedBy { design, table, column } => {
            let (dialect, target) = {
                let a = cache.analysis_of(Design::from(design));
                (a.dialect, a.target.clone())
            };
            let map = cache.dependencies.get_or_insert_with(|| DependencyMap::build(&target, dialect));
            Reply::UsedBy(map.used_by(&table, column.as_deref()).to_vec())
        }
        #[cfg(feature = "full")]
        Request::Export { design, format } => Reply::File(export(cache.analysis_of(Design::from(design)), &format)),
        #[cfg(feature = "full")]
        Request::PlanZip { design, diagram_svg } => {
            Reply::File(plan_zip(cache.analysis_of(Design::from(design)), diagram_svg))
        }
        Request::Snippets { design, framework } => {
            let a = cache.analysis_of(Design::from(design));
            Reply::Snippets(bellows_core::consumers::frameworks::snippets(&a.changes, &a.base.schema, framework))
        }
        #[cfg(feature = "full")]
        Request::ReadExport(csv) => Reply::File(read_export(&csv)),
        #[cfg(not(feature = "full"))]
        Request::Export { .. } | Request::PlanZip { .. } | Request::ReadExport(_) => {
            Reply::File(Err("the analysis worker does not write files; the full engine does".to_string()))
        }
    }
}

#[cfg(feature = "full")]
/// A statistics export as a consumer's SQL: ("statements.sql", text).
fn read_export(csv: &str) -> Result<(String, String), String> {
    let (statements, notes) = bellows_core::consumers::statements_from_export(csv)?;
    let mut sql = String::new();
    for n in notes {
        sql.push_str(&format!("-- row at {}: {}\n", n.span, n.message));
    }
    for s in statements {
        if let Some(name) = &s.name {
            sql.push_str(&format!("-- name: {}\n", name.replace(' ', "_")));
        }
        sql.push_str(s.text.trim_end().trim_end_matches(';'));
        sql.push_str(";\n\n");
    }
    Ok(("statements.sql".to_string(), sql))
}

#[cfg(feature = "full")]
/// The target schema written as `format`: (file name, text).
fn export(a: &Analysis, format: &str) -> Result<(String, String), String> {
    use bellows_core::render::{ddl, diagram};
    use bellows_core::Dialect;
    let sql = |to: Dialect, ext: &str| {
        (format!("schema.{ext}.sql"), ddl::schema_sql(&a.target, ddl::DdlOptions { source: a.dialect, target: to }))
    };
    Ok(match format {
        "dbml" => ("schema.dbml".to_string(), diagram::schema_dbml(&a.target)),
        "mermaid" => ("schema.mmd".to_string(), diagram::schema_mermaid(&a.target)),
        "prisma" => ("schema.prisma".to_string(), bellows_core::render::prisma::schema_prisma(&a.target, a.dialect)),
        "postgres" => sql(Dialect::Postgres, "pg"),
        "mysql" => sql(Dialect::MySql, "mysql"),
        "sqlite" => sql(Dialect::Sqlite, "sqlite"),
        other => return Err(format!("Bellows does not export `{other}`")),
    })
}

#[cfg(feature = "full")]
/// The plan as one zip, base64: what `bellows plan --zip` writes, with the page's diagram.
fn plan_zip(a: &Analysis, diagram_svg: String) -> Result<(String, String), String> {
    use base64::Engine;
    use bellows_core::plan::{plan_pgroll, plan_zip};
    let mut extra = Vec::new();
    if !diagram_svg.is_empty() {
        extra.push(("diagram.svg".to_string(), diagram_svg));
    }
    if a.dialect == bellows_core::Dialect::Postgres {
        let (migration, _) = plan_pgroll(&a.plan, &a.target, &a.changes, "bellows");
        let json = serde_json::to_string_pretty(&migration).map_err(|e| e.to_string())? + "\n";
        extra.push(("pgroll/bellows.json".to_string(), json));
    }
    let bytes = plan_zip(&a.plan, &a.plan_findings, extra)?;
    Ok(("bellows-plan.zip".to_string(), base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// Which engine answers a request. Both are the same core compiled to wasm; the analysis worker
/// loads beside the page and leaves out what few designs need (the DBML and Prisma readers, the
/// exports, the plan zip with its pgroll migration, the statistics reader), which keeps it under
/// its size budget. The full engine has everything, and loads the first time it is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Analysis = 0,
    Full = 1,
}

impl Request {
    /// The engine that answers this request: the full one for the files it alone writes and for
    /// a design whose text is DBML or a Prisma schema (every question about it, so that one
    /// engine reads it and keeps its analysis), else the analysis worker.
    pub fn engine(&self) -> Engine {
        let design = match self {
            Request::Export { .. } | Request::PlanZip { .. } | Request::ReadExport(_) => return Engine::Full,
            Request::Open(_) | Request::Scenario(_) => return Engine::Analysis,
            Request::Analyze(d) | Request::EncodeFile(d) => d,
            Request::AfterStage { design, .. } | Request::UsedBy { design, .. } | Request::Snippets { design, .. } => {
                design
            }
        };
        let read_here = design.model.is_some()
            || bellows_core::import::detect_format(&design.source) == bellows_core::import::SourceFormat::Sql;
        if read_here {
            Engine::Analysis
        } else {
            Engine::Full
        }
    }
}

/// How requests leave the page for one engine.
trait Backend {
    fn send(&self, asked: Asked);
}

type Waiting = Box<dyn FnOnce(Reply)>;

/// The page's line to one engine: its backend once started, and what waits for it to listen.
#[derive(Default)]
struct Line {
    backend: Option<Box<dyn Backend>>,
    ready: bool,
    queued: Vec<Asked>,
}

#[derive(Default)]
struct Client {
    lines: [Line; 2],
    /// Where the full engine loads from, until it is first asked (then it starts).
    full_url: Option<String>,
    next: u64,
    waiting: HashMap<u64, Waiting>,
    /// Told when an engine cannot answer any more (its worker failed to load or stopped).
    on_failure: Option<Box<dyn Fn(String)>>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

/// Asks the engine the request belongs to ([`Request::engine`]); `then` runs on the page with
/// the reply, later (never before this returns).
pub fn ask(request: Request, then: impl FnOnce(Reply) + 'static) {
    let engine = request.engine();
    let start = CLIENT.with_borrow_mut(|c| {
        let idle = engine == Engine::Full && c.lines[engine as usize].backend.is_none();
        idle.then(|| c.full_url.take()).flatten()
    });
    if let Some(url) = start {
        start_engine(Engine::Full, &url);
    }
    let send = CLIENT.with_borrow_mut(|c| {
        c.next += 1;
        let id = c.next;
        c.waiting.insert(id, Box::new(then));
        let asked = Asked { id, request };
        let line = &mut c.lines[engine as usize];
        if line.ready {
            Some(asked)
        } else {
            line.queued.push(asked);
            None
        }
    });
    if let Some(asked) = send {
        // The backend is taken out while it sends, so that it may call back into the client.
        let backend = CLIENT.with_borrow_mut(|c| c.lines[engine as usize].backend.take());
        if let Some(b) = &backend {
            b.send(asked);
        }
        CLIENT.with_borrow_mut(|c| {
            let line = &mut c.lines[engine as usize];
            line.backend = line.backend.take().or(backend);
        });
    }
}

/// Says what to do when an engine fails (shown to the user: the page cannot analyse any more).
pub fn on_failure(f: impl Fn(String) + 'static) {
    CLIENT.with_borrow_mut(|c| c.on_failure = Some(Box::new(f)));
}

fn told(engine: Engine, message: Told) {
    match message {
        Told::Ready => {
            let (queued, backend) = CLIENT.with_borrow_mut(|c| {
                let line = &mut c.lines[engine as usize];
                line.ready = true;
                (std::mem::take(&mut line.queued), line.backend.take())
            });
            if let Some(b) = &backend {
                for asked in queued {
                    b.send(asked);
                }
            }
            CLIENT.with_borrow_mut(|c| {
                let line = &mut c.lines[engine as usize];
                line.backend = line.backend.take().or(backend);
            });
        }
        Told::Reply { id, reply } => {
            if let Some(then) = CLIENT.with_borrow_mut(|c| c.waiting.remove(&id)) {
                then(reply.whole());
            }
        }
    }
}

fn failed(why: String) {
    let f = CLIENT.with_borrow_mut(|c| c.on_failure.take());
    if let Some(f) = &f {
        f(why);
    }
    CLIENT.with_borrow_mut(|c| c.on_failure = c.on_failure.take().or(f));
}

/// The app's engines: the analysis worker, started now from `analysis_url`, and the full engine,
/// started from `full_url` when first asked (Trunk's loaders for `bellows-worker` and
/// `bellows-full`).
pub fn start_workers(analysis_url: &str, full_url: &str) {
    CLIENT.with_borrow_mut(|c| c.full_url = Some(full_url.to_string()));
    start_engine(Engine::Analysis, analysis_url);
}

fn start_engine(engine: Engine, url: &str) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    let name = match engine {
        Engine::Analysis => "the analysis worker",
        Engine::Full => "the full engine",
    };
    struct Worker(web_sys::Worker, &'static str);
    impl Backend for Worker {
        fn send(&self, asked: Asked) {
            let text = serde_json::to_string(&asked).unwrap_or_default();
            if let Err(e) = self.0.post_message(&JsValue::from_str(&text)) {
                failed(format!("{} refused a message: {e:?}", self.1));
            }
        }
    }

    let worker = match web_sys::Worker::new(url) {
        Ok(w) => w,
        Err(e) => {
            failed(format!("{name} could not start: {e:?}"));
            return;
        }
    };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let Some(text) = e.data().as_string() else { return };
        match serde_json::from_str::<Told>(&text) {
            // Read here (an analysis sent without its target gets it here too), used in a task
            // of its own: reading a big schema's analysis and drawing it are two long tasks, not
            // one twice as long, and the page can paint between.
            Ok(message) => {
                let message = match message {
                    Told::Reply { id, reply } => Told::Reply { id, reply: reply.whole() },
                    ready => ready,
                };
                leptos::prelude::set_timeout(move || told(engine, message), std::time::Duration::ZERO)
            }
            Err(e) => failed(format!("{name}'s answer could not be read: {e}")),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        failed(format!("{name} stopped: {}", e.message()));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    CLIENT.with_borrow_mut(|c| c.lines[engine as usize].backend = Some(Box::new(Worker(worker, name))));
}

/// The engines on the page itself, for tests that mount components without a built site (a
/// test build has everything). Replies still come later, as the workers' do.
pub fn start_inline() {
    struct Inline(RefCell<Cache>, Engine);
    impl Backend for Inline {
        fn send(&self, asked: Asked) {
            let reply = handle(asked.request, &mut self.0.borrow_mut());
            let (id, engine) = (asked.id, self.1);
            wasm_bindgen_futures::spawn_local(async move { told(engine, Told::Reply { id, reply }) });
        }
    }
    CLIENT.with_borrow_mut(|c| {
        for engine in [Engine::Analysis, Engine::Full] {
            let line = &mut c.lines[engine as usize];
            line.backend = Some(Box::new(Inline(RefCell::new(Cache::default()), engine)));
            line.ready = true;
        }
    });
}

/// A worker's side ([`handle`] behind `postMessage`): the `bellows-worker` and `bellows-full`
/// binaries, which differ in what their build leaves out. It answers each request in turn,
/// keeping the last design's analysis, and says when it listens, since a message sent before
/// that would be lost.
pub fn serve() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    fn post(scope: &web_sys::DedicatedWorkerGlobalScope, told: &Told) {
        let text = serde_json::to_string(told).unwrap_or_default();
        // A worker that cannot post to its page has no one to tell.
        let _ = scope.post_message(&JsValue::from_str(&text));
    }

    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let cache = RefCell::new(Cache::default());
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let Some(text) = e.data().as_string() else { return };
        // The page writes every message; one it cannot have written is no request.
        let Ok(asked) = serde_json::from_str::<Asked>(&text) else { return };
        let reply = handle(asked.request, &mut cache.borrow_mut());
        post(&reply_scope, &Told::Reply { id: asked.id, reply });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &Told::Ready);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellows_core::share::{decode, encode};

    /// Sends a request through the worker's JSON both ways, as the page and the worker do.
    fn through_the_worker(request: Request, cache: &mut Cache) -> Reply {
        let asked: Asked =
            serde_json::from_str(&serde_json::to_string(&Asked { id: 7, request }).expect("sent")).expect("read");
        let told = serde_json::to_string(&Told::Reply { id: asked.id, reply: handle(asked.request, cache) });
        match serde_json::from_str(&told.expect("answered")).expect("read back") {
            Told::Reply { id: 7, reply } => reply.whole(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_analysis_without_edits_leaves_its_target_out_and_the_page_has_it_whole() {
        let scenario = crate::scenarios::find("rename-column").expect("scenario").design();
        let design = Design {
            source: bellows_core::synth::postgres_schema(40),
            model: None,
            edits: Vec::new(),
            positions: Default::default(),
            ..scenario
        };
        let direct = bellows_core::analysis::analyze(&design);
        assert_eq!(direct.target, direct.base.schema);
        let mut cache = Cache::default();
        let sent = handle(Request::Analyze(design.clone().into()), &mut cache);
        let Reply::AnalysisOfBase(a) = &sent else { panic!("sent whole: {sent:?}") };
        assert!(a.target.tables.is_empty(), "the target is left out");
        let short = serde_json::to_string(&sent).expect("json").len();
        let full = serde_json::to_string(&Reply::Analysis(Box::new(direct.clone()))).expect("json").len();
        assert!(short * 10 < full * 7, "{short} bytes sent, {full} whole");
        let Reply::Analysis(a) = through_the_worker(Request::Analyze(design.into()), &mut cache) else { panic!() };
        assert_eq!(serde_json::to_value(&*a).ok(), serde_json::to_value(&direct).ok());
        // With an edit the target differs from the base, and goes whole.
        let edited = crate::scenarios::find("rename-column").expect("scenario").design();
        assert!(matches!(handle(Request::Analyze(edited.into()), &mut cache), Reply::Analysis(_)));
    }

    #[test]
    fn a_design_opened_from_a_link_reaches_the_page_whole_and_analyses_the_same() {
        let scenario = crate::scenarios::find("rename-column").expect("scenario").design();
        let link = encode(&scenario);
        let opened = decode(&link).expect("opens");
        assert!(opened.model.is_some(), "a link carries a model");
        let Reply::Design(Ok(carried)) = through_the_worker(Request::Open(link), &mut Cache::default()) else {
            panic!("no design")
        };
        let on_page = Design::from(*carried);
        assert_eq!(on_page, opened, "the model keeps its places in the text and its ids");
        let direct = bellows_core::analysis::analyze(&opened);
        let Reply::Analysis(a) = through_the_worker(Request::Analyze(on_page.into()), &mut Cache::default()) else {
            panic!()
        };
        assert_eq!(a.plan.changes, direct.plan.changes);
        assert_eq!(serde_json::to_value(&*a).ok(), serde_json::to_value(&direct).ok());
    }

    #[test]
    fn used_by_lists_what_depends_on_a_column_from_the_map_of_the_target() {
        let sql = "CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);\n\
                   CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint REFERENCES authors (id));\n\
                   CREATE VIEW author_names AS SELECT name FROM authors;";
        let design = Design::new(sql);
        let mut cache = Cache::default();
        let used_by = |table: &str, column: Option<&str>, cache: &mut Cache| {
            let request = Request::UsedBy {
                design: design.clone().into(),
                table: table.into(),
                column: column.map(str::to_string),
            };
            match through_the_worker(request, cache) {
                Reply::UsedBy(list) => list,
                other => panic!("{other:?}"),
            }
        };
        let name = used_by("authors", Some("name"), &mut cache);
        assert!(name.iter().any(|d| d.name.contains("author_names")), "the view reads it: {name:?}");
        let id = used_by("authors", Some("id"), &mut cache);
        assert!(id.iter().any(|d| d.table.as_deref() == Some("books")), "books' key points at it: {id:?}");
        assert!(cache.dependencies.is_some(), "the map is kept for the next question");
    }

    #[test]
    fn the_autosave_is_written_by_the_worker_and_reads_back_as_the_design() {
        let design = crate::scenarios::find("rename-column").expect("scenario").design();
        let Reply::Text(file) = through_the_worker(Request::EncodeFile(design.clone().into()), &mut Cache::default())
        else {
            panic!("no file")
        };
        assert_eq!(decode(&file).expect("reads"), design);
    }

    #[test]
    fn the_schema_after_a_stage_is_read_from_the_analysis_already_made() {
        let design = crate::scenarios::find("rename-column").expect("scenario").design();
        let mut cache = Cache::default();
        let Reply::Analysis(_) = through_the_worker(Request::Analyze(design.clone().into()), &mut cache) else {
            panic!()
        };
        assert!(cache.last.is_some());
        let mut after = |stage| match through_the_worker(
            Request::AfterStage { design: design.clone().into(), stage },
            &mut cache,
        ) {
            Reply::Schema(s) => *s,
            other => panic!("{other:?}"),
        };
        let orders = |s: &Schema, c: &str| s.find_table("orders").and_then(|t| t.column(c)).is_some();
        let expand = after(0);
        assert!(orders(&expand, "created_at") && orders(&expand, "placed_at"), "both columns during the migration");
        let contract = after(3);
        assert!(!orders(&contract, "created_at") && orders(&contract, "placed_at"));
    }

    #[test]
    fn dbml_and_prisma_designs_and_the_files_go_to_the_full_engine_and_the_rest_to_the_worker() {
        let sql = crate::scenarios::find("rename-column").expect("scenario").design();
        let carried = |source: &str| Carried::from(Design { source: source.to_string(), ..sql.clone() });
        let prisma = carried("datasource db {\n  provider = \"postgresql\"\n}\nmodel User {\n  id Int @id\n}\n");
        let dbml = carried("Table users {\n  id int [pk]\n}\n");
        assert_eq!(Request::Analyze(sql.clone().into()).engine(), Engine::Analysis);
        assert_eq!(Request::Open("#d=2.x".into()).engine(), Engine::Analysis);
        for design in [prisma.clone(), dbml.clone()] {
            assert_eq!(Request::Analyze(design.clone()).engine(), Engine::Full);
            assert_eq!(
                Request::UsedBy { design: design.clone(), table: "t".into(), column: None }.engine(),
                Engine::Full
            );
            assert_eq!(Request::AfterStage { design, stage: 1 }.engine(), Engine::Full);
        }
        // A design opened from a link carries its base read already: the worker analyses it.
        let mut linked = Design::from(prisma);
        linked.model = Some(bellows_core::import(&linked.source, None).schema);
        assert_eq!(Request::Analyze(linked.into()).engine(), Engine::Analysis);
        for files in [
            Request::Export { design: sql.clone().into(), format: "dbml".into() },
            Request::PlanZip { design: sql.clone().into(), diagram_svg: String::new() },
            Request::ReadExport("a,b\n".into()),
        ] {
            assert_eq!(files.engine(), Engine::Full);
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the zip crate reads the archive natively
    fn exports_and_the_plan_zip_are_written_from_the_analysis_on_screen() {
        use base64::Engine;
        let design = crate::scenarios::find("rename-column").expect("scenario").design();
        let mut cache = Cache::default();
        let mut file = |request| match through_the_worker(request, &mut cache) {
            Reply::File(f) => f,
            other => panic!("{other:?}"),
        };
        let (name, prisma) =
            file(Request::Export { design: design.clone().into(), format: "prisma".into() }).expect("Prisma");
        assert_eq!(name, "schema.prisma");
        assert!(prisma.contains("model orders {") && prisma.contains("placed_at"), "the target: {prisma}");
        let read_back = bellows_core::import(&prisma, None);
        assert_eq!(read_back.format, bellows_core::SourceFormat::Prisma, "pasted back, it reads as Prisma");
        let (_, dbml) = file(Request::Export { design: design.clone().into(), format: "dbml".into() }).expect("DBML");
        assert_eq!(bellows_core::import(&dbml, None).schema.tables.len(), read_back.schema.tables.len());
        assert!(file(Request::Export { design: design.clone().into(), format: "xml".into() }).is_err());

        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".to_string();
        let (name, data) =
            file(Request::PlanZip { design: design.clone().into(), diagram_svg: svg.clone() }).expect("a zip");
        assert_eq!(name, "bellows-plan.zip");
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip the zip crate reads");
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        for expected in [
            "bellows-plan/1-expand.up.sql",
            "bellows-plan/4-contract.down.sql",
            "bellows-plan/RUNBOOK.md",
            "bellows-plan/diagram.svg",
            "bellows-plan/pgroll/bellows.json",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
        }
        let mut diagram = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("bellows-plan/diagram.svg").expect("svg"), &mut diagram)
            .expect("text");
        assert_eq!(diagram, svg, "the diagram the page drew, as it drew it");
    }

    #[test]
    fn the_worker_writes_framework_snippets_and_reads_statement_exports() {
        let design = crate::scenarios::find("rename-column").expect("scenario").design();
        let reply = through_the_worker(
            Request::Snippets { design: design.into(), framework: Framework::Rails },
            &mut Cache::default(),
        );
        let Reply::Snippets(snippets) = reply else { panic!("{reply:?}") };
        assert!(
            snippets.iter().any(|s| s.change.contains("created_at") && s.code.contains("alias_attribute")),
            "{snippets:?}"
        );
        let csv = "queryid,query,calls\n42,\"SELECT id, created_at FROM orders WHERE id = $1\",10\n";
        let Reply::File(Ok((_, sql))) = through_the_worker(Request::ReadExport(csv.into()), &mut Cache::default())
        else {
            panic!("not read")
        };
        assert_eq!(sql, "-- name: queryid_42\nSELECT id, created_at FROM orders WHERE id = $1;\n\n");
        let statements = bellows_core::consumers::statements(&sql, bellows_core::Dialect::Postgres);
        assert_eq!(statements[0].name.as_deref(), Some("queryid_42"), "the annotation names it");
        let Reply::File(Err(e)) = through_the_worker(Request::ReadExport("a,b\n1,2\n".into()), &mut Cache::default())
        else {
            panic!("a CSV without statements is refused")
        };
        assert!(e.contains("pg_stat_statements"), "{e}");
    }
}
