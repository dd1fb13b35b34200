//! Reading a token endpoint's answer: the token at a path, its expiry, and errors that say
//! what to do (`invalid_grant` → log in again).

use std::time::{Duration, SystemTime};

use minijinja::Value;
use minijinja::value::ValueKind;

use crate::formula::to_text;

/// Cached tokens are dropped this long before the endpoint says they expire.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// A dotted path into the token request's result (`body.access_token`), parsed once.
#[derive(Debug, Clone)]
pub struct TokenPath {
    pub text: String,
    segments: Vec<String>,
}

impl TokenPath {
    /// `halo.body.access_token` (rooted at the credential's name) or `body.access_token`.
    pub fn parse(text: &str, credential: &str) -> Result<TokenPath, String> {
        let mut segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!(
                "`{text}` is not a dotted path like `{credential}.body.access_token`"
            ));
        }
        if segments.first().is_some_and(|s| s == credential) {
            segments.remove(0);
        }
        match segments.first().map(String::as_str) {
            Some("body" | "headers" | "status") => Ok(TokenPath {
                text: text.to_owned(),
                segments,
            }),
            _ => Err(format!(
                "`{text}` must start with `{credential}.body`, `{credential}.headers`, `body` or `headers` (the token response is `{{status, headers, body}}`)"
            )),
        }
    }

    /// The value at this path, if present and not null.
    pub fn find(&self, result: &Value) -> Option<Value> {
        let mut current = result.clone();
        for seg in &self.segments {
            let next = match (current.kind(), seg.parse::<usize>()) {
                (ValueKind::Seq, Ok(i)) => current.get_item_by_index(i).ok()?,
                _ => current.get_attr(seg).ok()?,
            };
            if next.is_undefined() || next.is_none() {
                return None;
            }
            current = next;
        }
        Some(current)
    }

    /// The text at this path, or an error naming the path and what the response had.
    pub fn text_in(&self, result: &Value) -> Result<String, String> {
        let found = self.find(result).ok_or_else(|| {
            let keys = result
                .get_attr("body")
                .ok()
                .filter(|b| b.kind() == ValueKind::Map)
                .and_then(|b| {
                    b.try_iter().ok().map(|it| {
                        it.filter_map(|k| k.as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                    })
                })
                .unwrap_or_default();
            format!(
                "the token response has nothing at `{}` (its body has keys: {})",
                self.text,
                keys.join(", ")
            )
        })?;
        let text = to_text(&found)?;
        if text.is_empty() {
            return Err(format!(
                "the token response has an empty value at `{}`",
                self.text
            ));
        }
        Ok(text)
    }
}

/// When a token from `result` stops being reusable: `ttl` if set, else the body's
/// `expires_in` minus [`EXPIRY_MARGIN`], else never cached (`None`).
pub fn expiry(result: &Value, ttl: Option<Duration>, now: SystemTime) -> Option<SystemTime> {
    if let Some(ttl) = ttl {
        return Some(now + ttl);
    }
    let expires_in = result.get_attr("body").ok()?.get_attr("expires_in").ok()?;
    let seconds = match expires_in.kind() {
        ValueKind::Number => f64::try_from(expires_in).ok()?,
        ValueKind::String => expires_in.as_str()?.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    let lifetime = Duration::from_secs_f64(seconds.max(0.0));
    let usable = lifetime.checked_sub(EXPIRY_MARGIN)?;
    (!usable.is_zero()).then(|| now + usable)
}

/// The message for a token request that failed with `status`.
pub fn endpoint_error(
    credential: &str,
    request_line: &str,
    status: u16,
    result: &Value,
    login_hint: &str,
) -> String {
    let (code, detail) = error_detail(result);
    if code.as_deref() == Some("invalid_grant") {
        return format!("credential `{credential}` needs a new refresh token: {login_hint}");
    }
    format!(
        "the token request of credential `{credential}` ({request_line}) returned HTTP {status}{detail}"
    )
}

/// The message for a password grant (a login) that failed with `status`. There `invalid_grant`
/// means the username or password was refused: telling the user to log in again, as
/// [`endpoint_error`] does for a dead refresh token, would send them round in a circle.
pub fn password_grant_error(
    credential: &str,
    request_line: &str,
    status: u16,
    result: &Value,
) -> String {
    let (code, detail) = error_detail(result);
    if code.as_deref() == Some("invalid_grant") {
        return format!(
            "the login of credential `{credential}` was refused: wrong username or password ({request_line} returned HTTP {status}{detail})"
        );
    }
    format!(
        "the login of credential `{credential}` failed: {request_line} returned HTTP {status}{detail}"
    )
}

/// The OAuth2 `error` code of a failed token response, and a `: code: description` suffix.
fn error_detail(result: &Value) -> (Option<String>, String) {
    let body = result.get_attr("body").unwrap_or_default();
    let code = body
        .get_attr("error")
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned));
    let description = body
        .get_attr("error_description")
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned));
    let detail = match (code.clone(), description) {
        (Some(c), Some(d)) => format!(": {c}: {d}"),
        (Some(c), None) => format!(": {c}"),
        (None, Some(d)) => format!(": {d}"),
        (None, None) => match to_text(&body) {
            Ok(t) if !t.is_empty() => format!(": {}", shorten(&t, 200)),
            _ => String::new(),
        },
    };
    (code, detail)
}

/// At most `max` characters of `text`, never ending inside a word-like run: the message is
/// redacted later, and half a secret would not match the redactor.
fn shorten(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_owned();
    }
    let token = |c: char| c.is_alphanumeric() || "-_.~+/=%".contains(c);
    let mut end = max;
    if token(chars[end]) {
        while end > 0 && token(chars[end - 1]) {
            end -= 1;
        }
    }
    format!("{}…", chars[..end].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_never_keeps_part_of_a_word() {
        let text = format!("{}secretvalue123 tail", "x ".repeat(95));
        let short = shorten(&text, 195);
        assert!(!short.contains("secret"), "{short}");
        assert!(short.ends_with("x …"), "{short}");
        assert_eq!(shorten("short", 200), "short");
    }

    fn result(body: serde_json::Value) -> Value {
        Value::from(minijinja::value::Serde(
            serde_json::json!({"status": 200, "headers": {}, "body": body}),
        ))
    }

    #[test]
    fn paths_may_start_at_the_credential_name_or_the_response() {
        let r = result(serde_json::json!({"access_token": "abc123", "n": [1, {"x": "y"}]}));
        assert_eq!(
            TokenPath::parse("halo.body.access_token", "halo")
                .unwrap()
                .text_in(&r)
                .unwrap(),
            "abc123"
        );
        assert_eq!(
            TokenPath::parse("body.access_token", "halo")
                .unwrap()
                .text_in(&r)
                .unwrap(),
            "abc123"
        );
        assert_eq!(
            TokenPath::parse("body.n.1.x", "halo")
                .unwrap()
                .text_in(&r)
                .unwrap(),
            "y"
        );
        let missing = TokenPath::parse("body.token", "halo")
            .unwrap()
            .text_in(&r)
            .unwrap_err();
        assert!(missing.contains("access_token"), "{missing}");
        assert!(TokenPath::parse("access_token", "halo").is_err());
        assert!(TokenPath::parse("body..x", "halo").is_err());
    }

    #[test]
    fn expiry_uses_ttl_then_expires_in_minus_a_minute() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let r = result(serde_json::json!({"expires_in": 3600}));
        assert_eq!(expiry(&r, None, now), Some(now + Duration::from_secs(3540)));
        assert_eq!(
            expiry(&r, Some(Duration::from_secs(10)), now),
            Some(now + Duration::from_secs(10))
        );
        assert_eq!(
            expiry(&result(serde_json::json!({"expires_in": "120"})), None, now),
            Some(now + Duration::from_secs(60))
        );
        assert_eq!(
            expiry(&result(serde_json::json!({"expires_in": 30})), None, now),
            None
        );
        assert_eq!(expiry(&result(serde_json::json!({})), None, now), None);
    }

    #[test]
    fn invalid_grant_says_how_to_recover() {
        let r =
            result(serde_json::json!({"error": "invalid_grant", "error_description": "expired"}));
        let msg = endpoint_error(
            "halo",
            "POST https://x/token",
            400,
            &r,
            "run `relay credential login halo`",
        );
        assert_eq!(
            msg,
            "credential `halo` needs a new refresh token: run `relay credential login halo`"
        );
        let r = result(serde_json::json!({"error": "invalid_client"}));
        assert!(
            endpoint_error("halo", "POST https://x/token", 401, &r, "")
                .ends_with("returned HTTP 401: invalid_client")
        );
    }

    #[test]
    fn a_refused_password_grant_is_not_a_dead_refresh_token() {
        let r = result(
            serde_json::json!({"error": "invalid_grant", "error_description": "invalid username or password"}),
        );
        assert_eq!(
            password_grant_error("halo", "POST https://x/token", 400, &r),
            "the login of credential `halo` was refused: wrong username or password (POST https://x/token returned HTTP 400: invalid_grant: invalid username or password)"
        );
        let r = result(serde_json::json!({"error": "invalid_client"}));
        assert_eq!(
            password_grant_error("halo", "POST https://x/token", 401, &r),
            "the login of credential `halo` failed: POST https://x/token returned HTTP 401: invalid_client"
        );
    }
}
