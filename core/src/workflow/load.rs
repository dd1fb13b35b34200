//! Reading files, with the errors that are about the file itself rather than its content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::source::SourceFile;

/// A file that could not be read at all (exit code 66 in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such file (check the path; workflows usually live in `workflows/`)")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot read it: {reason}")]
    Unreadable { path: PathBuf, reason: String },
}

/// Reads a UTF-8 text file.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, LoadError> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(e) => Err(LoadError::Unreadable {
                path: path.to_owned(),
                reason: format!(
                    "it is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            }),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LoadError::NotFound {
            path: path.to_owned(),
        }),
        Err(e) => Err(LoadError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}
