//! Reading and rewriting the formulas inside Relay string values: which roots and functions
//! they use, renaming a root, and substituting `ROOT.name` paths. A light tokenizer is enough:
//! it only has to tell identifiers from string literals, numbers and punctuation.

/// One piece of a string value, as Relay splits it.
#[derive(Debug, Clone, PartialEq)]
pub enum Part<'a> {
    Text(&'a str),
    /// The expression inside `<<…>>`.
    Pill(&'a str),
    /// The expression after a leading `=`.
    Formula(&'a str),
}

/// Splits a string value into text, pills and a whole-value formula. `\<<` stays text; an
/// unclosed `<<` is text too (Relay's validator reports it).
pub fn parts(s: &str) -> Vec<Part<'_>> {
    if let Some(rest) = s.strip_prefix('=')
        && !rest.trim().is_empty()
    {
        return vec![Part::Formula(rest)];
    }
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while let Some(pos) = s[i..].find("<<") {
        let at = i + pos;
        if s[..at].ends_with('\\') {
            i = at + 2;
            continue;
        }
        let inner = &s[at + 2..];
        let Some(end) = closing(inner) else { break };
        if at > text_start {
            out.push(Part::Text(&s[text_start..at]));
        }
        out.push(Part::Pill(&inner[..end]));
        i = at + 2 + end + 2;
        text_start = i;
    }
    if text_start < s.len() {
        out.push(Part::Text(&s[text_start..]));
    }
    out
}

/// Rebuilds `s` with every pill and formula expression passed through `f`.
pub fn map_expressions(s: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    for part in parts(s) {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Pill(e) => {
                out.push_str("<<");
                out.push_str(&f(e));
                out.push_str(">>");
            }
            Part::Formula(e) => {
                out.push('=');
                out.push_str(&f(e));
            }
        }
    }
    out
}

/// Every expression (pill or formula) in a string value.
pub fn expressions(s: &str) -> Vec<&str> {
    parts(s)
        .into_iter()
        .filter_map(|p| match p {
            Part::Pill(e) | Part::Formula(e) => Some(e),
            Part::Text(_) => None,
        })
        .collect()
}

/// Byte index of the `>>` closing a pill, skipping quoted strings.
fn closing(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' && bytes.get(i + 1) == Some(&b'>') => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ident,
    Str,
    Number,
    Punct(char),
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

fn tokenize(expr: &str) -> Vec<Tok> {
    let chars: Vec<(usize, char)> = expr.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(expr.len(), |(b, _)| *b);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut j = i + 1;
            while j < chars.len() && chars[j].1 != c {
                if chars[j].1 == '\\' {
                    j += 1;
                }
                j += 1;
            }
            let j = (j + 1).min(chars.len());
            toks.push(Tok {
                kind: Kind::Str,
                start,
                end: end_of(j),
            });
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '_' || chars[j].1 == '.')
            {
                j += 1;
            }
            toks.push(Tok {
                kind: Kind::Number,
                start,
                end: end_of(j),
            });
            i = j;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '_') {
                j += 1;
            }
            toks.push(Tok {
                kind: Kind::Ident,
                start,
                end: end_of(j),
            });
            i = j;
        } else {
            toks.push(Tok {
                kind: Kind::Punct(c),
                start,
                end: end_of(i + 1),
            });
            i += 1;
        }
    }
    toks
}

/// Words that are never a path root.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
    "null", "NULL", "TRUE", "FALSE", "nil",
];

/// Indexes of the identifier tokens that start a path (not an attribute, filter, test,
/// function name, keyword or lambda parameter).
fn root_indexes(expr: &str, toks: &[Tok]) -> Vec<usize> {
    let text = |t: &Tok| &expr[t.start..t.end];
    let mut lambda_params: Vec<&str> = Vec::new();
    for w in toks.windows(3) {
        if w[0].kind == Kind::Ident
            && text(&w[0]) == "LAMBDA"
            && w[1].kind == Kind::Punct('(')
            && w[2].kind == Kind::Ident
        {
            lambda_params.push(text(&w[2]));
        }
    }
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Kind::Ident {
            continue;
        }
        let word = text(t);
        if KEYWORDS.contains(&word) || lambda_params.contains(&word) {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        if let Some(p) = prev {
            if matches!(p.kind, Kind::Punct('.') | Kind::Punct('|')) {
                continue;
            }
            if p.kind == Kind::Ident
                && (text(p) == "is" || (text(p) == "not" && i >= 2 && text(&toks[i - 2]) == "is"))
            {
                continue;
            }
        }
        if toks.get(i + 1).is_some_and(|n| n.kind == Kind::Punct('(')) {
            continue;
        }
        out.push(i);
    }
    out
}

/// The root names an expression reads (`get_tickets` of `get_tickets.body`), in order, once each.
pub fn roots(expr: &str) -> Vec<String> {
    let toks = tokenize(expr);
    let mut out: Vec<String> = Vec::new();
    for i in root_indexes(expr, &toks) {
        let word = &expr[toks[i].start..toks[i].end];
        if !out.iter().any(|w| w == word) {
            out.push(word.to_owned());
        }
    }
    out
}

/// Upper-case function and filter names used (`SIZE` of `SIZE(x)` or `x|SIZE`), once each.
pub fn functions(expr: &str) -> Vec<String> {
    let toks = tokenize(expr);
    let mut out: Vec<String> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Kind::Ident {
            continue;
        }
        let word = &expr[t.start..t.end];
        if !word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || word.chars().any(|c| c.is_ascii_lowercase())
        {
            continue;
        }
        let after_dot = i > 0 && toks[i - 1].kind == Kind::Punct('.');
        let called = toks.get(i + 1).is_some_and(|n| n.kind == Kind::Punct('('));
        let filter = i > 0 && toks[i - 1].kind == Kind::Punct('|');
        if ((called && !after_dot) || filter) && !out.iter().any(|w| w == word) {
            out.push(word.to_owned());
        }
    }
    out
}

/// Replaces the root `old` by `new` wherever it starts a path.
pub fn rename_root(expr: &str, old: &str, new: &str) -> String {
    let toks = tokenize(expr);
    let mut out = String::with_capacity(expr.len());
    let mut last = 0;
    for i in root_indexes(expr, &toks) {
        let t = toks[i];
        if &expr[t.start..t.end] == old {
            out.push_str(&expr[last..t.start]);
            out.push_str(new);
            last = t.end;
        }
    }
    out.push_str(&expr[last..]);
    out
}

/// Replaces each `ROOT.name` path start (`INPUT.channel`) by `f(name)` when it gives one.
pub fn replace_paths(expr: &str, root: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let toks = tokenize(expr);
    let mut out = String::with_capacity(expr.len());
    let mut last = 0;
    for i in root_indexes(expr, &toks) {
        let t = toks[i];
        if &expr[t.start..t.end] != root {
            continue;
        }
        let (Some(dot), Some(name)) = (toks.get(i + 1), toks.get(i + 2)) else {
            continue;
        };
        if dot.kind != Kind::Punct('.') || name.kind != Kind::Ident {
            continue;
        }
        if let Some(replacement) = f(&expr[name.start..name.end]) {
            out.push_str(&expr[last..t.start]);
            out.push_str(&replacement);
            last = name.end;
        }
    }
    out.push_str(&expr[last..]);
    out
}

/// True when `expr` is a bare dotted path (`a.b.c`), safe to splice without parentheses.
pub fn is_simple_path(expr: &str) -> bool {
    let expr = expr.trim();
    !expr.is_empty()
        && expr.split('.').all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_pills_formulas_and_escapes() {
        assert_eq!(parts("=SIZE(x)"), vec![Part::Formula("SIZE(x)")]);
        assert_eq!(
            parts("Bearer <<CREDENTIAL.halo>>!"),
            vec![
                Part::Text("Bearer "),
                Part::Pill("CREDENTIAL.halo"),
                Part::Text("!")
            ]
        );
        assert_eq!(
            parts("https://\\<<Server>>/x"),
            vec![Part::Text("https://\\<<Server>>/x")]
        );
        assert_eq!(
            parts("<<a[\">>\"]>> <<b"),
            vec![Part::Pill("a[\">>\"]"), Part::Text(" <<b")]
        );
        assert_eq!(parts("="), vec![Part::Text("=")]);
    }

    #[test]
    fn finds_roots_but_not_attributes_functions_or_params() {
        assert_eq!(roots("get_tickets.body.items[0].id"), ["get_tickets"]);
        assert_eq!(roots("SIZE(a.b) + c|DEFAULT(d.e)"), ["a", "c", "d"]);
        assert_eq!(roots("x is not defined and y is none"), ["x", "y"]);
        assert_eq!(
            roots("REJECT(LOCAL.all, LAMBDA(item, item = NULL))"),
            ["LOCAL"]
        );
        assert_eq!(
            roots("'quoted.word' ~ \"other\" ~ 12 ~ 1e5"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn lists_upper_case_functions_and_filters() {
        assert_eq!(
            functions("REJECT(x, LAMBDA(i, OR(i, TYPE(i))))|SIZE"),
            ["REJECT", "LAMBDA", "OR", "TYPE", "SIZE"]
        );
        assert_eq!(
            functions("a.GET(1) ~ lower(x) ~ CREDENTIAL.x"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn renames_roots_only() {
        assert_eq!(
            rename_root(
                "message_text.message ~ x.message_text ~ 'message_text'",
                "message_text",
                "message_text_2"
            ),
            "message_text_2.message ~ x.message_text ~ 'message_text'"
        );
        assert_eq!(
            map_expressions("a <<m.x>> b =c", |e| rename_root(e, "m", "n")),
            "a <<n.x>> b =c"
        );
        assert_eq!(
            map_expressions("=m.x", |e| rename_root(e, "m", "n")),
            "=n.x"
        );
    }

    #[test]
    fn replaces_input_paths() {
        let out = replace_paths("OR(INPUT.a, INPUT.b, X.INPUT.a)", "INPUT", |n| {
            (n == "a").then(|| "\"A\"".to_owned())
        });
        assert_eq!(out, "OR(\"A\", INPUT.b, X.INPUT.a)");
    }

    #[test]
    fn simple_paths() {
        assert!(is_simple_path("CREDENTIAL.slack"));
        assert!(!is_simple_path("a.b + 1"));
        assert!(!is_simple_path("a[0]"));
    }
}
