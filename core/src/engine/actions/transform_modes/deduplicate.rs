//! `mode: deduplicate`: passes an event only when its `path` value was not among the last
//! `lookback` values seen. The memory lasts across runs: in the state store when one exists
//! (as SHA-256 hashes, never the values), in this process's memory otherwise.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};

use minijinja::Value;
use sha2::{Digest, Sha256};

use super::failed;
use crate::credentials::BoxFuture;
use crate::engine::{Action, ActionContext, Outcome};
use crate::event::Event;
use crate::formula::Compiled;
use crate::plan::OptionPlanner;

const DEFAULT_LOOKBACK: i64 = 100;

#[derive(Debug)]
struct Deduplicate {
    path: Compiled,
    lookback: i64,
}

static MEMORY: LazyLock<Mutex<HashMap<String, VecDeque<String>>>> = LazyLock::new(Default::default);

pub fn plan(p: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
    let r = p.reader(&["mode", "path", "lookback"])?;
    let node = r.required("path", "add `path:`, the value that makes an event a duplicate, e.g. `<<explode_tickets.ticket.id>>`", p.diags);
    let lookback = r
        .integer("lookback", 1, 1_000_000, p.diags)
        .unwrap_or(DEFAULT_LOOKBACK);
    let path = p.formula(node?, "path", false)?;
    Some(Arc::new(Deduplicate { path, lookback }))
}

impl Deduplicate {
    /// Whether `hash` is new for `scope`, remembering it.
    async fn is_new(
        &self,
        cx: &ActionContext<'_>,
        scope: &str,
        hash: &str,
    ) -> Result<bool, String> {
        let credentials = &cx.services().credentials;
        let state = credentials.state();
        // A project (a relay.yaml, or a state location given) keeps what it has seen across
        // runs, creating its state store if need be; a bare workflow remembers within one
        // process only, unless a store is already there.
        let persistent = credentials.config_path().is_some()
            || std::env::var_os(crate::config::STATE_URL_ENV).is_some_and(|v| !v.is_empty())
            || state.dir().join(crate::store::DATABASE_FILE).exists();
        if persistent {
            let store = state.get().await?;
            return store
                .dedup_seen(scope, hash, self.lookback)
                .await
                .map_err(|e| e.to_string());
        }
        let mut memory = MEMORY.lock().unwrap_or_else(|p| p.into_inner());
        let seen = memory.entry(scope.to_owned()).or_default();
        let duplicate = seen.iter().any(|h| h == hash);
        // The window is the last `lookback` events, duplicates included, as in the store
        // (`dedup_seen` numbers every check): the same workflow must drop the same events
        // whether or not a state store exists.
        seen.push_back(hash.to_owned());
        while seen.len() as i64 > self.lookback {
            seen.pop_front();
        }
        Ok(!duplicate)
    }
}

impl Action for Deduplicate {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let slug = cx.slug();
            let value = match cx.scope(&event).map_err(|e| e.to_string()).and_then(|s| {
                self.path
                    .render(&s)
                    .map_err(|e| e.within("path").to_string())
            }) {
                Ok(v) => v,
                Err(e) => return failed(&event, slug, e),
            };
            let canonical = serde_json::to_string(&value).unwrap_or_default();
            let hash: String = Sha256::digest(canonical.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            // The file as the OS resolves it: `relay run w.yaml`, `relay run ./w.yaml` and the
            // daemon's `workflows/w.yaml` are the same action and must share its memory.
            let file = &cx.run.plan.file;
            let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
            let scope = format!("{}#{}", file.display(), slug);
            match self.is_new(cx, &scope, &hash).await {
                Ok(true) => Outcome::emit(vec![
                    event.with(slug, Value::from_pairs([("unique", Value::from(true))])),
                ]),
                Ok(false) => Outcome::emit(Vec::new()).with_detail("duplicate: dropped"),
                Err(e) => failed(
                    &event,
                    slug,
                    format!("cannot read the deduplicate state: {e}"),
                ),
            }
        })
    }

    /// Run in the pure lane, one event at a time in arrival order: concurrent executions start
    /// in any order, so concurrent checks let a later duplicate win over the first occurrence
    /// (and made `lookback` depend on scheduling). The store access is one short transaction,
    /// so holding the lane for it is cheap.
    fn is_pure(&self) -> bool {
        true
    }
}
