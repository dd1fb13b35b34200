//! Transparent huge pages: the allocator (mimalloc) asks the kernel for 2 MiB pages. For a
//! short run they pay: a 2,000-request fan-out touches fresh memory for every response, and
//! with 4 KiB pages its page faults cost ~13 % more wall time (87 vs 77 ms). For a big heap they
//! do not: each first touch clears 2 MiB and the kernel may have to compact memory to find one,
//! so a 100,000-item explode took 0.46 s to 1.42 s from one run to the next, against 0.61 s
//! every time without them. The daemon, whose heap lives long, and runs given a large input
//! turn them off (docs/performance.md has the measurements).

/// An `--input` larger than this turns transparent huge pages off before it is parsed.
pub const LARGE_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Turns transparent huge pages off for the rest of this process's life.
pub fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn turning_huge_pages_off_shows_in_the_process_status() {
        let status = || std::fs::read_to_string("/proc/self/status").unwrap();
        // Kernels before 5.0 do not report the flag; there is nothing to check then.
        if !status().contains("THP_enabled:") {
            return;
        }
        super::no_transparent_huge_pages();
        assert!(
            status()
                .lines()
                .any(|l| l.replace(' ', "") == "THP_enabled:\t0"),
            "{}",
            status()
        );
    }
}
