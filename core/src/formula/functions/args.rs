//! Shared argument handling: arity checks, type coercion and uniform error messages.
//!
//! Every Tines function receives its arguments as a plain slice so that the function form
//! (`SIZE(x)`) and the filter form (`x|SIZE`) share one implementation and one set of messages.

use std::borrow::Cow;

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value};

/// Builds the error every function returns: `NAME: message`.
pub fn fail(name: &str, message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{name}: {message}"))
}

/// A human name for a value's type, in Tines/JSON words rather than Rust ones.
pub fn type_name(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined => "missing",
        ValueKind::None => "null",
        ValueKind::Bool => "boolean",
        ValueKind::Number => "number",
        ValueKind::String => "text",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "array",
        ValueKind::Map => "object",
        _ => "value",
    }
}

/// Whether a value is an array for the purpose of Tines functions.
pub fn is_array(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
}

/// Whether a value is an object (a key/value map).
pub fn is_object(value: &Value) -> bool {
    value.kind() == ValueKind::Map && !value.is_kwargs()
}

/// The elements of an array value; `None` when the value is not an array.
pub fn array_items(value: &Value) -> Option<Vec<Value>> {
    if !is_array(value) {
        return None;
    }
    value.try_iter().ok().map(Iterator::collect)
}

/// The entries of an object value in insertion order; `None` when it is not an object.
pub fn object_entries(value: &Value) -> Option<Vec<(Value, Value)>> {
    if !is_object(value) {
        return None;
    }
    let pairs = value.as_object()?.try_iter_pairs()?;
    Some(pairs.collect())
}

/// Renders a value as text the way a pill inside longer text does: strings as they are,
/// numbers and booleans as JSON, `null` as the empty string, arrays and objects as compact JSON.
pub fn render_text(value: &Value) -> Cow<'_, str> {
    if let Some(s) = value.as_str() {
        return Cow::Borrowed(s);
    }
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Cow::Borrowed(""),
        ValueKind::Bool => Cow::Borrowed(if value.is_true() { "true" } else { "false" }),
        _ => match serde_json::to_string(value) {
            Ok(json) => Cow::Owned(json),
            Err(_) => Cow::Owned(value.to_string()),
        },
    }
}

/// The arguments of one call, tagged with the function name for error messages.
pub struct Args<'a> {
    name: &'static str,
    values: &'a [Value],
}

impl<'a> Args<'a> {
    /// Wraps the raw arguments, rejecting keyword arguments and a count outside `min..=max`.
    pub fn new(
        name: &'static str,
        values: &'a [Value],
        min: usize,
        max: usize,
    ) -> Result<Self, Error> {
        if values.iter().any(Value::is_kwargs) {
            return Err(fail(name, "keyword arguments are not supported"));
        }
        let n = values.len();
        if n < min || n > max {
            let expected = match (min, max) {
                (a, b) if a == b => format!("{a}"),
                (a, usize::MAX) => format!("at least {a}"),
                (a, b) => format!("{a} to {b}"),
            };
            let noun = if max == 1 && min == 1 {
                "argument"
            } else {
                "arguments"
            };
            return Err(fail(name, format!("expects {expected} {noun}, got {n}")));
        }
        Ok(Args { name, values })
    }

    /// Number of arguments actually passed.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// All arguments, including undefined ones.
    pub fn all(&self) -> &'a [Value] {
        self.values
    }

    /// An error about argument `idx` (0-based), phrased with its 1-based position.
    pub fn error_at(&self, idx: usize, message: impl std::fmt::Display) -> Error {
        fail(self.name, format!("argument {} {message}", idx + 1))
    }

    /// An error about the call as a whole.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        fail(self.name, message)
    }

    fn wrong_type(&self, idx: usize, expected: &str, got: &Value) -> Error {
        self.error_at(idx, format!("must be {expected}, got {}", type_name(got)))
    }

    /// Argument `idx`, which must be present and defined.
    pub fn value(&self, idx: usize) -> Result<&'a Value, Error> {
        match self.values.get(idx) {
            None => Err(self.error_at(idx, "is required")),
            Some(v) if v.is_undefined() => {
                Err(self.error_at(idx, "is missing (the path does not exist)"))
            }
            Some(v) => Ok(v),
        }
    }

    /// Optional argument `idx`: absent or `null` gives `None`; undefined is still an error,
    /// because a misspelt path should not silently turn into "not given".
    pub fn opt_value(&self, idx: usize) -> Result<Option<&'a Value>, Error> {
        match self.values.get(idx) {
            None => Ok(None),
            Some(_) => {
                let v = self.value(idx)?;
                Ok(if v.is_none() { None } else { Some(v) })
            }
        }
    }

    /// Argument `idx` as text. Numbers and booleans become their JSON text and `null` the empty
    /// string; arrays and objects are rejected because their text form is rarely what was meant.
    pub fn text(&self, idx: usize) -> Result<Cow<'a, str>, Error> {
        let v = self.value(idx)?;
        match v.kind() {
            ValueKind::String | ValueKind::Number | ValueKind::Bool | ValueKind::None => {
                Ok(render_text(v))
            }
            _ => Err(self.wrong_type(idx, "text", v)),
        }
    }

    /// Optional text argument: absent or `null` gives `None`.
    pub fn opt_text(&self, idx: usize) -> Result<Option<Cow<'a, str>>, Error> {
        match self.opt_value(idx)? {
            None => Ok(None),
            Some(_) => self.text(idx).map(Some),
        }
    }

    /// Argument `idx` as an array; `null` counts as the empty array.
    pub fn array(&self, idx: usize) -> Result<Vec<Value>, Error> {
        let v = self.value(idx)?;
        if v.is_none() {
            return Ok(Vec::new());
        }
        array_items(v).ok_or_else(|| self.wrong_type(idx, "an array", v))
    }

    /// Argument `idx` as object entries; `null` counts as the empty object.
    pub fn object(&self, idx: usize) -> Result<Vec<(Value, Value)>, Error> {
        let v = self.value(idx)?;
        if v.is_none() {
            return Ok(Vec::new());
        }
        object_entries(v).ok_or_else(|| self.wrong_type(idx, "an object", v))
    }

    /// Argument `idx` as a number. Numeric text such as `"42"` or `" 1.5 "` is accepted because
    /// API payloads often carry numbers as strings.
    pub fn number(&self, idx: usize) -> Result<Number, Error> {
        let v = self.value(idx)?;
        Number::from_value(v).ok_or_else(|| self.wrong_type(idx, "a number", v))
    }

    /// Optional whole-number argument (absent or `null` gives `None`).
    pub fn opt_integer(&self, idx: usize) -> Result<Option<i64>, Error> {
        if self.opt_value(idx)?.is_none() {
            return Ok(None);
        }
        match self.number(idx)? {
            Number::Int(i) => Ok(Some(i)),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Number::Float(_) => Err(self.error_at(idx, "must be a whole number")),
        }
    }
}

/// A number read from a value, keeping integers exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number that fits in `i64`.
    Int(i64),
    /// Anything else.
    Float(f64),
}

impl Number {
    /// Reads a number or numeric text; anything else (including booleans) gives `None`.
    pub fn from_value(value: &Value) -> Option<Number> {
        match value.kind() {
            ValueKind::Number => {
                if value.is_integer()
                    && let Some(i) = value.as_i64()
                {
                    return Some(Number::Int(i));
                }
                f64::try_from(value.clone()).ok().map(Number::Float)
            }
            ValueKind::String => Number::parse(value.as_str()?),
            _ => None,
        }
    }

    /// Parses decimal text (surrounding whitespace allowed); rejects `inf`, `NaN` and empty text.
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        let looks_decimal = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
        if !looks_decimal {
            return None;
        }
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::Float)
    }

    /// The value as `f64`.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// Converts back into a template value.
    pub fn into_value(self) -> Value {
        match self {
            Number::Int(i) => Value::from(i),
            Number::Float(f) => Value::from(f),
        }
    }
}

/// Turns a float that holds a whole number into an integer value (so `FLOOR(2.5)` is `2`, not
/// `2.0`); floats too large for `i64` stay floats.
pub fn whole_float_to_value(f: f64) -> Value {
    if f.fract() == 0.0 && (-9.2e18..=9.2e18).contains(&f) {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_message_names_function_and_counts() {
        let vals = [Value::from(1)];
        let err = Args::new("SPLIT", &vals, 2, 3).err().map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.contains("SPLIT: expects 2 to 3 arguments, got 1"),
            "{err}"
        );
    }

    #[test]
    fn undefined_argument_is_reported_as_missing_path() {
        let vals = [Value::UNDEFINED];
        let args = Args::new("SIZE", &vals, 1, 1).expect("arity ok");
        let err = args
            .value(0)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("SIZE: argument 1 is missing (the path does not exist)"),
            "{err}"
        );
    }

    #[test]
    fn numbers_parse_from_text_but_not_from_words_or_booleans() {
        assert_eq!(Number::parse(" 42 "), Some(Number::Int(42)));
        assert_eq!(Number::parse("1.5"), Some(Number::Float(1.5)));
        assert_eq!(Number::parse("-2e3"), Some(Number::Float(-2000.0)));
        assert_eq!(Number::parse("inf"), None);
        assert_eq!(Number::parse("NaN"), None);
        assert_eq!(Number::parse(""), None);
        assert_eq!(Number::parse("12abc"), None);
        assert_eq!(Number::from_value(&Value::from(true)), None);
    }

    #[test]
    fn render_text_follows_pill_rules() {
        assert_eq!(render_text(&Value::from("a")), "a");
        assert_eq!(render_text(&Value::from(())), "");
        assert_eq!(render_text(&Value::from(true)), "true");
        assert_eq!(render_text(&Value::from(2.5)), "2.5");
        let arr = Value::from(vec![Value::from(1), Value::from("x")]);
        assert_eq!(render_text(&arr), r#"[1,"x"]"#);
    }
}
