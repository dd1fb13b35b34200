//! `event_transform`: reshapes events. `message_only` builds one result, `explode` fans a list
//! out into one event per element, `implode` gathers exploded events back into one.

use std::collections::HashMap;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::ValueKind;

use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, ActionType, Outcome};
use crate::event::Event;
use crate::formula::{Compiled, to_text};
use crate::plan::OptionPlanner;
use crate::yaml::{NodeValue, did_you_mean};

const MODES: &[&str] = &[
    "message_only",
    "explode",
    "implode",
    "extract",
    "deduplicate",
    "delay",
    "throttle",
];
const DEFAULT_EXPLODE_LIMIT: i64 = 10_000;

pub struct EventTransformType;

#[derive(Debug)]
enum Transform {
    MessageOnly {
        payload: Compiled,
    },
    Explode {
        path: Compiled,
        to: Arc<str>,
        limit: usize,
    },
    Implode {
        item: Compiled,
        guid: Compiled,
        size: Compiled,
    },
}

impl ActionType for EventTransformType {
    fn name(&self) -> &str {
        "event_transform"
    }

    fn plan(&self, p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
        let mode_node = p.options.get("mode");
        let mode = match mode_node.map(|n| &n.value) {
            Some(NodeValue::Str(m)) => m.clone(),
            Some(_) | None => {
                let at = mode_node.map(|n| n.location).unwrap_or(p.options.location);
                p.error(
                    at,
                    format!("action `{}` needs `mode:` in its options", p.slug),
                    format!("modes: {}", MODES.join(", ")),
                );
                return None;
            }
        };
        let keys: &[&str] = match mode.as_str() {
            "message_only" => &["mode", "payload"],
            "explode" => &["mode", "path", "to", "limit"],
            "implode" => &["mode", "item_path", "guid_path", "size_path"],
            "extract" => return super::transform_modes::extract::plan(p),
            "deduplicate" => return super::transform_modes::deduplicate::plan(p),
            "delay" => return super::transform_modes::delay::plan(p),
            "throttle" => return super::transform_modes::throttle::plan(p),
            other => {
                let suggestion = did_you_mean(other, MODES.iter().copied());
                p.diags.push(
                    crate::diagnostic::Diagnostic::new(
                        p.source,
                        mode_node?.location,
                        format!(
                            "unknown event_transform mode `{other}` in action `{}`",
                            p.slug
                        ),
                    )
                    .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                    .with_help(format!("modes: {}", MODES.join(", "))),
                );
                return None;
            }
        };
        let r = p.reader(keys)?;
        let transform = match mode.as_str() {
            "message_only" => {
                let payload = match r.get("payload") {
                    Some(node) => p.formula(node, "payload", false)?,
                    None => Compiled::constant(Value::from_pairs(Vec::<(Value, Value)>::new())),
                };
                Transform::MessageOnly { payload }
            }
            "explode" => {
                let path_node = r.required(
                    "path",
                    "add `path:`, a formula giving a list, e.g. `<<get_tickets.body.tickets>>`",
                    p.diags,
                )?;
                let path = p.formula(path_node, "path", false)?;
                let to = r.required_string(
                    "to",
                    "add `to:`, the key each element is put under, e.g. `ticket`",
                    p.diags,
                )?;
                p.literal_text(r.get("to")?, "to", to, true, "ticket")?;
                let limit = r
                    .integer("limit", 1, 100_000_000, p.diags)
                    .unwrap_or(DEFAULT_EXPLODE_LIMIT) as usize;
                Transform::Explode {
                    path,
                    to: Arc::from(to),
                    limit,
                }
            }
            _ => {
                let item_node = r.required(
                    "item_path",
                    "add `item_path:`, the value to collect from each event",
                    p.diags,
                );
                let guid_node = r.required(
                    "guid_path",
                    "add `guid_path:`, e.g. `<<explode_tickets.guid>>`",
                    p.diags,
                );
                let size_node = r.required(
                    "size_path",
                    "add `size_path:`, e.g. `<<explode_tickets.size>>`",
                    p.diags,
                );
                let item = p.formula(item_node?, "item_path", false)?;
                let guid = p.formula(guid_node?, "guid_path", false)?;
                let size = p.formula(size_node?, "size_path", false)?;
                Transform::Implode { item, guid, size }
            }
        };
        Some(Arc::new(transform))
    }
}

/// Implode's groups for one run, by guid.
#[derive(Default)]
struct Groups {
    open: HashMap<String, Group>,
    order: Vec<String>,
}

struct Group {
    size: usize,
    /// (index, arrival, item, event)
    items: Vec<(Option<i64>, usize, Value, Event)>,
}

impl Action for Transform {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(cx, &event) {
                Ok(outcome) => outcome,
                Err(e) => Outcome::failed(
                    event.with(
                        cx.slug(),
                        Value::from_pairs([("error", Value::from(e.as_str()))]),
                    ),
                    e,
                ),
            }
        })
    }

    fn finish(&self, cx: &ActionContext<'_>) -> Vec<Outcome> {
        if !matches!(self, Transform::Implode { .. }) {
            return Vec::new();
        }
        let mut groups = cx.state::<Groups>();
        let order = std::mem::take(&mut groups.order);
        let mut outcomes = Vec::new();
        for guid in order {
            if let Some(group) = groups.open.remove(&guid) {
                outcomes.push(emit_group(cx, group, true));
            }
        }
        outcomes
    }

    fn is_pure(&self) -> bool {
        true
    }
}

impl Transform {
    fn run(&self, cx: &ActionContext<'_>, event: &Event) -> Result<Outcome, String> {
        let scope = cx.scope(event).map_err(|e| e.to_string())?;
        let slug = cx.slug();
        match self {
            Transform::MessageOnly { payload } => {
                let result = payload
                    .render(&scope)
                    .map_err(|e| e.within("payload").to_string())?;
                Ok(Outcome::emit(vec![event.with(slug, result)]))
            }
            Transform::Explode { path, to, limit } => {
                let list = path
                    .render(&scope)
                    .map_err(|e| e.within("path").to_string())?;
                if list.is_none() {
                    return Ok(Outcome::emit(Vec::new()));
                }
                // `range(n)` and other lazy sequences are lists too.
                let list = if list.kind() == ValueKind::Iterable {
                    Value::from(
                        list.try_iter()
                            .map_err(|e| e.to_string())?
                            .collect::<Vec<_>>(),
                    )
                } else {
                    list
                };
                if list.kind() != ValueKind::Seq {
                    return Err(format!(
                        "option `path`: explode needs a list, but the value is {}",
                        kind_name(&list)
                    ));
                }
                let size = list.len().unwrap_or(0);
                if size > *limit {
                    return Err(format!(
                        "option `path`: the list has {size} elements, more than `limit` ({limit}); raise `limit` to explode it"
                    ));
                }
                let guid = Value::from(uuid::Uuid::new_v4().to_string());
                let size_v = Value::from(size);
                let to_key = Value::from(to.as_ref());
                let items = list.try_iter().map_err(|e| e.to_string())?;
                let events = items
                    .enumerate()
                    .map(|(i, element)| {
                        let result = Value::from_pairs([
                            (to_key.clone(), element),
                            (Value::from("index"), Value::from(i)),
                            (Value::from("size"), size_v.clone()),
                            (Value::from("guid"), guid.clone()),
                        ]);
                        event.with(slug, result)
                    })
                    .collect();
                Ok(Outcome::emit(events))
            }
            Transform::Implode { item, guid, size } => {
                let item = item
                    .render(&scope)
                    .map_err(|e| e.within("item_path").to_string())?;
                let guid_v = guid
                    .render(&scope)
                    .map_err(|e| e.within("guid_path").to_string())?;
                let size_v = size
                    .render(&scope)
                    .map_err(|e| e.within("size_path").to_string())?;
                let size = size_v
                    .as_usize()
                    .or_else(|| size_v.as_str().and_then(|s| s.trim().parse().ok()))
                    .ok_or_else(|| {
                        format!(
                            "option `size_path`: expected a whole number, got {}",
                            to_text(&size_v).unwrap_or_default()
                        )
                    })?;
                let key = to_text(&guid_v)?;
                let index = explode_index(event, &guid_v);
                let mut groups = cx.state::<Groups>();
                if !groups.open.contains_key(&key) {
                    groups.order.push(key.clone());
                }
                let group = groups.open.entry(key.clone()).or_insert_with(|| Group {
                    size,
                    items: Vec::new(),
                });
                let arrival = group.items.len();
                group.items.push((index, arrival, item, event.clone()));
                if group.items.len() >= group.size {
                    let group = groups.open.remove(&key).expect("group exists");
                    groups.order.retain(|g| g != &key);
                    drop(groups);
                    return Ok(emit_group(cx, group, false));
                }
                Ok(
                    Outcome::emit(Vec::new())
                        .with_detail(format!("holding {}/{size}", arrival + 1)),
                )
            }
        }
    }
}

/// The `index` an explode put next to this `guid` in the event's lineage.
fn explode_index(event: &Event, guid: &Value) -> Option<i64> {
    event
        .steps()
        .into_iter()
        .rev()
        .find(|(_, r)| r.kind() == ValueKind::Map && r.get_attr("guid").ok().as_ref() == Some(guid))
        .and_then(|(_, r)| r.get_attr("index").ok())
        .and_then(|i| i.as_i64())
}

fn emit_group(cx: &ActionContext<'_>, mut group: Group, incomplete: bool) -> Outcome {
    group
        .items
        .sort_by_key(|(index, arrival, _, _)| (index.unwrap_or(i64::MAX), *arrival));
    let base = group.items.first().map(|(_, _, _, e)| e.clone());
    let items: Vec<Value> = group
        .items
        .into_iter()
        .map(|(_, _, item, _)| item)
        .collect();
    let mut result = vec![(Value::from("items"), Value::from(items))];
    if incomplete {
        result.push((Value::from("incomplete"), Value::from(true)));
    }
    let base = base.unwrap_or_else(|| Event::entry(Value::from(())));
    Outcome::emit(vec![base.with(cx.slug(), Value::from_pairs(result))])
}

fn kind_name(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Map => "an object",
        ValueKind::String => "a string",
        ValueKind::Number => "a number",
        ValueKind::Bool => "a boolean",
        _ => "not a list",
    }
}
