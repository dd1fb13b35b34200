//! Rendering a compiled value for one event. Each string leaf is rendered on its own and the
//! result is never parsed or rendered again, so response data cannot inject formulas and a
//! secret with quotes cannot break the encoding of the request built from it.

use minijinja::value::ValueKind;
use minijinja::{ErrorKind, Value};

use super::compile::{Compiled, Expr, Program, Segment, Tree};
use super::error::FormulaError;
use super::scope::Scope;
use super::text::to_text;
use crate::yaml::did_you_mean;

impl Compiled {
    /// Renders against `scope`; the result keeps the types of lone pills and `=` formulas.
    pub fn render(&self, scope: &Scope) -> Result<Value, FormulaError> {
        if let Tree::Const(v) = &self.tree {
            return Ok(v.clone());
        }
        render_tree(&self.tree, &Ctx::new(scope), scope)
    }

    /// Like [`render`](Self::render), but a value that is exactly one formula whose result does
    /// not exist gives `None` instead of an error (for `is_null` rules and similar tests).
    pub fn render_optional(&self, scope: &Scope) -> Result<Option<Value>, FormulaError> {
        if let Tree::Expr(e) = &self.tree {
            let v = eval(e, &Ctx::new(scope), scope)?;
            return Ok((!v.is_undefined()).then_some(v));
        }
        self.render(scope).map(Some)
    }
}

/// The scope as a MiniJinja context, built only when a formula needs MiniJinja (plain paths
/// and constants never do).
struct Ctx<'a> {
    scope: &'a Scope,
    value: std::cell::OnceCell<Value>,
}

impl<'a> Ctx<'a> {
    fn new(scope: &'a Scope) -> Ctx<'a> {
        Ctx {
            scope,
            value: std::cell::OnceCell::new(),
        }
    }

    fn get(&self) -> &Value {
        self.value.get_or_init(|| self.scope.clone().into_value())
    }
}

fn render_tree(tree: &Tree, ctx: &Ctx<'_>, scope: &Scope) -> Result<Value, FormulaError> {
    match tree {
        Tree::Const(v) => Ok(v.clone()),
        Tree::Expr(e) => {
            let v = eval(e, ctx, scope)?;
            if v.is_undefined() {
                return Err(missing(&e.source, &e.paths, scope));
            }
            Ok(v)
        }
        Tree::Text(segments) => {
            let mut out = String::new();
            for seg in segments.iter() {
                match seg {
                    Segment::Text(t) => out.push_str(t),
                    Segment::Pill(e) => {
                        let v = eval(e, ctx, scope)?;
                        if v.is_undefined() {
                            return Err(missing(&e.source, &e.paths, scope));
                        }
                        out.push_str(&to_text(&v).map_err(FormulaError::new)?);
                    }
                }
            }
            Ok(Value::from(out))
        }
        Tree::Block(b) => b
            .template
            .render(ctx.get().clone())
            .map(Value::from)
            .map_err(|e| explain(&e, "<% %> block", &b.paths, scope)),
        Tree::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, t) in items.iter().enumerate() {
                out.push(render_tree(t, ctx, scope).map_err(|e| e.within(i.to_string()))?);
            }
            Ok(Value::from(out))
        }
        Tree::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, t) in entries.iter() {
                let v = render_tree(t, ctx, scope).map_err(|e| e.within(k.as_ref()))?;
                out.push((Value::from(k.as_ref()), v));
            }
            Ok(Value::from_pairs(out))
        }
    }
}

fn eval(e: &Expr, ctx: &Ctx<'_>, scope: &Scope) -> Result<Value, FormulaError> {
    match &e.program {
        Program::Path(path) => Ok(path.eval(scope)),
        Program::MiniJinja(program) => {
            // MiniJinja reads a missing path as undefined and carries on (`nope ~ "x"` is
            // "x"); formulas.md makes it an error outside the guards, so check first.
            if let Some(m) = first_missing(&e.required, scope) {
                return Err(FormulaError::new(format!(
                    "{m} (in formula `{}`)",
                    e.source
                )));
            }
            program
                .eval(ctx.get().clone())
                .map_err(|err| explain(&err, &e.source, &e.paths, scope))
        }
    }
}

/// Turns a MiniJinja error into one a user can act on, naming the missing path when that is the cause.
fn explain(err: &minijinja::Error, source: &str, paths: &[String], scope: &Scope) -> FormulaError {
    let detail = err
        .detail()
        .map(str::to_owned)
        .unwrap_or_else(|| err.kind().to_string());
    match err.kind() {
        ErrorKind::OutOfFuel => FormulaError::new(format!(
            "formula `{source}` ran too long and was stopped (it used up its budget of {} steps); simplify it",
            super::env::FUEL
        )),
        ErrorKind::InvalidOperation if detail.contains("recursion") => {
            FormulaError::new(format!("formula `{source}` nests too deeply; simplify it"))
        }
        ErrorKind::UndefinedError => missing(source, paths, scope),
        _ if detail.contains("missing") || detail.contains("undefined") => {
            match first_missing(paths, scope) {
                Some(m) => FormulaError::new(format!("{m} (in formula `{source}`: {detail})")),
                None => FormulaError::new(format!("formula `{source}` failed: {detail}")),
            }
        }
        _ => FormulaError::new(format!("formula `{source}` failed: {detail}")),
    }
}

fn missing(source: &str, paths: &[String], scope: &Scope) -> FormulaError {
    match first_missing(paths, scope) {
        Some(m) => FormulaError::new(format!("{m} (in formula `{source}`)")),
        None => FormulaError::new(format!(
            "formula `{source}` gives no value (a path in it does not exist)"
        )),
    }
}

/// "`get_tickets.body.tickts` does not exist: `get_tickets.body` has no key `tickts`".
fn first_missing(paths: &[String], scope: &Scope) -> Option<String> {
    for path in paths {
        let mut segments = path.split('.');
        let root = segments.next()?;
        let Some(mut current) = scope.root(root) else {
            let names = scope.root_names();
            let hint = did_you_mean(root, names.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Some(format!(
                "`{path}` does not exist: this event has no action result, input key or root named `{root}`{hint}"
            ));
        };
        let mut walked = root.to_owned();
        for seg in segments {
            let next = current.get_attr(seg).unwrap_or(Value::UNDEFINED);
            if next.is_undefined() {
                let what = match current.kind() {
                    ValueKind::Map => format!("`{walked}` has no key `{seg}`"),
                    kind => format!("`{walked}` is {} and has no `{seg}`", kind_name(kind)),
                };
                let keys: Vec<String> = if current.kind() == ValueKind::Map {
                    current
                        .try_iter()
                        .map(|it| it.filter_map(|k| k.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let hint = did_you_mean(seg, keys.iter().map(String::as_str))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Some(format!("`{path}` does not exist: {what}{hint}"));
            }
            walked.push('.');
            walked.push_str(seg);
            current = next;
        }
    }
    None
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::None => "null",
        ValueKind::Bool => "a boolean",
        ValueKind::Number => "a number",
        ValueKind::String => "a string",
        ValueKind::Seq => "a list",
        ValueKind::Map => "an object",
        _ => "a value",
    }
}
