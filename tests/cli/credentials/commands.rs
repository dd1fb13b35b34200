//! `relay credential list | test | set | login | rm` (cli.md, credentials.md): what they print,
//! their exit codes, and that no value ever reaches their output.

use super::common::*;

const SHORT: &str = "  short_pin:\n    type: text\n    allowed_hosts: [\"HOST\"]\n";

#[test]
fn list_shows_names_types_hosts_and_cache_state_but_no_value() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let host = sandbox.host();
    let before = project.relay(&["credential", "list"]);
    before.assert_code(0);
    let lines: Vec<&str> = before.stdout.lines().collect();
    assert!(
        lines[0].starts_with("NAME")
            && lines[0].contains("TYPE")
            && lines[0].contains("ALLOWED HOSTS")
            && lines[0].contains("STATE"),
        "{}",
        before.stdout
    );
    let row = |out: &str, name: &str| -> String {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{out}"))
            .to_owned()
    };
    let halo = row(&before.stdout, "halo");
    assert!(halo.contains("http_request"), "{halo}");
    assert!(halo.contains(&format!("{host}, *.halopsa.com")), "{halo}");
    assert!(
        halo.contains(
            "token at halo.body.access_token, rotates into halo_refresh_token, has login"
        ),
        "{halo}"
    );
    let refresh = row(&before.stdout, "halo_refresh_token");
    assert!(
        refresh.contains("text") && refresh.contains("encrypted store"),
        "{refresh}"
    );
    assert!(
        !refresh.contains("stored (updated"),
        "nothing stored yet: {refresh}"
    );
    let password = row(&before.stdout, "halo_password");
    assert!(
        password.contains("environment variable HALO_PASSWORD"),
        "{password}"
    );
    assert!(
        !project.state_dir().join("state.db").exists(),
        "list does not create the store"
    );

    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    assert_got_ticket(&project.run_ticket());
    let after = project.relay(&["credential", "list"]);
    after.assert_code(0);
    assert!(
        row(&after.stdout, "halo_refresh_token").contains("stored (updated "),
        "{}",
        after.stdout
    );
    let halo = row(&after.stdout, "halo");
    assert!(halo.contains("token cached until 20"), "{halo}");
    // A different refresh token in the store drops the token cached from the old one.
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    let dropped = project.relay(&["credential", "list"]);
    assert!(
        row(&dropped.stdout, "halo").contains("no cached token"),
        "{}",
        dropped.stdout
    );
    assert_outputs_clean(&[&before, &after, &dropped], &secrets_seen(&sandbox));
}

#[test]
fn test_reports_length_and_expiry_never_the_value() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo_with(&sandbox, SHORT);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    let before = now_unix();
    let test = project.relay(&["credential", "test", "halo"]);
    let after = now_unix();
    test.assert_code(0);
    assert!(
        test.stdout
            .starts_with("✓ credential `halo` resolved: 32 characters, cached until 20"),
        "{}",
        test.stdout
    );
    // expires_in 3600 minus the 60 s margin.
    let until = time_after(&test.stdout, "cached until ");
    assert!(
        (before + 3540 - 1..=after + 3540 + 1).contains(&until),
        "cached until {until}, ran {before}..{after}"
    );
    let verbose = project.relay(&["-vv", "credential", "test", "halo"]);
    verbose.assert_code(0);
    // The run reuses the token `test` cached: the bearer it sends is the value `test` resolved.
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!(c.token_refresh, 1, "{c:?}");
    let secrets = secrets_seen(&sandbox);
    assert!(secrets.contains(&bearer_tokens(&sandbox)[0]));
    assert_outputs_clean(&[&test, &verbose], &secrets);

    let text = project.relay(&["credential", "test", "halo_refresh_token"]);
    text.assert_code(0);
    assert!(text.stdout.contains("✓ credential `halo_refresh_token` resolved: 32 characters, not cached (resolved at each use)"), "{}", text.stdout);
    assert_outputs_clean(&[&text], &secrets_seen(&sandbox));

    project.set("short_pin", "4711");
    let short = project.relay(&["credential", "test", "short_pin"]);
    short.assert_code(0);
    assert!(
        short.stdout.contains("resolved: 4 characters"),
        "{}",
        short.stdout
    );
    assert!(
        short
            .stderr
            .contains("shorter than 6 characters, so it is not masked"),
        "{}",
        short.stderr
    );
    assert!(
        !short.all_output().contains("4711"),
        "{}",
        short.all_output()
    );
}

#[test]
fn test_fails_with_exit_1_and_says_why() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let missing = project.relay(&["credential", "test", "halo"]);
    missing.assert_code(1);
    assert!(
        missing.stderr.contains(
            "has no value for `halo_refresh_token`: run `relay credential set halo_refresh_token`"
        ),
        "{}",
        missing.stderr
    );
    let unknown = project.relay(&["credential", "test", "hallo"]);
    unknown.assert_code(1);
    assert!(
        unknown
            .stderr
            .contains("credential `hallo` is not defined in"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("did you mean `halo`?"),
        "{}",
        unknown.stderr
    );
    assert_eq!(sandbox.counters().requests, 0);
}

#[test]
fn set_reads_standard_input_and_rm_removes() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    // One trailing newline (as `echo` adds) is not part of the value.
    let set = project.set("halo_refresh_token", &format!("{seed}\n"));
    assert!(
        set.stdout
            .starts_with("✓ stored `halo_refresh_token` (32 characters) in the encrypted store"),
        "{}",
        set.stdout
    );
    assert_got_ticket(&project.run_ticket());
    assert_eq!(presented_refresh_tokens(&sandbox), [seed.clone()]);

    let empty = project.relay_with(&["credential", "set", "halo_refresh_token"], Some(""), &[]);
    empty.assert_code(2);
    assert!(
        empty
            .stderr
            .contains("no value given for `halo_refresh_token` on standard input"),
        "{}",
        empty.stderr
    );

    let rm = project.relay(&["credential", "rm", "halo_refresh_token"]);
    rm.assert_code(0);
    assert!(
        rm.stdout
            .contains("✓ removed its stored value for `halo_refresh_token`"),
        "{}",
        rm.stdout
    );
    let again = project.relay(&["credential", "rm", "halo_refresh_token"]);
    again.assert_code(1);
    assert!(
        again
            .stderr
            .contains("nothing stored for `halo_refresh_token`"),
        "{}",
        again.stderr
    );
    // halo's token is still cached; removing it makes the next run need the refresh token.
    let rm_token = project.relay(&["credential", "rm", "halo"]);
    rm_token.assert_code(0);
    assert!(
        rm_token
            .stdout
            .contains("✓ removed its cached token for `halo`"),
        "{}",
        rm_token.stdout
    );
    let run = project.run_ticket();
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "has no value for `halo_refresh_token`: run `relay credential set halo_refresh_token`"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.counters().token_refresh, 1);
    assert_outputs_clean(
        &[&set, &empty, &rm, &again, &rm_token, &run],
        &secrets_seen(&sandbox),
    );
}

#[test]
fn login_takes_the_username_and_the_password_on_standard_input() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let login = project.relay_with(
        &["-vv", "credential", "login", "halo", "--username", USERNAME],
        Some(PASSWORD),
        &[],
    );
    login.assert_code(0);
    assert!(
        login.stdout.contains(
            "✓ logged in: the refresh token is stored (encrypted) as `halo_refresh_token` in "
        ),
        "{}",
        login.stdout
    );
    assert!(
        login.stdout.contains("; access token cached until 20"),
        "{}",
        login.stdout
    );
    let requests = token_requests(&sandbox);
    assert_eq!(requests.len(), 1);
    let form = &requests[0];
    assert_eq!(form.form_value("grant_type").as_deref(), Some("password"));
    assert_eq!(form.form_value("username").as_deref(), Some(USERNAME));
    assert_eq!(form.form_value("password").as_deref(), Some(PASSWORD));
    assert_eq!(form.form_value("scope").as_deref(), Some("all"));
    assert_eq!(form.form_value("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(form.query_value("tenant").as_deref(), Some("acme"));
    // The access token of the login is cached; the refresh token waits for its turn.
    assert_got_ticket(&project.run_ticket());
    assert_eq!(sandbox.counters().token_refresh, 0);
    sandbox.revoke_access_tokens();
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!(
        (c.token_password, c.token_refresh, c.tokens_issued),
        (1, 1, 2),
        "{c:?}"
    );
    let secrets = secrets_seen(&sandbox);
    assert_outputs_clean(&[&login], &secrets);
    assert_state_clean(&project, &secrets);
}

#[test]
fn a_wrong_password_is_a_clear_error_that_never_shows_the_password() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let wrong = "wrong-Canary-pass-8c2e41";
    let login = project.relay_with(
        &["-vv", "credential", "login", "halo", "--username", USERNAME],
        Some(wrong),
        &[],
    );
    login.assert_code(1);
    assert!(
        login.stderr.contains(
            "the login of credential `halo` was refused: wrong username or password (POST "
        ),
        "{}",
        login.stderr
    );
    assert!(
        login
            .stderr
            .contains("returned HTTP 400: invalid_grant: invalid username or password)"),
        "the endpoint's reason is shown: {}",
        login.stderr
    );
    assert!(
        !login.stderr.contains("needs a new refresh token"),
        "a refused login is not a dead refresh token: {}",
        login.stderr
    );
    assert!(!login.stderr.contains("panicked"), "{}", login.stderr);
    assert_outputs_clean(&[&login], &[wrong.to_owned(), PASSWORD.to_owned()]);
    assert_eq!(sandbox.counters().token_password, 1);
    // Nothing was stored.
    let test = project.relay(&["credential", "test", "halo_refresh_token"]);
    test.assert_code(1);
    assert!(
        test.stderr
            .contains("has no value for `halo_refresh_token`"),
        "{}",
        test.stderr
    );
}

#[test]
fn login_without_username_needs_a_terminal() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let r = project.relay_with(&["credential", "login", "halo"], Some(PASSWORD), &[]);
    r.assert_code(2);
    assert!(
        r.stderr
            .contains("give --username when the password comes from standard input"),
        "{}",
        r.stderr
    );
    assert_eq!(sandbox.counters().requests, 0);
    assert_outputs_clean(&[&r], &[PASSWORD.to_owned()]);
}

#[test]
fn login_of_a_credential_without_login_says_so() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let r = project.relay_with(
        &[
            "credential",
            "login",
            "halo_refresh_token",
            "--username",
            USERNAME,
        ],
        Some(PASSWORD),
        &[],
    );
    r.assert_code(1);
    assert!(r.stderr.contains("has no login"), "{}", r.stderr);
    assert_eq!(sandbox.counters().requests, 0);
    assert_outputs_clean(&[&r], &[PASSWORD.to_owned()]);
}
