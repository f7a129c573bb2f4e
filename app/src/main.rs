//! Mounts the Bellows app; everything else lives in the library so browser tests can mount it.

fn main() {
    console_error_panic_hook::set_once();
    bellows_app::browser::forbid_connections();
    // Trunk builds the worker beside the page under this fixed name (workers are not hashed);
    // relative, so the site works from a sub-path.
    bellows_app::engine::start_worker("./bellows-worker_loader.js");
    leptos::mount::mount_to_body(bellows_app::App);
}
