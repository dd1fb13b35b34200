//! `relay schedule next` (exact RFC 3339 lines with the zone's offset, DST rules, JSON) and
//! `relay schedule list` (each schedule in words with its next 3 fire times in its zone).

use crate::support::daemon::Project;

fn next(args: &[&str]) -> crate::support::RunResult {
    let mut all = vec!["schedule", "next"];
    all.extend_from_slice(args);
    Project::new().relay(&all)
}

#[track_caller]
fn lines(args: &[&str], expected: &[&str]) {
    let r = next(args);
    r.assert_code(0);
    let want: String = expected.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(
        r.stdout, want,
        "relay schedule next {args:?}\nstderr:\n{}",
        r.stderr
    );
}

#[test]
fn the_spec_example_fires_after_the_spring_forward_gap() {
    let args = [
        "30 2 * * *",
        "--timezone",
        "America/New_York",
        "--from",
        "2026-03-07T12:00:00Z",
        "-n",
        "3",
    ];
    lines(
        &args,
        &[
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00",
            "2026-03-10T02:30:00-04:00",
        ],
    );
    let mut json = args.to_vec();
    json.extend(["--output", "json"]);
    let r = next(&json);
    r.assert_code(0);
    assert_eq!(
        r.stdout,
        "[\"2026-03-08T03:00:00-04:00\",\"2026-03-09T02:30:00-04:00\",\"2026-03-10T02:30:00-04:00\"]\n"
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn times_are_strictly_after_from_and_from_may_carry_an_offset() {
    // 2026-03-08T07:00:00Z is the gap fire itself (03:00 EDT): strictly after it is the next day.
    lines(
        &[
            "30 2 * * *",
            "--timezone",
            "America/New_York",
            "--from",
            "2026-03-08T07:00:00Z",
            "-n",
            "1",
        ],
        &["2026-03-09T02:30:00-04:00"],
    );
    lines(
        &[
            "30 2 * * *",
            "--timezone",
            "America/New_York",
            "--from",
            "2026-03-08T01:59:59-05:00",
            "-n",
            "1",
        ],
        &["2026-03-08T03:00:00-04:00"],
    );
    lines(
        &[
            "*/1 * * * * *",
            "--from",
            "2026-01-01T00:00:00.500Z",
            "-n",
            "2",
        ],
        &["2026-01-01T00:00:01+00:00", "2026-01-01T00:00:02+00:00"],
    );
}

#[test]
fn europe_london_spring_forward_and_fall_back() {
    // 29 March 2026: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist and fires at 02:00 once.
    lines(
        &[
            "30 1 * * *",
            "--timezone",
            "Europe/London",
            "--from",
            "2026-03-27T12:00:00Z",
            "-n",
            "3",
        ],
        &[
            "2026-03-28T01:30:00+00:00",
            "2026-03-29T02:00:00+01:00",
            "2026-03-30T01:30:00+01:00",
        ],
    );
    lines(
        &[
            "*/30 * * * *",
            "--timezone",
            "Europe/London",
            "--from",
            "2026-03-29T00:00:00Z",
            "-n",
            "4",
        ],
        &[
            "2026-03-29T00:30:00+00:00",
            "2026-03-29T02:00:00+01:00",
            "2026-03-29T02:30:00+01:00",
            "2026-03-29T03:00:00+01:00",
        ],
    );
    // 25 October 2026: 02:00 BST falls back to 01:00 GMT; 01:30 happens twice and fires once, first.
    lines(
        &[
            "30 1 * * *",
            "--timezone",
            "Europe/London",
            "--from",
            "2026-10-24T12:00:00Z",
            "-n",
            "3",
        ],
        &[
            "2026-10-25T01:30:00+01:00",
            "2026-10-26T01:30:00+00:00",
            "2026-10-27T01:30:00+00:00",
        ],
    );
    lines(
        &[
            "*/30 * * * *",
            "--timezone",
            "Europe/London",
            "--from",
            "2026-10-25T00:00:00+01:00",
            "-n",
            "5",
        ],
        &[
            "2026-10-25T00:30:00+01:00",
            "2026-10-25T01:00:00+01:00",
            "2026-10-25T01:30:00+01:00",
            "2026-10-25T02:00:00+00:00",
            "2026-10-25T02:30:00+00:00",
        ],
    );
}

#[test]
fn croner_syntax_seconds_names_l_w_hash_and_aliases() {
    let from = ["--from", "2026-01-01T00:00:00Z"];
    let with = |cron: &'static str, n: &'static str| -> Vec<&'static str> {
        [cron].into_iter().chain(from).chain(["-n", n]).collect()
    };
    lines(
        &with("0 9 * * 5#2", "2"),
        &["2026-01-09T09:00:00+00:00", "2026-02-13T09:00:00+00:00"],
    );
    lines(
        &with("0 0 L * *", "2"),
        &["2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00"],
    );
    lines(&with("0 0 * * 5L", "1"), &["2026-01-30T00:00:00+00:00"]);
    lines(
        &["0 0 15W * *", "--from", "2026-02-01T00:00:00Z", "-n", "2"],
        &["2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00"],
    );
    for sunday in ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "@weekly"] {
        lines(&with(sunday, "1"), &["2026-01-04T00:00:00+00:00"]);
    }
    lines(&with("0 0 1 JAN *", "1"), &["2027-01-01T00:00:00+00:00"]);
    lines(
        &with("15,45 30 8 * * MON-FRI", "3"),
        &[
            "2026-01-01T08:30:15+00:00",
            "2026-01-01T08:30:45+00:00",
            "2026-01-02T08:30:15+00:00",
        ],
    );
    lines(
        &[
            "@daily",
            "--timezone",
            "Asia/Kolkata",
            "--from",
            "2026-01-01T00:00:00Z",
            "-n",
            "1",
        ],
        &["2026-01-02T00:00:00+05:30"],
    );
}

#[test]
fn an_invalid_cron_or_zone_is_exit_65_naming_the_field() {
    let r = next(&["61 * * * *"]);
    r.assert_code(65);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error: invalid `cron`: minute field `61` is out of range 0–59\n  = help: minutes are 0–59\n"
    );

    let r = next(&["* * * * *", "--timezone", "Europe/Londn"]);
    r.assert_code(65);
    assert!(
        r.stderr.starts_with("error: invalid `timezone`: unknown time zone `Europe/Londn`; did you mean `Europe/London`?\n"),
        "{}",
        r.stderr
    );

    for bad in [
        "* * * *",
        "* * * * * * * *",
        "0 0 32 * *",
        "0 0 * * 5#6",
        "@fortnightly",
        "",
    ] {
        let r = next(&[bad]);
        assert_eq!(r.code, 65, "`{bad}` is invalid: {r:?}");
        assert!(
            r.stderr.starts_with("error: invalid `cron`: "),
            "`{bad}`: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"));
    }
    let r = next(&["* * * * *", "--from", "yesterday"]);
    r.assert_code(2);
    assert!(
        r.stderr
            .contains("--from `yesterday` is not an RFC 3339 time"),
        "{}",
        r.stderr
    );
}

#[test]
fn schedule_list_shows_each_schedule_in_words_with_its_next_three_times_in_its_zone() {
    let project = Project::new();
    project.write(
        "workflows/report.yaml",
        "name: Weekday report\nschedule:\n  - cron: \"0 9 * * 1-5\"\n    timezone: Europe/London\n    catchup: all\n    overlap: queue\n  - cron: \"@daily\"\nactions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload: {n: 1}\n",
    );
    project.write("workflows/tick.yaml", "name: Tick\nschedule: \"0 */2 * * *\"\nactions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload: {n: 1}\n");
    project.write("workflows/plain.yaml", "name: Plain\nactions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload: {n: 1}\n");

    let preview = |cron: &str, zone: &str| -> String {
        let r = project.relay(&["schedule", "next", cron, "--timezone", zone, "-n", "3"]);
        r.assert_code(0);
        r.stdout.lines().collect::<Vec<_>>().join(", ")
    };
    // Computed before and after: a fire time passing in between would change the expectation.
    for _attempt in 0..3 {
        let expected = format!(
            "workflows/report.yaml  Weekday report\n  #1 0 9 * * 1-5 (Europe/London): At 09:00 on Monday through Friday; catchup all, overlap queue\n     next: {}\n  #2 @daily (UTC): At 00:00; catchup latest, overlap skip\n     next: {}\nworkflows/tick.yaml  Tick\n  #1 0 */2 * * * (UTC): At minute 0 of every 2 hours; catchup latest, overlap skip\n     next: {}\n",
            preview("0 9 * * 1-5", "Europe/London"),
            preview("@daily", "UTC"),
            preview("0 */2 * * *", "UTC"),
        );
        let r = project.relay(&["schedule", "list"]);
        r.assert_code(0);
        if r.stdout == expected {
            return;
        }
        eprintln!("retrying: got\n{}\nexpected\n{expected}", r.stdout);
    }
    panic!("relay schedule list never matched the previews");
}

#[test]
fn schedule_list_reports_an_invalid_schedule_with_exit_65() {
    let project = Project::new();
    project.write("workflows/bad.yaml", "name: Bad\nschedule:\n  - cron: \"0 9 * * 1-5\"\n    overlap: wait\nactions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload: {n: 1}\n");
    let r = project.relay(&["schedule", "list"]);
    r.assert_code(65);
    assert!(
        r.stderr
            .contains("invalid `overlap` in schedule #1: unknown overlap mode `wait`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(" --> workflows/bad.yaml:4:14"),
        "{}",
        r.stderr
    );
}
