//! One Tines story → one Relay workflow plan and its warnings. Nothing is dropped silently:
//! actions Relay cannot run stay as comment blocks, links that cannot be kept stay as comment
//! lines, and each such decision is a warning naming the action.

use super::decide::{Decision, StoryIndex, decide};
use super::formula_scan::{expressions, map_expressions, rename_root, roots};
use super::graph::{self, Edge, LinkType};
use super::json::Json;
use super::names::{self, Owner};
use super::options;
use super::plan::{ActionOut, Plan, PlannedAction, PlannedLink};
use super::references::{self, Slugs};
use super::scalars::{Expect, parse_typed};
use super::schedule;
use super::slug::slugify;
use super::story::{Kind, Story};

/// A converted story: the plan and its warnings (action name, message); `None` is story-wide.
#[derive(Debug)]
pub struct Converted {
    pub plan: Plan,
    pub warnings: Vec<(Option<String>, String)>,
}

struct Work<'a> {
    story: &'a Story,
    names: Vec<String>,
    slugs: Vec<String>,
    converted: Vec<bool>,
    warnings: Vec<(Option<usize>, String)>,
}

impl Work<'_> {
    fn warn(&mut self, agent: Option<usize>, message: impl Into<String>) {
        let message = message.into();
        if !self
            .warnings
            .iter()
            .any(|(a, m)| *a == agent && *m == message)
        {
            self.warnings.push((agent, message));
        }
    }
}

fn map_strings(value: &Json, f: &mut dyn FnMut(&str) -> String) -> Json {
    match value {
        Json::String(s) => Json::String(f(s)),
        Json::Array(items) => Json::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Json::Object(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), map_strings(v, f)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn reads_root(out: &ActionOut, root: &str) -> bool {
    let mut found = false;
    let mut check = |s: &str| {
        found |= expressions(s)
            .iter()
            .any(|e| roots(e).iter().any(|r| r == root));
        s.to_owned()
    };
    map_strings(&Json::Object(out.options.clone()), &mut check);
    if let Some(local) = &out.local {
        map_strings(local, &mut check);
    }
    found
}

fn disabled_flag(work: &mut Work, i: usize) -> bool {
    match &work.story.agents[i].disabled {
        Json::Bool(b) => *b,
        Json::Null => false,
        other => match parse_typed(other, Expect::Bool).and_then(|b| b.as_bool()) {
            Some(b) => {
                work.warn(
                    Some(i),
                    format!("`disabled: {}` (a string) read as {b}", other.to_compact()),
                );
                b
            }
            None => {
                work.warn(
                    Some(i),
                    format!(
                        "`disabled: {}` is not a boolean; the action is left enabled",
                        other.to_compact()
                    ),
                );
                false
            }
        },
    }
}

/// Converts the options of every convertible action.
fn convert_actions(
    work: &mut Work,
    decisions: &[Decision],
    edges: &mut Vec<Edge>,
) -> Vec<Option<ActionOut>> {
    let story = work.story;
    let mut outs = vec![None; story.agents.len()];
    for (i, decision) in decisions.iter().enumerate() {
        let (Decision::Convert(relay_type), Ok(raw)) = (decision, &story.agents[i].options) else {
            continue;
        };
        let agent = &story.agents[i];
        // A plugin action of a Relay export comes back as it was written.
        if let Some((_, plugin_type, plugin_options)) = story
            .plugin_actions
            .iter()
            .find(|(g, _, _)| Some(g) == agent.guid.as_ref())
        {
            outs[i] = Some(ActionOut {
                name: work.names[i].clone(),
                relay_type: plugin_type.clone(),
                description: agent.description.clone(),
                disabled: disabled_flag(work, i),
                local: None,
                options: plugin_options.clone(),
                leftovers: Vec::new(),
            });
            continue;
        }
        let inputs = story
            .integrations
            .iter()
            .find(|(guid, _)| Some(guid) == agent.guid.as_ref())
            .map(|(_, v)| v.as_slice());
        let conv = options::convert(agent.kind, raw, story.legacy, inputs, story.from_relay);
        for issue in conv.issues {
            work.warn(Some(i), issue);
        }
        if conv.emit_no_match {
            let extra: Vec<Edge> = edges
                .iter()
                .filter(|e| e.from == i && e.kind == LinkType::Default)
                .map(|e| Edge {
                    kind: LinkType::NoMatch,
                    ..*e
                })
                .collect();
            for e in extra {
                if !edges.contains(&e) {
                    edges.push(e);
                }
            }
        }
        let disabled = disabled_flag(work, i);
        outs[i] = Some(ActionOut {
            name: work.names[i].clone(),
            relay_type: (*relay_type).to_owned(),
            description: agent.description.clone(),
            disabled,
            local: conv.local,
            options: conv.options,
            leftovers: conv.leftovers,
        });
    }
    outs
}

/// References to a renamed duplicate's old slug follow it where that is unambiguous.
fn follow_renames(work: &mut Work, outs: &mut [Option<ActionOut>], edges: &[Edge]) {
    let originals: Vec<String> = work.story.agents.iter().map(|a| a.name.clone()).collect();
    let reach = graph::reachability(originals.len(), edges);
    for renamed in 0..originals.len() {
        let old = slugify(&originals[renamed]);
        let new = work.slugs[renamed].clone();
        if old == new {
            continue;
        }
        for (reader, out) in outs.iter_mut().enumerate() {
            let Some(out) = out.as_mut() else { continue };
            match names::owner(reader, &old, &originals, &reach) {
                Owner::One(owner) if owner == renamed && reads_root(out, &old) => {
                    let mut rename = |s: &str| map_expressions(s, |e| rename_root(e, &old, &new));
                    out.options = match map_strings(&Json::Object(out.options.clone()), &mut rename)
                    {
                        Json::Object(entries) => entries,
                        _ => Vec::new(),
                    };
                    out.local = out.local.as_ref().map(|l| map_strings(l, &mut rename));
                    work.warn(Some(reader), format!("references to `{old}` now read `{new}`, the renamed duplicate upstream of this action"));
                }
                Owner::Many(owners) if owners.contains(&renamed) && reads_root(out, &old) => {
                    let listed = owners
                        .iter()
                        .map(|&o| format!("\"{}\"", work.names[o]))
                        .collect::<Vec<_>>()
                        .join(", ");
                    work.warn(Some(reader), format!("`{old}` is ambiguous here: several upstream actions had that name ({listed}); it now reads the one still called `{old}`"));
                }
                _ => {}
            }
        }
    }
}

/// Links as the file writes them; `loop_closers` are the links dropped to break cycles.
fn plan_links(work: &mut Work, edges: &[Edge], loop_closers: &[Edge]) -> Vec<PlannedLink> {
    let mut links = Vec::new();
    for edge in edges {
        let (from, to) = (work.slugs[edge.from].clone(), work.slugs[edge.to].clone());
        let commented = if loop_closers.contains(edge) {
            work.warn(
                Some(edge.from),
                format!("link `{from}` → `{to}` closes a loop; Relay workflows cannot loop, so it was dropped (rebuild the loop with a schedule or `pagination`)"),
            );
            Some("dropped: closes a loop".to_owned())
        } else {
            let missing: Vec<&str> = [edge.from, edge.to]
                .into_iter()
                .filter(|&a| !work.converted[a])
                .map(|a| work.slugs[a].as_str())
                .collect();
            (!missing.is_empty()).then(|| format!("not converted: {}", missing.join(", ")))
        };
        links.push(PlannedLink {
            from,
            to,
            kind: edge.kind,
            commented,
        });
    }
    links
}

fn has_live_incoming(links: &[PlannedLink], slug: &str) -> bool {
    links.iter().any(|l| l.commented.is_none() && l.to == slug)
}

fn explain_kept(work: &mut Work, i: usize, reason: &str, links: &[PlannedLink]) {
    let slug = work.slugs[i].clone();
    let mut message = format!("not converted, kept as a comment: {reason}");
    let touching = links
        .iter()
        .filter(|l| l.commented.is_some() && (l.from == slug || l.to == slug))
        .count();
    if touching > 0 {
        message.push_str(&format!("; its {touching} link(s) are commented out too"));
        let converted_slug = |s: &str| {
            work.slugs
                .iter()
                .position(|x| x == s)
                .is_some_and(|p| work.converted[p])
        };
        let mut orphans: Vec<String> = Vec::new();
        for l in links
            .iter()
            .filter(|l| l.from == slug && converted_slug(&l.to) && !has_live_incoming(links, &l.to))
        {
            let quoted = format!("`{}`", l.to);
            if !orphans.contains(&quoted) {
                orphans.push(quoted);
            }
        }
        match orphans.len() {
            0 => {}
            1 => message.push_str(&format!(", so {} now receives the entry event", orphans[0])),
            _ => message.push_str(&format!(
                ", so {} now receive the entry event",
                orphans.join(", ")
            )),
        }
    }
    if !schedule::entries(&work.story.agents[i].schedule)
        .0
        .is_empty()
    {
        message.push_str("; its schedule was not carried over");
    }
    work.warn(Some(i), message);
}

fn plan_schedule(work: &mut Work, links: &[PlannedLink]) -> Vec<Json> {
    let roots: Vec<String> = (0..work.slugs.len())
        .filter(|&i| work.converted[i] && !has_live_incoming(links, &work.slugs[i]))
        .map(|i| format!("`{}`", work.slugs[i]))
        .collect();
    let mut all: Vec<Json> = Vec::new();
    for i in 0..work.story.agents.len() {
        if !work.converted[i] {
            continue;
        }
        let (entries, issues) = schedule::entries(&work.story.agents[i].schedule);
        for issue in issues {
            work.warn(Some(i), issue);
        }
        if entries.is_empty() {
            continue;
        }
        let slug = format!("`{}`", work.slugs[i]);
        let message = if roots == [slug.clone()] {
            "its schedule became the workflow's `schedule`".to_owned()
        } else {
            format!(
                "its schedule became the workflow's `schedule`; in Relay a tick starts every action without incoming links ({}), not only this one",
                roots.join(", ")
            )
        };
        work.warn(Some(i), message);
        for entry in entries {
            if !all.contains(&entry) {
                all.push(entry);
            }
        }
    }
    all
}

/// Tines starts an unlinked action on its own (webhook, schedule, by hand); Relay starts every
/// action without incoming links on every run.
fn warn_about_roots(work: &mut Work, links: &[PlannedLink]) {
    let roots: Vec<String> = (0..work.slugs.len())
        .filter(|&i| work.converted[i] && !has_live_incoming(links, &work.slugs[i]))
        .map(|i| format!("`{}`", work.slugs[i]))
        .collect();
    if roots.len() > 1 {
        work.warn(
            None,
            format!(
                "{} actions have no incoming links ({}); every Relay run starts all of them, where Tines started each on its own (webhook, schedule or by hand); split the workflow or link them if that is not wanted",
                roots.len(),
                roots.join(", ")
            ),
        );
    }
}

fn story_warnings(work: &mut Work) {
    let story = work.story;
    let name_of = |guid: &str| {
        story
            .agents
            .iter()
            .position(|a| a.guid.as_deref() == Some(guid))
            .map(|i| format!("\"{}\"", work.names[i]))
    };
    if story.sts_enabled {
        let entry = story
            .entry_guid
            .as_deref()
            .and_then(name_of)
            .unwrap_or_else(|| "none".into());
        let exits: Vec<String> = story.exit_guids.iter().filter_map(|g| name_of(g)).collect();
        let exits = if exits.is_empty() {
            "none".to_owned()
        } else {
            exits.join(", ")
        };
        work.warn(None, format!("the story can be called by Send to Story (entry {entry}, exit {exits}); Relay has no sub-workflow calls, run it on its own"));
    }
    if story.has_forms {
        work.warn(
            None,
            "the story's forms/pages have no Relay equivalent and were not converted",
        );
    }
    if !work.converted.iter().any(|&c| c) {
        work.warn(None, "no action could be converted: `actions` is empty, so the workflow will not validate until one is added");
    }
}

/// Converts one story.
pub fn convert_story(story: &Story, index: &StoryIndex, source_name: &str) -> Converted {
    let decisions: Vec<Decision> = story.agents.iter().map(|a| decide(a, index)).collect();
    let converted: Vec<bool> = decisions
        .iter()
        .map(|d| matches!(d, Decision::Convert(_)))
        .collect();
    let originals: Vec<String> = story.agents.iter().map(|a| a.name.clone()).collect();
    let names = names::assign(&originals, &converted);
    let slugs = names.iter().map(|n| slugify(n)).collect();
    let mut work = Work {
        story,
        names,
        slugs,
        converted,
        warnings: Vec::new(),
    };
    for problem in &story.problems {
        work.warn(None, problem.clone());
    }
    story_warnings(&mut work);
    for (i, original) in originals.iter().enumerate() {
        if work.names[i] != *original {
            let message = format!(
                "duplicate action name \"{original}\": renamed to \"{}\" (slug `{}`)",
                work.names[i], work.slugs[i]
            );
            work.warn(Some(i), message);
        }
    }
    let (mut edges, link_issues) = graph::resolve(&story.links, &story.agents);
    for (agent, message) in link_issues {
        work.warn(agent, message);
    }
    let mut outs = convert_actions(&mut work, &decisions, &mut edges);
    follow_renames(&mut work, &mut outs, &edges);
    // Ordered by the links the file keeps, so that importing an export gives the same order.
    let loop_closers: Vec<Edge> = graph::cycle_breakers(originals.len(), &edges, &work.converted)
        .into_iter()
        .map(|i| edges[i])
        .collect();
    let live: Vec<Edge> = edges
        .iter()
        .copied()
        .filter(|e| !loop_closers.contains(e) && work.converted[e.from] && work.converted[e.to])
        .collect();
    let order = graph::flow_order(originals.len(), &live);
    let position = |agent: usize| order.iter().position(|&a| a == agent).unwrap_or(agent);
    edges.sort_by_key(|e| (position(e.from), position(e.to)));
    let links = plan_links(&mut work, &edges, &loop_closers);
    warn_about_roots(&mut work, &links);
    let schedule = plan_schedule(&mut work, &links);
    let slug_info = Slugs {
        converted: (0..outs.len())
            .filter(|&i| outs[i].is_some())
            .map(|i| work.slugs[i].clone())
            .collect(),
        kept: (0..outs.len())
            .filter(|&i| outs[i].is_none())
            .map(|i| {
                (
                    work.slugs[i].clone(),
                    work.names[i].clone(),
                    story.agents[i].kind == Kind::Webhook,
                )
            })
            .collect(),
        legacy: story.legacy,
    };
    let mut actions = Vec::new();
    for &i in &order {
        let out = outs[i].take();
        match (out, &decisions[i]) {
            (Some(out), _) => {
                for message in references::check(&out.options, out.local.as_ref(), &slug_info) {
                    work.warn(Some(i), message);
                }
                actions.push(PlannedAction::Converted(out));
            }
            (None, decision) => {
                let reason = match decision {
                    Decision::Keep(reason) => reason.clone(),
                    Decision::Convert(_) => "its options could not be read".to_owned(),
                };
                explain_kept(&mut work, i, &reason, &links);
                let agent = &story.agents[i];
                actions.push(PlannedAction::Kept {
                    name: work.names[i].clone(),
                    type_name: agent.type_name.clone(),
                    reason,
                    raw: agent.raw.clone(),
                });
            }
        }
    }
    const RESERVED: &[&str] = &["name", "description", "schedule", "actions", "links"];
    let extras = story
        .relay_extras
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .cloned()
        .collect();
    let plan = Plan {
        header: format!(
            "Converted from the Tines story \"{}\" ({source_name}) by `relay import tines`.\nActions and links Relay cannot run are kept below as comments; see the warnings printed with this file.",
            story.name
        ),
        notes: story.notes.clone(),
        name: story.name.clone(),
        description: story.description.clone(),
        schedule,
        extras,
        actions,
        links,
    };
    let mut warnings = std::mem::take(&mut work.warnings);
    // Story-wide first, then action by action in the order of the file.
    warnings.sort_by_key(|(agent, _)| agent.map_or(0, |i| position(i) + 1));
    let warnings = warnings
        .into_iter()
        .map(|(agent, message)| (agent.map(|i| work.names[i].clone()), message))
        .collect();
    Converted { plan, warnings }
}
