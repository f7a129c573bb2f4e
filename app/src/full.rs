//! The full engine: the analysis worker's code with the `full` feature, in a Web Worker that
//! the page starts the first time it needs it (a DBML or Prisma design, an export, the plan
//! zip, a statistics file). See `bellows_app::engine::Engine`.

fn main() {
    console_error_panic_hook::set_once();
    bellows_app::engine::serve();
}
