//! The one shape of everything a user is told: a stable code, a severity, a message, the place in
//! the user's text and an optional hint.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A position in the user's text. Both numbers start at 1; `column` counts characters, not bytes,
/// so it matches what an editor shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something the user wrote was not understood and is missing from the model.
    Error,
    /// Understood, but possibly not as the user meant (recovered syntax, ignored clause).
    Warning,
    /// Deliberately skipped because it does not shape the schema (SET, GRANT, functions).
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable kebab-case code, e.g. `parse-error` (owned only when read back from JSON).
    pub code: std::borrow::Cow<'static, str>,
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where, in the user's text.
    pub span: Span,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Self { code: std::borrow::Cow::Borrowed(code), severity, message: message.into(), span, help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}] {}", self.span, self.severity, self.code, self.message)
    }
}
