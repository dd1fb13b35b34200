//! The `xml` content type: a payload object written as XML elements.

use minijinja::Value;

use super::encode_error::EncodeError;
use super::value_parts::{Shape, shape};

/// Written before every generated document (not before a string payload, sent as given).
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
/// Wraps documents that have no single natural root.
const ROOT: &str = "root";
/// Names list items that have no key of their own (top-level lists, lists in lists).
const ITEM: &str = "item";
/// Deepest nesting accepted; deeper payloads are refused instead of exhausting the stack.
const MAX_DEPTH: usize = 128;

/// Encodes `payload` as an XML document.
///
/// A string (or bytes) is sent as given. An object with exactly one key whose value is not a
/// list uses that key as the root element; any other object, a list or a scalar is wrapped in
/// `<root>`. A list repeats its key's element once per item (items of a list that has no key
/// are `<item>`), `null` and empty objects are empty elements, bools and numbers their JSON
/// text, and text is escaped so it cannot open or close elements.
pub fn encode_xml(payload: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = String::from(DECLARATION);
    match shape(payload)? {
        Shape::Text(text) => return Ok(text.into_bytes()),
        Shape::Binary(bytes) => return Ok(bytes),
        Shape::Map(entries) if entries.len() == 1 && !is_list(&entries[0].1) => {
            let (name, value) = &entries[0];
            element(name, value, 1, &mut out)?;
        }
        Shape::Map(entries) => {
            open(ROOT, &mut out);
            for (name, value) in &entries {
                element(name, value, 1, &mut out)?;
            }
            close(ROOT, &mut out);
        }
        Shape::List(items) => {
            open(ROOT, &mut out);
            for item in &items {
                element(ITEM, item, 1, &mut out)?;
            }
            close(ROOT, &mut out);
        }
        Shape::Null | Shape::Scalar(_) => element(ROOT, payload, 1, &mut out)?,
    }
    Ok(out.into_bytes())
}

fn is_list(value: &Value) -> bool {
    matches!(shape(value), Ok(Shape::List(_)))
}

fn element(name: &str, value: &Value, depth: usize, out: &mut String) -> Result<(), EncodeError> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::new(format!(
            "payload is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    check_name(name)?;
    match shape(value)? {
        Shape::Null => empty(name, out),
        Shape::Text(text) | Shape::Scalar(text) => {
            open(name, out);
            escape_into(name, &text, out)?;
            close(name, out);
        }
        Shape::Binary(_) => {
            return Err(EncodeError::new(format!(
                "payload key `{name}` holds binary data that cannot be written as XML"
            )));
        }
        Shape::Map(entries) if entries.is_empty() => empty(name, out),
        Shape::Map(entries) => {
            open(name, out);
            for (child, item) in &entries {
                element(child, item, depth + 1, out)?;
            }
            close(name, out);
        }
        Shape::List(items) => {
            for item in &items {
                if is_list(item) {
                    // A list directly inside a list keeps its boundary as one element of items.
                    open(name, out);
                    element(ITEM, item, depth + 1, out)?;
                    close(name, out);
                } else {
                    element(name, item, depth + 1, out)?;
                }
            }
        }
    }
    Ok(())
}

fn open(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn empty(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push_str("/>");
}

/// Accepts XML 1.0 names, restricted to the characters a key is likely to need.
fn check_name(name: &str) -> Result<(), EncodeError> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_');
    let valid_rest = chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
    if valid_start && valid_rest {
        Ok(())
    } else {
        Err(EncodeError::new(format!(
            "payload key `{name}` is not a valid XML element name"
        )))
    }
}

fn escape_into(name: &str, text: &str, out: &mut String) -> Result<(), EncodeError> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A literal CR would be normalised away by the receiving parser.
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(EncodeError::new(format!(
                    "payload value for `{name}` contains U+{:04X}, which XML cannot carry",
                    c as u32
                )));
            }
            c => out.push(c),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn xml(payload: &str) -> String {
        String::from_utf8(encode_xml(&json(payload)).unwrap()).unwrap()
    }

    /// The text of the only `<name>` element, with entities decoded.
    fn text_of(doc: &str, name: &str) -> String {
        let start = doc.find(&format!("<{name}>")).expect("open tag") + name.len() + 2;
        let end = doc.find(&format!("</{name}>")).expect("close tag");
        assert_eq!(doc.matches(&format!("<{name}>")).count(), 1);
        let raw = &doc[start..end];
        assert!(!raw.contains('<'), "markup leaked into text: {raw}");
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#xD;", "\r")
            .replace("&amp;", "&")
    }

    #[test]
    fn single_key_object_is_the_root() {
        assert_eq!(
            xml(r#"{"ticket":{"id":7,"urgent":true,"note":null,"tags":["a","b"],"meta":{}}}"#),
            format!(
                "{DECL}<ticket><id>7</id><urgent>true</urgent><note/><tags>a</tags><tags>b</tags><meta/></ticket>"
            )
        );
    }

    #[test]
    fn several_keys_or_a_single_list_are_wrapped_in_root() {
        assert_eq!(
            xml(r#"{"a":1,"b":"x"}"#),
            format!("{DECL}<root><a>1</a><b>x</b></root>")
        );
        assert_eq!(
            xml(r#"{"row":[1,2]}"#),
            format!("{DECL}<root><row>1</row><row>2</row></root>")
        );
        assert_eq!(
            xml(r#"[{"a":1},2]"#),
            format!("{DECL}<root><item><a>1</a></item><item>2</item></root>")
        );
        assert_eq!(xml("1.5"), format!("{DECL}<root>1.5</root>"));
        assert_eq!(xml("null"), format!("{DECL}<root/>"));
    }

    #[test]
    fn lists_inside_lists_keep_their_grouping() {
        assert_eq!(
            xml(r#"{"m":{"g":[[1,2],[3]]}}"#),
            format!("{DECL}<m><g><item>1</item><item>2</item></g><g><item>3</item></g></m>")
        );
    }

    #[test]
    fn string_payload_is_sent_as_given() {
        assert_eq!(xml(r#""<a>&raw</a>""#), "<a>&raw</a>");
    }

    #[test]
    fn unicode_and_special_characters_are_escaped() {
        assert_eq!(
            xml(r#"{"n":"é <b> & \"q\" 'a' \r\n\t✓"}"#),
            format!("{DECL}<n>é &lt;b&gt; &amp; &quot;q&quot; &apos;a&apos; &#xD;\n\t✓</n>")
        );
    }

    #[test]
    fn hostile_secret_round_trips() {
        let secret = "p@ss\"</token><admin>true</admin><!--&amp;\r\n'";
        let payload = Value::from_pairs([("token", Value::from(secret))]);
        let doc = String::from_utf8(encode_xml(&payload).unwrap()).unwrap();
        assert_eq!(text_of(&doc, "token"), secret);
        assert!(!doc.contains("<admin>"));
    }

    #[test]
    fn invalid_names_and_characters_are_errors() {
        let err = encode_xml(&json(r#"{"first name":1}"#)).unwrap_err();
        assert!(err.message().contains("`first name`"), "{err}");
        let err = encode_xml(&json(r#"{"a":{"1x":1}}"#)).unwrap_err();
        assert!(err.message().contains("`1x`"), "{err}");
        let err = encode_xml(&json(r#"{"a":"bell\u0007"}"#)).unwrap_err();
        assert!(err.message().contains("U+0007"), "{err}");
    }

    #[test]
    fn namespaced_and_unicode_names_are_allowed() {
        assert_eq!(
            xml(r#"{"soap:Body":{"名前":"x","a-b.c_d":1}}"#),
            format!("{DECL}<soap:Body><名前>x</名前><a-b.c_d>1</a-b.c_d></soap:Body>")
        );
    }
}
