//! The Halo plugin, built from plugins/halo, loaded by `relay`, against the Halo sandbox.

use std::path::Path;

use relay_halo_sandbox::{Fault, SandboxConfig};
use serde_json::Value;

use super::build::{self, text};
use super::project::Project;
use crate::support::{Recorder, TestSandbox};

const CLIENT_ID: &str = "0f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const PASSWORD: &str = "pw-Canary-3b7f1e55-plugin";
const SECRET: &str = "cs-Canary-9c2d4e6f-plugin";
const INVALID_GRANT: &str = "credential `halo` could not be resolved: credential `halo` needs a new refresh token: run `relay credential login halo` or `relay credential set halo_refresh_token`";

fn sandbox() -> TestSandbox {
    TestSandbox::start(SandboxConfig {
        password: PASSWORD.into(),
        client_secret: SECRET.into(),
        ..TestSandbox::default_config()
    })
}

/// relay.yaml loading `plugin`, with a `halo` credential for `sandbox`; `options` are more
/// lines of that credential, `more` more credentials.
fn config_with(plugin: &Path, sandbox: &TestSandbox, options: &str, more: &str) -> String {
    format!(
        "plugins:\n  - {plugin}\nresources:\n  halo_api: {url}\ncredentials:\n  halo:\n    type: halo\n    allowed_hosts: [\"{host}\"]\n    client_id: {CLIENT_ID}\n{options}{more}",
        plugin = text(plugin),
        url = sandbox.url(),
        host = sandbox.host(),
    )
}

/// The usual credential: token endpoint `<sandbox>/token?tenant=acme`.
fn config(sandbox: &TestSandbox) -> String {
    config_with(
        build::halo(),
        sandbox,
        &format!("    auth_server: {}\n    tenant: acme\n", sandbox.url()),
        "",
    )
}

fn example_workflow() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/workflows/halo_plugin/halo_tickets.yaml"
    ))
    .expect("the example")
}

fn project(config: &str) -> Project {
    Project::new(&[
        ("relay.yaml", config),
        ("tickets.yaml", &example_workflow()),
    ])
}

/// Ids of the open tickets (status 9 is Closed) and of the urgent ones among them.
fn open_and_urgent(sandbox: &TestSandbox) -> (Vec<u64>, Vec<u64>) {
    let open: Vec<Value> = (1..=sandbox.ticket_count() as u64)
        .filter_map(|id| sandbox.ticket(id))
        .filter(|t| t["status_id"] != 9)
        .collect();
    let ids = open.iter().map(|t| t["id"].as_u64().unwrap()).collect();
    let urgent = open
        .iter()
        .filter(|t| t["priority_id"] == 1)
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    (ids, urgent)
}

#[test]
fn the_example_workflow_pages_tickets_and_rotates_the_refresh_token() {
    let sandbox = sandbox();
    let refresh = sandbox.issue_refresh_token();
    let p = project(&config(&sandbox));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&refresh),
        &[],
    )
    .assert_code(0);

    let r = p.relay(&["run", "tickets.yaml"]);
    r.assert_code(0);
    let (open, urgent) = open_and_urgent(&sandbox);
    let output = r.json();
    let alerted: Vec<u64> = output
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["get_tickets"]["id"].as_u64().unwrap())
        .collect();
    let mut sorted = alerted.clone();
    sorted.sort();
    assert_eq!(sorted, urgent, "one event per urgent open ticket");
    assert_eq!(sandbox.hook_bodies("alerts").len(), urgent.len());
    let pages = open.len().div_ceil(100);
    let counters = sandbox.counters();
    assert_eq!(
        (counters.token_refresh, counters.tickets_get as usize),
        (1, pages)
    );
    let queries: Vec<String> = sandbox
        .requests()
        .into_iter()
        .filter(|q| q.path == "/api/Tickets")
        .map(|q| q.query)
        .collect();
    let expected: Vec<String> = (1..=pages)
        .map(|n| format!("pageinate=true&page_size=100&page_no={n}&open_only=true"))
        .collect();
    assert_eq!(queries, expected);
    let token_request = sandbox
        .requests()
        .into_iter()
        .find(|q| q.path == "/token")
        .expect("a token request");
    assert_eq!(token_request.query, "tenant=acme");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&token_request.body),
        format!("grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token={refresh}")
    );
    assert!(!r.all_output().contains(&refresh));

    // The access token is cached in the store: a second process sends no token request.
    p.relay(&["run", "tickets.yaml"]).assert_code(0);
    assert_eq!(sandbox.counters().token_refresh, 1);

    // Without the cached token the plugin refreshes again, which only works if the rotated
    // refresh token was stored (the sandbox kills each refresh token on use).
    p.relay(&["credential", "rm", "halo"]).assert_code(0);
    p.relay(&["run", "tickets.yaml"]).assert_code(0);
    assert_eq!(sandbox.counters().token_refresh, 2);
    assert_eq!(sandbox.counters().tokens_issued, 2);
}

#[test]
fn a_revoked_access_token_is_refreshed_once_and_the_action_retried() {
    let sandbox = sandbox();
    let p = project(&config(&sandbox));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    p.relay(&["run", "tickets.yaml"]).assert_code(0);
    sandbox.revoke_access_tokens();
    let before = sandbox.counters();
    let r = p.relay(&["run", "tickets.yaml"]);
    r.assert_code(0);
    let after = sandbox.counters();
    assert_eq!(
        after.unauthorized - before.unauthorized,
        1,
        "one 401 with the cached token"
    );
    assert_eq!(after.token_refresh - before.token_refresh, 1, "one refresh");
    assert!(
        sandbox.hook_bodies("ops").is_empty(),
        "no failure: {:?}",
        sandbox.hook_bodies("ops")
    );
}

#[test]
fn login_runs_the_password_grant_and_stores_the_refresh_token() {
    let sandbox = sandbox();
    let p = project(&config(&sandbox));
    let before = p.relay(&["credential", "test", "halo"]);
    before.assert_code(1);
    assert!(before.stderr.contains("credential `halo` has no refresh token yet: run `relay credential login halo` or `relay credential set halo_refresh_token`"), "{}", before.stderr);

    let r = p.relay_with(
        &[
            "credential",
            "login",
            "halo",
            "--username",
            "agent@acme.example",
        ],
        Some(PASSWORD),
        &[],
    );
    r.assert_code(0);
    assert!(
        r.stdout.starts_with(
            "✓ logged in: the refresh token is stored (encrypted) as `halo_refresh_token`"
        ),
        "{}",
        r.stdout
    );
    let login = sandbox
        .requests()
        .into_iter()
        .find(|q| q.path == "/token")
        .expect("the login request");
    let body = String::from_utf8_lossy(&login.body).into_owned();
    assert!(
        body.starts_with(&format!(
            "grant_type=password&client_id={CLIENT_ID}&username=agent%40acme.example&password="
        )),
        "{body}"
    );
    assert!(body.ends_with("&scope=all"), "{body}");
    assert!(!r.all_output().contains(PASSWORD));

    // The access token from the login is cached; without it, the stored refresh token works.
    p.relay(&["credential", "test", "halo"]).assert_code(0);
    assert_eq!(sandbox.counters().token_refresh, 0);
    p.relay(&["credential", "rm", "halo"]).assert_code(0);
    let t = p.relay(&["credential", "test", "halo"]);
    t.assert_code(0);
    assert!(
        t.stdout.starts_with("✓ credential `halo` resolved: "),
        "{}",
        t.stdout
    );
    assert_eq!(sandbox.counters().token_refresh, 1);

    let wrong = p.relay_with(
        &[
            "credential",
            "login",
            "halo",
            "--username",
            "agent@acme.example",
        ],
        Some("wrong"),
        &[],
    );
    wrong.assert_code(1);
    assert!(wrong.stderr.contains("Halo refused the username or password of credential `halo` (invalid_grant: invalid username or password)"), "{}", wrong.stderr);
}

#[test]
fn client_credentials_reads_its_secret_from_another_credential() {
    let sandbox = sandbox();
    let options = format!(
        "    auth_server: {}\n    tenant: acme\n    grant: client_credentials\n    client_secret: <<CREDENTIAL.halo_secret>>\n",
        sandbox.url()
    );
    let more = format!(
        "  halo_secret:\n    type: text\n    env: HALO_SECRET\n    allowed_hosts: [\"{}\"]\n",
        sandbox.host()
    );
    let p = project(&config_with(build::halo(), &sandbox, &options, &more));
    let r = p.relay_with(
        &["credential", "test", "halo"],
        None,
        &[("HALO_SECRET", SECRET)],
    );
    r.assert_code(0);
    assert_eq!(sandbox.counters().token_client_credentials, 1);
    let body = String::from_utf8_lossy(&sandbox.requests()[0].body).into_owned();
    assert_eq!(
        body,
        format!(
            "grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={SECRET}&scope=all"
        )
    );

    let fresh = project(&config_with(build::halo(), &sandbox, &options, &more));
    let wrong = fresh.relay_with(
        &["credential", "test", "halo"],
        None,
        &[("HALO_SECRET", "not-the-secret")],
    );
    wrong.assert_code(1);
    assert!(wrong.stderr.contains("Halo refused the client of credential `halo` (invalid_client: invalid client_secret): check `client_id` and `client_secret`"), "{}", wrong.stderr);
}

#[test]
fn the_token_endpoint_is_discovered_from_the_resource_server() {
    let sandbox = sandbox();
    let p = project(&config_with(
        build::halo(),
        &sandbox,
        &format!("    resource_server: {}/api\n", sandbox.url()),
        "",
    ));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    p.relay(&["credential", "test", "halo"]).assert_code(0);
    let seen: Vec<(String, String, String)> = sandbox
        .requests()
        .into_iter()
        .map(|q| (q.method, q.path, q.query))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), "/api/AuthInfo".into(), String::new()),
            ("POST".into(), "/auth/token".into(), "tenant=acme".into()),
        ]
    );
}

#[test]
fn token_errors_name_the_cause() {
    let sandbox = sandbox();
    let tenant = format!("    auth_server: {}\n    tenant: nope\n", sandbox.url());
    let p = project(&config_with(build::halo(), &sandbox, &tenant, ""));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    let r = p.relay(&["credential", "test", "halo"]);
    r.assert_code(1);
    assert!(r.stderr.contains("Halo does not know tenant `nope` (invalid_tenant: unknown tenant 'nope'): check `tenant` of credential `halo`"), "{}", r.stderr);

    let p = project(&config(&sandbox));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some("not-a-refresh-token"),
        &[],
    )
    .assert_code(0);
    let r = p.relay(&["credential", "test", "halo"]);
    r.assert_code(1);
    assert_eq!(r.stderr, format!("✗ {INVALID_GRANT}\n"));

    let client = format!("    auth_server: {}\n    tenant: acme\n", sandbox.url());
    let p = project(
        &config_with(build::halo(), &sandbox, &client, "").replace(CLIENT_ID, "unknown-client"),
    );
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    let r = p.relay(&["credential", "test", "halo"]);
    r.assert_code(1);
    assert!(r.stderr.contains("Halo refused the client of credential `halo` (invalid_client: unknown client_id): check `client_id` against"), "{}", r.stderr);
}

#[test]
fn rate_limits_are_waited_out_and_said() {
    let sandbox = sandbox();
    let p = project(&config(&sandbox));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    sandbox.inject_auth(Fault::TooManyRequests {
        times: 1,
        retry_after: Some("1".into()),
    });
    sandbox.inject(Fault::TooManyRequests {
        times: 1,
        retry_after: Some("1".into()),
    });
    let r = p.relay(&["run", "tickets.yaml"]);
    r.assert_code(0);
    assert!(r.stderr.contains("plugin `halo`: Halo answered 429 Too Many Requests to the token request of credential `halo` (it allows about 300 requests per 5 minutes): waiting 1 s, then retry 1 of 3"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("plugin `halo`: Halo answered 429 Too Many Requests to page 1 of GET {}/api/Tickets (it allows about 300 requests per 5 minutes): waiting 1 s, then retry 1 of 3", sandbox.url())), "{}", r.stderr);
    let (open, urgent) = open_and_urgent(&sandbox);
    assert_eq!(r.json().as_array().unwrap().len(), urgent.len());
    let counters = sandbox.counters();
    assert_eq!((counters.token_refresh, counters.too_many_requests), (2, 2));
    assert_eq!(counters.tickets_get as usize, open.len().div_ceil(100) + 1);
}

#[test]
fn a_lasting_rate_limit_fails_with_a_clear_message() {
    let sandbox = sandbox();
    let options = format!(
        "    auth_server: {}\n    tenant: acme\n    max_retries: 1\n",
        sandbox.url()
    );
    let p = project(&config_with(build::halo(), &sandbox, &options, ""));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    sandbox.inject_auth(Fault::TooManyRequests {
        times: 5,
        retry_after: Some("0".into()),
    });
    let r = p.relay(&["credential", "test", "halo"]);
    r.assert_code(1);
    assert!(r.stderr.contains("Halo is rate limiting the token request of credential `halo` (HTTP 429 Too Many Requests, 2 attempts; it allows about 300 requests per 5 minutes): try again in a few minutes"), "{}", r.stderr);
    assert_eq!(sandbox.counters().token_refresh, 2);
}

#[test]
fn the_plugin_may_not_send_where_its_credential_may_not_go() {
    let sandbox = sandbox();
    let elsewhere = Recorder::ok();
    let options = format!("    auth_server: {}\n    tenant: acme\n", elsewhere.url(""));
    let p = project(&config_with(build::halo(), &sandbox, &options, ""));
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some("refresh-token-canary-77"),
        &[],
    )
    .assert_code(0);
    let r = p.relay(&["credential", "test", "halo"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains(&format!(
            "credential `halo` may not be sent to `{}`: its allowed_hosts are [{}]",
            elsewhere.host(),
            sandbox.host()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(elsewhere.count(), 0, "not a byte was sent");
    assert!(!r.all_output().contains("refresh-token-canary-77"));
}

#[test]
fn a_release_plugin_works_in_a_debug_relay_and_the_reverse() {
    let plugin = build::halo_other_profile();
    let sandbox = sandbox();
    let conf = config_with(
        plugin,
        &sandbox,
        &format!("    auth_server: {}\n    tenant: acme\n", sandbox.url()),
        "",
    );
    let p = project(&conf);
    let inspect = p.relay(&["plugin", "inspect", &text(plugin)]);
    inspect.assert_code(0);
    assert_eq!(inspect.json()["name"], "halo");
    p.relay_with(
        &["credential", "set", "halo_refresh_token"],
        Some(&sandbox.issue_refresh_token()),
        &[],
    )
    .assert_code(0);
    let r = p.relay(&["run", "tickets.yaml"]);
    r.assert_code(0);
    let (_, urgent) = open_and_urgent(&sandbox);
    assert_eq!(r.json().as_array().unwrap().len(), urgent.len());
}
