//! A keyed, counter-free pseudo-random stream for the randomised parts of discovery
//! (bootstrap resamples, extra-trees).
//!
//! Each task (resample `b`, tree `t`) gets its own stream from `(seed, key)`, so results do
//! not depend on which thread runs which task, nor on how many threads there are. The
//! generator is SplitMix64 (Steele, Lea & Flood 2014): small, fast, and good enough for
//! drawing cases and thresholds; it is not for cryptography.

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A SplitMix64 stream keyed by `(seed, key)`.
#[derive(Debug, Clone)]
pub(crate) struct KeyedRng {
    state: u64,
}

impl KeyedRng {
    /// The stream for task `key` of a computation seeded with `seed`.
    pub(crate) fn new(seed: u64, key: u64) -> KeyedRng {
        KeyedRng {
            state: mix(seed ^ mix(key.wrapping_add(GAMMA))),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A uniform integer in `0..n` (Lemire's multiply-and-reject, unbiased). `n > 0`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_differ_by_key() {
        let a: Vec<u64> = (0..4).map(|_| KeyedRng::new(7, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s1 = KeyedRng::new(7, 1);
        let mut s2 = KeyedRng::new(7, 2);
        assert_ne!(s1.next_u64(), s2.next_u64());
    }

    #[test]
    fn draws_below_n_are_in_range_and_roughly_uniform() {
        let mut r = KeyedRng::new(1, 0);
        let mut counts = [0usize; 5];
        for _ in 0..50_000 {
            counts[r.below(5)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_300..10_700).contains(&c)),
            "{counts:?}"
        );
        let u: f64 = (0..10_000).map(|_| r.unit()).sum::<f64>() / 10_000.0;
        assert!((u - 0.5).abs() < 0.02);
    }
}
