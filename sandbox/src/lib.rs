//! # relay-halo-sandbox
//!
//! A small local stand-in for a Halo PSA tenant: one axum server on `127.0.0.1` that is both
//! the authorisation server and the resource server, with everything in memory. Relay's
//! black-box tests, examples and benchmarks point their Halo credentials and HTTP steps at it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use relay_halo_sandbox::{Fault, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let refresh = sandbox.issue_refresh_token();          // seed Relay's store with this
//! sandbox.inject(Fault::TooManyRequests { times: 1, retry_after: Some("1".into()) });
//! // … run Relay against sandbox.base_url() …
//! assert_eq!(sandbox.counters().token_refresh, 1);
//! # let _ = refresh; Ok(()) }
//! ```
//!
//! ## Defaults (`SandboxConfig::default()`)
//! | setting | value |
//! |---|---|
//! | tenant | `acme` |
//! | client_id | `0f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b` |
//! | client_secret | `sandbox-client-secret-0123456789abcdef` |
//! | username / password | `agent@acme.example` / `correct-horse-battery-staple` |
//! | access token lifetime | 3600 s (`expires_in: 3600`); zero means "born expired" |
//! | refresh tokens | rotating: each works once |
//! | tickets | 250 seeded tickets, ids 1..=250 |
//! | port | 0 (any free port) |
//!
//! ## Endpoints
//! Paths are case-insensitive, as on Halo (`/api/tickets` = `/api/Tickets`). Every error body is
//! JSON `{"error": "...", "error_description": "..."}`.
//!
//! **`POST /auth/token[?tenant=T]`** (the tenant's own auth server, tenant optional) and
//! **`POST /token?tenant=T`** (like `https://auth.haloservicedesk.com/token?tenant=T`, tenant
//! required). Body `application/x-www-form-urlencoded` (anything else: 400 `invalid_request`).
//! The client may authenticate with form fields or HTTP Basic.
//! - `grant_type=password` + `client_id`, `username`, `password`, `scope` → access and refresh token.
//! - `grant_type=refresh_token` + `client_id`, `refresh_token` → access token and a refresh token:
//!   a new one (the old is dead) when rotating, else the same one again.
//! - `grant_type=client_credentials` + `client_id`, `client_secret`, `scope` → access token only.
//!
//! Success: `{"access_token", "refresh_token"?, "token_type": "Bearer", "expires_in", "scope"}`
//! with `Cache-Control: no-store`. Errors: `invalid_grant` (400: bad password, unknown or
//! used refresh token), `invalid_client` (401: unknown client id, wrong secret),
//! `unsupported_grant_type` (400), `invalid_request` (400: missing field, wrong content type),
//! `invalid_tenant` (400: unknown tenant, or none on `/token`). Halo's real answer to an unknown
//! tenant is not publicly documented; `invalid_tenant` is chosen so a client can name the cause.
//! A password grant without `client_secret` is fine (Halo's "Username & Password" apps have
//! none) but a wrong secret is refused. Scope defaults to `all`.
//!
//! **`GET /api/AuthInfo`** (no token needed): `{"auth_url": "<base>/auth", "token_url":
//! "<base>/auth/token?tenant=T", "resource_server": "<base>/api", "tenant": "T"}`.
//!
//! Every other `/api/*` route needs `Authorization: Bearer <live access token>`, else 401 with
//! `WWW-Authenticate: Bearer` (plus `error="invalid_token"` for an expired or unknown token).
//!
//! **`GET /api/Tickets`**: query `pageinate` (bool), `page_size` (default 50, clamped to 1..=100
//! like Halo), `page_no` (1-based, default 1), `open_only` (excludes status 9 = Closed),
//! `search` (case-insensitive, in summary/details/client_name/user_name, or the exact id),
//! `count` (cap when not paginating), `includedetails` (Halo leaves `details` out of lists
//! otherwise). Bad numbers or booleans: 400. Tickets come in id order.
//! Paginated: `{"page_no", "page_size", "record_count", "tickets": […]}`, `tickets: []` past the
//! end; not paginated: `{"record_count", "tickets": [all matches]}`.
//! Tickets carry Halo's field names: `id`, `dateoccurred`, `summary`, `details`, `status_id`,
//! `tickettype_id`, `sla_id`, `priority_id` (1–4), `client_id`, `client_name`, `site_id`,
//! `site_name`, `user_id`, `user_name`, `agent_id`, `team`, `category_1`, `impact`, `urgency`,
//! `onhold`, `inactive`, `deadlinedate`, `lastactiondate`, `estimate`, `timetaken`; seeded ones
//! are a pure function of the id.
//!
//! **`GET /api/Tickets/{id}`**: the full ticket, 404 when missing.
//!
//! **`POST /api/Tickets`**: a JSON array of ticket objects (Halo's convention; a bare object is
//! 400). An element without `id` (or `id` 0) is created with the next id and Halo-like
//! defaults; one with an existing `id` updates that ticket (an unknown id: 404, nothing
//! applied). Answer: the saved ticket as an object when one was posted, an array of them
//! otherwise; 201 when anything was created, else 200.
//!
//! **`POST /_sandbox/hooks/{name}`** (not Halo: a webhook sink for example alert steps): stores
//! the JSON body (or the text, if not JSON) and answers `{"ok": true}`; `GET` lists them.
//!
//! ## Faults
//! [`Sandbox::inject`] queues a [`Fault`] for the next `times` `/api/*` requests (in injection
//! order): 429 with an optional `Retry-After`, a 5xx, a forced 401, or a delay.
//! [`Sandbox::inject_auth`] does the same for the token endpoints.
//!
//! Everything is recorded ([`Sandbox::requests`], unless `record_requests` is off) and counted
//! ([`Sandbox::counters`]); nothing is logged per request. Request counters (token requests by
//! grant type, ticket GETs and POSTs) count arrivals, so faulted and refused attempts are
//! included; `unauthorized`, `too_many_requests` and `server_errors` count responses sent.

mod api;
mod auth;
mod config;
mod faults;
mod http;
mod record;
mod routes;
mod sandbox;
mod seed;
mod state;
mod tickets;
mod time;
mod tokens;

pub use config::SandboxConfig;
pub use faults::Fault;
pub use record::{Counters, RecordedRequest};
pub use sandbox::{Sandbox, run_until_ctrl_c};
