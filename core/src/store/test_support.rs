//! Helpers for the store's tests: real SQLite files in temporary directories.

use std::path::{Path, PathBuf};

use super::master_key::{MASTER_KEY_FILE, MasterKeySource};
use super::store::Store;

/// A fresh temporary directory, deleted on drop.
pub(super) fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// Opens the store in `dir` with its key file, as `relay` does without `RELAY_MASTER_KEY`.
pub(super) async fn open(dir: &Path) -> Store {
    Store::open_sqlite_with(dir, MasterKeySource::File(dir.join(MASTER_KEY_FILE)))
        .await
        .expect("open the store")
}

/// Every file under `dir` whose raw bytes contain `needle`.
pub(super) fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("list directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if std::fs::read(&path)
                .expect("read file")
                .windows(needle.len())
                .any(|w| w == needle)
            {
                found.push(path);
            }
        }
    }
    found
}

/// Names of the files directly in `dir`.
pub(super) fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
