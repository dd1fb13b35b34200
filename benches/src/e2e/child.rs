//! Running one measured child process: wall time from spawn to exit, output kept in files
//! (reading pipes would put the benchmark's own work into the measurement).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// One finished child process.
#[derive(Debug)]
pub struct Finished {
    pub wall: Duration,
    pub status: ExitStatus,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Finished {
    /// Its standard output as text (empty when unreadable).
    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// The last lines of its standard error, for error messages.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    /// Fails with the command's stderr unless it exited 0.
    pub fn expect_success(&self, what: &str) -> Result<&Finished, String> {
        if self.status.success() {
            Ok(self)
        } else {
            Err(format!(
                "{what} exited with {}:\n{}",
                self.status,
                self.stderr_tail()
            ))
        }
    }
}

/// Runs `cmd` with stdin closed and stdout/stderr going to `<dir>/<label>.out|.err`.
pub fn run(cmd: &mut Command, dir: &Path, label: &str) -> Result<Finished, String> {
    let stdout = dir.join(format!("{label}.out"));
    let stderr = dir.join(format!("{label}.err"));
    let open =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    cmd.stdin(Stdio::null())
        .stdout(open(&stdout)?)
        .stderr(open(&stderr)?);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {label}: {e}"))?;
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {label}: {e}"))?;
    let wall = started.elapsed();
    Ok(Finished {
        wall,
        status,
        stdout,
        stderr,
    })
}
