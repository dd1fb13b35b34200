//! Loading relay.yaml and workflow files into plans, with every problem collected.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use relay_core::Value;
use relay_core::config::{Config, ConfigLocation};
use relay_core::diagnostic::Diagnostics;
use relay_core::plan::{self, Plan, PlanInputs};
use relay_core::plugin_host::{self, LoadedPlugin};
use relay_core::registry::Registry;
use relay_core::workflow::{RawWorkflow, read_source};

use crate::cli::Cli;
use crate::exit::{Exit, Failure};
use crate::output::Output;

/// The registry for a command: the built-in types, then those of every requested plugin
/// (`plugins:` of relay.yaml, `--plugin`, `RELAY_PLUGIN_PATH`), and the plugins themselves.
/// Runs before relay.yaml is loaded, because its credentials may use plugin types. A plugin
/// that cannot be loaded is exit 69.
pub fn plugins(cli: &Cli) -> Result<(Registry, Vec<Arc<LoadedPlugin>>), Failure> {
    let mut registry = Registry::builtin();
    let config_file = cli.config.clone().or_else(|| {
        let here = PathBuf::from(relay_core::config::CONFIG_FILE);
        here.exists().then_some(here)
    });
    let env_path = std::env::var_os("RELAY_PLUGIN_PATH");
    let refs = plugin_host::requested(config_file.as_deref(), &cli.plugins, env_path.as_deref());
    let loaded = plugin_host::load_into(&mut registry, &refs)
        .map_err(|e| Failure::new(Exit::Unavailable, e.to_string()))?;
    Ok((registry, loaded))
}

/// [`plugins`], for commands that need only the registry.
pub fn registry(cli: &Cli) -> Result<Registry, Failure> {
    plugins(cli).map(|(registry, _)| registry)
}

/// Loads relay.yaml (from `--config`/`RELAY_CONFIG`, else the current directory).
pub fn load_config(
    explicit: Option<&Path>,
    registry: &Registry,
    diags: &mut Diagnostics,
) -> Result<Config, Failure> {
    relay_core::config::check_state_url().map_err(|e| Failure::new(Exit::Usage, e))?;
    let location = match explicit {
        Some(p) => ConfigLocation::Explicit(p.to_path_buf()),
        None => ConfigLocation::Discover(PathBuf::from(".")),
    };
    let config = Config::load(location, registry, diags)
        .map_err(|e| Failure::new(Exit::NoInput, format!("cannot load the configuration: {e}")))?;
    match &config.path {
        Some(path) => tracing::info!(
            path = %path.display(),
            credentials = config.credentials.len(),
            resources = config.resources.len(),
            plugins = config.plugins.len(),
            "config: loaded"
        ),
        None => tracing::info!("config: no relay.yaml here; no credentials or resources"),
    }
    Ok(config)
}

/// Reads and plans one workflow file. `Ok(None)`: it has problems, now in `diags`.
pub fn plan_file(
    path: &Path,
    config: &Config,
    registry: &Registry,
    overrides: &[(String, Value)],
    diags: &mut Diagnostics,
) -> Result<Option<Plan>, Failure> {
    let source = read_source(path)?;
    let Some(raw) = RawWorkflow::read(source, diags) else {
        return Ok(None);
    };
    let inputs = PlanInputs {
        config,
        registry,
        resource_overrides: overrides,
    };
    Ok(plan::build(&raw, &inputs, diags))
}

/// The workflow files named by `paths`: files as given, directories searched for
/// `*.yaml`/`*.yml`. A subdirectory with its own relay.yaml is left out, with a note saying so.
pub fn workflow_files(paths: &[PathBuf], out: &Output) -> Result<Vec<PathBuf>, Failure> {
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(Failure::new(
            Exit::NoInput,
            format!("{}: no such file or directory", missing.display()),
        ));
    }
    let found = relay_core::workflow::workflow_files(paths).map_err(|e| {
        Failure::new(
            Exit::NoInput,
            format!("cannot read workflow directory: {e}"),
        )
    })?;
    for dir in &found.nested_projects {
        out.stderr_line(&format!(
            "note: skipped {dir}/: it has its own relay.yaml (run relay there, or pass --config {dir}/relay.yaml)",
            dir = dir.display()
        ));
    }
    Ok(found.files)
}

/// Parses `--resource K=V` (V as JSON when it parses, else as text).
pub fn parse_resources(items: &[String]) -> Result<Vec<(String, Value)>, Failure> {
    items
        .iter()
        .map(|item| {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    format!("--resource `{item}` must look like NAME=VALUE"),
                )
            })?;
            if k.trim().is_empty() {
                return Err(Failure::new(
                    Exit::Usage,
                    format!("--resource `{item}` has an empty name"),
                ));
            }
            let value = serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::from(v));
            Ok((k.trim().to_owned(), value))
        })
        .collect()
}
