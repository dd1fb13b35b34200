//! Type-strict equality and ordering.
//!
//! MiniJinja's own `==` treats `true == 1` (Python rules). Tines follows Ruby, where a boolean
//! never equals a number and `"5"` never equals `5`, so WHERE, INCLUDES, COUNT and UNIQ use
//! these helpers instead. Integers and floats still compare by value (`1` equals `1.0`).

use std::cmp::Ordering;

use minijinja::Value;
use minijinja::value::ValueKind;

use super::args::{Number, array_items, is_array, is_object, object_entries};

/// Equality without cross-type coercion; arrays and objects compare element by element
/// (object key order does not matter).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a.kind(), b.kind()) {
        (ValueKind::None, ValueKind::None) | (ValueKind::Undefined, ValueKind::Undefined) => true,
        (ValueKind::Bool, ValueKind::Bool) => a.is_true() == b.is_true(),
        (ValueKind::Number, ValueKind::Number) => a == b,
        (ValueKind::String, ValueKind::String) => a.as_str() == b.as_str(),
        _ if is_array(a) && is_array(b) => match (array_items(a), array_items(b)) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| strict_eq(p, q))
            }
            _ => false,
        },
        _ if is_object(a) && is_object(b) => match (object_entries(a), object_entries(b)) {
            (Some(x), Some(y)) => {
                x.len() == y.len()
                    && x.iter().all(|(k, v)| {
                        y.iter()
                            .any(|(k2, v2)| strict_eq(k, k2) && strict_eq(v, v2))
                    })
            }
            _ => false,
        },
        _ => false,
    }
}

/// Ordering for SORT, MIN and MAX: numbers by value, text by code point, booleans
/// `false < true`. Mixing kinds (text with numbers, say) has no sensible order, so it is
/// reported as `None` and the caller raises an error.
pub fn strict_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a.kind(), b.kind()) {
        (ValueKind::Number, ValueKind::Number) => {
            match (Number::from_value(a)?, Number::from_value(b)?) {
                (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
                (x, y) => x.as_f64().partial_cmp(&y.as_f64()),
            }
        }
        (ValueKind::String, ValueKind::String) => Some(a.as_str()?.cmp(b.as_str()?)),
        (ValueKind::Bool, ValueKind::Bool) => Some(a.is_true().cmp(&b.is_true())),
        (ValueKind::None, ValueKind::None) => Some(Ordering::Equal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value {
        serde_json::from_str(s).expect("valid test json")
    }

    #[test]
    fn booleans_and_numeric_text_never_equal_numbers() {
        assert!(!strict_eq(&Value::from(true), &Value::from(1)));
        assert!(!strict_eq(&Value::from("5"), &Value::from(5)));
        assert!(!strict_eq(&Value::from(()), &Value::from(false)));
        assert!(strict_eq(&Value::from(1), &Value::from(1.0)));
    }

    #[test]
    fn containers_compare_deeply_and_objects_ignore_key_order() {
        assert!(strict_eq(
            &json(r#"{"a":1,"b":[1,2]}"#),
            &json(r#"{"b":[1,2],"a":1}"#)
        ));
        assert!(!strict_eq(&json(r#"{"a":1}"#), &json(r#"{"a":true}"#)));
        assert!(!strict_eq(&json("[1,2]"), &json("[2,1]")));
        assert!(!strict_eq(&json("[1]"), &json(r#"{"0":1}"#)));
    }

    #[test]
    fn mixed_kinds_have_no_order() {
        assert_eq!(strict_cmp(&Value::from(1), &Value::from("1")), None);
        assert_eq!(
            strict_cmp(&Value::from(2), &Value::from(10.5)),
            Some(Ordering::Less)
        );
        assert_eq!(
            strict_cmp(&Value::from("b"), &Value::from("a")),
            Some(Ordering::Greater)
        );
    }
}
