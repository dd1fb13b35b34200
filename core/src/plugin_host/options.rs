//! Options of plugin credentials and actions: compiled formulas rendered to JSON, then checked
//! against the plugin's schema before they cross the boundary.

use minijinja::Value;
use serde_json::Map;

use crate::formula::{Compiled, Scope};

use super::schema;

/// Renders each option for `scope` and checks the result against `schema`. `what` names the
/// options in messages.
pub(super) fn render(
    options: &[(String, Compiled)],
    scope: &Scope,
    schema: &serde_json::Value,
    what: &str,
) -> Result<Map<String, serde_json::Value>, String> {
    let mut map = Map::new();
    for (key, compiled) in options {
        let value: Value = compiled
            .render(scope)
            .map_err(|e| format!("option `{key}` of {what}: {e}"))?;
        let json = serde_json::to_value(&value)
            .map_err(|e| format!("option `{key}` of {what} cannot be sent to the plugin: {e}"))?;
        map.insert(key.clone(), json);
    }
    let problems = schema::validate_value(schema, &map, what);
    if problems.is_empty() {
        Ok(map)
    } else {
        Err(format!("after rendering, {}", problems.join("; ")))
    }
}
