//! The located YAML tree. Everything Relay reads from YAML goes through it, so every later
//! check can say "line 12, column 5".

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::source::Location;

/// A YAML value and the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub location: Location,
}

/// A mapping key and the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; duplicates are kept here so the loader can report them.
    Map(Vec<(Key, Node)>),
}

impl Node {
    pub fn new(value: NodeValue, location: Location) -> Node {
        Node { value, location }
    }

    /// What kind of value this is, in the words an error message uses.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::UInt(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping (the first one, when duplicated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// Converts to the data model formulas and actions work on, dropping locations.
    pub fn to_value(&self) -> minijinja::Value {
        use minijinja::Value;
        match &self.value {
            NodeValue::Null => Value::from(()),
            NodeValue::Bool(b) => Value::from(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::UInt(u) => Value::from(*u),
            NodeValue::Float(f) => Value::from(*f),
            NodeValue::Str(s) => Value::from(s.as_str()),
            NodeValue::Seq(items) => items.iter().map(Node::to_value).collect(),
            NodeValue::Map(entries) => Value::from_pairs(
                entries
                    .iter()
                    .map(|(k, v)| (Value::from(k.name.as_str()), v.to_value())),
            ),
        }
    }

    /// Builds a node tree from JSON data that has no positions of its own (the Tines paste
    /// format puts `options` in a JSON string): every node gets `location`.
    pub fn from_json(json: &serde_json::Value, location: Location) -> Node {
        use serde_json::Value as J;
        let value = match json {
            J::Null => NodeValue::Null,
            J::Bool(b) => NodeValue::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    NodeValue::Int(i)
                } else if let Some(u) = n.as_u64() {
                    NodeValue::UInt(u)
                } else {
                    NodeValue::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            J::String(s) => NodeValue::Str(s.clone()),
            J::Array(items) => {
                NodeValue::Seq(items.iter().map(|i| Node::from_json(i, location)).collect())
            }
            J::Object(map) => NodeValue::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: k.clone(),
                                location,
                            },
                            Node::from_json(v, location),
                        )
                    })
                    .collect(),
            ),
        };
        Node { value, location }
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<NodeValue, E> {
        Ok(i64::try_from(u)
            .map(NodeValue::Int)
            .unwrap_or(NodeValue::UInt(u)))
    }
    fn visit_f64<E>(self, f: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<NodeValue>>()? {
            items.push(located(item));
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<NodeValue>>()?;
            entries.push((
                Key {
                    name: key.value,
                    location: key.referenced.into(),
                },
                located(value),
            ));
        }
        Ok(NodeValue::Map(entries))
    }
}

pub(super) fn located(s: Spanned<NodeValue>) -> Node {
    Node {
        value: s.value,
        location: s.referenced.into(),
    }
}
