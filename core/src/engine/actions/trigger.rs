//! `trigger`: passes an event on when its rules hold (`{rule_matched: true}` on default links),
//! else `{rule_matched: false}` on `no_match` links.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::ValueKind;
use regex::Regex;

use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, ActionType, Outcome};
use crate::event::Event;
use crate::formula::{Compiled, to_text};
use crate::plan::OptionPlanner;
use crate::yaml::{MapReader, did_you_mean};

/// The options `trigger` reads (the Tines importer keeps the others aside).
pub(crate) const KEYS: &[&str] = &["rules", "must_match"];
const RULE_KEYS: &[&str] = &["type", "value", "path"];
/// The rule types of workflow.md (the Tines importer checks rules against the same list).
pub(crate) const RULE_TYPES: &[&str] = &[
    "field==value",
    "field!=value",
    "field>value",
    "field>=value",
    "field<value",
    "field<=value",
    "regex",
    "!regex",
    "in",
    "!in",
    "is_null",
    "is_not_null",
];

pub struct TriggerType;

#[derive(Debug)]
struct Trigger {
    rules: Vec<Rule>,
    must_match: usize,
}

#[derive(Debug)]
struct Rule {
    kind: RuleKind,
    path: Compiled,
    value: Option<Compiled>,
    /// The compiled pattern when `value` is a constant regex.
    regex: Option<Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RuleKind {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Regex,
    NotRegex,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

impl RuleKind {
    fn parse(s: &str) -> Option<RuleKind> {
        Some(match s {
            "field==value" => RuleKind::Eq,
            "field!=value" => RuleKind::Ne,
            "field>value" => RuleKind::Gt,
            "field>=value" => RuleKind::Ge,
            "field<value" => RuleKind::Lt,
            "field<=value" => RuleKind::Le,
            "regex" => RuleKind::Regex,
            "!regex" => RuleKind::NotRegex,
            "in" => RuleKind::In,
            "!in" => RuleKind::NotIn,
            "is_null" => RuleKind::IsNull,
            "is_not_null" => RuleKind::IsNotNull,
            _ => return None,
        })
    }

    fn needs_value(self) -> bool {
        !matches!(self, RuleKind::IsNull | RuleKind::IsNotNull)
    }
}

impl ActionType for TriggerType {
    fn name(&self) -> &str {
        "trigger"
    }

    fn plan(&self, p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
        let r = p.reader(KEYS)?;
        let rules_node = r.required(
            "rules",
            "add `rules:`, a list of `{type, value, path}`",
            p.diags,
        )?;
        let Some(items) = rules_node.as_seq() else {
            r.type_error(
                "rules",
                rules_node,
                "a list of `{type, value, path}` rules",
                p.diags,
            );
            return None;
        };
        let mut rules = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let what = format!("rule #{} of action `{}`", i + 1, p.slug);
            let Some(rr) = MapReader::new(p.source, item, what.clone(), RULE_KEYS, p.diags) else {
                ok = false;
                continue;
            };
            match plan_rule(p, &rr, i) {
                Some(rule) => rules.push(rule),
                None => ok = false,
            }
        }
        let must_match = match r.integer("must_match", 1, i64::MAX, p.diags) {
            Some(n) if n as usize > items.len() => {
                p.error(
                    r.get("must_match")?.location,
                    format!(
                        "`must_match` is {n} but action `{}` has only {} rules",
                        p.slug,
                        items.len()
                    ),
                    "lower `must_match` or add rules",
                );
                return None;
            }
            Some(n) => n as usize,
            None => items.len(),
        };
        if !ok {
            return None;
        }
        Some(Arc::new(Trigger { rules, must_match }))
    }
}

fn plan_rule(p: &mut OptionPlanner<'_>, r: &MapReader<'_>, i: usize) -> Option<Rule> {
    let type_name = r.required_string("type", "add `type:`, e.g. `field==value`", p.diags)?;
    let Some(kind) = RuleKind::parse(type_name) else {
        let suggestion = did_you_mean(type_name, RULE_TYPES.iter().copied());
        p.diags.push(
            crate::diagnostic::Diagnostic::new(
                p.source,
                r.get("type")?.location,
                format!("unknown rule type `{type_name}` in action `{}`", p.slug),
            )
            .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
            .with_help(format!("rule types: {}", RULE_TYPES.join(", "))),
        );
        return None;
    };
    let path_node = r.required(
        "path",
        "add `path:`, the value to test, e.g. `<<explode_tickets.ticket.priority_id>>`",
        p.diags,
    )?;
    let path = p.formula(path_node, &format!("rules.{i}.path"), false)?;
    let value = match r.get("value") {
        Some(node) => Some(p.formula(node, &format!("rules.{i}.value"), false)?),
        None if kind.needs_value() => {
            p.error(
                r.node().location,
                format!(
                    "rule #{} of action `{}` (`{type_name}`) has no `value`",
                    i + 1,
                    p.slug
                ),
                "add `value:` to compare against",
            );
            return None;
        }
        None => None,
    };
    let mut regex = None;
    if matches!(kind, RuleKind::Regex | RuleKind::NotRegex) {
        if let Some(pattern) = value
            .as_ref()
            .and_then(Compiled::as_constant)
            .and_then(|v| to_text(v).ok())
        {
            match Regex::new(&pattern) {
                Ok(re) => regex = Some(re),
                Err(e) => {
                    let node = r.get("value")?;
                    let (reason, span) = regex_problem(&e, &pattern);
                    let at = match span {
                        Some((offset, width)) => {
                            crate::formula::locate(p.source, node, offset, width)
                        }
                        None => node.location,
                    };
                    p.error(
                        at,
                        format!(
                            "invalid regular expression in rule #{} of action `{}`: {reason}",
                            i + 1,
                            p.slug
                        ),
                        "fix the pattern (Rust regex syntax); to match `(`, `[` or `.` literally, escape it with `\\` (written `\\\\` inside double quotes)",
                    );
                    return None;
                }
            }
        }
    }
    if matches!(kind, RuleKind::In | RuleKind::NotIn) {
        if let Some(v) = value.as_ref().and_then(Compiled::as_constant) {
            if v.kind() != ValueKind::Seq {
                let example = match v.as_str() {
                    Some(text) if text.contains(',') => {
                        let items: Vec<String> = text
                            .split(',')
                            .map(|t| format!("\"{}\"", t.trim()))
                            .collect();
                        format!("`value: [{}]`", items.join(", "))
                    }
                    _ => "`value: [\"1\", \"2\"]`".to_owned(),
                };
                p.error(
                    r.get("value")?.location,
                    format!(
                        "rule #{} of action `{}` (`{type_name}`) needs a list as `value`, found {}",
                        i + 1,
                        p.slug,
                        kind_name(v)
                    ),
                    format!("write the values as a YAML list, e.g. {example}"),
                );
                return None;
            }
        }
    }
    Some(Rule {
        kind,
        path,
        value,
        regex,
    })
}

impl Action for Trigger {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let slug = cx.slug();
            let scope = match cx.scope(&event) {
                Ok(s) => s,
                Err(e) => {
                    return Outcome::failed(
                        event.with(slug, error_result(&e.to_string())),
                        e.to_string(),
                    );
                }
            };
            let mut held = 0;
            for (i, rule) in self.rules.iter().enumerate() {
                match evaluate(rule, &scope) {
                    Ok(true) => held += 1,
                    Ok(false) => {}
                    Err(e) => {
                        let e = format!("rule #{}: {e}", i + 1);
                        return Outcome::failed(event.with(slug, error_result(&e)), e);
                    }
                }
            }
            let matched = held >= self.must_match;
            let result = Value::from_pairs([("rule_matched", Value::from(matched))]);
            if matched {
                Outcome::emit(vec![event.with(slug, result)])
            } else {
                Outcome::no_match(event.with(slug, result))
            }
        })
    }

    fn emits_no_match(&self) -> bool {
        true
    }

    fn is_pure(&self) -> bool {
        true
    }
}

fn error_result(message: &str) -> Value {
    Value::from_pairs([("error", Value::from(message))])
}

fn evaluate(rule: &Rule, scope: &crate::formula::Scope) -> Result<bool, String> {
    if matches!(rule.kind, RuleKind::IsNull | RuleKind::IsNotNull) {
        let v = rule
            .path
            .render_optional(scope)
            .map_err(|e| e.to_string())?;
        let null = v.as_ref().is_none_or(|v| v.is_none() || v.is_undefined());
        return Ok(null == (rule.kind == RuleKind::IsNull));
    }
    let field = rule
        .path
        .render(scope)
        .map_err(|e| e.within("path").to_string())?;
    let value = match &rule.value {
        Some(v) => v.render(scope).map_err(|e| e.within("value").to_string())?,
        None => Value::from(()),
    };
    Ok(match rule.kind {
        RuleKind::Eq => equal(&field, &value),
        RuleKind::Ne => !equal(&field, &value),
        RuleKind::Gt => compare(&field, &value).is_some_and(|o| o.is_gt()),
        RuleKind::Ge => compare(&field, &value).is_some_and(|o| o.is_ge()),
        RuleKind::Lt => compare(&field, &value).is_some_and(|o| o.is_lt()),
        RuleKind::Le => compare(&field, &value).is_some_and(|o| o.is_le()),
        RuleKind::Regex | RuleKind::NotRegex => {
            let text = to_text(&field)?;
            let found = match &rule.regex {
                Some(re) => re.is_match(&text),
                None => Regex::new(&to_text(&value)?)
                    .map_err(|e| format!("invalid regular expression: {e}"))?
                    .is_match(&text),
            };
            found == (rule.kind == RuleKind::Regex)
        }
        RuleKind::In | RuleKind::NotIn => {
            let Ok(items) = value.try_iter() else {
                return Err("`value` must be a list for `in`/`!in`".into());
            };
            if value.kind() != ValueKind::Seq {
                return Err("`value` must be a list for `in`/`!in`".into());
            }
            let found = items.into_iter().any(|item| equal(&field, &item));
            found == (rule.kind == RuleKind::In)
        }
        RuleKind::IsNull | RuleKind::IsNotNull => unreachable!("handled above"),
    })
}

/// A number, or a string that reads as one.
fn numeric(v: &Value) -> Option<f64> {
    match v.kind() {
        ValueKind::Number => f64::try_from(v.clone()).ok(),
        ValueKind::String => v
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse::<f64>().ok()),
        _ => None,
    }
}

/// Numeric when both sides are numbers (or numeric strings), else by text.
fn equal(a: &Value, b: &Value) -> bool {
    match (numeric(a), numeric(b)) {
        (Some(x), Some(y)) => x == y,
        _ => match (to_text(a), to_text(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (numeric(a), numeric(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(to_text(a).ok()?.cmp(&to_text(b).ok()?)),
    }
}

/// The reason a pattern does not compile, and where in it (character offset and width) when
/// the regex parser shows it with carets under a one-line pattern.
fn regex_problem(e: &regex::Error, pattern: &str) -> (String, Option<(usize, usize)>) {
    let regex::Error::Syntax(text) = e else {
        return (e.to_string(), None);
    };
    let lines: Vec<&str> = text.lines().collect();
    let reason = lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text)
        .to_owned();
    // regex-syntax prints: "regex parse error:", "    <pattern>", "    ^^^", "error: <reason>".
    let span = match lines.as_slice() {
        [_, shown, carets, _] if shown.strip_prefix("    ") == Some(pattern) => {
            let carets = carets.strip_prefix("    ").unwrap_or_default();
            let offset = carets.chars().take_while(|c| *c == ' ').count();
            let width = carets
                .chars()
                .skip(offset)
                .take_while(|c| *c == '^')
                .count();
            (width > 0).then_some((offset, width))
        }
        _ => None,
    };
    (reason, span)
}

fn kind_name(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::String => "text",
        ValueKind::Number => "a number",
        ValueKind::Bool => "a boolean",
        ValueKind::Map => "a mapping",
        ValueKind::None | ValueKind::Undefined => "nothing",
        _ => "a single value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_strings_compare_as_numbers() {
        assert!(equal(&Value::from("1"), &Value::from(1)));
        assert!(equal(&Value::from("1.0"), &Value::from(1)));
        assert!(
            compare(&Value::from("10"), &Value::from("9"))
                .unwrap()
                .is_gt()
        );
        assert!(
            compare(&Value::from("b"), &Value::from("a"))
                .unwrap()
                .is_gt()
        );
        assert!(!equal(&Value::from("abc"), &Value::from("ABC")));
        assert!(!equal(&Value::from(" "), &Value::from(0)));
    }
}
