//! The entry symbol, with an entry table from a future ABI: only the first field (the version)
//! may be read by a host that does not speak it.

#[repr(C)]
pub struct FutureEntry {
    pub abi_version: u32,
    pub something_new: [u64; 4],
}

static ENTRY: FutureEntry = FutureEntry {
    abi_version: 999,
    something_new: [0; 4],
};

/// The entry point, as the contract names it.
#[unsafe(no_mangle)]
pub extern "C" fn relay_plugin_entry() -> *const FutureEntry {
    &ENTRY
}
