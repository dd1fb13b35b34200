//! The `content_type` option and encoding a payload as a request body.

use minijinja::Value;

use super::encode_error::EncodeError;
use super::form;
use super::multipart::encode_multipart;
use super::value_parts::{Shape, json_bytes, shape};
use super::xml::encode_xml;

/// A request body ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    /// The `Content-Type` header value.
    pub content_type: String,
    /// The body bytes.
    pub bytes: Vec<u8>,
}

/// How a payload is encoded, and under which `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// Compact JSON; a string payload is sent as given.
    Json(String),
    /// `a[b]=c` form encoding; a string payload is sent as given.
    Form(String),
    /// XML elements; a string payload is sent as given.
    Xml(String),
    /// `multipart/form-data` with a fresh boundary.
    Data,
    /// Strings as given, anything else as JSON text.
    Text(String),
    /// Any other MIME type: strings as given, anything else as compact JSON.
    Other(String),
}

impl BodyKind {
    /// Reads the `content_type` option; `None` means `json`.
    ///
    /// Short names are case-insensitive. A full MIME type whose essence has a dedicated
    /// encoder (`application/json`, `application/x-www-form-urlencoded`, `multipart/form-data`,
    /// `application/xml`, `text/xml`, `…+xml`, `text/plain`) uses that encoder and keeps the
    /// header exactly as written (multipart gets its own boundary); anything else is sent
    /// as given.
    pub fn parse(option: Option<&str>) -> Result<Self, EncodeError> {
        let Some(raw) = option else {
            return Ok(BodyKind::Json("application/json".to_owned()));
        };
        let given = raw.trim();
        match given.to_ascii_lowercase().as_str() {
            "json" => return Ok(BodyKind::Json("application/json".to_owned())),
            "form" => {
                return Ok(BodyKind::Form(
                    "application/x-www-form-urlencoded".to_owned(),
                ));
            }
            "xml" => return Ok(BodyKind::Xml("application/xml".to_owned())),
            "data" => return Ok(BodyKind::Data),
            "text" => return Ok(BodyKind::Text("text/plain".to_owned())),
            _ => {}
        }
        if !is_mime_type(given) {
            return Err(EncodeError::new(format!(
                "unknown content_type `{raw}`; expected json, form, xml, data, text or a MIME type such as text/csv"
            )));
        }
        let essence = given
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let header = given.to_owned();
        Ok(match essence.as_str() {
            "application/json" => BodyKind::Json(header),
            "application/x-www-form-urlencoded" => BodyKind::Form(header),
            "multipart/form-data" => BodyKind::Data,
            "application/xml" | "text/xml" => BodyKind::Xml(header),
            xml if xml.ends_with("+xml") => BodyKind::Xml(header),
            "text/plain" => BodyKind::Text(header),
            _ => BodyKind::Other(header),
        })
    }
}

/// A `type/subtype` that is also a valid single-line header value.
fn is_mime_type(text: &str) -> bool {
    let essence = text.split(';').next().unwrap_or_default().trim();
    let token = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-*".contains(c))
    };
    let valid_essence = essence
        .split_once('/')
        .is_some_and(|(kind, subtype)| token(kind) && token(subtype));
    valid_essence
        && text
            .chars()
            .all(|c| c == '\t' || (c.is_ascii() && !c.is_ascii_control()))
}

/// Encodes `payload` for the `content_type` option (`None` = `json`).
///
/// A string payload is sent as given for every type but `data` (as Tines does); bytes
/// likewise. See [`BodyKind::parse`] for the accepted options.
pub fn encode_body(
    content_type_option: Option<&str>,
    payload: &Value,
) -> Result<EncodedBody, EncodeError> {
    let (content_type, bytes) = match BodyKind::parse(content_type_option)? {
        BodyKind::Data => {
            let multipart = encode_multipart(payload)?;
            (
                format!("multipart/form-data; boundary={}", multipart.boundary),
                multipart.bytes,
            )
        }
        BodyKind::Xml(header) => (header, encode_xml(payload)?),
        BodyKind::Form(header) => {
            let bytes = match as_given(payload)? {
                Some(bytes) => bytes,
                None => form::encode_object(payload)?.into_bytes(),
            };
            (header, bytes)
        }
        BodyKind::Json(header) | BodyKind::Text(header) | BodyKind::Other(header) => {
            let bytes = match as_given(payload)? {
                Some(bytes) => bytes,
                None => json_bytes(payload)?,
            };
            (header, bytes)
        }
    };
    Ok(EncodedBody {
        content_type,
        bytes,
    })
}

/// The bytes of a string (or bytes) payload, which every type but `data` sends unchanged.
fn as_given(payload: &Value) -> Result<Option<Vec<u8>>, EncodeError> {
    Ok(match shape(payload)? {
        Shape::Text(text) => Some(text.into_bytes()),
        Shape::Binary(bytes) => Some(bytes),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    fn encode(option: Option<&str>, payload: &str) -> (String, String) {
        let body = encode_body(option, &json(payload)).unwrap();
        (body.content_type, String::from_utf8(body.bytes).unwrap())
    }

    const NESTED: &str =
        r#"{"b":1,"a":{"z":[1,2.5,null],"y":"é ✓"},"t":true,"n":null,"s":"x&y=z \"q\"\n"}"#;

    #[test]
    fn json_is_compact_and_keeps_key_order() {
        let expected =
            r#"{"b":1,"a":{"z":[1,2.5,null],"y":"é ✓"},"t":true,"n":null,"s":"x&y=z \"q\"\n"}"#;
        assert_eq!(
            encode(None, NESTED),
            ("application/json".into(), expected.into())
        );
        assert_eq!(encode(Some("JSON"), NESTED).1, expected);
        assert_eq!(encode(Some("json"), "[1,{}]").1, "[1,{}]");
        assert_eq!(encode(Some("json"), "null").1, "null");
    }

    #[test]
    fn string_payload_is_sent_as_given() {
        for option in [
            None,
            Some("json"),
            Some("form"),
            Some("xml"),
            Some("text"),
            Some("text/csv"),
        ] {
            assert_eq!(
                encode(option, r#""a,b\n{raw""#).1,
                "a,b\n{raw",
                "{option:?}"
            );
        }
    }

    #[test]
    fn form_uses_rack_nesting() {
        let (content_type, body) = encode(Some("form"), NESTED);
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(
            body,
            "b=1&a%5Bz%5D%5B%5D=1&a%5Bz%5D%5B%5D=2.5&a%5Bz%5D%5B%5D=&a%5By%5D=%C3%A9+%E2%9C%93&t=true&n=&s=x%26y%3Dz+%22q%22%0A"
        );
    }

    #[test]
    fn xml_text_and_other_types() {
        let (content_type, body) = encode(Some("xml"), r#"{"a":{"b":"<&>"}}"#);
        assert_eq!(content_type, "application/xml");
        assert_eq!(
            body,
            r#"<?xml version="1.0" encoding="UTF-8"?><a><b>&lt;&amp;&gt;</b></a>"#
        );

        assert_eq!(
            encode(Some("text"), r#"{"a":1}"#),
            ("text/plain".into(), r#"{"a":1}"#.into())
        );
        assert_eq!(encode(Some("text"), "42").1, "42");
        assert_eq!(
            encode(Some("application/vnd.api+json"), r#"{"data":{"id":"1"}}"#),
            (
                "application/vnd.api+json".into(),
                r#"{"data":{"id":"1"}}"#.into()
            )
        );
    }

    #[test]
    fn mime_types_with_a_dedicated_encoder_use_it_and_keep_the_header() {
        assert_eq!(
            encode(
                Some("application/x-www-form-urlencoded; charset=utf-8"),
                r#"{"a":{"b":1}}"#
            ),
            (
                "application/x-www-form-urlencoded; charset=utf-8".into(),
                "a%5Bb%5D=1".into()
            )
        );
        assert_eq!(
            encode(Some("text/xml"), r#"{"a":1}"#),
            (
                "text/xml".into(),
                r#"<?xml version="1.0" encoding="UTF-8"?><a>1</a>"#.into()
            )
        );
        assert_eq!(
            encode(Some("application/soap+xml"), r#"{"a":1}"#).1,
            r#"<?xml version="1.0" encoding="UTF-8"?><a>1</a>"#
        );
        assert_eq!(
            encode(Some("Application/JSON; charset=utf-8"), r#"{"a":1}"#),
            (
                "Application/JSON; charset=utf-8".into(),
                r#"{"a":1}"#.into()
            )
        );
    }

    #[test]
    fn data_gets_a_boundary_that_frames_the_body() {
        for option in ["data", "multipart/form-data; boundary=ignored"] {
            let body = encode_body(Some(option), &json(r#"{"a":"1"}"#)).unwrap();
            let boundary = body
                .content_type
                .strip_prefix("multipart/form-data; boundary=")
                .expect("multipart content type");
            assert_ne!(boundary, "ignored");
            let expected = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--{boundary}--\r\n"
            );
            assert_eq!(String::from_utf8(body.bytes).unwrap(), expected);
        }
    }

    #[test]
    fn hostile_secret_round_trips_through_json_and_form() {
        let secret = "p\"w&d=1\n\r\\u0000</x>'é";
        let payload = Value::from_pairs([
            ("password", Value::from(secret)),
            ("user", Value::from("a")),
        ]);

        let body = encode_body(Some("json"), &payload).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
        assert_eq!(back, serde_json::json!({"password": secret, "user": "a"}));

        let body = encode_body(Some("form"), &payload).unwrap();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body.bytes)
            .into_owned()
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("password".into(), secret.into()),
                ("user".into(), "a".into())
            ]
        );
    }

    #[test]
    fn unknown_or_malformed_content_types_are_errors() {
        for bad in [
            "jsn",
            "",
            "text/",
            "/json",
            "text/plain\r\nX-Evil: 1",
            "a b/c",
        ] {
            let err = encode_body(Some(bad), &json("{}")).unwrap_err();
            assert!(
                err.message().starts_with("unknown content_type"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn form_refuses_lists_and_scalars() {
        assert!(encode_body(Some("form"), &json("[1]")).is_err());
        assert!(encode_body(Some("form"), &json("5")).is_err());
    }
}
