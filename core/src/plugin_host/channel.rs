//! The plugin thread's end of the host services: each request goes over a channel to the async
//! task that made the call, which serves it and answers. When that task gives up (timeout),
//! the channel closes and every later service call fails at once instead of running late.

use std::sync::Arc;

use relay_plugin_sdk::protocol::{Failure, HttpRequest, Reply};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

/// A host service a plugin asked for.
#[derive(Debug)]
pub(super) enum Service {
    Http(HttpRequest),
    StoreGet(String),
    StorePut(String, String),
}

/// One service request and where its reply (JSON `Reply<…>` bytes) goes.
#[derive(Debug)]
pub(super) struct ServiceCall {
    pub service: Service,
    pub reply: oneshot::Sender<Vec<u8>>,
}

/// What the `context` pointer of a call's host table points to.
pub(super) struct CallChannel {
    tx: Option<mpsc::UnboundedSender<ServiceCall>>,
    plugin: Arc<str>,
}

impl CallChannel {
    /// A channel whose requests arrive at the returned receiver.
    pub(super) fn open(plugin: Arc<str>) -> (CallChannel, mpsc::UnboundedReceiver<ServiceCall>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            CallChannel {
                tx: Some(tx),
                plugin,
            },
            rx,
        )
    }

    /// A channel with no services behind it (while a plugin describes itself at load time).
    pub(super) fn closed(plugin: Arc<str>) -> CallChannel {
        CallChannel { tx: None, plugin }
    }

    pub(super) fn http(&self, request: &[u8]) -> Vec<u8> {
        match serde_json::from_slice::<HttpRequest>(request) {
            Ok(r) => self.forward(Service::Http(r)),
            Err(e) => error_reply(&format!(
                "the HTTP request is not valid JSON of the expected shape: {e}"
            )),
        }
    }

    pub(super) fn store_get(&self, name: &[u8]) -> Vec<u8> {
        match std::str::from_utf8(name) {
            Ok(n) => self.forward(Service::StoreGet(n.to_owned())),
            Err(_) => error_reply("store names must be UTF-8"),
        }
    }

    pub(super) fn store_put(&self, name: &[u8], value: &[u8]) -> Vec<u8> {
        match (std::str::from_utf8(name), std::str::from_utf8(value)) {
            (Ok(n), Ok(v)) => self.forward(Service::StorePut(n.to_owned(), v.to_owned())),
            _ => error_reply("store names and values must be UTF-8"),
        }
    }

    /// Logs on the plugin's thread: tracing is process-wide and its writer redacts.
    pub(super) fn log(&self, level: u32, message: &[u8]) {
        let text = String::from_utf8_lossy(message);
        let plugin = &self.plugin;
        match level {
            1 => tracing::error!("plugin `{plugin}`: {text}"),
            2 => tracing::warn!("plugin `{plugin}`: {text}"),
            3 => tracing::info!("plugin `{plugin}`: {text}"),
            4 => tracing::debug!("plugin `{plugin}`: {text}"),
            _ => tracing::trace!("plugin `{plugin}`: {text}"),
        }
    }

    /// The reply for a service called without a context (a plugin bug).
    pub(super) fn no_context() -> Vec<u8> {
        error_reply("the host service was called without its context pointer")
    }

    fn forward(&self, service: Service) -> Vec<u8> {
        let Some(tx) = &self.tx else {
            return error_reply("host services are not available while a plugin describes itself");
        };
        let (reply, answer) = oneshot::channel();
        if tx.send(ServiceCall { service, reply }).is_err() {
            return abandoned();
        }
        // The plugin thread is a blocking thread, never an async task, so waiting here is fine.
        answer.blocking_recv().unwrap_or_else(|_| abandoned())
    }
}

fn abandoned() -> Vec<u8> {
    error_reply(
        "the host abandoned this call (it took longer than its timeout); host services are closed",
    )
}

/// `{"error": {"message": …}}`.
pub(super) fn error_reply(message: &str) -> Vec<u8> {
    encode(&Reply::<()>::Error(Failure {
        message: message.to_owned(),
        panicked: false,
    }))
}

/// `{"ok": …}`.
pub(super) fn ok_reply<T: Serialize>(value: T) -> Vec<u8> {
    encode(&Reply::Ok(value))
}

fn encode<T: Serialize>(reply: &Reply<T>) -> Vec<u8> {
    serde_json::to_vec(reply)
        .unwrap_or_else(|_| br#"{"error":{"message":"unencodable reply"}}"#.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(bytes: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_closed_channel_refuses_services() {
        let c = CallChannel::closed("p".into());
        assert!(
            message(&c.store_get(b"x")).contains("not available while a plugin describes itself")
        );
    }

    #[test]
    fn an_abandoned_call_fails_fast() {
        let (c, rx) = CallChannel::open("p".into());
        drop(rx);
        let reply = c.http(br#"{"method":"GET","url":"http://127.0.0.1:1/"}"#);
        assert!(
            message(&reply).starts_with("the host abandoned this call"),
            "{}",
            message(&reply)
        );
    }

    #[test]
    fn malformed_requests_never_reach_the_host() {
        let (c, mut rx) = CallChannel::open("p".into());
        let reply = c.http(b"{\"url\": 3}");
        assert!(message(&reply).starts_with("the HTTP request is not valid JSON"));
        assert!(rx.try_recv().is_err());
        assert!(message(&c.store_put(b"a", &[0xff])).contains("UTF-8"));
    }

    #[test]
    fn a_served_request_gets_its_answer() {
        let (c, mut rx) = CallChannel::open("p".into());
        let server = std::thread::spawn(move || {
            let call = rx.blocking_recv().expect("one call");
            assert!(matches!(&call.service, Service::StoreGet(n) if n == "refresh_token"));
            let _ = call.reply.send(ok_reply(Some("abc")));
        });
        assert_eq!(c.store_get(b"refresh_token"), br#"{"ok":"abc"}"#.to_vec());
        server.join().expect("server thread");
    }
}
