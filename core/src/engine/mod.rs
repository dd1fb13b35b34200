//! Executing a [`Plan`](crate::plan::Plan): events flow along links, at most `concurrency`
//! executions at a time, results collected into a [`RunReport`]. Nothing here prints: the
//! caller passes an [`Observer`].

mod action;
pub mod actions;
mod book;
mod context;
mod observer;
mod outcome;
mod report;
mod run;
mod services;
mod worker;

pub use action::{Action, ActionType};
pub use context::{ActionContext, RunContext};
pub use observer::{EmitStatus, ExecutionReport, NoObserver, Observer, RequestPreview};
pub use outcome::{Outcome, Status};
pub use report::{Failure, RunReport};
pub use run::{RunOptions, run};
pub use services::Services;
#[cfg(test)]
mod run_tests;
