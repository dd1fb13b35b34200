//! `mode: throttle`: passes events at no more than `runs_per_interval` per `interval`, holding
//! the rest until their turn. The window is shared by every run of the workflow in this process
//! (the daemon's runs too).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use minijinja::Value;
use tokio::time::Instant;

use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, Outcome};
use crate::event::Event;
use crate::plan::OptionPlanner;

#[derive(Debug)]
struct Throttle {
    per_interval: usize,
    interval: Duration,
}

/// Recent pass times per (workflow file, action), behind an async lock so waiters queue fairly.
static WINDOWS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<VecDeque<Instant>>>>>> =
    LazyLock::new(Default::default);

pub fn plan(p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
    let r = p.reader(&["mode", "runs_per_interval", "interval"])?;
    r.required(
        "runs_per_interval",
        "add `runs_per_interval:`, how many events may pass per interval",
        p.diags,
    )?;
    let per_interval = r.integer("runs_per_interval", 1, 1_000_000, p.diags)? as usize;
    let interval = match r.string("interval", p.diags) {
        None | Some("minute") => Duration::from_secs(60),
        Some("second") => Duration::from_secs(1),
        Some("hour") => Duration::from_secs(3600),
        Some(other) => {
            p.error(
                r.get("interval")?.location,
                format!("unknown throttle interval `{other}` in action `{}`", p.slug),
                "use `second`, `minute` (the default) or `hour`",
            );
            return None;
        }
    };
    Some(Arc::new(Throttle {
        per_interval,
        interval,
    }))
}

impl Action for Throttle {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let key = format!("{}#{}", cx.run.plan.file.display(), cx.slug());
            let window = {
                let mut all = WINDOWS.lock().unwrap_or_else(|p| p.into_inner());
                all.entry(key).or_default().clone()
            };
            // From before the lock: an event queued behind others that are waiting for their
            // turn is held by the throttle too, and `waited_ms` must say so.
            let started = Instant::now();
            let mut passes = window.lock().await;
            loop {
                let now = Instant::now();
                while passes
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.interval)
                {
                    passes.pop_front();
                }
                if passes.len() < self.per_interval {
                    break;
                }
                let oldest = *passes
                    .front()
                    .expect("the window is full, so it has an oldest pass");
                tokio::time::sleep_until(oldest + self.interval).await;
            }
            passes.push_back(Instant::now());
            drop(passes);
            let waited = started.elapsed();
            let result = Value::from_pairs([("waited_ms", Value::from(waited.as_millis() as u64))]);
            Outcome::emit(vec![event.with(cx.slug(), result)])
                .with_detail(format!("waited {} ms", waited.as_millis()))
        })
    }
}
