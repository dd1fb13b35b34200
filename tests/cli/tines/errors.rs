//! What `relay import tines` and `relay export tines` do with inputs they cannot use
//! (cli.md exit codes: 66 for a file that cannot be read, 65 for invalid input).

use crate::support::Relay;
use crate::support::project::Project;

#[test]
fn import_of_a_missing_file_exits_66_naming_it() {
    let r = Relay::new()
        .args(["import", "tines", "nowhere/story.json"])
        .run();
    r.assert_code(66);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("nowhere/story.json: no such file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn import_of_invalid_json_exits_65_with_the_parser_position() {
    let r = Relay::new()
        .file("broken.json", "{\"agents\": [\n")
        .args(["import", "tines", "broken.json"])
        .run();
    r.assert_code(65);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains(
            "error: broken.json: not valid JSON: EOF while parsing a list at line 2 column 0"
        ),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("broken.json: broken.json"),
        "the file is named once:\n{}",
        r.stderr
    );
}

#[test]
fn import_of_json_that_is_not_a_story_exits_65() {
    for (text, message) in [
        (
            "42",
            "expected a Tines story export (an object with `agents`) or copied actions",
        ),
        ("{\"agents\": {}}", "`agents` must be a list of actions"),
        ("{\"agents\": [], \"links\": 3}", "`links` must be a list"),
        (
            "{\"agents\": [7]}",
            "action #1 in `agents` is not an object",
        ),
    ] {
        let r = Relay::new()
            .file("odd.json", text)
            .args(["import", "tines", "odd.json"])
            .run();
        r.assert_code(65);
        assert!(
            r.stderr.contains(&format!("odd.json: {message}")),
            "{text}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "{text}");
    }
}

#[test]
fn import_without_a_file_is_a_usage_error() {
    let r = Relay::new().args(["import", "tines"]).run();
    r.assert_code(2);
    assert!(r.stderr.contains("<FILE>"), "{}", r.stderr);
}

#[test]
fn export_of_a_missing_workflow_exits_66() {
    let r = Relay::new()
        .args(["export", "tines", "gone.yaml", "-o", "out.json"])
        .run();
    r.assert_code(66);
    assert!(r.stderr.contains("gone.yaml: no such file"), "{}", r.stderr);
}

#[test]
fn export_of_invalid_yaml_exits_65_with_the_position() {
    let project = Project::new();
    project.write("bad.yaml", "name: x\nactions: [\n");
    let r = project.relay(&["export", "tines", "bad.yaml", "-o", "out.json"]);
    r.assert_code(65);
    assert!(
        r.stderr.contains("invalid YAML") && r.stderr.contains("--> bad.yaml:2:10"),
        "{}",
        r.stderr
    );
    assert!(!project.path("out.json").exists(), "nothing written");
}

#[test]
fn export_refuses_what_a_tines_story_cannot_hold() {
    let cases = [
        (
            "name: p\nactions:\n  - name: a\n    type: webhook\n",
            "action `a` has type `webhook`, which has no Tines equivalent (only http_request, event_transform, trigger and plugin actions `plugin.action` export)",
        ),
        (
            "name: p\nactions:\n  - name: a\n    type: trigger\n    options: {rules: []}\nlinks:\n  - {from: a, to: b}\n",
            "link to `b` names no action",
        ),
        (
            "actions:\n  - name: a\n    type: trigger\n",
            "the workflow has no `name`",
        ),
    ];
    for (yaml, message) in cases {
        let r = Relay::new()
            .file("w.yaml", yaml)
            .args(["export", "tines", "w.yaml"])
            .run();
        r.assert_code(65);
        // Structural problems come as located diagnostics (`--> w.yaml:1:1`), the rest as
        // one line naming the file.
        assert!(
            r.stderr.contains(&format!("w.yaml: {message}"))
                || (r.stderr.contains(message) && r.stderr.contains("--> w.yaml:")),
            "{yaml}\n{}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn export_of_a_workflow_with_a_misspelt_key_exits_65_and_writes_nothing() {
    let relay = Relay::new()
        .file(
            "wf.yaml",
            "name: x\nactions:\n  - name: a\n    type: http_request\n    opitons: {url: \"http://127.0.0.1:9/\", method: get}\n",
        )
        .args(["export", "tines", "wf.yaml", "-o", "story.json"]);
    let r = relay.run();
    r.assert_code(65);
    assert!(
        r.stderr.contains("unknown key `opitons`")
            && r.stderr.contains("did you mean `options`?")
            && r.stderr.contains("wf.yaml:5:5"),
        "the diagnostic of relay validate, located:\n{}",
        r.stderr
    );
    assert!(
        !relay.path("story.json").exists(),
        "no story is written from a workflow that lost an option"
    );
}

#[test]
fn export_of_invalid_yaml_shows_the_line_and_a_caret() {
    let r = Relay::new()
        .file("wf.yaml", "name: x\nactions: [\n  - name: a}\n")
        .args(["export", "tines", "wf.yaml"])
        .run();
    r.assert_code(65);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("--> wf.yaml:3:3")
            && r.stderr.contains("  - name: a}")
            && r.stderr.contains("^"),
        "{}",
        r.stderr
    );
}
