//! Rotating refresh tokens across processes, and crash safety: a process killed after the
//! provider rotated must leave the new refresh token in the store. Plus `invalid_grant` and a
//! credential aimed at a host it is not allowed for.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use relay_halo_sandbox::Fault;

use super::common::*;
use crate::support::Recorder;

#[test]
fn each_run_refreshes_with_the_refresh_token_the_previous_run_stored() {
    // Rotating sandbox, uncached access tokens: every run spends the stored refresh token.
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    let mut results = Vec::new();
    for _ in 0..3 {
        let r = project.run_ticket();
        assert_got_ticket(&r);
        results.push(r);
    }
    let presented = presented_refresh_tokens(&sandbox);
    assert_eq!(presented.len(), 3);
    assert_eq!(presented[0], seed);
    assert!(
        presented[1] != presented[0]
            && presented[2] != presented[1]
            && presented[2] != presented[0],
        "{presented:?}"
    );
    // A used refresh token is dead in rotating mode: all three were accepted, so each run
    // presented the one the previous run received.
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.tickets_get),
        (3, 3, 3),
        "{c:?}"
    );
    let refs: Vec<&_> = results.iter().collect();
    assert_outputs_clean(&refs, &secrets_seen(&sandbox));
}

#[test]
fn killed_right_after_the_rotated_token_was_stored_the_next_run_uses_it() {
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    let (status, _, _) = project.exec(
        &["run", "get_ticket.yaml"],
        None,
        &[("RELAY_FAILPOINT", "after-token-stored")],
    );
    assert_eq!(
        status.signal(),
        Some(9),
        "the failpoint kills the process with SIGKILL: {status:?}"
    );
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued),
        (1, 1),
        "the provider rotated: {c:?}"
    );
    assert_eq!(
        c.api_requests, 0,
        "the workflow's request never went out: {c:?}"
    );
    let r = project.run_ticket();
    assert_got_ticket(&r);
    let c = sandbox.counters();
    // The old refresh token is dead: had the second run presented it, it would have got
    // invalid_grant (a token request without a token issued).
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.tickets_get),
        (2, 2, 1),
        "{c:?}"
    );
    let presented = presented_refresh_tokens(&sandbox);
    assert_eq!(presented[0], seed);
    assert_ne!(
        presented[1], seed,
        "the second run used the rotated refresh token"
    );
}

#[test]
fn killed_right_after_storing_a_cacheable_token_the_next_run_reuses_it_and_later_refreshes_with_the_rotated_one()
 {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    let (status, _, _) = project.exec(
        &["run", "get_ticket.yaml"],
        None,
        &[("RELAY_FAILPOINT", "after-token-stored")],
    );
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.api_requests),
        (1, 1, 0),
        "{c:?}"
    );
    // The access token was stored with the rotation, in the same transaction.
    assert_got_ticket(&project.run_ticket());
    assert_eq!(sandbox.counters().token_refresh, 1);
    // Revoked: the 401 path refreshes with the refresh token the killed process stored.
    sandbox.revoke_access_tokens();
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!((c.token_refresh, c.tokens_issued), (2, 2), "{c:?}");
    assert_ne!(presented_refresh_tokens(&sandbox)[1], seed);
}

#[test]
fn killed_by_sigkill_while_the_workflow_request_is_in_flight_the_next_run_succeeds() {
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    // The tickets request hangs, so the process is surely between token response and result.
    sandbox.inject(Fault::Delay {
        delay: Duration::from_secs(120),
        times: 1,
    });
    let mut child = project.spawn(&["run", "get_ticket.yaml"]);
    wait_until(
        "the tickets request to reach the sandbox",
        Duration::from_secs(60),
        || sandbox.counters().tickets_get == 1,
    );
    child.0.kill().expect("SIGKILL the relay child");
    let status = child.0.wait().expect("reap the child");
    assert_eq!(status.signal(), Some(9), "{status:?}");
    assert_eq!(sandbox.counters().token_refresh, 1);
    let r = project.run_ticket();
    assert_got_ticket(&r);
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.tickets_get),
        (2, 2, 2),
        "{c:?}"
    );
    assert_ne!(presented_refresh_tokens(&sandbox)[1], seed);
}

#[test]
fn invalid_grant_says_how_to_get_a_new_refresh_token() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    let dead = sandbox.issue_refresh_token();
    sandbox.revoke_refresh_tokens();
    project.set("halo_refresh_token", &dead);
    let run = project.run_ticket();
    run.assert_code(1);
    assert!(run.stderr.contains(HALO_INVALID_GRANT), "{}", run.stderr);
    let test = project.relay(&["credential", "test", "halo"]);
    test.assert_code(1);
    assert!(test.stderr.contains(HALO_INVALID_GRANT), "{}", test.stderr);
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued, c.api_requests),
        (2, 0, 0),
        "{c:?}"
    );
    assert_outputs_clean(&[&run, &test], &[dead]);
}

#[test]
fn a_used_refresh_token_in_rotating_mode_is_invalid_grant() {
    // The token was spent elsewhere (another copy of the store, say): the sandbox says
    // invalid_grant and Relay says to log in again.
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo(&sandbox);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    let other = Project::halo(&sandbox);
    other.set("halo_refresh_token", &seed);
    assert_got_ticket(&other.run_ticket());
    let r = project.run_ticket();
    r.assert_code(1);
    assert!(r.stderr.contains(HALO_INVALID_GRANT), "{}", r.stderr);
}

#[test]
fn a_credential_aimed_at_a_host_it_is_not_allowed_for_is_refused_before_any_request() {
    let sandbox = sandbox(CACHED, true);
    let elsewhere = Recorder::ok();
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    // The sandbox itself under another name, and another port on the same address.
    let localhost = GET_TICKET.replace(
        "<<RESOURCE.halo_api>>",
        &format!("http://localhost:{}", sandbox.addr().port()),
    );
    let other_port = GET_TICKET.replace(
        "<<RESOURCE.halo_api>>",
        &format!("http://127.0.0.1:{}", elsewhere.port),
    );
    project.write("localhost.yaml", &localhost);
    project.write("other_port.yaml", &other_port);
    let patterns = format!("[{}, *.halopsa.com]", sandbox.host());
    let r1 = project.relay(&["run", "localhost.yaml"]);
    r1.assert_code(1);
    let expected = format!(
        "credential `halo` may not be sent to `localhost:{}`: its allowed_hosts are {patterns}",
        sandbox.addr().port()
    );
    assert!(
        r1.stderr.contains(&expected),
        "expected {expected}\n{}",
        r1.stderr
    );
    let r2 = project.relay(&["run", "other_port.yaml"]);
    r2.assert_code(1);
    let expected = format!(
        "credential `halo` may not be sent to `127.0.0.1:{}`: its allowed_hosts are {patterns}",
        elsewhere.port
    );
    assert!(
        r2.stderr.contains(&expected),
        "expected {expected}\n{}",
        r2.stderr
    );
    assert_eq!(
        sandbox.counters().api_requests,
        0,
        "nothing reached the API"
    );
    assert_eq!(elsewhere.count(), 0, "nothing reached the other port");
    assert_outputs_clean(&[&r1, &r2], &secrets_seen(&sandbox));
}

#[test]
fn token_and_rotate_paths_may_be_rooted_at_the_response() {
    let sandbox = sandbox(UNCACHED, true);
    let config = repo_config(&sandbox)
        .replace(
            "    token: halo.body.access_token\n",
            "    token: body.access_token\n",
        )
        .replace(
            "rotate: {from: halo.body.refresh_token,",
            "rotate: {from: body.refresh_token,",
        );
    assert!(
        config.contains("token: body.access_token") && config.contains("from: body.refresh_token")
    );
    let project = Project::new(&config);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    assert_got_ticket(&project.run_ticket());
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tokens_issued),
        (2, 2),
        "the second run used the rotated token: {c:?}"
    );
    assert_ne!(presented_refresh_tokens(&sandbox)[1], seed);
}

#[test]
fn the_refresh_token_is_not_sent_to_a_token_url_it_is_not_allowed_for() {
    let sandbox = sandbox(CACHED, true);
    // halo_refresh_token may go to the real Halo hosts only, not to the sandbox.
    let config = repo_config(&sandbox).replacen(
        &format!("allowed_hosts: [\"{}\", \"auth.haloservicedesk.com\", \"*.halopsa.com\"]\n  # The Tines guide's", sandbox.host()),
        "allowed_hosts: [\"auth.haloservicedesk.com\", \"*.halopsa.com\"]\n  # The Tines guide's",
        1,
    );
    assert!(
        config.contains("allowed_hosts: [\"auth.haloservicedesk.com\", \"*.halopsa.com\"]"),
        "{config}"
    );
    let project = Project::new(&config);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    for r in [
        project.run_ticket(),
        project.relay(&["credential", "test", "halo"]),
    ] {
        r.assert_code(1);
        let expected = format!(
            "credential `halo_refresh_token` may not be sent to `{}`: its allowed_hosts are [auth.haloservicedesk.com, *.halopsa.com]",
            sandbox.host()
        );
        assert!(
            r.stderr.contains(&expected),
            "expected {expected}\n{}",
            r.stderr
        );
        assert_outputs_clean(&[&r], &[seed.clone()]);
    }
    assert_eq!(sandbox.counters().requests, 0, "not a byte was sent");
}

#[test]
fn a_rotated_refresh_token_is_kept_even_when_the_access_token_is_not_where_token_says() {
    // A typo in `token:`: the provider rotated (the old refresh token is dead) but Relay cannot
    // find the access token. Once the path is fixed, the new refresh token must still be there.
    let sandbox = sandbox(UNCACHED, true);
    let good = repo_config(&sandbox);
    let typo = good.replace(
        "    token: halo.body.access_token\n",
        "    token: halo.body.accessToken\n",
    );
    assert_ne!(good, typo);
    let project = Project::new(&typo);
    let seed = sandbox.issue_refresh_token();
    project.set("halo_refresh_token", &seed);
    let broken = project.run_ticket();
    broken.assert_code(1);
    assert!(
        broken.stderr.contains(
            "the token response has nothing at `halo.body.accessToken` (its body has keys: "
        ),
        "{}",
        broken.stderr
    );
    assert!(
        broken
            .stderr
            .contains("(the new refresh token it returned was saved into `halo_refresh_token`)"),
        "{}",
        broken.stderr
    );
    assert_eq!(sandbox.counters().tokens_issued, 1);
    project.write("relay.yaml", &good);
    let fixed = project.run_ticket();
    assert_got_ticket(&fixed);
    let c = sandbox.counters();
    assert_eq!((c.token_refresh, c.tokens_issued), (2, 2), "{c:?}");
    assert_ne!(presented_refresh_tokens(&sandbox)[1], seed);
    assert_outputs_clean(&[&broken, &fixed], &secrets_seen(&sandbox));
}
