//! One direction of the emulated WAN as a sans-IO state machine: packets go in with the time they
//! arrived ([`Link::offer`]), and come out when they are due ([`Link::poll`], [`Link::next_due`]).
//! The driver (forward.rs) owns the TUN devices and the clock; this file owns the rules, so that
//! they are tested in microseconds on a made-up clock.
//!
//! The model, in netem's order: random loss on arrival; then a bottleneck that serialises packets
//! at `rate` behind a drop-tail queue holding at most `queue` worth of bytes; then a fixed
//! propagation delay. Departure times only grow and the delay is constant, so order is kept.

use crate::rng::XorShift;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What one direction of the link does to packets.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// One-way propagation delay, added after serialisation.
    pub delay: Duration,
    /// Probability that a packet is lost, in [0, 1].
    pub loss: f64,
    /// Bottleneck rate in bits per second; `None` serialises instantly (no rate limit, no queue).
    pub rate_bps: Option<u64>,
    /// The drop-tail queue holds at most this long worth of bytes at `rate_bps`.
    pub queue: Duration,
    /// Seed of the loss decisions.
    pub seed: u64,
}

impl LinkConfig {
    /// The queue bound in bytes (`rate × queue`), or `None` without a rate limit.
    pub fn queue_bytes(&self) -> Option<u64> {
        self.rate_bps.map(|r| (r as u128 * self.queue.as_nanos() / 8 / 1_000_000_000) as u64)
    }
}

/// What became of an offered packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// In flight; [`Link::poll`] hands it out when due.
    Queued,
    /// Dropped by the random loss.
    Lost,
    /// Dropped because the bottleneck queue was full.
    QueueFull,
}

/// Counters of one direction, for the report when the emulator stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub offered: u64,
    pub lost: u64,
    pub queue_full: u64,
    pub delivered: u64,
    pub delivered_bytes: u64,
}

/// One direction of the link, generic over the packet buffer.
#[derive(Debug)]
pub struct Link<P> {
    config: LinkConfig,
    rng: XorShift,
    /// When the bottleneck finishes serialising what it has accepted so far.
    busy_until: Option<Instant>,
    in_flight: VecDeque<(Instant, P)>,
    stats: LinkStats,
}

impl<P: AsRef<[u8]>> Link<P> {
    pub fn new(config: LinkConfig) -> Self {
        let rng = XorShift::new(config.seed);
        Self { config, rng, busy_until: None, in_flight: VecDeque::new(), stats: LinkStats::default() }
    }

    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// Packets accepted and not yet handed out.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// A packet arrives at `now` (which must not go backwards between calls).
    pub fn offer(&mut self, now: Instant, packet: P) -> Admission {
        self.stats.offered += 1;
        if self.rng.chance(self.config.loss) {
            self.stats.lost += 1;
            return Admission::Lost;
        }
        let len = packet.as_ref().len() as u64;
        let start = self.busy_until.map_or(now, |b| b.max(now));
        let serialise = match self.config.rate_bps {
            Some(rate) => {
                let backlog = start - now;
                let serialise = Duration::from_nanos((len as u128 * 8 * 1_000_000_000 / rate.max(1) as u128) as u64);
                // Drop-tail: the bytes waiting (backlog × rate) plus this packet must fit the queue.
                if backlog + serialise > self.config.queue && backlog > Duration::ZERO {
                    self.stats.queue_full += 1;
                    return Admission::QueueFull;
                }
                serialise
            }
            None => Duration::ZERO,
        };
        let departed = start + serialise;
        self.busy_until = Some(departed);
        self.in_flight.push_back((departed + self.config.delay, packet));
        Admission::Queued
    }

    /// When the next packet is due, if any is in flight.
    pub fn next_due(&self) -> Option<Instant> {
        self.in_flight.front().map(|(due, _)| *due)
    }

    /// The next packet due at or before `now`, in the order they were offered.
    pub fn poll(&mut self, now: Instant) -> Option<P> {
        if self.next_due()? > now {
            return None;
        }
        let (_, packet) = self.in_flight.pop_front()?;
        self.stats.delivered += 1;
        self.stats.delivered_bytes += packet.as_ref().len() as u64;
        Some(packet)
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
