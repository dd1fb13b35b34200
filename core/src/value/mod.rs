//! Event data helpers beyond MiniJinja's `Value`: response bodies parsed only when read,
//! serialization that streams those bodies straight to the output, and a cheap identity check.

mod identity;
mod lazy_json;
mod serialize;

pub(crate) use identity::same_or_equal;
pub use lazy_json::LazyJson;
pub(crate) use serialize::map_entries;
pub use serialize::{Json, with_verbatim_bodies};
