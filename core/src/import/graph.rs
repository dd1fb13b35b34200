//! The link graph of a story: positional links resolved to actions, link types read,
//! dangling links found, cycles broken (Relay workflows cannot loop) and reachability for
//! deciding which duplicate an ambiguous reference meant.

use super::json::Json;
use super::story::{Agent, LinkSpec};

/// Relay's link types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkType {
    Default,
    Failure,
    NoMatch,
}

impl LinkType {
    /// The YAML spelling; `None` for the default type, which is left out.
    pub fn yaml_name(self) -> Option<&'static str> {
        match self {
            LinkType::Default => None,
            LinkType::Failure => Some("failure"),
            LinkType::NoMatch => Some("no_match"),
        }
    }
}

/// A link between two agents (indexes into the story's agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: LinkType,
}

fn endpoint(value: &Json, agents: &[Agent]) -> Option<usize> {
    match value {
        Json::Number(n) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < agents.len()),
        Json::String(s) => agents
            .iter()
            .position(|a| a.guid.as_deref() == Some(s.as_str()))
            .or_else(|| s.parse::<usize>().ok().filter(|&i| i < agents.len())),
        _ => None,
    }
}

fn link_type(kind: Option<&str>) -> Result<LinkType, String> {
    let Some(kind) = kind else {
        return Ok(LinkType::Default);
    };
    match kind
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "" | "default" | "success" => Ok(LinkType::Default),
        "failure" | "error" | "failed" => Ok(LinkType::Failure),
        "no_match" | "nomatch" => Ok(LinkType::NoMatch),
        _ => Err(kind.to_owned()),
    }
}

/// Resolves links; dangling ones are dropped and reported (agent index, message).
pub fn resolve(links: &[LinkSpec], agents: &[Agent]) -> (Vec<Edge>, Vec<(Option<usize>, String)>) {
    let mut edges: Vec<Edge> = Vec::new();
    let mut issues = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let (from, to) = (
            endpoint(&link.source, agents),
            endpoint(&link.receiver, agents),
        );
        let (Some(from), Some(to)) = (from, to) else {
            issues.push((
                None,
                format!(
                    "link #{} ({} → {}) names no action of the story; dropped",
                    i + 1,
                    link.source.to_compact(),
                    link.receiver.to_compact()
                ),
            ));
            continue;
        };
        let kind = link_type(link.kind.as_deref()).unwrap_or_else(|unknown| {
            issues.push((
                Some(from),
                format!("link type `{unknown}` is not one of Relay's; treated as a default link"),
            ));
            LinkType::Default
        });
        let edge = Edge { from, to, kind };
        if !edges.contains(&edge) {
            edges.push(edge);
        }
    }
    (edges, issues)
}

/// Indexes (into `edges`) of links to drop so that the graph over `included` nodes has no
/// cycle: the links that close a loop when walking from the entry actions in story order.
pub fn cycle_breakers(node_count: usize, edges: &[Edge], included: &[bool]) -> Vec<usize> {
    let live: Vec<usize> = (0..edges.len())
        .filter(|&e| included[edges[e].from] && included[edges[e].to])
        .collect();
    let mut has_incoming = vec![false; node_count];
    for &e in &live {
        has_incoming[edges[e].to] = true;
    }
    let starts = (0..node_count)
        .filter(|&n| included[n] && !has_incoming[n])
        .chain((0..node_count).filter(|&n| included[n]));
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; node_count];
    let mut dropped = Vec::new();
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(top) = stack.len().checked_sub(1) {
            let (node, next) = stack[top];
            let outgoing: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&e| edges[e].from == node)
                .collect();
            if next < outgoing.len() {
                let e = outgoing[next];
                stack[top].1 += 1;
                let to = edges[e].to;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => dropped.push(e),
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    dropped.sort_unstable();
    dropped
}

/// An order of the nodes that follows the links (sources before receivers), ties and loops
/// broken by story order, so the workflow file reads top to bottom.
pub fn flow_order(node_count: usize, edges: &[Edge]) -> Vec<usize> {
    let mut indegree = vec![0usize; node_count];
    for e in edges.iter().filter(|e| e.from != e.to) {
        indegree[e.to] += 1;
    }
    let mut placed = vec![false; node_count];
    let mut order = Vec::with_capacity(node_count);
    while order.len() < node_count {
        let next = (0..node_count)
            .find(|&n| !placed[n] && indegree[n] == 0)
            .or_else(|| (0..node_count).find(|&n| !placed[n]))
            .unwrap_or(0);
        placed[next] = true;
        order.push(next);
        for e in edges.iter().filter(|e| e.from == next && e.from != e.to) {
            indegree[e.to] = indegree[e.to].saturating_sub(1);
        }
    }
    order
}

/// `reach[a][b]`: `b` can be reached from `a` along one or more links.
pub fn reachability(node_count: usize, edges: &[Edge]) -> Vec<Vec<bool>> {
    let mut reach = vec![vec![false; node_count]; node_count];
    for (start, row) in reach.iter_mut().enumerate() {
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for e in edges.iter().filter(|e| e.from == node) {
                if !row[e.to] {
                    row[e.to] = true;
                    stack.push(e.to);
                }
            }
        }
    }
    reach
}

#[cfg(test)]
mod tests {
    use super::super::story::Kind;
    use super::*;

    fn agent(name: &str, guid: &str) -> Agent {
        Agent {
            kind: Kind::Trigger,
            type_name: "Agents::TriggerAgent".into(),
            name: name.into(),
            guid: Some(guid.into()),
            disabled: Json::Bool(false),
            description: None,
            options: Ok(Vec::new()),
            schedule: Json::Null,
            raw: Json::Null,
        }
    }

    fn link(s: &str, r: &str, kind: Option<&str>) -> LinkSpec {
        LinkSpec {
            source: Json::parse(s).unwrap(),
            receiver: Json::parse(r).unwrap(),
            kind: kind.map(str::to_owned),
        }
    }

    fn e(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            kind: LinkType::Default,
        }
    }

    #[test]
    fn resolves_indexes_guids_and_types() {
        let agents = [agent("A", "ga"), agent("B", "gb")];
        let links = [
            link("0", "1", None),
            link("\"gb\"", "\"ga\"", Some("failure")),
            link("0", "1", None),
            link("0", "1", Some("noMatch")),
        ];
        let (edges, issues) = resolve(&links, &agents);
        assert!(issues.is_empty());
        assert_eq!(
            edges,
            [
                e(0, 1),
                Edge {
                    from: 1,
                    to: 0,
                    kind: LinkType::Failure
                },
                Edge {
                    from: 0,
                    to: 1,
                    kind: LinkType::NoMatch
                }
            ]
        );
    }

    #[test]
    fn dangling_links_and_odd_types_are_reported() {
        let agents = [agent("A", "ga"), agent("B", "gb")];
        let (edges, issues) = resolve(
            &[
                link("0", "7", None),
                link("-1", "0", None),
                link("0", "1", Some("sideways")),
            ],
            &agents,
        );
        assert_eq!(edges, [e(0, 1)]);
        assert_eq!(issues.len(), 3);
        assert!(issues[0].1.contains("link #1 (0 → 7)"));
        assert!(issues[2].1.contains("sideways"));
    }

    #[test]
    fn breaks_the_edge_that_closes_a_loop() {
        // 0 → 1 → 2 → 3 → 1 (the poll loop), and 2 → 2.
        let edges = [e(0, 1), e(1, 2), e(2, 3), e(3, 1), e(2, 2)];
        assert_eq!(cycle_breakers(4, &edges, &[true; 4]), [3, 4]);
        // A pure cycle with no entry still loses one link.
        let edges = [e(0, 1), e(1, 0)];
        assert_eq!(cycle_breakers(2, &edges, &[true; 2]).len(), 1);
        // Excluded nodes do not count.
        let edges = [e(0, 1), e(1, 0)];
        assert!(cycle_breakers(2, &edges, &[true, false]).is_empty());
    }

    #[test]
    fn flow_order_puts_sources_first() {
        // 2 → 0 → 1, 3 alone, and a loop 4 ⇄ 5 entered from 1.
        let edges = [e(2, 0), e(0, 1), e(1, 4), e(4, 5), e(5, 4)];
        assert_eq!(flow_order(6, &edges), [2, 0, 1, 3, 4, 5]);
        assert!(flow_order(0, &[]).is_empty());
    }

    #[test]
    fn reachability_follows_paths() {
        let reach = reachability(4, &[e(0, 1), e(1, 2), e(2, 1)]);
        assert!(reach[0][2] && reach[1][1] && !reach[2][0] && !reach[3][0] && !reach[0][0]);
    }
}
