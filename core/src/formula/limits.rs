//! A size limit MiniJinja does not have. Its parser and code generator recurse once per
//! operator of a chain such as `1+1+…+1`, so a long enough chain overflows the thread's stack
//! and aborts the process (~15,000 operators on the main thread, far fewer on a 2 MiB worker
//! thread). Nesting depth is already bounded (`MAX_DEPTH`); this bounds the chains, before
//! MiniJinja sees the text.

use std::ops::ControlFlow;

use super::code_scan::{Code, scan_code};
use super::error::FormulaSyntaxError;

/// Operators allowed in one expression or block. Real formulas use a few dozen.
pub const MAX_OPERATORS: usize = 1_000;

/// Refuses an expression holding more than [`MAX_OPERATORS`] operators outside string literals.
pub fn check_operator_count(src: &str) -> Result<(), FormulaSyntaxError> {
    limit(count_operators(src), src)
}

/// The same for a `<% %>` block: only what is inside its tags counts, not its text.
pub fn check_block_operator_count(template: &str) -> Result<(), FormulaSyntaxError> {
    let mut count = 0;
    for (open, close) in [("<%", "%>"), ("<<", ">>")] {
        let mut rest = template;
        while let Some(start) = rest.find(open) {
            let inner = &rest[start + open.len()..];
            let end = inner.find(close).unwrap_or(inner.len());
            count += count_operators(&inner[..end]);
            rest = &inner[end..];
        }
    }
    limit(count, template)
}

fn count_operators(src: &str) -> usize {
    let mut count = 0usize;
    let _ = scan_code(src, |code| {
        match code {
            Code::Word("and" | "or" | "not" | "in" | "is") => count += 1,
            Code::Other(c) if "+-*/%~<>=!|".contains(c) => count += 1,
            _ => {}
        }
        ControlFlow::Continue(())
    });
    count
}

fn limit(count: usize, src: &str) -> Result<(), FormulaSyntaxError> {
    if count <= MAX_OPERATORS {
        return Ok(());
    }
    Err(FormulaSyntaxError {
        message: format!(
            "the formula has {count} operators; at most {MAX_OPERATORS} are allowed in one formula"
        ),
        offset: 0,
        width: src.chars().count().min(1),
        suggestion: None,
        help: "split it over several options or actions (e.g. compute parts in `local:` and combine them), or build the value with a function such as MAP or MERGE".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(op: &str, terms: usize) -> String {
        vec!["1"; terms].join(op)
    }

    #[test]
    fn ordinary_formulas_pass_and_long_chains_are_refused() {
        assert!(check_operator_count("IF(a.b > 1 and not c, x ~ \"-\" ~ y, 0)").is_ok());
        assert!(check_operator_count(&chain("+", MAX_OPERATORS + 1)).is_ok());
        let e = check_operator_count(&chain("+", MAX_OPERATORS + 2)).unwrap_err();
        assert!(e.message.contains("1001 operators"), "{}", e.message);
        assert!(check_operator_count(&"not ".repeat(5_000)).is_err());
    }

    #[test]
    fn a_block_counts_its_tags_not_its_text() {
        let text = format!("{}<% if a %>x<% endif %>", "-".repeat(5_000));
        assert!(check_block_operator_count(&text).is_ok());
        let tags = format!("<% set x = {} %><<x>>", chain("+", 2_000));
        assert!(check_block_operator_count(&tags).is_err());
    }

    #[test]
    fn operators_inside_string_literals_do_not_count() {
        let text = format!("\"{}\"", "+".repeat(5_000));
        assert!(check_operator_count(&text).is_ok());
    }

    #[test]
    fn the_longest_allowed_chain_compiles_on_a_small_worker_stack() {
        // tokio worker threads have 2 MiB stacks; the daemon plans files on them.
        let src = chain("+", MAX_OPERATORS + 1);
        let compiled = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let env = crate::formula::environment();
                env.compile_expression(&src)
                    .map(|e| e.eval(()).map(|v| v.to_string()))
            })
            .expect("thread")
            .join()
            .expect("no stack overflow");
        assert_eq!(compiled.unwrap().unwrap(), "1001");
    }
}
