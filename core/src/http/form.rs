//! Rack/Rails-style flattening of nested payloads (`a[b]=c`, `a[]=1`) and
//! `application/x-www-form-urlencoded` encoding, shared by query strings and form bodies.

use minijinja::Value;

use super::encode_error::EncodeError;
use super::value_parts::{Shape, shape};

/// Deepest nesting accepted; deeper payloads are refused instead of exhausting the stack.
const MAX_DEPTH: usize = 128;

/// Flattens an object payload into Rack-style key/value pairs, in insertion order.
///
/// Nested objects become `a[b]`, list items `a[]` (objects in lists `a[][b]`), `null` an empty
/// value, bools and numbers their JSON text. Empty objects and lists add no pair (as Rails'
/// `to_query` does). `null` as the whole payload gives no pairs.
pub fn flatten(payload: &Value) -> Result<Vec<(String, String)>, EncodeError> {
    let mut pairs = Vec::new();
    match shape(payload)? {
        Shape::Null => {}
        Shape::Map(entries) => {
            for (key, item) in entries {
                push(&key, &item, 1, &mut pairs)?;
            }
        }
        _ => {
            return Err(EncodeError::new(format!(
                "a form or query payload must be an object or a string, not a {}",
                payload.kind()
            )));
        }
    }
    Ok(pairs)
}

/// Encodes pairs exactly as `application/x-www-form-urlencoded` (space as `+`, the rest percent-encoded).
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Flattens and encodes an object payload in one step.
pub fn encode_object(payload: &Value) -> Result<String, EncodeError> {
    Ok(encode_pairs(&flatten(payload)?))
}

fn push(
    name: &str,
    value: &Value,
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> Result<(), EncodeError> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::new(format!(
            "payload is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    match shape(value)? {
        Shape::Null => out.push((name.to_owned(), String::new())),
        Shape::Text(text) | Shape::Scalar(text) => out.push((name.to_owned(), text)),
        Shape::Binary(_) => {
            return Err(EncodeError::new(format!(
                "payload key `{name}` holds binary data that cannot be form-encoded"
            )));
        }
        Shape::Map(entries) => {
            for (key, item) in entries {
                push(&format!("{name}[{key}]"), &item, depth + 1, out)?;
            }
        }
        Shape::List(items) => {
            let item_name = format!("{name}[]");
            for item in items {
                push(&item_name, &item, depth + 1, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn decoded(encoded: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(encoded.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn flattens_nested_objects_and_lists_in_insertion_order() {
        let payload = json(
            r#"{"z":1,"user":{"name":"Ann","tags":["a","b"]},"list":[{"x":1},{"x":2}],"deep":[[1]]}"#,
        );
        let pairs = flatten(&payload).unwrap();
        let expected: Vec<(String, String)> = [
            ("z", "1"),
            ("user[name]", "Ann"),
            ("user[tags][]", "a"),
            ("user[tags][]", "b"),
            ("list[][x]", "1"),
            ("list[][x]", "2"),
            ("deep[][]", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn scalars_are_json_text_and_null_is_empty() {
        let payload =
            json(r#"{"t":true,"f":false,"n":null,"i":-3,"x":1.5,"big":18446744073709551615}"#);
        assert_eq!(
            encode_object(&payload).unwrap(),
            "t=true&f=false&n=&i=-3&x=1.5&big=18446744073709551615"
        );
    }

    #[test]
    fn empty_containers_add_nothing() {
        let payload = json(r#"{"a":[],"b":{},"c":"x"}"#);
        assert_eq!(encode_object(&payload).unwrap(), "c=x");
    }

    #[test]
    fn brackets_and_special_characters_are_percent_encoded() {
        let payload = json(r#"{"a b":{"c":"x&y=z#w +é\"'"}}"#);
        let encoded = encode_object(&payload).unwrap();
        assert_eq!(encoded, "a+b%5Bc%5D=x%26y%3Dz%23w+%2B%C3%A9%22%27");
        assert_eq!(
            decoded(&encoded),
            vec![("a b[c]".to_string(), "x&y=z#w +é\"'".to_string())]
        );
    }

    #[test]
    fn top_level_list_is_refused() {
        let err = flatten(&json("[1,2]")).unwrap_err();
        assert!(err.message().contains("must be an object"), "{err}");
    }

    #[test]
    fn binary_values_are_refused_with_their_key() {
        let payload = Value::from_pairs([("blob", Value::from_bytes(vec![0xff, 0xfe]))]);
        let err = flatten(&payload).unwrap_err();
        assert!(err.message().contains("`blob`"), "{err}");
    }

    #[test]
    fn excessive_nesting_is_an_error_not_a_stack_overflow() {
        let mut value = Value::from(1);
        for _ in 0..200 {
            value = Value::from_pairs([("a", value)]);
        }
        let err = flatten(&value).unwrap_err();
        assert!(err.message().contains("nested"), "{err}");
    }
}
