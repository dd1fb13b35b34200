//! Credentials: named secrets produced by providers, usable only in requests to their allowed
//! hosts, registered with the redactor the moment they are resolved.

mod allowed_hosts;
mod provider;
mod redacting_writer;
mod redaction_forms;
mod redactor;
mod secret;
mod service;
mod text;

pub use allowed_hosts::{AllowedHosts, PatternError, PatternProblem};
pub use provider::{BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, Resolved, ResolveContext};
pub use redacting_writer::RedactingWriter;
pub use redactor::Redactor;
pub use secret::Secret;
pub use service::{CredentialDef, CredentialError, Credentials};
pub use text::TextCredential;
