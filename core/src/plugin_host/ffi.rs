//! The only `unsafe` of the host: opening a library, reading its entry table, calling it, and
//! the C callbacks of the host services. Everything past this file is JSON bytes and safe Rust.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use relay_plugin_sdk::abi::{
    ABI_VERSION, Buffer, CallFn, ENTRY_SYMBOL, EntryFn, FreeFn, HostApi, free_buffer,
};

use super::channel::CallChannel;

/// A plugin's entry table, copied out of the library (which is never unloaded).
#[derive(Clone, Copy)]
pub(super) struct RawPlugin {
    call: CallFn,
    free: FreeFn,
}

impl std::fmt::Debug for RawPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawPlugin")
    }
}

/// Why a file could not become a [`RawPlugin`].
#[derive(Debug)]
pub(super) enum OpenError {
    /// The dynamic loader refused it (not a library, wrong architecture, missing dependency).
    NotALibrary(String),
    /// A library without [`ENTRY_SYMBOL`].
    NoEntry,
    /// The entry function returned a null pointer.
    NullEntry,
    /// The entry table's first field says another ABI version.
    Abi(u32),
}

/// Loads `path` (an absolute path, so the loader does not search its own directories) and
/// checks the ABI version before reading anything else of the entry table.
pub(super) fn open(path: &Path) -> Result<RawPlugin, OpenError> {
    // SAFETY: loading runs the library's initialisers. A plugin is native code the user chose
    // to load (relay.yaml, --plugin, RELAY_PLUGIN_PATH): it is trusted like the binary itself.
    let library = unsafe { libloading::Library::new(path) }
        .map_err(|e| OpenError::NotALibrary(with_cause(&e)))?;
    // A loaded plugin is never unloaded: its code may still run on an abandoned call's
    // thread, and unloading Rust libraries (thread-locals, statics) is not reliable.
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: the symbol is declared by the contract as `extern "C" fn() -> *const PluginEntry`;
    // a library exporting the name with another type is outside the contract.
    let entry_fn: EntryFn = unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) }
        .map(|symbol| *symbol)
        .map_err(|_| OpenError::NoEntry)?;
    // SAFETY: as above; the entry function takes no arguments and returns a static pointer.
    let entry = unsafe { entry_fn() };
    if entry.is_null() {
        return Err(OpenError::NullEntry);
    }
    // SAFETY: the contract freezes a u32 ABI version as the first field of any version's
    // entry table, so reading exactly that u32 is valid whatever the plugin's ABI is.
    let version = unsafe { entry.cast::<u32>().read() };
    if version != ABI_VERSION {
        return Err(OpenError::Abi(version));
    }
    // SAFETY: same ABI version, so the table has exactly the layout of `PluginEntry`.
    let table = unsafe { &*entry };
    Ok(RawPlugin {
        call: table.call,
        free: table.free,
    })
}

/// libloading says "dlopen failed"; the loader's own words are in the source.
fn with_cause(e: &libloading::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => cause.to_string(),
        None => e.to_string(),
    }
}

impl RawPlugin {
    /// One synchronous call: `request` in, the plugin's reply bytes out. The services reach
    /// the host through `channel`, which outlives the call.
    pub(super) fn call(&self, channel: &CallChannel, request: &[u8]) -> Vec<u8> {
        let api = HostApi {
            abi_version: ABI_VERSION,
            context: channel as *const CallChannel as *const c_void,
            http: host_http,
            log: host_log,
            store_get: host_store_get,
            store_put: host_store_put,
            free: free_buffer,
        };
        // SAFETY: `api` and `request` live until the call returns; the plugin returns a buffer
        // it allocated, which we copy and hand back to its own `free` exactly once.
        unsafe {
            let reply = (self.call)(&api, request.as_ptr(), request.len());
            let bytes = reply.as_slice().to_vec();
            (self.free)(reply);
            bytes
        }
    }
}

/// The call's channel behind a service's `context` pointer.
///
/// # Safety
/// `context` must be the pointer [`RawPlugin::call`] put in the table, during that call.
unsafe fn channel<'a>(context: *const c_void) -> Option<&'a CallChannel> {
    // SAFETY: forwarded from the caller's guarantee.
    unsafe { (context as *const CallChannel).as_ref() }
}

/// # Safety
/// `ptr` must be null or point to `len` readable bytes for the duration of the call.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() {
        return &[];
    }
    // SAFETY: forwarded from the caller's guarantee.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Runs a service with panics caught: a panic must never unwind into the plugin's frames.
fn guarded(service: impl FnOnce() -> Vec<u8>) -> Buffer {
    let reply = catch_unwind(AssertUnwindSafe(service)).unwrap_or_else(|_| {
        br#"{"error":{"message":"the host failed inside a service (a bug in relay)"}}"#.to_vec()
    });
    Buffer::from_vec(reply)
}

unsafe extern "C" fn host_http(context: *const c_void, request: *const u8, len: usize) -> Buffer {
    // SAFETY: the plugin passes back our context and valid request bytes during the call.
    let (channel, request) = unsafe { (channel(context), bytes(request, len)) };
    guarded(|| match channel {
        Some(c) => c.http(request),
        None => CallChannel::no_context(),
    })
}

unsafe extern "C" fn host_log(context: *const c_void, level: u32, message: *const u8, len: usize) {
    // SAFETY: as in `host_http`.
    let (channel, message) = unsafe { (channel(context), bytes(message, len)) };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(c) = channel {
            c.log(level, message);
        }
    }));
}

unsafe extern "C" fn host_store_get(context: *const c_void, name: *const u8, len: usize) -> Buffer {
    // SAFETY: as in `host_http`.
    let (channel, name) = unsafe { (channel(context), bytes(name, len)) };
    guarded(|| match channel {
        Some(c) => c.store_get(name),
        None => CallChannel::no_context(),
    })
}

unsafe extern "C" fn host_store_put(
    context: *const c_void,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
) -> Buffer {
    // SAFETY: as in `host_http`.
    let (channel, name, value) = unsafe {
        (
            channel(context),
            bytes(name, name_len),
            bytes(value, value_len),
        )
    };
    guarded(|| match channel {
        Some(c) => c.store_put(name, value),
        None => CallChannel::no_context(),
    })
}
