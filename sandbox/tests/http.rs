//! Black-box tests: a real HTTP client talking to a real sandbox over 127.0.0.1.

use std::time::{Duration, Instant};

use relay_halo_sandbox::{Fault, Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Reply {
        status,
        headers,
        body,
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn post_form(client: &reqwest::Client, url: &str, pairs: &[(&str, &str)]) -> Reply {
    let resp = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form(pairs))
        .send()
        .await
        .expect("send");
    reply(resp).await
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> Reply {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    reply(req.send().await.expect("send")).await
}

async fn start(config: SandboxConfig) -> (Sandbox, reqwest::Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    (sandbox, reqwest::Client::new())
}

async fn password_login(sb: &Sandbox, client: &reqwest::Client) -> Reply {
    let c = sb.config().clone();
    let url = format!("{}/auth/token?tenant={}", sb.base_url(), c.tenant);
    post_form(
        client,
        &url,
        &[
            ("grant_type", "password"),
            ("client_id", &c.client_id),
            ("username", &c.username),
            ("password", &c.password),
            ("scope", "all"),
        ],
    )
    .await
}

async fn refresh(sb: &Sandbox, client: &reqwest::Client, token: &str) -> Reply {
    let c = sb.config().clone();
    let url = format!("{}/token?tenant={}", sb.base_url(), c.tenant);
    post_form(
        client,
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("refresh_token", token),
        ],
    )
    .await
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("no string {name} in {v}"))
}

fn ticket_ids(v: &Value) -> Vec<u64> {
    v["tickets"]
        .as_array()
        .expect("tickets array")
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .collect()
}

#[tokio::test]
async fn password_grant_then_list_tickets() {
    let (sb, client) = start(SandboxConfig {
        ticket_count: 12,
        ..SandboxConfig::default()
    })
    .await;
    let login = password_login(&sb, &client).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 3600);
    assert_eq!(login.body["scope"], "all");
    assert!(!str_field(&login.body, "refresh_token").is_empty());
    assert_eq!(login.headers["cache-control"], "no-store");
    let access = str_field(&login.body, "access_token");

    let all = get(
        &client,
        &format!("{}/api/Tickets", sb.base_url()),
        Some(access),
    )
    .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["record_count"], 12);
    assert_eq!(ticket_ids(&all.body), (1..=12).collect::<Vec<_>>());
    assert!(
        all.body.get("page_no").is_none(),
        "unpaginated answers carry no page fields"
    );
    let first = &all.body["tickets"][0];
    for field in [
        "summary",
        "client_name",
        "user_name",
        "dateoccurred",
        "priority_id",
        "status_id",
        "tickettype_id",
    ] {
        assert!(first.get(field).is_some(), "ticket lacks {field}: {first}");
    }
    assert!(
        first.get("details").is_none(),
        "lists omit details unless includedetails=true"
    );

    // Halo's routes ignore case; the ticket by id carries details.
    let one = get(
        &client,
        &format!("{}/api/tickets/5", sb.base_url()),
        Some(access),
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["id"], 5);
    assert!(one.body["details"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(one.body, sb.ticket(5).expect("ticket 5"));
    let missing = get(
        &client,
        &format!("{}/api/Tickets/99", sb.base_url()),
        Some(access),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"], "not_found");

    let c = sb.counters();
    assert_eq!(
        (c.token_requests, c.token_password, c.tokens_issued),
        (1, 1, 1)
    );
    assert_eq!((c.tickets_get, c.api_requests, c.requests), (3, 3, 4));
}

#[tokio::test]
async fn rotating_refresh_tokens_work_exactly_once() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let first = sb.issue_refresh_token();
    let r1 = refresh(&sb, &client, &first).await;
    assert_eq!(r1.status, StatusCode::OK, "{}", r1.body);
    let second = str_field(&r1.body, "refresh_token").to_owned();
    assert_ne!(second, first);
    let api = get(
        &client,
        &format!("{}/api/Tickets?page_size=1&pageinate=true", sb.base_url()),
        Some(str_field(&r1.body, "access_token")),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK);

    let reused = refresh(&sb, &client, &first).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.body["error"], "invalid_grant");
    assert!(reused.body["error_description"].is_string());

    let r2 = refresh(&sb, &client, &second).await;
    assert_eq!(r2.status, StatusCode::OK);
    assert_ne!(str_field(&r2.body, "refresh_token"), second);
    let c = sb.counters();
    assert_eq!((c.token_refresh, c.tokens_issued), (3, 2));
}

#[tokio::test]
async fn non_rotating_refresh_tokens_stay_valid() {
    let (sb, client) = start(SandboxConfig {
        rotate_refresh_tokens: false,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_refresh_token();
    for _ in 0..3 {
        let r = refresh(&sb, &client, &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(str_field(&r.body, "refresh_token"), token);
    }
    sb.revoke_refresh_tokens();
    let r = refresh(&sb, &client, &token).await;
    assert_eq!(r.body["error"], "invalid_grant");
}

#[tokio::test]
async fn expired_or_missing_access_tokens_get_401() {
    let (sb, client) = start(SandboxConfig {
        access_token_ttl: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let url = format!("{}/api/Tickets", sb.base_url());
    let login = password_login(&sb, &client).await;
    assert_eq!(login.body["expires_in"], 1, "sub-second ttl rounds up");
    let access = str_field(&login.body, "access_token").to_owned();
    assert_eq!(
        get(&client, &url, Some(&access)).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = get(&client, &url, Some(&access)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["error"], "invalid_token");
    let challenge = expired.headers["www-authenticate"].to_str().expect("ascii");
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("invalid_token"),
        "{challenge}"
    );

    let none = get(&client, &url, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    assert!(none.body["error"].is_string());
    let bogus = get(&client, &url, Some("not-a-token")).await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sb.counters().unauthorized, 3);

    // A zero ttl hands out tokens that are already expired.
    let (sb0, client0) = start(SandboxConfig {
        access_token_ttl: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb0.issue_access_token();
    let r = get(
        &client0,
        &format!("{}/api/Tickets", sb0.base_url()),
        Some(&token),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn paging_with_a_partial_last_page_and_an_empty_page_after_it() {
    let (sb, client) = start(SandboxConfig {
        ticket_count: 23,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_access_token();
    let page = |no: usize| {
        format!(
            "{}/api/Tickets?pageinate=true&page_size=10&page_no={no}",
            sb.base_url()
        )
    };
    let mut seen = Vec::new();
    for (no, expected_len) in [(1, 10), (2, 10), (3, 3)] {
        let r = get(&client, &page(no), Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            (r.body["page_no"].as_u64(), r.body["page_size"].as_u64()),
            (Some(no as u64), Some(10))
        );
        assert_eq!(r.body["record_count"], 23);
        let ids = ticket_ids(&r.body);
        assert_eq!(ids.len(), expected_len);
        seen.extend(ids);
    }
    assert_eq!(seen, (1..=23).collect::<Vec<_>>());
    let past = get(&client, &page(4), Some(&token)).await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.body["tickets"], serde_json::json!([]));
    assert_eq!(past.body["record_count"], 23);

    let bad = get(
        &client,
        &format!("{}/api/Tickets?pageinate=true&page_size=ten", sb.base_url()),
        Some(&token),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn page_size_is_clamped_to_100_and_filters_apply() {
    let (sb, client) = start(SandboxConfig {
        ticket_count: 250,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_access_token();
    let r = get(
        &client,
        &format!(
            "{}/api/Tickets?pageinate=true&page_size=500&page_no=2",
            sb.base_url()
        ),
        Some(&token),
    )
    .await;
    assert_eq!(r.body["page_size"], 100);
    assert_eq!(ticket_ids(&r.body), (101..=200).collect::<Vec<_>>());

    let open = get(
        &client,
        &format!("{}/api/Tickets?open_only=true", sb.base_url()),
        Some(&token),
    )
    .await;
    let open_count = open.body["record_count"].as_u64().expect("count");
    assert!(open_count > 0 && open_count < 250);
    assert!(
        open.body["tickets"]
            .as_array()
            .expect("array")
            .iter()
            .all(|t| t["status_id"] != 9)
    );

    let search = get(
        &client,
        &format!(
            "{}/api/Tickets?search=printer&includedetails=true",
            sb.base_url()
        ),
        Some(&token),
    )
    .await;
    let hits = search.body["tickets"].as_array().expect("array");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|t| str_field(t, "details").to_lowercase().contains("printer"))
    );
}

#[tokio::test]
async fn injected_faults_hit_the_next_api_requests() {
    let (sb, client) = start(SandboxConfig {
        ticket_count: 3,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_access_token();
    let url = format!("{}/api/Tickets", sb.base_url());
    sb.inject(Fault::TooManyRequests {
        times: 2,
        retry_after: Some("7".into()),
    });
    sb.inject(Fault::ServerError {
        status: 503,
        times: 1,
    });
    sb.inject(Fault::Unauthorized { times: 1 });
    sb.inject(Fault::Delay {
        delay: Duration::from_millis(200),
        times: 1,
    });

    for _ in 0..2 {
        let r = get(&client, &url, Some(&token)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers["retry-after"], "7");
        assert_eq!(r.body["error"], "too_many_requests");
    }
    assert_eq!(
        get(&client, &url, Some(&token)).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let revoked = get(&client, &url, Some(&token)).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(revoked.headers.contains_key("www-authenticate"));
    let started = Instant::now();
    assert_eq!(
        get(&client, &url, Some(&token)).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        get(&client, &url, Some(&token)).await.status,
        StatusCode::OK
    );

    // Without Retry-After, and faults on the token endpoint are separate from the API's.
    sb.inject(Fault::TooManyRequests {
        times: 1,
        retry_after: None,
    });
    sb.inject_auth(Fault::TooManyRequests {
        times: 1,
        retry_after: Some("30".into()),
    });
    let r = get(&client, &url, Some(&token)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.headers.contains_key("retry-after"));
    let login = password_login(&sb, &client).await;
    assert_eq!(login.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login.headers["retry-after"], "30");
    assert_eq!(password_login(&sb, &client).await.status, StatusCode::OK);

    let c = sb.counters();
    assert_eq!(
        (c.too_many_requests, c.server_errors, c.unauthorized),
        (4, 1, 1)
    );
    assert_eq!(c.tickets_get, 7, "faulted requests count as arrivals");
    assert_eq!((c.token_password, c.tokens_issued), (2, 1));
    sb.reset_counters();
    assert_eq!(sb.counters().requests, 0);
}

#[tokio::test]
async fn post_tickets_takes_an_array_and_creates_or_updates() {
    let (sb, client) = start(SandboxConfig {
        ticket_count: 10,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_access_token();
    let url = format!("{}/api/Tickets", sb.base_url());
    let post = |body: &'static str| {
        client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let one = reply(
        post(r#"[{"summary":"Disk full on FS02","priority_id":1,"client_id":12}]"#)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.body);
    assert_eq!(
        (one.body["id"].as_u64(), one.body["priority_id"].as_u64()),
        (Some(11), Some(1))
    );
    assert_eq!(one.body["summary"], "Disk full on FS02");
    assert_eq!(one.body["status_id"], 1, "Halo-like defaults fill the rest");

    let two = reply(
        post(r#"[{"summary":"a"},{"summary":"b"}]"#)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(two.status, StatusCode::CREATED);
    let ids: Vec<u64> = two
        .body
        .as_array()
        .expect("array for several")
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .collect();
    assert_eq!(ids, [12, 13]);

    let update = reply(post(r#"[{"id":3,"status_id":9}]"#).await.expect("send")).await;
    assert_eq!(update.status, StatusCode::OK);
    assert_eq!(sb.ticket(3).expect("ticket")["status_id"], 9);

    let bare = reply(post(r#"{"summary":"not an array"}"#).await.expect("send")).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    let unknown = reply(post(r#"[{"summary":"x"},{"id":999}]"#).await.expect("send")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(sb.ticket_count(), 13, "a rejected batch creates nothing");
    let broken = reply(post("[{").await.expect("send")).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);

    let listed = get(&client, &url, Some(&token)).await;
    assert_eq!(listed.body["record_count"], 13);
    assert_eq!(sb.counters().tickets_post, 6);
}

#[tokio::test]
async fn token_endpoint_errors_are_oauth2_shaped() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let c = sb.config().clone();
    let base = sb.base_url();
    let pw = [
        ("grant_type", "password"),
        ("client_id", c.client_id.as_str()),
        ("username", c.username.as_str()),
        ("password", "wrong"),
    ];

    let r = post_form(&client, &format!("{base}/token?tenant=acme"), &pw).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let r = post_form(&client, &format!("{base}/token?tenant=globex"), &pw).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_tenant"))
    );
    let r = post_form(&client, &format!("{base}/token"), &pw).await;
    assert_eq!(
        r.body["error"], "invalid_tenant",
        "the shared auth server needs ?tenant="
    );
    let r = post_form(&client, &format!("{base}/auth/token"), &pw).await;
    assert_eq!(
        r.body["error"], "invalid_grant",
        "the tenant's own /auth/token needs no tenant"
    );

    let r = post_form(
        &client,
        &format!("{base}/token?tenant=acme"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "someone-else"),
            ("refresh_token", "x"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let r = post_form(
        &client,
        &format!("{base}/token?tenant=acme"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("refresh_token", "never-issued"),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_grant");
    let r = post_form(
        &client,
        &format!("{base}/token?tenant=acme"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c.client_id),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let r = post_form(
        &client,
        &format!("{base}/token?tenant=acme"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", "nope"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    let json_body = client
        .post(format!("{base}/token?tenant=acme"))
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"password"}"#)
        .send()
        .await
        .expect("send");
    let r = reply(json_body).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );

    let wrong_method = get(&client, &format!("{base}/token?tenant=acme"), None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    let c = sb.counters();
    assert_eq!(c.tokens_issued, 0);
    // Refused attempts are counted by grant type too; the GET never reached the endpoint.
    assert_eq!(
        (
            c.token_requests,
            c.token_password,
            c.token_refresh,
            c.token_client_credentials
        ),
        (9, 4, 2, 1)
    );
}

#[tokio::test]
async fn client_credentials_with_form_or_basic_auth() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let c = sb.config().clone();
    let url = format!("{}/auth/token?tenant=acme", sb.base_url());
    let r = post_form(
        &client,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.get("refresh_token").is_none());
    assert_eq!(r.body["token_type"], "Bearer");

    let basic = client
        .post(&url)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=all")
        .send()
        .await
        .expect("send");
    let r = reply(basic).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = str_field(&r.body, "access_token");
    assert_eq!(
        get(
            &client,
            &format!("{}/api/Tickets/1", sb.base_url()),
            Some(token)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(sb.counters().token_client_credentials, 2);
}

#[tokio::test]
async fn auth_info_points_at_this_server_without_a_token() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let r = get(&client, &format!("{}/api/AuthInfo", sb.base_url()), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["auth_url"], format!("{}/auth", sb.base_url()));
    assert_eq!(r.body["tenant"], "acme");
    // The advertised token URL really issues tokens.
    let c = sb.config().clone();
    let login = post_form(
        &client,
        str_field(&r.body, "token_url"),
        &[
            ("grant_type", "password"),
            ("client_id", &c.client_id),
            ("username", &c.username),
            ("password", &c.password),
        ],
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_are_recorded_with_lower_case_headers_and_raw_bodies() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let token = sb.issue_refresh_token();
    refresh(&sb, &client, &token).await;
    let log = sb.requests();
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        ("POST", "/token", "tenant=acme")
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert!(r.headers.iter().all(|(n, _)| *n == n.to_lowercase()));
    assert_eq!(
        r.form_value("refresh_token").as_deref(),
        Some(token.as_str())
    );
    assert_eq!(r.form_value("grant_type").as_deref(), Some("refresh_token"));
    sb.clear_requests();
    assert!(sb.requests().is_empty());

    let (quiet, client2) = start(SandboxConfig {
        record_requests: false,
        ..SandboxConfig::default()
    })
    .await;
    get(
        &client2,
        &format!("{}/api/AuthInfo", quiet.base_url()),
        None,
    )
    .await;
    assert!(quiet.requests().is_empty());
    assert_eq!(
        quiet.counters().requests,
        1,
        "counting does not depend on recording"
    );
}

#[tokio::test]
async fn hooks_store_json_and_text_bodies() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let url = format!("{}/_sandbox/hooks/Alerts", sb.base_url());
    let r = reply(
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"ticket":5}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, serde_json::json!({"ok": true}))
    );
    reply(
        client
            .post(&url)
            .body("plain words")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        sb.hook_bodies("Alerts"),
        [
            serde_json::json!({"ticket": 5}),
            Value::String("plain words".into())
        ]
    );
    assert!(sb.hook_bodies("other").is_empty());
    let listed = get(&client, &url, None).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2));
    assert_eq!(sb.counters().hooks, 2);
    let unknown = get(&client, &format!("{}/nowhere", sb.base_url()), None).await;
    assert_eq!(
        (unknown.status, unknown.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_keep_alive_requests() {
    let (sb, client) = start(SandboxConfig {
        record_requests: false,
        ..SandboxConfig::default()
    })
    .await;
    let token = sb.issue_access_token();
    let url = format!(
        "{}/api/Tickets?pageinate=true&page_size=25&page_no=2",
        sb.base_url()
    );
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..20 {
                let r = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("send");
                if r.status() == StatusCode::OK && r.bytes().await.is_ok_and(|b| !b.is_empty()) {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    assert_eq!(total, 1000);
    assert_eq!(sb.counters().tickets_get, 1000);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let url = format!("{}/api/AuthInfo", sb.base_url());
    assert_eq!(get(&client, &url, None).await.status, StatusCode::OK);
    sb.shutdown().await.expect("shutdown");
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}
