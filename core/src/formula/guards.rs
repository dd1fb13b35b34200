//! Which paths a formula reads only where a missing value is allowed (formulas.md): inside
//! `DEFAULT(...)`, `IS_PRESENT(...)` or `IS_BLANK(...)` (also as filters), or tested with
//! `is defined` / `is undefined`. The planner does not require such a path to exist: reading
//! `DEFAULT(RESOURCE.region, "eu")` or `DEFAULT(branch_a.id, branch_b.id)` is the point.

const GUARD_FUNCTIONS: &[&str] = &["DEFAULT", "IS_PRESENT", "IS_BLANK"];

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

/// Advances the string-literal state by one character; true when `c` is inside a literal
/// (its quotes included).
pub(super) fn step_quote(quote: &mut Option<char>, escaped: &mut bool, c: char) -> bool {
    match *quote {
        Some(_) if *escaped => *escaped = false,
        Some(_) if c == '\\' => *escaped = true,
        Some(q) if c == q => *quote = None,
        Some(_) => {}
        None if c == '"' || c == '\'' => *quote = Some(c),
        None => return false,
    }
    true
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
        return GUARD_FUNCTIONS.iter().any(|g| {
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
    fn brackets_and_quotes_inside_the_guard_do_not_confuse_it() {
        assert!(is_guarded(r#"DEFAULT(a.b, [")", "("])"#, "a.b"));
        assert!(!is_guarded(r#"[DEFAULT(1, ")")] ~ a.b"#, "a.b"));
    }
}
