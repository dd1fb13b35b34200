//! A loaded plugin: where it came from, what it says it provides, and how to call it.

use std::fmt;
use std::path::PathBuf;

use relay_plugin_sdk::protocol::Description;

use super::call::Callee;
use super::sources::Origin;

/// A plugin library that loaded, described itself and passed the checks.
pub struct LoadedPlugin {
    /// The canonical path of the library.
    pub path: PathBuf,
    pub origin: Origin,
    pub description: Description,
    pub(super) callee: Callee,
}

impl fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("name", &self.description.name)
            .field("path", &self.path)
            .finish()
    }
}

impl LoadedPlugin {
    /// The plugin's name (the prefix of its action types).
    pub fn name(&self) -> &str {
        &self.description.name
    }

    /// `plugin `halo` (/path/to/librelay_plugin_halo.so)`, for messages.
    pub fn label(&self) -> String {
        format!("plugin `{}` ({})", self.name(), self.path.display())
    }

    /// The action type names as workflows write them (`halo.tickets`).
    pub fn action_type_names(&self) -> Vec<String> {
        self.description
            .action_types
            .iter()
            .map(|t| format!("{}.{}", self.name(), t.name))
            .collect()
    }

    /// The description as `relay plugin inspect` prints it: action names as workflows write
    /// them, and the path.
    pub fn to_json(&self) -> serde_json::Value {
        let mut d = self.description.clone();
        for t in &mut d.action_types {
            t.name = format!("{}.{}", self.name(), t.name);
        }
        let mut value = serde_json::to_value(&d).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = value.as_object_mut() {
            obj.insert("path".into(), self.path.display().to_string().into());
        }
        value
    }
}
