//! Mounts the Bellows app; everything else lives in the library so browser tests can mount it.

fn main() {
    console_error_panic_hook::set_once();
    bellows_app::browser::forbid_connections();
    leptos::mount::mount_to_body(bellows_app::App);
}
