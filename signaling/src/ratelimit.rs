//! Token buckets per client address (and per user name for logins), without I/O: callers
//! pass the time. docs/security.md derives the guesses an attacker gets from these numbers.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// A token bucket per key: `capacity` attempts at once, refilled at `per_hour`.
pub struct RateLimiter<K> {
    capacity: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

/// Beyond this many tracked keys, full buckets are forgotten (they carry no information).
const MAX_KEYS: usize = 100_000;

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    pub fn new(capacity: u32, per_hour: u32) -> Self {
        Self { capacity: capacity as f64, per_sec: per_hour as f64 / 3600.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one attempt for `key` at `now`; false when the bucket is empty.
    pub fn try_take(&self, key: &K, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS {
            let (cap, rate) = (self.capacity, self.per_sec);
            buckets.retain(|_, (tokens, at)| *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < cap);
        }
        let (tokens, at) = buckets.entry(key.clone()).or_insert((self.capacity, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.per_sec).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether `key` has all its attempts at `now`: nothing taken, or all of it refilled.
    pub fn is_full(&self, key: &K, now: Instant) -> bool {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .get(key)
            .is_none_or(|(tokens, at)| *tokens + now.saturating_duration_since(*at).as_secs_f64() * self.per_sec >= self.capacity)
    }

    /// Takes one attempt for `key` at `now` even when none is left (down to zero): counts
    /// something that already happened.
    pub fn spend(&self, key: &K, now: Instant) {
        // Empty already: stays at zero, refilling from now.
        let _ = self.try_take(key, now);
    }

    /// Gives back an attempt that turned out legitimate (a successful login or join).
    pub fn refund(&self, key: &K) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((tokens, _)) = buckets.get_mut(key) {
            *tokens = (*tokens + 1.0).min(self.capacity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_empties_then_refills_with_time() {
        let rl = RateLimiter::new(3, 3600);
        let t0 = Instant::now();
        assert!((0..3).all(|_| rl.try_take(&"a", t0)));
        assert!(!rl.try_take(&"a", t0));
        assert!(rl.try_take(&"b", t0), "other addresses are not affected");
        assert!(rl.try_take(&"a", t0 + Duration::from_secs(1)));
        assert!(!rl.try_take(&"a", t0 + Duration::from_secs(1)));
    }

    #[test]
    fn a_bucket_is_full_until_taken_from_and_again_once_refilled() {
        let rl = RateLimiter::new(2, 3600);
        let t0 = Instant::now();
        assert!(rl.is_full(&"a", t0));
        rl.spend(&"a", t0);
        assert!(!rl.is_full(&"a", t0));
        assert!(rl.is_full(&"a", t0 + Duration::from_secs(1)));
        rl.spend(&"a", t0);
        rl.spend(&"a", t0);
        rl.spend(&"a", t0);
        assert!(!rl.try_take(&"a", t0), "spending never goes below zero, and refuses nothing itself");
    }

    #[test]
    fn refund_gives_back_one_attempt() {
        let rl = RateLimiter::new(1, 1);
        let t0 = Instant::now();
        assert!(rl.try_take(&1, t0));
        rl.refund(&1);
        assert!(rl.try_take(&1, t0));
    }
}
