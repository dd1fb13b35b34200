//! The benchmark's surroundings: the Halo sandbox in this process, a temp directory holding
//! `relay.yaml` and the generated workflows, and the `relay` binary to run.

use std::path::{Path, PathBuf};
use std::process::Command;

use relay_benches::workflows::{TICKETS_QUERY, relay_config};
use relay_halo_sandbox::{Sandbox, SandboxConfig};

/// Environment variable naming the `relay` binary to measure, instead of the release build.
pub const RELAY_BIN_ENV: &str = "RELAY_BIN";

/// Everything the scenarios share.
pub struct Bench {
    /// Keeps the sandbox's server tasks running while the scenarios block on children.
    _runtime: tokio::runtime::Runtime,
    pub sandbox: Sandbox,
    dir: tempfile::TempDir,
    pub token: String,
    pub relay: PathBuf,
    /// This binary, started again with `--baseline` for the raw baseline.
    pub me: PathBuf,
}

impl Bench {
    /// Starts the sandbox on 127.0.0.1 and writes `relay.yaml` for it.
    pub fn start() -> Result<Bench, String> {
        let relay = relay_binary()?;
        let me = std::env::current_exe()
            .map_err(|e| format!("cannot find this benchmark's binary: {e}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start tokio: {e}"))?;
        let config = SandboxConfig {
            port: 0,
            record_requests: false,
            ..SandboxConfig::default()
        };
        let sandbox = runtime
            .block_on(Sandbox::start(config))
            .map_err(|e| format!("cannot start the Halo sandbox: {e}"))?;
        let token = sandbox.issue_access_token();
        let dir = tempfile::Builder::new()
            .prefix("relay-e2e-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let bench = Bench {
            _runtime: runtime,
            sandbox,
            dir,
            token,
            relay,
            me,
        };
        bench.write(
            "relay.yaml",
            &relay_config(&bench.sandbox.base_url(), &bench.sandbox.addr().to_string()),
        )?;
        Ok(bench)
    }

    /// Keeps the working directory after exit (for `--serve`); returns its path.
    pub fn keep_dir(&mut self) -> PathBuf {
        self.dir.disable_cleanup(true);
        self.dir.path().to_path_buf()
    }

    /// The working directory of every child.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL every benchmark request fetches (what the workflows' `payload` renders to).
    pub fn tickets_url(&self) -> String {
        format!("{}/api/Tickets?{TICKETS_QUERY}", self.sandbox.base_url())
    }

    /// Writes `text` to `name` in the working directory.
    pub fn write(&self, name: &str, text: &str) -> Result<PathBuf, String> {
        let path = self.dir().join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// The environment of every measured child: the token, no colour, nothing inherited
    /// that would change what `relay` does.
    pub fn envs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("HALO_ACCESS_TOKEN", self.token.as_str()),
            ("NO_COLOR", "1"),
        ]
    }

    /// `relay ARGS…` in the working directory.
    pub fn relay<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(&self, args: I) -> Command {
        self.command(&self.relay, args)
    }

    /// `PROGRAM ARGS…` in the working directory, with [`Bench::envs`] and nothing that
    /// would redirect or reconfigure it (RELAY_*, proxies).
    pub fn command<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(
        &self,
        program: &Path,
        args: I,
    ) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(self.dir());
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("RELAY_")
                || k.to_ascii_lowercase().ends_with("_proxy")
                || k == "HALO_ACCESS_TOKEN"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.envs());
        cmd
    }
}

/// `$RELAY_BIN`, else `relay` next to this benchmark's target directory (`<target>/release/`
/// holds both when built with the same `--target-dir`), else `<repo>/target/release/relay`.
fn relay_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(RELAY_BIN_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{RELAY_BIN_ENV}={} is not a file", path.display()))
        };
    }
    let mut candidates = Vec::new();
    // The benchmark runs from <target>/release/deps/.
    if let Ok(exe) = std::env::current_exe()
        && let Some(release) = exe.parent().and_then(Path::parent)
    {
        candidates.push(release.join("relay"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/relay"));
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        format!(
            "no release build of relay at {}; run `cargo build --release` first (or set {RELAY_BIN_ENV})",
            candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or ")
        )
    })
}
