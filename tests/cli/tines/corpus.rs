//! Every file of the real corpus (tests/fixtures/tines/real/, see its MANIFEST.md) through
//! `relay import tines FILE -o DIR/`: the workflows written (nested child stories included),
//! the warnings, and the problems `relay validate` then reports.

use serde_json::{Value, json};

use super::{fixture, fixture_path, summary, warnings, yaml_json};
use crate::support::project::Project;

/// (file, workflow files written, warnings, validation problems) as of this import.
const CORPUS: &[(&str, &[&str], usize, usize)] = &[
    (
        "01-tf-story-example.json",
        &["imported_story_terraform"],
        4,
        0,
    ),
    ("02-tf-simple-story-v3.json", &["simple_story"], 4, 0),
    (
        "03-tf-test-story-2-message-only.json",
        &["test_story_2"],
        1,
        0,
    ),
    ("04-kibana-simple-story.json", &["simple_story"], 4, 0),
    (
        "06-tuckner-send-to-story-breaks.json",
        &["send_to_story_breaks"],
        7,
        0,
    ),
    ("07-tuckner-throttle-implode.json", &["throttle"], 7, 14),
    (
        "08-tuckner-loops-with-counters-delay.json",
        &["loops_with_counters"],
        7,
        3,
    ),
    (
        "10-tuckner-prompt-timer-dedup.json",
        &["prompt_timer"],
        7,
        2,
    ),
    ("11-tuckner-duo-security-sts.json", &["duo_security"], 23, 2),
    (
        "13-tuckner-azure-sentinel-nested-sts.json",
        &["azure_sentinel", "azure_sentinel_storyboard"],
        22,
        26,
    ),
    (
        "14-nishan-soar-edr-limacharlie.json",
        &["soar_edr_project"],
        24,
        8,
    ),
    (
        "15-tuckner-phishing-imap-nested-sts.json",
        &[
            "demo_servicenow_phishing_response_abuse_inbox_management",
            "example_sts_search_splunk",
        ],
        40,
        35,
    ),
];

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Action names a workflow file shows: converted ones and the ones kept as comments.
fn shown_names(yaml: &str) -> Vec<String> {
    let mut names: Vec<String> = yaml_json(yaml)["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for line in yaml.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("# NOT CONVERTED: \"") {
            names.push(rest.split("\" (").next().unwrap_or_default().to_owned());
        }
    }
    names
}

fn action<'a>(workflow: &'a Value, name: &str) -> &'a Value {
    workflow["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no action {name} in {workflow}"))
}

#[test]
fn the_corpus_holds_the_files_this_test_lists() {
    let mut found: Vec<String> = std::fs::read_dir(fixture_path("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    let listed: Vec<&str> = CORPUS.iter().map(|c| c.0).collect();
    assert_eq!(
        found, listed,
        "a corpus file was added or removed: list it in CORPUS"
    );
}

#[test]
fn every_corpus_file_imports_into_a_directory_with_its_warnings_and_validation_result() {
    for &(file, stems, warning_count, problems) in CORPUS {
        let project = Project::new();
        project.write(file, &fixture(&format!("real/{file}")));
        let r = project.relay(&["import", "tines", file, "-o", "out/"]);
        r.assert_code(0);
        assert_eq!(r.stdout, "", "{file}: the YAML goes to files");
        assert!(
            !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
            "{file}:\n{}",
            r.stderr
        );

        // The files: one per story, nested children included.
        let mut written: Vec<String> = std::fs::read_dir(project.path("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        let mut expected: Vec<String> = stems.iter().map(|s| format!("{s}.yaml")).collect();
        expected.sort();
        assert_eq!(written, expected, "{file}");
        for stem in stems {
            assert!(
                r.stderr.contains(&format!("✓ wrote out/{stem}.yaml")),
                "{file}:\n{}",
                r.stderr
            );
        }

        // The summary counts what was printed.
        let lines = warnings(&r.stderr);
        assert_eq!(lines.len(), warning_count, "{file}:\n{}", r.stderr);
        let mut expected_summary = format!(
            "imported {} with {}",
            plural(stems.len(), "workflow"),
            plural(warning_count, "warning")
        );
        if problems > 0 {
            expected_summary.push_str(&format!(
                "; `relay validate` will report {} (above) to fix before it runs",
                plural(problems, "problem")
            ));
        }
        assert_eq!(summary(&r.stderr), expected_summary, "{file}");

        // Every warning about an action names one the written files show.
        let shown: Vec<String> = stems
            .iter()
            .flat_map(|s| shown_names(&project.read(&format!("out/{s}.yaml"))))
            .collect();
        for line in &lines {
            if let Some(rest) = line.strip_prefix("warning: action `") {
                let name = rest.split("`: ").next().unwrap();
                assert!(
                    shown.iter().any(|n| n == name),
                    "{file}: warning names `{name}`, not in the files ({shown:?}):\n{line}"
                );
            }
        }

        // `relay validate` on what was written agrees with the import's count.
        let v = project.relay(&["validate", "out"]);
        if problems == 0 {
            v.assert_code(0);
            assert!(
                v.stderr
                    .contains(&format!("{} valid", plural(stems.len(), "workflow"))),
                "{file}:\n{}",
                v.all_output()
            );
        } else {
            v.assert_code(65);
            let files = if stems.len() == 1 {
                "1 file".to_owned()
            } else {
                format!("{} files", stems.len())
            };
            assert!(
                v.stderr
                    .contains(&format!("{} in {files}", plural(problems, "problem"))),
                "{file}:\n{}",
                v.stderr
            );
        }
    }
}

#[test]
fn modern_story_keeps_its_formulas_and_comments_out_the_webhook() {
    let project = Project::new();
    project.write("s.json", &fixture("real/01-tf-story-example.json"));
    let r = project.relay(&["import", "tines", "s.json", "-o", "s.yaml"]);
    r.assert_code(0);
    let yaml = project.read("s.yaml");
    assert!(
        yaml.contains(
            "  # - {from: receive_events, to: type_is_infection}  (not converted: receive_events)\n"
        ),
        "{yaml}"
    );
    assert!(yaml.contains("  # - {from: user_is_engineer, to: notify_by_email}  (not converted: notify_by_email)\n"), "{yaml}");
    let w = yaml_json(&yaml);
    assert_eq!(
        action(&w, "Explode users")["options"],
        json!({"mode": "explode", "path": "=receive_events.users", "to": "user"})
    );
    assert_eq!(
        action(&w, "Send a post request")["options"]["log_error_on_status"],
        json!([])
    );
    let links: Vec<(String, String)> = w["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["from"].as_str().unwrap().into(),
                l["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(links.len(), 5, "{links:?}");
    assert!(links.contains(&("explode_users".into(), "user_is_student".into())));
    assert!(r.stderr.contains(
        "warning: action `Receive events`: not converted, kept as a comment: a Webhook is an entry point, not a step;"
    ), "{}", r.stderr);
}

#[test]
fn legacy_story_liquid_becomes_formulas() {
    let project = Project::new();
    project.write("s.json", &fixture("real/02-tf-simple-story-v3.json"));
    project
        .relay(&["import", "tines", "s.json", "-o", "s.yaml"])
        .assert_code(0);
    let w = yaml_json(&project.read("s.yaml"));
    // `{{.explode_users.user.job}}` (schema 3) reads like `<<explode_users.user.job>>`.
    let rules = &action(&w, "User is ceo")["options"]["rules"];
    assert_eq!(rules[0]["path"], "<<explode_users.user.job>>", "{rules}");
    let yaml = project.read("s.yaml");
    assert!(
        !yaml
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .any(|l| l.contains("{{")),
        "no Liquid left outside comments:\n{yaml}"
    );
}

#[test]
fn schedule_duplicates_loops_and_modes_of_the_tuckner_stories() {
    let project = Project::new();
    for file in [
        "07-tuckner-throttle-implode.json",
        "08-tuckner-loops-with-counters-delay.json",
        "10-tuckner-prompt-timer-dedup.json",
        "15-tuckner-phishing-imap-nested-sts.json",
    ] {
        project.write(file, &fixture(&format!("real/{file}")));
    }
    // 07: the schedule moves to the workflow; a duplicate name is renamed.
    let r = project.relay(&[
        "import",
        "tines",
        "07-tuckner-throttle-implode.json",
        "-o",
        "07.yaml",
    ]);
    r.assert_code(0);
    let w = yaml_json(&project.read("07.yaml"));
    assert_eq!(
        w["schedule"],
        json!([{"cron": "*/1 * * * *", "timezone": "America/Chicago"}])
    );
    assert!(r.stderr.contains("warning: action `Message Text 2`: duplicate action name \"Message Text\": renamed to \"Message Text 2\" (slug `message_text_2`)"), "{}", r.stderr);
    assert_eq!(action(&w, "Implode an Array")["options"]["mode"], "implode");

    // 08: the loop is broken with a warning; `seconds: "60"` is typed.
    let r = project.relay(&[
        "import",
        "tines",
        "08-tuckner-loops-with-counters-delay.json",
        "-o",
        "08.yaml",
    ]);
    r.assert_code(0);
    assert!(r.stderr.contains("link `delay_event` → `check_scan_status` closes a loop; Relay workflows cannot loop, so it was dropped"), "{}", r.stderr);
    let yaml = project.read("08.yaml");
    assert!(
        yaml.contains("  # - {from: delay_event, to: check_scan_status}  (dropped: closes a loop)"),
        "{yaml}"
    );
    let w = yaml_json(&yaml);
    assert_eq!(
        action(&w, "Delay Event")["options"],
        json!({"mode": "delay", "seconds": 60})
    );

    // 10: deduplicate with a typed lookback.
    project
        .relay(&[
            "import",
            "tines",
            "10-tuckner-prompt-timer-dedup.json",
            "-o",
            "10.yaml",
        ])
        .assert_code(0);
    let w = yaml_json(&project.read("10.yaml"));
    let dedup = &action(&w, "Deduplicate Events")["options"];
    assert_eq!(dedup["mode"], "deduplicate");
    assert_eq!(dedup["lookback"], 100);

    // 15: extract matchers come over as they are; the nested child is its own workflow.
    let r = project.relay(&[
        "import",
        "tines",
        "15-tuckner-phishing-imap-nested-sts.json",
        "-o",
        "15",
    ]);
    r.assert_code(0);
    let w = yaml_json(
        &project.read("15/demo_servicenow_phishing_response_abuse_inbox_management.yaml"),
    );
    assert_eq!(
        action(&w, "Extract URLs")["options"],
        json!({"mode": "extract", "matchers": [{"path": "<<check_inbox.body>>", "regexp": "https?:\\/\\/[\\S]+", "to": "urls"}]})
    );
    let child = yaml_json(&project.read("15/example_sts_search_splunk.yaml"));
    assert_eq!(child["name"], "[Example] STS Search Splunk");
}

#[test]
fn nested_story_without_a_directory_goes_to_stdout_as_separate_documents() {
    let project = Project::new();
    project.write(
        "13.json",
        &fixture("real/13-tuckner-azure-sentinel-nested-sts.json"),
    );
    let r = project.relay(&["import", "tines", "13.json"]);
    r.assert_code(0);
    let parts: Vec<&str> = r.stdout.split("---\n# nested story: write it to its own file (azure_sentinel_storyboard.yaml) with -o DIR\n").collect();
    assert_eq!(parts.len(), 2, "{}", r.stdout);
    assert_eq!(yaml_json(parts[0])["name"], "Azure Sentinel");
    let child = yaml_json(parts[1]);
    assert_eq!(child["name"], "Azure Sentinel Storyboard");
    assert_eq!(
        child["schedule"],
        json!([{"cron": "0 */6 * * *", "timezone": "America/Chicago"}])
    );
    // The warnings of the child say which workflow they are about.
    assert!(r.stderr.contains("[workflow `azure_sentinel_storyboard`] the story can be called by Send to Story (entry \"Receive Query\", exit \"Exit STS\")"), "{}", r.stderr);

    // `-o` naming a path without a slash still becomes a directory when there are two stories.
    let r = project.relay(&["import", "tines", "13.json", "-o", "sentinel"]);
    r.assert_code(0);
    assert!(project.path("sentinel/azure_sentinel.yaml").is_file());
    assert!(
        project
            .path("sentinel/azure_sentinel_storyboard.yaml")
            .is_file()
    );
}
