//! Reading a YAML mapping against a fixed set of keys: unknown keys (with a suggestion),
//! duplicate keys, missing keys and wrong types each become one diagnostic, and reading goes on.

use std::collections::HashMap;

use super::node::{Node, NodeValue};
use super::suggest::did_you_mean;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{Location, SourceFile};

/// A mapping being read; `what` names it in messages ("action `get_tickets`").
pub struct MapReader<'a> {
    source: &'a SourceFile,
    node: &'a Node,
    what: String,
    allowed: &'a [&'a str],
    /// Where a missing key is reported (the mapping's own key, e.g. `options:`, when known).
    anchor: Location,
    /// Misspelled keys, read as the allowed key they were reported as ("did you mean"), so one
    /// typo is one diagnostic instead of also "`options` is missing" and whatever follows.
    misspelled: Vec<(&'a str, &'a Node)>,
}

impl<'a> MapReader<'a> {
    /// Checks that `node` is a mapping whose keys are all in `allowed` and unique, reporting
    /// every offending key. Returns `None` when `node` is not a mapping at all.
    pub fn new(
        source: &'a SourceFile,
        node: &'a Node,
        what: impl Into<String>,
        allowed: &'a [&'a str],
        diags: &mut Diagnostics,
    ) -> Option<MapReader<'a>> {
        let what = what.into();
        let Some(entries) = node.as_map() else {
            diags.error(
                source,
                node.location,
                format!(
                    "{what} must be a mapping of keys to values, found {}",
                    node.kind_name()
                ),
                format!(
                    "write it as `key: value` lines; allowed keys: {}",
                    allowed.join(", ")
                ),
            );
            return None;
        };
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut misspelled = Vec::new();
        for (key, value) in entries {
            if let Some(first_line) = seen.get(key.name.as_str()) {
                diags.push(
                    Diagnostic::new(
                        source,
                        key.location,
                        format!("duplicate key `{}` in {what}", key.name),
                    )
                    .with_suggestion(Some(format!(
                        "the first `{}` is on line {first_line}",
                        key.name
                    )))
                    .with_help("remove one of the two; YAML keys must be unique"),
                );
                continue;
            }
            seen.insert(&key.name, key.location.line);
            if !allowed.contains(&key.name.as_str()) {
                let suggestion = did_you_mean(&key.name, allowed.iter().copied());
                diags.push(
                    Diagnostic::new(
                        source,
                        key.location,
                        format!("unknown key `{}` in {what}", key.name),
                    )
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help(format!("the keys allowed here are: {}", allowed.join(", "))),
                );
                if let Some(s) = suggestion {
                    if node.get(s).is_none() && !misspelled.iter().any(|(k, _)| *k == s) {
                        misspelled.push((s, value));
                    }
                }
            }
        }
        Some(MapReader {
            source,
            node,
            what,
            allowed,
            anchor: node.location,
            misspelled,
        })
    }

    /// Reports missing keys at `at` (e.g. the `options:` key) instead of the mapping's first key.
    pub fn anchored(mut self, at: Location) -> MapReader<'a> {
        if at.is_known() {
            self.anchor = at;
        }
        self
    }

    pub fn node(&self) -> &'a Node {
        self.node
    }

    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn source(&self) -> &'a SourceFile {
        self.source
    }

    /// The value of `key`, if written (and not `null`); a misspelling already reported as
    /// "did you mean `key`?" stands in for it.
    pub fn get(&self, key: &'static str) -> Option<&'a Node> {
        debug_assert!(
            self.allowed.contains(&key),
            "`{key}` is read but not declared as allowed"
        );
        let found = self.node.get(key).or_else(|| {
            self.misspelled
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
        });
        found.filter(|n| n.value != NodeValue::Null)
    }

    /// The value of `key`, reporting its absence.
    pub fn required(
        &self,
        key: &'static str,
        help: &str,
        diags: &mut Diagnostics,
    ) -> Option<&'a Node> {
        let found = self.get(key);
        if found.is_none() {
            diags.error(
                self.source,
                self.anchor,
                // "the workflow has no `name`", "the options of action `x` have no `url`".
                format!(
                    "{} {} no `{key}`",
                    self.what,
                    if self.what.starts_with("the options") {
                        "have"
                    } else {
                        "has"
                    }
                ),
                help,
            );
        }
        found
    }

    /// A string value; numbers and booleans are reported, not converted, so `name: 007` stays visible.
    pub fn string(&self, key: &'static str, diags: &mut Diagnostics) -> Option<&'a str> {
        let node = self.get(key)?;
        self.expect_str(key, node, diags)
    }

    pub fn required_string(
        &self,
        key: &'static str,
        help: &str,
        diags: &mut Diagnostics,
    ) -> Option<&'a str> {
        let node = self.required(key, help, diags)?;
        self.expect_str(key, node, diags)
    }

    /// A string, or a number/boolean written where text is expected (YAML makes `value: 1` a number).
    pub fn scalar_text(&self, key: &'static str, diags: &mut Diagnostics) -> Option<String> {
        let node = self.get(key)?;
        match &node.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Int(i) => Some(i.to_string()),
            NodeValue::UInt(u) => Some(u.to_string()),
            NodeValue::Float(f) => Some(f.to_string()),
            NodeValue::Bool(b) => Some(b.to_string()),
            _ => {
                self.type_error(key, node, "a string", diags);
                None
            }
        }
    }

    pub fn bool(&self, key: &'static str, diags: &mut Diagnostics) -> Option<bool> {
        let node = self.get(key)?;
        match &node.value {
            NodeValue::Bool(b) => Some(*b),
            NodeValue::Str(s) => {
                // Relay reads YAML 1.2: `yes`, `no`, `on`, `off` are text, not booleans.
                let meant = match s.to_ascii_lowercase().as_str() {
                    "yes" | "y" | "on" | "true" => Some(true),
                    "no" | "n" | "off" | "false" => Some(false),
                    _ => None,
                };
                let help = match meant {
                    Some(b)
                        if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                    {
                        format!("write `{key}: {b}` without quotes")
                    }
                    Some(b) => format!(
                        "write `{key}: {b}`; `{s}` is text in YAML 1.2, which Relay reads (only `true` and `false` are booleans)"
                    ),
                    None => format!("write `{key}: true` or `{key}: false`"),
                };
                diags.error(
                    self.source,
                    node.location,
                    format!(
                        "`{key}` in {} must be `true` or `false`, found the text `{s}`",
                        self.what
                    ),
                    help,
                );
                None
            }
            _ => {
                self.type_error(key, node, "`true` or `false`", diags);
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn integer(
        &self,
        key: &'static str,
        min: i64,
        max: i64,
        diags: &mut Diagnostics,
    ) -> Option<i64> {
        let node = self.get(key)?;
        let n = match &node.value {
            NodeValue::Int(i) => Some(*i),
            NodeValue::Str(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                let range = if max == i64::MAX {
                    format!("at least {min}")
                } else {
                    format!("from {min} to {max}")
                };
                diags.error(
                    self.source,
                    node.location,
                    format!("`{key}` in {} is {n}; it must be {range}", self.what),
                    format!("use a whole number {range}"),
                );
                None
            }
            None => {
                self.type_error(key, node, "a whole number", diags);
                None
            }
        }
    }

    /// A number of seconds (integer or decimal), greater than zero.
    pub fn seconds(&self, key: &'static str, diags: &mut Diagnostics) -> Option<f64> {
        let node = self.get(key)?;
        let n = match &node.value {
            NodeValue::Int(i) => Some(*i as f64),
            NodeValue::Float(f) => Some(*f),
            NodeValue::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n > 0.0 && n.is_finite() => Some(n),
            _ => {
                self.type_error(key, node, "a number of seconds greater than 0", diags);
                None
            }
        }
    }

    fn expect_str(&self, key: &str, node: &'a Node, diags: &mut Diagnostics) -> Option<&'a str> {
        match node.as_str() {
            Some(s) => Some(s),
            None => {
                self.type_error(key, node, "a string", diags);
                None
            }
        }
    }

    pub fn type_error(&self, key: &str, node: &Node, expected: &str, diags: &mut Diagnostics) {
        diags.error(
            self.source,
            node.location,
            format!(
                "`{key}` in {} must be {expected}, found {}",
                self.what,
                node.kind_name()
            ),
            format!("change `{key}` to {expected}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn read(
        text: &str,
        allowed: &'static [&'static str],
    ) -> (Diagnostics, Option<String>, Option<bool>) {
        let source = SourceFile::new("t.yaml", text);
        let node = parse(text).unwrap();
        let mut diags = Diagnostics::new();
        let r = MapReader::new(&source, &node, "the test", allowed, &mut diags).unwrap();
        let name = r
            .required_string("name", "add it", &mut diags)
            .map(str::to_owned);
        let flag = r.bool("flag", &mut diags);
        (diags, name, flag)
    }

    #[test]
    fn a_misspelled_key_is_one_problem_and_its_value_is_still_read() {
        let (diags, name, _) = read("nmae: x\n", &["name", "flag"]);
        let all: Vec<_> = diags.iter().collect();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].message, "unknown key `nmae` in the test");
        assert_eq!(all[0].suggestion.as_deref(), Some("did you mean `name`?"));
        assert_eq!(name.as_deref(), Some("x"));
    }

    #[test]
    fn missing_keys_are_reported_at_the_anchor() {
        let text = "flag: true\n";
        let source = SourceFile::new("t.yaml", text);
        let node = parse(text).unwrap();
        let mut diags = Diagnostics::new();
        let r = MapReader::new(&source, &node, "the test", &["name", "flag"], &mut diags)
            .unwrap()
            .anchored(Location::new(7, 3, 7));
        assert!(r.required("name", "add it", &mut diags).is_none());
        let d = diags.iter().next().unwrap();
        assert_eq!(d.message, "the test has no `name`");
        assert_eq!((d.location.line, d.location.column), (7, 3));
    }

    #[test]
    fn yaml_1_1_booleans_are_refused_with_the_fix() {
        let (diags, _, flag) = read("name: x\nflag: yes\n", &["name", "flag"]);
        assert_eq!(flag, None);
        let d = diags.iter().next().unwrap();
        assert_eq!(
            d.message,
            "`flag` in the test must be `true` or `false`, found the text `yes`"
        );
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("write `flag: true`;"),
            "{:?}",
            d.help
        );
    }

    #[test]
    fn a_duplicate_key_names_the_first_line() {
        let (diags, name, _) = read("name: a\nflag: true\nname: b\n", &["name", "flag"]);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.message, "duplicate key `name` in the test");
        assert_eq!(
            d.suggestion.as_deref(),
            Some("the first `name` is on line 1")
        );
        assert_eq!(d.location.line, 3);
        assert_eq!(name.as_deref(), Some("a"), "the first one is read");
    }
}
