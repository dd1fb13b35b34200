//! The workers of a run: `concurrency` loops that each take a job, execute it and file the
//! result in the book themselves, then take the next one. No coordinator sits between an
//! execution and the next: a finished request costs one short lock, not a wake-up of another
//! task, and on a multi-threaded runtime the workers spread over every core.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use minijinja::Value;
use tokio::sync::Semaphore;

use super::book::{Book, Done, Job, Work};
use super::context::RunContext;
use super::outcome::Outcome;

/// What the workers of one run share.
pub(super) struct Crew {
    cx: Arc<RunContext>,
    book: Mutex<Book>,
    /// One permit per piece of takeable work (`Book::takeable`); closed when the run is over,
    /// which ends every worker.
    jobs: Semaphore,
}

impl Crew {
    /// A crew for `book`, whose entry jobs are already queued.
    pub fn new(cx: Arc<RunContext>, book: Book) -> Crew {
        let crew = Crew {
            cx,
            jobs: Semaphore::new(book.takeable()),
            book: Mutex::new(book),
        };
        // With no entry job, the run may be over before it starts.
        crew.update(|_| {});
        crew
    }

    pub fn book(&self) -> MutexGuard<'_, Book> {
        // A poisoned lock means an observer panicked; the book itself is still consistent.
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs jobs until the run is over.
    pub async fn work(&self) {
        loop {
            match self.jobs.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_closed) => return,
            }
            // A permit stands for takeable work, so there is some.
            let Some(work) = self.book().take() else {
                continue;
            };
            let over = match work {
                Work::Job(job) => {
                    let done = execute(&self.cx, job).await;
                    self.update(|book| book.complete(&self.cx, done))
                }
                Work::PureLane => self.run_pure_lane().await,
            };
            if over {
                return;
            }
        }
    }

    /// Runs the pure lane's executions in arrival order until it is empty. Returns whether
    /// the run is over.
    async fn run_pure_lane(&self) -> bool {
        loop {
            let mut next = None;
            if self.update(|book| next = book.next_pure()) {
                return true;
            }
            let Some(job) = next else {
                return false;
            };
            let done = execute(&self.cx, job).await;
            self.update(|book| book.finish(&self.cx, done));
        }
    }

    /// Applies `change` to the book, then ends the run if nothing is left to do, or wakes a
    /// worker for each piece of work it made takeable. Returns whether the run is over.
    fn update(&self, change: impl FnOnce(&mut Book)) -> bool {
        let mut book = self.book();
        let before = book.takeable();
        change(&mut book);
        // Nothing queued or in flight: held events (implode) may still come out; if none do,
        // the run is over.
        if book.is_idle() && !book.flush(&self.cx) {
            drop(book);
            self.jobs.close();
            return true;
        }
        let after = book.takeable();
        drop(book);
        if after > before {
            self.jobs.add_permits(after - before);
        }
        false
    }
}

/// Runs one job to its outcome; a disabled action is skipped, a panicking one fails.
async fn execute(cx: &RunContext, job: Job) -> Done {
    let Job {
        action,
        ticket,
        event,
    } = job;
    let planned = &cx.plan.actions[action];
    if planned.disabled {
        return Done {
            action,
            ticket,
            input: event,
            outcome: Outcome::skipped(),
            duration: Duration::ZERO,
        };
    }
    let started = Instant::now();
    let acx = cx.action(action);
    let outcome = match CatchUnwind(planned.action.execute(&acx, event.clone())).await {
        Ok(outcome) => outcome,
        Err(_panic) => {
            let result =
                Value::from_pairs([("error", Value::from("internal error: the action crashed"))]);
            Outcome::failed(
                event.with(&planned.slug, result),
                "internal error: the action crashed (this is a bug in Relay; please report it)",
            )
        }
    };
    Done {
        action,
        ticket,
        input: event,
        outcome,
        duration: started.elapsed(),
    }
}

/// A future that turns a panic while polling into an error, so a crashing action fails its
/// execution instead of taking its worker (and the run's accounting) down.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
