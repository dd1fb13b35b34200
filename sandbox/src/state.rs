//! The shared, in-memory state of one running sandbox.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::config::SandboxConfig;
use crate::faults::FaultQueue;
use crate::record::{CounterCells, RecordedRequest};
use crate::tickets::TicketStore;
use crate::tokens::TokenStore;

/// Everything the handlers share. Locks are never held across an `.await`.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) config: SandboxConfig,
    pub(crate) base_url: String,
    pub(crate) counters: CounterCells,
    pub(crate) data: Mutex<Data>,
    // Separate from `data` so recording every request does not contend with token checks.
    pub(crate) log: Mutex<Vec<RecordedRequest>>,
}

/// The mutable tenant data.
#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(crate) tokens: TokenStore,
    pub(crate) tickets: TicketStore,
    pub(crate) api_faults: FaultQueue,
    pub(crate) auth_faults: FaultQueue,
    pub(crate) hooks: HashMap<String, Vec<Value>>,
}

/// Locks a mutex, recovering from poisoning: every update here leaves the data consistent,
/// so a panicked test thread must not take the whole sandbox down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// Fresh state for `config`, serving at `base_url`.
    pub(crate) fn new(config: SandboxConfig, base_url: String) -> Self {
        let data = Data {
            tickets: TicketStore::seeded(config.ticket_count),
            ..Data::default()
        };
        App {
            config,
            base_url,
            counters: CounterCells::default(),
            data: Mutex::new(data),
            log: Mutex::new(Vec::new()),
        }
    }

    /// Locks the tenant data.
    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        lock(&self.data)
    }
}
