//! Guessing limits for passwords (sign-in and `POST /api/password`), without I/O: callers pass
//! the time. They slow an attacker down without letting one lock the owner out (issue 12,
//! finding 6). Only failures count: a right password gives back what it took.
//!
//! - per address, whatever the name: [`BY_ADDRESS`];
//! - per user name and address: [`BY_NAME_AND_ADDRESS`];
//! - per user name, from all addresses together: [`BY_NAME`] — but only for addresses that
//!   failed for this name recently (their name-and-address bucket is not full). An address
//!   without recent failures for a name is never held back by what other addresses did, so
//!   ten wrong guesses from one place, or one every few minutes for ever, cannot keep the owner
//!   out from another place; a typo there costs at most one refill of that bucket (15 min).
//!
//! docs/security.md turns these numbers into guesses per day.

use crate::ratelimit::RateLimiter;
use protocol::ErrorCode;
use std::net::IpAddr;
use std::time::Instant;

/// (at once, then per hour) wrong passwords from one address, for any names.
pub const BY_ADDRESS: (u32, u32) = (30, 30);
/// (at once, then per hour) wrong passwords for one name from one address: one per 15 minutes.
pub const BY_NAME_AND_ADDRESS: (u32, u32) = (5, 4);
/// (at once, then per hour) wrong passwords for one name from addresses that failed for it.
pub const BY_NAME: (u32, u32) = (20, 6);

pub struct LoginLimits {
    by_address: RateLimiter<IpAddr>,
    by_name_and_address: RateLimiter<(String, IpAddr)>,
    by_name: RateLimiter<String>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            by_address: RateLimiter::new(BY_ADDRESS.0, BY_ADDRESS.1),
            by_name_and_address: RateLimiter::new(BY_NAME_AND_ADDRESS.0, BY_NAME_AND_ADDRESS.1),
            by_name: RateLimiter::new(BY_NAME.0, BY_NAME.1),
        }
    }
}

/// One password check that the limits let through; report how it went.
#[must_use = "report the outcome: succeeded, failed or not_checked"]
pub struct Attempt {
    name: String,
    ip: IpAddr,
    /// Whether it took from the per-name bucket (the address had failed for this name).
    took_name: bool,
}

impl LoginLimits {
    /// Lets a password check for `name` from `ip` go ahead, or says which limit holds it back:
    /// `too_many_failed_sign_ins` (this address) or `sign_in_slowed` (this name, from
    /// addresses that failed for it).
    pub fn admit(&self, name: &str, ip: IpAddr, now: Instant) -> Result<Attempt, ErrorCode> {
        let name = name.trim().to_lowercase();
        let pair = (name.clone(), ip);
        if !self.by_address.try_take(&ip, now) {
            return Err(ErrorCode::TooManyFailedSignIns);
        }
        let clean = self.by_name_and_address.is_full(&pair, now);
        if !self.by_name_and_address.try_take(&pair, now) {
            self.by_address.refund(&ip);
            return Err(ErrorCode::TooManyFailedSignIns);
        }
        if !clean && !self.by_name.try_take(&name, now) {
            self.by_address.refund(&ip);
            self.by_name_and_address.refund(&pair);
            return Err(ErrorCode::SignInSlowed);
        }
        Ok(Attempt { name, ip, took_name: !clean })
    }

    /// The password was right: nothing is counted.
    pub fn succeeded(&self, a: Attempt) {
        self.not_checked(a);
    }

    /// The password was wrong: it stays counted, and counts for the name too.
    pub fn failed(&self, a: Attempt, now: Instant) {
        if !a.took_name {
            self.by_name.spend(&a.name, now);
        }
    }

    /// The password was not checked (the service was busy): nothing is counted.
    pub fn not_checked(&self, a: Attempt) {
        self.by_address.refund(&a.ip);
        self.by_name_and_address.refund(&(a.name.clone(), a.ip));
        if a.took_name {
            self.by_name.refund(&a.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, n])
    }

    fn guess(l: &LoginLimits, name: &str, from: IpAddr, now: Instant, right: bool) -> Result<(), ErrorCode> {
        let a = l.admit(name, from, now)?;
        if right {
            l.succeeded(a);
        } else {
            l.failed(a, now);
        }
        Ok(())
    }

    #[test]
    fn ten_wrong_guesses_from_one_address_do_not_keep_the_owner_out_elsewhere() {
        let l = LoginLimits::default();
        let t = Instant::now();
        let refused: Vec<_> = (0..10).filter_map(|_| guess(&l, "victim", ip(2), t, false).err()).collect();
        assert_eq!(refused.len(), 5);
        assert!(refused.iter().all(|c| *c == ErrorCode::TooManyFailedSignIns));
        assert_eq!(guess(&l, "Victim", ip(3), t, true), Ok(()));
        assert_eq!(guess(&l, "victim", ip(2), t, true), Err(ErrorCode::TooManyFailedSignIns), "that address waits");
    }

    #[test]
    fn many_addresses_slow_the_name_down_for_addresses_that_failed_but_not_for_others() {
        let l = LoginLimits::default();
        let t = Instant::now();
        // Two wrong guesses each from 30 addresses: both count for the name (20 at once), so
        // after ten addresses it is dry and the second guess of each later address is slowed.
        let mut slowed = 0;
        for n in 10..40 {
            guess(&l, "admin", ip(n), t, false).unwrap();
            if guess(&l, "admin", ip(n), t, false) == Err(ErrorCode::SignInSlowed) {
                slowed += 1;
            }
        }
        assert_eq!(slowed, 20);
        // The owner from an address without failures signs in; after a typo there they wait
        // one refill of the name-and-address bucket (15 minutes), not for ever.
        assert_eq!(guess(&l, "admin", ip(200), t, false), Ok(()));
        assert_eq!(guess(&l, "admin", ip(200), t, true), Err(ErrorCode::SignInSlowed));
        assert_eq!(guess(&l, "admin", ip(200), t + Duration::from_secs(15 * 60), true), Ok(()));
    }

    #[test]
    fn one_guess_every_six_minutes_for_a_day_never_keeps_the_owner_out() {
        let l = LoginLimits::default();
        let t0 = Instant::now();
        for i in 0..240u64 {
            let now = t0 + Duration::from_secs(i * 360);
            let _ = guess(&l, "admin", ip(2 + (i % 3) as u8), now, false);
            assert_eq!(guess(&l, "admin", ip(100), now + Duration::from_secs(1), true), Ok(()), "guess {i}");
        }
    }

    #[test]
    fn a_check_that_did_not_happen_counts_nothing() {
        let l = LoginLimits::default();
        let t = Instant::now();
        for _ in 0..100 {
            let a = l.admit("bob", ip(2), t).unwrap();
            l.not_checked(a);
        }
        assert!(l.by_address.is_full(&ip(2), t) && l.by_name_and_address.is_full(&("bob".into(), ip(2)), t));
    }
}
