//! The two actions of the Tines "Halo PSA/ITSM Authentication Guide", in Tines' copy/paste
//! format (camelCase, `options` as a JSON string), as copied into tests/fixtures/tines/.

use super::{fixture, summary, warnings};
use crate::support::Relay;
use crate::support::project::Project;

const TICKETS_YAML: &str = "\
# Converted from the Tines story \"halo-guide-get-tickets\" (halo-guide-get-tickets.json) by `relay import tines`.
# Actions and links Relay cannot run are kept below as comments; see the warnings printed with this file.
name: halo-guide-get-tickets
actions:
  - name: Get a list of Tickets
    type: http_request
    options:
      url: https//YourResourceServer/api/Tickets
      method: get
      content_type: json
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
";

const AUTH_YAML: &str = "\
# Converted from the Tines story \"halo-guide-get-auth-token\" (halo-guide-get-auth-token.json) by `relay import tines`.
# Actions and links Relay cannot run are kept below as comments; see the warnings printed with this file.
name: halo-guide-get-auth-token
actions:
  - name: Request to HALOPSA to Get Auth Token
    type: http_request
    options:
      url: https://\\<<AuthorisationServerName>>/token?tenant=\\<<YourTenantName>>
      method: post
      content_type: form
      headers:
        accept: application/json
      payload:
        grant_type: password
        client_id: \\<<YourClientID>>
        username: \\<<UserName>>
        password: \\<<YourPassword>>
        scope: all
";

fn halo_config() -> &'static str {
    "credentials:\n  halo:\n    type: text\n    env: HALO_ACCESS_TOKEN\n    allowed_hosts: [\"yourresourceserver\"]\n"
}

#[test]
fn tickets_snippet_becomes_yaml_on_stdout_and_its_broken_url_is_reported() {
    let r = Relay::new()
        .file(
            "halo-guide-get-tickets.json",
            &fixture("halo-guide-get-tickets.json"),
        )
        .args(["import", "tines", "halo-guide-get-tickets.json"])
        .run();
    r.assert_code(0);
    assert_eq!(r.stdout, TICKETS_YAML);
    assert!(
        warnings(&r.stderr).is_empty(),
        "nothing in the snippet lacks an equivalent:\n{}",
        r.stderr
    );
    // The guide's URL lacks the `:`; the import says so, with the fix.
    assert!(
        r.stderr.contains("error: `url` of action `get_a_list_of_tickets` is not a valid URL: `https//YourResourceServer/api/Tickets` is missing the `:` after `https` (line 8, column 12)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("help: write `https://YourResourceServer/api/Tickets`"),
        "{}",
        r.stderr
    );
    // No relay.yaml here: the credential is the other problem.
    assert!(r.stderr.contains("error: credential `halo` (option `headers` of action `get_a_list_of_tickets`) is not defined in relay.yaml"), "{}", r.stderr);
    assert_eq!(
        summary(&r.stderr),
        "imported 1 workflow with 0 warnings; `relay validate` will report 2 problems (above) to fix before it runs"
    );
}

#[test]
fn tickets_snippet_with_the_credential_defined_has_only_the_url_problem_and_validate_agrees() {
    let project = Project::new();
    project.write("relay.yaml", halo_config()).write(
        "halo-guide-get-tickets.json",
        &fixture("halo-guide-get-tickets.json"),
    );
    let r = project.relay(&[
        "import",
        "tines",
        "halo-guide-get-tickets.json",
        "-o",
        "tickets.yaml",
    ]);
    r.assert_code(0);
    assert_eq!(r.stdout, "", "with -o nothing goes to stdout");
    assert!(r.stderr.contains("✓ wrote tickets.yaml"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("credential `halo`"),
        "the credential is defined now:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("is missing the `:` after `https`"),
        "{}",
        r.stderr
    );
    assert_eq!(
        summary(&r.stderr),
        "imported 1 workflow with 0 warnings; `relay validate` will report 1 problem (above) to fix before it runs"
    );
    let written = project.read("tickets.yaml");
    assert_eq!(
        written, TICKETS_YAML,
        "the file holds what stdout would have"
    );

    let v = project.relay(&["validate", "tickets.yaml"]);
    v.assert_code(65);
    assert!(
        v.stderr.contains("is missing the `:` after `https`"),
        "{}",
        v.stderr
    );
    assert!(v.stderr.contains("1 problem in 1 file"), "{}", v.stderr);

    // Once the `:` is put back, the workflow is valid.
    project.write("tickets.yaml", &written.replace("https//", "https://"));
    let v = project.relay(&["validate", "tickets.yaml"]);
    v.assert_code(0);
    assert!(
        v.stdout
            .contains("✓ tickets.yaml (halo-guide-get-tickets, 1 action)"),
        "{}",
        v.all_output()
    );
}

#[test]
fn auth_token_snippet_keeps_the_escaped_placeholders_and_reports_the_unusable_url() {
    let r = Relay::new()
        .file(
            "halo-guide-get-auth-token.json",
            &fixture("halo-guide-get-auth-token.json"),
        )
        .args(["import", "tines", "halo-guide-get-auth-token.json"])
        .run();
    r.assert_code(0);
    assert_eq!(r.stdout, AUTH_YAML);
    assert!(warnings(&r.stderr).is_empty(), "{}", r.stderr);
    assert!(
        r.stderr.contains("error: `url` of action `request_to_halopsa_to_get_auth_token` is not an absolute URL: `https://<<AuthorisationServerName>>/token?tenant=<<YourTenantName>>`"),
        "the guide's placeholders stay text and make the URL unusable until filled in:\n{}",
        r.stderr
    );
    assert_eq!(
        summary(&r.stderr),
        "imported 1 workflow with 0 warnings; `relay validate` will report 1 problem (above) to fix before it runs"
    );
}

#[test]
fn auth_token_snippet_runs_against_the_sandbox_once_its_placeholders_are_filled_in() {
    use crate::support::TestSandbox;
    let sandbox = TestSandbox::start(TestSandbox::default_config());
    let r = Relay::new()
        .file(
            "halo-guide-get-auth-token.json",
            &fixture("halo-guide-get-auth-token.json"),
        )
        .args([
            "import",
            "tines",
            "halo-guide-get-auth-token.json",
            "-o",
            "grant.yaml",
        ])
        .run();
    r.assert_code(0);
    let cfg = sandbox.config().clone();
    let yaml = AUTH_YAML
        .replace("https://\\<<AuthorisationServerName>>", &sandbox.url())
        .replace("\\<<YourTenantName>>", &cfg.tenant)
        .replace("\\<<YourClientID>>", &cfg.client_id)
        .replace("\\<<UserName>>", &cfg.username)
        .replace("\\<<YourPassword>>", &cfg.password);
    let run = Relay::new()
        .file("grant.yaml", &yaml)
        .args(["run", "grant.yaml"])
        .run();
    run.assert_code(0);
    let out = run.json();
    let result = &out[0]["request_to_halopsa_to_get_auth_token"];
    assert_eq!(result["status"], 200, "{out}");
    assert_eq!(result["body"]["token_type"], "Bearer");
    assert_eq!(sandbox.counters().token_password, 1);
    let token_request = sandbox
        .requests()
        .into_iter()
        .find(|q| q.path == "/token")
        .expect("the token request");
    assert_eq!(
        token_request.query_value("tenant").as_deref(),
        Some(cfg.tenant.as_str())
    );
    assert_eq!(
        token_request.form_value("grant_type").as_deref(),
        Some("password")
    );
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token_request.header("accept"), Some("application/json"));
}
