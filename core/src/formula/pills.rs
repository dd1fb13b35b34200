//! Splitting a string value into literal text and formulas, before MiniJinja sees it.
//!
//! Doing this ourselves (instead of compiling every string as a template) keeps plain strings
//! free, lets a lone pill keep its type, and gives `\<<` and `\=` their Tines meaning.

use super::error::FormulaSyntaxError;

/// The shape of one string value.
#[derive(Debug, PartialEq)]
pub enum Shape<'a> {
    /// No formula at all: the text, with escapes resolved.
    Plain(String),
    /// `=expression`, or a value that is exactly one `<<pill>>`: typed result.
    Expression { source: &'a str, offset: usize },
    /// Literal text with pills in it: a text result.
    Pieces(Vec<Piece<'a>>),
    /// Contains `<% %>` or `<# #>`: rendered as a MiniJinja template (escapes already rewritten).
    Block(String),
}

#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    Text(String),
    Pill { source: &'a str, offset: usize },
}

pub fn split(s: &str) -> Result<Shape<'_>, FormulaSyntaxError> {
    if let Some(rest) = s.strip_prefix('=') {
        if !rest.trim().is_empty() {
            return Ok(Shape::Expression {
                source: rest,
                offset: 1,
            });
        }
    }
    let (s, prefix, base) = match s.strip_prefix("\\=") {
        Some(rest) => (rest, "=", 2),
        None => (s, "", 0),
    };
    if has_block_syntax(s) {
        return Ok(Shape::Block(format!(
            "{prefix}{}",
            s.replace("\\<<", "<% raw %><<<% endraw %>")
        )));
    }
    let mut pieces = Vec::new();
    let mut text = String::from(prefix);
    let mut rest = s;
    let mut consumed = 0usize; // characters of `s` before `rest`
    while let Some(pos) = rest.find("<<") {
        let before = &rest[..pos];
        if before.ends_with('\\') {
            text.push_str(&before[..before.len() - 1]);
            text.push_str("<<");
            let step = pos + 2;
            consumed += rest[..step].chars().count();
            rest = &rest[step..];
            continue;
        }
        text.push_str(before);
        let open_at = base + consumed + before.chars().count();
        let inner = &rest[pos + 2..];
        let Some(end) = closing(inner) else {
            return Err(FormulaSyntaxError {
                message: "this `<<` is never closed".into(),
                offset: open_at,
                width: 2,
                suggestion: None,
                help: "close the formula with `>>`, or write `\\<<` for a literal `<<`".into(),
            });
        };
        let source = &inner[..end];
        if source.trim().is_empty() {
            return Err(FormulaSyntaxError {
                message: "empty formula `<<>>`".into(),
                offset: open_at,
                width: 4,
                suggestion: None,
                help: "put a path or expression between `<<` and `>>`, e.g. `<<get_tickets.body>>`"
                    .into(),
            });
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Pill {
            source,
            offset: open_at + 2,
        });
        let step = pos + 2 + end + 2;
        consumed += rest[..step].chars().count();
        rest = &rest[step..];
    }
    text.push_str(rest);
    if pieces.is_empty() {
        return Ok(Shape::Plain(text));
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    if let [Piece::Pill { source, offset }] = pieces[..] {
        return Ok(Shape::Expression { source, offset });
    }
    Ok(Shape::Pieces(pieces))
}

fn has_block_syntax(s: &str) -> bool {
    s.contains("<%") || s.contains("<#")
}

/// Byte index of the `>>` closing a pill, skipping quoted strings inside the expression.
fn closing(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'"' || b == b'\'' {
                    quote = Some(b);
                } else if b == b'>' && bytes.get(i + 1) == Some(&b'>') {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pill(source: &str, offset: usize) -> Piece<'_> {
        Piece::Pill { source, offset }
    }

    #[test]
    fn plain_text_stays_plain() {
        assert_eq!(
            split("hello {{ x }} {% y %}").unwrap(),
            Shape::Plain("hello {{ x }} {% y %}".into())
        );
    }

    #[test]
    fn a_lone_pill_is_a_typed_expression() {
        assert_eq!(
            split("<<a.b>>").unwrap(),
            Shape::Expression {
                source: "a.b",
                offset: 2
            }
        );
    }

    #[test]
    fn equals_prefix_is_an_expression_and_escaped_equals_is_text() {
        assert_eq!(
            split("=SIZE(x)").unwrap(),
            Shape::Expression {
                source: "SIZE(x)",
                offset: 1
            }
        );
        assert_eq!(
            split("\\=SIZE(x)").unwrap(),
            Shape::Plain("=SIZE(x)".into())
        );
        assert_eq!(split("=").unwrap(), Shape::Plain("=".into()));
    }

    #[test]
    fn pills_inside_text() {
        assert_eq!(
            split("Bearer <<CREDENTIAL.halo>>!").unwrap(),
            Shape::Pieces(vec![
                Piece::Text("Bearer ".into()),
                pill("CREDENTIAL.halo", 9),
                Piece::Text("!".into())
            ])
        );
    }

    #[test]
    fn escaped_pills_are_text() {
        assert_eq!(
            split("https://\\<<Server>>/token?tenant=\\<<Tenant>>").unwrap(),
            Shape::Plain("https://<<Server>>/token?tenant=<<Tenant>>".into())
        );
        assert_eq!(
            split("\\<<x>> and <<y>>").unwrap(),
            Shape::Pieces(vec![Piece::Text("<<x>> and ".into()), pill("y", 13)])
        );
    }

    #[test]
    fn closing_skips_quoted_strings() {
        assert_eq!(
            split("<<a == \">>\">>").unwrap(),
            Shape::Expression {
                source: "a == \">>\"",
                offset: 2
            }
        );
    }

    #[test]
    fn unclosed_and_empty_pills_are_errors_with_offsets() {
        let e = split("abc <<x").unwrap_err();
        assert_eq!((e.offset, e.width), (4, 2));
        assert!(split("a <<  >>").is_err());
    }

    #[test]
    fn blocks_become_templates_with_escapes_rewritten() {
        assert_eq!(
            split("<% for t in x %>\\<<<<t>><% endfor %>").unwrap(),
            Shape::Block("<% for t in x %><% raw %><<<% endraw %><<t>><% endfor %>".into())
        );
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        assert_eq!(
            split("é <<x>> ü <<y>>").unwrap(),
            Shape::Pieces(vec![
                Piece::Text("é ".into()),
                pill("x", 4),
                Piece::Text(" ü ".into()),
                pill("y", 12)
            ])
        );
    }
}
