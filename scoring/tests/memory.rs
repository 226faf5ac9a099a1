//! Memory follows the spikes, not the window (issue 18): every metric of `arena score` on three
//! spikes in a 100 000 s window stays within 10 MB. Before, the explained variance sampled a
//! dense 1 ms grid of the window (10⁸ bins, 800 MB of resident memory).
//!
//! The measure is the process's peak resident set (`VmHWM` in /proc/self/status, Linux): this
//! binary holds this one test, so nothing else runs in its process. (A counting global
//! allocator would need `unsafe`, which the workspace forbids.)

use arena_scoring::{SpikeTrain, SuiteParams, Window, full_report};

/// A field of /proc/self/status in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} not in /proc/self/status"))
}

#[test]
#[cfg(target_os = "linux")]
fn three_spikes_in_a_long_window_take_little_memory() {
    let truth = [SpikeTrain::new(vec![1.0, 50_000.0, 99_999.0]).unwrap()];
    let pred = [SpikeTrain::new(vec![1.001, 50_000.002]).unwrap()];
    let window = Window::new(0.0, 100_000.0).unwrap();
    let before = status_kb("VmRSS:");
    let report = full_report(&truth, &pred, window, &SuiteParams::default());
    let peak = status_kb("VmHWM:");
    assert!(report.explained_variance.is_ok(), "{report:?}");
    assert!(
        peak.saturating_sub(before) <= 10 * 1024,
        "peak resident {peak} kB, {before} kB before the report"
    );
}
