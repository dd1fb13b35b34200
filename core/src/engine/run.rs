//! Running a plan once: the entry event is queued, `concurrency` workers take jobs until none
//! is left, and the book says what happened. Within one action, emitted events are released in
//! the order the action received its inputs, whatever order executions finish in (book.rs).

use std::sync::Arc;
use std::time::Instant;

use minijinja::Value;
use tokio::task::JoinSet;

use crate::event::Event;
use crate::plan::Plan;

use super::book::Book;
use super::context::RunContext;
use super::observer::Observer;
use super::report::RunReport;
use super::services::Services;
use super::worker::Crew;

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
    /// Whether `RunReport::output` collects the leaf events. A caller whose observer prints
    /// them as they come (`Observer::output`) says no, so each is freed once printed.
    pub collect_output: bool,
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
    let mut book = Book::new(&plan, options.collect_output);
    let entry = Event::entry(options.input);
    for (i, action) in plan.actions.iter().enumerate() {
        if action.is_entry {
            book.deliver(i, entry.clone());
        }
    }
    let crew = Arc::new(Crew::new(cx, book));
    // On one thread this task is one of the workers and the others are spawned; on worker
    // threads every worker is spawned, so none runs on the thread blocked in `block_on`. The
    // set drops them when the run ends or times out. A run of concurrency 1 on one thread
    // spawns nothing.
    let inline = tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::CurrentThread;
    let mut helpers = JoinSet::new();
    for _ in usize::from(inline)..plan.concurrency.max(1) {
        let crew = crew.clone();
        helpers.spawn(async move { crew.work().await });
    }
    let all_done = async {
        if inline {
            crew.work().await;
        } else {
            while helpers.join_next().await.is_some() {}
        }
    };
    let timed_out = match plan.timeout.or(options.default_timeout) {
        Some(limit) => tokio::time::timeout(limit, all_done)
            .await
            .is_err()
            .then_some(limit),
        None => {
            all_done.await;
            None
        }
    };
    helpers.abort_all();
    let mut book = crew.book();
    let failures = std::mem::take(&mut book.failures);
    let succeeded = failures.is_empty() && timed_out.is_none();
    RunReport {
        run_id,
        succeeded,
        output: std::mem::take(&mut book.output),
        failures,
        actions_run: book.actions_run(),
        executions: book.executions,
        duration: started.elapsed(),
        timed_out,
    }
}
