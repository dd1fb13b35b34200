//! `log_error_on_status` (default, `[]`, custom), status 0 for no response, the result shape
//! `{status, headers, body}` and `customize_output`.

use serde_json::json;

use super::{closed_port, outcome, run_one};
use crate::support::{Recorder, Reply};

#[test]
fn by_default_4xx_and_5xx_fail_the_run_naming_action_and_status() {
    for status in [404u16, 500] {
        let rec = Recorder::start(move |_, _| Reply::json(status, json!({"why": "nope"})));
        let result = run_one(&json!({"url": rec.url("/x?secret=q"), "method": "get"}));
        result.assert_code(1);
        assert!(
            result.stderr.contains("action `call` failed"),
            "{}",
            result.stderr
        );
        assert!(
            result
                .stderr
                .contains(&format!("GET {} returned HTTP {status}", rec.url("/x"))),
            "{}",
            result.stderr
        );
        let (s, res) = outcome(&result, "call");
        assert_eq!(s, "failed");
        assert_eq!(res["status"], status);
        assert_eq!(
            res["body"],
            json!({"why": "nope"}),
            "the failure event carries the response"
        );
    }
}

#[test]
fn a_3xx_and_2xx_do_not_fail_by_default() {
    let rec = Recorder::start(|_, n| {
        if n == 0 {
            Reply::status(304)
        } else {
            Reply::status(204)
        }
    });
    for expected in [304, 204] {
        let result = run_one(&json!({"url": rec.url("/x"), "method": "get"}));
        result.assert_code(0);
        assert_eq!(outcome(&result, "call").1["status"], expected);
    }
}

#[test]
fn an_empty_log_error_on_status_never_fails_on_status() {
    let rec = Recorder::start(|_, _| Reply::status(500).body("boom"));
    let result =
        run_one(&json!({"url": rec.url("/x"), "method": "get", "log_error_on_status": []}));
    result.assert_code(0);
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "ok");
    assert_eq!(res["status"], 500);
    assert_eq!(res["body"], "boom");
    assert!(result.stderr.contains("succeeded"), "{}", result.stderr);
}

#[test]
fn a_custom_log_error_on_status_replaces_the_default() {
    let rec = Recorder::start(|r, _| {
        if r.target == "/teapot" {
            Reply::status(418)
        } else {
            Reply::status(500)
        }
    });
    let options = |path: &str| json!({"url": rec.url(path), "method": "get", "log_error_on_status": ["418", "3xx"]});
    let result = run_one(&options("/teapot"));
    result.assert_code(1);
    assert!(
        result.stderr.contains("returned HTTP 418"),
        "{}",
        result.stderr
    );
    let result = run_one(&options("/server"));
    result.assert_code(0);
    assert_eq!(outcome(&result, "call").1["status"], 500);
}

#[test]
fn a_refused_connection_is_status_zero_with_its_error_text() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/x");
    let result = run_one(&json!({"url": url, "method": "get"}));
    result.assert_code(1);
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "failed");
    assert_eq!(res["status"], 0);
    assert_eq!(res["headers"], json!({}));
    let error = res["error"].as_str().expect("error text in the result");
    assert!(
        error.starts_with(&format!("GET {url}: could not connect")),
        "{error}"
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(!error.contains("attempts"), "no retries were made: {error}");
    assert!(
        result.stderr.contains("could not connect"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_refused_connection_with_status_zero_not_logged_is_a_status_zero_result() {
    let port = closed_port();
    let result = run_one(
        &json!({"url": format!("http://127.0.0.1:{port}/x"), "method": "get", "log_error_on_status": ["4xx", "5xx"]}),
    );
    result.assert_code(0);
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "ok");
    assert_eq!(res["status"], 0);
    assert_eq!(res["headers"], json!({}));
}

#[test]
fn headers_are_lower_case_and_repeats_are_joined() {
    let rec = Recorder::start(|_, _| {
        Reply::json(200, json!({"a": [1, {"b": null}]}))
            .header("X-Multi", "one")
            .header("X-Upper-Case", "Value Kept")
            .header("x-multi", "two")
            .header("Set-Cookie", "a=1; Path=/")
            .header("SET-COOKIE", "b=2")
    });
    let result = run_one(&json!({"url": rec.url("/x"), "method": "get"}));
    result.assert_code(0);
    let (_, res) = outcome(&result, "call");
    assert_eq!(res["status"], 200);
    assert_eq!(res["body"], json!({"a": [1, {"b": null}]}));
    let headers = res["headers"].as_object().expect("headers map");
    assert!(
        headers.keys().all(|k| k == &k.to_lowercase()),
        "{headers:?}"
    );
    assert_eq!(headers["x-multi"], "one, two");
    assert_eq!(headers["x-upper-case"], "Value Kept");
    assert_eq!(headers["set-cookie"], "a=1; Path=/, b=2");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["content-length"],
        res["body"].to_string().len().to_string().as_str()
    );
}

#[test]
fn bodies_are_parsed_as_json_by_content_type_or_when_they_parse_else_kept_as_text() {
    let rec = Recorder::start(|r, _| match r.target.as_str() {
        "/declared" => Reply::status(200)
            .header("content-type", "application/vnd.api+json; charset=utf-8")
            .body("[1, \"two\"]"),
        "/scalar" => Reply::status(200)
            .header("content-type", "application/json")
            .body("42"),
        "/sniffed" => Reply::status(200)
            .header("content-type", "text/plain")
            .body("{\"sniffed\": true}"),
        "/untyped" => Reply::status(200).body("[\"no type\"]"),
        "/text" => Reply::status(200)
            .header("content-type", "text/plain")
            .body("12345678901234567890"),
        "/huge" => Reply::status(200)
            .header("content-type", "text/plain")
            .body("123456789012345678901234"),
        "/word" => Reply::status(200)
            .header("content-type", "text/plain")
            .body("true"),
        "/broken" => Reply::status(200)
            .header("content-type", "application/json")
            .body("{broken"),
        _ => Reply::status(200)
            .header("content-type", "text/html")
            .body("<p>hi</p>"),
    });
    let cases = [
        ("/declared", json!([1, "two"])),
        ("/scalar", json!(42)),
        ("/sniffed", json!({"sniffed": true})),
        ("/untyped", json!(["no type"])),
        // Undeclared JSON is parsed "when it parses" (workflow.md), scalars included, except
        // an integer beyond 64 bits, which would be rounded.
        ("/text", json!(12345678901234567890u64)),
        ("/huge", json!("123456789012345678901234")),
        ("/word", json!(true)),
        ("/broken", json!("{broken")),
        ("/html", json!("<p>hi</p>")),
    ];
    let actions: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (path, _))| {
            super::action(
                &format!("c{i}"),
                &json!({"url": rec.url(path), "method": "get"}),
            )
        })
        .collect();
    let result = super::run(None, &super::workflow(&actions), &[]);
    result.assert_code(0);
    for (i, (path, body)) in cases.iter().enumerate() {
        assert_eq!(
            outcome(&result, &format!("c{i}")).1["body"],
            *body,
            "{path}"
        );
    }
}

#[test]
fn customize_output_replaces_the_result_with_response_in_scope() {
    let rec = Recorder::start(|_, _| {
        Reply::json(201, json!({"id": 7, "items": [1, 2, 3]})).header("X-Trace", "abc")
    });
    let result = run_one(
        &json!({"url": rec.url("/x"), "method": "post", "payload": {"a": 1},
        "customize_output": {"id": "<<response.body.id>>", "code": "<<response.status>>", "trace": "<<response.headers['x-trace']>>",
            "n": "=SIZE(response.body.items)", "text": "id <<response.body.id>>"}}),
    );
    result.assert_code(0);
    let (s, res) = outcome(&result, "call");
    assert_eq!(s, "ok");
    assert_eq!(
        res,
        json!({"id": 7, "code": 201, "trace": "abc", "n": 3, "text": "id 7"})
    );
}

#[test]
fn customize_output_does_not_hide_a_failing_status() {
    let rec = Recorder::start(|_, _| Reply::json(500, json!({"e": 1})));
    let result = run_one(
        &json!({"url": rec.url("/x"), "method": "get", "customize_output": "<<response.body.e>>"}),
    );
    result.assert_code(1);
    assert_eq!(outcome(&result, "call").0, "failed");
    assert!(
        result.stderr.contains("returned HTTP 500"),
        "{}",
        result.stderr
    );
}
