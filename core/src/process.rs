//! Process-wide settings the binaries (server, replay tool, bench) apply before they start.

/// Turns transparent huge pages off for this process.
///
/// Why: mimalloc asks the kernel for huge pages, so each first touch of fresh memory made the
/// kernel zero 2 MiB at once. On this project's machine that zeroing took a fifth to a third
/// of a rebuild's CPU (the read models grow by hundreds of MB, and freed memory returned to
/// the kernel is faulted in again). Without huge pages, a side-by-side rebuild of a 533,376-
/// event log went from 3.7–4.6 s to 3.0–3.3 s and the server took ~8 % more commands per
/// second at a lower p99 (`docs/BENCHMARKS.md`). A failure (an old kernel, a sandbox that
/// refuses `prctl`) is only logged by the caller: the process runs as it would have.
pub fn without_transparent_huge_pages() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        nix::sys::prctl::set_thp_disable(true).map_err(|e| e.to_string())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(())
    }
}
