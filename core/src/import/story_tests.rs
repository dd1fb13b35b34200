//! Story exports written for these tests (the public corpus has no failure or no-match links,
//! no throttle and few schedules), the Tines guide snippets, and the round trip through
//! `export_tines`.

use serde_json::{Value, json};

use super::test_support::{
    action, fixture, import_checked, links, main_workflow, parse_yaml, warnings_with,
};
use super::{ImportError, export_tines, import_tines};

fn story(agents: Value, links: Value) -> String {
    json!({"schema_version": 24, "name": "Test story", "description": "Written for the tests", "agents": agents, "links": links}).to_string()
}

fn http(name: &str, options: Value) -> Value {
    json!({"type": "Agents::HTTPRequestAgent", "name": name, "disabled": false, "guid": name, "options": options})
}

fn trigger(name: &str, rules: Value) -> Value {
    json!({"type": "Agents::TriggerAgent", "name": name, "disabled": false, "guid": name, "options": {"rules": rules}})
}

fn transform(name: &str, options: Value) -> Value {
    json!({"type": "Agents::EventTransformationAgent", "name": name, "disabled": false, "guid": name, "options": options})
}

#[test]
fn guide_tickets_snippet_keeps_url_and_bearer_credential() {
    let imported = import_checked(
        &fixture("halo-guide-get-tickets.json"),
        "halo-guide-get-tickets.json",
    );
    let yaml = &imported.workflows[0].yaml;
    assert!(
        yaml.contains("\n      url: https//YourResourceServer/api/Tickets\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n        Authorization: Bearer <<CREDENTIAL.halo>>\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\nname: halo-guide-get-tickets\n"), "{yaml}");
    assert!(
        yaml.contains("\n  - name: Get a list of Tickets\n    type: http_request\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n      method: get\n      content_type: json\n"),
        "{yaml}"
    );
    assert_eq!(imported.workflows[0].file_stem, "halo_guide_get_tickets");
    assert!(imported.workflows[0].is_main);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    assert!(
        !yaml.contains("links:"),
        "a single action needs no links: {yaml}"
    );
}

#[test]
fn guide_token_snippet_keeps_escaped_placeholders() {
    let imported = import_checked(
        &fixture("halo-guide-get-auth-token.json"),
        "halo-guide-get-auth-token.json",
    );
    let yaml = &imported.workflows[0].yaml;
    assert!(
        yaml.contains(
            "\n      url: https://\\<<AuthorisationServerName>>/token?tenant=\\<<YourTenantName>>\n"
        ),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n        client_id: \\<<YourClientID>>\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\n      content_type: form\n"), "{yaml}");
    let wf = main_workflow(&imported);
    let options = &action(&wf, "Request to HALOPSA to Get Auth Token")["options"];
    assert_eq!(
        options["payload"],
        json!({"grant_type": "password", "client_id": "\\<<YourClientID>>", "username": "\\<<UserName>>", "password": "\\<<YourPassword>>", "scope": "all"})
    );
    assert_eq!(options["headers"], json!({"accept": "application/json"}));
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
}

#[test]
fn failure_links_and_a_written_out_default_method() {
    let agents = json!([
        http(
            "Get tickets",
            json!({"url": "https://h/api/Tickets", "method": "get", "headers": {"Authorization": "Bearer <<CREDENTIAL.halo>>"}})
        ),
        http(
            "Alert ops",
            json!({"url": "https://hooks.example.com/ops", "payload": {"text": "failed: <<get_tickets.status>>"}})
        ),
        transform(
            "Explode tickets",
            json!({"mode": "explode", "path": "=get_tickets.body.tickets", "to": "ticket"})
        ),
    ]);
    let text = story(
        agents,
        json!([{"source": 0, "receiver": 2}, {"source": 0, "receiver": 1, "type": "failure"}]),
    );
    let imported = import_checked(&text, "failure.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        links(&wf),
        [
            "get_tickets→alert_ops:failure",
            "get_tickets→explode_tickets"
        ]
    );
    assert_eq!(
        action(&wf, "Alert ops")["options"]["method"],
        "post",
        "Tines' default method is written out"
    );
    assert_eq!(
        action(&wf, "Explode tickets")["options"],
        json!({"mode": "explode", "path": "=get_tickets.body.tickets", "to": "ticket"})
    );
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
}

#[test]
fn no_match_links_and_emit_no_match() {
    let agents = json!([
        trigger(
            "Urgent only",
            json!([{"type": "field==value", "value": "1", "path": "<<priority>>"}])
        ),
        http("Alert", json!({"url": "https://a", "method": "post"})),
        http("Log calm", json!({"url": "https://b", "method": "post"})),
        json!({"type": "Agents::TriggerAgent", "name": "Has id", "disabled": false, "guid": "g4",
               "options": {"rules": [{"type": "is_not_null", "value": "", "path": "<<id>>"}], "emit_no_match": "true"}}),
        http("Record", json!({"url": "https://c", "method": "post"})),
    ]);
    let text = story(
        agents,
        json!([{"source": 0, "receiver": 1}, {"source": 0, "receiver": 2, "type": "no_match"}, {"source": 3, "receiver": 4}]),
    );
    let imported = import_checked(&text, "no-match.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        links(&wf),
        [
            "urgent_only→alert",
            "urgent_only→log_calm:no_match",
            "has_id→record",
            "has_id→record:no_match"
        ]
    );
    assert!(
        action(&wf, "Has id")["options"]
            .get("emit_no_match")
            .is_none()
    );
    assert_eq!(warnings_with(&imported, "emit_no_match").len(), 1);
    assert_eq!(
        warnings_with(&imported, "no incoming links").len(),
        1,
        "two separate chains start together in Relay"
    );
}

#[test]
fn throttle_and_typed_numbers() {
    let agents = json!([
        transform(
            "Throttle calls",
            json!({"mode": "throttle", "runs_per_interval": "5", "interval": "minute"})
        ),
        transform("Wait", json!({"mode": "delay", "seconds": "2.5"})),
        http(
            "Call",
            json!({"url": "https://x", "method": "GET", "disable_ssl_verification": "false", "timeout": "10"})
        ),
    ]);
    let text = story(
        agents,
        json!([{"source": 0, "receiver": 1}, {"source": 1, "receiver": 2}]),
    );
    let imported = import_checked(&text, "throttle.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        action(&wf, "Throttle calls")["options"],
        json!({"mode": "throttle", "runs_per_interval": 5, "interval": "minute"})
    );
    assert_eq!(action(&wf, "Wait")["options"]["seconds"], json!(2.5));
    assert_eq!(
        action(&wf, "Call")["options"],
        json!({"url": "https://x", "method": "get", "disable_ssl_verification": false, "timeout": 10})
    );
    assert_eq!(warnings_with(&imported, "(a string) written as").len(), 4);
}

#[test]
fn schedules_move_to_the_workflow() {
    let mut poll = http("Poll queue", json!({"url": "https://q", "method": "get"}));
    poll["schedule"] = json!([{"cron": "*/5 * * * *", "timezone": "Europe/London"}, {"cron": "0 9 * * 1-5", "timezone": "UTC"}]);
    let mut sweep = http("Sweep", json!({"url": "https://s", "method": "post"}));
    sweep["schedule"] = json!([{"cron": "0 0 * * *"}]);
    let agents = json!([
        poll,
        trigger(
            "Has work",
            json!([{"type": "field>value", "value": "0", "path": "<<poll_queue.body.count>>"}])
        ),
        sweep
    ]);
    let text = story(agents, json!([{"source": 0, "receiver": 1}]));
    let imported = import_checked(&text, "schedule.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        wf["schedule"],
        json!([
            {"cron": "*/5 * * * *", "timezone": "Europe/London"},
            {"cron": "0 9 * * 1-5", "timezone": "UTC"},
            {"cron": "0 0 * * *"}
        ])
    );
    assert_eq!(
        warnings_with(&imported, "its schedule became the workflow's `schedule`").len(),
        2
    );
    assert_eq!(warnings_with(&imported, "names no time zone").len(), 1);
    assert!(
        imported.workflows[0]
            .yaml
            .contains("\nschedule:\n  - cron: \"*/5 * * * *\"\n    timezone: Europe/London\n")
    );
}

#[test]
fn duplicate_names_are_renamed_and_references_follow() {
    let agents = json!([
        http("Fetch", json!({"url": "https://one", "method": "get"})),
        http("Fetch", json!({"url": "https://two", "method": "get"})),
        transform(
            "Use second",
            json!({"mode": "message_only", "payload": {"id": "<<fetch.body.id>>", "n": "=SIZE(fetch.body.items)"}})
        ),
        transform(
            "Use first",
            json!({"mode": "message_only", "payload": {"id": "<<fetch.body.id>>"}})
        ),
    ]);
    let text = story(
        agents,
        json!([{"source": 1, "receiver": 2}, {"source": 0, "receiver": 3}]),
    );
    let imported = import_checked(&text, "dupes.json");
    let wf = main_workflow(&imported);
    assert_eq!(action(&wf, "Fetch 2")["options"]["url"], "https://two");
    assert_eq!(
        action(&wf, "Use second")["options"]["payload"],
        json!({"id": "<<fetch_2.body.id>>", "n": "=SIZE(fetch_2.body.items)"})
    );
    assert_eq!(
        action(&wf, "Use first")["options"]["payload"],
        json!({"id": "<<fetch.body.id>>"})
    );
    assert_eq!(links(&wf), ["fetch→use_first", "fetch_2→use_second"]);
    let renamed = warnings_with(&imported, "renamed to \"Fetch 2\"");
    assert_eq!(renamed.len(), 1);
    assert_eq!(renamed[0].action.as_deref(), Some("Fetch 2"));
    assert_eq!(
        warnings_with(&imported, "now read `fetch_2`")[0]
            .action
            .as_deref(),
        Some("Use second")
    );
}

#[test]
fn dangling_links_and_cycles_are_dropped_with_warnings() {
    let agents = json!([
        http("Check", json!({"url": "https://s", "method": "get"})),
        trigger(
            "Pending",
            json!([{"type": "regex", "value": "pending", "path": "<<check.body.state>>"}])
        ),
        transform("Wait", json!({"mode": "delay", "seconds": 30})),
    ]);
    let text = story(
        agents,
        json!([{"source": 0, "receiver": 1}, {"source": 1, "receiver": 2}, {"source": 2, "receiver": 0}, {"source": 2, "receiver": 9}]),
    );
    let imported = import_checked(&text, "loop.json");
    let wf = main_workflow(&imported);
    assert_eq!(links(&wf), ["check→pending", "pending→wait"]);
    assert!(
        imported.workflows[0]
            .yaml
            .contains("  # - {from: wait, to: check}  (dropped: closes a loop)\n")
    );
    assert_eq!(
        warnings_with(&imported, "closes a loop")[0]
            .action
            .as_deref(),
        Some("Wait")
    );
    assert_eq!(
        warnings_with(&imported, "names no action of the story").len(),
        1
    );
}

#[test]
fn paste_format_with_several_actions() {
    let text = json!({
        "standardLibVersion": "35", "actionRuntimeVersion": "4",
        "agents": [
            {"name": "Incoming", "type": "webhook", "disabled": false, "description": null, "options": "{\"path\":\"abc\",\"secret\":\"s\",\"verbs\":\"post\"}"},
            {"name": "Post it", "type": "httpRequest", "disabled": false, "description": "Sends it on", "options": "{\"url\":\"https://x/<<incoming.body.id>>\",\"payload\":{\"a\":1}}"},
            {"name": "Tidy", "type": "eventTransformation", "disabled": true, "options": "{\"payload\":{\"ok\":true}}"},
            {"name": "Broken", "type": "httpRequest", "options": "{not json"}
        ],
        "links": [{"source": 0, "receiver": 1}, {"source": 1, "receiver": 2}],
        "diagramNotes": []
    })
    .to_string();
    let imported = import_checked(&text, "copied/actions.json");
    let wf = main_workflow(&imported);
    assert_eq!(wf["name"], "actions");
    assert_eq!(imported.workflows[0].file_stem, "actions");
    assert_eq!(
        action(&wf, "Post it")["options"],
        json!({"url": "https://x/<<incoming.body.id>>", "method": "post", "payload": {"a": 1}})
    );
    assert_eq!(action(&wf, "Post it")["description"], "Sends it on");
    assert_eq!(action(&wf, "Tidy")["disabled"], true);
    assert_eq!(
        action(&wf, "Tidy")["options"],
        json!({"mode": "message_only", "payload": {"ok": true}})
    );
    assert_eq!(links(&wf), ["post_it→tidy"]);
    let yaml = &imported.workflows[0].yaml;
    assert!(
        yaml.contains("  # NOT CONVERTED: \"Incoming\" (webhook): a Webhook is an entry point"),
        "{yaml}"
    );
    assert!(
        yaml.contains(
            "  # NOT CONVERTED: \"Broken\" (httpRequest): `options` is a string but not valid JSON"
        ),
        "{yaml}"
    );
    assert!(
        yaml.contains("  # - {from: incoming, to: post_it}  (not converted: incoming)\n"),
        "{yaml}"
    );
    assert_eq!(
        warnings_with(&imported, "not converted, kept as a comment").len(),
        2
    );
    assert_eq!(
        warnings_with(&imported, "`incoming` (\"Incoming\")").len(),
        1
    );
}

#[test]
fn a_single_pasted_action_or_a_list_of_them() {
    let one = json!({"name": "Ping", "type": "httpRequest", "options": "{\"url\":\"https://x\",\"method\":\"head\"}"}).to_string();
    let wf = main_workflow(&import_checked(&one, "ping.json"));
    assert_eq!(wf["name"], "ping");
    assert_eq!(
        action(&wf, "Ping")["options"],
        json!({"url": "https://x", "method": "head"})
    );
    let list = json!([{"name": "A", "type": "trigger", "options": {"rules": []}}, {"name": "B", "type": "trigger", "options": {"rules": []}}]).to_string();
    let imported = import_checked(&list, "two.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        wf["links"],
        json!([]),
        "unlinked pasted actions must not become a chain"
    );
    assert_eq!(
        warnings_with(&imported, "2 actions have no incoming links").len(),
        1
    );
}

#[test]
fn legacy_text_stays_text() {
    let text = json!({"schema_version": 3, "name": "Old", "agents": [
        {"type": "Agents::EventTransformationAgent", "name": "Say", "disabled": "true", "guid": "a", "options": {"mode": "message_only", "payload": {
            "literal": "a << b", "formula_looking": "=1+1", "pill": "{{ .x.y }}", "mixed": "id {{.x.id}} via {% global_resource host %}"}}}
    ], "links": []})
    .to_string();
    let imported = import_checked(&text, "old.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        action(&wf, "Say")["options"]["payload"],
        json!({"literal": "a \\<< b", "formula_looking": "\\=1+1", "pill": "<<x.y>>", "mixed": "id <<x.id>> via <<RESOURCE.host>>"})
    );
    assert_eq!(action(&wf, "Say")["disabled"], true);
    assert_eq!(warnings_with(&imported, "(a string) read as true").len(), 1);
}

#[test]
fn unusual_values_still_make_valid_yaml() {
    let agents = json!([transform(
        "Odd: values #1",
        json!({"mode": "message_only", "payload": {
        "yes": "no", "~": "null", "multi": "line one\nline two\n", "crlf": "a\r\nb", "lead": " space", "colon": "a: b",
        "hash": "a #b", "quote": "\"q\"", "<<": "merge", "num": "012", "empty": "", "tab": "a\tb", "unicode": "‘quoted’ \u{2028}",
        "- dash": "- item", "nested": [[1, [2]], {}, [], {"k": {"j": null}}]}})
    )]);
    let imported = import_checked(&story(agents, json!([])), "odd.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        action(&wf, "Odd: values #1")["options"]["payload"]["crlf"],
        "a\r\nb"
    );
}

#[test]
fn not_tines_is_an_error() {
    assert!(matches!(
        import_tines("{oops", "x.json"),
        Err(ImportError::Json { .. })
    ));
    assert!(matches!(
        import_tines("[1, 2]", "x.json"),
        Err(ImportError::NotTines(_))
    ));
    assert!(matches!(
        import_tines("\"text\"", "x.json"),
        Err(ImportError::NotTines(_))
    ));
    assert!(
        import_tines("{oops", "x.json")
            .unwrap_err()
            .to_string()
            .contains("x.json is not valid JSON")
    );
}

// ---- round trip: import(export(w)) ≡ w ----

/// Puts the forms Relay treats alike into one: a cron string is a list entry in UTC, a
/// missing timezone is UTC, missing links are a chain, `disabled: false` is absent, options
/// given as a JSON string are the object, links are a set.
fn normalise(mut wf: Value) -> Value {
    if let Some(cron) = wf["schedule"].as_str().map(str::to_owned) {
        wf["schedule"] = json!([{"cron": cron}]);
    }
    if let Some(list) = wf["schedule"].as_array_mut() {
        for entry in list {
            if entry.get("timezone").is_none() {
                entry["timezone"] = json!("UTC");
            }
        }
    }
    let slugs: Vec<String> = wf["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| super::slugify(x["name"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if wf.get("links").is_none() {
        wf["links"] = Value::Array(
            slugs
                .windows(2)
                .map(|w| json!({"from": w[0], "to": w[1]}))
                .collect(),
        );
    }
    // Link order carries no meaning; the import writes links in flow order.
    if let Some(list) = wf["links"].as_array_mut() {
        list.sort_by_key(|l| l.to_string());
    }
    for action in wf["actions"].as_array_mut().into_iter().flatten() {
        let object = action.as_object_mut().expect("an action is a mapping");
        if object.get("disabled") == Some(&json!(false)) {
            object.remove("disabled");
        }
        if let Some(Value::String(s)) = object.get("options").cloned() {
            object.insert(
                "options".into(),
                serde_json::from_str(&s).expect("options JSON"),
            );
        }
    }
    wf
}

fn round_trip(workflow_yaml: &str) {
    let original = parse_yaml(workflow_yaml);
    let exported = export_tines(&original).unwrap_or_else(|e| panic!("export: {e}"));
    let imported = import_checked(&exported, "exported.json");
    assert_eq!(imported.workflows.len(), 1);
    let back = main_workflow(&imported);
    assert_eq!(
        normalise(back),
        normalise(original.clone()),
        "exported story:\n{exported}\nre-imported:\n{}",
        imported.workflows[0].yaml
    );
}

#[test]
fn round_trip_of_the_spec_example() {
    round_trip(
        r#"
name: Halo tickets
description: Poll open Halo tickets and alert on urgent ones
schedule:
  - cron: "*/15 * * * *"
    timezone: Europe/London
    overlap: queue
concurrency: 8
resources:
  page_size: 100
actions:
  - name: Get tickets
    type: http_request
    options:
      url: https://<<RESOURCE.halo_api>>/api/Tickets
      method: get
      content_type: json
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
      payload:
        pageinate: true
        page_size: <<RESOURCE.page_size>>
        open_only: true
  - name: Explode tickets
    type: event_transform
    description: one event per ticket
    options:
      mode: explode
      path: <<get_tickets.body.tickets>>
      to: ticket
  - name: Urgent only
    type: trigger
    options:
      rules:
        - type: field==value
          value: "1"
          path: <<explode_tickets.ticket.priority_id>>
  - name: Alert
    type: http_request
    disabled: true
    local:
      summary: <<explode_tickets.ticket.summary>>
    options:
      url: https://hooks.example.com/alert
      method: post
      content_type: json
      payload:
        text: "Urgent ticket <<explode_tickets.ticket.id>>: <<LOCAL.summary>> <% if x %>y<% endif %>"
  - name: Alert ops
    type: http_request
    options:
      url: https://hooks.example.com/ops
      method: post
  - name: Calm
    type: event_transform
    options:
      mode: throttle
      runs_per_interval: 2
      interval: minute
links:
  - {from: get_tickets, to: explode_tickets}
  - {from: explode_tickets, to: urgent_only}
  - {from: urgent_only, to: alert}
  - {from: urgent_only, to: calm, type: no_match}
  - {from: get_tickets, to: alert_ops, type: failure}
"#,
    );
}

#[test]
fn round_trip_of_chains_strings_and_odd_text() {
    round_trip(
        r##"
name: "yes"
schedule: "0 9 * * 1-5"
actions:
  - name: "Step: one"
    type: http_request
    options: '{"url": "https://x", "method": "get", "headers": {"Content-Type": "application/json"}}'
  - name: Two
    type: event_transform
    options:
      mode: message_only
      payload:
        "#key": "- not a list"
        text: "line\nbreak"
        esc: \<<literal>>
"##,
    );
}

#[test]
fn round_trip_of_every_imported_corpus_workflow() {
    for file in super::corpus_tests::CORPUS {
        let imported = import_checked(&fixture(&format!("real/{file}")), file);
        for workflow in &imported.workflows {
            round_trip(&workflow.yaml);
        }
    }
}
