//! A tiny deterministic generator: the same shape and seed always give the same pipeline, so
//! benchmark runs compare like with like and tests can pin exact counts.

/// xorshift64* (Vigna): fast, good enough for picking names, licenses and severities.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (a zero seed is replaced: xorshift would stay at zero forever).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is irrelevant for synthetic data.
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Picks from `(weight, value)` pairs in proportion to the weights.
    pub fn weighted<'a, T>(&mut self, choices: &'a [(u32, T)]) -> Option<&'a T> {
        let total: u64 = choices.iter().map(|(w, _)| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut at = self.next_u64() % total;
        for (weight, value) in choices {
            let weight = u64::from(*weight);
            if at < weight {
                return Some(value);
            }
            at -= weight;
        }
        None
    }

    /// 64 hex digits, for synthetic sha256 digests.
    pub fn hex64(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_in_range() {
        let mut a = XorShift::new(7);
        let mut b = XorShift::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], xs[1]);
        let mut c = XorShift::new(0);
        for _ in 0..1000 {
            assert!(c.below(10) < 10);
            let u = c.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(c.below(0), 0);
        assert_eq!(c.hex64().len(), 64);
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut rng = XorShift::new(3);
        for _ in 0..200 {
            assert_eq!(
                rng.weighted(&[(0, "never"), (5, "always")]),
                Some(&"always")
            );
        }
        assert_eq!(rng.weighted::<&str>(&[]), None);
    }
}
