//! The 64 MiB response body cap and `timeout` (for the whole exchange, body included).

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

use super::raw_server::{KeepAlive, RawServer, stream_chunked};
use super::{action, outcome, run, run_one, workflow};
use crate::support::{Recorder, Reply};

const MIB: u64 = 1024 * 1024;

#[test]
fn a_streamed_body_over_64_mib_fails_without_reading_it_all() {
    // Chunked, so no Content-Length gives the size away; the server would go on to 1 GiB.
    let server = RawServer::start(|stream, stats| stream_chunked(stream, stats, 1024 * MIB, b'a'));
    // Retrying status 0 does not apply: an oversized body is not a transport error.
    let result = run_one(
        &json!({"url": server.url("/big"), "method": "get", "retry_on_status": ["0"], "max_retries": 1}),
    );
    result.assert_code(1);
    assert!(
        result
            .stderr
            .contains("response body is larger than 64 MiB"),
        "{}",
        result.stderr
    );
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "failed");
    assert!(
        res["error"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than 64 MiB"),
        "{res}"
    );
    assert!(
        server.wait_done(Duration::from_secs(20)),
        "the server stops once relay hangs up"
    );
    let written = server.stats.written.load(Ordering::SeqCst);
    assert!(
        written > 64 * MIB,
        "the cap was reached ({written} bytes written)"
    );
    assert!(
        written < 160 * MIB,
        "relay stopped reading soon after the cap ({written} bytes written)"
    );
    assert_eq!(
        server.stats.requests.load(Ordering::SeqCst),
        1,
        "a too-large body is not retried"
    );
}

#[test]
fn a_declared_content_length_over_64_mib_fails_before_reading() {
    // The body never comes: only an up-front check of Content-Length ends this quickly.
    let server = RawServer::start(|stream, _| {
        let _ = stream.write_all(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\nabc",
                64 * MIB + 1
            )
            .as_bytes(),
        );
        std::thread::sleep(Duration::from_secs(20));
    });
    let start = Instant::now();
    let result = run_one(&json!({"url": server.url("/big"), "method": "get"}));
    result.assert_code(1);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        result
            .stderr
            .contains("response body is larger than 64 MiB"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_body_under_the_cap_is_read_whole() {
    let body = "x".repeat(MIB as usize);
    let rec = Recorder::start(move |_, _| {
        Reply::status(200)
            .header("content-type", "text/plain")
            .body(body.clone())
    });
    let result = run_one(&json!({"url": rec.url("/mib"), "method": "get"}));
    result.assert_code(0);
    let (_, res) = outcome(&result, "call");
    let text = res["body"].as_str().expect("text body");
    assert_eq!(text.len(), MIB as usize);
    assert!(text.bytes().all(|b| b == b'x'));
}

#[test]
fn a_slow_response_fails_with_the_timeout() {
    let rec = Recorder::start(|_, _| {
        Reply::json(200, json!({"late": true})).delay(Duration::from_secs(15))
    });
    let start = Instant::now();
    let result = run_one(&json!({"url": rec.url("/slow"), "method": "get", "timeout": 1}));
    let took = start.elapsed();
    result.assert_code(1);
    assert!(
        took < Duration::from_secs(10),
        "gave up after the timeout, took {took:?}"
    );
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "failed");
    assert_eq!(res["status"], 0);
    assert!(
        res["error"]
            .as_str()
            .unwrap_or_default()
            .contains("timed out after 1 s"),
        "{res}"
    );
    assert!(
        result.stderr.contains("timed out after 1 s"),
        "{}",
        result.stderr
    );
}

#[test]
fn the_timeout_covers_a_body_that_trickles_in() {
    // Each byte arrives well within any read timeout; only a whole-exchange deadline stops it.
    let server = RawServer::start(|stream, _| {
        if stream
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n",
            )
            .is_err()
        {
            return;
        }
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(200));
            if stream
                .write_all(b"z")
                .and_then(|()| stream.flush())
                .is_err()
            {
                return;
            }
        }
    });
    let start = Instant::now();
    let result = run_one(&json!({"url": server.url("/trickle"), "method": "get", "timeout": 1}));
    let took = start.elapsed();
    result.assert_code(1);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        result.stderr.contains("timed out after 1 s"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_timeout_counts_as_status_zero_for_retries() {
    let rec = Recorder::start(|_, n| {
        if n == 0 {
            Reply::status(200).delay(Duration::from_secs(15))
        } else {
            Reply::json(200, json!({"second": true}))
        }
    });
    let result = run_one(
        &json!({"url": rec.url("/slow"), "method": "get", "timeout": 1, "retry_on_status": ["0"], "max_retries": 1}),
    );
    result.assert_code(0);
    assert_eq!(rec.count(), 2);
    assert_eq!(outcome(&result, "call").1["body"], json!({"second": true}));
}

#[test]
fn one_pooled_client_reuses_its_connection_across_actions_and_retries() {
    let ok = KeepAlive::start(200);
    let wf = workflow(&[
        action("first", &json!({"url": ok.url("/1"), "method": "get"})),
        action("second", &json!({"url": ok.url("/2"), "method": "get"})),
        action("third", &json!({"url": ok.url("/3"), "method": "get"})),
    ]);
    run(None, &wf, &[]).assert_code(0);
    assert_eq!(ok.requests.load(Ordering::SeqCst), 3);
    assert_eq!(
        ok.connections.load(Ordering::SeqCst),
        1,
        "three actions, one keep-alive connection"
    );

    let busy = KeepAlive::start(503);
    run_one(&json!({"url": busy.url("/r"), "method": "get", "retry_on_status": ["503"], "max_retries": 2})).assert_code(1);
    assert_eq!(busy.requests.load(Ordering::SeqCst), 3);
    assert_eq!(
        busy.connections.load(Ordering::SeqCst),
        1,
        "retries reuse the connection"
    );
}
