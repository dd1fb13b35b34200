//! `retry_on_status` and `max_retries`, counted on the server: fixed statuses, `Nxx` ranges,
//! `"0"` for transport errors, `Retry-After` in both forms, and no retries unless asked.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::{closed_port, outcome, run_one};
use crate::support::{Recorder, Reply};

/// A recorder answering `replies[n]` to request `n` (the last one from then on), noting when
/// each request arrived.
fn scripted(replies: Vec<Reply>) -> (Recorder, Arc<Mutex<Vec<Instant>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let rec = Recorder::start(move |_, n| {
        seen.lock().unwrap().push(Instant::now());
        replies[n.min(replies.len() - 1)].clone()
    });
    (rec, times)
}

fn gap(times: &Arc<Mutex<Vec<Instant>>>, i: usize) -> Duration {
    let t = times.lock().unwrap();
    t[i + 1] - t[i]
}

#[test]
fn a_status_in_retry_on_status_is_retried_max_retries_times_then_fails() {
    let (rec, _) = scripted(vec![Reply::json(503, json!({"busy": true}))]);
    let result = run_one(
        &json!({"url": rec.url("/r"), "method": "post", "payload": {"same": "body"},
        "retry_on_status": ["503"], "max_retries": 2}),
    );
    result.assert_code(1);
    assert_eq!(rec.count(), 3, "the first attempt and 2 retries");
    let reqs = rec.requests();
    for r in &reqs[1..] {
        assert_eq!(r.raw, reqs[0].raw, "a retry resends the same request");
    }
    let (status, res) = outcome(&result, "call");
    assert_eq!(status, "failed");
    assert_eq!(res["status"], 503);
    assert_eq!(res["body"], json!({"busy": true}));
    assert!(
        result.stderr.contains("action `call` failed") && result.stderr.contains("503"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_retry_that_succeeds_gives_the_final_response() {
    let (rec, _) = scripted(vec![
        Reply::status(500),
        Reply::status(502),
        Reply::json(200, json!({"done": 1})),
    ]);
    let result = run_one(
        &json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["5xx"], "max_retries": 5}),
    );
    result.assert_code(0);
    assert_eq!(
        rec.count(),
        3,
        "a `5xx` range retries 500 and 502, then stops at the 200"
    );
    let (status, res) = outcome(&result, "call");
    assert_eq!(status, "ok");
    assert_eq!(res["status"], 200);
    assert_eq!(res["body"], json!({"done": 1}));
}

#[test]
fn a_status_outside_the_retry_list_is_not_retried() {
    let (rec, _) = scripted(vec![Reply::status(404)]);
    let result = run_one(
        &json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["5xx", "429"], "max_retries": 3}),
    );
    result.assert_code(1);
    assert_eq!(rec.count(), 1);
}

#[test]
fn no_retries_unless_configured_and_none_with_max_retries_zero() {
    let (rec, _) = scripted(vec![Reply::status(503)]);
    run_one(&json!({"url": rec.url("/r"), "method": "get"})).assert_code(1);
    assert_eq!(rec.count(), 1, "no retry_on_status: one attempt");
    run_one(&json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["503"], "max_retries": 0})).assert_code(1);
    assert_eq!(rec.count(), 2, "max_retries: 0 → one more attempt only");
}

#[test]
fn retry_after_in_seconds_is_honoured() {
    // 2 s: longer than the first backoff can be (at most 1 s), so only the header explains it.
    let (rec, times) = scripted(vec![
        Reply::status(429).header("Retry-After", "2"),
        Reply::json(200, json!({"ok": true})),
    ]);
    let result = run_one(
        &json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["429"], "max_retries": 1}),
    );
    result.assert_code(0);
    assert_eq!(rec.count(), 2);
    assert!(
        gap(&times, 0) >= Duration::from_millis(1900),
        "waited {:?}",
        gap(&times, 0)
    );
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let (rec, times) = {
        let times = Arc::new(Mutex::new(Vec::new()));
        let seen = times.clone();
        let rec = Recorder::start(move |_, n| {
            seen.lock().unwrap().push(Instant::now());
            if n == 0 {
                // Whole seconds: the wait is between 2 and 3 s from now.
                Reply::status(503).header(
                    "Retry-After",
                    &http_date(SystemTime::now() + Duration::from_secs(3)),
                )
            } else {
                Reply::json(200, json!({"ok": true}))
            }
        });
        (rec, times)
    };
    let result = run_one(
        &json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["503"], "max_retries": 1}),
    );
    result.assert_code(0);
    assert_eq!(rec.count(), 2);
    assert!(
        gap(&times, 0) >= Duration::from_millis(1500),
        "waited {:?}",
        gap(&times, 0)
    );
}

#[test]
fn status_zero_retries_a_refused_connection_and_reports_the_attempts() {
    let port = closed_port();
    let result = run_one(
        &json!({"url": format!("http://127.0.0.1:{port}/x"), "method": "get", "retry_on_status": ["0"], "max_retries": 2}),
    );
    result.assert_code(1);
    let (status, res) = outcome(&result, "call");
    assert_eq!(status, "failed");
    assert_eq!(res["status"], 0);
    let error = res["error"].as_str().expect("error text");
    assert!(error.contains("after 3 attempts"), "{error}");
    assert!(error.to_lowercase().contains("connect"), "{error}");
    assert!(
        result.stderr.contains("after 3 attempts"),
        "{}",
        result.stderr
    );
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        months[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[test]
fn http_date_formats_a_known_instant() {
    assert_eq!(
        http_date(UNIX_EPOCH + Duration::from_secs(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
}

#[test]
fn invalid_retry_options_are_rejected_before_running() {
    let rec = Recorder::ok();
    for (options, needle) in [
        (
            json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["503"], "max_retries": 26}),
            "max_retries",
        ),
        (
            json!({"url": rec.url("/r"), "method": "get", "retry_on_status": ["50x"]}),
            "50x",
        ),
    ] {
        let result = run_one(&options);
        result.assert_code(65);
        assert!(result.stderr.contains(needle), "{}", result.stderr);
    }
    assert_eq!(rec.count(), 0);
}
