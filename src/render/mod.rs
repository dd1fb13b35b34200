//! Turning what relay-core returns into text.

pub mod diagnostic;
pub mod events;
pub mod json_stream;
pub mod preview;
pub mod progress;
