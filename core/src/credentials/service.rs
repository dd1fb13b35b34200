//! The process-wide credential service: definitions, cache with single flight, allowed-hosts
//! checks, and registration with the redactor.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use minijinja::Value;
use url::Url;

use crate::source::Location;

use super::allowed_hosts::AllowedHosts;
use super::provider::{CredentialProvider, LoginOutcome, ResolveContext, Resolved, Rotation};
use super::redactor::Redactor;
use super::secret::Secret;
use super::state::StateStore;
use crate::http::HttpClient;

/// One credential as defined in `relay.yaml`.
#[derive(Debug)]
pub struct CredentialDef {
    pub name: String,
    pub type_name: String,
    pub allowed_hosts: AllowedHosts,
    pub description: Option<String>,
    /// Non-secret data, readable as `INFO.credential.<name>.metadata`.
    pub metadata: Value,
    pub provider: Arc<dyn CredentialProvider>,
    pub location: Location,
    /// Changes when the definition changes, so a token cached for an older definition (say,
    /// another tenant) is not reused.
    pub fingerprint: String,
}

/// Why a credential could not be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("credential `{name}` is not defined in {}", describe_config(.config))]
    Unknown {
        name: String,
        config: Option<PathBuf>,
    },
    #[error("{}", not_allowed(.name, .host, .patterns))]
    NotAllowed {
        name: String,
        host: String,
        patterns: Vec<String>,
    },
    #[error("credential `{name}` could not be resolved: {message}")]
    Failed { name: String, message: String },
}

fn describe_config(config: &Option<PathBuf>) -> String {
    match config {
        Some(p) => format!("{} (add it under `credentials:`)", p.display()),
        None => "any relay.yaml: none was found in the current directory (create one, or pass --config FILE)".into(),
    }
}

fn not_allowed(name: &str, host: &str, patterns: &[String]) -> String {
    if patterns.is_empty() {
        format!(
            "credential `{name}` may not be sent to `{host}`: it has no `allowed_hosts`, so it cannot be used in any request (add `allowed_hosts: [{host}]` to it in relay.yaml if that host should get it)"
        )
    } else {
        format!(
            "credential `{name}` may not be sent to `{host}`: its allowed_hosts are [{}]",
            patterns.join(", ")
        )
    }
}

/// Where credentials live and what they may use.
pub struct CredentialsSetup {
    pub definitions: Vec<CredentialDef>,
    pub config_path: Option<PathBuf>,
    pub config_dir: PathBuf,
    /// relay.yaml's resources, for formulas in credential definitions.
    pub resources: Value,
    pub state_dir: PathBuf,
    pub http: Arc<HttpClient>,
    pub redactor: Arc<Redactor>,
}

/// All credentials of one configuration.
pub struct Credentials {
    defs: BTreeMap<String, Arc<CredentialDef>>,
    config_path: Option<PathBuf>,
    config_dir: PathBuf,
    redactor: Arc<Redactor>,
    http: Arc<HttpClient>,
    resources: Value,
    state: StateStore,
    /// One slot per credential; holding its lock while resolving makes concurrent uses of an
    /// expired credential wait for one token request instead of each making their own.
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Resolved>>>>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("names", &self.defs.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Credentials {
    pub fn new(setup: CredentialsSetup) -> Credentials {
        Credentials {
            defs: setup
                .definitions
                .into_iter()
                .map(|d| (d.name.clone(), Arc::new(d)))
                .collect(),
            config_path: setup.config_path,
            config_dir: setup.config_dir,
            redactor: setup.redactor,
            http: setup.http,
            resources: setup.resources,
            state: StateStore::new(setup.state_dir),
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub fn http(&self) -> &Arc<HttpClient> {
        &self.http
    }

    pub fn resources(&self) -> &Value {
        &self.resources
    }

    pub fn state(&self) -> &StateStore {
        &self.state
    }

    pub fn get(&self, name: &str) -> Option<&Arc<CredentialDef>> {
        self.defs.get(name)
    }

    pub fn definitions(&self) -> impl Iterator<Item = &Arc<CredentialDef>> {
        self.defs.values()
    }

    pub fn redactor(&self) -> &Arc<Redactor> {
        &self.redactor
    }

    pub fn config_path(&self) -> Option<&PathBuf> {
        self.config_path.as_ref()
    }

    fn unknown(&self, name: &str) -> CredentialError {
        CredentialError::Unknown {
            name: name.to_owned(),
            config: self.config_path.clone(),
        }
    }

    /// Refuses `url` unless it matches one of the credential's allowed-hosts patterns.
    pub fn check_allowed(&self, name: &str, url: &Url) -> Result<(), CredentialError> {
        let def = self.get(name).ok_or_else(|| self.unknown(name))?;
        if def.allowed_hosts.allows(url) {
            return Ok(());
        }
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => url.as_str().to_owned(),
        };
        Err(CredentialError::NotAllowed {
            name: name.to_owned(),
            host,
            patterns: def.allowed_hosts.patterns().to_vec(),
        })
    }

    /// The credential's value: from the cache while it is fresh (in memory, then the state
    /// store), otherwise from its provider, one resolution at a time per credential. A rotated
    /// refresh token is written to the store before the new value is returned. Every value is
    /// registered for redaction.
    pub async fn resolve(&self, name: &str) -> Result<Secret, CredentialError> {
        let def = self.get(name).ok_or_else(|| self.unknown(name))?.clone();
        let failed = |message: String| CredentialError::Failed {
            name: name.to_owned(),
            message: self.redactor.redact(&message).into_owned(),
        };
        let slot = self.slot(name);
        let mut cached = slot.lock().await;
        let now = SystemTime::now();
        let memoize = def.provider.memoize();
        if let Some(r) = cached.as_ref() {
            if r.expires_at.is_some_and(|t| t > now) || (memoize && r.expires_at.is_none()) {
                return Ok(r.value.clone());
            }
        }
        let cacheable = def.provider.refreshable();
        if cacheable {
            if let Some(hit) = self.stored_token(&def).await {
                tracing::info!(
                    credential = name,
                    expires_in_s = seconds_until(hit.expires_at),
                    "credential: token reused from the state store"
                );
                self.redactor.register(name, hit.value.expose());
                let value = hit.value.clone();
                *cached = Some(hit);
                return Ok(value);
            }
        }
        let cx = ResolveContext {
            name,
            config_dir: &self.config_dir,
            credentials: self,
        };
        let resolved = def.provider.resolve(&cx).await.map_err(failed)?;
        self.redactor.register(name, resolved.value.expose());
        if let Some(rotation) = &resolved.rotation {
            self.redactor
                .register(&rotation.into, rotation.value.expose());
        }
        self.persist(&def, &resolved).await.map_err(failed)?;
        if cacheable {
            tracing::info!(
                credential = name,
                expires_in_s = seconds_until(resolved.expires_at),
                rotated_into = resolved.rotation.as_ref().map(|r| r.into.as_str()),
                "credential: new token fetched"
            );
        } else {
            tracing::debug!(credential = name, "credential: resolved");
        }
        // Only after a token response was stored: resolving a plain `text` credential (say, the
        // refresh token read by the token request) stores nothing, and dying there would kill
        // the process before the token request instead of after it.
        if resolved.rotation.is_some() || resolved.expires_at.is_some() {
            failpoint("after-token-stored");
        }
        let value = resolved.value.clone();
        *cached = (resolved.expires_at.is_some() || memoize).then_some(resolved);
        Ok(value)
    }

    /// A fresh token cached in the state store by an earlier process.
    async fn stored_token(&self, def: &CredentialDef) -> Option<Resolved> {
        let store = self.state.get().await.ok()?;
        let (bytes, expires_at) = store.get_token(&cache_key(def)).await.ok()??;
        let text = String::from_utf8(bytes.to_vec()).ok()?;
        (expires_at > SystemTime::now()).then(|| Resolved {
            value: Secret::new(text),
            expires_at: Some(expires_at),
            rotation: None,
        })
    }

    /// Writes a rotated refresh token and the new token's cache entry, in one transaction.
    async fn persist(&self, def: &CredentialDef, resolved: &Resolved) -> Result<(), String> {
        if resolved.rotation.is_none() && resolved.expires_at.is_none() {
            return Ok(());
        }
        let store = self
            .state
            .get()
            .await
            .map_err(|e| format!("cannot open the state store to save its tokens: {e}"))?;
        let key = cache_key(def);
        let token = resolved.value.expose().as_bytes();
        let result = match (&resolved.rotation, resolved.expires_at) {
            (Some(r), Some(expires)) => {
                store
                    .put_secret_and_token(
                        &r.into,
                        r.value.expose().as_bytes(),
                        &key,
                        token,
                        expires,
                    )
                    .await
            }
            (Some(r), None) => store.put_secret(&r.into, r.value.expose().as_bytes()).await,
            (None, Some(expires)) => store.put_token(&key, token, expires).await,
            (None, None) => Ok(()),
        };
        result.map_err(|e| match &resolved.rotation {
            Some(r) => format!("the endpoint rotated the refresh token but it could not be saved into `{}` ({e}); the new token is not used. Run `relay credential login {}` to recover", r.into, def.name),
            None => format!("cannot cache the token in the state store: {e}"),
        })
    }

    /// For a token response that rotated the refresh token but cannot be used (no access token
    /// where `token` says, say): stores the new refresh token anyway, since the provider has
    /// already invalidated the old one, and returns `error` saying so.
    pub async fn keep_rotation(&self, rotation: Option<&Rotation>, error: String) -> String {
        let Some(r) = rotation else { return error };
        self.redactor.register(&r.into, r.value.expose());
        let saved = match self.state.get().await {
            Ok(store) => store
                .put_secret(&r.into, r.value.expose().as_bytes())
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match saved {
            Ok(()) => format!(
                "{error} (the new refresh token it returned was saved into `{}`)",
                r.into
            ),
            Err(e) => format!(
                "{error}; the new refresh token it returned could not be saved into `{}` ({e})",
                r.into
            ),
        }
    }

    /// `relay credential login NAME`: runs the credential's login and stores what it returns.
    pub async fn login(
        &self,
        name: &str,
        username: &Secret,
        password: &Secret,
    ) -> Result<LoginOutcome, CredentialError> {
        let def = self.get(name).ok_or_else(|| self.unknown(name))?.clone();
        let failed = |message: String| CredentialError::Failed {
            name: name.to_owned(),
            message: self.redactor.redact(&message).into_owned(),
        };
        self.redactor
            .register(&format!("{name} login"), password.expose());
        let cx = ResolveContext {
            name,
            config_dir: &self.config_dir,
            credentials: self,
        };
        let outcome = def
            .provider
            .login(&cx, username, password)
            .await
            .map_err(failed)?;
        self.redactor
            .register(&outcome.rotation.into, outcome.rotation.value.expose());
        let resolved = Resolved {
            value: outcome
                .token
                .as_ref()
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| Secret::new(String::new())),
            expires_at: outcome.token.as_ref().map(|(_, e)| *e),
            rotation: Some(outcome.rotation.clone()),
        };
        if let Some((token, _)) = &outcome.token {
            self.redactor.register(name, token.expose());
        }
        self.invalidate(name).await;
        self.persist(&def, &resolved).await.map_err(failed)?;
        Ok(outcome)
    }

    /// Until when a token is cached (in this process or the state store), without resolving.
    /// Opens the store only when its database already exists.
    pub async fn cached_until(&self, name: &str) -> Option<SystemTime> {
        let def = self.get(name)?;
        if let Some(r) = self.slot(name).lock().await.as_ref() {
            if let Some(t) = r.expires_at.filter(|t| *t > SystemTime::now()) {
                return Some(t);
            }
        }
        if !self.state.dir().join(crate::store::DATABASE_FILE).exists() {
            return None;
        }
        let store = self.state.get().await.ok()?;
        let (_, expires_at) = store.get_token(&cache_key(def)).await.ok()??;
        (expires_at > SystemTime::now()).then_some(expires_at)
    }

    /// Drops the cached value (after a 401), in memory and in the state store, so the next use
    /// resolves afresh.
    pub async fn invalidate(&self, name: &str) {
        tracing::info!(credential = name, "credential: cached token dropped");
        let slot = self.slot(name);
        *slot.lock().await = None;
        if let (Some(def), Some(store)) = (self.get(name), self.state.opened()) {
            let _ = store.delete_token(&cache_key(def)).await;
        }
    }

    /// Like [`Credentials::invalidate`], but only while the cached value is still `stale`, the
    /// value the refused request carried. When many requests in flight get 401 for the same
    /// token, the first one replaces it; the others then find the new token and must not drop
    /// it, so one token request serves them all (single flight after a revocation, too).
    /// The 401 retry of `http_request` should call this with the value it sent.
    pub async fn invalidate_stale(&self, name: &str, stale: &Secret) {
        let slot = self.slot(name);
        let mut cached = slot.lock().await;
        if cached
            .as_ref()
            .is_some_and(|r| r.value.expose() != stale.expose())
        {
            return;
        }
        *cached = None;
        tracing::info!(
            credential = name,
            "credential: token refused with 401, dropped; the next use fetches a new one"
        );
        if let (Some(def), Some(store)) = (self.get(name), self.state.opened()) {
            let key = cache_key(def);
            // Another process may have stored a newer token meanwhile: keep that one.
            if let Ok(Some((bytes, _))) = store.get_token(&key).await {
                if bytes.as_slice() != stale.expose().as_bytes() {
                    return;
                }
            }
            let _ = store.delete_token(&key).await;
        }
    }

    /// Whether a 401 from a request using this credential is worth one fresh attempt.
    pub fn refreshable(&self, name: &str) -> bool {
        self.get(name).is_some_and(|d| d.provider.refreshable())
    }

    fn slot(&self, name: &str) -> Arc<tokio::sync::Mutex<Option<Resolved>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up before `entry`, which would copy the name for every request.
        if let Some(slot) = slots.get(name) {
            return slot.clone();
        }
        slots.entry(name.to_owned()).or_default().clone()
    }
}

/// The token cache entry of a credential: its name and a fingerprint of its definition.
/// Seconds from now until `t` (0 when past or unknown), for log lines.
fn seconds_until(t: Option<SystemTime>) -> u64 {
    t.and_then(|t| t.duration_since(SystemTime::now()).ok())
        .map_or(0, |d| d.as_secs())
}

fn cache_key(def: &CredentialDef) -> String {
    format!("{}@{}", def.name, def.fingerprint)
}

/// Test hook for crash-safety tests: `RELAY_FAILPOINT=after-token-stored` kills the process
/// (SIGKILL, no cleanup) right after a token response was handled and stored, before the
/// request that needed the token goes out. Debug builds only.
fn failpoint(name: &str) {
    if cfg!(debug_assertions) && std::env::var("RELAY_FAILPOINT").is_ok_and(|v| v == name) {
        let _ = std::process::Command::new("kill")
            .args(["-9", &std::process::id().to_string()])
            .status();
        std::process::abort();
    }
}
