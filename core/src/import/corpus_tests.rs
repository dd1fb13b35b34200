//! Every file of the public corpus (shared/fixtures/tines/real) imports, each workflow file
//! reads back as meant, and the warnings say what the corpus notes say they should.

use serde_json::json;

use super::test_support::{
    action, fixture, import_checked, links, main_workflow, parse_yaml, warnings_with,
};

/// The corpus files.
pub const CORPUS: &[&str] = &[
    "01-tf-story-example.json",
    "02-tf-simple-story-v3.json",
    "03-tf-test-story-2-message-only.json",
    "04-kibana-simple-story.json",
    "06-tuckner-send-to-story-breaks.json",
    "07-tuckner-throttle-implode.json",
    "08-tuckner-loops-with-counters-delay.json",
    "10-tuckner-prompt-timer-dedup.json",
    "11-tuckner-duo-security-sts.json",
    "13-tuckner-azure-sentinel-nested-sts.json",
    "14-nishan-soar-edr-limacharlie.json",
    "15-tuckner-phishing-imap-nested-sts.json",
];

/// (stem, is_main, converted actions, actions kept as comments) of one workflow.
type Shape = (&'static str, bool, usize, usize);

/// (file, workflows, warnings)
const EXPECTED: &[(&str, &[Shape], usize)] = &[
    (
        "01-tf-story-example.json",
        &[("imported_story_terraform", true, 6, 2)],
        4,
    ),
    (
        "02-tf-simple-story-v3.json",
        &[("simple_story", true, 6, 2)],
        4,
    ),
    (
        "03-tf-test-story-2-message-only.json",
        &[("test_story_2", true, 1, 1)],
        1,
    ),
    (
        "04-kibana-simple-story.json",
        &[("simple_story", true, 6, 2)],
        4,
    ),
    (
        "06-tuckner-send-to-story-breaks.json",
        &[("send_to_story_breaks", true, 3, 3)],
        7,
    ),
    (
        "07-tuckner-throttle-implode.json",
        &[("throttle", true, 7, 1)],
        7,
    ),
    (
        "08-tuckner-loops-with-counters-delay.json",
        &[("loops_with_counters", true, 10, 0)],
        7,
    ),
    (
        "10-tuckner-prompt-timer-dedup.json",
        &[("prompt_timer", true, 7, 0)],
        7,
    ),
    (
        "11-tuckner-duo-security-sts.json",
        &[("duo_security", true, 6, 12)],
        23,
    ),
    (
        "13-tuckner-azure-sentinel-nested-sts.json",
        &[
            ("azure_sentinel", true, 12, 3),
            ("azure_sentinel_storyboard", false, 12, 3),
        ],
        22,
    ),
    (
        "14-nishan-soar-edr-limacharlie.json",
        &[("soar_edr_project", true, 7, 3)],
        24,
    ),
    (
        "15-tuckner-phishing-imap-nested-sts.json",
        &[
            (
                "demo_servicenow_phishing_response_abuse_inbox_management",
                true,
                41,
                4,
            ),
            ("example_sts_search_splunk", false, 10, 2),
        ],
        40,
    ),
];

fn import(file: &str) -> super::Imported {
    import_checked(&fixture(&format!("real/{file}")), file)
}

#[test]
fn every_corpus_file_imports_with_the_expected_shape() {
    assert_eq!(CORPUS.len(), EXPECTED.len());
    for (file, workflows, warning_count) in EXPECTED {
        let imported = import(file);
        let shape: Vec<(String, bool, usize, usize)> = imported
            .workflows
            .iter()
            .map(|w| {
                let parsed = parse_yaml(&w.yaml);
                let converted = parsed["actions"].as_array().map_or(0, Vec::len);
                let kept = w.yaml.matches("\n  # NOT CONVERTED: ").count();
                (w.file_stem.clone(), w.is_main, converted, kept)
            })
            .collect();
        let expected: Vec<(String, bool, usize, usize)> = workflows
            .iter()
            .map(|(s, m, c, k)| ((*s).to_owned(), *m, *c, *k))
            .collect();
        assert_eq!(shape, expected, "{file}");
        let agents = count_agents(file);
        assert_eq!(
            shape.iter().map(|(_, _, c, k)| c + k).sum::<usize>(),
            agents,
            "{file}: every action is converted or kept"
        );
        assert_eq!(
            imported.warnings.len(),
            *warning_count,
            "{file}: {:#?}",
            imported.warnings
        );
        for w in &imported.warnings {
            assert!(!w.message.is_empty());
        }
    }
}

fn count_agents(file: &str) -> usize {
    fn count(story: &serde_json::Value) -> usize {
        story["agents"].as_array().map_or(0, Vec::len)
            + story["send_to_stories"]
                .as_array()
                .map_or(0, |c| c.iter().map(count).sum())
    }
    count(&serde_json::from_str(&fixture(&format!("real/{file}"))).expect("corpus JSON"))
}

#[test]
fn simple_story_in_both_dialects_converts_alike() {
    let modern = main_workflow(&import("04-kibana-simple-story.json"));
    let legacy = main_workflow(&import("02-tf-simple-story-v3.json"));
    for name in [
        "User is ceo",
        "Type is infection",
        "User is student",
        "User is engineer",
    ] {
        assert_eq!(
            action(&modern, name)["options"],
            action(&legacy, name)["options"],
            "{name}"
        );
    }
    assert_eq!(
        action(&legacy, "User is ceo")["options"]["rules"][0]["path"],
        "<<explode_users.user.job>>"
    );
    assert_eq!(
        action(&legacy, "Explode users")["options"]["path"],
        "<<receive_events.users>>"
    );
    assert_eq!(
        action(&modern, "Explode users")["options"]["path"],
        "=receive_events.users"
    );
    assert_eq!(links(&modern), links(&legacy));
    assert_eq!(
        links(&modern),
        [
            "type_is_infection→explode_users",
            "explode_users→user_is_ceo",
            "explode_users→user_is_student",
            "explode_users→user_is_engineer",
            "user_is_ceo→send_a_post_request"
        ]
    );
    let imported = import("04-kibana-simple-story.json");
    let email = warnings_with(
        &imported,
        "`Agents::EmailAgent` actions have no Relay equivalent",
    );
    assert_eq!(email.len(), 1);
    assert_eq!(email[0].action.as_deref(), Some("Notify by email"));
    let webhook = warnings_with(&imported, "a Webhook is an entry point");
    assert_eq!(webhook[0].action.as_deref(), Some("Receive events"));
    assert!(
        webhook[0]
            .message
            .contains("`type_is_infection` now receives the entry event"),
        "{}",
        webhook[0].message
    );
    assert_eq!(
        warnings_with(&imported, "`receive_events` (\"Receive events\")").len(),
        2
    );
}

#[test]
fn message_only_story_drops_loop_false_quietly() {
    let imported = import("03-tf-test-story-2-message-only.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        action(&wf, "Event Transform Action")["options"],
        json!({"mode": "message_only", "payload": {"message": "This is an automatically generated message from Tines"}})
    );
    assert_eq!(wf["links"], json!([]));
}

#[test]
fn send_to_story_breaks_keeps_sts_and_webhooks_as_comments() {
    let imported = import("06-tuckner-send-to-story-breaks.json");
    let wf = main_workflow(&imported);
    let payload = &action(&wf, "Send to Continuance Webhook")["options"]["payload"];
    assert_eq!(
        payload,
        &json!({"#agent_id": "<<entry[\"#agent_id\"]>>", "#event_id": "<<entry[\"#event_id\"]>>", "body": "<<entry.body>>"})
    );
    assert_eq!(
        warnings_with(&imported, "it calls this same story").len(),
        1
    );
    assert_eq!(
        warnings_with(
            &imported,
            "can be called by Send to Story (entry \"Entry\", exit \"Exit\")"
        )
        .len(),
        1
    );
    let yaml = &imported.workflows[0].yaml;
    assert!(
        yaml.contains("#   Run the 'Start Here' action"),
        "diagram notes are kept as comments"
    );
}

#[test]
fn throttle_story_schedule_implode_credentials_and_duplicates() {
    let imported = import("07-tuckner-throttle-implode.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        wf["schedule"],
        json!([{"cron": "*/1 * * * *", "timezone": "America/Chicago"}])
    );
    assert_eq!(
        action(&wf, "Receive SQS Message")["options"]["headers"]["Authorization"],
        " <<CREDENTIAL.aws_key>>"
    );
    assert_eq!(
        action(&wf, "Receive SQS Message")["options"]["url"],
        "https://sqs.<<RESOURCE.aws_region>>.amazonaws.com/<<RESOURCE.aws_account>>/<<RESOURCE.sqs_queue>>/"
    );
    assert_eq!(
        action(&wf, "Implode an Array")["options"],
        json!({"mode": "implode", "guid_path": "<<message_text.message>>", "size_path": "2"})
    );
    assert_eq!(
        action(&wf, "Check if Message")["options"]["rules"][0]["type"],
        "!regex"
    );
    assert_eq!(
        action(&wf, "Message Text 2")["options"]["payload"]["message"],
        "<<receive_sqs_message.body.ReceiveMessageResponse.ReceiveMessageResult.Message.Body>>"
    );
    assert_eq!(
        warnings_with(&imported, "duplicate action name \"Message Text\"").len(),
        1
    );
    assert_eq!(
        warnings_with(
            &imported,
            "schedule became the workflow's `schedule`; in Relay a tick starts every action"
        )
        .len(),
        1
    );
    assert_eq!(warnings_with(&imported, "forms/pages").len(), 1);
}

#[test]
fn loops_story_breaks_the_cycle_and_keeps_liquid_logic() {
    let imported = import("08-tuckner-loops-with-counters-delay.json");
    let wf = main_workflow(&imported);
    assert!(!links(&wf).contains(&"delay_event→check_scan_status".to_owned()));
    assert_eq!(links(&wf).len(), 11);
    assert_eq!(warnings_with(&imported, "closes a loop").len(), 1);
    assert_eq!(
        action(&wf, "Delay Event")["options"],
        json!({"mode": "delay", "seconds": 60})
    );
    assert_eq!(
        action(&wf, "Increment Counter")["options"]["payload"]["counter"],
        "<<(increment_counter.counter|int + 1)>>"
    );
    let upload = &action(&wf, "Upload File to Hybrid Analysis")["options"];
    assert_eq!(
        upload["headers"]["api-key"],
        "<<CREDENTIAL.HybridAnalysisAPI>>"
    );
    assert_eq!(
        upload["payload"]["file"]["contents"],
        "<<webhook_agent.base64_encoded_contents|BASE64_DECODE>>"
    );
    assert_eq!(upload["content_type"], "data");
    assert!(
        action(&wf, "Build Results")["options"]["payload"]["new"]
            .as_str()
            .unwrap()
            .starts_with("{% if trigger_if_file_exists")
    );
    assert_eq!(warnings_with(&imported, "Liquid logic").len(), 3);
    assert!(
        warnings_with(&imported, "`webhook_agent`, `retrieve_scan_result`")[0]
            .message
            .contains("DEFAULT")
    );
}

#[test]
fn prompt_story_reports_prompts_and_run_guid() {
    let imported = import("10-tuckner-prompt-timer-dedup.json");
    let wf = main_workflow(&imported);
    assert_eq!(
        action(&wf, "Deduplicate Events")["options"],
        json!({"mode": "deduplicate", "lookback": 100, "path": "{% story_run_guid %}"})
    );
    assert_eq!(
        action(&wf, "Delay Event 1 Hour")["options"]["seconds"],
        3600
    );
    assert_eq!(warnings_with(&imported, "a Tines prompt link").len(), 2);
    assert_eq!(warnings_with(&imported, "META.run.id").len(), 1);
    let text = &action(&wf, "Send message to user in Slack to confirm")["options"]["payload"]["attachments"]
        [0]["blocks"][1]["fields"][0]["text"];
    assert_eq!(
        text, "*action:*\n<<suspicious_alert_webhook.user_message>>",
        "line_break becomes a newline"
    );
}

#[test]
fn duo_story_keeps_placeholders_and_send_to_story_actions() {
    let imported = import("11-tuckner-duo-security-sts.json");
    let wf = main_workflow(&imported);
    let request = action(&wf, "Send API Request to Duo Security");
    assert_eq!(request["options"]["payload"], "<<receive_sts.params>>");
    assert!(request["options"].get("placeholders").is_none());
    assert!(imported.workflows[0].yaml.contains("  # Tines options of \"Send API Request to Duo Security\" with no Relay equivalent (not converted):\n  # {\n  #   \"placeholders\": {"));
    assert_eq!(
        warnings_with(&imported, "Relay has no Send to Story action").len(),
        11
    );
    assert_eq!(
        warnings_with(
            &imported,
            "it calls \"Duo\", which is not part of this export"
        )
        .len(),
        2
    );
    assert_eq!(
        warnings_with(&imported, "`hmac_sha1` has no formula equivalent").len(),
        1
    );
    assert_eq!(action(&wf, "Delay Event")["options"]["seconds"], 10);
}

#[test]
fn azure_story_imports_its_nested_child_beside_it() {
    let imported = import("13-tuckner-azure-sentinel-nested-sts.json");
    assert_eq!(imported.workflows.len(), 2);
    let child = parse_yaml(&imported.workflows[1].yaml);
    assert_eq!(child["name"], "Azure Sentinel Storyboard");
    assert_eq!(
        child["schedule"],
        json!([{"cron": "0 */6 * * *", "timezone": "America/Chicago"}])
    );
    let main = main_workflow(&imported);
    assert!(main.get("schedule").is_none());
    assert_eq!(
        action(&main, "Authenticate to LogAnalytics")["options"]["content_type"],
        "form"
    );
    assert_eq!(
        action(&main, "Renew Subscription")["options"]["headers"]["Authorization"],
        "Bearer <<CREDENTIAL.microsoft_graph>>"
    );
    assert_eq!(
        action(&main, "Delete Subscription")["options"]["method"],
        "delete"
    );
    assert_eq!(
        warnings_with(&imported, "`content-type` renamed to `content_type`").len(),
        2
    );
    let sts = warnings_with(
        &imported,
        "imported beside this one as workflow `azure_sentinel_storyboard`",
    );
    assert_eq!(sts.len(), 1);
    assert_eq!(sts[0].action.as_deref(), Some("Send to Story Agent"));
    assert_eq!(
        warnings_with(&imported, "[workflow `azure_sentinel_storyboard`]").len(),
        12
    );
    assert_eq!(
        warnings_with(&imported, "actions have no incoming links").len(),
        2
    );
}

#[test]
fn templated_actions_take_their_inputs_from_integrations() {
    let imported = import("14-nishan-soar-edr-limacharlie.json");
    let wf = main_workflow(&imported);
    let slack = action(&wf, "Send a message");
    assert_eq!(
        slack["options"]["headers"]["Authorization"],
        "Bearer <<CREDENTIAL.slack>>"
    );
    assert_eq!(slack["options"]["content_type"], "json");
    assert_eq!(slack["options"]["payload"], "=LOCAL.final_payload");
    assert_eq!(slack["local"]["all_options"]["channel"], "C097MH2L5Q9");
    assert!(
        slack["local"]["all_options"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Project Name: <<retrieve_detection.body.cat>>\nTime (epoch)")
    );
    assert_eq!(
        action(&wf, "Send a message 3")["local"]["all_options"]["text"],
        "Isolation Status: <<get_isolation_status.body.is_isolated>>\nThe computer <<retrieve_detection.body.detect.routing.hostname>> has been isolated."
    );
    assert!(!imported.workflows[0].yaml.contains("INPUT."));
    let status = &action(&wf, "Get Isolation Status")["options"];
    assert_eq!(status["content_type"], "json");
    assert_eq!(
        status["headers"],
        json!({"Authorization": "Bearer <<CREDENTIAL.limacharlie>>"})
    );
    assert_eq!(
        warnings_with(
            &imported,
            "written in: slack_credential, channel_user_id, message"
        )
        .len(),
        3
    );
    assert_eq!(warnings_with(&imported, "`REJECT`, `LAMBDA`").len(), 3);
    assert_eq!(
        warnings_with(&imported, "renamed to \"Send a message").len(),
        2
    );
    assert_eq!(warnings_with(&imported, "`Agents::FormAgent`").len(), 1);
    assert_eq!(
        warnings_with(&imported, "\"json; charset=utf-8\" normalised to `json`").len(),
        3
    );
    assert_eq!(
        warnings_with(
            &imported,
            "header `Content-Type: application/json` replaced by `content_type: json`"
        )
        .len(),
        1
    );
}

#[test]
fn phishing_story_converts_tags_types_and_its_child() {
    let imported = import("15-tuckner-phishing-imap-nested-sts.json");
    let wf = main_workflow(&imported);
    let ticket = &action(&wf, "Create Service Now Ticket")["options"];
    assert_eq!(
        ticket["url"],
        "https://<<RESOURCE.demo_servicenow_fqdn>>/api/now/v1/table/incident"
    );
    assert_eq!(ticket["basic_auth"], "admin:<<CREDENTIAL.servicenow>>");
    assert_eq!(
        action(&wf, "Get asset owner")["options"]["basic_auth"],
        json!(["<<RESOURCE.jira_svc_user>>", "<<CREDENTIAL.jira_svc_pwd>>"])
    );
    assert_eq!(
        action(&wf, "Isolate Host in Carbon Black")["options"]["method"],
        "put"
    );
    assert_eq!(
        action(&wf, "Get DHCP search status")["options"]["disable_ssl_verification"],
        true
    );
    assert_eq!(action(&wf, "URL is malicious")["options"]["must_match"], 1);
    assert_eq!(
        action(&wf, "Get hybrid scan results")["options"]["user_agent"],
        "Falcon Sandbox"
    );
    assert_eq!(
        action(&wf, "Extract domain")["options"]["matchers"][0]["to"],
        "domain"
    );
    assert_eq!(
        warnings_with(
            &imported,
            "`Agents::IMAPAgent` actions have no Relay equivalent"
        )
        .len(),
        1
    );
    assert_eq!(
        warnings_with(
            &imported,
            "`Agents::EmailAgent` actions have no Relay equivalent"
        )
        .len(),
        2
    );
    assert_eq!(warnings_with(&imported, "story_run_link").len(), 1);
    assert_eq!(warnings_with(&imported, "closes a loop").len(), 2);
    let child = parse_yaml(&imported.workflows[1].yaml);
    assert_eq!(child["name"], "[Example] STS Search Splunk");
    assert_eq!(action(&child, "Search Splunk")["type"], "http_request");
    assert_eq!(
        action(&child, "100 results 2")["options"]["rules"][0]["type"],
        "field>value"
    );
    assert_eq!(
        warnings_with(&imported, "renamed to \"Search Splunk 2\"")[0]
            .action
            .as_deref(),
        Some("Search Splunk 2")
    );
}
