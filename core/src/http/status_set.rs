//! Status lists such as `retry_on_status` and `log_error_on_status`: codes, `Nxx` classes, `0`.

use std::collections::BTreeSet;
use std::fmt;

use minijinja::Value;
use minijinja::value::ValueKind;

/// A set of HTTP statuses; `0` stands for "no response" (transport error or timeout).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusSet {
    codes: BTreeSet<u16>,
    /// `classes[n]` is set for an `nxx` entry.
    classes: [bool; 10],
}

impl StatusSet {
    /// Parses entries given as numbers (`429`) or strings (`"429"`, `"5xx"`, `"0"`).
    pub fn parse(items: &[Value]) -> Result<Self, StatusSetError> {
        let mut set = StatusSet::default();
        for item in items {
            let text = match item.kind() {
                ValueKind::String => item.as_str().unwrap_or_default().to_owned(),
                ValueKind::Number if item.is_integer() => item.to_string(),
                _ => return Err(StatusSetError::new(shown(item))),
            };
            set.add(&text)?;
        }
        Ok(set)
    }

    /// Parses entries given as text (`"429"`, `"5xx"`, `"0"`).
    pub fn parse_strs<S: AsRef<str>>(items: &[S]) -> Result<Self, StatusSetError> {
        let mut set = StatusSet::default();
        for item in items {
            set.add(item.as_ref())?;
        }
        Ok(set)
    }

    /// Parses a whole option value: a list of entries, or one entry on its own.
    pub fn from_option(value: &Value) -> Result<Self, StatusSetError> {
        match value.kind() {
            ValueKind::Seq => {
                let items: Vec<Value> = value
                    .try_iter()
                    .map_err(|_| StatusSetError::new(shown(value)))?
                    .collect();
                StatusSet::parse(&items)
            }
            ValueKind::None | ValueKind::Undefined => Ok(StatusSet::default()),
            _ => StatusSet::parse(std::slice::from_ref(value)),
        }
    }

    /// The `log_error_on_status` default: `["0", "4xx", "5xx"]`.
    pub fn default_log_error() -> Self {
        let mut set = StatusSet::default();
        set.codes.insert(0);
        set.classes[4] = true;
        set.classes[5] = true;
        set
    }

    /// True when `status` (0 = no response) is in the set.
    pub fn contains(&self, status: u16) -> bool {
        if self.codes.contains(&status) {
            return true;
        }
        let class = usize::from(status / 100);
        (100..=999).contains(&status) && self.classes[class]
    }

    /// True when no status is in the set.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && !self.classes.contains(&true)
    }

    fn add(&mut self, entry: &str) -> Result<(), StatusSetError> {
        let text = entry.trim();
        let bytes = text.as_bytes();
        if !text.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
            match text.parse::<u16>() {
                Ok(code) if code == 0 || (100..=999).contains(&code) => {
                    self.codes.insert(code);
                    return Ok(());
                }
                _ => return Err(StatusSetError::new(entry)),
            }
        }
        if let [digit @ b'1'..=b'9', x1, x2] = bytes
            && x1.eq_ignore_ascii_case(&b'x')
            && x2.eq_ignore_ascii_case(&b'x')
        {
            self.classes[usize::from(digit - b'0')] = true;
            return Ok(());
        }
        Err(StatusSetError::new(entry))
    }
}

/// An entry as the user wrote it: JSON text for non-strings (`true`, not minijinja's `True`).
pub(crate) fn shown(value: &Value) -> String {
    match value.as_str() {
        Some(text) => text.to_owned(),
        None => serde_json::to_string(value).unwrap_or_else(|_| value.to_string()),
    }
}

/// An entry that is neither a status code, an `Nxx` class nor `0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSetError {
    /// The offending entry as given.
    pub entry: String,
}

impl StatusSetError {
    fn new(entry: impl Into<String>) -> Self {
        Self {
            entry: entry.into(),
        }
    }
}

impl fmt::Display for StatusSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid status `{}`: expected a status code such as \"429\", a class such as \"5xx\", or \"0\" for a transport error or timeout",
            self.entry
        )
    }
}

impl std::error::Error for StatusSetError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON")
    }

    #[test]
    fn parses_codes_classes_and_zero_from_strings_and_numbers() {
        let set = StatusSet::from_option(&json(r#"["429", 503, "4XX", "0", " 302 "]"#)).unwrap();
        for status in [0, 429, 503, 400, 404, 499, 302] {
            assert!(set.contains(status), "{status}");
        }
        for status in [200, 301, 500, 502, 599, 1000, 42] {
            assert!(!set.contains(status), "{status}");
        }
    }

    #[test]
    fn default_log_error_is_zero_4xx_5xx() {
        let set = StatusSet::default_log_error();
        assert_eq!(set, StatusSet::parse_strs(&["0", "4xx", "5xx"]).unwrap());
        assert!(set.contains(0) && set.contains(401) && set.contains(599));
        assert!(!set.contains(200) && !set.contains(399) && !set.contains(600));
    }

    #[test]
    fn empty_list_contains_nothing() {
        let set = StatusSet::from_option(&json("[]")).unwrap();
        assert!(set.is_empty());
        assert!(!set.contains(0) && !set.contains(500));
        assert!(!StatusSet::default_log_error().is_empty());
    }

    #[test]
    fn a_single_entry_is_accepted_without_a_list() {
        assert!(StatusSet::from_option(&json("429")).unwrap().contains(429));
    }

    #[test]
    fn bad_entries_are_named_in_the_error() {
        for (bad, shown) in [
            (r#"["5xx", "abc"]"#, "abc"),
            (r#"["99"]"#, "99"),
            (r#"["1000"]"#, "1000"),
            (r#"["0xx"]"#, "0xx"),
            (r#"["5x"]"#, "5x"),
            (r#"["-1"]"#, "-1"),
            (r#"[""]"#, ""),
            (r#"[429.5]"#, "429.5"),
            (r#"[true]"#, "true"),
            (r#"[70000]"#, "70000"),
        ] {
            let err = StatusSet::from_option(&json(bad)).unwrap_err();
            assert_eq!(err.entry, shown, "{bad}");
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid status `{shown}`"))
            );
        }
    }
}
