//! Helpers shared by the import tests: fixtures, YAML parsing, and the structural check that
//! every written file reads back as the workflow that was meant.

use std::path::PathBuf;

use super::{Imported, Warning, import_plans, import_tines};

/// `tests/fixtures/tines/<rel>` of the repository (a copy of the Tines guide snippets and the
/// real story corpus, so the tests run from a plain clone).
pub fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/tines")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// YAML text as JSON.
pub fn parse_yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str::<serde_json::Value>(text)
        .unwrap_or_else(|e| panic!("invalid YAML: {e}\n{text}"))
}

/// Imports, and checks that every workflow file reads back as its plan.
pub fn import_checked(json: &str, source_name: &str) -> Imported {
    let (plans, _) =
        import_plans(json, source_name).unwrap_or_else(|e| panic!("{source_name}: {e}"));
    for (stem, plan) in &plans {
        let yaml = plan.to_yaml();
        assert_eq!(
            parse_yaml(&yaml),
            plan.to_json().to_value(),
            "{source_name} → {stem}.yaml does not read back as meant:\n{yaml}"
        );
    }
    import_tines(json, source_name).unwrap_or_else(|e| panic!("{source_name}: {e}"))
}

/// The main workflow parsed.
pub fn main_workflow(imported: &Imported) -> serde_json::Value {
    parse_yaml(&imported.workflows[0].yaml)
}

/// Warnings whose message contains `needle`.
pub fn warnings_with<'a>(imported: &'a Imported, needle: &str) -> Vec<&'a Warning> {
    imported
        .warnings
        .iter()
        .filter(|w| w.message.contains(needle))
        .collect()
}

/// The action of the main workflow called `name`.
pub fn action<'a>(workflow: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    workflow["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no action {name} in {workflow:#}"))
}

/// The links of a workflow as `from→to[:type]` strings.
pub fn links(workflow: &serde_json::Value) -> Vec<String> {
    workflow["links"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .map(|l| match l["type"].as_str() {
                    Some(t) => format!(
                        "{}→{}:{t}",
                        l["from"].as_str().unwrap_or(""),
                        l["to"].as_str().unwrap_or("")
                    ),
                    None => format!(
                        "{}→{}",
                        l["from"].as_str().unwrap_or(""),
                        l["to"].as_str().unwrap_or("")
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}
