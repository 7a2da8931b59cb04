//! The relay phase: ICE candidates sent at a fixed rate, spread over the sessions in turn and
//! alternating direction (CSR → customer, then customer → CSR), each timed until its addressee
//! reads it. The candidate's foundation carries the sequence number.

use crate::peers::{Participant, Sender};
use futures_util::SinkExt;
use loadgen::sys::cpu_seconds;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Send times and arrival delays of every numbered signal.
pub struct Latency {
    start: Instant,
    /// Nanoseconds after `start` when signal `i` was handed to the socket; 0 = not yet.
    sent_ns: Vec<AtomicU64>,
    /// Microseconds from sending signal `i` to its arrival; `MISSING` until it arrives.
    micros: Vec<AtomicU32>,
    /// Signals numbered below this are warm-up: counted, not timed.
    warmup: usize,
    received: AtomicU64,
}

const MISSING: u32 = u32::MAX;

impl Latency {
    pub fn new(total: usize, warmup: usize) -> Self {
        Self {
            start: Instant::now(),
            sent_ns: (0..total).map(|_| AtomicU64::new(0)).collect(),
            micros: (0..total).map(|_| AtomicU32::new(MISSING)).collect(),
            warmup,
            received: AtomicU64::new(0),
        }
    }

    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos().max(1) as u64
    }

    /// A text frame reached its participant.
    pub fn arrived(&self, text: &str) {
        let now = self.now_ns();
        let Some(seq) = seq_of(text) else { return };
        let Some(sent) = self.sent_ns.get(seq).map(|s| s.load(Relaxed)).filter(|&s| s != 0) else { return };
        self.received.fetch_add(1, Relaxed);
        let us = (now.saturating_sub(sent) / 1000).min(MISSING as u64 - 1) as u32;
        self.micros[seq].store(us, Relaxed);
    }

    pub fn received(&self) -> u64 {
        self.received.load(Relaxed)
    }

    /// The delays of the signals numbered `seqs` that arrived, warm-up left out, sorted.
    pub fn sorted_micros(&self, seqs: Range<usize>) -> Vec<u32> {
        let from = seqs.start.max(self.warmup);
        let mut v: Vec<u32> = self.micros[from.min(seqs.end)..seqs.end].iter().map(|m| m.load(Relaxed)).filter(|&m| m != MISSING).collect();
        v.sort_unstable();
        v
    }
}

/// The sequence number in `"candidate":"candidate:<seq> 1 udp …"` of a relayed signal.
fn seq_of(text: &str) -> Option<usize> {
    if !text.contains(r#""signal""#) {
        return None;
    }
    let rest = &text[text.find("candidate:")? + "candidate:".len()..];
    rest[..rest.find(' ')?].parse().ok()
}

/// An ICE signal as the browser console sends it, numbered `seq`.
fn ice(to: &str, seq: usize) -> String {
    format!(
        r#"{{"type":"signal","to":"{to}","payload":{{"kind":"ice","candidate":{{"candidate":"candidate:{seq} 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag Xq3v network-id 1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Xq3v"}}}}}}"#
    )
}

/// One relay round: how long it took, the server's CPU seconds in it, and how late the load
/// generator's own 1 ms timer fired at each tick (the machine's scheduling noise, which no
/// server can relay faster than).
pub struct Round {
    pub secs: f64,
    pub server_cpu_secs: f64,
    pub late_micros: Vec<u32>,
}

/// Sends the signals numbered `seqs` at `rate` per second, then waits (up to 3 s) for the last.
pub async fn run(
    senders: &mut [Sender],
    participants: &[Participant],
    latency: &Latency,
    seqs: Range<usize>,
    rate: f64,
    pid: u32,
) -> Result<Round, String> {
    let sessions = senders.len() / 2;
    if sessions == 0 {
        return Err("no sessions".into());
    }
    let cpu0 = cpu_seconds(pid);
    let t0 = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let mut seq = seqs.start;
    let mut late_micros = Vec::with_capacity(seqs.len());
    while seq < seqs.end {
        let due_at = tick.tick().await;
        late_micros.push(due_at.elapsed().as_micros().min(u32::MAX as u128) as u32);
        let due = (seqs.start + (t0.elapsed().as_secs_f64() * rate) as usize + 1).min(seqs.end);
        while seq < due {
            let from = 2 * (seq % sessions) + (seq / sessions) % 2;
            let text = ice(&participants[from].to, seq);
            latency.sent_ns[seq].store(latency.now_ns(), Relaxed);
            senders[from].send(Message::Text(text.into())).await.map_err(|e| format!("send: {e}"))?;
            seq += 1;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let server_cpu_secs = cpu_seconds(pid) - cpu0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while latency.received() < seqs.end as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(Round { secs, server_cpu_secs, late_micros })
}
