//! The roots a formula can read: action results and entry-event keys, plus the upper-case
//! namespaces `RESOURCE`, `CREDENTIAL`, `LOCAL`, `META`, `INFO` (and `PAGINATE`, `response`,
//! `LOGIN` where they apply).

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

use crate::event::Event;

/// Everything one rendering can see. Built per action execution; cheap (reference counts).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub event: Option<Event>,
    pub resources: Value,
    pub credentials: Value,
    pub local: Value,
    pub meta: Value,
    pub info: Value,
    /// Roots that exist only in some places (`PAGINATE`, `response`, `LOGIN`).
    pub extra: Vec<(&'static str, Value)>,
}

impl Scope {
    /// The scope as a MiniJinja context value.
    pub fn into_value(self) -> Value {
        Value::from_object(self)
    }

    /// Looks a root name up the way formulas do.
    pub fn root(&self, key: &str) -> Option<Value> {
        let namespaced = match key {
            "RESOURCE" => Some(&self.resources),
            "CREDENTIAL" => Some(&self.credentials),
            "LOCAL" => Some(&self.local),
            "META" => Some(&self.meta),
            "INFO" => Some(&self.info),
            _ => None,
        };
        if let Some(v) = namespaced {
            return (!v.is_undefined()).then(|| v.clone());
        }
        if let Some((_, v)) = self.extra.iter().find(|(name, _)| *name == key) {
            return Some(v.clone());
        }
        self.event.as_ref().and_then(|e| e.get(key))
    }

    /// Top-level names a formula could have meant, for "did you mean" hints.
    pub fn root_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some(event) = &self.event {
            if let Ok(keys) = event.to_value().try_iter() {
                names.extend(keys.filter_map(|k| k.as_str().map(str::to_owned)));
            }
        }
        names.extend(self.extra.iter().map(|(n, _)| (*n).to_owned()));
        names
    }
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.root(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }
}
