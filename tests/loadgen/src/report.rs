//! The load generator's result: one line on stdout, `REPORT {json}`, read by the bench.

use serde::{Deserialize, Serialize};

pub const REPORT_PREFIX: &str = "REPORT ";

/// What one run against one server measured. Memory figures are the server's, in KiB.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Report {
    pub participants: usize,
    pub sessions: usize,
    /// Session setups (start, invite, join) over HTTP; 0 for the baseline, which has none.
    pub setup_secs: f64,
    /// Joins answered `rate_limited` and retried (should stay 0: see the bench's notes).
    pub rate_limited: u64,
    /// WebSocket connect + hello + welcome for every participant.
    pub connect_secs: f64,
    pub rss_start_kib: u64,
    pub rss_after_setup_kib: u64,
    pub rss_idle_kib: u64,
    pub rss_after_relay_kib: u64,
    /// ICE signals sent, and received by their addressee.
    pub sent: u64,
    pub received: u64,
    pub relay_secs: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    /// The 99th percentile of each relay round, and their median: a noisy neighbour on the
    /// machine spoils a round or two, not the median.
    pub round_p99_us: Vec<f64>,
    pub p99_round_median_us: f64,
    /// Server CPU over the relay phase, % of one core.
    pub server_cpu_percent: f64,
    /// The machine's noise during the relay: the 1-minute load average when it began, and
    /// how late the load generator's own 1 ms timer fired (99th percentile).
    pub load_average: f64,
    pub tick_late_p99_us: f64,
}

impl Report {
    pub fn line(&self) -> String {
        format!("{REPORT_PREFIX}{}", serde_json::to_string(self).unwrap_or_default())
    }

    pub fn parse(stdout: &str) -> Option<Report> {
        stdout.lines().find_map(|l| l.strip_prefix(REPORT_PREFIX)).and_then(|j| serde_json::from_str(j).ok())
    }
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank; 0 when empty.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}
