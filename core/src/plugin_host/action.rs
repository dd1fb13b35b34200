//! Plugin action types (`<plugin>.<action>`): planned like built-ins (schema checked with
//! positions, formulas compiled once), executed by calling the plugin once per event; each
//! value it returns is one emitted event.

use std::sync::Arc;
use std::time::Duration;

use minijinja::Value;
use minijinja::value::Serde;
use relay_plugin_sdk::protocol::{ActionCall, ActionResult, Request, TypeInfo};

use crate::credentials::BoxFuture;
use crate::diagnostic::Diagnostic;
use crate::engine::{Action, ActionContext, ActionType, Outcome};
use crate::event::Event;
use crate::formula::Compiled;
use crate::plan::OptionPlanner;
use crate::yaml::{Node, NodeValue};

use super::call::{CallError, DEFAULT_TIMEOUT};
use super::loaded::LoadedPlugin;
use super::services::CallServices;
use super::{options, schema};

/// The host's own option on plugin actions: seconds a call may take.
const TIMEOUT_KEY: &str = "timeout";

/// An action type provided by a plugin.
pub(crate) struct PluginActionType {
    plugin: Arc<LoadedPlugin>,
    info: TypeInfo,
    full_name: String,
}

impl PluginActionType {
    pub(crate) fn new(plugin: Arc<LoadedPlugin>, info: TypeInfo) -> PluginActionType {
        let full_name = format!("{}.{}", plugin.name(), info.name);
        PluginActionType {
            plugin,
            info,
            full_name,
        }
    }
}

impl ActionType for PluginActionType {
    fn name(&self) -> &str {
        &self.full_name
    }

    fn plan(&self, planner: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
        let written = planner.options;
        let entries: &[(crate::yaml::Key, Node)] = match &written.value {
            NodeValue::Null => &[],
            NodeValue::Map(entries) => entries,
            _ => {
                let slug = planner.slug;
                planner.error(
                    written.location,
                    format!("the options of action `{slug}` must be a mapping, found {}", written.kind_name()),
                    format!("write them as `key: value` lines (see `relay plugin inspect` for the options of `{}`)", self.full_name),
                );
                return None;
            }
        };
        let before = planner.diags.len();
        let mut timeout = DEFAULT_TIMEOUT;
        let mut rest = Vec::new();
        for (key, node) in entries {
            if key.name != TIMEOUT_KEY {
                rest.push((key.clone(), node.clone()));
                continue;
            }
            match seconds(node) {
                Some(s) => timeout = s,
                None => planner.error(
                    node.location,
                    format!("`timeout` of action `{}` must be a number of seconds greater than 0, found {}", planner.slug, node.kind_name()),
                    "e.g. `timeout: 60`",
                ),
            }
        }
        let what = format!("the options of action `{}`", planner.slug);
        let options_node = Node::new(NodeValue::Map(rest.clone()), written.location);
        for v in schema::validate_node(&self.info.schema, &options_node, &what, false) {
            let mut d = Diagnostic::new(planner.source, v.location, v.message)
                .with_suggestion(v.suggestion);
            if let Some(help) = v.help {
                d = d.with_help(help);
            }
            planner.diags.push(d);
        }
        let mut options: Vec<(String, Compiled)> = Vec::new();
        for (key, node) in &rest {
            if options.iter().any(|(k, _)| k == &key.name) {
                continue;
            }
            if let Some(c) = planner.formula(node, &key.name, true) {
                options.push((key.name.clone(), c));
            }
        }
        if planner.diags.len() > before {
            return None;
        }
        Some(Arc::new(PluginAction {
            plugin: self.plugin.clone(),
            short_name: self.info.name.clone(),
            full_name: self.full_name.clone(),
            schema: self.info.schema.clone(),
            credentials: planner.credentials(),
            options,
            timeout,
        }))
    }
}

fn seconds(node: &Node) -> Option<Duration> {
    let n = match &node.value {
        NodeValue::Int(i) => *i as f64,
        NodeValue::UInt(u) => *u as f64,
        NodeValue::Float(f) => *f,
        _ => return None,
    };
    (n > 0.0 && n.is_finite()).then(|| Duration::from_secs_f64(n))
}

/// A planned plugin action.
#[derive(Debug)]
struct PluginAction {
    plugin: Arc<LoadedPlugin>,
    short_name: String,
    full_name: String,
    schema: serde_json::Value,
    options: Vec<(String, Compiled)>,
    /// Credentials its options read: every request of the call must go where all may go.
    credentials: Vec<String>,
    timeout: Duration,
}

impl Action for PluginAction {
    fn execute<'a>(&'a self, cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if cx.run.dry_run {
                return Outcome::emit(Vec::new()).with_detail(format!(
                    "{} (dry run: the plugin is not called)",
                    self.full_name
                ));
            }
            match self.run(cx, &event).await {
                Ok((results, detail)) => {
                    let events = results
                        .into_iter()
                        .map(|r| event.with(cx.slug(), Value::from(Serde(r))))
                        .collect();
                    Outcome::emit(events).with_detail(detail)
                }
                Err(message) => {
                    let result = Value::from_pairs([("error", Value::from(message.as_str()))]);
                    Outcome::failed(event.with(cx.slug(), result), message)
                        .with_detail(format!("{} → failed", self.full_name))
                }
            }
        })
    }
}

impl PluginAction {
    /// Renders, calls, and after a 401 with a refreshable credential resolves it afresh and
    /// calls once more.
    async fn run(
        &self,
        cx: &ActionContext<'_>,
        event: &Event,
    ) -> Result<(Vec<serde_json::Value>, String), String> {
        let credentials = &cx.services().credentials;
        let what = format!("the options of action `{}`", cx.slug());
        let op = format!("action `{}` ({})", cx.slug(), self.full_name);
        let mut retried = false;
        loop {
            let mut scope = cx.scope(event).map_err(|e| e.to_string())?;
            let mut values = Vec::with_capacity(self.credentials.len());
            for name in &self.credentials {
                let secret = credentials.resolve(name).await.map_err(|e| e.to_string())?;
                values.push((name.clone(), Value::from(secret.expose())));
            }
            scope.credentials = Value::from_pairs(values);
            let options = options::render(&self.options, &scope, &self.schema, &what)?;
            let request = Request::Execute(ActionCall {
                action_type: self.short_name.clone(),
                options,
            });
            let services = CallServices::new(
                credentials,
                self.credentials.clone(),
                self.plugin.name().to_owned(),
            );
            let outcome = self
                .plugin
                .callee
                .invoke::<ActionResult>(&op, &request, self.timeout, &services)
                .await;
            match outcome {
                Ok(r) => {
                    let detail = format!(
                        "{} → {} result{}, {} HTTP request{}",
                        self.full_name,
                        r.results.len(),
                        if r.results.len() == 1 { "" } else { "s" },
                        services.requests(),
                        if services.requests() == 1 { "" } else { "s" },
                    );
                    return Ok((r.results, detail));
                }
                Err(CallError::Plugin(message)) if !retried && services.saw_401() => {
                    let refreshable: Vec<&String> = self
                        .credentials
                        .iter()
                        .filter(|n| credentials.refreshable(n))
                        .collect();
                    if refreshable.is_empty() {
                        return Err(message);
                    }
                    for name in refreshable {
                        credentials.invalidate(name).await;
                    }
                    retried = true;
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}
