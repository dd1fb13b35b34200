//! `--dry-run` requests, as HTTP messages (pretty) or JSON.

use relay_core::engine::RequestPreview;

/// ```text
/// # get_tickets
/// GET http://127.0.0.1:8787/api/Tickets?pageinate=true
/// authorization: Bearer <<CREDENTIAL.halo>>
///
/// ```
pub fn http_message(p: &RequestPreview) -> String {
    let url = show_placeholders(&p.url);
    let mut s = format!("# {}\n{} {}\n", p.action, p.method, url);
    for (name, value) in &p.headers {
        s.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &p.body {
        let body = show_placeholders(body);
        s.push('\n');
        s.push_str(&body);
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
        "url": show_placeholders(&p.url),
        "headers": p.headers.iter().map(|(k, v)| serde_json::json!([k, v])).collect::<Vec<_>>(),
        "body": p.body.as_deref().map(show_placeholders),
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// The URL and form encoders percent-encode the `<<CREDENTIAL.name>>` placeholders of a dry run
/// (`%3C%3CCREDENTIAL.name%3E%3E`); cli.md promises them shown as `<<CREDENTIAL.name>>`.
fn show_placeholders(text: &str) -> String {
    const OPEN: &str = "%3C%3CCREDENTIAL.";
    const CLOSE: &str = "%3E%3E";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        let after = &rest[i + OPEN.len()..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with(CLOSE) {
            out.push_str(&rest[..i]);
            out.push_str("<<CREDENTIAL.");
            out.push_str(&after[..name_len]);
            out.push_str(">>");
            rest = &after[name_len + CLOSE.len()..];
        } else {
            out.push_str(&rest[..i + OPEN.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::show_placeholders;

    #[test]
    fn encoded_placeholders_are_shown_as_written() {
        assert_eq!(
            show_placeholders("http://h/x?key=%3C%3CCREDENTIAL.halo_1%3E%3E&a=%3C"),
            "http://h/x?key=<<CREDENTIAL.halo_1>>&a=%3C"
        );
        assert_eq!(
            show_placeholders("a=%3C%3CCREDENTIAL.x%3E%3E&b=%3C%3CCREDENTIAL.y%3E%3E"),
            "a=<<CREDENTIAL.x>>&b=<<CREDENTIAL.y>>"
        );
        assert_eq!(
            show_placeholders("%3C%3CCREDENTIAL.%3E%3E %3C%3CCREDENTIAL.x"),
            "%3C%3CCREDENTIAL.%3E%3E %3C%3CCREDENTIAL.x"
        );
    }
}
