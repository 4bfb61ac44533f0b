//! `Dice`: the generator's only source of randomness, seeded and reproducible.
//!
//! ChaCha8 with a fixed seed yields the same stream on every platform and release;
//! ranges and floats come from `tally_core::random` (not from a sampling library)
//! so that no dependency upgrade can change a generated dataset. Each unit and each
//! purpose (numbers, page rendering) draws from its own stream, so generating with
//! or without images yields the same numbers.

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use tally_core::random;

/// What a stream of random numbers is used for.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Dataset-wide choices (candidates, party popularity).
    Setup = 0,
    /// A unit's numbers.
    Numbers = 1,
    /// A unit's page images (handwriting jitter, rotation, noise).
    Pages = 2,
    /// A unit's page degradation (`--degrade`), apart from `Pages` so that clean
    /// datasets stay byte-identical to those made before degradation existed.
    Degrade = 3,
}

pub struct Dice(ChaCha8Rng);

impl Dice {
    /// The stream for `purpose` of unit `unit` (0 for dataset-wide streams).
    pub fn new(seed: u64, purpose: Purpose, unit: u32) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(((purpose as u64) << 32) | u64::from(unit));
        Dice(rng)
    }

    /// Uniform in `0..n` (`n` > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        random::below(n.max(1), || self.0.next_u64())
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn fraction(&mut self) -> f64 {
        random::fraction(self.0.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.fraction()
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.fraction() < probability
    }

    /// `count` distinct items of `items`, in a random order.
    pub fn choose<T: Clone>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let count = count.min(pool.len());
        for i in 0..count {
            let j = i + self.below((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
        }
        pool.truncate(count);
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_stream_give_the_same_numbers() {
        let draw = |seed, purpose, unit| {
            let mut dice = Dice::new(seed, purpose, unit);
            (0..8).map(|_| dice.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, Purpose::Numbers, 1), draw(7, Purpose::Numbers, 1));
        assert_ne!(draw(7, Purpose::Numbers, 1), draw(7, Purpose::Numbers, 2));
        assert_ne!(draw(7, Purpose::Numbers, 1), draw(7, Purpose::Pages, 1));
        assert_ne!(draw(7, Purpose::Numbers, 1), draw(8, Purpose::Numbers, 1));
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut dice = Dice::new(1, Purpose::Setup, 0);
        for _ in 0..1000 {
            assert!((5..=9).contains(&dice.between(5, 9)));
            let x = dice.uniform(0.02, 0.06);
            assert!((0.02..0.06).contains(&x));
        }
        let picked = dice.choose(&[1, 2, 3, 4], 3);
        assert_eq!(picked.len(), 3);
        assert!(picked.iter().all(|x| (1..=4).contains(x)));
        assert_eq!(
            picked
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
    }
}
