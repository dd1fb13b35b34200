//! `relay run WORKFLOW`: plan, run once, print the output, exit 0 or 1.

use std::io::Read;
use std::sync::Arc;

use relay_core::Value;
use relay_core::diagnostic::Diagnostics;
use relay_core::engine::{self, RunOptions};

use crate::cli::{Cli, OutputFormat, RunArgs};
use crate::exit::{Exit, Failure};
use crate::loading::{load_config, parse_resources, plan_file};
use crate::output::Output;
use crate::render::json_stream::JsonStream;
use crate::render::progress::Progress;
use crate::report::{print_diagnostics, print_summary};
use crate::setup;

pub async fn run(args: &RunArgs, cli: &Cli, out: Arc<Output>) -> Result<Exit, Failure> {
    let registry = crate::loading::registry(cli)?;
    let mut diags = Diagnostics::new();
    let mut config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let overrides = parse_resources(&args.resources)?;
    let input = read_input(args.input.as_deref())?;
    let plan = plan_file(&args.workflow, &config, &registry, &overrides, &mut diags)?;
    let plan = match plan {
        Some(plan) if diags.is_empty() => plan,
        _ => {
            print_diagnostics(&diags, &out);
            return Ok(Exit::Invalid);
        }
    };
    let credentials = setup::credentials(&mut config, &out, &mut diags);
    let services = setup::services(credentials.clone());
    let format = args.output.unwrap_or(if out.stdout_is_terminal {
        OutputFormat::Pretty
    } else {
        OutputFormat::Json
    });
    let stream = if format == OutputFormat::Json && !args.dry_run {
        JsonStream::start(out.redactor.clone())
    } else {
        None
    };
    let observer = Arc::new(Progress {
        out: out.clone(),
        format,
        stream,
    });
    let options = RunOptions {
        input,
        dry_run: args.dry_run,
        trigger: "cli".into(),
        run_id: None,
        default_timeout: None,
        collect_output: observer.stream.is_none(),
    };
    let report = tokio::select! {
        report = engine::run(Arc::new(plan), services, options, observer.clone()) => report,
        _ = tokio::signal::ctrl_c() => {
            // What was printed stays a valid JSON array.
            if let Some(stream) = &observer.stream {
                stream.finish();
            }
            out.clear_progress();
            out.stderr_line("interrupted: the run was stopped before it finished");
            return Ok(Exit::Interrupted);
        }
    };
    out.clear_progress();
    if !args.dry_run {
        match (format, &observer.stream) {
            (_, Some(stream)) => stream.finish(),
            (OutputFormat::Pretty, None) => out.stdout_json(&report.output, true),
            (OutputFormat::Json, None) => out.stdout_json(&report.output, false),
            (OutputFormat::Ndjson, None) => {}
        }
    }
    print_summary(&report, &out);
    let succeeded = report.succeeded;
    // The process ends right after: freeing every event of a big run one by one is wasted work.
    std::mem::forget(report);
    setup::print_store_warnings(&credentials, &out);
    Ok(if succeeded {
        Exit::Success
    } else {
        Exit::RunFailed
    })
}

/// `--input`: JSON text, `@FILE`, or `-` (standard input). Default `{}`.
fn read_input(input: Option<&str>) -> Result<Value, Failure> {
    let (text, origin) = match input {
        None => return Ok(Value::from_pairs(Vec::<(Value, Value)>::new())),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Failure::new(
                    Exit::NoInput,
                    format!("cannot read --input from standard input: {e}"),
                )
            })?;
            (text, "standard input".to_owned())
        }
        Some(arg) if arg.starts_with('@') => {
            let path = &arg[1..];
            // Decided before reading, so the text itself lands in small pages too.
            if std::fs::metadata(path)
                .is_ok_and(|m| m.len() > crate::memory::LARGE_INPUT_BYTES as u64)
            {
                crate::memory::no_transparent_huge_pages();
            }
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::new(
                    Exit::NoInput,
                    format!("--input {arg}: cannot read `{path}`: {e}"),
                )
            })?;
            (text, format!("`{path}`"))
        }
        Some(text) => (text.to_owned(), "--input".to_owned()),
    };
    if text.len() > crate::memory::LARGE_INPUT_BYTES {
        crate::memory::no_transparent_huge_pages();
    }
    let value = serde_json::from_str::<Value>(&text).map_err(|e| Failure::new(Exit::Usage, format!("{origin} is not valid JSON: {e} (pass a JSON object, e.g. --input '{{\"ticket_id\": 7}}')")))?;
    // The entry event's keys are formula roots (workflow.md), so it must be an object.
    if value.kind() != relay_core::ValueKind::Map {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{origin} must be a JSON object, whose keys become formula roots; wrap the value in one, e.g. --input '{{\"items\": [1, 2]}}' and read it as <<items>>"
            ),
        ));
    }
    Ok(value)
}
