//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "relay",
    version,
    about = "Run Tines-style YAML automations: HTTP steps, credentials, schedules. One binary.",
    after_help = "Examples:\n  relay run workflows/halo_tickets.yaml\n  relay run workflows/create_ticket.yaml --input '{\"summary\": \"Printer on fire\"}'\n  relay validate workflows/",
    propagate_version = true
)]
pub struct Cli {
    /// relay.yaml to use (default: ./relay.yaml when it exists).
    #[arg(long, global = true, env = "RELAY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Load this plugin library too (repeatable; after `plugins:` of relay.yaml, before RELAY_PLUGIN_PATH).
    #[arg(long = "plugin", global = true, value_name = "PATH")]
    pub plugins: Vec<PathBuf>,

    /// More log output on stderr (-v: info, -vv: debug). RELAY_LOG sets a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Format of log lines on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Colour on stderr (NO_COLOR is respected with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one workflow once.
    #[command(
        after_help = "Examples:\n  relay run workflows/halo_tickets.yaml\n  relay run workflows/create_ticket.yaml --input @ticket.json --output ndjson\n  relay run workflows/halo_tickets.yaml --dry-run --resource page_size=10"
    )]
    Run(RunArgs),
    /// Check workflows (and relay.yaml) without running anything or touching the network.
    #[command(
        after_help = "Examples:\n  relay validate workflows/\n  relay validate workflows/halo_tickets.yaml workflows/create_ticket.yaml"
    )]
    Validate(ValidateArgs),
    /// Manage credentials: list them, test one, store a value, log in, rotate the store key.
    #[command(
        subcommand,
        after_help = "Examples:\n  relay credential list\n  relay credential login halo\n  relay credential test halo"
    )]
    Credential(CredentialCommand),
    /// Run the workflows of a directory on their cron schedules.
    #[command(
        after_help = "Examples:\n  relay daemon workflows/\n  relay daemon workflows/ --once          # from system cron or CI\n  relay daemon --log-format json --grace 60"
    )]
    Daemon(DaemonArgs),
    /// Show schedules and preview cron expressions.
    #[command(
        subcommand,
        after_help = "Examples:\n  relay schedule list workflows/\n  relay schedule next \"0 9 * * MON-FRI\" --timezone Europe/London -n 5"
    )]
    Schedule(ScheduleCommand),
    /// Run history, from the state store.
    #[command(
        subcommand,
        after_help = "Examples:\n  relay runs list --state failed\n  relay runs show 01JDQ3V8K6M2X4T7B9C1E5F0GH --events"
    )]
    Runs(RunsCommand),
    /// Native plugins: list the loaded ones, or describe one library.
    #[command(
        subcommand,
        after_help = "Examples:\n  relay plugin list\n  relay plugin inspect target/release/librelay_plugin_halo.so"
    )]
    Plugin(PluginCommand),
    /// Convert a Tines story (or copied actions) into workflow YAML.
    #[command(
        subcommand,
        after_help = "Example:\n  relay import tines story.json -o workflows/story.yaml"
    )]
    Import(ImportCommand),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  relay completions bash > ~/.local/share/bash-completion/completions/relay\n  relay completions zsh > ~/.zfunc/_relay"
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Convert a workflow into a Tines story export.
    #[command(
        subcommand,
        after_help = "Example:\n  relay export tines workflows/halo_tickets.yaml -o halo_tickets.json"
    )]
    Export(ExportCommand),
}

#[derive(Args, Debug)]
pub struct DaemonArgs {
    /// Workflow files or directories (default: workflows/).
    pub paths: Vec<PathBuf>,
    /// Fire everything due now (by the catch-up rules), wait for those runs, and exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds in-flight runs may take to finish after SIGTERM/SIGINT.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub grace: f64,
    /// Finished runs kept per workflow in the run history.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub keep_runs: i64,
    /// The webhook and health server of scheduler.md. Not in this version: refused with a
    /// message instead of clap's "unexpected argument", so scripts written for it fail clearly.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ScheduleCommand {
    /// Every schedule of the workflows, in words, with its next 3 fire times in its time zone.
    #[command(after_help = "Example:\n  relay schedule list workflows/")]
    List {
        /// Workflow files or directories (default: workflows/).
        paths: Vec<PathBuf>,
    },
    /// The next fire times of a cron expression (RFC 3339 with the zone's offset).
    #[command(
        after_help = "Examples:\n  relay schedule next \"30 2 * * *\" --timezone America/New_York --from 2026-03-07T12:00:00Z -n 3\n  relay schedule next \"*/15 * * * *\" --output json"
    )]
    Next {
        /// The cron expression (5 fields, or 6 with seconds first; @daily etc.).
        cron: String,
        /// IANA time zone (default UTC).
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
        /// Start strictly after this instant (RFC 3339; default now).
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// How many fire times.
        #[arg(short = 'n', default_value_t = 5, value_name = "N")]
        count: usize,
        /// `text` (one per line) or `json` (an array).
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        output: ListFormat,
    },
}

#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// Recent runs, newest first.
    #[command(
        after_help = "Examples:\n  relay runs list\n  relay runs list --workflow \"Halo tickets\" --state failed --limit 5"
    )]
    List {
        /// Only this workflow (its name, or its file path as the daemon was given it).
        #[arg(long, value_name = "W")]
        workflow: Option<String>,
        /// Only runs in this state.
        #[arg(long, value_enum, value_name = "STATE")]
        state: Option<RunState>,
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: i64,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        output: ListFormat,
    },
    /// One run: its state, times, error, and each action execution.
    #[command(after_help = "Example:\n  relay runs show 01JDQ3V8K6M2X4T7B9C1E5F0GH --events")]
    Show {
        run_id: String,
        /// Also print each execution's (redacted) result.
        #[arg(long)]
        events: bool,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        output: ListFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Running,
    Succeeded,
    Failed,
    Interrupted,
}

impl RunState {
    /// The state as the run history stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Interrupted => "interrupted",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Each loaded plugin (relay.yaml `plugins:`, --plugin, RELAY_PLUGIN_PATH): path, version, types.
    #[command(
        after_help = "Examples:\n  relay plugin list\n  relay --plugin target/release/librelay_plugin_halo.so plugin list"
    )]
    List,
    /// Load one library and print its description (options schemas included) as JSON.
    #[command(
        after_help = "Example:\n  relay plugin inspect target/release/librelay_plugin_halo.so"
    )]
    Inspect {
        /// The plugin library (.so / .dylib).
        path: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A Tines story export or copied actions (JSON) → workflow YAML.
    #[command(
        after_help = "Examples:\n  relay import tines story.json -o workflows/story.yaml\n  relay import tines story-with-children.json -o workflows/imported/"
    )]
    Tines {
        /// The Tines JSON file.
        file: PathBuf,
        /// Where to write: a .yaml file, or a directory (required when the story has nested child stories). Default: stdout.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// A workflow → a Tines story export (JSON) that `relay import tines` turns back into it.
    #[command(
        after_help = "Example:\n  relay export tines workflows/halo_tickets.yaml -o halo_tickets.json"
    )]
    Tines {
        /// The workflow file.
        workflow: PathBuf,
        /// Where to write the JSON. Default: stdout.
        #[arg(short, long, value_name = "OUT.json")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CredentialCommand {
    /// Names, types, allowed hosts and cache state (never values).
    #[command(after_help = "Example:\n  relay credential list")]
    List,
    /// Resolve a credential once; report success, expiry and the value's length (never the value).
    #[command(after_help = "Example:\n  relay credential test halo")]
    Test { name: String },
    /// Store a value read from standard input (no echo on a terminal) in the encrypted store.
    #[command(
        after_help = "Examples:\n  relay credential set halo_refresh_token\n  printf %s \"$TOKEN\" | relay credential set halo_refresh_token"
    )]
    Set { name: String },
    /// Run the credential's login once (password grant) and store the refresh token it returns.
    #[command(
        after_help = "Examples:\n  relay credential login halo\n  printf %s \"$PASSWORD\" | relay credential login halo --username agent@acme.example"
    )]
    Login {
        name: String,
        /// The username (the password is then read from standard input).
        #[arg(long)]
        username: Option<String>,
    },
    /// Delete a credential's stored value and cached token.
    #[command(after_help = "Example:\n  relay credential rm halo_refresh_token")]
    Rm { name: String },
    /// Re-encrypt every stored secret and token under a new data key.
    #[command(after_help = "Example:\n  relay credential rotate-key")]
    RotateKey,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The workflow file.
    pub workflow: PathBuf,

    /// The entry event: JSON text, `@FILE`, or `-` for standard input.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub input: Option<String>,

    /// How to print the run's output on stdout (default: pretty on a terminal, else json).
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,

    /// Render and print every request that can be reached without a response; send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Set or override a resource (VALUE is read as JSON when it parses, else as text).
    #[arg(long = "resource", value_name = "K=V")]
    pub resources: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Workflow files or directories (default: workflows/).
    pub paths: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Pretty,
    Json,
    Ndjson,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
