//! Converting one Tines action's `options` into Relay's: options Relay knows are rewritten and
//! normalised by type, `local` moves to the action, and options Relay does not know are set
//! aside (the caller keeps them as a comment) instead of making the workflow invalid.

use super::json::{Json, take};
use super::rewrite::Rewriter;
use super::scalars::parse_typed;
use super::story::Kind;
use super::{http_options, transform_options, trigger_options};

/// Options Relay's `http_request` reads (workflow.md).
const HTTP_KEYS: &[&str] = crate::engine::actions::http_request::KEYS;
/// Options Relay's `event_transform` reads, across its modes.
const TRANSFORM_KEYS: &[&str] = &[
    "mode",
    "payload",
    "path",
    "to",
    "limit",
    "item_path",
    "guid_path",
    "size_path",
    "matchers",
    "lookback",
    "seconds",
    "runs_per_interval",
    "interval",
];
/// Options Relay's `trigger` reads.
const TRIGGER_KEYS: &[&str] = crate::engine::actions::trigger::KEYS;

/// The Relay side of one action.
#[derive(Debug, Default)]
pub struct ActionOptions {
    pub options: Vec<(String, Json)>,
    pub local: Option<Json>,
    /// Tines options with no Relay meaning, as they were.
    pub leftovers: Vec<(String, Json)>,
    /// `emit_no_match: true`: the trigger's receivers also get its no-match events.
    pub emit_no_match: bool,
    pub issues: Vec<String>,
}

fn known_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::HttpRequest => HTTP_KEYS,
        Kind::EventTransform => TRANSFORM_KEYS,
        Kind::Trigger => TRIGGER_KEYS,
        _ => &[],
    }
}

/// Converts the options of an action of a convertible kind. `faithful` (a story written by
/// `export_tines`) takes them as they are: they already are Relay's.
pub fn convert(
    kind: Kind,
    raw: &[(String, Json)],
    legacy: bool,
    inputs: Option<&[(String, Json)]>,
    faithful: bool,
) -> ActionOptions {
    let mut out = ActionOptions::default();
    let mut entries = raw.to_vec();
    let local = take(&mut entries, "local");
    if faithful {
        out.options = entries;
        out.local = local;
        return out;
    }
    if kind == Kind::HttpRequest {
        http_options::rename_hyphenated_content_type(&mut entries, &mut out.issues);
    }
    let known = known_keys(kind);
    let mut kept = Vec::new();
    for (key, value) in entries {
        if known.contains(&key.as_str()) {
            kept.push((key, value));
        } else if !drops_as_default(kind, &key, &value, &mut out) {
            out.issues.push(format!(
                "option `{key}` has no Relay equivalent; kept as a comment above the action"
            ));
            out.leftovers.push((key, value));
        }
    }
    let mut rewriter = Rewriter::new(legacy, inputs);
    let mut options: Vec<(String, Json)> = kept
        .iter()
        .map(|(k, v)| (k.clone(), rewriter.value(k, v)))
        .collect();
    out.local = local.map(|l| match l {
        Json::Object(_) => rewriter.value("local", &l),
        other => other,
    });
    match kind {
        Kind::HttpRequest => http_options::normalise(&mut options, &mut out.issues),
        Kind::EventTransform => transform_options::normalise(&mut options, &mut out.issues),
        Kind::Trigger => trigger_options::normalise(&mut options, &mut out.issues),
        _ => {}
    }
    out.issues.splice(0..0, rewriter.issues);
    let used = &rewriter.input_use;
    if !used.used.is_empty() {
        out.issues.push(format!(
            "template inputs from the story's `integrations` written in: {}",
            used.used.join(", ")
        ));
    }
    if !used.missing.is_empty() {
        out.issues.push(format!(
            "`INPUT.{}` has no value in the story's `integrations`; kept as written",
            used.missing.join("`, `INPUT.")
        ));
    }
    if !used.not_inlined.is_empty() {
        out.issues.push(format!(
            "`INPUT.{}` holds formulas and sits inside a larger formula; kept as written",
            used.not_inlined.join("`, `INPUT.")
        ));
    }
    out.options = options;
    out
}

/// Tines options that only restate a default Relay also has, or that become links.
fn drops_as_default(kind: Kind, key: &str, value: &Json, out: &mut ActionOptions) -> bool {
    let as_bool = value
        .as_bool()
        .or_else(|| parse_typed(value, super::scalars::Expect::Bool).and_then(|b| b.as_bool()));
    match (kind, key) {
        // `loop: false` is message_only's plain behaviour.
        (Kind::EventTransform, "loop") => value.is_empty_value() || as_bool == Some(false),
        (Kind::Trigger, "emit_no_match") => {
            match as_bool {
                Some(true) => {
                    out.emit_no_match = true;
                    out.issues.push("option `emit_no_match: true` became `no_match` links to the same receivers".into());
                    true
                }
                Some(false) => true,
                None => value.is_empty_value(),
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(text: &str) -> Vec<(String, Json)> {
        Json::parse(text).unwrap().as_object().unwrap().to_vec()
    }

    #[test]
    fn unknown_options_are_set_aside_and_reported() {
        let out = convert(
            Kind::HttpRequest,
            &opts(
                r#"{"url":"https://x","method":"get","placeholders":{"a":"{% assign a = 1 %}"}}"#,
            ),
            true,
            None,
            false,
        );
        assert_eq!(out.leftovers.len(), 1);
        assert_eq!(out.leftovers[0].0, "placeholders");
        assert!(
            out.issues
                .iter()
                .any(|i| i.contains("`placeholders` has no Relay equivalent"))
        );
        assert_eq!(
            Json::Object(out.options).to_compact(),
            r#"{"url":"https://x","method":"get"}"#
        );
    }

    #[test]
    fn local_moves_to_the_action() {
        let out = convert(
            Kind::HttpRequest,
            &opts(
                r#"{"url":"https://x","method":"post","payload":"=LOCAL.p","local":{"p":"<<a>>"}}"#,
            ),
            false,
            None,
            false,
        );
        assert_eq!(out.local.unwrap().to_compact(), r#"{"p":"<<a>>"}"#);
        assert!(out.options.iter().all(|(k, _)| k != "local"));
    }

    #[test]
    fn loop_false_and_emit_no_match_are_not_leftovers() {
        let out = convert(
            Kind::EventTransform,
            &opts(r#"{"mode":"message_only","loop":false,"payload":{}}"#),
            false,
            None,
            false,
        );
        assert!(
            out.leftovers.is_empty() && out.issues.is_empty(),
            "{:?}",
            out.issues
        );
        let out = convert(
            Kind::EventTransform,
            &opts(r#"{"mode":"message_only","loop":"=a.items"}"#),
            false,
            None,
            false,
        );
        assert_eq!(out.leftovers.len(), 1);
        let out = convert(
            Kind::Trigger,
            &opts(r#"{"rules":[],"emit_no_match":"true"}"#),
            false,
            None,
            false,
        );
        assert!(out.emit_no_match);
        assert!(out.leftovers.is_empty());
    }

    #[test]
    fn template_inputs_are_summarised() {
        let inputs = vec![("channel".to_owned(), Json::str("C1"))];
        let out = convert(
            Kind::HttpRequest,
            &opts(
                r#"{"url":"https://x","method":"post","payload":{"c":"<<INPUT.channel>>","d":"<<INPUT.gone>>"}}"#,
            ),
            false,
            Some(&inputs),
            false,
        );
        assert_eq!(
            Json::Object(out.options).to_compact(),
            r#"{"url":"https://x","method":"post","payload":{"c":"C1","d":"<<INPUT.gone>>"}}"#
        );
        assert!(out.issues.iter().any(|i| i.contains("written in: channel")));
        assert!(
            out.issues
                .iter()
                .any(|i| i.contains("`INPUT.gone` has no value"))
        );
    }
}
