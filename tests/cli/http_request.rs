//! The `http_request` action through the real binary (workflow.md, `http_request`): the bytes a
//! server receives for each content type and for query encoding, retries counted on the server,
//! `log_error_on_status`, the result shape, the body cap, `timeout` and the redirect policy.
//!
//! `disable_ssl_verification` is not tested here: every server is plain HTTP on 127.0.0.1 and
//! the suite has no TLS server to present a bad certificate.

mod encoding;
mod limits;
mod raw_server;
mod redirects;
mod results;
mod retries;

use serde_json::Value;

use crate::support::{RawRequest, Relay, RunResult};

/// `relay/<version>`, the default `user-agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("relay/", env!("CARGO_PKG_VERSION"));

/// One action as YAML: `options` is JSON, which is also a valid YAML flow mapping.
pub fn action(name: &str, options: &Value) -> String {
    format!("  - name: {name}\n    type: http_request\n    options: {options}\n")
}

/// A workflow of these actions, chained in file order.
pub fn workflow(actions: &[String]) -> String {
    format!("name: http request test\nactions:\n{}", actions.concat())
}

/// Runs `workflow` (and `relay.yaml` when given) with `--output ndjson`.
pub fn run(config: Option<&str>, workflow: &str, env: &[(&str, &str)]) -> RunResult {
    let mut relay = Relay::new().file("wf.yaml", workflow);
    if let Some(config) = config {
        relay = relay.file("relay.yaml", config);
    }
    for (k, v) in env {
        relay = relay.env(k, v);
    }
    relay.args(["run", "wf.yaml", "--output", "ndjson"]).run()
}

/// Runs a workflow of one action `call` with these options and no `relay.yaml`.
pub fn run_one(options: &Value) -> RunResult {
    run(None, &workflow(&[action("call", options)]), &[])
}

/// The ndjson lines of stdout.
pub fn events(result: &RunResult) -> Vec<Value> {
    result
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| {
                panic!(
                    "ndjson line is not JSON ({e}): {l}\nstderr:\n{}",
                    result.stderr
                )
            })
        })
        .collect()
}

/// `(status, result)` of the one event action `slug` emitted ("ok" or "failed"; the result is
/// `event[slug]`).
#[track_caller]
pub fn outcome(result: &RunResult, slug: &str) -> (String, Value) {
    let all = events(result);
    let mine: Vec<&Value> = all.iter().filter(|e| e["action"] == slug).collect();
    assert_eq!(
        mine.len(),
        1,
        "one event from `{slug}`\nstdout:\n{}\nstderr:\n{}",
        result.stdout,
        result.stderr
    );
    (
        mine[0]["status"].as_str().unwrap_or_default().to_owned(),
        mine[0]["event"][slug].clone(),
    )
}

/// A `relay.yaml` with one text credential read from an environment variable.
pub fn env_credential_config(name: &str, var: &str, allowed_hosts: &[String]) -> String {
    let hosts: Vec<String> = allowed_hosts.iter().map(|h| format!("\"{h}\"")).collect();
    format!(
        "credentials:\n  {name}:\n    type: text\n    env: {var}\n    allowed_hosts: [{}]\n",
        hosts.join(", ")
    )
}

/// The request line and the header lines (lower-case names, as sent), sorted, of a recorded
/// request: the exact head minus the order of header lines.
pub fn head(request: &RawRequest) -> (String, Vec<String>) {
    let end = request
        .raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let text = String::from_utf8(request.raw[..end].to_vec()).expect("head is UTF-8");
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> = lines.map(str::to_owned).collect();
    headers.sort();
    (request_line, headers)
}

/// Asserts the exact head (request line, then the set of header lines) and body of a request.
#[track_caller]
pub fn assert_request(request: &RawRequest, request_line: &str, headers: &[String], body: &[u8]) {
    let (line, mut seen) = head(request);
    let mut expected: Vec<String> = headers.to_vec();
    expected.sort();
    seen.sort();
    assert_eq!(
        line,
        request_line,
        "request line\nraw:\n{}",
        String::from_utf8_lossy(&request.raw)
    );
    assert_eq!(
        seen,
        expected,
        "header lines\nraw:\n{}",
        String::from_utf8_lossy(&request.raw)
    );
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        String::from_utf8_lossy(body),
        "body"
    );
    assert_eq!(request.body, body, "body bytes");
}

/// Decodes `application/x-www-form-urlencoded` text into pairs.
pub fn form_decode(text: &str) -> Vec<(String, String)> {
    fn decode(part: &str) -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).expect("decoded form is UTF-8")
    }
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A port on 127.0.0.1 with no listener (bound once, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
