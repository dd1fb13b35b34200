//! `mode: delay`: passes each event on after `seconds`.

use std::sync::Arc;
use std::time::Duration;

use minijinja::Value;

use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, Outcome};
use crate::event::Event;
use crate::plan::OptionPlanner;

#[derive(Debug)]
struct Delay {
    seconds: f64,
}

pub fn plan(p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
    let r = p.reader(&["mode", "seconds"])?;
    r.required(
        "seconds",
        "add `seconds:`, how long to hold each event",
        p.diags,
    )?;
    let seconds = r.seconds("seconds", p.diags)?;
    if seconds > 86_400.0 {
        p.error(
            r.get("seconds")?.location,
            format!(
                "`seconds` of action `{}` is {seconds}; a delay is at most one day (86400)",
                p.slug
            ),
            "use a schedule for longer waits",
        );
        return None;
    }
    Some(Arc::new(Delay { seconds }))
}

impl Action for Delay {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs_f64(self.seconds)).await;
            let result = Value::from_pairs([("delayed_seconds", Value::from(self.seconds))]);
            Outcome::emit(vec![event.with(cx.slug(), result)])
                .with_detail(format!("held {} s", self.seconds))
        })
    }
}
