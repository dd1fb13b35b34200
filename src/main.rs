//! `relay`: the command line. Parses arguments, calls relay-core, renders what comes back,
//! and owns the exit code. All output goes through the redactor (see `output.rs`).

mod cli;
mod commands;
mod exit;
mod loading;
mod logging;
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
    let redactor = Arc::new(Redactor::new());
    let out = Arc::new(Output::new(cli.color, redactor.clone()));
    // The daemon's fire and run lines are its output: info by default.
    let verbose = if matches!(cli.command, Command::Daemon(_)) { cli.verbose.max(1) } else { cli.verbose };
    logging::init(verbose, cli.log_format, out.color, redactor);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
    ExitCode::from(exit as u8)
}
