//! `relay`: the command line. Parses arguments, calls relay-core, renders what comes back,
//! and owns the exit code. All output goes through the redactor (see `output.rs`).

mod allocator;
mod cli;
mod commands;
mod exit;
mod loading;
mod logging;
mod memory;
mod output;
mod render;
mod report;
mod setup;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use relay_core::credentials::Redactor;

use crate::cli::{Cli, Command};
use crate::exit::{Exit, Failure};
use crate::output::{Output, Style};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Daemon(_)) {
        memory::no_transparent_huge_pages();
    }
    let redactor = Arc::new(Redactor::new());
    let out = Arc::new(Output::new(cli.color, redactor.clone()));
    install_panic_hook(out.clone());
    // The daemon's fire and run lines are its output: info by default.
    let verbose = if matches!(cli.command, Command::Daemon(_)) {
        cli.verbose.max(1)
    } else {
        cli.verbose
    };
    logging::init(verbose, cli.log_format, out.color, redactor);
    let runtime = match runtime_for(&cli.command) {
        Ok(rt) => rt,
        Err(e) => {
            return finish(
                &out,
                Err(Failure::new(
                    Exit::Internal,
                    format!("cannot start the async runtime: {e}"),
                )),
            );
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Run(args) => commands::run::run(args, &cli, out.clone()).await,
            Command::Validate(args) => commands::validate::validate(args, &cli, &out),
            Command::Credential(command) => {
                commands::credential::credential(command, &cli, &out).await
            }
            Command::Daemon(args) => commands::daemon::daemon(args, &cli, out.clone()).await,
            Command::Schedule(command) => commands::schedule::schedule(command, &cli, &out),
            Command::Runs(command) => commands::runs::runs(command, &cli, &out).await,
            Command::Plugin(command) => commands::plugin::plugin(command, &cli, &out),
            Command::Import(command) => commands::tines::import(command, &cli, &out),
            Command::Completions { shell } => {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(*shell, &mut command, "relay", &mut std::io::stdout());
                Ok(Exit::Success)
            }
            Command::Export(command) => commands::tines::export(command, &out),
        }
    });
    // Do not wait for blocking tasks (a hung credential command) on the way out.
    runtime.shutdown_background();
    finish(&out, result)
}

fn finish(out: &Output, result: Result<Exit, Failure>) -> ExitCode {
    let exit = match result {
        Ok(exit) => exit,
        Err(f) => {
            out.stderr_line(&format!(
                "{} {}",
                out.paint(Style::Error, "error:"),
                f.message
            ));
            f.exit
        }
    };
    out.flush();
    ExitCode::from(exit as u8)
}

/// A panic is a bug: say so in one line (redacted, no backtrace) and exit 70.
fn install_panic_hook(out: Arc<Output>) {
    std::panic::set_hook(Box::new(move |info| {
        out.flush();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = out.redactor.redact(&what).into_owned();
        eprintln!(
            "error: internal error: {message}{place}\nThis is a bug in Relay: please report it with the command you ran."
        );
        std::process::exit(Exit::Internal as i32);
    }));
}

/// The async runtime a command needs. One run is driven from one thread: its executions
/// wait on the network, not the CPU, and measured on 2 cores a single-threaded runtime beats
/// worker threads for sequential and for 64-wide runs alike (no hand-offs between threads).
/// The daemon, which runs many workflows at once, gets worker threads. `RELAY_RUNTIME=multi`
/// or `=current` overrides this.
fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let multi = match std::env::var("RELAY_RUNTIME").as_deref() {
        Ok("current") => false,
        Ok("multi") => true,
        _ => matches!(command, Command::Daemon(_)),
    };
    if multi {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
}

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;
