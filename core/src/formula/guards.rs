//! Which paths a formula reads only where a missing value is allowed (formulas.md): inside
//! `DEFAULT(...)`, `IS_PRESENT(...)` or `IS_BLANK(...)` (also as filters), or tested with
//! `is defined` / `is undefined`. The planner does not require such a path to exist: reading
//! `DEFAULT(RESOURCE.region, "eu")` or `DEFAULT(branch_a.id, branch_b.id)` is the point.

use std::ops::ControlFlow;

use super::code_scan::{Code, scan_code, step_quote};

const GUARD_FUNCTIONS: &[&str] = &["DEFAULT", "IS_PRESENT", "IS_BLANK"];
/// As filters, MiniJinja's own `default` (and its short name `d`) guard too.
const GUARD_FILTERS: &[&str] = &["DEFAULT", "IS_PRESENT", "IS_BLANK", "default", "d"];
/// Words after which an operand may not be evaluated at all (`IF(c, a, b)`, `a or b`,
/// `x if c else y`, `NOT(x)` accepts a missing value as false).
const SHORT_CIRCUIT_WORDS: &[&str] = &["IF", "NOT", "if", "else", "and", "or", "not"];
/// Roots that always exist, or are checked before rendering (credentials).
const ALWAYS_PRESENT_ROOTS: &[&str] = &["CREDENTIAL", "META", "INFO", "TRUE", "FALSE", "NULL"];

/// The paths of `src` that must exist before it is evaluated: those it reads unguarded,
/// when nothing in it may skip an operand. With a short-circuit (`IF`, `and`, `or`, an inline
/// `if`, `NOT`) nothing is required up front: `IF(IS_PRESENT(a), a.b, 0)` must work.
pub fn required_paths(src: &str, paths: &[String]) -> Vec<String> {
    if has_short_circuit(src) {
        return Vec::new();
    }
    paths
        .iter()
        .filter(|p| {
            let root = p.split('.').next().unwrap_or_default();
            !ALWAYS_PRESENT_ROOTS.contains(&root)
        })
        .filter(|p| !is_guarded(src, p))
        .cloned()
        .collect()
}

/// Whether `src` holds, outside string literals, a word that may leave an operand unevaluated.
fn has_short_circuit(src: &str) -> bool {
    scan_code(src, |code| match code {
        Code::Word(word) if SHORT_CIRCUIT_WORDS.contains(&word) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// True when every occurrence of `path` in `src` is guarded (false when it does not occur).
pub fn is_guarded(src: &str, path: &str) -> bool {
    let mut any = false;
    for (start, _) in src.match_indices(path) {
        let end = start + path.len();
        let before = src[..start].chars().next_back();
        let after = src[end..].chars().next();
        let is_name = |c: char| c.is_alphanumeric() || c == '_';
        if before.is_some_and(|c| is_name(c) || c == '.') || after.is_some_and(is_name) {
            continue;
        }
        if in_string_literal(src, start) {
            continue;
        }
        any = true;
        if !(inside_guard_call(src, start) || tested_or_filtered(&src[end..])) {
            return false;
        }
    }
    any
}

/// Whether byte `at` lies inside a quoted string of the expression.
fn in_string_literal(src: &str, at: usize) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (_, c) in src.char_indices().take_while(|(i, _)| *i < at) {
        step_quote(&mut quote, &mut escaped, c);
    }
    quote.is_some()
}

/// Whether byte `at` is within the parentheses of a call to a guard function, at any depth.
fn inside_guard_call(src: &str, at: usize) -> bool {
    // The open brackets around `at`, each with the name written right before it.
    let mut open: Vec<(char, &str)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in src.char_indices().take_while(|(i, _)| *i < at) {
        if step_quote(&mut quote, &mut escaped, c) {
            continue;
        }
        match c {
            '(' | '[' | '{' => open.push((c, name_before(&src[..i]))),
            ')' | ']' | '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.iter()
        .any(|(c, name)| *c == '(' && GUARD_FUNCTIONS.contains(name))
}

/// The identifier ending right before `text`'s end (spaces allowed), e.g. `DEFAULT` of `DEFAULT (`.
fn name_before(text: &str) -> &str {
    let trimmed = text.trim_end();
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    &trimmed[start..]
}

/// `path is defined`, `path is not defined`, `path is undefined`, or `path | DEFAULT(...)`.
fn tested_or_filtered(rest: &str) -> bool {
    let rest = rest.trim_start();
    if let Some(test) = rest.strip_prefix("is ") {
        let test = test.trim_start();
        let test = test.strip_prefix("not ").map_or(test, str::trim_start);
        return test.starts_with("defined") || test.starts_with("undefined");
    }
    if let Some(filter) = rest.strip_prefix('|') {
        let name = filter.trim_start();
        return GUARD_FILTERS.iter().any(|g| {
            name.strip_prefix(g).is_some_and(|after| {
                after
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            })
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_guarded;

    #[test]
    fn the_four_allowed_forms_guard_a_path() {
        assert!(is_guarded(
            r#"DEFAULT(RESOURCE.region, "eu")"#,
            "RESOURCE.region"
        ));
        assert!(is_guarded("IS_PRESENT(a.b)", "a.b"));
        assert!(is_guarded("IS_BLANK( a.b )", "a.b"));
        assert!(is_guarded("a.b is defined", "a.b"));
        assert!(is_guarded("a.b is not defined", "a.b"));
        assert!(is_guarded("a.b is undefined", "a.b"));
        assert!(is_guarded(r#"a.b | DEFAULT("x")"#, "a.b"));
        assert!(
            is_guarded("DEFAULT(SIZE(a.b), 0)", "a.b"),
            "nested inside a guard"
        );
        assert!(
            is_guarded("DEFAULT(x.id, y.id)", "x.id") && is_guarded("DEFAULT(x.id, y.id)", "y.id")
        );
    }

    #[test]
    fn other_reads_are_not_guarded() {
        assert!(!is_guarded("SIZE(a.b)", "a.b"));
        assert!(!is_guarded("a.b ~ 'x'", "a.b"));
        assert!(
            !is_guarded("IF(IS_PRESENT(a.b), a.b, 0)", "a.b"),
            "one unguarded read is enough"
        );
        assert!(
            !is_guarded("DEFAULT(1, 2) + a.b", "a.b"),
            "after the guard's parentheses closed"
        );
        assert!(!is_guarded("MY_DEFAULT(a.b)", "a.b"));
        assert!(!is_guarded("a.b | DEFAULTS", "a.b"));
        assert!(
            !is_guarded("a.bc is defined", "a.b"),
            "a longer name is another path"
        );
    }

    #[test]
    fn required_paths_are_the_unguarded_ones_of_expressions_without_short_circuits() {
        use super::required_paths;
        let paths = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            required_paths(
                "[a.b, DEFAULT(c, 1), CREDENTIAL.x]",
                &paths(&["a.b", "c", "CREDENTIAL.x"])
            ),
            ["a.b"]
        );
        assert_eq!(required_paths(r#"a ~ "x""#, &paths(&["a"])), ["a"]);
        assert_eq!(
            required_paths("a|default(1) + 1", &paths(&["a"])),
            Vec::<String>::new()
        );
        for lenient in [
            "IF(a, 1, 2)",
            "NOT(a)",
            "a or 1",
            "a and 1",
            "1 if a else 2",
            "not a",
        ] {
            assert!(
                required_paths(lenient, &paths(&["a"])).is_empty(),
                "{lenient}"
            );
        }
        assert_eq!(
            required_paths(r#"a ~ " or if ""#, &paths(&["a"])),
            ["a"],
            "words inside strings are text"
        );
    }

    #[test]
    fn brackets_and_quotes_inside_the_guard_do_not_confuse_it() {
        assert!(is_guarded(r#"DEFAULT(a.b, [")", "("])"#, "a.b"));
        assert!(!is_guarded(r#"[DEFAULT(1, ")")] ~ a.b"#, "a.b"));
    }
}
