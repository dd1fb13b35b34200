//! `--dry-run` requests, as HTTP messages (pretty) or JSON.

use relay_core::engine::RequestPreview;

/// ```text
/// # get_tickets
/// GET http://127.0.0.1:8787/api/Tickets?pageinate=true
/// authorization: Bearer <<CREDENTIAL.halo>>
///
/// ```
pub fn http_message(p: &RequestPreview) -> String {
    let mut s = format!("# {}\n{} {}\n", p.action, p.method, p.url);
    for (name, value) in &p.headers {
        s.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &p.body {
        s.push('\n');
        s.push_str(body);
        if !body.ends_with('\n') {
            s.push('\n');
        }
    }
    s.push('\n');
    s
}

pub fn json(p: &RequestPreview) -> String {
    let mut s = serde_json::to_string(&serde_json::json!({
        "action": p.action,
        "method": p.method,
        "url": p.url,
        "headers": p.headers.iter().map(|(k, v)| serde_json::json!([k, v])).collect::<Vec<_>>(),
        "body": p.body,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}
