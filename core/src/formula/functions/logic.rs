//! Missing-value and logic functions: DEFAULT, IF, NOT, IS_PRESENT, IS_BLANK.
//!
//! These are the only functions that accept an undefined (missing-path) argument.

use minijinja::value::ValueKind;
use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, array_items, object_entries};

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("DEFAULT", default),
    ("IF", if_),
    ("NOT", not),
    ("IS_PRESENT", is_present),
    ("IS_BLANK", is_blank_fn),
];

/// Tines' blankness: missing, `null`, `false`, `""`, `[]` and `{}`.
///
/// Whitespace-only text such as `"  "` is *not* blank: Tines documents exactly the list above,
/// and `0` is a value, not blank.
pub fn is_blank(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => true,
        ValueKind::Bool => !value.is_true(),
        ValueKind::String => value.as_str().is_some_and(str::is_empty),
        ValueKind::Seq | ValueKind::Iterable => match value.len() {
            Some(n) => n == 0,
            None => array_items(value).is_some_and(|v| v.is_empty()),
        },
        ValueKind::Map => match value.len() {
            Some(n) => n == 0,
            None => object_entries(value).is_some_and(|v| v.is_empty()),
        },
        _ => false,
    }
}

/// Tines' truthiness (Ruby's): only `false`, `null` and missing are false. `0`, `""` and `[]`
/// are true, unlike MiniJinja's own `if`.
pub fn is_truthy(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => false,
        ValueKind::Bool => value.is_true(),
        _ => true,
    }
}

/// `DEFAULT(value, fallback1, fallback2, ...)`: the first argument that is not blank; when all
/// are blank, the last one (so `DEFAULT(x, "")` yields `""`, not `null`).
fn default(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("DEFAULT", raw, 2, usize::MAX)?;
    let all = args.all();
    let chosen = all.iter().find(|v| !is_blank(v)).or_else(|| all.last());
    Ok(chosen.cloned().unwrap_or_default())
}

/// `IF(condition, when_true, [when_false])`: `when_false` defaults to `null`. The branch not
/// taken may be a missing path; the chosen one is returned as is (a missing chosen branch
/// stays undefined so Relay reports the path).
fn if_(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("IF", raw, 2, 3)?;
    let all = args.all();
    let pick = if is_truthy(&all[0]) {
        all.get(1)
    } else {
        all.get(2)
    };
    Ok(pick.cloned().unwrap_or(Value::from(())))
}

/// `NOT(value)`: the negated Tines truthiness; a missing value counts as false, so NOT gives true.
fn not(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("NOT", raw, 1, 1)?;
    Ok(Value::from(!is_truthy(&args.all()[0])))
}

/// `IS_PRESENT(value)`: true unless blank.
fn is_present(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("IS_PRESENT", raw, 1, 1)?;
    Ok(Value::from(!is_blank(&args.all()[0])))
}

/// `IS_BLANK(value)`: true for missing, `null`, `false`, `""`, `[]`, `{}`.
fn is_blank_fn(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("IS_BLANK", raw, 1, 1)?;
    Ok(Value::from(is_blank(&args.all()[0])))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json, render};
    use minijinja::Value;

    fn ctx() -> Value {
        json(
            r#"{"empty_s":"","space":"  ","zero":0,"f":false,"t":true,"n":null,
                "arr":[],"obj":{},"full":[1],"s":"hi","nested":{"a":{"b":""}}}"#,
        )
    }

    #[test]
    fn blank_values_match_tines_list() {
        let c = ctx();
        for expr in [
            "empty_s",
            "f",
            "n",
            "arr",
            "obj",
            "missing",
            "missing.deep.path",
        ] {
            assert_eq!(
                eval(&format!("IS_BLANK({expr})"), &c),
                Value::from(true),
                "{expr}"
            );
            assert_eq!(
                eval(&format!("IS_PRESENT({expr})"), &c),
                Value::from(false),
                "{expr}"
            );
        }
        for expr in ["space", "zero", "t", "full", "s", "nested"] {
            assert_eq!(
                eval(&format!("IS_BLANK({expr})"), &c),
                Value::from(false),
                "{expr}"
            );
            assert_eq!(
                eval(&format!("IS_PRESENT({expr})"), &c),
                Value::from(true),
                "{expr}"
            );
        }
    }

    #[test]
    fn blank_checks_work_as_filters() {
        let c = ctx();
        assert_eq!(eval("missing|IS_BLANK", &c), Value::from(true));
        assert_eq!(eval("s|IS_PRESENT", &c), Value::from(true));
        assert_eq!(eval("nested.a.b|IS_BLANK", &c), Value::from(true));
    }

    #[test]
    fn default_picks_first_non_blank_or_last() {
        let c = ctx();
        assert_eq!(eval("DEFAULT(s, 'fb')", &c), Value::from("hi"));
        assert_eq!(eval("DEFAULT(missing.path, 'fb')", &c), Value::from("fb"));
        assert_eq!(eval("DEFAULT(arr, empty_s, 'fb')", &c), Value::from("fb"));
        assert_eq!(eval("DEFAULT(f, 'fb')", &c), Value::from("fb"));
        assert_eq!(eval("DEFAULT(zero, 5)", &c), Value::from(0));
        assert_eq!(eval("DEFAULT(n, empty_s)", &c), Value::from(""));
        assert_eq!(eval("DEFAULT(full, 'fb')", &c), json("[1]"));
        assert_eq!(eval("missing|DEFAULT('fb')", &c), Value::from("fb"));
        assert_eq!(render("x=<<DEFAULT(missing, 'none')>>", &c), "x=none");
    }

    #[test]
    fn default_of_only_missing_values_stays_missing() {
        let v = eval("DEFAULT(a.b, c.d)", &empty());
        assert!(v.is_undefined());
    }

    #[test]
    fn default_needs_a_fallback() {
        let e = eval_err("DEFAULT(1)", &empty());
        assert!(
            e.contains("DEFAULT: expects at least 2 arguments, got 1"),
            "{e}"
        );
    }

    #[test]
    fn if_uses_tines_truthiness() {
        let c = ctx();
        assert_eq!(eval("IF(t, 'y', 'n')", &c), Value::from("y"));
        assert_eq!(eval("IF(f, 'y', 'n')", &c), Value::from("n"));
        assert_eq!(eval("IF(n, 'y', 'n')", &c), Value::from("n"));
        assert_eq!(eval("IF(missing.x, 'y', 'n')", &c), Value::from("n"));
        // Ruby truthiness: zero, empty text and empty arrays are true.
        assert_eq!(eval("IF(zero, 'y', 'n')", &c), Value::from("y"));
        assert_eq!(eval("IF(empty_s, 'y', 'n')", &c), Value::from("y"));
        assert_eq!(eval("IF(arr, 'y', 'n')", &c), Value::from("y"));
        assert_eq!(
            eval("IF(SIZE(full) > 0, 'some', 'none')", &c),
            Value::from("some")
        );
        assert_eq!(eval("IF(f, 'y')", &c), Value::from(()));
    }

    #[test]
    fn if_ignores_missing_branch_not_taken() {
        let c = ctx();
        assert_eq!(eval("IF(t, 'ok', missing.x)", &c), Value::from("ok"));
        assert!(eval("IF(f, 'ok', missing.x)", &c).is_undefined());
    }

    #[test]
    fn if_checks_arity() {
        assert!(eval_err("IF(TRUE)", &empty()).contains("IF: expects 2 to 3 arguments, got 1"));
        assert!(eval_err("IF(1,2,3,4)", &empty()).contains("got 4"));
    }

    #[test]
    fn not_negates_truthiness() {
        let c = ctx();
        assert_eq!(eval("NOT(t)", &c), Value::from(false));
        assert_eq!(eval("NOT(f)", &c), Value::from(true));
        assert_eq!(eval("NOT(missing)", &c), Value::from(true));
        assert_eq!(eval("NOT(n)", &c), Value::from(true));
        assert_eq!(eval("NOT(zero)", &c), Value::from(false));
        assert_eq!(eval("t|NOT", &c), Value::from(false));
    }
}
