//! Turning a response into the action's `{status, headers, body}` parts, with a size cap.

use std::fmt;

use minijinja::Value;

/// Largest response body read by default.
pub const DEFAULT_BODY_CAP: u64 = 64 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// The response headers (`reqwest::header::HeaderMap` is `http::HeaderMap`) as a map: lower-case names in arrival order, repeated headers joined
/// with `, `, values that are not UTF-8 decoded lossily.
pub fn headers_to_map(headers: &reqwest::header::HeaderMap) -> Value {
    Value::from_pairs(headers.keys().map(|name| {
        let joined = headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()))
            .collect::<Vec<_>>()
            .join(", ");
        (name.as_str().to_owned(), Value::from(joined))
    }))
}

/// The response body as a value.
///
/// With a JSON `Content-Type` (`application/json`, `text/json`, `…+json`) any JSON document is
/// parsed. Without one, the body is parsed when it parses, except an integer too big for 64
/// bits, so a plain-text token such as `12345678901234567890123` is not turned into a rounded
/// float. Anything else (and JSON that fails to parse) is a UTF-8 string, decoded
/// lossily; an empty body is the empty string. A UTF-8 byte-order mark is ignored.
pub fn parse_body(content_type: Option<&str>, bytes: &[u8]) -> Value {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.is_empty() {
        return Value::from("");
    }
    // Objects and arrays stay bytes until a formula reads them (see `LazyJson`).
    if let Some(lazy) = crate::value::LazyJson::value_of(text) {
        return lazy;
    }
    if let Ok(parsed) = serde_json::from_slice::<serde_json::Value>(text) {
        // workflow.md: JSON "by Content-Type or, failing that, when it parses". An undeclared
        // integer too big for 64 bits (`12345678901234567890123`, a plain-text token) stays
        // its text instead of becoming a rounded float.
        let declared_json = content_type.is_some_and(is_json_type);
        let lossless = match &parsed {
            // An integer literal too big for 64 bits comes back as a float.
            serde_json::Value::Number(n) => {
                declared_json
                    || !(n.is_f64() && !text.iter().any(|b| matches!(b, b'.' | b'e' | b'E')))
            }
            _ => true,
        };
        if lossless && let Ok(value) = serde_json::from_slice::<Value>(text) {
            return value;
        }
    }
    Value::from(String::from_utf8_lossy(text).into_owned())
}

/// True for `application/json`, `text/json` and any `…+json` type, parameters ignored.
pub fn is_json_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// Reads the whole body, failing with [`ReadError::TooLarge`] as soon as it is known to exceed
/// `cap` bytes: from `Content-Length` before reading, else while the chunks arrive.
pub async fn read_capped(mut response: reqwest::Response, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut body = CappedBody::new(response.content_length(), cap).map_err(ReadError::TooLarge)?;
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        body.push(&chunk).map_err(ReadError::TooLarge)?;
    }
    Ok(body.into_bytes())
}

/// A response body being read under a size cap, whatever the client reading it.
pub(crate) struct CappedBody {
    bytes: Vec<u8>,
    cap: u64,
}

impl CappedBody {
    /// Refuses at once a body whose declared length is over `cap`.
    pub(crate) fn new(declared: Option<u64>, cap: u64) -> Result<CappedBody, BodyTooLarge> {
        if declared.is_some_and(|length| length > cap) {
            return Err(BodyTooLarge { cap });
        }
        // Trust the declared length only up to 1 MiB when reserving, so a lie cannot allocate
        // much.
        let reserve = declared.unwrap_or(0).min(MIB);
        Ok(CappedBody {
            bytes: Vec::with_capacity(usize::try_from(reserve).unwrap_or(0)),
            cap,
        })
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), BodyTooLarge> {
        let total = u64::try_from(self.bytes.len() + chunk.len()).unwrap_or(u64::MAX);
        if total > self.cap {
            return Err(BodyTooLarge { cap: self.cap });
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A response body over the size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The cap in bytes.
    pub cap: u64,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cap >= MIB && self.cap.is_multiple_of(MIB) {
            write!(
                f,
                "response body is larger than {} MiB; refusing to read it",
                self.cap / MIB
            )
        } else {
            write!(
                f,
                "response body is larger than {} bytes; refusing to read it",
                self.cap
            )
        }
    }
}

impl std::error::Error for BodyTooLarge {}

/// Why a response body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The body exceeds the cap.
    TooLarge(BodyTooLarge),
    /// The connection failed or timed out while reading.
    Transport(reqwest::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge(err) => err.fmt(f),
            ReadError::Transport(err) => write!(f, "failed to read the response body: {err}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::TooLarge(err) => Some(err),
            ReadError::Transport(err) => Some(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use reqwest::header::{HeaderMap, HeaderName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    #[test]
    fn headers_are_lower_case_in_order_and_repeats_joined() {
        let mut headers = HeaderMap::new();
        headers.append("Content-Type", HeaderValue::from_static("application/json"));
        headers.append("Set-Cookie", HeaderValue::from_static("a=1"));
        headers.append(
            HeaderName::from_static("x-trace"),
            HeaderValue::from_static("t"),
        );
        headers.append("SET-COOKIE", HeaderValue::from_static("b=2; Path=/"));
        headers.append("x-bin", HeaderValue::from_bytes(b"ok\xffend").unwrap());
        let map = headers_to_map(&headers);
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"content-type":"application/json","set-cookie":"a=1, b=2; Path=/","x-trace":"t","x-bin":"ok�end"}"#
        );
    }

    #[test]
    fn empty_header_map_is_an_empty_map() {
        assert_eq!(
            serde_json::to_string(&headers_to_map(&HeaderMap::new())).unwrap(),
            "{}"
        );
    }

    #[test]
    fn json_content_types_parse_any_document_in_order() {
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.api+json",
            "Text/JSON",
        ] {
            assert_eq!(
                parse_body(Some(content_type), br#"{"b":1,"a":[true,null]}"#),
                json(r#"{"b":1,"a":[true,null]}"#)
            );
            assert_eq!(parse_body(Some(content_type), b"42"), Value::from(42));
        }
        let value = parse_body(Some("application/json"), br#"{"z":1,"a":2}"#);
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"z":1,"a":2}"#);
    }

    #[test]
    fn undeclared_json_is_parsed_when_it_parses_except_integers_beyond_64_bits() {
        assert_eq!(parse_body(None, b"  [1, 2]"), json("[1,2]"));
        assert_eq!(
            parse_body(Some("text/html"), br#"{"ok":true}"#),
            json(r#"{"ok":true}"#)
        );
        assert_eq!(parse_body(None, b"true"), Value::from(true));
        assert_eq!(parse_body(Some("text/plain"), b"123\n"), Value::from(123));
        assert_eq!(parse_body(Some("text/plain"), br#""s""#), Value::from("s"));
        assert_eq!(parse_body(None, b"null"), Value::from(()));
        assert_eq!(
            parse_body(Some("text/plain"), b"12345678901234567890123"),
            Value::from("12345678901234567890123"),
            "a number that would be rounded stays text"
        );
        assert_eq!(parse_body(None, b"1.50"), Value::from(1.5));
        assert_eq!(parse_body(None, b"plain words"), Value::from("plain words"));
    }

    #[test]
    fn non_json_bodies_are_lossy_strings() {
        assert_eq!(
            parse_body(Some("application/json"), b"{broken"),
            Value::from("{broken")
        );
        assert_eq!(
            parse_body(Some("text/plain"), b"caf\xc3\xa9 \xff"),
            Value::from("café \u{FFFD}")
        );
        assert_eq!(parse_body(Some("application/json"), b""), Value::from(""));
        assert_eq!(
            parse_body(None, b"\xEF\xBB\xBF{\"a\":1}"),
            json(r#"{"a":1}"#)
        );
    }

    #[test]
    fn too_large_message_names_the_cap() {
        assert_eq!(
            BodyTooLarge {
                cap: DEFAULT_BODY_CAP
            }
            .to_string(),
            "response body is larger than 64 MiB; refusing to read it"
        );
        assert_eq!(
            BodyTooLarge { cap: 100 }.to_string(),
            "response body is larger than 100 bytes; refusing to read it"
        );
    }

    /// Serves one raw HTTP response to the first request and closes the connection.
    async fn serve_once(raw: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut seen = Vec::new();
            let mut buffer = [0u8; 1024];
            while !seen.windows(4).any(|window| window == b"\r\n\r\n") {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => seen.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = socket.write_all(&raw).await;
            let _ = socket.shutdown().await;
        });
        format!("http://{address}/")
    }

    async fn fetch(raw: Vec<u8>) -> reqwest::Response {
        let url = serve_once(raw).await;
        reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("response")
    }

    fn chunked(chunks: &[&[u8]]) -> Vec<u8> {
        let mut raw =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for chunk in chunks {
            raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            raw.extend_from_slice(chunk);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        raw
    }

    #[tokio::test]
    async fn reads_a_body_within_the_cap() {
        let response = fetch(chunked(&[&[b'a'; 60], &[b'b'; 40]])).await;
        let body = read_capped(response, 100).await.unwrap();
        assert_eq!(body.len(), 100);
        assert_eq!(&body[58..62], b"aabb");
    }

    #[tokio::test]
    async fn chunked_body_over_the_cap_fails() {
        let response = fetch(chunked(&[&[b'a'; 60], &[b'b'; 41]])).await;
        let err = read_capped(response, 100).await.unwrap_err();
        assert!(
            matches!(err, ReadError::TooLarge(BodyTooLarge { cap: 100 })),
            "{err}"
        );
    }

    #[tokio::test]
    async fn declared_length_over_the_cap_fails_before_reading() {
        // The server declares 1000 bytes but sends 5 and closes: reading would be a transport
        // error, so only an up-front Content-Length check yields TooLarge.
        let raw =
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nhello".to_vec();
        let err = read_capped(fetch(raw).await, 100).await.unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(_)), "{err}");
    }

    #[tokio::test]
    async fn truncated_body_is_a_transport_error() {
        let raw =
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\nhello".to_vec();
        let err = read_capped(fetch(raw).await, 100).await.unwrap_err();
        assert!(matches!(err, ReadError::Transport(_)), "{err}");
        assert!(
            err.to_string()
                .starts_with("failed to read the response body")
        );
    }

    #[tokio::test]
    async fn body_of_exactly_the_cap_with_content_length_is_read() {
        let mut raw =
            b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\nConnection: close\r\n\r\n".to_vec();
        raw.extend_from_slice(b"{\"ok\":\"yes\"}    ");
        let body = read_capped(fetch(raw).await, 16).await.unwrap();
        assert_eq!(
            parse_body(Some("application/json"), &body),
            json(r#"{"ok":"yes"}"#)
        );
    }
}
