//! Encoding functions: BASE64_ENCODE/DECODE, BASE64URL_ENCODE/DECODE, URL_ENCODE/DECODE.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use minijinja::{Error, Value};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::Func;
use super::args::Args;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("BASE64_ENCODE", base64_encode),
    ("BASE64_DECODE", base64_decode),
    ("BASE64URL_ENCODE", base64url_encode),
    ("BASE64URL_DECODE", base64url_decode),
    ("URL_ENCODE", url_encode),
    ("URL_DECODE", url_decode),
];

/// Decoders accept input with or without `=` padding: tokens and JWT parts often drop it.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `BASE64_ENCODE(text)`: standard alphabet with `=` padding, of the UTF-8 bytes.
fn base64_encode(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("BASE64_ENCODE", raw, 1, 1)?;
    Ok(Value::from(
        base64::engine::general_purpose::STANDARD.encode(args.text(0)?.as_bytes()),
    ))
}

/// `BASE64URL_ENCODE(text)`: URL-safe alphabet (`-`, `_`) without padding, the form JWTs and
/// PKCE use.
fn base64url_encode(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("BASE64URL_ENCODE", raw, 1, 1)?;
    Ok(Value::from(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(args.text(0)?.as_bytes()),
    ))
}

fn decode_with(name: &'static str, raw: &[Value], engine: &GeneralPurpose) -> Result<Value, Error> {
    let args = Args::new(name, raw, 1, 1)?;
    let text = args.text(0)?;
    // Encoded data is often wrapped at 64 or 76 columns; the line breaks carry no data.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = engine
        .decode(compact.as_bytes())
        .map_err(|e| args.error(format!("invalid base64: {e}")))?;
    String::from_utf8(bytes)
        .map(Value::from)
        .map_err(|_| args.error("decoded bytes are not UTF-8 text"))
}

/// `BASE64_DECODE(text)`: standard alphabet, padding optional, whitespace ignored; the result
/// must be UTF-8 text.
fn base64_decode(raw: &[Value]) -> Result<Value, Error> {
    decode_with("BASE64_DECODE", raw, &STANDARD_LENIENT)
}

/// `BASE64URL_DECODE(text)`: URL-safe alphabet, padding optional; the result must be UTF-8.
fn base64url_decode(raw: &[Value]) -> Result<Value, Error> {
    decode_with("BASE64URL_DECODE", raw, &URL_SAFE_LENIENT)
}

/// `URL_ENCODE(text)`: percent-encodes every byte except `A-Z a-z 0-9 - . _ ~`; a space becomes
/// `%20`, which is correct in paths, queries and form bodies alike.
fn url_encode(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("URL_ENCODE", raw, 1, 1)?;
    Ok(Value::from(
        utf8_percent_encode(&args.text(0)?, UNRESERVED).to_string(),
    ))
}

/// `URL_DECODE(text)`: decodes `%XX` sequences and, as form decoding does, `+` as a space.
fn url_decode(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("URL_DECODE", raw, 1, 1)?;
    let text = args.text(0)?.replace('+', " ");
    percent_decode_str(&text)
        .decode_utf8()
        .map(|s| Value::from(s.into_owned()))
        .map_err(|_| args.error("decoded bytes are not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err};
    use minijinja::Value;

    #[test]
    fn base64_round_trip_with_unicode() {
        let c = empty();
        assert_eq!(
            eval("BASE64_ENCODE('user:pa ss')", &c),
            Value::from("dXNlcjpwYSBzcw==")
        );
        assert_eq!(
            eval("BASE64_DECODE('dXNlcjpwYSBzcw==')", &c),
            Value::from("user:pa ss")
        );
        assert_eq!(
            eval("BASE64_DECODE('dXNlcjpwYSBzcw')", &c),
            Value::from("user:pa ss")
        );
        assert_eq!(
            eval("BASE64_DECODE('dXNl\ncjpw\nYSBzcw==')", &c),
            Value::from("user:pa ss")
        );
        assert_eq!(
            eval("BASE64_DECODE(BASE64_ENCODE('héllo 🙂'))", &c),
            Value::from("héllo 🙂")
        );
        assert_eq!(eval("BASE64_ENCODE('')", &c), Value::from(""));
        assert_eq!(eval("'hi'|BASE64_ENCODE", &c), Value::from("aGk="));
    }

    #[test]
    fn base64url_uses_safe_alphabet_without_padding() {
        let c = empty();
        assert_eq!(eval("BASE64_ENCODE('??>')", &c), Value::from("Pz8+"));
        assert_eq!(eval("BASE64URL_ENCODE('??>')", &c), Value::from("Pz8-"));
        assert_eq!(eval("BASE64_ENCODE('???')", &c), Value::from("Pz8/"));
        assert_eq!(eval("BASE64URL_ENCODE('???')", &c), Value::from("Pz8_"));
        assert_eq!(eval("BASE64URL_ENCODE('ûÿ')", &c), Value::from("w7vDvw"));
        assert_eq!(eval("BASE64URL_DECODE('Pz8-')", &c), Value::from("??>"));
        assert_eq!(eval("BASE64URL_DECODE('w7vDvw==')", &c), Value::from("ûÿ"));
        assert_eq!(eval("BASE64URL_DECODE('Pz8_')", &c), Value::from("???"));
        assert!(eval_err("BASE64URL_DECODE('Pz8/')", &c).contains("invalid base64"));
    }

    #[test]
    fn base64_decode_errors() {
        let c = empty();
        assert!(eval_err("BASE64_DECODE('***')", &c).contains("BASE64_DECODE: invalid base64"));
        assert!(eval_err("BASE64_DECODE('/w==')", &c).contains("not UTF-8 text"));
        assert!(eval_err("BASE64_DECODE(nope)", &c).contains("argument 1 is missing"));
        assert!(eval_err("BASE64_ENCODE({})", &c).contains("must be text, got object"));
    }

    #[test]
    fn url_encode_and_decode() {
        let c = empty();
        assert_eq!(
            eval("URL_ENCODE('a b&c=d/é~_.-')", &c),
            Value::from("a%20b%26c%3Dd%2F%C3%A9~_.-")
        );
        assert_eq!(
            eval("URL_DECODE('a%20b%26c+d%C3%A9')", &c),
            Value::from("a b&c dé")
        );
        assert_eq!(
            eval("URL_DECODE(URL_ENCODE('x+y z'))", &c),
            Value::from("x+y z")
        );
        assert_eq!(eval("URL_ENCODE(42)", &c), Value::from("42"));
        assert_eq!(eval("URL_DECODE('100%')", &c), Value::from("100%"));
        assert!(eval_err("URL_DECODE('%FF')", &c).contains("not UTF-8"));
        assert!(eval_err("URL_ENCODE(nope)", &c).contains("URL_ENCODE: argument 1 is missing"));
    }
}
