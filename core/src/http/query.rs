//! Appending a `get`/`head`/`delete`/`options` payload to the URL's query string.

use minijinja::Value;
use url::Url;

use super::encode_error::EncodeError;
use super::form;
use super::value_parts::{Shape, shape};

/// Appends `payload` after the URL's own query parameters.
///
/// An object is flattened Rack-style (`a[b]=c`, `a[]=1`) and form-urlencoded; a string is
/// appended as a raw query string (a leading `?` dropped; characters that are not allowed in a
/// query, such as `#` and spaces, are percent-encoded by `url`); `null` appends nothing. The
/// URL's existing query text is kept byte for byte.
pub fn append_query(url: &mut Url, payload: &Value) -> Result<(), EncodeError> {
    let addition = match shape(payload)? {
        Shape::Null => return Ok(()),
        Shape::Text(text) => text.strip_prefix('?').unwrap_or(&text).to_owned(),
        Shape::Map(_) => form::encode_object(payload)?,
        _ => {
            return Err(EncodeError::new(format!(
                "a query payload must be an object or a string, not a {}",
                payload.kind()
            )));
        }
    };
    if addition.is_empty() {
        return Ok(());
    }
    let merged = match url.query().map(|query| query.trim_end_matches('&')) {
        Some(existing) if !existing.is_empty() => format!("{existing}&{addition}"),
        _ => addition,
    };
    url.set_query(Some(&merged));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    fn with_payload(base: &str, payload: &str) -> Url {
        let mut target = url(base);
        append_query(&mut target, &json(payload)).unwrap();
        target
    }

    #[test]
    fn appends_after_existing_parameters_in_order() {
        let target = with_payload(
            "https://h.example/api/Tickets?page=2&b=1#frag",
            r#"{"page_size":100,"open_only":true,"a":"x"}"#,
        );
        assert_eq!(
            target.as_str(),
            "https://h.example/api/Tickets?page=2&b=1&page_size=100&open_only=true&a=x#frag"
        );
    }

    #[test]
    fn nested_and_list_values_use_brackets() {
        let target = with_payload("http://h/p", r#"{"f":{"s":"open"},"ids":[1,2],"n":null}"#);
        assert_eq!(
            target.query(),
            Some("f%5Bs%5D=open&ids%5B%5D=1&ids%5B%5D=2&n=")
        );
    }

    #[test]
    fn existing_query_is_kept_verbatim_and_trailing_ampersand_dropped() {
        let target = with_payload("http://h/p?q=a%20b&", r#"{"x":"1"}"#);
        assert_eq!(target.query(), Some("q=a%20b&x=1"));
        let target = with_payload("http://h/p?", r#"{"x":"1"}"#);
        assert_eq!(target.query(), Some("x=1"));
    }

    #[test]
    fn empty_payload_leaves_url_untouched() {
        assert_eq!(with_payload("http://h/p", "{}").as_str(), "http://h/p");
        assert_eq!(with_payload("http://h/p", "null").as_str(), "http://h/p");
        assert_eq!(
            with_payload("http://h/p?a=1", r#""""#).as_str(),
            "http://h/p?a=1"
        );
    }

    #[test]
    fn hostile_values_cannot_break_the_query() {
        let secret = "s3cr\"et&admin=true#frag\n+ é'=";
        let payload = Value::from_pairs([("token", Value::from(secret)), ("next", Value::from(1))]);
        let mut target = url("https://h.example/p?a=1");
        append_query(&mut target, &payload).unwrap();
        assert_eq!(target.fragment(), None);
        let pairs: Vec<(String, String)> = target.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("a".to_string(), "1".to_string()),
                ("token".to_string(), secret.to_string()),
                ("next".to_string(), "1".to_string()),
            ]
        );
    }

    #[test]
    fn string_payload_is_a_raw_query_string() {
        let target = with_payload("http://h/p?a=1", r#""?b=2&c=x y#z""#);
        assert_eq!(target.query(), Some("a=1&b=2&c=x%20y%23z"));
        assert_eq!(target.fragment(), None);
    }

    #[test]
    fn lists_and_scalars_are_refused() {
        for payload in ["[1]", "3", "true"] {
            let mut target = url("http://h/p");
            let err = append_query(&mut target, &json(payload)).unwrap_err();
            assert!(err.message().contains("query payload"), "{err}");
            assert_eq!(target.as_str(), "http://h/p");
        }
    }
}
