//! `relay export tines W -o x.json` then `relay import tines x.json -o back.yaml` gives back
//! an equivalent workflow (cli.md): same actions (names, types, options, local, disabled,
//! description), same links with their types, same schedule and workflow settings. Checked on
//! every file of `workflows/` and on the stories written for these tests.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::{fixture, yaml_json};
use crate::support::project::Project;

/// The shape that must survive, with Relay's defaults made explicit: `options` given as a JSON
/// string read as the object it holds, a workflow without `links` as the chain in file order,
/// a cron string as a one-entry list, a schedule entry without `timezone` as UTC.
fn structure(workflow: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in workflow.as_object().expect("a mapping") {
        if !["actions", "links", "schedule"].contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    let actions = workflow["actions"].as_array().expect("actions");
    let mut slugs = Vec::new();
    let mut shaped = Vec::new();
    for a in actions {
        let options = match &a["options"] {
            Value::String(s) => serde_json::from_str(s).expect("options string holds JSON"),
            Value::Null => json!({}),
            other => other.clone(),
        };
        let name = a["name"].as_str().expect("name");
        slugs.push(relay_core::workflow::slugify(name));
        shaped.push(json!({
            "name": name,
            "type": a["type"],
            "options": options,
            "local": a.get("local").cloned().unwrap_or(Value::Null),
            "disabled": a.get("disabled").cloned().unwrap_or(json!(false)),
            "description": a.get("description").cloned().unwrap_or(Value::Null),
        }));
    }
    out.insert("actions".into(), Value::Array(shaped));
    let mut links: Vec<Value> = match workflow.get("links") {
        None => slugs.windows(2).map(|w| json!({"from": w[0], "to": w[1], "type": "default"})).collect(),
        Some(list) => list
            .as_array()
            .expect("links")
            .iter()
            .map(|l| json!({"from": l["from"], "to": l["to"], "type": l.get("type").cloned().unwrap_or(json!("default"))}))
            .collect(),
    };
    links.sort_by_key(|l| l.to_string());
    out.insert("links".into(), Value::Array(links));
    let schedule = match workflow.get("schedule") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(cron)) => json!([{"cron": cron, "timezone": "UTC"}]),
        Some(Value::Array(entries)) => Value::Array(
            entries
                .iter()
                .map(|e| {
                    let mut e = e.as_object().expect("schedule entry").clone();
                    e.entry("timezone").or_insert(json!("UTC"));
                    Value::Object(e)
                })
                .collect(),
        ),
        Some(other) => panic!("odd schedule {other}"),
    };
    out.insert("schedule".into(), schedule);
    Value::Object(out)
}

fn shipped_workflows() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    // The plugin example: a project of its own (with its relay.yaml) below workflows/.
    files.push(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workflows/halo_plugin/halo_tickets.yaml"),
    );
    files
}

/// Exports `file` and imports the story back; returns the story JSON and the YAML.
fn there_and_back(project: &Project, file: &str) -> (Value, String) {
    let stem = file.trim_end_matches(".yaml");
    let json_name = format!("{stem}.story.json");
    let back_name = format!("{stem}.back.yaml");
    let e = project.relay(&["export", "tines", file, "-o", &json_name]);
    e.assert_code(0);
    assert_eq!(e.stdout, "", "{file}: with -o the story goes to the file");
    assert!(
        e.stderr.contains(&format!("✓ wrote {json_name}")),
        "{file}: {}",
        e.stderr
    );
    let story: Value = serde_json::from_str(&project.read(&json_name))
        .unwrap_or_else(|err| panic!("{file}: export is not JSON: {err}"));
    let i = project.relay(&["import", "tines", &json_name, "-o", &back_name]);
    i.assert_code(0);
    assert!(
        !i.stderr.contains("not converted"),
        "{file}: everything converts back:\n{}",
        i.stderr
    );
    assert!(
        !i.stderr.contains("will report"),
        "{file}: the workflow that comes back validates:\n{}",
        i.stderr
    );
    (story, project.read(&back_name))
}

/// Whether a workflow uses a plugin action (`plugin.action`), which has no Tines counterpart.
fn uses_plugin_actions(workflow: &Value) -> bool {
    workflow["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["type"].as_str().is_some_and(|t| t.contains('.')))
}

#[test]
fn every_shipped_workflow_survives_export_and_import() {
    round_trip_shipped(false);
}

#[test]
fn every_shipped_workflow_including_plugin_ones_survives_export_and_import() {
    round_trip_shipped(true);
}

#[test]
fn a_plugin_action_travels_as_an_inert_agent_and_comes_back() {
    let project = Project::new();
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workflows/halo_plugin/halo_tickets.yaml"),
    )
    .unwrap();
    project.write("w.yaml", &text);
    project
        .relay(&["export", "tines", "w.yaml", "-o", "x.json"])
        .assert_code(0);
    let story: Value = serde_json::from_str(&project.read("x.json")).unwrap();
    let agent = &story["agents"][0];
    assert_eq!(
        agent["type"], "Agents::EventTransformationAgent",
        "an agent Tines can hold: {agent}"
    );
    assert_eq!(
        agent["options"],
        json!({"mode": "message_only", "payload": {}}),
        "inert in Tines"
    );
    let kept = &story["relay"]["plugin_actions"][agent["guid"].as_str().unwrap()];
    assert_eq!(kept["type"], "halo.tickets");
    assert_eq!(kept["options"]["page_size"], 100);
    project
        .relay(&["import", "tines", "x.json", "-o", "back.yaml"])
        .assert_code(0);
    let back = yaml_json(&project.read("back.yaml"));
    assert_eq!(back["actions"][0]["type"], "halo.tickets");
    assert_eq!(
        back["actions"][0]["options"],
        yaml_json(&text)["actions"][0]["options"]
    );
}

fn round_trip_shipped(with_plugins: bool) {
    let files = shipped_workflows();
    assert!(
        files.len() >= 4,
        "workflow.md promises at least four examples: {files:?}"
    );
    let project = Project::new();
    project.write(
        "relay.yaml",
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("relay.yaml"))
            .unwrap(),
    );
    // Plugin workflows validate against a configuration that loads the Halo plugin.
    let plugin_project = Project::new();
    if with_plugins {
        plugin_project.write("relay.yaml", &format!(
            "plugins: [\"{}\"]\nresources:\n  halo_api: http://127.0.0.1:8787\ncredentials:\n  halo:\n    type: halo\n    allowed_hosts: [\"127.0.0.1:8787\"]\n    auth_server: http://127.0.0.1:8787/auth\n    tenant: acme\n    client_id: c\n",
            crate::plugins::build::halo().display()
        ));
    }
    let mut checked = 0;
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let original = std::fs::read_to_string(path).unwrap();
        if !with_plugins && uses_plugin_actions(&yaml_json(&original)) {
            continue;
        }
        checked += 1;
        let project = if uses_plugin_actions(&yaml_json(&original)) {
            &plugin_project
        } else {
            &project
        };
        project.write(&file, &original);
        let (story, back) = there_and_back(project, &file);

        // The story is one Tines can read: agents with Tines types, links by index.
        assert_eq!(story["schema_version"], 27, "{file}");
        let agents = story["agents"].as_array().unwrap();
        let original_json = yaml_json(&original);
        assert_eq!(
            agents.len(),
            original_json["actions"].as_array().unwrap().len(),
            "{file}"
        );
        for agent in agents {
            let t = agent["type"].as_str().unwrap();
            assert!(
                [
                    "Agents::HTTPRequestAgent",
                    "Agents::EventTransformationAgent",
                    "Agents::TriggerAgent"
                ]
                .contains(&t),
                "{file}: {t}"
            );
            assert!(
                agent["options"].is_object(),
                "{file}: options as an object: {agent}"
            );
            assert_eq!(agent["guid"].as_str().unwrap().len(), 32, "{file}");
        }
        for link in story["links"].as_array().unwrap() {
            assert!(
                link["source"].as_u64().unwrap() < agents.len() as u64
                    && link["receiver"].as_u64().unwrap() < agents.len() as u64,
                "{file}: {link}"
            );
        }

        assert_eq!(
            structure(&yaml_json(&back)),
            structure(&original_json),
            "{file}: round trip changed the workflow\n--- back:\n{back}"
        );

        // Both validate against the project's relay.yaml.
        let back_name = format!("{}.back.yaml", file.trim_end_matches(".yaml"));
        let v = project.relay(&["validate", &file, &back_name]);
        v.assert_code(0);
    }
    assert!(
        checked >= 4,
        "at least the four promised examples round-trip: {checked}"
    );
}

#[test]
fn failure_links_and_workflow_settings_travel_in_the_story() {
    let project = Project::new();
    project.write(
        "relay.yaml",
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("relay.yaml"))
            .unwrap(),
    );
    project.write(
        "halo_tickets.yaml",
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workflows/halo_tickets.yaml"),
        )
        .unwrap(),
    );
    let (story, back) = there_and_back(&project, "halo_tickets.yaml");
    assert_eq!(
        story["links"][3],
        json!({"source": 0, "receiver": 4, "type": "failure"}),
        "{}",
        story["links"]
    );
    assert_eq!(story["relay"], json!({"version": 1, "concurrency": 8}));
    assert!(back.contains("\nconcurrency: 8\n"), "{back}");
    assert!(
        back.contains("  - from: get_tickets\n    to: alert_ops\n    type: failure\n"),
        "{back}"
    );
}

#[test]
fn written_stories_survive_import_export_import() {
    let project = Project::new();
    for name in ["failure-links", "no-match-links", "throttle", "schedule"] {
        project.write(
            &format!("{name}.json"),
            &fixture(&format!("written/{name}.json")),
        );
        project
            .relay(&[
                "import",
                "tines",
                &format!("{name}.json"),
                "-o",
                &format!("{name}.yaml"),
            ])
            .assert_code(0);
        let first = project.read(&format!("{name}.yaml"));
        let (story, back) = there_and_back_allowing_problems(&project, &format!("{name}.yaml"));
        assert_eq!(
            structure(&yaml_json(&back)),
            structure(&yaml_json(&first)),
            "{name}\n--- first:\n{first}\n--- back:\n{back}"
        );
        if name == "schedule" {
            // Tines always names the zone: the entry without one is written as UTC.
            assert_eq!(
                story["agents"][0]["schedule"],
                json!([{"cron": "0 9 * * 1-5", "timezone": "Europe/London"}, {"cron": "30 17 * * 1-5", "timezone": "UTC"}])
            );
        }
        if name == "no-match-links" {
            let types: Vec<&str> = story["links"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["type"].as_str().unwrap_or("default"))
                .collect();
            assert_eq!(
                types.iter().filter(|t| **t == "no_match").count(),
                2,
                "{}",
                story["links"]
            );
        }
    }
}

/// [`there_and_back`] for workflows whose resources this project does not define.
fn there_and_back_allowing_problems(project: &Project, file: &str) -> (Value, String) {
    let stem = file.trim_end_matches(".yaml");
    let json_name = format!("{stem}.story.json");
    let back_name = format!("{stem}.back.yaml");
    project
        .relay(&["export", "tines", file, "-o", &json_name])
        .assert_code(0);
    let story: Value = serde_json::from_str(&project.read(&json_name)).unwrap();
    let i = project.relay(&["import", "tines", &json_name, "-o", &back_name]);
    i.assert_code(0);
    assert!(!i.stderr.contains("not converted"), "{file}:\n{}", i.stderr);
    (story, project.read(&back_name))
}

/// A workflow using every top-level key and awkward scalars the YAML writer must quote.
const AWKWARD: &str = r##"name: "Awkward: values # that YAML could misread"
description: |
  Two lines,
  the second with "quotes" and a trailing colon:
schedule: "0 7 * * 1"
concurrency: 3
timeout: 120
resources:
  limit: 5
  region: "no"
actions:
  - name: Build
    type: event_transform
    description: first step
    local:
      greeting: Hello <<name>>
    options:
      mode: message_only
      payload:
        yes_word: "yes"
        "on": "off"
        zero_padded: "007"
        number_text: "1.50"
        hash: "#not-a-comment"
        dash: "- not a list"
        formula: =LOCAL.greeting
        pill: "<<name>>"
        empty: ""
        nothing: null
        unicode: "naïve ‘quotes’ — ✓"
        multiline: "line one\nline two\n"
        colon: "a: b"
        list: [1, "2", true, null]
  - name: Check
    type: trigger
    options: '{"rules":[{"type":"regex","value":"^Bye","path":"<<build.formula>>"}],"must_match":1}'
  - name: Matched
    type: event_transform
    disabled: true
    options:
      mode: message_only
      payload: {ok: true}
  - name: Not matched
    type: event_transform
    options:
      mode: message_only
      payload: {ok: false}
links:
  - {from: build, to: check}
  - {from: check, to: matched}
  - {from: check, to: not_matched, type: no_match}
"##;

#[test]
fn awkward_values_and_every_workflow_key_survive_the_round_trip() {
    let project = Project::new();
    project.write("awkward.yaml", AWKWARD);
    project.relay(&["validate", "awkward.yaml"]).assert_code(0);
    let (story, back) = there_and_back(&project, "awkward.yaml");
    assert_eq!(
        story["relay"],
        json!({"version": 1, "concurrency": 3, "timeout": 120, "resources": {"limit": 5, "region": "no"}})
    );
    assert_eq!(
        story["agents"][0]["options"]["local"],
        json!({"greeting": "Hello <<name>>"}),
        "Tines keeps `local` in options"
    );
    assert_eq!(story["agents"][2]["disabled"], true);
    assert_eq!(
        structure(&yaml_json(&back)),
        structure(&yaml_json(AWKWARD)),
        "--- back:\n{back}"
    );
    // The workflow that comes back runs like the original.
    let input = r#"{"name": "Ana"}"#;
    let a = project.relay(&["run", "awkward.yaml", "--input", input, "--output", "json"]);
    let b = project.relay(&[
        "run",
        "awkward.back.yaml",
        "--input",
        input,
        "--output",
        "json",
    ]);
    a.assert_code(0);
    b.assert_code(0);
    assert_eq!(a.json(), b.json());
    assert_eq!(a.json()[0]["build"]["formula"], "Hello Ana");
    assert_eq!(
        a.json()[0]["not_matched"],
        json!({"ok": false}),
        "the no_match link survived"
    );
}
