//! Strict YAML parsing: the options that make YAML's surprises errors instead of silent data.

use serde_saphyr::{DuplicateKeyPolicy, Options, Spanned};

use super::node::{Node, NodeValue, located};
use crate::source::Location;

/// A document that is not well-formed YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub location: Location,
}

/// Parses one YAML document into a located tree.
///
/// Booleans are only `true`/`false` (`yes`, `on` stay text), numbers with leading zeros or
/// underscores stay text (`007` is a ticket number, not 7), and duplicate keys are passed
/// through so the loader can report each one with its position.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut options = Options::default();
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.legacy_octal_numbers = false;
    options.with_snippet = false;
    if text.trim().is_empty() {
        return Ok(Node::new(NodeValue::Null, Location::new(1, 1, 1)));
    }
    match serde_saphyr::from_str_with_options::<Spanned<NodeValue>>(text, options) {
        Ok(node) => Ok(located(node)),
        Err(e) => {
            let message = plain_message(&e.without_snippet().to_string());
            let mut location = e
                .location()
                .map(Location::from)
                .unwrap_or(Location::UNKNOWN);
            if message.contains("tab") {
                location = at_tab(text, location);
            }
            Err(YamlError { message, location })
        }
    }
}

/// The parser reports a tab error after the tab; the caret belongs under the tab itself.
fn at_tab(text: &str, location: Location) -> Location {
    let Some(line) = text.lines().nth(location.line.saturating_sub(1) as usize) else {
        return location;
    };
    match line.chars().position(|c| c == '\t') {
        Some(i) if i < location.column as usize => Location::new(location.line, i as u32 + 1, 1),
        _ => location,
    }
}

/// serde-saphyr prefixes messages with "line N column M: "; the diagnostic shows the position itself.
fn plain_message(raw: &str) -> String {
    let s = raw.trim().trim_start_matches("error: ");
    let s = match s.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map(|(_, m)| m).unwrap_or(s),
        None => s,
    };
    let s = s.lines().next().unwrap_or(s);
    // …and some end with " at line N, column M".
    match s.rfind(" at line ") {
        Some(i) if s[i..].contains(", column ") => s[..i].to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_yaml_1_1_booleans_and_padded_numbers_as_text() {
        let node = parse("a: yes\nb: 007\nc: 1_000\nd: true\ne: 12\n").unwrap();
        assert_eq!(node.get("a").unwrap().value, NodeValue::Str("yes".into()));
        assert_eq!(node.get("b").unwrap().value, NodeValue::Str("007".into()));
        assert_eq!(node.get("c").unwrap().value, NodeValue::Str("1_000".into()));
        assert_eq!(node.get("d").unwrap().value, NodeValue::Bool(true));
        assert_eq!(node.get("e").unwrap().value, NodeValue::Int(12));
    }

    #[test]
    fn passes_duplicate_keys_through_with_positions() {
        let node = parse("a: 1\na: 2\n").unwrap();
        let map = node.as_map().unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map[1].0.location.line, 2);
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = parse("a: 1\n  b: [1,\n").unwrap_err();
        assert_eq!(err.location.line, 2);
        assert_eq!(err.location.column, 4);
        assert_eq!(
            err.message,
            "mapping values are not allowed in this context"
        );
    }

    #[test]
    fn tab_errors_point_at_the_tab() {
        let err = parse("a: 1\nb:\n\tc: 2\n").unwrap_err();
        assert!(err.message.contains("tab"), "{}", err.message);
        assert_eq!((err.location.line, err.location.column), (3, 1));
    }

    #[test]
    fn nested_values_know_their_line_and_column() {
        let node = parse("actions:\n  - name: Get\n    options: {url: x}\n").unwrap();
        let action = &node.get("actions").unwrap().as_seq().unwrap()[0];
        let url = action.get("options").unwrap().get("url").unwrap();
        assert_eq!((url.location.line, url.location.column), (3, 20));
    }
}
