//! # relay-plugin-halo
//!
//! Halo PSA for Relay, as a native plugin:
//! - credential type `halo`: the OAuth2 grants of Halo's API (`refresh_token` with rotation
//!   through Relay's encrypted store, `client_credentials`, and `password` for
//!   `relay credential login`), the token endpoint found from `auth_server` or discovered with
//!   `GET <resource_server>/api/AuthInfo`, and errors that say what to do;
//! - action type `halo.tickets`: pages through `GET /api/Tickets` and emits one event per
//!   ticket, backing off when Halo rate-limits (about 300 requests per 5 minutes).
//!
//! All HTTP goes through the host (`Host::http`), so Relay's allowed hosts, redirect policy,
//! proxies and redaction apply; the plugin has no HTTP stack of its own.

mod credential;
mod rate;
mod schemas;
mod tickets;

use relay_plugin_sdk::serde_json::Value;
use relay_plugin_sdk::{
    ActionCall, CredentialCall, CredentialValue, Description, Error, Host, LoginCall, Plugin,
    TypeInfo, export_plugin,
};

use rate::RateLimiter;

/// The plugin; one instance per process, shared by every call.
#[derive(Default)]
pub struct HaloPlugin {
    /// Requests sent to Halo recently, to stay under its rate limit across calls.
    limiter: RateLimiter,
    /// Token URLs found with `/api/AuthInfo`, by resource server.
    discovered: credential::Discovered,
}

impl Plugin for HaloPlugin {
    fn describe(&self) -> Description {
        Description::new("halo", env!("CARGO_PKG_VERSION"))
            .describe("Halo PSA: OAuth2 credential with refresh-token rotation, and ticket listing")
            .credential_type(
                TypeInfo::new(
                    "halo",
                    "Halo API access token (refresh_token, client_credentials or password grant)",
                    schemas::credential(),
                )
                .with_login(),
            )
            .action_type(TypeInfo::new(
                "tickets",
                "Lists tickets page by page (GET /api/Tickets); one event per ticket",
                schemas::tickets(),
            ))
    }

    fn resolve(&self, host: &Host<'_>, call: CredentialCall) -> Result<CredentialValue, Error> {
        credential::resolve(self, host, call)
    }

    fn login(&self, host: &Host<'_>, call: LoginCall) -> Result<CredentialValue, Error> {
        credential::login(self, host, call)
    }

    fn execute(&self, host: &Host<'_>, call: ActionCall) -> Result<Vec<Value>, Error> {
        match call.action_type.as_str() {
            "tickets" => tickets::list(self, host, call.options),
            other => Err(Error::new(format!(
                "the halo plugin has no action `{other}`"
            ))),
        }
    }
}

export_plugin!(HaloPlugin);
