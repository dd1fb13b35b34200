//! A small JSON Schema subset for plugin options: `type`, `properties`, `required`,
//! `additionalProperties`, `enum`, `items`, `minimum`, `maximum` (other keywords, such as
//! `description` and `default`, are documentation). Checked on YAML nodes at `relay validate`,
//! with line and column, and again on the rendered values before each call.

use serde_json::{Map, Value};

use crate::source::Location;
use crate::yaml::{Node, NodeValue, did_you_mean};

const TYPES: &[&str] = &[
    "object", "array", "string", "integer", "number", "boolean", "null",
];

/// One way the options do not match the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub location: Location,
    pub message: String,
    pub suggestion: Option<String>,
    pub help: Option<String>,
}

/// Checks that `schema` uses the supported keywords correctly, so a plugin's mistake is found
/// when it loads, not when a user's options are checked.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    check_at(schema, "the schema")?;
    match schema.get("type") {
        None => Ok(()),
        Some(Value::String(t)) if t == "object" => Ok(()),
        Some(other) => Err(format!(
            "the schema's root must have `type: object` (options are a mapping), found {other}"
        )),
    }
}

fn check_at(schema: &Value, at: &str) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Err(format!("{at} must be a JSON object"));
    };
    if let Some(t) = obj.get("type") {
        let names: Vec<&Value> = match t {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        for n in names {
            match n.as_str() {
                Some(name) if TYPES.contains(&name) => {}
                _ => {
                    return Err(format!(
                        "{at}: `type` {n} is not one of {}",
                        TYPES.join(", ")
                    ));
                }
            }
        }
    }
    if let Some(props) = obj.get("properties") {
        let Some(props) = props.as_object() else {
            return Err(format!("{at}: `properties` must be an object"));
        };
        for (k, v) in props {
            check_at(v, &format!("{at} of property `{k}`"))?;
        }
    }
    if let Some(req) = obj.get("required")
        && !req
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string))
    {
        return Err(format!("{at}: `required` must be a list of names"));
    }
    match obj.get("additionalProperties") {
        None | Some(Value::Bool(_)) => {}
        Some(s) => check_at(s, &format!("{at}'s additionalProperties"))?,
    }
    if let Some(items) = obj.get("items") {
        check_at(items, &format!("{at}'s items"))?;
    }
    if obj.get("enum").is_some_and(|e| !e.is_array()) {
        return Err(format!("{at}: `enum` must be a list"));
    }
    for bound in ["minimum", "maximum"] {
        if obj.get(bound).is_some_and(|b| !b.is_number()) {
            return Err(format!("{at}: `{bound}` must be a number"));
        }
    }
    Ok(())
}

/// The shape of a value, whichever tree it comes from.
enum View<'a, I> {
    Null,
    Bool,
    Int(i128),
    Float(f64),
    Str(&'a str),
    Seq(Vec<&'a I>),
    Map(Vec<(&'a str, Location, &'a I)>),
}

/// A YAML node (with positions) or a rendered JSON value (without).
trait Instance: Sized {
    fn view(&self) -> View<'_, Self>;
    fn location(&self) -> Location;
    fn to_json(&self) -> Value;
}

impl Instance for Node {
    fn view(&self) -> View<'_, Node> {
        match &self.value {
            NodeValue::Null => View::Null,
            NodeValue::Bool(_) => View::Bool,
            NodeValue::Int(i) => View::Int(i128::from(*i)),
            NodeValue::UInt(u) => View::Int(i128::from(*u)),
            NodeValue::Float(f) => View::Float(*f),
            NodeValue::Str(s) => View::Str(s),
            NodeValue::Seq(items) => View::Seq(items.iter().collect()),
            NodeValue::Map(entries) => View::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.as_str(), k.location, v))
                    .collect(),
            ),
        }
    }
    fn location(&self) -> Location {
        self.location
    }
    fn to_json(&self) -> Value {
        serde_json::to_value(self.to_value()).unwrap_or(Value::Null)
    }
}

impl Instance for Value {
    fn view(&self) -> View<'_, Value> {
        match self {
            Value::Null => View::Null,
            Value::Bool(_) => View::Bool,
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => View::Int(i128::from(i)),
                (_, Some(u)) => View::Int(i128::from(u)),
                _ => View::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => View::Str(s),
            Value::Array(items) => View::Seq(items.iter().collect()),
            Value::Object(map) => View::Map(
                map.iter()
                    .map(|(k, v)| (k.as_str(), Location::UNKNOWN, v))
                    .collect(),
            ),
        }
    }
    fn location(&self) -> Location {
        Location::UNKNOWN
    }
    fn to_json(&self) -> Value {
        self.clone()
    }
}

/// Checks written options (a YAML mapping). `what` names them in messages ("credential
/// `halo`"); `top_keys_checked`: unknown and duplicate keys at the top were reported already.
pub fn validate_node(
    schema: &Value,
    node: &Node,
    what: &str,
    top_keys_checked: bool,
) -> Vec<Violation> {
    let mut v = Validator {
        what,
        top_keys_checked,
        out: Vec::new(),
    };
    v.check(schema, node, "");
    v.out
}

/// Checks rendered options; the messages have no position.
pub fn validate_value(schema: &Value, value: &Map<String, Value>, what: &str) -> Vec<String> {
    let mut v = Validator {
        what,
        top_keys_checked: false,
        out: Vec::new(),
    };
    v.check(schema, &Value::Object(value.clone()), "");
    v.out.into_iter().map(|v| v.message).collect()
}

struct Validator<'w> {
    what: &'w str,
    top_keys_checked: bool,
    out: Vec<Violation>,
}

impl Validator<'_> {
    fn name(&self, path: &str) -> String {
        if path.is_empty() {
            self.what.to_owned()
        } else {
            format!("`{path}` in {}", self.what)
        }
    }

    fn push(&mut self, location: Location, message: String, help: Option<String>) {
        self.out.push(Violation {
            location,
            message,
            suggestion: None,
            help,
        });
    }

    fn check<I: Instance>(&mut self, schema: &Value, inst: &I, path: &str) {
        let view = inst.view();
        // A formula's value is known only when it runs; the rendered value is checked then.
        if let View::Str(s) = &view
            && (s.contains("<<") || s.contains("<%"))
        {
            return;
        }
        let help = schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(t) = schema.get("type") {
            let wanted: Vec<&str> = match t {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            if !wanted.iter().any(|w| matches_type(w, &view)) {
                let message = format!(
                    "{} must be {}, found {}",
                    self.name(path),
                    wanted
                        .iter()
                        .map(|w| article(w))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    kind(&view)
                );
                self.push(inst.location(), message, help);
                return;
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            let actual = inst.to_json();
            if !allowed.iter().any(|a| json_equal(a, &actual)) {
                let shown: Vec<String> = allowed.iter().map(Value::to_string).collect();
                let suggestion = match &view {
                    View::Str(s) => did_you_mean(s, allowed.iter().filter_map(Value::as_str))
                        .map(|s| format!("did you mean `{s}`?")),
                    _ => None,
                };
                self.out.push(Violation {
                    location: inst.location(),
                    message: format!(
                        "{} is {actual}; expected one of: {}",
                        self.name(path),
                        shown.join(", ")
                    ),
                    suggestion,
                    help,
                });
                return;
            }
        }
        let number = match view {
            View::Int(i) => Some(i as f64),
            View::Float(f) => Some(f),
            _ => None,
        };
        if let Some(n) = number {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                let message = format!(
                    "{} is {}, below the minimum {}",
                    self.name(path),
                    show(n),
                    show(min)
                );
                self.push(inst.location(), message, help.clone());
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                let message = format!(
                    "{} is {}, above the maximum {}",
                    self.name(path),
                    show(n),
                    show(max)
                );
                self.push(inst.location(), message, help.clone());
            }
        }
        match view {
            View::Map(entries) => self.check_map(schema, inst.location(), &entries, path),
            View::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, *item, &format!("{path}[{i}]"));
                    }
                }
            }
            _ => {}
        }
    }

    fn check_map<I: Instance>(
        &mut self,
        schema: &Value,
        location: Location,
        entries: &[(&str, Location, &I)],
        path: &str,
    ) {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let keys_checked = path.is_empty() && self.top_keys_checked;
        let mut seen: Vec<(&str, u32)> = Vec::new();
        for (key, key_location, value) in entries {
            if let Some((_, line)) = seen.iter().find(|(k, _)| k == key) {
                if !keys_checked {
                    let message = format!(
                        "duplicate key `{key}` in {} (first written on line {line})",
                        self.name(path)
                    );
                    self.push(
                        *key_location,
                        message,
                        Some("remove one of the two; YAML keys must be unique".into()),
                    );
                }
                continue;
            }
            seen.push((key, key_location.line));
            let child = if path.is_empty() {
                (*key).to_owned()
            } else {
                format!("{path}.{key}")
            };
            if let Some(s) = props.get(*key) {
                self.check(s, *value, &child);
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) if !keys_checked => {
                    let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    self.out.push(Violation {
                        location: *key_location,
                        message: format!("unknown key `{key}` in {}", self.name(path)),
                        suggestion: did_you_mean(key, names.iter().copied())
                            .map(|s| format!("did you mean `{s}`?")),
                        help: Some(format!("the keys allowed here are: {}", names.join(", "))),
                    });
                }
                Some(s @ Value::Object(_)) => self.check(s, *value, &child),
                _ => {}
            }
        }
        if let Some(Value::Array(required)) = schema.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !entries.iter().any(|(k, _, _)| *k == key) {
                    let help = props
                        .get(key)
                        .and_then(|p| p.get("description"))
                        .and_then(Value::as_str)
                        .map(|d| format!("add `{key}:` ({d})"))
                        .unwrap_or_else(|| format!("add `{key}:`"));
                    let message = format!("`{key}` is required in {}", self.name(path));
                    self.push(location, message, Some(help));
                }
            }
        }
    }
}

fn matches_type<I>(wanted: &str, view: &View<'_, I>) -> bool {
    match (wanted, view) {
        ("object", View::Map(_))
        | ("array", View::Seq(_))
        | ("string", View::Str(_))
        | ("boolean", View::Bool)
        | ("null", View::Null)
        | ("integer" | "number", View::Int(_))
        | ("number", View::Float(_)) => true,
        ("integer", View::Float(f)) => f.fract() == 0.0 && f.is_finite(),
        _ => false,
    }
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        "null" => "null".into(),
        other => format!("a {other}"),
    }
}

fn kind<I>(view: &View<'_, I>) -> &'static str {
    match view {
        View::Null => "null",
        View::Bool => "a boolean",
        View::Int(_) => "an integer",
        View::Float(_) => "a number",
        View::Str(_) => "a string",
        View::Seq(_) => "a list",
        View::Map(_) => "a mapping",
    }
}

/// Numbers compare by value (`3` equals `3.0`), everything else structurally.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn show(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "tenant": {"type": "string", "description": "the Halo tenant"},
                "grant": {"type": "string", "enum": ["refresh_token", "client_credentials", "password"]},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
                "tags": {"type": "array", "items": {"type": "string"}},
                "nested": {"type": "object", "properties": {"a": {"type": "boolean"}},
                           "additionalProperties": false}
            },
            "required": ["tenant"],
            "additionalProperties": false
        })
    }

    fn node(yaml: &str) -> Node {
        crate::yaml::parse(yaml).expect("valid YAML")
    }

    #[test]
    fn valid_options_pass() {
        let n = node(
            "tenant: acme\ngrant: password\npage_size: 100\ntags: [a, b]\nnested: {a: true}\n",
        );
        assert_eq!(
            validate_node(&schema(), &n, "credential `halo`", false),
            vec![]
        );
    }

    #[test]
    fn each_violation_has_its_line_column_and_fix() {
        let n = node(
            "tennant: acme\ngrant: refresh_tokens\npage_size: 150\ntags: [a, 3]\nnested: {b: 1}\n",
        );
        let v = validate_node(&schema(), &n, "credential `halo`", false);
        let messages: Vec<&str> = v.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "unknown key `tennant` in credential `halo`",
                "`grant` in credential `halo` is \"refresh_tokens\"; expected one of: \"refresh_token\", \"client_credentials\", \"password\"",
                "`page_size` in credential `halo` is 150, above the maximum 100",
                "`tags[1]` in credential `halo` must be a string, found an integer",
                "unknown key `b` in `nested` in credential `halo`",
                "`tenant` is required in credential `halo`",
            ]
        );
        assert_eq!(v[0].suggestion.as_deref(), Some("did you mean `tenant`?"));
        assert_eq!((v[0].location.line, v[0].location.column), (1, 1));
        assert_eq!(
            v[1].suggestion.as_deref(),
            Some("did you mean `refresh_token`?")
        );
        assert_eq!(v[2].location.line, 3);
        assert_eq!(
            v[5].help.as_deref(),
            Some("add `tenant:` (the Halo tenant)")
        );
    }

    #[test]
    fn formulas_are_left_for_run_time_and_checked_after_rendering() {
        let n = node("tenant: acme\npage_size: <<RESOURCE.page_size>>\n");
        assert_eq!(validate_node(&schema(), &n, "x", false), vec![]);
        let rendered = json!({"tenant": "acme", "page_size": 0});
        assert_eq!(
            validate_value(
                &schema(),
                rendered.as_object().unwrap(),
                "the options of action `t`"
            ),
            vec!["`page_size` in the options of action `t` is 0, below the minimum 1".to_owned()]
        );
    }

    #[test]
    fn keys_already_checked_by_the_caller_are_not_reported_twice() {
        let n = node("tenant: acme\nextra: 1\n");
        assert_eq!(validate_node(&schema(), &n, "x", true), vec![]);
        assert_eq!(validate_node(&schema(), &n, "x", false).len(), 1);
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let n = node("tenant: a\ntenant: b\n");
        let v = validate_node(&schema(), &n, "x", false);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "duplicate key `tenant` in x (first written on line 1)"
        );
    }

    #[test]
    fn integral_floats_are_integers_and_types_may_be_lists() {
        let s = json!({"type": "object", "properties": {"n": {"type": "integer"}, "m": {"type": ["string", "null"]}}});
        assert!(validate_node(&s, &node("n: 5.0\nm: null\n"), "x", false).is_empty());
        let v = validate_node(&s, &node("n: 5.5\nm: 1\n"), "x", false);
        assert_eq!(
            v[1].message,
            "`m` in x must be a string or null, found an integer"
        );
    }

    #[test]
    fn malformed_schemas_are_refused_at_load() {
        assert!(check_schema(&schema()).is_ok());
        assert!(
            check_schema(&json!({"type": "objekt"}))
                .unwrap_err()
                .contains("not one of")
        );
        assert!(
            check_schema(&json!({"type": "array"}))
                .unwrap_err()
                .contains("root must have `type: object`")
        );
        assert!(
            check_schema(&json!({"properties": {"a": {"minimum": "1"}}}))
                .unwrap_err()
                .contains("`minimum` must be a number")
        );
        assert!(check_schema(&json!({"required": "a"})).is_err());
        assert!(check_schema(&json!([])).is_err());
    }
}
