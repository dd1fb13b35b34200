//! The `event_transform` modes beyond message_only/explode/implode, one file each.

pub mod deduplicate;
pub mod delay;
pub mod extract;
pub mod throttle;

use minijinja::Value;

use crate::engine::Outcome;
use crate::event::Event;

/// A failed execution emitting `{error}`.
pub(super) fn failed(event: &Event, slug: &std::sync::Arc<str>, message: String) -> Outcome {
    Outcome::failed(
        event.with(
            slug,
            Value::from_pairs([("error", Value::from(message.as_str()))]),
        ),
        message,
    )
}
