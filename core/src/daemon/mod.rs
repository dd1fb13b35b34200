//! The scheduler daemon: fires the schedules of many workflows on time, records each fire in
//! the ledger so no fire time runs twice (across restarts and processes), applies catch-up on
//! start and overlap while running, reloads changed files, and stops gracefully.
//!
//! It logs through `tracing` (one structured line per fire and per run end); the CLI decides
//! the format.

mod history;
mod slots;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use minijinja::Value;
use tokio::sync::mpsc;
use tokio::task::{Id, JoinSet};

use crate::engine::{self, RunOptions, Services};
use crate::plan::Plan;
use crate::schedule::{plan_catchup, CatchupPlan, Clock, OverlapDecision};
use crate::store::{NewRun, Store};

pub use history::HistoryObserver;
use slots::{Entry, Slot};

/// Loads (and plans) one workflow file; `Err` carries the rendered problems.
pub type Loader = dyn Fn(&Path) -> Result<Arc<Plan>, String> + Send + Sync;

/// The deadline of a scheduled run whose workflow sets no `timeout`.
pub const SCHEDULED_RUN_TIMEOUT: Duration = Duration::from_secs(3600);

/// How the daemon runs.
pub struct DaemonOptions {
    /// Workflow files and directories (searched for `*.yaml`/`*.yml`).
    pub paths: Vec<PathBuf>,
    /// Fire what is due now (by the catch-up rules), wait for those runs, and return.
    pub once: bool,
    /// How long in-flight runs may finish after a stop request.
    pub grace: Duration,
    /// Finished runs kept per workflow.
    pub keep_runs: i64,
    /// How often files are checked for changes.
    pub poll_interval: Duration,
}

/// What the daemon is told from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Stop,
    Reload,
}

/// Counts of what happened, for the final log line and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DaemonSummary {
    pub started: usize,
    pub skipped: usize,
    pub missed: usize,
    pub finished: usize,
    pub interrupted: usize,
}

struct RunDone {
    key: String,
    index: usize,
    run_id: String,
}

pub struct Daemon {
    options: DaemonOptions,
    loader: Arc<Loader>,
    services: Arc<Services>,
    store: Store,
    clock: Arc<dyn Clock>,
    workflows: BTreeMap<String, Entry>,
    runs: JoinSet<RunDone>,
    in_flight: HashMap<Id, (String, String)>,
    summary: DaemonSummary,
}

impl Daemon {
    /// `workflows`: the files already loaded and validated (those without a schedule are ignored).
    pub fn new(
        options: DaemonOptions,
        loader: Arc<Loader>,
        workflows: Vec<(PathBuf, Arc<Plan>)>,
        services: Arc<Services>,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Daemon {
        let now = clock.now();
        let workflows = workflows
            .into_iter()
            .filter(|(_, plan)| !plan.schedules.is_empty())
            .map(|(path, plan)| (key(&path), Entry::new(path, plan, now)))
            .collect();
        Daemon {
            options,
            loader,
            services,
            store,
            clock,
            workflows,
            runs: JoinSet::new(),
            in_flight: HashMap::new(),
            summary: DaemonSummary::default(),
        }
    }

    /// Number of workflows with a schedule.
    pub fn workflow_count(&self) -> usize {
        self.workflows.len()
    }

    /// Runs until a [`Signal::Stop`] (or, with `once`, until the due runs are done).
    pub async fn run(mut self, mut signals: mpsc::Receiver<Signal>) -> DaemonSummary {
        match self.store.interrupt_running("the daemon stopped before the run finished").await {
            Ok(n) if n > 0 => tracing::warn!(runs = n, "marked runs left running by a previous daemon as interrupted"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot mark interrupted runs"),
        }
        self.catch_up().await;
        if self.options.once {
            while let Some(done) = self.runs.join_next_with_id().await {
                self.finished(done).await;
            }
            tracing::info!(started = self.summary.started, missed = self.summary.missed, skipped = self.summary.skipped, "once: done");
            return self.summary;
        }
        let mut last_poll = tokio::time::Instant::now();
        loop {
            let now = self.clock.now();
            self.fire_due(now).await;
            let until_next = self
                .next_fire()
                .map(|t| (t - self.clock.now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(self.options.poll_interval);
            let until_poll = self.options.poll_interval.saturating_sub(last_poll.elapsed());
            let wait = until_next.min(until_poll);
            tokio::select! {
                Some(done) = self.runs.join_next_with_id(), if !self.runs.is_empty() => self.finished(done).await,
                signal = signals.recv() => match signal {
                    Some(Signal::Reload) => self.reload().await,
                    Some(Signal::Stop) | None => break,
                },
                _ = tokio::time::sleep(wait) => {
                    if last_poll.elapsed() >= self.options.poll_interval {
                        last_poll = tokio::time::Instant::now();
                        self.reload().await;
                    }
                }
            }
        }
        self.shutdown().await;
        self.summary
    }

    fn next_fire(&self) -> Option<DateTime<Utc>> {
        self.workflows.values().flat_map(|e| e.slots.iter().filter_map(|s| s.next)).min()
    }

    /// On start: for each schedule, what happened while the daemon was down.
    async fn catch_up(&mut self) {
        let now = self.clock.now();
        let keys: Vec<String> = self.workflows.keys().cloned().collect();
        for key in keys {
            let count = self.workflows[&key].slots.len();
            for index in 0..count {
                let last = match self.store.last_fire(&key, index).await {
                    Ok(last) => last.map(DateTime::<Utc>::from),
                    Err(e) => {
                        tracing::error!(workflow = %key, error = %e, "cannot read the fire ledger");
                        continue;
                    }
                };
                let spec = self.workflows[&key].slots[index].spec.clone();
                let plan = match last {
                    Some(_) => plan_catchup(&spec, last, now),
                    // First start: with --once, the newest fire time still within the window
                    // is due (system cron runs `--once` right after each fire time).
                    None if self.options.once => match spec.prev_before(now + chrono::TimeDelta::milliseconds(1)) {
                        Some(prev) if !spec.is_too_late(prev, now) => CatchupPlan { run: vec![prev], missed: Vec::new(), missed_truncated: false },
                        _ => CatchupPlan::default(),
                    },
                    None => CatchupPlan::default(),
                };
                for missed in &plan.missed {
                    self.record_fire(&key, index, *missed, "missed", now).await;
                }
                if plan.missed_truncated {
                    tracing::warn!(workflow = %key, schedule = index, "more fire times were missed than are listed in the ledger");
                }
                self.enqueue_catch_up(&key, index, plan.run).await;
                if let Some(slot) = self.workflows.get_mut(&key).and_then(|e| e.slots.get_mut(index)) {
                    slot.next = spec.next_after(now);
                }
            }
        }
    }

    /// Catch-up fires each run, one after another (oldest first).
    async fn enqueue_catch_up(&mut self, key: &str, index: usize, fires: Vec<DateTime<Utc>>) {
        if let Some(slot) = self.workflows.get_mut(key).and_then(|e| e.slots.get_mut(index)) {
            slot.backlog.extend(fires);
        }
        self.next_from_backlog(key, index).await;
    }

    /// Starts the oldest backlog fire when nothing of this schedule runs.
    async fn next_from_backlog(&mut self, key: &str, index: usize) -> bool {
        let fire = match self.workflows.get_mut(key).and_then(|e| e.slots.get_mut(index)) {
            Some(slot) if slot.running == 0 => slot.backlog.pop_front(),
            _ => None,
        };
        match fire {
            Some(fire_time) => {
                let now = self.clock.now();
                self.start(key, index, fire_time, now).await;
                true
            }
            None => false,
        }
    }

    /// Fires every schedule whose next fire time has come.
    async fn fire_due(&mut self, now: DateTime<Utc>) {
        let due: Vec<(String, usize, DateTime<Utc>)> = self
            .workflows
            .iter()
            .flat_map(|(k, e)| e.slots.iter().enumerate().filter_map(move |(i, s)| s.next.filter(|t| *t <= now).map(|t| (k.clone(), i, t))))
            .collect();
        for (key, index, fire_time) in due {
            let Some(spec) = self.workflows.get(&key).map(|e| e.slots[index].spec.clone()) else { continue };
            if spec.is_too_late(fire_time, now) {
                // The process was suspended for longer than the window: catch up by the rules.
                let plan = plan_catchup(&spec, Some(fire_time - chrono::TimeDelta::milliseconds(1)), now);
                for missed in &plan.missed {
                    self.record_fire(&key, index, *missed, "missed", now).await;
                }
                self.enqueue_catch_up(&key, index, plan.run).await;
            } else {
                self.fire(&key, index, fire_time, now).await;
            }
            if let Some(slot) = self.workflows.get_mut(&key).and_then(|e| e.slots.get_mut(index)) {
                slot.next = spec.next_after(now.max(fire_time));
            }
        }
    }

    /// One fire time of one schedule, by its overlap rule.
    async fn fire(&mut self, key: &str, index: usize, fire_time: DateTime<Utc>, now: DateTime<Utc>) {
        let Some(slot) = self.workflows.get_mut(key).and_then(|e| e.slots.get_mut(index)) else { return };
        match crate::schedule::decide_overlap(slot.spec.overlap(), slot.running, usize::from(slot.queued.is_some())) {
            OverlapDecision::Start => self.start(key, index, fire_time, now).await,
            OverlapDecision::Queue => {
                slot.queued = Some(fire_time);
                tracing::info!(workflow = %key, schedule = index, fire_time = %fire_time.to_rfc3339(), "queued: the previous run is still going");
            }
            OverlapDecision::Skip => {
                self.summary.skipped += 1;
                self.record_fire(key, index, fire_time, "skipped", now).await;
                tracing::info!(workflow = %key, schedule = index, fire_time = %fire_time.to_rfc3339(), "skipped: the previous run is still going");
            }
        }
    }

    async fn record_fire(&mut self, key: &str, index: usize, fire_time: DateTime<Utc>, status: &str, now: DateTime<Utc>) {
        let lateness = (now - fire_time).num_milliseconds().max(0);
        if status == "missed" {
            self.summary.missed += 1;
        }
        if let Err(e) = self.store.claim_fire(key, index, fire_time.into(), status, Some(lateness), None).await {
            tracing::error!(workflow = %key, error = %e, "cannot record a fire in the ledger");
        }
    }

    /// Claims the fire time and starts its run.
    async fn start(&mut self, key: &str, index: usize, fire_time: DateTime<Utc>, now: DateTime<Utc>) {
        let Some(entry) = self.workflows.get(key) else { return };
        let plan = entry.plan.clone();
        let run_id = crate::ids::new_run_id();
        let lateness = (now - fire_time).num_milliseconds().max(0);
        let run = NewRun { id: &run_id, workflow: key, workflow_name: &plan.name, trigger: "schedule", fire_time: Some(fire_time.into()) };
        match self.store.claim_fire(key, index, fire_time.into(), "started", Some(lateness), Some(&run)).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(workflow = %key, schedule = index, fire_time = %fire_time.to_rfc3339(), "already run (claimed in the ledger)");
                return;
            }
            Err(e) => {
                tracing::error!(workflow = %key, error = %e, "cannot claim a fire time; not running it");
                return;
            }
        }
        tracing::info!(workflow = %key, schedule = index, fire_time = %fire_time.to_rfc3339(), lateness_ms = lateness, run_id = %run_id, "fire");
        self.summary.started += 1;
        if let Some(slot) = self.workflows.get_mut(key).and_then(|e| e.slots.get_mut(index)) {
            slot.running += 1;
        }
        let (services, store, keep) = (self.services.clone(), self.store.clone(), self.options.keep_runs);
        let (key_owned, id) = (key.to_owned(), run_id.clone());
        let handle = self.runs.spawn(async move {
            let observer = Arc::new(HistoryObserver::new(services.redactor.clone()));
            let options = RunOptions {
                input: Value::from_pairs(Vec::<(Value, Value)>::new()),
                dry_run: false,
                trigger: "schedule".into(),
                run_id: Some(id.clone()),
                default_timeout: Some(SCHEDULED_RUN_TIMEOUT),
            };
            let report = engine::run(plan, services.clone(), options, observer.clone()).await;
            if let Err(e) = observer.flush(&store, &id).await {
                tracing::error!(run_id = %id, error = %e, "cannot record the run's executions");
            }
            let state = if report.succeeded { "succeeded" } else { "failed" };
            let error = run_error(&report, &services);
            if let Err(e) = store.finish_run(&id, state, error.as_deref(), report.executions as i64).await {
                tracing::error!(run_id = %id, error = %e, "cannot record the end of a run");
            }
            let _ = store.prune_runs(&key_owned, keep).await;
            tracing::info!(workflow = %key_owned, run_id = %id, state, executions = report.executions, duration_ms = report.duration.as_millis() as u64, "run finished");
            RunDone { key: key_owned, index, run_id: id }
        });
        self.in_flight.insert(handle.id(), (key.to_owned(), run_id));
    }

    async fn finished(&mut self, done: Result<(Id, RunDone), tokio::task::JoinError>) {
        let done = match done {
            Ok((id, done)) => {
                self.in_flight.remove(&id);
                done
            }
            Err(e) => {
                if let Some((key, run_id)) = self.in_flight.remove(&e.id()) {
                    tracing::error!(workflow = %key, run_id = %run_id, "a run crashed (a bug in Relay; please report it)");
                    let _ = self.store.finish_run(&run_id, "failed", Some("internal error: the run crashed"), 0).await;
                }
                return;
            }
        };
        self.summary.finished += 1;
        let queued = match self.workflows.get_mut(&done.key).and_then(|e| e.slots.get_mut(done.index)) {
            Some(slot) => {
                slot.running = slot.running.saturating_sub(1);
                slot.queued.take()
            }
            None => None,
        };
        let _ = &done.run_id;
        if self.next_from_backlog(&done.key, done.index).await {
            if let Some(fire_time) = queued {
                if let Some(slot) = self.workflows.get_mut(&done.key).and_then(|e| e.slots.get_mut(done.index)) {
                    slot.queued = Some(fire_time);
                }
            }
            return;
        }
        if let Some(fire_time) = queued {
            let now = self.clock.now();
            self.start(&done.key, done.index, fire_time, now).await;
        }
    }

    /// Picks up changed, added and removed workflow files; an invalid change keeps the old version.
    async fn reload(&mut self) {
        let now = self.clock.now();
        let files = match workflow_files(&self.options.paths) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "cannot list workflow files");
                return;
            }
        };
        let present: Vec<String> = files.iter().map(|p| key(p)).collect();
        let removed: Vec<String> = self.workflows.keys().filter(|k| !present.contains(k)).cloned().collect();
        for k in removed {
            self.workflows.remove(&k);
            tracing::info!(workflow = %k, "removed: no longer scheduled (runs in flight continue)");
        }
        for path in files {
            let k = key(&path);
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            let unchanged = self.workflows.get(&k).is_some_and(|e| e.modified == modified && modified.is_some());
            let known_unscheduled = self.workflows.get(&k).is_none() && slots::seen_unchanged(&path, modified);
            if unchanged || known_unscheduled {
                continue;
            }
            match (self.loader)(&path) {
                Ok(plan) if plan.schedules.is_empty() => {
                    slots::remember_unscheduled(&path, modified);
                    if self.workflows.remove(&k).is_some() {
                        tracing::info!(workflow = %k, "reloaded: it has no schedule any more");
                    }
                }
                Ok(plan) => {
                    let action = if self.workflows.contains_key(&k) { "reloaded" } else { "added" };
                    let mut entry = Entry::new(path.clone(), plan, now);
                    entry.modified = modified;
                    if let Some(old) = self.workflows.get(&k) {
                        entry.inherit_running(old);
                    }
                    tracing::info!(workflow = %k, schedules = entry.slots.len(), "{action}");
                    self.workflows.insert(k, entry);
                }
                Err(problems) => {
                    slots::remember_unscheduled(&path, modified);
                    if let Some(old) = self.workflows.get_mut(&k) {
                        old.modified = modified;
                    }
                    tracing::error!(workflow = %k, "invalid change; the previous version keeps running:\n{problems}");
                }
            }
        }
    }

    /// Stops firing, lets in-flight runs finish for up to `grace`, marks the rest interrupted.
    async fn shutdown(&mut self) {
        let in_flight = self.runs.len();
        if in_flight > 0 {
            tracing::info!(runs = in_flight, grace_s = self.options.grace.as_secs_f64(), "stopping: waiting for runs in flight");
        }
        let deadline = tokio::time::Instant::now() + self.options.grace;
        while !self.runs.is_empty() {
            match tokio::time::timeout_at(deadline, self.runs.join_next_with_id()).await {
                Ok(Some(done)) => self.finished(done).await,
                Ok(None) => break,
                Err(_) => break,
            }
        }
        self.runs.abort_all();
        let reason = format!("the daemon stopped and the grace period ({} s) ran out", self.options.grace.as_secs());
        for (_, (key, run_id)) in self.in_flight.drain() {
            self.summary.interrupted += 1;
            tracing::warn!(workflow = %key, run_id = %run_id, "interrupted");
            let _ = self.store.finish_run(&run_id, "interrupted", Some(&reason), 0).await;
        }
        tracing::info!(started = self.summary.started, finished = self.summary.finished, interrupted = self.summary.interrupted, "stopped");
    }
}

/// A short, redacted description of why a run failed.
fn run_error(report: &engine::RunReport, services: &Services) -> Option<String> {
    if report.succeeded {
        return None;
    }
    let text = match report.timed_out {
        Some(limit) => format!("timed out after {} s", limit.as_secs()),
        None => report.failures.iter().map(|f| format!("{}: {}", f.action, f.cause)).collect::<Vec<_>>().join("; "),
    };
    Some(services.redactor.redact(&text).into_owned())
}

/// The ledger key of a workflow file.
pub fn key(path: &Path) -> String {
    path.display().to_string()
}

/// The workflow files under `paths` (files as given, directories searched for `*.yaml`/`*.yml`).
pub fn workflow_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect_yaml(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && path.file_name().is_some_and(|n| n != "relay.yaml") {
            out.push(path);
        }
    }
    Ok(())
}

impl Slot {
    fn at(spec: crate::schedule::ScheduleSpec, now: DateTime<Utc>) -> Slot {
        let next = spec.next_after(now);
        Slot { spec, next, running: 0, queued: None, backlog: Default::default() }
    }
}

