//! `relay import tines` and `relay export tines`.

use std::path::{Path, PathBuf};

use relay_core::diagnostic::Diagnostics;
use relay_core::import::{ImportError, export_tines, import_tines};
use relay_core::registry::Registry;
use relay_core::source::SourceFile;
use relay_core::workflow::RawWorkflow;

use crate::cli::{Cli, ExportCommand, ImportCommand};
use crate::exit::{Exit, Failure};
use crate::loading::load_config;
use crate::output::{Output, Style};
use crate::render::diagnostic;

pub fn import(command: &ImportCommand, cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    let ImportCommand::Tines { file, output } = command;
    let json = read(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let imported = import_tines(&json, &name).map_err(|e| {
        // The JSON error names the file itself; prefixed with the path it read
        // `story.json: story.json is not valid JSON`.
        let detail = match e {
            ImportError::Json { message, .. } => format!("not valid JSON: {message}"),
            other => other.to_string(),
        };
        Failure::new(Exit::Invalid, format!("{}: {detail}", file.display()))
    })?;
    for w in &imported.warnings {
        let about = w
            .action
            .as_ref()
            .map(|a| format!("action `{a}`: "))
            .unwrap_or_default();
        out.stderr_line(&format!(
            "{} {about}{}",
            out.paint(Style::Error, "warning:"),
            w.message
        ));
    }
    let mut written: Vec<(PathBuf, String)> = Vec::new();
    match output {
        None => {
            let mut text = String::new();
            for (i, w) in imported.workflows.iter().enumerate() {
                if i > 0 {
                    text.push_str(&format!(
                        "---\n# nested story: write it to its own file ({}.yaml) with -o DIR\n",
                        w.file_stem
                    ));
                }
                text.push_str(&w.yaml);
            }
            out.stdout(&text);
        }
        Some(path) => {
            let as_dir = imported.workflows.len() > 1
                || path.is_dir()
                || path.to_string_lossy().ends_with('/');
            if as_dir {
                std::fs::create_dir_all(path).map_err(|e| {
                    Failure::new(
                        Exit::NoInput,
                        format!("cannot create directory {}: {e}", path.display()),
                    )
                })?;
            }
            for w in &imported.workflows {
                let target = if as_dir {
                    path.join(format!("{}.yaml", w.file_stem))
                } else {
                    path.clone()
                };
                std::fs::write(&target, &w.yaml).map_err(|e| {
                    Failure::new(
                        Exit::NoInput,
                        format!("cannot write {}: {e}", target.display()),
                    )
                })?;
                written.push((target, w.yaml.clone()));
            }
            for (p, _) in &written {
                out.stderr_line(&format!(
                    "{} wrote {}",
                    out.paint(Style::Ok, "✓"),
                    p.display()
                ));
            }
        }
    }
    let problems = check(
        cli,
        &imported
            .workflows
            .iter()
            .zip(
                written
                    .iter()
                    .map(|(p, _)| p.clone())
                    .chain(std::iter::repeat(PathBuf::new())),
            )
            .map(|(w, p)| {
                let path = if p.as_os_str().is_empty() {
                    PathBuf::from(format!("{}.yaml", w.file_stem))
                } else {
                    p
                };
                (path, w.yaml.clone())
            })
            .collect::<Vec<_>>(),
        out,
    );
    out.stderr_line(&format!(
        "imported {} workflow{} with {} warning{}{}",
        imported.workflows.len(),
        if imported.workflows.len() == 1 {
            ""
        } else {
            "s"
        },
        imported.warnings.len(),
        if imported.warnings.len() == 1 {
            ""
        } else {
            "s"
        },
        if problems > 0 {
            format!(
                "; `relay validate` will report {problems} problem{} (above) to fix before it runs",
                if problems == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        }
    ));
    Ok(Exit::Success)
}

/// Plans each imported workflow like `relay validate` and shows what it would report.
fn check(cli: &Cli, files: &[(PathBuf, String)], out: &Output) -> usize {
    let registry = crate::loading::registry(cli).unwrap_or_else(|_| Registry::builtin());
    let mut diags = Diagnostics::new();
    let config = match load_config(cli.config.as_deref(), &registry, &mut diags) {
        Ok(c) => c,
        Err(_) => return 0,
    };
    let mut workflow_diags = Diagnostics::new();
    for (path, yaml) in files {
        let source = SourceFile::new(path, yaml.as_str());
        if let Some(raw) = RawWorkflow::read(source, &mut workflow_diags) {
            let inputs = relay_core::plan::PlanInputs {
                config: &config,
                registry: &registry,
                resource_overrides: &[],
            };
            let _ = relay_core::plan::build(&raw, &inputs, &mut workflow_diags);
        }
    }
    for d in workflow_diags.iter() {
        out.stderr_line(diagnostic::render(d, out).trim_end());
    }
    workflow_diags.len()
}

pub fn export(command: &ExportCommand, out: &Output) -> Result<Exit, Failure> {
    let ExportCommand::Tines { workflow, output } = command;
    let text = read(workflow)?;
    // The file's structure is checked as `relay validate` checks it (YAML, keys, types), so a
    // misspelt key is reported instead of silently leaving its value out of the story. The
    // plan is not built: exporting needs neither relay.yaml nor the plugins the workflow uses.
    let mut diags = Diagnostics::new();
    let raw = RawWorkflow::read(SourceFile::new(workflow, text.as_str()), &mut diags);
    if let Some(raw) = &raw {
        raw.report_duplicate_keys(&mut diags);
    }
    if raw.is_none() || !diags.is_empty() {
        for d in diags.iter() {
            out.stderr_line(diagnostic::render(d, out).trim_end());
        }
        return Err(Failure::new(
            Exit::Invalid,
            format!(
                "{} is not a valid workflow: fix the problems above, then export again",
                workflow.display()
            ),
        ));
    }
    let source = SourceFile::new(workflow, text.as_str());
    let node = relay_core::yaml::parse(&source.text).map_err(|e| {
        Failure::new(
            Exit::Invalid,
            format!(
                "{}:{}:{}: invalid YAML: {} (run `relay validate {}`)",
                workflow.display(),
                e.location.line,
                e.location.column,
                e.message,
                workflow.display()
            ),
        )
    })?;
    let json = serde_json::to_value(node.to_value())
        .map_err(|e| Failure::new(Exit::Invalid, format!("{}: {e}", workflow.display())))?;
    let story = export_tines(&json)
        .map_err(|e| Failure::new(Exit::Invalid, format!("{}: {e}", workflow.display())))?;
    match output {
        None => out.stdout(&format!("{story}\n")),
        Some(path) => {
            std::fs::write(path, format!("{story}\n")).map_err(|e| {
                Failure::new(
                    Exit::NoInput,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
            out.stderr_line(&format!(
                "{} wrote {}",
                out.paint(Style::Ok, "✓"),
                path.display()
            ));
        }
    }
    Ok(Exit::Success)
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        let exit = Exit::NoInput;
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure::new(exit, format!("{}: no such file", path.display()))
        } else {
            Failure::new(exit, format!("{}: cannot read it: {e}", path.display()))
        }
    })
}
