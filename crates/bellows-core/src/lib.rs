//! Bellows' pure planning core: the schema model, DDL import, and (as they land) diff, plan,
//! lint, render and share.
//!
//! Invariant: this crate does no I/O (no filesystem, network, clock, randomness, environment,
//! wasm-bindgen, web-sys or leptos) and never panics on user input: every entry point returns a
//! value plus [`Diagnostic`]s. It builds for `wasm32-unknown-unknown` and natively.

pub mod analysis;
pub mod consumers;
pub mod deps;
pub mod diagnostic;
pub mod dialect;
pub mod diff;
pub mod edit;
pub mod import;
pub mod layout;
pub mod lint;
pub mod model;
pub mod plan;
pub mod render;
pub mod rewrite;
pub mod share;
pub mod synth;
pub mod types;
pub mod verify;

pub use diagnostic::{Diagnostic, Severity, Span};
pub use dialect::Dialect;
pub use import::{detect_format, import, Import, SourceFormat};
pub use model::*;
pub use types::{DataType, TypeKind};
