//! The built-in action types. Adding one is a new module plus one line in [`builtin`].

pub mod event_transform;
pub mod http_request;
mod transform_modes;
pub mod trigger;

use std::sync::Arc;

use super::ActionType;

/// Every built-in action type.
pub fn builtin() -> Vec<Arc<dyn ActionType>> {
    vec![
        Arc::new(http_request::HttpRequestType),
        Arc::new(event_transform::EventTransformType),
        Arc::new(trigger::TriggerType),
    ]
}
