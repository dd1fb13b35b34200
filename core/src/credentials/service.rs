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
use super::provider::{CredentialProvider, ResolveContext, Resolved};
use super::redactor::Redactor;
use super::secret::Secret;

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
}

/// Why a credential could not be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("credential `{name}` is not defined in {}", describe_config(.config))]
    Unknown { name: String, config: Option<PathBuf> },
    #[error("{}", not_allowed(.name, .host, .patterns))]
    NotAllowed { name: String, host: String, patterns: Vec<String> },
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
        format!("credential `{name}` may not be sent to `{host}`: it has no `allowed_hosts`, so it cannot be used in any request (add `allowed_hosts: [{host}]` to it in relay.yaml if that host should get it)")
    } else {
        format!("credential `{name}` may not be sent to `{host}`: its allowed_hosts are [{}]", patterns.join(", "))
    }
}

/// All credentials of one configuration.
pub struct Credentials {
    defs: BTreeMap<String, Arc<CredentialDef>>,
    config_path: Option<PathBuf>,
    config_dir: PathBuf,
    redactor: Arc<Redactor>,
    /// One slot per credential; holding its lock while resolving makes concurrent uses of an
    /// expired credential wait for one token request instead of each making their own.
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Resolved>>>>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("names", &self.defs.keys().collect::<Vec<_>>()).finish()
    }
}

impl Credentials {
    pub fn new(defs: Vec<CredentialDef>, config_path: Option<PathBuf>, config_dir: PathBuf, redactor: Arc<Redactor>) -> Credentials {
        Credentials {
            defs: defs.into_iter().map(|d| (d.name.clone(), Arc::new(d))).collect(),
            config_path,
            config_dir,
            redactor,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// No credentials at all (a run without relay.yaml).
    pub fn empty(redactor: Arc<Redactor>) -> Credentials {
        Credentials::new(Vec::new(), None, PathBuf::from("."), redactor)
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
        CredentialError::Unknown { name: name.to_owned(), config: self.config_path.clone() }
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
        Err(CredentialError::NotAllowed { name: name.to_owned(), host, patterns: def.allowed_hosts.patterns().to_vec() })
    }

    /// The credential's value: from the cache while it is fresh, otherwise from its provider
    /// (one resolution at a time per credential). Every value is registered for redaction.
    pub async fn resolve(&self, name: &str) -> Result<Secret, CredentialError> {
        let def = self.get(name).ok_or_else(|| self.unknown(name))?.clone();
        let slot = self.slot(name);
        let mut cached = slot.lock().await;
        if let Some(r) = cached.as_ref() {
            if r.expires_at.is_some_and(|t| t > SystemTime::now()) {
                return Ok(r.value.clone());
            }
        }
        let cx = ResolveContext { name, config_dir: &self.config_dir, credentials: self };
        let resolved = def
            .provider
            .resolve(&cx)
            .await
            .map_err(|message| CredentialError::Failed { name: name.to_owned(), message: self.redactor.redact(&message).into_owned() })?;
        self.redactor.register(name, resolved.value.expose());
        let value = resolved.value.clone();
        *cached = resolved.expires_at.is_some().then_some(resolved);
        Ok(value)
    }

    /// Drops the cached value (after a 401), so the next use resolves afresh.
    pub async fn invalidate(&self, name: &str) {
        let slot = self.slot(name);
        *slot.lock().await = None;
    }

    /// Whether a 401 from a request using this credential is worth one fresh attempt.
    pub fn refreshable(&self, name: &str) -> bool {
        self.get(name).is_some_and(|d| d.provider.refreshable())
    }

    fn slot(&self, name: &str) -> Arc<tokio::sync::Mutex<Option<Resolved>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(name.to_owned()).or_default().clone()
    }
}
