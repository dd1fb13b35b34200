//! `relay export tines`: a workflow (its YAML parsed into JSON) as a Tines story export.
//! Options keep their Tines names, so they are copied as they are; workflow settings Tines has
//! no place for travel under the story key `relay`, which `import_tines` reads back.

use super::json::{Json, set};
use super::slug::slugify;

/// Why a workflow cannot be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Invalid(String),
}

/// The schema version written: `<<…>>` formulas, `local` in options (a modern story).
const SCHEMA_VERSION: i64 = 27;
/// Top-level workflow keys with a Tines counterpart; the rest go under `relay`.
const MAPPED_KEYS: &[&str] = &["name", "description", "schedule", "actions", "links"];

fn invalid(message: impl Into<String>) -> ExportError {
    ExportError::Invalid(message.into())
}

/// A plugin action travels as an inert Tines agent (an event transform passing an empty
/// message); its real type and options go under the story's `relay.plugin_actions`, keyed by
/// the agent's guid, so `relay import tines` restores it.
const PLUGIN_STAND_IN: &str = "Agents::EventTransformationAgent";

fn tines_type(relay_type: &str, action: &str) -> Result<&'static str, ExportError> {
    match relay_type {
        "http_request" => Ok("Agents::HTTPRequestAgent"),
        "event_transform" => Ok("Agents::EventTransformationAgent"),
        "trigger" => Ok("Agents::TriggerAgent"),
        plugin if is_plugin_type(plugin) => Ok(PLUGIN_STAND_IN),
        other => Err(invalid(format!(
            "action `{action}` has type `{other}`, which has no Tines equivalent (only http_request, event_transform, trigger and plugin actions `plugin.action` export)"
        ))),
    }
}

/// `plugin.action` (the form plugin action types take).
fn is_plugin_type(t: &str) -> bool {
    matches!(t.split_once('.'), Some((p, a)) if !p.is_empty() && !a.is_empty() && !a.contains('.'))
}

/// A stable 32-hex-digit id, as Tines guids look, so that exports are reproducible.
fn guid(seed: &str) -> String {
    let hash = |basis: u64| {
        seed.bytes().fold(basis, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    )
}

fn options_of(action: &Json, slug: &str) -> Result<Vec<(String, Json)>, ExportError> {
    match action.get("options") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Object(entries)) => Ok(entries.clone()),
        Some(Json::String(s)) => match Json::parse(s) {
            Ok(Json::Object(entries)) => Ok(entries),
            _ => Err(invalid(format!(
                "`options` of action `{slug}` is a string that is not a JSON object"
            ))),
        },
        Some(_) => Err(invalid(format!(
            "`options` of action `{slug}` must be a mapping"
        ))),
    }
}

/// A plugin action kept aside: its agent's guid, its type and its options.
type PluginAction = (String, String, Vec<(String, Json)>);

fn agent(
    action: &Json,
    index: usize,
    story_name: &str,
    plugins: &mut Vec<PluginAction>,
) -> Result<(String, Json), ExportError> {
    let name = action
        .get("name")
        .and_then(Json::as_str)
        .filter(|n| !slugify(n).is_empty())
        .ok_or_else(|| invalid(format!("action #{} has no usable `name`", index + 1)))?;
    let slug = slugify(name);
    let relay_type = action
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(format!("action `{slug}` has no `type`")))?;
    let mut options = options_of(action, &slug)?;
    if let Some(local) = action.get("local") {
        if options.iter().any(|(k, _)| k == "local") {
            return Err(invalid(format!(
                "action `{slug}` has `local` both on the action and in its options"
            )));
        }
        set(&mut options, "local", local.clone());
    }
    let disabled = match action.get("disabled") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid(format!(
                "`disabled` of action `{slug}` is {}, not true or false",
                other.to_compact()
            )));
        }
    };
    let description = action
        .get("description")
        .and_then(Json::as_str)
        .map_or(Json::Null, Json::str);
    let agent_guid = guid(&format!("{story_name}\u{0}{slug}"));
    let tines = tines_type(relay_type, &slug)?;
    if is_plugin_type(relay_type) {
        plugins.push((agent_guid.clone(), relay_type.to_owned(), options));
        options = vec![
            ("mode".to_owned(), Json::str("message_only")),
            ("payload".to_owned(), Json::Object(Vec::new())),
        ];
    }
    let entries = vec![
        ("type".to_owned(), Json::str(tines)),
        ("name".to_owned(), Json::str(name)),
        ("disabled".to_owned(), Json::Bool(disabled)),
        ("description".to_owned(), description),
        ("guid".to_owned(), Json::str(agent_guid)),
        ("options".to_owned(), Json::Object(options)),
    ];
    Ok((slug, Json::Object(entries)))
}

fn link_type(link: &Json) -> Result<Option<&'static str>, ExportError> {
    match link.get("type").and_then(Json::as_str) {
        None | Some("default") => Ok(None),
        Some("failure") => Ok(Some("failure")),
        Some("no_match") => Ok(Some("no_match")),
        Some(other) => Err(invalid(format!(
            "unknown link type `{other}` (default, failure or no_match)"
        ))),
    }
}

/// A link as agent indexes and its Tines type (`None` for default).
type TinesLink = (usize, usize, Option<&'static str>);

fn links(workflow: &Json, slugs: &[String]) -> Result<Vec<TinesLink>, ExportError> {
    let Some(list) = workflow.get("links") else {
        // No `links:` means a chain in file order.
        return Ok((1..slugs.len()).map(|i| (i - 1, i, None)).collect());
    };
    let list = list
        .as_array()
        .ok_or_else(|| invalid("`links` must be a list"))?;
    let find = |link: &Json, key: &str| -> Result<usize, ExportError> {
        let slug = link
            .get(key)
            .and_then(Json::as_str)
            .ok_or_else(|| invalid(format!("a link has no `{key}`")))?;
        slugs
            .iter()
            .position(|s| s == slug)
            .ok_or_else(|| invalid(format!("link {key} `{slug}` names no action")))
    };
    list.iter()
        .map(|link| Ok((find(link, "from")?, find(link, "to")?, link_type(link)?)))
        .collect()
}

fn schedule(workflow: &Json) -> Result<Option<Json>, ExportError> {
    let entries: Vec<Json> = match workflow.get("schedule") {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::String(cron)) => vec![Json::Object(vec![("cron".into(), Json::str(cron))])],
        Some(Json::Array(items)) => items.clone(),
        Some(_) => {
            return Err(invalid(
                "`schedule` must be a cron string or a list of `{cron, timezone}`",
            ));
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let Json::Object(mut fields) = entry else {
            return Err(invalid(
                "each `schedule` entry must be a mapping with `cron`",
            ));
        };
        if !fields.iter().any(|(k, _)| k == "cron") {
            return Err(invalid("a `schedule` entry has no `cron`"));
        }
        // Tines always names the zone; Relay's default is UTC.
        if !fields.iter().any(|(k, _)| k == "timezone") {
            let at = fields
                .iter()
                .position(|(k, _)| k == "cron")
                .map_or(0, |p| p + 1);
            fields.insert(at, ("timezone".into(), Json::str("UTC")));
        }
        out.push(Json::Object(fields));
    }
    Ok(Some(Json::Array(out)))
}

/// Exports a workflow (its YAML parsed into JSON) as pretty story JSON.
pub fn export_tines(workflow: &serde_json::Value) -> Result<String, ExportError> {
    let workflow = Json::from_value(workflow);
    let Some(top) = workflow.as_object() else {
        return Err(invalid("a workflow must be a mapping"));
    };
    let name = workflow
        .get("name")
        .and_then(Json::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| invalid("the workflow has no `name`"))?;
    let actions = workflow
        .get("actions")
        .and_then(Json::as_array)
        .ok_or_else(|| invalid("the workflow has no `actions` list"))?;
    let mut slugs = Vec::new();
    let mut agents = Vec::new();
    let mut plugins = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let (slug, agent) = agent(action, i, name, &mut plugins)?;
        if slugs.contains(&slug) {
            return Err(invalid(format!("two actions have the slug `{slug}`")));
        }
        slugs.push(slug);
        agents.push(agent);
    }
    let links = links(&workflow, &slugs)?;
    if let Some(schedule) = schedule(&workflow)? {
        // Tines schedules an action; the first one nothing links to is where a run starts.
        let start = (0..agents.len())
            .find(|&i| !links.iter().any(|&(_, to, _)| to == i))
            .unwrap_or(0);
        if let Some(Json::Object(fields)) = agents.get_mut(start) {
            fields.push(("schedule".into(), schedule));
        }
    }
    let links_json = links
        .iter()
        .map(|&(from, to, kind)| {
            let mut entries = vec![
                ("source".to_owned(), Json::Number(from.into())),
                ("receiver".to_owned(), Json::Number(to.into())),
            ];
            if let Some(kind) = kind {
                entries.push(("type".into(), Json::str(kind)));
            }
            Json::Object(entries)
        })
        .collect();
    let mut relay = vec![("version".to_owned(), Json::Number(1.into()))];
    relay.extend(
        top.iter()
            .filter(|(k, _)| !MAPPED_KEYS.contains(&k.as_str()))
            .cloned(),
    );
    if !plugins.is_empty() {
        let entries = plugins
            .into_iter()
            .map(|(g, t, o)| {
                (
                    g,
                    Json::Object(vec![
                        ("type".to_owned(), Json::str(&t)),
                        ("options".to_owned(), Json::Object(o)),
                    ]),
                )
            })
            .collect();
        relay.push(("plugin_actions".to_owned(), Json::Object(entries)));
    }
    let story = Json::Object(vec![
        ("schema_version".into(), Json::Number(SCHEMA_VERSION.into())),
        ("name".into(), Json::str(name)),
        (
            "description".into(),
            workflow
                .get("description")
                .and_then(Json::as_str)
                .map_or(Json::Null, Json::str),
        ),
        ("guid".into(), Json::str(guid(name))),
        ("slug".into(), Json::str(slugify(name))),
        ("agents".into(), Json::Array(agents)),
        ("links".into(), Json::Array(links_json)),
        ("diagram_notes".into(), Json::Array(Vec::new())),
        ("send_to_story_enabled".into(), Json::Bool(false)),
        ("entry_agent_guid".into(), Json::Null),
        ("exit_agent_guids".into(), Json::Array(Vec::new())),
        ("relay".into(), Json::Object(relay)),
    ]);
    Ok(story.to_pretty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exports_actions_links_and_schedule() {
        let wf = json!({
            "name": "Halo tickets",
            "schedule": [{"cron": "*/15 * * * *", "timezone": "Europe/London"}],
            "concurrency": 8,
            "actions": [
                {"name": "Get tickets", "type": "http_request", "description": "d", "options": {"url": "https://h/api", "method": "get"}},
                {"name": "Urgent", "type": "trigger", "disabled": true, "local": {"x": 1}, "options": "{\"rules\":[]}"},
                {"name": "Alert ops", "type": "http_request", "options": {"url": "https://o", "method": "post"}}
            ],
            "links": [{"from": "get_tickets", "to": "urgent"}, {"from": "get_tickets", "to": "alert_ops", "type": "failure"}]
        });
        let story: serde_json::Value = serde_json::from_str(&export_tines(&wf).unwrap()).unwrap();
        assert_eq!(story["agents"][0]["type"], "Agents::HTTPRequestAgent");
        assert_eq!(
            story["agents"][0]["schedule"],
            json!([{"cron": "*/15 * * * *", "timezone": "Europe/London"}])
        );
        assert_eq!(
            story["agents"][1]["options"],
            json!({"rules": [], "local": {"x": 1}})
        );
        assert_eq!(story["agents"][1]["disabled"], true);
        assert_eq!(
            story["links"],
            json!([{"source": 0, "receiver": 1}, {"source": 0, "receiver": 2, "type": "failure"}])
        );
        assert_eq!(story["relay"], json!({"version": 1, "concurrency": 8}));
        assert_eq!(story["agents"][0]["guid"].as_str().unwrap().len(), 32);
    }

    #[test]
    fn missing_links_make_a_chain_and_cron_strings_get_utc() {
        let wf = json!({"name": "n", "schedule": "0 9 * * 1-5", "actions": [
            {"name": "a", "type": "trigger", "options": {"rules": []}},
            {"name": "b", "type": "trigger", "options": {"rules": []}}]});
        let story: serde_json::Value = serde_json::from_str(&export_tines(&wf).unwrap()).unwrap();
        assert_eq!(story["links"], json!([{"source": 0, "receiver": 1}]));
        assert_eq!(
            story["agents"][0]["schedule"],
            json!([{"cron": "0 9 * * 1-5", "timezone": "UTC"}])
        );
    }

    #[test]
    fn refuses_what_tines_cannot_hold() {
        let base = |actions: serde_json::Value| json!({"name": "n", "actions": actions});
        let err = |wf: serde_json::Value| export_tines(&wf).unwrap_err().to_string();
        assert!(err(base(json!([{"name": "a", "type": "webhook"}]))).contains("`webhook`"));
        assert!(
            export_tines(&base(json!([{"name": "a", "type": "halo.get_tickets"}]))).is_ok(),
            "plugin actions export"
        );
        assert!(
            err(base(
                json!([{"name": "a", "type": "trigger"}, {"name": "A", "type": "trigger"}])
            ))
            .contains("slug `a`")
        );
        assert!(err(json!({"name": "n", "actions": [{"name": "a", "type": "trigger"}], "links": [{"from": "a", "to": "b"}]})).contains("`b`"));
        assert!(err(json!({"actions": []})).contains("name"));
        assert!(err(json!([])).contains("mapping"));
        assert!(
            err(base(
                json!([{"name": "a", "type": "trigger", "options": "[1]"}])
            ))
            .contains("not a JSON object")
        );
        assert!(err(json!({"name": "n", "actions": [{"name": "a", "type": "trigger"}], "links": [{"from": "a", "to": "a", "type": "odd"}]})).contains("odd"));
    }

    #[test]
    fn guids_are_stable_and_distinct() {
        assert_eq!(guid("a"), guid("a"));
        assert_ne!(guid("a"), guid("b"));
    }
}
