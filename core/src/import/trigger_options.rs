//! Trigger options: rule types checked against Relay's list, `must_match` typed.

use super::json::Json;
use super::scalars::{Expect, normalise as normalise_scalar};
use crate::engine::actions::trigger::RULE_TYPES;

/// Normalises the (already rewritten) options of a `trigger` action.
pub fn normalise(entries: &mut Vec<(String, Json)>, issues: &mut Vec<String>) {
    normalise_scalar(entries, "must_match", Expect::Integer, issues);
    let Some(rules) = entries.iter().find(|(k, _)| k == "rules").map(|(_, v)| v) else {
        issues.push("no `rules`: Relay needs at least the rules list".into());
        return;
    };
    let Some(rules) = rules.as_array() else {
        issues.push(format!(
            "option `rules` is {}, not a list",
            rules.to_compact()
        ));
        return;
    };
    for (i, rule) in rules.iter().enumerate() {
        match rule.get("type") {
            Some(Json::String(t)) if RULE_TYPES.contains(&t.as_str()) => {}
            Some(t) => issues.push(format!(
                "option `rules[{i}]`: rule type {} is not one of Relay's",
                t.to_compact()
            )),
            None => issues.push(format!("option `rules[{i}]` has no `type`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (String, Vec<String>) {
        let mut entries = Json::parse(text).unwrap().as_object().unwrap().to_vec();
        let mut issues = Vec::new();
        normalise(&mut entries, &mut issues);
        (Json::Object(entries).to_compact(), issues)
    }

    #[test]
    fn known_rules_pass_and_must_match_is_typed() {
        let (out, issues) =
            run(r#"{"rules":[{"type":"!regex","value":"^$","path":"<<x>>"}],"must_match":"1"}"#);
        assert_eq!(
            out,
            r#"{"rules":[{"type":"!regex","value":"^$","path":"<<x>>"}],"must_match":1}"#
        );
        assert_eq!(
            issues,
            ["option `must_match`: \"1\" (a string) written as the number 1"]
        );
    }

    #[test]
    fn unknown_rule_types_and_missing_rules_are_reported() {
        assert!(run(r#"{"rules":[{"type":"field_is_empty"}]}"#).1[0].contains("field_is_empty"));
        assert!(run(r#"{"rules":[{"value":"x"}]}"#).1[0].contains("no `type`"));
        assert!(run(r#"{}"#).1[0].contains("no `rules`"));
        assert!(run(r#"{"rules":"x"}"#).1[0].contains("not a list"));
    }
}
