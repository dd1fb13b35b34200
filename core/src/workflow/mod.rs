//! Workflow files: YAML text → [`RawWorkflow`], every key checked and located.

mod files;
mod load;
mod raw;
mod slug;

pub use files::{WorkflowFiles, workflow_files};
pub use load::{LoadError, read_source};
pub use raw::{LinkKind, RawAction, RawLink, RawWorkflow};
pub use slug::slugify;
