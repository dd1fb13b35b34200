//! How the engine tells its caller what happens, without printing anything itself.

use std::time::Duration;

use crate::event::Event;

use super::outcome::Status;

/// One finished action execution.
#[derive(Debug)]
pub struct ExecutionReport<'a> {
    pub run_id: &'a str,
    pub action: &'a str,
    pub status: Status,
    pub detail: Option<&'a str>,
    pub error: Option<&'a str>,
    pub duration: Duration,
}

/// Whether an emitted event came from a successful or a failed execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitStatus {
    Ok,
    Failed,
}

impl EmitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmitStatus::Ok => "ok",
            EmitStatus::Failed => "failed",
        }
    }
}

/// A request as `--dry-run` shows it (credentials as `<<CREDENTIAL.name>>`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestPreview {
    pub action: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Receives what happens during a run. Every method has a do-nothing default.
pub trait Observer: Send + Sync {
    fn execution(&self, _report: &ExecutionReport<'_>) {}
    fn emitted(&self, _run_id: &str, _action: &str, _status: EmitStatus, _event: &Event) {}
    /// An event of the run's output (a leaf event), as soon as it is released, in the order of
    /// `RunReport::output`.
    fn output(&self, _event: &Event) {}
    fn preview(&self, _request: &RequestPreview) {}
    /// Executions finished so far and executions still waiting, for progress bars.
    fn progress(&self, _done: usize, _waiting: usize) {}
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {}
