//! The end of scheduled runs, written to the state store in batches by one task.
//!
//! Each write transaction commits with an fsync (`synchronous = FULL`). Writing every run's
//! executions, its end and a retention pass in three transactions of their own, from every run
//! task at once, made the run tasks and the fire claims queue behind each other's fsyncs and
//! SQLite's busy-wait sleeps: with 1,000 schedules, fires started seconds late. Here the ends
//! that arrive while one batch commits go together in the next one (group commit), and pruning
//! runs once every `keep / 10` finished runs of a workflow (and once more on the way out).

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::store::{ExecutionRecord, Store};

/// Most run ends written in one transaction.
const BATCH: usize = 500;

/// One run's end.
pub(super) struct Completion {
    /// The workflow's key (for pruning and the log line).
    pub key: String,
    pub run_id: String,
    /// `succeeded`, `failed` or `interrupted`.
    pub state: &'static str,
    pub error: Option<String>,
    pub executions: i64,
    /// The executions to record (texts already redacted).
    pub records: Vec<ExecutionRecord>,
    /// How long the run took, for the `run finished` line; `None` logs nothing (the daemon
    /// logged the interruption itself).
    pub duration_ms: Option<u64>,
}

/// Writes completions until every sender is gone, then prunes what is left to prune.
pub(super) async fn write_history(
    store: Store,
    keep: i64,
    mut ends: mpsc::UnboundedReceiver<Completion>,
) {
    let prune_every = usize::try_from(keep / 10).unwrap_or(0).clamp(1, 1000);
    let mut since_prune: HashMap<String, usize> = HashMap::new();
    while let Some(first) = ends.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match ends.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let rows: Vec<(&str, &str, Option<&str>, i64, &[ExecutionRecord])> = batch
            .iter()
            .map(|c| {
                (
                    c.run_id.as_str(),
                    c.state,
                    c.error.as_deref(),
                    c.executions,
                    c.records.as_slice(),
                )
            })
            .collect();
        if let Err(e) = store.finish_runs(&rows).await {
            for c in &batch {
                tracing::error!(run_id = %c.run_id, error = %e, "cannot record the end of a run");
            }
        }
        for c in &batch {
            if let Some(duration_ms) = c.duration_ms {
                tracing::info!(workflow = %c.key, run_id = %c.run_id, state = c.state, executions = c.executions, duration_ms, "run finished");
            }
            *since_prune.entry(c.key.clone()).or_default() += 1;
        }
        let due: Vec<String> = since_prune
            .iter()
            .filter(|(_, n)| **n >= prune_every)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            since_prune.remove(&key);
            prune(&store, &key, keep).await;
        }
    }
    for key in since_prune.into_keys() {
        prune(&store, &key, keep).await;
    }
}

async fn prune(store: &Store, key: &str, keep: i64) {
    if let Err(e) = store.prune_runs(key, keep).await {
        tracing::warn!(workflow = %key, error = %e, "cannot prune old runs");
    }
}
