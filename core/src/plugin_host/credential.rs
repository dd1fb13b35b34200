//! Plugin credential types: registered like `text` or `oauth2`, planned from `relay.yaml` with
//! the plugin's schema checked there, resolved by calling the plugin.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use relay_plugin_sdk::protocol::{CredentialCall, CredentialValue, LoginCall, Request, TypeInfo};

use crate::credentials::{
    BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, LoginOutcome, ResolveContext,
    Resolved, Rotation, Secret,
};
use crate::diagnostic::Diagnostic;
use crate::formula::{Compiled, compile};
use crate::yaml::{MapReader, Node, NodeValue, did_you_mean};

use super::call::DEFAULT_TIMEOUT;
use super::loaded::LoadedPlugin;
use super::services::CallServices;
use super::{options, schema};

/// Keys every credential has (read by `config`), never sent to the plugin.
const COMMON_KEYS: &[&str] = &["type", "allowed_hosts", "description", "metadata"];
/// The host's own key on plugin credentials: seconds a call may take.
const TIMEOUT_KEY: &str = "timeout";
/// Cached values are dropped this long before the plugin says they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// A credential type provided by a plugin.
pub(crate) struct PluginCredentialType {
    plugin: Arc<LoadedPlugin>,
    info: TypeInfo,
    keys: &'static [&'static str],
}

impl PluginCredentialType {
    pub(crate) fn new(plugin: Arc<LoadedPlugin>, info: TypeInfo) -> PluginCredentialType {
        let mut keys: Vec<&'static str> = info
            .schema
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|p| {
                p.keys()
                    .filter(|k| !COMMON_KEYS.contains(&k.as_str()) && k.as_str() != TIMEOUT_KEY)
                    // Leaked once per type per process: plugins are never unloaded either.
                    .map(|k| &*Box::leak(k.clone().into_boxed_str()))
                    .collect()
            })
            .unwrap_or_default();
        keys.push(TIMEOUT_KEY);
        PluginCredentialType {
            plugin,
            info,
            keys: Box::leak(keys.into_boxed_slice()),
        }
    }
}

impl CredentialType for PluginCredentialType {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn keys(&self) -> &'static [&'static str] {
        self.keys
    }

    fn plan(
        &self,
        r: &MapReader<'_>,
        cx: &mut CredentialPlanner<'_>,
    ) -> Option<Arc<dyn CredentialProvider>> {
        let name = cx.name;
        let timeout = r
            .seconds("timeout", cx.diags)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_TIMEOUT);
        let entries: Vec<_> = r
            .node()
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| !COMMON_KEYS.contains(&k.name.as_str()) && k.name != TIMEOUT_KEY)
            .cloned()
            .collect();
        let written = Node::new(NodeValue::Map(entries.clone()), r.node().location);
        let what = format!("credential `{name}`");
        for v in schema::validate_node(&self.info.schema, &written, &what, true) {
            let mut d =
                Diagnostic::new(cx.source, v.location, v.message).with_suggestion(v.suggestion);
            if let Some(help) = v.help {
                d = d.with_help(help);
            }
            cx.diags.push(d);
        }
        // Schema violations are reported but the credential stays defined (nothing runs with
        // diagnostics pending), so workflows using it get no second, misleading "not defined".
        let mut options = Vec::new();
        let mut reads = Vec::new();
        let mut compiled = true;
        for (key, node) in &entries {
            if options
                .iter()
                .any(|(k, _): &(String, Compiled)| k == &key.name)
            {
                continue;
            }
            match field(cx, node) {
                Some(c) => {
                    reads.extend(c.refs.credentials().into_iter().map(str::to_owned));
                    options.push((key.name.clone(), c));
                }
                None => compiled = false,
            }
        }
        if !compiled {
            return None;
        }
        reads.sort();
        reads.dedup();
        Some(Arc::new(PluginCredential {
            plugin: self.plugin.clone(),
            type_name: self.info.name.clone(),
            schema: self.info.schema.clone(),
            options,
            reads,
            timeout,
            login: self.info.login,
        }))
    }
}

/// Compiles one option; formulas may read only `RESOURCE` and `CREDENTIAL`, and what they
/// name must exist.
fn field(cx: &mut CredentialPlanner<'_>, node: &Node) -> Option<Compiled> {
    let compiled = match compile(cx.source, node) {
        Ok(c) => c,
        Err(errors) => {
            for (location, e) in errors {
                cx.diags.error(
                    cx.source,
                    location,
                    format!("{} (credential `{}`)", e.message, cx.name),
                    e.help,
                );
            }
            return None;
        }
    };
    let mut ok = true;
    for r in &compiled.refs.paths {
        let (known, kind): (&[String], &str) = match r.root() {
            "RESOURCE" => (cx.resources, "resource"),
            "CREDENTIAL" => (cx.credentials, "credential"),
            _ => {
                cx.diags.error(cx.source, r.location, format!("credential `{}` reads `{}`; a plugin credential's options can only read `RESOURCE` and `CREDENTIAL`", cx.name, r.path), "use a resource for configurable values");
                ok = false;
                continue;
            }
        };
        if let Some(n) = r.name()
            && !known.iter().any(|k| k == n)
        {
            let suggestion = did_you_mean(n, known.iter().map(String::as_str));
            cx.diags.push(
                Diagnostic::new(
                    cx.source,
                    r.location,
                    format!(
                        "{kind} `{n}` (read by credential `{}`) is not defined in relay.yaml",
                        cx.name
                    ),
                )
                .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
                .with_help(format!("define it under `{kind}s:`")),
            );
            ok = false;
        }
    }
    ok.then_some(compiled)
}

/// A configured plugin credential.
#[derive(Debug)]
struct PluginCredential {
    plugin: Arc<LoadedPlugin>,
    type_name: String,
    schema: serde_json::Value,
    options: Vec<(String, Compiled)>,
    reads: Vec<String>,
    timeout: Duration,
    login: bool,
}

impl PluginCredential {
    /// The options rendered with the credentials they read.
    async fn rendered(
        &self,
        cx: &ResolveContext<'_>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        let scope = cx.scope_reading(&self.reads).await?;
        options::render(
            &self.options,
            &scope,
            &self.schema,
            &format!("credential `{}`", cx.name),
        )
    }

    /// Requests from the call may go only where this credential and those it reads may go.
    fn services<'c>(&self, cx: &'c ResolveContext<'c>) -> CallServices<'c> {
        let mut carrying = vec![cx.name.to_owned()];
        carrying.extend(self.reads.iter().cloned());
        CallServices::new(cx.credentials, carrying, cx.name.to_owned())
    }
}

fn expires_at(value: &CredentialValue, now: SystemTime) -> Option<SystemTime> {
    let seconds = value.expires_in.filter(|s| s.is_finite() && *s > 0.0)?;
    let usable = Duration::from_secs_f64(seconds).checked_sub(EXPIRY_MARGIN)?;
    (!usable.is_zero()).then(|| now + usable)
}

fn rotation(credential: &str, value: &CredentialValue) -> Option<Rotation> {
    let entry = value.rotate.as_ref().filter(|r| !r.value.is_empty())?;
    Some(Rotation {
        into: format!("{credential}_{}", entry.name),
        value: Secret::new(entry.value.clone()),
    })
}

impl CredentialProvider for PluginCredential {
    fn resolve<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Resolved, String>> {
        Box::pin(async move {
            let options = self.rendered(cx).await?;
            let request = Request::Resolve(CredentialCall {
                credential_type: self.type_name.clone(),
                name: cx.name.to_owned(),
                options,
            });
            let services = self.services(cx);
            let op = format!("resolving credential `{}`", cx.name);
            let value: CredentialValue = self
                .plugin
                .callee
                .invoke(&op, &request, self.timeout, &services)
                .await
                .map_err(|e| e.to_string())?;
            if value.value.is_empty() {
                return Err(format!(
                    "plugin `{}` returned an empty value",
                    self.plugin.name()
                ));
            }
            Ok(Resolved {
                expires_at: expires_at(&value, SystemTime::now()),
                rotation: rotation(cx.name, &value),
                value: Secret::new(value.value),
            })
        })
    }

    fn login<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
        username: &'a Secret,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<LoginOutcome, String>> {
        Box::pin(async move {
            if !self.login {
                return Err(format!(
                    "credential type `{}` (plugin `{}`) has no login",
                    self.type_name,
                    self.plugin.name()
                ));
            }
            let options = self.rendered(cx).await?;
            let request = Request::Login(LoginCall {
                credential_type: self.type_name.clone(),
                name: cx.name.to_owned(),
                options,
                username: username.expose().to_owned(),
                password: password.expose().to_owned(),
            });
            let services = self.services(cx);
            let op = format!("the login of credential `{}`", cx.name);
            let value: CredentialValue = self
                .plugin
                .callee
                .invoke(&op, &request, self.timeout, &services)
                .await
                .map_err(|e| e.to_string())?;
            let rotation = rotation(cx.name, &value).ok_or_else(|| {
                format!(
                    "the login of plugin `{}` returned nothing to store",
                    self.plugin.name()
                )
            })?;
            let token = expires_at(&value, SystemTime::now())
                .filter(|_| !value.value.is_empty())
                .map(|until| (Secret::new(value.value.clone()), until));
            Ok(LoginOutcome { rotation, token })
        })
    }

    fn reads(&self) -> Vec<String> {
        self.reads.clone()
    }

    fn refreshable(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        let d = &self.plugin.description;
        format!("plugin {} {}", d.name, d.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relay_plugin_sdk::StoreEntry;

    fn value(expires_in: Option<f64>, rotate: Option<&str>) -> CredentialValue {
        CredentialValue {
            value: "tok".into(),
            expires_in,
            rotate: rotate.map(|v| StoreEntry {
                name: "refresh_token".into(),
                value: v.into(),
            }),
        }
    }

    #[test]
    fn expiry_keeps_a_minute_of_margin_and_short_lives_are_not_cached() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(
            expires_at(&value(Some(3600.0), None), now),
            Some(now + Duration::from_secs(3540))
        );
        assert_eq!(expires_at(&value(Some(60.0), None), now), None);
        assert_eq!(expires_at(&value(Some(f64::NAN), None), now), None);
        assert_eq!(expires_at(&value(None, None), now), None);
    }

    #[test]
    fn rotation_goes_into_the_credentials_namespace() {
        let r = rotation("halo", &value(None, Some("r2"))).expect("a rotation");
        assert_eq!(r.into, "halo_refresh_token");
        assert_eq!(r.value.expose(), "r2");
        assert!(rotation("halo", &value(None, Some(""))).is_none());
    }
}
