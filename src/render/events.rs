//! Events on stdout: one JSON array (pretty or compact), or one JSON object per line.

use relay_core::credentials::Redactor;
use relay_core::engine::EmitStatus;
use relay_core::event::Event;

/// One `--output ndjson` line: `{"run", "action", "status", "event"}`.
pub fn ndjson_line(run_id: &str, action: &str, status: EmitStatus, event: &Event) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        run: &'a str,
        action: &'a str,
        status: &'a str,
        event: &'a Event,
    }
    let line = Line {
        run: run_id,
        action,
        status: status.as_str(),
        event,
    };
    let mut text = relay_core::value::with_verbatim_bodies(|| serde_json::to_string(&line))
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot print the event as JSON: {e}\"}}"));
    text.push('\n');
    text
}

/// An event in one line for error reports, redacted and then shortened to `max` characters.
/// Redacting first matters: a secret cut in half by the shortening would no longer match the
/// redactor, and its first half would be printed.
pub fn short(event: &Event, max: usize, redactor: &Redactor) -> String {
    let text = serde_json::to_string(event).unwrap_or_default();
    let text = redactor.redact(&text);
    if text.chars().count() <= max {
        return text.into_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
