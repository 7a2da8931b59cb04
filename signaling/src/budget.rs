//! Per-participant message budgets (token buckets), kept by the session task. Sans-IO: the
//! caller passes the time, so tests drive it with plain `Instant`s.

use protocol::limits::{self, Rate};
use protocol::signal::ClientMessage;
use std::time::Instant;

/// A token bucket.
#[derive(Debug, Clone)]
struct Bucket {
    rate: Rate,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: Rate, now: Instant) -> Self {
        Self { rate, tokens: rate.burst, at: now }
    }

    fn refill(&mut self, now: Instant) {
        let secs = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + secs * self.rate.per_sec).min(self.rate.burst);
        self.at = now;
    }

    fn has(&self, n: f64) -> bool {
        self.tokens >= n
    }
}

/// Which budget a message spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chat,
    Signal,
    Other,
}

impl Kind {
    pub fn of(msg: &ClientMessage) -> Kind {
        match msg {
            ClientMessage::Chat { .. } => Kind::Chat,
            ClientMessage::Signal { .. } => Kind::Signal,
            _ => Kind::Other,
        }
    }

    /// What the sender is told when this budget is used up.
    pub fn refusal(self, signal_kib: u32) -> String {
        let what = match self {
            Kind::Chat => "chat (30 messages at once, then one a second; 192 KiB at once, then 8 KiB a second)".to_owned(),
            Kind::Signal => {
                format!("call set-up messages (300 at once, then 30 a second; 512 KiB at once, then {signal_kib} KiB a second)")
            }
            Kind::Other => "requests (60 at once, then 5 a second)".to_owned(),
        };
        format!("You are sending {what} faster than this session accepts. This message was not delivered; wait a moment and send it again.")
    }
}

/// The budgets of one participant.
#[derive(Debug, Clone)]
pub struct Budgets {
    chat_messages: Bucket,
    chat_bytes: Bucket,
    signal_messages: Bucket,
    signal_bytes: Bucket,
    other: Bucket,
    connects: Bucket,
}

impl Budgets {
    /// Full budgets; `signal_kib_per_sec` is the refill of the relay byte budget.
    pub fn new(signal_kib_per_sec: u32, now: Instant) -> Self {
        let signal_bytes = Rate { burst: limits::SIGNAL_BYTES_BURST, per_sec: f64::from(signal_kib_per_sec) * 1024.0 };
        Self {
            chat_messages: Bucket::new(limits::CHAT_MESSAGES, now),
            chat_bytes: Bucket::new(limits::CHAT_BYTES, now),
            signal_messages: Bucket::new(limits::SIGNAL_MESSAGES, now),
            signal_bytes: Bucket::new(signal_bytes, now),
            other: Bucket::new(limits::OTHER_MESSAGES, now),
            connects: Bucket::new(limits::CONNECTS, now),
        }
    }

    /// Spends the budget of one message of `bytes` (as received); false, and nothing spent,
    /// when it is used up.
    pub fn admit(&mut self, kind: Kind, bytes: usize, now: Instant) -> bool {
        let (count, mut size) = match kind {
            Kind::Chat => (&mut self.chat_messages, Some(&mut self.chat_bytes)),
            Kind::Signal => (&mut self.signal_messages, Some(&mut self.signal_bytes)),
            Kind::Other => (&mut self.other, None),
        };
        count.refill(now);
        // A message larger than the whole burst would never pass: it may spend it all.
        let mut cost = 0.0;
        if let Some(b) = size.as_mut() {
            b.refill(now);
            cost = (bytes as f64).min(b.rate.burst);
            if !b.has(cost) {
                return false;
            }
        }
        if !count.has(1.0) {
            return false;
        }
        count.tokens -= 1.0;
        if let Some(b) = size {
            b.tokens -= cost;
        }
        true
    }

    /// Spends one (re)connection.
    pub fn admit_connect(&mut self, now: Instant) -> bool {
        self.connects.refill(now);
        if !self.connects.has(1.0) {
            return false;
        }
        self.connects.tokens -= 1.0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{Budgets, Kind};
    use std::time::{Duration, Instant};

    #[test]
    fn a_chat_flood_is_held_to_its_rate_and_typing_is_not() {
        let t0 = Instant::now();
        let mut b = Budgets::new(64, t0);
        // Three pasted 60 KiB texts at once pass; the fourth waits.
        for _ in 0..3 {
            assert!(b.admit(Kind::Chat, 60 * 1024, t0));
        }
        assert!(!b.admit(Kind::Chat, 60 * 1024, t0));
        // Over a minute, a flood gets about 8 KiB a second through.
        let mut passed = 0;
        for ms in (0..60_000).step_by(10) {
            if b.admit(Kind::Chat, 60 * 1024, t0 + Duration::from_millis(ms)) {
                passed += 1;
            }
        }
        assert!((7..=9).contains(&passed), "{passed}");
        // Someone typing a line every two seconds is never refused.
        let t1 = t0 + Duration::from_secs(120);
        let mut b = Budgets::new(64, t1);
        assert!((0..300).all(|i| b.admit(Kind::Chat, 200, t1 + Duration::from_secs(2 * i))));
    }

    #[test]
    fn an_ice_burst_at_call_start_passes_and_budgets_are_separate() {
        let t0 = Instant::now();
        let mut b = Budgets::new(64, t0);
        assert!(b.admit(Kind::Signal, 12 * 1024, t0), "an offer");
        assert!((0..200).all(|_| b.admit(Kind::Signal, 300, t0)), "200 candidates at once");
        assert!((0..30).all(|_| b.admit(Kind::Chat, 100, t0)), "chat is not spent by signals");
        assert!(!b.admit(Kind::Chat, 100, t0));
        assert!(b.admit(Kind::Other, 50, t0), "nor are requests");
    }

    #[test]
    fn reconnects_are_limited() {
        let t0 = Instant::now();
        let mut b = Budgets::new(64, t0);
        assert!((0..20).all(|_| b.admit_connect(t0)));
        assert!(!b.admit_connect(t0));
        assert!(b.admit_connect(t0 + Duration::from_secs(10)));
    }
}
