//! `overlap` while the daemon runs: a per-second schedule whose run takes ~2.5 s (an
//! http_request to a server that holds its answer).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{TICK, WAIT, finished_count, get_workflow, logged_fire_times, schedule};
use crate::support::daemon::{Project, time};
use crate::support::runs::InFlight;

const HOLD: Duration = Duration::from_millis(2500);

fn slow_project(overlap: &str, server: &crate::support::Recorder) -> Project {
    let project = Project::new();
    project.write(
        TICK,
        &get_workflow(
            "Slow",
            &schedule("*/1 * * * * *", &[("overlap", overlap)]),
            &server.url("/slow"),
            "",
        ),
    );
    project
}

fn skipped_times(daemon: &crate::support::daemon::DaemonProc) -> Vec<DateTime<Utc>> {
    daemon
        .events("skipped")
        .iter()
        .filter(|f| f["workflow"] == TICK)
        .map(|f| time(&f["fire_time"]))
        .collect()
}

#[test]
fn skip_records_fires_that_come_while_the_previous_run_is_going_as_skipped() {
    let flight = InFlight::default();
    let server = flight.server(HOLD);
    let project = slow_project("skip", &server);
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("2 finished runs and 3 skipped fires", WAIT, |d| {
        finished_count(d, TICK) >= 2 && skipped_times(d).len() >= 3
    });
    assert_eq!(daemon.stop(), 0);

    assert_eq!(flight.max(), 1, "never two runs of the schedule at once");
    let started = logged_fire_times(&daemon, TICK);
    let skipped = skipped_times(&daemon);
    for s in &skipped {
        assert!(!started.contains(s), "{s} was both started and skipped");
        assert!(
            *s > started[0],
            "a fire is skipped only while a run is going"
        );
    }
    let mut all: Vec<_> = started.iter().chain(&skipped).copied().collect();
    all.sort();
    super::assert_every_second(&all);
    for record in daemon.events("skipped") {
        assert_eq!(
            record["message"], "skipped: the previous run is still going",
            "{record}"
        );
        assert_eq!(record["schedule"], 0);
    }
    let stopped = daemon
        .events("daemon stopped")
        .pop()
        .expect("daemon stopped line");
    assert_eq!(stopped["skipped"], skipped.len(), "{stopped}");
    // Skipped fires create no run; every started fire is one run.
    let mut runs = project.fire_times(TICK);
    runs.sort();
    let mut started_sorted = started.clone();
    started_sorted.sort();
    assert_eq!(runs, started_sorted);
    assert!(
        project
            .runs_of(TICK)
            .iter()
            .all(|r| r["state"] == "succeeded")
    );

    // The skipped fire times are in the ledger: even with `catchup: all`, a restart catches up
    // only fire times after the last recorded one, never a skipped one.
    let last_recorded = *all.last().unwrap();
    project.write(
        TICK,
        &get_workflow(
            "Slow",
            &schedule("*/1 * * * * *", &[("catchup", "all")]),
            &server.url("/slow"),
            "",
        ),
    );
    let mut again = project.daemon(&["--once"]);
    assert_eq!(again.wait_exit(WAIT), 0);
    let after: Vec<_> = project
        .fire_times(TICK)
        .into_iter()
        .filter(|t| *t <= last_recorded)
        .collect();
    assert_eq!(after, started_sorted, "no skipped fire time ran later");
}

#[test]
fn queue_holds_one_fire_and_starts_it_when_the_run_ends() {
    let flight = InFlight::default();
    let server = flight.server(HOLD);
    let project = slow_project("queue", &server);
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("3 finished runs", WAIT, |d| finished_count(d, TICK) >= 3);
    assert_eq!(daemon.stop(), 0);

    assert_eq!(flight.max(), 1, "queued fires wait: never two runs at once");
    let queued: Vec<_> = daemon
        .events("queued")
        .iter()
        .map(|f| time(&f["fire_time"]))
        .collect();
    assert!(queued.len() >= 2, "{}", daemon.stderr());
    let started = logged_fire_times(&daemon, TICK);
    for q in &queued[..queued.len() - 1] {
        assert!(
            started.contains(q),
            "queued fire {q} started when the previous run ended: {started:?}"
        );
    }
    // While one run goes and one waits, further fires are skipped (at most one waiting).
    assert!(!daemon.events("skipped").is_empty(), "{}", daemon.stderr());
    let late = daemon
        .fires_of(TICK)
        .iter()
        .filter(|f| f["lateness_ms"].as_i64().unwrap() >= 1000)
        .count();
    assert!(late >= 1, "a queued fire starts late and says so");
}

#[test]
fn allow_starts_each_fire_at_once_alongside_the_running_one() {
    let flight = InFlight::default();
    let server = flight.server(HOLD);
    let project = slow_project("allow", &server);
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("4 fires", WAIT, |d| logged_fire_times(d, TICK).len() >= 4);
    assert_eq!(daemon.stop(), 0);
    assert!(flight.max() >= 2, "runs overlap with `allow`");
    assert!(daemon.events("skipped").is_empty() && daemon.events("queued").is_empty());
    super::assert_every_second(&project.fire_times(TICK));
}
