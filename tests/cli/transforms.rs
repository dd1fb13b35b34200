//! The `event_transform` modes `extract`, `deduplicate`, `delay` and `throttle` through the
//! real binary (workflow.md `event_transform`), and the validation errors for their options.
//! Durations are only checked as lower bounds (the machine may be slow, never fast).

use std::time::Instant;

use serde_json::{Value, json};

use crate::support::RunResult;
use crate::support::project::Project;

/// `ids` exploded, then the transform under test (`name: Step`), then `Out` reading the id.
fn over_ids(step_options: &str) -> String {
    format!(
        "name: Over ids
actions:
  - name: Explode ids
    type: event_transform
    options:
      mode: explode
      path: =ids
      to: id
  - name: Step
    type: event_transform
    options:
{step_options}
  - name: Out
    type: event_transform
    options:
      mode: message_only
      payload:
        id: <<explode_ids.id>>
        index: <<explode_ids.index>>
"
    )
}

fn run(project: &Project, file: &str, input: &Value) -> RunResult {
    project.relay(&[
        "run",
        file,
        "--input",
        &input.to_string(),
        "--output",
        "json",
    ])
}

fn leaves(r: &RunResult) -> Vec<Value> {
    r.assert_code(0);
    r.json().as_array().expect("a list of leaf events").clone()
}

fn ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|e| e["out"]["id"].as_i64().expect("id"))
        .collect()
}

/// Makes the state store exist (as `relay credential set` does for a real project).
fn with_store(project: &Project) {
    project.write(
        "relay.yaml",
        "credentials:\n  marker:\n    type: text\n    allowed_hosts: [\"127.0.0.1:9\"]\n",
    );
    project
        .relay_with(&["credential", "set", "marker"], Some("x"))
        .assert_code(0);
    assert!(
        project.path(".relay/state.db").exists(),
        "the store exists now"
    );
}

// ---------------------------------------------------------------- extract

#[test]
fn extract_gives_matches_by_group_shape_per_matcher() {
    let project = Project::new();
    project.write(
        "extract.yaml",
        r#"name: Extract
actions:
  - name: Find
    type: event_transform
    options:
      mode: extract
      matchers:
        - path: <<text>>
          regexp: INC-\d+
          to: whole
        - path: <<text>>
          regexp: INC-(\d+)
          to: numbers
        - path: <<text>>
          regexp: (\w+)=(\w+)
          to: pairs
        - path: <<text>>
          regexp: user=(?P<name>\w+)
          to: named
        - path: <<text>>
          regexp: nothing-like-this
          to: none
        - path: <<code>>
          regexp: \d
          to: digits
"#,
    );
    let input = json!({"text": "INC-12 and INC-345,\nuser=ana user=bo", "code": 907});
    let out = leaves(&run(&project, "extract.yaml", &input));
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0]["find"],
        json!({
            "whole": ["INC-12", "INC-345"],
            "numbers": ["12", "345"],
            "pairs": [["user", "ana"], ["user", "bo"]],
            "named": [{"name": "ana"}, {"name": "bo"}],
            "none": [],
            "digits": ["9", "0", "7"],
        })
    );
    assert_eq!(out[0]["text"], input["text"], "the incoming event goes on");
}

#[test]
fn extract_fails_the_execution_when_its_path_cannot_be_read() {
    let project = Project::new();
    project.write(
        "extract.yaml",
        "name: Extract\nactions:\n  - name: Find\n    type: event_transform\n    options:\n      mode: extract\n      matchers:\n        - {path: <<missing.deep>>, regexp: a, to: x}\n",
    );
    let r = run(&project, "extract.yaml", &json!({}));
    r.assert_code(1);
    assert!(r.stderr.contains("action `find` failed"), "{}", r.stderr);
}

// ---------------------------------------------------------------- deduplicate

#[test]
fn deduplicate_drops_repeats_within_a_run_and_keeps_first_occurrences_in_order() {
    let project = Project::new();
    project.write(
        "dedup.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>"),
    );
    // 60 events over 13 values: i*7 mod 13 visits every value once in the first 13.
    let values: Vec<i64> = (0..60).map(|i| (i * 7) % 13).collect();
    let out = leaves(&run(&project, "dedup.yaml", &json!({"ids": values})));
    let indexes: Vec<i64> = out
        .iter()
        .map(|e| e["out"]["index"].as_i64().unwrap())
        .collect();
    assert_eq!(
        indexes,
        (0..13).collect::<Vec<_>>(),
        "the first occurrence of each value passes, in order"
    );
    assert_eq!(ids(&out), values[..13].to_vec());
    assert!(out.iter().all(|e| e["step"] == json!({"unique": true})));
    assert!(
        !project.path(".relay").exists(),
        "deduplicate does not create a state store"
    );
}

#[test]
fn deduplicate_lookback_counts_the_last_events_with_or_without_a_store() {
    // lookback 2: the 4th event (3) repeats one of the last two; the 5th (2) and 6th (1) do not
    // (the last two events before them are 3, 3 and 3, 2).
    let options = "      mode: deduplicate\n      path: <<explode_ids.id>>\n      lookback: 2";
    let input = json!({"ids": [1, 2, 3, 3, 2, 1]});
    let memory = Project::new();
    memory.write("dedup.yaml", &over_ids(options));
    assert_eq!(
        ids(&leaves(&run(&memory, "dedup.yaml", &input))),
        [1, 2, 3, 2, 1],
        "in memory"
    );
    let stored = Project::new();
    with_store(&stored);
    stored.write("dedup.yaml", &over_ids(options));
    assert_eq!(
        ids(&leaves(&run(&stored, "dedup.yaml", &input))),
        [1, 2, 3, 2, 1],
        "in the state store"
    );
}

#[test]
fn deduplicate_remembers_across_runs_in_the_state_store() {
    let project = Project::new();
    with_store(&project);
    project.write(
        "dedup.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>\n      lookback: 10"),
    );
    assert_eq!(
        ids(&leaves(&run(
            &project,
            "dedup.yaml",
            &json!({"ids": [1, 2]})
        ))),
        [1, 2]
    );
    let second = run(&project, "dedup.yaml", &json!({"ids": [2, 3, 1]}));
    assert_eq!(
        ids(&leaves(&second)),
        [3],
        "1 and 2 were seen by the first run"
    );
    // The state is the action's, whatever way the file is named on the command line.
    let third = run(&project, "./dedup.yaml", &json!({"ids": [3, 4]}));
    assert_eq!(ids(&leaves(&third)), [4], "3 was seen by the second run");
    let absolute = project.path("dedup.yaml").to_string_lossy().into_owned();
    let fourth = run(&project, &absolute, &json!({"ids": [4, 5]}));
    assert_eq!(ids(&leaves(&fourth)), [5]);
}

#[test]
fn deduplicate_state_is_per_action() {
    let project = Project::new();
    with_store(&project);
    project.write(
        "a.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>"),
    );
    project.write(
        "b.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>"),
    );
    assert_eq!(
        ids(&leaves(&run(&project, "a.yaml", &json!({"ids": [1]})))),
        [1]
    );
    assert_eq!(
        ids(&leaves(&run(&project, "b.yaml", &json!({"ids": [1]})))),
        [1],
        "another workflow's action has its own memory"
    );
    assert_eq!(
        ids(&leaves(&run(&project, "a.yaml", &json!({"ids": [1]})))),
        Vec::<i64>::new()
    );
}

#[test]
fn deduplicate_in_a_project_creates_its_store_and_remembers_across_runs() {
    // workflow.md: "state kept per action across runs". A relay.yaml makes a project, whose
    // state store is created on first use, as for credentials.
    let project = Project::new();
    project.write("relay.yaml", "resources:\n  region: eu\n");
    project.write(
        "dedup.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>"),
    );
    assert!(!project.path(".relay").exists());
    assert_eq!(
        ids(&leaves(&run(
            &project,
            "dedup.yaml",
            &json!({"ids": [1, 2]})
        ))),
        [1, 2]
    );
    assert!(
        project.path(".relay/state.db").exists(),
        "created on first use"
    );
    assert_eq!(
        ids(&leaves(&run(
            &project,
            "dedup.yaml",
            &json!({"ids": [2, 3]})
        ))),
        [3],
        "2 was seen by the first run"
    );
}

#[test]
fn deduplicate_without_a_project_forgets_between_runs() {
    // No relay.yaml and no store: nothing is written, each process remembers on its own.
    let project = Project::new();
    project.write(
        "dedup.yaml",
        &over_ids("      mode: deduplicate\n      path: <<explode_ids.id>>"),
    );
    assert_eq!(
        ids(&leaves(&run(
            &project,
            "dedup.yaml",
            &json!({"ids": [1, 2, 2]})
        ))),
        [1, 2]
    );
    assert_eq!(
        ids(&leaves(&run(
            &project,
            "dedup.yaml",
            &json!({"ids": [2, 1]})
        ))),
        [2, 1],
        "each process starts with an empty memory"
    );
    assert!(!project.path(".relay").exists());
}

// ---------------------------------------------------------------- delay

#[test]
fn delay_holds_each_event_at_least_its_seconds() {
    let project = Project::new();
    project.write(
        "delay.yaml",
        &over_ids("      mode: delay\n      seconds: 1.5"),
    );
    let started = Instant::now();
    let out = leaves(&run(&project, "delay.yaml", &json!({"ids": [1, 2, 3]})));
    let elapsed = started.elapsed();
    assert_eq!(ids(&out), [1, 2, 3], "every event passes, in order");
    assert!(
        out.iter()
            .all(|e| e["step"] == json!({"delayed_seconds": 1.5})),
        "{out:?}"
    );
    assert!(elapsed.as_secs_f64() >= 1.5, "held for {elapsed:?}");
    assert!(
        elapsed.as_secs_f64() < 20.0,
        "the events wait side by side, not one after the other: {elapsed:?}"
    );
}

// ---------------------------------------------------------------- throttle

#[test]
fn throttle_lets_two_per_second_through_and_makes_the_rest_wait() {
    let project = Project::new();
    project.write(
        "throttle.yaml",
        &over_ids("      mode: throttle\n      runs_per_interval: 2\n      interval: second"),
    );
    let started = Instant::now();
    let out = leaves(&run(
        &project,
        "throttle.yaml",
        &json!({"ids": [1, 2, 3, 4, 5]}),
    ));
    let elapsed = started.elapsed();
    assert_eq!(ids(&out), [1, 2, 3, 4, 5], "all pass, in order");
    // Passes at 0, 0, 1, 1, 2 seconds.
    assert!(
        elapsed.as_secs_f64() >= 2.0,
        "5 events at 2 per second take 2 s at least: {elapsed:?}"
    );
    let mut waited: Vec<u64> = out
        .iter()
        .map(|e| e["step"]["waited_ms"].as_u64().expect("waited_ms"))
        .collect();
    waited.sort_unstable();
    assert!(
        waited[0] < 500 && waited[1] < 500,
        "two pass at once: {waited:?}"
    );
    assert!(
        waited[2] >= 500 && waited[3] >= 500,
        "the next two wait about a second: {waited:?}"
    );
    assert!(
        waited[4] >= 1500,
        "the fifth waits about two seconds, queued behind the others: {waited:?}"
    );
}

#[test]
fn throttle_defaults_to_a_minute_window() {
    let project = Project::new();
    project.write(
        "throttle.yaml",
        &over_ids("      mode: throttle\n      runs_per_interval: 3"),
    );
    let started = Instant::now();
    let out = leaves(&run(&project, "throttle.yaml", &json!({"ids": [1, 2, 3]})));
    assert_eq!(ids(&out), [1, 2, 3]);
    assert!(
        started.elapsed().as_secs_f64() < 20.0,
        "three events fit in one minute's allowance"
    );
}

// ---------------------------------------------------------------- validation

/// `relay validate` of a workflow whose one action has `options`; returns stderr (exit 65).
fn invalid(options: &str) -> String {
    let project = Project::new();
    project.write("w.yaml", &format!("name: T\nactions:\n  - name: Step\n    type: event_transform\n    options:\n{options}\n"));
    let r = project.relay(&["validate", "w.yaml"]);
    r.assert_code(65);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

#[test]
fn bad_options_of_each_mode_are_validation_errors() {
    let cases: &[(&str, &str)] = &[
        // extract
        (
            "      mode: extract\n      matchers:\n        - {path: <<a>>, regexp: \"(unclosed\", to: x}",
            "error: invalid regular expression in matcher #1 of action `step`: unclosed group (line 8, column",
        ),
        (
            "      mode: extract\n      matchers:\n        - {path: <<a>>, regexp: a, to: x, too: y}",
            "unknown key `too` in matcher #1 of action `step`",
        ),
        (
            "      mode: extract\n      matchers: nope",
            "`matchers` in the options of action `step` must be a list of `{path, regexp, to}`",
        ),
        (
            "      mode: extract\n      matchers:\n        - {path: <<a>>, to: x}",
            "no `regexp`",
        ),
        (
            "      mode: extract",
            "the options of action `step` have no `matchers`",
        ),
        // deduplicate
        (
            "      mode: deduplicate\n      path: <<a>>\n      lookbak: 5",
            "unknown key `lookbak` in the options of action `step` (line 8, column 7); did you mean `lookback`?",
        ),
        (
            "      mode: deduplicate\n      lookback: 5",
            "the options of action `step` have no `path`",
        ),
        (
            "      mode: deduplicate\n      path: <<a>>\n      lookback: 0",
            "`lookback` in the options of action `step` is 0; it must be from 1 to 1000000",
        ),
        // delay
        (
            "      mode: delay\n      seconds: 90000",
            "`seconds` of action `step` is 90000; a delay is at most one day (86400)",
        ),
        (
            "      mode: delay\n      seconds: 0",
            "`seconds` in the options of action `step` must be a number of seconds greater than 0",
        ),
        (
            "      mode: delay\n      seconds: 1\n      second: 2",
            "unknown key `second` in the options of action `step`",
        ),
        // throttle
        (
            "      mode: throttle\n      runs_per_interval: 2\n      interval: fortnight",
            "unknown throttle interval `fortnight` in action `step`",
        ),
        (
            "      mode: throttle\n      runs_per_interval: 0",
            "`runs_per_interval` in the options of action `step` is 0; it must be from 1 to 1000000",
        ),
        (
            "      mode: throttle\n      interval: second",
            "the options of action `step` have no `runs_per_interval`",
        ),
        (
            "      mode: throttle\n      runs_per_interval: 2\n      intervall: second",
            "unknown key `intervall` in the options of action `step`",
        ),
    ];
    for (options, message) in cases {
        let stderr = invalid(options);
        assert!(
            stderr.contains(message),
            "options:\n{options}\nexpected: {message}\ngot:\n{stderr}"
        );
    }
}

#[test]
fn a_regexp_error_is_reported_once_on_one_line() {
    let stderr = invalid(
        "      mode: extract\n      matchers:\n        - {path: <<a>>, regexp: \"a(b\", to: x}",
    );
    assert_eq!(
        stderr.matches("error:").count(),
        2,
        "the problem and the summary line only:\n{stderr}"
    );
    assert!(stderr.contains("1 problem in 1 file"), "{stderr}");
}
