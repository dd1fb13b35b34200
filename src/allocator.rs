//! The process's allocator: mimalloc, asked the way that takes its fastest path.
//!
//! Measured on the fan-out benchmark (docs/performance.md): glibc's allocator cost relay about
//! 15 % of its CPU there; mimalloc's per-thread free lists are cheaper for the many short-lived
//! allocations of requests, responses and events. Its v2 line used 1.5–3 ms less CPU per
//! fan-out run than v3 in interleaved comparisons.
//!
//! The `mimalloc` crate's allocator sends every request through `mi_malloc_aligned`, which
//! took 58 instructions per allocation on the run thread (callgrind, 151,000 allocations in a
//! 2,000-request fan-out). Rust asks for an alignment of at most 16 almost always, and
//! mimalloc hands out blocks aligned to their size class up to 16 bytes anyway (its own
//! `mi_malloc_is_naturally_aligned` makes the same test), so those go to plain `mi_malloc`.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// mimalloc's `MI_MAX_ALIGN_SIZE` on 64-bit targets: its blocks are aligned to 16 bytes, except
/// those of the 8-byte size class, which are aligned to 8.
const NATURAL_ALIGNMENT: usize = 16;

pub struct Allocator;

/// Whether a plain `mi_malloc(size)` is already aligned enough for `align`.
fn naturally_aligned(size: usize, align: usize) -> bool {
    align <= NATURAL_ALIGNMENT && align <= size
}

// SAFETY: every pointer comes from mimalloc and goes back to `mi_free`, which accepts blocks
// from both the plain and the aligned entry points; alignment is honoured by `naturally_aligned`
// or by the aligned entry point.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        // SAFETY: plain C calls; a null result is passed on as allocation failure.
        unsafe {
            if naturally_aligned(size, align) {
                mi_malloc(size) as *mut u8
            } else {
                mi_malloc_aligned(size, align) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        // SAFETY: as in `alloc`.
        unsafe {
            if naturally_aligned(size, align) {
                mi_zalloc(size) as *mut u8
            } else {
                mi_zalloc_aligned(size, align) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout` (GlobalAlloc's contract).
        unsafe {
            if naturally_aligned(new_size, layout.align()) {
                mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_small_size_and_alignment_comes_back_aligned_and_usable() {
        let a = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=300).chain([1000, 4096, 70_000, 1 << 20]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size; the block is written within bounds, then freed once.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0, "zeroed: size {size} align {align}");
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|b| *b == 0));
                    let grown = a.realloc(p, layout, size * 3);
                    assert_eq!(
                        grown as usize % align,
                        0,
                        "realloc: size {size} align {align}"
                    );
                    assert!(
                        std::slice::from_raw_parts(grown, size)
                            .iter()
                            .all(|b| *b == 0xAB)
                    );
                    a.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
