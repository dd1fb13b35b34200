//! `type: oauth2` against the sandbox: client_credentials (form or HTTP Basic client
//! authentication), refresh_token with rotation into `<name>_refresh_token`, and login.

use super::common::*;

/// A workflow like `get_ticket.yaml` with another credential.
fn ticket_with(credential: &str) -> String {
    GET_TICKET.replace(
        "<<CREDENTIAL.halo>>",
        &format!("<<CREDENTIAL.{credential}>>"),
    )
}

fn client_credentials(auth_style: &str) -> String {
    format!(
        r#"  halo_client_secret:
    type: text
    allowed_hosts: ["HOST"]
  halo_app:
    type: oauth2
    allowed_hosts: ["HOST"]
    grant_type: client_credentials
    token_url: <<RESOURCE.halo_auth>>/token?tenant=<<RESOURCE.halo_tenant>>
    client_id: <<RESOURCE.halo_client_id>>
    client_secret: <<CREDENTIAL.halo_client_secret>>
    scope: all
    extra: {{resource: tickets}}
    auth_style: {auth_style}
"#
    )
}

#[test]
fn client_credentials_sends_the_secret_in_the_form_and_caches_the_token() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo_with(&sandbox, &client_credentials("body"));
    project.write("app.yaml", &ticket_with("halo_app"));
    project.set("halo_client_secret", CLIENT_SECRET);
    let first = project.relay(&["-vv", "run", "app.yaml"]);
    assert_got_ticket(&first);
    let second = project.relay(&["run", "app.yaml"]);
    assert_got_ticket(&second);
    let c = sandbox.counters();
    assert_eq!(
        (c.token_client_credentials, c.token_requests, c.tickets_get),
        (1, 1, 2),
        "{c:?}"
    );
    let request = &token_requests(&sandbox)[0];
    assert_eq!(request.path, "/auth/token");
    assert_eq!(request.query_value("tenant").as_deref(), Some("acme"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = request.form();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("client_id"), Some(CLIENT_ID));
    assert_eq!(field("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(field("scope"), Some("all"));
    assert_eq!(field("resource"), Some("tickets"));
    assert_eq!(request.header("authorization"), None);
    let secrets = secrets_seen(&sandbox);
    assert_outputs_clean(&[&first, &second], &secrets);
    assert_state_clean(&project, &secrets);
}

#[test]
fn auth_style_basic_sends_the_client_in_an_authorization_header() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo_with(&sandbox, &client_credentials("basic"));
    project.write("app.yaml", &ticket_with("halo_app"));
    project.set("halo_client_secret", CLIENT_SECRET);
    let run = project.relay(&["-vv", "run", "app.yaml"]);
    assert_got_ticket(&run);
    let test = project.relay(&["credential", "test", "halo_app"]);
    test.assert_code(0);
    assert!(
        test.stdout
            .contains("✓ credential `halo_app` resolved: 32 characters, cached until 20"),
        "{}",
        test.stdout
    );
    let request = &token_requests(&sandbox)[0];
    let basic = format!(
        "Basic {}",
        base64(
            format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes(),
            false,
            true
        )
    );
    assert_eq!(request.header("authorization"), Some(basic.as_str()));
    assert_eq!(request.form_value("client_secret"), None);
    assert_eq!(request.form_value("client_id"), None);
    assert_eq!(
        request.form_value("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(sandbox.counters().tokens_issued, 1);
    let mut secrets = secrets_seen(&sandbox);
    secrets.push(base64(
        format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes(),
        false,
        true,
    ));
    assert_outputs_clean(&[&run, &test], &secrets);
}

#[test]
fn a_wrong_client_secret_is_reported_with_the_endpoint_error() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo_with(&sandbox, &client_credentials("body"));
    project.write("app.yaml", &ticket_with("halo_app"));
    let wrong = "wrong-client-secret-Canary-17";
    project.set("halo_client_secret", wrong);
    let run = project.relay(&["run", "app.yaml"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("returned HTTP 401: invalid_client: invalid client_secret"),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.counters().api_requests, 0);
    assert_outputs_clean(&[&run], &[wrong.to_owned()]);
}

const REFRESHING: &str = r#"  halo_o:
    type: oauth2
    allowed_hosts: ["HOST"]
    grant_type: refresh_token
    token_url: <<RESOURCE.halo_auth>>/token?tenant=<<RESOURCE.halo_tenant>>
    client_id: <<RESOURCE.halo_client_id>>
"#;

#[test]
fn refresh_token_grant_rotates_into_name_refresh_token_across_runs() {
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo_with(&sandbox, REFRESHING);
    project.write("o.yaml", &ticket_with("halo_o"));
    let login = project.relay_with(
        &["credential", "login", "halo_o", "--username", USERNAME],
        Some(PASSWORD),
        &[],
    );
    login.assert_code(0);
    assert!(
        login
            .stdout
            .contains("stored (encrypted) as `halo_o_refresh_token`"),
        "{}",
        login.stdout
    );
    let mut outputs = vec![login];
    for _ in 0..3 {
        let r = project.relay(&["run", "o.yaml"]);
        assert_got_ticket(&r);
        outputs.push(r);
    }
    let c = sandbox.counters();
    assert_eq!(
        (c.token_password, c.token_refresh, c.tokens_issued),
        (1, 3, 4),
        "every rotated token was accepted: {c:?}"
    );
    let presented = presented_refresh_tokens(&sandbox);
    assert_eq!(presented.len(), 3);
    assert!(
        presented[0] != presented[1] && presented[1] != presented[2],
        "{presented:?}"
    );
    for r in token_requests(&sandbox).iter().skip(1) {
        assert_eq!(r.form_value("grant_type").as_deref(), Some("refresh_token"));
        assert_eq!(r.form_value("client_id").as_deref(), Some(CLIENT_ID));
    }
    let secrets = secrets_seen(&sandbox);
    let refs: Vec<&_> = outputs.iter().collect();
    assert_outputs_clean(&refs, &secrets);
    assert_state_clean(&project, &secrets);
}

#[test]
fn refresh_token_grant_seeded_with_set_and_invalid_grant_message() {
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo_with(&sandbox, REFRESHING);
    project.write("o.yaml", &ticket_with("halo_o"));
    let set = project.set("halo_o_refresh_token", &sandbox.issue_refresh_token());
    assert!(
        set.stderr.contains(
            "`halo_o_refresh_token` is not a credential in relay.yaml; storing it anyway"
        ),
        "{}",
        set.stderr
    );
    assert_got_ticket(&project.relay(&["run", "o.yaml"]));
    assert_got_ticket(&project.relay(&["run", "o.yaml"]));
    sandbox.revoke_refresh_tokens();
    let dead = project.relay(&["run", "o.yaml"]);
    dead.assert_code(1);
    assert!(
        dead.stderr.contains("credential `halo_o` needs a new refresh token: run `relay credential login halo_o` or `relay credential set halo_o_refresh_token`"),
        "{}",
        dead.stderr
    );
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.tickets_get),
        (3, 2, 2),
        "{c:?}"
    );
    assert_outputs_clean(&[&set, &dead], &secrets_seen(&sandbox));
}

#[test]
fn a_refresh_token_read_from_another_credential_rotates_into_it() {
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo_with(
        &sandbox,
        r#"  my_rt:
    type: text
    allowed_hosts: ["HOST"]
  halo_r:
    type: oauth2
    allowed_hosts: ["HOST"]
    grant_type: refresh_token
    token_url: <<RESOURCE.halo_auth>>/token?tenant=<<RESOURCE.halo_tenant>>
    client_id: <<RESOURCE.halo_client_id>>
    refresh_token: <<CREDENTIAL.my_rt>>
"#,
    );
    project.write("r.yaml", &ticket_with("halo_r"));
    let seed = sandbox.issue_refresh_token();
    project.set("my_rt", &seed);
    assert_got_ticket(&project.relay(&["run", "r.yaml"]));
    assert_got_ticket(&project.relay(&["run", "r.yaml"]));
    let c = sandbox.counters();
    assert_eq!((c.token_refresh, c.tokens_issued), (2, 2), "{c:?}");
    let presented = presented_refresh_tokens(&sandbox);
    assert_eq!(presented[0], seed);
    assert_ne!(presented[1], seed);
    let list = project.relay(&["credential", "list"]);
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("my_rt "))
        .expect("my_rt row")
        .to_owned();
    assert!(row.contains("stored (updated "), "{row}");
    assert!(
        !list.stdout.contains("halo_r_refresh_token"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_refused_oauth2_login_says_the_password_was_wrong() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo_with(&sandbox, REFRESHING);
    let wrong = "wrong-Canary-pass-5d1a77";
    let login = project.relay_with(
        &[
            "-vv",
            "credential",
            "login",
            "halo_o",
            "--username",
            USERNAME,
        ],
        Some(wrong),
        &[],
    );
    login.assert_code(1);
    assert!(
        login.stderr.contains(
            "the login of credential `halo_o` was refused: wrong username or password (POST "
        ),
        "{}",
        login.stderr
    );
    assert!(
        !login.stderr.contains("needs a new refresh token"),
        "{}",
        login.stderr
    );
    assert_eq!(sandbox.counters().token_password, 1);
    assert_outputs_clean(&[&login], &[wrong.to_owned(), PASSWORD.to_owned()]);
}

#[test]
fn a_rotated_refresh_token_is_kept_when_the_token_response_has_no_access_token() {
    // A token endpoint that rotates but answers without `access_token` (a broken proxy, say):
    // the run fails, and the refresh token it handed out is the one the next run presents.
    use crate::support::{Recorder, Reply};
    let server = Recorder::start(|req, n| {
        if !req.target.starts_with("/auth/token") {
            return Reply::json(200, serde_json::json!({"id": 7}));
        }
        match n {
            0 => Reply::json(
                200,
                serde_json::json!({"refresh_token": "rt-Canary-second-1234", "expires_in": 3600}),
            ),
            _ => Reply::json(
                200,
                serde_json::json!({"access_token": "at-Canary-finally-5678", "refresh_token": "rt-Canary-third-9012", "expires_in": 3600}),
            ),
        }
    });
    let project = Project::new(&format!(
        "{}{}",
        repo_config_for(&server.host()),
        REFRESHING.replace("HOST", &server.host())
    ));
    project.write("o.yaml", &ticket_with("halo_o"));
    project.set("halo_o_refresh_token", "rt-Canary-first-0000");
    let broken = project.relay(&["run", "o.yaml"]);
    broken.assert_code(1);
    assert!(
        broken.stderr.contains("nothing at `body.access_token`"),
        "{}",
        broken.stderr
    );
    let fixed = project.relay(&["run", "o.yaml"]);
    fixed.assert_code(0);
    let presented: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| {
            r.body_text()
                .split('&')
                .find_map(|kv| kv.strip_prefix("refresh_token=").map(str::to_owned))
        })
        .collect();
    assert_eq!(presented, ["rt-Canary-first-0000", "rt-Canary-second-1234"]);
    let secrets: Vec<String> = [
        "rt-Canary-first-0000",
        "rt-Canary-second-1234",
        "rt-Canary-third-9012",
        "at-Canary-finally-5678",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_outputs_clean(&[&broken, &fixed], &secrets);
    assert_state_clean(&project, &secrets);
}
