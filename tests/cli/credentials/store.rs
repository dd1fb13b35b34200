//! Encryption at rest: no secret in clear in any file of the state directory, where the master
//! key comes from (RELAY_MASTER_KEY or a private key file) and `relay credential rotate-key`.

use std::os::unix::fs::PermissionsExt;

use super::common::*;
use crate::support::TestSandbox;

/// A text credential kept in the store, and a workflow that sends it to a sandbox hook.
const API_KEY: &str = "  api_key:\n    type: text\n    allowed_hosts: [\"HOST\"]\n";
const API_KEY_CANARY: &str = "ak-Canary-93f1e07d52b6c8aa";
const SEND_KEY: &str = r#"name: Send the key
actions:
  - name: Send
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/_sandbox/hooks/keys
      method: post
      headers:
        X-Api-Key: <<CREDENTIAL.api_key>>
      payload: {hello: world}
"#;

/// The `X-Api-Key` headers the sandbox received, in order.
fn keys_received(sandbox: &TestSandbox) -> Vec<String> {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/hooks/keys"))
        .filter_map(|r| r.header("x-api-key").map(str::to_owned))
        .collect()
}

fn project_with_key(sandbox: &TestSandbox) -> Project {
    let project = Project::halo_with(sandbox, API_KEY);
    project.write("send_key.yaml", SEND_KEY);
    project
}

#[test]
fn no_file_of_the_state_directory_holds_a_secret_in_clear() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    let mut results = Vec::new();
    // Login (password grant: refresh token and access token stored), a run on the cached
    // token, a revocation and a run that refreshes and rotates, a stored text value.
    results.push(project.relay_with(
        &["credential", "login", "halo", "--username", USERNAME],
        Some(PASSWORD),
        &[],
    ));
    results[0].assert_code(0);
    results.push(project.run_ticket());
    sandbox.revoke_access_tokens();
    results.push(project.run_ticket());
    sandbox.revoke_access_tokens();
    results.push(project.run_ticket());
    results.push(project.set("api_key", API_KEY_CANARY));
    results.push(project.relay(&["run", "send_key.yaml"]));
    results.push(project.relay(&["credential", "list"]));
    for r in &results[1..] {
        r.assert_code(0);
    }
    assert_eq!(
        keys_received(&sandbox),
        [API_KEY_CANARY],
        "the stored value was sent"
    );
    let c = sandbox.counters();
    assert_eq!((c.token_password, c.token_refresh), (1, 2), "{c:?}");
    let mut secrets = secrets_seen(&sandbox);
    secrets.push(API_KEY_CANARY.to_owned());
    // Two rotated refresh tokens (both stored by rotation, then presented) and three access
    // tokens (one from the login, two from refreshes) are among them.
    assert_eq!(presented_refresh_tokens(&sandbox).len(), 2);
    let mut bearers = bearer_tokens(&sandbox);
    bearers.dedup();
    assert_eq!(bearers.len(), 3, "{bearers:?}");
    let names: Vec<String> = project
        .state_files()
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == "master.key"), "{names:?}");
    assert_state_clean(&project, &secrets);
    let refs: Vec<&_> = results.iter().collect();
    assert_outputs_clean(&refs, &secrets);
}

fn master_key(byte: u8) -> String {
    base64(&[byte; 32], false, true)
}

#[test]
fn relay_master_key_is_used_without_creating_a_key_file() {
    let sandbox = sandbox(CACHED, true);
    let key = master_key(7);
    let project = project_with_key(&sandbox).with_env("RELAY_MASTER_KEY", &key);
    let set = project.set("api_key", API_KEY_CANARY);
    assert!(
        !set.stderr.contains("back"),
        "no key-file warning with RELAY_MASTER_KEY: {}",
        set.stderr
    );
    project.relay(&["run", "send_key.yaml"]).assert_code(0);
    assert_eq!(keys_received(&sandbox), [API_KEY_CANARY]);
    assert!(project.state_dir().join("state.db").exists());
    assert!(
        !project.state_dir().join("master.key").exists(),
        "no key file with RELAY_MASTER_KEY"
    );
    assert_state_clean(&project, &[API_KEY_CANARY.to_owned(), key.clone()]);

    // Without the variable the store cannot be opened, and no new key file is made up.
    let without = project.relay_with(&["run", "send_key.yaml"], None, &[("RELAY_MASTER_KEY", "")]);
    without.assert_code(1);
    assert!(
        without
            .stderr
            .contains("holds encrypted secrets but its master key is missing"),
        "{}",
        without.stderr
    );
    assert!(
        without.stderr.contains("set RELAY_MASTER_KEY"),
        "{}",
        without.stderr
    );
    assert!(!project.state_dir().join("master.key").exists());

    // Another key does not open it.
    let wrong = project.relay_with(
        &["run", "send_key.yaml"],
        None,
        &[("RELAY_MASTER_KEY", &master_key(8))],
    );
    wrong.assert_code(1);
    assert!(
        wrong
            .stderr
            .contains("the master key from RELAY_MASTER_KEY does not open the data keys"),
        "{}",
        wrong.stderr
    );
    assert_eq!(
        keys_received(&sandbox).len(),
        1,
        "nothing sent without the value"
    );
    assert_outputs_clean(
        &[&set, &without, &wrong],
        &[API_KEY_CANARY.to_owned(), key, master_key(8)],
    );
}

#[test]
fn a_bad_relay_master_key_is_a_clear_error() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    let garbage = "not*base64*at*all";
    let r = project.relay_with(
        &["credential", "set", "api_key"],
        Some(API_KEY_CANARY),
        &[("RELAY_MASTER_KEY", garbage)],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("RELAY_MASTER_KEY is not a valid master key: it is not valid base64; it must be the base64 of exactly 32 random bytes"),
        "{}",
        r.stderr
    );
    assert!(!r.all_output().contains(garbage), "the value is not echoed");
    let short = base64(&[1u8; 16], false, true);
    let r = project.relay_with(
        &["credential", "set", "api_key"],
        Some(API_KEY_CANARY),
        &[("RELAY_MASTER_KEY", &short)],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(
            "RELAY_MASTER_KEY is not a valid master key: it decodes to 16 bytes instead of 32"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.all_output().contains(&short));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn the_key_file_is_created_private_and_refused_when_others_can_read_it() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    let set = project.set("api_key", API_KEY_CANARY);
    let key_file = project.state_dir().join("master.key");
    assert!(
        set.stderr.contains("master.key"),
        "a warning names the new key file: {}",
        set.stderr
    );
    let mode = std::fs::metadata(&key_file)
        .expect("master.key created")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = project.relay(&["run", "send_key.yaml"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("is readable by group or others (mode 644)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    let listed = project.relay(&["credential", "test", "api_key"]);
    listed.assert_code(1);
    assert!(listed.stderr.contains("chmod 600"), "{}", listed.stderr);
    assert!(keys_received(&sandbox).is_empty());
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    project.relay(&["run", "send_key.yaml"]).assert_code(0);
    assert_eq!(keys_received(&sandbox), [API_KEY_CANARY]);
}

#[test]
fn losing_the_key_file_is_a_clear_error_and_no_new_key_is_made_up() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    project.set("api_key", API_KEY_CANARY);
    let key_file = project.state_dir().join("master.key");
    std::fs::remove_file(&key_file).unwrap();
    let r = project.relay(&["run", "send_key.yaml"]);
    r.assert_code(1);
    assert!(
        r.stderr
            .contains("holds encrypted secrets but its master key is missing: restore"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("master.key"), "{}", r.stderr);
    assert!(
        !key_file.exists(),
        "a fresh key would orphan every stored secret"
    );
    let set = project.relay_with(
        &["credential", "set", "api_key"],
        Some("another-value-123"),
        &[],
    );
    set.assert_code(1);
    assert!(!key_file.exists());
    assert!(keys_received(&sandbox).is_empty());
}

#[test]
fn rotate_key_loses_nothing() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    project.set("api_key", API_KEY_CANARY);
    assert_got_ticket(&project.run_ticket());
    let key_before = std::fs::read(project.state_dir().join("master.key")).unwrap();
    let rotate = project.relay(&["credential", "rotate-key"]);
    rotate.assert_code(0);
    // At least api_key, halo_refresh_token (rotated by the run) and halo's cached token.
    let count: usize = rotate
        .stdout
        .strip_prefix("✓ re-encrypted ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", rotate.stdout));
    assert!(count >= 3, "{}", rotate.stdout);
    assert!(
        rotate.stdout.contains(" record(s) under new key "),
        "{}",
        rotate.stdout
    );
    assert_eq!(
        std::fs::read(project.state_dir().join("master.key")).unwrap(),
        key_before,
        "the key file still opens the store"
    );
    // The cached token reads back: no token request.
    assert_got_ticket(&project.run_ticket());
    assert_eq!(sandbox.counters().token_refresh, 1);
    // The rotated refresh token reads back: the sandbox accepts it.
    sandbox.revoke_access_tokens();
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!((c.token_refresh, c.tokens_issued), (2, 2), "{c:?}");
    // The text value reads back.
    project.relay(&["run", "send_key.yaml"]).assert_code(0);
    assert_eq!(keys_received(&sandbox), [API_KEY_CANARY]);
    // Twice in a row is fine too.
    let again = project.relay(&["credential", "rotate-key"]);
    again.assert_code(0);
    project.relay(&["run", "send_key.yaml"]).assert_code(0);
    assert_eq!(keys_received(&sandbox), [API_KEY_CANARY, API_KEY_CANARY]);
    let mut secrets = secrets_seen(&sandbox);
    secrets.push(API_KEY_CANARY.to_owned());
    assert_state_clean(&project, &secrets);
    assert_outputs_clean(&[&rotate, &again], &secrets);
}

#[test]
fn relay_state_url_moves_the_state_directory() {
    let sandbox = sandbox(CACHED, true);
    let elsewhere = tempfile::tempdir().unwrap();
    let state = elsewhere.path().join("shared-state");
    let project = project_with_key(&sandbox).with_env("RELAY_STATE_URL", state.to_str().unwrap());
    project.set("api_key", API_KEY_CANARY);
    project.relay(&["run", "send_key.yaml"]).assert_code(0);
    assert_eq!(
        keys_received(&sandbox),
        [API_KEY_CANARY],
        "the value stored under RELAY_STATE_URL was read back"
    );
    assert!(
        state.join("state.db").is_file(),
        "the store lives in RELAY_STATE_URL"
    );
    assert!(
        !project.state_dir().exists(),
        "nothing is written to the default .relay directory"
    );
    // The same store under its sqlite:// spelling.
    let url = format!("sqlite://{}", state.display());
    let again = project.relay_with(
        &["run", "send_key.yaml"],
        None,
        &[("RELAY_STATE_URL", &url)],
    );
    again.assert_code(0);
    assert_eq!(keys_received(&sandbox), [API_KEY_CANARY, API_KEY_CANARY]);
}

#[test]
fn a_postgres_state_url_is_refused_with_exit_2() {
    let sandbox = sandbox(CACHED, true);
    let project = project_with_key(&sandbox);
    let r = project.relay_with(
        &["run", "send_key.yaml"],
        None,
        &[(
            "RELAY_STATE_URL",
            "postgres://relay:pw-Canary-pg@127.0.0.1/relay",
        )],
    );
    r.assert_code(2);
    assert!(
        r.stderr
            .contains("RELAY_STATE_URL names a PostgreSQL database"),
        "{}",
        r.stderr
    );
    assert!(
        !r.all_output().contains("pw-Canary-pg"),
        "the URL's password is not echoed: {}",
        r.all_output()
    );
    assert!(keys_received(&sandbox).is_empty(), "nothing ran");
}
