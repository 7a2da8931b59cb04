//! The time that decides expiry: invitations, logins, rate-limit windows, TURN credentials
//! and the timestamps of the session record. The service runs on [`Clock::System`]; tests
//! build the app on a [`ManualClock`] and advance it instead of sleeping.
//!
//! The WebSocket timers (hello timeout, pings, write timeout) run on tokio's clock, which
//! tests control with `tokio::time::pause` and `tokio::time::advance`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the service reads the time.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The machine's clocks.
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(ManualClock),
}

impl Clock {
    /// Wall time: milliseconds since the Unix epoch (negative before it).
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => system_ms(),
            Clock::Manual(m) => m.now_ms(),
        }
    }

    /// Wall time in whole seconds since the Unix epoch (0 before it).
    pub fn now_unix_secs(&self) -> u64 {
        u64::try_from(self.now_ms() / 1000).unwrap_or(0)
    }

    /// Monotonic time, for windows that must not jump with the wall clock (rate limits).
    pub fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(m) => m.now(),
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(m: ManualClock) -> Self {
        Clock::Manual(m)
    }
}

fn system_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// A clock for tests: starts at a given wall time and moves only by [`ManualClock::advance`].
/// Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    wall_start_ms: i64,
    mono_start: Instant,
    elapsed: Mutex<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// Starts at the current system time (so stored timestamps look ordinary).
    pub fn new() -> Self {
        Self::starting_at_ms(system_ms())
    }

    /// Starts at `unix_ms` milliseconds since the Unix epoch.
    pub fn starting_at_ms(unix_ms: i64) -> Self {
        Self { inner: Arc::new(ManualInner { wall_start_ms: unix_ms, mono_start: Instant::now(), elapsed: Mutex::new(Duration::ZERO) }) }
    }

    /// Moves both the wall and the monotonic time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut elapsed = self.inner.elapsed.lock().unwrap_or_else(|p| p.into_inner());
        let next = elapsed.saturating_add(by);
        // Stay within what `Instant` can represent.
        if self.inner.mono_start.checked_add(next).is_some() {
            *elapsed = next;
        }
    }

    fn elapsed(&self) -> Duration {
        *self.inner.elapsed.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.inner.wall_start_ms.saturating_add(elapsed)
    }

    pub fn now(&self) -> Instant {
        let start = self.inner.mono_start;
        start.checked_add(self.elapsed()).unwrap_or(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let m = ManualClock::starting_at_ms(1_700_000_000_000);
        let clock = Clock::from(m.clone());
        let (wall, mono) = (clock.now_ms(), clock.now());
        assert_eq!(wall, 1_700_000_000_000);
        assert_eq!(clock.now_ms(), wall);
        m.advance(Duration::from_secs(90));
        assert_eq!(clock.now_ms(), wall + 90_000);
        assert_eq!(clock.now_unix_secs(), 1_700_000_090);
        assert_eq!(clock.now() - mono, Duration::from_secs(90));
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(Clock::System.now_ms() > 1_577_836_800_000);
    }
}
