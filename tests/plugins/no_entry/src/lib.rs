//! A perfectly good shared library that is not a Relay plugin.

/// Some unrelated export.
#[unsafe(no_mangle)]
pub extern "C" fn hello() -> u32 {
    42
}
