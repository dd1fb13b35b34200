//! HTTP for actions, credentials and plugins: one shared client, request encoding, retries,
//! the redirect policy and response decoding.

pub mod body;
mod client;
pub mod encode_error;
pub mod form;
pub mod method;
pub mod multipart;
mod plain;
pub mod query;
pub mod response;
pub mod retry;
pub mod retry_after;
pub mod status_set;
pub mod value_parts;
pub mod xml;

pub use client::{Exchange, HttpClient, HttpError, PreparedRequest, SendOptions};
