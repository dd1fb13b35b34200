//! Planning: a [`RawWorkflow`](crate::workflow::RawWorkflow) becomes a validated [`Plan`]:
//! slugs unique, links checked, every formula compiled once, every credential, resource and
//! upstream result a formula names known to exist. `relay validate` stops here.

mod build;
mod graph;
mod options;
mod references;
mod resources;
mod schedule;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use minijinja::Value;

use crate::engine::Action;
use crate::formula::Compiled;
use crate::workflow::LinkKind;
use crate::yaml::Node;

pub use build::{PlanInputs, build};
pub use options::{OptionPlanner, OptionRef};
pub use resources::{ResourceLayer, merge as merge_resources};

/// A workflow ready to run, any number of times.
#[derive(Debug)]
pub struct Plan {
    pub name: String,
    pub description: Option<String>,
    pub file: PathBuf,
    pub concurrency: usize,
    pub timeout: Option<Duration>,
    /// `relay.yaml` resources, overridden by the workflow's, overridden by `--resource`.
    pub resources: Value,
    /// `INFO`: non-secret credential metadata.
    pub info: Value,
    pub actions: Vec<PlannedAction>,
    /// The `schedule:` node as written.
    pub schedule: Option<Node>,
    /// The validated schedules (empty when the workflow has none).
    pub schedules: Vec<crate::schedule::ScheduleSpec>,
    /// Every credential some action may use.
    pub credentials: Vec<String>,
}

/// One action of a plan.
#[derive(Debug)]
pub struct PlannedAction {
    pub name: String,
    pub slug: Arc<str>,
    pub type_name: String,
    pub disabled: bool,
    pub local: Option<Compiled>,
    pub action: Arc<dyn Action>,
    /// Links leaving this action, with the index of the receiving action.
    pub outgoing: Vec<(LinkKind, usize)>,
    /// No incoming link: receives the entry event.
    pub is_entry: bool,
}

/// The default bound on executions in flight within one run.
pub const DEFAULT_CONCURRENCY: usize = 16;
