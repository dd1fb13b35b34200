//! YAML text → a tree of [`Node`]s that remembers where every key and value came from.

mod duplicates;
mod json;
mod node;
mod parse;
mod reader;
mod suggest;

pub use duplicates::report_duplicate_keys;
pub use json::located_json;
pub use node::{Key, Node, NodeValue};
pub use parse::{YamlError, parse};
pub use reader::MapReader;
pub use suggest::did_you_mean;
