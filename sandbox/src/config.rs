//! The sandbox tenant's settings.

use std::time::Duration;

/// Settings of one sandbox tenant. `Default` gives the demo tenant documented in the crate docs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Tenant name expected in `?tenant=` on the token endpoints.
    pub tenant: String,
    /// The only client id the token endpoints accept.
    pub client_id: String,
    /// Secret for the `client_credentials` grant.
    pub client_secret: String,
    /// Agent user name for the `password` grant.
    pub username: String,
    /// Agent password for the `password` grant.
    pub password: String,
    /// Lifetime of access tokens (`expires_in`); zero means tokens are born expired.
    pub access_token_ttl: Duration,
    /// `true`: every refresh token works once; a refresh returns a new one and kills the old.
    pub rotate_refresh_tokens: bool,
    /// Number of deterministic seeded tickets, ids `1..=ticket_count`.
    pub ticket_count: usize,
    /// TCP port on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    /// Keep a copy of every request for [`crate::Sandbox::requests`]; benchmarks may turn it off.
    pub record_requests: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            tenant: "acme".to_owned(),
            client_id: "0f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b".to_owned(),
            client_secret: "sandbox-client-secret-0123456789abcdef".to_owned(),
            username: "agent@acme.example".to_owned(),
            password: "correct-horse-battery-staple".to_owned(),
            access_token_ttl: Duration::from_secs(3600),
            rotate_refresh_tokens: true,
            ticket_count: 250,
            port: 0,
            record_requests: true,
        }
    }
}
