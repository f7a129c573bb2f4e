//! Mounts the Bellows app; everything else lives in the library so browser tests can mount it.

fn main() {
    console_error_panic_hook::set_once();
    bellows_app::browser::forbid_connections();
    // Trunk builds the workers beside the page under these fixed names (workers are not
    // hashed); relative, so the site works from a sub-path. The full engine loads when needed.
    bellows_app::engine::start_workers("./bellows-worker_loader.js", "./bellows-full_loader.js");
    leptos::mount::mount_to_body(bellows_app::App);
}
