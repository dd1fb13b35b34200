//! The scheduler daemon and run history (scheduler.md), through the real binary: `relay daemon`
//! runs as a child with `--log-format json`, its stderr lines are read as JSON, it is stopped
//! with `kill -TERM`, and what it recorded is read back with `relay runs list --output json`.
//! Nothing asserts a duration: tests wait (generously) for counts of log lines or runs.

mod catchup;
mod history;
mod once;
mod overlap;
mod reload;
mod schedule_cmd;
mod stop;
mod validation;

use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::support::daemon::{DaemonProc, time};

/// The workflow key of `workflows/tick.yaml` (the daemon's default path is `workflows/`).
pub const TICK: &str = "workflows/tick.yaml";

/// How long any single wait may take on a loaded, shared machine.
pub const WAIT: Duration = Duration::from_secs(90);

/// One schedule entry as YAML list item: `cron` plus `key: value` settings.
pub fn schedule(cron: &str, settings: &[(&str, &str)]) -> String {
    let mut s = format!("schedule:\n  - cron: \"{cron}\"\n");
    for (k, v) in settings {
        s.push_str(&format!("    {k}: {v}\n"));
    }
    s
}

/// A workflow with no network: one event_transform emitting `{"n": n}`.
pub fn transform_workflow(name: &str, schedule: &str) -> String {
    format!(
        "name: {name}\n{schedule}actions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload:\n        n: 1\n"
    )
}

/// A workflow with one GET of `url` (extra header lines already indented by 8 spaces).
pub fn get_workflow(name: &str, schedule: &str, url: &str, headers: &str) -> String {
    let headers = if headers.is_empty() {
        String::new()
    } else {
        format!("      headers:\n{headers}")
    };
    format!(
        "name: {name}\n{schedule}actions:\n  - name: Fetch\n    type: http_request\n    options:\n      url: \"{url}\"\n      method: get\n{headers}"
    )
}

/// `t` rounded down to the whole second.
pub fn floor_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).expect("truncate")
}

/// Panics unless `times` (sorted) holds no time twice.
#[track_caller]
pub fn assert_unique(times: &[DateTime<Utc>]) {
    for pair in times.windows(2) {
        assert_ne!(
            pair[0], pair[1],
            "fire time {} ran twice; all: {times:?}",
            pair[0]
        );
    }
}

/// Panics unless `times` (sorted) is every whole second from the first to the last, once.
#[track_caller]
pub fn assert_every_second(times: &[DateTime<Utc>]) {
    assert_unique(times);
    for pair in times.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            TimeDelta::seconds(1),
            "a gap after {}: {times:?}",
            pair[0]
        );
    }
}

/// The fire times of `fire` log records of `workflow`, in log order.
pub fn logged_fire_times(daemon: &DaemonProc, workflow: &str) -> Vec<DateTime<Utc>> {
    daemon
        .fires_of(workflow)
        .iter()
        .map(|f| time(&f["fire_time"]))
        .collect()
}

/// `run finished` records of `workflow`.
pub fn finished_count(daemon: &DaemonProc, workflow: &str) -> usize {
    daemon
        .events("run finished")
        .iter()
        .filter(|f| f["workflow"] == workflow)
        .count()
}
