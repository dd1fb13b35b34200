//! A working directory in which a test runs several `relay` commands one after the other
//! (import, then validate, then run…), unlike [`crate::support::Relay`], whose builder is
//! consumed by its arguments.

use std::path::PathBuf;

use super::RunResult;
use super::relay::{relay_command, run_to_end};

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

    /// `relay ARGS` in the directory, with `stdin` when given (a clean environment, as
    /// [`relay_command`] makes it).
    pub fn relay_with(&self, args: &[&str], stdin: Option<&str>) -> RunResult {
        let mut cmd = relay_command(self.dir.path(), args);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        run_to_end(cmd, stdin.map(str::as_bytes)).into()
    }
}
