//! A tiny seeded pseudo-random generator (xorshift64*) for the loss decisions: reproducible runs
//! without a crate, and good enough for Bernoulli trials at rates down to 10⁻⁴.

/// xorshift64* (Vigna, 2016): 64 bits of state, never zero.
#[derive(Debug, Clone)]
pub struct XorShift {
    state: u64,
}

impl XorShift {
    /// A generator for `seed`; every seed (including 0) gives a valid, distinct stream.
    pub fn new(seed: u64) -> Self {
        // SplitMix64 scrambles the seed so that nearby seeds give unrelated streams and 0 is usable.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Self { state: if z == 0 { 0x2545_f491_4f6c_dd1d } else { z } }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A uniform number in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (clamped to [0, 1]).
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.next_f64() < p)
    }
}

#[cfg(test)]
mod tests {
    use super::XorShift;

    #[test]
    fn same_seed_gives_the_same_stream() {
        let (mut a, mut b) = (XorShift::new(7), XorShift::new(7));
        assert!((0..1000).all(|_| a.next_u64() == b.next_u64()));
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let (mut a, mut b) = (XorShift::new(0), XorShift::new(1));
        assert!((0..10).any(|_| a.next_u64() != b.next_u64()));
    }

    #[test]
    fn uniform_numbers_stay_in_the_unit_interval_and_average_a_half() {
        let mut r = XorShift::new(42);
        let n = 100_000;
        let sum: f64 = (0..n).map(|_| r.next_f64()).inspect(|x| assert!((0.0..1.0).contains(x))).sum();
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }
}
