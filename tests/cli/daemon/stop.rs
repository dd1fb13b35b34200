//! SIGTERM: the daemon stops firing, lets runs in flight finish for `--grace` seconds, marks
//! the rest `interrupted`, and exits 0.

use std::time::{Duration, Instant};

use super::{TICK, WAIT, get_workflow, schedule};
use crate::support::daemon::Project;
use crate::support::{Recorder, Reply};

/// A server that holds every answer for `hold`.
fn holding(hold: Duration) -> Recorder {
    Recorder::start(move |_, _| Reply::json(200, serde_json::json!({"ok": true})).delay(hold))
}

#[test]
fn a_run_still_going_when_the_grace_period_ends_is_marked_interrupted() {
    let server = holding(Duration::from_secs(60));
    let project = Project::new();
    project.write(
        TICK,
        &get_workflow(
            "Long",
            &schedule("*/1 * * * * *", &[]),
            &server.url("/long"),
            "",
        ),
    );
    let mut daemon = project.daemon(&["--grace", "1"]);
    daemon.wait_for("the request in flight", WAIT, |_| server.count() >= 1);
    let run_id = daemon.fires_of(TICK)[0]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let asked = Instant::now();
    daemon.terminate();
    assert_eq!(
        daemon.wait_exit(Duration::from_secs(40)),
        0,
        "exit 0 after SIGTERM: {}",
        daemon.stderr()
    );
    assert!(
        asked.elapsed() < Duration::from_secs(40),
        "the daemon did not wait for the 60 s request"
    );

    let runs = project.runs_of(TICK);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run["id"], run_id.as_str());
    assert_eq!(run["state"], "interrupted", "{run}");
    assert_eq!(
        run["error"], "the daemon stopped and the grace period (1 s) ran out",
        "{run}"
    );
    assert!(run["ended_at"].is_string(), "{run}");
    let interrupted = daemon.events("interrupted");
    assert_eq!(interrupted.len(), 1, "{}", daemon.stderr());
    assert_eq!(interrupted[0]["run_id"], run_id.as_str());
    assert_eq!(daemon.events("daemon stopped")[0]["interrupted"], 1);
    assert_eq!(server.count(), 1, "no fire after the stop request");

    // `runs show` tells the same.
    let show = project.relay(&["runs", "show", &run_id]);
    show.assert_code(0);
    assert!(
        show.stdout.contains("  state     interrupted\n"),
        "{}",
        show.stdout
    );
}

#[test]
fn runs_in_flight_finish_within_a_generous_grace_and_nothing_fires_after_sigterm() {
    let server = holding(Duration::from_secs(3));
    let project = Project::new();
    // `allow`: a daemon that kept firing after SIGTERM would start more runs.
    project.write(
        TICK,
        &get_workflow(
            "Long",
            &schedule("*/1 * * * * *", &[("overlap", "allow")]),
            &server.url("/long"),
            "",
        ),
    );
    let mut daemon = project.daemon(&["--grace", "60"]);
    daemon.wait_for("a request in flight", WAIT, |_| server.count() >= 1);
    daemon.terminate();
    assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.stderr());

    let logs = daemon.logs();
    let stopping = logs
        .iter()
        .position(|l| l["fields"]["message"] == "stopping: waiting for runs in flight")
        .unwrap_or_else(|| panic!("no stopping line:\n{}", daemon.stderr()));
    assert!(
        logs[stopping..]
            .iter()
            .all(|l| l["fields"]["message"] != "fire"),
        "fired after SIGTERM:\n{}",
        daemon.stderr()
    );
    let fired = daemon.fires_of(TICK).len();
    assert!(fired >= 1);
    let runs = project.runs_of(TICK);
    assert_eq!(runs.len(), fired, "{runs:?}");
    for run in &runs {
        assert_eq!(
            run["state"], "succeeded",
            "a run in flight at SIGTERM finished: {run}"
        );
    }
    assert_eq!(server.count(), fired);
    assert_eq!(daemon.events("daemon stopped")[0]["interrupted"], 0);
    assert!(daemon.events("interrupted").is_empty());
}

/// SIGINT stops the daemon the same way.
#[test]
fn sigint_stops_the_daemon_with_exit_0() {
    let project = Project::new();
    project.write(
        TICK,
        &super::transform_workflow("Tick", &schedule("*/1 * * * * *", &[])),
    );
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("a finished run", WAIT, |d| {
        super::finished_count(d, TICK) >= 1
    });
    let status = std::process::Command::new("kill")
        .args(["-INT", &daemon.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.stderr());
    assert!(!daemon.events("daemon stopped").is_empty());
}

/// A fire waiting behind a running run (`overlap: queue`) is not started after SIGTERM: the
/// daemon stops firing and only lets runs already in flight finish.
#[test]
fn a_queued_fire_does_not_start_after_sigterm() {
    let server = holding(Duration::from_secs(3));
    let project = Project::new();
    project.write(
        TICK,
        &get_workflow(
            "Long",
            &schedule("*/1 * * * * *", &[("overlap", "queue")]),
            &server.url("/long"),
            "",
        ),
    );
    let mut daemon = project.daemon(&["--grace", "60"]);
    daemon.wait_for("a queued fire", WAIT, |d| !d.events("queued").is_empty());
    daemon.terminate();
    assert_eq!(daemon.wait_exit(WAIT), 0, "{}", daemon.stderr());

    let logs = daemon.logs();
    let stopping = logs
        .iter()
        .position(|l| l["fields"]["message"] == "stopping: waiting for runs in flight")
        .unwrap_or_else(|| panic!("no stopping line:\n{}", daemon.stderr()));
    let late: Vec<_> = logs[stopping..]
        .iter()
        .filter(|l| l["fields"]["message"] == "fire")
        .collect();
    assert!(
        late.is_empty(),
        "a queued fire started after SIGTERM: {late:?}"
    );
    let runs = project.runs_of(TICK);
    assert_eq!(runs.len(), daemon.fires_of(TICK).len());
    assert!(runs.iter().all(|r| r["state"] == "succeeded"), "{runs:?}");
}
