//! What can go wrong with a formula, at plan time and at run time.

use std::fmt;

/// A formula that does not parse, found when the plan is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaSyntaxError {
    pub message: String,
    /// Character offset of the problem inside the string value, for the caret.
    pub offset: usize,
    pub width: usize,
    /// The likely intended spelling ("did you mean `SIZE`?"), when there is one.
    pub suggestion: Option<String>,
    pub help: String,
}

/// A formula that failed while rendering for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// The option path inside the action (`headers.Authorization`), filled in as the error unwinds.
    pub option: Vec<String>,
    pub message: String,
}

impl FormulaError {
    pub fn new(message: impl Into<String>) -> FormulaError {
        FormulaError {
            option: Vec::new(),
            message: message.into(),
        }
    }

    /// Prefixes the option path with `segment` (called by the renderer on the way out).
    pub fn within(mut self, segment: impl Into<String>) -> FormulaError {
        self.option.insert(0, segment.into());
        self
    }

    pub fn option_path(&self) -> String {
        self.option.join(".")
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.option.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "option `{}`: {}", self.option_path(), self.message)
        }
    }
}
