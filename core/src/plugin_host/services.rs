//! The async side of the host services for one plugin call: HTTP through the shared client
//! with the call's credentials' allowed hosts enforced, and the encrypted store, namespaced.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use relay_plugin_sdk::protocol::{HttpRequest, HttpResponse};
use url::Url;

use crate::credentials::Credentials;
use crate::engine::actions::http_request::line;
use crate::http::form::encode_pairs;
use crate::http::method::Method;
use crate::http::response::DEFAULT_BODY_CAP;
use crate::http::retry::RetryPolicy;
use crate::http::{PreparedRequest, SendOptions};

use super::channel::{Service, ServiceCall, error_reply, ok_reply};

/// Default time for one HTTP exchange of a plugin (the call's own timeout still bounds it).
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// What one plugin call may use.
pub(crate) struct CallServices<'a> {
    credentials: &'a Credentials,
    /// Credentials whose `allowed_hosts` every request of the call must match.
    carrying: Vec<String>,
    /// Store names become `<namespace>_<name>`.
    namespace: String,
    requests: AtomicUsize,
    saw_401: AtomicBool,
}

impl<'a> CallServices<'a> {
    pub(crate) fn new(
        credentials: &'a Credentials,
        carrying: Vec<String>,
        namespace: String,
    ) -> CallServices<'a> {
        CallServices {
            credentials,
            carrying,
            namespace,
            requests: AtomicUsize::new(0),
            saw_401: AtomicBool::new(false),
        }
    }

    /// HTTP requests sent so far.
    pub(crate) fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether any response was a 401 (a cached token may have been revoked).
    pub(crate) fn saw_401(&self) -> bool {
        self.saw_401.load(Ordering::Relaxed)
    }

    /// Serves one request and sends the answer back to the plugin's thread.
    pub(super) async fn serve(&self, call: ServiceCall) {
        let reply = match call.service {
            Service::Http(r) => match self.http(r).await {
                Ok(response) => ok_reply(response),
                Err(message) => error_reply(&self.credentials.redactor().redact(&message)),
            },
            Service::StoreGet(name) => match self.store_get(&name).await {
                Ok(value) => ok_reply(value),
                Err(message) => error_reply(&message),
            },
            Service::StorePut(name, value) => match self.store_put(&name, &value).await {
                Ok(()) => ok_reply(()),
                Err(message) => error_reply(&message),
            },
        };
        // The plugin thread may have given up waiting; nothing to do then.
        let _ = call.reply.send(reply);
    }

    async fn http(&self, r: HttpRequest) -> Result<HttpResponse, String> {
        let method = Method::parse(&r.method).map_err(|e| e.to_string())?;
        let mut url = Url::parse(r.url.trim())
            .map_err(|e| format!("`{}` is not an absolute http(s) URL ({e})", r.url))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(format!(
                "`{}`: only http and https URLs can be requested",
                r.url
            ));
        }
        if !r.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&r.query);
        }
        let mut headers = r.headers;
        let has = |headers: &[(String, String)], name: &str| {
            headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let body = match (r.form, r.json, r.body) {
            (None, None, None) => None,
            (Some(form), None, None) => {
                if !has(&headers, "content-type") {
                    headers.push((
                        "content-type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ));
                }
                Some(encode_pairs(&form).into_bytes())
            }
            (None, Some(json), None) => {
                if !has(&headers, "content-type") {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                Some(serde_json::to_vec(&json).map_err(|e| e.to_string())?)
            }
            (None, None, Some(text)) => Some(text.into_bytes()),
            _ => return Err("give at most one of `form`, `json` and `body`".into()),
        };
        if !has(&headers, "user-agent") {
            headers.push((
                "user-agent".into(),
                concat!("relay/", env!("CARGO_PKG_VERSION")).into(),
            ));
        }
        for name in &self.carrying {
            self.credentials
                .check_allowed(name, &url)
                .map_err(|e| e.to_string())?;
        }
        let timeout = r
            .timeout
            .filter(|t| t.is_finite() && *t > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(HTTP_TIMEOUT);
        let request = PreparedRequest {
            method,
            url,
            headers,
            body: body.map(bytes::Bytes::from),
        };
        let retry = RetryPolicy::default();
        let (carrying, credentials) = (&self.carrying, self.credentials);
        let allow = |target: &Url| -> Result<(), String> {
            for name in carrying {
                credentials
                    .check_allowed(name, target)
                    .map_err(|e| format!("redirect to `{target}` refused: {e}"))?;
            }
            Ok(())
        };
        let options = SendOptions {
            timeout,
            retry: &retry,
            follow_redirects: true,
            verify_tls: true,
            body_cap: DEFAULT_BODY_CAP,
            carries_credentials: !carrying.is_empty(),
            allow_redirect: &allow,
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let exchange = self
            .credentials
            .http()
            .send(&request, &options)
            .await
            .map_err(|e| format!("{}: {e}", line(&request)))?;
        if exchange.status == 401 {
            self.saw_401.store(true, Ordering::Relaxed);
        }
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &exchange.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        Ok(HttpResponse {
            status: exchange.status,
            headers,
            body: String::from_utf8_lossy(&exchange.body).into_owned(),
        })
    }

    /// `<namespace>_<name>`, for names made of letters, digits, `_`, `-` and `.`.
    fn store_name(&self, name: &str) -> Result<String, String> {
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            return Err(format!(
                "store name `{name}` must be letters, digits, `_`, `-` or `.`"
            ));
        }
        Ok(format!("{}_{name}", self.namespace))
    }

    async fn store_get(&self, name: &str) -> Result<Option<String>, String> {
        let full = self.store_name(name)?;
        let store = self.credentials.state().get().await?;
        let bytes = store
            .get_secret(&full)
            .await
            .map_err(|e| format!("cannot read `{full}` from the encrypted store: {e}"))?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| format!("`{full}` in the encrypted store is not text"))?;
        self.credentials.redactor().register(&full, &text);
        Ok(Some(text))
    }

    async fn store_put(&self, name: &str, value: &str) -> Result<(), String> {
        let full = self.store_name(name)?;
        self.credentials.redactor().register(&full, value);
        let store = self.credentials.state().get().await?;
        store
            .put_secret(&full, value.as_bytes())
            .await
            .map_err(|e| format!("cannot write `{full}` into the encrypted store: {e}"))
    }
}
