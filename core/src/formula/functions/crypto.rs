//! Hashing and identifiers: SHA256, HMAC_SHA256, UUID.

use std::fmt::Write;

use hmac::{Hmac, Mac};
use minijinja::{Error, Value};
use sha2::{Digest, Sha256};

use super::Func;
use super::args::Args;

/// Name/implementation pairs registered by `register`.
pub const FUNCTIONS: &[(&str, Func)] = &[
    ("SHA256", sha256),
    ("HMAC_SHA256", hmac_sha256),
    ("UUID", uuid),
];

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing into a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `SHA256(text)`: lowercase hex digest of the UTF-8 bytes.
fn sha256(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("SHA256", raw, 1, 1)?;
    Ok(Value::from(hex(&Sha256::digest(args.text(0)?.as_bytes()))))
}

/// `HMAC_SHA256(text, key)`: lowercase hex HMAC-SHA256 of `text` keyed with `key`.
fn hmac_sha256(raw: &[Value]) -> Result<Value, Error> {
    let args = Args::new("HMAC_SHA256", raw, 2, 2)?;
    let text = args.text(0)?;
    let key = args.text(1)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|e| args.error(format!("unusable key: {e}")))?;
    mac.update(text.as_bytes());
    Ok(Value::from(hex(&mac.finalize().into_bytes())))
}

/// `UUID()`: a random (version 4) UUID in lowercase hyphenated form.
fn uuid(raw: &[Value]) -> Result<Value, Error> {
    Args::new("UUID", raw, 0, 0)?;
    Ok(Value::from(uuid::Uuid::new_v4().hyphenated().to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err};
    use minijinja::Value;

    #[test]
    fn sha256_known_vectors() {
        let c = empty();
        assert_eq!(
            eval("SHA256('abc')", &c),
            Value::from("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            eval("SHA256('')", &c),
            Value::from("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(eval("'abc'|SHA256", &c), eval("SHA256('abc')", &c));
        assert!(eval_err("SHA256(nope)", &c).contains("SHA256: argument 1 is missing"));
    }

    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        let c = empty();
        assert_eq!(
            eval("HMAC_SHA256('what do ya want for nothing?', 'Jefe')", &c),
            Value::from("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        assert!(eval_err("HMAC_SHA256('x')", &c).contains("expects 2 arguments, got 1"));
        assert!(eval_err("HMAC_SHA256('x', nope)", &c).contains("argument 2 is missing"));
    }

    #[test]
    fn uuid_is_v4_and_fresh() {
        let c = empty();
        let a = eval("UUID()", &c);
        let b = eval("UUID()", &c);
        let a = a.as_str().unwrap_or_default().to_owned();
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('4'));
        assert!(
            a.chars()
                .all(|ch| ch == '-' || ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        );
        assert_ne!(Some(a.as_str()), b.as_str());
        assert!(eval_err("UUID(1)", &c).contains("UUID: expects 0 arguments, got 1"));
    }
}
