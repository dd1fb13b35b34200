//! Writes YAML text for JSON values. Hand-written so that every string is quoted exactly when
//! a YAML reader could take it for something else (a bool, a number, a comment, a merge key…),
//! and multi-line text reads well as a literal block.

use super::json::Json;

/// Words a YAML 1.1 or 1.2 reader may turn into a bool, null or special float.
const RESERVED: &[&str] = &[
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "+.inf", "-.inf",
    ".nan", "=",
];

/// Characters that give a plain scalar another meaning when they come first.
const INDICATORS: &[char] = &[
    '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
];

/// Accumulates a YAML document.
#[derive(Debug, Default)]
pub struct YamlWriter {
    out: String,
}

impl YamlWriter {
    /// An empty document.
    pub fn new() -> YamlWriter {
        YamlWriter::default()
    }

    /// `# text` lines at `indent`, one per line of `text`.
    pub fn comment(&mut self, indent: usize, text: &str) {
        for line in text.split('\n') {
            pad(&mut self.out, indent);
            let line = line.trim_end_matches('\r');
            // Characters some readers take for line breaks would end the comment early.
            let line: String = line
                .chars()
                .map(|c| {
                    if matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            if line.is_empty() {
                self.out.push_str("#\n");
            } else {
                self.out.push_str("# ");
                self.out.push_str(&line);
                self.out.push('\n');
            }
        }
    }

    /// `key: value` at `indent`, nested values below it.
    pub fn entry(&mut self, indent: usize, key: &str, value: &Json) {
        write_entry(&mut self.out, indent, key, value);
    }

    /// `key:` alone, for a list whose items follow with [`YamlWriter::item`] and comments.
    pub fn key(&mut self, indent: usize, key: &str) {
        pad(&mut self.out, indent);
        self.out.push_str(&key_text(key));
        self.out.push_str(":\n");
    }

    /// `- value` at `indent`.
    pub fn item(&mut self, indent: usize, value: &Json) {
        write_item(&mut self.out, indent, value, true);
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// YAML allows at most 1024 characters in a key written the plain `key: value` way.
const IMPLICIT_KEY_LIMIT: usize = 1000;

fn write_entry(out: &mut String, indent: usize, key: &str, value: &Json) {
    let key = key_text(key);
    pad(out, indent);
    if key.chars().count() > IMPLICIT_KEY_LIMIT {
        out.push_str("? ");
        out.push_str(&key);
        out.push('\n');
        pad(out, indent);
    } else {
        out.push_str(&key);
    }
    out.push(':');
    write_after_marker(out, indent, value);
}

/// Writes what follows `key:` or `-` written at `indent`; nested content goes at `indent + 2`.
fn write_after_marker(out: &mut String, indent: usize, value: &Json) {
    match value {
        Json::Object(entries) if !entries.is_empty() => {
            out.push('\n');
            for (k, v) in entries {
                write_entry(out, indent + 2, k, v);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                write_item(out, indent + 2, item, true);
            }
        }
        _ => {
            out.push(' ');
            write_scalar(out, indent + 2, value);
        }
    }
}

fn write_item(out: &mut String, indent: usize, value: &Json, with_pad: bool) {
    if with_pad {
        pad(out, indent);
    }
    out.push_str("- ");
    match value {
        Json::Object(entries) if !entries.is_empty() => {
            let (k, v) = &entries[0];
            let key = key_text(k);
            if key.chars().count() > IMPLICIT_KEY_LIMIT {
                out.pop();
                out.push('\n');
                write_entry(out, indent + 2, k, v);
            } else {
                out.push_str(&key);
                out.push(':');
                write_after_marker(out, indent + 2, v);
            }
            for (k, v) in &entries[1..] {
                write_entry(out, indent + 2, k, v);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            write_item(out, indent + 2, &items[0], false);
            for item in &items[1..] {
                write_item(out, indent + 2, item, true);
            }
        }
        _ => write_scalar(out, indent + 2, value),
    }
}

/// Writes a scalar (or an empty collection) and its line end; block text goes at `indent`.
fn write_scalar(out: &mut String, indent: usize, value: &Json) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::Array(_) => out.push_str("[]"),
        Json::Object(_) => out.push_str("{}"),
        Json::String(s) => {
            if fits_literal_block(s) {
                write_literal_block(out, indent, s);
                return;
            }
            out.push_str(&scalar_text(s));
        }
    }
    out.push('\n');
}

/// A string as a one-line YAML scalar: plain when that reads back as the same string.
pub fn scalar_text(s: &str) -> String {
    if needs_quotes(s) {
        double_quoted(s)
    } else {
        s.to_owned()
    }
}

/// A mapping key: the same rules as values (keys are strings too).
pub fn key_text(key: &str) -> String {
    scalar_text(key)
}

fn needs_quotes(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return true;
    };
    if s.trim() != s || s.chars().any(is_special_char) {
        return true;
    }
    if INDICATORS.contains(&first) || s.starts_with("<<") {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) {
        return true;
    }
    looks_numeric(s)
}

/// Anything a reader might take for a number, a date or a document marker is quoted.
fn looks_numeric(s: &str) -> bool {
    let mut chars = s.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next();
    first.is_ascii_digit()
        || (matches!(first, '+' | '.') && second.is_some_and(|c| c.is_ascii_digit() || c == '.'))
}

/// Control characters and the Unicode line breaks YAML treats specially.
fn is_special_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Multi-line text whose lines survive a literal block unchanged.
fn fits_literal_block(s: &str) -> bool {
    if !s.contains('\n') || s.starts_with([' ', '\n']) {
        return false;
    }
    if s.chars().any(|c| c != '\n' && is_special_char(c)) {
        return false;
    }
    // A line of only spaces would be read as indentation, not text.
    s.split('\n')
        .all(|line| line.is_empty() || !line.trim().is_empty())
}

fn write_literal_block(out: &mut String, indent: usize, s: &str) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(value: &Json) -> String {
        let mut w = YamlWriter::new();
        w.entry(0, "v", value);
        w.finish()
    }

    fn parse(text: &str) -> serde_json::Value {
        serde_saphyr::from_str::<serde_json::Value>(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn reads_back(s: &str) {
        let text = doc(&Json::str(s));
        assert_eq!(parse(&text), serde_json::json!({ "v": s }), "{text}");
    }

    #[test]
    fn plain_when_safe() {
        assert_eq!(
            scalar_text("Bearer <<CREDENTIAL.halo>>"),
            "Bearer <<CREDENTIAL.halo>>"
        );
        assert_eq!(
            scalar_text("https//YourResourceServer/api/Tickets"),
            "https//YourResourceServer/api/Tickets"
        );
        assert_eq!(
            scalar_text("https://\\<<Server>>/token"),
            "https://\\<<Server>>/token"
        );
        assert_eq!(scalar_text("=SIZE(x)"), "=SIZE(x)");
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "null",
            "~",
            "true",
            "False",
            "123",
            "1.5",
            "-1",
            ".5",
            "0x1F",
            "2021-05-30",
            " lead",
            "trail ",
            "a: b",
            "a #b",
            "end:",
            "*x",
            "&x",
            "!x",
            "%x",
            "@x",
            "`x",
            "|x",
            ">x",
            "'x",
            "\"x",
            "{x",
            "}x",
            "[x",
            "]x",
            ",x",
            "?x",
            "-x",
            "- x",
            "<<",
            "<<x>>",
            "#x",
            "",
            "=",
            "---",
            "...",
            "y",
            "N",
        ] {
            assert!(scalar_text(s).starts_with('"'), "{s:?} should be quoted");
            reads_back(s);
        }
    }

    #[test]
    fn escapes_control_and_unicode_breaks() {
        assert_eq!(scalar_text("a\tb"), "\"a\\tb\"");
        assert_eq!(scalar_text("a\u{2028}b"), "\"a\\Lb\"");
        assert_eq!(scalar_text("\u{1}"), "\"\\u0001\"");
        for s in [
            "a\r\nb",
            "\u{85}",
            "\u{feff}x",
            "back\\slash \"q\"",
            "\u{7f}",
            "tab\tend",
        ] {
            reads_back(s);
        }
    }

    #[test]
    fn multi_line_text_uses_literal_blocks() {
        let text = doc(&Json::str("one\ntwo\n"));
        assert_eq!(text, "v: |\n  one\n  two\n");
        for s in [
            "a\nb",
            "a\nb\n",
            "a\nb\n\n\n",
            "a\n\nb",
            "a\n   indented\nb",
            "x: y\n# not a comment",
            "line\n  \nafter",
            " lead\nx",
            "\nx",
        ] {
            reads_back(s);
        }
    }

    #[test]
    fn keys_are_quoted_like_values() {
        let value = Json::parse(
            r##"{"#agent_id":1,"<<":2,"yes":3,"a: b":4,"plain key":5,"":6,"multi\nline":7}"##,
        )
        .unwrap();
        let text = doc(&value);
        assert!(text.contains("  \"#agent_id\": 1\n"), "{text}");
        assert!(text.contains("  plain key: 5\n"), "{text}");
        assert_eq!(parse(&text), serde_json::json!({ "v": value.to_value() }));
    }

    #[test]
    fn generated_strings_read_back_as_keys_and_values() {
        // A fixed pseudo-random walk over the characters YAML cares about.
        let alphabet: Vec<char> =
            " \n\t\r:#-?,[]{}&*!|>'\"%@`<=\\~.0123456789eEyYnNtrufalsxo\u{85}\u{2028}é‘"
                .chars()
                .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut entries = Vec::new();
        for i in 0..400 {
            let len = next(9);
            let s: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            entries.push((format!("{s}§{i}"), Json::str(s.clone())));
            entries.push((format!("k{i}"), Json::Array(vec![Json::str(s)])));
        }
        let value = Json::Object(entries);
        let text = doc(&value);
        assert_eq!(
            parse(&text),
            serde_json::json!({ "v": value.to_value() }),
            "{text}"
        );
    }

    #[test]
    fn very_long_keys_use_explicit_syntax() {
        let long = "k".repeat(1500);
        let value = Json::Array(vec![Json::Object(vec![
            (long.clone(), Json::Number(1.into())),
            (
                "b".into(),
                Json::Object(vec![(long.clone(), Json::str("x"))]),
            ),
        ])]);
        let text = doc(&value);
        assert!(text.contains(&format!("? {long}\n")), "{text}");
        assert_eq!(
            parse(&text),
            serde_json::json!({ "v": value.to_value() }),
            "{text}"
        );
    }

    #[test]
    fn nested_structures_read_back() {
        let value = Json::parse(
            r#"{"a":[[1,[2,3]],[],{},{"x":{"y":[{"z":"multi\nline"}]}},"s",null,true,1.5e300],"b":{"c":{}},"d":[{"e":1,"f":[]}]}"#,
        )
        .unwrap();
        let text = doc(&value);
        assert_eq!(
            parse(&text),
            serde_json::json!({ "v": value.to_value() }),
            "{text}"
        );
    }

    #[test]
    fn comments_cannot_be_broken_by_odd_line_breaks() {
        let mut w = YamlWriter::new();
        w.comment(0, "a\u{2028}b\u{85}c\rd");
        w.entry(0, "k", &Json::str("v"));
        let text = w.finish();
        assert_eq!(text, "# a b c d\nk: v\n");
        assert_eq!(parse(&text), serde_json::json!({"k": "v"}));
    }

    #[test]
    fn comments_and_keys_build_lists() {
        let mut w = YamlWriter::new();
        w.key(0, "actions");
        w.item(2, &Json::parse(r#"{"name":"a"}"#).unwrap());
        w.comment(2, "dropped:\n{\n  \"x\": 1\n}");
        w.item(2, &Json::parse(r#"{"name":"b"}"#).unwrap());
        let text = w.finish();
        assert!(
            text.contains("  # dropped:\n  # {\n  #   \"x\": 1\n  # }\n"),
            "{text}"
        );
        assert_eq!(
            parse(&text),
            serde_json::json!({"actions": [{"name": "a"}, {"name": "b"}]})
        );
    }
}
