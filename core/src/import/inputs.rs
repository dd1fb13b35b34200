//! Templated (library) actions of modern Tines refer to `<<INPUT.x>>`; the values live in the
//! story's `integrations[]`. Relay has no INPUT root, so the values are written in place.

use super::formula_scan::{Part, is_simple_path, parts, replace_paths};
use super::json::Json;

/// What substituting inputs into one action found.
#[derive(Debug, Default)]
pub struct InputUse {
    /// Input names written in, in first-use order.
    pub used: Vec<String>,
    /// `INPUT.x` references without a value.
    pub missing: Vec<String>,
    /// Inputs whose text holds pills and so cannot sit inside a larger formula.
    pub not_inlined: Vec<String>,
}

impl InputUse {
    fn note(list: &mut Vec<String>, name: &str) {
        if !list.iter().any(|n| n == name) {
            list.push(name.to_owned());
        }
    }
}

fn lookup<'a>(inputs: &'a [(String, Json)], name: &str) -> Option<&'a Json> {
    inputs.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// `INPUT.x` alone (as `=INPUT.x` or `<<INPUT.x>>`), its name.
fn whole_reference(s: &str) -> Option<&str> {
    let expr = match parts(s).as_slice() {
        [Part::Formula(e)] | [Part::Pill(e)] => *e,
        _ => return None,
    };
    let name = expr.trim().strip_prefix("INPUT.")?;
    is_simple_path(name)
        .then_some(name)
        .filter(|n| !n.contains('.'))
}

/// The input as text inside a longer string.
fn as_text(value: &Json) -> String {
    match value {
        Json::String(s) => match s.strip_prefix('=') {
            Some(formula) if !formula.trim().is_empty() => format!("<<{formula}>>"),
            _ => s.clone(),
        },
        Json::Null => String::new(),
        other => other.to_compact(),
    }
}

/// The input as an expression inside a formula, when it can be one.
fn as_expression(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => match s.strip_prefix('=') {
            Some(formula) if is_simple_path(formula) => Some(formula.trim().to_owned()),
            Some(formula) if !formula.trim().is_empty() => Some(format!("({formula})")),
            _ if parts(s).iter().any(|p| !matches!(p, Part::Text(_))) => None,
            _ => serde_json::to_string(s).ok(),
        },
        Json::Null => Some("none".into()),
        Json::Bool(_) | Json::Number(_) => Some(value.to_compact()),
        _ => None,
    }
}

/// Writes the inputs into one string value; the result may be any JSON value when the string
/// was a lone reference.
pub fn substitute(s: &str, inputs: &[(String, Json)], seen: &mut InputUse) -> Json {
    if !s.contains("INPUT.") {
        return Json::str(s);
    }
    if let Some(name) = whole_reference(s) {
        return match lookup(inputs, name) {
            Some(value) => {
                InputUse::note(&mut seen.used, name);
                value.clone()
            }
            None => {
                InputUse::note(&mut seen.missing, name);
                Json::str(s)
            }
        };
    }
    let mut out = String::with_capacity(s.len());
    for part in parts(s) {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Pill(e) => {
                let name = e
                    .trim()
                    .strip_prefix("INPUT.")
                    .filter(|n| is_simple_path(n) && !n.contains('.'));
                match name.map(|n| (n, lookup(inputs, n))) {
                    Some((n, Some(value))) => {
                        InputUse::note(&mut seen.used, n);
                        out.push_str(&as_text(value));
                    }
                    _ => {
                        out.push_str("<<");
                        out.push_str(&replace_in_expression(e, inputs, seen));
                        out.push_str(">>");
                    }
                }
            }
            Part::Formula(e) => {
                out.push('=');
                out.push_str(&replace_in_expression(e, inputs, seen));
            }
        }
    }
    Json::String(out)
}

fn replace_in_expression(expr: &str, inputs: &[(String, Json)], seen: &mut InputUse) -> String {
    replace_paths(expr, "INPUT", |name| match lookup(inputs, name) {
        None => {
            InputUse::note(&mut seen.missing, name);
            None
        }
        Some(value) => match as_expression(value) {
            Some(expr) => {
                InputUse::note(&mut seen.used, name);
                Some(expr)
            }
            None => {
                InputUse::note(&mut seen.not_inlined, name);
                None
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Vec<(String, Json)> {
        vec![
            ("channel".into(), Json::str("C097")),
            ("slack_credential".into(), Json::str("=CREDENTIAL.slack")),
            (
                "message".into(),
                Json::str("Host <<detection.host>> isolated"),
            ),
            ("flag".into(), Json::str("")),
            ("count".into(), Json::Number(3.into())),
        ]
    }

    #[test]
    fn lone_references_take_the_value() {
        let mut seen = InputUse::default();
        assert_eq!(
            substitute("<<INPUT.channel>>", &inputs(), &mut seen),
            Json::str("C097")
        );
        assert_eq!(
            substitute("=INPUT.flag", &inputs(), &mut seen),
            Json::str("")
        );
        assert_eq!(
            substitute("=INPUT.slack_credential", &inputs(), &mut seen),
            Json::str("=CREDENTIAL.slack")
        );
        assert_eq!(
            substitute("<<INPUT.count>>", &inputs(), &mut seen),
            Json::Number(3.into())
        );
        assert_eq!(seen.used, ["channel", "flag", "slack_credential", "count"]);
    }

    #[test]
    fn references_in_text_become_text_or_pills() {
        let mut seen = InputUse::default();
        assert_eq!(
            substitute("Bearer <<INPUT.slack_credential>>", &inputs(), &mut seen),
            Json::str("Bearer <<CREDENTIAL.slack>>")
        );
        assert_eq!(
            substitute("\"<<INPUT.flag>>\"", &inputs(), &mut seen),
            Json::str("\"\"")
        );
        assert_eq!(
            substitute("say: <<INPUT.message>>", &inputs(), &mut seen),
            Json::str("say: Host <<detection.host>> isolated")
        );
    }

    #[test]
    fn references_inside_formulas() {
        let mut seen = InputUse::default();
        assert_eq!(
            substitute(
                "=IF(INPUT.count, INPUT.channel, INPUT.slack_credential)",
                &inputs(),
                &mut seen
            ),
            Json::str("=IF(3, \"C097\", CREDENTIAL.slack)")
        );
        assert_eq!(
            substitute("=CONCAT(INPUT.message)", &inputs(), &mut seen),
            Json::str("=CONCAT(INPUT.message)")
        );
        assert_eq!(seen.not_inlined, ["message"]);
    }

    #[test]
    fn missing_inputs_are_reported_and_kept() {
        let mut seen = InputUse::default();
        assert_eq!(
            substitute("<<INPUT.nope>>", &inputs(), &mut seen),
            Json::str("<<INPUT.nope>>")
        );
        assert_eq!(
            substitute("x <<INPUT.other | UPCASE>>", &inputs(), &mut seen),
            Json::str("x <<INPUT.other | UPCASE>>")
        );
        assert_eq!(seen.missing, ["nope", "other"]);
    }
}
