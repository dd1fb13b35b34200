//! Reading a formula's source the way its parser will, without parsing it: what lies inside
//! string literals is text, the rest is words and other characters. The guard and limit
//! checks run before MiniJinja sees the source, so they need this much of its grammar.

use std::ops::ControlFlow;

/// A piece of a formula outside its string literals.
pub(super) enum Code<'a> {
    /// A run of letters, digits and `_` (`and`, `IF`, `ticket_id`, `42`).
    Word(&'a str),
    /// Any other character (`+`, `(`, a space).
    Other(char),
}

/// Calls `visit` with each word and other character of `src` outside string literals, in
/// order, until it breaks. A word that runs into a quote is dropped with the quote.
pub(super) fn scan_code(
    src: &str,
    mut visit: impl FnMut(Code<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut quote = None;
    let mut escaped = false;
    let mut word = String::new();
    for c in src.chars().chain(std::iter::once(' ')) {
        if step_quote(&mut quote, &mut escaped, c) {
            word.clear();
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            visit(Code::Word(&word))?;
            word.clear();
        }
        visit(Code::Other(c))?;
    }
    ControlFlow::Continue(())
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
