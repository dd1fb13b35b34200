//! Keeping literal text literal under Relay's formula rules: `<<` opens a pill, a leading `=`
//! makes a formula, and `<%`/`<#` switch the whole value to a template.

use super::formula_scan::{Part, parts};

/// Escapes a piece of literal text that will sit inside a Relay string value.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<<") {
            out.push_str("\\<<");
            rest = &rest[2..];
        } else if rest.starts_with("<%") || rest.starts_with("<#") {
            // Relay renders any value holding `<%` or `<#` as a template; a raw block keeps them text.
            out.push_str("<% raw %>");
            out.push_str(&rest[..2]);
            out.push_str("<% endraw %>");
            rest = &rest[2..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A leading `=` would make the whole value a formula; `\=` keeps it text.
pub fn escape_leading_equals(s: String) -> String {
    if s.starts_with('=') {
        format!("\\{s}")
    } else {
        s
    }
}

/// Literal text as a whole Relay value.
pub fn literal_value(s: &str) -> String {
    escape_leading_equals(escape_text(s))
}

/// A value already in Tines' `<<…>>` syntax: pills and formulas stay, but `<%`/`<#` in its
/// text parts (plain text in Tines) are escaped for Relay.
pub fn escape_blocks_outside_pills(s: &str) -> String {
    if !s.contains("<%") && !s.contains("<#") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for part in parts(s) {
        match part {
            Part::Formula(_) => return s.to_owned(),
            Part::Pill(e) => {
                out.push_str("<<");
                out.push_str(e);
                out.push_str(">>");
            }
            Part::Text(t) => out.push_str(&escape_raw_openers(t)),
        }
    }
    out
}

fn escape_raw_openers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<%") || rest.starts_with("<#") {
            out.push_str("<% raw %>");
            out.push_str(&rest[..2]);
            out.push_str("<% endraw %>");
            rest = &rest[2..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pills_and_blocks_become_text() {
        assert_eq!(escape_text("a << b"), "a \\<< b");
        assert_eq!(escape_text("<<<"), "\\<<<");
        assert_eq!(escape_text("x <% y %>"), "x <% raw %><%<% endraw %> y %>");
        assert_eq!(escape_text("<# c #>"), "<% raw %><#<% endraw %> c #>");
        assert_eq!(escape_text("héllo {{ x }}"), "héllo {{ x }}");
    }

    #[test]
    fn leading_equals_is_escaped() {
        assert_eq!(literal_value("=1+1"), "\\=1+1");
        assert_eq!(literal_value("a=1"), "a=1");
    }

    #[test]
    fn modern_values_keep_pills() {
        assert_eq!(
            escape_blocks_outside_pills("<<a>> <% x"),
            "<<a>> <% raw %><%<% endraw %> x"
        );
        assert_eq!(
            escape_blocks_outside_pills("=IF(a, '<%', b)"),
            "=IF(a, '<%', b)"
        );
        assert_eq!(escape_blocks_outside_pills("\\<<keep>>"), "\\<<keep>>");
    }
}
