//! The result of an exchange, `{status, headers, body}`, as an object that builds its header
//! map only when a formula reads it and serializes headers and body straight from the
//! response: most results are only printed, and building value maps for each of them was
//! a large part of the engine's cost per request.

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
    body: Value,
    error: Option<String>,
}

const KEYS: &[&str] = &["status", "headers", "body"];
const KEYS_WITH_ERROR: &[&str] = &["status", "headers", "body", "error"];

impl HttpResult {
    /// The result of `exchange` as a value.
    pub fn value(exchange: Exchange) -> Value {
        let content_type = exchange
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = parse_body(content_type.as_deref(), &exchange.body);
        Value::from_object(HttpResult {
            status: exchange.status,
            headers: exchange.headers,
            header_map: OnceLock::new(),
            body,
            error: exchange.error,
        })
    }

    fn headers(&self) -> &Value {
        self.header_map
            .get_or_init(|| headers_to_map(&self.headers))
    }

    /// Serializes like the map it stands for, without building the header map.
    pub fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(if self.error.is_some() { 4 } else { 3 }))?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("headers", &HeaderFields(&self.headers))?;
        map.serialize_entry("body", &Json(&self.body))?;
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
            "body" => Some(self.body.clone()),
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
        for name in self.0.keys() {
            let mut values = self.0.get_all(name).iter();
            let first = values
                .next()
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .unwrap_or_default();
            match values.next() {
                None => map.serialize_entry(name.as_str(), first.as_ref())?,
                Some(second) => {
                    let mut joined = first.into_owned();
                    for v in std::iter::once(second).chain(values) {
                        joined.push_str(", ");
                        joined.push_str(&String::from_utf8_lossy(v.as_bytes()));
                    }
                    map.serialize_entry(name.as_str(), &joined)?;
                }
            }
        }
        map.end()
    }
}
