//! A run's bookkeeping: the queue of jobs, per-action ordering, the output and the failures.
//! Workers take jobs from it and hand finished executions back; it never awaits anything, so
//! it can live behind a plain mutex held for microseconds.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use minijinja::Value;

use crate::event::Event;
use crate::plan::Plan;
use crate::workflow::LinkKind;

use super::context::RunContext;
use super::observer::{EmitStatus, ExecutionReport};
use super::outcome::{Outcome, Status};
use super::report::Failure;

/// One execution to run: an action and the event it received.
pub(super) struct Job {
    pub action: usize,
    pub ticket: u64,
    pub event: Event,
}

/// What a worker takes from the book.
pub(super) enum Work {
    Job(Job),
    /// The pure lane: the taker runs the queued executions of pure actions one at a time, in
    /// arrival order, until none is left (`Book::next_pure`).
    PureLane,
}

/// One finished execution.
pub(super) struct Done {
    pub action: usize,
    pub ticket: u64,
    pub input: Event,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// Per action: tickets handed out to inputs, and finished executions waiting for their turn.
#[derive(Default)]
struct Lane {
    next_ticket: u64,
    next_release: u64,
    finished: BTreeMap<u64, Done>,
}

pub(super) struct Book {
    queue: VecDeque<Job>,
    /// Executions of pure (and disabled) actions. They run one at a time in arrival order:
    /// concurrent executions would start in any order, and then a later duplicate could win
    /// over the first occurrence in `deduplicate`, or implode could gather out of order.
    pure_queue: VecDeque<Job>,
    pure_lane_taken: bool,
    pure: Vec<bool>,
    lanes: Vec<Lane>,
    /// Jobs and pure lanes taken and not yet given back.
    in_flight: usize,
    pub output: Vec<Event>,
    collect_output: bool,
    pub failures: Vec<Failure>,
    ran: Vec<bool>,
    pub executions: usize,
}

impl Book {
    pub fn new(plan: &Plan, collect_output: bool) -> Book {
        let actions = plan.actions.len();
        Book {
            queue: VecDeque::new(),
            pure_queue: VecDeque::new(),
            pure_lane_taken: false,
            pure: plan
                .actions
                .iter()
                .map(|a| a.disabled || a.action.is_pure())
                .collect(),
            lanes: (0..actions).map(|_| Lane::default()).collect(),
            in_flight: 0,
            output: Vec::new(),
            collect_output,
            failures: Vec::new(),
            ran: vec![false; actions],
            executions: 0,
        }
    }

    /// Queues `event` for `action`, with the next ticket of that action's lane.
    pub fn deliver(&mut self, action: usize, event: Event) {
        let lane = &mut self.lanes[action];
        let ticket = lane.next_ticket;
        lane.next_ticket += 1;
        let job = Job {
            action,
            ticket,
            event,
        };
        if self.pure[action] {
            self.pure_queue.push_back(job);
        } else {
            self.queue.push_back(job);
        }
    }

    fn queued(&self) -> usize {
        self.queue.len() + self.pure_queue.len()
    }

    /// How much work a worker could take now: every queued job, plus the pure lane when it
    /// holds jobs and nobody has taken it.
    pub fn takeable(&self) -> usize {
        self.queue.len() + usize::from(!self.pure_lane_taken && !self.pure_queue.is_empty())
    }

    /// The pure lane if it is free and has work (pure actions are cheap and feed the rest),
    /// else the oldest queued job. Counted as in flight until given back.
    pub fn take(&mut self) -> Option<Work> {
        let work = if !self.pure_lane_taken && !self.pure_queue.is_empty() {
            self.pure_lane_taken = true;
            Work::PureLane
        } else {
            Work::Job(self.queue.pop_front()?)
        };
        self.in_flight += 1;
        Some(work)
    }

    /// The next execution of the pure lane taken with [`Book::take`]; `None` gives the lane
    /// back.
    pub fn next_pure(&mut self) -> Option<Job> {
        let job = self.pure_queue.pop_front();
        if job.is_none() {
            self.pure_lane_taken = false;
            self.in_flight -= 1;
        }
        job
    }

    /// Nothing queued and nothing in flight: no execution can produce more work.
    pub fn is_idle(&self) -> bool {
        self.queued() == 0 && self.in_flight == 0
    }

    /// How many distinct actions ran at least once.
    pub fn actions_run(&self) -> usize {
        self.ran.iter().filter(|r| **r).count()
    }

    /// Takes back a job handed out by [`Book::take`].
    pub fn complete(&mut self, cx: &RunContext, done: Done) {
        self.in_flight -= 1;
        self.finish(cx, done);
    }

    /// Files a finished execution and releases, in ticket order, what its lane can release.
    pub fn finish(&mut self, cx: &RunContext, done: Done) {
        let action = done.action;
        self.lanes[action].finished.insert(done.ticket, done);
        loop {
            let lane = &mut self.lanes[action];
            let Some(next) = lane.finished.remove(&lane.next_release) else {
                break;
            };
            lane.next_release += 1;
            self.publish(cx, next);
        }
        let waiting = self.queued() + self.in_flight;
        cx.observer.progress(self.executions, waiting);
    }

    /// At the end of a run, actions holding events (implode) emit what they have. Returns
    /// whether anything new was queued.
    pub fn flush(&mut self, cx: &RunContext) -> bool {
        let before = self.queued();
        for action in 0..cx.plan.actions.len() {
            let outcomes = cx.plan.actions[action].action.finish(&cx.action(action));
            for outcome in outcomes {
                let lane = &mut self.lanes[action];
                let ticket = lane.next_ticket;
                lane.next_ticket += 1;
                let input = outcome
                    .emits
                    .first()
                    .map(|(_, e)| e.clone())
                    .unwrap_or_else(|| Event::entry(Value::from(())));
                self.finish(
                    cx,
                    Done {
                        action,
                        ticket,
                        input,
                        outcome,
                        duration: Duration::ZERO,
                    },
                );
            }
        }
        self.queued() > before
    }

    fn publish(&mut self, cx: &RunContext, done: Done) {
        let Done {
            action,
            input,
            outcome,
            duration,
            ..
        } = done;
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
        let has_link = |kind: LinkKind| planned.outgoing.iter().any(|(k, _)| *k == kind);
        if outcome.status == Status::Failed && !has_link(LinkKind::Failure) {
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
            if kind != LinkKind::NoMatch || has_link(LinkKind::NoMatch) {
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
                cx.observer.output(&event);
                if self.collect_output {
                    self.output.push(event);
                }
            }
        }
    }
}
