//! Counters exported at `/metrics` in the Prometheus text format.

use protocol::ErrorCode;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    pub connections: AtomicI64,
    pub live_sessions: AtomicI64,
    pub messages_relayed: AtomicU64,
    pub messages_received: AtomicU64,
    /// Live sessions found at start whose saved state could not be read (marked in the
    /// database, not resumed).
    pub unreadable_sessions: AtomicU64,
    /// Saves of a live session's state and record that failed (the change was refused or is
    /// being retried).
    pub state_save_failures: AtomicU64,
    /// TCP connections closed at once because the connection caps were reached and no
    /// connection without a request could make room.
    pub connections_refused: AtomicU64,
    refusals: Mutex<BTreeMap<ErrorCode, u64>>,
}

impl Metrics {
    pub fn refused(&self, code: ErrorCode) {
        *self.refusals.lock().unwrap_or_else(|p| p.into_inner()).entry(code).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, kind: &str, v: String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        gauge(&mut out, "signaling_connections", "Open participant WebSockets.", "gauge", self.connections.load(Relaxed).to_string());
        gauge(
            &mut out,
            "signaling_live_sessions",
            "Sessions started and not ended.",
            "gauge",
            self.live_sessions.load(Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "signaling_messages_relayed_total",
            "SDP, ICE and chat messages delivered to a participant.",
            "counter",
            self.messages_relayed.load(Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "signaling_messages_received_total",
            "Messages received from participants.",
            "counter",
            self.messages_received.load(Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "signaling_unreadable_sessions",
            "Live sessions whose saved state could not be read at start (marked in the database, not resumed).",
            "gauge",
            self.unreadable_sessions.load(Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "signaling_state_save_failures_total",
            "Failed saves of a live session's state and record.",
            "counter",
            self.state_save_failures.load(Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "signaling_connections_refused_total",
            "TCP connections closed at once at the connection caps (in all or per client address).",
            "counter",
            self.connections_refused.load(Relaxed).to_string(),
        );
        let _ = writeln!(
            out,
            "# HELP signaling_refusals_total Refused requests and messages by error code.\n# TYPE signaling_refusals_total counter"
        );
        for (code, n) in self.refusals.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "signaling_refusals_total{{code=\"{code}\"}} {n}");
        }
        out
    }
}
