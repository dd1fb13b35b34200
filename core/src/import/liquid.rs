//! Legacy Tines values (schema 3 era) are Liquid templates. This turns one such string into a
//! Relay value: `{{ .x.y }}` → `<<x.y>>`, `{% credential x %}` → `<<CREDENTIAL.x>>`,
//! `{% global_resource x %}` → `<<RESOURCE.x>>`. What has no formula equivalent stays as text
//! (Relay passes `{{ }}` and `{% %}` through) and is reported.

use super::liquid_expr::convert_output;
use super::text_escape::{escape_leading_equals, escape_text};

/// Liquid tags that steer rendering; a value using them cannot be converted piece by piece.
const CONTROL_TAGS: &[&str] = &[
    "if",
    "elsif",
    "else",
    "endif",
    "unless",
    "endunless",
    "case",
    "when",
    "endcase",
    "for",
    "endfor",
    "break",
    "continue",
    "assign",
    "capture",
    "endcapture",
    "comment",
    "endcomment",
    "raw",
    "endraw",
    "cycle",
    "increment",
    "decrement",
    "tablerow",
    "endtablerow",
    "liquid",
    "echo",
    "render",
    "include",
];

/// A converted value and what could not be converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub value: String,
    pub issues: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Seg<'a> {
    Text(&'a str),
    Output { raw: &'a str, inner: &'a str },
    Tag { raw: &'a str, inner: &'a str },
}

/// True when the string holds Liquid markup.
pub fn has_liquid(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Byte offset just past `close`, searching from `from`; quotes inside are skipped when they
/// balance, otherwise the first `close` wins.
fn find_close(s: &str, from: usize, close: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if bytes[i..].starts_with(close.as_bytes()) => return Some(i + close.len()),
            None => {}
        }
        i += 1;
    }
    s[from..].find(close).map(|p| from + p + close.len())
}

fn segments(s: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let next = [s[i..].find("{{"), s[i..].find("{%")]
            .into_iter()
            .flatten()
            .min();
        let Some(pos) = next else { break };
        let open = i + pos;
        let (close, is_tag) = if s[open..].starts_with("{{") {
            ("}}", false)
        } else {
            ("%}", true)
        };
        let Some(end) = find_close(s, open + 2, close) else {
            break;
        };
        if open > i {
            out.push(Seg::Text(&s[i..open]));
        }
        let raw = &s[open..end];
        let inner = raw[2..raw.len() - 2]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push(if is_tag {
            Seg::Tag { raw, inner }
        } else {
            Seg::Output { raw, inner }
        });
        i = end;
    }
    if i < s.len() {
        out.push(Seg::Text(&s[i..]));
    }
    out
}

fn tag_name(inner: &str) -> &str {
    inner.split_whitespace().next().unwrap_or("")
}

fn short(raw: &str) -> String {
    if raw.chars().count() > 60 {
        format!("{}…", raw.chars().take(57).collect::<String>())
    } else {
        raw.to_owned()
    }
}

enum Piece {
    Text(String),
    Pill(String),
}

/// A name under `CREDENTIAL`/`RESOURCE`: dotted when it is an identifier, bracketed otherwise.
fn namespaced(root: &str, name: &str, issues: &mut Vec<String>) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{root}.{name}")
    } else {
        let quoted = serde_json::to_string(name).unwrap_or_default();
        issues.push(format!(
            "`{name}` is not a plain name; written as `<<{root}[{quoted}]>>`, consider renaming it"
        ));
        format!("{root}[{quoted}]")
    }
}

fn convert_tag(raw: &str, inner: &str, issues: &mut Vec<String>) -> Piece {
    let name = tag_name(inner);
    let arg = inner[name.len()..].trim();
    match name {
        "credential" if !arg.is_empty() => Piece::Pill(namespaced("CREDENTIAL", arg, issues)),
        "global_resource" if !arg.is_empty() => Piece::Pill(namespaced("RESOURCE", arg, issues)),
        "line_break" => Piece::Text("\n".into()),
        "story_run_guid" => {
            issues.push(format!("Liquid `{}` has no formula equivalent (Relay's run id is `<<META.run.id>>`); kept as text", short(raw)));
            Piece::Text(raw.into())
        }
        "prompt" => {
            issues.push(format!(
                "Liquid `{}` (a Tines prompt link) has no Relay equivalent; kept as text",
                short(raw)
            ));
            Piece::Text(raw.into())
        }
        _ => {
            issues.push(format!(
                "Liquid tag `{}` has no Relay equivalent; kept as text",
                short(raw)
            ));
            Piece::Text(raw.into())
        }
    }
}

/// Converts one legacy string value.
pub fn convert(s: &str) -> Converted {
    let segs = segments(s);
    let mut issues = Vec::new();
    let control: Vec<&str> = segs
        .iter()
        .filter_map(|seg| match seg {
            Seg::Tag { inner, .. } if CONTROL_TAGS.contains(&tag_name(inner)) => {
                Some(tag_name(inner))
            }
            _ => None,
        })
        .collect();
    if !control.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for n in control {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let listed = names
            .iter()
            .map(|n| format!("{{% {n} %}}"))
            .collect::<Vec<_>>()
            .join(", ");
        issues.push(format!("Liquid logic ({listed}) has no direct conversion; the value was kept as Liquid text (rewrite it with `<% %>` blocks and `<<…>>`)"));
        return Converted {
            value: escape_leading_equals(escape_text(s)),
            issues,
        };
    }
    let mut pieces = Vec::new();
    for seg in segs {
        match seg {
            Seg::Text(t) => pieces.push(Piece::Text(t.into())),
            Seg::Tag { raw, inner } => pieces.push(convert_tag(raw, inner, &mut issues)),
            Seg::Output { raw, inner } => match convert_output(inner) {
                Ok(expr) => pieces.push(Piece::Pill(expr)),
                Err(why) => {
                    issues.push(format!("Liquid `{}` kept as text: {why}", short(raw)));
                    pieces.push(Piece::Text(raw.into()));
                }
            },
        }
    }
    let value = match pieces.as_slice() {
        [Piece::Pill(expr)] => format!("<<{expr}>>"),
        _ => {
            let mut out = String::new();
            for piece in &pieces {
                match piece {
                    Piece::Text(t) => out.push_str(&escape_text(t)),
                    Piece::Pill(expr) => {
                        out.push_str("<<");
                        out.push_str(expr);
                        out.push_str(">>");
                    }
                }
            }
            escape_leading_equals(out)
        }
    };
    let mut unique = Vec::new();
    for issue in issues {
        if !unique.contains(&issue) {
            unique.push(issue);
        }
    }
    Converted {
        value,
        issues: unique,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        let c = convert(s);
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        c.value
    }

    #[test]
    fn outputs_become_pills() {
        assert_eq!(ok("{{.receive_events.users}}"), "<<receive_events.users>>");
        assert_eq!(
            ok("the event contained {{ .somekey }}"),
            "the event contained <<somekey>>"
        );
        assert_eq!(
            ok("https://sqs.{{ .RESOURCE.aws_region }}.amazonaws.com/{{ .RESOURCE.aws_account }}/"),
            "https://sqs.<<RESOURCE.aws_region>>.amazonaws.com/<<RESOURCE.aws_account>>/"
        );
        assert_eq!(ok(" {{ .CREDENTIAL.aws_key }}"), " <<CREDENTIAL.aws_key>>");
        assert_eq!(ok("{{.entry.body | as_object }}"), "<<entry.body>>");
    }

    #[test]
    fn tines_tags() {
        assert_eq!(
            ok("{% credential HybridAnalysisAPI %}"),
            "<<CREDENTIAL.HybridAnalysisAPI>>"
        );
        assert_eq!(
            ok("admin:{% credential servicenow %}"),
            "admin:<<CREDENTIAL.servicenow>>"
        );
        assert_eq!(
            ok("https://{% global_resource demo_servicenow_fqdn %}/api"),
            "https://<<RESOURCE.demo_servicenow_fqdn>>/api"
        );
        assert_eq!(ok("a{% line_break %}b"), "a\nb");
        let c = convert("{% credential report-phishing-imap %}");
        assert_eq!(c.value, "<<CREDENTIAL[\"report-phishing-imap\"]>>");
        assert_eq!(c.issues.len(), 1);
    }

    #[test]
    fn tags_without_equivalent_are_kept_and_reported() {
        let c = convert("<a href=\"{% prompt isolate_asset %}\">here</a> {{.x}}");
        assert_eq!(
            c.value,
            "<a href=\"{% prompt isolate_asset %}\">here</a> <<x>>"
        );
        assert!(c.issues[0].contains("prompt"));
        let c = convert("{% story_run_guid %}");
        assert_eq!(c.value, "{% story_run_guid %}");
        assert!(c.issues[0].contains("META.run.id"));
    }

    #[test]
    fn control_flow_keeps_the_whole_value() {
        let s = "{% if a.rule_matched %}false{% elsif b %}error{% else %}{{.c.d}}{% endif %}";
        let c = convert(s);
        assert_eq!(c.value, s);
        assert_eq!(c.issues.len(), 1);
        assert!(
            c.issues[0].contains("{% if %}, {% elsif %}, {% else %}, {% endif %}"),
            "{}",
            c.issues[0]
        );
    }

    #[test]
    fn unconvertible_outputs_stay_and_the_rest_converts() {
        let c = convert("{{ signature | hmac_sha1: key }} and {{ .x }}");
        assert_eq!(c.value, "{{ signature | hmac_sha1: key }} and <<x>>");
        assert!(c.issues[0].contains("hmac_sha1"));
    }

    #[test]
    fn literal_text_is_escaped() {
        assert_eq!(ok("a << b {{ .x }}"), "a \\<< b <<x>>");
        assert_eq!(ok("=not a formula"), "\\=not a formula");
        assert_eq!(ok("plain"), "plain");
        assert_eq!(ok("{{ unclosed"), "{{ unclosed");
    }

    #[test]
    fn non_ascii_text_around_tags() {
        assert_eq!(
            ok("‘{{ .x }}’ – “{% credential c %}” é"),
            "‘<<x>>’ – “<<CREDENTIAL.c>>” é"
        );
        assert_eq!(ok("{{ 'é’' }}"), "<<\"é’\">>");
    }

    #[test]
    fn whitespace_control_dashes_are_ignored() {
        assert_eq!(ok("{{- .x -}}"), "<<x>>");
    }
}
