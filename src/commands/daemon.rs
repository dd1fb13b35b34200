//! `relay daemon`: validate everything, then fire schedules until stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use relay_core::daemon::{Daemon, DaemonOptions, Loader, Signal};
use relay_core::diagnostic::Diagnostics;
use relay_core::schedule::SystemClock;

use crate::cli::{Cli, DaemonArgs};
use crate::exit::{Exit, Failure};
use crate::loading::{load_config, plan_file, workflow_files};
use crate::output::Output;
use crate::render::diagnostic;
use crate::report::print_diagnostics;
use crate::setup;

pub async fn daemon(args: &DaemonArgs, cli: &Cli, out: Arc<Output>) -> Result<Exit, Failure> {
    if let Some(addr) = &args.listen {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "--listen {addr}: the webhook and health server is not in this version of relay (it comes with a later release); run `relay daemon` without --listen, and trigger workflows with `relay run` meanwhile"
            ),
        ));
    }
    let registry = Arc::new(crate::loading::registry(cli)?);
    let mut diags = Diagnostics::new();
    let mut config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("workflows")]
    } else {
        args.paths.clone()
    };
    let files = workflow_files(&paths, &out)?;
    let mut plans = Vec::new();
    for file in &files {
        if let Some(plan) = plan_file(file, &config, &registry, &[], &mut diags)? {
            plans.push((file.clone(), Arc::new(plan)));
        }
    }
    if !diags.is_empty() {
        print_diagnostics(&diags, &out);
        out.stderr_line("nothing was started: fix the problems above (the daemon starts only when every workflow is valid)");
        return Ok(Exit::Invalid);
    }
    let credentials = setup::credentials(&mut config, &out, &mut diags);
    let services = setup::services(credentials.clone());
    let store = credentials
        .state()
        .get()
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, format!("cannot open the state store: {e}")))?
        .clone();
    setup::print_store_warnings(&credentials, &out);

    let config_path = cli.config.clone();
    let render_out = out.clone();
    let loader_registry = registry.clone();
    let loader: Arc<Loader> = Arc::new(move |path| {
        let registry = &loader_registry;
        let mut diags = Diagnostics::new();
        let config =
            load_config(config_path.as_deref(), registry, &mut diags).map_err(|f| f.message)?;
        let plan = plan_file(path, &config, registry, &[], &mut diags).map_err(|f| f.message)?;
        match plan {
            Some(plan) if diags.is_empty() => Ok(Arc::new(plan)),
            _ => Err(diags
                .iter()
                .map(|d| diagnostic::render(d, &render_out))
                .collect::<Vec<_>>()
                .join("\n")),
        }
    });
    let options = DaemonOptions {
        paths,
        once: args.once,
        grace: Duration::from_secs_f64(args.grace.max(0.0)),
        keep_runs: args.keep_runs.max(1),
        poll_interval: Duration::from_secs(1),
    };
    let daemon = Daemon::new(
        options,
        loader,
        plans,
        services,
        store,
        Arc::new(SystemClock),
    );
    tracing::info!(
        workflows = daemon.workflow_count(),
        files = files.len(),
        once = args.once,
        "daemon started"
    );
    if daemon.workflow_count() == 0 && !args.once {
        out.stderr_line(
            "note: no workflow has a `schedule:` yet; the daemon waits for one to be added",
        );
    }
    out.flush();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(forward_signals(tx));
    let summary = daemon.run(rx).await;
    tracing::info!(
        started = summary.started,
        missed = summary.missed,
        skipped = summary.skipped,
        interrupted = summary.interrupted,
        "daemon stopped"
    );
    // With --once (system cron, CI), a failed run is the command's failure too.
    if args.once && summary.failed > 0 {
        out.stderr_line(&format!(
            "{} of the runs failed (see `relay runs list --state failed`)",
            summary.failed
        ));
        return Ok(Exit::RunFailed);
    }
    Ok(Exit::Success)
}

/// SIGTERM and SIGINT stop the daemon; SIGHUP reloads the workflow files now.
async fn forward_signals(tx: tokio::sync::mpsc::Sender<Signal>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot listen for signals; stop the daemon with SIGKILL");
        return;
    };
    loop {
        let s = tokio::select! {
            _ = term.recv() => Signal::Stop,
            _ = int.recv() => Signal::Stop,
            _ = hup.recv() => Signal::Reload,
        };
        if tx.send(s).await.is_err() {
            return;
        }
    }
}
