//! The spellings under which a secret value can show up in output, for the redactor to mask.
//!
//! Most encoders leave a typical token (letters, digits, `-._~`) unchanged, so after
//! de-duplication a token usually costs a handful of patterns; values with punctuation, spaces or
//! non-ASCII text get the variants that real encoders on Relay's paths actually produce.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// Values with fewer characters than this are not registered: they would mask ordinary words.
pub(super) const MIN_SECRET_CHARS: usize = 6;

/// Shortest base64 fragment registered for a secret sitting at an unknown offset inside a longer
/// base64 text: 8 characters carry 48 bits of the secret, as much as the 6-character minimum,
/// and make a chance hit inside unrelated base64 data negligible (about 1 in 2^48 per position).
pub(super) const MIN_BASE64_FRAGMENT_CHARS: usize = 8;

/// RFC 3986: everything but unreserved characters is encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// minijinja's `urlencode` filter, which Relay formulas use.
const MINIJINJA: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');
/// What `url` encodes when a raw value is rendered into the query of an http(s) URL.
const URL_QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');
/// What `url` encodes when a raw value is rendered into a URL path.
const URL_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'#')
    .add(b'?')
    .add(b'{')
    .add(b'}');
/// What `url` encodes in the user-info part (`https://user:pass@host`).
const URL_USERINFO: &AsciiSet = &URL_PATH
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

/// Every registered spelling of `value`, without duplicates, the value itself first.
pub(super) fn derived_forms(value: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let mut add = |form: String| {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    };
    add(value.to_owned());

    let bytes = value.as_bytes();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        add(engine.encode(bytes));
    }

    let rfc3986 = utf8_percent_encode(value, RFC3986).to_string();
    let mut percent = vec![
        rfc3986.replace("%20", "+"),
        rfc3986,
        url::form_urlencoded::byte_serialize(bytes).collect::<String>(),
        utf8_percent_encode(value, MINIJINJA).to_string(),
        utf8_percent_encode(value, URL_QUERY).to_string(),
        utf8_percent_encode(value, URL_PATH).to_string(),
        utf8_percent_encode(value, URL_USERINFO).to_string(),
    ];
    // Some encoders write `%2f` rather than `%2F`.
    let lower: Vec<String> = percent.iter().map(|p| lowercase_percent_hex(p)).collect();
    percent.extend(lower);
    for form in percent {
        // A URL carrying the value is itself printed inside JSON (results, history): the
        // encoders above leave `\` as it is, and JSON then doubles it.
        add(json_string_inside(&form));
        add(form);
    }

    let json = json_string_inside(value);
    add(json_string_inside(&json)); // JSON text stored inside another JSON string
    add(json.replace('/', "\\/")); // PHP's json_encode default
    add(escape_as_unicode(&json, |c| !c.is_ascii(), false)); // Python's json.dumps default
    // .NET System.Text.Json's default encoder, which also escapes HTML-sensitive characters.
    // The quote becomes `\u0022`; in serde_json's output every `"` is the escape `\"`.
    add(
        escape_as_unicode(&json, |c| !c.is_ascii() || "+<>&'`".contains(c), true)
            .replace("\\\"", "\\u0022"),
    );
    add(json);

    for fragment in base64_fragments(bytes) {
        add(fragment);
    }
    forms
}

/// The inside of the JSON string literal serde_json writes for `value`.
fn json_string_inside(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map(str::to_owned)
        .unwrap_or(quoted)
}

/// Replaces the selected characters of an already JSON-escaped text with `\uXXXX` escapes.
fn escape_as_unicode(json: &str, escape: impl Fn(char) -> bool, upper: bool) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                if upper {
                    out.push_str(&format!("\\u{unit:04X}"));
                } else {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn lowercase_percent_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            if c == '%' {
                hex_left = 2;
            }
            out.push(c);
        }
    }
    out
}

/// The base64 characters that depend only on the secret, for each of the three byte offsets it
/// can have inside a longer encoded text (`Basic base64(user:pass)`, an encoded JSON blob, …).
///
/// Starting the encoding `skip` bytes into the value lines the rest up with a group boundary;
/// the last character is dropped when it shares bits with whatever follows the secret.
fn base64_fragments(bytes: &[u8]) -> Vec<String> {
    let mut fragments = Vec::new();
    for skip in 0..3 {
        let Some(rest) = bytes.get(skip..) else { break };
        let encoded = STANDARD_NO_PAD.encode(rest);
        let stable = if rest.len() % 3 == 0 {
            encoded.len()
        } else {
            encoded.len() - 1
        };
        let Some(fragment) = encoded.get(..stable) else {
            continue;
        };
        if fragment.len() >= MIN_BASE64_FRAGMENT_CHARS {
            fragments.push(fragment.replace('+', "-").replace('/', "_"));
            fragments.push(fragment.to_owned());
        }
    }
    fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-Secret-123!";
    /// Exercises every encoder: `@`, space, `/`, `+`, non-ASCII, `"`, `~`, `*`.
    const ODD: &str = "c@nary Secret/12+é\"~*";

    fn has(forms: &[String], expected: &str) -> bool {
        forms.iter().any(|f| f == expected)
    }

    #[test]
    fn typical_token_collapses_to_few_forms() {
        let forms = derived_forms(CANARY);
        assert_eq!(forms[0], CANARY);
        // Expected values computed independently (Python's base64 and urllib).
        assert!(has(&forms, "Y2FuYXJ5LVNlY3JldC0xMjMh"));
        assert!(has(&forms, "canary-Secret-123%21"));
        let mut sorted = forms.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), forms.len(), "duplicates in {forms:?}");
    }

    #[test]
    fn odd_value_gets_every_encoder_spelling() {
        let forms = derived_forms(ODD);
        for expected in [
            ODD,
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ+Kg==",
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ+Kg",
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ-Kg==",
            "Y0BuYXJ5IFNlY3JldC8xMivDqSJ-Kg",
            "c%40nary%20Secret%2F12%2B%C3%A9%22~%2A",
            "c%40nary+Secret%2F12%2B%C3%A9%22~%2A",
            "c%40nary+Secret%2F12%2B%C3%A9%22%7E*",
            "c%40nary%20Secret%2f12%2b%c3%a9%22~%2a",
            "c%40nary%20Secret/12%2B%C3%A9%22%7E%2A",
            "c@nary Secret/12+\u{e9}\\\"~*",
            "c@nary Secret/12+\\u00e9\\\"~*",
            "c@nary Secret\\/12+\u{e9}\\\"~*",
            "c@nary Secret/12\\u002B\\u00E9\\u0022~*",
            "c@nary Secret/12+\u{e9}\\\\\\\"~*",
        ] {
            assert!(has(&forms, expected), "missing {expected:?} in {forms:#?}");
        }
    }

    #[test]
    fn url_crate_spellings_are_included() {
        let forms = derived_forms(ODD);
        let mut url = url::Url::parse("https://h.example/").unwrap();
        url.set_query(Some(ODD));
        let query = url.query().unwrap_or_default().to_owned();
        assert!(has(&forms, &query), "{query}");
        url.query_pairs_mut().clear().append_pair("t", ODD);
        let pair = url
            .query()
            .unwrap_or_default()
            .trim_start_matches("t=")
            .to_owned();
        assert!(has(&forms, &pair), "{pair}");
    }

    #[test]
    fn a_url_spelling_printed_inside_json_is_included() {
        // `ab cd\ef` in a query is `ab%20cd\ef` (url leaves the backslash), and JSON output
        // doubles the backslash.
        let value = "ab cd\\ef";
        let mut url = url::Url::parse("https://h.example/q").unwrap();
        url.set_query(Some(&format!("k={value}")));
        let in_query = url.query().unwrap().trim_start_matches("k=").to_owned();
        assert_eq!(in_query, "ab%20cd\\ef");
        let in_json = serde_json::to_string(&in_query).unwrap();
        let forms = derived_forms(value);
        assert!(
            has(&forms, in_json.trim_matches('"')),
            "{in_json} in {forms:#?}"
        );
    }

    #[test]
    fn fragments_cover_all_three_offsets() {
        use base64::Engine as _;
        let forms = derived_forms(CANARY);
        for prefix in ["", "x", "xy"] {
            let text = STANDARD.encode(format!("{prefix}{CANARY}zz"));
            assert!(
                forms
                    .iter()
                    .any(|f| f.len() >= MIN_BASE64_FRAGMENT_CHARS && text.contains(f.as_str())),
                "offset {} not covered in {text}",
                prefix.len()
            );
        }
    }

    #[test]
    fn fragments_are_not_made_below_the_minimum() {
        // 6 bytes: offset 2 leaves 4 bytes = 5 stable characters, too short to register.
        let frags = base64_fragments(b"abcdef");
        assert!(
            frags.iter().all(|f| f.len() >= MIN_BASE64_FRAGMENT_CHARS),
            "{frags:?}"
        );
        assert!(frags.contains(&"YWJjZGVm".to_string()));
        assert_eq!(frags.len(), 2);
    }

    #[test]
    fn lowercase_hex_only_touches_escapes() {
        assert_eq!(lowercase_percent_hex("AB%2FCD%c3%A9"), "AB%2fCD%c3%a9");
    }
}
