//! Events on stdout: one JSON array (pretty or compact), or one JSON object per line.

use relay_core::engine::EmitStatus;
use relay_core::event::Event;

/// The leaf events as a JSON array.
pub fn array(events: &[Event], pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(events)
    } else {
        serde_json::to_string(events)
    };
    let mut text = text
        .unwrap_or_else(|e| format!("[{{\"error\": \"cannot print the output as JSON: {e}\"}}]"));
    text.push('\n');
    text
}

/// One `--output ndjson` line: `{"run", "action", "status", "event"}`.
pub fn ndjson_line(run_id: &str, action: &str, status: EmitStatus, event: &Event) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        run: &'a str,
        action: &'a str,
        status: &'a str,
        event: &'a Event,
    }
    let mut text = serde_json::to_string(&Line {
        run: run_id,
        action,
        status: status.as_str(),
        event,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"cannot print the event as JSON: {e}\"}}"));
    text.push('\n');
    text
}

/// An event in one line for error reports, shortened to `max` characters.
pub fn short(event: &Event, max: usize) -> String {
    let text = serde_json::to_string(event).unwrap_or_default();
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
