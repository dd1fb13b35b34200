//! Regular-expression functions: REGEX_REPLACE, REGEX_EXTRACT, MATCH.
//!
//! Tines uses Ruby regexes, so defaults follow Ruby: `^`/`$` match at line boundaries, and the
//! optional modifiers are Ruby's `i` (ignore case), `m` (`.` matches newline) and `x`
//! (extended). Patterns compile with a size limit, and compiled patterns are kept in a small
//! bounded cache because the same formula runs for every event.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::{Error, Value};
use regex::{Captures, Regex, RegexBuilder};

use super::Func;
use super::args::Args;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("REGEX_REPLACE", regex_replace),
    ("REGEX_EXTRACT", regex_extract),
    ("MATCH", match_),
];

const MAX_PATTERN_LEN: usize = 4096;
const COMPILED_SIZE_LIMIT: usize = 1 << 20;
const CACHE_CAPACITY: usize = 64;

#[derive(Default)]
struct Cache {
    map: HashMap<(String, String), Arc<Regex>>,
    order: VecDeque<(String, String)>,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

/// Compiles (or fetches from the cache) `pattern` with Ruby-style `modifiers`.
fn compile(args: &Args<'_>, pattern: &str, modifiers: &str) -> Result<Arc<Regex>, Error> {
    let key = (pattern.to_owned(), modifiers.to_owned());
    {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        let guard = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(re) = guard.map.get(&key) {
            return Ok(Arc::clone(re));
        }
    }
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(args.error(format!(
            "regular expression is longer than {MAX_PATTERN_LEN} bytes"
        )));
    }
    let mut builder = RegexBuilder::new(pattern);
    builder
        .multi_line(true)
        .size_limit(COMPILED_SIZE_LIMIT)
        .dfa_size_limit(COMPILED_SIZE_LIMIT);
    for flag in modifiers.chars() {
        match flag {
            'i' => builder.case_insensitive(true),
            'm' => builder.dot_matches_new_line(true),
            'x' => builder.ignore_whitespace(true),
            other => {
                return Err(args.error(format!("unknown regex modifier '{other}' (use i, m or x)")));
            }
        };
    }
    let re = builder
        .build()
        .map(Arc::new)
        .map_err(|e| args.error(format!("invalid regular expression: {e}")))?;
    let mut guard = cache().lock().unwrap_or_else(|e| e.into_inner());
    if guard.map.len() >= CACHE_CAPACITY
        && let Some(oldest) = guard.order.pop_front()
    {
        guard.map.remove(&oldest);
    }
    if guard.map.insert(key.clone(), Arc::clone(&re)).is_none() {
        guard.order.push_back(key);
    }
    Ok(re)
}

/// The compiled pattern from argument `pattern_idx`, with the optional modifiers argument.
fn pattern_arg(
    args: &Args<'_>,
    pattern_idx: usize,
    modifiers_idx: usize,
) -> Result<Arc<Regex>, Error> {
    let pattern = args.text(pattern_idx)?;
    let modifiers = args.opt_text(modifiers_idx)?.unwrap_or_default();
    compile(args, &pattern, &modifiers)
}

/// One piece of a parsed replacement template.
#[derive(Debug, PartialEq)]
enum Piece {
    Literal(String),
    Group(usize),
    Named(String),
    /// `$N`: a group when the expression has group N, otherwise the literal text, so that
    /// `"$5.00"` in a replacement stays money rather than becoming an error.
    DollarGroup(usize, String),
}

/// Parses a replacement. Group references may be written Ruby-style (`\1`, `\0`, `\&`,
/// `\k<name>`) or as `$1`, `${1}`, `${name}`; `\\` is a backslash and `$$` a dollar. Any other
/// `$` or `\` is literal, so `"$USD"` stays as written.
fn parse_replacement(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    let flush = |lit: &mut String, pieces: &mut Vec<Piece>| {
        if !lit.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(lit)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('\\', Some(d)) if d.is_ascii_digit() => {
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Group(d as usize - '0' as usize));
                i += 2;
            }
            ('\\', Some('&')) => {
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Group(0));
                i += 2;
            }
            ('\\', Some('\\')) => {
                lit.push('\\');
                i += 2;
            }
            ('\\', Some('k')) if chars.get(i + 2) == Some(&'<') => {
                if let Some(end) = chars[i + 3..].iter().position(|&ch| ch == '>') {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Named(chars[i + 3..i + 3 + end].iter().collect()));
                    i += 4 + end;
                } else {
                    lit.push(c);
                    i += 1;
                }
            }
            ('$', Some('$')) => {
                lit.push('$');
                i += 2;
            }
            ('$', Some(d)) if d.is_ascii_digit() => {
                let digits: String = chars[i + 1..]
                    .iter()
                    .take_while(|ch| ch.is_ascii_digit())
                    .collect();
                flush(&mut lit, &mut pieces);
                let n = digits.parse().unwrap_or(usize::MAX);
                pieces.push(Piece::DollarGroup(n, format!("${digits}")));
                i += 1 + digits.chars().count();
            }
            ('$', Some('{')) => {
                if let Some(end) = chars[i + 2..].iter().position(|&ch| ch == '}') {
                    let name: String = chars[i + 2..i + 2 + end].iter().collect();
                    flush(&mut lit, &mut pieces);
                    match name.parse::<usize>() {
                        Ok(n) => pieces.push(Piece::Group(n)),
                        Err(_) => pieces.push(Piece::Named(name)),
                    }
                    i += 3 + end;
                } else {
                    lit.push(c);
                    i += 1;
                }
            }
            _ => {
                lit.push(c);
                i += 1;
            }
        }
    }
    flush(&mut lit, &mut pieces);
    pieces
}

/// Checks that every explicit group reference exists, so a typo fails loudly, and settles
/// each `$N` as a group or as literal text.
fn resolve_groups(args: &Args<'_>, re: &Regex, pieces: Vec<Piece>) -> Result<Vec<Piece>, Error> {
    let groups = re.captures_len();
    pieces
        .into_iter()
        .map(|piece| match piece {
            Piece::Group(n) if n >= groups => Err(args.error(format!(
                "replacement refers to group {n}, but the expression has {} group(s)",
                groups - 1
            ))),
            Piece::Named(name) if !re.capture_names().flatten().any(|g| g == name) => {
                Err(args.error(format!("replacement refers to unknown group '{name}'")))
            }
            Piece::DollarGroup(n, _) if n < groups => Ok(Piece::Group(n)),
            Piece::DollarGroup(_, text) => Ok(Piece::Literal(text)),
            other => Ok(other),
        })
        .collect()
}

fn expand(caps: &Captures<'_>, pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
            Piece::Named(name) => out.push_str(caps.name(name).map_or("", |m| m.as_str())),
            Piece::DollarGroup(_, text) => out.push_str(text),
        }
    }
    out
}

/// `REGEX_REPLACE(text, regex, replacement, [modifiers])`: replaces every match. The
/// replacement may reference groups as `\1`/`$1`, `\0`/`\&` (whole match), `\k<name>`/`${name}`.
fn regex_replace(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("REGEX_REPLACE", raw, 3, 4)?;
    let text = args.text(0)?;
    let re = pattern_arg(&args, 1, 3)?;
    let pieces = resolve_groups(&args, &re, parse_replacement(&args.text(2)?))?;
    let out = re.replace_all(&text, |caps: &Captures<'_>| expand(caps, &pieces));
    Ok(Value::from(out.into_owned()))
}

/// `REGEX_EXTRACT(text, regex, [modifiers])`: every match, in order. Without capture groups
/// each element is the matched text; with one group it is that group's text (so
/// `"id=(\d+)"` yields `["12","34"]`); with several groups each element is an array of the
/// groups. A group that did not take part in the match is `null`. No match gives `[]`.
fn regex_extract(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("REGEX_EXTRACT", raw, 2, 3)?;
    let text = args.text(0)?;
    let re = pattern_arg(&args, 1, 2)?;
    let groups = re.captures_len() - 1;
    let group_value = |caps: &Captures<'_>, n: usize| {
        caps.get(n)
            .map_or(Value::from(()), |m| Value::from(m.as_str()))
    };
    let out: Vec<Value> = re
        .captures_iter(&text)
        .map(|caps| match groups {
            0 => group_value(&caps, 0),
            1 => group_value(&caps, 1),
            _ => Value::from(
                (1..=groups)
                    .map(|n| group_value(&caps, n))
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    Ok(Value::from(out))
}

/// `MATCH(text, regex, [modifiers])`: whether the expression matches anywhere in the text.
fn match_(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("MATCH", raw, 2, 3)?;
    let text = args.text(0)?;
    let re = pattern_arg(&args, 1, 2)?;
    Ok(Value::from(re.is_match(&text)))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json};
    use super::{Piece, parse_replacement};
    use minijinja::Value;

    #[test]
    fn replacement_syntax_parses_ruby_and_dollar_forms() {
        assert_eq!(
            parse_replacement(r"a\1b$2${x}\k<y>\\$$c$"),
            vec![
                Piece::Literal("a".into()),
                Piece::Group(1),
                Piece::Literal("b".into()),
                Piece::DollarGroup(2, "$2".into()),
                Piece::Named("x".into()),
                Piece::Named("y".into()),
                Piece::Literal("\\$c$".into()),
            ]
        );
        assert_eq!(
            parse_replacement("$USD"),
            vec![Piece::Literal("$USD".into())]
        );
    }

    #[test]
    fn regex_replace_replaces_all_with_groups() {
        let c = json(r#"{"s":"alice@example.com, bob@test.org"}"#);
        assert_eq!(
            eval(r"REGEX_REPLACE(s, '(\\w+)@(\\w+)', '\\2 at \\1')", &c),
            Value::from("example at alice.com, test at bob.org")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE(s, '(?P<user>\\w+)@', '${user}[at]')", &c),
            Value::from("alice[at]example.com, bob[at]test.org")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('a1b22', '\\d+', '#')", &c),
            Value::from("a#b#")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('ab', '(a)', '$1$1\\0')", &c),
            Value::from("aaab")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('ab', '(a)', '${1}x$$')", &c),
            Value::from("ax$b")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('ab', 'a', '\\\\')", &c),
            Value::from("\\b")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('price', 'price', '$5.00')", &c),
            Value::from("$5.00")
        );
        assert_eq!(
            eval(r"REGEX_REPLACE('ABC', 'b', 'x', 'i')", &c),
            Value::from("AxC")
        );
        assert_eq!(eval(r"REGEX_REPLACE('', 'x', 'y')", &c), Value::from(""));
        assert_eq!(
            eval(r"REGEX_REPLACE('ééa', 'é', 'e')", &c),
            Value::from("eea")
        );
    }

    #[test]
    fn regex_replace_reports_bad_input() {
        let c = empty();
        assert!(
            eval_err("REGEX_REPLACE('a', '(', 'b')", &c).contains("invalid regular expression")
        );
        assert!(eval_err(r"REGEX_REPLACE('a', 'a', '\\3')", &c).contains("refers to group 3"));
        assert!(
            eval_err(r"REGEX_REPLACE('a', 'a', '${nope}')", &c).contains("unknown group 'nope'")
        );
        assert!(
            eval_err("REGEX_REPLACE('a', 'a', 'b', 'q')", &c)
                .contains("unknown regex modifier 'q'")
        );
        assert!(eval_err("REGEX_REPLACE(nope, 'a', 'b')", &c).contains("argument 1 is missing"));
        let huge = format!("REGEX_REPLACE('a', '{}', 'b')", "a{1000}{1000}");
        assert!(eval_err(&huge, &c).contains("invalid regular expression"));
    }

    #[test]
    fn regex_extract_shapes_results_by_group_count() {
        let c = json(r#"{"s":"id=12 id=34 name=x"}"#);
        assert_eq!(
            eval(r"REGEX_EXTRACT(s, '\\d+')", &c),
            json(r#"["12","34"]"#)
        );
        assert_eq!(
            eval(r"REGEX_EXTRACT(s, 'id=(\\d+)')", &c),
            json(r#"["12","34"]"#)
        );
        assert_eq!(
            eval(r"REGEX_EXTRACT(s, '(\\w+)=(\\w+)')", &c),
            json(r#"[["id","12"],["id","34"],["name","x"]]"#)
        );
        assert_eq!(eval(r"REGEX_EXTRACT(s, 'zzz')", &c), json("[]"));
        assert_eq!(eval(r"REGEX_EXTRACT('ab', 'a(x)?')", &c), json("[null]"));
        assert_eq!(
            eval(r"s|REGEX_EXTRACT('ID=(\\d+)', 'i')", &c),
            json(r#"["12","34"]"#)
        );
    }

    #[test]
    fn anchors_are_line_based_like_ruby() {
        let c = json(r#"{"s":"one\ntwo"}"#);
        assert_eq!(
            eval(r"REGEX_EXTRACT(s, '^\\w+$')", &c),
            json(r#"["one","two"]"#)
        );
        assert_eq!(eval(r"MATCH(s, 'one.two')", &c), Value::from(false));
        assert_eq!(eval(r"MATCH(s, 'one.two', 'm')", &c), Value::from(true));
    }

    #[test]
    fn match_returns_boolean() {
        let c = empty();
        assert_eq!(eval("MATCH('Hello', '[A-Z]')", &c), Value::from(true));
        assert_eq!(eval("MATCH('hello', '[A-Z]')", &c), Value::from(false));
        assert_eq!(eval("MATCH('hello', '[A-Z]', 'i')", &c), Value::from(true));
        assert!(eval_err("MATCH([1], 'a')", &c).contains("must be text, got array"));
    }

    #[test]
    fn cache_returns_same_results_on_repeat_and_under_churn() {
        let c = empty();
        for i in 0..150 {
            let expr = format!("REGEX_REPLACE('x{i}y', 'x{i}', 'z')");
            assert_eq!(eval(&expr, &c), Value::from("zy"));
        }
        assert_eq!(
            eval("REGEX_REPLACE('x1y', 'x1', 'z')", &c),
            Value::from("zy")
        );
    }
}
