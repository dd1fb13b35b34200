//! `relay schedule list` and `relay schedule next`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use relay_core::diagnostic::Diagnostics;
use relay_core::schedule::{ScheduleSpec, format_fire};

use crate::cli::{Cli, ListFormat, ScheduleCommand};
use crate::exit::{Exit, Failure};
use crate::loading::{load_config, plan_file, workflow_files};
use crate::output::{Output, Style};
use crate::report::print_diagnostics;

pub fn schedule(command: &ScheduleCommand, cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    match command {
        ScheduleCommand::List { paths } => list(paths, cli, out),
        ScheduleCommand::Next {
            cron,
            timezone,
            from,
            count,
            output,
        } => next(
            cron,
            timezone.as_deref(),
            from.as_deref(),
            *count,
            *output,
            out,
        ),
    }
}

fn list(paths: &[PathBuf], cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    let registry = crate::loading::registry(cli)?;
    let mut diags = Diagnostics::new();
    let config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let paths = if paths.is_empty() {
        vec![PathBuf::from("workflows")]
    } else {
        paths.to_vec()
    };
    let now = Utc::now();
    let mut text = String::new();
    let mut count = 0;
    for file in workflow_files(&paths, out)? {
        let Some(plan) = plan_file(&file, &config, &registry, &[], &mut diags)? else {
            continue;
        };
        if plan.schedules.is_empty() {
            continue;
        }
        text.push_str(&format!("{}  {}\n", file.display(), plan.name));
        for (i, spec) in plan.schedules.iter().enumerate() {
            count += 1;
            text.push_str(&format!(
                "  #{} {} ({}): {}; catchup {}, overlap {}\n",
                i + 1,
                spec.cron(),
                spec.timezone(),
                spec.describe(),
                spec.catchup().as_str(),
                spec.overlap().as_str()
            ));
            let fires: Vec<String> = spec
                .fires_between(now, now + chrono::TimeDelta::days(3660), 3)
                .into_iter()
                .map(|t| format_fire(t, spec.timezone()))
                .collect();
            text.push_str(&format!(
                "     next: {}\n",
                if fires.is_empty() {
                    "never".to_owned()
                } else {
                    fires.join(", ")
                }
            ));
        }
    }
    if !diags.is_empty() {
        print_diagnostics(&diags, out);
        return Ok(Exit::Invalid);
    }
    if count == 0 {
        out.stderr_line("no workflow has a `schedule:`");
    }
    out.stdout(&text);
    Ok(Exit::Success)
}

fn next(
    cron: &str,
    timezone: Option<&str>,
    from: Option<&str>,
    count: usize,
    format: ListFormat,
    out: &Output,
) -> Result<Exit, Failure> {
    let spec = match ScheduleSpec::new(cron, timezone, None, None, None) {
        Ok(spec) => spec,
        Err(e) => {
            out.stderr_line(&format!(
                "{} invalid `{}`: {}",
                out.paint(Style::Error, "error:"),
                e.field,
                e.message
            ));
            out.stderr_line(&format!(
                "  = {} {}",
                out.paint(Style::Help, "help:"),
                e.help
            ));
            return Ok(Exit::Invalid);
        }
    };
    let start: DateTime<Utc> = match from {
        None => Utc::now(),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| Failure::new(Exit::Usage, format!("--from `{text}` is not an RFC 3339 time ({e}); e.g. 2026-03-08T00:00:00-05:00")))?,
    };
    let mut fires = Vec::with_capacity(count);
    let mut t = start;
    while fires.len() < count {
        match spec.next_after(t) {
            Some(next) => {
                fires.push(format_fire(next, spec.timezone()));
                t = next;
            }
            None => break,
        }
    }
    match format {
        ListFormat::Text => out.stdout(&fires.iter().map(|f| format!("{f}\n")).collect::<String>()),
        ListFormat::Json => out.stdout(&format!(
            "{}\n",
            serde_json::to_string(&fires).unwrap_or_default()
        )),
    }
    Ok(Exit::Success)
}
