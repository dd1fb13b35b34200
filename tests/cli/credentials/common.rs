//! Shared pieces of the credential tests: a project directory holding the repository's
//! `relay.yaml` pointed at a sandbox, `relay` invocations in it (several per test, same state
//! directory), what the sandbox saw, and the canary checks.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use relay_halo_sandbox::{RecordedRequest, SandboxConfig};
use serde_json::Value;

pub use crate::support::encoding::base64;
use crate::support::encoding::url_encode;
use crate::support::relay::{relay_command, run_to_end};
use crate::support::{RunResult, TestSandbox};

/// The sandbox user's password: a canary that must never be printed or stored.
pub const PASSWORD: &str = "pw-Canary-5e1d7c93-staple";
/// The sandbox client secret: a canary too.
pub const CLIENT_SECRET: &str = "cs-Canary-0a9d8e7f6c5b4a39";
pub const USERNAME: &str = "agent@acme.example";
pub const CLIENT_ID: &str = "0f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// Access tokens living an hour: Relay caches them for `expires_in` − 60 s.
pub const CACHED: u64 = 3600;
/// `expires_in: 60`: nothing is left after the 60 s margin, so Relay fetches a token per use.
pub const UNCACHED: u64 = 60;

/// The exact `invalid_grant` message of the spec for the repository's `halo` credential.
pub const HALO_INVALID_GRANT: &str = "credential `halo` needs a new refresh token: run `relay credential login halo` or `relay credential set halo_refresh_token`";

/// A sandbox whose access tokens live `ttl` seconds, with rotating (or reusable) refresh tokens.
pub fn sandbox(ttl: u64, rotating: bool) -> TestSandbox {
    TestSandbox::start(SandboxConfig {
        access_token_ttl: Duration::from_secs(ttl),
        rotate_refresh_tokens: rotating,
        password: PASSWORD.into(),
        client_secret: CLIENT_SECRET.into(),
        ..TestSandbox::default_config()
    })
}

/// The repository's relay.yaml (the Halo credential as users write it), pointed at `sandbox`.
pub fn repo_config(sandbox: &TestSandbox) -> String {
    repo_config_for(&sandbox.host())
}

/// The repository's relay.yaml with `host` (`127.0.0.1:PORT`) in place of the sandbox's.
pub fn repo_config_for(host: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/relay.yaml"))
        .expect("read relay.yaml");
    assert!(
        text.contains("127.0.0.1:8787"),
        "relay.yaml no longer points at the sandbox's default port"
    );
    text.replace("127.0.0.1:8787", host)
}

/// One GET with the `halo` credential as a bearer token.
pub const GET_TICKET: &str = r#"name: Get one ticket
actions:
  - name: Get ticket
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets/7
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
"#;

/// An explode of `items` into one GET each, 64 in flight, all with the `halo` credential.
pub const MANY: &str = r#"name: Many tickets
concurrency: 64
actions:
  - name: Explode
    type: event_transform
    options: {mode: explode, path: <<items>>, to: item}
  - name: Get ticket
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets/<<explode.item>>
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
links:
  - {from: explode, to: get_ticket}
"#;

/// A temp directory with relay.yaml and the workflows above, where `relay` runs again and again.
pub struct Project {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    pub fn new(config: &str) -> Project {
        let project = Project {
            dir: tempfile::tempdir().expect("temp dir"),
            env: Vec::new(),
        };
        project.write("relay.yaml", config);
        project.write("get_ticket.yaml", GET_TICKET);
        project.write("many.yaml", MANY);
        project
    }

    /// The repository's relay.yaml for `sandbox`.
    pub fn halo(sandbox: &TestSandbox) -> Project {
        Project::new(&repo_config(sandbox))
    }

    /// The repository's relay.yaml plus more credentials (YAML indented by two spaces, as
    /// entries under `credentials:`, which is the file's last section).
    pub fn halo_with(sandbox: &TestSandbox, more_credentials: &str) -> Project {
        let mut config = repo_config(sandbox);
        if !config.ends_with('\n') {
            config.push('\n');
        }
        config.push_str(&more_credentials.replace("HOST", &sandbox.host()));
        Project::new(&config)
    }

    /// An environment variable for every invocation.
    pub fn with_env(mut self, key: &str, value: &str) -> Project {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.path(".relay")
    }

    pub fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.path(name), contents).expect("write project file");
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = relay_command(self.dir.path(), args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `relay ARGS` with `stdin` (or none) and extra environment.
    pub fn relay_with(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> RunResult {
        self.exec(args, stdin, env).into()
    }

    /// `relay ARGS`, returning the raw exit status too (to tell a SIGKILL from an exit).
    pub fn exec(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> (std::process::ExitStatus, String, String) {
        run_to_end(self.command(args, env), stdin.map(str::as_bytes))
    }

    pub fn relay(&self, args: &[&str]) -> RunResult {
        self.relay_with(args, None, &[])
    }

    /// Starts `relay ARGS` without waiting (output discarded); killed when dropped, so a
    /// failing test leaves no process behind.
    pub fn spawn(&self, args: &[&str]) -> Spawned {
        let mut cmd = self.command(args, &[]);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Spawned(cmd.spawn().expect("spawn relay"))
    }

    /// `relay credential set NAME` with `value` on standard input; must succeed.
    #[track_caller]
    pub fn set(&self, name: &str, value: &str) -> RunResult {
        let r = self.relay_with(&["credential", "set", name], Some(value), &[]);
        r.assert_code(0);
        r
    }

    /// `relay run get_ticket.yaml`.
    pub fn run_ticket(&self) -> RunResult {
        self.relay(&["run", "get_ticket.yaml"])
    }

    /// `relay run many.yaml` over items 1..=n.
    pub fn run_many(&self, n: usize) -> RunResult {
        let items: Vec<usize> = (1..=n).collect();
        let input = serde_json::json!({ "items": items }).to_string();
        self.relay(&["run", "many.yaml", "--input", &input])
    }

    /// Every file under the state directory, with its bytes.
    pub fn state_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        walk(&self.state_dir(), &mut files);
        files
    }
}

/// A relay child process, SIGKILLed (by its pid) and reaped on drop if still running.
pub struct Spawned(pub Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn walk(dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.push((path, bytes));
        }
    }
}

/// The one leaf of `get_ticket.yaml`: a 200 with ticket 7.
#[track_caller]
pub fn assert_got_ticket(r: &RunResult) {
    r.assert_code(0);
    let leaves = r.json();
    let leaf = &leaves[0]["get_ticket"];
    assert_eq!(leaf["status"], 200, "{leaves}");
    assert_eq!(leaf["body"]["id"], 7, "{leaves}");
}

/// Token endpoint requests the sandbox received, in order.
pub fn token_requests(sandbox: &TestSandbox) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/token"))
        .collect()
}

/// The refresh tokens presented to the token endpoint, in order.
pub fn presented_refresh_tokens(sandbox: &TestSandbox) -> Vec<String> {
    token_requests(sandbox)
        .iter()
        .filter_map(|r| r.form_value("refresh_token"))
        .collect()
}

/// The bearer tokens sent to `/api/*`, in order.
pub fn bearer_tokens(sandbox: &TestSandbox) -> Vec<String> {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().starts_with("/api/"))
        .filter_map(|r| {
            r.header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
        .collect()
}

/// Every secret the sandbox saw (refresh tokens, access tokens, passwords, client secrets),
/// plus the fixed canaries.
pub fn secrets_seen(sandbox: &TestSandbox) -> Vec<String> {
    let mut secrets = vec![PASSWORD.to_owned(), CLIENT_SECRET.to_owned()];
    secrets.extend(presented_refresh_tokens(sandbox));
    secrets.extend(bearer_tokens(sandbox));
    secrets.sort();
    secrets.dedup();
    secrets
}

/// A secret and the spellings of it that must not appear: raw, base64 (padded or not),
/// base64url, URL-encoded.
pub fn spellings(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_owned(),
        base64(secret.as_bytes(), false, true),
        base64(secret.as_bytes(), false, false),
        base64(secret.as_bytes(), true, false),
        url_encode(secret),
    ];
    forms.sort();
    forms.dedup();
    forms
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// No spelling of any of `secrets` in `text`.
#[track_caller]
pub fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        for form in spellings(secret) {
            assert!(
                !text.contains(&form),
                "{what} contains the secret `{secret}` (as `{form}`):\n{text}"
            );
        }
    }
}

/// No spelling of any secret in any output of `results`.
#[track_caller]
pub fn assert_outputs_clean(results: &[&RunResult], secrets: &[String]) {
    for (i, r) in results.iter().enumerate() {
        assert_clean(
            &format!("output of invocation #{i}"),
            &r.all_output(),
            secrets,
        );
    }
}

/// No spelling of any secret in any byte of any file of the state directory.
#[track_caller]
pub fn assert_state_clean(project: &Project, secrets: &[String]) {
    let files = project.state_files();
    assert!(
        files.iter().any(|(p, _)| p.ends_with("state.db")),
        "no state.db in {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        for secret in secrets {
            for form in spellings(secret) {
                assert!(
                    !contains(bytes, form.as_bytes()),
                    "{} contains the secret `{secret}` (as `{form}`)",
                    path.display()
                );
            }
        }
    }
}

/// Waits (polling, up to `limit`) until `done` holds; panics with `what` otherwise.
#[track_caller]
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// stdout's leaf events.
pub fn leaves(r: &RunResult) -> Vec<Value> {
    match r.json() {
        Value::Array(items) => items,
        other => panic!("stdout is not an array: {other}"),
    }
}

/// Seconds since the epoch of an RFC 3339 UTC time as Relay prints it (`2025-01-31T12:00:00Z`).
pub fn unix_of(text: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an RFC 3339 UTC time: {text}"))
    };
    assert!(
        text.len() == 20 && text.ends_with('Z'),
        "not an RFC 3339 UTC time: {text}"
    );
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The RFC 3339 time right after `marker` in `text`.
#[track_caller]
pub fn time_after(text: &str, marker: &str) -> i64 {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no `{marker}` in {text}"))
        + marker.len();
    unix_of(
        text.get(at..at + 20)
            .unwrap_or_else(|| panic!("no time after `{marker}` in {text}")),
    )
}
