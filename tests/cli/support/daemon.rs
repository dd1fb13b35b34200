//! A project directory shared by several `relay` invocations (the daemon and the history
//! commands read the same `.relay/` state store), and `relay daemon` as a child process whose
//! stderr JSON log lines are collected as they come.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::relay::{RunResult, relay_command, run_to_end};

/// A temp directory holding `relay.yaml`, `workflows/` and (once used) `.relay/`.
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

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An environment variable for every later invocation.
    pub fn env(mut self, key: &str, value: &str) -> Project {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Writes a file atomically (temp file + rename), as editors do, so a daemon polling the
    /// directory never reads half a file.
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.path(name);
        let parent = path.parent().expect("parent").to_path_buf();
        std::fs::create_dir_all(&parent).expect("create dirs");
        let tmp = parent.join(format!(
            ".{}.tmp",
            path.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&tmp, contents).expect("write temp file");
        std::fs::rename(&tmp, &path).expect("rename into place");
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.path(name)).expect("remove file");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = relay_command(self.dir(), args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `relay ARGS` to completion in the project.
    pub fn relay(&self, args: &[&str]) -> RunResult {
        run_to_end(self.command(args), None).into()
    }

    /// Every recorded run (`relay runs list --output json`), newest first.
    #[track_caller]
    pub fn runs(&self) -> Vec<Value> {
        let result = self.relay(&["runs", "list", "--output", "json", "--limit", "100000"]);
        result.assert_code(0);
        match result.json() {
            Value::Array(runs) => runs,
            other => panic!("runs list is not an array: {other}"),
        }
    }

    /// The runs of one workflow key (e.g. `workflows/tick.yaml`), newest first.
    pub fn runs_of(&self, workflow: &str) -> Vec<Value> {
        self.runs()
            .into_iter()
            .filter(|r| r["workflow"] == workflow)
            .collect()
    }

    /// The fire times of a workflow's runs, oldest first (duplicates kept).
    pub fn fire_times(&self, workflow: &str) -> Vec<DateTime<Utc>> {
        let mut times: Vec<_> = self
            .runs_of(workflow)
            .iter()
            .map(|r| time(&r["fire_time"]))
            .collect();
        times.sort();
        times
    }

    /// Starts `relay --log-format json daemon ARGS`.
    pub fn daemon(&self, args: &[&str]) -> DaemonProc {
        let mut all = vec!["--log-format", "json", "daemon"];
        all.extend_from_slice(args);
        let mut child = self
            .command(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn relay daemon");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        DaemonProc {
            child,
            lines,
            reader: Some(reader),
            code: None,
        }
    }
}

/// An RFC 3339 time from JSON (`…Z` or `…+00:00`).
#[track_caller]
pub fn time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}` is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// A running (or finished) `relay daemon`.
pub struct DaemonProc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    code: Option<i32>,
}

impl DaemonProc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every stderr line so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.lines().join("\n")
    }

    /// The JSON log records so far (lines that are not JSON are left out).
    pub fn logs(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.is_object())
            .collect()
    }

    /// The `fields` of each log record whose message starts with `prefix`, in order.
    pub fn events(&self, prefix: &str) -> Vec<Value> {
        self.logs()
            .into_iter()
            .filter(|v| {
                v["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(prefix))
            })
            .map(|v| v["fields"].clone())
            .collect()
    }

    /// `fire` records of one workflow.
    pub fn fires_of(&self, workflow: &str) -> Vec<Value> {
        self.events("fire")
            .into_iter()
            .filter(|f| f["message"] == "fire" && f["workflow"] == workflow)
            .collect()
    }

    /// Waits (polling, up to `timeout`) until `done(self)`; panics with the log otherwise.
    #[track_caller]
    pub fn wait_for(&mut self, what: &str, timeout: Duration, done: impl Fn(&DaemonProc) -> bool) {
        let start = Instant::now();
        loop {
            if done(self) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // One last look: the line may have arrived with the exit.
                std::thread::sleep(Duration::from_millis(200));
                if done(self) {
                    return;
                }
                panic!(
                    "the daemon exited ({status}) before {what}; stderr:\n{}",
                    self.stderr()
                );
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the exit (at most `timeout`, else SIGKILL and panic) and returns its code.
    #[track_caller]
    pub fn wait_exit(&mut self, timeout: Duration) -> i32 {
        if let Some(code) = self.code {
            return code;
        }
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the daemon did not exit within {timeout:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let code = status.code().unwrap_or(-1);
        self.code = Some(code);
        code
    }

    /// SIGTERM, then the exit code (within 30 s).
    #[track_caller]
    pub fn stop(&mut self) -> i32 {
        self.terminate();
        self.wait_exit(Duration::from_secs(30))
    }
}

impl Drop for DaemonProc {
    fn drop(&mut self) {
        if self.code.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
