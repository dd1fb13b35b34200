//! Allowed hosts (credentials.md): default deny, every pattern form, host normalisation, and
//! the URL tricks that must be refused before a single byte is sent.
//!
//! URLs on 127.0.0.1 reach a local Recorder directly. Other host names reach it through
//! `HTTP_PROXY` (which relay honours, cli.md): a request the matcher wrongly lets through
//! arrives at the Recorder as `GET http://evil.com/… HTTP/1.1` (or `CONNECT` for https).

use crate::support::runs::project;
use crate::support::{Recorder, RunResult};

const TOKEN: &str = "tok-secret-value-9";

fn config(patterns: Option<&[&str]>) -> String {
    let allowed = match patterns {
        Some(p) => format!(
            "    allowed_hosts: [{}]\n",
            p.iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    format!("credentials:\n  tok:\n    type: text\n    value: {TOKEN}\n{allowed}")
}

fn workflow(url: &str) -> String {
    format!(
        r#"name: Hosts
actions:
  - name: Fetch
    type: http_request
    options:
      url: "{url}"
      method: get
      headers: {{Authorization: "Bearer <<CREDENTIAL.tok>>"}}
"#
    )
}

/// Runs a workflow sending credential `tok` to `url`; `proxy` routes every request to it.
fn send(patterns: Option<&[&str]>, url: &str, proxy: Option<&Recorder>) -> RunResult {
    let mut relay = project(&config(patterns), &workflow(url)).args(["run", "wf.yaml"]);
    if let Some(p) = proxy {
        let proxy_url = p.url("");
        relay = relay
            .env("HTTP_PROXY", &proxy_url)
            .env("http_proxy", &proxy_url)
            .env("HTTPS_PROXY", &proxy_url)
            .env("https_proxy", &proxy_url);
    }
    relay.run()
}

/// The run failed on the allowed-hosts check, naming credential, host and patterns, and the
/// server saw nothing.
#[track_caller]
fn assert_refused(r: &RunResult, server: &Recorder, host: &str, patterns: &[&str]) {
    assert_eq!(
        server.count(),
        0,
        "nothing may reach the server: {:?}\nstderr:\n{}",
        server.requests().first().map(|q| q.target.clone()),
        r.stderr
    );
    r.assert_code(1);
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `fetch` failed"))
        .unwrap_or_else(|| panic!("no failure line:\n{}", r.stderr));
    assert!(
        failure.contains("credential `tok`"),
        "names the credential: {failure}"
    );
    assert!(failure.contains(host), "names the host `{host}`: {failure}");
    for p in patterns {
        assert!(failure.contains(p), "names the pattern `{p}`: {failure}");
    }
    assert!(!r.all_output().contains(TOKEN));
}

#[track_caller]
fn assert_sent(r: &RunResult, server: &Recorder, target: &str) {
    r.assert_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{}", r.stderr);
    assert_eq!(reqs[0].target, target);
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// Default deny, and the plain cases

#[test]
fn a_credential_without_allowed_hosts_is_refused() {
    let rec = Recorder::ok();
    let r = send(None, &rec.url("/x"), None);
    assert_refused(&r, &rec, &rec.host(), &[]);
    assert!(r.stderr.contains("allowed_hosts"), "{}", r.stderr);
}

#[test]
fn an_empty_allowed_hosts_list_is_refused() {
    let rec = Recorder::ok();
    let r = send(Some(&[]), &rec.url("/x"), None);
    assert_refused(&r, &rec, &rec.host(), &[]);
}

#[test]
fn an_allowed_host_and_port_goes_through() {
    let rec = Recorder::ok();
    let host = rec.host();
    let r = send(Some(&[host.as_str()]), &rec.url("/x?y=1"), None);
    assert_sent(&r, &rec, "/x?y=1");
}

#[test]
fn a_request_without_credentials_is_not_checked() {
    let rec = Recorder::ok();
    let wf = format!(
        "name: Plain\nactions:\n  - name: Fetch\n    type: http_request\n    options: {{url: \"{}\", method: get}}\n",
        rec.url("/open")
    );
    let r = project(&config(None), &wf).args(["run", "wf.yaml"]).run();
    r.assert_code(0);
    assert_eq!(rec.count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Tricks against the local server

#[test]
fn user_info_before_the_real_host_is_refused() {
    let rec = Recorder::ok();
    let allowed = format!("example.com:{}", rec.port);
    let url = format!("http://example.com:{}@127.0.0.1:{}/x", rec.port, rec.port);
    let r = send(Some(&[allowed.as_str()]), &url, None);
    assert_refused(&r, &rec, "127.0.0.1", &[&allowed]);
}

#[test]
fn an_allowed_name_in_the_query_is_refused() {
    let rec = Recorder::ok();
    let patterns = ["example.com", "*.example.com"];
    let r = send(Some(&patterns), &rec.url("/?x=.example.com"), None);
    assert_refused(&r, &rec, &rec.host(), &patterns);
}

#[test]
fn an_allowed_name_in_the_fragment_is_refused() {
    let rec = Recorder::ok();
    let patterns = ["example.com", "*.example.com"];
    let r = send(Some(&patterns), &rec.url("/#.example.com"), None);
    assert_refused(&r, &rec, &rec.host(), &patterns);
}

#[test]
fn a_wrong_port_is_refused() {
    let rec = Recorder::ok();
    let other = Recorder::ok();
    let pattern = other.host();
    let r = send(Some(&[pattern.as_str()]), &rec.url("/x"), None);
    assert_refused(&r, &rec, &rec.host(), &[&pattern]);
    assert_eq!(other.count(), 0);
    // A pattern without a port means the default ports only.
    let r = send(Some(&["127.0.0.1"]), &rec.url("/x"), None);
    assert_refused(&r, &rec, &rec.host(), &["127.0.0.1"]);
}

#[test]
fn a_wrong_scheme_is_refused() {
    let rec = Recorder::ok();
    let https_only = format!("https://{}", rec.host());
    let r = send(Some(&[https_only.as_str()]), &rec.url("/x"), None);
    assert_refused(&r, &rec, &rec.host(), &[&https_only]);
    // The same pattern with http:// allows it.
    let http_only = format!("http://{}", rec.host());
    let r = send(Some(&[http_only.as_str()]), &rec.url("/x"), None);
    assert_sent(&r, &rec, "/x");
}

#[test]
fn a_path_pattern_matches_one_segment_per_star() {
    let rec = Recorder::ok();
    let pattern = format!("{}/api/*/cases", rec.host());
    let patterns = [pattern.as_str()];
    for path in [
        "/api/7/other",
        "/api/7/cases/extra",
        "/api/cases",
        "/api/7/8/cases",
        "/other/7/cases",
        "/api/7/../../admin/cases",
    ] {
        let r = send(Some(&patterns), &rec.url(path), None);
        assert_refused(&r, &rec, &rec.host(), &patterns);
    }
    let r = send(Some(&patterns), &rec.url("/api/7/cases?page=2"), None);
    assert_sent(&r, &rec, "/api/7/cases?page=2");
}

#[test]
fn a_trailing_star_in_a_path_pattern_matches_any_rest() {
    let rec = Recorder::ok();
    let pattern = format!("{}/api/*", rec.host());
    let patterns = [pattern.as_str()];
    for path in ["/other/x", "/apiary/x"] {
        let r = send(Some(&patterns), &rec.url(path), None);
        assert_refused(&r, &rec, &rec.host(), &patterns);
    }
    let r = send(Some(&patterns), &rec.url("/api/a/b/c"), None);
    assert_sent(&r, &rec, "/api/a/b/c");
}

#[test]
fn a_redirect_to_a_host_the_credential_may_not_reach_is_refused() {
    let elsewhere = Recorder::ok();
    let target = elsewhere.url("/stolen");
    let rec =
        Recorder::start(move |_, _| crate::support::Reply::status(302).header("location", &target));
    let host = rec.host();
    let r = send(Some(&[host.as_str()]), &rec.url("/start"), None);
    assert_eq!(rec.count(), 1, "the first hop is allowed");
    assert_eq!(
        elsewhere.count(),
        0,
        "the credential never reaches the other origin"
    );
    r.assert_code(1);
    let failure = r
        .stderr
        .lines()
        .find(|l| l.contains("action `fetch` failed"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(failure.contains("`tok`"), "{failure}");
    assert!(failure.contains(&elsewhere.host()), "{failure}");
}

// ---------------------------------------------------------------------------------------------
// Host names, through the proxy

#[test]
fn the_proxy_route_works_for_an_allowed_name() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["api.example.com"]),
        "http://api.example.com/v1/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://api.example.com/v1/x");
}

#[test]
fn an_allowed_name_as_a_prefix_of_another_domain_is_refused() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["example.com"]),
        "https://example.com.evil.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "example.com.evil.com", &["example.com"]);
    let r = send(
        Some(&["*.example.com"]),
        "http://api.example.com.evil.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "api.example.com.evil.com", &["*.example.com"]);
    let r = send(
        Some(&["example.com"]),
        "http://evilexample.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "evilexample.com", &["example.com"]);
}

#[test]
fn user_info_naming_the_allowed_host_is_refused() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["example.com"]),
        "http://example.com@evil.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "evil.com", &["example.com"]);
    let r = send(
        Some(&["example.com"]),
        "http://user:pw@evil.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "evil.com", &["example.com"]);
}

#[test]
fn the_allowed_name_in_query_or_fragment_of_another_host_is_refused() {
    let proxy = Recorder::ok();
    let patterns = ["example.com", "*.example.com"];
    for url in [
        "http://evil.com?x=.example.com",
        "http://evil.com/?x=.example.com",
        "http://evil.com/#.example.com",
        "http://evil.com#.example.com",
    ] {
        let r = send(Some(&patterns), url, Some(&proxy));
        assert_refused(&r, &proxy, "evil.com", &patterns);
    }
}

#[test]
fn a_wildcard_covers_subdomains_at_any_depth_but_not_the_apex() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["*.example.com"]),
        "http://example.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "example.com", &["*.example.com"]);
    let r = send(
        Some(&["*.example.com"]),
        "http://a.b.example.com/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://a.b.example.com/x");
}

#[test]
fn a_host_pattern_without_port_allows_default_ports_only() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["api.example.com"]),
        "http://api.example.com:8080/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "api.example.com:8080", &["api.example.com"]);
    let r = send(
        Some(&["api.example.com"]),
        "http://api.example.com:80/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://api.example.com/x");
}

#[test]
fn a_pattern_with_a_port_allows_that_port() {
    let proxy = Recorder::ok();
    let r = send(
        Some(&["api.example.com:8443"]),
        "http://api.example.com/x",
        Some(&proxy),
    );
    assert_refused(&r, &proxy, "api.example.com", &["api.example.com:8443"]);
    let r = send(
        Some(&["api.example.com:8443"]),
        "http://api.example.com:8443/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://api.example.com:8443/x");
}

#[test]
fn hosts_are_compared_normalised() {
    let proxy = Recorder::ok();
    // Case.
    let r = send(
        Some(&["api.example.com"]),
        "http://API.Example.COM/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://api.example.com/x");
    // Case in the pattern.
    let proxy = Recorder::ok();
    let r = send(
        Some(&["API.EXAMPLE.COM"]),
        "http://api.example.com/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://api.example.com/x");
    // A trailing dot.
    let proxy = Recorder::ok();
    let r = send(
        Some(&["api.example.com"]),
        "http://api.example.com./x",
        Some(&proxy),
    );
    r.assert_code(0);
    assert_eq!(proxy.count(), 1);
    // IDNA: the Unicode pattern matches the punycode URL.
    let proxy = Recorder::ok();
    let r = send(
        Some(&["bücher.example"]),
        "http://xn--bcher-kva.example/x",
        Some(&proxy),
    );
    assert_sent(&r, &proxy, "http://xn--bcher-kva.example/x");
}
