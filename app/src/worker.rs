//! The analysis worker: the core compiled to wasm, in a Web Worker, built without the `full`
//! feature (see `app/index.html`), so it leaves out what only the full engine answers. It
//! serves the page's requests with `engine::serve`.

fn main() {
    console_error_panic_hook::set_once();
    bellows_app::engine::serve();
}
