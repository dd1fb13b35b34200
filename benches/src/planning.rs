//! Reading and planning generated workflows in-process, the way `relay validate` does.

use std::path::Path;
use std::sync::Arc;

use relay_core::config::{Config, ConfigLocation};
use relay_core::diagnostic::Diagnostics;
use relay_core::plan::{self, Plan, PlanInputs};
use relay_core::registry::Registry;
use relay_core::source::SourceFile;
use relay_core::workflow::RawWorkflow;

/// Loads the `relay.yaml` at `path`; its problems as text on failure.
pub fn load_config(path: &Path, registry: &Registry) -> Result<Config, String> {
    let mut diags = Diagnostics::new();
    let config = Config::load(
        ConfigLocation::Explicit(path.to_path_buf()),
        registry,
        &mut diags,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if diags.is_empty() {
        Ok(config)
    } else {
        Err(describe(&diags))
    }
}

/// Reads `source` and plans it; every diagnostic as text when it does not plan cleanly.
pub fn plan_source(
    source: Arc<SourceFile>,
    config: &Config,
    registry: &Registry,
) -> Result<Plan, String> {
    let mut diags = Diagnostics::new();
    let planned = RawWorkflow::read(source, &mut diags).and_then(|raw| {
        let inputs = PlanInputs {
            config,
            registry,
            resource_overrides: &[],
        };
        plan::build(&raw, &inputs, &mut diags)
    });
    match planned {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => Err(describe(&diags)),
    }
}

fn describe(diags: &Diagnostics) -> String {
    let lines: Vec<String> = diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d.file.display(),
                d.location.line,
                d.location.column,
                d.message
            )
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::{self, ImplodeCheck};

    fn config() -> (tempfile::TempDir, Config, Registry) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.yaml");
        std::fs::write(
            &path,
            workflows::relay_config("http://127.0.0.1:9", "127.0.0.1:9"),
        )
        .unwrap();
        let registry = Registry::builtin();
        let config = load_config(&path, &registry).unwrap();
        (dir, config, registry)
    }

    fn plan(text: String, config: &Config, registry: &Registry) -> Result<Plan, String> {
        plan_source(SourceFile::new("bench.yaml", text), config, registry)
    }

    #[test]
    fn every_generated_workflow_plans_cleanly() {
        let (_dir, config, registry) = config();
        let chain = plan(workflows::chain_workflow(30), &config, &registry).unwrap();
        assert_eq!(chain.actions.len(), 30);
        assert_eq!(chain.credentials, vec!["halo".to_owned()]);
        let requests = plan(workflows::requests_workflow(64), &config, &registry).unwrap();
        assert_eq!(requests.concurrency, 64);
        plan(workflows::single_request_workflow(), &config, &registry).unwrap();
        let explode = plan(
            workflows::explode_workflow(10, ImplodeCheck::EmitWhenWrong),
            &config,
            &registry,
        )
        .unwrap();
        assert_eq!(explode.actions.len(), 4);
    }

    #[test]
    fn a_broken_workflow_reports_its_problems() {
        let (_dir, config, registry) = config();
        let text = workflows::single_request_workflow().replace("method: get", "method: fetch");
        let err = plan(text, &config, &registry).unwrap_err();
        assert!(err.contains("fetch"), "{err}");
    }
}
