//! `type: oauth2`: the standard token endpoint grants (`client_credentials`, `refresh_token`,
//! `password`) without writing the request by hand. A returned refresh token is rotated into
//! the store entry the refresh token came from.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use minijinja::Value;
use url::Url;

use crate::engine::actions::http_request::line;
use crate::formula::{Compiled, Scope, compile, to_text};
use crate::http::form::encode_pairs;
use crate::http::method::Method;
use crate::http::response::DEFAULT_BODY_CAP;
use crate::http::retry::RetryPolicy;
use crate::http::{PreparedRequest, SendOptions};
use crate::yaml::{MapReader, Node, did_you_mean};

use super::provider::{
    BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, LoginOutcome, ResolveContext,
    Resolved, Rotation,
};
use super::secret::Secret;
use super::token::{TokenPath, endpoint_error, expiry, password_grant_error};

/// The `oauth2` credential type.
pub struct OAuth2Credential;

const GRANTS: &[&str] = &["client_credentials", "refresh_token", "password"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Grant {
    ClientCredentials,
    RefreshToken,
    Password,
}

#[derive(Debug)]
struct Provider {
    grant: Grant,
    token_url: Compiled,
    client_id: Option<Compiled>,
    client_secret: Option<Compiled>,
    refresh_token: Option<Compiled>,
    username: Option<Compiled>,
    password: Option<Compiled>,
    scope: Option<Compiled>,
    extra: Vec<(String, Compiled)>,
    basic: bool,
    /// The store entry a rotated refresh token goes into (and is read from first).
    refresh_into: String,
    reads: Vec<String>,
}

impl CredentialType for OAuth2Credential {
    fn name(&self) -> &str {
        "oauth2"
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "token_url",
            "grant_type",
            "client_id",
            "client_secret",
            "refresh_token",
            "username",
            "password",
            "scope",
            "extra",
            "auth_style",
        ]
    }

    fn plan(
        &self,
        r: &MapReader<'_>,
        cx: &mut CredentialPlanner<'_>,
    ) -> Option<Arc<dyn CredentialProvider>> {
        let name = cx.name.to_owned();
        // Every setting is checked before giving up, so `relay validate` reports all problems.
        let grant = match r.required_string(
            "grant_type",
            "add `grant_type:` (client_credentials, refresh_token or password)",
            cx.diags,
        ) {
            None => None,
            Some("client_credentials") => Some(Grant::ClientCredentials),
            Some("refresh_token") => Some(Grant::RefreshToken),
            Some("password") => Some(Grant::Password),
            Some(other) => {
                let s = did_you_mean(other, GRANTS.iter().copied());
                if let Some(at) = r.get("grant_type") {
                    cx.diags.push(
                        crate::diagnostic::Diagnostic::new(
                            cx.source,
                            at.location,
                            format!("unknown grant_type `{other}` in credential `{name}`"),
                        )
                        .with_suggestion(s.map(|s| format!("did you mean `{s}`?")))
                        .with_help(format!("grant types: {}", GRANTS.join(", "))),
                    );
                }
                None
            }
        };
        let basic = match r.string("auth_style", cx.diags) {
            None | Some("body") => Some(false),
            Some("basic") => Some(true),
            Some(other) => {
                if let Some(at) = r.get("auth_style") {
                    cx.diags.error(cx.source, at.location, format!("unknown auth_style `{other}` in credential `{name}`"), "use `body` (client id and secret in the form, the default) or `basic` (HTTP Basic)");
                }
                None
            }
        };
        let token_url = r
            .required(
                "token_url",
                "add `token_url:`, the token endpoint",
                cx.diags,
            )
            .and_then(|node| field(cx, node));
        let mut reads = Vec::new();
        let mut f =
            |key: &'static str, cx: &mut CredentialPlanner<'_>| -> Option<Option<Compiled>> {
                match r.get(key) {
                    None => Some(None),
                    Some(node) => {
                        let c = field(cx, node)?;
                        reads.extend(c.refs.credentials().into_iter().map(str::to_owned));
                        Some(Some(c))
                    }
                }
            };
        let client_id = f("client_id", cx);
        let client_secret = f("client_secret", cx);
        let refresh_token = f("refresh_token", cx);
        let username = f("username", cx);
        let password = f("password", cx);
        let scope = f("scope", cx);
        let mut extra = Some(Vec::new());
        if let Some(node) = r.get("extra") {
            match node.as_map() {
                None => {
                    r.type_error(
                        "extra",
                        node,
                        "a mapping of form field names to values",
                        cx.diags,
                    );
                    extra = None;
                }
                Some(entries) => {
                    for (k, v) in entries {
                        match field(cx, v) {
                            Some(c) => {
                                reads.extend(c.refs.credentials().into_iter().map(str::to_owned));
                                if let Some(extra) = &mut extra {
                                    extra.push((k.name.clone(), c));
                                }
                            }
                            None => extra = None,
                        }
                    }
                }
            }
        }
        let (
            Some(grant),
            Some(basic),
            Some(token_url),
            Some(client_id),
            Some(client_secret),
            Some(refresh_token),
            Some(username),
            Some(password),
            Some(scope),
            Some(extra),
        ) = (
            grant,
            basic,
            token_url,
            client_id,
            client_secret,
            refresh_token,
            username,
            password,
            scope,
            extra,
        )
        else {
            return None;
        };
        if grant == Grant::ClientCredentials && (client_id.is_none() || client_secret.is_none()) {
            cx.diags.error(cx.source, r.node().location, format!("credential `{name}` (client_credentials) needs `client_id` and `client_secret`"), "add both; put the secret in another credential: `client_secret: <<CREDENTIAL.my_secret>>`");
            return None;
        }
        if grant == Grant::Password && (username.is_none() || password.is_none()) {
            cx.diags.error(cx.source, r.node().location, format!("credential `{name}` (password grant) needs `username` and `password`"), "add both, or use `grant_type: refresh_token` and `relay credential login` to log in once");
            return None;
        }
        // A refresh token read from another credential rotates into that credential's store
        // entry; otherwise into `<name>_refresh_token`.
        let refresh_into = refresh_token
            .as_ref()
            .and_then(|c| {
                let creds = c.refs.credentials();
                (creds.len() == 1)
                    .then(|| creds.into_iter().next().map(str::to_owned))
                    .flatten()
            })
            .unwrap_or_else(|| format!("{name}_refresh_token"));
        reads.sort();
        reads.dedup();
        Some(Arc::new(Provider {
            grant,
            token_url,
            client_id,
            client_secret,
            refresh_token,
            username,
            password,
            scope,
            extra,
            basic,
            refresh_into,
            reads,
        }))
    }
}

fn field(cx: &mut CredentialPlanner<'_>, node: &Node) -> Option<Compiled> {
    match compile(cx.source, node) {
        Ok(c) => {
            for r in &c.refs.paths {
                if !matches!(r.root(), "RESOURCE" | "CREDENTIAL") {
                    cx.diags.error(cx.source, r.location, format!("credential `{}` reads `{}`; an oauth2 definition can only read `RESOURCE` and `CREDENTIAL`", cx.name, r.path), "use a resource for configurable values");
                    return None;
                }
            }
            Some(c)
        }
        Err(errors) => {
            for (location, e) in errors {
                cx.diags.error(
                    cx.source,
                    location,
                    format!("{} (credential `{}`)", e.message, cx.name),
                    e.help,
                );
            }
            None
        }
    }
}

impl Provider {
    fn render(&self, c: &Compiled, scope: &Scope) -> Result<String, String> {
        to_text(&c.render(scope).map_err(|e| e.to_string())?)
    }

    /// The token request for `grant`, with `extra_fields` (login's username/password).
    async fn request(
        &self,
        cx: &ResolveContext<'_>,
        grant: Grant,
        login: Option<(&Secret, &Secret)>,
    ) -> Result<Value, String> {
        let scope = cx.scope_reading(&self.reads).await?;
        let url_text = self.render(&self.token_url, &scope)?;
        let url = Url::parse(url_text.trim())
            .map_err(|e| format!("`token_url` `{url_text}` is not a URL: {e}"))?;
        for name in &self.reads {
            cx.credentials
                .check_allowed(name, &url)
                .map_err(|e| e.to_string())?;
        }
        let mut form: Vec<(String, String)> = vec![(
            "grant_type".into(),
            match grant {
                Grant::ClientCredentials => "client_credentials",
                Grant::RefreshToken => "refresh_token",
                Grant::Password => "password",
            }
            .into(),
        )];
        let client_id = self
            .client_id
            .as_ref()
            .map(|c| self.render(c, &scope))
            .transpose()?;
        let client_secret = self
            .client_secret
            .as_ref()
            .map(|c| self.render(c, &scope))
            .transpose()?;
        if let Some(secret) = &client_secret {
            cx.credentials
                .redactor()
                .register(&format!("{} client_secret", cx.name), secret);
        }
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if self.basic {
            let pair = format!(
                "{}:{}",
                client_id.clone().unwrap_or_default(),
                client_secret.clone().unwrap_or_default()
            );
            headers.push((
                "authorization".into(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ),
            ));
        } else {
            if let Some(id) = &client_id {
                form.push(("client_id".into(), id.clone()));
            }
            if let Some(secret) = &client_secret {
                form.push(("client_secret".into(), secret.clone()));
            }
        }
        match grant {
            Grant::RefreshToken => form.push((
                "refresh_token".into(),
                self.current_refresh_token(cx, &scope).await?,
            )),
            Grant::Password => {
                let (user, pass) = match login {
                    Some((u, p)) => (u.expose().to_owned(), p.expose().to_owned()),
                    None => (
                        self.username
                            .as_ref()
                            .map(|c| self.render(c, &scope))
                            .transpose()?
                            .unwrap_or_default(),
                        self.password
                            .as_ref()
                            .map(|c| self.render(c, &scope))
                            .transpose()?
                            .unwrap_or_default(),
                    ),
                };
                form.push(("username".into(), user));
                form.push(("password".into(), pass));
            }
            Grant::ClientCredentials => {}
        }
        if let Some(scope_c) = &self.scope {
            form.push(("scope".into(), self.render(scope_c, &scope)?));
        }
        for (k, c) in &self.extra {
            form.push((k.clone(), self.render(c, &scope)?));
        }
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        headers.push((
            "user-agent".into(),
            concat!("relay/", env!("CARGO_PKG_VERSION")).into(),
        ));
        let request = PreparedRequest {
            method: Method::Post,
            url,
            headers,
            body: Some(encode_pairs(&form).into_bytes().into()),
        };
        let retry = RetryPolicy::default();
        let reads = &self.reads;
        let credentials = cx.credentials;
        // The form carries the client secret and refresh token: a token request never follows
        // a redirect to another origin unless every credential it read is allowed there.
        let allow = |target: &Url| -> Result<(), String> {
            if reads.is_empty() {
                return Err(format!(
                    "the token endpoint redirected to `{target}`, another origin; token requests are not sent elsewhere"
                ));
            }
            for name in reads {
                credentials
                    .check_allowed(name, target)
                    .map_err(|e| format!("redirect to `{target}` refused: {e}"))?;
            }
            Ok(())
        };
        let options = SendOptions {
            timeout: Duration::from_secs(30),
            retry: &retry,
            follow_redirects: true,
            verify_tls: true,
            body_cap: DEFAULT_BODY_CAP,
            carries_credentials: true,
            allow_redirect: &allow,
        };
        let exchange = cx
            .credentials
            .http()
            .send(&request, &options)
            .await
            .map_err(|e| format!("{}: {e}", line(&request)))?;
        let result = crate::engine::actions::http_request::result_value(&exchange);
        if exchange.status >= 400 && grant == Grant::Password {
            // A password grant (a login, or a `password` credential): `invalid_grant` is a
            // refused password, not a refresh token to replace.
            return Err(password_grant_error(
                cx.name,
                &line(&request),
                exchange.status,
                &result,
            ));
        }
        if exchange.status >= 400 {
            let hint = format!(
                "run `relay credential login {}` or `relay credential set {}`",
                cx.name, self.refresh_into
            );
            return Err(endpoint_error(
                cx.name,
                &line(&request),
                exchange.status,
                &result,
                &hint,
            ));
        }
        Ok(result)
    }

    /// The rotated refresh token in the store wins over the one in the definition.
    async fn current_refresh_token(
        &self,
        cx: &ResolveContext<'_>,
        scope: &Scope,
    ) -> Result<String, String> {
        if let Ok(store) = cx.store().await {
            if let Ok(Some(bytes)) = store.get_secret(&self.refresh_into).await {
                if let Ok(text) = String::from_utf8(bytes.to_vec()) {
                    if !text.is_empty() {
                        cx.credentials
                            .redactor()
                            .register(&self.refresh_into, &text);
                        return Ok(text);
                    }
                }
            }
        }
        match &self.refresh_token {
            Some(c) => self.render(c, scope),
            None => Err(format!(
                "no refresh token: the encrypted store has no `{}`; run `relay credential login {}` or `relay credential set {}`",
                self.refresh_into, cx.name, self.refresh_into
            )),
        }
    }

    fn outcome(
        &self,
        result: &Value,
        name: &str,
    ) -> Result<(Secret, Option<SystemTime>, Option<Rotation>), String> {
        let path = TokenPath::parse("body.access_token", name)?;
        let token = Secret::new(path.text_in(result)?);
        let expires = expiry(result, None, SystemTime::now());
        Ok((token, expires, self.rotation(result, name)))
    }

    /// The new refresh token in a token response, if it has one.
    fn rotation(&self, result: &Value, name: &str) -> Option<Rotation> {
        TokenPath::parse("body.refresh_token", name)
            .ok()?
            .find(result)
            .and_then(|v| to_text(&v).ok())
            .filter(|v| !v.is_empty())
            .map(|v| Rotation {
                into: self.refresh_into.clone(),
                value: Secret::new(v),
            })
    }
}

impl CredentialProvider for Provider {
    fn resolve<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Resolved, String>> {
        Box::pin(async move {
            let result = self.request(cx, self.grant, None).await?;
            let (value, expires_at, rotation) = match self.outcome(&result, cx.name) {
                Ok(outcome) => outcome,
                // The endpoint may have rotated already: keep its new refresh token.
                Err(e) => {
                    let rotation = self.rotation(&result, cx.name);
                    return Err(cx.credentials.keep_rotation(rotation.as_ref(), e).await);
                }
            };
            Ok(Resolved {
                value,
                expires_at,
                rotation,
            })
        })
    }

    fn login<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
        username: &'a Secret,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<LoginOutcome, String>> {
        Box::pin(async move {
            let result = self
                .request(cx, Grant::Password, Some((username, password)))
                .await?;
            let (token, expires, rotation) = self.outcome(&result, cx.name)?;
            let rotation = rotation.ok_or("the password grant returned no refresh_token")?;
            Ok(LoginOutcome {
                rotation,
                token: expires.map(|e| (token, e)),
            })
        })
    }

    fn reads(&self) -> Vec<String> {
        self.reads.clone()
    }

    fn refreshable(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        let grant = match self.grant {
            Grant::ClientCredentials => "client_credentials",
            Grant::RefreshToken => "refresh_token",
            Grant::Password => "password",
        };
        format!("oauth2 {grant} grant")
    }
}
