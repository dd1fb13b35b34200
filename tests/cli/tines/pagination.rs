//! `pagination:` of `http_request` (workflow.md) against the Halo sandbox's paged
//! `GET /api/Tickets` (`pageinate`, `page_size` ≤ 100, `page_no`, `record_count`): pages
//! requested while `while` holds, `PAGINATE.index` / `PAGINATE.previous_response` in the next
//! request, `max_pages`, `output: each | combined`, and a page that fails.

use std::time::Duration;

use relay_halo_sandbox::{Fault, RecordedRequest, SandboxConfig};
use serde_json::{Value, json};

use crate::support::project::Project;
use crate::support::{RunResult, TestSandbox};

fn sandbox(tickets: usize) -> TestSandbox {
    TestSandbox::start(SandboxConfig {
        ticket_count: tickets,
        ..TestSandbox::default_config()
    })
}

fn project(sandbox: &TestSandbox, workflow: &str) -> Project {
    let token = sandbox.issue_access_token();
    let project = Project::new().with_env("HALO_ACCESS_TOKEN", &token);
    project.write(
        "relay.yaml",
        &format!(
            "resources:\n  halo_api: {url}\ncredentials:\n  halo:\n    type: text\n    env: HALO_ACCESS_TOKEN\n    allowed_hosts: [\"{host}\"]\n",
            url = sandbox.url(),
            host = sandbox.host()
        ),
    );
    project.write("pages.yaml", workflow);
    project
}

/// A paged ticket list; `pagination` is the YAML block under `options` (indented 6).
fn workflow(pagination: &str, more_actions: &str) -> String {
    format!(
        "name: Ticket pages
actions:
  - name: Get pages
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
      payload:
        pageinate: true
        page_size: 100
        page_no: 1
      pagination:
{pagination}{more_actions}"
    )
}

const BY_RECORD_COUNT: &str = "        next:
          payload:
            page_no: =PAGINATE.index + 2
        while: =(PAGINATE.index + 1) * 100 < PAGINATE.previous_response.body.record_count
";

fn ticket_gets(sandbox: &TestSandbox) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.eq_ignore_ascii_case("/api/Tickets"))
        .collect()
}

fn page_numbers(sandbox: &TestSandbox) -> Vec<String> {
    ticket_gets(sandbox)
        .iter()
        .map(|r| r.query_value("page_no").unwrap_or_default())
        .collect()
}

fn run(project: &Project) -> RunResult {
    project.relay(&["run", "pages.yaml", "--output", "json"])
}

fn tickets_in(body: &Value) -> usize {
    body["tickets"].as_array().map_or(usize::MAX, Vec::len)
}

#[test]
fn record_count_not_a_multiple_of_page_size_gives_three_pages_each_its_own_result() {
    let sandbox = sandbox(250);
    let project = project(
        &sandbox,
        &workflow(&format!("{BY_RECORD_COUNT}        output: each\n"), ""),
    );
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    let events = out.as_array().unwrap();
    assert_eq!(events.len(), 3, "one result per page: {out}");
    let pages: Vec<(i64, usize, i64)> = events
        .iter()
        .map(|e| {
            let body = &e["get_pages"]["body"];
            (
                body["page_no"].as_i64().unwrap(),
                tickets_in(body),
                body["record_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pages, [(1, 100, 250), (2, 100, 250), (3, 50, 250)]);
    assert!(events.iter().all(|e| e["get_pages"]["status"] == 200));
    assert_eq!(events[2]["get_pages"]["body"]["tickets"][49]["id"], 250);
    // The following pages carry the `next` overlay; the rest of the payload stays.
    assert_eq!(page_numbers(&sandbox), ["1", "2", "3"]);
    for req in ticket_gets(&sandbox) {
        assert_eq!(req.query_value("pageinate").as_deref(), Some("true"));
        assert_eq!(req.query_value("page_size").as_deref(), Some("100"));
        assert!(
            req.header("authorization")
                .is_some_and(|h| h.starts_with("Bearer "))
        );
    }
    assert!(r.stderr.contains("3 pages"), "{}", r.stderr);
}

#[test]
fn combined_output_is_one_result_whose_body_lists_the_page_bodies() {
    let sandbox = sandbox(250);
    let summary = "  - name: Summary
    type: event_transform
    options:
      mode: message_only
      payload:
        pages: =SIZE(get_pages.body)
        tickets: =SIZE(FLATTEN(MAP(get_pages.body, \"tickets\")))
";
    let project = project(
        &sandbox,
        &workflow(
            &format!("{BY_RECORD_COUNT}        output: combined\n"),
            summary,
        ),
    );
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 1, "{out}");
    let result = &out[0]["get_pages"];
    assert_eq!(result["status"], 200);
    let bodies = result["body"]
        .as_array()
        .expect("body is the list of page bodies");
    assert_eq!(bodies.len(), 3);
    assert_eq!(
        bodies
            .iter()
            .map(|b| b["page_no"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        bodies.iter().map(tickets_in).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    assert_eq!(out[0]["summary"], json!({"pages": 3, "tickets": 250}));
    assert_eq!(page_numbers(&sandbox), ["1", "2", "3"]);
}

#[test]
fn an_empty_last_page_ends_a_while_that_asks_one_page_too_many() {
    let sandbox = sandbox(200);
    // Continue while the previous page had tickets, the next page number from the previous body.
    let pagination = "        next:
          payload:
            page_no: =PAGINATE.previous_response.body.page_no + 1
        while: =SIZE(PAGINATE.previous_response.body.tickets) > 0
";
    let project = project(&sandbox, &workflow(pagination, ""));
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    let bodies: Vec<&Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["get_pages"]["body"])
        .collect();
    assert_eq!(bodies.len(), 3, "{out}");
    assert_eq!(
        bodies.iter().map(|b| tickets_in(b)).collect::<Vec<_>>(),
        [100, 100, 0]
    );
    assert_eq!(
        bodies[2]["tickets"],
        json!([]),
        "past the end Halo answers an empty page"
    );
    assert_eq!(bodies[2]["record_count"], 200);
    assert_eq!(page_numbers(&sandbox), ["1", "2", "3"]);
}

#[test]
fn max_pages_stops_even_while_more_pages_remain() {
    let sandbox = sandbox(250);
    let project = project(
        &sandbox,
        &workflow(&format!("{BY_RECORD_COUNT}        max_pages: 2\n"), ""),
    );
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 2, "{out}");
    assert_eq!(page_numbers(&sandbox), ["1", "2"]);
}

#[test]
fn paginate_index_and_previous_response_reach_url_and_headers_of_the_next_requests() {
    let sandbox = sandbox(250);
    let pagination = "        next:
          url: <<RESOURCE.halo_api>>/api/tickets
          headers:
            X-Page-Index: <<PAGINATE.index>>
            X-Previous-Count: <<SIZE(PAGINATE.previous_response.body.tickets)>>
          payload:
            page_no: =PAGINATE.index + 2
        while: =PAGINATE.index < 2
        max_pages: 10
";
    let project = project(&sandbox, &workflow(pagination, ""));
    let r = run(&project);
    r.assert_code(0);
    let gets = ticket_gets(&sandbox);
    assert_eq!(
        gets.len(),
        3,
        "pages 1..3, then `while` is false after index 2"
    );
    type Seen<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<String>);
    let seen: Vec<Seen> = gets
        .iter()
        .map(|g| {
            (
                g.path.as_str(),
                g.header("x-page-index"),
                g.header("x-previous-count"),
                g.query_value("page_no"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("/api/Tickets", None, None, Some("1".into())),
            ("/api/tickets", Some("0"), Some("100"), Some("2".into())),
            ("/api/tickets", Some("1"), Some("100"), Some("3".into())),
        ],
        "the first request is the action's own; the overlay only changes the following ones"
    );
    for g in &gets {
        assert!(
            g.header("authorization")
                .is_some_and(|h| h.starts_with("Bearer ")),
            "headers are merged, not replaced: {g:?}"
        );
    }
}

#[test]
fn a_failing_page_fails_the_execution_after_the_earlier_pages_were_emitted() {
    let sandbox = sandbox(250);
    // The first request passes (a zero delay), the second gets a 500.
    sandbox.inject(Fault::Delay {
        delay: Duration::ZERO,
        times: 1,
    });
    sandbox.inject(Fault::ServerError {
        status: 500,
        times: 1,
    });
    let project = project(&sandbox, &workflow(BY_RECORD_COUNT, ""));
    let r = project.relay(&["run", "pages.yaml", "--output", "ndjson"]);
    r.assert_code(1);
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect();
    assert_eq!(events.len(), 2, "{}", r.stdout);
    assert_eq!(events[0]["status"], "ok");
    assert_eq!(events[0]["event"]["get_pages"]["body"]["page_no"], 1);
    assert_eq!(events[1]["status"], "failed");
    assert_eq!(events[1]["event"]["get_pages"]["status"], 500);
    assert_eq!(
        page_numbers(&sandbox),
        ["1", "2"],
        "no page after the failing one"
    );
    assert!(
        r.stderr.contains("returned HTTP 500 on page 2"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("action `get_pages` failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failing_page_goes_along_the_failure_link_while_earlier_pages_go_on() {
    let sandbox = sandbox(250);
    sandbox.inject(Fault::Delay {
        delay: Duration::ZERO,
        times: 1,
    });
    sandbox.inject(Fault::ServerError {
        status: 503,
        times: 1,
    });
    let more = "  - name: Count
    type: event_transform
    options:
      mode: message_only
      payload:
        page: <<get_pages.body.page_no>>
  - name: Report failure
    type: event_transform
    options:
      mode: message_only
      payload:
        status: <<get_pages.status>>
links:
  - {from: get_pages, to: count}
  - {from: get_pages, to: report_failure, type: failure}
";
    let project = project(&sandbox, &workflow(BY_RECORD_COUNT, more));
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    let leaves: Vec<Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!({"count": e.get("count"), "report_failure": e.get("report_failure")}))
        .collect();
    assert_eq!(
        leaves,
        [
            json!({"count": {"page": 1}, "report_failure": null}),
            json!({"count": null, "report_failure": {"status": 503}})
        ],
        "{out}"
    );
}

#[test]
fn the_shipped_open_tickets_export_collects_every_open_ticket() {
    let sandbox = sandbox(250);
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/workflows/halo_open_tickets_export.yaml"
    ))
    .unwrap();
    let project = project(&sandbox, &shipped);
    let r = run(&project);
    r.assert_code(0);
    let out = r.json();
    let result = &out[0]["all_open_tickets"];
    let record_count = result["record_count"].as_u64().unwrap() as usize;
    assert!(
        record_count > 100 && record_count < 250,
        "some of the 250 seeded tickets are closed: {record_count}"
    );
    assert_eq!(
        result["pages"].as_u64().unwrap() as usize,
        record_count.div_ceil(100)
    );
    let tickets = result["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), record_count);
    assert!(
        tickets.iter().all(|t| t["status_id"] != 9),
        "open_only leaves closed tickets out"
    );
    let ids: Vec<u64> = tickets.iter().map(|t| t["id"].as_u64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "pages in order, no ticket twice"
    );
    assert_eq!(page_numbers(&sandbox).len(), record_count.div_ceil(100));
}

/// A paged list on a recorder: `GET /items?page=N` answers `{page, more}`; `answer` decides.
fn recorder_workflow(recorder: &crate::support::Recorder, extra_options: &str) -> String {
    format!(
        "name: Items
actions:
  - name: Get items
    type: http_request
    options:
      url: {url}
      method: get
      payload:
        page: 1
{extra_options}      pagination:
        next:
          payload:
            page: =PAGINATE.index + 2
        while: =PAGINATE.previous_response.body.more
",
        url = recorder.url("/items")
    )
}

fn page_reply(req: &crate::support::RawRequest) -> crate::support::Reply {
    let page: u64 = req
        .target
        .rsplit("page=")
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    crate::support::Reply::json(200, json!({"page": page, "more": page < 3}))
}

#[test]
fn a_page_that_gets_no_response_fails_after_the_earlier_pages_were_emitted() {
    use crate::support::Recorder;
    // Page 2 answers too late for the 1 s timeout: a transport failure, not a status.
    let recorder = Recorder::start(|req, n| {
        if n == 1 {
            page_reply(req).delay(Duration::from_secs(4))
        } else {
            page_reply(req)
        }
    });
    let project = Project::new();
    project.write(
        "items.yaml",
        &recorder_workflow(&recorder, "      timeout: 1\n"),
    );
    let r = project.relay(&["run", "items.yaml", "--output", "ndjson"]);
    r.assert_code(1);
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect();
    assert_eq!(
        events.len(),
        2,
        "page 1, then the failure:\n{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(
        (
            events[0]["status"].as_str(),
            &events[0]["event"]["get_items"]["body"]
        ),
        (Some("ok"), &json!({"page": 1, "more": true}))
    );
    assert_eq!(events[1]["status"], "failed");
    assert_eq!(events[1]["event"]["get_items"]["status"], 0);
    assert!(
        events[1]["event"]["get_items"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("timed out after 1 s")),
        "{}",
        events[1]
    );
    assert!(
        r.stderr.contains("timed out after 1 s (page 2)"),
        "the cause names the page:\n{}",
        r.stderr
    );
    assert_eq!(recorder.count(), 2, "nothing after the failing page");
}

#[test]
fn customize_output_shapes_every_page_even_when_a_later_page_fails() {
    use crate::support::{Recorder, Reply};
    let recorder = Recorder::start(|req, n| {
        if n == 1 {
            Reply::json(502, json!({"error": "bad gateway"}))
        } else {
            page_reply(req)
        }
    });
    let project = Project::new();
    project.write(
        "items.yaml",
        &recorder_workflow(
            &recorder,
            "      customize_output:\n        n: <<response.body.page>>\n",
        ),
    );
    let r = project.relay(&["run", "items.yaml", "--output", "ndjson"]);
    r.assert_code(1);
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect();
    assert_eq!(events.len(), 2, "{}", r.stdout);
    assert_eq!(
        events[0]["event"]["get_items"],
        json!({"n": 1}),
        "the page before the failure is customized like any page"
    );
    assert_eq!(events[1]["status"], "failed");
    assert_eq!(
        events[1]["event"]["get_items"]["status"], 502,
        "the failure carries the raw response, as without pagination"
    );

    // And all pages customized when none fails.
    let fine = Recorder::start(|req, _| page_reply(req));
    project.write(
        "items.yaml",
        &recorder_workflow(
            &fine,
            "      customize_output:\n        n: <<response.body.page>>\n",
        ),
    );
    let r = project.relay(&["run", "items.yaml", "--output", "json"]);
    r.assert_code(0);
    assert_eq!(
        r.json(),
        json!([{"get_items": {"n": 1}}, {"get_items": {"n": 2}}, {"get_items": {"n": 3}}])
    );
}
