//! `relay run` as cli.md describes it: `--input`, `--output`, `--dry-run`, `--resource`,
//! progress on stderr, exit codes, and text credentials from relay.yaml.

use serde_json::{Value, json};

use crate::support::runs::{leaves, matching_lines, project, run_workflow};
use crate::support::{Recorder, Relay, Reply};

const ECHO_INPUT: &str = r#"name: Echo input
actions:
  - name: Echo
    type: event_transform
    options: {mode: message_only, payload: {got: <<x>>}}
"#;

// ---------------------------------------------------------------------------------------------
// --input

#[test]
fn input_as_json_text() {
    let r = run_workflow(
        "",
        ECHO_INPUT,
        &["--input", r#"{"x": {"deep": [1, "two"]}}"#],
    );
    r.assert_code(0);
    assert_eq!(
        leaves(&r),
        vec![json!({"x": {"deep": [1, "two"]}, "echo": {"got": {"deep": [1, "two"]}}})]
    );
}

#[test]
fn input_from_a_file() {
    let r = project("", ECHO_INPUT)
        .file("data/in.json", r#"{"x": "from file"}"#)
        .args(["run", "wf.yaml", "--input", "@data/in.json"])
        .run();
    r.assert_code(0);
    assert_eq!(
        leaves(&r),
        vec![json!({"x": "from file", "echo": {"got": "from file"}})]
    );
}

#[test]
fn input_from_standard_input() {
    let r = project("", ECHO_INPUT)
        .stdin("{\"x\": 42}\n")
        .args(["run", "wf.yaml", "--input", "-"])
        .run();
    r.assert_code(0);
    assert_eq!(leaves(&r), vec![json!({"x": 42, "echo": {"got": 42}})]);
}

#[test]
fn without_input_the_entry_event_is_empty() {
    let wf = r#"name: No input
actions:
  - name: Echo
    type: event_transform
    options: {mode: message_only, payload: {has_x: =IS_PRESENT(x)}}
"#;
    let r = run_workflow("", wf, &[]);
    r.assert_code(0);
    assert_eq!(leaves(&r), vec![json!({"echo": {"has_x": false}})]);
}

#[test]
fn invalid_input_json_is_a_command_line_error() {
    let r = run_workflow("", ECHO_INPUT, &["--input", "{not json"]);
    r.assert_code(2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("JSON"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn input_that_is_not_an_object_is_a_command_line_error() {
    for input in ["[1, 2]", "7", "\"text\"", "null"] {
        let r = run_workflow("", ECHO_INPUT, &["--input", input]);
        r.assert_code(2);
        assert_eq!(r.stdout, "", "{input}");
        assert!(
            r.stderr.contains("--input must be a JSON object")
                && r.stderr.contains(r#"--input '{"items": [1, 2]}'"#),
            "{input}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_missing_input_file_exits_66_naming_it() {
    let r = run_workflow("", ECHO_INPUT, &["--input", "@nowhere/missing.json"]);
    r.assert_code(66);
    assert!(r.stderr.contains("nowhere/missing.json"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

// ---------------------------------------------------------------------------------------------
// --output

const HANDLED_FAILURE: &str = r#"name: Formats
actions:
  - name: Start
    type: event_transform
    options: {mode: message_only, payload: {n: 1}}
  - name: Fetch
    type: http_request
    options: {url: "URL/fail", method: get}
  - name: Handle
    type: event_transform
    options: {mode: message_only, payload: {handled: <<fetch.status>>}}
links:
  - {from: start, to: fetch}
  - {from: fetch, to: handle, type: failure}
"#;

fn failing_server() -> Recorder {
    Recorder::start(|_, _| Reply::json(503, json!({"down": true})))
}

#[test]
fn output_json_is_the_leaf_events_as_one_array() {
    let rec = failing_server();
    let r = run_workflow(
        "",
        &HANDLED_FAILURE.replace("URL", &rec.url("")),
        &["--output", "json"],
    );
    r.assert_code(0);
    let expected =
        json!([{"start": {"n": 1}, "fetch": {"status": 503}, "handle": {"handled": 503}}]);
    let mut got = r.json();
    // headers vary (content-length, …): compare the rest exactly.
    assert_eq!(got[0]["fetch"]["body"], json!({"down": true}));
    got[0]["fetch"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k == "status");
    assert_eq!(got, expected);
    assert!(r.stdout.ends_with('\n'));
}

#[test]
fn output_pretty_is_the_same_array_indented() {
    let rec = failing_server();
    let wf = HANDLED_FAILURE.replace("URL", &rec.url(""));
    let json_run = run_workflow("", &wf, &["--output", "json"]);
    let pretty_run = run_workflow("", &wf, &["--output", "pretty"]);
    pretty_run.assert_code(0);
    let strip = |mut v: Value| {
        v[0]["fetch"]["headers"]
            .as_object_mut()
            .unwrap()
            .remove("date");
        v
    };
    assert_eq!(strip(pretty_run.json()), strip(json_run.json()));
    assert!(
        pretty_run.stdout.lines().count() > 5,
        "pretty output spans lines:\n{}",
        pretty_run.stdout
    );
    assert!(
        pretty_run.stdout.lines().any(|l| l.starts_with("  ")),
        "pretty output is indented:\n{}",
        pretty_run.stdout
    );
}

#[test]
fn output_ndjson_prints_every_emitted_event_with_its_status() {
    let rec = failing_server();
    let r = run_workflow(
        "",
        &HANDLED_FAILURE.replace("URL", &rec.url("")),
        &["--output", "ndjson"],
    );
    r.assert_code(0);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| {
            assert!(
                l.starts_with(r#"{"run":"#),
                "each line is one object starting with run: {l}"
            );
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
        })
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "start, fetch (failed), handle:\n{}",
        r.stdout
    );
    for line in &lines {
        let mut k: Vec<&String> = line.as_object().unwrap().keys().collect();
        k.sort();
        assert_eq!(k, ["action", "event", "run", "status"], "{line}");
    }
    let summary: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["action"].as_str().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("start", "ok"), ("fetch", "failed"), ("handle", "ok")]
    );
    assert_eq!(lines[0]["event"], json!({"start": {"n": 1}}));
    assert_eq!(lines[1]["event"]["fetch"]["status"], 503);
    assert_eq!(lines[1]["event"]["fetch"]["body"], json!({"down": true}));
    assert_eq!(lines[2]["event"]["handle"], json!({"handled": 503}));
    let run_id = lines[0]["run"].as_str().unwrap();
    assert!(lines.iter().all(|l| l["run"] == run_id), "one run id");
    assert_eq!(
        matching_lines(&r.stderr, &format!("run {run_id} succeeded: {{*}}")).len(),
        1,
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// --dry-run

const DRY_RUN_CONFIG: &str = r#"credentials:
  tok:
    type: text
    command: [sh, -c, "touch command-ran; exit 3"]
    allowed_hosts: ["HOST"]
"#;

const DRY_RUN_WORKFLOW: &str = r#"name: Dry
actions:
  - name: Start
    type: event_transform
    options: {mode: message_only, payload: {id: <<ticket_id>>}}
  - name: Create
    type: http_request
    options:
      url: URL/tickets/<<start.id>>
      method: post
      headers: {Authorization: "Bearer <<CREDENTIAL.tok>>"}
      payload: {summary: "ticket <<start.id>>"}
  - name: Lookup
    type: http_request
    options:
      url: URL/lookup
      method: get
      payload: {q: <<start.id>>}
  - name: Form post
    type: http_request
    options:
      url: URL/form
      method: post
      content_type: form
      payload: {token: <<CREDENTIAL.tok>>, id: <<start.id>>}
  - name: After create
    type: http_request
    options:
      url: URL/after/<<create.body.id>>
      method: get
links:
  - {from: start, to: create}
  - {from: start, to: lookup}
  - {from: start, to: form_post}
  - {from: create, to: after_create}
"#;

#[test]
fn dry_run_prints_requests_with_placeholders_and_sends_nothing() {
    let rec = Recorder::ok();
    let config = DRY_RUN_CONFIG.replace("HOST", &rec.host());
    let wf = DRY_RUN_WORKFLOW.replace("URL", &rec.url(""));
    let relay = project(&config, &wf).args([
        "run",
        "wf.yaml",
        "--dry-run",
        "--output",
        "json",
        "--input",
        r#"{"ticket_id": 7}"#,
    ]);
    let r = relay.run();
    r.assert_code(0);
    assert_eq!(rec.count(), 0, "a dry run sends nothing");
    assert!(
        !relay.path("command-ran").exists(),
        "a dry run resolves no credential (the command did not run)"
    );
    let previews: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let text = r.stdout.clone();
    assert_eq!(
        previews.len(),
        3,
        "create, lookup and form_post can be reached without a response, after_create cannot:\n{text}"
    );
    assert!(!text.contains("/after/"), "{text}");
    let create = previews
        .iter()
        .find(|p| p.to_string().contains("/tickets/7"))
        .unwrap_or_else(|| panic!("{text}"));
    let create_text = create.to_string();
    assert!(create_text.contains("POST"), "{create_text}");
    assert!(
        create_text.contains(&rec.url("/tickets/7")),
        "{create_text}"
    );
    assert!(
        create_text.contains("Bearer <<CREDENTIAL.tok>>"),
        "{create_text}"
    );
    assert!(
        create_text.contains("ticket 7"),
        "the body is shown: {create_text}"
    );
    let lookup = previews
        .iter()
        .find(|p| p.to_string().contains("/lookup"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lookup.to_string().contains(&rec.url("/lookup?q=7")),
        "{lookup}"
    );
    let form = previews
        .iter()
        .find(|p| p.to_string().contains("/form"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        form["body"], "token=<<CREDENTIAL.tok>>&id=7",
        "placeholders in a form body are shown as written"
    );
}

#[test]
fn dry_run_pretty_prints_http_messages() {
    let rec = Recorder::ok();
    let config = DRY_RUN_CONFIG.replace("HOST", &rec.host());
    let wf = DRY_RUN_WORKFLOW.replace("URL", &rec.url(""));
    let relay = project(&config, &wf).args([
        "run",
        "wf.yaml",
        "--dry-run",
        "--output",
        "pretty",
        "--input",
        r#"{"ticket_id": 7}"#,
    ]);
    let r = relay.run();
    r.assert_code(0);
    assert_eq!(rec.count(), 0);
    assert!(!relay.path("command-ran").exists());
    let out = &r.stdout;
    assert!(
        out.lines()
            .any(|l| l == format!("POST {}", rec.url("/tickets/7"))),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l == format!("GET {}", rec.url("/lookup?q=7"))),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer <<CREDENTIAL.tok>>")),
        "{out}"
    );
    assert!(
        out.contains(r#""summary":"ticket 7""#) || out.contains(r#""summary": "ticket 7""#),
        "{out}"
    );
    assert!(!out.contains("/after/"), "{out}");
    assert!(
        out.lines().any(|l| l == "token=<<CREDENTIAL.tok>>&id=7"),
        "{out}"
    );
}

#[test]
fn without_dry_run_the_failing_command_credential_fails_the_run_naming_it() {
    let rec = Recorder::ok();
    let config = DRY_RUN_CONFIG.replace("HOST", &rec.host());
    let wf = DRY_RUN_WORKFLOW.replace("URL", &rec.url(""));
    let relay = project(&config, &wf).args(["run", "wf.yaml", "--input", r#"{"ticket_id": 7}"#]);
    let r = relay.run();
    r.assert_code(1);
    assert!(relay.path("command-ran").exists(), "the command ran");
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `create` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(failure.contains("`sh`"), "names the command: {failure}");
    assert!(failure.contains("failed"), "{failure}");
    assert_eq!(
        rec.requests()
            .iter()
            .filter(|q| q.target.starts_with("/tickets"))
            .count(),
        0,
        "nothing sent without the credential"
    );
    assert_eq!(
        rec.requests()
            .iter()
            .filter(|q| q.target.starts_with("/lookup"))
            .count(),
        1,
        "the other branch goes on"
    );
}

// ---------------------------------------------------------------------------------------------
// --resource

const RESOURCE_WORKFLOW: &str = r#"name: Resources
resources:
  wf_only: 1
  shared: from-workflow
actions:
  - name: Show
    type: event_transform
    options:
      mode: message_only
      payload:
        size: <<RESOURCE.page_size>>
        name: <<RESOURCE.name>>
        wf: <<RESOURCE.wf_only>>
        shared: <<RESOURCE.shared>>
"#;

const RESOURCE_CONFIG: &str =
    "resources:\n  page_size: 50\n  name: from-config\n  shared: from-config\n";

#[test]
fn resources_come_from_relay_yaml_and_the_workflow() {
    let r = run_workflow(RESOURCE_CONFIG, RESOURCE_WORKFLOW, &[]);
    r.assert_code(0);
    assert_eq!(
        leaves(&r)[0]["show"],
        json!({"size": 50, "name": "from-config", "wf": 1, "shared": "from-workflow"})
    );
}

#[test]
fn resource_flags_override_numbers_as_json_and_text_as_strings() {
    let r = run_workflow(
        RESOURCE_CONFIG,
        RESOURCE_WORKFLOW,
        &[
            "--resource",
            "page_size=10",
            "--resource",
            "name=hello world",
            "--resource",
            "wf_only=true",
            "--resource",
            "shared=[1,2]",
        ],
    );
    r.assert_code(0);
    assert_eq!(
        leaves(&r)[0]["show"],
        json!({"size": 10, "name": "hello world", "wf": true, "shared": [1, 2]})
    );
}

#[test]
fn a_resource_flag_can_add_a_resource_the_workflow_reads() {
    let wf = "name: Extra\nactions:\n  - name: Show\n    type: event_transform\n    options: {mode: message_only, payload: {extra: <<RESOURCE.extra>>}}\n";
    let r = run_workflow("", wf, &["--resource", "extra=2.5"]);
    r.assert_code(0);
    assert_eq!(leaves(&r)[0]["show"], json!({"extra": 2.5}));
}

#[test]
fn unknown_flags_and_missing_arguments_exit_2() {
    let r = run_workflow("", ECHO_INPUT, &["--bogus"]);
    r.assert_code(2);
    assert!(r.stderr.contains("--bogus"), "{}", r.stderr);
    let r = Relay::new().args(["run"]).run();
    r.assert_code(2);
    let r = run_workflow("", ECHO_INPUT, &["--output", "xml"]);
    r.assert_code(2);
}

#[test]
fn a_resource_flag_without_equals_is_a_command_line_error() {
    let r = run_workflow(
        RESOURCE_CONFIG,
        RESOURCE_WORKFLOW,
        &["--resource", "page_size"],
    );
    r.assert_code(2);
    assert!(r.stderr.contains("page_size"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Exit codes for files

#[test]
fn a_missing_workflow_file_exits_66() {
    let r = Relay::new().args(["run", "nope.yaml"]).run();
    r.assert_code(66);
    assert!(r.stderr.contains("nope.yaml"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn an_invalid_workflow_exits_65_with_location_and_suggestion() {
    let wf = "name: Bad\nactions:\n  - name: Show\n    type: event_transform\n    opitons: {mode: message_only}\n";
    let r = run_workflow("", wf, &[]);
    r.assert_code(65);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("opitons"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `options`"), "{}", r.stderr);
    assert!(r.stderr.contains("wf.yaml:5:5"), "{}", r.stderr);
}

#[test]
fn an_invalid_relay_yaml_exits_65() {
    let config = "credentials:\n  tok:\n    type: text\n    valeu: abcdefgh\n    allowed_hosts: [example.com]\n";
    let r = run_workflow(config, ECHO_INPUT, &["--input", r#"{"x": 1}"#]);
    r.assert_code(65);
    assert!(r.stderr.contains("valeu"), "{}", r.stderr);
    assert!(r.stderr.contains("relay.yaml"), "{}", r.stderr);
}

#[test]
fn an_unparsable_workflow_exits_65() {
    let r = run_workflow("", "name: [unclosed\nactions: {\n", &[]);
    r.assert_code(65);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr

#[test]
fn progress_lines_and_summary_on_stderr() {
    let rec = Recorder::ok();
    let wf = format!(
        r#"name: Progress
actions:
  - name: Get things
    type: http_request
    options: {{url: "{url}/things?page=1", method: get}}
  - name: Shape
    type: event_transform
    options: {{mode: message_only, payload: {{ok: <<get_things.body.ok>>}}}}
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &[]);
    r.assert_code(0);
    assert!(
        !r.stderr.contains('\x1b'),
        "no colour when stderr is not a terminal:\n{:?}",
        r.stderr
    );
    let get = format!("✓ get_things  GET {} → 200  {{dur}}", rec.url("/things"));
    assert_eq!(
        matching_lines(&r.stderr, &get).len(),
        1,
        "expected `{get}` in:\n{}",
        r.stderr
    );
    assert_eq!(
        matching_lines(&r.stderr, "✓ shape  {*}").len(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        matching_lines(
            &r.stderr,
            "run {id} succeeded: 2 actions, 2 executions, {dur}"
        )
        .len(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(r.json()[0]["shape"], json!({"ok": true}));
}

#[test]
fn a_failed_run_summary_counts_failures_and_exits_1() {
    let rec = Recorder::start(|_, _| Reply::status(404));
    let wf = format!(
        "name: Fails\nactions:\n  - name: Get\n    type: http_request\n    options: {{url: \"{}/missing\", method: get}}\n",
        rec.url("")
    );
    let r = run_workflow("", &wf, &[]);
    r.assert_code(1);
    assert_eq!(
        matching_lines(
            &r.stderr,
            &format!("✗ get  GET {} → 404  {{dur}}", rec.url("/missing"))
        )
        .len(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        matching_lines(
            &r.stderr,
            "run {id} failed (1 unhandled failure): 1 action, 1 execution, {dur}"
        )
        .len(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("action `get` failed"), "{}", r.stderr);
    assert_eq!(r.json(), json!([]), "no leaf events");
}

// ---------------------------------------------------------------------------------------------
// Text credentials

#[test]
fn text_credentials_from_value_env_file_and_command() {
    let rec = Recorder::ok();
    let host = rec.host();
    let config = format!(
        r#"credentials:
  from_value:
    type: text
    value: value-secret-1
    allowed_hosts: ["{host}"]
  from_env:
    type: text
    env: RELAY_TEST_ENV_TOKEN_A
    allowed_hosts: ["{host}"]
  from_file:
    type: text
    file: secrets/token.txt
    allowed_hosts: ["{host}"]
  from_command:
    type: text
    command: [sh, -c, "printf %s command-secret-4"]
    allowed_hosts: ["{host}"]
  from_echo:
    type: text
    command: [echo, echo-secret-5]
    allowed_hosts: ["{host}"]
"#
    );
    let wf = format!(
        r#"name: Credentials
actions:
  - name: Send
    type: http_request
    options:
      url: {url}/creds
      method: get
      headers:
        X-Value: <<CREDENTIAL.from_value>>
        X-Env: <<CREDENTIAL.from_env>>
        X-File: <<CREDENTIAL.from_file>>
        X-Command: <<CREDENTIAL.from_command>>
        X-Echo: <<CREDENTIAL.from_echo>>
"#,
        url = rec.url("")
    );
    // relay.yaml lives in conf/, run from the parent: `file:` is relative to relay.yaml.
    let r = Relay::new()
        .file("conf/relay.yaml", &config)
        .file("conf/secrets/token.txt", "file-secret-3\n")
        .file("wf.yaml", &wf)
        .env("RELAY_TEST_ENV_TOKEN_A", "env-secret-2")
        .args(["--config", "conf/relay.yaml", "run", "wf.yaml"])
        .run();
    // Relay strips RELAY_* from the parent environment only; ours is set explicitly.
    r.assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 1);
    let q = &reqs[0];
    assert_eq!(q.header("x-value"), Some("value-secret-1"));
    assert_eq!(q.header("x-env"), Some("env-secret-2"));
    assert_eq!(
        q.header("x-file"),
        Some("file-secret-3"),
        "file content, trailing newline trimmed"
    );
    assert_eq!(q.header("x-command"), Some("command-secret-4"));
    assert_eq!(
        q.header("x-echo"),
        Some("echo-secret-5"),
        "command output trimmed"
    );
    for secret in [
        "value-secret-1",
        "env-secret-2",
        "file-secret-3",
        "command-secret-4",
        "echo-secret-5",
    ] {
        assert!(
            !r.all_output().contains(secret),
            "{secret} is redacted:\n{}",
            r.all_output()
        );
    }
}

fn credential_error_run(
    definition: &str,
    env: &[(&str, &str)],
) -> (Recorder, crate::support::RunResult) {
    let rec = Recorder::ok();
    let config = format!(
        "credentials:\n  tok:\n    type: text\n{definition}    allowed_hosts: [\"{}\"]\n",
        rec.host()
    );
    let wf = format!(
        "name: Cred error\nactions:\n  - name: Send\n    type: http_request\n    options:\n      url: {}/x\n      method: get\n      headers: {{X-Token: \"<<CREDENTIAL.tok>>\"}}\n",
        rec.url("")
    );
    let mut relay = project(&config, &wf).args(["run", "wf.yaml"]);
    for (k, v) in env {
        relay = relay.env(k, v);
    }
    let r = relay.run();
    (rec, r)
}

#[test]
fn an_unset_env_credential_fails_naming_the_variable() {
    let (rec, r) = credential_error_run("    env: RELAY_TEST_NEVER_SET_VAR\n", &[]);
    r.assert_code(1);
    assert_eq!(rec.count(), 0);
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `send` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(failure.contains("RELAY_TEST_NEVER_SET_VAR"), "{failure}");
}

#[test]
fn a_failing_command_credential_fails_naming_the_command() {
    let (rec, r) = credential_error_run("    command: [sh, -c, \"echo nope >&2; exit 7\"]\n", &[]);
    r.assert_code(1);
    assert_eq!(rec.count(), 0);
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `send` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(failure.contains("`sh`"), "{failure}");
}

#[test]
fn a_missing_file_credential_fails_naming_the_file() {
    let (rec, r) = credential_error_run("    file: no-such-token.txt\n", &[]);
    r.assert_code(1);
    assert_eq!(rec.count(), 0);
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `send` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(failure.contains("no-such-token.txt"), "{failure}");
}

// ---------------------------------------------------------------------------------------------
// relay.yaml `state:` and shell completions

#[test]
fn a_postgres_state_in_relay_yaml_is_a_located_config_error() {
    let r = project("state: postgres://relay@127.0.0.1/relay\n", ECHO_INPUT)
        .args(["run", "wf.yaml"])
        .run();
    r.assert_code(65);
    assert!(r.stderr.contains("relay.yaml:1:8"), "{}", r.stderr);
    assert!(
        r.stderr.contains("PostgreSQL state store is not supported"),
        "{}",
        r.stderr
    );
}

#[test]
fn completions_cover_every_subcommand() {
    let r = Relay::new().args(["completions", "bash"]).run();
    r.assert_code(0);
    for sub in [
        "run",
        "validate",
        "credential",
        "daemon",
        "schedule",
        "runs",
        "import",
        "export",
        "plugin",
    ] {
        assert!(
            r.stdout.contains(sub),
            "`{sub}` missing from the bash completions"
        );
    }
    assert!(
        r.stdout.contains("complete -F"),
        "a bash completion script: {}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    let bad = Relay::new().args(["completions", "tcsh"]).run();
    bad.assert_code(2);
}

#[test]
fn every_help_page_shows_an_example() {
    let groups: &[&[&str]] = &[
        &[],
        &["run"],
        &["validate"],
        &["daemon"],
        &["completions"],
        &["credential"],
        &["credential", "list"],
        &["credential", "test"],
        &["credential", "set"],
        &["credential", "login"],
        &["credential", "rm"],
        &["credential", "rotate-key"],
        &["schedule"],
        &["schedule", "list"],
        &["schedule", "next"],
        &["runs"],
        &["runs", "list"],
        &["runs", "show"],
        &["plugin"],
        &["plugin", "list"],
        &["plugin", "inspect"],
        &["import"],
        &["import", "tines"],
        &["export"],
        &["export", "tines"],
    ];
    for command in groups {
        let mut args: Vec<&str> = command.to_vec();
        args.push("--help");
        let r = Relay::new().args(args.iter().copied()).run();
        r.assert_code(0);
        assert!(
            r.stdout.contains("Example") && r.stdout.contains("\n  relay "),
            "`relay {}` shows no example:\n{}",
            args.join(" "),
            r.stdout
        );
    }
}

#[test]
fn daemon_listen_is_refused_with_a_message_not_a_parse_error() {
    let r = Relay::new()
        .args(["daemon", "--listen", "127.0.0.1:9999", "--once"])
        .run();
    r.assert_code(2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("--listen 127.0.0.1:9999")
            && r.stderr.contains("not in this version")
            && r.stderr.contains("without --listen"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("unexpected argument"), "{}", r.stderr);
}

#[test]
fn runs_list_refuses_an_unknown_state_and_names_the_valid_ones() {
    let r = Relay::new()
        .args(["runs", "list", "--state", "bogus"])
        .run();
    r.assert_code(2);
    for state in ["running", "succeeded", "failed", "interrupted"] {
        assert!(r.stderr.contains(state), "{state} missing:\n{}", r.stderr);
    }
}

#[test]
fn verbosity_flags_add_info_then_debug_lines() {
    let rec = Recorder::start(|_, _| Reply::json(200, json!({"ok": true})));
    let config = "resources:\n  region: eu\n";
    let wf = format!(
        "name: Verbose\nactions:\n  - name: Get\n    type: http_request\n    options: {{url: \"{}/x\", method: get}}\n",
        rec.url("")
    );
    let quiet = run_workflow(config, &wf, &[]);
    let info = run_workflow(config, &wf, &["-v"]);
    let debug = run_workflow(config, &wf, &["-vv"]);
    for r in [&quiet, &info, &debug] {
        r.assert_code(0);
    }
    assert!(!quiet.stderr.contains("config: loaded"), "{}", quiet.stderr);
    assert!(
        info.stderr.contains("config: loaded") && !info.stderr.contains("http: response"),
        "-v: info lines only:\n{}",
        info.stderr
    );
    assert!(
        debug.stderr.contains("config: loaded") && debug.stderr.contains("http: response"),
        "-vv: debug lines too:\n{}",
        debug.stderr
    );
}

#[test]
fn an_invalid_relay_log_filter_is_warned_about_not_ignored() {
    let r = Relay::new()
        .env("RELAY_LOG", "relay_core=nonsense[")
        .args(["schedule", "next", "0 9 * * *", "-n", "1"])
        .run();
    r.assert_code(0);
    assert!(
        r.stderr
            .contains("RELAY_LOG=\"relay_core=nonsense[\" is not a valid filter")
            && r.stderr.contains("using the default"),
        "{}",
        r.stderr
    );
}
