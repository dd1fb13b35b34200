//! Tines exports often hold numbers and booleans as strings (`seconds: "60"`,
//! `disable_ssl_verification: "true"`). Options whose meaning is a number or a bool are
//! written with their real type, and each change is reported.

use super::json::{Json, set};

/// What an option's value should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Bool,
    Integer,
    Number,
}

/// The typed value of a string that spells one, or `None`.
pub fn parse_typed(value: &Json, expect: Expect) -> Option<Json> {
    let s = value.as_str()?.trim();
    match expect {
        Expect::Bool => match s.to_ascii_lowercase().as_str() {
            "true" => Some(Json::Bool(true)),
            "false" => Some(Json::Bool(false)),
            _ => None,
        },
        Expect::Integer => {
            if let Ok(n) = s.parse::<i64>() {
                return Some(Json::Number(n.into()));
            }
            let f = s
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15)?;
            Some(Json::Number((f as i64).into()))
        }
        Expect::Number => {
            if let Ok(n) = s.parse::<i64>() {
                return Some(Json::Number(n.into()));
            }
            let f = s.parse::<f64>().ok().filter(|f| f.is_finite())?;
            serde_json::Number::from_f64(f).map(Json::Number)
        }
    }
}

/// Gives `key` its real type when it is a string spelling one; reports the change.
pub fn normalise(
    entries: &mut Vec<(String, Json)>,
    key: &str,
    expect: Expect,
    issues: &mut Vec<String>,
) {
    let Some(current) = entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
    else {
        return;
    };
    if let Some(typed) = parse_typed(&current, expect) {
        let kind = if expect == Expect::Bool {
            "boolean"
        } else {
            "number"
        };
        issues.push(format!(
            "option `{key}`: {} (a string) written as the {kind} {}",
            current.to_compact(),
            typed.to_compact()
        ));
        set(entries, key, typed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_strings_spell() {
        assert_eq!(
            parse_typed(&Json::str(" TRUE "), Expect::Bool),
            Some(Json::Bool(true))
        );
        assert_eq!(parse_typed(&Json::str("yes"), Expect::Bool), None);
        assert_eq!(
            parse_typed(&Json::str("60"), Expect::Integer),
            Some(Json::Number(60.into()))
        );
        assert_eq!(
            parse_typed(&Json::str("60.0"), Expect::Integer),
            Some(Json::Number(60.into()))
        );
        assert_eq!(parse_typed(&Json::str("0.5"), Expect::Integer), None);
        assert_eq!(
            parse_typed(&Json::str("0.5"), Expect::Number).map(|j| j.to_compact()),
            Some("0.5".into())
        );
        assert_eq!(parse_typed(&Json::str("<<x>>"), Expect::Number), None);
        assert_eq!(parse_typed(&Json::Number(3.into()), Expect::Number), None);
        assert_eq!(parse_typed(&Json::str("NaN"), Expect::Number), None);
    }

    #[test]
    fn normalises_in_place_and_reports() {
        let mut entries = vec![
            ("mode".to_owned(), Json::str("delay")),
            ("seconds".to_owned(), Json::str("60")),
        ];
        let mut issues = Vec::new();
        normalise(&mut entries, "seconds", Expect::Number, &mut issues);
        normalise(&mut entries, "absent", Expect::Number, &mut issues);
        normalise(&mut entries, "mode", Expect::Number, &mut issues);
        assert_eq!(
            Json::Object(entries).to_compact(),
            r#"{"mode":"delay","seconds":60}"#
        );
        assert_eq!(
            issues,
            ["option `seconds`: \"60\" (a string) written as the number 60"]
        );
    }
}
