//! The example workflow against the Halo sandbox, as the README runs it.

use crate::support::{Relay, TestSandbox};

#[test]
fn halo_tickets_example_runs_against_the_sandbox() {
    let sandbox = TestSandbox::start(TestSandbox::default_config());
    let token = sandbox.issue_access_token();
    let workflow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/workflows/halo_tickets.yaml"
    ))
    .unwrap();
    let config = format!(
        "resources:\n  halo_api: {url}\n  page_size: 50\ncredentials:\n  halo:\n    type: text\n    env: HALO_ACCESS_TOKEN\n    allowed_hosts: [\"{host}\"]\n",
        url = sandbox.url(),
        host = sandbox.host()
    );
    let result = Relay::new()
        .file("relay.yaml", &config)
        .file("halo_tickets.yaml", &workflow)
        .env("HALO_ACCESS_TOKEN", &token)
        .args(["run", "halo_tickets.yaml"])
        .run();
    result.assert_code(0);
    let output = result.json();
    let alerts = sandbox.hook_bodies("alerts");
    assert!(!alerts.is_empty(), "some tickets are urgent");
    assert_eq!(
        output.as_array().unwrap().len(),
        alerts.len(),
        "one leaf event per alert"
    );
    for event in output.as_array().unwrap() {
        assert_eq!(event["explode_tickets"]["ticket"]["priority_id"], 1);
        assert_eq!(event["alert"]["status"], 200);
    }
    assert_eq!(sandbox.counters().tickets_get, 1);
    assert!(result.stderr.contains("succeeded"), "{}", result.stderr);
    assert!(
        !result.all_output().contains(&token),
        "the access token never appears in output"
    );
}
