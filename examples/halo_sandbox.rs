//! A local Halo PSA stand-in on 127.0.0.1:8787 (override with `--port N`), for trying the
//! workflows in `workflows/` without a Halo tenant:
//!
//! ```sh
//! cargo run --example halo_sandbox            # terminal 1
//! printf %s correct-horse-battery-staple | cargo run -- credential login halo --username agent@acme.example
//! cargo run -- run workflows/halo_tickets.yaml                        # terminal 2
//! ```

use relay_halo_sandbox::{SandboxConfig, run_until_ctrl_c};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut config = SandboxConfig {
        port: 8787,
        ..SandboxConfig::default()
    };
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--port") {
        config.port = args.get(i + 1).and_then(|p| p.parse().ok()).unwrap_or(8787);
    }
    run_until_ctrl_c(config).await
}
