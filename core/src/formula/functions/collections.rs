//! Functions that work on text, arrays and objects alike: SIZE, COUNT, INCLUDES.

use minijinja::value::ValueKind;
use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, array_items, is_array, is_object, object_entries, render_text, type_name};
use super::compare::strict_eq;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[("SIZE", size), ("COUNT", count), ("INCLUDES", includes)];

/// Length of text (in characters), an array (elements) or an object (keys); `null` is 0.
fn length(args: &Args<'_>, idx: usize) -> Result<usize, Error> {
    let v = args.value(idx)?;
    if let Some(s) = v.as_str() {
        return Ok(s.chars().count());
    }
    if v.is_none() {
        return Ok(0);
    }
    if (is_array(v) || is_object(v))
        && let Some(n) = v.len()
    {
        return Ok(n);
    }
    if let Some(items) = array_items(v) {
        return Ok(items.len());
    }
    if let Some(entries) = object_entries(v) {
        return Ok(entries.len());
    }
    Err(args.error_at(
        idx,
        format!("must be text, an array or an object, got {}", type_name(v)),
    ))
}

/// `SIZE(text_or_array)`: number of characters in text or elements in an array (keys for an
/// object, 0 for `null`).
fn size(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("SIZE", raw, 1, 1)?;
    Ok(Value::from(length(&args, 0)?))
}

/// `COUNT(array_or_text, [value])`: with one argument the same as SIZE; with a value, how many
/// array elements equal it (type-strict) or how many non-overlapping times it occurs in text.
fn count(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("COUNT", raw, 1, 2)?;
    if args.len() == 1 {
        return Ok(Value::from(length(&args, 0)?));
    }
    let needle = args.value(1)?;
    let haystack = args.value(0)?;
    if haystack.kind() == ValueKind::String {
        let text = args.text(0)?;
        let sub = args.text(1)?;
        if sub.is_empty() {
            return Err(args.error_at(1, "must not be empty text"));
        }
        return Ok(Value::from(text.matches(sub.as_ref()).count()));
    }
    let items = args.array(0)?;
    Ok(Value::from(
        items.iter().filter(|v| strict_eq(v, needle)).count(),
    ))
}

/// `INCLUDES(haystack, needle)`: for text, whether `needle` (as text) is a substring; for an
/// array, whether an element equals it (type-strict); for an object, whether it is a key.
/// `null` includes nothing.
fn includes(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("INCLUDES", raw, 2, 2)?;
    let haystack = args.value(0)?;
    let needle = args.value(1)?;
    if let Some(s) = haystack.as_str() {
        return Ok(Value::from(s.contains(args.text(1)?.as_ref())));
    }
    if haystack.is_none() {
        return Ok(Value::from(false));
    }
    if let Some(items) = array_items(haystack) {
        return Ok(Value::from(items.iter().any(|v| strict_eq(v, needle))));
    }
    if let Some(entries) = object_entries(haystack) {
        let key = render_text(needle);
        return Ok(Value::from(
            entries.iter().any(|(k, _)| render_text(k) == key),
        ));
    }
    Err(args.error_at(
        0,
        format!(
            "must be text, an array or an object, got {}",
            type_name(haystack)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json, render};
    use minijinja::Value;

    fn ctx() -> Value {
        json(
            r#"{"arr":["north","south","east","west"],"s":"north","u":"héllo🙂",
                "obj":{"a":1,"b":2},"empty":[],"n":null,"num":5,"mixed":[1,"1",true,1.0]}"#,
        )
    }

    #[test]
    fn size_counts_chars_elements_and_keys() {
        let c = ctx();
        assert_eq!(eval("SIZE(arr)", &c), Value::from(4));
        assert_eq!(eval("SIZE(s)", &c), Value::from(5));
        assert_eq!(eval("SIZE(u)", &c), Value::from(6));
        assert_eq!(eval("SIZE(obj)", &c), Value::from(2));
        assert_eq!(eval("SIZE(empty)", &c), Value::from(0));
        assert_eq!(eval("SIZE('')", &c), Value::from(0));
        assert_eq!(eval("SIZE(n)", &c), Value::from(0));
        assert_eq!(eval("arr|SIZE", &c), Value::from(4));
        assert_eq!(render("<<SIZE(arr)>> items", &c), "4 items");
    }

    #[test]
    fn size_rejects_numbers_and_missing() {
        let c = ctx();
        let e = eval_err("SIZE(num)", &c);
        assert!(
            e.contains("SIZE: argument 1 must be text, an array or an object, got number"),
            "{e}"
        );
        let e = eval_err("SIZE(arr.nope)", &c);
        assert!(
            e.contains("SIZE: argument 1 is missing (the path does not exist)"),
            "{e}"
        );
        assert!(eval_err("SIZE(arr, 1)", &c).contains("expects 1 argument, got 2"));
    }

    #[test]
    fn count_with_and_without_value() {
        let c = ctx();
        assert_eq!(eval("COUNT(arr)", &c), Value::from(4));
        assert_eq!(eval("COUNT(mixed, 1)", &c), Value::from(2));
        assert_eq!(eval("COUNT(mixed, '1')", &c), Value::from(1));
        assert_eq!(eval("COUNT(mixed, true)", &c), Value::from(1));
        assert_eq!(eval("COUNT('banana', 'an')", &c), Value::from(2));
        assert_eq!(eval("COUNT('aaaa', 'aa')", &c), Value::from(2));
        assert_eq!(eval("COUNT(n, 1)", &c), Value::from(0));
        assert!(eval_err("COUNT('abc', '')", &c).contains("must not be empty"));
        assert!(eval_err("COUNT(arr, nope)", &c).contains("COUNT: argument 2 is missing"));
        assert!(eval_err("COUNT(num)", &c).contains("got number"));
    }

    #[test]
    fn includes_text_arrays_objects() {
        let c = ctx();
        assert_eq!(eval("INCLUDES(arr, 'east')", &c), Value::from(true));
        assert_eq!(eval("INCLUDES(arr, 'up')", &c), Value::from(false));
        assert_eq!(eval("INCLUDES(s, 'ort')", &c), Value::from(true));
        assert_eq!(eval("INCLUDES(u, '🙂')", &c), Value::from(true));
        assert_eq!(eval("INCLUDES(obj, 'b')", &c), Value::from(true));
        assert_eq!(eval("INCLUDES(obj, 'z')", &c), Value::from(false));
        assert_eq!(eval("INCLUDES([1,2], '1')", &c), Value::from(false));
        assert_eq!(eval("INCLUDES([1,2], 2.0)", &c), Value::from(true));
        assert_eq!(eval("INCLUDES([[1],[2]], [2])", &c), Value::from(true));
        assert_eq!(eval("INCLUDES('a5', 5)", &c), Value::from(true));
        assert_eq!(eval("INCLUDES(n, 'x')", &c), Value::from(false));
        assert_eq!(eval("arr|INCLUDES('west')", &c), Value::from(true));
        assert!(eval_err("INCLUDES(num, 5)", &c).contains("got number"));
        assert!(
            eval_err("INCLUDES(nope, 5)", &empty()).contains("INCLUDES: argument 1 is missing")
        );
    }
}
