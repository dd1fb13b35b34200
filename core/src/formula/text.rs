//! How a formula value becomes text when a pill sits inside longer text.

use minijinja::Value;
use minijinja::value::ValueKind;

/// Strings as they are, numbers and booleans as JSON, `null` as the empty string, objects and
/// arrays as compact JSON. A missing value is an error: it must never turn into "" silently.
pub fn to_text(value: &Value) -> Result<String, String> {
    match value.kind() {
        ValueKind::Undefined => Err("the value does not exist".into()),
        ValueKind::None => Ok(String::new()),
        ValueKind::String => Ok(value.as_str().unwrap_or_default().to_owned()),
        // MiniJinja prints booleans Python-style (`True`); pills follow JSON (`true`).
        ValueKind::Bool => Ok(if value.is_true() { "true" } else { "false" }.to_owned()),
        ValueKind::Number => serde_json::to_string(value)
            .map_err(|e| format!("cannot turn the number into text: {e}")),
        _ => serde_json::to_string(value)
            .map_err(|e| format!("cannot turn the value into JSON text: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_pill_text_rules() {
        assert_eq!(to_text(&Value::from("a b")).unwrap(), "a b");
        assert_eq!(to_text(&Value::from(3)).unwrap(), "3");
        assert_eq!(to_text(&Value::from(2.5)).unwrap(), "2.5");
        assert_eq!(to_text(&Value::from(true)).unwrap(), "true");
        assert_eq!(to_text(&Value::from(())).unwrap(), "");
        let obj = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": [1, "x"], "b": null}),
        ));
        assert_eq!(to_text(&obj).unwrap(), r#"{"a":[1,"x"],"b":null}"#);
        assert!(to_text(&Value::UNDEFINED).is_err());
    }
}
