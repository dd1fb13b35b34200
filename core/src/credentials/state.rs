//! The state store as credentials see it: opened on first need (a run that uses no stored
//! secret and no cacheable credential never creates `.relay/`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tokio::sync::OnceCell;

use crate::store::{Store, StoreWarning};

/// A lazily opened state store.
pub struct StateStore {
    dir: PathBuf,
    cell: OnceCell<Result<Store, String>>,
    warnings: Mutex<Vec<String>>,
}

impl StateStore {
    pub fn new(dir: PathBuf) -> StateStore {
        StateStore {
            dir,
            cell: OnceCell::new(),
            warnings: Mutex::new(Vec::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store, opened (and created) on first call.
    pub async fn get(&self) -> Result<&Store, String> {
        let result = self
            .cell
            .get_or_init(|| async {
                Store::open_sqlite(&self.dir)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        match result {
            Ok(store) => {
                self.collect_warnings(store);
                Ok(store)
            }
            Err(e) => Err(e.clone()),
        }
    }

    /// The store if it was opened already (without opening it).
    pub fn opened(&self) -> Option<&Store> {
        self.cell.get().and_then(|r| r.as_ref().ok())
    }

    fn collect_warnings(&self, store: &Store) {
        let new: Vec<String> = store
            .take_warnings()
            .into_iter()
            .map(|w: StoreWarning| w.to_string())
            .collect();
        if !new.is_empty() {
            self.warnings
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(new);
        }
    }

    /// Warnings to show the user once (e.g. "a new master key was created: back it up").
    pub fn take_warnings(&self) -> Vec<String> {
        if let Some(store) = self.opened() {
            self.collect_warnings(store);
        }
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
