//! Run history written by the daemon: scheduled runs use the same credentials and redaction as
//! `relay run` (a canary secret is nowhere in `runs show` nor in any file of the state
//! directory), and `--keep-runs` prunes finished runs per workflow.

use std::path::Path;

use super::{
    TICK, WAIT, finished_count, get_workflow, logged_fire_times, schedule, transform_workflow,
};
use crate::support::daemon::Project;
use crate::support::{Recorder, Reply};

const CANARY: &str = "canary-7f3a9c2e-scheduled-secret";

/// A server answering each request with a JSON echo of its target and headers.
fn echo_server() -> Recorder {
    Recorder::start(|req, _| {
        let headers: serde_json::Map<String, serde_json::Value> = req
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone().into()))
            .collect();
        Reply::json(
            200,
            serde_json::json!({"target": req.target, "headers": headers}),
        )
    })
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read state dir") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_scheduled_runs_history_never_holds_the_secret_in_clear() {
    let server = echo_server();
    let project = Project::new().env("RELAY_TEST_CANARY", CANARY);
    project.write(
        "relay.yaml",
        &format!("credentials:\n  tok:\n    type: text\n    env: RELAY_TEST_CANARY\n    allowed_hosts: [\"{}\"]\n", server.host()),
    );
    let headers = "        Authorization: \"Bearer <<CREDENTIAL.tok>>\"\n        X-Echo: \"<<CREDENTIAL.tok>>\"\n";
    project.write(
        TICK,
        &get_workflow(
            "Secret",
            &schedule("*/1 * * * * *", &[]),
            &server.url("/echo?token=<<CREDENTIAL.tok>>"),
            headers,
        ),
    );
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("2 finished runs", WAIT, |d| finished_count(d, TICK) >= 2);
    assert_eq!(daemon.stop(), 0);

    // The secret really was sent (and echoed back into the result).
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(format!("Bearer {CANARY}").as_str())),
        "{requests:?}"
    );
    assert!(
        !daemon.stderr().contains(CANARY),
        "daemon log:\n{}",
        daemon.stderr()
    );

    let runs = project.runs_of(TICK);
    assert!(runs.len() >= 2);
    for run in &runs {
        assert_eq!(run["state"], "succeeded", "{run}");
        let id = run["id"].as_str().unwrap();
        let text = project.relay(&["runs", "show", id, "--events"]);
        text.assert_code(0);
        let json = project.relay(&["runs", "show", id, "--events", "--output", "json"]);
        json.assert_code(0);
        for out in [&text, &json] {
            assert!(
                !out.all_output().contains(CANARY),
                "runs show printed the secret:\n{}",
                out.all_output()
            );
        }
        // The result was stored (the echo of the request), with the secret masked.
        assert!(text.stdout.contains("[REDACTED:tok]"), "{}", text.stdout);
        let executions = json.json()["executions"].clone();
        assert_eq!(executions[0]["action"], "fetch", "{executions}");
        let echoed = &executions[0]["result"]["body"]["headers"];
        assert_eq!(
            echoed["authorization"], "Bearer [REDACTED:tok]",
            "{executions}"
        );
        assert_eq!(echoed["x-echo"], "[REDACTED:tok]", "{executions}");
        let detail = executions[0]["detail"].as_str().unwrap_or_default();
        assert!(!detail.contains(CANARY), "{detail}");
    }
    let list = project.relay(&["runs", "list"]);
    assert!(!list.all_output().contains(CANARY));

    let mut files = Vec::new();
    files_under(&project.path(".relay"), &mut files);
    assert!(
        files.iter().any(|f| f.file_name().unwrap() == "state.db"),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !contains(&bytes, CANARY.as_bytes()),
            "{} holds the secret in clear",
            file.display()
        );
    }
}

#[test]
fn keep_runs_keeps_the_newest_finished_runs_of_each_workflow() {
    const OTHER: &str = "workflows/other.yaml";
    let project = Project::new();
    project.write(
        TICK,
        &transform_workflow("Tick", &schedule("*/1 * * * * *", &[])),
    );
    project.write(
        OTHER,
        &transform_workflow("Other", &schedule("*/1 * * * * *", &[])),
    );
    let mut daemon = project.daemon(&["--keep-runs", "3"]);
    daemon.wait_for("6 finished runs of each", WAIT, |d| {
        finished_count(d, TICK) >= 6 && finished_count(d, OTHER) >= 6
    });
    assert_eq!(daemon.stop(), 0);

    for workflow in [TICK, OTHER] {
        let kept = project.fire_times(workflow);
        let mut fired = logged_fire_times(&daemon, workflow);
        fired.sort();
        assert!(fired.len() >= 6);
        assert_eq!(
            kept,
            fired[fired.len() - 3..].to_vec(),
            "{workflow}: the 3 newest runs are kept"
        );
    }
    // Pruned runs are gone from `runs show` too.
    let oldest = daemon.fires_of(TICK)[0]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let show = project.relay(&["runs", "show", &oldest]);
    show.assert_code(1);
    assert!(
        show.stderr.contains(&format!("no run `{oldest}`")),
        "{}",
        show.stderr
    );
}

#[test]
fn a_failed_scheduled_run_records_its_error_and_failed_execution() {
    let project = Project::new();
    // Port 1 on 127.0.0.1: nothing listens, the connection is refused at once.
    project.write(
        TICK,
        &get_workflow(
            "Fails",
            &schedule("*/1 * * * * *", &[]),
            "http://127.0.0.1:1/x",
            "",
        ),
    );
    let mut once = project.daemon(&["--once"]);
    once.wait_exit(WAIT);
    let failed = project.relay(&["runs", "list", "--state", "failed", "--output", "json"]);
    failed.assert_code(0);
    let runs = failed.json();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    let run = &runs[0];
    assert_eq!(run["state"], "failed");
    let error = run["error"].as_str().unwrap();
    assert!(
        error.starts_with("fetch: GET http://127.0.0.1:1/x: could not connect"),
        "{error}"
    );
    assert_eq!(once.events("run finished")[0]["state"], "failed");
    let show = project.relay(&["runs", "show", run["id"].as_str().unwrap()]);
    show.assert_code(0);
    assert!(
        show.stdout
            .contains("    ✗ fetch  GET http://127.0.0.1:1/x → no response  "),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains(&format!("  error     {error}\n")),
        "{}",
        show.stdout
    );
    let none = project.relay(&["runs", "list", "--state", "succeeded", "--output", "json"]);
    assert_eq!(none.json(), serde_json::json!([]));
}
