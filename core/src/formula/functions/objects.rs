//! Object functions: KEYS, VALUES, MERGE, GET.

use minijinja::value::ValueKind;
use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, Number, is_array, is_object, type_name};
use super::path::lookup;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("KEYS", keys),
    ("VALUES", values),
    ("MERGE", merge),
    ("GET", get),
];

/// `KEYS(object)`: the keys in insertion order (`[]` for `null`).
fn keys(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("KEYS", raw, 1, 1)?;
    let entries = args.object(0)?;
    Ok(Value::from(
        entries.into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
    ))
}

/// `VALUES(object)`: the values in insertion order (`[]` for `null`).
fn values(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("VALUES", raw, 1, 1)?;
    let entries = args.object(0)?;
    Ok(Value::from(
        entries.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

/// `MERGE(object1, object2, ...)`: a shallow merge; later objects win on equal keys, and keys
/// keep the position of their first appearance. `null` arguments are skipped.
fn merge(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("MERGE", raw, 1, usize::MAX)?;
    let mut merged: Vec<(Value, Value)> = Vec::new();
    for i in 0..args.len() {
        for (k, v) in args.object(i)? {
            match merged.iter_mut().find(|slot| slot.0 == k) {
                Some(slot) => slot.1 = v,
                None => merged.push((k, v)),
            }
        }
    }
    Ok(Value::from_pairs(merged))
}

/// `GET(object_or_array, path, [default])`: the value at `path`, a dot path such as `"a.b.0"`
/// or a whole-number index for arrays; `default` (or `null`) when it does not exist. A value
/// that exists but is `null` is returned as `null`, not replaced by the default.
fn get(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("GET", raw, 2, 3)?;
    let root = args.value(0)?;
    if !(root.is_none() || is_object(root) || is_array(root)) {
        return Err(args.error_at(
            0,
            format!("must be an object or an array, got {}", type_name(root)),
        ));
    }
    let key = args.value(1)?;
    let path = match key.kind() {
        ValueKind::String => args.text(1)?.into_owned(),
        ValueKind::Number => match Number::from_value(key) {
            Some(Number::Int(i)) => i.to_string(),
            _ => return Err(args.error_at(1, "must be a whole number when it is a number")),
        },
        _ => {
            return Err(args.error_at(
                1,
                format!("must be text or a number, got {}", type_name(key)),
            ));
        }
    };
    let fallback = match args.all().get(2) {
        Some(_) => args.value(2)?.clone(),
        None => Value::from(()),
    };
    Ok(lookup(root, &path).unwrap_or(fallback))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json};
    use minijinja::Value;

    fn ctx() -> Value {
        json(r#"{"o":{"z":1,"a":{"b":[10,20]},"n":null},"arr":[5,6],"s":"x"}"#)
    }

    #[test]
    fn keys_and_values_keep_order() {
        let c = ctx();
        assert_eq!(eval("KEYS(o)", &c), json(r#"["z","a","n"]"#));
        assert_eq!(eval("VALUES(o)", &c), json(r#"[1,{"b":[10,20]},null]"#));
        assert_eq!(eval("KEYS({})", &c), json("[]"));
        assert_eq!(eval("KEYS(NULL)", &c), json("[]"));
        assert_eq!(eval("o|KEYS", &c), json(r#"["z","a","n"]"#));
        assert!(
            eval_err("KEYS(arr)", &c).contains("KEYS: argument 1 must be an object, got array")
        );
        assert!(eval_err("VALUES(o.q)", &c).contains("VALUES: argument 1 is missing"));
    }

    #[test]
    fn merge_is_shallow_and_later_wins() {
        let c = ctx();
        assert_eq!(
            eval("MERGE({'a':1,'b':{'x':1}}, {'b':{'y':2},'c':3})", &c),
            json(r#"{"a":1,"b":{"y":2},"c":3}"#)
        );
        assert_eq!(
            eval("KEYS(MERGE({'b':1,'a':2}, {'b':3}))", &c),
            json(r#"["b","a"]"#)
        );
        assert_eq!(eval("MERGE(o, NULL, {'z':9}).z", &c), Value::from(9));
        assert_eq!(eval("MERGE({})", &c), json("{}"));
        assert_eq!(eval("{'a':1}|MERGE({'a':2})", &c), json(r#"{"a":2}"#));
        assert!(
            eval_err("MERGE(o, [1])", &c)
                .contains("MERGE: argument 2 must be an object, got array")
        );
    }

    #[test]
    fn get_follows_paths_with_defaults() {
        let c = ctx();
        assert_eq!(eval("GET(o, 'a.b.1')", &c), Value::from(20));
        assert_eq!(eval("GET(o, 'z')", &c), Value::from(1));
        assert_eq!(eval("GET(arr, 1)", &c), Value::from(6));
        assert_eq!(eval("GET(arr, -1)", &c), Value::from(6));
        assert_eq!(eval("GET(o, 'nope')", &c), Value::from(()));
        assert_eq!(eval("GET(o, 'nope.x', 'fb')", &c), Value::from("fb"));
        assert_eq!(eval("GET(o, 'n', 'fb')", &c), Value::from(()));
        assert_eq!(eval("GET(NULL, 'a', 'fb')", &c), Value::from("fb"));
        assert_eq!(eval("o|GET('a.b.0')", &c), Value::from(10));
        assert!(
            eval_err("GET(s, 'a')", &c)
                .contains("GET: argument 1 must be an object or an array, got text")
        );
        assert!(eval_err("GET(o, 1.5)", &c).contains("whole number"));
        assert!(eval_err("GET(nope, 'a')", &empty()).contains("GET: argument 1 is missing"));
        assert!(eval_err("GET(o, 'a', nope)", &c).contains("GET: argument 3 is missing"));
    }
}
