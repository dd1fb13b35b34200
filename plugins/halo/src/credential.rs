//! `type: halo`: Halo's OAuth2 token endpoint, as Relay credential. The refresh token lives in
//! the store as `<credential>_refresh_token` and every rotation is handed back to Relay, which
//! stores it before the access token is used.

use std::collections::HashMap;
use std::sync::Mutex;

use relay_plugin_sdk::serde_json::{Map, Value, from_value};
use relay_plugin_sdk::{
    CredentialCall, CredentialValue, Error, Host, HttpRequest, HttpResponse, LoginCall, StoreEntry,
};
use serde::Deserialize;

use crate::HaloPlugin;
use crate::rate::DEFAULT_RETRIES;

/// The store entry (namespaced by Relay as `<credential>_refresh_token`).
const REFRESH_TOKEN: &str = "refresh_token";

/// Token endpoints found with `/api/AuthInfo`, by resource server.
pub type Discovered = Mutex<HashMap<String, String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
enum Grant {
    #[default]
    RefreshToken,
    ClientCredentials,
    Password,
}

#[derive(Debug, Deserialize)]
struct Options {
    auth_server: Option<String>,
    resource_server: Option<String>,
    tenant: Option<String>,
    client_id: String,
    #[serde(default)]
    grant: Grant,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
    max_retries: Option<u32>,
}

fn options(map: Map<String, Value>) -> Result<Options, Error> {
    from_value(Value::Object(map)).map_err(|e| Error::new(format!("invalid options: {e}")))
}

pub fn resolve(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    call: CredentialCall,
) -> Result<CredentialValue, Error> {
    let name = call.name.as_str();
    let o = options(call.options)?;
    let mut form = vec![pair("client_id", &o.client_id)];
    match o.grant {
        Grant::RefreshToken => {
            let Some(refresh) = host.store_get(REFRESH_TOKEN)?.filter(|t| !t.is_empty()) else {
                return Err(Error::new(format!(
                    "credential `{name}` has no refresh token yet: run `relay credential login {name}` or `relay credential set {name}_refresh_token`"
                )));
            };
            form.insert(0, pair("grant_type", "refresh_token"));
            form.push(pair("refresh_token", &refresh));
            if let Some(secret) = &o.client_secret {
                form.push(pair("client_secret", secret));
            }
        }
        Grant::ClientCredentials => {
            let Some(secret) = &o.client_secret else {
                return Err(Error::new(format!(
                    "credential `{name}` uses `grant: client_credentials` but has no `client_secret` (e.g. `client_secret: <<CREDENTIAL.{name}_client_secret>>`)"
                )));
            };
            form.insert(0, pair("grant_type", "client_credentials"));
            form.push(pair("client_secret", secret));
            form.push(pair("scope", o.scope.as_deref().unwrap_or("all")));
        }
        Grant::Password => {
            let (Some(user), Some(pass)) = (&o.username, &o.password) else {
                return Err(Error::new(format!(
                    "credential `{name}` uses `grant: password` but lacks `username` or `password`; or use the default refresh_token grant and `relay credential login {name}` once"
                )));
            };
            form.insert(0, pair("grant_type", "password"));
            form.push(pair("username", user));
            form.push(pair("password", pass));
            form.push(pair("scope", o.scope.as_deref().unwrap_or("all")));
        }
    }
    let body = token_request(plugin, host, name, &o, form)?;
    token_value(name, &body, o.grant == Grant::RefreshToken)
}

pub fn login(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    call: LoginCall,
) -> Result<CredentialValue, Error> {
    let name = call.name.as_str();
    let o = options(call.options)?;
    let mut form = vec![
        pair("grant_type", "password"),
        pair("client_id", &o.client_id),
        pair("username", &call.username),
        pair("password", &call.password),
        pair("scope", o.scope.as_deref().unwrap_or("all")),
    ];
    if let Some(secret) = &o.client_secret {
        form.push(pair("client_secret", secret));
    }
    let body = token_request(plugin, host, name, &o, form)?;
    let value = token_value(name, &body, true)?;
    if value.rotate.is_none() {
        return Err(Error::new(
            "Halo returned no refresh token: check that the API application's authentication method is \"Username and Password\"",
        ));
    }
    Ok(value)
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

/// Posts the form to the token endpoint and returns the JSON body of a 200.
fn token_request(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    name: &str,
    o: &Options,
    form: Vec<(String, String)>,
) -> Result<Map<String, Value>, Error> {
    let grant = form.first().map(|(_, g)| g.clone()).unwrap_or_default();
    let url = token_url(plugin, host, name, o)?;
    let mut request = HttpRequest::post(url.clone()).header("accept", "application/json");
    if let Some(t) = &o.tenant
        && !url.contains("tenant=")
    {
        request = request.query("tenant", t.clone());
    }
    let request = request.form(form);
    let what = format!("the token request of credential `{name}`");
    let response = plugin.limiter.send(
        host,
        &request,
        o.max_retries.unwrap_or(DEFAULT_RETRIES),
        &what,
    )?;
    let body = response.json().ok().and_then(|v| v.as_object().cloned());
    if response.status == 200 {
        return body.ok_or_else(|| {
            Error::new(format!(
                "{what} (POST {url}) returned HTTP 200 without a JSON object"
            ))
        });
    }
    Err(token_error(
        name,
        &grant,
        o,
        &url,
        &response,
        body.unwrap_or_default(),
    ))
}

/// The token endpoint: `<auth_server>/token`, or the one `GET <resource_server>/api/AuthInfo`
/// names (remembered for the process).
fn token_url(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    name: &str,
    o: &Options,
) -> Result<String, Error> {
    if let Some(auth) = &o.auth_server {
        return Ok(format!("{}/token", auth.trim().trim_end_matches('/')));
    }
    let Some(resource) = &o.resource_server else {
        return Err(Error::new(format!(
            "credential `{name}` needs `auth_server` (e.g. https://auth.haloservicedesk.com) or `resource_server` (e.g. https://acme.halopsa.com, to discover it)"
        )));
    };
    let base = api_base(resource);
    if let Some(url) = plugin
        .discovered
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&base)
    {
        return Ok(url.clone());
    }
    let info_url = format!("{base}/api/AuthInfo");
    let response =
        host.http(&HttpRequest::get(info_url.clone()).header("accept", "application/json"))?;
    let info = response.json().ok().filter(|_| response.status == 200).ok_or_else(|| {
        Error::new(format!(
            "GET {info_url} returned HTTP {}: is `resource_server` of credential `{name}` the tenant's URL (https://<tenant>.halopsa.com)?",
            response.status
        ))
    })?;
    let text = |k: &str| info.get(k).and_then(Value::as_str).map(str::to_owned);
    let url = text("token_url")
        .or_else(|| text("auth_url").map(|a| format!("{}/token", a.trim_end_matches('/'))))
        .ok_or_else(|| Error::new(format!("GET {info_url} names no `token_url` or `auth_url`; set `auth_server` on credential `{name}`")))?;
    host.info(&format!("discovered the token endpoint of {base}: {url}"));
    plugin
        .discovered
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(base, url.clone());
    Ok(url)
}

/// `https://acme.halopsa.com/api/` → `https://acme.halopsa.com`.
pub fn api_base(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    trimmed.strip_suffix("/api").unwrap_or(trimmed).to_owned()
}

/// The access token, its lifetime, and the rotated refresh token to store.
fn token_value(
    name: &str,
    body: &Map<String, Value>,
    rotate: bool,
) -> Result<CredentialValue, Error> {
    let access = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            let keys: Vec<&str> = body.keys().map(String::as_str).collect();
            Error::new(format!(
                "Halo's token response for credential `{name}` has no access_token (its keys: {})",
                keys.join(", ")
            ))
        })?;
    let expires_in = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let rotate = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|t| rotate && !t.is_empty())
        .map(|t| StoreEntry {
            name: REFRESH_TOKEN.to_owned(),
            value: t.to_owned(),
        });
    Ok(CredentialValue {
        value: access.to_owned(),
        expires_in,
        rotate,
    })
}

/// An error that names the cause and the fix.
fn token_error(
    name: &str,
    grant: &str,
    o: &Options,
    url: &str,
    response: &HttpResponse,
    body: Map<String, Value>,
) -> Error {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (code, description) = (text("error"), text("error_description"));
    let said = if description.is_empty() {
        code.clone()
    } else {
        format!("{code}: {description}")
    };
    let tenant = o.tenant.as_deref().unwrap_or("");
    let message = match code.as_str() {
        "invalid_tenant" => format!(
            "Halo does not know tenant `{tenant}` ({said}): check `tenant` of credential `{name}` (the first part of your Halo address, <tenant>.halopsa.com)"
        ),
        "invalid_client" => format!(
            "Halo refused the client of credential `{name}` ({said}): check `client_id`{} against the API application in Halo (Configuration → Integrations → Halo API)",
            if o.client_secret.is_some() {
                " and `client_secret`"
            } else {
                ""
            }
        ),
        "invalid_grant" if grant == "refresh_token" => format!(
            "credential `{name}` needs a new refresh token: run `relay credential login {name}` or `relay credential set {name}_refresh_token`"
        ),
        "invalid_grant" => {
            format!("Halo refused the username or password of credential `{name}` ({said})")
        }
        _ if response.status == 404 => format!(
            "the token endpoint of credential `{name}` (POST {url}) does not exist (HTTP 404): check `auth_server`{}",
            if tenant.is_empty() {
                ""
            } else {
                " and `tenant`"
            }
        ),
        _ => {
            let detail = if said.is_empty() {
                response.body.chars().take(200).collect::<String>()
            } else {
                said
            };
            format!(
                "the token request of credential `{name}` (POST {url}) returned HTTP {}: {detail}",
                response.status
            )
        }
    };
    Error::new(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use relay_plugin_sdk::serde_json::json;

    fn opts(v: Value) -> Options {
        options(v.as_object().cloned().unwrap_or_default()).expect("valid options")
    }

    fn response(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            headers: Default::default(),
            body: String::new(),
        }
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn grant_defaults_to_refresh_token() {
        assert_eq!(opts(json!({"client_id": "c"})).grant, Grant::RefreshToken);
        assert_eq!(
            opts(json!({"client_id": "c", "grant": "client_credentials"})).grant,
            Grant::ClientCredentials
        );
        assert!(
            options(body(json!({"grant": "password"}))).is_err(),
            "client_id is required"
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let o = opts(json!({"client_id": "c", "tenant": "nope", "client_secret": "s"}));
        let e = |status, b: Value, grant: &str| {
            token_error(
                "halo",
                grant,
                &o,
                "http://x/token",
                &response(status),
                body(b),
            )
            .to_string()
        };
        assert_eq!(
            e(
                400,
                json!({"error": "invalid_grant", "error_description": "used"}),
                "refresh_token"
            ),
            "credential `halo` needs a new refresh token: run `relay credential login halo` or `relay credential set halo_refresh_token`"
        );
        assert!(
            e(
                400,
                json!({"error": "invalid_tenant", "error_description": "unknown tenant 'nope'"}),
                "refresh_token"
            )
            .starts_with(
                "Halo does not know tenant `nope` (invalid_tenant: unknown tenant 'nope')"
            )
        );
        assert!(
            e(
                401,
                json!({"error": "invalid_client"}),
                "client_credentials"
            )
            .contains("check `client_id` and `client_secret`")
        );
        assert!(
            e(400, json!({"error": "invalid_grant"}), "password")
                .starts_with("Halo refused the username or password")
        );
        assert!(e(404, json!({}), "password").contains("does not exist (HTTP 404)"));
        assert!(e(500, json!({}), "password").ends_with("returned HTTP 500: "));
    }

    #[test]
    fn token_values_carry_expiry_and_rotation() {
        let v = token_value(
            "halo",
            &body(json!({"access_token": "a", "refresh_token": "r2", "expires_in": "3600"})),
            true,
        )
        .expect("ok");
        assert_eq!(v.value, "a");
        assert_eq!(v.expires_in, Some(3600.0));
        assert_eq!(
            v.rotate,
            Some(StoreEntry {
                name: "refresh_token".into(),
                value: "r2".into()
            })
        );
        let v = token_value(
            "halo",
            &body(json!({"access_token": "a", "refresh_token": "r2"})),
            false,
        )
        .expect("ok");
        assert_eq!(v.rotate, None, "client_credentials keeps nothing");
        let e = token_value("halo", &body(json!({"token": "a"})), true).unwrap_err();
        assert!(e.message().contains("its keys: token"), "{e}");
    }

    #[test]
    fn api_base_accepts_the_tenant_or_its_api_url() {
        assert_eq!(
            api_base("https://acme.halopsa.com/api/"),
            "https://acme.halopsa.com"
        );
        assert_eq!(
            api_base(" https://acme.halopsa.com "),
            "https://acme.halopsa.com"
        );
    }
}
