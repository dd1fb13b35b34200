//! The default-deny list of URLs a credential may be sent to (credentials.md, "Allowed hosts").
//!
//! Hosts are compared after the `url` crate has parsed and normalised them (lower case, IDNA to
//! punycode, IPv4 shorthand and integer forms to dotted quads, IPv6 to its canonical text), and
//! patterns are pushed through the same parser, so both sides are spelled the same way. Only
//! names are compared: nothing is resolved through DNS.
//!
//! `http://2130706433/` and `http://0x7f.1/` parse to `127.0.0.1`, the address the HTTP client
//! will connect to, so a `127.0.0.1` pattern allows them: refusing a spelling of the very same
//! endpoint would protect nothing.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::{Host, Url};

/// A compiled list of `allowed_hosts` patterns; an empty list allows nothing.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    patterns: Vec<String>,
    rules: Vec<Rule>,
}

/// Why an `allowed_hosts` pattern was refused, naming the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written in the configuration.
    pub pattern: String,
    /// What is wrong with it.
    pub problem: PatternProblem,
}

/// The ways an `allowed_hosts` pattern can be malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternProblem {
    /// The pattern is the empty string.
    Empty,
    /// The pattern contains whitespace or a control character.
    Whitespace,
    /// A scheme other than `http` or `https`.
    UnsupportedScheme(String),
    /// A character that would change how a URL is split (`@`, `?`, `#`, `\`).
    ForbiddenCharacter(char),
    /// Nothing where the host should be.
    EmptyHost,
    /// The host does not parse as a domain name or IP address.
    InvalidHost(String),
    /// A `*` anywhere in the host but as the whole leading label `*.`.
    MisplacedWildcard,
    /// `*` alone, which would allow every host.
    BareWildcard,
    /// `*.` in front of an IP address.
    WildcardOnIpAddress,
    /// `*.` in front of a single label such as `*.com`, which would cover a whole top-level domain.
    WildcardTooBroad,
    /// An IPv6 address without the `[…]` brackets that separate it from a port.
    UnbracketedIpv6,
    /// A port that is empty, not a number, 0 or above 65535.
    InvalidPort(String),
    /// A `*` in a path segment that also holds other characters (`/v*/`).
    PathWildcardInSegment,
    /// A `.` or `..` path segment, which URL parsing would resolve away.
    DotSegment,
    /// `//` inside a path pattern.
    EmptyPathSegment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemeRule {
    Any,
    Http,
    Https,
}

#[derive(Debug, Clone)]
enum HostRule {
    Exact(String),
    /// The suffix without its leading dot; the apex itself does not match.
    Subdomains(String),
}

#[derive(Debug, Clone)]
enum Segment {
    Any,
    /// Percent-decoded bytes, compared with the percent-decoded URL segment.
    Literal(Vec<u8>),
}

#[derive(Debug, Clone)]
struct PathRule {
    segments: Vec<Segment>,
    /// A trailing `/*`: one or more further segments of any value.
    any_rest: bool,
}

#[derive(Debug, Clone)]
struct Rule {
    scheme: SchemeRule,
    host: HostRule,
    /// `None`: the URL must use its scheme's default port.
    port: Option<u16>,
    path: Option<PathRule>,
}

/// The parts of a URL that rules are checked against, normalised once per `allows` call.
struct Target {
    scheme: SchemeRule,
    host: String,
    host_is_domain: bool,
    explicit_port: Option<u16>,
    effective_port: Option<u16>,
    /// `None` when a segment could be read by a server as a separator or a dot segment.
    segments: Option<Vec<Vec<u8>>>,
}

impl AllowedHosts {
    /// Compiles patterns; the first malformed one is reported.
    pub fn parse(patterns: &[String]) -> Result<AllowedHosts, PatternError> {
        let rules = patterns
            .iter()
            .map(|p| {
                parse_rule(p).map_err(|problem| PatternError {
                    pattern: p.clone(),
                    problem,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowedHosts {
            patterns: patterns.to_vec(),
            rules,
        })
    }

    /// The list that allows nothing: what a credential without `allowed_hosts` gets.
    pub fn none() -> AllowedHosts {
        AllowedHosts::default()
    }

    /// The patterns as written, for refusal messages.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether a credential may be sent to this URL; never true for schemes other than http(s).
    pub fn allows(&self, url: &Url) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let Some(target) = Target::of(url) else {
            return false;
        };
        self.rules.iter().any(|rule| rule.matches(&target))
    }
}

impl Target {
    fn of(url: &Url) -> Option<Target> {
        let scheme = match url.scheme() {
            "http" => SchemeRule::Http,
            "https" => SchemeRule::Https,
            _ => return None,
        };
        let (host, host_is_domain) = match url.host()? {
            Host::Domain(d) => (strip_one_trailing_dot(d).to_owned(), true),
            Host::Ipv4(a) => (a.to_string(), false),
            Host::Ipv6(a) => (format!("[{a}]"), false),
        };
        Some(Target {
            scheme,
            host,
            host_is_domain,
            explicit_port: url.port(),
            effective_port: url.port_or_known_default(),
            segments: decoded_segments(url.path()),
        })
    }
}

impl Rule {
    fn matches(&self, t: &Target) -> bool {
        let scheme_ok = match self.scheme {
            SchemeRule::Any => true,
            wanted => wanted == t.scheme,
        };
        // `url` drops a port equal to the scheme's default, so `explicit_port == None` means
        // "default port" whichever way the URL spelled it.
        let port_ok = match self.port {
            None => t.explicit_port.is_none(),
            Some(p) => t.effective_port == Some(p),
        };
        let host_ok = match &self.host {
            HostRule::Exact(h) => *h == t.host,
            HostRule::Subdomains(suffix) => {
                t.host_is_domain
                    && t.host.len() > suffix.len() + 1
                    && t.host.ends_with(suffix.as_str())
                    && t.host.as_bytes()[t.host.len() - suffix.len() - 1] == b'.'
            }
        };
        let path_ok = match &self.path {
            None => true,
            Some(rule) => t.segments.as_deref().is_some_and(|s| rule.matches(s)),
        };
        scheme_ok && port_ok && host_ok && path_ok
    }
}

impl PathRule {
    fn matches(&self, segments: &[Vec<u8>]) -> bool {
        let fixed = self.segments.len();
        let count_ok = if self.any_rest {
            segments.len() > fixed
        } else {
            segments.len() == fixed
        };
        count_ok
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(rule, seg)| match rule {
                    // An empty segment is refused: servers often collapse `//`, shifting the rest.
                    Segment::Any => !seg.is_empty(),
                    Segment::Literal(lit) => lit == seg,
                })
    }
}

/// Percent-decoded path segments, or `None` if one of them hides a separator or dot segment
/// that a server decoding the path once more would act on (`%2F`, `%5C`, `..;`).
fn decoded_segments(path: &str) -> Option<Vec<Vec<u8>>> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    rest.split('/')
        .map(|seg| {
            let bytes: Vec<u8> = percent_decode_str(seg).collect();
            let before_params = bytes.split(|&b| b == b';').next().unwrap_or(&[]);
            let hidden = bytes.iter().any(|&b| b == b'/' || b == b'\\')
                || before_params == b"."
                || before_params == b"..";
            (!hidden).then_some(bytes)
        })
        .collect()
}

fn strip_one_trailing_dot(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

fn parse_rule(pattern: &str) -> Result<Rule, PatternProblem> {
    if pattern.is_empty() {
        return Err(PatternProblem::Empty);
    }
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PatternProblem::Whitespace);
    }
    let (scheme, rest) = match pattern.split_once("://") {
        Some((s, rest)) => match s.to_ascii_lowercase().as_str() {
            "http" => (SchemeRule::Http, rest),
            "https" => (SchemeRule::Https, rest),
            _ => return Err(PatternProblem::UnsupportedScheme(s.to_owned())),
        },
        None => (SchemeRule::Any, pattern),
    };
    if let Some(c) = rest.chars().find(|c| matches!(c, '@' | '?' | '#' | '\\')) {
        return Err(PatternProblem::ForbiddenCharacter(c));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let (host, port) = split_port(authority)?;
    let port = port.map(parse_port).transpose()?;
    Ok(Rule {
        scheme,
        host: parse_host(host)?,
        port,
        path: path.map(parse_path).transpose()?.flatten(),
    })
}

fn split_port(authority: &str) -> Result<(&str, Option<&str>), PatternProblem> {
    // `*.[::1]` gets here too, so the wildcard check can name the real problem.
    if authority.starts_with('[') || authority.starts_with("*.[") {
        let Some(close) = authority.find(']') else {
            return Err(PatternProblem::InvalidHost("`[` without `]`".into()));
        };
        let (host, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(PatternProblem::InvalidHost(format!(
                    "unexpected `{after}` after `]`"
                ))),
            },
        };
    }
    match authority.rsplit_once(':') {
        Some((host, _)) if host.contains(':') => Err(PatternProblem::UnbracketedIpv6),
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((authority, None)),
    }
}

fn parse_port(text: &str) -> Result<u16, PatternProblem> {
    let bad = || PatternProblem::InvalidPort(text.to_owned());
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(p) => Ok(p),
    }
}

fn parse_host(host: &str) -> Result<HostRule, PatternProblem> {
    if host.is_empty() {
        return Err(PatternProblem::EmptyHost);
    }
    if host == "*" {
        return Err(PatternProblem::BareWildcard);
    }
    let (wildcard, name) = match host.strip_prefix("*.") {
        Some(suffix) => (true, suffix),
        None => (false, host),
    };
    if name.contains('*') {
        return Err(PatternProblem::MisplacedWildcard);
    }
    if name.is_empty() {
        return Err(PatternProblem::EmptyHost);
    }
    let (normalised, is_domain) = normalise_host(name)?;
    if !wildcard {
        return Ok(HostRule::Exact(normalised));
    }
    if !is_domain {
        return Err(PatternProblem::WildcardOnIpAddress);
    }
    if !normalised.contains('.') {
        return Err(PatternProblem::WildcardTooBroad);
    }
    Ok(HostRule::Subdomains(normalised))
}

/// The host as `url` spells it in a parsed URL, so comparison is plain string equality.
fn normalise_host(name: &str) -> Result<(String, bool), PatternProblem> {
    let url = Url::parse(&format!("http://{name}/"))
        .map_err(|e| PatternProblem::InvalidHost(e.to_string()))?;
    // Characters that split URLs were refused before, so anything but a bare host here means
    // the parser read the text differently from us: refuse rather than guess.
    if !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(PatternProblem::InvalidHost("not a bare host".into()));
    }
    let (host, is_domain) = match url.host() {
        Some(Host::Domain(d)) => (strip_one_trailing_dot(d).to_owned(), true),
        Some(Host::Ipv4(a)) => (a.to_string(), false),
        Some(Host::Ipv6(a)) => (format!("[{a}]"), false),
        None => return Err(PatternProblem::EmptyHost),
    };
    if host.is_empty() {
        return Err(PatternProblem::EmptyHost);
    }
    Ok((host, is_domain))
}

/// `None` for an empty or `/` path: the pattern then restricts nothing about the path.
fn parse_path(path: &str) -> Result<Option<PathRule>, PatternProblem> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    if rest.is_empty() {
        return Ok(None);
    }
    let raw: Vec<&str> = rest.split('/').collect();
    let last = raw.len() - 1;
    let mut rule = PathRule {
        segments: Vec::with_capacity(raw.len()),
        any_rest: false,
    };
    for (i, seg) in raw.iter().enumerate() {
        if *seg == "*" {
            if i == last {
                rule.any_rest = true;
            } else {
                rule.segments.push(Segment::Any);
            }
            continue;
        }
        if seg.contains('*') {
            return Err(PatternProblem::PathWildcardInSegment);
        }
        if seg.is_empty() && i != last {
            return Err(PatternProblem::EmptyPathSegment);
        }
        let decoded: Vec<u8> = percent_decode_str(seg).collect();
        if decoded == b"." || decoded == b".." {
            return Err(PatternProblem::DotSegment);
        }
        rule.segments.push(Segment::Literal(decoded));
    }
    Ok(Some(rule))
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternProblem::Empty => f.write_str("the pattern is empty"),
            PatternProblem::Whitespace => {
                f.write_str("whitespace or control characters are not allowed")
            }
            PatternProblem::UnsupportedScheme(s) => {
                write!(f, "scheme `{s}` is not supported: only http and https")
            }
            PatternProblem::ForbiddenCharacter(c) => write!(f, "`{c}` is not allowed in a pattern"),
            PatternProblem::EmptyHost => f.write_str("the host is empty"),
            PatternProblem::InvalidHost(why) => write!(f, "invalid host: {why}"),
            PatternProblem::MisplacedWildcard => {
                f.write_str("`*` is only allowed as the whole first label, as in `*.example.com`")
            }
            PatternProblem::BareWildcard => f.write_str("`*` alone would allow every host"),
            PatternProblem::WildcardOnIpAddress => f.write_str("`*.` cannot precede an IP address"),
            PatternProblem::WildcardTooBroad => {
                f.write_str("`*.` needs a domain of at least two labels, as in `*.example.com`")
            }
            PatternProblem::UnbracketedIpv6 => {
                f.write_str("IPv6 addresses must be written in brackets, as in `[::1]:8080`")
            }
            PatternProblem::InvalidPort(p) => write!(f, "invalid port `{p}`"),
            PatternProblem::PathWildcardInSegment => {
                f.write_str("`*` in a path must be a whole segment, as in `/api/*/cases`")
            }
            PatternProblem::DotSegment => f.write_str("`.` and `..` path segments are not allowed"),
            PatternProblem::EmptyPathSegment => f.write_str("empty path segment (`//`)"),
        }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "allowed_hosts pattern `{}`: {}",
            self.pattern, self.problem
        )
    }
}

impl std::error::Error for PatternError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(patterns: &[&str]) -> AllowedHosts {
        let owned: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        match AllowedHosts::parse(&owned) {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    fn allows(patterns: &[&str], url: &str) -> bool {
        let url = Url::parse(url).unwrap_or_else(|e| panic!("test URL {url}: {e}"));
        hosts(patterns).allows(&url)
    }

    fn problem(pattern: &str) -> PatternProblem {
        match AllowedHosts::parse(&[pattern.to_string()]) {
            Ok(_) => panic!("`{pattern}` was accepted"),
            Err(e) => {
                assert_eq!(e.pattern, pattern);
                e.problem
            }
        }
    }

    #[test]
    fn empty_list_and_none_allow_nothing() {
        assert!(!AllowedHosts::none().allows(&Url::parse("https://example.com/").unwrap()));
        assert!(!allows(&[], "https://example.com/"));
        assert!(AllowedHosts::none().patterns().is_empty());
    }

    #[test]
    fn patterns_are_kept_as_written() {
        let h = hosts(&["API.Example.com", "*.halopsa.com"]);
        assert_eq!(h.patterns(), ["API.Example.com", "*.halopsa.com"]);
    }

    #[test]
    fn plain_host_allows_both_schemes_on_default_ports() {
        let p = ["api.example.com"];
        assert!(allows(&p, "https://api.example.com/api/Tickets?x=1"));
        assert!(allows(&p, "http://api.example.com/"));
        // Explicit default ports are the same URL once parsed.
        assert!(allows(&p, "https://api.example.com:443/"));
        assert!(allows(&p, "http://api.example.com:80/"));
        assert!(!allows(&p, "https://api.example.com:8443/"));
        assert!(!allows(&p, "https://api.example.com:80/"));
        assert!(!allows(&p, "http://api.example.com:443/"));
        assert!(!allows(&p, "https://other.example.com/"));
        assert!(!allows(&p, "https://sub.api.example.com/"));
    }

    #[test]
    fn only_http_and_https_urls_are_ever_allowed() {
        for url in [
            "ftp://api.example.com/",
            "ws://api.example.com/",
            "wss://api.example.com/",
            "file://api.example.com/etc/passwd",
        ] {
            assert!(!allows(&["api.example.com"], url), "{url}");
        }
    }

    #[test]
    fn host_confusion_tricks_are_refused() {
        let p = ["api.example.com", "example.com"];
        for url in [
            "https://example.com.evil.com/",
            "https://api.example.com.evil.com/",
            "https://user@evil.com/",
            "https://api.example.com@evil.com/",
            "https://api.example.com:443@evil.com/",
            "https://evil.com?x=.example.com",
            "https://evil.com/?x=api.example.com",
            "https://evil.com/#.example.com",
            "https://evil.com/#@api.example.com",
            "https://evil.com/api.example.com",
            "https://evil.com\\@api.example.com/",
            "https://evilexample.com/",
            "https://xn--exmple-cua.com/", // exämple.com, a look-alike
        ] {
            assert!(!allows(&p, url), "{url} was allowed");
        }
    }

    #[test]
    fn userinfo_on_the_right_host_is_still_that_host() {
        assert!(allows(
            &["api.example.com"],
            "https://me:pw@api.example.com/"
        ));
    }

    #[test]
    fn case_and_trailing_dot_are_normalised_on_both_sides() {
        assert!(allows(&["example.com"], "https://EXAMPLE.com./"));
        assert!(allows(&["example.com"], "https://Example.COM/"));
        assert!(allows(&["EXAMPLE.com."], "https://example.com/"));
        assert!(allows(&["*.Example.COM"], "https://API.example.com./"));
        // Only one trailing dot is the same name.
        assert!(!allows(&["example.com"], "https://example.com../"));
    }

    #[test]
    fn idna_forms_are_equivalent() {
        assert!(allows(
            &["bücher.example"],
            "https://xn--bcher-kva.example/"
        ));
        assert!(allows(
            &["xn--bcher-kva.example"],
            "https://bücher.example/"
        ));
        assert!(allows(&["bücher.example"], "https://BÜCHER.example/"));
        assert!(allows(
            &["*.bücher.example"],
            "https://api.xn--bcher-kva.example/"
        ));
        // A full-width dot is mapped to `.` by IDNA, so it names the same host.
        assert!(allows(
            &["api.example.com"],
            "https://api.example\u{3002}com/"
        ));
        assert!(!allows(&["bücher.example"], "https://bucher.example/"));
    }

    #[test]
    fn ipv4_literals_match_in_every_spelling_the_client_connects_to() {
        let p = ["127.0.0.1"];
        assert!(allows(&p, "http://127.0.0.1/"));
        // Decided: integer, hex and shorthand forms are the same address once parsed, and that
        // address is where the request goes, so they are allowed.
        assert!(allows(&p, "http://2130706433/"));
        assert!(allows(&p, "http://0x7f.1/"));
        assert!(allows(&p, "http://127.1/"));
        assert!(allows(&["2130706433"], "http://127.0.0.1/"));
        assert!(!allows(&p, "http://127.0.0.2/"));
        assert!(!allows(&p, "http://localhost/"));
        // An IPv4-mapped IPv6 address is a different host spelling: refused.
        assert!(!allows(&p, "http://[::ffff:127.0.0.1]/"));
    }

    #[test]
    fn ip_literals_with_ports() {
        assert!(allows(&["127.0.0.1:8787"], "http://127.0.0.1:8787/token"));
        assert!(!allows(&["127.0.0.1:8787"], "http://127.0.0.1:8788/"));
        assert!(!allows(&["127.0.0.1:8787"], "http://127.0.0.1/"));
        assert!(allows(&["[::1]:8080"], "http://[0:0:0:0:0:0:0:1]:8080/"));
        assert!(allows(&["[0::1]:8080"], "http://[::1]:8080/"));
        assert!(!allows(&["[::1]:8080"], "http://[::1]/"));
        assert!(!allows(&["[::1]:8080"], "http://[::2]:8080/"));
    }

    #[test]
    fn wildcard_covers_subdomains_at_any_depth_but_not_the_apex() {
        let p = ["*.example.com"];
        assert!(allows(&p, "https://a.example.com/"));
        assert!(allows(&p, "https://a.b.c.example.com/"));
        assert!(!allows(&p, "https://example.com/"));
        assert!(!allows(&p, "https://example.com./"));
        assert!(!allows(&p, "https://badexample.com/"));
        assert!(!allows(&p, "https://a.example.com.evil.com/"));
        assert!(!allows(&p, "https://a.example.co/"));
    }

    #[test]
    fn scheme_in_pattern_restricts_the_scheme() {
        let p = ["https://api.example.com"];
        assert!(allows(&p, "https://api.example.com/x"));
        assert!(!allows(&p, "http://api.example.com/x"));
        assert!(allows(
            &["HTTP://api.example.com"],
            "http://api.example.com/"
        ));
        assert!(!allows(
            &["HTTP://api.example.com"],
            "https://api.example.com/"
        ));
    }

    #[test]
    fn port_in_pattern_requires_that_port() {
        let p = ["api.example.com:8443"];
        assert!(allows(&p, "https://api.example.com:8443/"));
        assert!(allows(&p, "http://api.example.com:8443/"));
        assert!(!allows(&p, "https://api.example.com/"));
        assert!(!allows(&p, "https://api.example.com:8444/"));
        // A port equal to the scheme's default is written away by the parser, yet matches.
        assert!(allows(
            &["https://api.example.com:443"],
            "https://api.example.com/"
        ));
        assert!(!allows(
            &["https://api.example.com:443"],
            "http://api.example.com:443/"
        ));
    }

    #[test]
    fn path_pattern_with_one_segment_wildcard() {
        let p = ["api.example.com/api/*/cases"];
        assert!(allows(&p, "https://api.example.com/api/7/cases"));
        assert!(allows(&p, "https://api.example.com/api/7/cases?page=2#top"));
        assert!(!allows(&p, "https://api.example.com/api/7/cases/1"));
        assert!(!allows(&p, "https://api.example.com/api/7/cases/"));
        assert!(!allows(&p, "https://api.example.com/api/7/other"));
        assert!(!allows(&p, "https://api.example.com/api/7/8/cases"));
        assert!(!allows(&p, "https://api.example.com/api/cases"));
        assert!(!allows(&p, "https://api.example.com/api//cases"));
        assert!(!allows(&p, "https://api.example.com/API/7/cases"));
        assert!(!allows(&p, "https://evil.com/api/7/cases"));
    }

    #[test]
    fn trailing_wildcard_matches_any_rest_but_not_the_bare_prefix() {
        let p = ["api.example.com/api/*"];
        assert!(allows(&p, "https://api.example.com/api/x"));
        assert!(allows(&p, "https://api.example.com/api/x/y/z"));
        assert!(allows(&p, "https://api.example.com/api/"));
        assert!(!allows(&p, "https://api.example.com/api"));
        assert!(!allows(&p, "https://api.example.com/apix"));
        assert!(!allows(&p, "https://api.example.com/admin"));
    }

    #[test]
    fn exact_path_and_root_path_patterns() {
        assert!(allows(
            &["api.example.com/api/Tickets"],
            "https://api.example.com/api/Tickets"
        ));
        assert!(!allows(
            &["api.example.com/api/Tickets"],
            "https://api.example.com/api/Tickets/1"
        ));
        // `/` restricts nothing, like no path at all.
        assert!(allows(
            &["https://api.example.com/"],
            "https://api.example.com/any/where"
        ));
    }

    #[test]
    fn dot_dot_and_encoded_path_tricks_are_refused() {
        let p = ["api.example.com/api/*"];
        // URL parsing resolves these before matching, so they land outside /api/.
        assert!(!allows(&p, "https://api.example.com/api/x/../../admin"));
        assert!(!allows(&p, "https://api.example.com/api/%2e%2e/admin"));
        assert!(!allows(&p, "https://api.example.com/api/.%2E/admin"));
        assert!(!allows(&p, "https://api.example.com/api\\..\\admin"));
        // Encoded separators and `..;` would be acted on by some servers: refused outright.
        assert!(!allows(
            &p,
            "https://api.example.com/api/x%2F..%2F..%2Fadmin"
        ));
        assert!(!allows(&p, "https://api.example.com/api/%2e%2e%2fadmin"));
        assert!(!allows(&p, "https://api.example.com/api/..%5Cadmin"));
        assert!(!allows(&p, "https://api.example.com/api/..;/admin"));
        // Harmless resolution that stays inside is fine.
        assert!(allows(&p, "https://api.example.com/other/../api/x"));
    }

    #[test]
    fn percent_encoding_is_compared_decoded() {
        let p = ["api.example.com/api/*/cases"];
        assert!(allows(&p, "https://api.example.com/api/7/ca%73es"));
        assert!(allows(
            &["api.example.com/api/ä"],
            "https://api.example.com/api/%C3%A4"
        ));
        assert!(!allows(&p, "https://api.example.com/api/7/ca%74es"));
    }

    #[test]
    fn host_only_pattern_ignores_path_tricks() {
        // Without a path pattern any path of the right host is fine, even an odd one.
        assert!(allows(
            &["api.example.com"],
            "https://api.example.com/a%2Fb/..;/c"
        ));
    }

    #[test]
    fn combined_pattern_checks_every_part() {
        let p = ["https://*.example.com:8443/api/*"];
        assert!(allows(&p, "https://a.example.com:8443/api/x"));
        assert!(!allows(&p, "http://a.example.com:8443/api/x"));
        assert!(!allows(&p, "https://a.example.com/api/x"));
        assert!(!allows(&p, "https://example.com:8443/api/x"));
        assert!(!allows(&p, "https://a.example.com:8443/v2/x"));
    }

    #[test]
    fn any_matching_pattern_allows() {
        let p = ["https://a.example.com", "b.example.com:9000"];
        assert!(allows(&p, "https://a.example.com/"));
        assert!(allows(&p, "http://b.example.com:9000/"));
        assert!(!allows(&p, "http://a.example.com/"));
    }

    #[test]
    fn malformed_patterns_are_refused_with_the_reason() {
        assert_eq!(problem(""), PatternProblem::Empty);
        assert_eq!(problem("api.example.com "), PatternProblem::Whitespace);
        assert_eq!(
            problem("ftp://api.example.com"),
            PatternProblem::UnsupportedScheme("ftp".into())
        );
        assert_eq!(
            problem("ws://api.example.com"),
            PatternProblem::UnsupportedScheme("ws".into())
        );
        assert_eq!(problem("https://"), PatternProblem::EmptyHost);
        assert_eq!(problem(":8080"), PatternProblem::EmptyHost);
        assert_eq!(problem("/api/*"), PatternProblem::EmptyHost);
        assert_eq!(problem("*."), PatternProblem::EmptyHost);
        assert_eq!(problem("*"), PatternProblem::BareWildcard);
        assert_eq!(problem("api.*.com"), PatternProblem::MisplacedWildcard);
        assert_eq!(
            problem("*api.example.com"),
            PatternProblem::MisplacedWildcard
        );
        assert_eq!(
            problem("*.*.example.com"),
            PatternProblem::MisplacedWildcard
        );
        assert_eq!(problem("api.example.*"), PatternProblem::MisplacedWildcard);
        assert_eq!(problem("*.com"), PatternProblem::WildcardTooBroad);
        assert_eq!(problem("*.127.0.0.1"), PatternProblem::WildcardOnIpAddress);
        assert_eq!(problem("*.[::1]"), PatternProblem::WildcardOnIpAddress);
        assert_eq!(problem("::1"), PatternProblem::UnbracketedIpv6);
        assert_eq!(
            problem("api.example.com:"),
            PatternProblem::InvalidPort("".into())
        );
        assert_eq!(
            problem("api.example.com:0"),
            PatternProblem::InvalidPort("0".into())
        );
        assert_eq!(
            problem("api.example.com:65536"),
            PatternProblem::InvalidPort("65536".into())
        );
        assert_eq!(
            problem("api.example.com:+80"),
            PatternProblem::InvalidPort("+80".into())
        );
        assert_eq!(
            problem("mailto:someone"),
            PatternProblem::InvalidPort("someone".into())
        );
        assert_eq!(
            problem("user@api.example.com"),
            PatternProblem::ForbiddenCharacter('@')
        );
        assert_eq!(
            problem("api.example.com?x=1"),
            PatternProblem::ForbiddenCharacter('?')
        );
        assert_eq!(
            problem("api.example.com#x"),
            PatternProblem::ForbiddenCharacter('#')
        );
        assert_eq!(
            problem("api.example.com\\api"),
            PatternProblem::ForbiddenCharacter('\\')
        );
        assert_eq!(
            problem("api.example.com/api/v*/x"),
            PatternProblem::PathWildcardInSegment
        );
        assert_eq!(
            problem("api.example.com/api/**"),
            PatternProblem::PathWildcardInSegment
        );
        assert_eq!(
            problem("api.example.com/api/../admin"),
            PatternProblem::DotSegment
        );
        assert_eq!(
            problem("api.example.com/api/%2e%2e/admin"),
            PatternProblem::DotSegment
        );
        assert_eq!(
            problem("api.example.com/api//x"),
            PatternProblem::EmptyPathSegment
        );
        assert!(matches!(problem("[::1"), PatternProblem::InvalidHost(_)));
        assert!(matches!(problem("[::1]x"), PatternProblem::InvalidHost(_)));
        assert!(matches!(
            problem("exa<mple.com"),
            PatternProblem::InvalidHost(_)
        ));
        assert!(matches!(
            problem("256.0.0.1"),
            PatternProblem::InvalidHost(_)
        ));
    }

    #[test]
    fn error_names_the_failing_pattern() {
        let list = vec![
            "ok.example.com".to_string(),
            "ftp://bad.example.com".to_string(),
        ];
        let err = match AllowedHosts::parse(&list) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        };
        assert_eq!(err.pattern, "ftp://bad.example.com");
        let text = err.to_string();
        assert!(text.contains("`ftp://bad.example.com`"), "{text}");
        assert!(text.contains("only http and https"), "{text}");
    }
}
