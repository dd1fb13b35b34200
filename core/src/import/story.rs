//! Reading a Tines document into one model, whichever dialect it is: the story export
//! (snake_case, `Agents::…` types, schema 3 to 27) or the copy/paste format of the Tines UI
//! (camelCase, `httpRequest` types, `options` as a JSON string). Nested child stories in
//! `send_to_stories` come along as children.

use super::ImportError;
use super::json::Json;
use super::slug::slugify;

/// What Relay can make of a Tines action type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HttpRequest,
    EventTransform,
    Trigger,
    Webhook,
    SendToStory,
    /// Any other Tines action (email, IMAP, form, AI…).
    Other,
}

impl Kind {
    fn from_type(type_name: &str) -> Kind {
        let bare = type_name.strip_prefix("Agents::").unwrap_or(type_name);
        let bare = bare.strip_suffix("Agent").unwrap_or(bare);
        match bare.to_ascii_lowercase().replace('_', "").as_str() {
            "httprequest" => Kind::HttpRequest,
            "eventtransformation" | "eventtransform" => Kind::EventTransform,
            "trigger" => Kind::Trigger,
            "webhook" => Kind::Webhook,
            "sendtostory" => Kind::SendToStory,
            _ => Kind::Other,
        }
    }

    /// The Relay action type, for the kinds that have one.
    pub fn relay_type(self) -> Option<&'static str> {
        match self {
            Kind::HttpRequest => Some("http_request"),
            Kind::EventTransform => Some("event_transform"),
            Kind::Trigger => Some("trigger"),
            _ => None,
        }
    }
}

/// One Tines action as found.
#[derive(Debug, Clone)]
pub struct Agent {
    pub kind: Kind,
    pub type_name: String,
    /// The name as written, or `Action N` when it had none.
    pub name: String,
    pub guid: Option<String>,
    pub disabled: Json,
    pub description: Option<String>,
    /// The options object, or why there is none (a string that is not a JSON object).
    pub options: Result<Vec<(String, Json)>, String>,
    pub schedule: Json,
    /// The whole agent object, for the comment block of an action that is not converted.
    pub raw: Json,
}

/// One link as found: endpoints are indexes (or guids) into the agents, `kind` the link type.
#[derive(Debug, Clone)]
pub struct LinkSpec {
    pub source: Json,
    pub receiver: Json,
    pub kind: Option<String>,
}

/// A story (or a pasted set of actions).
#[derive(Debug, Clone)]
pub struct Story {
    pub name: String,
    pub description: Option<String>,
    pub guid: Option<String>,
    /// Schema-3-era story whose values are Liquid templates rather than `<<…>>` formulas.
    pub legacy: bool,
    pub agents: Vec<Agent>,
    pub links: Vec<LinkSpec>,
    /// `integrations[]`: template inputs per action guid, keyed by slug of the input's name.
    pub integrations: Vec<(String, Vec<(String, Json)>)>,
    pub notes: Vec<String>,
    pub sts_enabled: bool,
    pub entry_guid: Option<String>,
    pub exit_guids: Vec<String>,
    /// Forms or pages with content, which Relay has no counterpart for.
    pub has_forms: bool,
    /// Written by `export_tines`: values are Relay's own, taken as they are.
    pub from_relay: bool,
    /// Relay workflow keys without a Tines home, carried by `export_tines` under `relay`.
    pub relay_extras: Vec<(String, Json)>,
    /// Plugin actions of a Relay export: agent guid → (type, options).
    pub plugin_actions: Vec<(String, String, Vec<(String, Json)>)>,
    pub children: Vec<Story>,
    /// Name warnings found while reading (agents without names and the like).
    pub problems: Vec<String>,
}

/// Reads the top-level document. `source_name` names pasted actions, which have no story name.
pub fn read(root: &Json, source_name: &str) -> Result<Story, ImportError> {
    let fallback = file_title(source_name);
    match root {
        Json::Object(_) if root.get("agents").is_some() => read_story(root, &fallback, 0),
        Json::Object(_) if root.get("type").is_some() => {
            let wrapped = Json::Object(vec![("agents".into(), Json::Array(vec![root.clone()]))]);
            read_story(&wrapped, &fallback, 0)
        }
        Json::Array(_) => {
            let wrapped = Json::Object(vec![("agents".into(), root.clone())]);
            read_story(&wrapped, &fallback, 0)
        }
        _ => Err(ImportError::NotTines(
            "expected a Tines story export (an object with `agents`) or copied actions".into(),
        )),
    }
}

/// `dir/halo-guide-get-tickets.json` → `halo-guide-get-tickets`.
fn file_title(source_name: &str) -> String {
    let base = source_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_name);
    let base = base
        .strip_suffix(".json")
        .or_else(|| base.strip_suffix(".JSON"))
        .unwrap_or(base);
    if base.trim().is_empty() {
        "Imported story".into()
    } else {
        base.to_owned()
    }
}

fn text(v: Option<&Json>) -> Option<String> {
    v.and_then(Json::as_str)
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

fn first<'a>(obj: &'a Json, keys: &[&str]) -> Option<&'a Json> {
    keys.iter().find_map(|k| obj.get(k))
}

fn read_story(obj: &Json, fallback_name: &str, depth: usize) -> Result<Story, ImportError> {
    if depth > 8 {
        return Err(ImportError::NotTines(
            "`send_to_stories` nests deeper than 8 levels".into(),
        ));
    }
    let Some(items) = obj.get("agents").and_then(Json::as_array) else {
        return Err(ImportError::NotTines(
            "`agents` must be a list of actions".into(),
        ));
    };
    let mut problems = Vec::new();
    let mut agents = Vec::new();
    for (i, item) in items.iter().enumerate() {
        agents.push(read_agent(i, item, &mut problems)?);
    }
    let links = match obj.get("links") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(links)) => links.iter().filter_map(read_link).collect(),
        Some(_) => return Err(ImportError::NotTines("`links` must be a list".into())),
    };
    let schema = first(obj, &["schema_version", "schemaVersion"]).and_then(Json::as_i64);
    let lib_version = first(obj, &["standard_lib_version", "standardLibVersion"]).is_some();
    let legacy = match schema {
        Some(v) => v < 6,
        None => {
            !lib_version
                && agents.iter().any(|a| uses_liquid(&a.raw))
                && !agents.iter().any(|a| uses_pills(&a.raw))
        }
    };
    let mut children = Vec::new();
    if let Some(nested) = first(obj, &["send_to_stories", "sendToStories"]).and_then(Json::as_array)
    {
        for child in nested {
            if child.get("agents").is_some() {
                children.push(read_story(child, "Child story", depth + 1)?);
            }
        }
    }
    let exit_guids =
        match first(obj, &["exit_agent_guids", "exitAgentGuids"]).and_then(Json::as_array) {
            Some(list) if !list.is_empty() => list
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect(),
            _ => text(first(obj, &["exit_agent_guid", "exitAgentGuid"]))
                .into_iter()
                .collect(),
        };
    Ok(Story {
        name: text(obj.get("name")).unwrap_or_else(|| fallback_name.to_owned()),
        description: text(obj.get("description")),
        guid: text(obj.get("guid")),
        legacy,
        agents,
        links,
        integrations: read_integrations(obj.get("integrations")),
        notes: read_notes(first(obj, &["diagram_notes", "diagramNotes"])),
        sts_enabled: first(obj, &["send_to_story_enabled", "sendToStoryEnabled"])
            .and_then(Json::as_bool)
            .unwrap_or(false),
        entry_guid: text(first(obj, &["entry_agent_guid", "entryAgentGuid"])),
        exit_guids,
        has_forms: has_forms(obj),
        from_relay: obj.get("relay").is_some_and(|r| r.get("version").is_some()),
        relay_extras: obj
            .get("relay")
            .and_then(Json::as_object)
            .map(|entries| {
                entries
                    .iter()
                    .filter(|(k, _)| k != "version" && k != "plugin_actions")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        plugin_actions: obj
            .get("relay")
            .and_then(|r| r.get("plugin_actions"))
            .and_then(Json::as_object)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|(g, v)| {
                        let t = v.get("type").and_then(Json::as_str)?.to_owned();
                        let o = v
                            .get("options")
                            .and_then(Json::as_object)
                            .map(<[_]>::to_vec)
                            .unwrap_or_default();
                        Some((g.clone(), t, o))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        children,
        problems,
    })
}

fn read_agent(index: usize, item: &Json, problems: &mut Vec<String>) -> Result<Agent, ImportError> {
    if item.as_object().is_none() {
        return Err(ImportError::NotTines(format!(
            "action #{} in `agents` is not an object",
            index + 1
        )));
    }
    let type_name = item
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let name = match text(item.get("name")) {
        Some(n) if !slugify(&n).is_empty() => n,
        other => {
            let replacement = format!("Action {}", index + 1);
            problems.push(match other {
                Some(n) => {
                    format!("action name \"{n}\" has no letters or digits; named \"{replacement}\"")
                }
                None => format!("action #{} has no name; named \"{replacement}\"", index + 1),
            });
            replacement
        }
    };
    let options = match item.get("options") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Object(entries)) => Ok(entries.clone()),
        Some(Json::String(s)) => match Json::parse(s) {
            Ok(Json::Object(entries)) => Ok(entries),
            Ok(_) => Err("`options` is a string that is not a JSON object".to_owned()),
            Err(e) => Err(format!("`options` is a string but not valid JSON ({e})")),
        },
        Some(_) => Err("`options` is neither an object nor a JSON string".to_owned()),
    };
    Ok(Agent {
        kind: Kind::from_type(&type_name),
        type_name,
        name,
        guid: text(item.get("guid")),
        disabled: item.get("disabled").cloned().unwrap_or(Json::Bool(false)),
        description: text(item.get("description")),
        options,
        schedule: item.get("schedule").cloned().unwrap_or(Json::Null),
        raw: item.clone(),
    })
}

fn read_link(link: &Json) -> Option<LinkSpec> {
    let source = first(link, &["source", "sourceIdentifier", "source_index"])?.clone();
    let receiver = first(link, &["receiver", "receiverIdentifier", "receiver_index"])?.clone();
    let kind = first(link, &["type", "link_type", "linkType"])
        .and_then(Json::as_str)
        .map(str::to_owned);
    Some(LinkSpec {
        source,
        receiver,
        kind,
    })
}

fn read_integrations(value: Option<&Json>) -> Vec<(String, Vec<(String, Json)>)> {
    let Some(list) = value.and_then(Json::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list {
        let Some(guid) = item.get("action_guid").and_then(Json::as_str) else {
            continue;
        };
        let mut inputs = Vec::new();
        for input in item
            .get("action_inputs")
            .and_then(Json::as_array)
            .unwrap_or(&[])
        {
            let Some(name) = input.get("name").and_then(Json::as_str) else {
                continue;
            };
            // Each value is itself JSON text (`"\"C097MH2L5Q9\""`); a value that is not stays as written.
            let value = match input.get("value") {
                Some(Json::String(s)) => Json::parse(s).unwrap_or_else(|_| Json::str(s.clone())),
                Some(other) => other.clone(),
                None => Json::Null,
            };
            inputs.push((slugify(name), value));
        }
        out.push((guid.to_owned(), inputs));
    }
    out
}

fn read_notes(value: Option<&Json>) -> Vec<String> {
    value
        .and_then(Json::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|n| n.get("content").and_then(Json::as_str))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn has_forms(obj: &Json) -> bool {
    let legacy_form = obj.get("form").is_some_and(|f| {
        f.get("fields").is_some_and(|x| !x.is_empty_value())
            || f.get("agent_guid").is_some_and(|x| !x.is_empty_value())
    });
    let listed = |key: &str| obj.get(key).is_some_and(|x| !x.is_empty_value());
    legacy_form || listed("forms") || listed("pages")
}

fn walk_strings<'a>(value: &'a Json, f: &mut dyn FnMut(&'a str) -> bool) -> bool {
    match value {
        Json::String(s) => f(s),
        Json::Array(items) => items.iter().any(|v| walk_strings(v, f)),
        Json::Object(entries) => entries.iter().any(|(_, v)| walk_strings(v, f)),
        _ => false,
    }
}

fn options_value(agent: &Json) -> Json {
    match agent.get("options") {
        Some(Json::String(s)) => Json::parse(s).unwrap_or(Json::Null),
        Some(v) => v.clone(),
        None => Json::Null,
    }
}

fn uses_liquid(agent: &Json) -> bool {
    walk_strings(&options_value(agent), &mut |s| {
        s.contains("{{") || s.contains("{%")
    })
}

fn uses_pills(agent: &Json) -> bool {
    walk_strings(&options_value(agent), &mut |s| {
        s.starts_with('=')
            || super::formula_scan::parts(s)
                .iter()
                .any(|p| matches!(p, super::formula_scan::Part::Pill(_)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_both_dialects() {
        assert_eq!(
            Kind::from_type("Agents::HTTPRequestAgent"),
            Kind::HttpRequest
        );
        assert_eq!(Kind::from_type("httpRequest"), Kind::HttpRequest);
        assert_eq!(Kind::from_type("eventTransformation"), Kind::EventTransform);
        assert_eq!(
            Kind::from_type("Agents::EventTransformationAgent"),
            Kind::EventTransform
        );
        assert_eq!(Kind::from_type("trigger"), Kind::Trigger);
        assert_eq!(Kind::from_type("Agents::WebhookAgent"), Kind::Webhook);
        assert_eq!(Kind::from_type("sendToStory"), Kind::SendToStory);
        assert_eq!(Kind::from_type("Agents::IMAPAgent"), Kind::Other);
        assert_eq!(Kind::from_type(""), Kind::Other);
    }

    #[test]
    fn paste_format_options_string_is_parsed_and_named_after_the_file() {
        let json = Json::parse(r#"{"agents":[{"name":"A","type":"httpRequest","options":"{\"url\":\"https://x\"}"}],"links":[]}"#).unwrap();
        let story = read(&json, "some/dir/my-actions.json").unwrap();
        assert_eq!(story.name, "my-actions");
        assert_eq!(story.agents[0].options.as_ref().unwrap()[0].0, "url");
        assert!(!story.legacy);
    }

    #[test]
    fn bad_options_string_is_kept_as_a_reason() {
        let json =
            Json::parse(r#"{"agents":[{"name":"A","type":"httpRequest","options":"{oops"}]}"#)
                .unwrap();
        let story = read(&json, "x.json").unwrap();
        assert!(
            story.agents[0]
                .options
                .as_ref()
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn legacy_detection() {
        let old = Json::parse(r#"{"schema_version":3,"agents":[]}"#).unwrap();
        assert!(read(&old, "x").unwrap().legacy);
        let new = Json::parse(r#"{"schema_version":18,"agents":[]}"#).unwrap();
        assert!(!read(&new, "x").unwrap().legacy);
        let unknown = Json::parse(r#"{"agents":[{"type":"trigger","name":"t","options":{"rules":[{"path":"{{.a.b}}"}]}}]}"#).unwrap();
        assert!(read(&unknown, "x").unwrap().legacy);
    }

    #[test]
    fn rejects_what_is_not_tines() {
        assert!(read(&Json::parse("42").unwrap(), "x").is_err());
        assert!(read(&Json::parse(r#"{"agents":{}}"#).unwrap(), "x").is_err());
        assert!(read(&Json::parse(r#"{"agents":[1]}"#).unwrap(), "x").is_err());
        assert!(read(&Json::parse(r#"{"agents":[],"links":3}"#).unwrap(), "x").is_err());
    }

    #[test]
    fn integration_inputs_are_decoded() {
        let json = Json::parse(r#"{"schema_version":27,"agents":[],"integrations":[{"action_guid":"g","action_inputs":[{"name":"Channel / User ID","value":"\"C1\""},{"name":"Odd","value":"not json"}]}]}"#).unwrap();
        let story = read(&json, "x").unwrap();
        assert_eq!(
            story.integrations[0].1[0],
            ("channel_user_id".to_owned(), Json::str("C1"))
        );
        assert_eq!(story.integrations[0].1[1].1, Json::str("not json"));
    }
}
