//! The token cache: single flight, reuse across `relay run` processes, expiry, and the 401
//! retry (drop the cached value, resolve once more, resend once).

use relay_halo_sandbox::Fault;

use super::common::*;

#[test]
fn two_hundred_concurrent_uses_of_an_unresolved_credential_make_exactly_one_token_request() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    let r = project.run_many(200);
    r.assert_code(0);
    let leaves = leaves(&r);
    assert_eq!(leaves.len(), 200);
    let mut ids: Vec<u64> = leaves
        .iter()
        .map(|l| {
            assert_eq!(l["get_ticket"]["status"], 200, "{l}");
            l["get_ticket"]["body"]["id"].as_u64().expect("ticket id")
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=200).collect::<Vec<u64>>());
    let c = sandbox.counters();
    // Counted by the server: one refresh for 200 executions, 64 of them in flight at once.
    assert_eq!(c.token_refresh, 1, "{c:?}");
    assert_eq!(c.token_requests, 1, "{c:?}");
    assert_eq!(c.tickets_get, 200, "{c:?}");
    assert_eq!(c.unauthorized, 0, "{c:?}");
    let bearers = bearer_tokens(&sandbox);
    assert_eq!(bearers.len(), 200);
    assert!(
        bearers.iter().all(|b| *b == bearers[0]),
        "every execution used the one token"
    );
    assert_outputs_clean(&[&r], &secrets_seen(&sandbox));
}

#[test]
fn consecutive_runs_reuse_the_token_cached_in_the_state_store() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    let first = project.run_ticket();
    assert_got_ticket(&first);
    assert_eq!(sandbox.counters().token_requests, 1);
    let second = project.run_ticket();
    assert_got_ticket(&second);
    let third = project.run_many(20);
    third.assert_code(0);
    let c = sandbox.counters();
    assert_eq!(
        c.token_requests, 1,
        "the second and third processes made no token request: {c:?}"
    );
    assert_eq!(c.tickets_get, 22);
    let bearers = bearer_tokens(&sandbox);
    assert!(
        bearers.iter().all(|b| *b == bearers[0]),
        "all three processes sent the first token"
    );
    assert_outputs_clean(&[&first, &second, &third], &secrets_seen(&sandbox));
}

#[test]
fn a_token_whose_expires_in_leaves_nothing_after_the_margin_is_fetched_for_every_run() {
    // expires_in 60 − 60 s margin = 0: not cached (Tines' behaviour: fetched for each use).
    let sandbox = sandbox(UNCACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    for run in 1..=3u64 {
        assert_got_ticket(&project.run_ticket());
        assert_eq!(sandbox.counters().token_refresh, run, "run {run} refreshed");
    }
    let list = project.relay(&["credential", "list"]);
    list.assert_code(0);
    let halo_row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("halo "))
        .expect("a row for halo");
    assert!(halo_row.contains("no cached token"), "{halo_row}");
    // Each of those runs rotated the refresh token; every rotation was accepted.
    let c = sandbox.counters();
    assert_eq!((c.tokens_issued, c.token_requests), (3, 3), "{c:?}");
}

#[test]
fn a_ttl_that_has_passed_makes_the_next_run_refresh() {
    // `ttl: 0.001`: the token is cached, in the store too, for one millisecond.
    let sandbox = sandbox(CACHED, true);
    let config = repo_config(&sandbox).replace(
        "    token: halo.body.access_token\n",
        "    token: halo.body.access_token\n    ttl: 0.001\n",
    );
    assert!(config.contains("ttl: 0.001"));
    let project = Project::new(&config);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    assert_got_ticket(&project.run_ticket());
    assert_got_ticket(&project.run_ticket());
    assert_eq!(sandbox.counters().token_refresh, 2);
    let bearers = bearer_tokens(&sandbox);
    assert_ne!(bearers[0], bearers[1], "the second run got a new token");
}

#[test]
fn a_401_drops_the_token_resolves_once_more_and_resends_once() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    sandbox.inject(Fault::Unauthorized { times: 1 });
    let r = project.run_ticket();
    assert_got_ticket(&r);
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tickets_get, c.unauthorized),
        (2, 2, 1),
        "{c:?}"
    );
    let bearers = bearer_tokens(&sandbox);
    assert_ne!(bearers[0], bearers[1], "the resend carries the new token");
    // The new token replaced the dropped one in the store: the next process reuses it.
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!((c.token_refresh, c.tickets_get), (2, 3), "{c:?}");
    assert_eq!(bearer_tokens(&sandbox)[2], bearers[1]);
}

#[test]
fn a_token_revoked_between_runs_is_replaced_once_and_the_replacement_is_cached() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    assert_got_ticket(&project.run_ticket());
    sandbox.revoke_access_tokens();
    let r = project.run_ticket();
    assert_got_ticket(&r);
    let c = sandbox.counters();
    // Run 2: the cached token (no token request) → 401 → one refresh → one resend.
    assert_eq!(
        (c.token_refresh, c.tickets_get, c.unauthorized),
        (2, 3, 1),
        "{c:?}"
    );
    assert_got_ticket(&project.run_ticket());
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tickets_get, c.unauthorized),
        (2, 4, 1),
        "{c:?}"
    );
}

#[test]
fn a_second_401_is_not_retried_again() {
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    sandbox.inject(Fault::Unauthorized { times: 2 });
    let r = project.run_ticket();
    r.assert_code(1);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    let c = sandbox.counters();
    assert_eq!(
        (c.token_refresh, c.tickets_get, c.unauthorized),
        (2, 2, 2),
        "{c:?}"
    );
    assert_outputs_clean(&[&r], &secrets_seen(&sandbox));
}

#[test]
fn two_hundred_concurrent_executions_after_a_revocation_refresh_once() {
    // The cached token is revoked: the first wave of executions all get 401. One token request
    // must replace it for all of them (single flight), not one per 401.
    let sandbox = sandbox(CACHED, true);
    let project = Project::halo(&sandbox);
    project.set("halo_refresh_token", &sandbox.issue_refresh_token());
    assert_got_ticket(&project.run_ticket());
    sandbox.revoke_access_tokens();
    sandbox.reset_counters();
    let r = project.run_many(200);
    r.assert_code(0);
    assert_eq!(leaves(&r).len(), 200);
    let c = sandbox.counters();
    assert_eq!(c.token_refresh, 1, "{c:?}");
    assert!(c.unauthorized <= 64, "{c:?}");
    assert_eq!(
        c.tickets_get,
        200 + c.unauthorized,
        "one resend per 401: {c:?}"
    );
}
