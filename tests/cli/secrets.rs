//! Redaction (credentials.md): a canary secret, sent in a header, basic auth and the URL, comes
//! back from a server that echoes requests and leaks derived forms; none of its spellings may
//! reach stdout or stderr, whatever the output format, log level or error path.

use serde_json::json;

use crate::support::encoding::{base64, url_encode};
use crate::support::runs::{echo_of, env_credential_config, project};
use crate::support::{Recorder, Reply, RunResult};

const CANARY: &str = "canary-S3cr3t-Value_42!";
/// A second secret whose base64url differs from its base64 (`+` → `-`).
const CANARY2: &str = "s3cr3t?>~blob-77";
/// A third secret with characters JSON escapes (`"` and `\\`).
const CANARY3: &str = r#"q"uote\back-slash9"#;
/// How CANARY3 is spelled inside a JSON string.
const CANARY3_JSON: &str = r#"q\"uote\\back-slash9"#;
const BASIC_USER: &str = "svc-user";

/// Every spelling of the secrets that must never be printed.
fn forbidden() -> Vec<(String, String)> {
    let basic = format!("{BASIC_USER}:{CANARY}");
    let mut forms = Vec::new();
    for (label, secret) in [("canary", CANARY), ("canary2", CANARY2)] {
        forms.push((format!("{label} raw"), secret.to_owned()));
        forms.push((
            format!("{label} base64"),
            base64(secret.as_bytes(), false, false),
        ));
        forms.push((
            format!("{label} base64url"),
            base64(secret.as_bytes(), true, false),
        ));
        forms.push((format!("{label} url-encoded"), url_encode(secret)));
    }
    forms.push(("canary3 raw".into(), CANARY3.to_owned()));
    forms.push(("canary3 json-escaped".into(), CANARY3_JSON.to_owned()));
    forms.push((
        "basic auth".into(),
        format!("Basic {}", base64(basic.as_bytes(), false, true)),
    ));
    forms.push((
        "basic auth base64".into(),
        base64(basic.as_bytes(), false, false),
    ));
    forms
}

#[test]
fn the_forms_are_what_the_spec_names() {
    assert_eq!(
        serde_json::to_string(CANARY3).unwrap(),
        format!("\"{CANARY3_JSON}\"")
    );
    assert_eq!(
        base64(CANARY.as_bytes(), false, true),
        "Y2FuYXJ5LVMzY3IzdC1WYWx1ZV80MiE="
    );
    assert_eq!(
        base64(CANARY2.as_bytes(), false, true),
        "czNjcjN0Pz5+YmxvYi03Nw=="
    );
    assert_eq!(
        base64(CANARY2.as_bytes(), true, false),
        "czNjcjN0Pz5-YmxvYi03Nw"
    );
    assert_eq!(url_encode(CANARY), "canary-S3cr3t-Value_42%21");
}

#[track_caller]
fn assert_no_secret(what: &str, r: &RunResult) {
    for (label, form) in forbidden() {
        assert!(
            !r.stdout.contains(&form),
            "{what}: {label} `{form}` on stdout:\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(&form),
            "{what}: {label} `{form}` on stderr:\n{}",
            r.stderr
        );
    }
}

/// Echoes each request and leaks every derived form of both secrets; `/fail…` answers 500,
/// and with `flaky` every even-numbered request answers 503 (to make relay log a retry).
fn leaky_server(flaky: bool) -> Recorder {
    Recorder::start(move |req, n| {
        let basic = format!("{BASIC_USER}:{CANARY}");
        let body = json!({
            "echo": echo_of(req),
            "leak": {
                "b64": base64(CANARY.as_bytes(), false, true),
                "b64url": base64(CANARY.as_bytes(), true, false),
                "url": url_encode(CANARY),
                "basic": format!("Basic {}", base64(basic.as_bytes(), false, true)),
                "b64_2": base64(CANARY2.as_bytes(), false, true),
                "b64url_2": base64(CANARY2.as_bytes(), true, true),
                "url_2": url_encode(CANARY2),
            }
        });
        let status = if req.target.starts_with("/fail") {
            500
        } else if flaky && n % 2 == 0 {
            503
        } else {
            200
        };
        Reply::json(status, body)
            .header("x-leak", CANARY)
            .header("retry-after", "0")
    })
}

fn config(rec: &Recorder) -> String {
    let hosts = [rec.host()];
    format!(
        "{}{}{}",
        env_credential_config("canary", "CANARY_SECRET", &hosts),
        env_credential_config("canary2", "CANARY_SECRET_TWO", &hosts).replace("credentials:\n", ""),
        env_credential_config("canary3", "CANARY_SECRET_THREE", &hosts)
            .replace("credentials:\n", "")
    )
}

fn fetch_action(rec: &Recorder, extra: &str) -> String {
    format!(
        r#"  - name: Fetch
    type: http_request
    options:
      url: {url}/echo?key=<<CREDENTIAL.canary>>
      method: get
      headers:
        X-Api-Key: <<CREDENTIAL.canary>>
        X-Other: <<CREDENTIAL.canary2>>
        X-Third: <<CREDENTIAL.canary3>>
      basic_auth: [{BASIC_USER}, "<<CREDENTIAL.canary>>"]
{extra}"#,
        url = rec.url("")
    )
}

/// Fetch, then compute derived forms of the echoed secrets in formulas.
fn echo_workflow(rec: &Recorder) -> String {
    format!(
        r#"name: Canary
actions:
{fetch}  - name: Derive
    type: event_transform
    options:
      mode: message_only
      payload:
        raw: <<fetch.body.echo.headers["x-api-key"]>>
        b64: =BASE64_ENCODE(fetch.body.echo.headers["x-api-key"])
        b64url: =BASE64URL_ENCODE(fetch.body.echo.headers["x-other"])
        url: =URL_ENCODE(fetch.body.echo.headers["x-api-key"])
        in_text: "key is <<fetch.body.echo.headers['x-api-key']>>!"
        basic: <<fetch.body.echo.headers.authorization>>
"#,
        fetch = fetch_action(rec, "")
    )
}

fn run(rec: &Recorder, workflow: &str, args: &[&str], env: &[(&str, &str)]) -> RunResult {
    let mut relay = project(&config(rec), workflow)
        .env("CANARY_SECRET", CANARY)
        .env("CANARY_SECRET_TWO", CANARY2)
        .env("CANARY_SECRET_THREE", CANARY3);
    for (k, v) in env {
        relay = relay.env(k, v);
    }
    let mut all = vec!["run", "wf.yaml"];
    all.extend_from_slice(args);
    relay.args(all).run()
}

#[test]
fn the_canary_is_sent_but_never_printed_in_any_output_format() {
    let rec = leaky_server(false);
    let wf = echo_workflow(&rec);
    for format in ["json", "ndjson", "pretty"] {
        let r = run(&rec, &wf, &["--output", format], &[]);
        r.assert_code(0);
        assert_no_secret(format, &r);
        assert!(
            r.stdout.contains("[REDACTED:canary]"),
            "{format}: the echoed secret is masked, not missing:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("[REDACTED:canary2]"),
            "{format}:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("[REDACTED:canary3]"),
            "{format}:\n{}",
            r.stdout
        );
    }
    // The server really got the secrets: the test would notice a relay that sent nothing.
    let q = &rec.requests()[0];
    assert_eq!(q.header("x-api-key"), Some(CANARY));
    assert_eq!(q.header("x-other"), Some(CANARY2));
    assert_eq!(q.header("x-third"), Some(CANARY3));
    assert_eq!(
        q.header("authorization"),
        Some(
            format!(
                "Basic {}",
                base64(format!("{BASIC_USER}:{CANARY}").as_bytes(), false, true)
            )
            .as_str()
        )
    );
    assert_eq!(q.target, format!("/echo?key={CANARY}"));
}

#[test]
fn the_canary_never_appears_in_debug_logs() {
    let rec = leaky_server(true);
    let wf = echo_workflow(&rec).replace(
        "      basic_auth:",
        "      retry_on_status: [\"503\"]\n      max_retries: 2\n      basic_auth:",
    );
    let cases: Vec<(&str, Vec<&str>, Vec<(&str, &str)>)> = vec![
        ("-vv", vec!["-vv"], vec![]),
        (
            "-vv --log-format json",
            vec!["-vv", "--log-format", "json"],
            vec![],
        ),
        ("RELAY_LOG=trace", vec![], vec![("RELAY_LOG", "trace")]),
    ];
    for (what, flags, env) in cases {
        let before = rec.count();
        // Global flags may come after the subcommand (clap `global = true`).
        let mut argv = vec!["run", "wf.yaml", "--output", "json"];
        argv.extend(flags);
        let mut relay = project(&config(&rec), &wf)
            .env("CANARY_SECRET", CANARY)
            .env("CANARY_SECRET_TWO", CANARY2)
            .env("CANARY_SECRET_THREE", CANARY3);
        for (k, v) in &env {
            relay = relay.env(k, v);
        }
        let r = relay.args(argv).run();
        r.assert_code(0);
        assert_eq!(rec.count() - before, 2, "{what}: one 503, one retry");
        assert!(
            r.stderr.contains("retrying"),
            "{what}: the retry is logged:\n{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("http: response"),
            "{what}: each response is logged at debug level:\n{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("[REDACTED:canary]"),
            "{what}: the logged URL carries the masked key:\n{}",
            r.stderr
        );
        assert_no_secret(what, &r);
    }
}

#[test]
fn the_canary_never_appears_in_failure_reports() {
    let rec = leaky_server(false);
    let wf = format!(
        r#"name: Canary failure
actions:
{fetch}  - name: Post back
    type: http_request
    options:
      url: {url}/fail/<<CREDENTIAL.canary>>
      method: post
      headers: {{X-Api-Key: "<<CREDENTIAL.canary>>"}}
      payload: <<fetch.body>>
"#,
        fetch = fetch_action(&rec, ""),
        url = rec.url("")
    );
    for format in ["json", "ndjson"] {
        let r = run(&rec, &wf, &["--output", format], &[]);
        r.assert_code(1);
        let failure = r
            .stderr
            .lines()
            .find(|l| l.contains("action `post_back` failed"))
            .unwrap_or_else(|| panic!("{}", r.stderr));
        assert!(
            failure.contains("[REDACTED:canary]"),
            "the failed URL is shown masked: {failure}"
        );
        assert!(
            r.stderr
                .lines()
                .any(|l| l.trim_start().starts_with("event:") && l.contains("[REDACTED:canary]")),
            "the event is shown masked:\n{}",
            r.stderr
        );
        assert_no_secret(&format!("failure, {format}"), &r);
    }
    let posted = rec
        .requests()
        .into_iter()
        .find(|q| q.target.starts_with("/fail"))
        .expect("post back was sent");
    assert!(
        posted.body_text().contains(CANARY),
        "the echoed secret was really in the body"
    );
}

#[test]
fn dry_run_shows_placeholders_and_never_the_canary() {
    let rec = leaky_server(false);
    let wf = echo_workflow(&rec).replace(
        &format!("      basic_auth: [{BASIC_USER}, \"<<CREDENTIAL.canary>>\"]\n"),
        "",
    );
    assert!(!wf.contains("basic_auth"));
    for format in ["json", "pretty"] {
        let r = run(&rec, &wf, &["--dry-run", "-vv", "--output", format], &[]);
        r.assert_code(0);
        assert!(
            r.stdout
                .contains(&format!("{}/echo?key=<<CREDENTIAL.canary>>", rec.url(""))),
            "{format}:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("<<CREDENTIAL.canary2>>"),
            "{format}:\n{}",
            r.stdout
        );
        assert!(
            !r.stdout.contains("REDACTED"),
            "placeholders are not secrets:\n{}",
            r.stdout
        );
        assert_no_secret(&format!("dry run, {format}"), &r);
    }
    assert_eq!(rec.count(), 0);
}

#[test]
fn dry_run_with_basic_auth_still_shows_placeholders() {
    let rec = leaky_server(false);
    let wf = echo_workflow(&rec);
    let r = run(&rec, &wf, &["--dry-run", "--output", "json"], &[]);
    r.assert_code(0);
    assert!(
        r.stdout
            .contains(&format!("{}/echo?key=<<CREDENTIAL.canary>>", rec.url(""))),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("<<CREDENTIAL.canary>>"),
        "the X-Api-Key header shows the placeholder:\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "Basic {BASIC_USER}:<<CREDENTIAL.canary>> (base64-encoded when sent)"
        )),
        "the Authorization header shows the basic_auth pair readably, placeholder included:\n{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("REDACTED"),
        "placeholders are not secrets:\n{}",
        r.stdout
    );
    assert_no_secret("dry run with basic auth", &r);
    assert_eq!(rec.count(), 0);
}

#[test]
fn values_shorter_than_six_characters_are_not_redacted() {
    let rec = Recorder::start(|req, _| Reply::json(200, echo_of(req)));
    let hosts = [rec.host()];
    let config = format!(
        "{}{}",
        env_credential_config("five", "SHORT_SECRET_FIVE", &hosts),
        env_credential_config("six", "SHORT_SECRET_SIX", &hosts).replace("credentials:\n", "")
    );
    let wf = format!(
        "name: Short\nactions:\n  - name: Fetch\n    type: http_request\n    options:\n      url: {}/x\n      method: get\n      headers: {{X-Five: \"<<CREDENTIAL.five>>\", X-Six: \"<<CREDENTIAL.six>>\"}}\n",
        rec.url("")
    );
    let r = project(&config, &wf)
        .env("SHORT_SECRET_FIVE", "qz5x7")
        .env("SHORT_SECRET_SIX", "mk93pw")
        .args(["run", "wf.yaml"])
        .run();
    r.assert_code(0);
    let out = r.json();
    assert_eq!(
        out[0]["fetch"]["body"]["headers"]["x-five"], "qz5x7",
        "5 characters: not registered, printed as is"
    );
    assert_eq!(
        out[0]["fetch"]["body"]["headers"]["x-six"], "[REDACTED:six]",
        "6 characters: masked"
    );
    assert!(!r.all_output().contains("mk93pw"));
}

#[test]
fn a_secret_cut_by_the_shortened_event_of_a_failure_report_does_not_leak_its_prefix() {
    let rec = leaky_server(false);
    let wf = format!(
        "name: Cut\nactions:\n  - name: Fail\n    type: http_request\n    options:\n      url: {}/fail\n      method: get\n      headers: {{X-Api-Key: \"<<CREDENTIAL.canary>>\"}}\n",
        rec.url("")
    );
    // The failure report shortens the event to 300 characters: put the secret across that cut.
    // `{"pad":"` is 8 characters and `","s":"` 7, so the secret starts at 290.
    let input = json!({"pad": "x".repeat(275), "s": CANARY}).to_string();
    assert_eq!(input.find(CANARY), Some(290));
    let r = run(&rec, &wf, &["--input", &input], &[]);
    r.assert_code(1);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("event:")),
        "{}",
        r.stderr
    );
    assert_no_secret("shortened event", &r);
    assert!(
        !r.stderr.contains(&CANARY[..10]),
        "a prefix of the secret leaked:\n{}",
        r.stderr
    );
}

#[test]
fn the_streamed_json_output_of_many_events_is_one_ordered_array_without_the_canary() {
    // 600 leaf events: several hand-overs to the output thread and many 64 KiB writes, so
    // secrets also straddle the redacting writer's block boundaries.
    let rec = leaky_server(false);
    let wf = format!(
        "name: Many\nconcurrency: 16\nactions:\n  - name: Items\n    type: event_transform\n    options:\n      mode: explode\n      path: <<range(600) | list>>\n      to: n\n{}",
        fetch_action(&rec, "")
    );
    let r = run(&rec, &wf, &["--output", "json"], &[]);
    r.assert_code(0);
    assert_no_secret("streamed json", &r);
    let events: Vec<serde_json::Value> = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON array ({e}):\n{}", r.stdout));
    let order: Vec<i64> = events
        .iter()
        .map(|e| e["items"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(order, (0..600).collect::<Vec<_>>());
    assert!(
        events
            .iter()
            .all(|e| e["fetch"]["body"]["leak"]["b64"] == "[REDACTED:canary]"),
        "every event's leaked form is masked"
    );
    assert!(r.stdout.ends_with("]\n"));
}
