//! The README's first command: starts the Halo sandbox on 127.0.0.1:8787, builds relay, logs in
//! once (`relay credential login halo`, the Tines guide's password grant), then runs
//! `relay run workflows/halo_tickets.yaml` against the sandbox and shows what it alerted on.
//!
//! ```sh
//! cargo run --release --example halo_demo
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use relay_halo_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() {
    let config = SandboxConfig {
        port: 8787,
        record_requests: false,
        ..SandboxConfig::default()
    };
    let (username, password) = (config.username.clone(), config.password.clone());
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => fail(&format!(
            "cannot start the Halo sandbox on 127.0.0.1:8787: {e}\n(is another sandbox or demo still running? stop it and try again)"
        )),
    };
    eprintln!(
        "Halo sandbox listening on {} (tenant acme, 250 tickets)\n",
        sandbox.base_url()
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The processes below block; run them off the runtime so the sandbox keeps serving.
    let code = tokio::task::spawn_blocking(move || steps(&root, &username, &password))
        .await
        .unwrap_or(1);
    let alerts = sandbox.hook_bodies("alerts");
    eprintln!(
        "The sandbox's alert hook received {} alert(s){}",
        alerts.len(),
        if alerts.is_empty() { "." } else { ", e.g.:" }
    );
    if let Some(first) = alerts.first() {
        eprintln!("  {first}");
    }
    std::process::exit(code);
}

fn steps(root: &Path, username: &str, password: &str) -> i32 {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mut build = Command::new(&cargo);
    build
        .args(["build", "--quiet", "--bin", "relay"])
        .current_dir(root);
    if profile == "release" {
        build.arg("--release");
    }
    if !build.status().is_ok_and(|s| s.success()) {
        fail("building relay failed");
    }
    let relay = root.join("target").join(profile).join("relay");

    eprintln!("$ relay credential login halo --username {username}   (password on stdin)");
    let mut login = Command::new(&relay)
        .args(["credential", "login", "halo", "--username", username])
        .current_dir(root)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("cannot start relay: {e}")));
    if let Some(mut stdin) = login.stdin.take() {
        let _ = stdin.write_all(password.as_bytes());
    }
    if !login.wait().is_ok_and(|s| s.success()) {
        fail("relay credential login failed");
    }

    let output_path = root.join("target").join("halo_demo_output.json");
    let output = std::fs::File::create(&output_path)
        .unwrap_or_else(|e| fail(&format!("cannot create {}: {e}", output_path.display())));
    eprintln!(
        "\n$ relay run workflows/halo_tickets.yaml > {}",
        output_path.display()
    );
    let status = Command::new(&relay)
        .args(["run", "workflows/halo_tickets.yaml"])
        .current_dir(root)
        .stdout(output)
        .status();
    let code = status.map(|s| s.code().unwrap_or(1)).unwrap_or(1);
    let printed = std::fs::metadata(&output_path)
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "\nrelay wrote the run's output (its leaf events, {printed} bytes of JSON) to {}",
        output_path.display()
    );
    code
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}
