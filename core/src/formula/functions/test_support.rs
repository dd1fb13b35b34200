//! Test helpers: a formula environment configured exactly like Relay's, with a pinned clock.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, Error, UndefinedBehavior, Value};

/// The instant every test environment reports as "now": 2026-11-28T22:55:49.250Z.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_795_906_549_250)
        .single()
        .expect("fixed test instant is valid")
}

/// A Relay-style formula environment with all Tines functions and the fixed clock.
pub fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .block_delimiters("<%", "%>")
            .variable_delimiters("<<", ">>")
            .comment_delimiters("<#", "#>")
            .build()
            .expect("valid delimiters"),
    );
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(50_000));
    env.set_recursion_limit(64);
    super::register_with_clock(&mut env, Arc::new(fixed_now));
    env
}

/// Evaluates one expression against `ctx`.
pub fn try_eval(expr: &str, ctx: &Value) -> Result<Value, Error> {
    let env = env();
    env.compile_expression(expr)?.eval(ctx)
}

/// Evaluates and expects success.
pub fn eval(expr: &str, ctx: &Value) -> Value {
    match try_eval(expr, ctx) {
        Ok(v) => v,
        Err(e) => panic!("`{expr}` failed: {e:#}"),
    }
}

/// Evaluates and expects failure; returns the full error text.
pub fn eval_err(expr: &str, ctx: &Value) -> String {
    match try_eval(expr, ctx) {
        Ok(v) => panic!("`{expr}` should fail, got {v:?}"),
        Err(e) => format!("{e:#}"),
    }
}

/// Renders a template string against `ctx`.
pub fn render(template: &str, ctx: &Value) -> String {
    let env = env();
    match env.render_str(template, ctx) {
        Ok(s) => s,
        Err(e) => panic!("`{template}` failed: {e:#}"),
    }
}

/// Parses JSON test data into a template value.
pub fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("valid test json")
}

/// An empty context.
pub fn empty() -> Value {
    json("{}")
}
