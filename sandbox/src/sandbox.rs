//! Starting, inspecting and stopping a sandbox server.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::SandboxConfig;
use crate::faults::Fault;
use crate::record::{Counters, RecordedRequest};
use crate::routes::dispatch;
use crate::state::{App, lock};
use crate::tokens::Grant;

/// A running sandbox tenant. Clones share the server; it stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Sandbox {
    app: Arc<App>,
    addr: SocketAddr,
    server: Arc<Server>,
}

/// Owns the server task; dropping it asks the server to shut down gracefully.
#[derive(Debug)]
struct Server {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<io::Result<()>>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // No receiver left means the server already ended; nothing to stop.
        let _ = self.stop.send(true);
    }
}

impl Sandbox {
    /// Binds `127.0.0.1:port`, spawns the server on the current tokio runtime and returns once
    /// it accepts connections.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let app = Arc::new(App::new(config, format!("http://{addr}")));
        let router = Router::new().fallback(dispatch).with_state(app.clone());
        // Small request/response pairs on keep-alive connections stall on Nagle's algorithm
        // without this, which would make benchmarks measure the TCP stack, not Relay.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let (stop, mut stopped) = watch::channel(false);
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        let task = tokio::spawn(async move { serve.await });
        let server = Arc::new(Server {
            stop,
            task: Mutex::new(Some(task)),
        });
        Ok(Sandbox { app, addr, server })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the resource server and (with `/auth` or `/token`) auth server.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// `<base>/auth`: the authorisation server URL Halo shows (token endpoint `<base>/auth/token`).
    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.app.base_url)
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.app.config
    }

    /// Mints a valid refresh token directly, as if the configured user had logged in.
    pub fn issue_refresh_token(&self) -> String {
        let grant = Grant {
            client_id: self.app.config.client_id.clone(),
            scope: "all".to_owned(),
        };
        self.app.data().tokens.mint_refresh(grant)
    }

    /// Mints a valid access token directly, living `access_token_ttl` from now.
    pub fn issue_access_token(&self) -> String {
        self.app
            .data()
            .tokens
            .mint_access(self.app.config.access_token_ttl, Instant::now())
    }

    /// Makes every access token issued so far invalid (the next API call with one gets 401).
    pub fn revoke_access_tokens(&self) {
        self.app.data().tokens.revoke_access_tokens();
    }

    /// Makes every refresh token issued so far invalid (`invalid_grant` on the next refresh).
    pub fn revoke_refresh_tokens(&self) {
        self.app.data().tokens.revoke_refresh_tokens();
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.app.counters.snapshot()
    }

    /// Sets every counter back to zero (e.g. after a warm-up).
    pub fn reset_counters(&self) {
        self.app.counters.reset();
    }

    /// Every request received so far, in arrival order (empty if `record_requests` is off).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.app.log).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.app.log).clear();
    }

    /// Queues a fault for the next `/api/*` requests.
    pub fn inject(&self, fault: Fault) {
        self.app.data().api_faults.push(fault);
    }

    /// Queues a fault for the next token endpoint requests (`/auth/token`, `/token`).
    pub fn inject_auth(&self, fault: Fault) {
        self.app.data().auth_faults.push(fault);
    }

    /// Drops every pending fault, API and token endpoint alike.
    pub fn clear_faults(&self) {
        let mut data = self.app.data();
        data.api_faults.clear();
        data.auth_faults.clear();
    }

    /// The bodies POSTed to `/_sandbox/hooks/{name}`, oldest first.
    pub fn hook_bodies(&self, name: &str) -> Vec<Value> {
        self.app.data().hooks.get(name).cloned().unwrap_or_default()
    }

    /// The ticket with this id as the API would return it (created and updated ones included).
    pub fn ticket(&self, id: u64) -> Option<Value> {
        let ticket = self.app.data().tickets.get(id)?;
        Some(Value::Object((*ticket).clone()))
    }

    /// Number of tickets the tenant holds now.
    pub fn ticket_count(&self) -> usize {
        self.app.data().tickets.len()
    }

    /// Stops accepting, lets in-flight requests finish and waits for the server to end.
    /// Other clones then point at a stopped server.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.server.stop.send(true);
        let task = lock(&self.server.task).take();
        match task {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }

    /// The connection details `run_until_ctrl_c` prints, with `refresh_token` filled in.
    pub fn banner(&self, refresh_token: &str) -> String {
        let c = &self.app.config;
        let base = &self.app.base_url;
        format!(
            "Halo sandbox listening on {base}\n\
             \x20 resource server: {base}/api   (GET /api/Tickets, GET /api/AuthInfo)\n\
             \x20 auth server:     {base}/auth  (POST {base}/auth/token?tenant={tenant}, or {base}/token?tenant={tenant})\n\
             \x20 tenant:          {tenant}\n\
             \x20 client_id:       {client_id}\n\
             \x20 client_secret:   {client_secret}\n\
             \x20 username:        {username}\n\
             \x20 password:        {password}\n\
             \x20 refresh_token:   {refresh_token}\n\
             \x20 tickets:         {tickets}, access tokens live {ttl} s, refresh tokens {rotation}\n",
            tenant = c.tenant,
            client_id = c.client_id,
            client_secret = c.client_secret,
            username = c.username,
            password = c.password,
            tickets = c.ticket_count,
            ttl = c.access_token_ttl.as_secs(),
            rotation = if c.rotate_refresh_tokens {
                "rotate (each works once)"
            } else {
                "are reusable"
            },
        )
    }
}

/// Starts a sandbox, prints its URL, tenant, client id, credentials and a fresh refresh token
/// to stdout, then serves until Ctrl-C.
pub async fn run_until_ctrl_c(config: SandboxConfig) -> io::Result<()> {
    let sandbox = Sandbox::start(config).await?;
    let refresh = sandbox.issue_refresh_token();
    println!("{}Press Ctrl-C to stop.", sandbox.banner(&refresh));
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn banner_names_everything_a_user_needs() {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("start");
        let banner = sandbox.banner("r-123");
        for needle in [
            sandbox.base_url().as_str(),
            "tenant:          acme",
            "0f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            "agent@acme.example",
            "correct-horse-battery-staple",
            "refresh_token:   r-123",
            "/token?tenant=acme",
        ] {
            assert!(banner.contains(needle), "banner lacks {needle}: {banner}");
        }
        assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
        assert_ne!(sandbox.addr().port(), 0);
        sandbox.shutdown().await.expect("clean shutdown");
    }

    #[tokio::test]
    async fn issued_tokens_are_honoured_by_the_store() {
        let sandbox = Sandbox::start(SandboxConfig {
            ticket_count: 3,
            ..SandboxConfig::default()
        })
        .await
        .expect("start");
        let access = sandbox.issue_access_token();
        let now = Instant::now();
        assert_eq!(
            sandbox.app.data().tokens.check_access(&access, now),
            crate::tokens::AccessCheck::Valid
        );
        sandbox.revoke_access_tokens();
        assert_eq!(
            sandbox.app.data().tokens.check_access(&access, now),
            crate::tokens::AccessCheck::Unknown
        );
        let refresh = sandbox.issue_refresh_token();
        assert!(
            sandbox
                .app
                .data()
                .tokens
                .redeem_refresh(&refresh, false)
                .is_some()
        );
        assert_eq!(sandbox.ticket_count(), 3);
        assert_eq!(sandbox.ticket(3).and_then(|t| t["id"].as_u64()), Some(3));
        assert_eq!(sandbox.ticket(4), None);
    }
}
