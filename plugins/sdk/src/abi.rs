//! The C ABI between Relay and a plugin library.
//!
//! Frozen rules, whatever `ABI_VERSION` becomes later:
//! - the library exports one symbol, [`ENTRY_SYMBOL`], an `extern "C" fn() -> *const PluginEntry`;
//! - the first field of [`PluginEntry`] is a `u32` ABI version, and the host reads nothing else
//!   before it has checked it;
//! - data crosses as UTF-8 JSON in [`Buffer`]s, and the side that allocated a buffer frees it
//!   (the plugin's [`PluginEntry::free`], the host's [`HostApi::free`]), so the two sides may be
//!   built by different compilers with different allocators.

use std::ffi::c_void;
use std::mem::ManuallyDrop;

/// The layout version of [`PluginEntry`] and [`HostApi`].
pub const ABI_VERSION: u32 = 1;

/// The version of the JSON envelope (semver: a host accepts any plugin with the same major).
pub const PROTOCOL_VERSION: &str = "1.0.0";

/// The name of the one exported function.
pub const ENTRY_SYMBOL: &str = "relay_plugin_entry";

/// Bytes owned by the side that allocated them (a `Vec<u8>` taken apart).
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

impl Buffer {
    /// An empty buffer that owns nothing.
    pub const EMPTY: Buffer = Buffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    };

    /// Hands `bytes` over; only this binary's `free` may release them.
    pub fn from_vec(bytes: Vec<u8>) -> Buffer {
        let mut bytes = ManuallyDrop::new(bytes);
        Buffer {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// Takes the bytes back.
    ///
    /// # Safety
    /// The buffer must come from [`Buffer::from_vec`] in this same binary and not have been
    /// freed yet.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees ptr/len/cap come from a live Vec<u8> of this binary.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }

    /// Views the bytes without taking ownership.
    ///
    /// # Safety
    /// The buffer must be live (not freed) for as long as the slice is used.
    pub unsafe fn as_slice(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: the caller guarantees the buffer is live; ptr/len describe initialised bytes.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// The exported entry function.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginEntry;
/// One request (JSON) in, one reply (JSON, a plugin buffer) out.
pub type CallFn =
    unsafe extern "C" fn(host: *const HostApi, request: *const u8, request_len: usize) -> Buffer;
/// Frees a buffer allocated by the side that exports this function.
pub type FreeFn = unsafe extern "C" fn(buffer: Buffer);
/// Host service: an HTTP request (JSON) through the host's client; reply is a host buffer.
pub type HostHttpFn =
    unsafe extern "C" fn(context: *const c_void, request: *const u8, request_len: usize) -> Buffer;
/// Host service: one log line at `level` (1 error, 2 warn, 3 info, 4 debug, 5 trace).
pub type HostLogFn = unsafe extern "C" fn(
    context: *const c_void,
    level: u32,
    message: *const u8,
    message_len: usize,
);
/// Host service: read a value from the encrypted store; reply is a host buffer.
pub type HostStoreGetFn =
    unsafe extern "C" fn(context: *const c_void, name: *const u8, name_len: usize) -> Buffer;
/// Host service: write a value into the encrypted store; reply is a host buffer.
pub type HostStorePutFn = unsafe extern "C" fn(
    context: *const c_void,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
) -> Buffer;

/// What [`ENTRY_SYMBOL`] returns a pointer to. `abi_version` stays the first field forever.
#[repr(C)]
pub struct PluginEntry {
    pub abi_version: u32,
    pub call: CallFn,
    pub free: FreeFn,
}

/// The host's side of one call: its services, valid only until that call returns.
#[repr(C)]
pub struct HostApi {
    pub abi_version: u32,
    /// Opaque to the plugin; passed back to every service.
    pub context: *const c_void,
    pub http: HostHttpFn,
    pub log: HostLogFn,
    pub store_get: HostStoreGetFn,
    pub store_put: HostStorePutFn,
    /// Frees the buffers the services return.
    pub free: FreeFn,
}

/// Frees a buffer this binary allocated; the `free` both sides export.
///
/// # Safety
/// `buffer` must come from [`Buffer::from_vec`] in this binary and not be freed twice.
pub unsafe extern "C" fn free_buffer(buffer: Buffer) {
    // SAFETY: forwarded from the caller's guarantee.
    drop(unsafe { buffer.into_vec() });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_round_trip_their_bytes_and_capacity() {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(b"{\"ok\":1}");
        let buffer = Buffer::from_vec(v);
        assert_eq!(buffer.len, 8);
        assert_eq!(buffer.cap, 64);
        // SAFETY: made just above by from_vec.
        assert_eq!(unsafe { buffer.as_slice() }, b"{\"ok\":1}");
        // SAFETY: made just above, freed once.
        let back = unsafe { buffer.into_vec() };
        assert_eq!(back, b"{\"ok\":1}");
        // SAFETY: an empty buffer owns nothing.
        assert!(unsafe { Buffer::EMPTY.into_vec() }.is_empty());
    }
}
