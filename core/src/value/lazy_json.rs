//! A JSON response body that is validated on arrival but parsed into values only when a
//! formula first reads it. Most bodies are only passed on to the output (or not used at all),
//! and building a value tree for each of them was the largest per-request cost of the engine.

use std::fmt;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr, ValueKind};

/// A JSON object or array kept as its bytes until first read.
pub struct LazyJson {
    raw: Box<serde_json::value::RawValue>,
    /// No insignificant whitespace: the text can be copied into compact output as it is.
    /// Found when first printed (on the output's thread), not on the run's busy one.
    compact: OnceLock<bool>,
    repr: ObjectRepr,
    parsed: OnceLock<Value>,
}

impl fmt::Debug for LazyJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyJson({} bytes)", self.raw.get().len())
    }
}

impl LazyJson {
    /// The body as a value: lazy when it is a valid JSON object or array, `None` otherwise.
    pub fn value_of(bytes: &[u8]) -> Option<Value> {
        let repr = match bytes.iter().find(|b| !b.is_ascii_whitespace())? {
            b'{' => ObjectRepr::Map,
            b'[' => ObjectRepr::Seq,
            _ => return None,
        };
        // Validate now, so a malformed body is a string from the start, as it would be if
        // parsed eagerly; the raw value keeps the text for printing without re-encoding.
        let raw: Box<serde_json::value::RawValue> = serde_json::from_slice(bytes).ok()?;
        Some(Value::from_object(LazyJson {
            raw,
            compact: OnceLock::new(),
            repr,
            parsed: OnceLock::new(),
        }))
    }

    /// The raw JSON text.
    pub fn bytes(&self) -> &[u8] {
        self.raw.get().as_bytes()
    }

    /// The raw JSON, when it is compact (printable as it is into compact JSON output).
    pub fn compact_raw(&self) -> Option<&serde_json::value::RawValue> {
        let compact = *self
            .compact
            .get_or_init(|| is_compact(self.raw.get().as_bytes()));
        compact.then_some(&*self.raw)
    }

    /// The parsed value, if something has read it already.
    pub fn parsed(&self) -> Option<&Value> {
        self.parsed.get()
    }

    /// The parsed value (parsing it on first call).
    pub fn value(&self) -> &Value {
        self.parsed.get_or_init(|| {
            serde_json::from_str::<Value>(self.raw.get()).unwrap_or(Value::UNDEFINED)
        })
    }
}

/// Whether JSON text (already validated) has no whitespace outside its strings. Found when
/// the body is first printed, on the output thread.
fn is_compact(bytes: &[u8]) -> bool {
    surely_compact(bytes) || compact_by_scan(bytes)
}

/// True when no whitespace byte touches a structural character or an end of the text. In
/// valid JSON, whitespace outside strings only sits between tokens, and no two tokens meet
/// without a `{}[]:,` between them, so every such run touches one of those or an end: when
/// none does, all whitespace is inside strings. `memchr` finds the few whitespace bytes of a
/// typical body fast; a `", "` inside a string makes this false, and the scan decides.
fn surely_compact(bytes: &[u8]) -> bool {
    let structural = |b: u8| matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',');
    memchr::memchr3_iter(b' ', b'\n', b'\r', bytes)
        .chain(memchr::memchr_iter(b'\t', bytes))
        .all(|i| {
            i > 0 && i + 1 < bytes.len() && !structural(bytes[i - 1]) && !structural(bytes[i + 1])
        })
}

/// The exact answer: walks the text, skipping strings with `memchr`.
fn compact_by_scan(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        // Outside a string: whitespace means not compact; a quote opens a string.
        match rest
            .iter()
            .position(|&b| matches!(b, b'"' | b' ' | b'\t' | b'\n' | b'\r'))
        {
            None => return true,
            Some(i) if rest[i] != b'"' => return false,
            Some(i) => rest = &rest[i + 1..],
        }
        // Inside: on to the closing quote, stepping over escaped characters.
        loop {
            match memchr::memchr2(b'"', b'\\', rest) {
                None => return true,
                Some(i) if rest[i] == b'\\' => rest = rest.get(i + 2..).unwrap_or_default(),
                Some(i) => {
                    rest = &rest[i + 1..];
                    break;
                }
            }
        }
    }
}

impl Object for LazyJson {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        self.repr
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let value = self.value();
        let key = match (self.repr, key.as_i64()) {
            (ObjectRepr::Seq, Some(i)) if i < 0 => Value::from(value.len()? as i64 + i),
            _ => key.clone(),
        };
        let item = value.get_item(&key).ok()?;
        (!item.is_undefined()).then_some(item)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let value = self.value();
        match value.kind() {
            ValueKind::Seq => Enumerator::Seq(value.len().unwrap_or(0)),
            ValueKind::Map => {
                Enumerator::Values(value.try_iter().map(Iterator::collect).unwrap_or_default())
            }
            _ => Enumerator::Empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_parsed_value() {
        let v = LazyJson::value_of(br#" {"tickets": [{"id": 7}, {"id": 8}], "n": 2}"#).unwrap();
        assert_eq!(v.kind(), ValueKind::Map);
        assert_eq!(v.get_attr("n").unwrap(), Value::from(2));
        let tickets = v.get_attr("tickets").unwrap();
        assert_eq!(tickets.len(), Some(2));
        assert_eq!(v.len(), Some(2));
        let keys: Vec<String> = v.try_iter().unwrap().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["tickets", "n"]);
        let list = LazyJson::value_of(b"[1, 2, 3]").unwrap();
        assert_eq!(list.kind(), ValueKind::Seq);
        assert_eq!(list.get_item(&Value::from(-1)).unwrap(), Value::from(3));
        assert!(list.get_item(&Value::from(9)).unwrap().is_undefined());
    }

    #[test]
    fn compactness_ignores_whitespace_inside_strings() {
        assert!(is_compact(br#"{"a":"x y","b":[1,"\" z"]}"#));
        assert!(!is_compact(br#"{"a": 1}"#));
        assert!(!is_compact(b"[1,\n2]"));
        assert!(
            !is_compact(br#"{"a":"\\","b" :1}"#),
            "an escaped backslash ends before the quote"
        );
        assert!(is_compact(br#"["\\\"  ",{"k":"\u00e9 \t"}]"#));
        assert!(!is_compact(b"{\"a\":\"x\"}\r"));
        assert!(is_compact(b""));
    }

    /// The byte-by-byte definition `is_compact` must agree with.
    fn compact_by_bytes(bytes: &[u8]) -> bool {
        let (mut in_string, mut escaped) = (false, false);
        for &b in bytes {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
            } else if b == b'"' {
                in_string = true;
            } else if b.is_ascii_whitespace() {
                return false;
            }
        }
        true
    }

    /// Random valid JSON with whitespace between some tokens, and strings holding spaces,
    /// structural characters and escapes.
    fn generate(rng: &mut fastrand::Rng, depth: u32, out: &mut Vec<u8>) {
        let space = |rng: &mut fastrand::Rng, out: &mut Vec<u8>| {
            if rng.u8(0..4) == 0 {
                out.push([b' ', b'\n', b'\t', b'\r'][rng.usize(0..4)]);
            }
        };
        let string = |rng: &mut fastrand::Rng, out: &mut Vec<u8>| {
            out.push(b'"');
            for _ in 0..rng.usize(0..4) {
                let pieces: [&[u8]; 9] = [
                    b"a",
                    b" ",
                    b", ",
                    b":",
                    b"{ ",
                    b"\\\"",
                    b"\\\\",
                    b"x y",
                    "\u{e9}".as_bytes(),
                ];
                out.extend_from_slice(pieces[rng.usize(0..pieces.len())]);
            }
            out.push(b'"');
        };
        match if depth > 3 {
            rng.u8(2..5)
        } else {
            rng.u8(0..5)
        } {
            0 | 1 => {
                let (open, close) = if rng.bool() {
                    (b'{', b'}')
                } else {
                    (b'[', b']')
                };
                out.push(open);
                space(rng, out);
                for i in 0..rng.usize(0..4) {
                    if i > 0 {
                        out.push(b',');
                        space(rng, out);
                    }
                    if open == b'{' {
                        string(rng, out);
                        space(rng, out);
                        out.push(b':');
                        space(rng, out);
                    }
                    generate(rng, depth + 1, out);
                    space(rng, out);
                }
                out.push(close);
            }
            2 => string(rng, out),
            3 => out.extend_from_slice([&b"-12.5e3"[..], b"0", b"7"][rng.usize(0..3)]),
            _ => out.extend_from_slice([&b"true"[..], b"false", b"null"][rng.usize(0..3)]),
        }
    }

    #[test]
    fn compactness_agrees_with_a_byte_by_byte_scan_on_generated_json() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut compact = 0;
        for _ in 0..5_000 {
            let mut text = Vec::new();
            if rng.bool() {
                text.push(b' ');
            }
            generate(&mut rng, 0, &mut text);
            let shown = String::from_utf8_lossy(&text).into_owned();
            serde_json::from_slice::<serde::de::IgnoredAny>(&text).expect(&shown);
            assert_eq!(is_compact(&text), compact_by_bytes(&text), "{shown}");
            assert_eq!(compact_by_scan(&text), compact_by_bytes(&text), "{shown}");
            compact += usize::from(compact_by_bytes(&text));
        }
        // Both answers occur often enough to mean something.
        assert!((500..4_500).contains(&compact), "{compact} compact of 5000");
    }

    #[test]
    fn only_valid_objects_and_arrays_are_lazy() {
        assert!(LazyJson::value_of(b"42").is_none());
        assert!(LazyJson::value_of(b"\"s\"").is_none());
        assert!(LazyJson::value_of(b"{broken").is_none());
        assert!(LazyJson::value_of(b"").is_none());
    }
}
