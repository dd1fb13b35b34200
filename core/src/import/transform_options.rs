//! Event Transform options: the mode (Tines' default `message_only` written out) and the
//! numeric options of delay, deduplicate, explode and throttle.

use super::json::Json;
use super::scalars::{Expect, normalise as normalise_scalar};

/// Modes Relay's `event_transform` has (workflow.md).
pub const MODES: &[&str] = &[
    "message_only",
    "explode",
    "implode",
    "extract",
    "deduplicate",
    "delay",
    "throttle",
];

/// The Relay mode of a Tines Event Transform, or why it has none.
pub fn mode(options: &[(String, Json)]) -> Result<String, String> {
    match options.iter().find(|(k, _)| k == "mode").map(|(_, v)| v) {
        None | Some(Json::Null) => Ok("message_only".into()),
        Some(Json::String(s)) => {
            let lower = s.trim().to_ascii_lowercase();
            if MODES.contains(&lower.as_str()) {
                Ok(lower)
            } else {
                Err(format!(
                    "Event Transform mode `{s}` has no Relay equivalent"
                ))
            }
        }
        Some(other) => Err(format!(
            "Event Transform mode {} is not a mode name",
            other.to_compact()
        )),
    }
}

/// Normalises the (already rewritten) options of an `event_transform` action.
pub fn normalise(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    let resolved = mode(entries).unwrap_or_else(|_| "message_only".into());
    match entries.iter_mut().find(|(k, _)| k == "mode") {
        Some(slot) => slot.1 = Json::str(resolved),
        None => entries.insert(0, ("mode".into(), Json::str(resolved))),
    }
    normalise_scalar(entries, "seconds", Expect::Number, issues);
    normalise_scalar(entries, "lookback", Expect::Integer, issues);
    normalise_scalar(entries, "limit", Expect::Integer, issues);
    normalise_scalar(entries, "runs_per_interval", Expect::Integer, issues);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, Json)> {
        Json::parse(text).unwrap().as_object().unwrap().to_vec()
    }

    #[test]
    fn modes() {
        assert_eq!(mode(&entries(r#"{}"#)).unwrap(), "message_only");
        assert_eq!(mode(&entries(r#"{"mode":"Explode"}"#)).unwrap(), "explode");
        assert!(
            mode(&entries(r#"{"mode":"automatic"}"#))
                .unwrap_err()
                .contains("automatic")
        );
        assert!(mode(&entries(r#"{"mode":3}"#)).is_err());
    }

    #[test]
    fn default_mode_is_written_and_numbers_typed() {
        let mut e = entries(r#"{"payload":{"a":1}}"#);
        let mut issues = Vec::new();
        normalise(&mut e, &mut issues);
        assert_eq!(
            Json::Object(e).to_compact(),
            r#"{"mode":"message_only","payload":{"a":1}}"#
        );
        let mut e = entries(r#"{"mode":"delay","seconds":"60"}"#);
        normalise(&mut e, &mut issues);
        assert_eq!(
            Json::Object(e).to_compact(),
            r#"{"mode":"delay","seconds":60}"#
        );
        let mut e = entries(r#"{"mode":"deduplicate","lookback":"100","path":"<<x>>"}"#);
        normalise(&mut e, &mut issues);
        assert_eq!(
            Json::Object(e).to_compact(),
            r#"{"mode":"deduplicate","lookback":100,"path":"<<x>>"}"#
        );
        assert_eq!(issues.len(), 2);
    }
}
