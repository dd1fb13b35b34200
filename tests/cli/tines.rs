//! Tines compatibility through the real binary (cli.md `relay import tines` / `relay export
//! tines`, workflow.md `pagination`): the Halo guide snippets, every file of the real corpus,
//! story exports written for these tests, the export → import round trip of every shipped
//! workflow, and pagination against the Halo sandbox.

mod corpus;
mod errors;
mod guide;
mod pagination;
mod round_trip;
mod written;

use std::path::PathBuf;

use serde_json::Value;

/// A file under `tests/fixtures/tines/`.
pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tines")
        .join(relative)
}

pub fn fixture(relative: &str) -> String {
    std::fs::read_to_string(fixture_path(relative))
        .unwrap_or_else(|e| panic!("read fixture {relative}: {e}"))
}

/// YAML text as JSON, read with the YAML reader the project already depends on (relay-core's
/// strict parser, which `relay export` also uses); only the tree is used, never Relay's checks.
pub fn yaml_json(text: &str) -> Value {
    let node = relay_core::yaml::parse(text).unwrap_or_else(|e| {
        panic!(
            "not YAML ({}:{}): {}\n{text}",
            e.location.line, e.location.column, e.message
        )
    });
    serde_json::to_value(node.to_value()).expect("YAML tree as JSON")
}

/// The `warning:` lines of an import's stderr.
pub fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect()
}

/// The last line of stderr (the import summary).
pub fn summary(stderr: &str) -> &str {
    stderr.lines().last().unwrap_or_default()
}
