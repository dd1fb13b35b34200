//! The `data` content type: `multipart/form-data` bodies with text and file parts.

use minijinja::Value;

use super::encode_error::EncodeError;
use super::value_parts::{Shape, json_text, shape};

/// Type of a file part that names none, and of binary field values.
const OCTET_STREAM: &str = "application/octet-stream";
/// Boundaries drawn before giving up; each collides only if the content contains 24 random
/// characters by chance, so a second draw is already vanishingly rare.
const BOUNDARY_DRAWS: usize = 8;

/// A multipart body together with the boundary its `Content-Type` must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// The boundary, without the leading `--`.
    pub boundary: String,
    /// The complete body, closing delimiter included.
    pub bytes: Vec<u8>,
}

/// Encodes an object payload as `multipart/form-data` with a random boundary.
///
/// Each top-level key is one part. A value that is an object with `filename` and `contents`
/// (and optionally `content_type`) becomes a file part; a list gives one part per item under
/// the same name (several files in one field); other objects and lists inside lists are sent
/// as JSON text with `Content-Type: application/json`; strings as given, bools and numbers as
/// JSON text, `null` as an empty value. Quotes, CR and LF in names and file names are
/// percent-encoded as browsers do, so they cannot end the header.
pub fn encode_multipart(payload: &Value) -> Result<Multipart, EncodeError> {
    encode_multipart_with(payload, &mut random_boundary)
}

/// As [`encode_multipart`], drawing boundaries from `next_boundary` until one does not occur
/// in any part.
pub fn encode_multipart_with(
    payload: &Value,
    next_boundary: &mut impl FnMut() -> String,
) -> Result<Multipart, EncodeError> {
    let entries = match shape(payload)? {
        Shape::Map(entries) => entries,
        Shape::Null => Vec::new(),
        _ => {
            return Err(EncodeError::new(format!(
                "a `data` (multipart/form-data) payload must be an object, not a {}",
                payload.kind()
            )));
        }
    };
    let mut parts = Vec::new();
    for (name, value) in &entries {
        match shape(value)? {
            Shape::List(items) => {
                for item in &items {
                    parts.push(part(name, item)?);
                }
            }
            _ => parts.push(part(name, value)?),
        }
    }
    let boundary = choose_boundary(&parts, next_boundary)?;
    Ok(Multipart {
        bytes: assemble(&boundary, &parts),
        boundary,
    })
}

/// One part: its header block (each line CRLF-terminated) and its content.
struct Part {
    headers: String,
    body: Vec<u8>,
}

fn part(name: &str, value: &Value) -> Result<Part, EncodeError> {
    let disposition = format!(
        "Content-Disposition: form-data; name=\"{}\"\r\n",
        escape_quoted(name)
    );
    let (extra, body) = match shape(value)? {
        Shape::Null => (String::new(), Vec::new()),
        Shape::Text(text) | Shape::Scalar(text) => (String::new(), text.into_bytes()),
        Shape::Binary(bytes) => (format!("Content-Type: {OCTET_STREAM}\r\n"), bytes),
        Shape::Map(entries) if is_file(&entries) => return file_part(name, &entries),
        Shape::Map(_) | Shape::List(_) => (
            "Content-Type: application/json\r\n".to_owned(),
            json_text(value)?.into_bytes(),
        ),
    };
    Ok(Part {
        headers: disposition + &extra,
        body,
    })
}

fn is_file(entries: &[(String, Value)]) -> bool {
    let has = |key: &str| entries.iter().any(|(name, _)| name == key);
    has("filename") && has("contents")
}

fn file_part(name: &str, entries: &[(String, Value)]) -> Result<Part, EncodeError> {
    let field = |key: &str| {
        entries
            .iter()
            .find(|(entry, _)| entry == key)
            .map(|(_, value)| value)
    };
    let filename = match field("filename").map(shape).transpose()? {
        Some(Shape::Text(text) | Shape::Scalar(text)) => text,
        _ => {
            return Err(EncodeError::new(format!(
                "file part `{name}`: `filename` must be a string"
            )));
        }
    };
    let body = match field("contents").map(shape).transpose()? {
        Some(Shape::Text(text)) => text.into_bytes(),
        Some(Shape::Binary(bytes)) => bytes,
        Some(Shape::Null) => Vec::new(),
        _ => {
            return Err(EncodeError::new(format!(
                "file part `{name}`: `contents` must be a string"
            )));
        }
    };
    let content_type = match field("content_type").map(shape).transpose()? {
        None | Some(Shape::Null) => OCTET_STREAM.to_owned(),
        Some(Shape::Text(text)) if is_header_safe(&text) && !text.trim().is_empty() => text,
        _ => {
            return Err(EncodeError::new(format!(
                "file part `{name}`: `content_type` must be a single-line MIME type"
            )));
        }
    };
    Ok(Part {
        headers: format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n",
            escape_quoted(name),
            escape_quoted(&filename),
            content_type.trim()
        ),
        body,
    })
}

/// Escapes a quoted header parameter the way the HTML form-data algorithm does.
fn escape_quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn is_header_safe(text: &str) -> bool {
    text.chars().all(|c| c == '\t' || (!c.is_control()))
}

fn choose_boundary(
    parts: &[Part],
    next_boundary: &mut impl FnMut() -> String,
) -> Result<String, EncodeError> {
    for _ in 0..BOUNDARY_DRAWS {
        let boundary = next_boundary();
        let collides = boundary.is_empty()
            || parts.iter().any(|part| {
                part.headers.contains(&boundary) || contains(&part.body, boundary.as_bytes())
            });
        if !collides {
            return Ok(boundary);
        }
    }
    Err(EncodeError::new(
        "could not choose a multipart boundary that does not occur in the payload",
    ))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

fn assemble(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(part.headers.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

fn random_boundary() -> String {
    let suffix: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect();
    format!("RelayFormBoundary{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn fixed(boundary: &str) -> impl FnMut() -> String + '_ {
        move || boundary.to_owned()
    }

    /// Splits a body back into (header block, content) pairs, checking the framing.
    fn parse(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
        let text = String::from_utf8_lossy(body).into_owned();
        let closing = format!("--{boundary}--\r\n");
        assert!(text.ends_with(&closing), "missing closing delimiter");
        let inner = &text[..text.len() - closing.len()];
        inner
            .split(&format!("--{boundary}\r\n"))
            .skip(1)
            .map(|chunk| {
                let chunk = chunk.strip_suffix("\r\n").expect("part ends with CRLF");
                let (headers, content) = chunk.split_once("\r\n\r\n").expect("blank line");
                (headers.to_owned(), content.as_bytes().to_vec())
            })
            .collect()
    }

    #[test]
    fn exact_bytes_for_text_file_and_json_parts() {
        let payload = json(
            r#"{"name":"Ann é","n":3,"ok":true,"none":null,
                "doc":{"filename":"a.csv","contents":"x,y\n1,2","content_type":"text/csv"},
                "meta":{"k":[1,"v"]}}"#,
        );
        let body = encode_multipart_with(&payload, &mut fixed("BOUNDARY")).unwrap();
        assert_eq!(body.boundary, "BOUNDARY");
        let expected = "--BOUNDARY\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAnn é\r\n\
--BOUNDARY\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n3\r\n\
--BOUNDARY\r\nContent-Disposition: form-data; name=\"ok\"\r\n\r\ntrue\r\n\
--BOUNDARY\r\nContent-Disposition: form-data; name=\"none\"\r\n\r\n\r\n\
--BOUNDARY\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nx,y\n1,2\r\n\
--BOUNDARY\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":[1,\"v\"]}\r\n\
--BOUNDARY--\r\n";
        assert_eq!(String::from_utf8(body.bytes).unwrap(), expected);
    }

    #[test]
    fn lists_repeat_the_field_and_files_default_to_octet_stream() {
        let payload = json(
            r#"{"files":[{"filename":"a.txt","contents":"A"},{"filename":"b.bin","contents":""}],"ids":[1,[2]]}"#,
        );
        let body = encode_multipart_with(&payload, &mut fixed("B")).unwrap();
        let parts = parse(&body.bytes, "B");
        let headers: Vec<&str> = parts.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(
            headers,
            vec![
                "Content-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: application/octet-stream",
                "Content-Disposition: form-data; name=\"files\"; filename=\"b.bin\"\r\nContent-Type: application/octet-stream",
                "Content-Disposition: form-data; name=\"ids\"",
                "Content-Disposition: form-data; name=\"ids\"\r\nContent-Type: application/json",
            ]
        );
        let bodies: Vec<&[u8]> = parts.iter().map(|(_, b)| b.as_slice()).collect();
        assert_eq!(bodies, vec![&b"A"[..], b"", b"1", b"[2]"]);
    }

    #[test]
    fn binary_file_contents_are_sent_unchanged() {
        let file = Value::from_pairs([
            ("filename", Value::from("x.bin")),
            ("contents", Value::from_bytes(vec![0, 0xff, b'\r', b'\n'])),
        ]);
        let payload = Value::from_pairs([("f", file)]);
        let body = encode_multipart_with(&payload, &mut fixed("B")).unwrap();
        let expected_tail =
            b"Content-Type: application/octet-stream\r\n\r\n\x00\xff\r\n\r\n--B--\r\n";
        assert!(body.bytes.ends_with(expected_tail));
    }

    #[test]
    fn hostile_names_and_values_cannot_break_framing() {
        let secret = "\"\r\n--B\r\nContent-Disposition: form-data; name=\"admin\"\r\n\r\ntrue&x=1'";
        let payload = Value::from_pairs([
            ("token", Value::from(secret)),
            ("we\"ird\r\nX-Injected: 1", Value::from("v")),
        ]);
        let mut draws = vec!["B".to_owned(), "SAFE".to_owned()].into_iter();
        let body =
            encode_multipart_with(&payload, &mut || draws.next().unwrap_or_default()).unwrap();
        assert_eq!(
            body.boundary, "SAFE",
            "a boundary found in the content must be redrawn"
        );
        let parts = parse(&body.bytes, "SAFE");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, "Content-Disposition: form-data; name=\"token\"");
        assert_eq!(parts[0].1, secret.as_bytes());
        assert_eq!(
            parts[1].0,
            "Content-Disposition: form-data; name=\"we%22ird%0D%0AX-Injected: 1\""
        );
    }

    #[test]
    fn random_boundary_is_unique_and_absent_from_content() {
        let payload = json(r#"{"a":"RelayFormBoundary"}"#);
        let first = encode_multipart(&payload).unwrap();
        let second = encode_multipart(&payload).unwrap();
        assert_ne!(first.boundary, second.boundary);
        assert!(first.boundary.starts_with("RelayFormBoundary"));
        assert_eq!(first.boundary.len(), "RelayFormBoundary".len() + 24);
        assert_eq!(
            parse(&first.bytes, &first.boundary)[0].1,
            b"RelayFormBoundary"
        );
    }

    #[test]
    fn gives_up_when_every_boundary_collides() {
        let payload = json(r#"{"a":"XX"}"#);
        let err = encode_multipart_with(&payload, &mut fixed("X")).unwrap_err();
        assert!(err.message().contains("boundary"), "{err}");
    }

    #[test]
    fn bad_payloads_and_file_fields_are_errors() {
        assert!(encode_multipart(&json(r#""text""#)).is_err());
        assert!(encode_multipart(&json("[1]")).is_err());
        let err =
            encode_multipart(&json(r#"{"f":{"filename":"a","contents":{"x":1}}}"#)).unwrap_err();
        assert!(err.message().contains("`contents`"), "{err}");
        let err = encode_multipart(&json(
            r#"{"f":{"filename":"a","contents":"x","content_type":"text/plain\r\nX: 1"}}"#,
        ))
        .unwrap_err();
        assert!(err.message().contains("`content_type`"), "{err}");
    }

    #[test]
    fn empty_object_is_just_the_closing_delimiter() {
        let body = encode_multipart_with(&json("{}"), &mut fixed("B")).unwrap();
        assert_eq!(body.bytes, b"--B--\r\n");
    }
}
