//! Tines compatibility: `relay import tines` turns a Tines story export (or actions copied
//! from the Tines UI) into Relay workflow YAML, and `relay export tines` turns a workflow back
//! into a story export.
//!
//! | Tines | Relay |
//! |---|---|
//! | `Agents::HTTPRequestAgent` / `httpRequest` | `http_request` (missing `method` → Tines' `post`) |
//! | `Agents::EventTransformationAgent` / `eventTransformation` | `event_transform` (missing `mode` → `message_only`; unknown modes are kept as comments) |
//! | `Agents::TriggerAgent` / `trigger` | `trigger` (`emit_no_match: true` → `no_match` links) |
//! | Webhook, Send to Story, Email, IMAP, Form, anything else | a comment block holding the agent's JSON, and a warning |
//! | agent `schedule: [{cron, timezone}]` | workflow `schedule:` |
//! | `links[{source, receiver, type?}]` | `links: [{from, to, type?}]`; loops and dangling links dropped with a warning |
//! | `options.local` | action `local` |
//! | `send_to_stories[]` (embedded child stories) | one more workflow each (`is_main: false`) |
//!
//! Schema-3 stories (before `<<…>>` formulas) hold Liquid; see `liquid.rs` for what converts.
//! Stories written by `export_tines` carry a `relay` key and are read back as they are.

mod convert;
mod decide;
mod export;
mod formula_scan;
mod graph;
mod http_options;
mod inputs;
mod json;
mod liquid;
mod liquid_expr;
mod names;
mod options;
mod plan;
mod references;
mod rewrite;
mod scalars;
mod schedule;
mod slug;
mod story;
mod text_escape;
mod transform_options;
mod trigger_options;
mod yaml_emit;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod story_tests;
#[cfg(test)]
mod test_support;

pub use export::{ExportError, export_tines};

use decide::StoryIndex;
use json::Json;
use slug::{NameBook, slugify};

/// The result of an import: one workflow per story (the main one first), and the warnings.
#[derive(Debug, Clone)]
pub struct Imported {
    pub workflows: Vec<ImportedWorkflow>,
    pub warnings: Vec<Warning>,
}

/// One workflow file to write.
#[derive(Debug, Clone)]
pub struct ImportedWorkflow {
    /// The slug of the story name, unique within this import.
    pub file_stem: String,
    pub yaml: String,
    /// False for a child story that was embedded in the export's `send_to_stories`.
    pub is_main: bool,
}

/// Something the user should look at; the import went on regardless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The action's name (as written in the workflow), or `None` for the story as a whole.
    pub action: Option<String>,
    pub message: String,
}

/// Why a document could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{source_name} is not valid JSON: {message}")]
    Json {
        source_name: String,
        message: String,
    },
    #[error("{0}")]
    NotTines(String),
}

/// Converts a Tines story export or copied actions; `source_name` is the file name, used in
/// messages and as the workflow name of copied actions (which have no story name).
pub fn import_tines(json: &str, source_name: &str) -> Result<Imported, ImportError> {
    let (plans, warnings) = import_plans(json, source_name)?;
    let workflows = plans
        .into_iter()
        .enumerate()
        .map(|(i, (file_stem, plan))| ImportedWorkflow {
            file_stem,
            yaml: plan.to_yaml(),
            is_main: i == 0,
        })
        .collect();
    Ok(Imported {
        workflows,
        warnings,
    })
}

/// Every story's workflow as (file stem, plan), the main one first.
type Plans = Vec<(String, plan::Plan)>;

/// The plans of every story in the document, and the warnings.
fn import_plans(json: &str, source_name: &str) -> Result<(Plans, Vec<Warning>), ImportError> {
    let root = Json::parse(json).map_err(|e| ImportError::Json {
        source_name: source_name.to_owned(),
        message: e.to_string(),
    })?;
    let stories = flatten(story::read(&root, source_name)?);
    let mut book = NameBook::new();
    let stems: Vec<String> = stories
        .iter()
        .map(|s| {
            let slug = slugify(&s.name);
            book.claim_stem(if slug.is_empty() { "workflow" } else { &slug })
        })
        .collect();
    let all: Vec<(String, String)> = stories
        .iter()
        .zip(&stems)
        .map(|(s, stem)| (s.name.clone(), stem.clone()))
        .collect();
    let mut plans = Vec::new();
    let mut warnings = Vec::new();
    for (i, story) in stories.iter().enumerate() {
        let index = StoryIndex {
            stories: all.clone(),
            current: stems[i].clone(),
        };
        let converted = convert::convert_story(story, &index, source_name);
        for (action, message) in converted.warnings {
            let message = if i == 0 {
                message
            } else {
                format!("[workflow `{}`] {message}", stems[i])
            };
            warnings.push(Warning { action, message });
        }
        plans.push((stems[i].clone(), converted.plan));
    }
    Ok((plans, warnings))
}

/// The main story, then every nested child story once (depth first), children detached.
fn flatten(main: story::Story) -> Vec<story::Story> {
    let mut out: Vec<story::Story> = Vec::new();
    let mut pending = vec![main];
    while let Some(mut story) = pending.pop() {
        let children = std::mem::take(&mut story.children);
        let seen = out.iter().any(|s| s.guid.is_some() && s.guid == story.guid);
        if !seen {
            out.push(story);
        }
        pending.extend(children.into_iter().rev());
    }
    out
}
