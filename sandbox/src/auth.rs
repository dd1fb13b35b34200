//! The OAuth2 token endpoint (`/auth/token` on the tenant, `/token` on Halo's shared auth server).

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use crate::http::{basic, error, json, pairs, param};
use crate::record::bump;
use crate::state::App;
use crate::tokens::Grant;

/// Where the token request arrived: the shared server needs `?tenant=`, the tenant's own
/// `/auth` does not (the host names the tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenPath {
    /// `/auth/token` (the tenant's own authorisation server).
    Tenant,
    /// `/token` (like `https://auth.haloservicedesk.com/token`).
    Shared,
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    token_type: &'static str,
    expires_in: u64,
    scope: &'a str,
}

/// Handles one POST to a token endpoint.
pub(crate) async fn token(
    app: &App,
    path: TokenPath,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    bump(&app.counters.token_requests);
    // Counted on arrival, like the API counters, so faulted and refused attempts show too.
    let form = pairs(body);
    match param(&form, "grant_type") {
        Some("password") => bump(&app.counters.token_password),
        Some("refresh_token") => bump(&app.counters.token_refresh),
        Some("client_credentials") => bump(&app.counters.token_client_credentials),
        _ => {}
    }
    let fault = app.data().auth_faults.take();
    if let Some(resp) = crate::api::fault_response(fault, true).await {
        return resp;
    }
    let mut resp = grant(app, path, query, headers, &form);
    // RFC 6749 §5.1: token responses must not be cached.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn grant(
    app: &App,
    path: TokenPath,
    query: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Response {
    let cfg = &app.config;
    let query = pairs(query.as_bytes());
    match (param(&query, "tenant"), path) {
        (Some(t), _) if t.eq_ignore_ascii_case(&cfg.tenant) => {}
        (None, TokenPath::Tenant) => {}
        (None, TokenPath::Shared) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_tenant",
                "the tenant query parameter is required",
            );
        }
        (Some(t), _) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_tenant",
                &format!("unknown tenant '{t}'"),
            );
        }
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form_type {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token request must be application/x-www-form-urlencoded",
        );
    }
    let grant_type = param(form, "grant_type").unwrap_or("");
    if grant_type.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is missing",
        );
    }
    if !matches!(
        grant_type,
        "password" | "refresh_token" | "client_credentials"
    ) {
        return error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant type '{grant_type}' is not supported"),
        );
    }

    // Client authentication: form fields, or HTTP Basic (RFC 6749 §2.3.1).
    let from_basic = basic(headers);
    let client_id = from_basic
        .as_ref()
        .map(|(id, _)| id.as_str())
        .or(param(form, "client_id"));
    let secret = from_basic
        .as_ref()
        .map(|(_, s)| s.as_str())
        .or(param(form, "client_secret"))
        .filter(|s| !s.is_empty());
    if client_id != Some(cfg.client_id.as_str()) {
        return invalid_client("unknown client_id");
    }
    // Username & Password applications need no secret, but a wrong one is still refused.
    let secret_ok = secret == Some(cfg.client_secret.as_str());
    if (grant_type == "client_credentials" || secret.is_some()) && !secret_ok {
        return invalid_client("invalid client_secret");
    }

    let scope = param(form, "scope")
        .filter(|s| !s.is_empty())
        .unwrap_or("all")
        .to_owned();
    let now = Instant::now();
    let mut data = app.data();
    let (scope, refresh) = match grant_type {
        "password" => {
            let (Some(user), Some(pass)) = (param(form, "username"), param(form, "password"))
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required",
                );
            };
            if !user.eq_ignore_ascii_case(&cfg.username) || pass != cfg.password {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "invalid username or password",
                );
            }
            let grant = Grant {
                client_id: cfg.client_id.clone(),
                scope: scope.clone(),
            };
            (scope, Some(data.tokens.mint_refresh(grant)))
        }
        "refresh_token" => {
            let Some(presented) = param(form, "refresh_token").filter(|t| !t.is_empty()) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is missing",
                );
            };
            let Some(grant) = data
                .tokens
                .redeem_refresh(presented, cfg.rotate_refresh_tokens)
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token is invalid, expired or already used",
                );
            };
            let scope = grant.scope.clone();
            let next = if cfg.rotate_refresh_tokens {
                data.tokens.mint_refresh(grant)
            } else {
                presented.to_owned()
            };
            (scope, Some(next))
        }
        _ => (scope, None),
    };
    let access_token = data.tokens.mint_access(cfg.access_token_ttl, now);
    drop(data);
    bump(&app.counters.tokens_issued);
    json(
        StatusCode::OK,
        &TokenResponse {
            access_token,
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: expires_in_secs(app),
            scope: &scope,
        },
    )
}

/// `expires_in` rounded up, so a 500 ms ttl is not announced as already expired.
fn expires_in_secs(app: &App) -> u64 {
    let ttl = app.config.access_token_ttl;
    ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)
}

fn invalid_client(description: &str) -> Response {
    let mut resp = error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"token\""),
    );
    resp
}
