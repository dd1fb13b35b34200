//! The fast path for the commonest formula: a plain path (`get_tickets.body.tickets[0].id`,
//! `CREDENTIAL.halo`). It is read straight from the scope, without compiling or running a
//! MiniJinja program: that saves the VM per render and, at plan time, the instruction buffers
//! MiniJinja allocates for every expression it compiles.

use minijinja::Value;
use minijinja::value::ValueKind;

use super::scope::Scope;

/// A root name followed by attribute and index steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PathExpr {
    root: String,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name` or `["name"]`
    Key(Value),
    /// `[3]`, `[-1]`
    Index(i64),
}

impl PathExpr {
    /// Parses `src` when it is exactly a path and nothing else; `None` sends it to MiniJinja.
    /// `is_global` says which bare names are functions or constants (`range`, `NULL`), which
    /// are not data roots.
    pub fn parse(src: &str, is_global: impl Fn(&str) -> bool) -> Option<PathExpr> {
        let bytes = src.as_bytes();
        let mut i = 0;
        let root = ident(bytes, &mut i)?;
        if is_global(root)
            || matches!(
                root,
                "true" | "false" | "none" | "True" | "False" | "None" | "loop"
            )
        {
            return None;
        }
        let mut steps = Vec::new();
        while i < bytes.len() {
            match bytes[i] {
                b'.' => {
                    i += 1;
                    steps.push(Step::Key(Value::from(ident(bytes, &mut i)?)));
                }
                b'[' => {
                    i += 1;
                    let step = match bytes.get(i)? {
                        q @ (b'"' | b'\'') => {
                            let start = i + 1;
                            let end = start + bytes[start..].iter().position(|b| b == q)?;
                            let text = &src[start..end];
                            if text.contains('\\') {
                                return None;
                            }
                            i = end + 1;
                            Step::Key(Value::from(text))
                        }
                        _ => {
                            let start = i;
                            if bytes.get(i) == Some(&b'-') {
                                i += 1;
                            }
                            let digits = i;
                            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                                i += 1;
                            }
                            if i == digits {
                                return None;
                            }
                            Step::Index(src[start..i].parse().ok()?)
                        }
                    };
                    if bytes.get(i) != Some(&b']') {
                        return None;
                    }
                    i += 1;
                    steps.push(step);
                }
                _ => return None,
            }
        }
        Some(PathExpr {
            root: root.to_owned(),
            steps,
        })
    }

    /// The value, or undefined when any step is missing (as MiniJinja's chainable undefined).
    pub fn eval(&self, scope: &Scope) -> Value {
        let Some(mut current) = scope.root(&self.root) else {
            return Value::UNDEFINED;
        };
        for step in &self.steps {
            let next = match step {
                Step::Key(k) if current.kind() == ValueKind::Map => current.get_item(k).ok(),
                Step::Key(k) => k.as_str().and_then(|name| current.get_attr(name).ok()),
                Step::Index(i) => current.get_item(&Value::from(*i)).ok(),
            };
            match next {
                Some(v) if !v.is_undefined() => current = v,
                _ => return Value::UNDEFINED,
            }
        }
        current
    }

    /// The dotted path a reference check sees, as MiniJinja reports undeclared variables:
    /// the root and the attribute steps up to the first index (`CREDENTIAL["x"]` → `CREDENTIAL.x`).
    pub fn reference(&self) -> String {
        let mut path = self.root.clone();
        for step in &self.steps {
            match step {
                Step::Key(k)
                    if k.as_str()
                        .is_some_and(|k| !k.is_empty() && !k.contains('.')) =>
                {
                    path.push('.');
                    path.push_str(k.as_str().unwrap_or_default());
                }
                _ => break,
            }
        }
        path
    }
}

fn ident<'a>(bytes: &'a [u8], i: &mut usize) -> Option<&'a str> {
    let start = *i;
    match bytes.get(*i) {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => *i += 1,
        _ => return None,
    }
    while bytes
        .get(*i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        *i += 1;
    }
    std::str::from_utf8(&bytes[start..*i]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn scope() -> Scope {
        let data = Value::from(minijinja::value::Serde(serde_json::json!({
            "get_tickets": {"body": {"tickets": [{"id": 7, "odd key": "x"}, {"id": 8}], "count": 2}}
        })));
        Scope {
            event: Some(Event::entry(data)),
            resources: Value::from_pairs([("page_size", 50)]),
            ..Scope::default()
        }
    }

    fn eval(src: &str) -> Option<String> {
        let p = PathExpr::parse(src, |n| n == "range")?;
        let v = p.eval(&scope());
        Some(if v.is_undefined() {
            "undefined".into()
        } else {
            serde_json::to_string(&v).unwrap()
        })
    }

    #[test]
    fn reads_paths_like_minijinja() {
        assert_eq!(eval("get_tickets.body.count").as_deref(), Some("2"));
        assert_eq!(eval("get_tickets.body.tickets[0].id").as_deref(), Some("7"));
        assert_eq!(
            eval("get_tickets.body.tickets[-1].id").as_deref(),
            Some("8")
        );
        assert_eq!(
            eval("get_tickets.body.tickets[0][\"odd key\"]").as_deref(),
            Some("\"x\"")
        );
        assert_eq!(eval("RESOURCE.page_size").as_deref(), Some("50"));
        assert_eq!(
            eval("get_tickets.body.nope.deeper").as_deref(),
            Some("undefined")
        );
        assert_eq!(
            eval("get_tickets.body.tickets[5]").as_deref(),
            Some("undefined")
        );
        assert_eq!(eval("nothing").as_deref(), Some("undefined"));
    }

    #[test]
    fn leaves_everything_else_to_minijinja() {
        for src in [
            "SIZE(x)",
            "a + 1",
            "a.b | UPCASE",
            "range",
            "a . b",
            "a.b[c]",
            "a[\"x\\\"y\"]",
            "true",
            "a.0",
            "1",
            "a[]",
            "a.b.",
            " a",
        ] {
            assert_eq!(PathExpr::parse(src, |n| n == "range"), None, "{src}");
        }
    }

    #[test]
    fn references_stop_at_the_first_index() {
        let r = |s: &str| PathExpr::parse(s, |_| false).unwrap().reference();
        assert_eq!(
            r("get_tickets.body.tickets[0].id"),
            "get_tickets.body.tickets"
        );
        assert_eq!(r("CREDENTIAL[\"halo\"]"), "CREDENTIAL.halo");
        assert_eq!(r("CREDENTIAL.halo"), "CREDENTIAL.halo");
    }
}
