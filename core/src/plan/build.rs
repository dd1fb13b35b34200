//! RawWorkflow → Plan, collecting every problem instead of stopping at the first.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use minijinja::Value;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::Registry;
use crate::workflow::RawWorkflow;
use crate::yaml::did_you_mean;

use super::graph::{build_graph, upstream};
use super::options::OptionPlanner;
use super::references::{self, Known};
use super::resources::{ResourceLayer, merge};
use super::{DEFAULT_CONCURRENCY, Plan, PlannedAction};

/// What planning needs besides the workflow file.
pub struct PlanInputs<'a> {
    pub config: &'a Config,
    pub registry: &'a Registry,
    /// `--resource K=V` values.
    pub resource_overrides: &'a [(String, Value)],
}

/// Plans `raw`; returns `None` when it has problems (all of them are in `diags`).
pub fn build(raw: &RawWorkflow, inputs: &PlanInputs<'_>, diags: &mut Diagnostics) -> Option<Plan> {
    let before = diags.len();
    let source = &raw.source;

    let mut slugs: HashMap<String, usize> = HashMap::new();
    for (i, action) in raw.actions.iter().enumerate() {
        if let Some(&first) = slugs.get(&action.slug) {
            let other = &raw.actions[first];
            diags.error(
                source,
                action.name_location,
                format!(
                    "action name `{}` gives the slug `{}`, which action `{}` on line {} already has",
                    action.name, action.slug, other.name, other.name_location.line
                ),
                "rename one of them; a slug is the name lower-cased with `_` for spaces and punctuation, and other actions read results by slug, so slugs must be unique",
            );
        } else {
            slugs.insert(action.slug.clone(), i);
        }
    }

    let mut layers = Vec::new();
    if let Some(cs) = &inputs.config.source {
        layers.push(ResourceLayer {
            source: cs,
            entries: &inputs.config.resources,
        });
    }
    layers.push(ResourceLayer {
        source,
        entries: &raw.resources,
    });
    let resources = merge(&layers, inputs.resource_overrides, diags);
    let resource_names: BTreeSet<String> = resources
        .try_iter()
        .map(|it| it.filter_map(|k| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let credential_names: BTreeSet<String> = inputs
        .config
        .credentials
        .iter()
        .map(|c| c.name.clone())
        .collect();

    let type_names = inputs.registry.action_type_names();
    let mut planned = Vec::new();
    let mut all_refs = Vec::new();
    let mut emits_no_match = Vec::new();
    for action in &raw.actions {
        let Some(kind) = inputs.registry.action_type(&action.type_name) else {
            let suggestion = did_you_mean(&action.type_name, type_names.iter().map(String::as_str));
            diags.push(
                Diagnostic::new(
                    source,
                    action.type_location,
                    format!(
                        "unknown action type `{}` in action `{}`",
                        action.type_name, action.slug
                    ),
                )
                .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                .with_help(match action.type_name.split_once('.') {
                    // `plugin.action`: the plugin is probably just not loaded.
                    Some((plugin, _)) if suggestion.is_none() => format!(
                        "`{}` names an action of a plugin `{plugin}`, and no loaded plugin provides it: list the plugin library under `plugins:` in relay.yaml, or pass `--plugin PATH`; known action types: {}",
                        action.type_name,
                        type_names.join(", ")
                    ),
                    _ => format!("known action types: {}", type_names.join(", ")),
                }),
            );
            emits_no_match.push(true);
            all_refs.push(None);
            continue;
        };
        let mut planner = OptionPlanner::new(source, diags, &action.options, &action.slug)
            .anchored(action.options_location);
        let local = action
            .local
            .as_ref()
            .and_then(|node| planner.formula(node, "local", false));
        let result = kind.plan(&mut planner);
        let refs = std::mem::take(&mut planner.refs);
        let extra_roots = std::mem::take(&mut planner.local_roots);
        let local_keys: BTreeSet<String> = action
            .local
            .as_ref()
            .and_then(|n| n.as_map())
            .map(|m| m.iter().map(|(k, _)| k.name.clone()).collect())
            .unwrap_or_default();
        emits_no_match.push(result.as_ref().is_none_or(|a| a.emits_no_match()));
        all_refs.push(Some((refs, local_keys, extra_roots)));
        if let Some(a) = result {
            planned.push(PlannedAction {
                name: action.name.clone(),
                slug: Arc::from(action.slug.as_str()),
                type_name: action.type_name.clone(),
                disabled: action.disabled,
                local,
                action: a,
                outgoing: Vec::new(),
                is_entry: false,
            });
        }
    }

    let schedules = super::schedule::schedules(source, raw.schedule.as_ref(), diags);
    let graph = build_graph(
        source,
        &raw.actions,
        raw.links.as_deref(),
        &emits_no_match,
        diags,
    );
    let up = graph.acyclic.then(|| upstream(&graph.outgoing));
    let config_name = inputs.config.describe();
    let known = Known {
        source,
        slugs: &slugs,
        upstream: up.as_deref(),
        resources: &resource_names,
        credentials: &credential_names,
        config: &config_name,
    };
    for (i, refs) in all_refs.iter().enumerate() {
        if let Some((refs, local_keys, extra_roots)) = refs {
            references::check(
                &known,
                i,
                &raw.actions[i].slug,
                refs,
                local_keys,
                extra_roots,
                diags,
            );
        }
    }

    raw.report_duplicate_keys(diags);
    if diags.len() > before || planned.len() != raw.actions.len() {
        in_file_order(diags, &source.path);
        return None;
    }
    for (i, p) in planned.iter_mut().enumerate() {
        p.outgoing = graph.outgoing[i].clone();
        p.is_entry = !graph.has_incoming[i];
    }
    let mut credentials: Vec<String> = all_refs
        .iter()
        .flatten()
        .flat_map(|(refs, _, _)| refs.iter())
        .filter(|r| r.credentials_allowed)
        .filter_map(|r| {
            r.path
                .strip_prefix("CREDENTIAL.")
                .map(|n| n.split('.').next().unwrap_or(n).to_owned())
        })
        .collect();
    credentials.sort();
    credentials.dedup();
    let info = Value::from_pairs([(
        "credential",
        Value::from_pairs(inputs.config.credentials.iter().map(|c| {
            (
                c.name.clone(),
                Value::from_pairs([("metadata", c.metadata.clone())]),
            )
        })),
    )]);
    Some(Plan {
        name: raw.name.clone(),
        description: raw.description.clone(),
        file: source.path.clone(),
        concurrency: raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        timeout: raw.timeout.map(Duration::from_secs_f64),
        resources,
        info,
        actions: planned,
        schedule: raw.schedule.clone(),
        schedules,
        credentials,
    })
}

/// Puts the problems of `file` (the last ones collected) in the order of the file: they are
/// found check by check, but read best from top to bottom.
fn in_file_order(diags: &mut Diagnostics, file: &std::path::Path) {
    let mut all = std::mem::take(diags).into_vec();
    let start = all
        .iter()
        .rposition(|d| d.file != file)
        .map_or(0, |i| i + 1);
    all[start..].sort_by_key(|d| (d.location.line, d.location.column));
    for d in all {
        diags.push(d);
    }
}
