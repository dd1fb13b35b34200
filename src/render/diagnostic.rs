//! Diagnostics in the form compilers use: message, location, the source line with a caret, help.

use relay_core::diagnostic::Diagnostic;

use crate::output::{Output, Style};

/// ```text
/// error: unknown key `opitons` in action `get_tickets` (line 12, column 5); did you mean `options`?
///   --> workflows/halo.yaml:12:5
///    |
/// 12 |     opitons:
///    |     ^^^^^^^
///    = help: the keys allowed here are: name, type, options, description, disabled, local
/// ```
pub fn render(d: &Diagnostic, out: &Output) -> String {
    let mut s = String::new();
    let loc = d.location;
    let mut headline = d.message.clone();
    if loc.is_known() {
        headline.push_str(&format!(" (line {}, column {})", loc.line, loc.column));
    }
    if let Some(sugg) = &d.suggestion {
        headline.push_str("; ");
        headline.push_str(sugg);
    }
    s.push_str(&format!(
        "{} {}\n",
        out.paint(Style::Error, "error:"),
        out.paint(Style::Bold, &headline)
    ));
    let gutter = if loc.is_known() {
        loc.line.to_string().len()
    } else {
        1
    };
    let pad = " ".repeat(gutter);
    if loc.is_known() {
        s.push_str(&format!(
            "{pad}{} {}:{}:{}\n",
            out.paint(Style::Dim, "-->"),
            d.file.display(),
            loc.line,
            loc.column
        ));
    } else {
        s.push_str(&format!(
            "{pad}{} {}\n",
            out.paint(Style::Dim, "-->"),
            d.file.display()
        ));
    }
    if let Some(line) = &d.source_line {
        let bar = out.paint(Style::Dim, "|");
        s.push_str(&format!("{pad} {bar}\n"));
        s.push_str(&format!(
            "{} {bar} {}\n",
            out.paint(Style::Dim, &loc.line.to_string()),
            line
        ));
        let prefix: String = line
            .chars()
            .take(loc.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let available = line
            .chars()
            .count()
            .saturating_sub(prefix.chars().count())
            .max(1);
        let width = (loc.width.max(1) as usize).min(available);
        s.push_str(&format!(
            "{pad} {bar} {prefix}{}\n",
            out.paint(Style::Error, &"^".repeat(width))
        ));
    }
    if let Some(help) = &d.help {
        s.push_str(&format!(
            "{pad} = {} {help}\n",
            out.paint(Style::Help, "help:")
        ));
    }
    s
}
