//! `mode: extract`: regular-expression captures out of event values.
//! `matchers: [{path, regexp, to}]` → `{<to>: [captures…]}` for each matcher.

use std::sync::Arc;

use minijinja::Value;
use regex::Regex;

use super::failed;
use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, Outcome};
use crate::event::Event;
use crate::formula::{Compiled, to_text};
use crate::plan::OptionPlanner;
use crate::yaml::MapReader;

const MATCHER_KEYS: &[&str] = &["path", "regexp", "to"];

#[derive(Debug)]
struct Matcher {
    path: Compiled,
    regexp: Regex,
    to: String,
}

#[derive(Debug)]
struct Extract {
    matchers: Vec<Matcher>,
}

pub fn plan(p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
    let r = p.reader(&["mode", "matchers"])?;
    let node = r.required(
        "matchers",
        "add `matchers:`, a list of `{path, regexp, to}`",
        p.diags,
    )?;
    let Some(items) = node.as_seq() else {
        r.type_error("matchers", node, "a list of `{path, regexp, to}`", p.diags);
        return None;
    };
    let mut matchers = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let m = MapReader::new(
            p.source,
            item,
            format!("matcher #{} of action `{}`", i + 1, p.slug),
            MATCHER_KEYS,
            p.diags,
        )?;
        let path_node = m.required(
            "path",
            "add `path:`, the text to search, e.g. `<<get_email.body>>`",
            p.diags,
        );
        let pattern = m.required_string(
            "regexp",
            "add `regexp:`, a regular expression; capture groups pick what is extracted",
            p.diags,
        );
        let to = m.required_string(
            "to",
            "add `to:`, the key the captures are put under",
            p.diags,
        );
        let path = p.formula(path_node?, &format!("matchers.{i}.path"), false)?;
        let (pattern, to) = (pattern?, to?);
        p.literal_text(m.get("regexp")?, "regexp", pattern, false, "'#(\\d+)'")?;
        p.literal_text(m.get("to")?, "to", to, true, "ticket_ids")?;
        let regexp = match regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
        {
            Ok(re) => re,
            Err(e) => {
                p.error(
                    m.get("regexp")?.location,
                    format!(
                        "invalid regular expression in matcher #{} of action `{}`: {}",
                        i + 1,
                        p.slug,
                        regex_problem(&e)
                    ),
                    "fix the pattern (Rust regex syntax: no look-around or back-references)",
                );
                return None;
            }
        };
        matchers.push(Matcher {
            path,
            regexp,
            to: to.to_owned(),
        });
    }
    Some(Arc::new(Extract { matchers }))
}

/// What is wrong with a pattern, on one line. The regex crate's syntax errors draw the pattern
/// with a caret over several lines and end in `error: <what>`; the diagnostic already points
/// at the pattern, and the extra lines read as a second, unrelated `error:`.
fn regex_problem(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or(text.trim())
            .to_owned(),
        other => other.to_string(),
    }
}

/// Every match: the whole match without groups, group 1 with one group, named groups as an
/// object, otherwise the list of groups.
fn captures(re: &Regex, text: &str) -> Value {
    let names: Vec<&str> = re.capture_names().flatten().collect();
    let groups = re.captures_len() - 1;
    let items: Vec<Value> = re
        .captures_iter(text)
        .map(|c| {
            let group = |i: usize| {
                c.get(i)
                    .map(|m| Value::from(m.as_str()))
                    .unwrap_or(Value::from(()))
            };
            if !names.is_empty() {
                Value::from_pairs(names.iter().map(|n| {
                    (
                        *n,
                        c.name(n)
                            .map(|m| Value::from(m.as_str()))
                            .unwrap_or(Value::from(())),
                    )
                }))
            } else {
                match groups {
                    0 => group(0),
                    1 => group(1),
                    n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
                }
            }
        })
        .collect();
    Value::from(items)
}

impl Action for Extract {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let slug = cx.slug();
            let scope = match cx.scope(&event) {
                Ok(s) => s,
                Err(e) => return failed(&event, slug, e.to_string()),
            };
            let mut pairs = Vec::with_capacity(self.matchers.len());
            for (i, m) in self.matchers.iter().enumerate() {
                let text = match m
                    .path
                    .render(&scope)
                    .map_err(|e| {
                        e.within("path")
                            .within(i.to_string())
                            .within("matchers")
                            .to_string()
                    })
                    .and_then(|v| to_text(&v))
                {
                    Ok(t) => t,
                    Err(e) => return failed(&event, slug, e),
                };
                pairs.push((m.to.clone(), captures(&m.regexp, &text)));
            }
            Outcome::emit(vec![event.with(slug, Value::from_pairs(pairs))])
        })
    }

    fn is_pure(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn capture_shapes() {
        let text = "INC-12 and INC-345, user=ana user=bo";
        assert_eq!(
            json(&captures(&Regex::new(r"INC-\d+").unwrap(), text)),
            r#"["INC-12","INC-345"]"#
        );
        assert_eq!(
            json(&captures(&Regex::new(r"INC-(\d+)").unwrap(), text)),
            r#"["12","345"]"#
        );
        assert_eq!(
            json(&captures(&Regex::new(r"(\w+)=(\w+)").unwrap(), text)),
            r#"[["user","ana"],["user","bo"]]"#
        );
        assert_eq!(
            json(&captures(&Regex::new(r"user=(?P<name>\w+)").unwrap(), text)),
            r#"[{"name":"ana"},{"name":"bo"}]"#
        );
        assert_eq!(
            json(&captures(&Regex::new(r"nothing").unwrap(), text)),
            "[]"
        );
    }

    #[test]
    fn syntax_errors_are_one_line() {
        let pattern = String::from("(unclosed");
        assert_eq!(
            regex_problem(&Regex::new(&pattern).unwrap_err()),
            "unclosed group"
        );
    }
}
