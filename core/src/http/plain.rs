//! Plain `http://` exchanges without a proxy, sent with hyper's pooled client directly.
//!
//! reqwest adds nothing such a request needs (Relay follows redirects and times attempts out
//! itself), but it turns each request's URI back into a string and parses it as a `Url` twice
//! (its redirect layer, then the response's URL), and matches the host against the proxy list:
//! about 31,000 instructions per request on the fan-out benchmark, two fifths of what a whole
//! request cost Relay's run thread (callgrind: 2,000 GETs through reqwest 143 M instructions,
//! through this client 81 M). TLS and proxies stay with reqwest.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use url::Url;

use super::client::with_innermost_cause;
use super::response::{BodyTooLarge, CappedBody};

/// reqwest's TCP keep-alive time and interval.
const TCP_KEEPALIVE: Duration = Duration::from_secs(15);

/// Why a plain exchange produced no response.
pub(super) enum PlainError {
    /// Connecting or exchanging failed; the message names the innermost cause.
    Transport(String),
    TooLarge(BodyTooLarge),
}

/// A response, its body read whole unless it is a redirect the caller will follow.
pub(super) struct PlainResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: PlainBody,
}

/// The body: read now, or left unread (a redirect to be followed drains it later).
pub(super) enum PlainBody {
    Read(Vec<u8>),
    Unread(hyper::body::Incoming),
}

pub(super) struct PlainClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl PlainClient {
    /// The same pool and connection settings as the reqwest clients (`client.rs`, `build`).
    pub(super) fn new(connect_timeout: Duration, idle_timeout: Duration) -> PlainClient {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(connect_timeout));
        // reqwest's defaults, so a pooled connection behind a NAT is kept alive alike.
        connector.set_keepalive(Some(TCP_KEEPALIVE));
        connector.set_keepalive_interval(Some(TCP_KEEPALIVE));
        connector.set_keepalive_retries(Some(3));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        PlainClient { client }
    }

    /// Sends one request. The body is read (under `body_cap`) unless `keep_unread` says the
    /// status is a redirect the caller will follow.
    pub(super) async fn send(
        &self,
        method: reqwest::Method,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
        body_cap: u64,
        keep_unread: impl FnOnce(u16, &HeaderMap) -> bool,
    ) -> Result<PlainResponse, PlainError> {
        let uri: hyper::Uri = url
            .as_str()
            .parse()
            .map_err(|_| PlainError::Transport(format!("`{url}` is not a valid request URI")))?;
        let mut request = hyper::Request::new(Full::new(body.unwrap_or_default()));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        // What reqwest sends by default, so a server sees the same request either way.
        request
            .headers_mut()
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| PlainError::Transport(describe(&e)))?;
        let (parts, incoming) = response.into_parts();
        let status = parts.status.as_u16();
        if keep_unread(status, &parts.headers) {
            return Ok(PlainResponse {
                status,
                headers: parts.headers,
                body: PlainBody::Unread(incoming),
            });
        }
        let body = read_capped(incoming, body_cap).await?;
        Ok(PlainResponse {
            status,
            headers: parts.headers,
            body: PlainBody::Read(body),
        })
    }
}

/// Reads a body to its end, discarding it (a followed redirect's), so the connection is reused.
pub(super) async fn drain(mut incoming: hyper::body::Incoming) {
    while let Some(Ok(_)) = incoming.frame().await {}
}

async fn read_capped(mut incoming: hyper::body::Incoming, cap: u64) -> Result<Vec<u8>, PlainError> {
    use hyper::body::Body as _;
    let mut body =
        CappedBody::new(incoming.size_hint().exact(), cap).map_err(PlainError::TooLarge)?;
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|e| PlainError::Transport(describe(&e)))?;
        if let Some(chunk) = frame.data_ref() {
            body.push(chunk).map_err(PlainError::TooLarge)?;
        }
    }
    Ok(body.into_bytes())
}

/// One line, in the words `client.rs` gives reqwest's errors: "timed out", "could not
/// connect" or "request failed", with the innermost cause.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let timed_out = std::iter::successors(Some(e), |e| e.source()).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    });
    let connect = e
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(|e| e.is_connect());
    let what = if timed_out {
        "timed out"
    } else if connect {
        "could not connect"
    } else {
        "request failed"
    };
    with_innermost_cause(what, e)
}
