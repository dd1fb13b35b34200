//! The README's first command: starts the Halo sandbox on 127.0.0.1:8787, then runs
//! `relay run workflows/halo_tickets.yaml` against it (building relay with the same cargo), and
//! shows what the workflow posted to the sandbox's alert hook.
//!
//! ```sh
//! cargo run --release --example halo_demo
//! ```

use std::process::Command;

use relay_halo_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() {
    let config = SandboxConfig { port: 8787, record_requests: false, ..SandboxConfig::default() };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the Halo sandbox on 127.0.0.1:8787: {e}\n(is another sandbox or demo still running? stop it and try again)");
            std::process::exit(1);
        }
    };
    eprintln!("Halo sandbox listening on {} (tenant acme, 250 tickets)", sandbox.base_url());
    let token = sandbox.issue_access_token();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["run", "--quiet"];
    if !cfg!(debug_assertions) {
        args.push("--release");
    }
    args.extend(["--bin", "relay", "--", "run", "workflows/halo_tickets.yaml"]);
    let output_path = std::path::Path::new(root).join("target").join("halo_demo_output.json");
    eprintln!("$ relay run workflows/halo_tickets.yaml > {}", output_path.display());
    let output_file = match std::fs::File::create(&output_path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot create {}: {e}", output_path.display());
            std::process::exit(1);
        }
    };
    // relay runs in its own process; waiting for it on a blocking thread keeps the sandbox
    // (on this runtime) serving meanwhile.
    let status = tokio::task::spawn_blocking(move || {
        Command::new(cargo).args(&args).current_dir(root).env("HALO_ACCESS_TOKEN", token).stdout(output_file).status()
    })
    .await;
    let code = match status {
        Ok(Ok(s)) => s.code().unwrap_or(1),
        Ok(Err(e)) => {
            eprintln!("cannot run cargo: {e}");
            1
        }
        Err(e) => {
            eprintln!("the relay process could not be waited for: {e}");
            1
        }
    };
    let printed = std::fs::metadata(&output_path).map(|m| m.len()).unwrap_or(0);
    eprintln!("\nrelay wrote the run's output (the leaf events, {printed} bytes of JSON) to {}", output_path.display());
    let alerts = sandbox.hook_bodies("alerts");
    eprintln!("The sandbox's alert hook received {} alert(s){}", alerts.len(), if alerts.is_empty() { "." } else { ", e.g.:" });
    if let Some(first) = alerts.first() {
        eprintln!("  {first}");
    }
    std::process::exit(code);
}
