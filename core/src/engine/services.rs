//! Process-wide services shared by every run: the HTTP client, credentials, the redactor.

use std::sync::Arc;

use crate::credentials::{Credentials, Redactor};
use crate::http::HttpClient;

/// Built once per process and shared by every run.
pub struct Services {
    pub http: Arc<HttpClient>,
    pub credentials: Arc<Credentials>,
    pub redactor: Arc<Redactor>,
}

impl Services {
    /// Shares the credentials' HTTP client, so token requests and actions use one pool.
    pub fn new(credentials: Arc<Credentials>) -> Services {
        let redactor = credentials.redactor().clone();
        Services {
            http: credentials.http().clone(),
            credentials,
            redactor,
        }
    }
}
