//! One component per file; each is thin and documents its props.

mod audit_panel;
mod canvas;
mod consumers_panel;
mod header;
mod inspector;
mod plan_panel;
mod source_panel;

pub use audit_panel::AuditPanel;
pub use canvas::Canvas;
pub use consumers_panel::ConsumersPanel;
pub use header::Header;
pub use inspector::Inspector;
pub use plan_panel::PlanPanel;
pub use source_panel::SourcePanel;
