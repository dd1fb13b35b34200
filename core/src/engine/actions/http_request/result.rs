//! The result of an exchange, `{status, headers, body}`, as an object that builds its header
//! map and parses its body only when first read, and serializes headers and body straight
//! from the response: most results are only printed, and building values for each of them
//! was a large part of the engine's cost per request.

use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use reqwest::header::HeaderMap;
use serde::ser::{SerializeMap, Serializer};

use crate::http::Exchange;
use crate::http::response::{headers_to_map, parse_body};
use crate::value::Json;

/// `{status, headers, body}` (plus `error` for a status 0 that does not fail).
#[derive(Debug)]
pub struct HttpResult {
    status: u16,
    headers: HeaderMap,
    header_map: OnceLock<Value>,
    /// The body as received, turned into `body` when first read or printed: a result that is
    /// only printed is parsed on the output's thread, not on the run's busy one, where JSON
    /// validation was a tenth of a fan-out's instructions.
    raw_body: Vec<u8>,
    body: OnceLock<Value>,
    error: Option<String>,
}

const KEYS: &[&str] = &["status", "headers", "body"];
const KEYS_WITH_ERROR: &[&str] = &["status", "headers", "body", "error"];

impl HttpResult {
    /// The result of `exchange` as a value.
    pub fn value(exchange: Exchange) -> Value {
        Value::from_object(HttpResult {
            status: exchange.status,
            headers: exchange.headers,
            header_map: OnceLock::new(),
            raw_body: exchange.body,
            body: OnceLock::new(),
            error: exchange.error,
        })
    }

    fn headers(&self) -> &Value {
        self.header_map
            .get_or_init(|| headers_to_map(&self.headers))
    }

    fn body(&self) -> &Value {
        self.body.get_or_init(|| {
            let content_type = self
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            parse_body(content_type, &self.raw_body)
        })
    }

    /// Serializes like the map it stands for, without building the header map.
    pub fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(if self.error.is_some() { 4 } else { 3 }))?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("headers", &HeaderFields(&self.headers))?;
        map.serialize_entry("body", &Json(self.body()))?;
        if let Some(e) = &self.error {
            map.serialize_entry("error", e)?;
        }
        map.end()
    }
}

impl Object for HttpResult {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "status" => Some(Value::from(self.status)),
            "headers" => Some(self.headers().clone()),
            "body" => Some(self.body().clone()),
            "error" => self.error.as_deref().map(Value::from),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(if self.error.is_some() {
            KEYS_WITH_ERROR
        } else {
            KEYS
        })
    }
}

/// Response headers as a JSON object: lower-case names, repeated headers joined with `, `.
struct HeaderFields<'a>(&'a HeaderMap);

impl serde::Serialize for HeaderFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.keys_len()))?;
        // `iter` yields a name's values one after another, so grouping neighbours joins them
        // without looking each name up again.
        let mut fields = self.0.iter().peekable();
        while let Some((name, value)) = fields.next() {
            let first = String::from_utf8_lossy(value.as_bytes());
            if fields.peek().is_none_or(|(next, _)| *next != name) {
                map.serialize_entry(name.as_str(), first.as_ref())?;
                continue;
            }
            let mut joined = first.into_owned();
            while let Some((_, more)) = fields.next_if(|(next, _)| *next == name) {
                joined.push_str(", ");
                joined.push_str(&String::from_utf8_lossy(more.as_bytes()));
            }
            map.serialize_entry(name.as_str(), &joined)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(content_type: &str, body: &str) -> Value {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", content_type.parse().expect("header value"));
        HttpResult::value(Exchange {
            status: 200,
            headers,
            body: body.as_bytes().to_vec(),
            final_url: url::Url::parse("http://127.0.0.1/").expect("url"),
            attempts: 1,
            error: None,
        })
    }

    fn printed(value: &Value) -> String {
        crate::value::with_verbatim_bodies(|| serde_json::to_string(&Json(value)))
            .expect("serializes")
    }

    fn parsed_yet(value: &Value) -> bool {
        let result = value
            .downcast_object_ref::<HttpResult>()
            .expect("an HttpResult");
        result.body.get().is_some()
    }

    #[test]
    fn the_body_is_parsed_when_first_read_not_when_the_result_is_made() {
        let value = result("application/json", r#"{"tickets":[{"id":7}]}"#);
        assert!(!parsed_yet(&value));
        let id = value
            .get_attr("body")
            .and_then(|b| b.get_attr("tickets"))
            .and_then(|t| t.get_item(&Value::from(0)))
            .and_then(|t| t.get_attr("id"))
            .expect("readable");
        assert_eq!(id, Value::from(7));
        assert!(parsed_yet(&value));
    }

    #[test]
    fn a_printed_body_is_the_same_as_an_eagerly_parsed_one() {
        let compact = result("application/json", r#"{"a":"x y","b":[1,2]}"#);
        assert_eq!(
            printed(&compact),
            r#"{"status":200,"headers":{"content-type":"application/json"},"body":{"a":"x y","b":[1,2]}}"#
        );
        let spaced = result("application/json", "{\"a\": 1}");
        assert!(
            printed(&spaced).ends_with(r#""body":{"a":1}}"#),
            "{}",
            printed(&spaced)
        );
        // Malformed JSON stays its text, a string, whether read or printed first.
        let broken = result("application/json", "{broken");
        assert!(
            printed(&broken).ends_with(r#""body":"{broken"}"#),
            "{}",
            printed(&broken)
        );
        assert_eq!(broken.get_attr("body").ok(), Some(Value::from("{broken")));
        let text = result("text/plain", "plain words");
        assert_eq!(text.get_attr("body").ok(), Some(Value::from("plain words")));
    }

    #[test]
    fn repeated_headers_are_joined_in_arrival_order_and_names_keep_first_seen_order() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", "a=1".parse().expect("value"));
        headers.append("content-type", "text/plain".parse().expect("value"));
        headers.append("set-cookie", "b=2".parse().expect("value"));
        headers.append("x-one", "only".parse().expect("value"));
        headers.append("set-cookie", "c=3".parse().expect("value"));
        let value = HttpResult::value(Exchange {
            status: 200,
            headers,
            body: b"ok".to_vec(),
            final_url: url::Url::parse("http://127.0.0.1/").expect("url"),
            attempts: 1,
            error: None,
        });
        assert_eq!(
            printed(&value),
            r#"{"status":200,"headers":{"set-cookie":"a=1, b=2, c=3","content-type":"text/plain","x-one":"only"},"body":"ok"}"#
        );
    }
}
