//! The one trait every credential type implements, built-in or from a plugin.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::diagnostic::Diagnostics;
use crate::source::SourceFile;
use crate::yaml::MapReader;

use super::secret::Secret;
use super::service::Credentials;
use super::state::StateStore;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A resolved credential value, and until when it may be reused.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub value: Secret,
    /// `None`: not cached; fetched again for each use (Tines' behaviour without an expiry).
    pub expires_at: Option<SystemTime>,
    /// A new refresh token the endpoint returned, to be stored before `value` is used.
    pub rotation: Option<Rotation>,
}

impl Resolved {
    pub fn uncached(value: Secret) -> Resolved {
        Resolved {
            value,
            expires_at: None,
            rotation: None,
        }
    }
}

/// A rotated secret and the store entry it goes into.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub into: String,
    pub value: Secret,
}

/// What `relay credential login` produced.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The refresh token and the store entry it goes into.
    pub rotation: Rotation,
    /// An access token that came with it, and its expiry, to cache.
    pub token: Option<(Secret, SystemTime)>,
}

/// What a provider may use while resolving.
pub struct ResolveContext<'a> {
    /// The credential's name in `relay.yaml`.
    pub name: &'a str,
    /// The directory of `relay.yaml`; relative paths in credential definitions start here.
    pub config_dir: &'a Path,
    /// All credentials, for providers whose definition uses another credential.
    pub credentials: &'a Credentials,
}

impl ResolveContext<'_> {
    /// The state store (opened on first use).
    pub async fn store(&self) -> Result<&crate::store::Store, String> {
        self.credentials.state().get().await
    }

    pub fn state(&self) -> &StateStore {
        self.credentials.state()
    }

    /// The scope a credential's own templates render in: relay.yaml's resources, and the
    /// values of the other credentials it `reads` (resolved here).
    pub async fn scope_reading(&self, reads: &[String]) -> Result<crate::formula::Scope, String> {
        let mut values = Vec::with_capacity(reads.len());
        for name in reads {
            let secret = self
                .credentials
                .resolve(name)
                .await
                .map_err(|e| e.to_string())?;
            values.push((name.clone(), minijinja::Value::from(secret.expose())));
        }
        Ok(crate::formula::Scope {
            resources: self.credentials.resources().clone(),
            credentials: minijinja::Value::from_pairs(values),
            ..crate::formula::Scope::default()
        })
    }
}

/// A configured credential that can produce its value.
pub trait CredentialProvider: Send + Sync + fmt::Debug {
    fn resolve<'a>(&'a self, cx: &'a ResolveContext<'a>)
    -> BoxFuture<'a, Result<Resolved, String>>;

    /// Other credentials this one's definition reads (for the self-reference check).
    fn reads(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether dropping the cached value and resolving again can produce a different value
    /// (so a 401 is worth one retry). Such values are also cached in the state store.
    fn refreshable(&self) -> bool {
        false
    }

    /// Whether the value may be kept for the rest of the process once resolved (a `text`
    /// value: an environment variable or a file does not change during a run, and re-running a
    /// secret manager's command for every request would be slow).
    fn memoize(&self) -> bool {
        false
    }

    /// `relay credential login`: exchange a username and password for a stored refresh token.
    fn login<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
        _username: &'a Secret,
        _password: &'a Secret,
    ) -> BoxFuture<'a, Result<LoginOutcome, String>> {
        Box::pin(async move {
            Err(format!(
                "credential `{}` has no login (only `http_request` credentials with `login:`, `oauth2` and plugin types that define one do)",
                cx.name
            ))
        })
    }

    /// Short, non-secret facts for `relay credential list` (e.g. the token URL).
    fn describe(&self) -> String {
        String::new()
    }
}

/// Everything a credential type needs to turn its definition into a provider.
pub struct CredentialPlanner<'a> {
    pub source: &'a SourceFile,
    pub diags: &'a mut Diagnostics,
    pub name: &'a str,
    /// Names of the resources defined in relay.yaml (credential formulas may read them).
    pub resources: &'a [String],
    /// Names of all credentials in relay.yaml.
    pub credentials: &'a [String],
}

/// A kind of credential (`text`, `http_request`, `oauth2`, or a plugin type).
pub trait CredentialType: Send + Sync {
    fn name(&self) -> &str;
    /// The keys its definition may have besides `type`, `allowed_hosts`, `description`, `metadata`.
    fn keys(&self) -> &'static [&'static str];
    /// Reads the definition (already checked for unknown keys) into a provider.
    fn plan(
        &self,
        reader: &MapReader<'_>,
        cx: &mut CredentialPlanner<'_>,
    ) -> Option<Arc<dyn CredentialProvider>>;
}
