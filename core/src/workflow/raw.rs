//! The workflow file's structure, checked key by key. Options stay nodes here: their
//! schema belongs to the action type, which the planner asks.

use std::sync::Arc;

use crate::diagnostic::Diagnostics;
use crate::source::{Location, SourceFile};
use crate::yaml::{self, Key, MapReader, Node, NodeValue};

use super::slug::slugify;

const WORKFLOW_KEYS: &[&str] = &[
    "name",
    "description",
    "schedule",
    "concurrency",
    "timeout",
    "resources",
    "actions",
    "links",
];
const ACTION_KEYS: &[&str] = &[
    "name",
    "type",
    "options",
    "description",
    "disabled",
    "local",
];
const LINK_KEYS: &[&str] = &["from", "to", "type"];

/// A workflow file as written.
#[derive(Debug)]
pub struct RawWorkflow {
    /// The whole file's tree, kept for checks over every mapping (duplicate keys).
    pub root: Node,
    pub source: Arc<SourceFile>,
    pub name: String,
    pub description: Option<String>,
    pub schedule: Option<Node>,
    pub concurrency: Option<usize>,
    pub timeout: Option<f64>,
    pub resources: Vec<(Key, Node)>,
    pub actions: Vec<RawAction>,
    /// `None` when the file has no `links:` key (the actions then form a chain in file order).
    pub links: Option<Vec<RawLink>>,
}

#[derive(Debug)]
pub struct RawAction {
    pub name: String,
    /// Where the name's text is (what a duplicate slug points at).
    pub name_location: Location,
    pub slug: String,
    pub type_name: String,
    pub type_location: Location,
    pub options: Node,
    /// Whether `options` came from a JSON string (Tines' paste format), so it is not part of
    /// the file's YAML tree.
    pub options_from_json: bool,
    /// Where a missing option is reported: the `options:` key, else the action itself.
    pub options_location: Location,
    pub description: Option<String>,
    pub disabled: bool,
    pub local: Option<Node>,
    pub location: Location,
}

/// Which events a link carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    Default,
    Failure,
    NoMatch,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Default => "default",
            LinkKind::Failure => "failure",
            LinkKind::NoMatch => "no_match",
        }
    }
}

#[derive(Debug)]
pub struct RawLink {
    pub from: String,
    pub from_location: Location,
    pub to: String,
    pub to_location: Location,
    pub kind: LinkKind,
    /// The `type:` value, when written.
    pub type_location: Option<Location>,
    pub location: Location,
}

impl RawWorkflow {
    /// Parses and checks the structure of one workflow file, reporting every problem found.
    /// Returns `None` when the file is too broken to plan (its problems are in `diags`).
    pub fn read(source: Arc<SourceFile>, diags: &mut Diagnostics) -> Option<RawWorkflow> {
        let root = match yaml::parse(&source.text) {
            Ok(root) => root,
            Err(e) => {
                diags.error(
                    &source,
                    e.location,
                    format!("invalid YAML: {}", e.message),
                    yaml_help(&e.message),
                );
                return None;
            }
        };
        if root.value == NodeValue::Null {
            diags.error(
                &source,
                Location::new(1, 1, 1),
                "the workflow file is empty",
                "start with `name:` and `actions:`; see workflows/ for examples",
            );
            return None;
        }
        if root.as_seq().is_some() {
            diags.error(
                &source,
                root.location,
                "the workflow is a list, but a workflow file is a mapping with `name:` and `actions:`",
                "start the file with `name: <display name>` and `actions:`, and indent this list under `actions:`",
            );
            return None;
        }
        let r = MapReader::new(&source, &root, "the workflow", WORKFLOW_KEYS, diags)?;
        let name = r
            .required_string(
                "name",
                "add `name: <display name>` at the top of the file",
                diags,
            )
            .unwrap_or_default()
            .to_owned();
        let description = r.string("description", diags).map(str::to_owned);
        let concurrency = r
            .integer("concurrency", 1, 10_000, diags)
            .map(|n| n as usize);
        let timeout = r.seconds("timeout", diags);
        let resources = match r.get("resources") {
            Some(node) => match node.as_map() {
                Some(entries) => entries.to_vec(),
                None => {
                    r.type_error("resources", node, "a mapping of names to values", diags);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let actions = match r.required(
            "actions",
            "add an `actions:` list with at least one action",
            diags,
        ) {
            Some(node) => read_actions(&source, node, diags),
            None => Vec::new(),
        };
        let links = r.get("links").map(|node| read_links(&source, node, diags));
        let schedule = r.get("schedule").cloned();
        Some(RawWorkflow {
            root: root.clone(),
            source: source.clone(),
            name,
            description,
            schedule,
            concurrency,
            timeout,
            resources,
            actions,
            links,
        })
    }
}

impl RawWorkflow {
    /// Duplicate keys in mappings no structured reader checked (payloads, headers, resources,
    /// `local:`, options pasted as JSON), so a repeated key is never kept silently.
    pub fn report_duplicate_keys(&self, diags: &mut Diagnostics) {
        yaml::report_duplicate_keys(&self.source, &self.root, diags);
        for action in self.actions.iter().filter(|a| a.options_from_json) {
            yaml::report_duplicate_keys(&self.source, &action.options, diags);
        }
    }
}

fn read_actions(source: &SourceFile, node: &Node, diags: &mut Diagnostics) -> Vec<RawAction> {
    let Some(items) = node.as_seq() else {
        diags.error(
            source,
            node.location,
            format!("`actions` must be a list, found {}", node.kind_name()),
            "write each action as a `- name: …` item",
        );
        return Vec::new();
    };
    if items.is_empty() {
        diags.error(
            source,
            node.location,
            "`actions` is empty",
            "a workflow needs at least one action",
        );
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| read_action(source, i, item, diags))
        .collect()
}

fn read_action(
    source: &SourceFile,
    index: usize,
    node: &Node,
    diags: &mut Diagnostics,
) -> Option<RawAction> {
    let label = node
        .get("name")
        .and_then(Node::as_str)
        .map(|n| format!("action `{}`", slugify(n)))
        .unwrap_or_else(|| format!("action #{}", index + 1));
    let r = MapReader::new(source, node, label.clone(), ACTION_KEYS, diags)?;
    let name = r.required_string(
        "name",
        "give the action a `name:`; its slug is how others read its result",
        diags,
    )?;
    let slug = slugify(name);
    if slug.is_empty() {
        diags.error(
            source,
            r.get("name")?.location,
            format!("action name `{name}` has no letters or digits, so it has no slug"),
            "use a name with letters or digits, e.g. `Get tickets`",
        );
        return None;
    }
    let type_node = r.required(
        "type",
        "add `type: http_request`, `event_transform`, `trigger`, or a plugin action type",
        diags,
    )?;
    let type_name = r.string("type", diags)?.to_owned();
    let name_location = r.get("name")?.location;
    let options_node = r.get("options");
    // The key (`options:`, or its misspelling) whose value the options are.
    let options_location = options_node
        .and_then(|opts| {
            node.as_map()?
                .iter()
                .find(|(_, v)| std::ptr::eq(v, opts))
                .map(|(k, _)| k.location)
        })
        .unwrap_or(node.location);
    let pasted_as_json = options_node.is_some_and(|o| matches!(o.value, NodeValue::Str(_)));
    let options = match options_node {
        None => Node::new(NodeValue::Map(Vec::new()), node.location),
        Some(opts) => match &opts.value {
            NodeValue::Str(json) => options_from_json(source, opts, json, &label, diags)?,
            _ => opts.clone(),
        },
    };
    let local = r.get("local").cloned();
    if let Some(l) = &local {
        if l.as_map().is_none() {
            r.type_error("local", l, "a mapping of names to values", diags);
        }
    }
    Some(RawAction {
        name: name.to_owned(),
        name_location,
        slug,
        type_name,
        type_location: type_node.location,
        options,
        options_from_json: pasted_as_json,
        options_location,
        description: r.string("description", diags).map(str::to_owned),
        disabled: r.bool("disabled", diags).unwrap_or(false),
        local,
        location: node.location,
    })
}

/// Tines' copy/paste format stores `options` as a JSON-encoded string.
fn options_from_json(
    source: &SourceFile,
    node: &Node,
    json: &str,
    label: &str,
    diags: &mut Diagnostics,
) -> Option<Node> {
    // Where the JSON text starts in the file, when the YAML string holds it verbatim on one line
    // (the usual single-quoted paste): then every problem inside gets its own caret.
    let verbatim_column = verbatim_start(source, node, json);
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value @ serde_json::Value::Object(_)) => Some(
            verbatim_column
                .and_then(|column| yaml::located_json(json, node.location.line, column))
                .unwrap_or_else(|| Node::from_json(&value, node.location)),
        ),
        Ok(value) => {
            diags.error(
                source,
                node.location,
                format!(
                    "`options` of {label} is a string holding JSON {}, not a JSON object",
                    json_kind(&value)
                ),
                "write `options:` as a mapping, or as the JSON object string Tines exports (`'{\"url\": …}'`)",
            );
            None
        }
        Err(e) => {
            // serde_json ends its message with " at line L column C"; the caret shows that.
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let reason = full.strip_suffix(&suffix).unwrap_or(&full);
            // serde_json counts bytes from 1; the caret counts characters.
            let chars_before = json
                .get(..e.column().saturating_sub(1).min(json.len()))
                .map(|before| before.chars().count() as u32);
            let location = match (verbatim_column, chars_before) {
                (Some(column), Some(n)) if e.line() == 1 => {
                    Location::new(node.location.line, column + n, 1)
                }
                _ => node.location,
            };
            let help = if e.is_eof() {
                "the JSON text ends too early: check that every `{`, `[` and `\"` is closed; or write `options:` as a YAML mapping"
            } else {
                "fix the JSON at the caret (keys and strings in double quotes, no trailing commas); or write `options:` as a YAML mapping"
            };
            diags.error(
                source,
                location,
                format!("`options` of {label} is a string but not valid JSON: {reason}"),
                help,
            );
            None
        }
    }
}

/// The column of the JSON text's first character, when the YAML scalar at `node` is that text
/// between quotes on a single line, character for character.
fn verbatim_start(source: &SourceFile, node: &Node, json: &str) -> Option<u32> {
    let line = source.line(node.location.line)?;
    let from: String = line
        .chars()
        .skip(node.location.column.checked_sub(1)? as usize)
        .collect();
    let quote = from.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = from.strip_prefix(quote)?;
    (inner.starts_with(json) && inner[json.len()..].starts_with(quote))
        .then_some(node.location.column + 1)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

fn read_links(source: &SourceFile, node: &Node, diags: &mut Diagnostics) -> Vec<RawLink> {
    let Some(items) = node.as_seq() else {
        diags.error(
            source,
            node.location,
            format!("`links` must be a list, found {}", node.kind_name()),
            "write each link as `- {from: a, to: b}`",
        );
        return Vec::new();
    };
    let mut links = Vec::new();
    for item in items {
        let Some(r) = MapReader::new(source, item, "a link", LINK_KEYS, diags) else {
            continue;
        };
        let from = r.required(
            "from",
            "name the slug of the action the link starts at",
            diags,
        );
        let to = r.required("to", "name the slug of the action the link goes to", diags);
        let kind = match r.string("type", diags) {
            None | Some("default") => LinkKind::Default,
            Some("failure") => LinkKind::Failure,
            Some("no_match") => LinkKind::NoMatch,
            Some(other) => {
                let suggestion = yaml::did_you_mean(other, ["default", "failure", "no_match"]);
                diags.push(
                    crate::diagnostic::Diagnostic::new(
                        source,
                        r.get("type").map(|n| n.location).unwrap_or(item.location),
                        format!("unknown link type `{other}`"),
                    )
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help("link types are `default` (or omitted), `failure` and `no_match`"),
                );
                continue;
            }
        };
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let (Some(from_s), Some(to_s)) = (r.string("from", diags), r.string("to", diags)) else {
            continue;
        };
        links.push(RawLink {
            from: from_s.to_owned(),
            from_location: from.location,
            to: to_s.to_owned(),
            to_location: to.location,
            kind,
            type_location: r.get("type").map(|n| n.location),
            location: item.location,
        });
    }
    links
}

fn yaml_help(message: &str) -> String {
    if message.contains("tab") {
        "YAML indentation must use spaces, not tabs: replace the tab with spaces".into()
    } else if message.contains("mapping values") {
        "check this line's indentation against the line above: keys of one mapping start in the same column; a value containing `: ` needs quotes"
            .into()
    } else if message.contains("unclosed quote") {
        "add the matching closing quote at the end of the value".into()
    } else if message.contains("duplicate") {
        "remove one of the two keys; YAML keys must be unique".into()
    } else {
        "fix the YAML syntax at this position (quotes, indentation, brackets)".into()
    }
}
