//! `relay.yaml`: the state directory, plugins, resources and credentials shared by workflows.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::Value;

use crate::credentials::{AllowedHosts, CredentialDef, CredentialPlanner};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::Registry;
use crate::source::{Location, SourceFile};
use crate::workflow::{LoadError, read_source};
use crate::yaml::{self, Key, MapReader, Node, NodeValue, did_you_mean};

/// Overrides `state:`: a state directory (`RELAY_STATE_URL=/var/lib/relay`).
pub const STATE_URL_ENV: &str = "RELAY_STATE_URL";

fn is_postgres(state: &str) -> bool {
    state.starts_with("postgres://") || state.starts_with("postgresql://")
}

/// Refuses a `RELAY_STATE_URL` this version cannot use, with what to do instead.
pub fn check_state_url() -> Result<(), String> {
    match std::env::var(STATE_URL_ENV) {
        Ok(url) if is_postgres(&url) => Err(format!(
            "{STATE_URL_ENV} names a PostgreSQL database, which this version of Relay does not support; set it to a state directory (SQLite) or unset it"
        )),
        _ => Ok(()),
    }
}

/// The file name looked for in the current directory.
pub const CONFIG_FILE: &str = "relay.yaml";

const CONFIG_KEYS: &[&str] = &["state", "plugins", "resources", "credentials"];
const COMMON_CREDENTIAL_KEYS: &[&str] = &["type", "allowed_hosts", "description", "metadata"];

/// A loaded (or absent) `relay.yaml`.
#[derive(Debug, Default)]
pub struct Config {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// Where relative paths in it start (its directory, or the current directory).
    pub dir: PathBuf,
    pub source: Option<Arc<SourceFile>>,
    pub state: Option<String>,
    pub plugins: Vec<(PathBuf, Location)>,
    pub resources: Vec<(Key, Node)>,
    pub credentials: Vec<CredentialDef>,
}

/// Where the configuration comes from.
pub enum ConfigLocation {
    /// `--config FILE` or `RELAY_CONFIG`: must exist.
    Explicit(PathBuf),
    /// `relay.yaml` in this directory, if there is one.
    Discover(PathBuf),
}

impl Config {
    /// Loads the configuration; problems in its content go to `diags` (exit 65), an unreadable
    /// explicit file is an error (exit 66).
    pub fn load(
        location: ConfigLocation,
        registry: &Registry,
        diags: &mut Diagnostics,
    ) -> Result<Config, LoadError> {
        let path = match location {
            ConfigLocation::Explicit(p) => p,
            ConfigLocation::Discover(dir) => {
                // `relay.yaml`, not `./relay.yaml`, in messages about the current directory.
                let candidate = if dir == Path::new(".") {
                    PathBuf::from(CONFIG_FILE)
                } else {
                    dir.join(CONFIG_FILE)
                };
                if !candidate.exists() {
                    return Ok(Config {
                        dir,
                        ..Config::default()
                    });
                }
                candidate
            }
        };
        let source = read_source(&path)?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let mut config = Config {
            path: Some(path),
            dir,
            source: Some(source.clone()),
            ..Config::default()
        };
        let root = match yaml::parse(&source.text) {
            Ok(root) => root,
            Err(e) => {
                diags.error(
                    &source,
                    e.location,
                    format!("invalid YAML: {}", e.message),
                    "fix the YAML syntax at this position",
                );
                return Ok(config);
            }
        };
        if root.value == NodeValue::Null {
            return Ok(config);
        }
        let Some(r) = MapReader::new(&source, &root, "relay.yaml", CONFIG_KEYS, diags) else {
            return Ok(config);
        };
        config.state = r.string("state", diags).map(str::to_owned);
        if let (Some(state), Some(node)) = (&config.state, r.get("state")) {
            if is_postgres(state) {
                diags.error(
                    &source,
                    node.location,
                    "a PostgreSQL state store is not supported by this version of Relay",
                    "use a state directory (SQLite), e.g. `state: .relay`",
                );
            }
        }
        if let Some(node) = r.get("plugins") {
            match node.as_seq() {
                Some(items) => {
                    for item in items {
                        match item.as_str() {
                            Some(p) => config.plugins.push((config.dir.join(p), item.location)),
                            None => r.type_error("plugins", item, "a list of library paths", diags),
                        }
                    }
                }
                None => r.type_error("plugins", node, "a list of library paths", diags),
            }
        }
        if let Some(node) = r.get("resources") {
            match node.as_map() {
                Some(entries) => config.resources = entries.to_vec(),
                None => r.type_error("resources", node, "a mapping of names to values", diags),
            }
        }
        if let Some(node) = r.get("credentials") {
            match node.as_map() {
                Some(entries) => {
                    let names: Vec<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
                    let resources: Vec<String> = config
                        .resources
                        .iter()
                        .map(|(k, _)| k.name.clone())
                        .collect();
                    for (key, def) in entries {
                        if let Some(c) =
                            read_credential(&source, key, def, registry, &names, &resources, diags)
                        {
                            config.credentials.push(c);
                        }
                    }
                    check_self_references(&source, &config.credentials, diags);
                    include_resources(&mut config.credentials, &config.resources);
                }
                None => r.type_error(
                    "credentials",
                    node,
                    "a mapping of credential names to definitions",
                    diags,
                ),
            }
        }
        yaml::report_duplicate_keys(&source, &root, diags);
        Ok(config)
    }

    /// The state directory: `state:` (relative to this file), else `.relay` beside it.
    pub fn state_dir(&self) -> PathBuf {
        // RELAY_STATE_URL wins over `state:` (a PostgreSQL URL there is refused at load).
        if let Some(dir) = std::env::var_os(STATE_URL_ENV).filter(|v| !v.is_empty()) {
            return match dir.to_str().and_then(|d| d.strip_prefix("sqlite://")) {
                Some(path) => PathBuf::from(path),
                None => PathBuf::from(dir),
            };
        }
        match &self.state {
            Some(s) => join_lexically(&self.dir, Path::new(s)),
            None => self.dir.join(".relay"),
        }
    }

    /// relay.yaml's resources as one value (formulas in them rendered), for credential formulas.
    pub fn resources_value(&self, diags: &mut Diagnostics) -> Value {
        match &self.source {
            Some(source) => crate::plan::merge_resources(
                &[crate::plan::ResourceLayer {
                    source,
                    entries: &self.resources,
                }],
                &[],
                diags,
            ),
            None => Value::from_pairs(Vec::<(Value, Value)>::new()),
        }
    }

    /// The resources as values (formulas in them are not rendered here).
    pub fn resource_names(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(|(k, _)| k.name.as_str())
    }

    pub fn credential(&self, name: &str) -> Option<&CredentialDef> {
        self.credentials.iter().find(|c| c.name == name)
    }

    /// What to call this configuration in messages.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => format!("relay.yaml (none found in {})", self.dir.display()),
        }
    }
}

fn read_credential(
    source: &SourceFile,
    key: &Key,
    def: &Node,
    registry: &Registry,
    credentials: &[String],
    resources: &[String],
    diags: &mut Diagnostics,
) -> Option<CredentialDef> {
    let name = key.name.as_str();
    let what = format!("credential `{name}`");
    let Some(type_name) = def.get("type").and_then(Node::as_str) else {
        diags.error(
            source,
            def.location,
            format!("{what} has no `type`"),
            format!(
                "add `type:` with one of: {}",
                registry.credential_type_names().join(", ")
            ),
        );
        return None;
    };
    let Some(kind) = registry.credential_type(type_name) else {
        let names = registry.credential_type_names();
        let suggestion = did_you_mean(type_name, names.iter().map(String::as_str));
        diags.push(
            Diagnostic::new(
                source,
                def.get("type").map(|n| n.location).unwrap_or(def.location),
                format!("unknown credential type `{type_name}` in {what}"),
            )
            .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?")))
            .with_help(format!("credential types: {}", names.join(", "))),
        );
        return None;
    };
    let allowed: Vec<&str> = COMMON_CREDENTIAL_KEYS
        .iter()
        .chain(kind.keys())
        .copied()
        .collect();
    let r = MapReader::new(source, def, what.clone(), &allowed, diags)?;
    let allowed_hosts = match r.get("allowed_hosts") {
        None => AllowedHosts::none(),
        Some(node) => {
            let patterns: Option<Vec<String>> = match &node.value {
                NodeValue::Seq(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                NodeValue::Str(s) => Some(vec![s.clone()]),
                _ => None,
            };
            match patterns.map(|p| AllowedHosts::parse(&p)) {
                Some(Ok(hosts)) => hosts,
                Some(Err(e)) => {
                    diags.error(source, node.location, format!("bad pattern in `allowed_hosts` of {what}: {e}"), "patterns look like `api.example.com`, `*.example.com`, `https://api.example.com`, `api.example.com:8443` or `api.example.com/api/*`");
                    AllowedHosts::none()
                }
                None => {
                    r.type_error("allowed_hosts", node, "a list of host patterns", diags);
                    AllowedHosts::none()
                }
            }
        }
    };
    let metadata = r
        .get("metadata")
        .map(Node::to_value)
        .unwrap_or_else(|| Value::from(()));
    let description = r.string("description", diags).map(str::to_owned);
    let mut planner = CredentialPlanner {
        source,
        diags,
        name,
        resources,
        credentials,
    };
    let provider = kind.plan(&r, &mut planner)?;
    Some(CredentialDef {
        name: name.to_owned(),
        type_name: type_name.to_owned(),
        allowed_hosts,
        description,
        metadata,
        provider,
        location: key.location,
        fingerprint: fingerprint(def),
    })
}

/// A short hash of a credential's definition (see `CredentialDef::fingerprint`).
fn fingerprint(def: &Node) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(&def.to_value()).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Folds relay.yaml's resources into each fingerprint: a definition reading
/// `<<RESOURCE.halo_tenant>>` means another token when the tenant changes.
fn include_resources(credentials: &mut [CredentialDef], resources: &[(Key, Node)]) {
    use sha2::{Digest, Sha256};
    let values: Vec<(String, minijinja::Value)> = resources
        .iter()
        .map(|(k, v)| (k.name.clone(), v.to_value()))
        .collect();
    let json = serde_json::to_vec(&values).unwrap_or_default();
    for c in credentials {
        let mut hasher = Sha256::new();
        hasher.update(c.fingerprint.as_bytes());
        hasher.update(&json);
        c.fingerprint = hasher
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
    }
}

/// A credential that reads itself, directly or through others, could never be resolved.
fn check_self_references(source: &SourceFile, defs: &[CredentialDef], diags: &mut Diagnostics) {
    for def in defs {
        let mut path = vec![def.name.clone()];
        let mut seen = BTreeSet::new();
        if let Some(cycle) = find_cycle(&def.name, defs, &mut path, &mut seen) {
            diags.error(
                source,
                def.location,
                format!(
                    "credential `{}` references itself: {}",
                    def.name,
                    cycle.join(" → ")
                ),
                "a credential's definition may use other credentials, but not itself",
            );
        }
    }
}

fn find_cycle(
    start: &str,
    defs: &[CredentialDef],
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let current = path.last()?.clone();
    let def = defs.iter().find(|d| d.name == current)?;
    for next in def.provider.reads() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(next);
            return Some(cycle);
        }
        if seen.insert(next.clone()) {
            path.push(next);
            if let Some(c) = find_cycle(start, defs, path, seen) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

/// `base/rel` with each `..` cancelling the name before it, so messages show
/// `.relay` rather than `plugins/halo/../../.relay`. A `..` that climbs past `base` (or follows
/// another `..`) is kept.
fn join_lexically(base: &Path, rel: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = base.to_path_buf();
    for part in rel.components() {
        match part {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join_lexically;
    use std::path::Path;

    #[test]
    fn parent_components_cancel_the_names_before_them() {
        let join = |a: &str, b: &str| join_lexically(Path::new(a), Path::new(b));
        assert_eq!(join("plugins/halo", "../../.relay"), Path::new(".relay"));
        assert_eq!(
            join("/srv/relay/conf", "../state"),
            Path::new("/srv/relay/state")
        );
        assert_eq!(join("conf", "../../up"), Path::new("../up"));
        assert_eq!(join(".", "../x"), Path::new("./../x"));
        assert_eq!(join("conf", "/var/lib/relay"), Path::new("/var/lib/relay"));
        assert_eq!(join("conf", "state"), Path::new("conf/state"));
    }
}
