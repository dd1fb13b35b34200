//! One execution of an `http_request` action.

use base64::Engine as _;
use minijinja::Value;
use minijinja::value::ValueKind;
use url::Url;

use super::options::{HttpRequest, Setting, seconds};
use super::pagination::Pagination;
use super::result::HttpResult;
use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, Outcome, RequestPreview};
use crate::event::Event;
use crate::formula::{FormulaError, Scope, to_text};
use crate::http::body::encode_body;
use crate::http::method::{Method, sends_payload_as_query};
use crate::http::query::append_query;
use crate::http::response::DEFAULT_BODY_CAP;
use crate::http::retry::RetryPolicy;
use crate::http::status_set::StatusSet;
use crate::http::{Exchange, HttpError, PreparedRequest, SendOptions};
use crate::value::same_or_equal;

/// What a request needs besides its options: the client, credentials, and whether to send.
pub(crate) struct RequestEnv<'a> {
    pub http: &'a crate::http::HttpClient,
    pub credentials: &'a crate::credentials::Credentials,
    pub dry_run: bool,
}

/// Why an execution failed: the result it emits along failure links, and the cause.
pub(crate) struct Failed {
    pub result: Value,
    pub message: String,
    pub detail: Option<String>,
}

impl Failed {
    fn new(message: impl Into<String>) -> Failed {
        let message = message.into();
        Failed {
            result: Value::from_pairs([("error", Value::from(message.as_str()))]),
            message,
            detail: None,
        }
    }
}

impl From<FormulaError> for Failed {
    fn from(e: FormulaError) -> Failed {
        Failed::new(e.to_string())
    }
}

/// A rendering kept for reuse, with the resources and credentials it was rendered from.
#[derive(Debug)]
pub struct RenderedFrom {
    resources: Value,
    credentials: Value,
    rendered: Rendered,
}

/// The rendered request and the per-execution settings.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub request: PreparedRequest,
    pub timeout: std::time::Duration,
    pub retry: RetryPolicy,
    pub log_error: StatusSet,
}

impl Action for HttpRequest {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(cx, &event).await {
                Ok(outcome) => outcome,
                Err(f) => {
                    let outcome = Outcome::failed(event.with(cx.slug(), f.result), f.message);
                    match f.detail {
                        Some(d) => outcome.with_detail(d),
                        None => outcome,
                    }
                }
            }
        })
    }
}

impl HttpRequest {
    async fn run(&self, cx: &ActionContext<'_>, event: &Event) -> Result<Outcome, Failed> {
        let mut scope = cx.scope(event)?;
        let services = cx.services();
        let env = RequestEnv {
            http: &services.http,
            credentials: &services.credentials,
            dry_run: cx.run.dry_run,
        };
        if cx.run.dry_run {
            scope.credentials = self.credential_values(&env).await?;
            let rendered = self.render(&env, &scope)?;
            self.check_hosts(&env, &rendered.request.url)?;
            cx.run.observer.preview(&preview(cx, &rendered.request));
            return Ok(Outcome::emit(Vec::new())
                .with_detail(format!("{} (dry run: not sent)", line(&rendered.request))));
        }
        if let Some(pagination) = &self.pagination {
            return self.paginate(cx, &env, scope, event, pagination).await;
        }
        let (rendered, exchange) = self.perform(&env, &mut scope).await?;
        let status = exchange.status;
        let detail = format!("{} → {status}", line(&rendered.request));
        let result = HttpResult::value(exchange);
        if rendered.log_error.contains(status) {
            return Err(Failed {
                result,
                message: format!(
                    "{} returned HTTP {status} (a status in `log_error_on_status`)",
                    line(&rendered.request)
                ),
                detail: Some(detail),
            });
        }
        let result = match &self.customize_output {
            None => result,
            Some(c) => {
                let mut custom_scope = scope.clone();
                custom_scope.extra.push(("response", result.clone()));
                c.render(&custom_scope).map_err(|e| Failed {
                    detail: Some(detail.clone()),
                    ..Failed::from(e.within("customize_output"))
                })?
            }
        };
        Ok(Outcome::emit(vec![event.with(cx.slug(), result)]).with_detail(detail))
    }

    /// Requests page after page while `pagination.while` holds (at most `max_pages`), emitting
    /// one result per page, or one whose body lists the page bodies (`output: combined`). A
    /// page that fails emits the pages before it and then fails with its own result.
    async fn paginate(
        &self,
        cx: &ActionContext<'_>,
        env: &RequestEnv<'_>,
        base: Scope,
        event: &Event,
        pagination: &Pagination,
    ) -> Result<Outcome, Failed> {
        let slug = cx.slug();
        let customize = |result: Value| -> Result<Value, Failed> {
            match &self.customize_output {
                None => Ok(result),
                Some(c) => {
                    let mut custom_scope = base.clone();
                    custom_scope.extra.push(("response", result));
                    c.render(&custom_scope)
                        .map_err(|e| Failed::from(e.within("customize_output")))
                }
            }
        };
        // A page that fails after others arrived (by status or with no response at all): the
        // pages before it go on as any page would (customized), then the execution fails with
        // the failing page's raw result, as an unpaginated request does.
        let partial = |pages: Vec<Value>, failed: Failed| -> Result<Outcome, Failed> {
            let done: Vec<Value> = pages.into_iter().map(customize).collect::<Result<_, _>>()?;
            let mut outcome =
                Outcome::emit(done.into_iter().map(|p| event.with(slug, p)).collect());
            outcome.status = crate::engine::Status::Failed;
            outcome.emits.push((
                crate::workflow::LinkKind::Failure,
                event.with(slug, failed.result),
            ));
            outcome.error = Some(failed.message);
            Ok(match failed.detail {
                Some(d) => outcome.with_detail(d),
                None => outcome,
            })
        };
        let mut pages: Vec<Value> = Vec::new();
        let mut scope = base.clone();
        let mut last_detail: String;
        let mut last_result: Value;
        loop {
            let (rendered, exchange) =
                match self.perform_page(env, &mut scope, !pages.is_empty()).await {
                    Ok(sent) => sent,
                    Err(mut failed) if !pagination.combined && !pages.is_empty() => {
                        failed.message = format!("{} (page {})", failed.message, pages.len() + 1);
                        return partial(pages, failed);
                    }
                    Err(failed) => return Err(failed),
                };
            let result = result_value(&exchange);
            let detail = format!(
                "{} → {} (page {})",
                line(&rendered.request),
                exchange.status,
                pages.len() + 1
            );
            if rendered.log_error.contains(exchange.status) {
                let message = format!(
                    "{} returned HTTP {} on page {} (a status in `log_error_on_status`)",
                    line(&rendered.request),
                    exchange.status,
                    pages.len() + 1
                );
                let failed = Failed {
                    result,
                    message,
                    detail: Some(detail),
                };
                if pagination.combined || pages.is_empty() {
                    return Err(failed);
                }
                return partial(pages, failed);
            }
            let index = pages.len();
            pages.push(result.clone());
            last_detail = detail;
            last_result = result.clone();
            if pages.len() >= pagination.max_pages {
                break;
            }
            scope = base.clone();
            scope.extra.push((
                "PAGINATE",
                Value::from_pairs([("index", Value::from(index)), ("previous_response", result)]),
            ));
            let more = pagination
                .while_
                .render(&scope)
                .map_err(|e| e.within("while").within("pagination"))?;
            if !more.is_true() {
                break;
            }
        }
        let detail = last_detail;
        let count = pages.len();
        let results: Vec<Value> = if pagination.combined {
            let bodies: Vec<Value> = pages
                .iter()
                .map(|p| p.get_attr("body").unwrap_or_default())
                .collect();
            let combined = Value::from_pairs([
                ("status", last_result.get_attr("status").unwrap_or_default()),
                (
                    "headers",
                    last_result.get_attr("headers").unwrap_or_default(),
                ),
                ("body", Value::from(bodies)),
            ]);
            vec![customize(combined)?]
        } else {
            pages.into_iter().map(customize).collect::<Result<_, _>>()?
        };
        Ok(
            Outcome::emit(results.into_iter().map(|r| event.with(slug, r)).collect()).with_detail(
                format!(
                    "{detail}, {count} page{}",
                    if count == 1 { "" } else { "s" }
                ),
            ),
        )
    }

    /// Renders, checks and sends the request with real credentials, resolving them again and
    /// resending once when a refreshable one gets a 401. `scope` gains `CREDENTIAL`.
    pub(crate) async fn perform(
        &self,
        env: &RequestEnv<'_>,
        scope: &mut Scope,
    ) -> Result<(Rendered, Exchange), Failed> {
        self.perform_page(env, scope, false).await
    }

    /// [`perform`](Self::perform) for the first page, or (`next_page`) a following page with
    /// `pagination.next` laid over the options.
    async fn perform_page(
        &self,
        env: &RequestEnv<'_>,
        scope: &mut Scope,
        next_page: bool,
    ) -> Result<(Rendered, Exchange), Failed> {
        scope.credentials = self.credential_values(env).await?;
        let mut rendered = self.render_page(env, scope, next_page)?;
        self.check_hosts(env, &rendered.request.url)?;
        let mut exchange = self.send(env, &rendered).await?;
        if exchange.status == 401 {
            let refreshable: Vec<&String> = self
                .credentials
                .iter()
                .filter(|n| env.credentials.refreshable(n))
                .collect();
            if !refreshable.is_empty() {
                for name in &refreshable {
                    // Drop the token only if it is still the one this request carried: with
                    // many requests in flight, the first 401 already replaced it.
                    let sent = scope
                        .credentials
                        .get_attr(name)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned));
                    match sent {
                        Some(sent) => {
                            env.credentials
                                .invalidate_stale(name, &crate::credentials::Secret::new(sent))
                                .await
                        }
                        None => env.credentials.invalidate(name).await,
                    }
                }
                scope.credentials = self.credential_values(env).await?;
                rendered = self.render_page(env, scope, next_page)?;
                self.check_hosts(env, &rendered.request.url)?;
                exchange = self.send(env, &rendered).await?;
            }
        }
        Ok((rendered, exchange))
    }

    /// `CREDENTIAL` for the scope: real values, or `<<CREDENTIAL.name>>` placeholders in a dry run.
    async fn credential_values(&self, env: &RequestEnv<'_>) -> Result<Value, Failed> {
        if env.dry_run {
            return Ok(Value::from_pairs(
                self.credentials
                    .iter()
                    .map(|name| (name.clone(), Value::from(format!("<<CREDENTIAL.{name}>>"))))
                    .collect::<Vec<_>>(),
            ));
        }
        let mut secrets = Vec::with_capacity(self.credentials.len());
        for name in &self.credentials {
            let secret = env
                .credentials
                .resolve(name)
                .await
                .map_err(|e| Failed::new(e.to_string()))?;
            secrets.push(secret);
        }
        // The same secrets as last time (the common case: a cached token) give the same map,
        // so a fan-out builds it once instead of once per request.
        let mut cache = self
            .credential_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((cached, value)) = cache.as_ref()
            && cached.len() == secrets.len()
            && cached.iter().zip(&secrets).all(|(a, b)| a.same(b))
        {
            return Ok(value.clone());
        }
        let value = Value::from_pairs(
            self.credentials
                .iter()
                .zip(&secrets)
                .map(|(name, secret)| (name.clone(), Value::from(secret.expose())))
                .collect::<Vec<_>>(),
        );
        *cache = Some((secrets, value.clone()));
        Ok(value)
    }

    fn check_hosts(&self, env: &RequestEnv<'_>, url: &Url) -> Result<(), Failed> {
        if self.credentials.is_empty() {
            return Ok(());
        }
        // Allowed hosts do not change within a process: the URL that passed last time passes.
        let mut passed = self.hosts_passed.lock().unwrap_or_else(|p| p.into_inner());
        if passed.as_deref() == Some(url.as_str()) {
            return Ok(());
        }
        for name in &self.credentials {
            env.credentials
                .check_allowed(name, url)
                .map_err(|e| Failed::new(e.to_string()))?;
        }
        *passed = Some(url.as_str().to_owned());
        Ok(())
    }

    fn render(&self, env: &RequestEnv<'_>, scope: &Scope) -> Result<Rendered, Failed> {
        self.render_page(env, scope, false)
    }

    fn render_page(
        &self,
        env: &RequestEnv<'_>,
        scope: &Scope,
        next_page: bool,
    ) -> Result<Rendered, Failed> {
        // A dry run renders placeholders, and a next page lays `pagination` over the options.
        let Some(cache) = self
            .render_cache
            .as_ref()
            .filter(|_| !env.dry_run && !next_page)
        else {
            return self.render_fresh(env, scope, next_page);
        };
        if let Some(from) = cache.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && same_or_equal(&from.credentials, &scope.credentials)
            && same_or_equal(&from.resources, &scope.resources)
        {
            return Ok(from.rendered.clone());
        }
        let rendered = self.render_fresh(env, scope, next_page)?;
        *cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(RenderedFrom {
            resources: scope.resources.clone(),
            credentials: scope.credentials.clone(),
            rendered: rendered.clone(),
        });
        Ok(rendered)
    }

    fn render_fresh(
        &self,
        env: &RequestEnv<'_>,
        scope: &Scope,
        next_page: bool,
    ) -> Result<Rendered, Failed> {
        let overlay = if next_page {
            self.pagination.as_ref()
        } else {
            None
        };
        let method = match &self.method {
            Setting::Fixed(m) => *m,
            Setting::Formula(c) => {
                let v = c.render(scope).map_err(|e| e.within("method"))?;
                Method::parse(&to_text(&v).map_err(Failed::new)?)
                    .map_err(|e| Failed::new(format!("option `method`: {e}")))?
            }
        };
        let url_value = match overlay.and_then(|p| p.url.as_ref()) {
            Some(next) => next
                .render(scope)
                .map_err(|e| e.within("url").within("next").within("pagination"))?,
            None => self.url.render(scope).map_err(|e| e.within("url"))?,
        };
        let url_text =
            to_text(&url_value).map_err(|e| Failed::new(format!("option `url`: {e}")))?;
        let mut url = self.parsed_url(&url_text)?;
        let mut headers: Vec<(String, String)> = Vec::new();
        let base_headers = match &self.headers {
            Some(h) => Some(h.render(scope).map_err(|e| e.within("headers"))?),
            None => None,
        };
        let next_headers = match overlay.and_then(|p| p.headers.as_ref()) {
            Some(n) => Some(
                n.render(scope)
                    .map_err(|e| e.within("headers").within("next").within("pagination"))?,
            ),
            None => None,
        };
        if let Some(v) = overlaid(base_headers, next_headers) {
            let v = if let Some(s) = v.as_str() {
                serde_json::from_str::<Value>(s).map_err(|_| Failed::new("option `headers`: a string here must be a JSON object of header names to values"))?
            } else {
                v
            };
            if v.kind() != ValueKind::Map {
                return Err(Failed::new(
                    "option `headers`: must be a mapping of header names to values",
                ));
            }
            for key in v.try_iter().map_err(|e| Failed::new(e.to_string()))? {
                let value = v.get_item(&key).unwrap_or_default();
                let name = to_text(&key).map_err(Failed::new)?;
                let text = to_text(&value)
                    .map_err(|e| Failed::new(format!("option `headers.{name}`: {e}")))?;
                headers.push((name, text));
            }
        }
        let has = |headers: &[(String, String)], name: &str| {
            headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut body = None;
        let base_payload = match &self.payload {
            Some(p) => Some(p.render(scope).map_err(|e| e.within("payload"))?),
            None => None,
        };
        let next_payload = match overlay.and_then(|p| p.payload.as_ref()) {
            Some(n) => Some(
                n.render(scope)
                    .map_err(|e| e.within("payload").within("next").within("pagination"))?,
            ),
            None => None,
        };
        if let Some(payload) = overlaid(base_payload, next_payload) {
            if sends_payload_as_query(method) {
                url = self.with_query(&url_text, url, &payload, overlay.is_some())?;
            } else {
                let ct = match &self.content_type {
                    Some(c) => Some(
                        to_text(&c.render(scope).map_err(|e| e.within("content_type"))?)
                            .map_err(Failed::new)?,
                    ),
                    None => None,
                };
                let encoded = encode_body(ct.as_deref(), &payload)
                    .map_err(|e| Failed::new(format!("option `payload`: {e}")))?;
                if !has(&headers, "content-type") {
                    headers.push(("content-type".into(), encoded.content_type));
                }
                body = Some(encoded.bytes.into());
            }
        }
        if let Some(b) = &self.basic_auth {
            let v = b.render(scope).map_err(|e| e.within("basic_auth"))?;
            let (user, pass) = basic_auth_parts(&v)?;
            // In a dry run the parts are `<<CREDENTIAL.x>>` placeholders, not secrets.
            if let Some(name) = self.credentials.first().filter(|_| !env.dry_run) {
                env.credentials
                    .redactor()
                    .register_basic_auth(name, &user, &pass);
            }
            // A dry run shows the pair readably, so `<<CREDENTIAL.x>>` stays visible instead of
            // hiding inside base64; nothing is sent in a dry run.
            let value = if env.dry_run {
                format!("Basic {user}:{pass} (base64-encoded when sent)")
            } else {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                format!("Basic {token}")
            };
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
            headers.push(("authorization".into(), value));
        }
        if !has(&headers, "user-agent") {
            let ua = match &self.user_agent {
                Some(c) => to_text(&c.render(scope).map_err(|e| e.within("user_agent"))?)
                    .map_err(Failed::new)?,
                None => concat!("relay/", env!("CARGO_PKG_VERSION")).to_owned(),
            };
            headers.push(("user-agent".into(), ua));
        }
        let timeout = match &self.timeout {
            Setting::Fixed(d) => *d,
            Setting::Formula(c) => seconds(&c.render(scope).map_err(|e| e.within("timeout"))?)
                .map_err(|e| Failed::new(format!("option `timeout`: {e}")))?,
        };
        let retry = match &self.retry {
            Setting::Fixed(r) => r.clone(),
            Setting::Formula(c) => {
                let v = c.render(scope)?;
                let on = v
                    .get_attr("retry_on_status")
                    .ok()
                    .filter(|v| !v.is_undefined());
                let max = v.get_attr("max_retries").ok().filter(|v| !v.is_undefined());
                RetryPolicy::from_options(on.as_ref(), max.as_ref())
                    .map_err(|e| Failed::new(e.to_string()))?
            }
        };
        let log_error = match &self.log_error {
            Setting::Fixed(s) => s.clone(),
            Setting::Formula(c) => {
                let v = c
                    .render(scope)
                    .map_err(|e| e.within("log_error_on_status"))?;
                StatusSet::from_option(&v)
                    .map_err(|e| Failed::new(format!("option `log_error_on_status`: {e}")))?
            }
        };
        Ok(Rendered {
            request: PreparedRequest {
                method,
                url,
                headers,
                body,
            },
            timeout,
            retry,
            log_error,
        })
    }

    async fn send(&self, env: &RequestEnv<'_>, r: &Rendered) -> Result<Exchange, Failed> {
        let credentials = env.credentials;
        let allow = |target: &Url| -> Result<(), String> {
            for name in &self.credentials {
                credentials
                    .check_allowed(name, target)
                    .map_err(|e| format!("redirect to `{target}` refused: {e}"))?;
            }
            Ok(())
        };
        let options = SendOptions {
            timeout: r.timeout,
            retry: &r.retry,
            follow_redirects: self.follow_redirects,
            verify_tls: self.verify_tls,
            body_cap: DEFAULT_BODY_CAP,
            carries_credentials: !self.credentials.is_empty(),
            allow_redirect: &allow,
        };
        match env.http.send(&r.request, &options).await {
            Ok(exchange) => Ok(exchange),
            Err(HttpError::Transport { message, attempts }) => {
                let tries = if attempts > 1 {
                    format!(" (after {attempts} attempts)")
                } else {
                    String::new()
                };
                let message = format!("{}: {message}{tries}", line(&r.request));
                let result = Value::from_pairs([
                    ("status", Value::from(0)),
                    ("headers", Value::from_pairs(Vec::<(Value, Value)>::new())),
                    ("body", Value::from("")),
                    ("error", Value::from(message.as_str())),
                ]);
                if r.log_error.contains(0) {
                    Err(Failed {
                        result,
                        message,
                        detail: Some(format!("{} → no response", line(&r.request))),
                    })
                } else {
                    Ok(Exchange {
                        status: 0,
                        headers: Default::default(),
                        body: Vec::new(),
                        final_url: r.request.url.clone(),
                        attempts,
                        error: Some(message),
                    })
                }
            }
            Err(HttpError::Refused(message)) => Err(Failed {
                detail: Some(format!("{} → refused", line(&r.request))),
                ..Failed::new(format!("{}: {message}", line(&r.request)))
            }),
        }
    }
}

impl HttpRequest {
    /// `url` with `payload` appended as its query. A constant payload on the first page makes
    /// the same URL every time: it is built once and reused.
    fn with_query(
        &self,
        url_text: &str,
        mut url: Url,
        payload: &Value,
        next_page: bool,
    ) -> Result<Url, Failed> {
        let constant = !next_page && self.payload.as_ref().is_some_and(|p| p.is_constant());
        if constant {
            let cache = self.query_cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((text, built)) = cache.as_ref() {
                if text == url_text {
                    return Ok(built.clone());
                }
            }
        }
        append_query(&mut url, payload)
            .map_err(|e| Failed::new(format!("option `payload`: {e}")))?;
        if constant {
            *self.query_cache.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((url_text.to_owned(), url.clone()));
        }
        Ok(url)
    }

    fn parsed_url(&self, text: &str) -> Result<Url, Failed> {
        let mut cache = self.url_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_text, url)) = cache.as_ref() {
            if cached_text == text {
                return Ok(url.clone());
            }
        }
        let url = parse_url(text)?;
        *cache = Some((text.to_owned(), url.clone()));
        Ok(url)
    }
}

fn parse_url(text: &str) -> Result<Url, Failed> {
    match Url::parse(text.trim()) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(u)
        }
        Ok(u) => Err(Failed::new(format!(
            "option `url`: `{text}` uses `{}:`; only http and https URLs can be requested",
            u.scheme()
        ))),
        Err(e) => Err(Failed::new(format!(
            "option `url`: `{text}` is not an absolute http(s) URL ({e})"
        ))),
    }
}

pub(super) fn basic_auth_parts(v: &Value) -> Result<(String, String), Failed> {
    if let Some(s) = v.as_str() {
        return match s.split_once(':') {
            Some((u, p)) => Ok((u.to_owned(), p.to_owned())),
            None => Err(Failed::new(
                "option `basic_auth`: write it as \"user:password\" or [user, password]",
            )),
        };
    }
    if v.kind() == ValueKind::Seq && v.len() == Some(2) {
        let user = to_text(&v.get_item_by_index(0).unwrap_or_default()).map_err(Failed::new)?;
        let pass = to_text(&v.get_item_by_index(1).unwrap_or_default()).map_err(Failed::new)?;
        return Ok((user, pass));
    }
    Err(Failed::new(
        "option `basic_auth`: write it as \"user:password\" or [user, password]",
    ))
}

/// `GET https://host/path` (no query string: it can be long and is in `--dry-run` anyway).
pub(crate) fn line(request: &PreparedRequest) -> String {
    let url = request.url.as_str();
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let method = request.method.http_name();
    let mut line = String::with_capacity(method.len() + 1 + end);
    line.push_str(method);
    line.push(' ');
    line.push_str(&url[..end]);
    line
}

pub(crate) fn result_value(exchange: &Exchange) -> Value {
    HttpResult::value(Exchange {
        status: exchange.status,
        headers: exchange.headers.clone(),
        body: exchange.body.clone(),
        final_url: exchange.final_url.clone(),
        attempts: exchange.attempts,
        error: exchange.error.clone(),
    })
}

fn preview(cx: &ActionContext<'_>, request: &PreparedRequest) -> RequestPreview {
    RequestPreview {
        action: cx.slug().to_string(),
        method: request.method.http_name().to_owned(),
        url: request.url.to_string(),
        headers: request.headers.clone(),
        body: request
            .body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// `pagination.next` laid over an option: mappings merge key by key (the next page's keys
/// win), anything else is replaced.
fn overlaid(base: Option<Value>, next: Option<Value>) -> Option<Value> {
    match (base, next) {
        (Some(b), Some(n)) if b.kind() == ValueKind::Map && n.kind() == ValueKind::Map => {
            let mut pairs: Vec<(Value, Value)> = Vec::new();
            if let Ok(keys) = b.try_iter() {
                for k in keys {
                    let v = n
                        .get_item(&k)
                        .ok()
                        .filter(|v| !v.is_undefined())
                        .unwrap_or_else(|| b.get_item(&k).unwrap_or_default());
                    pairs.push((k, v));
                }
            }
            if let Ok(keys) = n.try_iter() {
                for k in keys {
                    if !pairs.iter().any(|(existing, _)| *existing == k) {
                        let v = n.get_item(&k).unwrap_or_default();
                        pairs.push((k, v));
                    }
                }
            }
            Some(Value::from_pairs(pairs))
        }
        (b, None) => b,
        (_, n) => n,
    }
}
