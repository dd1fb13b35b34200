//! Reloading without a restart: an edited workflow fires its new version, an invalid edit is
//! reported and the old version keeps firing, an added file starts firing and a removed one
//! stops. Files are replaced atomically (write + rename), as editors do.

use chrono::{DateTime, Utc};

use super::{TICK, WAIT, get_workflow, schedule};
use crate::support::Recorder;
use crate::support::daemon::{DaemonProc, Project, time};

const NEW: &str = "workflows/new.yaml";

fn tick(name: &str, recorder: &Recorder, path: &str, cron: &str) -> String {
    get_workflow(name, &schedule(cron, &[]), &recorder.url(path), "")
}

fn targets(recorder: &Recorder, target: &str) -> usize {
    recorder
        .requests()
        .iter()
        .filter(|r| r.target == target)
        .count()
}

/// The timestamp of the first log record whose message starts with `prefix` for `workflow`.
fn logged_at(daemon: &DaemonProc, prefix: &str, workflow: &str) -> Option<DateTime<Utc>> {
    daemon
        .logs()
        .into_iter()
        .find(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(prefix))
                && l["fields"]["workflow"] == workflow
        })
        .map(|l| time(&l["timestamp"]))
}

/// Runs of `workflow` whose fire time is after `t`, as (fire time, workflow name).
fn runs_after(project: &Project, workflow: &str, t: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    project
        .runs_of(workflow)
        .iter()
        .map(|r| {
            (
                time(&r["fire_time"]),
                r["workflow_name"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(f, _)| *f > t)
        .collect()
}

#[test]
fn edits_invalid_edits_additions_and_removals_are_picked_up_without_a_restart() {
    let recorder = Recorder::ok();
    let project = Project::new();
    project.write(TICK, &tick("Tick v1", &recorder, "/v1", "*/1 * * * * *"));
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("two /v1 requests", WAIT, |_| targets(&recorder, "/v1") >= 2);

    // An edit: fires after the reload use the new version.
    project.write(TICK, &tick("Tick v2", &recorder, "/v2", "*/1 * * * * *"));
    daemon.wait_for("the reload", WAIT, |d| {
        logged_at(d, "reloaded", TICK).is_some()
    });
    let reloaded = logged_at(&daemon, "reloaded", TICK).unwrap();
    daemon.wait_for("two runs after the reload", WAIT, |_| {
        runs_after(&project, TICK, reloaded).len() >= 2
    });
    for (fire, name) in runs_after(&project, TICK, reloaded) {
        assert_eq!(
            name, "Tick v2",
            "the run for {fire} (after the reload at {reloaded}) uses the new version"
        );
    }
    assert!(targets(&recorder, "/v2") >= 2);
    let v1 = targets(&recorder, "/v1");

    // An invalid edit: reported with its problem, and the previous version keeps firing.
    project.write(TICK, &tick("Tick v3", &recorder, "/v3", "61 * * * * *"));
    daemon.wait_for("the invalid change to be reported", WAIT, |d| {
        logged_at(d, "invalid change", TICK).is_some()
    });
    let record = daemon
        .logs()
        .into_iter()
        .find(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("invalid change"))
        })
        .unwrap();
    assert_eq!(record["level"], "ERROR", "{record}");
    let message = record["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("the previous version keeps running"),
        "{message}"
    );
    assert!(
        message.contains("second field `61` is out of range 0–59")
            && message.contains("workflows/tick.yaml:3:11"),
        "the problem, where: {message}"
    );
    let invalid_at = logged_at(&daemon, "invalid change", TICK).unwrap();
    daemon.wait_for("three runs after the invalid edit", WAIT, |_| {
        runs_after(&project, TICK, invalid_at).len() >= 3
    });
    for (fire, name) in runs_after(&project, TICK, invalid_at) {
        assert_eq!(
            name, "Tick v2",
            "the run for {fire} after the invalid edit still uses the last valid version"
        );
    }
    assert_eq!(targets(&recorder, "/v3"), 0);
    assert!(
        targets(&recorder, "/v1") <= v1 + 1,
        "at most a run already in flight still used v1"
    );

    // A new file starts firing (the one-string form of `schedule`).
    project.write(
        NEW,
        &get_workflow(
            "New",
            "schedule: \"*/1 * * * * *\"\n",
            &recorder.url("/new"),
            "",
        ),
    );
    daemon.wait_for("the new file to be added", WAIT, |d| {
        logged_at(d, "added", NEW).is_some()
    });
    daemon.wait_for("two runs of the new workflow", WAIT, |_| {
        project.runs_of(NEW).len() >= 2 && targets(&recorder, "/new") >= 2
    });

    // A removed file stops: no fire of it is logged after its removal, no run fires after it.
    project.remove(TICK);
    daemon.wait_for("the removal", WAIT, |d| {
        logged_at(d, "removed", TICK).is_some()
    });
    let removed = logged_at(&daemon, "removed", TICK).unwrap();
    daemon.wait_for("three more runs of the new workflow", WAIT, |_| {
        runs_after(&project, NEW, removed).len() >= 3
    });
    assert_eq!(daemon.stop(), 0);

    let logs = daemon.logs();
    let removal = logs
        .iter()
        .position(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("removed"))
                && l["fields"]["workflow"] == TICK
        })
        .unwrap();
    let late: Vec<_> = logs[removal..]
        .iter()
        .filter(|l| l["fields"]["message"] == "fire" && l["fields"]["workflow"] == TICK)
        .collect();
    assert!(
        late.is_empty(),
        "the removed workflow fired after its removal: {late:?}"
    );
    assert!(runs_after(&project, TICK, removed).is_empty());
    assert!(
        project
            .runs_of(TICK)
            .iter()
            .all(|r| r["state"] == "succeeded"),
        "runs in flight during reloads finish"
    );
}
