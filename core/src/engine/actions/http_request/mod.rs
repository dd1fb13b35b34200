//! `http_request`: the Tines HTTP Request action. Options are planned once ([`options`]); each
//! execution renders them, checks every credential against its allowed hosts on the final URL,
//! sends, and shapes the result as `{status, headers, body}` ([`execute`]). Credentials of type
//! `http_request` reuse the same pipeline.

mod execute;
mod options;
pub(crate) use options::KEYS;
mod pagination;
mod result;

pub(crate) use execute::{RequestEnv, line, result_value};
pub use options::{HttpRequest, HttpRequestType};
pub use result::HttpResult;
