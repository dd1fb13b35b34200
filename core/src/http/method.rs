//! The `method` option: the seven methods an `http_request` action may use.

use std::fmt;
use std::str::FromStr;

/// An HTTP method allowed in the `method` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

/// Every accepted method, in the order error messages list them.
const ALL: [Method; 7] = [
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Head,
    Method::Options,
];

impl Method {
    /// Parses a method name in any case, ignoring surrounding whitespace.
    pub fn parse(text: &str) -> Result<Self, MethodError> {
        let wanted = text.trim();
        ALL.into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| MethodError {
                given: text.to_owned(),
            })
    }

    /// The lower-case option spelling (`get`, `post`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
            Method::Options => "options",
        }
    }

    /// The name on the wire (`GET`, `POST`, …), as progress lines and previews show it.
    pub fn http_name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// The method as reqwest needs it.
    pub fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            Method::Options => reqwest::Method::OPTIONS,
        }
    }
}

/// True when the payload goes into the query string rather than the body.
pub fn sends_payload_as_query(method: Method) -> bool {
    matches!(
        method,
        Method::Get | Method::Head | Method::Delete | Method::Options
    )
}

impl FromStr for Method {
    type Err = MethodError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Method::parse(text)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `method` option that names no supported method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodError {
    /// The text as given.
    pub given: String,
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<&str> = ALL.iter().map(|method| method.as_str()).collect();
        write!(
            f,
            "unknown method `{}`; expected one of: {}",
            self.given,
            valid.join(", ")
        )
    }
}

impl std::error::Error for MethodError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_method_in_any_case() {
        let cases = [
            ("get", Method::Get, reqwest::Method::GET),
            ("POST", Method::Post, reqwest::Method::POST),
            ("Put", Method::Put, reqwest::Method::PUT),
            ("pAtCh", Method::Patch, reqwest::Method::PATCH),
            ("DELETE", Method::Delete, reqwest::Method::DELETE),
            (" head ", Method::Head, reqwest::Method::HEAD),
            ("Options", Method::Options, reqwest::Method::OPTIONS),
        ];
        for (text, method, wire) in cases {
            assert_eq!(Method::parse(text), Ok(method), "{text}");
            assert_eq!(method.to_reqwest(), wire);
            assert_eq!(method.http_name(), wire.as_str());
            assert_eq!(text.parse::<Method>(), Ok(method));
        }
    }

    #[test]
    fn unknown_method_lists_the_valid_ones() {
        for bad in ["fetch", "", "TRACE", "connect", "g et"] {
            let err = Method::parse(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "unknown method `{bad}`; expected one of: get, post, put, patch, delete, head, options"
                )
            );
        }
    }

    #[test]
    fn query_methods_are_get_head_delete_options() {
        let query: Vec<Method> = ALL
            .into_iter()
            .filter(|method| sends_payload_as_query(*method))
            .collect();
        assert_eq!(
            query,
            vec![Method::Get, Method::Delete, Method::Head, Method::Options]
        );
    }
}
