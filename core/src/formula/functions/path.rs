//! Dot-path lookups (`"department.role"`, `"items.0.id"`) used by GET, WHERE, MAP and SORT.

use minijinja::Value;

use super::args::{is_array, is_object};

/// Follows `path` from `root`. Segments are separated by `.`; a numeric segment indexes an
/// array (negative counts from the end). Returns `None` when any step does not exist.
///
/// A key that itself contains dots (`{"a.b": 1}`) is found when the whole path matches it
/// exactly, so such keys stay reachable.
pub fn lookup(root: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(root.clone());
    }
    if is_object(root)
        && path.contains('.')
        && let Some(v) = child(root, path)
    {
        return Some(v);
    }
    let mut current = root.clone();
    for segment in path.split('.') {
        current = child(&current, segment)?;
    }
    Some(current)
}

/// One step of a lookup: an object key or an array index.
fn child(value: &Value, segment: &str) -> Option<Value> {
    if is_object(value) {
        let v = value.get_attr(segment).ok()?;
        return if v.is_undefined() { None } else { Some(v) };
    }
    if is_array(value) {
        let len = value.len()?;
        let idx: i64 = segment.parse().ok()?;
        let idx = if idx < 0 {
            i64::try_from(len).ok()? + idx
        } else {
            idx
        };
        let idx = usize::try_from(idx).ok()?;
        if idx >= len {
            return None;
        }
        return value.get_item_by_index(idx).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value {
        serde_json::from_str(s).expect("valid test json")
    }

    #[test]
    fn follows_nested_keys_and_indexes() {
        let v = json(r#"{"a":{"b":[{"c":1},{"c":2}]}}"#);
        assert_eq!(lookup(&v, "a.b.1.c"), Some(Value::from(2)));
        assert_eq!(lookup(&v, "a.b.-1.c"), Some(Value::from(2)));
        assert_eq!(lookup(&v, "a.b.0"), Some(json(r#"{"c":1}"#)));
    }

    #[test]
    fn missing_steps_give_none_but_null_is_a_value() {
        let v = json(r#"{"a":{"b":null},"list":[1]}"#);
        assert_eq!(lookup(&v, "a.x"), None);
        assert_eq!(lookup(&v, "a.b.c"), None);
        assert_eq!(lookup(&v, "list.5"), None);
        assert_eq!(lookup(&v, "list.-2"), None);
        assert_eq!(lookup(&v, "list.x"), None);
        assert_eq!(lookup(&v, "a.b"), Some(Value::from(())));
    }

    #[test]
    fn dotted_key_is_reachable_by_exact_name() {
        let v = json(r#"{"a.b":"dotted","a":{"b":"nested"}}"#);
        assert_eq!(lookup(&v, "a.b"), Some(Value::from("dotted")));
    }
}
