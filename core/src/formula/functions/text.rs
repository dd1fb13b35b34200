//! Text functions: UPCASE, DOWNCASE, STRIP/TRIM/LSTRIP/RSTRIP, SPLIT, JOIN, CONCAT, REPLACE.

use minijinja::{Error, Value};

use super::Func;
use super::args::{Args, is_array, render_text};

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("UPCASE", upcase),
    ("DOWNCASE", downcase),
    ("STRIP", strip),
    ("TRIM", trim),
    ("LSTRIP", lstrip),
    ("RSTRIP", rstrip),
    ("SPLIT", split),
    ("JOIN", join),
    ("CONCAT", concat),
    ("REPLACE", replace),
];

/// `UPCASE(text)`: Unicode upper case (`"straße"` → `"STRASSE"`).
fn upcase(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("UPCASE", raw, 1, 1)?;
    Ok(Value::from(args.text(0)?.to_uppercase()))
}

/// `DOWNCASE(text)`: Unicode lower case.
fn downcase(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("DOWNCASE", raw, 1, 1)?;
    Ok(Value::from(args.text(0)?.to_lowercase()))
}

fn trimmed(name: &'static str, raw: &[Value], f: fn(&str) -> &str) -> Result<Value, Error> {
    let args = Args::new(name, raw, 1, 1)?;
    Ok(Value::from(f(&args.text(0)?)))
}

/// `STRIP(text)`: removes leading and trailing Unicode whitespace.
fn strip(raw: &[Value]) -> Result<Value, Error> {
    trimmed("STRIP", raw, str::trim)
}

/// `TRIM(text)`: alias of STRIP.
fn trim(raw: &[Value]) -> Result<Value, Error> {
    trimmed("TRIM", raw, str::trim)
}

/// `LSTRIP(text)`: removes leading whitespace.
fn lstrip(raw: &[Value]) -> Result<Value, Error> {
    trimmed("LSTRIP", raw, str::trim_start)
}

/// `RSTRIP(text)`: removes trailing whitespace.
fn rstrip(raw: &[Value]) -> Result<Value, Error> {
    trimmed("RSTRIP", raw, str::trim_end)
}

/// `SPLIT(text, [separator])`: splits on the literal separator and keeps empty pieces
/// (`"a,,b"` → `["a","","b"]`). Without a separator it splits on runs of whitespace; an empty
/// separator splits into characters. Empty text gives `[]`, not `[""]`.
fn split(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("SPLIT", raw, 1, 2)?;
    let text = args.text(0)?;
    if text.is_empty() {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let parts: Vec<Value> = match args.opt_text(1)? {
        None => text.split_whitespace().map(Value::from).collect(),
        Some(sep) if sep.is_empty() => text.chars().map(Value::from).collect(),
        Some(sep) => text.split(sep.as_ref()).map(Value::from).collect(),
    };
    Ok(Value::from(parts))
}

/// `JOIN(array, [separator])`: elements rendered like pills (numbers as JSON, `null` as `""`,
/// nested arrays/objects as compact JSON), separated by `separator` (default `""`).
fn join(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("JOIN", raw, 1, 2)?;
    let items = args.array(0)?;
    let sep = args.opt_text(1)?.unwrap_or_default();
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        out.push_str(&render_text(item));
    }
    Ok(Value::from(out))
}

/// `CONCAT(a, b, ...)`: when any argument is an array the result is one array (array arguments
/// spliced in, other values appended as single elements); otherwise the arguments are joined
/// as text using pill rendering.
fn concat(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("CONCAT", raw, 1, usize::MAX)?;
    for i in 0..args.len() {
        args.value(i)?;
    }
    let all = args.all();
    if all.iter().any(is_array) {
        let mut out = Vec::new();
        for (i, v) in all.iter().enumerate() {
            if is_array(v) {
                out.extend(args.array(i)?);
            } else {
                out.push(v.clone());
            }
        }
        return Ok(Value::from(out));
    }
    let text: String = all.iter().map(|v| render_text(v)).collect();
    Ok(Value::from(text))
}

/// `REPLACE(text, search, replacement)`: replaces every literal occurrence of `search`.
/// An empty `search` is rejected rather than inserting between every character.
fn replace(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("REPLACE", raw, 3, 3)?;
    let text = args.text(0)?;
    let search = args.text(1)?;
    let replacement = args.text(2)?;
    if search.is_empty() {
        return Err(args.error_at(1, "must not be empty text"));
    }
    Ok(Value::from(text.replace(search.as_ref(), &replacement)))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json, render};
    use minijinja::Value;

    #[test]
    fn case_conversion_is_unicode_aware() {
        let c = json(r#"{"s":"straße Ünï","n":12,"nul":null}"#);
        assert_eq!(eval("UPCASE(s)", &c), Value::from("STRASSE ÜNÏ"));
        assert_eq!(eval("DOWNCASE('ÀBC')", &c), Value::from("àbc"));
        assert_eq!(eval("UPCASE(n)", &c), Value::from("12"));
        assert_eq!(eval("UPCASE(nul)", &c), Value::from(""));
        assert_eq!(eval("s|DOWNCASE", &c), Value::from("straße ünï"));
    }

    #[test]
    fn case_conversion_rejects_containers_and_missing() {
        let c = json(r#"{"a":[1]}"#);
        assert!(eval_err("UPCASE(a)", &c).contains("UPCASE: argument 1 must be text, got array"));
        assert!(eval_err("DOWNCASE(b.c)", &c).contains("DOWNCASE: argument 1 is missing"));
        assert!(eval_err("UPCASE()", &c).contains("UPCASE: expects 1 argument, got 0"));
    }

    #[test]
    fn strip_variants() {
        let c = json(r#"{"s":"\t  hi there \n\u00a0"}"#);
        assert_eq!(eval("STRIP(s)", &c), Value::from("hi there"));
        assert_eq!(eval("TRIM(s)", &c), Value::from("hi there"));
        assert_eq!(eval("LSTRIP(' x ')", &c), Value::from("x "));
        assert_eq!(eval("RSTRIP(' x ')", &c), Value::from(" x"));
        assert_eq!(eval("STRIP('')", &c), Value::from(""));
        assert!(eval_err("STRIP(nope)", &c).contains("STRIP: argument 1 is missing"));
    }

    #[test]
    fn split_keeps_empty_pieces_and_handles_edges() {
        let c = empty();
        assert_eq!(eval("SPLIT('a,,b', ',')", &c), json(r#"["a","","b"]"#));
        assert_eq!(eval("SPLIT('a::b::c', '::')", &c), json(r#"["a","b","c"]"#));
        assert_eq!(eval("SPLIT('  a  b\n c ')", &c), json(r#"["a","b","c"]"#));
        assert_eq!(eval("SPLIT('héé', '')", &c), json(r#"["h","é","é"]"#));
        assert_eq!(eval("SPLIT('', ',')", &c), json("[]"));
        assert_eq!(eval("SPLIT('abc', ',')", &c), json(r#"["abc"]"#));
        assert_eq!(eval("'x-y'|SPLIT('-')", &c), json(r#"["x","y"]"#));
        assert!(eval_err("SPLIT([1], ',')", &c).contains("must be text, got array"));
    }

    #[test]
    fn join_renders_elements_like_pills() {
        let c = json(r#"{"a":["x",1,2.5,true,null,{"k":"v"},[1]]}"#);
        assert_eq!(
            eval("JOIN(a, '|')", &c),
            Value::from(r#"x|1|2.5|true||{"k":"v"}|[1]"#)
        );
        assert_eq!(eval("JOIN([], ',')", &c), Value::from(""));
        assert_eq!(eval("JOIN(['a','b'])", &c), Value::from("ab"));
        assert_eq!(eval("JOIN(NULL, ',')", &c), Value::from(""));
        assert!(eval_err("JOIN('abc', ',')", &c).contains("JOIN: argument 1 must be an array"));
        assert!(eval_err("JOIN(nope, ',')", &c).contains("JOIN: argument 1 is missing"));
    }

    #[test]
    fn concat_text_and_arrays() {
        let c = json(r#"{"a":[1,2],"b":[3],"n":7}"#);
        assert_eq!(
            eval("CONCAT('a', n, 'b', NULL, none, true)", &c),
            Value::from("a7btrue")
        );
        assert_eq!(eval("CONCAT(a, b)", &c), json("[1,2,3]"));
        assert_eq!(eval("CONCAT(a, 9)", &c), json("[1,2,9]"));
        assert_eq!(eval("CONCAT(a, [])", &c), json("[1,2]"));
        assert!(eval_err("CONCAT('a', nope)", &c).contains("CONCAT: argument 2 is missing"));
        assert_eq!(render("<<CONCAT('x', 'y')>>!", &c), "xy!");
    }

    #[test]
    fn replace_is_literal_and_global() {
        let c = empty();
        assert_eq!(eval("REPLACE('a.b.c', '.', '-')", &c), Value::from("a-b-c"));
        assert_eq!(
            eval("REPLACE('$1 x', '$1', '\\\\0')", &c),
            Value::from("\\0 x")
        );
        assert_eq!(eval("REPLACE('abc', 'z', 'y')", &c), Value::from("abc"));
        assert!(eval_err("REPLACE('abc', '', 'y')", &c).contains("must not be empty"));
    }
}
