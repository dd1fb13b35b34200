//! Runs `relay` as a user would: its own process, a working directory, arguments, stdin.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// `relay ARGS` in `dir`, without anything of the caller's environment that would redirect or
/// reconfigure it (RELAY_*, proxies, the HALO_* variables the examples read), and without colour.
pub fn relay_command<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relay"));
    cmd.args(args).current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("RELAY_")
            || k == "HALO_ACCESS_TOKEN"
            || k == "HALO_PASSWORD"
            || k.ends_with("_PROXY")
            || k.ends_with("_proxy")
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` to its end with `stdin` (or none), capturing stdout and stderr.
pub fn run_to_end(mut cmd: Command, stdin: Option<&[u8]>) -> (ExitStatus, String, String) {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn relay");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(data).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for relay");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl From<(ExitStatus, String, String)> for RunResult {
    fn from((status, stdout, stderr): (ExitStatus, String, String)) -> RunResult {
        RunResult {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }
}

/// A `relay` invocation being prepared in its own temporary directory.
pub struct Relay {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

/// What the process did.
#[derive(Debug)]
pub struct RunResult {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    /// stdout parsed as JSON (panics with the whole output when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &RunResult {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Everything the process printed.
    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Default for Relay {
    fn default() -> Self {
        Relay::new()
    }
}

impl Relay {
    pub fn new() -> Relay {
        Relay {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file (relative to the working directory).
    pub fn file(self, name: &str, contents: &str) -> Relay {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&path, contents).expect("write test file");
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Relay
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Relay {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn stdin(mut self, data: &str) -> Relay {
        self.stdin = Some(data.as_bytes().to_vec());
        self
    }

    /// Runs `relay` with the arguments so far (the builder can be run again).
    pub fn run(&self) -> RunResult {
        let mut cmd = relay_command(self.dir.path(), &self.args);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        run_to_end(cmd, self.stdin.as_deref()).into()
    }
}
