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
    pub slug: String,
    pub type_name: String,
    pub type_location: Location,
    pub options: Node,
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
    let options = match r.get("options") {
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
        slug,
        type_name,
        type_location: type_node.location,
        options,
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
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value @ serde_json::Value::Object(_)) => Some(Node::from_json(&value, node.location)),
        Ok(_) => {
            diags.error(
                source,
                node.location,
                format!("`options` of {label} is a string that is not a JSON object"),
                "write `options:` as a mapping, or as a JSON object string as Tines exports it",
            );
            None
        }
        Err(e) => {
            diags.error(
                source,
                node.location,
                format!("`options` of {label} is a string but not valid JSON: {e}"),
                "write `options:` as a mapping, or paste the JSON object Tines exports",
            );
            None
        }
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
            location: item.location,
        });
    }
    links
}

fn yaml_help(message: &str) -> String {
    if message.contains("tab") {
        "YAML indentation must use spaces, not tabs".into()
    } else if message.contains("mapping values") {
        "check the indentation of this line and the one above; a value containing `: ` needs quotes"
            .into()
    } else if message.contains("duplicate") {
        "remove one of the two keys; YAML keys must be unique".into()
    } else {
        "fix the YAML syntax at this position (quotes, indentation, brackets)".into()
    }
}
