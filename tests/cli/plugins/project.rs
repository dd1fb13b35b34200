//! A temp directory where `relay` runs several times (same state directory).

use std::path::PathBuf;

use crate::support::RunResult;
use crate::support::relay::{relay_command, run_to_end};

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
        let mut cmd = relay_command(self.dir.path(), args);
        cmd.envs(env.iter().copied());
        run_to_end(cmd, stdin.map(str::as_bytes)).into()
    }

    pub fn relay(&self, args: &[&str]) -> RunResult {
        self.relay_with(args, None, &[])
    }
}
