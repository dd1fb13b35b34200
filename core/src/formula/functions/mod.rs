//! Tines formula functions for the MiniJinja formula environment.
//!
//! Every function is registered under its upper-case Tines name twice: as a function
//! (`SIZE(x)`) and as a filter (`x|SIZE`, where the piped value becomes the first argument).
//!
//! Rules shared by all functions:
//! - A missing path arrives as an undefined value (the environment uses
//!   `UndefinedBehavior::Chainable`). Only `DEFAULT`, `IS_PRESENT`, `IS_BLANK`, `IF` (its
//!   condition and the branch not taken) and `NOT` accept it, as "missing". Every other
//!   function fails with `NAME: argument N is missing (the path does not exist)`.
//! - `null` is a real value, not a missing one: where text is expected it reads as `""`, where
//!   an array or object is expected it reads as empty (`SIZE(null)` is `0`).
//! - Equality (WHERE, INCLUDES, COUNT, UNIQ) is type-strict as in Tines/Ruby: `"5"` is not `5`
//!   and `true` is not `1`; `1` equals `1.0`.
//! - Errors are `ErrorKind::InvalidOperation` with a message starting `NAME:`; nothing panics.
//! - `TRUE`, `FALSE` and `NULL` are also defined as globals so Tines-style literals work.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use minijinja::value::Rest;
use minijinja::{Environment, Error, Value};

mod args;
mod arrays;
mod collections;
mod compare;
mod crypto;
mod encoding;
mod json;
mod logic;
mod math;
mod objects;
mod path;
mod patterns;
mod text;
mod time;

#[cfg(test)]
mod test_support;

/// The source of "now" for `NOW()`, `DATE("now")` and `UNIX_TIMESTAMP()`.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Signature shared by every clock-free function: the raw argument list.
type Func = fn(&[Value]) -> Result<Value, Error>;

/// Registers every Tines function, each under its upper-case name both as a function (`SIZE(x)`) and as a filter (`x|SIZE`).
pub fn register(env: &mut Environment<'static>) {
    register_with_clock(env, Arc::new(Utc::now));
}

/// Same as [`register`], with an injected clock so runs and tests can pin "now".
pub fn register_with_clock(env: &mut Environment<'static>, clock: Clock) {
    let tables: [&[(&'static str, Func)]; 10] = [
        logic::FUNCTIONS,
        text::FUNCTIONS,
        patterns::FUNCTIONS,
        collections::FUNCTIONS,
        arrays::FUNCTIONS,
        objects::FUNCTIONS,
        json::FUNCTIONS,
        encoding::FUNCTIONS,
        crypto::FUNCTIONS,
        math::FUNCTIONS,
    ];
    for table in tables {
        for &(name, func) in table {
            env.add_function(name, move |args: Rest<Value>| func(&args));
            env.add_filter(name, move |args: Rest<Value>| func(&args));
        }
    }
    for (name, func) in time::clocked_functions(clock) {
        let filter = func.clone();
        env.add_function(name, move |args: Rest<Value>| func(&args));
        env.add_filter(name, move |args: Rest<Value>| filter(&args));
    }
    env.add_global("TRUE", Value::from(true));
    env.add_global("FALSE", Value::from(false));
    env.add_global("NULL", Value::from(()));
}

#[cfg(test)]
mod tests {
    use super::test_support::{eval, eval_err, json, render};
    use minijinja::Value;

    #[test]
    fn function_and_filter_forms_agree() {
        let ctx = json(r#"{"x":[1,2,3]}"#);
        assert_eq!(eval("SIZE(x)", &ctx), Value::from(3));
        assert_eq!(eval("x|SIZE", &ctx), Value::from(3));
        assert_eq!(eval("x|JOIN('-')", &ctx), Value::from("1-2-3"));
        assert_eq!(eval("'a b'|SPLIT(' ')|SIZE", &ctx), Value::from(2));
    }

    #[test]
    fn usable_inside_template_text_with_tines_delimiters() {
        let ctx = json(r#"{"x":[1,2,3],"name":"ada"}"#);
        assert_eq!(
            render("<<SIZE(x)>> items for <<UPCASE(name)>>", &ctx),
            "3 items for ADA"
        );
        assert_eq!(
            render("<% for i in x %><<i|TO_JSON>>,<% endfor %>", &ctx),
            "1,2,3,"
        );
    }

    #[test]
    fn minijinja_builtins_still_work_alongside() {
        let ctx = json(r#"{"a":1}"#);
        assert_eq!(eval("range(3)|list", &ctx), json("[0,1,2]"));
        assert_eq!(eval("dict(k=1).k", &ctx), Value::from(1));
        assert_eq!(eval("a is defined", &ctx), Value::from(true));
        assert_eq!(eval("b.c is defined", &ctx), Value::from(false));
        assert_eq!(eval("'abc'|upper", &ctx), Value::from("ABC"));
        assert_eq!(eval("SIZE(range(4)|list)", &ctx), Value::from(4));
    }

    #[test]
    fn tines_literals_are_globals() {
        let ctx = json("{}");
        assert_eq!(eval("IF(TRUE, 1, 2)", &ctx), Value::from(1));
        assert_eq!(eval("IS_BLANK(NULL)", &ctx), Value::from(true));
        assert_eq!(eval("NOT(FALSE)", &ctx), Value::from(true));
    }

    #[test]
    fn missing_path_is_rejected_in_both_forms() {
        let ctx = json("{}");
        let e = eval_err("SIZE(nope.deeper)", &ctx);
        assert!(
            e.contains("SIZE: argument 1 is missing (the path does not exist)"),
            "{e}"
        );
        let e = eval_err("nope|UPCASE", &ctx);
        assert!(e.contains("UPCASE: argument 1 is missing"), "{e}");
    }

    #[test]
    fn keyword_arguments_are_rejected_not_misread() {
        let e = eval_err("SIZE(x=1)", &json("{}"));
        assert!(e.contains("keyword arguments"), "{e}");
    }
}
