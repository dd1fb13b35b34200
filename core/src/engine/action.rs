//! The one trait every action type implements, built-in or from a plugin.

use std::fmt;
use std::sync::Arc;

use crate::credentials::BoxFuture;
use crate::event::Event;
use crate::plan::OptionPlanner;

use super::context::ActionContext;
use super::outcome::Outcome;

/// A kind of action (`http_request`, `trigger`, …): turns an action's options into an [`Action`].
pub trait ActionType: Send + Sync {
    fn name(&self) -> &str;
    /// Reads and compiles the options; problems go to the planner's diagnostics.
    fn plan(&self, planner: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>>;
}

/// A planned action, ready to run for any number of events.
pub trait Action: Send + Sync + fmt::Debug {
    /// Runs once for one incoming event.
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome>;

    /// Emits what is still held when the rest of the run is done (implode's incomplete groups).
    fn finish(&self, _cx: &ActionContext<'_>) -> Vec<Outcome> {
        Vec::new()
    }

    /// Whether it can emit along `no_match` links (only triggers do).
    fn emits_no_match(&self) -> bool {
        false
    }

    /// Whether its executions must run one at a time, in the order their events arrived (the
    /// engine's pure lane): actions that keep state across events, or that are so cheap that
    /// running them concurrently would buy nothing.
    fn is_pure(&self) -> bool {
        false
    }
}
