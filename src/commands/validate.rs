//! `relay validate PATHS…`: load and plan everything, run nothing, report every problem.

use std::path::PathBuf;

use relay_core::diagnostic::Diagnostics;

use crate::cli::{Cli, ValidateArgs};
use crate::exit::{Exit, Failure};
use crate::loading::{load_config, plan_file, workflow_files};
use crate::output::{Output, Style};
use crate::report::print_diagnostics;

pub fn validate(args: &ValidateArgs, cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    let registry = crate::loading::registry(cli)?;
    let mut diags = Diagnostics::new();
    let config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("workflows")]
    } else {
        args.paths.clone()
    };
    // A path that does not exist is reported with the rest, not instead of it.
    let (paths, missing): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.exists());
    for path in &missing {
        out.stderr_line(&format!(
            "{} {}: no such file or directory",
            out.paint(Style::Error, "error:"),
            path.display()
        ));
    }
    let files = if paths.is_empty() {
        Vec::new()
    } else {
        workflow_files(&paths, out)?
    };
    if files.is_empty() && !missing.is_empty() {
        return Ok(Exit::NoInput);
    }
    if files.is_empty() {
        return Err(Failure::new(
            Exit::NoInput,
            format!(
                "no workflow files (*.yaml, *.yml) in {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut valid = 0;
    for file in &files {
        let before = diags.len();
        match plan_file(file, &config, &registry, &[], &mut diags) {
            Ok(Some(plan)) if diags.len() == before => {
                valid += 1;
                out.stdout(&format!(
                    "{} {} ({}, {} action{})\n",
                    out.paint(Style::Ok, "✓"),
                    file.display(),
                    plan.name,
                    plan.actions.len(),
                    if plan.actions.len() == 1 { "" } else { "s" }
                ));
            }
            Ok(_) => {}
            Err(f) => return Err(f),
        }
    }
    if !diags.is_empty() {
        print_diagnostics(&diags, out);
    }
    // A named path that does not exist outranks invalid files: the command was not checking
    // what the user meant to check.
    if !missing.is_empty() {
        return Ok(Exit::NoInput);
    }
    if !diags.is_empty() {
        return Ok(Exit::Invalid);
    }
    out.stderr_line(&format!(
        "{} workflow{} valid",
        valid,
        if valid == 1 { "" } else { "s" }
    ));
    Ok(Exit::Success)
}
