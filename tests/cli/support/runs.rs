//! Helpers for `relay run` tests: a project with relay.yaml and one workflow, leaf events,
//! servers that echo requests or count requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::recorder::{RawRequest, Recorder, Reply};
use super::relay::{Relay, RunResult};

/// A temp project holding `relay.yaml` (when `config` is not empty) and `wf.yaml`.
pub fn project(config: &str, workflow: &str) -> Relay {
    let relay = Relay::new().file("wf.yaml", workflow);
    if config.is_empty() {
        relay
    } else {
        relay.file("relay.yaml", config)
    }
}

/// `relay run wf.yaml` plus `extra` arguments, in a project.
pub fn run_workflow(config: &str, workflow: &str, extra: &[&str]) -> RunResult {
    let mut args = vec!["run", "wf.yaml"];
    args.extend_from_slice(extra);
    project(config, workflow).args(args).run()
}

/// stdout as the JSON array of leaf events.
#[track_caller]
pub fn leaves(result: &RunResult) -> Vec<Value> {
    match result.json() {
        Value::Array(items) => items,
        other => panic!(
            "stdout is not a JSON array: {other}\nstderr:\n{}",
            result.stderr
        ),
    }
}

/// The leaf events that carry a result under `slug`.
pub fn leaves_with(result: &RunResult, slug: &str) -> Vec<Value> {
    leaves(result)
        .into_iter()
        .filter(|e| e.get(slug).is_some())
        .collect()
}

/// The JSON echo of a request.
pub fn echo_of(req: &RawRequest) -> Value {
    let headers: serde_json::Map<String, Value> = req
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), Value::from(v.clone())))
        .collect();
    serde_json::json!({
        "method": req.method,
        "target": req.target,
        "headers": headers,
        "body": req.body_text(),
    })
}

/// Counts requests being answered at the same time (each held for `hold`), and the most seen.
#[derive(Clone, Default)]
pub struct InFlight {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl InFlight {
    /// A Recorder whose every answer (`200 {"ok": true}`) is held for `hold` while counted.
    pub fn server(&self, hold: Duration) -> Recorder {
        let me = self.clone();
        Recorder::start(move |_, _| {
            let n = me.now.fetch_add(1, Ordering::SeqCst) + 1;
            me.max.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(hold);
            me.now.fetch_sub(1, Ordering::SeqCst);
            Reply::json(200, serde_json::json!({"ok": true}))
        })
    }

    /// The most requests seen in flight at once.
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// A relay.yaml with one text credential `name` read from env var `var`, allowed for `hosts`.
pub fn env_credential_config(name: &str, var: &str, hosts: &[String]) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    format!(
        "credentials:\n  {name}:\n    type: text\n    env: {var}\n    allowed_hosts: [{}]\n",
        hosts.join(", ")
    )
}

/// Whether `line` matches `pattern`, a literal text with placeholders (a tiny regex stand-in):
/// `{d}` one or more digits, `{id}` one or more non-space characters, `{*}` anything (maybe
/// empty), `{dur}` a progress duration (`84 ms`, `1.9 s`, `2 min 3 s`).
pub fn line_matches(pattern: &str, line: &str) -> bool {
    match pattern.find('{') {
        None => pattern == line,
        Some(i) => {
            let (lit, rest) = pattern.split_at(i);
            let Some(line) = line.strip_prefix(lit) else {
                return false;
            };
            let Some(close) = rest.find('}') else {
                return pattern == line;
            };
            let (token, after) = (&rest[1..close], &rest[close + 1..]);
            let ends: Vec<usize> = (0..=line.len())
                .filter(|&n| line.is_char_boundary(n))
                .collect();
            ends.into_iter().any(|n| {
                let piece = &line[..n];
                let ok = match token {
                    "d" => !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_digit()),
                    "id" => !piece.is_empty() && !piece.contains(char::is_whitespace),
                    "*" => true,
                    "dur" => is_duration(piece),
                    _ => false,
                };
                ok && line_matches(after, &line[n..])
            })
        }
    }
}

fn is_duration(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(ms) = s.strip_suffix(" ms") {
        return digits(ms);
    }
    if let Some(secs) = s.strip_suffix(" s") {
        if let Some((a, b)) = secs.split_once('.') {
            return digits(a) && b.len() == 1 && digits(b);
        }
        if let Some((m, sec)) = secs.split_once(" min ") {
            return digits(m) && digits(sec);
        }
    }
    false
}

/// The lines of `text` matching `pattern` (see [`line_matches`]).
pub fn matching_lines<'a>(text: &'a str, pattern: &str) -> Vec<&'a str> {
    text.lines().filter(|l| line_matches(pattern, l)).collect()
}

#[test]
fn line_patterns_work() {
    assert!(line_matches(
        "✓ a  GET http://h:{d}/x → 200  {dur}",
        "✓ a  GET http://h:8080/x → 200  84 ms"
    ));
    assert!(line_matches(
        "run {id} succeeded: {*}",
        "run 01JX succeeded: 1 action"
    ));
    assert!(line_matches("{dur}", "1.9 s"));
    assert!(line_matches("{dur}", "2 min 3 s"));
    assert!(!line_matches("{dur}", "84ms"));
    assert!(!line_matches("✓ a {d}", "✓ a x1"));
    assert!(!line_matches("run {id} ok", "run  ok"));
}
