//! Redaction of the new paths: token responses and token endpoint errors that echo secrets,
//! at every log level and format. A hand-rolled server plays the token endpoint and the API so
//! it can misbehave on purpose.

use serde_json::json;

use super::common::*;
use crate::support::{Recorder, Reply};

const SEED: &str = "rt1-Canary/+=x9Q-seed-refresh";
const ACCESS: &str = "at-Canary-7c1e9d0b33-access";
const ROTATED: &str = "rt2-Canary-51aa0e-rotated";

fn secrets() -> Vec<String> {
    [SEED, ACCESS, ROTATED, PASSWORD]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The token endpoint answers with canary tokens; the API answers with a body that echoes the
/// bearer header, raw and in base64, and (to the first run, the one that received it) the
/// refresh token it just handed out. Later runs reuse the cached access token and never load
/// the refresh token, so it is not theirs to know (credentials.md: values resolved in a process).
fn echoing_server() -> Recorder {
    Recorder::start(|req, n| {
        if req.target.starts_with("/auth/token") {
            return Reply::json(
                200,
                json!({"access_token": ACCESS, "refresh_token": ROTATED, "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        let auth = req.header("authorization").unwrap_or("").to_owned();
        Reply::json(
            200,
            json!({"error": "forbidden", "you_sent": auth, "b64": base64(auth.as_bytes(), false, true), "token_b64url": base64(ACCESS.as_bytes(), true, false), "rotated": if n == 1 { ROTATED } else { "-" }}),
        )
    })
}

#[test]
fn token_responses_and_echoed_tokens_never_reach_the_output() {
    let server = echoing_server();
    let project = Project::new(&repo_config_for(&server.host()));
    project.set("halo_refresh_token", SEED);
    let mut results = vec![
        project.run_ticket(),
        project.relay(&["-vv", "run", "get_ticket.yaml"]),
        project.relay(&["-vv", "--log-format", "json", "run", "get_ticket.yaml"]),
        project.relay_with(&["run", "get_ticket.yaml"], None, &[("RELAY_LOG", "trace")]),
        project.relay(&["run", "get_ticket.yaml", "--output", "ndjson"]),
    ];
    for r in &results {
        r.assert_code(0);
    }
    let leaf = &results[0].json()[0]["get_ticket"]["body"];
    assert_eq!(
        leaf["you_sent"], "Bearer [REDACTED:halo]",
        "the echoed token is masked, not dropped: {leaf}"
    );
    assert_eq!(leaf["rotated"], "[REDACTED:halo_refresh_token]", "{leaf}");
    results.push(project.relay(&["credential", "test", "halo"]));
    results.push(project.relay(&["-vv", "credential", "list"]));
    // The server saw the seed (form-encoded) and then the rotated token, and the bearer.
    let requests = server.requests();
    assert!(
        requests[0]
            .body_text()
            .contains("refresh_token=rt1-Canary%2F%2B%3Dx9Q-seed-refresh"),
        "{}",
        requests[0].body_text()
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some(format!("Bearer {ACCESS}").as_str())
    );
    let refs: Vec<&_> = results.iter().collect();
    assert_outputs_clean(&refs, &secrets());
    assert_state_clean(&project, &secrets());
}

#[test]
fn a_token_endpoint_error_that_echoes_the_request_is_masked() {
    // A 500 whose text body repeats the form it got, refresh token included.
    let server = Recorder::start(|req, _| {
        Reply::status(500)
            .header("content-type", "text/plain")
            .body(format!("cannot handle {}", req.body_text()))
    });
    let project = Project::new(&repo_config_for(&server.host()));
    project.set("halo_refresh_token", SEED);
    let plain = project.run_ticket();
    let verbose = project.relay(&["-vv", "credential", "test", "halo"]);
    for r in [&plain, &verbose] {
        r.assert_code(1);
        assert!(
            r.stderr
                .contains("the token request of credential `halo` (POST "),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("returned HTTP 500: cannot handle "),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("[REDACTED:halo_refresh_token]"),
            "{}",
            r.stderr
        );
    }
    assert_outputs_clean(&[&plain, &verbose], &secrets());
}

#[test]
fn login_output_never_shows_the_password_or_the_tokens_at_any_log_level() {
    let server = Recorder::start(|req, _| {
        if req.target.starts_with("/auth/token") {
            return Reply::json(
                200,
                json!({"access_token": ACCESS, "refresh_token": ROTATED, "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        Reply::json(200, json!({"id": 7}))
    });
    let project = Project::new(&repo_config_for(&server.host()));
    let results = [
        project.relay_with(
            &["-vv", "credential", "login", "halo", "--username", USERNAME],
            Some(PASSWORD),
            &[],
        ),
        project.relay_with(
            &["credential", "login", "halo", "--username", USERNAME],
            Some(PASSWORD),
            &[("RELAY_LOG", "trace")],
        ),
        project.relay_with(
            &[
                "-vv",
                "--log-format",
                "json",
                "credential",
                "login",
                "halo",
                "--username",
                USERNAME,
            ],
            Some(PASSWORD),
            &[],
        ),
    ];
    for r in &results {
        r.assert_code(0);
    }
    let login = &server.requests()[0];
    assert!(
        login.body_text().contains(&format!("password={PASSWORD}")),
        "{}",
        login.body_text()
    );
    // The refresh token of the login is stored: a run after a rm of the cached token uses it.
    project.relay(&["credential", "rm", "halo"]).assert_code(0);
    let run = project.relay(&["-vv", "run", "get_ticket.yaml"]);
    run.assert_code(0);
    let refresh = server
        .requests()
        .iter()
        .filter(|r| r.body_text().contains("grant_type=refresh_token"))
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(refresh.len(), 1);
    assert!(
        refresh[0]
            .body_text()
            .contains(&format!("refresh_token={ROTATED}")),
        "{}",
        refresh[0].body_text()
    );
    let mut refs: Vec<&_> = results.iter().collect();
    refs.push(&run);
    assert_outputs_clean(&refs, &secrets());
    assert_state_clean(&project, &secrets());
}
