//! The resource server: `/api/AuthInfo`, `/api/Tickets`, `/api/Tickets/{id}`.

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::faults::Fault;
use crate::http::{bearer, error, json, method_not_allowed, pairs, param, parse_bool};
use crate::state::App;
use crate::tickets::{BatchError, DEFAULT_PAGE_SIZE, Listed, MAX_PAGE_SIZE, TicketQuery};
use crate::time::now_unix;
use crate::tokens::AccessCheck;

/// Turns an injected fault into its response; a delay sleeps and lets the request through.
/// `token_endpoint` selects the 401 flavour: `invalid_client` there, `invalid_token` on the API.
pub(crate) async fn fault_response(fault: Option<Fault>, token_endpoint: bool) -> Option<Response> {
    match fault? {
        Fault::TooManyRequests { retry_after, .. } => {
            let mut resp = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "rate limit exceeded: Halo allows about 300 requests per 5 minutes",
            );
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                resp.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Some(resp)
        }
        Fault::ServerError { status, .. } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(error(status, "server_error", "injected server error"))
        }
        Fault::Unauthorized { .. } if token_endpoint => Some(error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "injected client authentication failure",
        )),
        Fault::Unauthorized { .. } => Some(unauthorized(Some("the access token has been revoked"))),
        Fault::Delay { delay, .. } => {
            tokio::time::sleep(delay).await;
            None
        }
    }
}

/// 401 with RFC 6750's `WWW-Authenticate: Bearer`; `problem` describes a bad token, `None`
/// means no token was sent (and so no `error` attribute).
fn unauthorized(problem: Option<&str>) -> Response {
    let (mut resp, challenge) = match problem {
        Some(why) => (
            error(StatusCode::UNAUTHORIZED, "invalid_token", why),
            HeaderValue::from_str(&format!(
                "Bearer error=\"invalid_token\", error_description=\"{why}\""
            ))
            .unwrap_or(HeaderValue::from_static("Bearer error=\"invalid_token\"")),
        ),
        None => (
            error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a bearer access token is required",
            ),
            HeaderValue::from_static("Bearer"),
        ),
    };
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge);
    resp
}

/// Handles a request under `/api/`; `segments` are the lower-cased path segments after `api`.
pub(crate) async fn handle(
    app: &App,
    method: &Method,
    segments: &[String],
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let fault = app.data().api_faults.take();
    if let Some(resp) = fault_response(fault, false).await {
        return resp;
    }
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    // Discovery is public, like Halo's: a client reads it before it has any token.
    if segs == ["authinfo"] {
        return if method == Method::GET {
            auth_info(app)
        } else {
            method_not_allowed("GET")
        };
    }
    match bearer(headers) {
        None => return unauthorized(None),
        Some(token) => match app.data().tokens.check_access(token, Instant::now()) {
            AccessCheck::Valid => {}
            AccessCheck::Expired => return unauthorized(Some("the access token expired")),
            AccessCheck::Unknown => return unauthorized(Some("the access token is invalid")),
        },
    }
    match (segs.as_slice(), method) {
        (["tickets"], &Method::GET) => list_tickets(app, query),
        (["tickets"], &Method::POST) => post_tickets(app, body),
        (["tickets"], _) => method_not_allowed("GET, POST"),
        (["tickets", id], &Method::GET) => get_ticket(app, id),
        (["tickets", _], _) => method_not_allowed("GET"),
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such API endpoint in the Halo sandbox",
        ),
    }
}

fn auth_info(app: &App) -> Response {
    #[derive(Serialize)]
    struct AuthInfo<'a> {
        auth_url: String,
        token_url: String,
        resource_server: String,
        tenant: &'a str,
    }
    json(
        StatusCode::OK,
        &AuthInfo {
            auth_url: format!("{}/auth", app.base_url),
            token_url: format!("{}/auth/token?tenant={}", app.base_url, app.config.tenant),
            resource_server: format!("{}/api", app.base_url),
            tenant: &app.config.tenant,
        },
    )
}

/// Halo's list parameters; `Err` describes the first bad value.
fn parse_list_query(raw_query: &str) -> Result<(TicketQuery, bool), String> {
    let q = pairs(raw_query.as_bytes());
    let bad = |name: &str, value: &str| format!("invalid value '{value}' for {name}");
    let flag = |name: &str| -> Result<bool, String> {
        param(&q, name).map_or(Ok(false), |v| parse_bool(v).ok_or_else(|| bad(name, v)))
    };
    let number = |name: &str| -> Result<Option<usize>, String> {
        param(&q, name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().parse::<usize>().map_err(|_| bad(name, v)))
            .transpose()
    };
    let paginate = flag("pageinate")?;
    let page_size = number("page_size")?
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let page_no = number("page_no")?.unwrap_or(1).max(1);
    let query = TicketQuery {
        open_only: flag("open_only")?,
        search: param(&q, "search").map(str::to_owned),
        page: paginate.then_some((page_size, page_no)),
        count: number("count")?,
    };
    Ok((query, flag("includedetails")?))
}

fn list_tickets(app: &App, raw_query: &str) -> Response {
    let (query, include_details) = match parse_list_query(raw_query) {
        Ok(parsed) => parsed,
        Err(why) => return error(StatusCode::BAD_REQUEST, "invalid_request", &why),
    };
    let page = app.data().tickets.list(&query);

    #[derive(Serialize)]
    struct Page<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        page_no: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        page_size: Option<usize>,
        record_count: usize,
        tickets: Vec<Listed<'a>>,
    }
    let body = Page {
        page_no: query.page.map(|(_, no)| no),
        page_size: query.page.map(|(size, _)| size),
        record_count: page.record_count,
        tickets: page
            .tickets
            .iter()
            .map(|t| Listed {
                ticket: t,
                include_details,
            })
            .collect(),
    };
    json(StatusCode::OK, &body)
}

fn get_ticket(app: &App, id: &str) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("'{id}' is not a ticket id"),
        );
    };
    match app.data().tickets.get(id) {
        Some(ticket) => json(StatusCode::OK, &*ticket),
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("ticket {id} not found"),
        ),
    }
}

fn post_tickets(app: &App, body: &[u8]) -> Response {
    let batch = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Halo expects a JSON array of ticket objects, e.g. [{\"summary\": \"…\"}]",
            );
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("invalid JSON: {e}"),
            );
        }
    };
    let now = now_unix();
    let mut data = app.data();
    match data.tickets.check_batch(&batch) {
        Ok(()) => {}
        Err(BatchError::Invalid(why)) => {
            return error(StatusCode::BAD_REQUEST, "invalid_request", &why);
        }
        Err(BatchError::Missing(id)) => {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("ticket {id} not found"),
            );
        }
    }
    let mut any_created = false;
    let saved: Vec<_> = batch
        .iter()
        .filter_map(Value::as_object)
        .map(|fields| {
            let (ticket, created) = data.tickets.upsert(fields, now);
            any_created |= created;
            ticket
        })
        .collect();
    drop(data);
    let status = if any_created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    match saved.as_slice() {
        [one] => json(status, &**one),
        many => json(status, &many.iter().map(|t| &**t).collect::<Vec<_>>()),
    }
}
