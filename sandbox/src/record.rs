//! What the sandbox saw: recorded requests and request counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// One request as received, before any routing or fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, upper case (`GET`).
    pub method: String,
    /// Path as sent, without the query (`/api/Tickets`).
    pub path: String,
    /// Raw query string without `?`; empty when there was none.
    pub query: String,
    /// Headers in arrival order, names lower-case, values lossily decoded as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The first value of form field `name` in the body.
    pub fn form_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The first value of query parameter `name`.
    pub fn query_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A snapshot of the sandbox's request counters, all since start (or the last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request received, on any path.
    pub requests: u64,
    /// POSTs to `/auth/token` or `/token`, whatever their outcome.
    pub token_requests: u64,
    /// Token requests with `grant_type=password`.
    pub token_password: u64,
    /// Token requests with `grant_type=refresh_token`.
    pub token_refresh: u64,
    /// Token requests with `grant_type=client_credentials`.
    pub token_client_credentials: u64,
    /// Token requests answered with a token.
    pub tokens_issued: u64,
    /// Requests whose path starts with `/api/`.
    pub api_requests: u64,
    /// GETs of `/api/Tickets` or `/api/Tickets/{id}`, counted on arrival (faulted ones too).
    pub tickets_get: u64,
    /// POSTs of `/api/Tickets`, counted on arrival.
    pub tickets_post: u64,
    /// POSTs to `/_sandbox/hooks/{name}`.
    pub hooks: u64,
    /// Responses with status 401.
    pub unauthorized: u64,
    /// Responses with status 429.
    pub too_many_requests: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
}

/// The live, lock-free counters behind [`Counters`].
#[derive(Debug, Default)]
pub(crate) struct CounterCells {
    pub(crate) requests: AtomicU64,
    pub(crate) token_requests: AtomicU64,
    pub(crate) token_password: AtomicU64,
    pub(crate) token_refresh: AtomicU64,
    pub(crate) token_client_credentials: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) api_requests: AtomicU64,
    pub(crate) tickets_get: AtomicU64,
    pub(crate) tickets_post: AtomicU64,
    pub(crate) hooks: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) too_many_requests: AtomicU64,
    pub(crate) server_errors: AtomicU64,
}

/// Adds one to a counter; ordering does not matter, only the totals do.
pub(crate) fn bump(cell: &AtomicU64) {
    cell.fetch_add(1, Ordering::Relaxed);
}

impl CounterCells {
    /// Reads every counter.
    pub fn snapshot(&self) -> Counters {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            requests: r(&self.requests),
            token_requests: r(&self.token_requests),
            token_password: r(&self.token_password),
            token_refresh: r(&self.token_refresh),
            token_client_credentials: r(&self.token_client_credentials),
            tokens_issued: r(&self.tokens_issued),
            api_requests: r(&self.api_requests),
            tickets_get: r(&self.tickets_get),
            tickets_post: r(&self.tickets_post),
            hooks: r(&self.hooks),
            unauthorized: r(&self.unauthorized),
            too_many_requests: r(&self.too_many_requests),
            server_errors: r(&self.server_errors),
        }
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        for c in [
            &self.requests,
            &self.token_requests,
            &self.token_password,
            &self.token_refresh,
            &self.token_client_credentials,
            &self.tokens_issued,
            &self.api_requests,
            &self.tickets_get,
            &self.tickets_post,
            &self.hooks,
            &self.unauthorized,
            &self.too_many_requests,
            &self.server_errors,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_request_helpers_decode_form_query_and_headers() {
        let r = RecordedRequest {
            method: "POST".into(),
            path: "/token".into(),
            query: "tenant=acme&x=%20y".into(),
            headers: vec![("accept".into(), "application/json".into())],
            body: b"grant_type=refresh_token&refresh_token=a%2Bb".to_vec(),
        };
        assert_eq!(r.header("Accept"), Some("application/json"));
        assert_eq!(r.header("content-type"), None);
        assert_eq!(r.form_value("refresh_token").as_deref(), Some("a+b"));
        assert_eq!(r.form().len(), 2);
        assert_eq!(r.query_value("x").as_deref(), Some(" y"));
        assert_eq!(r.query_value("tenant").as_deref(), Some("acme"));
    }

    #[test]
    fn counters_snapshot_and_reset() {
        let c = CounterCells::default();
        bump(&c.requests);
        bump(&c.requests);
        bump(&c.too_many_requests);
        let s = c.snapshot();
        assert_eq!((s.requests, s.too_many_requests, s.unauthorized), (2, 1, 0));
        c.reset();
        assert_eq!(c.snapshot(), Counters::default());
    }
}
