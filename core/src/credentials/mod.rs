//! Credentials: named secrets produced by providers, usable only in requests to their allowed
//! hosts, registered with the redactor the moment they are resolved.

mod allowed_hosts;
mod http_request;
mod oauth2;
mod provider;
mod redacting_writer;
mod redaction_forms;
mod redactor;
mod secret;
mod secret_detector;
mod service;
mod state;
mod text;
mod token;

pub use allowed_hosts::{AllowedHosts, PatternError, PatternProblem};
pub use http_request::HttpRequestCredential;
pub use oauth2::OAuth2Credential;
pub use provider::{
    BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, LoginOutcome, ResolveContext,
    Resolved, Rotation,
};
pub use redacting_writer::RedactingWriter;
pub use redactor::Redactor;
pub use secret::Secret;
pub use service::{CredentialDef, CredentialError, Credentials, CredentialsSetup};
pub use state::StateStore;
pub use text::TextCredential;
