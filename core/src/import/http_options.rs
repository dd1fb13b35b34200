//! HTTP Request options: Tines' implicit default method written out, content type spellings
//! and a `Content-Type` header folded into `content_type`, stringly typed scalars typed.

use super::formula_scan::{Part, parts};
use super::json::{Json, set, take};
use super::liquid::has_liquid;
use super::scalars::{Expect, normalise as normalise_scalar};

/// Tines sends a POST when `method` is missing (cli.md: the default is written out).
const TINES_DEFAULT_METHOD: &str = "post";
const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// `content-type` (a common typo in exports) becomes `content_type`.
pub fn rename_hyphenated_content_type(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    let Some(pos) = entries.iter().position(|(k, _)| k == "content-type") else {
        return;
    };
    let has_proper = entries.iter().any(|(k, _)| k == "content_type");
    if has_proper {
        let (_, value) = entries.remove(pos);
        issues.push(format!(
            "option `content-type` ({}) dropped: `content_type` is set too",
            value.to_compact()
        ));
    } else {
        entries[pos].0 = "content_type".into();
        issues.push("option `content-type` renamed to `content_type`".into());
    }
}

/// A value with no formula or Liquid in it.
fn literal(value: &Json) -> Option<&str> {
    let s = value.as_str()?;
    let plain = !has_liquid(s) && parts(s).iter().all(|p| matches!(p, Part::Text(_)));
    plain.then_some(s)
}

/// Relay's name for a content type Tines spelled another way, when the meaning is the same.
fn canonical_content_type(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    let base = lower.split(';').next().unwrap_or("").trim();
    match base {
        "json" | "application/json" | "application_json" => Some("json"),
        "form" | "application/x-www-form-urlencoded" => Some("form"),
        "data" | "multipart/form-data" => Some("data"),
        "xml" => Some("xml"),
        "text" => Some("text"),
        _ => None,
    }
}

fn insert_after(entries: &mut Vec<(String, Json)>, after: &[&str], key: &str, value: Json) {
    let pos = entries
        .iter()
        .rposition(|(k, _)| after.contains(&k.as_str()))
        .map_or(0, |p| p + 1);
    entries.insert(pos, (key.to_owned(), value));
}

fn normalise_method(entries: &mut Vec<(String, Json)>) {
    match entries.iter().find(|(k, _)| k == "method").map(|(_, v)| v) {
        None => insert_after(entries, &["url"], "method", Json::str(TINES_DEFAULT_METHOD)),
        Some(value) => {
            if let Some(m) = literal(value) {
                let lower = m.trim().to_ascii_lowercase();
                if METHODS.contains(&lower.as_str()) {
                    set(entries, "method", Json::str(lower));
                }
            }
        }
    }
}

fn normalise_content_type(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    let Some(value) = entries
        .iter()
        .find(|(k, _)| k == "content_type")
        .map(|(_, v)| v.clone())
    else {
        return;
    };
    let Some(text) = literal(&value) else { return };
    if let Some(canonical) = canonical_content_type(text)
        && canonical != text
    {
        issues.push(format!(
            "option `content_type`: {} normalised to `{canonical}`",
            value.to_compact()
        ));
        set(entries, "content_type", Json::str(canonical));
    }
}

/// A `Content-Type` header says what `content_type` is for; one place is clearer than two.
fn fold_content_type_header(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    let Some(Json::Object(headers)) = entries
        .iter()
        .find(|(k, _)| k == "headers")
        .map(|(_, v)| v.clone())
    else {
        return;
    };
    let Some((name, header)) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .cloned()
    else {
        return;
    };
    let Some(header_text) = literal(&header) else {
        return;
    };
    let Some(from_header) = canonical_content_type(header_text) else {
        return;
    };
    let option = entries
        .iter()
        .find(|(k, _)| k == "content_type")
        .map(|(_, v)| v.clone());
    match option {
        None => {
            insert_after(
                entries,
                &["url", "method"],
                "content_type",
                Json::str(from_header),
            );
            issues.push(format!(
                "header `{name}: {header_text}` replaced by `content_type: {from_header}`"
            ));
        }
        Some(opt) if literal(&opt).and_then(canonical_content_type) == Some(from_header) => {
            issues.push(format!(
                "header `{name}: {header_text}` repeated `content_type`; removed"
            ));
        }
        Some(opt) => {
            issues.push(format!(
                "header `{name}: {header_text}` disagrees with `content_type: {}`; both kept",
                opt.to_compact()
            ));
            return;
        }
    }
    let mut headers = headers;
    take(&mut headers, &name);
    if headers.is_empty() {
        take(entries, "headers");
    } else {
        set(entries, "headers", Json::Object(headers));
    }
}

/// Normalises the (already rewritten) options of an `http_request` action.
pub fn normalise(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    normalise_method(entries);
    normalise_content_type(entries, issues);
    fold_content_type_header(entries, issues);
    normalise_scalar(entries, "timeout", Expect::Number, issues);
    normalise_scalar(entries, "max_retries", Expect::Integer, issues);
    normalise_scalar(entries, "disable_ssl_verification", Expect::Bool, issues);
    normalise_scalar(entries, "disable_redirect_follow", Expect::Bool, issues);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (String, Vec<String>) {
        let mut entries = Json::parse(text).unwrap().as_object().unwrap().to_vec();
        let mut issues = Vec::new();
        rename_hyphenated_content_type(&mut entries, &mut issues);
        normalise(&mut entries, &mut issues);
        (Json::Object(entries).to_compact(), issues)
    }

    #[test]
    fn missing_method_is_tines_post_and_case_is_lowered() {
        assert_eq!(
            run(r#"{"url":"u","payload":{}}"#).0,
            r#"{"url":"u","method":"post","payload":{}}"#
        );
        assert_eq!(
            run(r#"{"url":"u","method":"PUT"}"#).0,
            r#"{"url":"u","method":"put"}"#
        );
        assert_eq!(
            run(r#"{"url":"u","method":"<<m>>"}"#).0,
            r#"{"url":"u","method":"<<m>>"}"#
        );
        assert!(run(r#"{"url":"u","method":"get"}"#).1.is_empty());
    }

    #[test]
    fn content_type_spellings() {
        let (out, issues) = run(r#"{"url":"u","method":"post","content_type":"json "}"#);
        assert_eq!(out, r#"{"url":"u","method":"post","content_type":"json"}"#);
        assert_eq!(
            issues,
            ["option `content_type`: \"json \" normalised to `json`"]
        );
        assert!(
            run(r#"{"url":"u","method":"post","content_type":"json; charset=utf-8"}"#)
                .0
                .contains(r#""content_type":"json""#)
        );
        assert!(
            run(r#"{"url":"u","method":"post","content_type":"application/x-amz-json-1.1"}"#)
                .1
                .is_empty()
        );
    }

    #[test]
    fn hyphenated_key_is_renamed_in_place() {
        let (out, issues) = run(r#"{"content-type":"form","method":"post","url":"u"}"#);
        assert_eq!(out, r#"{"content_type":"form","method":"post","url":"u"}"#);
        assert_eq!(issues, ["option `content-type` renamed to `content_type`"]);
        let (out, issues) =
            run(r#"{"content-type":"form","content_type":"json","method":"post","url":"u"}"#);
        assert_eq!(out, r#"{"content_type":"json","method":"post","url":"u"}"#);
        assert!(issues[0].contains("dropped"));
    }

    #[test]
    fn content_type_header_is_folded() {
        let (out, issues) = run(
            r#"{"url":"u","method":"get","headers":{"Authorization":"a","Content-Type":"application/json"}}"#,
        );
        assert_eq!(
            out,
            r#"{"url":"u","method":"get","content_type":"json","headers":{"Authorization":"a"}}"#
        );
        assert_eq!(
            issues,
            ["header `Content-Type: application/json` replaced by `content_type: json`"]
        );
        let (out, _) = run(
            r#"{"url":"u","method":"post","content_type":"json","headers":{"content-type":"application/json"}}"#,
        );
        assert_eq!(out, r#"{"url":"u","method":"post","content_type":"json"}"#);
        let (out, issues) = run(
            r#"{"url":"u","method":"post","content_type":"form","headers":{"Content-Type":"application/json"}}"#,
        );
        assert!(out.contains("Content-Type"));
        assert!(issues[0].contains("disagrees"));
        let (out, issues) = run(
            r#"{"url":"u","method":"post","headers":{"Content-Type":"application/vnd.api+json"}}"#,
        );
        assert!(out.contains("vnd.api") && issues.is_empty());
    }

    #[test]
    fn string_scalars_are_typed() {
        let (out, issues) = run(
            r#"{"url":"u","method":"get","disable_ssl_verification":"true","timeout":"30","max_retries":"3"}"#,
        );
        assert_eq!(
            out,
            r#"{"url":"u","method":"get","disable_ssl_verification":true,"timeout":30,"max_retries":3}"#
        );
        assert_eq!(issues.len(), 3);
    }
}
