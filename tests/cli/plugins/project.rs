//! A temp directory where `relay` runs several times (same state directory).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::support::RunResult;

pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A project with these files.
    pub fn new(files: &[(&str, &str)]) -> Project {
        let project = Project {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        for (name, text) in files {
            project.write(name, text);
        }
        project
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, text).expect("write project file");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `relay ARGS` with `stdin` and extra environment.
    pub fn relay_with(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> RunResult {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relay"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("RELAY_") || k.ends_with("_PROXY") || k.ends_with("_proxy") {
                cmd.env_remove(k);
            }
        }
        cmd.env("NO_COLOR", "1");
        for (k, v) in env {
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

    pub fn relay(&self, args: &[&str]) -> RunResult {
        self.relay_with(args, None, &[])
    }
}
