//! The JSON envelope: what the host asks (`Request`), what the plugin answers (`Reply`), and the
//! data of each operation. Both sides use these types, so they cannot drift apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One call from the host, tagged by `op`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Report name, versions and provided types ([`Description`]).
    Describe,
    /// Produce a credential's value ([`CredentialValue`]).
    Resolve(CredentialCall),
    /// `relay credential login`: exchange a username and password ([`CredentialValue`]).
    Login(LoginCall),
    /// Run an action once ([`ActionResult`]).
    Execute(ActionCall),
}

/// Answer to any call, host service or plugin operation: `{"ok": …}` or `{"error": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    Ok(T),
    Error(Failure),
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    /// The plugin panicked (the SDK caught it); the message says where.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub panicked: bool,
}

/// What a plugin provides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Description {
    /// The plugin's name: the prefix of its action types (`halo` → `halo.tickets`).
    pub name: String,
    pub version: String,
    /// Filled in by the SDK.
    #[serde(default)]
    pub abi_version: u32,
    /// Filled in by the SDK (semver of the envelope).
    #[serde(default)]
    pub protocol: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub credential_types: Vec<TypeInfo>,
    #[serde(default)]
    pub action_types: Vec<TypeInfo>,
}

impl Description {
    /// A plugin called `name` at `version`, providing nothing yet.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Description {
        Description {
            name: name.into(),
            version: version.into(),
            abi_version: 0,
            protocol: String::new(),
            description: String::new(),
            credential_types: Vec::new(),
            action_types: Vec::new(),
        }
    }

    /// Adds a credential type (used as `type: NAME` under `credentials:`).
    pub fn credential_type(mut self, t: TypeInfo) -> Description {
        self.credential_types.push(t);
        self
    }

    /// Adds an action type (used as `type: PLUGIN.NAME` in workflows).
    pub fn action_type(mut self, t: TypeInfo) -> Description {
        self.action_types.push(t);
        self
    }

    /// A sentence for `relay plugin list`.
    pub fn describe(mut self, text: impl Into<String>) -> Description {
        self.description = text.into();
        self
    }
}

/// One credential or action type and the JSON Schema of its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// A JSON Schema (Relay checks: type, properties, required, additionalProperties, enum,
    /// items, minimum, maximum).
    #[serde(default = "any_object")]
    pub schema: Value,
    /// Credential types only: whether `relay credential login` is supported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub login: bool,
}

fn any_object() -> Value {
    serde_json::json!({"type": "object"})
}

impl TypeInfo {
    /// A type with options described by `schema`.
    pub fn new(name: impl Into<String>, description: impl Into<String>, schema: Value) -> TypeInfo {
        TypeInfo {
            name: name.into(),
            description: description.into(),
            schema,
            login: false,
        }
    }

    /// Marks a credential type as supporting `relay credential login`.
    pub fn with_login(mut self) -> TypeInfo {
        self.login = true;
        self
    }
}

/// Resolve a credential defined in `relay.yaml` (formulas in its options already rendered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialCall {
    pub credential_type: String,
    /// The credential's name in relay.yaml (for messages).
    pub name: String,
    pub options: Map<String, Value>,
}

/// Log in with a username and password (`relay credential login NAME`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginCall {
    pub credential_type: String,
    pub name: String,
    pub options: Map<String, Value>,
    pub username: String,
    pub password: String,
}

/// Run an action once, with its options rendered for the incoming event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionCall {
    /// The type's name without the plugin prefix (`tickets` for `halo.tickets`).
    pub action_type: String,
    pub options: Map<String, Value>,
}

/// A credential's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialValue {
    pub value: String,
    /// Seconds the value stays valid; the host caches it until a minute before. `None`: not cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<f64>,
    /// A store entry to write (atomically, before `value` is used): a rotated refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate: Option<StoreEntry>,
}

/// A value for the encrypted store; `name` is namespaced by the host (`<credential>_<name>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreEntry {
    pub name: String,
    pub value: String,
}

/// What an action emitted: one event per result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    pub results: Vec<Value>,
}

/// An HTTP request for the host's client (allowed hosts, redirects, proxies and TLS apply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Appended to the URL's query string, encoded by the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// An `application/x-www-form-urlencoded` body, encoded by the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Vec<(String, String)>>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// A text body, sent as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Seconds for the whole exchange (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
}

impl HttpRequest {
    /// A request with `method` (e.g. `GET`) to `url`.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            query: Vec::new(),
            form: None,
            json: None,
            body: None,
            timeout: None,
        }
    }

    /// `GET url`.
    pub fn get(url: impl Into<String>) -> HttpRequest {
        HttpRequest::new("GET", url)
    }

    /// `POST url`.
    pub fn post(url: impl Into<String>) -> HttpRequest {
        HttpRequest::new("POST", url)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpRequest {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sends `pairs` as a form body.
    pub fn form(mut self, pairs: Vec<(String, String)>) -> HttpRequest {
        self.form = Some(pairs);
        self
    }

    /// Sends `value` as a JSON body.
    pub fn json(mut self, value: Value) -> HttpRequest {
        self.json = Some(value);
        self
    }
}

/// The answer to an [`HttpRequest`]. A status of 400 or more is an answer, not an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    /// Lower-case names; repeated headers joined with `, `.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body as text (invalid UTF-8 replaced).
    #[serde(default)]
    pub body: String,
}

impl HttpResponse {
    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.body)
    }

    /// `Retry-After` in whole seconds, when it is a number.
    pub fn retry_after(&self) -> Option<u64> {
        self.header("retry-after")?.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_tagged_by_op() {
        let r = Request::Execute(ActionCall {
            action_type: "tickets".into(),
            options: json!({"page_size": 10})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        });
        let text = serde_json::to_value(&r).expect("serialises");
        assert_eq!(
            text,
            json!({"op": "execute", "action_type": "tickets", "options": {"page_size": 10}})
        );
        let back: Request = serde_json::from_value(json!({"op": "describe"})).expect("parses");
        assert_eq!(back, Request::Describe);
        assert!(serde_json::from_value::<Request>(json!({"op": "explode"})).is_err());
    }

    #[test]
    fn replies_are_ok_or_error() {
        let ok: Reply<Option<String>> = serde_json::from_str(r#"{"ok":null}"#).expect("parses");
        assert_eq!(ok, Reply::Ok(None));
        let err: Reply<()> = serde_json::from_str(r#"{"error":{"message":"no"}}"#).expect("parses");
        assert_eq!(
            err,
            Reply::Error(Failure {
                message: "no".into(),
                panicked: false
            })
        );
        assert_eq!(
            serde_json::to_string(&Reply::<()>::Ok(())).expect("serialises"),
            r#"{"ok":null}"#
        );
    }

    #[test]
    fn responses_find_headers_and_retry_after() {
        let r = HttpResponse {
            status: 429,
            headers: [("retry-after".to_owned(), " 7".to_owned())].into(),
            body: "{\"a\":1}".into(),
        };
        assert_eq!(r.header("Retry-After"), Some(" 7"));
        assert_eq!(r.retry_after(), Some(7));
        assert_eq!(r.json().expect("json")["a"], 1);
    }

    #[test]
    fn type_info_defaults_to_any_object() {
        let t: TypeInfo = serde_json::from_value(json!({"name": "x"})).expect("parses");
        assert_eq!(t.schema, json!({"type": "object"}));
        assert!(!t.login);
    }
}
