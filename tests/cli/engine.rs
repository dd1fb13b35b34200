//! The run engine as `relay run` shows it (workflow.md, "Events and runs", `event_transform`,
//! `trigger`): events build up, links, failures, explode/implode ordering, concurrency, rules.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::runs::{InFlight, leaves, leaves_with, matching_lines, run_workflow};
use crate::support::{Recorder, Reply};

/// The number at the end of a request target such as `/item/3`.
fn trailing_number(target: &str) -> i64 {
    let digits: String = target
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number at the end of {target}"))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

// ---------------------------------------------------------------------------------------------
// Events build up

#[test]
fn later_actions_read_earlier_results_and_input_keys_are_roots() {
    let rec =
        Recorder::start(|_, _| Reply::json(200, json!({"summary": "Printer on fire", "n": 3})));
    let wf = format!(
        r#"name: Build up
actions:
  - name: Prepare
    type: event_transform
    options:
      mode: message_only
      payload:
        id: <<ticket_id>>
        label: "ticket <<ticket_id>>"
  - name: Fetch
    type: http_request
    options:
      url: {url}/tickets/<<prepare.id>>
      method: get
  - name: Combine
    type: event_transform
    options:
      mode: message_only
      payload:
        from_input: <<ticket_id>>
        from_prepare: <<prepare.label>>
        from_fetch: <<fetch.body.summary>>
        status: <<fetch.status>>
        sum: =ticket_id + fetch.body.n
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &["--input", r#"{"ticket_id": 7, "extra": "x"}"#]);
    r.assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/tickets/7");
    let out = leaves(&r);
    assert_eq!(
        out.len(),
        1,
        "only the last action of the chain is a leaf: {out:?}"
    );
    let e = &out[0];
    // E ⊕ {slug: R}: the entry keys stay, each action adds its slug.
    assert_eq!(
        keys(e),
        ["combine", "extra", "fetch", "prepare", "ticket_id"]
    );
    assert_eq!(e["ticket_id"], 7);
    assert_eq!(e["extra"], "x");
    assert_eq!(e["prepare"], json!({"id": 7, "label": "ticket 7"}));
    assert_eq!(e["fetch"]["status"], 200);
    assert_eq!(
        e["fetch"]["body"],
        json!({"summary": "Printer on fire", "n": 3})
    );
    assert_eq!(
        e["combine"],
        json!({"from_input": 7, "from_prepare": "ticket 7", "from_fetch": "Printer on fire", "status": 200, "sum": 10})
    );
}

#[test]
fn without_links_the_actions_form_a_chain_in_file_order() {
    let wf = r#"name: Chain
actions:
  - name: One
    type: event_transform
    options: {mode: message_only, payload: {step: 1}}
  - name: Two
    type: event_transform
    options: {mode: message_only, payload: {step: 2, saw: <<one.step>>}}
  - name: Three
    type: event_transform
    options: {mode: message_only, payload: {step: 3, saw: <<two.step>>}}
"#;
    let r = run_workflow("", wf, &[]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(
        out,
        vec![
            json!({"one": {"step": 1}, "two": {"step": 2, "saw": 1}, "three": {"step": 3, "saw": 2}})
        ]
    );
    assert!(r.stderr.contains("3 actions, 3 executions"), "{}", r.stderr);
}

#[test]
fn one_action_linked_to_two_receivers_sends_the_event_to_both() {
    let wf = r#"name: Branch
actions:
  - name: Start
    type: event_transform
    options: {mode: message_only, payload: {v: <<x>>}}
  - name: Left
    type: event_transform
    options: {mode: message_only, payload: {side: left, v: <<start.v>>}}
  - name: Right
    type: event_transform
    options: {mode: message_only, payload: {side: right, v: <<start.v>>}}
links:
  - {from: start, to: left}
  - {from: start, to: right}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"x": 5}"#]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 2, "{out:?}");
    let left = leaves_with(&r, "left");
    let right = leaves_with(&r, "right");
    assert_eq!(
        left,
        vec![json!({"x": 5, "start": {"v": 5}, "left": {"side": "left", "v": 5}})]
    );
    assert_eq!(
        right,
        vec![json!({"x": 5, "start": {"v": 5}, "right": {"side": "right", "v": 5}})]
    );
}

#[test]
fn every_action_without_incoming_link_receives_the_entry_event() {
    let wf = r#"name: Two roots
actions:
  - name: A
    type: event_transform
    options: {mode: message_only, payload: {a: <<x>>}}
  - name: B
    type: event_transform
    options: {mode: message_only, payload: {b: <<x>>}}
  - name: Join
    type: event_transform
    options: {mode: message_only, payload: {seen: <<x>>}}
links:
  - {from: a, to: join}
  - {from: b, to: join}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"x": "in"}"#]);
    r.assert_code(0);
    let mut out = leaves(&r);
    out.sort_by_key(|e| e.get("a").is_none());
    assert_eq!(
        out,
        vec![
            json!({"x": "in", "a": {"a": "in"}, "join": {"seen": "in"}}),
            json!({"x": "in", "b": {"b": "in"}, "join": {"seen": "in"}}),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Failures

#[test]
fn a_failure_link_handles_the_failure_and_receives_the_response() {
    let rec = Recorder::start(|_, _| {
        Reply::json(500, json!({"err": "boom"})).header("x-trace", "abc-123")
    });
    let wf = format!(
        r#"name: Handled
actions:
  - name: Fetch
    type: http_request
    options: {{url: "{url}/fail", method: get}}
  - name: On success
    type: event_transform
    options: {{mode: message_only, payload: {{ok: true}}}}
  - name: Handle
    type: event_transform
    options:
      mode: message_only
      payload:
        status: <<fetch.status>>
        trace: <<fetch.headers["x-trace"]>>
        err: <<fetch.body.err>>
links:
  - {{from: fetch, to: on_success}}
  - {{from: fetch, to: handle, type: failure}}
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &[]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 1, "{out:?}");
    let e = &out[0];
    assert!(
        e.get("on_success").is_none(),
        "a failed execution never follows default links"
    );
    assert_eq!(keys(&e["fetch"]), ["body", "headers", "status"]);
    assert_eq!(e["fetch"]["status"], 500);
    assert_eq!(e["fetch"]["body"], json!({"err": "boom"}));
    assert_eq!(e["fetch"]["headers"]["x-trace"], "abc-123");
    assert_eq!(
        e["handle"],
        json!({"status": 500, "trace": "abc-123", "err": "boom"})
    );
    assert_eq!(
        matching_lines(&r.stderr, "✗ fetch  GET {*} → 500  {dur}").len(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        matching_lines(&r.stderr, "run {id} succeeded: {*}").len(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn an_unhandled_failure_fails_the_run_but_the_other_events_go_on() {
    let rec = Recorder::start(|req, _| {
        let n = trailing_number(&req.target);
        if n == 3 {
            Reply::json(500, json!({"err": "item 3 is cursed"}))
        } else {
            Reply::json(200, json!({"n": n}))
        }
    });
    let wf = format!(
        r#"name: Partial
actions:
  - name: Explode
    type: event_transform
    options: {{mode: explode, path: <<items>>, to: item}}
  - name: Fetch
    type: http_request
    options: {{url: "{url}/item/<<explode.item>>", method: get}}
  - name: Leaf
    type: event_transform
    options: {{mode: message_only, payload: {{n: <<fetch.body.n>>}}}}
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &["--input", r#"{"items": [1, 2, 3, 4, 5]}"#]);
    r.assert_code(1);
    assert_eq!(rec.count(), 5, "every item was fetched");
    let ns: Vec<Value> = leaves(&r).iter().map(|e| e["leaf"]["n"].clone()).collect();
    assert_eq!(
        ns,
        vec![json!(1), json!(2), json!(4), json!(5)],
        "the four good items reach the leaf, in order"
    );
    // The report names the action, the event it received and the cause.
    let failed_line = r
        .stderr
        .lines()
        .find(|l| l.contains("action `fetch` failed"))
        .unwrap_or_else(|| panic!("no failure line:\n{}", r.stderr));
    assert!(failed_line.contains("500"), "{failed_line}");
    assert!(failed_line.contains("/item/3"), "{failed_line}");
    let event_line = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("event:"))
        .unwrap_or_else(|| panic!("no event line:\n{}", r.stderr));
    assert!(event_line.contains(r#""item":3"#), "{event_line}");
    assert_eq!(
        matching_lines(&r.stderr, "run {id} failed{*}").len(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn a_trigger_that_does_not_match_goes_along_no_match_links() {
    let wf = r#"name: No match
actions:
  - name: Check
    type: trigger
    options:
      rules: [{type: field==value, path: <<level>>, value: high}]
  - name: Urgent
    type: event_transform
    options: {mode: message_only, payload: {urgent: true}}
  - name: Routine
    type: event_transform
    options: {mode: message_only, payload: {routine: true}}
links:
  - {from: check, to: urgent}
  - {from: check, to: routine, type: no_match}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"level": "low"}"#]);
    r.assert_code(0);
    assert_eq!(
        leaves(&r),
        vec![
            json!({"level": "low", "check": {"rule_matched": false}, "routine": {"routine": true}})
        ]
    );
    let r = run_workflow("", wf, &["--input", r#"{"level": "high"}"#]);
    r.assert_code(0);
    assert_eq!(
        leaves(&r),
        vec![json!({"level": "high", "check": {"rule_matched": true}, "urgent": {"urgent": true}})]
    );
}

#[test]
fn a_trigger_that_does_not_match_without_no_match_link_passes_nothing() {
    let wf = r#"name: No match, no link
actions:
  - name: Check
    type: trigger
    options:
      rules: [{type: field==value, path: <<level>>, value: high}]
  - name: Urgent
    type: event_transform
    options: {mode: message_only, payload: {urgent: true}}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"level": "low"}"#]);
    r.assert_code(0);
    assert_eq!(leaves(&r), Vec::<Value>::new());
    assert!(
        !r.stderr.contains("urgent"),
        "urgent never ran:\n{}",
        r.stderr
    );
}

#[test]
fn a_disabled_action_is_skipped_and_passes_nothing() {
    let rec = Recorder::ok();
    let wf = format!(
        r#"name: Disabled
actions:
  - name: Start
    type: event_transform
    options: {{mode: message_only, payload: {{go: true}}}}
  - name: Send
    type: http_request
    disabled: true
    options: {{url: "{url}/never", method: post}}
  - name: After
    type: event_transform
    options: {{mode: message_only, payload: {{after: true}}}}
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &[]);
    r.assert_code(0);
    assert_eq!(rec.count(), 0, "a disabled action sends nothing");
    assert_eq!(leaves(&r), Vec::<Value>::new());
    let send_lines: Vec<&str> = r.stderr.lines().filter(|l| l.contains(" send")).collect();
    assert_eq!(send_lines.len(), 1, "{}", r.stderr);
    assert!(send_lines[0].contains("skipped"), "{}", r.stderr);
    assert!(
        !r.stderr.lines().any(|l| l.contains(" after")),
        "nothing reaches `after`:\n{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Explode, implode, concurrency

#[test]
fn explode_and_implode_keep_input_order_whatever_order_requests_finish_in() {
    // Item i is answered after (8 - i) × 60 ms: the last item finishes first.
    let rec = Recorder::start(|req, _| {
        let n = trailing_number(&req.target);
        Reply::json(200, json!({"n": n})).delay(Duration::from_millis((8 - n as u64) * 60))
    });
    let wf = format!(
        r#"name: Fan out and in
concurrency: 8
actions:
  - name: Explode
    type: event_transform
    options: {{mode: explode, path: <<items>>, to: item}}
  - name: Fetch
    type: http_request
    options: {{url: "{url}/item/<<explode.item>>", method: get}}
  - name: Tag
    type: event_transform
    options: {{mode: message_only, payload: {{n: <<fetch.body.n>>, index: <<explode.index>>}}}}
  - name: Implode
    type: event_transform
    options:
      mode: implode
      item_path: <<fetch.body.n>>
      guid_path: <<explode.guid>>
      size_path: <<explode.size>>
links:
  - {{from: explode, to: fetch}}
  - {{from: fetch, to: tag}}
  - {{from: fetch, to: implode}}
"#,
        url = rec.url("")
    );
    let r = run_workflow(
        "",
        &wf,
        &["--input", r#"{"items": [0, 1, 2, 3, 4, 5, 6, 7]}"#],
    );
    r.assert_code(0);
    assert_eq!(rec.count(), 8);
    let tags: Vec<Value> = leaves_with(&r, "tag")
        .iter()
        .map(|e| e["tag"].clone())
        .collect();
    let expected: Vec<Value> = (0..8).map(|i| json!({"n": i, "index": i})).collect();
    assert_eq!(tags, expected, "leaf events follow the explode's order");
    let imploded = leaves_with(&r, "implode");
    assert_eq!(imploded.len(), 1, "{imploded:?}");
    assert_eq!(
        imploded[0]["implode"],
        json!({"items": [0, 1, 2, 3, 4, 5, 6, 7]})
    );
    // The explode's own results: one per element with index, size and one guid.
    let guids: std::collections::BTreeSet<String> = leaves_with(&r, "tag")
        .iter()
        .map(|e| {
            e["explode"]["guid"]
                .as_str()
                .expect("guid is text")
                .to_owned()
        })
        .collect();
    assert_eq!(guids.len(), 1);
    for (i, e) in leaves_with(&r, "tag").iter().enumerate() {
        assert_eq!(e["explode"]["item"], i);
        assert_eq!(e["explode"]["index"], i);
        assert_eq!(e["explode"]["size"], 8);
    }
}

fn fan_out_workflow(url: &str, concurrency: usize) -> String {
    format!(
        r#"name: Bounded
concurrency: {concurrency}
actions:
  - name: Explode
    type: event_transform
    options: {{mode: explode, path: <<items>>, to: item}}
  - name: Fetch
    type: http_request
    options: {{url: "{url}/item/<<explode.item>>", method: get}}
"#
    )
}

#[test]
fn concurrency_bounds_the_requests_in_flight_and_is_used() {
    let flight = InFlight::default();
    let rec = flight.server(Duration::from_millis(150));
    let items: Vec<usize> = (0..12).collect();
    let input = json!({ "items": items }).to_string();
    let r = run_workflow("", &fan_out_workflow(&rec.url(""), 3), &["--input", &input]);
    r.assert_code(0);
    assert_eq!(rec.count(), 12);
    assert_eq!(leaves(&r).len(), 12);
    assert!(
        flight.max() <= 3,
        "at most `concurrency` requests in flight, saw {}",
        flight.max()
    );
    assert!(
        flight.max() >= 2,
        "requests run concurrently, saw at most {}",
        flight.max()
    );
}

#[test]
fn concurrency_one_sends_one_request_at_a_time() {
    let flight = InFlight::default();
    let rec = flight.server(Duration::from_millis(40));
    let r = run_workflow(
        "",
        &fan_out_workflow(&rec.url(""), 1),
        &["--input", r#"{"items": [1, 2, 3, 4, 5]}"#],
    );
    r.assert_code(0);
    assert_eq!(rec.count(), 5);
    assert_eq!(flight.max(), 1);
    let order: Vec<i64> = rec
        .requests()
        .iter()
        .map(|q| trailing_number(&q.target))
        .collect();
    assert_eq!(order, [1, 2, 3, 4, 5], "one at a time, in input order");
}

#[test]
fn without_a_concurrency_key_at_most_sixteen_run_at_once() {
    let flight = InFlight::default();
    let rec = flight.server(Duration::from_millis(150));
    let items: Vec<usize> = (0..40).collect();
    let input = json!({ "items": items }).to_string();
    let wf = fan_out_workflow(&rec.url(""), 1).replace("concurrency: 1\n", "");
    assert!(!wf.contains("concurrency"));
    let r = run_workflow("", &wf, &["--input", &input]);
    r.assert_code(0);
    assert_eq!(rec.count(), 40);
    assert!(
        flight.max() <= 16,
        "default concurrency is 16, saw {}",
        flight.max()
    );
    assert!(flight.max() >= 2, "saw at most {}", flight.max());
}

#[test]
fn implode_groups_by_guid_when_explodes_nest() {
    let wf = r#"name: Nested
concurrency: 4
actions:
  - name: Outer
    type: event_transform
    options: {mode: explode, path: <<groups>>, to: group}
  - name: Inner
    type: event_transform
    options: {mode: explode, path: <<outer.group>>, to: item}
  - name: Gather
    type: event_transform
    options: {mode: implode, item_path: <<inner.item>>, guid_path: <<inner.guid>>, size_path: <<inner.size>>}
"#;
    let r = run_workflow(
        "",
        wf,
        &[
            "--input",
            r#"{"groups": [["a", "b"], ["c", "d", "e"], ["f"]]}"#,
        ],
    );
    r.assert_code(0);
    let out = leaves(&r);
    let gathered: Vec<(Value, Value)> = out
        .iter()
        .map(|e| (e["outer"]["index"].clone(), e["gather"].clone()))
        .collect();
    assert_eq!(
        gathered,
        vec![
            (json!(0), json!({"items": ["a", "b"]})),
            (json!(1), json!({"items": ["c", "d", "e"]})),
            (json!(2), json!({"items": ["f"]})),
        ]
    );
}

#[test]
fn options_may_be_a_json_encoded_string() {
    let wf = r#"name: Pasted from Tines
actions:
  - name: Shape
    type: event_transform
    options: '{"mode": "message_only", "payload": {"got": "<<x>>", "n": "=SIZE(x)"}}'
"#;
    let r = run_workflow("", wf, &["--input", r#"{"x": "abc"}"#]);
    r.assert_code(0);
    assert_eq!(
        leaves(&r),
        vec![json!({"x": "abc", "shape": {"got": "abc", "n": 3}})]
    );
}

#[test]
fn an_incomplete_implode_group_is_emitted_at_the_end_of_the_run() {
    let wf = r#"name: Incomplete
actions:
  - name: Explode
    type: event_transform
    options: {mode: explode, path: <<items>>, to: item}
  - name: Not two
    type: trigger
    options:
      rules: [{type: field!=value, path: <<explode.item>>, value: "2"}]
  - name: Implode
    type: event_transform
    options: {mode: implode, item_path: <<explode.item>>, guid_path: <<explode.guid>>, size_path: <<explode.size>>}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"items": [1, 2, 3]}"#]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        out[0]["implode"],
        json!({"items": [1, 3], "incomplete": true})
    );
}

#[test]
fn a_failed_item_leaves_an_incomplete_group_and_the_run_fails() {
    let rec = Recorder::start(|req, _| {
        let n = trailing_number(&req.target);
        if n == 2 {
            Reply::status(500)
        } else {
            Reply::json(200, json!({"n": n}))
        }
    });
    let wf = format!(
        r#"name: One bad item
concurrency: 4
actions:
  - name: Explode
    type: event_transform
    options: {{mode: explode, path: <<items>>, to: item}}
  - name: Fetch
    type: http_request
    options: {{url: "{url}/item/<<explode.item>>", method: get}}
  - name: Implode
    type: event_transform
    options: {{mode: implode, item_path: <<fetch.body.n>>, guid_path: <<explode.guid>>, size_path: <<explode.size>>}}
"#,
        url = rec.url("")
    );
    let r = run_workflow("", &wf, &["--input", r#"{"items": [0, 1, 2, 3, 4]}"#]);
    r.assert_code(1);
    let out = leaves(&r);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        out[0]["implode"],
        json!({"items": [0, 1, 3, 4], "incomplete": true})
    );
    assert!(r.stderr.contains("action `fetch` failed"), "{}", r.stderr);
}

#[test]
fn a_complete_implode_group_has_no_incomplete_flag() {
    let wf = r#"name: Complete
actions:
  - name: Explode
    type: event_transform
    options: {mode: explode, path: <<items>>, to: item}
  - name: Implode
    type: event_transform
    options: {mode: implode, item_path: <<explode.item>>, guid_path: <<explode.guid>>, size_path: <<explode.size>>}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"items": ["a", "b", "c"]}"#]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["implode"], json!({"items": ["a", "b", "c"]}));
}

#[test]
fn explode_over_its_limit_fails_the_execution() {
    let wf = r#"name: Limit
actions:
  - name: Explode
    type: event_transform
    options: {mode: explode, path: <<items>>, to: item, limit: 2}
  - name: Leaf
    type: event_transform
    options: {mode: message_only, payload: {got: <<explode.item>>}}
"#;
    let r = run_workflow("", wf, &["--input", r#"{"items": [1, 2, 3]}"#]);
    r.assert_code(1);
    assert_eq!(
        leaves(&r),
        Vec::<Value>::new(),
        "nothing is exploded past the limit"
    );
    assert!(r.stderr.contains("action `explode` failed"), "{}", r.stderr);
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
    // At the limit it works.
    let r = run_workflow("", wf, &["--input", r#"{"items": [1, 2]}"#]);
    r.assert_code(0);
    assert_eq!(leaves(&r).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Trigger rules

/// Each case is a trigger linked from `start`; the matched ones are leaves.
fn matched_triggers(cases: &[(&str, &str)], input: &str) -> Vec<String> {
    let mut wf = String::from(
        "name: Rules\nactions:\n  - name: start\n    type: event_transform\n    options: {mode: message_only, payload: {}}\n",
    );
    let mut links = String::from("links:\n");
    for (slug, options) in cases {
        wf.push_str(&format!(
            "  - name: {slug}\n    type: trigger\n    options:\n{options}"
        ));
        links.push_str(&format!("  - {{from: start, to: {slug}}}\n"));
    }
    wf.push_str(&links);
    let r = run_workflow("", &wf, &["--input", input]);
    r.assert_code(0);
    let mut matched = Vec::new();
    for e in leaves(&r) {
        let slugs: Vec<&String> = e
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("t_"))
            .collect();
        assert_eq!(slugs.len(), 1, "{e}");
        assert_eq!(e[slugs[0].as_str()], json!({"rule_matched": true}));
        matched.push(slugs[0].clone());
    }
    matched.sort();
    matched
}

fn rule(kind: &str, path: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("      rules: [{{type: \"{kind}\", path: \"{path}\", value: {v}}}]\n"),
        None => format!("      rules: [{{type: \"{kind}\", path: \"{path}\"}}]\n"),
    }
}

#[test]
fn every_trigger_rule_type() {
    let input = r#"{"n": 10, "nine": "9", "name": "Alice", "nothing": null, "tags": "a,b"}"#;
    let cases: Vec<(String, String)> = vec![
        ("t_eq_num", rule("field==value", "<<n>>", Some("\"10\""))),
        (
            "t_eq_num_float",
            rule("field==value", "<<n>>", Some("\"10.0\"")),
        ),
        (
            "t_eq_str_no",
            rule("field==value", "<<name>>", Some("alice")),
        ),
        ("t_eq_str", rule("field==value", "<<name>>", Some("Alice"))),
        ("t_ne", rule("field!=value", "<<name>>", Some("Bob"))),
        ("t_ne_no", rule("field!=value", "<<name>>", Some("Alice"))),
        // "9" > "10" as text, but 9 < 10 as numbers: numeric strings compare as numbers.
        (
            "t_gt_numeric_no",
            rule("field>value", "<<nine>>", Some("\"10\"")),
        ),
        (
            "t_lt_numeric",
            rule("field<value", "<<nine>>", Some("\"10\"")),
        ),
        ("t_gt_num", rule("field>value", "<<n>>", Some("9"))),
        ("t_ge_num", rule("field>=value", "<<n>>", Some("10"))),
        ("t_ge_num_no", rule("field>=value", "<<n>>", Some("11"))),
        ("t_le_num", rule("field<=value", "<<n>>", Some("10"))),
        ("t_le_num_no", rule("field<=value", "<<n>>", Some("9.5"))),
        // Text compares as text.
        (
            "t_gt_str",
            rule("field>value", "<<name>>", Some("Aardvark")),
        ),
        ("t_lt_str", rule("field<value", "<<name>>", Some("B"))),
        ("t_lt_str_no", rule("field<value", "<<name>>", Some("Aa"))),
        ("t_regex", rule("regex", "<<name>>", Some("\"^Al.c\""))),
        ("t_regex_no", rule("regex", "<<name>>", Some("\"^Bo\""))),
        ("t_not_regex", rule("!regex", "<<name>>", Some("\"^Bo\""))),
        (
            "t_not_regex_no",
            rule("!regex", "<<name>>", Some("\"ice$\"")),
        ),
        ("t_in", rule("in", "<<name>>", Some("[Bob, Alice]"))),
        ("t_in_no", rule("in", "<<name>>", Some("[Bob, Carol]"))),
        ("t_not_in", rule("!in", "<<name>>", Some("[Bob, Carol]"))),
        ("t_not_in_no", rule("!in", "<<name>>", Some("[Alice]"))),
        ("t_is_null", rule("is_null", "<<nothing>>", None)),
        ("t_is_null_no", rule("is_null", "<<name>>", None)),
        ("t_is_not_null", rule("is_not_null", "<<name>>", None)),
        ("t_is_not_null_no", rule("is_not_null", "<<nothing>>", None)),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b))
    .collect();
    let refs: Vec<(&str, &str)> = cases
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let matched = matched_triggers(&refs, input);
    let mut expected: Vec<String> = cases
        .iter()
        .map(|(s, _)| s.clone())
        .filter(|s| !s.ends_with("_no"))
        .collect();
    expected.sort();
    assert_eq!(matched, expected);
}

#[test]
fn must_match_counts_the_rules_that_hold() {
    let two_of_three = r#"      must_match: 2
      rules:
        - {type: field==value, path: <<a>>, value: "1"}
        - {type: field==value, path: <<b>>, value: "2"}
        - {type: field==value, path: <<c>>, value: "9"}
"#;
    let three_of_three = two_of_three.replace("must_match: 2", "must_match: 3");
    let all_by_default = two_of_three.replace("      must_match: 2\n", "");
    let one_of_three = two_of_three.replace("must_match: 2", "must_match: 1");
    let cases = [
        ("t_two_of_three", two_of_three),
        ("t_three_of_three_no", three_of_three.as_str()),
        ("t_all_by_default_no", all_by_default.as_str()),
        ("t_one_of_three", one_of_three.as_str()),
    ];
    let matched = matched_triggers(&cases, r#"{"a": 1, "b": 2, "c": 3}"#);
    assert_eq!(matched, ["t_one_of_three", "t_two_of_three"]);
    // With every rule true, the default (all) matches.
    let all_true = matched_triggers(
        &[("t_all", all_by_default.as_str())],
        r#"{"a": 1, "b": 2, "c": 9}"#,
    );
    assert_eq!(all_true, ["t_all"]);
}

// ---------------------------------------------------------------------------------------------
// message_only, formulas, errors, timeout

#[test]
fn message_only_keeps_types_and_reads_local_meta_and_defaults() {
    let wf = r#"name: Typed message
actions:
  - name: Shape it
    type: event_transform
    local:
      doubled: =n * 2
      greeting: "hi <<who>>"
    options:
      mode: message_only
      payload:
        count: =SIZE(list)
        same_list: <<list>>
        number: <<n>>
        text: "n is <<n>>"
        nothing_in_text: "[<<nothing>>]"
        flag: <<flag>>
        local_number: <<LOCAL.doubled>>
        local_text: <<LOCAL.greeting>>
        fallback: =DEFAULT(missing.deeper, "fallback")
        meta_slug: <<META.action.slug>>
        meta_name: <<META.action.name>>
        meta_workflow: <<META.workflow.name>>
        meta_trigger: <<META.run.trigger>>
        meta_run: <<META.run.id>>
        literal: \<<not_a_pill>>
"#;
    let r = run_workflow(
        "",
        wf,
        &[
            "--input",
            r#"{"list": [1, 2, 3], "n": 4, "who": "Ann", "flag": true, "nothing": null}"#,
        ],
    );
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 1);
    let p = &out[0]["shape_it"];
    assert_eq!(p["count"], json!(3), "a formula value keeps its type");
    assert_eq!(p["same_list"], json!([1, 2, 3]));
    assert_eq!(p["number"], json!(4));
    assert_eq!(p["text"], json!("n is 4"));
    assert_eq!(p["nothing_in_text"], json!("[]"));
    assert_eq!(p["flag"], json!(true));
    assert_eq!(p["local_number"], json!(8));
    assert_eq!(p["local_text"], json!("hi Ann"));
    assert_eq!(p["fallback"], json!("fallback"));
    assert_eq!(p["meta_slug"], json!("shape_it"));
    assert_eq!(p["meta_name"], json!("Shape it"));
    assert_eq!(p["meta_workflow"], json!("Typed message"));
    assert_eq!(p["meta_trigger"], json!("cli"));
    assert_eq!(p["literal"], json!("<<not_a_pill>>"));
    let run_id = p["meta_run"].as_str().expect("run id is text");
    assert!(!run_id.is_empty());
    assert_eq!(
        matching_lines(&r.stderr, &format!("run {run_id} succeeded: {{*}}")).len(),
        1,
        "META.run.id is the run's id:\n{}",
        r.stderr
    );
}

#[test]
fn a_missing_path_fails_naming_the_path_action_and_option() {
    let wf = r#"name: Missing path
actions:
  - name: Prepare
    type: event_transform
    options: {mode: message_only, payload: {present: 1}}
  - name: Use it
    type: event_transform
    options:
      mode: message_only
      payload:
        value: <<prepare.absent_key>>
"#;
    let r = run_workflow("", wf, &[]);
    r.assert_code(1);
    assert_eq!(leaves(&r), Vec::<Value>::new());
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `use_it` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        failure.contains("prepare.absent_key"),
        "names the path: {failure}"
    );
    assert!(failure.contains("payload"), "names the option: {failure}");
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_formula_failure_goes_along_the_failure_link_with_an_error_result() {
    let wf = r#"name: Formula failure handled
actions:
  - name: Prepare
    type: event_transform
    options: {mode: message_only, payload: {present: 1}}
  - name: Use it
    type: event_transform
    options:
      mode: message_only
      payload:
        value: <<prepare.absent_key>>
  - name: Next
    type: event_transform
    options: {mode: message_only, payload: {never: true}}
  - name: Handle
    type: event_transform
    options: {mode: message_only, payload: {why: <<use_it.error>>}}
links:
  - {from: prepare, to: use_it}
  - {from: use_it, to: next}
  - {from: use_it, to: handle, type: failure}
"#;
    let r = run_workflow("", wf, &[]);
    r.assert_code(0);
    let out = leaves(&r);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].get("next").is_none());
    assert_eq!(
        keys(&out[0]["use_it"]),
        ["error"],
        "a formula failure's result is {{error}}"
    );
    let why = out[0]["handle"]["why"].as_str().expect("error text");
    assert!(why.contains("prepare.absent_key"), "{why}");
    assert_eq!(out[0]["use_it"]["error"], out[0]["handle"]["why"]);
}

#[test]
fn the_workflow_timeout_fails_the_run() {
    let rec = Recorder::start(|_, _| Reply::json(200, json!({})).delay(Duration::from_secs(15)));
    let wf = format!(
        r#"name: Slow
timeout: 1
actions:
  - name: Slow call
    type: http_request
    options: {{url: "{url}/slow", method: get}}
"#,
        url = rec.url("")
    );
    let started = Instant::now();
    let r = run_workflow("", &wf, &[]);
    let took = started.elapsed();
    r.assert_code(1);
    assert!(
        took < Duration::from_secs(12),
        "the run stops at its deadline, not at the response (took {took:?})"
    );
    assert_eq!(
        matching_lines(&r.stderr, "run {id} failed (timed out after {*}): {*}").len(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn guarded_reads_of_missing_resources_locals_and_other_branches_validate_and_run() {
    // formulas.md: a missing path is an error except inside DEFAULT / IS_PRESENT / IS_BLANK
    // and `is defined`; the planner must not refuse what the formula itself allows.
    let wf = r#"name: Guards
actions:
  - name: Start
    type: trigger
    options:
      rules: [{type: field==value, path: "<<pick>>", value: "a"}]
  - name: Branch a
    type: event_transform
    options: {mode: message_only, payload: {id: 1}}
  - name: Branch b
    type: event_transform
    options: {mode: message_only, payload: {id: 2}}
  - name: Merge
    type: event_transform
    options:
      mode: message_only
      payload:
        id: =DEFAULT(branch_a.id, branch_b.id)
        region: '=DEFAULT(RESOURCE.region, "eu")'
        has_local: =IS_PRESENT(LOCAL.extra)
        blank: =IS_BLANK(RESOURCE.missing)
        defined: =RESOURCE.region is defined
links:
  - {from: start, to: branch_a}
  - {from: start, to: branch_b, type: no_match}
  - {from: branch_a, to: merge}
  - {from: branch_b, to: merge}
"#;
    for (pick, id) in [("a", 1), ("b", 2)] {
        let input = format!(r#"{{"pick": "{pick}"}}"#);
        let r = run_workflow("", wf, &["--input", &input]);
        r.assert_code(0);
        let merged = &leaves(&r)[0]["merge"];
        assert_eq!(
            merged,
            &json!({"id": id, "region": "eu", "has_local": false, "blank": true, "defined": false}),
            "{pick}"
        );
    }
    // The same reads unguarded are still refused at validation, located.
    let unguarded = wf.replace(r#"'=DEFAULT(RESOURCE.region, "eu")'"#, "=RESOURCE.region");
    let r = run_workflow("", &unguarded, &[]);
    r.assert_code(65);
    assert!(
        r.stderr
            .contains("resource `region` (option `payload` of action `merge`) is not defined"),
        "{}",
        r.stderr
    );
    // A guarded read of an action that is not upstream at all is allowed too (it is simply
    // missing), an unguarded one is not.
    let downstream = wf.replace(
        "has_local: =IS_PRESENT(LOCAL.extra)",
        "later: =DEFAULT(after.x, 0)",
    ) + "  - {from: merge, to: after}\n"
        + "";
    let downstream = downstream.replace(
        "links:\n",
        "  - name: After\n    type: event_transform\n    options: {mode: message_only, payload: {x: 1}}\nlinks:\n",
    );
    let r = run_workflow("", &downstream, &["--input", r#"{"pick": "a"}"#]);
    r.assert_code(0);
    assert_eq!(leaves(&r)[0]["merge"]["later"], json!(0));
    let r = run_workflow(
        "",
        &downstream.replace("=DEFAULT(after.x, 0)", "=after.x"),
        &[],
    );
    r.assert_code(65);
    assert!(
        r.stderr
            .contains("reads `after`, but `after` is not upstream of `merge`"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_output_holds_only_events_of_actions_without_any_outgoing_link() {
    // workflow.md: the output is the events emitted by actions that have no outgoing links. A
    // success of an action whose only link is a failure (or no_match) link is not output.
    let wf = r#"name: Leaves
actions:
  - name: Check
    type: trigger
    options:
      rules: [{type: field==value, path: "<<n>>", value: "1"}]
  - name: Not one
    type: event_transform
    options: {mode: message_only, payload: {seen: <<n>>}}
  - name: Step
    type: event_transform
    options: {mode: message_only, payload: {n: <<n>>}}
  - name: Handler
    type: event_transform
    options: {mode: message_only, payload: {handled: true}}
links:
  - {from: check, to: not_one, type: no_match}
  - {from: step, to: handler, type: failure}
"#;
    let matched = run_workflow("", wf, &["--input", r#"{"n": 1}"#]);
    matched.assert_code(0);
    // `check` matched (its only link is no_match) and `step` succeeded (its only link is a
    // failure link): neither is a leaf. `not_one` and `handler` did not run.
    assert_eq!(leaves(&matched), Vec::<Value>::new(), "{}", matched.stdout);
    let missed = run_workflow("", wf, &["--input", r#"{"n": 2}"#]);
    missed.assert_code(0);
    let out = leaves(&missed);
    assert_eq!(out.len(), 1, "{}", missed.stdout);
    assert_eq!(out[0]["not_one"], json!({"seen": 2}));
}

#[test]
fn a_missing_path_used_as_an_operand_fails_the_execution_naming_it() {
    // formulas.md: a path that does not exist is an error outside DEFAULT / IS_PRESENT /
    // IS_BLANK / `is defined`. MiniJinja alone would read it as empty and carry on.
    let wf = |formula: &str| {
        format!(
            "name: Missing\nactions:\n  - name: A\n    type: event_transform\n    options:\n      mode: message_only\n      payload:\n        v: '{formula}'\n"
        )
    };
    for formula in [
        "=[x.nope]",
        r#"={"k": x.nope}"#,
        r#"=x.nope ~ "!""#,
        "=x.nope == 1",
        "=x.nope|length",
    ] {
        let r = run_workflow("", &wf(formula), &["--input", r#"{"x": {"y": 1}}"#]);
        r.assert_code(1);
        assert!(
            r.stderr
                .contains("`x.nope` does not exist: `x` has no key `nope`"),
            "{formula}: {}",
            r.stderr
        );
    }
    // Guards, and expressions that may skip an operand, still see it as missing.
    for (formula, value) in [
        ("=DEFAULT(x.nope, 3)", json!(3)),
        ("=x.nope|default(4)", json!(4)),
        ("=IF(IS_PRESENT(x.nope), x.nope, 5)", json!(5)),
        ("=x.nope or 6", json!(6)),
        (r#"=x.y ~ "!""#, json!("1!")),
    ] {
        let r = run_workflow("", &wf(formula), &["--input", r#"{"x": {"y": 1}}"#]);
        r.assert_code(0);
        assert_eq!(leaves(&r)[0]["a"]["v"], value, "{formula}");
    }
}
