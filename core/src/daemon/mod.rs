//! The scheduler daemon: fires the schedules of many workflows on time, records each fire in
//! the ledger so no fire time runs twice (across restarts and processes), applies catch-up on
//! start and overlap while running, reloads changed files, and stops gracefully.
//!
//! It logs through `tracing` (one structured line per fire and per run end); the CLI decides
//! the format.

mod history;
mod slots;
mod writer;

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
use crate::schedule::{CatchupPlan, Clock, OverlapDecision, plan_catchup};
use crate::store::{FireRecord, NewRun, Store};

pub use history::HistoryObserver;
use slots::{Entry, Slot};
use writer::Completion;

/// Loads (and plans) one workflow file; `Err` carries the rendered problems.
pub type Loader = dyn Fn(&Path) -> Result<Arc<Plan>, String> + Send + Sync;

/// How often fire-ledger rows too old to matter are deleted.
const LEDGER_PRUNE_INTERVAL: Duration = Duration::from_secs(600);

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
    /// Finished runs that failed.
    pub failed: usize,
    pub interrupted: usize,
}

struct RunDone {
    key: String,
    index: usize,
    succeeded: bool,
}

/// What a fire time becomes in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FireKind {
    /// Claimed and run.
    Start,
    /// Not run: the previous run of its schedule was still going (`overlap: skip`).
    Skipped,
    /// Not run: by the catch-up rules, or left waiting when the daemon stopped.
    Missed,
}

impl FireKind {
    fn status(self) -> &'static str {
        match self {
            FireKind::Start => "started",
            FireKind::Skipped => "skipped",
            FireKind::Missed => "missed",
        }
    }
}

/// A fire time decided in one pass, claimed in the ledger together with the others of the pass
/// (one transaction, one fsync, however many schedules fire at the same instant).
struct Pending {
    key: String,
    index: usize,
    fire_time: DateTime<Utc>,
    kind: FireKind,
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
    /// Run ends go to the history writer task (see `writer.rs`).
    ends: Option<mpsc::UnboundedSender<Completion>>,
    writer: Option<tokio::task::JoinHandle<()>>,
    /// Set on a stop request: runs that end start nothing more (no queued or backlog fire).
    stopping: bool,
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
            ends: None,
            writer: None,
            stopping: false,
        }
    }

    /// Number of workflows with a schedule.
    pub fn workflow_count(&self) -> usize {
        self.workflows.len()
    }

    /// Runs until a [`Signal::Stop`] (or, with `once`, until the due runs are done).
    pub async fn run(mut self, mut signals: mpsc::Receiver<Signal>) -> DaemonSummary {
        match self
            .store
            .interrupt_running("the daemon stopped before the run finished")
            .await
        {
            Ok(n) if n > 0 => tracing::warn!(
                runs = n,
                "marked runs left running by a previous daemon as interrupted"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot mark interrupted runs"),
        }
        let (ends, receiver) = mpsc::unbounded_channel();
        self.ends = Some(ends);
        self.writer = Some(tokio::spawn(writer::write_history(
            self.store.clone(),
            self.options.keep_runs,
            receiver,
        )));
        self.catch_up().await;
        if self.options.once {
            while !self.runs.is_empty() {
                tokio::select! {
                    Some(done) = self.runs.join_next_with_id() => self.finished(done).await,
                    signal = signals.recv() => if matches!(signal, Some(Signal::Stop) | None) {
                        self.shutdown().await;
                        return self.summary;
                    },
                }
            }
            self.close_history().await;
            tracing::info!(
                started = self.summary.started,
                missed = self.summary.missed,
                skipped = self.summary.skipped,
                "once: done"
            );
            return self.summary;
        }
        let mut last_poll = tokio::time::Instant::now();
        self.prune_ledger().await;
        let mut last_prune = tokio::time::Instant::now();
        loop {
            let now = self.clock.now();
            self.fire_due(now).await;
            let until_next = self
                .next_fire()
                .map(|t| (t - self.clock.now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(self.options.poll_interval);
            let until_poll = self
                .options
                .poll_interval
                .saturating_sub(last_poll.elapsed());
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
                        if last_prune.elapsed() >= LEDGER_PRUNE_INTERVAL {
                            last_prune = tokio::time::Instant::now();
                            self.prune_ledger().await;
                        }
                    }
                }
            }
        }
        self.shutdown().await;
        self.summary
    }

    /// Deletes ledger rows older than twice each schedule's catch-up window: such a fire time
    /// can never run again (it would be too late), and catch-up starts from the newest row,
    /// which is always kept. Without this the ledger of a per-second cron grows by 86,400 rows
    /// a day.
    async fn prune_ledger(&self) {
        let now = self.clock.now();
        for (key, entry) in &self.workflows {
            for (index, slot) in entry.slots.iter().enumerate() {
                let before = now - slot.spec.catchup_window() * 2;
                if let Err(e) = self.store.prune_fires(key, index, before.into()).await {
                    tracing::warn!(workflow = %key, error = %e, "cannot prune the fire ledger");
                }
            }
        }
    }

    fn next_fire(&self) -> Option<DateTime<Utc>> {
        self.workflows
            .values()
            .flat_map(|e| e.slots.iter().filter_map(|s| s.next))
            .min()
    }

    /// On start: for each schedule, what happened while the daemon was down.
    async fn catch_up(&mut self) {
        let now = self.clock.now();
        let mut batch = Vec::new();
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
                    None if self.options.once => {
                        match spec.prev_before(now + chrono::TimeDelta::milliseconds(1)) {
                            Some(prev) if !spec.is_too_late(prev, now) => CatchupPlan {
                                run: vec![prev],
                                missed: Vec::new(),
                                missed_truncated: false,
                            },
                            _ => CatchupPlan::default(),
                        }
                    }
                    None => CatchupPlan::default(),
                };
                self.apply_catch_up(&key, index, plan, &mut batch);
                if let Some(slot) = self
                    .workflows
                    .get_mut(&key)
                    .and_then(|e| e.slots.get_mut(index))
                {
                    slot.next = spec.next_after(now);
                }
            }
        }
        self.claim(batch).await;
    }

    /// Adds a catch-up plan to `batch`: its missed fire times, and the oldest of its runs when
    /// nothing of the schedule runs (the others wait in the backlog, run one after another).
    fn apply_catch_up(
        &mut self,
        key: &str,
        index: usize,
        plan: CatchupPlan,
        batch: &mut Vec<Pending>,
    ) {
        if plan.missed_truncated {
            tracing::warn!(workflow = %key, schedule = index, "more fire times were missed than are listed in the ledger");
        }
        for fire_time in plan.missed {
            self.summary.missed += 1;
            batch.push(Pending {
                key: key.to_owned(),
                index,
                fire_time,
                kind: FireKind::Missed,
            });
        }
        if let Some(slot) = self
            .workflows
            .get_mut(key)
            .and_then(|e| e.slots.get_mut(index))
        {
            slot.backlog.extend(plan.run);
        }
        batch.extend(self.next_from_backlog(key, index));
    }

    /// The oldest backlog fire, to start now when nothing of this schedule runs.
    fn next_from_backlog(&mut self, key: &str, index: usize) -> Option<Pending> {
        if self.stopping {
            return None;
        }
        let slot = self
            .workflows
            .get_mut(key)
            .and_then(|e| e.slots.get_mut(index))?;
        if slot.running > 0 {
            return None;
        }
        let fire_time = slot.backlog.pop_front()?;
        slot.running += 1;
        Some(Pending {
            key: key.to_owned(),
            index,
            fire_time,
            kind: FireKind::Start,
        })
    }

    /// Fires every schedule whose next fire time has come.
    async fn fire_due(&mut self, now: DateTime<Utc>) {
        let due: Vec<(String, usize, DateTime<Utc>)> = self
            .workflows
            .iter()
            .flat_map(|(k, e)| {
                e.slots.iter().enumerate().filter_map(move |(i, s)| {
                    s.next.filter(|t| *t <= now).map(|t| (k.clone(), i, t))
                })
            })
            .collect();
        let mut batch = Vec::new();
        for (key, index, fire_time) in due {
            let Some(spec) = self
                .workflows
                .get(&key)
                .map(|e| e.slots[index].spec.clone())
            else {
                continue;
            };
            // More than one fire time of this schedule has passed since the loop last looked
            // (the process was suspended, or busy for longer than the schedule's period). Firing
            // only the first and moving `next` past `now` used to drop the others silently: no
            // run and no ledger row. Like a machine waking from sleep, they follow `catchup`.
            let several_overdue = spec.next_after(fire_time).is_some_and(|t| t <= now);
            if spec.is_too_late(fire_time, now) || several_overdue {
                // Catch up by the rules (also when the process was suspended longer than the window).
                let plan = plan_catchup(
                    &spec,
                    Some(fire_time - chrono::TimeDelta::milliseconds(1)),
                    now,
                );
                self.apply_catch_up(&key, index, plan, &mut batch);
            } else {
                batch.extend(self.decide(&key, index, fire_time));
            }
            if let Some(slot) = self
                .workflows
                .get_mut(&key)
                .and_then(|e| e.slots.get_mut(index))
            {
                slot.next = spec.next_after(now.max(fire_time));
            }
        }
        self.claim(batch).await;
    }

    /// One fire time of one schedule, by its overlap rule.
    fn decide(&mut self, key: &str, index: usize, fire_time: DateTime<Utc>) -> Option<Pending> {
        let slot = self
            .workflows
            .get_mut(key)
            .and_then(|e| e.slots.get_mut(index))?;
        let kind = match crate::schedule::decide_overlap(
            slot.spec.overlap(),
            slot.running,
            usize::from(slot.queued.is_some()),
        ) {
            OverlapDecision::Start => {
                slot.running += 1;
                FireKind::Start
            }
            OverlapDecision::Queue => {
                slot.queued = Some(fire_time);
                tracing::info!(workflow = %key, schedule = index, fire_time = %fire_time.to_rfc3339(), "queued: the previous run is still going");
                return None;
            }
            OverlapDecision::Skip => {
                self.summary.skipped += 1;
                FireKind::Skipped
            }
        };
        Some(Pending {
            key: key.to_owned(),
            index,
            fire_time,
            kind,
        })
    }

    /// Claims a batch of fire times in one transaction and starts the runs it won. A `Start`
    /// already counts in its slot's `running`; a lost or failed claim gives it back.
    async fn claim(&mut self, batch: Vec<Pending>) {
        for chunk in batch.chunks(1000) {
            self.claim_chunk(chunk).await;
        }
    }

    async fn claim_chunk(&mut self, batch: &[Pending]) {
        // A start needs its workflow's plan; one removed meanwhile starts nothing (and claims
        // nothing, so the ledger never holds a `started` fire without a run).
        let (batch, gone): (Vec<&Pending>, Vec<&Pending>) = batch
            .iter()
            .partition(|p| p.kind != FireKind::Start || self.workflows.contains_key(&p.key));
        for p in gone {
            self.give_back(&p.key, p.index);
        }
        if batch.is_empty() {
            return;
        }
        // Measured at the claim, not when the loop woke: in a burst of due fires the claim is
        // when the runs really start, and the lateness must say so.
        let now = self.clock.now();
        let lateness = |p: &Pending| (now - p.fire_time).num_milliseconds().max(0);
        let plans: Vec<Option<Arc<Plan>>> = batch
            .iter()
            .map(|p| {
                if p.kind == FireKind::Start {
                    self.workflows.get(&p.key).map(|e| e.plan.clone())
                } else {
                    None
                }
            })
            .collect();
        let run_ids: Vec<Option<String>> = plans
            .iter()
            .map(|p| p.as_ref().map(|_| crate::ids::new_run_id()))
            .collect();
        let claims: Vec<(FireRecord, Option<NewRun<'_>>)> = batch
            .iter()
            .zip(&plans)
            .zip(&run_ids)
            .map(|((p, plan), id)| {
                let fire = FireRecord {
                    workflow: p.key.clone(),
                    schedule_index: p.index as i64,
                    fire_time: p.fire_time.into(),
                    status: p.kind.status().to_owned(),
                    run_id: None,
                    lateness_ms: Some(lateness(p)),
                };
                let run = plan.as_ref().zip(id.as_deref()).map(|(plan, id)| NewRun {
                    id,
                    workflow: &p.key,
                    workflow_name: &plan.name,
                    trigger: "schedule",
                    fire_time: Some(p.fire_time.into()),
                });
                (fire, run)
            })
            .collect();
        let claimed = self.store.claim_fires(&claims).await;
        drop(claims);
        let inserted = match claimed {
            Ok(inserted) => inserted,
            Err(e) => {
                tracing::error!(fires = batch.len(), error = %e, "cannot claim fire times in the ledger; not running them");
                for p in batch.iter().filter(|p| p.kind == FireKind::Start) {
                    self.give_back(&p.key, p.index);
                }
                return;
            }
        };
        for (((p, plan), run_id), inserted) in batch.iter().zip(plans).zip(run_ids).zip(inserted) {
            let fire_time = p.fire_time.to_rfc3339();
            match (p.kind, inserted, plan.zip(run_id)) {
                (FireKind::Start, true, Some((plan, run_id))) => {
                    tracing::info!(workflow = %p.key, schedule = p.index, fire_time = %fire_time, lateness_ms = lateness(p), run_id = %run_id, "fire");
                    self.summary.started += 1;
                    self.spawn_run(&p.key, p.index, plan, run_id);
                }
                (FireKind::Start, _, _) => {
                    tracing::info!(workflow = %p.key, schedule = p.index, fire_time = %fire_time, "already run (claimed in the ledger)");
                    self.give_back(&p.key, p.index);
                }
                (FireKind::Skipped, true, _) => {
                    tracing::info!(workflow = %p.key, schedule = p.index, fire_time = %fire_time, "skipped: the previous run is still going");
                }
                _ => {}
            }
        }
    }

    /// A start that did not happen no longer counts as running.
    fn give_back(&mut self, key: &str, index: usize) {
        if let Some(slot) = self
            .workflows
            .get_mut(key)
            .and_then(|e| e.slots.get_mut(index))
        {
            slot.running = slot.running.saturating_sub(1);
        }
    }

    /// Runs a claimed fire's workflow on the engine, as `relay run` would.
    fn spawn_run(&mut self, key: &str, index: usize, plan: Arc<Plan>, run_id: String) {
        let services = self.services.clone();
        let Some(ends) = self.ends.clone() else {
            return;
        };
        let (key_owned, id) = (key.to_owned(), run_id.clone());
        let handle = self.runs.spawn(async move {
            let observer = Arc::new(HistoryObserver::new(services.redactor.clone()));
            let options = RunOptions {
                input: Value::from_pairs(Vec::<(Value, Value)>::new()),
                dry_run: false,
                trigger: "schedule".into(),
                run_id: Some(id.clone()),
                default_timeout: Some(SCHEDULED_RUN_TIMEOUT),
                // Scheduled runs record executions, not the output: nothing reads it.
                collect_output: false,
            };
            let report = engine::run(plan, services.clone(), options, observer.clone()).await;
            let succeeded = report.succeeded;
            let _ = ends.send(Completion {
                key: key_owned.clone(),
                run_id: id,
                state: if report.succeeded {
                    "succeeded"
                } else {
                    "failed"
                },
                error: run_error(&report, &services),
                executions: report.executions as i64,
                records: observer.take(),
                duration_ms: Some(report.duration.as_millis() as u64),
            });
            RunDone {
                key: key_owned,
                index,
                succeeded,
            }
        });
        self.in_flight.insert(handle.id(), (key.to_owned(), run_id));
    }

    /// Sends a run's end to the history writer (`duration_ms: None`: no `run finished` line).
    fn record_end(&self, key: &str, run_id: &str, state: &'static str, error: &str) {
        if let Some(ends) = &self.ends {
            let _ = ends.send(Completion {
                key: key.to_owned(),
                run_id: run_id.to_owned(),
                state,
                error: Some(error.to_owned()),
                executions: 0,
                records: Vec::new(),
                duration_ms: None,
            });
        }
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
                    self.record_end(&key, &run_id, "failed", "internal error: the run crashed");
                }
                return;
            }
        };
        self.summary.finished += 1;
        if !done.succeeded {
            self.summary.failed += 1;
        }
        let queued = match self
            .workflows
            .get_mut(&done.key)
            .and_then(|e| e.slots.get_mut(done.index))
        {
            Some(slot) => {
                slot.running = slot.running.saturating_sub(1);
                if self.stopping {
                    None
                } else {
                    slot.queued.take()
                }
            }
            None => None,
        };
        // The catch-up backlog goes first; a queued fire keeps waiting behind it.
        if let Some(next) = self.next_from_backlog(&done.key, done.index) {
            if let Some(fire_time) = queued {
                if let Some(slot) = self
                    .workflows
                    .get_mut(&done.key)
                    .and_then(|e| e.slots.get_mut(done.index))
                {
                    slot.queued = Some(fire_time);
                }
            }
            self.claim(vec![next]).await;
            return;
        }
        if let Some(fire_time) = queued {
            if let Some(slot) = self
                .workflows
                .get_mut(&done.key)
                .and_then(|e| e.slots.get_mut(done.index))
            {
                slot.running += 1;
            }
            self.claim(vec![Pending {
                key: done.key,
                index: done.index,
                fire_time,
                kind: FireKind::Start,
            }])
            .await;
        }
    }

    /// Picks up changed, added and removed workflow files; an invalid change keeps the old version.
    async fn reload(&mut self) {
        let now = self.clock.now();
        let files = match crate::workflow::workflow_files(&self.options.paths) {
            Ok(f) => f.files,
            Err(e) => {
                tracing::error!(error = %e, "cannot list workflow files");
                return;
            }
        };
        // A set: with a thousand files, `Vec::contains` per scheduled workflow was a million
        // string comparisons every poll.
        let present: std::collections::HashSet<String> = files.iter().map(|p| key(p)).collect();
        let removed: Vec<String> = self
            .workflows
            .keys()
            .filter(|k| !present.contains(*k))
            .cloned()
            .collect();
        for k in removed {
            self.workflows.remove(&k);
            tracing::info!(workflow = %k, "removed: no longer scheduled (runs in flight continue)");
        }
        for path in files {
            let k = key(&path);
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            let unchanged = self
                .workflows
                .get(&k)
                .is_some_and(|e| e.modified == modified && modified.is_some());
            let known_unscheduled =
                self.workflows.get(&k).is_none() && slots::seen_unchanged(&path, modified);
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
                    let action = if self.workflows.contains_key(&k) {
                        "reloaded"
                    } else {
                        "added"
                    };
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
        self.stopping = true;
        let in_flight = self.runs.len();
        if in_flight > 0 {
            tracing::info!(
                runs = in_flight,
                grace_s = self.options.grace.as_secs_f64(),
                "stopping: waiting for runs in flight"
            );
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
        // Join the aborted tasks: one that ended on its own between the deadline and the abort
        // has recorded its end and is finished, not interrupted.
        let reason = format!(
            "the daemon stopped and the grace period ({} s) ran out",
            self.options.grace.as_secs()
        );
        while let Some(done) = self.runs.join_next_with_id().await {
            match done {
                Ok((id, _)) => {
                    self.in_flight.remove(&id);
                    self.summary.finished += 1;
                }
                Err(e) => {
                    let Some((key, run_id)) = self.in_flight.remove(&e.id()) else {
                        continue;
                    };
                    if e.is_cancelled() {
                        self.summary.interrupted += 1;
                        tracing::warn!(workflow = %key, run_id = %run_id, "interrupted");
                        self.record_end(&key, &run_id, "interrupted", &reason);
                    } else {
                        tracing::error!(workflow = %key, run_id = %run_id, "a run crashed (a bug in Relay; please report it)");
                        self.record_end(&key, &run_id, "failed", "internal error: the run crashed");
                    }
                }
            }
        }
        // Fire times that waited (queued, or in a catch-up backlog) never ran: record them
        // missed, so the ledger accounts for every fire time.
        let mut left = Vec::new();
        for (key, entry) in &mut self.workflows {
            for (index, slot) in entry.slots.iter_mut().enumerate() {
                for fire_time in slot.queued.take().into_iter().chain(slot.backlog.drain(..)) {
                    left.push(Pending {
                        key: key.clone(),
                        index,
                        fire_time,
                        kind: FireKind::Missed,
                    });
                }
            }
        }
        self.summary.missed += left.len();
        self.claim(left).await;
        self.close_history().await;
        tracing::info!(
            started = self.summary.started,
            finished = self.summary.finished,
            interrupted = self.summary.interrupted,
            "stopped"
        );
    }

    /// Lets the history writer write every run end it was sent, and waits for it.
    async fn close_history(&mut self) {
        self.ends = None;
        if let Some(writer) = self.writer.take() {
            if writer.await.is_err() {
                tracing::error!("the history writer crashed (a bug in Relay; please report it)");
            }
        }
    }
}

/// A short, redacted description of why a run failed.
fn run_error(report: &engine::RunReport, services: &Services) -> Option<String> {
    if report.succeeded {
        return None;
    }
    let text = match report.timed_out {
        Some(limit) => format!("timed out after {} s", limit.as_secs()),
        None => report
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.action, f.cause))
            .collect::<Vec<_>>()
            .join("; "),
    };
    Some(services.redactor.redact(&text).into_owned())
}

/// The ledger key of a workflow file.
pub fn key(path: &Path) -> String {
    path.display().to_string()
}

impl Slot {
    fn at(spec: crate::schedule::ScheduleSpec, now: DateTime<Utc>) -> Slot {
        let next = spec.next_after(now);
        Slot {
            spec,
            next,
            running: 0,
            queued: None,
            backlog: Default::default(),
        }
    }
}
