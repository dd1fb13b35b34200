//! The end-to-end check: a seconds-level cron (`*/1 * * * * *`) fired by the real
//! daemon, runs recorded in the store, the daemon restarted after a few missed seconds, and no
//! fire time run twice while the missed ones follow `catchup` (all, latest, none).
//!
//! Missed fires are ledger rows without a run; the CLI has no ledger command, so they are
//! checked through the runs that exist (and do not) and the `missed` count the daemon logs.

use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    TICK, WAIT, assert_every_second, assert_unique, finished_count, floor_second,
    logged_fire_times, schedule, transform_workflow,
};
use crate::support::daemon::{DaemonProc, Project};

/// A project whose `tick` workflow fires every second with `catchup` = `mode`. `overlap: allow`
/// keeps a live fire that comes while the catch-up backlog drains from being `skipped`, so the
/// set of runs is exactly predictable.
fn ticking(mode: &str) -> Project {
    let project = Project::new();
    project.write(
        TICK,
        &transform_workflow(
            "Tick",
            &schedule("*/1 * * * * *", &[("catchup", mode), ("overlap", "allow")]),
        ),
    );
    project
}

/// Runs the daemon until `runs` runs finished, stops it with SIGTERM (exit 0), and returns it.
fn run_for(project: &Project, runs: usize) -> DaemonProc {
    let mut daemon = project.daemon(&[]);
    daemon.wait_for(&format!("{runs} finished runs"), WAIT, |d| {
        finished_count(d, TICK) >= runs
    });
    assert_eq!(
        daemon.stop(),
        0,
        "SIGTERM exits 0; stderr:\n{}",
        daemon.stderr()
    );
    daemon
}

/// The `fields` of the daemon's last `daemon stopped` / `once: done` record.
fn summary(daemon: &DaemonProc, message: &str) -> serde_json::Value {
    daemon
        .events(message)
        .pop()
        .unwrap_or_else(|| panic!("no `{message}` line; stderr:\n{}", daemon.stderr()))
}

/// The first daemon's runs: every second from the first fire on, once, all succeeded.
#[track_caller]
fn first_life(project: &Project) -> Vec<DateTime<Utc>> {
    let first = run_for(project, 3);
    let times = project.fire_times(TICK);
    assert!(times.len() >= 3, "{times:?}");
    assert_every_second(&times);
    assert_eq!(
        times,
        {
            let mut l = logged_fire_times(&first, TICK);
            l.sort();
            l
        },
        "each logged fire is a recorded run"
    );
    for run in project.runs_of(TICK) {
        assert_eq!(run["state"], "succeeded", "{run}");
        assert_eq!(run["trigger"], "schedule", "{run}");
    }
    times
}

/// Waits while the daemon is down, so fire times are missed.
/// Starts the daemon again and stops it after two fires of its own (the catch-up, which
/// comes first, is over by then). Returns when it was started, and the stopped daemon.
fn restart_until_two_live_fires(project: &Project) -> (DateTime<Utc>, DaemonProc) {
    let restart = Utc::now();
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("two live fires", WAIT, |d| {
        logged_fire_times(d, TICK)
            .iter()
            .filter(|t| **t > restart)
            .count()
            >= 2
    });
    assert_eq!(daemon.stop(), 0);
    (restart, daemon)
}

fn downtime() {
    std::thread::sleep(Duration::from_secs(3));
}

#[test]
fn catchup_all_runs_every_missed_second_once_after_a_restart() {
    let project = ticking("all");
    let first = first_life(&project);
    let last = *first.last().unwrap();
    downtime();
    let (restart, second) = restart_until_two_live_fires(&project);

    let all = project.fire_times(TICK);
    // No fire time ran twice, and every second since the first fire ran: the missed ones too.
    assert_every_second(&all);
    let missed: Vec<_> = all
        .iter()
        .filter(|t| **t > last && **t < floor_second(restart))
        .collect();
    assert!(
        missed.len() >= 2,
        "the downtime missed fire times, and `all` ran them: {missed:?}"
    );
    let logged = logged_fire_times(&second, TICK);
    assert!(
        logged.windows(2).all(|p| p[0] < p[1]),
        "catch-up runs oldest first: {logged:?}"
    );
    assert!(
        logged.iter().all(|t| *t > last),
        "the restarted daemon never fires a recorded time again: {logged:?}"
    );
    assert_eq!(
        summary(&second, "daemon stopped")["missed"],
        0,
        "`all` misses nothing within catchup_window"
    );
    assert!(
        project
            .runs_of(TICK)
            .iter()
            .all(|r| r["state"] == "succeeded")
    );
}

#[test]
fn catchup_latest_runs_only_the_newest_missed_second_and_records_the_others_missed() {
    let project = ticking("latest");
    let first = first_life(&project);
    let last = *first.last().unwrap();
    downtime();
    let before = Utc::now();
    let mut once = project.daemon(&["--once"]);
    assert_eq!(once.wait_exit(WAIT), 0, "{}", once.stderr());
    let after = Utc::now();

    let all = project.fire_times(TICK);
    assert_unique(&all);
    let new: Vec<_> = all.iter().copied().filter(|t| *t > last).collect();
    assert_eq!(
        new.len(),
        1,
        "`latest` runs one of the missed fire times: {all:?}"
    );
    let newest = new[0];
    assert!(
        newest >= floor_second(before) && newest <= after,
        "it is the newest fire time ({newest}) at the restart ({before}..{after})"
    );
    let done = summary(&once, "once: done");
    assert_eq!(done["started"], 1, "{done}");
    // Every second strictly between the last run and the one caught up is recorded missed.
    assert_eq!(done["missed"], (newest - last).num_seconds() - 1, "{done}");

    // A continuous restart: nothing run twice, and again only the newest missed time runs.
    std::thread::sleep(Duration::from_secs(2));
    let (restart, third) = restart_until_two_live_fires(&project);
    let all = project.fire_times(TICK);
    assert_unique(&all);
    let skipped_over: Vec<_> = all
        .iter()
        .filter(|t| **t > newest && **t < floor_second(restart))
        .collect();
    assert!(
        skipped_over.is_empty(),
        "fire times missed before the restart's own second do not run under `latest`: {skipped_over:?}"
    );
    assert!(
        summary(&third, "daemon stopped")["missed"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        third.stderr()
    );
}

#[test]
fn catchup_none_runs_no_missed_second_and_records_them_missed() {
    let project = ticking("none");
    let first = first_life(&project);
    let last = *first.last().unwrap();
    downtime();
    let before = Utc::now();
    let mut once = project.daemon(&["--once"]);
    assert_eq!(once.wait_exit(WAIT), 0, "{}", once.stderr());
    let after = Utc::now();

    assert_eq!(
        project.fire_times(TICK),
        first,
        "`none` runs none of the missed fire times"
    );
    let done = summary(&once, "once: done");
    assert_eq!(done["started"], 0, "{done}");
    let missed = done["missed"].as_i64().unwrap();
    let (low, high) = (
        (floor_second(before) - last).num_seconds(),
        (floor_second(after) - last).num_seconds(),
    );
    assert!(
        missed >= low && missed <= high && missed >= 2,
        "every second in (last run, restart] is recorded missed: {missed} not in {low}..={high}"
    );

    std::thread::sleep(Duration::from_secs(2));
    let restart = Utc::now();
    let mut third = project.daemon(&[]);
    third.wait_for("two live fires", WAIT, |d| {
        logged_fire_times(d, TICK).len() >= 2
    });
    assert_eq!(third.stop(), 0);
    let all = project.fire_times(TICK);
    assert_unique(&all);
    assert!(
        logged_fire_times(&third, TICK).iter().all(|t| *t > restart),
        "after a restart, `none` only fires times after the start"
    );
    assert_eq!(
        all.len(),
        first.len() + logged_fire_times(&third, TICK).len()
    );
}

/// A process suspended (SIGSTOP, like a sleeping laptop) for a few seconds wakes with several
/// fire times overdue: with `catchup: all` each of them runs, late, and none is lost or doubled.
#[test]
fn a_suspended_daemon_runs_every_overdue_fire_time_with_catchup_all() {
    let project = ticking("all");
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("2 finished runs", WAIT, |d| finished_count(d, TICK) >= 2);
    let pid = daemon.pid().to_string();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let stopped_at = Utc::now();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let resumed_at = Utc::now();
    daemon.wait_for("two fires after the resume", WAIT, |d| {
        logged_fire_times(d, TICK)
            .iter()
            .filter(|t| **t > resumed_at)
            .count()
            >= 2
    });
    assert_eq!(daemon.stop(), 0);

    let all = project.fire_times(TICK);
    assert_every_second(&all);
    let overdue = all
        .iter()
        .filter(|t| **t > stopped_at + TimeDelta::seconds(1) && **t < floor_second(resumed_at))
        .count();
    assert!(
        overdue >= 2,
        "the fire times due while suspended ran after the resume: {all:?}"
    );
    let late: Vec<_> = daemon
        .fires_of(TICK)
        .into_iter()
        .filter(|f| f["lateness_ms"].as_i64().unwrap() >= 1000)
        .collect();
    assert!(
        late.len() >= 2,
        "late fires record their lateness: {late:?}"
    );
}

/// Two daemons on one state store race for every fire time: the ledger claim lets exactly one
/// of them run it (the other logs that it was already run).
#[test]
fn two_daemons_sharing_a_store_run_each_fire_time_once() {
    let project = ticking("latest");
    let mut a = project.daemon(&[]);
    a.wait_for("a first run", WAIT, |d| finished_count(d, TICK) >= 1);
    let mut b = project.daemon(&[]);
    b.wait_for("5 more fire times claimed by either", WAIT, |b| {
        b.events("already run").len() + b.fires_of(TICK).len() >= 5
    });
    assert_eq!(b.stop(), 0);
    assert_eq!(a.stop(), 0);

    let all = project.fire_times(TICK);
    assert_unique(&all);
    let mut logged: Vec<_> = logged_fire_times(&a, TICK)
        .into_iter()
        .chain(logged_fire_times(&b, TICK))
        .collect();
    logged.sort();
    assert_eq!(all, logged, "each run is one fire logged by one daemon");
    let lost: usize = [&a, &b].iter().map(|d| d.events("already run").len()).sum();
    assert!(
        lost >= 1,
        "the daemons did race for fire times:\n{}\n{}",
        a.stderr(),
        b.stderr()
    );
    assert!(
        project
            .runs_of(TICK)
            .iter()
            .all(|r| r["state"] == "succeeded")
    );
}
