//! The host's services as a safe handle: HTTP through Relay's client, logging through its
//! redaction, and the encrypted store.

use serde::de::DeserializeOwned;

use crate::abi::{Buffer, HostApi};
use crate::error::Error;
use crate::protocol::{HttpRequest, HttpResponse, Reply};

/// How important a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

/// The host's services, valid for the duration of one call.
pub struct Host<'a> {
    api: &'a HostApi,
}

// SAFETY: the host's services are thread-safe for the duration of the call (the Relay host
// forwards each to its async runtime over a channel), and the lifetime keeps the handle
// inside the call, so scoped threads may share it.
unsafe impl Sync for Host<'_> {}

impl<'a> Host<'a> {
    pub(crate) fn new(api: &'a HostApi) -> Host<'a> {
        Host { api }
    }

    /// Sends `request` through the host's HTTP client. Any status is an `Ok` answer; an
    /// `Err` means no answer (refused by allowed hosts, connection failed, timed out).
    pub fn http(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let bytes = serde_json::to_vec(request)?;
        // SAFETY: the host promised `http` and `context` are valid during this call; the
        // request bytes live until it returns.
        let buffer = unsafe { (self.api.http)(self.api.context, bytes.as_ptr(), bytes.len()) };
        self.take(buffer)
    }

    /// Writes one log line through the host (redacted, filtered by `-v` / `RELAY_LOG`).
    pub fn log(&self, level: Level, message: &str) {
        // SAFETY: as in `http`; the message bytes live until it returns.
        unsafe {
            (self.api.log)(
                self.api.context,
                level as u32,
                message.as_ptr(),
                message.len(),
            )
        }
    }

    /// Logs a warning (shown by default).
    pub fn warn(&self, message: &str) {
        self.log(Level::Warn, message);
    }

    /// Logs at info level (shown with `-v`).
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// Reads `name` from the encrypted store (the host namespaces it: `<credential>_<name>`).
    pub fn store_get(&self, name: &str) -> Result<Option<String>, Error> {
        // SAFETY: as in `http`.
        let buffer = unsafe { (self.api.store_get)(self.api.context, name.as_ptr(), name.len()) };
        self.take(buffer)
    }

    /// Writes `value` as `name` into the encrypted store, at once.
    pub fn store_put(&self, name: &str, value: &str) -> Result<(), Error> {
        // SAFETY: as in `http`.
        let buffer = unsafe {
            (self.api.store_put)(
                self.api.context,
                name.as_ptr(),
                name.len(),
                value.as_ptr(),
                value.len(),
            )
        };
        self.take(buffer)
    }

    /// Copies a host buffer, gives it back to the host, and reads its reply.
    fn take<T: DeserializeOwned>(&self, buffer: Buffer) -> Result<T, Error> {
        // SAFETY: the host allocated this buffer for us and keeps it alive until we free it.
        let bytes = unsafe { buffer.as_slice() }.to_vec();
        // SAFETY: freed once, by the side that allocated it.
        unsafe { (self.api.free)(buffer) };
        match serde_json::from_slice::<Reply<T>>(&bytes) {
            Ok(Reply::Ok(value)) => Ok(value),
            Ok(Reply::Error(f)) => Err(Error::new(f.message)),
            Err(e) => Err(Error::new(format!(
                "the host answered something that is not a reply: {e}"
            ))),
        }
    }
}
