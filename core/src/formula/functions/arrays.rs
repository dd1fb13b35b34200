//! Array functions: FIRST, LAST, UNIQ, SORT, FLATTEN, WHERE, MAP.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, array_items, is_array, is_object, type_name};
use super::compare::{strict_cmp, strict_eq};
use super::logic::is_blank;
use super::path::lookup;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("FIRST", first),
    ("LAST", last),
    ("UNIQ", uniq),
    ("SORT", sort),
    ("FLATTEN", flatten),
    ("WHERE", where_),
    ("MAP", map),
];

/// Reads the optional count of FIRST/LAST, which must not be negative.
fn take_count(args: &Args<'_>) -> Result<Option<usize>, Error> {
    match args.opt_integer(1)? {
        None => Ok(None),
        Some(n) => usize::try_from(n)
            .map(Some)
            .map_err(|_| args.error_at(1, "must not be negative")),
    }
}

/// `FIRST(array, [n])`: the first element (`null` for an empty array), or with `n` an array of
/// the first `n` elements.
fn first(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("FIRST", raw, 1, 2)?;
    let items = args.array(0)?;
    Ok(match take_count(&args)? {
        None => items.into_iter().next().unwrap_or(Value::from(())),
        Some(n) => Value::from(items.into_iter().take(n).collect::<Vec<_>>()),
    })
}

/// `LAST(array, [n])`: the last element (`null` for an empty array), or with `n` an array of
/// the last `n` elements in their original order.
fn last(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("LAST", raw, 1, 2)?;
    let mut items = args.array(0)?;
    Ok(match take_count(&args)? {
        None => items.pop().unwrap_or(Value::from(())),
        Some(n) => {
            let start = items.len().saturating_sub(n);
            Value::from(items.split_off(start))
        }
    })
}

/// Hash bucket for UNIQ; `strict_eq` then separates values that merely share a bucket.
/// Scalars use MiniJinja's hash, which agrees with numeric equality (`1` and `1.0` hash alike).
/// Containers hash by kind and length only, because `strict_eq` ignores object key order and
/// MiniJinja's hash does not.
fn bucket(value: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    if is_array(value) || is_object(value) {
        (is_array(value), value.len()).hash(&mut h);
    } else {
        value.hash(&mut h);
    }
    h.finish()
}

/// `UNIQ(array, [path])`: removes duplicates (type-strict, first occurrence wins). With a path,
/// elements count as duplicates when the values at that path are equal.
fn uniq(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("UNIQ", raw, 1, 2)?;
    let items = args.array(0)?;
    let path = args.opt_text(1)?;
    let key_of = |v: &Value| match &path {
        Some(p) => lookup(v, p).unwrap_or(Value::from(())),
        None => v.clone(),
    };
    let mut seen: HashMap<u64, Vec<Value>> = HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let key = key_of(&item);
        let slot = seen.entry(bucket(&key)).or_default();
        if !slot.iter().any(|k| strict_eq(k, &key)) {
            slot.push(key);
            out.push(item);
        }
    }
    Ok(Value::from(out))
}

/// `SORT(array, [path])`: ascending; numbers by value, text by code point, `false` before
/// `true`. With a path, arrays of objects sort by the value at that path. `null` and missing
/// sort keys go last. Mixing text and numbers is an error rather than a guess.
fn sort(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("SORT", raw, 1, 2)?;
    let items = args.array(0)?;
    let path = args.opt_text(1)?;
    let mut keyed: Vec<(Value, Value)> = items
        .into_iter()
        .map(|item| {
            let key = match &path {
                Some(p) => lookup(&item, p).unwrap_or(Value::from(())),
                None => item.clone(),
            };
            (key, item)
        })
        .collect();
    let mut mismatch: Option<(&'static str, &'static str)> = None;
    keyed.sort_by(|(a, _), (b, _)| match (a.is_none(), b.is_none()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => strict_cmp(a, b).unwrap_or_else(|| {
            mismatch.get_or_insert((type_name(a), type_name(b)));
            Ordering::Equal
        }),
    });
    if let Some((a, b)) = mismatch {
        return Err(args.error(format!("cannot order {a} against {b}")));
    }
    Ok(Value::from(
        keyed.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

fn flatten_into(out: &mut Vec<Value>, items: Vec<Value>, depth: Option<usize>) {
    for item in items {
        match (array_items(&item), depth) {
            (Some(inner), None) => flatten_into(out, inner, None),
            (Some(inner), Some(d)) if d > 0 => flatten_into(out, inner, Some(d - 1)),
            _ => out.push(item),
        }
    }
}

/// `FLATTEN(array, [depth])`: splices nested arrays into one array, fully by default or only
/// `depth` levels deep. Nesting depth is bounded by the input, which came from JSON.
fn flatten(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("FLATTEN", raw, 1, 2)?;
    let items = args.array(0)?;
    let depth = match args.opt_integer(1)? {
        None => None,
        Some(d) => Some(usize::try_from(d).map_err(|_| args.error_at(1, "must not be negative"))?),
    };
    let mut out = Vec::new();
    flatten_into(&mut out, items, depth);
    Ok(Value::from(out))
}

/// `WHERE(array, path, [value])`: keeps the elements whose value at `path` (dot path) equals
/// `value`, type-strictly. Without a value, or with `null`, keeps elements where that value is
/// present (not blank), as Tines documents. Elements that are not objects never match.
fn where_(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("WHERE", raw, 2, 3)?;
    let items = args.array(0)?;
    let path = args.text(1)?;
    let wanted = args.opt_value(2)?;
    let out: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            if is_array(item) {
                return false;
            }
            let found = lookup(item, &path);
            match (wanted, found) {
                (None, Some(v)) => !is_blank(&v),
                (Some(w), Some(v)) => strict_eq(&v, w),
                (_, None) => false,
            }
        })
        .collect();
    Ok(Value::from(out))
}

/// `MAP(array, path)`: the value at `path` (dot path) of each element; `null` where it does not
/// exist, so the result always has the same length as the input.
fn map(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("MAP", raw, 2, 2)?;
    let items = args.array(0)?;
    let path = args.text(1)?;
    let out: Vec<Value> = items
        .iter()
        .map(|item| lookup(item, &path).unwrap_or(Value::from(())))
        .collect();
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json};
    use minijinja::Value;

    fn staff() -> Value {
        json(
            r#"{"staff":[
                {"name":"Alice","department":{"name":"engineering","role":"manager"},"age":40,"id":1},
                {"name":"Bob","department":{"name":"sales","role":"assistant"},"age":25,"id":"1"},
                {"name":"Charlie","department":{"name":"sales","role":"manager"},"age":33},
                {"name":"Dana","department":{"name":"ops","role":""},"age":null}
            ]}"#,
        )
    }

    #[test]
    fn first_and_last() {
        let c = json(r#"{"a":[1,2,3],"e":[]}"#);
        assert_eq!(eval("FIRST(a)", &c), Value::from(1));
        assert_eq!(eval("LAST(a)", &c), Value::from(3));
        assert_eq!(eval("FIRST(e)", &c), Value::from(()));
        assert_eq!(eval("LAST(e)", &c), Value::from(()));
        assert_eq!(eval("FIRST(a, 2)", &c), json("[1,2]"));
        assert_eq!(eval("LAST(a, 2)", &c), json("[2,3]"));
        assert_eq!(eval("LAST(a, 10)", &c), json("[1,2,3]"));
        assert_eq!(eval("FIRST(a, 0)", &c), json("[]"));
        assert_eq!(eval("a|LAST", &c), Value::from(3));
        assert!(eval_err("FIRST(a, -1)", &c).contains("must not be negative"));
        assert!(
            eval_err("FIRST('abc')", &c).contains("FIRST: argument 1 must be an array, got text")
        );
        assert!(eval_err("LAST(nope)", &c).contains("LAST: argument 1 is missing"));
    }

    #[test]
    fn uniq_is_type_strict_and_keeps_first() {
        let c = empty();
        assert_eq!(eval("UNIQ([3,1,3,2,1])", &c), json("[3,1,2]"));
        assert_eq!(eval("UNIQ([1,1.0,'1',true])", &c), json(r#"[1,"1",true]"#));
        assert_eq!(
            eval("UNIQ([{'a':1},{'a':1},{'a':2}])", &c),
            json(r#"[{"a":1},{"a":2}]"#)
        );
        assert_eq!(eval("UNIQ([])", &c), json("[]"));
        assert_eq!(eval("UNIQ(['é','é','e'])", &c), json(r#"["é","e"]"#));
        let s = staff();
        assert_eq!(
            eval("MAP(UNIQ(staff, 'department.role'), 'name')", &s),
            json(r#"["Alice","Bob","Dana"]"#)
        );
    }

    #[test]
    fn sort_orders_by_kind_and_path() {
        let c = empty();
        assert_eq!(eval("SORT([3,1.5,2,-1])", &c), json("[-1,1.5,2,3]"));
        assert_eq!(
            eval("SORT(['b','B','a','é'])", &c),
            json(r#"["B","a","b","é"]"#)
        );
        assert_eq!(eval("SORT([true,false])", &c), json("[false,true]"));
        assert_eq!(eval("SORT([2,NULL,1])", &c), json("[1,2,null]"));
        assert_eq!(eval("SORT([])", &c), json("[]"));
        let s = staff();
        assert_eq!(
            eval("MAP(SORT(staff, 'age'), 'name')", &s),
            json(r#"["Bob","Charlie","Alice","Dana"]"#)
        );
        assert_eq!(
            eval("MAP(SORT(staff, 'department.name'), 'name')", &s),
            json(r#"["Alice","Dana","Bob","Charlie"]"#)
        );
        let e = eval_err("SORT([1,'a'])", &c);
        assert!(e.contains("SORT: cannot order"), "{e}");
        assert!(eval_err("SORT({'a':1})", &c).contains("must be an array, got object"));
    }

    #[test]
    fn flatten_full_and_limited() {
        let c = empty();
        assert_eq!(eval("FLATTEN([1,[2,[3,[4]]],[]])", &c), json("[1,2,3,4]"));
        assert_eq!(
            eval("FLATTEN([1,[2,[3,[4]]]], 1)", &c),
            json("[1,2,[3,[4]]]")
        );
        assert_eq!(eval("FLATTEN([1,[2]], 0)", &c), json("[1,[2]]"));
        assert_eq!(eval("FLATTEN([{'a':[1]}])", &c), json(r#"[{"a":[1]}]"#));
        assert!(eval_err("FLATTEN([1], -2)", &c).contains("must not be negative"));
    }

    #[test]
    fn where_matches_tines_examples() {
        let s = staff();
        assert_eq!(
            eval("MAP(WHERE(staff, 'department.name', 'sales'), 'name')", &s),
            json(r#"["Bob","Charlie"]"#)
        );
        assert_eq!(
            eval(
                "MAP(WHERE(staff, 'department.role', 'manager'), 'name')",
                &s
            ),
            json(r#"["Alice","Charlie"]"#)
        );
        // Without a value (or with null): keep where the path is present.
        assert_eq!(
            eval("MAP(WHERE(staff, 'id'), 'name')", &s),
            json(r#"["Alice","Bob"]"#)
        );
        assert_eq!(
            eval("MAP(WHERE(staff, 'department.role', NULL), 'name')", &s),
            json(r#"["Alice","Bob","Charlie"]"#)
        );
        // Type-strict: the number 1 and the text "1" differ.
        assert_eq!(
            eval("MAP(WHERE(staff, 'id', 1), 'name')", &s),
            json(r#"["Alice"]"#)
        );
        assert_eq!(
            eval("MAP(WHERE(staff, 'id', '1'), 'name')", &s),
            json(r#"["Bob"]"#)
        );
        assert_eq!(eval("WHERE(staff, 'nope', 'x')", &s), json("[]"));
        assert_eq!(eval("WHERE([1, 'a', [2]], 'x', 1)", &s), json("[]"));
        assert_eq!(eval("SIZE(staff|WHERE('age', 25))", &s), Value::from(1));
        assert!(
            eval_err("WHERE(staff, 'id', nope.x)", &s).contains("WHERE: argument 3 is missing")
        );
        assert!(eval_err("WHERE(staff)", &s).contains("expects 2 to 3 arguments"));
    }

    #[test]
    fn map_plucks_with_nulls_for_missing() {
        let s = staff();
        assert_eq!(
            eval("MAP(staff, 'name')", &s),
            json(r#"["Alice","Bob","Charlie","Dana"]"#)
        );
        assert_eq!(
            eval("MAP(staff, 'department.role')", &s),
            json(r#"["manager","assistant","manager",""]"#)
        );
        assert_eq!(eval("MAP(staff, 'id')", &s), json(r#"[1,"1",null,null]"#));
        assert_eq!(eval("MAP([[1,2],[3]], '0')", &s), json("[1,3]"));
        assert_eq!(eval("MAP([], 'x')", &s), json("[]"));
        assert_eq!(eval("staff|MAP('age')", &s), json("[40,25,33,null]"));
        assert!(eval_err("MAP(staff.nope, 'x')", &s).contains("MAP: argument 1 is missing"));
        assert!(eval_err("MAP(staff, [1])", &s).contains("argument 2 must be text"));
    }
}
