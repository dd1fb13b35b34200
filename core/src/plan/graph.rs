//! The link graph: links name real actions, only triggers emit `no_match`, no cycles, every
//! action reachable. Also which actions are upstream of which (for formula references).

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceFile;
use crate::workflow::{LinkKind, RawAction, RawLink};
use crate::yaml::did_you_mean;

/// Links by action index.
pub struct Graph {
    pub outgoing: Vec<Vec<(LinkKind, usize)>>,
    pub has_incoming: Vec<bool>,
    /// False when a cycle was found (then upstream sets are not computed).
    pub acyclic: bool,
}

/// Builds the graph from `links:`, or the implicit chain in file order when there is none.
pub fn build_graph(
    source: &SourceFile,
    actions: &[RawAction],
    links: Option<&[RawLink]>,
    emits_no_match: &[bool],
    diags: &mut Diagnostics,
) -> Graph {
    let n = actions.len();
    let mut outgoing: Vec<Vec<(LinkKind, usize)>> = vec![Vec::new(); n];
    let mut has_incoming = vec![false; n];
    let index: HashMap<&str, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.slug.as_str(), i))
        .collect();
    let slugs: Vec<&str> = actions.iter().map(|a| a.slug.as_str()).collect();
    let mut link_at: HashMap<(usize, usize), &RawLink> = HashMap::new();
    match links {
        None => {
            for i in 1..n {
                outgoing[i - 1].push((LinkKind::Default, i));
                has_incoming[i] = true;
            }
        }
        Some(links) => {
            let mut seen = HashSet::new();
            for link in links {
                let from = resolve(
                    source,
                    &index,
                    &slugs,
                    &link.from,
                    link.from_location,
                    "from",
                    diags,
                );
                let to = resolve(
                    source,
                    &index,
                    &slugs,
                    &link.to,
                    link.to_location,
                    "to",
                    diags,
                );
                let (Some(from), Some(to)) = (from, to) else {
                    continue;
                };
                if link.kind == LinkKind::NoMatch && !emits_no_match[from] {
                    diags.error(
                        source,
                        link.type_location.unwrap_or(link.location),
                        format!(
                            "a `no_match` link starts at `{}`, an `{}` action, but only `trigger` actions emit `no_match` events",
                            link.from, actions[from].type_name
                        ),
                        "use `type: failure` to handle its failures, or omit `type` to pass on its results",
                    );
                    continue;
                }
                if !seen.insert((from, to, link.kind)) {
                    diags.error(
                        source,
                        link.location,
                        format!("duplicate link from `{}` to `{}`", link.from, link.to),
                        "remove one of the two identical links",
                    );
                    continue;
                }
                outgoing[from].push((link.kind, to));
                has_incoming[to] = true;
                link_at.entry((from, to)).or_insert(link);
            }
        }
    }
    let reached = reachable(&outgoing, &has_incoming);
    let (acyclic, on_cycle) = check_cycles(source, actions, &outgoing, &link_at, &reached, diags);
    check_reachable(source, actions, &outgoing, &reached, &on_cycle, diags);
    Graph {
        outgoing,
        has_incoming,
        acyclic,
    }
}

fn resolve(
    source: &SourceFile,
    index: &HashMap<&str, usize>,
    slugs: &[&str],
    slug: &str,
    location: crate::source::Location,
    end: &str,
    diags: &mut Diagnostics,
) -> Option<usize> {
    if let Some(i) = index.get(slug) {
        return Some(*i);
    }
    let suggestion = did_you_mean(slug, slugs.iter().copied());
    diags.push(
        Diagnostic::new(
            source,
            location,
            format!("link `{end}` names `{slug}`, but no action has that slug"),
        )
        .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
        .with_help(format!(
            "links use action slugs; the slugs in this workflow are: {}",
            slugs.join(", ")
        )),
    );
    None
}

/// Reports each cycle once, at the link that closes it. Returns whether the graph is acyclic,
/// and which actions are on a reported cycle.
fn check_cycles(
    source: &SourceFile,
    actions: &[RawAction],
    outgoing: &[Vec<(LinkKind, usize)>],
    link_at: &HashMap<(usize, usize), &RawLink>,
    reached: &[bool],
    diags: &mut Diagnostics,
) -> (bool, Vec<bool>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = actions.len();
    let mut mark = vec![Mark::New; n];
    let mut acyclic = true;
    let mut on_cycle = vec![false; n];
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next edge index); `path` mirrors the active stack.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Active;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            if let Some(&(_, next)) = outgoing[node].get(*edge) {
                *edge += 1;
                match mark[next] {
                    Mark::New => {
                        mark[next] = Mark::Active;
                        stack.push((next, 0));
                    }
                    Mark::Active => {
                        acyclic = false;
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let members: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                        let mut names: Vec<&str> =
                            members.iter().map(|n| actions[*n].slug.as_str()).collect();
                        names.push(actions[next].slug.as_str());
                        // The caret goes under the `to:` of the link that closes the loop.
                        let location = link_at
                            .get(&(node, next))
                            .map(|l| l.to_location)
                            .unwrap_or(actions[node].name_location);
                        let help = if members.iter().all(|m| !reached[*m]) {
                            "remove one link of the cycle; nothing outside the cycle links into it either, so none of its actions can ever run: link its first action from one that runs"
                        } else {
                            "remove one link of the cycle; a workflow's links must not loop back (each action runs once per event it receives)"
                        };
                        for m in members {
                            on_cycle[m] = true;
                        }
                        diags.error(
                            source,
                            location,
                            format!("links form a cycle: {}", names.join(" → ")),
                            help,
                        );
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    (acyclic, on_cycle)
}

/// Which actions can ever receive an event: those with no incoming link (they get the entry
/// event) and everything linked from them.
fn reachable(outgoing: &[Vec<(LinkKind, usize)>], has_incoming: &[bool]) -> Vec<bool> {
    let mut reached = vec![false; outgoing.len()];
    let mut todo: Vec<usize> = (0..outgoing.len()).filter(|i| !has_incoming[*i]).collect();
    for &i in &todo {
        reached[i] = true;
    }
    while let Some(i) = todo.pop() {
        for &(_, next) in &outgoing[i] {
            if !reached[next] {
                reached[next] = true;
                todo.push(next);
            }
        }
    }
    reached
}

/// Reports actions that can never run. In a graph without cycles every action is reachable
/// (one with no incoming link gets the entry event), so this finds what hangs off a cycle
/// nothing leads into; the actions on such a cycle are reported with the cycle itself.
fn check_reachable(
    source: &SourceFile,
    actions: &[RawAction],
    outgoing: &[Vec<(LinkKind, usize)>],
    reached: &[bool],
    on_cycle: &[bool],
    diags: &mut Diagnostics,
) {
    for (i, a) in actions.iter().enumerate() {
        if reached[i] || on_cycle[i] {
            continue;
        }
        let mut senders: Vec<&str> = (0..actions.len())
            .filter(|from| outgoing[*from].iter().any(|(_, to)| *to == i))
            .map(|from| actions[from].slug.as_str())
            .collect();
        senders.dedup();
        let senders = senders
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diags.error(
            source,
            a.name_location,
            format!(
                "action `{}` can never run: it only receives events from {senders}, which never run{}",
                a.slug,
                if senders.contains(',') { "" } else { "s" }
            ),
            "link it from an action that runs, or remove its incoming links so it receives the entry event",
        );
    }
}

/// For each action, which actions are upstream of it (can have added results to its events).
/// Only meaningful for an acyclic graph.
pub fn upstream(outgoing: &[Vec<(LinkKind, usize)>]) -> Vec<Vec<bool>> {
    let n = outgoing.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (from, edges) in outgoing.iter().enumerate() {
        for &(_, to) in edges {
            preds[to].push(from);
            indegree[to] += 1;
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|i| indegree[*i] == 0).collect();
    while let Some(i) = ready.pop() {
        order.push(i);
        for &(_, to) in &outgoing[i] {
            indegree[to] -= 1;
            if indegree[to] == 0 {
                ready.push(to);
            }
        }
    }
    let mut up = vec![vec![false; n]; n];
    for &i in &order {
        for &p in &preds[i] {
            up[i][p] = true;
            let (a, b) = if p < i {
                let (lo, hi) = up.split_at_mut(i);
                (&mut hi[0], &lo[p])
            } else {
                let (lo, hi) = up.split_at_mut(p);
                (&mut lo[i], &hi[0])
            };
            for (x, y) in a.iter_mut().zip(b.iter()) {
                *x |= *y;
            }
        }
    }
    up
}
