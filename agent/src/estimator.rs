//! The agent's send-side bandwidth estimator: how many bits per second the path to one CSR
//! carries, from the receiver's transport-wide feedback (which packet arrived when).
//!
//! Why not the crate's GCC: a share sends a picture as one burst (no pacer, see
//! `rtc::build_peer`) and often sends less than it may (a still screen, or pictures held back
//! under the limit). GCC reads delay *gradients* between packet groups and backs off to 0.85 of
//! the rate received; on an emulated 2 Mbit/s link it let a queue of one second build for five
//! seconds, then spiralled down to its floor, each back-off measured from the last one's
//! held-back rate (agent/tests/share_over_a_slow_link.rs).
//!
//! This one reads the *standing* queue instead: the least one-way delay of the packets of the
//! last [`RECENT`], above the least ever seen (the empty path). Bursts that drain between
//! pictures leave no standing queue; a path sent more than it carries does, within a round
//! trip. Then the rate the receiver got over the last second — with a queue standing, exactly
//! what the bottleneck carries — sets the estimate, a little below so the queue drains (when
//! the share sends little, a standing queue is not its own, and changes nothing). Without
//! a queue and loss, the estimate climbs; it does not climb far past what is being sent, so a
//! quiet share does not come back at a rate never tried. Loss alone (a lossy radio link) lowers
//! it in proportion. Sans-IO: every instant comes in as a parameter.

use rtc::interceptor::{BandwidthEstimator, PacketReport};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Packets looked at for the delivered rate and the loss.
pub const WINDOW: Duration = Duration::from_secs(1);
/// Packets whose least delay is the standing queue.
pub const RECENT: Duration = Duration::from_millis(100);
/// A standing queue this long means the path is sent more than it carries.
pub const QUEUE_HIGH: Duration = Duration::from_millis(50);
/// Below this the path is taken as empty, and the estimate may climb.
pub const QUEUE_LOW: Duration = Duration::from_millis(15);
/// Time between two changes, so each is seen in the feedback before the next.
pub const STEP: Duration = Duration::from_millis(200);
/// Climb per step (≈ ×1.3 per second) once the path has shown a limit.
const CLIMB: f64 = 1.05;
/// Climb per step while the share is held back by the estimate and the path has shown no limit
/// for [`LIMIT_MEMORY`] (≈ ×3 per second): a busy share on a fast path gets what it needs in a
/// second or two instead of ten.
const CLIMB_FAST: f64 = 1.25;
const LIMIT_MEMORY: Duration = Duration::from_secs(10);
/// After a back-off, the share of the delivered rate aimed at, so the queue drains.
const DRAIN: f64 = 0.85;
/// A standing queue grown by this much over [`GROWTH_OVER`] is being filled.
const GROWING: f64 = 0.010;
const GROWTH_OVER: Duration = Duration::from_millis(500);
/// A standing queue that has not grown for this long is the path's new delay.
const FLAT_FOR: Duration = Duration::from_secs(5);
/// A share sending at least this share of the estimate is the one filling a standing queue.
const BUSY: f64 = 0.5;
/// How far past what was delivered the estimate may climb.
const HEADROOM: f64 = 2.0;
/// How long the least delay of the empty path is remembered (a route may change).
const BASE_MEMORY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
struct Sample {
    departure: Instant,
    /// Arrival minus departure, on unaligned clocks: only differences mean anything.
    offset_s: f64,
    arrival_s: Option<f64>,
    size: usize,
}

#[derive(Debug)]
pub struct QueueDelayEstimator {
    target: f64,
    start: f64,
    min: f64,
    max: f64,
    epoch: Option<Instant>,
    window: VecDeque<Sample>,
    /// The least offset seen, and when.
    base: Option<(f64, Instant)>,
    last_change: Option<Instant>,
    /// Standing queues measured, to tell a growing one (this share's) from a constant one.
    queues: VecDeque<(Instant, Duration)>,
    /// Since when a standing queue has not grown.
    flat_since: Option<Instant>,
    /// The last back-off from a queue this share filled.
    last_backoff: Option<Instant>,
}

impl QueueDelayEstimator {
    pub fn new(start: f64, min: f64, max: f64) -> QueueDelayEstimator {
        let start = start.clamp(min, max);
        QueueDelayEstimator {
            target: start,
            start,
            min,
            max,
            epoch: None,
            window: VecDeque::new(),
            base: None,
            last_change: None,
            queues: VecDeque::new(),
            flat_since: None,
            last_backoff: None,
        }
    }

    /// The standing queue: the least delay over the empty path's among recent packets.
    pub fn standing_queue(&self) -> Option<Duration> {
        let (base, _) = self.base?;
        let newest = self.window.iter().rev().find(|s| s.arrival_s.is_some())?.departure;
        let least = self
            .window
            .iter()
            .rev()
            .take_while(|s| newest.saturating_duration_since(s.departure) <= RECENT)
            .filter(|s| s.arrival_s.is_some())
            .map(|s| s.offset_s)
            .fold(f64::INFINITY, f64::min);
        Some(Duration::from_secs_f64((least - base).max(0.0)))
    }

    /// What the receiver got over the window, bit/s; `None` over too short a span to say.
    pub fn delivered(&self) -> Option<f64> {
        let arrivals = self.window.iter().filter_map(|s| s.arrival_s.map(|a| (a, s.size)));
        let (mut first, mut last, mut bytes) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
        for (a, size) in arrivals {
            first = first.min(a);
            last = last.max(a);
            bytes += size;
        }
        let span = last - first;
        (span >= 0.05).then(|| bytes as f64 * 8.0 / span)
    }

    /// Share of the window's packets that did not arrive.
    pub fn loss(&self) -> f64 {
        if self.window.is_empty() {
            return 0.0;
        }
        self.window.iter().filter(|s| s.arrival_s.is_none()).count() as f64 / self.window.len() as f64
    }

    fn record(&mut self, now: Instant, reports: &[PacketReport]) {
        for r in reports {
            let epoch = *self.epoch.get_or_insert(r.departure);
            let sent_s = r.departure.saturating_duration_since(epoch).as_secs_f64();
            let arrival_s = r.arrival.filter(|_| r.arrived).map(|a| a.as_secs_f64());
            let offset_s = arrival_s.map_or(f64::INFINITY, |a| a - sent_s);
            if arrival_s.is_some() {
                let stale = self.base.is_none_or(|(_, at)| now.saturating_duration_since(at) > BASE_MEMORY);
                if stale || self.base.is_some_and(|(b, _)| offset_s <= b) {
                    self.base = Some((offset_s, now));
                }
            }
            self.window.push_back(Sample { departure: r.departure, offset_s, arrival_s, size: r.size });
        }
        while self.window.front().is_some_and(|s| now.saturating_duration_since(s.departure) > WINDOW) {
            self.window.pop_front();
        }
    }

    /// How much the standing queue grew over the last [`GROWTH_OVER`].
    fn growth(&mut self, now: Instant, queue: Duration) -> f64 {
        self.queues.push_back((now, queue));
        while self.queues.front().is_some_and(|(t, _)| now.saturating_duration_since(*t) > GROWTH_OVER) {
            self.queues.pop_front();
        }
        let oldest = self.queues.front().map_or(queue, |(_, q)| *q);
        queue.as_secs_f64() - oldest.as_secs_f64()
    }

    fn decide(&mut self, now: Instant) {
        let Some(queue) = self.standing_queue() else { return };
        let growth = self.growth(now, queue);
        // A queue that stands still for long is the path's delay, not a queue (a relay, a
        // slower route): it becomes the new empty path.
        if queue >= QUEUE_HIGH && growth < GROWING {
            let since = *self.flat_since.get_or_insert(now);
            if now.saturating_duration_since(since) > FLAT_FOR {
                self.base = None;
                self.flat_since = None;
                return;
            }
        } else {
            self.flat_since = None;
        }
        if self.last_change.is_some_and(|t| now.saturating_duration_since(t) < STEP) {
            return;
        }
        let delivered = self.delivered();
        let loss = self.loss();
        let before = self.target;
        if queue >= QUEUE_HIGH {
            // Only a queue this share fills is its to drain: one that grows (or overflows)
            // while the share sends near its estimate. A queue that stands while it sends
            // little (a still screen) or does not grow (a relay or a route that got slower)
            // says nothing of the path's rate, and backing off from it would spiral down.
            let filling = growth >= GROWING || loss >= 0.02;
            if let Some(d) = delivered.filter(|d| filling && *d >= self.target * BUSY) {
                self.target = self.target.min(d * DRAIN);
                self.last_backoff = Some(now);
            }
        } else if loss >= 0.1 {
            self.target *= 1.0 - loss / 2.0;
        } else if queue <= QUEUE_LOW && loss < 0.02 {
            let ceiling = delivered.map_or(self.start, |d| (d * HEADROOM).max(self.start));
            let held_back = delivered.is_some_and(|d| d >= self.target * BUSY);
            let no_limit_seen = self.last_backoff.is_none_or(|t| now.saturating_duration_since(t) > LIMIT_MEMORY);
            let climb = if held_back && no_limit_seen { CLIMB_FAST } else { CLIMB };
            if self.target < ceiling {
                self.target = (self.target * climb).min(ceiling);
            }
        }
        self.target = self.target.clamp(self.min, self.max);
        if self.target != before {
            self.last_change = Some(now);
        }
    }
}

impl BandwidthEstimator for QueueDelayEstimator {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        if reports.is_empty() {
            return;
        }
        self.record(now, reports);
        self.decide(now);
    }

    fn target_bitrate(&self) -> f64 {
        self.target
    }
}

#[cfg(test)]
#[path = "estimator_tests.rs"]
mod tests;
