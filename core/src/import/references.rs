//! What the converted formulas read: results of actions that were not converted or do not
//! exist (Tines stories often keep references to deleted actions), and Tines functions Relay
//! does not provide. All are warnings: the import goes on, the validator has the last word.

use super::formula_scan::{expressions, functions, roots};
use super::json::Json;

/// Functions Relay's formulas provide (formulas.md, and those relay-core has beyond it).
const KNOWN_FUNCTIONS: &[&str] = &[
    "DEFAULT",
    "IF",
    "NOT",
    "IS_PRESENT",
    "IS_BLANK",
    "SIZE",
    "COUNT",
    "UPCASE",
    "DOWNCASE",
    "STRIP",
    "SPLIT",
    "JOIN",
    "CONCAT",
    "REGEX_REPLACE",
    "REGEX_EXTRACT",
    "INCLUDES",
    "JSON_PARSE",
    "TO_JSON",
    "BASE64_ENCODE",
    "BASE64_DECODE",
    "BASE64URL_ENCODE",
    "BASE64URL_DECODE",
    "URL_ENCODE",
    "URL_DECODE",
    "SHA256",
    "HMAC_SHA256",
    "UUID",
    "NOW",
    "DATE",
    "KEYS",
    "VALUES",
    "MERGE",
    "GET",
    "FIRST",
    "LAST",
    "UNIQ",
    "SORT",
    "FLATTEN",
    "WHERE",
    "MAP",
    "ABS",
    "CEIL",
    "FLOOR",
    "ROUND",
    "MAX",
    "MIN",
    "SUM",
    "TO_NUMBER",
    "TRIM",
    "LSTRIP",
    "RSTRIP",
    "REPLACE",
    "MATCH",
    "UNIX_TIMESTAMP",
];

/// Roots that are not action results.
const NAMESPACES: &[&str] = &[
    "CREDENTIAL",
    "RESOURCE",
    "LOCAL",
    "INFO",
    "META",
    "PAGINATE",
    "INPUT",
];

/// The slugs a workflow has, and those of actions kept only as comments.
#[derive(Debug, Clone, Default)]
pub struct Slugs {
    pub converted: Vec<String>,
    /// (slug, name, is a webhook) of actions that were not converted.
    pub kept: Vec<(String, String, bool)>,
    /// The story used Liquid, where a missing path printed nothing.
    pub legacy: bool,
}

fn walk(path: &str, value: &Json, out: &mut Vec<(String, String)>) {
    match value {
        Json::String(s) => out.push((path.to_owned(), s.clone())),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| walk(&format!("{path}[{i}]"), v, out)),
        Json::Object(entries) => entries
            .iter()
            .for_each(|(k, v)| walk(&super::rewrite::join(path, k), v, out)),
        _ => {}
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// Warnings about what one action's formulas read.
pub fn check(options: &[(String, Json)], local: Option<&Json>, slugs: &Slugs) -> Vec<String> {
    let mut strings = Vec::new();
    walk("", &Json::Object(options.to_vec()), &mut strings);
    if let Some(local) = local {
        walk("local", local, &mut strings);
    }
    let (mut unknown, mut not_converted, mut unknown_functions) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut reads_webhook = false;
    for (path, s) in &strings {
        for expr in expressions(s) {
            for root in roots(expr) {
                let in_scope = path.starts_with("customize_output") && root == "response";
                if NAMESPACES.contains(&root.as_str())
                    || in_scope
                    || slugs.converted.contains(&root)
                {
                    continue;
                }
                match slugs.kept.iter().find(|(slug, _, _)| *slug == root) {
                    Some((slug, name, webhook)) => {
                        reads_webhook |= *webhook;
                        push_unique(&mut not_converted, &format!("`{slug}` (\"{name}\")"));
                    }
                    None => push_unique(&mut unknown, &format!("`{root}`")),
                }
            }
            for f in functions(expr) {
                if !KNOWN_FUNCTIONS.contains(&f.as_str()) {
                    push_unique(&mut unknown_functions, &format!("`{f}`"));
                }
            }
        }
    }
    let mut out = Vec::new();
    if !not_converted.is_empty() {
        let hint = if reads_webhook {
            " (a webhook's data arrives as the entry event: `<<body.x>>` for daemon webhooks)"
        } else {
            ""
        };
        out.push(format!(
            "formulas read results of actions that were not converted: {}; adapt them{hint}",
            not_converted.join(", ")
        ));
    }
    if !unknown.is_empty() {
        let hint = if slugs.legacy {
            "; Liquid printed nothing for a missing path, Relay fails instead (`|DEFAULT(\"\")` restores the old behaviour)"
        } else {
            ""
        };
        out.push(format!(
            "formulas read {}, which no action of this story is called (an entry-event key, or an action deleted in Tines){hint}",
            unknown.join(", ")
        ));
    }
    if !unknown_functions.is_empty() {
        out.push(format!(
            "formulas use Tines functions Relay does not provide: {}",
            unknown_functions.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs() -> Slugs {
        Slugs {
            converted: vec!["explode".into(), "me".into()],
            kept: vec![("receive_events".into(), "Receive events".into(), true)],
            legacy: false,
        }
    }

    fn run(options: &str, local: Option<&str>) -> Vec<String> {
        let options = Json::parse(options).unwrap().as_object().unwrap().to_vec();
        let local = local.map(|l| Json::parse(l).unwrap());
        check(&options, local.as_ref(), &slugs())
    }

    #[test]
    fn known_roots_are_quiet() {
        assert!(run(r#"{"a":"<<explode.x>> <<CREDENTIAL.c>> =no","b":"=me.count + 1","c":"{{ .liquid }}","customize_output":"=response.body"}"#, None).is_empty());
    }

    #[test]
    fn not_converted_and_unknown_roots_are_reported() {
        let out = run(
            r#"{"a":"<<receive_events.type>>","b":["<<webhook_agent.file>>","=gone.x"]}"#,
            Some(r#"{"l":"<<receive_events.users>>"}"#),
        );
        assert_eq!(out.len(), 2);
        assert!(
            out[0].contains("`receive_events` (\"Receive events\")"),
            "{}",
            out[0]
        );
        assert!(out[0].contains("entry event"), "{}", out[0]);
        assert!(out[1].contains("`webhook_agent`, `gone`"), "{}", out[1]);
    }

    #[test]
    fn unknown_functions_are_reported() {
        let out = run(
            r#"{"p":"=REJECT(LOCAL.all, LAMBDA(item, OR(item = NULL, IS_EMPTY(item))))","q":"<<x.y|SIZE>>","r":"=explode|SIZE"}"#,
            None,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[0].contains("`x`"));
        assert_eq!(
            out[1],
            "formulas use Tines functions Relay does not provide: `REJECT`, `LAMBDA`, `OR`, `IS_EMPTY`"
        );
    }
}
