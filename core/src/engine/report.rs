//! The result of a run.

use std::time::Duration;

use crate::event::Event;

/// An execution that failed with no failure link to take its event.
#[derive(Debug, Clone)]
pub struct Failure {
    pub action: String,
    /// The event the action received.
    pub event: Event,
    pub cause: String,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunReport {
    pub run_id: String,
    /// True when no execution failed unhandled and the run finished in time.
    pub succeeded: bool,
    /// Events emitted by actions with no outgoing links, in emission order (empty when the
    /// run was started with `collect_output: false`).
    pub output: Vec<Event>,
    pub failures: Vec<Failure>,
    /// How many distinct actions ran at least once.
    pub actions_run: usize,
    pub executions: usize,
    pub duration: Duration,
    /// Set when the run hit its `timeout`.
    pub timed_out: Option<Duration>,
}
