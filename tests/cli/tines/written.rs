//! Story exports written for these tests (tests/fixtures/tines/written/): failure links,
//! no_match links, a throttle transform and a schedule. Each is imported, its YAML and
//! warnings checked, then validated and run against a local recorder with a relay.yaml the
//! test writes.

use std::time::Instant;

use serde_json::{Value, json};

use super::{fixture, summary, warnings, yaml_json};
use crate::support::project::Project;
use crate::support::{Recorder, Reply, RunResult};

const TOKEN: &str = "alerts-token-7f3a9c";

fn config(recorder: &Recorder) -> String {
    format!(
        "resources:\n  alerts_api: {url}\ncredentials:\n  alerts_token:\n    type: text\n    env: ALERTS_TOKEN\n    allowed_hosts: [\"{host}\"]\n",
        url = recorder.url(""),
        host = recorder.host()
    )
}

/// Imports `written/<name>.json` with `-o <name>.yaml` in a project with `config`; returns
/// the project, the import's result and the YAML written.
fn import(name: &str, config: &str) -> (Project, RunResult, String) {
    let json_name = format!("{name}.json");
    let yaml_name = format!("{name}.yaml");
    let project = Project::new().with_env("ALERTS_TOKEN", TOKEN);
    project
        .write("relay.yaml", config)
        .write(&json_name, &fixture(&format!("written/{json_name}")));
    let r = project.relay(&["import", "tines", &json_name, "-o", &yaml_name]);
    r.assert_code(0);
    assert_eq!(r.stdout, "", "with -o the YAML goes to the file");
    assert!(
        r.stderr.contains(&format!("✓ wrote {yaml_name}")),
        "{}",
        r.stderr
    );
    let yaml = project.read(&yaml_name);
    (project, r, yaml)
}

#[track_caller]
fn assert_valid(project: &Project, file: &str, name: &str, actions: usize) {
    let v = project.relay(&["validate", file]);
    v.assert_code(0);
    assert!(
        v.stdout
            .contains(&format!("✓ {file} ({name}, {actions} actions)")),
        "{}",
        v.all_output()
    );
}

fn run(project: &Project, file: &str, input: &str) -> RunResult {
    project.relay(&["run", file, "--input", input, "--output", "json"])
}

fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

fn names_and_types(workflow: &Value) -> Vec<(String, String)> {
    workflow["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn failure_links_are_imported_and_carry_a_failed_request_to_the_notifier() {
    let failing = Recorder::start(|req, _| match req.target.as_str() {
        "/alerts" => Reply::json(500, json!({"error": "down"})),
        _ => Reply::json(200, json!({"ok": true})),
    });
    let (project, r, yaml) = import("failure-links", &config(&failing));
    assert_eq!(
        warnings(&r.stderr),
        [
            "warning: action `Fetch alerts`: option `max_retries`: \"0\" (a string) written as the number 0"
        ]
    );
    assert_eq!(
        summary(&r.stderr),
        "imported 1 workflow with 1 warning",
        "valid with this relay.yaml:\n{}",
        r.stderr
    );
    assert!(yaml.contains("\nlinks:\n  - from: fetch_alerts\n    to: summarise\n  - from: fetch_alerts\n    to: notify_ops\n    type: failure\n"), "{yaml}");
    let w = yaml_json(&yaml);
    assert_eq!(w["name"], "Fetch alerts with failure path");
    assert_eq!(
        names_and_types(&w),
        pairs(&[
            ("Fetch alerts", "http_request"),
            ("Summarise", "event_transform"),
            ("Notify ops", "http_request")
        ])
    );
    assert_eq!(w["actions"][0]["options"]["max_retries"], 0);
    assert_eq!(
        w["actions"][0]["options"]["retry_on_status"],
        json!(["429"])
    );
    assert_eq!(
        w["actions"][2]["options"]["method"], "post",
        "Tines' implicit method is written out"
    );
    assert_valid(
        &project,
        "failure-links.yaml",
        "Fetch alerts with failure path",
        3,
    );

    // The request fails (500): the failure link handles it, so the run succeeds.
    let out = run(&project, "failure-links.yaml", "{}");
    out.assert_code(0);
    let requests = failing.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        (requests[0].method.as_str(), requests[0].target.as_str()),
        ("GET", "/alerts")
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        (requests[1].method.as_str(), requests[1].target.as_str()),
        ("POST", "/ops")
    );
    assert_eq!(
        body_json(&requests[1].body),
        json!({"text": "alerts failed with HTTP 500"})
    );
    let leaves = out.json();
    assert_eq!(leaves.as_array().unwrap().len(), 1, "{leaves}");
    assert_eq!(leaves[0]["fetch_alerts"]["status"], 500);
    assert_eq!(leaves[0]["notify_ops"]["status"], 200);
    assert!(leaves[0].get("summarise").is_none());

    // The request succeeds: only the default link is followed.
    let fine = Recorder::start(|_, _| Reply::json(200, json!({"alerts": [{"id": 1}, {"id": 2}]})));
    project.write("relay.yaml", &config(&fine));
    let out = run(&project, "failure-links.yaml", "{}");
    out.assert_code(0);
    assert_eq!(fine.count(), 1, "no notification");
    assert_eq!(out.json()[0]["summarise"], json!({"count": 2}));
}

#[test]
fn no_match_links_and_emit_no_match_are_imported_and_route_by_rule() {
    let recorder = Recorder::ok();
    let (project, r, yaml) = import("no-match-links", &config(&recorder));
    assert_eq!(
        warnings(&r.stderr),
        [
            "warning: action `Is urgent`: formulas read `priority`, which no action of this story is called (an entry-event key, or an action deleted in Tines)",
            "warning: action `Page on call`: formulas read `priority`, which no action of this story is called (an entry-event key, or an action deleted in Tines)",
            "warning: action `Is normal`: option `emit_no_match: true` became `no_match` links to the same receivers",
            "warning: action `Is normal`: formulas read `priority`, which no action of this story is called (an entry-event key, or an action deleted in Tines)",
        ]
    );
    assert_eq!(summary(&r.stderr), "imported 1 workflow with 4 warnings");
    let w = yaml_json(&yaml);
    assert_eq!(
        w["links"],
        json!([
            {"from": "is_urgent", "to": "page_on_call"},
            {"from": "is_urgent", "to": "is_normal", "type": "no_match"},
            {"from": "is_normal", "to": "queue_it"},
            {"from": "is_normal", "to": "queue_it", "type": "no_match"},
        ])
    );
    assert!(
        w["actions"][2]["options"].get("emit_no_match").is_none(),
        "it became links: {}",
        w["actions"][2]
    );
    assert_eq!(
        w["actions"][0]["options"]["rules"],
        json!([{"type": "field<=value", "value": "1", "path": "<<priority>>"}])
    );
    assert_valid(&project, "no-match-links.yaml", "Route by priority", 4);

    for priority in [1, 3, 5] {
        run(
            &project,
            "no-match-links.yaml",
            &format!("{{\"priority\": {priority}}}"),
        )
        .assert_code(0);
    }
    let seen: Vec<(String, Value)> = recorder
        .requests()
        .iter()
        .map(|q| (q.target.clone(), body_json(&q.body)))
        .collect();
    assert_eq!(
        seen,
        [
            ("/page".to_owned(), json!({"priority": 1})),
            ("/queue".to_owned(), json!({"matched": true})),
            ("/queue".to_owned(), json!({"matched": false})),
        ],
        "1 pages; 3 misses the first trigger and matches the second; 5 misses both and takes the no_match link"
    );
}

#[test]
fn throttle_deduplicate_and_delay_are_imported_with_typed_numbers_and_run() {
    let (project, r, yaml) = import("throttle", "{}\n");
    assert_eq!(
        warnings(&r.stderr),
        [
            "warning: action `Explode ids`: formulas read `ids`, which no action of this story is called (an entry-event key, or an action deleted in Tines)",
            "warning: action `Drop repeats`: option `lookback`: \"50\" (a string) written as the number 50",
            "warning: action `Two per second`: option `runs_per_interval`: \"2\" (a string) written as the number 2",
            "warning: action `Settle`: option `seconds`: \"0.2\" (a string) written as the number 0.2",
        ]
    );
    assert_eq!(summary(&r.stderr), "imported 1 workflow with 4 warnings");
    for line in [
        "  - name: Two per second\n    type: event_transform\n    options:\n      mode: throttle\n      runs_per_interval: 2\n      interval: second\n",
        "      mode: deduplicate\n      path: \"<<explode_ids.id>>\"\n      lookback: 50\n",
        "      mode: delay\n      seconds: 0.2\n",
        "  - name: Report\n    type: event_transform\n    options:\n      mode: message_only\n",
    ] {
        assert!(yaml.contains(line), "missing\n{line}\nin\n{yaml}");
    }
    assert_valid(&project, "throttle.yaml", "Throttled fan-out", 5);

    let started = Instant::now();
    let out = run(&project, "throttle.yaml", r#"{"ids": [1, 2, 1, 3]}"#);
    let elapsed = started.elapsed();
    out.assert_code(0);
    let leaves = out.json();
    let ids: Vec<&Value> = leaves
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["report"]["id"])
        .collect();
    assert_eq!(
        ids,
        [&json!(1), &json!(2), &json!(3)],
        "the repeat is dropped, the order kept"
    );
    // Three events at two per second: the third passes a second after the first.
    assert!(elapsed.as_secs_f64() >= 1.0, "took {elapsed:?}");
    for e in leaves.as_array().unwrap() {
        assert_eq!(e["settle"]["delayed_seconds"], 0.2);
        assert_eq!(e["drop_repeats"]["unique"], true);
    }
}

#[test]
fn schedule_becomes_the_workflow_schedule_and_the_webhook_a_comment() {
    let recorder = Recorder::start(|_, _| {
        Reply::json(200, json!({"tickets": [{"id": 1}, {"id": 2}, {"id": 3}]}))
    });
    let (project, r, yaml) = import("schedule", &config(&recorder));
    let ws = warnings(&r.stderr);
    assert_eq!(ws.len(), 3, "{}", r.stderr);
    assert!(ws[0].starts_with("warning: action `Receive manual trigger`: not converted, kept as a comment: a Webhook is an entry point"), "{}", ws[0]);
    assert!(
        ws[0].ends_with(
            "its 1 link(s) are commented out too, so `poll_tickets` now receives the entry event"
        ),
        "{}",
        ws[0]
    );
    assert_eq!(
        ws[1],
        "warning: action `Poll tickets`: schedule `30 17 * * 1-5` names no time zone; Relay runs it in UTC"
    );
    assert_eq!(
        ws[2],
        "warning: action `Poll tickets`: its schedule became the workflow's `schedule`"
    );
    assert_eq!(summary(&r.stderr), "imported 1 workflow with 3 warnings");
    assert!(
        yaml.contains("\nschedule:\n  - cron: \"0 9 * * 1-5\"\n    timezone: Europe/London\n  - cron: \"30 17 * * 1-5\"\nactions:\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("  # NOT CONVERTED: \"Receive manual trigger\" (Agents::WebhookAgent)"),
        "{yaml}"
    );
    assert!(yaml.contains("  # - {from: receive_manual_trigger, to: poll_tickets}  (not converted: receive_manual_trigger)"), "{yaml}");
    let w = yaml_json(&yaml);
    assert_eq!(
        names_and_types(&w),
        pairs(&[
            ("Poll tickets", "http_request"),
            ("Count", "event_transform")
        ])
    );
    assert_eq!(
        w["actions"][0]["options"]["method"], "get",
        "`GET` is written the way Relay spells it"
    );
    assert!(w["actions"][1].get("schedule").is_none());
    assert_valid(&project, "schedule.yaml", "Weekday ticket poll", 2);

    let list = project.relay(&["schedule", "list", "schedule.yaml"]);
    list.assert_code(0);
    assert!(
        list.stdout.contains("#1 0 9 * * 1-5 (Europe/London)"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("#2 30 17 * * 1-5 (UTC)"),
        "{}",
        list.stdout
    );

    let out = run(&project, "schedule.yaml", "{}");
    out.assert_code(0);
    assert_eq!(out.json()[0]["count"], json!({"n": 3}));
    assert_eq!(recorder.requests()[0].target, "/tickets?open_only=true");
}
