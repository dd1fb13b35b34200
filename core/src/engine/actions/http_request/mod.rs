//! `http_request`: the Tines HTTP Request action. Options are planned once ([`options`]); each
//! execution renders them, checks every credential against its allowed hosts on the final URL,
//! sends, and shapes the result as `{status, headers, body}` ([`execute`]).

mod execute;
mod options;

pub use options::HttpRequestType;
