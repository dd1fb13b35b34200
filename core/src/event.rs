//! Events: the JSON objects that flow along links. An action that receives `E` and produces `R`
//! emits `E ⊕ {slug: R}`; the chain below shares `E` instead of copying it, so an explode of
//! 100,000 items does not copy the upstream response 100,000 times.

use std::sync::Arc;

use minijinja::Value;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::value::Json;

/// One event: the entry event plus the results added along its path, newest last.
#[derive(Clone, Debug)]
pub struct Event(Arc<Node>);

#[derive(Debug)]
enum Node {
    Entry(Value),
    Step {
        slug: Arc<str>,
        result: Value,
        parent: Event,
    },
}

impl Event {
    /// The entry event of a run (`--input`, `{}` for a schedule tick). Non-objects are wrapped
    /// as `{"input": value}` so that every event stays an object.
    pub fn entry(input: Value) -> Event {
        let input = if input.kind() == minijinja::value::ValueKind::Map {
            input
        } else {
            Value::from_pairs([("input", input)])
        };
        Event(Arc::new(Node::Entry(input)))
    }

    /// `self ⊕ {slug: result}`.
    pub fn with(&self, slug: &Arc<str>, result: Value) -> Event {
        Event(Arc::new(Node::Step {
            slug: slug.clone(),
            result,
            parent: self.clone(),
        }))
    }

    /// The value of a top-level key: an action's result by slug, else an entry-event key.
    pub fn get(&self, key: &str) -> Option<Value> {
        let mut node = &self.0;
        loop {
            match node.as_ref() {
                Node::Step {
                    slug,
                    result,
                    parent,
                } => {
                    if slug.as_ref() == key {
                        return Some(result.clone());
                    }
                    node = &parent.0;
                }
                Node::Entry(entry) => {
                    let v = entry.get_attr(key).ok()?;
                    return (!v.is_undefined()).then_some(v);
                }
            }
        }
    }

    /// The results added along this event's path, oldest first.
    pub fn steps(&self) -> Vec<(&Arc<str>, &Value)> {
        let mut steps = Vec::new();
        let mut node = &self.0;
        while let Node::Step {
            slug,
            result,
            parent,
        } = node.as_ref()
        {
            steps.push((slug, result));
            node = &parent.0;
        }
        steps.reverse();
        steps
    }

    fn entry_value(&self) -> &Value {
        let mut node = &self.0;
        loop {
            match node.as_ref() {
                Node::Step { parent, .. } => node = &parent.0,
                Node::Entry(entry) => return entry,
            }
        }
    }

    /// The whole event as one object (entry keys first, then results in the order they were added).
    pub fn to_value(&self) -> Value {
        let steps = self.steps();
        let entry = self.entry_value();
        let mut pairs: Vec<(Value, Value)> = Vec::new();
        if let Ok(keys) = entry.try_iter() {
            for k in keys {
                if k.as_str()
                    .is_some_and(|k| steps.iter().any(|(s, _)| s.as_ref() == k))
                {
                    continue;
                }
                let v = entry.get_item(&k).unwrap_or_default();
                pairs.push((k, v));
            }
        }
        pairs.extend(
            steps
                .into_iter()
                .map(|(s, r)| (Value::from(s.as_ref()), r.clone())),
        );
        Value::from_pairs(pairs)
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let steps = self.steps();
        let entry = self.entry_value();
        let mut map = serializer.serialize_map(None)?;
        if let Some(entries) = crate::value::map_entries(&entry) {
            for (k, v) in entries {
                if k.as_str()
                    .is_some_and(|k| steps.iter().any(|(s, _)| s.as_ref() == k))
                {
                    continue;
                }
                map.serialize_entry(&Json(&k), &Json(&v))?;
            }
        }
        for (slug, result) in steps {
            map.serialize_entry(slug.as_ref(), &Json(result))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_build_up_and_later_slugs_win() {
        let e = Event::entry(Value::from(minijinja::value::Serde(
            serde_json::json!({"ticket_id": 7, "a": 1}),
        )));
        let a: Arc<str> = Arc::from("a");
        let b: Arc<str> = Arc::from("b");
        let e2 = e.with(&a, Value::from(2)).with(&b, Value::from("x"));
        assert_eq!(e2.get("a"), Some(Value::from(2)));
        assert_eq!(e2.get("ticket_id"), Some(Value::from(7)));
        assert_eq!(e2.get("missing"), None);
        assert_eq!(
            serde_json::to_string(&e2).unwrap(),
            r#"{"ticket_id":7,"a":2,"b":"x"}"#
        );
        assert_eq!(
            serde_json::to_string(&e2.to_value()).unwrap(),
            r#"{"ticket_id":7,"a":2,"b":"x"}"#
        );
        // the parent is shared, not changed
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"ticket_id":7,"a":1}"#
        );
    }

    #[test]
    fn non_object_input_is_wrapped() {
        let e = Event::entry(Value::from(vec![1, 2]));
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"input":[1,2]}"#);
    }
}
