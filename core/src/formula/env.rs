//! The one MiniJinja environment every formula is compiled against.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value};

use super::{functions, text};

/// A formula's budget of VM instructions: generous for real formulas, fatal for runaway loops.
pub const FUEL: u64 = 100_000;
/// How deep formulas may nest (calls, loops, brackets).
pub const MAX_DEPTH: usize = 64;

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(build);

/// The shared formula environment (Tines delimiters, Tines functions, fuel and depth limits).
pub fn environment() -> &'static Environment<'static> {
    &ENVIRONMENT
}

fn build() -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .block_delimiters("<%", "%>")
        .variable_delimiters("<<", ">>")
        .comment_delimiters("<#", "#>")
        .build()
        .expect("the Tines delimiters are a valid MiniJinja syntax");
    env.set_syntax(syntax);
    // Missing paths propagate as undefined so DEFAULT/IS_PRESENT/`is defined` can see them;
    // the renderer turns an undefined final value into a "does not exist" error.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(MAX_DEPTH);
    env.set_formatter(format_block_output);
    functions::register(&mut env);
    env
}

/// Printing inside `<% %>` blocks follows the same text rules as pills, and refuses missing values.
fn format_block_output(out: &mut Output, _state: &mut State, value: &Value) -> Result<(), Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "a printed value does not exist",
        ));
    }
    let s = text::to_text(value).map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
    out.write_str(&s)
        .map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write formula output"))
}
