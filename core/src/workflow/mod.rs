//! Workflow files: YAML text → [`RawWorkflow`], every key checked and located.

mod load;
mod raw;
mod slug;

pub use load::{read_source, LoadError};
pub use raw::{RawAction, RawLink, RawWorkflow, LinkKind};
pub use slug::slugify;
