//! Where a piece of configuration came from, so every diagnostic can point at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded text file, kept so diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
        })
    }

    /// The 1-based line `n`, without its line break.
    pub fn line(&self, n: u32) -> Option<&str> {
        if n == 0 {
            return None;
        }
        self.text.lines().nth(n as usize - 1)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A position in a source file: 1-based line and column (in characters), and how many
/// characters the caret should underline. Line 0 means "no known position".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: u32,
    pub column: u32,
    pub width: u32,
}

impl Location {
    pub const UNKNOWN: Location = Location {
        line: 0,
        column: 0,
        width: 0,
    };

    pub fn new(line: u32, column: u32, width: u32) -> Location {
        Location {
            line,
            column,
            width,
        }
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }

    /// The same place, `chars` characters further right, underlining `width` characters.
    pub fn shifted(&self, chars: u32, width: u32) -> Location {
        Location {
            line: self.line,
            column: self.column + chars,
            width,
        }
    }
}

impl From<serde_saphyr::Location> for Location {
    fn from(l: serde_saphyr::Location) -> Location {
        Location {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
            width: u32::try_from(l.span().len()).unwrap_or(1).max(1),
        }
    }
}
