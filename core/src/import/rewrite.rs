//! Rewrites every string of an options tree into Relay's formula syntax: template inputs
//! written in, legacy Liquid converted, literal text escaped. Problems are collected with the
//! option path they were found at.

use super::inputs::{InputUse, substitute};
use super::json::Json;
use super::liquid;
use super::text_escape::{escape_blocks_outside_pills, literal_value};

/// One action's string rewriting.
#[derive(Debug)]
pub struct Rewriter<'a> {
    legacy: bool,
    inputs: Option<&'a [(String, Json)]>,
    /// What template-input substitution did.
    pub input_use: InputUse,
    /// Problems, each starting with the option path.
    pub issues: Vec<String>,
}

impl<'a> Rewriter<'a> {
    /// A rewriter for a legacy (Liquid) or modern story, with the action's template inputs.
    pub fn new(legacy: bool, inputs: Option<&'a [(String, Json)]>) -> Rewriter<'a> {
        Rewriter {
            legacy,
            inputs,
            input_use: InputUse::default(),
            issues: Vec::new(),
        }
    }

    /// Rewrites `value`, found at option path `path`.
    pub fn value(&mut self, path: &str, value: &Json) -> Json {
        match value {
            Json::String(s) => self.string(path, s),
            Json::Array(items) => Json::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.value(&format!("{path}[{i}]"), v))
                    .collect(),
            ),
            Json::Object(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.value(&join(path, k), v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn string(&mut self, path: &str, s: &str) -> Json {
        let s = match self.inputs {
            Some(inputs) => match substitute(s, inputs, &mut self.input_use) {
                Json::String(s) => s,
                other => return other,
            },
            None => s.to_owned(),
        };
        if !self.legacy {
            return Json::String(escape_blocks_outside_pills(&s));
        }
        if !liquid::has_liquid(&s) {
            return Json::String(literal_value(&s));
        }
        let converted = liquid::convert(&s);
        for issue in converted.issues {
            let message = format!("option `{path}`: {issue}");
            if !self.issues.contains(&message) {
                self.issues.push(message);
            }
        }
        Json::String(converted.value)
    }
}

/// `payload` + `text` → `payload.text`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_values_are_converted_with_paths_in_issues() {
        let options = Json::parse(r#"{"url":"https://{% global_resource host %}/x","payload":{"a":["{{ .x | hmac_sha1: k }}","<<lit>>"]}}"#).unwrap();
        let mut r = Rewriter::new(true, None);
        let out = r.value("", &options);
        assert_eq!(
            out.to_compact(),
            r#"{"url":"https://<<RESOURCE.host>>/x","payload":{"a":["{{ .x | hmac_sha1: k }}","\\<<lit>>"]}}"#
        );
        assert_eq!(r.issues.len(), 1);
        assert!(
            r.issues[0].starts_with("option `payload.a[0]`: "),
            "{}",
            r.issues[0]
        );
    }

    #[test]
    fn modern_values_stay_formulas() {
        let options =
            Json::parse(r#"{"path":"=receive.users","text":"Hi <<a.b>> {{ literal }}"}"#).unwrap();
        let mut r = Rewriter::new(false, None);
        assert_eq!(r.value("", &options), options);
        assert!(r.issues.is_empty());
    }

    #[test]
    fn inputs_can_change_the_value_type() {
        let inputs = vec![("n".to_owned(), Json::Number(5.into()))];
        let mut r = Rewriter::new(false, Some(&inputs));
        let out = r.value("", &Json::parse(r#"{"limit":"=INPUT.n"}"#).unwrap());
        assert_eq!(out.to_compact(), r#"{"limit":5}"#);
        assert_eq!(r.input_use.used, ["n"]);
    }
}
