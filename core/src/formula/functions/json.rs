//! JSON functions: JSON_PARSE, TO_JSON.

use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, is_array, is_object, type_name};

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[("JSON_PARSE", json_parse), ("TO_JSON", to_json)];

/// `JSON_PARSE(text)`: parses JSON text into a value. An array or object is returned unchanged,
/// since an HTTP body may already have been decoded before the formula sees it.
fn json_parse(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("JSON_PARSE", raw, 1, 1)?;
    let v = args.value(0)?;
    if is_array(v) || is_object(v) {
        return Ok(v.clone());
    }
    let Some(text) = v.as_str() else {
        return Err(args.error_at(0, format!("must be JSON text, got {}", type_name(v))));
    };
    serde_json::from_str::<Value>(text).map_err(|e| args.error(format!("invalid JSON: {e}")))
}

/// `TO_JSON(value)`: compact JSON text (`{"a":[1,2]}`); text becomes a quoted JSON string.
fn to_json(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("TO_JSON", raw, 1, 1)?;
    let v = args.value(0)?;
    serde_json::to_string(v)
        .map(Value::from)
        .map_err(|e| args.error(format!("cannot encode as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json, render};
    use minijinja::Value;

    #[test]
    fn parse_round_trips_and_keeps_order() {
        let c = json(r#"{"body":"{\"z\":1,\"a\":[true,null,1.5,\"é\"]}"}"#);
        assert_eq!(
            eval("JSON_PARSE(body)", &c),
            json(r#"{"z":1,"a":[true,null,1.5,"é"]}"#)
        );
        assert_eq!(eval("KEYS(JSON_PARSE(body))", &c), json(r#"["z","a"]"#));
        assert_eq!(eval("JSON_PARSE(body).a[2]", &c), Value::from(1.5));
        assert_eq!(eval("JSON_PARSE('42')", &c), Value::from(42));
        assert_eq!(eval("JSON_PARSE('\"x\"')", &c), Value::from("x"));
        assert_eq!(eval("JSON_PARSE('null')", &c), Value::from(()));
        assert_eq!(eval("body|JSON_PARSE|SIZE", &c), Value::from(2));
    }

    #[test]
    fn parse_passes_decoded_values_through_and_rejects_junk() {
        let c = json(r#"{"o":{"a":1}}"#);
        assert_eq!(eval("JSON_PARSE(o)", &c), json(r#"{"a":1}"#));
        assert!(eval_err("JSON_PARSE('{bad')", &c).contains("JSON_PARSE: invalid JSON"));
        assert!(eval_err("JSON_PARSE('')", &c).contains("invalid JSON"));
        assert!(eval_err("JSON_PARSE(5)", &c).contains("must be JSON text, got number"));
        assert!(eval_err("JSON_PARSE(nope)", &c).contains("JSON_PARSE: argument 1 is missing"));
    }

    #[test]
    fn to_json_is_compact() {
        let c = json(r#"{"o":{"b":[1,2],"a":"q\"x","n":null}}"#);
        assert_eq!(
            eval("TO_JSON(o)", &c),
            Value::from(r#"{"b":[1,2],"a":"q\"x","n":null}"#)
        );
        assert_eq!(eval("TO_JSON('hi')", &c), Value::from(r#""hi""#));
        assert_eq!(eval("TO_JSON(1.5)", &c), Value::from("1.5"));
        assert_eq!(eval("TO_JSON(NULL)", &c), Value::from("null"));
        assert_eq!(eval("TO_JSON([])", &c), Value::from("[]"));
        assert_eq!(
            render("body=<<o|TO_JSON>>", &c),
            r#"body={"b":[1,2],"a":"q\"x","n":null}"#
        );
        assert!(eval_err("TO_JSON(nope)", &empty()).contains("TO_JSON: argument 1 is missing"));
    }
}
