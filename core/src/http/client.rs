//! The process's HTTP client, and one exchange: redirects (followed by hand, so the credential
//! policy applies to every hop), retries, and the body cap.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::method::Method;
use super::plain::{self, PlainBody, PlainClient, PlainError};
use super::response::{ReadError, read_capped};
use super::retry::RetryPolicy;

/// Headers that carry authority and are dropped on a cross-origin redirect when no credential
/// policy vouches for the new host (what browsers and curl do).
const SENSITIVE_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];
const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// One per process, shared: pooled keep-alive connections, behind which sit hyper's client for
/// plain http and reqwest's for TLS (verified, or not for the actions that ask) and proxies.
pub struct HttpClient {
    // Built on first use: loading the system's root certificates is most of a cold start, and
    // `relay validate` or a run without HTTP never needs them.
    verified: OnceLock<reqwest::Client>,
    unverified: OnceLock<reqwest::Client>,
    /// For `http://` URLs through a proxy or with `user:password`: no TLS, so no root
    /// certificates to load.
    unencrypted: OnceLock<reqwest::Client>,
    /// For every other `http://` URL (`plain.rs` says why).
    plain: OnceLock<PlainClient>,
    /// Whether the environment names a proxy, read once.
    proxied: OnceLock<bool>,
}

/// A fully rendered request.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    /// Shared bytes: each attempt and redirect hop sends the same body without copying it.
    pub body: Option<bytes::Bytes>,
}

/// How to send it.
pub struct SendOptions<'a> {
    /// For each attempt, covering connect, redirects and reading the body.
    pub timeout: Duration,
    pub retry: &'a RetryPolicy,
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub body_cap: u64,
    /// Whether the request carries credentials (then every hop must be vouched for).
    pub carries_credentials: bool,
    /// Called for every redirect target of a request that carries credentials; an `Err`
    /// refuses the hop with that message.
    pub allow_redirect: &'a (dyn Fn(&Url) -> Result<(), String> + Sync),
}

/// A completed exchange.
#[derive(Debug)]
pub struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub final_url: Url,
    /// 1 + the number of retries made.
    pub attempts: u32,
    /// Why no response came (status 0), when the caller chose not to fail on it.
    pub error: Option<String>,
}

/// Why no response came back.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    #[error("{message}")]
    Transport { message: String, attempts: u32 },
    #[error("{0}")]
    Refused(String),
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl HttpClient {
    pub fn new() -> HttpClient {
        HttpClient {
            verified: OnceLock::new(),
            unverified: OnceLock::new(),
            unencrypted: OnceLock::new(),
            plain: OnceLock::new(),
            proxied: OnceLock::new(),
        }
    }

    fn client(&self, url: &Url, verify_tls: bool) -> &reqwest::Client {
        if url.scheme() == "http" {
            self.unencrypted.get_or_init(|| build(Tls::None))
        } else if verify_tls {
            self.verified.get_or_init(|| build(Tls::Verified))
        } else {
            self.unverified.get_or_init(|| build(Tls::Unverified))
        }
    }

    /// Sends `request`, retrying as `options.retry` says; a status in the retry set that is
    /// still there after the last retry is returned as a normal response.
    pub async fn send(
        &self,
        request: &PreparedRequest,
        options: &SendOptions<'_>,
    ) -> Result<Exchange, HttpError> {
        let mut attempt: u32 = 0;
        loop {
            let result =
                match tokio::time::timeout(options.timeout, self.attempt(request, options)).await {
                    Ok(r) => r,
                    Err(_) => Err(AttemptError::Transport(format!(
                        "timed out after {}",
                        seconds(options.timeout)
                    ))),
                };
            let (status, retry_after) = match &result {
                Ok(ex) => (
                    ex.status,
                    ex.headers
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                ),
                Err(AttemptError::Transport(_)) => (0, None),
                Err(AttemptError::Refused(msg)) => return Err(HttpError::Refused(msg.clone())),
            };
            attempt += 1;
            // The log writer redacts, so a credential in the URL's query never shows.
            tracing::debug!(method = %request.method, url = %request.url, status, attempt, "http: response");
            if let Some(delay) = options
                .retry
                .delay_for(attempt, status, retry_after.as_deref())
            {
                tracing::info!(url = %request.url, status, attempt, delay_ms = delay.as_millis() as u64, "http: retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return match result {
                Ok(mut ex) => {
                    ex.attempts = attempt;
                    Ok(ex)
                }
                Err(AttemptError::Transport(message)) => Err(HttpError::Transport {
                    message,
                    attempts: attempt,
                }),
                Err(AttemptError::Refused(msg)) => Err(HttpError::Refused(msg)),
            };
        }
    }

    async fn attempt(
        &self,
        request: &PreparedRequest,
        options: &SendOptions<'_>,
    ) -> Result<Exchange, AttemptError> {
        let mut method = request.method;
        let mut url = request.url.clone();
        // Copied only when a redirect has to change them.
        let mut headers: std::borrow::Cow<'_, [(String, String)]> =
            std::borrow::Cow::Borrowed(&request.headers);
        let mut body = request.body.clone();
        for _hop in 0..=MAX_REDIRECTS {
            let request_headers = header_map(&headers)?;
            // Per hop: a redirect may move from http to https.
            let hop = if self.goes_plain(&url) {
                self.send_plain(method, &url, request_headers, body.clone(), options)
                    .await?
            } else {
                self.send_reqwest(method, &url, request_headers, body.clone(), options)
                    .await?
            };
            let (status, location, unread) = match hop {
                Hop::Done(exchange) => return Ok(exchange),
                Hop::Redirect {
                    status,
                    location,
                    unread,
                } => (status, location, unread),
            };
            let target = url.join(&location).map_err(|_| {
                AttemptError::Refused(format!("redirect to an invalid URL `{location}`"))
            })?;
            if !matches!(target.scheme(), "http" | "https") {
                return Err(AttemptError::Refused(format!(
                    "redirect to `{target}` refused: only http and https are followed"
                )));
            }
            // A request carrying credentials has every hop checked, same origin included: an
            // allowed-hosts pattern may restrict the path (`host/api/*`), and credentials.md
            // asks for the check "again on every redirect".
            if options.carries_credentials {
                (options.allow_redirect)(&target).map_err(AttemptError::Refused)?;
            } else if target.origin() != url.origin() {
                headers
                    .to_mut()
                    .retain(|(n, _)| !SENSITIVE_HEADERS.contains(&n.to_ascii_lowercase().as_str()));
            }
            if status == 303
                || ((status == 301 || status == 302)
                    && method != Method::Head
                    && method != Method::Get)
            {
                method = Method::Get;
                body = None;
                headers.to_mut().retain(|(n, _)| {
                    !n.eq_ignore_ascii_case("content-type")
                        && !n.eq_ignore_ascii_case("content-length")
                });
            }
            // Drain what is left of the redirect response so the connection can be reused.
            match unread {
                Unread::Reqwest(response) => {
                    let _ = response.bytes().await;
                }
                Unread::Plain(incoming) => plain::drain(incoming).await,
            }
            url = target;
        }
        Err(AttemptError::Refused(format!(
            "more than {MAX_REDIRECTS} redirects; last one to `{url}`"
        )))
    }
}

impl HttpClient {
    /// Whether the environment names a proxy (then every request goes through reqwest, which
    /// applies it). Read once: the variables do not change under a running process.
    fn proxied(&self) -> bool {
        *self.proxied.get_or_init(proxy_in_environment)
    }

    /// Plain http without a proxy, and without credentials in the URL (reqwest turns those
    /// into a `Basic` header and strips them from the URL; such requests stay with it).
    fn goes_plain(&self, url: &Url) -> bool {
        url.scheme() == "http"
            && url.username().is_empty()
            && url.password().is_none()
            && !self.proxied()
    }

    async fn send_plain(
        &self,
        method: Method,
        url: &Url,
        headers: HeaderMap,
        body: Option<bytes::Bytes>,
        options: &SendOptions<'_>,
    ) -> Result<Hop, AttemptError> {
        let client = self
            .plain
            .get_or_init(|| PlainClient::new(CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT));
        let response = client
            .send(
                method.to_reqwest(),
                url,
                headers,
                body,
                options.body_cap,
                |status, headers| followed_redirect(options, status, headers).is_some(),
            )
            .await
            .map_err(|e| match e {
                PlainError::Transport(message) => AttemptError::Transport(message),
                PlainError::TooLarge(t) => AttemptError::Refused(t.to_string()),
            })?;
        Ok(match response.body {
            PlainBody::Unread(incoming) => Hop::Redirect {
                status: response.status,
                location: followed_redirect(options, response.status, &response.headers)
                    .unwrap_or_default(),
                unread: Unread::Plain(incoming),
            },
            PlainBody::Read(body) => Hop::Done(Exchange {
                status: response.status,
                headers: detached(&response.headers),
                body,
                final_url: url.clone(),
                attempts: 1,
                error: None,
            }),
        })
    }

    async fn send_reqwest(
        &self,
        method: Method,
        url: &Url,
        headers: HeaderMap,
        body: Option<bytes::Bytes>,
        options: &SendOptions<'_>,
    ) -> Result<Hop, AttemptError> {
        let client = self.client(url, options.verify_tls);
        let mut builder = client
            .request(method.to_reqwest(), url.clone())
            .headers(headers);
        if let Some(b) = body {
            builder = builder.body(b);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| AttemptError::Transport(describe(&e)))?;
        let status = response.status().as_u16();
        if let Some(location) = followed_redirect(options, status, response.headers()) {
            return Ok(Hop::Redirect {
                status,
                location,
                unread: Unread::Reqwest(response),
            });
        }
        let headers = detached(response.headers());
        let final_url = response.url().clone();
        let body = read_capped(response, options.body_cap)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge(t) => AttemptError::Refused(t.to_string()),
                ReadError::Transport(e) => AttemptError::Transport(describe(&e)),
            })?;
        Ok(Hop::Done(Exchange {
            status,
            headers,
            body,
            final_url,
            attempts: 1,
            error: None,
        }))
    }
}

/// The rendered headers, refused with a clear message when one cannot be sent.
fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, AttemptError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| AttemptError::Refused(format!("`{name}` is not a valid header name")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            AttemptError::Refused(format!("the value of header `{name}` contains characters not allowed in a header (e.g. a line break)"))
        })?;
        map.append(name, value);
    }
    Ok(map)
}

/// The `Location` of a response whose redirect is to be followed.
fn followed_redirect(
    options: &SendOptions<'_>,
    status: u16,
    headers: &HeaderMap,
) -> Option<String> {
    if !options.follow_redirects || !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// One request and its response: the final one, or a redirect still to be judged.
enum Hop {
    Done(Exchange),
    Redirect {
        status: u16,
        location: String,
        /// Drained only once the redirect is followed.
        unread: Unread,
    },
}

/// A redirect response whose body has not been read.
enum Unread {
    Reqwest(reqwest::Response),
    Plain(hyper::body::Incoming),
}

enum AttemptError {
    /// No response: connection refused, reset, timed out. Counts as status 0 for retries.
    Transport(String),
    /// Relay itself refuses to go on (redirect policy, body cap, bad header).
    Refused(String),
}

/// Which TLS a client is built for.
#[derive(Clone, Copy, PartialEq)]
enum Tls {
    Verified,
    Unverified,
    /// Plain http: an empty root store instead of the system's (loading it is most of a
    /// cold start).
    None,
}

fn build(tls: Tls) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_nodelay(true);
    if !proxy_in_environment() {
        // reqwest would otherwise match every request's host against an empty proxy list
        // (1.8 % of a fan-out's run thread, callgrind).
        builder = builder.no_proxy();
    }
    builder = match tls {
        Tls::Verified => builder,
        Tls::Unverified => builder.tls_danger_accept_invalid_certs(true),
        Tls::None => builder.tls_certs_only(std::iter::empty()),
    };
    builder.build().unwrap_or_else(|_| reqwest::Client::new())
}

/// Whether the environment names a proxy: the variables reqwest's system proxy reads (cli.md:
/// "Standard `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` are honoured"). `NO_PROXY` alone proxies
/// nothing.
fn proxy_in_environment() -> bool {
    [
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// A copy of `headers` that owns its bytes. Parsed header values are slices of the
/// connection's read buffer: keeping them (a result lives as long as the run) would pin one
/// whole buffer per response and make the connection allocate a fresh one for every read,
/// which in a 2,000-request fan-out was a fifth of Relay's CPU in page faults.
fn detached(headers: &HeaderMap) -> HeaderMap {
    let mut owned = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name =
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        owned.append(name, copy);
    }
    owned
}

/// A transport error in one line, with its innermost cause (e.g. "connection refused").
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    with_innermost_cause(what, e)
}

/// `what` followed by the innermost cause of `e` (e.g. "connection refused"), if it adds
/// anything.
pub(super) fn with_innermost_cause(what: &str, e: &dyn std::error::Error) -> String {
    let mut cause = e.source();
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c.to_string());
        cause = c.source();
    }
    match last {
        Some(c) if !what.contains(&c) => format!("{what}: {c}"),
        _ => what.to_owned(),
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_headers_are_equal_but_own_their_bytes() {
        // Values parsed from a response are slices of one shared buffer, as hyper makes them.
        let buffer = bytes::Bytes::from(b"application/jsonsecret-cookie-1secret-cookie-2".to_vec());
        let mut original = HeaderMap::new();
        original.insert(
            "content-type",
            HeaderValue::from_maybe_shared(buffer.slice(0..16)).unwrap(),
        );
        let mut cookie = HeaderValue::from_maybe_shared(buffer.slice(16..31)).unwrap();
        cookie.set_sensitive(true);
        original.append("x-cookie", cookie);
        original.append(
            "x-cookie",
            HeaderValue::from_maybe_shared(buffer.slice(31..46)).unwrap(),
        );

        let copy = detached(&original);

        assert_eq!(copy, original);
        assert_eq!(copy.get_all("x-cookie").iter().count(), 2);
        assert!(copy.get("x-cookie").unwrap().is_sensitive());
        let range = buffer.as_ptr_range();
        for value in copy.values() {
            assert!(
                !range.contains(&value.as_bytes().as_ptr()),
                "a detached value must not point into the response's buffer"
            );
        }
    }

    /// Accepts `count` connections on 127.0.0.1, keeps each request exactly as it arrived
    /// (head and body), and answers each with a small 200.
    fn capture_server(count: usize) -> (Url, std::thread::JoinHandle<Vec<Vec<u8>>>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = Url::parse(&format!(
            "http://{}/api/Tickets?count=1",
            listener.local_addr().unwrap()
        ))
        .expect("url");
        let server = std::thread::spawn(move || {
            let mut requests = Vec::new();
            for _ in 0..count {
                let (mut stream, _) = listener.accept().expect("accept");
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = stream.read(&mut buf).expect("read");
                    raw.extend_from_slice(&buf[..n]);
                    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .map_or(0, |v| v.trim().parse::<usize>().expect("length"));
                    if n == 0 || raw.len() >= end + 4 + length {
                        break;
                    }
                }
                stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .expect("write");
                requests.push(raw);
            }
            requests
        });
        (url, server)
    }

    fn no_retries() -> RetryPolicy {
        RetryPolicy::new(crate::http::status_set::StatusSet::default(), None).expect("no retries")
    }

    /// One attempt, redirects followed, no credentials, a 1 KiB body cap.
    fn options(retry: &RetryPolicy) -> SendOptions<'_> {
        fn allow_any(_: &Url) -> Result<(), String> {
            Ok(())
        }
        SendOptions {
            timeout: Duration::from_secs(10),
            retry,
            follow_redirects: true,
            verify_tls: true,
            body_cap: 1024,
            carries_credentials: false,
            allow_redirect: &allow_any,
        }
    }

    #[tokio::test]
    async fn a_server_sees_the_same_request_from_hyper_directly_as_from_reqwest() {
        let (url, server) = capture_server(2);
        let client = HttpClient::new();
        let retry = no_retries();
        let options = options(&retry);
        let headers = header_map(&[
            ("Authorization".to_owned(), "Bearer canary-token".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Twice".to_owned(), "one".to_owned()),
            ("x-twice".to_owned(), "two".to_owned()),
        ])
        .ok()
        .expect("valid headers");
        let body = Some(bytes::Bytes::from_static(br#"{"summary":"VPN down"}"#));
        for hop in [
            client
                .send_plain(Method::Post, &url, headers.clone(), body.clone(), &options)
                .await,
            client
                .send_reqwest(Method::Post, &url, headers.clone(), body.clone(), &options)
                .await,
        ] {
            match hop.ok().expect("a response") {
                Hop::Done(exchange) => {
                    assert_eq!(
                        (exchange.status, exchange.body.as_slice()),
                        (200, &b"ok"[..])
                    );
                    assert_eq!(exchange.final_url, url);
                }
                Hop::Redirect { .. } => panic!("a 200 is not a redirect"),
            }
        }
        let requests = server.join().expect("server");
        let text = |r: &[u8]| String::from_utf8_lossy(r).into_owned();
        assert_eq!(text(&requests[0]), text(&requests[1]));
        assert!(
            text(&requests[0]).starts_with("POST /api/Tickets?count=1 HTTP/1.1\r\n"),
            "{}",
            text(&requests[0])
        );
        for line in [
            "accept: */*",
            "x-twice: one",
            "x-twice: two",
            "content-length: 22",
        ] {
            assert!(
                text(&requests[0]).contains(line),
                "{line} in {}",
                text(&requests[0])
            );
        }
    }

    #[tokio::test]
    async fn bodiless_requests_are_the_same_bytes_from_hyper_and_from_reqwest() {
        let cases = [Method::Get, Method::Post, Method::Delete, Method::Head];
        let (url, server) = capture_server(cases.len() * 2);
        let client = HttpClient::new();
        let retry = no_retries();
        let options = options(&retry);
        let headers = header_map(&[("Accept".to_owned(), "application/json".to_owned())])
            .ok()
            .expect("valid headers");
        for method in cases {
            let plain = client
                .send_plain(method, &url, headers.clone(), None, &options)
                .await;
            let reqwest = client
                .send_reqwest(method, &url, headers.clone(), None, &options)
                .await;
            assert!(plain.is_ok() && reqwest.is_ok(), "{method:?} answered");
        }
        let requests = server.join().expect("server");
        let text = |r: &[u8]| String::from_utf8_lossy(r).into_owned();
        for pair in requests.chunks(2) {
            assert_eq!(text(&pair[0]), text(&pair[1]));
            assert!(
                !text(&pair[0]).contains("*/*"),
                "the workflow's own accept wins: {}",
                text(&pair[0])
            );
        }
    }

    #[tokio::test]
    async fn urls_with_a_fragment_or_credentials_are_sent_as_reqwest_sends_them() {
        let (base, server) = capture_server(3);
        let client = HttpClient::new();
        let retry = no_retries();
        let options = options(&retry);
        let mut fragment = base.clone();
        fragment.set_fragment(Some("part"));
        let mut userinfo = base.clone();
        userinfo.set_username("ops").expect("user");
        userinfo.set_password(Some("pa ss")).expect("password");
        assert!(client.goes_plain(&fragment));
        assert!(
            !client.goes_plain(&userinfo),
            "credentials in the URL stay with reqwest"
        );
        let plain = client
            .send_plain(Method::Get, &fragment, HeaderMap::new(), None, &options)
            .await;
        let reqwest = client
            .send_reqwest(Method::Get, &fragment, HeaderMap::new(), None, &options)
            .await;
        assert!(plain.is_ok() && reqwest.is_ok());
        let exchange = client
            .send(
                &PreparedRequest {
                    method: Method::Get,
                    url: userinfo,
                    headers: Vec::new(),
                    body: None,
                },
                &options,
            )
            .await
            .expect("a response");
        assert_eq!(
            exchange.final_url.password(),
            None,
            "the password is not kept"
        );
        let requests = server.join().expect("server");
        let text = |r: &[u8]| String::from_utf8_lossy(r).into_owned();
        assert_eq!(text(&requests[0]), text(&requests[1]));
        assert!(
            !text(&requests[0]).contains("part"),
            "{}",
            text(&requests[0])
        );
        assert!(
            text(&requests[2]).contains("authorization: Basic b3BzOnBhIHNz"),
            "{}",
            text(&requests[2])
        );
    }
}
