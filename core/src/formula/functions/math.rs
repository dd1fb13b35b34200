//! Number functions: ROUND, FLOOR, CEIL, ABS, MIN, MAX, SUM, TO_NUMBER.
//!
//! Numeric text (`"42"`, `"1.5"`) is accepted wherever a number is expected, because API
//! payloads often carry numbers as strings. Whole-number results are integers.

use std::cmp::Ordering;

use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, Number, array_items, type_name, whole_float_to_value};
use super::compare::strict_cmp;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("ROUND", round),
    ("FLOOR", floor),
    ("CEIL", ceil),
    ("ABS", abs),
    ("MIN", min),
    ("MAX", max),
    ("SUM", sum),
    ("TO_NUMBER", to_number),
];

/// `ROUND(number, [digits])`: rounds half away from zero to `digits` decimals (default 0, which
/// gives an integer; negative digits round to tens, hundreds, ...).
fn round(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("ROUND", raw, 1, 2)?;
    let n = args.number(0)?;
    let digits = args.opt_integer(1)?.unwrap_or(0);
    if !(-15..=15).contains(&digits) {
        return Err(args.error_at(1, "must be between -15 and 15"));
    }
    if let (Number::Int(i), true) = (n, digits >= 0) {
        return Ok(Value::from(i));
    }
    let factor = 10f64.powi(i32::try_from(digits.abs()).unwrap_or(0));
    let x = n.as_f64();
    let rounded = if digits >= 0 {
        (x * factor).round() / factor
    } else {
        (x / factor).round() * factor
    };
    Ok(if digits > 0 {
        Value::from(rounded)
    } else {
        whole_float_to_value(rounded)
    })
}

fn integral(name: &'static str, raw: &[Value], f: fn(f64) -> f64) -> Result<Value, Error> {
    let args = Args::new(name, raw, 1, 1)?;
    Ok(match args.number(0)? {
        Number::Int(i) => Value::from(i),
        Number::Float(x) => whole_float_to_value(f(x)),
    })
}

/// `FLOOR(number)`: the largest integer not above the number.
fn floor(raw: &[Value]) -> Result<Value, Error> {
    integral("FLOOR", raw, f64::floor)
}

/// `CEIL(number)`: the smallest integer not below the number.
fn ceil(raw: &[Value]) -> Result<Value, Error> {
    integral("CEIL", raw, f64::ceil)
}

/// `ABS(number)`: the absolute value.
fn abs(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("ABS", raw, 1, 1)?;
    Ok(match args.number(0)? {
        Number::Int(i) => i
            .checked_abs()
            .map_or(Value::from((i as f64).abs()), Value::from),
        Number::Float(x) => Value::from(x.abs()),
    })
}

/// The candidates for MIN/MAX: the elements of a single array argument, or all arguments.
fn candidates(args: &Args<'_>) -> Result<Vec<Value>, Error> {
    if args.len() == 1 {
        let v = args.value(0)?;
        if let Some(items) = array_items(v) {
            return Ok(items);
        }
    }
    (0..args.len()).map(|i| args.value(i).cloned()).collect()
}

/// Shared MIN/MAX: numbers (numeric text counts as a number) or all text; `null` for no values.
fn extreme(name: &'static str, raw: &[Value], want: Ordering) -> Result<Value, Error> {
    let args = Args::new(name, raw, 1, usize::MAX)?;
    let values = candidates(&args)?;
    let all_text = values.iter().all(|v| v.as_str().is_some());
    let mut best: Option<Value> = None;
    for v in values {
        let v = if all_text {
            v
        } else {
            Number::from_value(&v)
                .map(Number::into_value)
                .ok_or_else(|| {
                    args.error(format!("cannot compare {} with numbers", type_name(&v)))
                })?
        };
        best = Some(match best {
            None => v,
            Some(b) => match strict_cmp(&v, &b) {
                Some(ord) if ord == want => v,
                Some(_) => b,
                None => {
                    return Err(args.error(format!(
                        "cannot compare {} with {}",
                        type_name(&v),
                        type_name(&b)
                    )));
                }
            },
        });
    }
    Ok(best.unwrap_or(Value::from(())))
}

/// `MIN(array)` or `MIN(a, b, ...)`: the smallest number (or text, when all are text).
fn min(raw: &[Value]) -> Result<Value, Error> {
    extreme("MIN", raw, Ordering::Less)
}

/// `MAX(array)` or `MAX(a, b, ...)`: the largest number (or text, when all are text).
fn max(raw: &[Value]) -> Result<Value, Error> {
    extreme("MAX", raw, Ordering::Greater)
}

/// `SUM(array)`: the total of the numbers (0 for an empty array); integers stay exact until
/// they would overflow.
fn sum(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("SUM", raw, 1, 1)?;
    let items = args.array(0)?;
    let mut int_total: Option<i64> = Some(0);
    let mut float_total = 0.0;
    for (i, item) in items.iter().enumerate() {
        let n = Number::from_value(item).ok_or_else(|| {
            args.error(format!(
                "element {} must be a number, got {}",
                i + 1,
                type_name(item)
            ))
        })?;
        float_total += n.as_f64();
        int_total = match (int_total, n) {
            (Some(t), Number::Int(x)) => t.checked_add(x),
            _ => None,
        };
    }
    Ok(int_total.map_or(Value::from(float_total), Value::from))
}

/// `TO_NUMBER(value)`: numeric text to a number (`"42"` → `42`, `" 1.5 "` → `1.5`); numbers
/// pass through. Other text, booleans and `null` are errors.
fn to_number(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("TO_NUMBER", raw, 1, 1)?;
    Ok(args.number(0)?.into_value())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json};
    use minijinja::Value;

    #[test]
    fn round_floor_ceil_abs() {
        let c = empty();
        assert_eq!(eval("ROUND(2.5)", &c), Value::from(3));
        assert_eq!(eval("ROUND(-2.5)", &c), Value::from(-3));
        assert_eq!(eval("ROUND(2.71828, 2)", &c), Value::from(2.72));
        assert_eq!(eval("ROUND(1234, -2)", &c), Value::from(1200));
        assert_eq!(eval("ROUND(7)", &c), Value::from(7));
        assert_eq!(eval("ROUND('2.6')", &c), Value::from(3));
        assert_eq!(eval("FLOOR(2.7)", &c), Value::from(2));
        assert_eq!(eval("FLOOR(-2.1)", &c), Value::from(-3));
        assert_eq!(eval("CEIL(2.1)", &c), Value::from(3));
        assert_eq!(eval("CEIL(5)", &c), Value::from(5));
        assert_eq!(eval("ABS(-4)", &c), Value::from(4));
        assert_eq!(eval("ABS(-0.5)", &c), Value::from(0.5));
        assert_eq!(eval("2.5|ROUND", &c), Value::from(3));
        assert!(
            eval_err("ROUND('abc')", &c).contains("ROUND: argument 1 must be a number, got text")
        );
        assert!(eval_err("FLOOR(true)", &c).contains("must be a number, got boolean"));
        assert!(eval_err("CEIL(nope)", &c).contains("CEIL: argument 1 is missing"));
        assert!(eval_err("ROUND(1, 99)", &c).contains("between -15 and 15"));
    }

    #[test]
    fn min_max_over_arrays_or_arguments() {
        let c = json(r#"{"a":[3,"10",-1.5]}"#);
        assert_eq!(eval("MIN(a)", &c), Value::from(-1.5));
        assert_eq!(eval("MAX(a)", &c), Value::from(10));
        assert_eq!(eval("MAX(1, 7, 3)", &c), Value::from(7));
        assert_eq!(eval("MIN(['pear','apple'])", &c), Value::from("apple"));
        assert_eq!(eval("MIN([])", &c), Value::from(()));
        assert!(eval_err("MAX([1,'x'])", &c).contains("MAX: cannot compare text with numbers"));
        assert!(eval_err("MIN([1,NULL])", &c).contains("cannot compare null"));
    }

    #[test]
    fn sum_keeps_integers_exact() {
        let c = empty();
        assert_eq!(eval("SUM([1,2,3])", &c), Value::from(6));
        assert_eq!(eval("SUM([1,2.5])", &c), Value::from(3.5));
        assert_eq!(eval("SUM(['4', 1])", &c), Value::from(5));
        assert_eq!(eval("SUM([])", &c), Value::from(0));
        assert_eq!(
            eval("SUM([9223372036854775807, 1])", &c),
            Value::from(9223372036854775808.0)
        );
        assert!(eval_err("SUM([1,'x'])", &c).contains("SUM: element 2 must be a number, got text"));
        assert!(eval_err("SUM(5)", &c).contains("must be an array, got number"));
    }

    #[test]
    fn to_number_parses_numeric_text() {
        let c = empty();
        assert_eq!(eval("TO_NUMBER('42')", &c), Value::from(42));
        assert_eq!(eval("TO_NUMBER(' -1.5 ')", &c), Value::from(-1.5));
        assert_eq!(eval("TO_NUMBER(7)", &c), Value::from(7));
        assert_eq!(eval("'12'|TO_NUMBER + 1", &c), Value::from(13));
        assert!(eval_err("TO_NUMBER('12px')", &c).contains("must be a number, got text"));
        assert!(eval_err("TO_NUMBER(NULL)", &c).contains("got null"));
    }
}
