//! The exact bytes a server receives: each `content_type`, payloads as query strings, headers,
//! `user_agent`, `basic_auth`, and secrets that contain the encoders' special characters.

use serde_json::json;

use super::{
    DEFAULT_USER_AGENT, action, assert_request, env_credential_config, form_decode, head, run,
    workflow,
};
use crate::support::{Recorder, Reply};

/// The header lines every request carries, plus the given ones.
fn headers(rec: &Recorder, extra: &[&str]) -> Vec<String> {
    let mut all = vec!["accept: */*".to_owned(), format!("host: {}", rec.host())];
    all.extend(extra.iter().map(|s| (*s).to_owned()));
    all
}

fn ua() -> String {
    format!("user-agent: {DEFAULT_USER_AGENT}")
}

#[test]
fn json_body_is_compact_json_in_key_order_and_is_the_default_content_type() {
    let rec = Recorder::ok();
    let payload = json!({"name": "Ann é", "n": 3, "f": 1.5, "nested": {"z": [1, true, null], "a": "q\"uote"}});
    let wf = workflow(&[
        action(
            "explicit",
            &json!({"url": rec.url("/json"), "method": "post", "content_type": "json", "payload": payload}),
        ),
        action(
            "implicit",
            &json!({"url": rec.url("/default"), "method": "PUT", "payload": payload}),
        ),
    ]);
    let result = run(None, &wf, &[]);
    result.assert_code(0);
    let body =
        r#"{"name":"Ann é","n":3,"f":1.5,"nested":{"z":[1,true,null],"a":"q\"uote"}}"#.as_bytes();
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 2);
    let expected = headers(
        &rec,
        &[
            "content-type: application/json",
            &ua(),
            &format!("content-length: {}", body.len()),
        ],
    );
    assert_request(&reqs[0], "POST /json HTTP/1.1", &expected, body);
    assert_request(&reqs[1], "PUT /default HTTP/1.1", &expected, body);
}

#[test]
fn form_body_flattens_nested_objects_and_arrays_rack_style() {
    let rec = Recorder::ok();
    let payload = json!({"a": {"b": "c", "d": {"e": 1}}, "list": [1, "two"], "objs": [{"k": "v"}], "sp": "x y+z&=#", "u": "é", "nil": null, "t": true});
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/form"), "method": "post", "content_type": "form", "payload": payload}),
    )]);
    run(None, &wf, &[]).assert_code(0);
    let body = "a%5Bb%5D=c&a%5Bd%5D%5Be%5D=1&list%5B%5D=1&list%5B%5D=two&objs%5B%5D%5Bk%5D=v&sp=x+y%2Bz%26%3D%23&u=%C3%A9&nil=&t=true";
    let reqs = rec.requests();
    assert_request(
        &reqs[0],
        "POST /form HTTP/1.1",
        &headers(
            &rec,
            &[
                "content-type: application/x-www-form-urlencoded",
                &ua(),
                &format!("content-length: {}", body.len()),
            ],
        ),
        body.as_bytes(),
    );
    let pairs = form_decode(body);
    assert_eq!(pairs[0], ("a[b]".to_owned(), "c".to_owned()));
    assert_eq!(pairs[5], ("sp".to_owned(), "x y+z&=#".to_owned()));
}

#[test]
fn xml_body_uses_the_single_key_as_root_and_escapes_text() {
    let rec = Recorder::ok();
    let wf = workflow(&[
        action(
            "one_root",
            &json!({"url": rec.url("/xml"), "method": "post", "content_type": "xml",
            "payload": {"ticket": {"id": 7, "summary": "a < b & \"c\"", "tags": ["x", "y"], "empty": null}}}),
        ),
        action(
            "wrapped",
            &json!({"url": rec.url("/xml2"), "method": "post", "content_type": "xml", "payload": {"a": 1, "b": "two"}}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    let reqs = rec.requests();
    let one = r#"<?xml version="1.0" encoding="UTF-8"?><ticket><id>7</id><summary>a &lt; b &amp; &quot;c&quot;</summary><tags>x</tags><tags>y</tags><empty/></ticket>"#;
    assert_request(
        &reqs[0],
        "POST /xml HTTP/1.1",
        &headers(
            &rec,
            &[
                "content-type: application/xml",
                &ua(),
                &format!("content-length: {}", one.len()),
            ],
        ),
        one.as_bytes(),
    );
    let two = r#"<?xml version="1.0" encoding="UTF-8"?><root><a>1</a><b>two</b></root>"#;
    assert_eq!(reqs[1].body_text(), two);
}

#[test]
fn data_is_multipart_with_text_file_and_repeated_parts() {
    let rec = Recorder::ok();
    let payload = json!({
        "name": "Ann",
        "n": 3,
        "file": {"filename": "a \"b\".txt", "contents": "hi\nthere", "content_type": "text/plain"},
        "tags": ["x", "y"],
        "meta": {"k": [1]},
    });
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/upload"), "method": "post", "content_type": "data", "payload": payload}),
    )]);
    run(None, &wf, &[]).assert_code(0);
    let req = &rec.requests()[0];
    let content_type = req.header("content-type").expect("content-type").to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("content-type: {content_type}"))
        .to_owned();
    assert!(
        !boundary.is_empty() && !boundary.contains(['"', ';', ' ']),
        "boundary {boundary:?}"
    );
    let b = &boundary;
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAnn\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n3\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\nthere\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nx\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\ny\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":[1]}}\r\n\
         --{b}--\r\n"
    );
    assert_request(
        req,
        "POST /upload HTTP/1.1",
        &headers(
            &rec,
            &[
                &format!("content-type: {content_type}"),
                &ua(),
                &format!("content-length: {}", body.len()),
            ],
        ),
        body.as_bytes(),
    );
}

#[test]
fn text_raw_mime_types_and_string_payloads_are_sent_as_given() {
    let rec = Recorder::ok();
    let wf = workflow(&[
        action(
            "text",
            &json!({"url": rec.url("/text"), "method": "post", "content_type": "text", "payload": "hello\nworld & {\"not\": json}"}),
        ),
        action(
            "vnd",
            &json!({"url": rec.url("/vnd"), "method": "patch", "content_type": "application/vnd.api+json", "payload": {"data": {"type": "t", "id": "1"}}}),
        ),
        action(
            "csv",
            &json!({"url": rec.url("/csv"), "method": "post", "content_type": "text/csv", "payload": "a,b\n1,\"x,y\"\n"}),
        ),
        action(
            "json_string",
            &json!({"url": rec.url("/raw"), "method": "post", "content_type": "json", "payload": "{\"raw\": true, \"kept\":  \"as given\"}"}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 4);
    let cases: [(&str, &str, &str); 4] = [
        (
            "POST /text HTTP/1.1",
            "text/plain",
            "hello\nworld & {\"not\": json}",
        ),
        (
            "PATCH /vnd HTTP/1.1",
            "application/vnd.api+json",
            r#"{"data":{"type":"t","id":"1"}}"#,
        ),
        ("POST /csv HTTP/1.1", "text/csv", "a,b\n1,\"x,y\"\n"),
        (
            "POST /raw HTTP/1.1",
            "application/json",
            "{\"raw\": true, \"kept\":  \"as given\"}",
        ),
    ];
    for (req, (line, ct, body)) in reqs.iter().zip(cases) {
        assert_request(
            req,
            line,
            &headers(
                &rec,
                &[
                    &format!("content-type: {ct}"),
                    &ua(),
                    &format!("content-length: {}", body.len()),
                ],
            ),
            body.as_bytes(),
        );
    }
}

#[test]
fn payload_of_get_head_delete_options_is_query_after_the_urls_own() {
    // HEAD must be answered without a body, or the next request on the connection breaks.
    let rec = Recorder::start(|r, _| {
        if r.method == "HEAD" {
            Reply::status(200)
        } else {
            Reply::json(200, json!({"ok": true}))
        }
    });
    let payload = json!({"a": "&=# +é", "n": {"k": "v w"}, "arr": [1, 2], "empty": ""});
    let url = rec.url("/q?x=1&y=a%20b");
    let wf = workflow(&[
        action(
            "get",
            &json!({"url": url, "method": "get", "payload": payload}),
        ),
        action(
            "head",
            &json!({"url": url, "method": "head", "payload": payload}),
        ),
        action(
            "delete",
            &json!({"url": url, "method": "delete", "payload": payload}),
        ),
        action(
            "options",
            &json!({"url": url, "method": "options", "content_type": "json", "payload": payload}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 4);
    let target = "/q?x=1&y=a%20b&a=%26%3D%23+%2B%C3%A9&n%5Bk%5D=v+w&arr%5B%5D=1&arr%5B%5D=2&empty=";
    for (req, method) in reqs.iter().zip(["GET", "HEAD", "DELETE", "OPTIONS"]) {
        // No body, so no content-type or content-length either.
        assert_request(
            req,
            &format!("{method} {target} HTTP/1.1"),
            &headers(&rec, &[&ua()]),
            b"",
        );
    }
}

#[test]
fn string_payload_of_get_is_appended_as_raw_query_text() {
    let rec = Recorder::ok();
    let wf = workflow(&[
        action(
            "with_own",
            &json!({"url": rec.url("/s?x=1"), "method": "get", "payload": "?b=1&c=x y#z+é"}),
        ),
        action(
            "without_own",
            &json!({"url": rec.url("/s"), "method": "get", "payload": "only=1"}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    let reqs = rec.requests();
    let (line, _) = head(&reqs[0]);
    assert_eq!(line, "GET /s?x=1&b=1&c=x%20y%23z+%C3%A9 HTTP/1.1");
    let (line, _) = head(&reqs[1]);
    assert_eq!(line, "GET /s?only=1 HTTP/1.1");
}

#[test]
fn user_headers_override_content_type_and_user_agent() {
    let rec = Recorder::ok();
    let wf = workflow(&[
        action(
            "overridden",
            &json!({"url": rec.url("/h"), "method": "post", "user_agent": "option/1",
            "headers": {"Content-Type": "application/json; charset=utf-8", "User-Agent": "header/2", "X-Custom": "v", "X-Num": 5, "X-Flag": true},
            "payload": {"a": 1}}),
        ),
        action(
            "custom_ua",
            &json!({"url": rec.url("/ua"), "method": "get", "user_agent": "option/1"}),
        ),
        action(
            "default_ua",
            &json!({"url": rec.url("/dua"), "method": "get"}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    let reqs = rec.requests();
    assert_request(
        &reqs[0],
        "POST /h HTTP/1.1",
        &headers(
            &rec,
            &[
                "content-type: application/json; charset=utf-8",
                "user-agent: header/2",
                "x-custom: v",
                "x-num: 5",
                "x-flag: true",
                "content-length: 7",
            ],
        ),
        br#"{"a":1}"#,
    );
    assert_request(
        &reqs[1],
        "GET /ua HTTP/1.1",
        &headers(&rec, &["user-agent: option/1"]),
        b"",
    );
    assert_request(&reqs[2], "GET /dua HTTP/1.1", &headers(&rec, &[&ua()]), b"");
}

#[test]
fn basic_auth_as_string_and_as_list() {
    let rec = Recorder::ok();
    let wf = workflow(&[
        action(
            "string",
            &json!({"url": rec.url("/a"), "method": "get", "basic_auth": "user:pa:ss"}),
        ),
        action(
            "list",
            &json!({"url": rec.url("/b"), "method": "get", "basic_auth": ["user", "pa:ss"]}),
        ),
        // basic_auth wins over an Authorization header.
        action(
            "both",
            &json!({"url": rec.url("/c"), "method": "get", "basic_auth": ["user", "pa:ss"], "headers": {"Authorization": "Bearer x"}}),
        ),
    ]);
    run(None, &wf, &[]).assert_code(0);
    // base64("user:pa:ss")
    let auth = "authorization: Basic dXNlcjpwYTpzcw==";
    for (req, path) in rec.requests().iter().zip(["/a", "/b", "/c"]) {
        assert_request(
            req,
            &format!("GET {path} HTTP/1.1"),
            &headers(&rec, &[&ua(), auth]),
            b"",
        );
    }
}

#[test]
fn a_secret_with_quotes_and_ampersands_cannot_break_json_form_or_query_encoding() {
    let rec = Recorder::ok();
    let secret = r#"s3"cr&t=x'<y>\z%41+ é"#;
    let config = env_credential_config("tok", "TOK_SECRET", &[rec.host()]);
    let wf = workflow(&[
        action(
            "as_json",
            &json!({"url": rec.url("/j"), "method": "post",
            "payload": {"token": "<<CREDENTIAL.tok>>", "mixed": "pre <<CREDENTIAL.tok>> post", "after": "kept"}}),
        ),
        action(
            "as_form",
            &json!({"url": rec.url("/f"), "method": "post", "content_type": "form",
            "payload": {"token": "<<CREDENTIAL.tok>>", "after": "kept"}}),
        ),
        action(
            "as_query",
            &json!({"url": rec.url("/q"), "method": "get", "payload": {"token": "<<CREDENTIAL.tok>>", "after": "kept"}}),
        ),
    ]);
    let result = run(Some(&config), &wf, &[("TOK_SECRET", secret)]);
    result.assert_code(0);
    let reqs = rec.requests();
    assert_eq!(reqs.len(), 3);
    let body: serde_json::Value =
        serde_json::from_slice(&reqs[0].body).expect("JSON body still parses");
    assert_eq!(
        body,
        json!({"token": secret, "mixed": format!("pre {secret} post"), "after": "kept"})
    );
    let pairs = form_decode(&reqs[1].body_text());
    assert_eq!(
        pairs,
        vec![
            ("token".to_owned(), secret.to_owned()),
            ("after".to_owned(), "kept".to_owned())
        ]
    );
    let query = reqs[2].target.split_once('?').expect("query").1.to_owned();
    assert_eq!(
        form_decode(&query),
        vec![
            ("token".to_owned(), secret.to_owned()),
            ("after".to_owned(), "kept".to_owned())
        ]
    );
    assert!(
        !result.all_output().contains(secret),
        "the secret is redacted from output:\n{}",
        result.all_output()
    );
}

#[test]
fn a_secret_with_a_line_break_cannot_inject_a_header() {
    let rec = Recorder::ok();
    let config = env_credential_config("tok", "TOK_SECRET", &[rec.host()]);
    let wf = workflow(&[action(
        "call",
        &json!({"url": rec.url("/h"), "method": "get", "headers": {"Authorization": "Bearer <<CREDENTIAL.tok>>"}}),
    )]);
    let secret = "abcdef123\r\nX-Injected: 1";
    let result = run(Some(&config), &wf, &[("TOK_SECRET", secret)]);
    result.assert_code(1);
    assert_eq!(rec.count(), 0, "nothing is sent");
    assert!(
        result.stderr.contains("header `authorization`"),
        "{}",
        result.stderr
    );
    assert!(
        !result.all_output().contains("abcdef123"),
        "the secret is not shown:\n{}",
        result.all_output()
    );
}
