//! The redirect policy: same-origin hops followed (at most 10), 303 → GET, 307 keeps method and
//! body, `disable_redirect_follow`, cross-origin hops checked against every credential's
//! allowed hosts before a byte is sent, authorization dropped when no credential vouches, and
//! never a `Referer`.

use serde_json::json;

use super::{action, env_credential_config, outcome, run, run_one, workflow};
use crate::support::{RawRequest, Recorder, Reply};

fn redirect(status: u16, location: &str) -> Reply {
    Reply::status(status).header("location", location)
}

#[track_caller]
fn assert_no_referer(reqs: &[RawRequest]) {
    for r in reqs {
        assert!(
            r.header("referer").is_none(),
            "no referer ever:\n{}",
            String::from_utf8_lossy(&r.raw)
        );
    }
}

#[test]
fn same_origin_redirects_are_followed_hop_by_hop() {
    let rec = Recorder::start(|r, _| match r.target.as_str() {
        "/start" => redirect(301, "/r/2"),
        "/r/2" => redirect(302, "r/1?q=1"),
        "/r/r/1?q=1" => redirect(308, "/final"),
        "/final" => Reply::json(200, json!({"arrived": true})),
        _ => Reply::status(404),
    });
    let result = run_one(&json!({"url": rec.url("/start"), "method": "get"}));
    result.assert_code(0);
    let targets: Vec<String> = rec.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/start", "/r/2", "/r/r/1?q=1", "/final"]);
    let (_, res) = outcome(&result, "call");
    assert_eq!(res["status"], 200);
    assert_eq!(res["body"], json!({"arrived": true}));
    assert_no_referer(&rec.requests());
}

#[test]
fn a_303_turns_a_post_into_a_get_without_body() {
    let rec = Recorder::start(|r, _| {
        if r.target == "/form" {
            redirect(303, "/result")
        } else {
            Reply::json(200, json!({"ok": 1}))
        }
    });
    let result = run_one(
        &json!({"url": rec.url("/form"), "method": "post", "payload": {"a": 1}, "headers": {"X-Keep": "yes"}}),
    );
    result.assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].body_text().as_str()),
        ("POST", r#"{"a":1}"#)
    );
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(reqs[1].target, "/result");
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[1].header("content-type"), None);
    assert_eq!(reqs[1].header("content-length"), None);
    assert_eq!(reqs[1].header("x-keep"), Some("yes"));
    assert_no_referer(&reqs);
}

#[test]
fn a_307_and_a_308_keep_method_and_body() {
    let rec = Recorder::start(|r, _| match r.target.as_str() {
        "/a" => redirect(307, "/b"),
        "/b" => redirect(308, "/c"),
        _ => Reply::json(200, json!({"ok": 1})),
    });
    let result = run_one(
        &json!({"url": rec.url("/a"), "method": "put", "content_type": "form", "payload": {"x": "1 2"}}),
    );
    result.assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.body_text(), "x=1+2");
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    assert_no_referer(&reqs);
}

#[test]
fn disable_redirect_follow_returns_the_redirect() {
    let rec = Recorder::start(|_, _| redirect(302, "/elsewhere").body("moved"));
    let result =
        run_one(&json!({"url": rec.url("/a"), "method": "get", "disable_redirect_follow": true}));
    result.assert_code(0);
    assert_eq!(rec.count(), 1);
    let (_, res) = outcome(&result, "call");
    assert_eq!(res["status"], 302);
    assert_eq!(res["headers"]["location"], "/elsewhere");
    assert_eq!(res["body"], "moved");
}

#[test]
fn ten_redirects_are_followed_and_an_eleventh_fails() {
    // /n/K redirects to /n/K-1; /n/0 answers.
    let rec = Recorder::start(|r, _| {
        let k: u32 = r.target.trim_start_matches("/n/").parse().unwrap_or(0);
        if k == 0 {
            Reply::json(200, json!({"ok": 1}))
        } else {
            redirect(302, &format!("/n/{}", k - 1))
        }
    });
    run_one(&json!({"url": rec.url("/n/10"), "method": "get"})).assert_code(0);
    assert_eq!(rec.count(), 11, "10 redirects followed");
    let result = run_one(&json!({"url": rec.url("/n/11"), "method": "get"}));
    result.assert_code(1);
    assert_eq!(rec.count(), 22, "the 11th redirect is not followed");
    assert!(
        result.stderr.contains("more than 10 redirects"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_cross_origin_redirect_with_a_credential_not_allowed_there_is_refused_before_sending() {
    let other = Recorder::ok();
    let target = other.url("/steal");
    let rec = Recorder::start(move |_, _| redirect(302, &target));
    let config = env_credential_config("tok", "TOK", &[rec.host()]);
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/a"), "method": "get", "headers": {"Authorization": "Bearer <<CREDENTIAL.tok>>"}}),
    )]);
    let result = run(Some(&config), &wf, &[("TOK", "secret-value-123")]);
    result.assert_code(1);
    assert_eq!(rec.count(), 1);
    assert_eq!(other.count(), 0, "not a byte reaches the other origin");
    assert!(
        result.stderr.contains("credential `tok`"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains(&other.host()),
        "names the refused host: {}",
        result.stderr
    );
    assert!(
        result.stderr.contains(&format!("[{}]", rec.host())),
        "names the patterns: {}",
        result.stderr
    );
    assert!(!result.all_output().contains("secret-value-123"));
}

#[test]
fn a_redirect_with_a_basic_auth_credential_is_refused_too() {
    let other = Recorder::ok();
    let target = other.url("/x");
    let rec = Recorder::start(move |_, _| redirect(307, &target));
    let config = env_credential_config("pass", "PASS", &[rec.host()]);
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/a"), "method": "post", "basic_auth": ["me", "<<CREDENTIAL.pass>>"], "payload": {"a": 1}}),
    )]);
    let result = run(Some(&config), &wf, &[("PASS", "hunter2-long")]);
    result.assert_code(1);
    assert_eq!(other.count(), 0);
    assert!(
        result.stderr.contains("credential `pass`") && result.stderr.contains(&other.host()),
        "{}",
        result.stderr
    );
}

#[test]
fn a_cross_origin_redirect_is_followed_when_the_credential_is_allowed_on_both() {
    let other = Recorder::ok();
    let target = other.url("/there?x=1");
    let rec = Recorder::start(move |_, _| redirect(302, &target));
    let config = env_credential_config("tok", "TOK", &[rec.host(), other.host()]);
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/a"), "method": "get", "headers": {"Authorization": "Bearer <<CREDENTIAL.tok>>"}}),
    )]);
    let result = run(Some(&config), &wf, &[("TOK", "secret-value-123")]);
    result.assert_code(0);
    assert_eq!(other.count(), 1);
    let req = &other.requests()[0];
    assert_eq!(req.target, "/there?x=1");
    assert_eq!(req.header("authorization"), Some("Bearer secret-value-123"));
    assert_eq!(req.header("host"), Some(other.host().as_str()));
    assert_no_referer(&other.requests());
}

#[test]
fn a_same_origin_redirect_outside_the_credentials_path_pattern_is_refused() {
    // credentials.md: the allowed-hosts check runs "again on every redirect", not only when the
    // origin changes.
    let rec = Recorder::start(|r, _| {
        if r.target.starts_with("/api/") {
            redirect(302, "/private/x")
        } else {
            Reply::json(200, json!({}))
        }
    });
    let config = env_credential_config("tok", "TOK", &[format!("{}/api/*", rec.host())]);
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/api/start"), "method": "get", "headers": {"Authorization": "Bearer <<CREDENTIAL.tok>>"}}),
    )]);
    let result = run(Some(&config), &wf, &[("TOK", "secret-value-123")]);
    result.assert_code(1);
    assert_eq!(rec.count(), 1, "the hop to /private/x is not made");
    assert!(
        result.stderr.contains("credential `tok`"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_cross_origin_redirect_without_credentials_drops_authorization_and_cookies() {
    let other = Recorder::ok();
    let target = other.url("/there");
    let rec = Recorder::start(move |_, _| redirect(302, &target));
    let result = run_one(&json!({"url": rec.url("/a"), "method": "get",
        "headers": {"Authorization": "Bearer literal", "Cookie": "sid=1", "X-Other": "kept"}}));
    result.assert_code(0);
    assert_eq!(
        rec.requests()[0].header("authorization"),
        Some("Bearer literal")
    );
    assert_eq!(other.count(), 1);
    let req = &other.requests()[0];
    assert_eq!(req.header("authorization"), None);
    assert_eq!(req.header("cookie"), None);
    assert_eq!(req.header("x-other"), Some("kept"));
    assert_no_referer(&other.requests());
}

#[test]
fn a_same_origin_redirect_keeps_authorization() {
    let rec = Recorder::start(|r, _| {
        if r.target == "/a" {
            redirect(302, "/b")
        } else {
            Reply::json(200, json!({}))
        }
    });
    run_one(&json!({"url": rec.url("/a"), "method": "get", "basic_auth": "u:p"})).assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("authorization"), Some("Basic dTpw"));
}
