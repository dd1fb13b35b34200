//! The daemon validates every workflow before it starts anything: one invalid schedule among
//! valid ones is exit 65, each problem shown with its file, line, column and field, and no run.

use std::time::Duration;

use super::{TICK, schedule, transform_workflow};
use crate::support::daemon::Project;

#[test]
fn an_invalid_schedule_among_valid_workflows_starts_nothing_and_exits_65() {
    let project = Project::new();
    project.write(
        TICK,
        &transform_workflow("Tick", &schedule("*/1 * * * * *", &[])),
    );
    project.write("workflows/plain.yaml", &transform_workflow("Plain", ""));
    project.write(
        "workflows/bad_cron.yaml",
        &transform_workflow("Bad cron", &schedule("61 * * * * *", &[])),
    );
    project.write(
        "workflows/bad_zone.yaml",
        &transform_workflow(
            "Bad zone",
            &schedule("0 9 * * *", &[("timezone", "Europe/Londn")]),
        ),
    );
    project.write(
        "workflows/bad_mode.yaml",
        &transform_workflow(
            "Bad mode",
            &schedule("0 9 * * *", &[("catchup", "lastest")]),
        ),
    );

    let mut daemon = project.daemon(&[]);
    let code = daemon.wait_exit(Duration::from_secs(60));
    let stderr = daemon.stderr();
    assert_eq!(code, 65, "{stderr}");
    for expected in [
        "error: invalid `cron` in schedule #1: second field `61` is out of range 0–59 (line 3, column 11)",
        " --> workflows/bad_cron.yaml:3:11",
        "3 |   - cron: \"61 * * * * *\"",
        "invalid `timezone` in schedule #1: unknown time zone `Europe/Londn`; did you mean `Europe/London`?",
        " --> workflows/bad_zone.yaml:4:15",
        "invalid `catchup` in schedule #1: unknown catch-up mode `lastest`",
        " --> workflows/bad_mode.yaml:4:14",
        "nothing was started",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    assert!(
        daemon.events("daemon started").is_empty() && daemon.events("fire").is_empty(),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Nothing ran (and there may be no state store at all).
    let runs = project.relay(&["runs", "list", "--output", "json"]);
    runs.assert_code(0);
    assert_eq!(runs.json(), serde_json::json!([]), "{}", runs.stderr);

    // Fixed, the same set starts (the invalid files removed).
    for name in ["bad_cron", "bad_zone", "bad_mode"] {
        project.remove(&format!("workflows/{name}.yaml"));
    }
    let mut daemon = project.daemon(&[]);
    daemon.wait_for("a fire", super::WAIT, |d| !d.fires_of(TICK).is_empty());
    assert_eq!(daemon.stop(), 0);
    let started = daemon.events("daemon started");
    assert_eq!(
        started[0]["workflows"], 1,
        "only workflows with a schedule are scheduled: {started:?}"
    );
    assert_eq!(started[0]["files"], 2);
}
