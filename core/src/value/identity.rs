//! Telling two values apart cheaply when they are probably the very same map.

use minijinja::Value;

/// minijinja's own map type (`ValueMap`, crate-private there): what `Value::from_pairs` and
/// `Value::from_serialize` build for a map, with the `preserve_order` feature relay enables.
type MinijinjaMap = indexmap::IndexMap<Value, Value>;

/// Whether `a` equals `b`, answered at once when both are the same map object.
///
/// minijinja's `==` checks identity too, but only after trying to coerce both sides to
/// numbers and strings, which for two maps cost about 780 instructions per comparison; the
/// render cache compares two maps on every request of a fan-out.
pub(crate) fn same_or_equal(a: &Value, b: &Value) -> bool {
    same_map(a, b) || a == b
}

/// Whether `a` and `b` are the very same map object.
fn same_map(a: &Value, b: &Value) -> bool {
    matches!(
        (a.downcast_object_ref::<MinijinjaMap>(), b.downcast_object_ref::<MinijinjaMap>()),
        (Some(x), Some(y)) if std::ptr::eq(x, y)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_of_a_map_is_recognised_as_the_same_object() {
        let map = Value::from_pairs([("halo", "https://halo.example"), ("n", "1")]);
        // Fails if minijinja's map type stops being this IndexMap: the fast path would then
        // never be taken (still correct, only slow again).
        assert!(same_map(&map, &map.clone()));
        assert!(same_or_equal(&map, &map.clone()));
    }

    #[test]
    fn distinct_maps_are_compared_by_content() {
        let a = Value::from_pairs([("halo", "https://halo.example")]);
        let b = Value::from_pairs([("halo", "https://halo.example")]);
        let c = Value::from_pairs([("halo", "https://other.example")]);
        assert!(!same_map(&a, &b));
        assert!(same_or_equal(&a, &b));
        assert!(!same_or_equal(&a, &c));
        assert!(same_or_equal(&Value::UNDEFINED, &Value::UNDEFINED));
        assert!(!same_or_equal(&a, &Value::UNDEFINED));
    }
}
