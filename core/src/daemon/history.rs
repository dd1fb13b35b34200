//! Recording a scheduled run's executions in the state store, redacted.

use std::sync::{Arc, Mutex};

use crate::credentials::Redactor;
use crate::engine::{EmitStatus, ExecutionReport, Observer, Status};
use crate::event::Event;
use crate::store::{ExecutionRecord, Store};

/// Longest result summary kept per execution, in characters.
const RESULT_SUMMARY: usize = 2000;
/// Executions written per transaction.
const BATCH: usize = 1000;

/// Collects a run's executions; [`HistoryObserver::flush`] writes them.
pub struct HistoryObserver {
    redactor: Arc<Redactor>,
    records: Mutex<Vec<ExecutionRecord>>,
}

impl HistoryObserver {
    pub fn new(redactor: Arc<Redactor>) -> HistoryObserver {
        HistoryObserver {
            redactor,
            records: Mutex::new(Vec::new()),
        }
    }

    fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }

    /// Takes what was collected (for the daemon's batched history writer).
    pub fn take(&self) -> Vec<ExecutionRecord> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Writes what was collected, in batches.
    pub async fn flush(
        &self,
        store: &Store,
        run_id: &str,
    ) -> Result<usize, crate::store::StoreError> {
        let records = std::mem::take(&mut *self.records.lock().unwrap_or_else(|p| p.into_inner()));
        for chunk in records.chunks(BATCH) {
            store.record_executions(run_id, chunk).await?;
        }
        Ok(records.len())
    }
}

impl Observer for HistoryObserver {
    fn execution(&self, r: &ExecutionReport<'_>) {
        let status = match r.status {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::NoMatch => "no_match",
            Status::Skipped => "skipped",
        };
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let seq = records.len() as i64;
        records.push(ExecutionRecord {
            seq,
            action: r.action.to_owned(),
            status: status.to_owned(),
            duration_ms: r.duration.as_millis() as i64,
            detail: r.detail.map(|d| self.redact(d)),
            error: r.error.map(|e| self.redact(e)),
            result: None,
        });
    }

    fn emitted(&self, _run_id: &str, action: &str, _status: EmitStatus, event: &Event) {
        let Some(result) = event.get(action) else {
            return;
        };
        // Redact before shortening: a cut through a secret would leave half of it unmatched.
        let json =
            self.redact(&serde_json::to_string(&crate::value::Json(&result)).unwrap_or_default());
        let summary: String = if json.chars().count() > RESULT_SUMMARY {
            format!("{}…", json.chars().take(RESULT_SUMMARY).collect::<String>())
        } else {
            json
        };
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(last) = records.iter_mut().rev().find(|r| r.action == action) {
            if last.result.is_none() {
                last.result = Some(summary);
            }
        }
    }
}
