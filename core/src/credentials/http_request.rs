//! `type: http_request`: the Tines "HTTP Request" credential. Any `http_request` options make
//! the token request; `token` says where the value is in the answer; `rotate` stores a new
//! refresh token; `login` is the one-off password grant (`relay credential login`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use minijinja::Value;

use crate::diagnostic::Diagnostic;
use crate::engine::actions::http_request::{HttpRequest, RequestEnv, line, result_value};
use crate::formula::{Scope, to_text};
use crate::plan::{OptionPlanner, OptionRef};
use crate::yaml::{MapReader, Node, NodeValue, did_you_mean};

use super::provider::{
    BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, LoginOutcome, ResolveContext,
    Resolved, Rotation,
};
use super::secret::Secret;
use super::token::{TokenPath, endpoint_error, expiry, password_grant_error};

/// The `http_request` credential type.
pub struct HttpRequestCredential;

#[derive(Debug)]
struct Provider {
    request: HttpRequest,
    token: TokenPath,
    ttl: Option<Duration>,
    rotate: Option<(TokenPath, String)>,
    login: Option<HttpRequest>,
    reads: Vec<String>,
}

impl CredentialType for HttpRequestCredential {
    fn name(&self) -> &str {
        "http_request"
    }

    fn keys(&self) -> &'static [&'static str] {
        &["options", "token", "ttl", "rotate", "login"]
    }

    fn plan(
        &self,
        r: &MapReader<'_>,
        cx: &mut CredentialPlanner<'_>,
    ) -> Option<Arc<dyn CredentialProvider>> {
        let name = cx.name;
        let options = r.required(
            "options",
            "add `options:` with the token request (`url`, `method`, `payload`, …)",
            cx.diags,
        );
        let token_node = r.required("token", &format!("add `token:`, the path of the value in the response, e.g. `{name}.body.access_token`"), cx.diags);
        let ttl = r.seconds("ttl", cx.diags).map(Duration::from_secs_f64);
        let request = options.and_then(|node| plan_request(cx, node, "options", false));
        let token = token_node.and_then(|node| token_path(cx, node, name));
        let rotate = match r.get("rotate") {
            None => None,
            Some(node) => Some(plan_rotate(cx, node)?),
        };
        let login = match r.get("login") {
            None => None,
            Some(node) => {
                let lr = MapReader::new(
                    cx.source,
                    node,
                    format!("`login` of credential `{name}`"),
                    &["options"],
                    cx.diags,
                )?;
                let lo = lr.required(
                    "options",
                    "add `options:` with the password-grant request",
                    cx.diags,
                )?;
                Some(plan_request(cx, lo, "login.options", true)?)
            }
        };
        if login.is_some() && rotate.is_none() {
            cx.diags.error(
                cx.source,
                r.get("login")?.location,
                format!("credential `{name}` has `login` but no `rotate`, so a login would have nowhere to store its refresh token"),
                format!("add `rotate: {{from: {name}.body.refresh_token, into: {name}_refresh_token}}`"),
            );
            return None;
        }
        let (request, token) = (request?, token?);
        let reads = request.credentials.clone();
        Some(Arc::new(Provider {
            request,
            token,
            ttl,
            rotate,
            login,
            reads,
        }))
    }
}

fn token_path(cx: &mut CredentialPlanner<'_>, node: &Node, name: &str) -> Option<TokenPath> {
    let Some(text) = node.as_str() else {
        cx.diags.error(
            cx.source,
            node.location,
            format!(
                "`token` of credential `{name}` must be a path such as `{name}.body.access_token`"
            ),
            "write the path as text",
        );
        return None;
    };
    match TokenPath::parse(text, name) {
        Ok(p) => Some(p),
        Err(e) => {
            cx.diags.error(
                cx.source,
                node.location,
                format!("`token` of credential `{name}`: {e}"),
                format!("e.g. `token: {name}.body.access_token`"),
            );
            None
        }
    }
}

fn plan_rotate(cx: &mut CredentialPlanner<'_>, node: &Node) -> Option<(TokenPath, String)> {
    let name = cx.name;
    let r = MapReader::new(
        cx.source,
        node,
        format!("`rotate` of credential `{name}`"),
        &["from", "into"],
        cx.diags,
    )?;
    let from = r.required(
        "from",
        &format!("add `from: {name}.body.refresh_token`"),
        cx.diags,
    );
    let into = r.required_string("into", "add `into:`, the name of the `text` credential (in the encrypted store) that holds the refresh token", cx.diags);
    let from = token_path(cx, from?, name)?;
    let into = into?.to_owned();
    if !cx.credentials.iter().any(|c| c == &into) {
        let suggestion = did_you_mean(&into, cx.credentials.iter().map(String::as_str));
        cx.diags.push(
            Diagnostic::new(cx.source, r.get("into")?.location, format!("`rotate.into` of credential `{name}` names `{into}`, which is not a credential in relay.yaml"))
                .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                .with_help(format!("define it: `{into}: {{type: text, allowed_hosts: [<token host>]}}` (no value: it lives in the encrypted store)")),
        );
        return None;
    }
    Some((from, into))
}

/// Plans `http_request` options for a credential and checks what their formulas read: only
/// `RESOURCE`, `CREDENTIAL` and (in `login`) `LOGIN` exist here.
fn plan_request(
    cx: &mut CredentialPlanner<'_>,
    node: &Node,
    option: &str,
    login: bool,
) -> Option<HttpRequest> {
    let json_options;
    let node = match &node.value {
        NodeValue::Str(json) => match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v @ serde_json::Value::Object(_)) => {
                json_options = Node::from_json(&v, node.location);
                &json_options
            }
            _ => {
                cx.diags.error(
                    cx.source,
                    node.location,
                    format!(
                        "`{option}` of credential `{}` is a string that is not a JSON object",
                        cx.name
                    ),
                    "write the options as a mapping",
                );
                return None;
            }
        },
        _ => node,
    };
    let label = format!("{}/{option}", cx.name);
    let mut p = OptionPlanner::new(cx.source, cx.diags, node, &label);
    let request = HttpRequest::plan(&mut p);
    let refs: Vec<OptionRef> = std::mem::take(&mut p.refs);
    let before = cx.diags.len();
    for r in refs {
        check_ref(cx, &r, option, login);
    }
    if cx.diags.len() > before {
        None
    } else {
        request
    }
}

fn check_ref(cx: &mut CredentialPlanner<'_>, r: &OptionRef, option: &str, login: bool) {
    let mut parts = r.path.split('.');
    let root = parts.next().unwrap_or_default();
    let name = parts.next();
    let what = format!("`{option}.{}` of credential `{}`", r.option, cx.name);
    match (root, name) {
        ("RESOURCE", Some(n)) if !cx.resources.iter().any(|x| x == n) => {
            let suggestion = did_you_mean(n, cx.resources.iter().map(String::as_str));
            cx.diags.push(
                Diagnostic::new(cx.source, r.location, format!("resource `{n}` ({what}) is not defined in relay.yaml"))
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help("add it under `resources:` in relay.yaml"),
            );
        }
        ("RESOURCE", _) => {}
        ("CREDENTIAL", Some(n)) => {
            if !r.credentials_allowed {
                cx.diags.error(cx.source, r.location, format!("`<<CREDENTIAL.{n}>>` cannot be used in {what}"), "credentials may only appear in `url`, `headers`, `payload` and `basic_auth`");
            } else if !cx.credentials.iter().any(|x| x == n) {
                let suggestion = did_you_mean(n, cx.credentials.iter().map(String::as_str));
                cx.diags.push(
                    Diagnostic::new(cx.source, r.location, format!("credential `{n}` ({what}) is not defined in relay.yaml"))
                        .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                        .with_help("define it under `credentials:`"),
                );
            }
        }
        ("LOGIN", Some("username" | "password")) if login => {}
        ("LOGIN", _) if login => cx.diags.error(cx.source, r.location, format!("{what} reads `{}`; only `LOGIN.username` and `LOGIN.password` exist", r.path), "use `<<LOGIN.username>>` or `<<LOGIN.password>>`"),
        ("LOGIN", _) => cx.diags.error(cx.source, r.location, format!("{what} reads `LOGIN`, which exists only in `login.options`"), "move the password grant under `login: {options: …}`"),
        _ => cx.diags.error(
            cx.source,
            r.location,
            format!("{what} reads `{}`; a credential definition can only read `RESOURCE`, `CREDENTIAL` (and `LOGIN` in `login`)", r.path),
            "credentials have no event; use a resource for configurable values",
        ),
    }
}

impl Provider {
    fn login_hint(&self, name: &str) -> String {
        match (&self.login, &self.rotate) {
            (Some(_), Some((_, into))) => {
                format!("run `relay credential login {name}` or `relay credential set {into}`")
            }
            (None, Some((_, into))) => {
                format!("run `relay credential set {into}` with a new refresh token")
            }
            _ => format!("check the definition of `{name}` in relay.yaml"),
        }
    }

    /// Sends `request` and returns its `{status, headers, body}`, failing on an error status.
    async fn fetch(
        &self,
        cx: &ResolveContext<'_>,
        request: &HttpRequest,
        login: Option<Value>,
    ) -> Result<Value, String> {
        let mut scope = Scope {
            resources: cx.credentials.resources().clone(),
            ..Scope::default()
        };
        let is_login = login.is_some();
        if let Some(l) = login {
            scope.extra.push(("LOGIN", l));
        }
        let env = RequestEnv {
            http: cx.credentials.http(),
            credentials: cx.credentials,
            dry_run: false,
        };
        let (rendered, exchange) = request
            .perform(&env, &mut scope)
            .await
            .map_err(|f| f.message)?;
        let result = result_value(&exchange);
        if rendered.log_error.contains(exchange.status) && is_login {
            // The login's password grant: `invalid_grant` is a refused password there.
            return Err(password_grant_error(
                cx.name,
                &line(&rendered.request),
                exchange.status,
                &result,
            ));
        }
        if rendered.log_error.contains(exchange.status) {
            return Err(endpoint_error(
                cx.name,
                &line(&rendered.request),
                exchange.status,
                &result,
                &self.login_hint(cx.name),
            ));
        }
        Ok(result)
    }

    fn rotation(&self, result: &Value) -> Option<Rotation> {
        let (from, into) = self.rotate.as_ref()?;
        let value = from
            .find(result)
            .and_then(|v| to_text(&v).ok())
            .filter(|v| !v.is_empty())?;
        Some(Rotation {
            into: into.clone(),
            value: Secret::new(value),
        })
    }
}

impl CredentialProvider for Provider {
    fn resolve<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Resolved, String>> {
        Box::pin(async move {
            let result = self.fetch(cx, &self.request, None).await?;
            let rotation = self.rotation(&result);
            let value = match self.token.text_in(&result) {
                Ok(text) => Secret::new(text),
                // The provider may have rotated already: losing its new refresh token here
                // would leave none that works once `token` is fixed.
                Err(e) => return Err(cx.credentials.keep_rotation(rotation.as_ref(), e).await),
            };
            Ok(Resolved {
                value,
                expires_at: expiry(&result, self.ttl, SystemTime::now()),
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
            let Some(login) = &self.login else {
                return Err(format!(
                    "credential `{}` has no `login:` in relay.yaml; add one with the password-grant request",
                    cx.name
                ));
            };
            let fields = Value::from_pairs([
                ("username", Value::from(username.expose())),
                ("password", Value::from(password.expose())),
            ]);
            let result = self.fetch(cx, login, Some(fields)).await?;
            let from = self
                .rotate
                .as_ref()
                .map(|(f, _)| f.text.clone())
                .unwrap_or_default();
            let rotation = self
                .rotation(&result)
                .ok_or_else(|| format!("the login response has no refresh token at `{from}`"))?;
            let token = self
                .token
                .text_in(&result)
                .ok()
                .zip(expiry(&result, self.ttl, SystemTime::now()))
                .map(|(t, e)| (Secret::new(t), e));
            Ok(LoginOutcome { rotation, token })
        })
    }

    fn reads(&self) -> Vec<String> {
        self.reads.clone()
    }

    fn refreshable(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        let mut s = format!("token at {}", self.token.text);
        if let Some((_, into)) = &self.rotate {
            s.push_str(&format!(", rotates into {into}"));
        }
        if self.login.is_some() {
            s.push_str(", has login");
        }
        s
    }
}
