//! A working directory in which a test runs several `relay` commands one after the other
//! (import, then validate, then run…), unlike [`crate::support::Relay`], whose builder is
//! consumed by its arguments.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::RunResult;

pub struct Project {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Default for Project {
    fn default() -> Self {
        Project::new()
    }
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
            env: Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file (relative to the working directory), creating its directories.
    pub fn write(&self, name: &str, contents: &str) -> &Project {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&path, contents).expect("write test file");
        self
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// An environment variable for every later command.
    pub fn with_env(mut self, key: &str, value: &str) -> Project {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn relay(&self, args: &[&str]) -> RunResult {
        self.relay_with(args, None)
    }

    /// `relay ARGS` in the directory, with `stdin` when given; the caller's RELAY_*, proxy and
    /// HALO_ACCESS_TOKEN variables are removed, as [`crate::support::Relay`] does.
    pub fn relay_with(&self, args: &[&str], stdin: Option<&str>) -> RunResult {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relay"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("RELAY_")
                || k == "HALO_ACCESS_TOKEN"
                || k.ends_with("_PROXY")
                || k.ends_with("_proxy")
            {
                cmd.env_remove(k);
            }
        }
        cmd.env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn relay");
        if let Some(data) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(data.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait for relay");
        RunResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
