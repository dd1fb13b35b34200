//! Formatting instants the way Relay prints them.

use std::time::SystemTime;

/// `2026-11-29T00:10:00Z` (UTC, whole seconds).
pub fn format_utc(t: SystemTime) -> String {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
