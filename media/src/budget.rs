//! How many bytes a share may send: a token bucket at the congestion controller's rate. A
//! busy screen (video, fast scrolling) can need more bits per picture than the encoder's
//! lowest quality gives at the target rate; then only fewer pictures keep the stream within
//! what the path carries. The capture thread waits until the bucket is paid back before it
//! takes the next picture, so nothing is captured or encoded only to be dropped. Sans-IO: the
//! caller hands in every instant.

use std::time::{Duration, Instant};

/// Most a bucket saves up while little is sent: a quarter second at its rate.
pub const BURST: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct RateBudget {
    bits_per_second: f64,
    /// Bits that may go out now; negative after a large picture (a keyframe), to be paid back.
    balance: f64,
    at: Instant,
}

impl RateBudget {
    /// A full bucket at `bits_per_second`.
    pub fn new(bits_per_second: f64, now: Instant) -> RateBudget {
        let bits_per_second = bits_per_second.max(1.0);
        RateBudget { bits_per_second, balance: bits_per_second * BURST.as_secs_f64(), at: now }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.balance = (self.balance + elapsed * self.bits_per_second).min(self.bits_per_second * BURST.as_secs_f64());
        self.at = self.at.max(now);
    }

    /// A new rate from `now` on; what is owed stays owed.
    pub fn set_rate(&mut self, bits_per_second: f64, now: Instant) {
        self.refill(now);
        self.bits_per_second = bits_per_second.max(1.0);
    }

    pub fn rate(&self) -> f64 {
        self.bits_per_second
    }

    /// `bytes` went out at `now`.
    pub fn spend(&mut self, bytes: usize, now: Instant) {
        self.refill(now);
        self.balance -= bytes as f64 * 8.0;
    }

    /// When the next picture may be taken: `now` unless the bucket is in debt.
    pub fn ready_at(&self, now: Instant) -> Instant {
        let mut at = self.clone();
        at.refill(now);
        if at.balance >= 0.0 {
            return now;
        }
        now + Duration::from_secs_f64(-at.balance / self.bits_per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_a_picture_go_at_once() {
        let t = Instant::now();
        let b = RateBudget::new(1_000_000.0, t);
        assert_eq!(b.ready_at(t), t);
    }

    #[test]
    fn a_large_picture_is_paid_back_at_the_rate() {
        let t = Instant::now();
        let mut b = RateBudget::new(800_000.0, t);
        // 250 ms of savings (200 kbit) and a 100 KB keyframe (800 kbit): 600 kbit owed, 0.75 s.
        b.spend(100_000, t);
        let ready = b.ready_at(t);
        assert_eq!(ready - t, Duration::from_millis(750));
        assert_eq!(b.ready_at(ready), ready, "paid back at the time it said");
    }

    #[test]
    fn savings_stop_at_the_burst() {
        let t = Instant::now();
        let mut b = RateBudget::new(800_000.0, t);
        // A minute of silence saves only 250 ms worth: a 50 kbit picture after 200 kbit waits.
        let later = t + Duration::from_secs(60);
        b.spend(25_000, later);
        b.spend(6_250, later);
        assert_eq!(b.ready_at(later) - later, Duration::from_micros(62_500));
    }

    #[test]
    fn a_lower_rate_repays_debt_more_slowly() {
        let t = Instant::now();
        let mut b = RateBudget::new(1_000_000.0, t);
        b.spend(62_500, t); // 500 kbit: 250 kbit owed
        b.set_rate(250_000.0, t);
        assert_eq!(b.ready_at(t) - t, Duration::from_secs(1));
    }
}
