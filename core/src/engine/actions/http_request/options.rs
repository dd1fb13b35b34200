//! Planning the options of an `http_request` action.

use std::sync::Arc;
use std::time::Duration;

use minijinja::Value;

use super::pagination::Pagination;
use crate::diagnostic::Diagnostic;
use crate::engine::{Action, ActionType};
use crate::formula::{Compiled, to_text};
use crate::http::body::BodyKind;
use crate::http::method::Method;
use crate::http::retry::{MAX_RETRIES_LIMIT, RetryConfigError, RetryPolicy};
use crate::http::status_set::StatusSet;
use crate::plan::OptionPlanner;
use crate::yaml::{Node, did_you_mean};

/// The `content_type` shorthands, for "did you mean".
const CONTENT_TYPES: &[&str] = &["json", "form", "xml", "data", "text"];
const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// The options `http_request` reads (the Tines importer keeps the others aside).
pub(crate) const KEYS: &[&str] = &[
    "url",
    "method",
    "content_type",
    "payload",
    "headers",
    "basic_auth",
    "timeout",
    "retry_on_status",
    "max_retries",
    "log_error_on_status",
    "disable_ssl_verification",
    "disable_redirect_follow",
    "user_agent",
    "customize_output",
    "pagination",
];

/// The default `timeout`, in seconds.
const DEFAULT_TIMEOUT: f64 = 30.0;

pub struct HttpRequestType;

/// A planned `http_request` action.
#[derive(Debug)]
pub struct HttpRequest {
    pub url: Compiled,
    pub method: Setting<Method>,
    pub content_type: Option<Compiled>,
    pub payload: Option<Compiled>,
    pub headers: Option<Compiled>,
    pub basic_auth: Option<Compiled>,
    pub timeout: Setting<Duration>,
    pub retry: Setting<RetryPolicy>,
    pub log_error: Setting<StatusSet>,
    pub verify_tls: bool,
    pub follow_redirects: bool,
    pub user_agent: Option<Compiled>,
    pub customize_output: Option<Compiled>,
    pub pagination: Option<Pagination>,
    /// The last URL text parsed and its parse: most actions render the same URL for every
    /// event, and parsing (with IDNA) is a visible part of a request's cost.
    pub url_cache: std::sync::Mutex<Option<(String, url::Url)>>,
    /// The URL (as rendered) with a constant query payload appended, by URL text.
    pub query_cache: std::sync::Mutex<Option<(String, url::Url)>>,
    /// The last final URL every credential of the request was allowed to go to.
    pub hosts_passed: std::sync::Mutex<Option<String>>,
    /// `CREDENTIAL` as last built, with the secrets it holds: reused while they are the same.
    pub credential_cache:
        std::sync::Mutex<Option<(Vec<crate::credentials::Secret>, minijinja::Value)>>,
    /// Credentials its `url`, `headers`, `payload` and `basic_auth` read.
    pub credentials: Vec<String>,
    /// Set when the request it renders depends only on resources and credentials, not on the
    /// event: then the last rendering is kept, by the values it was rendered from.
    pub render_cache: Option<std::sync::Mutex<Option<super::execute::RenderedFrom>>>,
}

/// An option known at plan time, or a formula checked per execution.
#[derive(Debug)]
pub enum Setting<T> {
    Fixed(T),
    Formula(Compiled),
}

impl ActionType for HttpRequestType {
    fn name(&self) -> &str {
        "http_request"
    }

    fn plan(&self, p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
        HttpRequest::plan(p).map(|a| Arc::new(a) as Arc<dyn Action>)
    }
}

impl HttpRequest {
    /// Reads and compiles `http_request` options (also used by `http_request` credentials).
    pub fn plan(p: &mut OptionPlanner<'_>) -> Option<HttpRequest> {
        let r = p.reader(KEYS)?;
        let mut ok = true;
        let url_node = r.required("url", "add `url:`, an absolute http(s) URL", p.diags);
        let method_node = r.required("method", "add `method:` (get, post, put, patch, delete, head or options); Relay has no silent default", p.diags);
        let url = url_node.and_then(|n| p.formula(n, "url", true));
        if let (Some(url), Some(node)) = (&url, url_node) {
            ok &= check_url(p, url, node);
        }
        let method = method_node.and_then(|n| {
            setting(p, n, "method", |v| {
                let text = to_text(v)?;
                Method::parse(&text).map_err(|e| e.to_string())
            })
        });
        let content_type = r
            .get("content_type")
            .and_then(|n| p.formula(n, "content_type", false));
        if let Some(ct) = content_type.as_ref().and_then(Compiled::as_constant) {
            let text = to_text(ct).unwrap_or_default();
            if let Err(e) = BodyKind::parse(Some(&text)) {
                let suggestion = did_you_mean(&text, CONTENT_TYPES.iter().copied());
                p.diags.push(
                    Diagnostic::new(
                        p.source,
                        r.get("content_type")?.location,
                        format!("option `content_type` of action `{}`: {e}", p.slug),
                    )
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help("`json`, `form`, `xml`, `data` (multipart) and `text` are shorthands; anything else must be a MIME type such as `application/vnd.api+json`"),
                );
                ok = false;
            }
        }
        let payload = r.get("payload").and_then(|n| p.formula(n, "payload", true));
        let headers = r.get("headers").and_then(|n| {
            if n.as_map().is_none() && n.as_str().is_none() {
                r.type_error("headers", n, "a mapping of header names to values", p.diags);
                return None;
            }
            p.formula(n, "headers", true)
        });
        let basic_auth = r.get("basic_auth").and_then(|n| {
            let compiled = p.formula(n, "basic_auth", true)?;
            // A literal pair is checked now rather than on the first run.
            if let Some(value) = compiled.as_constant() {
                if super::execute::basic_auth_parts(value).is_err() {
                    let message = format!("option `basic_auth` of action `{}` must be \"user:password\" or [user, password]", p.slug);
                    p.error(n.location, message, "e.g. `basic_auth: \"svc-user:<<CREDENTIAL.password>>\"` or `basic_auth: [svc-user, \"<<CREDENTIAL.password>>\"]`");
                    return None;
                }
            }
            Some(compiled)
        });
        let timeout = match r.get("timeout") {
            Some(n) => setting(p, n, "timeout", |v| seconds(v)),
            None => Some(Setting::Fixed(Duration::from_secs_f64(DEFAULT_TIMEOUT))),
        };
        let retry = {
            let on = r.get("retry_on_status");
            let max = r.get("max_retries");
            let on_c = on.and_then(|n| p.formula(n, "retry_on_status", false));
            let max_c = max.and_then(|n| p.formula(n, "max_retries", false));
            match (&on_c, &max_c) {
                (Some(c), _) | (_, Some(c)) if !c.is_constant() => {
                    Some(Setting::Formula(retry_formula(on_c.clone(), max_c.clone())))
                }
                _ => match RetryPolicy::from_options(
                    on_c.as_ref().and_then(Compiled::as_constant),
                    max_c.as_ref().and_then(Compiled::as_constant),
                ) {
                    Ok(policy) => Some(Setting::Fixed(policy)),
                    Err(RetryConfigError::Status(e)) => {
                        let at = on.map(|n| bad_status(n).location).unwrap_or(p.anchor);
                        p.error(
                            at,
                            format!("option `retry_on_status` of action `{}`: {e}", p.slug),
                            option_help("retry_on_status"),
                        );
                        None
                    }
                    Err(RetryConfigError::MaxRetries(given)) => {
                        let at = max.map(|n| n.location).unwrap_or(p.anchor);
                        p.error(
                            at,
                            format!(
                                "option `max_retries` of action `{}` is `{given}`; it must be a whole number from 0 to {MAX_RETRIES_LIMIT}",
                                p.slug
                            ),
                            option_help("max_retries"),
                        );
                        None
                    }
                },
            }
        };
        let log_error = match r.get("log_error_on_status") {
            Some(n) => setting(p, n, "log_error_on_status", |v| {
                StatusSet::from_option(v).map_err(|e| e.to_string())
            }),
            None => Some(Setting::Fixed(StatusSet::default_log_error())),
        };
        let verify_tls = !r.bool("disable_ssl_verification", p.diags).unwrap_or(false);
        let follow_redirects = !r.bool("disable_redirect_follow", p.diags).unwrap_or(false);
        let user_agent = r
            .get("user_agent")
            .and_then(|n| p.formula(n, "user_agent", false));
        let customize_output = r
            .get("customize_output")
            .and_then(|n| p.formula_with_root(n, "customize_output", "response"));
        let pagination = match r.get("pagination") {
            Some(node) => match Pagination::plan(p, node) {
                Some(pg) => Some(pg),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let credentials = p.credentials();
        let (Some(url), Some(method), Some(timeout), Some(retry), Some(log_error)) =
            (url, method, timeout, retry, log_error)
        else {
            return None;
        };
        if !ok {
            return None;
        }
        let alike = |c: &Compiled| c.reads_only(&["RESOURCE", "CREDENTIAL"]);
        let renders_alike = pagination.is_none()
            && alike(&url)
            && [&content_type, &payload, &headers, &basic_auth, &user_agent]
                .iter()
                .all(|c| c.as_ref().is_none_or(alike))
            && matches!(method, Setting::Fixed(_))
            && matches!(timeout, Setting::Fixed(_))
            && matches!(retry, Setting::Fixed(_))
            && matches!(log_error, Setting::Fixed(_));
        Some(HttpRequest {
            url,
            method,
            content_type,
            payload,
            headers,
            basic_auth,
            timeout,
            retry,
            log_error,
            verify_tls,
            follow_redirects,
            user_agent,
            customize_output,
            pagination,
            url_cache: std::sync::Mutex::new(None),
            query_cache: std::sync::Mutex::new(None),
            hosts_passed: std::sync::Mutex::new(None),
            credential_cache: std::sync::Mutex::new(None),
            credentials,
            render_cache: renders_alike.then(|| std::sync::Mutex::new(None)),
        })
    }
}

/// Compiles a setting, checking it now when it has no formula.
fn setting<T>(
    p: &mut OptionPlanner<'_>,
    node: &Node,
    option: &str,
    parse: impl Fn(&Value) -> Result<T, String>,
) -> Option<Setting<T>> {
    let compiled = p.formula(node, option, false)?;
    match compiled.as_constant() {
        Some(v) => match parse(v) {
            Ok(t) => Some(Setting::Fixed(t)),
            Err(e) => {
                let at = match option {
                    "log_error_on_status" => bad_status(node).location,
                    _ => node.location,
                };
                let suggestion = match (option, v.as_str()) {
                    ("method", Some(m)) => did_you_mean(m, METHODS.iter().copied()),
                    _ => None,
                };
                p.diags.push(
                    Diagnostic::new(
                        p.source,
                        at,
                        format!("option `{option}` of action `{}`: {e}", p.slug),
                    )
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help(option_help(option)),
                );
                None
            }
        },
        None => Some(Setting::Formula(compiled)),
    }
}

fn option_help(option: &str) -> &'static str {
    match option {
        "method" => "write the HTTP method, e.g. `method: get` to read or `method: post` to create",
        "timeout" => "give a number of seconds greater than 0, e.g. `timeout: 10`",
        "log_error_on_status" => {
            "write a list of statuses or classes, e.g. [\"4xx\", \"5xx\", \"0\"]; `[]` never fails on status"
        }
        "retry_on_status" => {
            "write a list of statuses or classes, e.g. [\"429\", \"5xx\", \"0\"] (\"0\" is a transport error or timeout)"
        }
        "max_retries" => {
            "use at most 25: with the backoff capped at 60 s, 25 retries already wait up to 20 minutes"
        }
        _ => "check the option's value against the documentation",
    }
}

/// The first entry of a status list that is not a status, class or `0` (the list itself when
/// no single entry is to blame).
fn bad_status(node: &Node) -> &Node {
    node.as_seq()
        .and_then(|items| {
            items
                .iter()
                .find(|item| StatusSet::parse(&[item.to_value()]).is_err())
        })
        .unwrap_or(node)
}

pub fn seconds(v: &Value) -> Result<Duration, String> {
    let n = match v.as_str() {
        Some(s) => s.trim().parse::<f64>().ok(),
        None => f64::try_from(v.clone()).ok(),
    };
    match n {
        Some(n) if n > 0.0 && n.is_finite() && n <= 86_400.0 => Ok(Duration::from_secs_f64(n)),
        _ => Err(format!(
            "`{}` is not a number of seconds greater than 0 and at most 86400 (a day)",
            to_text(v).unwrap_or_default()
        )),
    }
}

/// Both retry options in one formula setting (rendered together per execution).
fn retry_formula(on: Option<Compiled>, max: Option<Compiled>) -> Compiled {
    let mut pairs = Vec::new();
    if let Some(on) = on {
        pairs.push(("retry_on_status", on));
    }
    if let Some(max) = max {
        pairs.push(("max_retries", max));
    }
    Compiled::map(pairs)
}

/// Catches the URL mistakes that can be seen before running: a missing `:` or `/` after the
/// scheme (the Tines guide's own `https//YourResourceServer/api/Tickets`), a relative URL, a
/// scheme other than http(s).
fn check_url(p: &mut OptionPlanner<'_>, url: &Compiled, node: &Node) -> bool {
    let Some(lead) = url.leading_text() else {
        return true;
    };
    let lower = lead.to_ascii_lowercase();
    for scheme in ["https", "http"] {
        if let Some(rest) = lower.strip_prefix(scheme) {
            let original = &lead[scheme.len()..];
            if rest.starts_with("//") {
                let fixed = format!("{}:{}", &lead[..scheme.len()], original);
                p.error(
                    node.location,
                    format!("`url` of action `{}` is not a valid URL: `{}` is missing the `:` after `{scheme}`", p.slug, full_text(url, lead)),
                    format!("write `{}`", full_text(url, &fixed)),
                );
                return false;
            }
            if rest.starts_with(":/") && !rest.starts_with("://") && url.is_constant() {
                p.error(
                    node.location,
                    format!("`url` of action `{}` is not a valid URL: `{lead}` needs two slashes after `{scheme}:`", p.slug),
                    // The rest keeps the case it was written in: URL paths are case-sensitive.
                    format!("write `{}://{}`", &lead[..scheme.len()], original.trim_start_matches(":/")),
                );
                return false;
            }
        }
    }
    if url.is_constant() {
        match url::Url::parse(lead) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty()) => {}
            Ok(u) => {
                p.error(
                    node.location,
                    format!(
                        "`url` of action `{}` uses `{}:`; only http and https are supported",
                        p.slug,
                        u.scheme()
                    ),
                    "use an `https://` (or `http://`) URL",
                );
                return false;
            }
            Err(e) => {
                let host_first = lead.split('/').next().is_some_and(|h| h.contains('.'));
                let help = if lead.starts_with('/') {
                    format!(
                        "put the scheme and host in front, e.g. `https://api.example.com{lead}`, or read them from a resource: `<<RESOURCE.api_base>>{lead}`"
                    )
                } else if host_first {
                    format!("add the scheme: `https://{lead}`")
                } else {
                    "write a full URL such as `https://api.example.com/path`".to_owned()
                };
                p.error(
                    node.location,
                    format!(
                        "`url` of action `{}` is not an absolute URL: `{lead}` ({e})",
                        p.slug
                    ),
                    help,
                );
                return false;
            }
        }
    }
    true
}

/// The whole URL text for messages: the literal lead, plus "…" when formulas follow.
fn full_text(url: &Compiled, lead: &str) -> String {
    if url.is_constant() {
        lead.to_owned()
    } else {
        format!("{lead}…")
    }
}
