//! JSON text → located [`Node`]s, for `options` pasted as a JSON string (Tines' paste format).
//! When the YAML string holds the JSON verbatim on one line, each key and value points at its
//! own column, so a typo inside the string gets its own caret instead of the whole line's.

use super::node::{Key, Node, NodeValue};
use crate::source::Location;

/// Parses `json` (already known to be valid JSON) whose first character is at `column` of
/// `line`. `None` when it is not a single line, or on anything unexpected: the caller then
/// falls back to one location for the whole string.
pub fn located_json(json: &str, line: u32, column: u32) -> Option<Node> {
    if json.contains('\n') || json.contains('\r') {
        return None;
    }
    let mut p = Parser {
        text: json,
        pos: 0,
        line,
        column,
    };
    let node = p.value()?;
    p.skip_ws();
    (p.pos == json.len()).then_some(node)
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    line: u32,
    column: u32,
}

impl Parser<'_> {
    /// The location of the bytes `start..end`, in characters.
    fn at(&self, start: usize, end: usize) -> Location {
        let col = self.text[..start].chars().count() as u32;
        let width = self.text[start..end].chars().count().max(1) as u32;
        Location::new(self.line, self.column + col, width)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_ws();
                        let (key_start, key_end) = self.string_token()?;
                        let name: String =
                            serde_json::from_str(&self.text[key_start..key_end]).ok()?;
                        // The caret goes under the key's text, not its quotes.
                        let location = self.at(key_start + 1, key_end - 1);
                        if !self.eat(b':') {
                            return None;
                        }
                        let value = self.value()?;
                        entries.push((Key { name, location }, value));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Node::new(
                    NodeValue::Map(entries),
                    self.at(start, start + 1),
                ))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Node::new(NodeValue::Seq(items), self.at(start, start + 1)))
            }
            b'"' => {
                let (s, e) = self.string_token()?;
                let text: String = serde_json::from_str(&self.text[s..e]).ok()?;
                Some(Node::new(NodeValue::Str(text), self.at(s, e)))
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b']' | b'}' | b' ' | b'\t'))
                {
                    self.pos += 1;
                }
                let token = &self.text[start..self.pos];
                let value: serde_json::Value = serde_json::from_str(token).ok()?;
                let node = Node::from_json(&value, self.at(start, self.pos));
                matches!(
                    node.value,
                    NodeValue::Null
                        | NodeValue::Bool(_)
                        | NodeValue::Int(_)
                        | NodeValue::UInt(_)
                        | NodeValue::Float(_)
                )
                .then_some(node)
            }
        }
    }

    /// The byte range of a JSON string token starting at the current position, quotes included.
    fn string_token(&mut self) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos;
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Some((start, i + 1));
                }
                _ => i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_know_their_columns() {
        let src = r#"{"url":"https://x/é","method":"get","headers":{"A":1},"list":[true, null]}"#;
        let node = located_json(src, 4, 15).unwrap();
        let map = node.as_map().unwrap();
        assert_eq!(map[0].0.name, "url");
        assert_eq!((map[0].0.location.column, map[0].0.location.width), (17, 3));
        assert_eq!(
            (map[0].1.location.column, map[0].1.location.width),
            (22, 13)
        );
        assert_eq!(
            map[1].0.location.column, 37,
            "columns count characters, not bytes"
        );
        assert_eq!(
            node.get("headers").unwrap().get("A").unwrap().value,
            NodeValue::Int(1)
        );
        assert_eq!(
            node.get("list").unwrap().as_seq().unwrap()[1].value,
            NodeValue::Null
        );
        let same: serde_json::Value = serde_json::from_str(src).unwrap();
        assert_eq!(serde_json::to_value(node.to_value()).unwrap(), same);
    }

    #[test]
    fn escapes_and_duplicates_are_kept() {
        let node = located_json(r#"{"a":"say \"hi\"","a":2}"#, 1, 1).unwrap();
        let map = node.as_map().unwrap();
        assert_eq!(
            map.len(),
            2,
            "duplicates stay visible so they can be reported"
        );
        assert_eq!(map[0].1.value, NodeValue::Str("say \"hi\"".into()));
    }

    #[test]
    fn multi_line_or_trailing_text_falls_back() {
        assert!(located_json("{\"a\":\n1}", 1, 1).is_none());
        assert!(located_json(r#"{"a":1} x"#, 1, 1).is_none());
    }
}
