//! Problems found while loading and planning, as data. The CLI renders them; nothing here prints.

use crate::source::{Location, SourceFile};
use std::fmt;
use std::path::PathBuf;

/// One problem in one file, with everything a user needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub location: Location,
    /// The offending source line, quoted under the message.
    pub source_line: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The likely intended spelling ("did you mean `options`?"), shown right after the message.
    pub suggestion: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(source: &SourceFile, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: source.path.clone(),
            location,
            source_line: source.line(location.line).map(str::to_owned),
            message: message.into(),
            suggestion: None,
            help: None,
        }
    }

    /// A problem with a file as a whole (no position inside it).
    pub fn file_level(file: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.into(),
            location: Location::UNKNOWN,
            source_line: None,
            message: message.into(),
            suggestion: None,
            help: None,
        }
    }

    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Diagnostic {
        self.suggestion = suggestion;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// One-line form, `file:line:column: message`, for logs and tests; the CLI renders the full form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_known() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.location.line,
                self.location.column,
                self.message
            )
        } else {
            write!(f, "{}: {}", self.file.display(), self.message)
        }
    }
}

/// Collects the problems of one or more files, so all of them are reported, not just the first.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Reports a problem at `location` in `source`, with a fix hint.
    pub fn error(
        &mut self,
        source: &SourceFile,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.items
            .push(Diagnostic::new(source, location, message).with_help(help));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}
