//! `relay daemon --once`: fires what is due now by the catch-up rules, waits for those runs,
//! and exits (for system cron and CI).

use chrono::{TimeDelta, Utc};

use super::{WAIT, schedule, transform_workflow};
use crate::support::daemon::{Project, time};

const DAILY: &str = "workflows/daily.yaml";
const YEARLY: &str = "workflows/yearly.yaml";

#[test]
fn once_runs_what_is_due_then_exits_and_a_second_once_runs_nothing() {
    let project = Project::new();
    // Midnight UTC was less than 24 h (the default window) ago: due.
    project.write(
        DAILY,
        &transform_workflow("Daily", &schedule("0 0 * * *", &[])),
    );
    // New Year was more than a minute ago: too late for its window, not due.
    project.write(
        YEARLY,
        &transform_workflow("Yearly", &schedule("@yearly", &[("catchup_window", "1m")])),
    );
    project.write("workflows/plain.yaml", &transform_workflow("Plain", ""));

    let mut first = project.daemon(&["--once"]);
    assert_eq!(first.wait_exit(WAIT), 0, "{}", first.stderr());
    let runs = project.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run["workflow"], DAILY);
    assert_eq!(run["workflow_name"], "Daily");
    assert_eq!(run["trigger"], "schedule");
    assert_eq!(
        run["state"], "succeeded",
        "--once waits for the run to end: {run}"
    );
    assert_eq!(run["executions"], 1);
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let fire = time(&run["fire_time"]);
    assert!(
        fire == midnight || fire == midnight - TimeDelta::days(1),
        "the newest midnight: {fire}"
    );
    let done = first.events("once: done");
    assert_eq!(done.len(), 1, "{}", first.stderr());
    assert_eq!(done[0]["started"], 1);
    assert_eq!(first.fires_of(DAILY).len(), 1);
    assert!(first.fires_of(YEARLY).is_empty());

    // The ledger holds that fire time: nothing is due any more.
    let mut second = project.daemon(&["--once"]);
    assert_eq!(second.wait_exit(WAIT), 0, "{}", second.stderr());
    assert_eq!(project.runs().len(), 1);
    assert_eq!(second.events("once: done")[0]["started"], 0);
}

#[test]
fn once_with_nothing_scheduled_exits_0() {
    let project = Project::new();
    project.write("workflows/plain.yaml", &transform_workflow("Plain", ""));
    let mut once = project.daemon(&["--once"]);
    assert_eq!(once.wait_exit(WAIT), 0, "{}", once.stderr());
    assert_eq!(once.events("once: done")[0]["started"], 0);
}

#[test]
fn once_exits_1_when_a_run_it_started_failed() {
    let project = Project::new();
    // A formula reading a path that does not exist fails the run.
    project.write(
        DAILY,
        "name: Daily\nschedule: \"0 0 * * *\"\nactions:\n  - name: Broken\n    type: event_transform\n    options:\n      mode: message_only\n      payload: {x: <<nothing.here>>}\n",
    );
    let mut once = project.daemon(&["--once"]);
    assert_eq!(
        once.wait_exit(WAIT),
        1,
        "a failed run fails --once: {}",
        once.stderr()
    );
    assert!(
        once.stderr().contains("1 of the runs failed"),
        "{}",
        once.stderr()
    );
    assert_eq!(project.runs()[0]["state"], "failed");
}
