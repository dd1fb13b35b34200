//! Duplicate keys anywhere in a file. The readers of known structures (workflow, action,
//! options) report theirs with context; this walk catches the rest: payloads, headers,
//! resources, `local:` and every other free-form mapping, where YAML would otherwise keep the
//! last value silently.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceFile;

use super::{Node, NodeValue};

/// Reports every duplicate key under `node` that `diags` does not already report.
pub fn report_duplicate_keys(source: &SourceFile, node: &Node, diags: &mut Diagnostics) {
    let mut found = Vec::new();
    collect(node, None, &mut found);
    for (key, location, first_line, parent) in found {
        let known = diags.iter().any(|d| {
            d.file == source.path
                && d.location == location
                && d.message.starts_with("duplicate key")
        });
        if known {
            continue;
        }
        let within = parent.map(|p| format!(" in `{p}`")).unwrap_or_default();
        diags.push(
            Diagnostic::new(source, location, format!("duplicate key `{key}`{within}"))
                .with_suggestion(Some(format!("the first `{key}` is on line {first_line}")))
                .with_help("remove one of the two; YAML keys must be unique"),
        );
    }
}

type Found<'a> = (&'a str, crate::source::Location, u32, Option<&'a str>);

fn collect<'a>(node: &'a Node, parent: Option<&'a str>, found: &mut Vec<Found<'a>>) {
    match &node.value {
        NodeValue::Map(entries) => {
            // Most mappings are small: a scan of the keys before beats hashing them.
            let mut seen: Option<HashMap<&str, u32>> = None;
            for (i, (key, value)) in entries.iter().enumerate() {
                let first_line = if entries.len() <= 16 {
                    entries[..i]
                        .iter()
                        .find(|(k, _)| k.name == key.name)
                        .map(|(k, _)| k.location.line)
                } else {
                    let seen = seen.get_or_insert_with(HashMap::new);
                    let first = seen.get(key.name.as_str()).copied();
                    if first.is_none() {
                        seen.insert(&key.name, key.location.line);
                    }
                    first
                };
                if let Some(first_line) = first_line {
                    found.push((&key.name, key.location, first_line, parent));
                }
                collect(value, Some(&key.name), found);
            }
        }
        NodeValue::Seq(items) => {
            for item in items {
                collect(item, parent, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        let source = SourceFile::new("t.yaml", yaml);
        let root = crate::yaml::parse(&source.text).expect("valid YAML");
        let mut diags = Diagnostics::new();
        report_duplicate_keys(&source, &root, &mut diags);
        diags
            .iter()
            .map(|d| format!("{}:{} {}", d.location.line, d.location.column, d.message))
            .collect()
    }

    #[test]
    fn nested_and_listed_mappings_are_checked() {
        assert_eq!(
            problems("a:\n  payload:\n    x: 1\n    x: 2\nb:\n  - {h: 1, h: 2}\n"),
            [
                "4:5 duplicate key `x` in `payload`",
                "6:12 duplicate key `h` in `b`"
            ]
        );
    }

    #[test]
    fn unique_keys_and_equal_keys_in_sibling_mappings_are_fine() {
        assert!(problems("a: {x: 1}\nb: {x: 1}\nc: [{y: 1}, {y: 2}]\n").is_empty());
    }
}
