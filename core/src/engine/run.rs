//! The run coordinator: one task owns the run's bookkeeping (queue, ordering, output) and
//! spawns executions, at most `concurrency` at a time. Within one action, emitted events are
//! released in the order the action received its inputs, whatever order executions finish in.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;
use tokio::task::{Id, JoinSet};

use crate::event::Event;
use crate::plan::Plan;
use crate::workflow::LinkKind;

use super::context::RunContext;
use super::observer::{EmitStatus, ExecutionReport, Observer};
use super::outcome::{Outcome, Status};
use super::report::{Failure, RunReport};
use super::services::Services;

/// How to start a run.
pub struct RunOptions {
    /// The entry event (`--input`), `{}` for a schedule tick.
    pub input: Value,
    pub dry_run: bool,
    /// `cli`, `schedule` or `webhook`; readable as `META.run.trigger`.
    pub trigger: String,
    /// A given run id (the daemon allocates ids before starting); a new one otherwise.
    pub run_id: Option<String>,
    /// The deadline when the workflow sets no `timeout` (scheduled runs: 3600 s).
    pub default_timeout: Option<std::time::Duration>,
}

/// Runs `plan` once to the end (or its timeout) and reports what happened.
pub async fn run(
    plan: Arc<Plan>,
    services: Arc<Services>,
    options: RunOptions,
    observer: Arc<dyn Observer>,
) -> RunReport {
    let run_id = options.run_id.unwrap_or_else(crate::ids::new_run_id);
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let cx = Arc::new(RunContext::new(
        run_id.clone(),
        plan.clone(),
        services,
        observer,
        options.dry_run,
        &options.trigger,
        &started_at,
    ));
    let mut c = Coordinator::new(cx);
    let entry = Event::entry(options.input);
    for (i, action) in plan.actions.iter().enumerate() {
        if action.is_entry {
            c.deliver(i, entry.clone());
        }
    }
    let timed_out = match plan.timeout.or(options.default_timeout) {
        Some(limit) => tokio::time::timeout(limit, c.drive())
            .await
            .is_err()
            .then_some(limit),
        None => {
            c.drive().await;
            None
        }
    };
    c.tasks.abort_all();
    let succeeded = c.failures.is_empty() && timed_out.is_none();
    RunReport {
        run_id,
        succeeded,
        output: c.output,
        failures: c.failures,
        actions_run: c.ran.iter().filter(|r| **r).count(),
        executions: c.executions,
        duration: started.elapsed(),
        timed_out,
    }
}

struct Job {
    action: usize,
    ticket: u64,
    event: Event,
}

struct Done {
    action: usize,
    ticket: u64,
    input: Event,
    outcome: Outcome,
    duration: Duration,
}

/// Per action: tickets handed out to inputs, and finished executions waiting for their turn.
#[derive(Default)]
struct Lane {
    next_ticket: u64,
    next_release: u64,
    finished: BTreeMap<u64, Done>,
}

struct Coordinator {
    cx: Arc<RunContext>,
    queue: VecDeque<Job>,
    tasks: JoinSet<Done>,
    running: HashMap<Id, (usize, u64, Event, Instant)>,
    lanes: Vec<Lane>,
    output: Vec<Event>,
    failures: Vec<Failure>,
    ran: Vec<bool>,
    executions: usize,
}

impl Coordinator {
    fn new(cx: Arc<RunContext>) -> Coordinator {
        let n = cx.plan.actions.len();
        Coordinator {
            cx,
            queue: VecDeque::new(),
            tasks: JoinSet::new(),
            running: HashMap::new(),
            lanes: (0..n).map(|_| Lane::default()).collect(),
            output: Vec::new(),
            failures: Vec::new(),
            ran: vec![false; n],
            executions: 0,
        }
    }

    fn plan(&self) -> &Plan {
        &self.cx.plan
    }

    fn deliver(&mut self, action: usize, event: Event) {
        let lane = &mut self.lanes[action];
        let ticket = lane.next_ticket;
        lane.next_ticket += 1;
        self.queue.push_back(Job {
            action,
            ticket,
            event,
        });
    }

    async fn drive(&mut self) {
        let concurrency = self.plan().concurrency.max(1);
        loop {
            while self.tasks.len() < concurrency {
                let Some(job) = self.queue.pop_front() else {
                    break;
                };
                self.start(job).await;
            }
            if self.tasks.is_empty() && self.queue.is_empty() {
                if self.flush() {
                    continue;
                }
                return;
            }
            if self.tasks.is_empty() {
                continue;
            }
            let done = match self.tasks.join_next_with_id().await {
                Some(Ok((id, done))) => {
                    self.running.remove(&id);
                    done
                }
                Some(Err(e)) => {
                    let Some((action, ticket, input, started)) = self.running.remove(&e.id())
                    else {
                        continue;
                    };
                    let slug = self.plan().actions[action].slug.clone();
                    let result = Value::from_pairs([(
                        "error",
                        Value::from("internal error: the action crashed"),
                    )]);
                    Done {
                        action,
                        ticket,
                        outcome: Outcome::failed(
                            input.with(&slug, result),
                            "internal error: the action crashed (this is a bug in Relay; please report it)",
                        ),
                        input,
                        duration: started.elapsed(),
                    }
                }
                None => continue,
            };
            self.finish(done);
        }
    }

    /// Runs pure actions and disabled ones inline; spawns the rest.
    async fn start(&mut self, job: Job) {
        let Job {
            action,
            ticket,
            event,
        } = job;
        let planned = &self.cx.plan.actions[action];
        if planned.disabled {
            self.finish(Done {
                action,
                ticket,
                input: event,
                outcome: Outcome::skipped(),
                duration: Duration::ZERO,
            });
            return;
        }
        // Pure actions, and every action when only one execution may be in flight, run right
        // here: a spawned task would buy no parallelism, only hand-offs.
        if planned.action.is_pure() || self.cx.plan.concurrency <= 1 {
            let started = Instant::now();
            let acx = self.cx.action(action);
            let outcome = planned.action.execute(&acx, event.clone()).await;
            let duration = started.elapsed();
            self.finish(Done {
                action,
                ticket,
                input: event,
                outcome,
                duration,
            });
            return;
        }
        let cx = self.cx.clone();
        let input = event.clone();
        let handle = self.tasks.spawn(async move {
            let started = Instant::now();
            let acx = cx.action(action);
            let outcome = cx.plan.actions[action]
                .action
                .execute(&acx, event.clone())
                .await;
            Done {
                action,
                ticket,
                input: event,
                outcome,
                duration: started.elapsed(),
            }
        });
        self.running
            .insert(handle.id(), (action, ticket, input, Instant::now()));
    }

    fn finish(&mut self, done: Done) {
        let action = done.action;
        let lane = &mut self.lanes[action];
        lane.finished.insert(done.ticket, done);
        while let Some(next) = {
            let lane = &mut self.lanes[action];
            let next_release = lane.next_release;
            lane.finished.remove(&next_release)
        } {
            self.lanes[action].next_release += 1;
            self.publish(next);
        }
        let waiting = self.queue.len() + self.tasks.len();
        self.cx.observer.progress(self.executions, waiting);
    }

    /// At the end of a run, actions holding events (implode) emit what they have. Returns
    /// whether anything new was queued.
    fn flush(&mut self) -> bool {
        let before = self.queue.len();
        for action in 0..self.plan().actions.len() {
            let outcomes = {
                let acx = self.cx.action(action);
                self.cx.plan.actions[action].action.finish(&acx)
            };
            for outcome in outcomes {
                let lane = &mut self.lanes[action];
                let ticket = lane.next_ticket;
                lane.next_ticket += 1;
                let input = outcome
                    .emits
                    .first()
                    .map(|(_, e)| e.clone())
                    .unwrap_or_else(|| Event::entry(Value::from(())));
                self.finish(Done {
                    action,
                    ticket,
                    input,
                    outcome,
                    duration: Duration::ZERO,
                });
            }
        }
        self.queue.len() > before
    }

    fn publish(&mut self, done: Done) {
        let Done {
            action,
            input,
            outcome,
            duration,
            ..
        } = done;
        let cx = self.cx.clone();
        let planned = &cx.plan.actions[action];
        if outcome.status != Status::Skipped {
            self.ran[action] = true;
        }
        self.executions += 1;
        cx.observer.execution(&ExecutionReport {
            run_id: &cx.run_id,
            action: &planned.slug,
            status: outcome.status,
            detail: outcome.detail.as_deref(),
            error: outcome.error.as_deref(),
            duration,
        });
        let has_failure_link = planned
            .outgoing
            .iter()
            .any(|(k, _)| *k == LinkKind::Failure);
        if outcome.status == Status::Failed && !has_failure_link {
            self.failures.push(Failure {
                action: planned.slug.to_string(),
                event: input,
                cause: outcome.error.clone().unwrap_or_else(|| "failed".into()),
            });
        }
        for (kind, event) in outcome.emits {
            let status = if kind == LinkKind::Failure {
                EmitStatus::Failed
            } else {
                EmitStatus::Ok
            };
            if kind != LinkKind::NoMatch
                || planned
                    .outgoing
                    .iter()
                    .any(|(k, _)| *k == LinkKind::NoMatch)
            {
                cx.observer
                    .emitted(&cx.run_id, &planned.slug, status, &event);
            }
            let mut delivered = false;
            for &(link_kind, target) in &planned.outgoing {
                if link_kind == kind {
                    self.deliver(target, event.clone());
                    delivered = true;
                }
            }
            // The output is the events of actions with no outgoing links at all (workflow.md):
            // a success of an action whose only links are `failure` or `no_match` ones goes
            // nowhere and is not output either.
            if !delivered && kind == LinkKind::Default && planned.outgoing.is_empty() {
                self.output.push(event);
            }
        }
    }
}
