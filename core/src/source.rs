//! Where a piece of configuration came from, so every diagnostic can point at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded text file, kept so diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Byte offset where each line starts: planning looks lines up once per formula
    /// reference, so a scan from the top each time would make validation quadratic.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile::unshared(path, text))
    }

    /// A source file not behind an `Arc` (for formulas that come from no file).
    pub fn unshared(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The 1-based line `n`, without its line break.
    pub fn line(&self, n: u32) -> Option<&str> {
        let start = *self.line_starts.get((n as usize).checked_sub(1)?)?;
        // `str::lines` has no line after a final line break (or in an empty text).
        if start >= self.text.len() {
            return None;
        }
        let end = self
            .line_starts
            .get(n as usize)
            .map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A position in a source file: 1-based line and column (in characters), and how many
/// characters the caret should underline. Line 0 means "no known position".
#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn lines_are_found_like_str_lines() {
        for text in ["a\nbb\r\n\nccc", "one", "", "x\n", "a\n\n"] {
            let file = SourceFile::unshared("f", text);
            let expected: Vec<&str> = text.lines().collect();
            for n in 0..=expected.len() as u32 + 2 {
                let want = if n == 0 {
                    None
                } else {
                    expected.get(n as usize - 1).copied()
                };
                assert_eq!(file.line(n), want, "{text:?} line {n}");
            }
        }
    }
}

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
