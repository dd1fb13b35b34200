//! The single entry handler: buffer, record, count, route by lower-cased path.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth::{TokenPath, token};
use crate::http::{error, json as json_response, method_not_allowed};
use crate::record::{RecordedRequest, bump};
use crate::state::{App, lock};

/// Bodies above this are refused with 413; the sandbox only ever sees small JSON and forms.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Handles every request. Routing is by hand because Halo's routes are case-insensitive
/// (`/api/tickets` works as well as `/api/Tickets`) and every error must be JSON.
pub(crate) async fn dispatch(State(app): State<Arc<App>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let counters = &app.counters;
    bump(&counters.requests);
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "request body too large or unreadable",
            );
        }
    };
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    if app.config.record_requests {
        record(&app, &parts.method, path, query, &parts.headers, &body);
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let is_tickets = segments.len() >= 2 && segments[0] == "api" && segments[1] == "tickets";
    if segments.first().is_some_and(|s| s == "api") {
        bump(&counters.api_requests);
    }
    if is_tickets && parts.method == Method::GET {
        bump(&counters.tickets_get);
    }
    if is_tickets && segments.len() == 2 && parts.method == Method::POST {
        bump(&counters.tickets_post);
    }

    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let resp = match seg.as_slice() {
        ["auth", "token"] | ["token"] if parts.method != Method::POST => method_not_allowed("POST"),
        ["auth", "token"] => token(&app, TokenPath::Tenant, query, &parts.headers, &body).await,
        ["token"] => token(&app, TokenPath::Shared, query, &parts.headers, &body).await,
        ["api", ..] => {
            crate::api::handle(
                &app,
                &parts.method,
                &segments[1..],
                query,
                &parts.headers,
                &body,
            )
            .await
        }
        ["_sandbox", "hooks", _] => {
            // The hook name keeps its original case: it is the caller's key, not a route.
            let name = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("");
            hook(&app, &parts.method, name, &body)
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such endpoint in the Halo sandbox",
        ),
    };

    match resp.status().as_u16() {
        401 => bump(&counters.unauthorized),
        429 => bump(&counters.too_many_requests),
        500..=599 => bump(&counters.server_errors),
        _ => {}
    }
    resp
}

fn record(app: &App, method: &Method, path: &str, query: &str, headers: &HeaderMap, body: &Bytes) {
    let entry = RecordedRequest {
        method: method.as_str().to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    lock(&app.log).push(entry);
}

/// `POST /_sandbox/hooks/{name}` stores the body (JSON, else text); `GET` lists what was stored.
fn hook(app: &App, method: &Method, name: &str, body: &[u8]) -> Response {
    if method == Method::GET {
        let bodies = app.data().hooks.get(name).cloned().unwrap_or_default();
        return json_response(StatusCode::OK, &bodies);
    }
    if method != Method::POST && method != Method::PUT {
        return method_not_allowed("GET, POST, PUT");
    }
    bump(&app.counters.hooks);
    let value = serde_json::from_slice::<Value>(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    app.data()
        .hooks
        .entry(name.to_owned())
        .or_default()
        .push(value);
    json_response(StatusCode::OK, &json!({"ok": true}))
}
