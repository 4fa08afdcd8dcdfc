//! Shared parts of the benchmark harnesses (`BENCHMARKS.md`): per-process measurements read from
//! `/proc`, and summary statistics. The Lambda Runtime API the cold-start harness starts functions
//! against is the test one, `booking_auth_testing::runtime_api`.
//!
//! These are measuring tools run on demand by `scripts/bench`, never tests: nothing here asserts a
//! time.

use std::path::PathBuf;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The workspace root, where `target/` and `bench/node/` are.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The value after `--name` on the command line, if given.
pub fn arg_text(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// The directory after `--name`; a relative one is taken from the workspace root, since
/// `cargo bench` runs a harness in its own package's folder.
fn arg_dir(name: &str) -> Option<PathBuf> {
    arg_text(name).map(|dir| workspace_root().join(dir))
}

/// The binaries the cold-start harness starts, one file per function (`--bins DIR`): by default
/// `target/bench/shipped/`, where scripts/bench unpacks the deployable zips, so what is timed is
/// exactly what Lambda would run.
pub fn bins_dir() -> PathBuf {
    arg_dir("--bins").unwrap_or_else(|| workspace_root().join("target/bench/shipped"))
}

/// The number after `--name` on the command line, or `default`.
pub fn arg(name: &str, default: u64) -> Result<u64, Error> {
    Ok(std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(default))
}

/// Peak resident set size of a live process, in KiB (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time a live process has used so far, summed over its threads, in nanoseconds
/// (`/proc/<pid>/task/*/schedstat`).
pub fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The `q` quantile (0..=1) of `values`, by nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// Write a harness's results as `<results_dir>/<name>.json`.
pub fn write_results(name: &str, results: &serde_json::Value) -> Result<(), Error> {
    std::fs::write(
        results_dir()?.join(format!("{name}.json")),
        serde_json::to_string_pretty(results)?,
    )?;
    Ok(())
}

/// Where the harnesses write their JSON results (`--results DIR`): by default `target/bench`;
/// a profile being compared keeps its results apart (scripts/bench-profile).
pub fn results_dir() -> Result<PathBuf, Error> {
    let dir = arg_dir("--results").unwrap_or_else(|| workspace_root().join("target/bench"));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(median(&v), 3.0);
        assert_eq!(quantile(&v, 0.99), 5.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert!(median(&[]).is_nan());
    }
}
