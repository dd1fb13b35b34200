//! Event data helpers beyond MiniJinja's `Value`: response bodies parsed only when read, and
//! serialization that streams those bodies straight to the output.

mod lazy_json;
mod serialize;

pub use lazy_json::LazyJson;
pub(crate) use serialize::map_entries;
pub use serialize::{Json, with_verbatim_bodies};
