//! `relay runs list` and `relay runs show`: the run history in the state store.

use std::time::SystemTime;

use relay_core::diagnostic::Diagnostics;
use relay_core::store::{DATABASE_FILE, RunRecord, Store};
use relay_core::time::format_utc;

use crate::cli::{Cli, ListFormat, RunsCommand};
use crate::exit::{Exit, Failure};
use crate::loading::load_config;
use crate::output::{Output, Style};

pub async fn runs(command: &RunsCommand, cli: &Cli, out: &Output) -> Result<Exit, Failure> {
    let registry = crate::loading::registry(cli)?;
    let mut diags = Diagnostics::new();
    let config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let dir = config.state_dir();
    if !dir.join(DATABASE_FILE).exists() {
        out.stderr_line(&format!("no runs recorded yet: there is no state store in {} (the daemon records scheduled runs there)", dir.display()));
        return Ok(match command {
            RunsCommand::List {
                output: ListFormat::Json,
                ..
            } => {
                out.stdout("[]\n");
                Exit::Success
            }
            RunsCommand::List { .. } => Exit::Success,
            RunsCommand::Show { run_id, .. } => {
                out.stderr_line(&format!("no run `{run_id}`"));
                Exit::RunFailed
            }
        });
    }
    let store = Store::open_sqlite(&dir)
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?;
    match command {
        RunsCommand::List {
            workflow,
            state,
            limit,
            output,
        } => {
            let runs = store
                .list_runs(
                    workflow.as_deref(),
                    state.map(|s| s.as_str()),
                    (*limit).max(1),
                )
                .await
                .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?;
            match output {
                ListFormat::Json => out.stdout(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&runs.iter().map(run_json).collect::<Vec<_>>())
                        .unwrap_or_default()
                )),
                ListFormat::Text => {
                    if runs.is_empty() {
                        out.stderr_line("no runs match");
                    } else {
                        let mut text = format!(
                            "{:<26}  {:<24}  {:<8}  {:<11}  {:<20}  {:>9}  {}\n",
                            "RUN",
                            "WORKFLOW",
                            "TRIGGER",
                            "STATE",
                            "STARTED",
                            "DURATION",
                            "EXECUTIONS"
                        );
                        for r in &runs {
                            text.push_str(&format!(
                                "{:<26}  {:<24}  {:<8}  {:<11}  {:<20}  {:>9}  {}\n",
                                r.id,
                                truncate(&r.workflow_name, 24),
                                r.trigger,
                                r.state,
                                format_utc(r.started_at),
                                duration(r),
                                r.executions
                            ));
                        }
                        out.stdout(&text);
                    }
                }
            }
            Ok(Exit::Success)
        }
        RunsCommand::Show {
            run_id,
            events,
            output,
        } => {
            let Some(run) = store
                .run(run_id)
                .await
                .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?
            else {
                out.stderr_line(&format!(
                    "no run `{run_id}` in {} (see `relay runs list`)",
                    store.location().display()
                ));
                return Ok(Exit::RunFailed);
            };
            let executions = store
                .run_executions(run_id)
                .await
                .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?;
            match output {
                ListFormat::Json => {
                    let mut json = run_json(&run);
                    json["executions"] = executions
                        .iter()
                        .map(|e| {
                            let mut x = serde_json::json!({"seq": e.seq, "action": e.action, "status": e.status, "duration_ms": e.duration_ms, "detail": e.detail, "error": e.error});
                            if *events {
                                x["result"] = e.result.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or(serde_json::Value::from(e.result.clone()));
                            }
                            x
                        })
                        .collect();
                    out.stdout(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&json).unwrap_or_default()
                    ));
                }
                ListFormat::Text => {
                    let mut text = format!(
                        "run {}\n  workflow  {} ({})\n  trigger   {}{}\n  state     {}\n  started   {}\n  ended     {}\n  duration  {}\n",
                        run.id,
                        run.workflow_name,
                        run.workflow,
                        run.trigger,
                        run.fire_time
                            .map(|t| format!(" (fire time {})", format_utc(t)))
                            .unwrap_or_default(),
                        run.state,
                        format_utc(run.started_at),
                        run.ended_at.map(format_utc).unwrap_or_else(|| "-".into()),
                        duration(&run)
                    );
                    if let Some(e) = &run.error {
                        text.push_str(&format!("  error     {e}\n"));
                    }
                    text.push_str(&format!("  executions ({}):\n", executions.len()));
                    for e in &executions {
                        let mark = match e.status.as_str() {
                            "ok" => out.paint(Style::Ok, "✓"),
                            "failed" => out.paint(Style::Error, "✗"),
                            "no_match" => "·".into(),
                            _ => "-".into(),
                        };
                        text.push_str(&format!(
                            "    {mark} {}  {}{} ms\n",
                            e.action,
                            e.detail
                                .as_deref()
                                .map(|d| format!("{d}  "))
                                .unwrap_or_default(),
                            e.duration_ms
                        ));
                        if let Some(err) = &e.error {
                            text.push_str(&format!("        {err}\n"));
                        }
                        if *events {
                            if let Some(r) = &e.result {
                                text.push_str(&format!("        {r}\n"));
                            }
                        }
                    }
                    out.stdout(&text);
                }
            }
            Ok(Exit::Success)
        }
    }
}

fn run_json(r: &RunRecord) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "workflow": r.workflow,
        "workflow_name": r.workflow_name,
        "trigger": r.trigger,
        "state": r.state,
        "started_at": format_utc(r.started_at),
        "ended_at": r.ended_at.map(format_utc),
        "fire_time": r.fire_time.map(format_utc),
        "error": r.error,
        "executions": r.executions,
    })
}

fn duration(r: &RunRecord) -> String {
    match r
        .ended_at
        .unwrap_or(SystemTime::now())
        .duration_since(r.started_at)
    {
        Ok(d) => crate::render::progress::duration(d),
        Err(_) => "-".into(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
