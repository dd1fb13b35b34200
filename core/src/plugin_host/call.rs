//! Making a call: the plugin runs on a blocking thread while this task serves its host
//! services; past the timeout the call is abandoned (its thread may go on, unseen) and the
//! caller gets an error. A panic, an error reply and a malformed reply are told apart.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use relay_plugin_sdk::protocol::{Description, Reply, Request};
use serde::de::DeserializeOwned;

use super::channel::CallChannel;
use super::ffi::RawPlugin;
use super::services::CallServices;

/// Default time a plugin call may take (`timeout` per credential or action overrides it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Who is being called, for messages.
#[derive(Debug, Clone)]
pub(super) struct Callee {
    pub(super) name: Arc<str>,
    pub(super) path: PathBuf,
    pub(super) raw: RawPlugin,
}

/// Why a plugin call gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The plugin answered with an error; its message is for the user as it is.
    Plugin(String),
    /// The plugin panicked; the SDK caught it.
    Panicked {
        plugin: String,
        path: PathBuf,
        op: String,
        message: String,
    },
    /// No answer within the timeout; the call was abandoned.
    TimedOut {
        plugin: String,
        path: PathBuf,
        op: String,
        after: Duration,
    },
    /// The answer was not a valid reply.
    Protocol {
        plugin: String,
        path: PathBuf,
        op: String,
        message: String,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Plugin(message) => f.write_str(message),
            CallError::Panicked {
                plugin,
                path,
                op,
                message,
            } => write!(
                f,
                "plugin `{plugin}` ({}) panicked in {op}: {}; the plugin stays loaded and relay goes on",
                path.display(),
                message.strip_prefix("panicked: ").unwrap_or(message)
            ),
            CallError::TimedOut {
                plugin,
                path,
                op,
                after,
            } => write!(
                f,
                "plugin `{plugin}` ({}) did not finish {op} within {} s; the call was abandoned (its thread may stay busy until relay exits; raise `timeout` if the work is legitimately slow)",
                path.display(),
                seconds(*after)
            ),
            CallError::Protocol {
                plugin,
                path,
                op,
                message,
            } => write!(
                f,
                "plugin `{plugin}` ({}) answered {op} with an invalid reply: {message}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for CallError {}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s:.1}")
    }
}

impl Callee {
    fn error(
        &self,
        op: &str,
        kind: impl FnOnce(String, PathBuf, String) -> CallError,
    ) -> CallError {
        kind(self.name.to_string(), self.path.clone(), op.to_owned())
    }

    /// Reads a reply, telling a panic, an error and a malformed answer apart.
    fn decode<T: DeserializeOwned>(&self, op: &str, bytes: &[u8]) -> Result<T, CallError> {
        match serde_json::from_slice::<Reply<T>>(bytes) {
            Ok(Reply::Ok(value)) => Ok(value),
            Ok(Reply::Error(f)) if f.panicked => {
                Err(self.error(op, |plugin, path, op| CallError::Panicked {
                    plugin,
                    path,
                    op,
                    message: f.message,
                }))
            }
            Ok(Reply::Error(f)) => Err(CallError::Plugin(f.message)),
            Err(e) => Err(self.error(op, |plugin, path, op| CallError::Protocol {
                plugin,
                path,
                op,
                message: e.to_string(),
            })),
        }
    }

    /// Calls the plugin on a blocking thread, serving its host services from this task, for
    /// at most `timeout`.
    pub(super) async fn invoke<T: DeserializeOwned>(
        &self,
        op: &str,
        request: &Request,
        timeout: Duration,
        services: &CallServices<'_>,
    ) -> Result<T, CallError> {
        let bytes = serde_json::to_vec(request).map_err(|e| {
            self.error(op, |plugin, path, op| CallError::Protocol {
                plugin,
                path,
                op,
                message: format!("the request could not be encoded: {e}"),
            })
        })?;
        let (channel, mut requests) = CallChannel::open(self.name.clone());
        let raw = self.raw;
        let mut job = tokio::task::spawn_blocking(move || raw.call(&channel, &bytes));
        let work = async {
            loop {
                tokio::select! {
                    joined = &mut job => return joined,
                    Some(call) = requests.recv() => services.serve(call).await,
                }
            }
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(Ok(reply)) => self.decode(op, &reply),
            // Panics are caught inside the plugin and the host callbacks; a join error means
            // the runtime is shutting down.
            Ok(Err(e)) => Err(self.error(op, |plugin, path, op| CallError::Protocol {
                plugin,
                path,
                op,
                message: format!("the call's thread ended without a reply ({e})"),
            })),
            Err(_) => Err(self.error(op, |plugin, path, op| CallError::TimedOut {
                plugin,
                path,
                op,
                after: timeout,
            })),
        }
    }

    /// `describe`, from synchronous code (loading), on its own thread, for at most `timeout`.
    /// Host services are closed meanwhile.
    pub(super) fn describe(&self, timeout: Duration) -> Result<Description, CallError> {
        let op = "describe";
        let (tx, rx) = std::sync::mpsc::channel();
        let raw = self.raw;
        let channel = CallChannel::closed(self.name.clone());
        let spawned = std::thread::Builder::new()
            .name("relay-plugin-describe".into())
            .spawn(move || {
                let reply = raw.call(&channel, br#"{"op":"describe"}"#);
                let _ = tx.send(reply);
            });
        if let Err(e) = spawned {
            return Err(self.error(op, |plugin, path, op| CallError::Protocol {
                plugin,
                path,
                op,
                message: format!("no thread for the call: {e}"),
            }));
        }
        match rx.recv_timeout(timeout) {
            Ok(reply) => self.decode(op, &reply),
            Err(_) => Err(self.error(op, |plugin, path, op| CallError::TimedOut {
                plugin,
                path,
                op,
                after: timeout,
            })),
        }
    }
}
