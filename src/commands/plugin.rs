//! `relay plugin list | inspect PATH`.

use relay_core::plugin_host::{self, Origin, PluginRef};

use crate::cli::{Cli, PluginCommand};
use crate::exit::{Exit, Failure};
use crate::loading;
use crate::output::Output;

pub fn plugin(command: &PluginCommand, cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    match command {
        PluginCommand::List => list(cli, out),
        PluginCommand::Inspect { path } => {
            let r = PluginRef {
                path: path.clone(),
                origin: Origin::Inspect,
            };
            let plugin = plugin_host::load(&r)
                .map_err(|e| Failure::new(Exit::Unavailable, e.to_string()))?;
            let text = serde_json::to_string_pretty(&plugin.to_json()).map_err(|e| {
                Failure::new(Exit::Internal, format!("cannot print the description: {e}"))
            })?;
            out.stdout(&format!("{text}\n"));
            Ok(Exit::Success)
        }
    }
}

/// One row per plugin: name, version, the types it provides (as relay.yaml and workflows
/// write them), and its path.
fn list(cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    let (_, plugins) = loading::plugins(cli)?;
    if plugins.is_empty() {
        out.stderr_line("no plugins loaded (list them under `plugins:` in relay.yaml, pass --plugin PATH, or set RELAY_PLUGIN_PATH)");
        return Ok(Exit::Success);
    }
    let mut rows = vec![[
        "NAME".to_owned(),
        "VERSION".to_owned(),
        "PROVIDES".to_owned(),
        "PATH".to_owned(),
    ]];
    for p in &plugins {
        let mut provides: Vec<String> = p
            .description
            .credential_types
            .iter()
            .map(|t| format!("credential {}", t.name))
            .collect();
        provides.extend(
            p.action_type_names()
                .into_iter()
                .map(|n| format!("action {n}")),
        );
        rows.push([
            p.name().to_owned(),
            p.description.version.clone(),
            provides.join(", "),
            p.path.display().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for r in &rows {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    out.stdout(&text);
    Ok(Exit::Success)
}
