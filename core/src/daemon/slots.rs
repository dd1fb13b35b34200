//! The daemon's view of one workflow: its plan and, per schedule, the next fire time and what
//! is running or waiting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use crate::plan::Plan;
use crate::schedule::ScheduleSpec;

pub(super) struct Entry {
    pub plan: Arc<Plan>,
    pub modified: Option<SystemTime>,
    pub slots: Vec<Slot>,
}

pub(super) struct Slot {
    pub spec: ScheduleSpec,
    pub next: Option<DateTime<Utc>>,
    pub running: usize,
    /// A fire time waiting for the previous run to end (`overlap: queue`).
    pub queued: Option<DateTime<Utc>>,
    /// Catch-up fire times, run one after another, oldest first, whatever `overlap` says.
    pub backlog: std::collections::VecDeque<DateTime<Utc>>,
}

impl Entry {
    pub fn new(path: PathBuf, plan: Arc<Plan>, now: DateTime<Utc>) -> Entry {
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let slots = plan
            .schedules
            .iter()
            .cloned()
            .map(|spec| Slot::at(spec, now))
            .collect();
        Entry {
            plan,
            modified,
            slots,
        }
    }

    /// After a reload, runs still in flight keep counting for overlap.
    pub fn inherit_running(&mut self, old: &Entry) {
        for (new, old) in self.slots.iter_mut().zip(&old.slots) {
            new.running = old.running;
            new.queued = old.queued;
            new.backlog = old.backlog.clone();
        }
    }
}

/// Files seen without a schedule (or invalid), by modification time, so they are not reloaded
/// every poll.
static UNSCHEDULED: Mutex<Option<HashMap<PathBuf, Option<SystemTime>>>> = Mutex::new(None);

pub(super) fn remember_unscheduled(path: &Path, modified: Option<SystemTime>) {
    let mut seen = UNSCHEDULED.lock().unwrap_or_else(|p| p.into_inner());
    seen.get_or_insert_with(HashMap::new)
        .insert(path.to_path_buf(), modified);
}

pub(super) fn seen_unchanged(path: &Path, modified: Option<SystemTime>) -> bool {
    let seen = UNSCHEDULED.lock().unwrap_or_else(|p| p.into_inner());
    modified.is_some()
        && seen
            .as_ref()
            .and_then(|m| m.get(path))
            .is_some_and(|m| *m == modified)
}
