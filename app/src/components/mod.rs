//! One component per file; each is thin and documents its props.

mod import_summary;
mod source_panel;

pub use import_summary::ImportSummary;
pub use source_panel::SourcePanel;
