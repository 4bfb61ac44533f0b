//! Turning raw 64-bit random draws into ranges, one way for every generator.
//!
//! The generators themselves stay with their users (a seeded SplitMix64 in the
//! emulator, ChaCha8 in the synthetic forms, the thread RNG in the daemons); these
//! functions only shape their output, so a seeded stream maps to the same values on
//! every platform and no sampling-library upgrade can change a reproducible answer.

/// Uniform in `[0, 1)`, from the top 53 bits of one draw (all an `f64` can hold).
pub fn fraction(draw: u64) -> f64 {
    (draw >> 11) as f64 / (1u64 << 53) as f64
}

/// Uniform in `0..n`, without modulo bias: draws in the incomplete last block of
/// `n` values are rejected and drawn again. `n == 0` gives 0 without drawing.
pub fn below(n: u64, mut next_u64: impl FnMut() -> u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let draw = next_u64();
        if draw < zone {
            return draw % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_spans_zero_to_below_one() {
        assert_eq!(fraction(0), 0.0);
        assert!(fraction(u64::MAX) < 1.0);
        assert_eq!(fraction(1 << 63), 0.5);
    }

    #[test]
    fn below_stays_in_range_and_rejects_the_biased_tail() {
        let mut draws = [u64::MAX, 7].into_iter();
        // u64::MAX lies past the last whole block of 10: it is drawn again.
        assert_eq!(below(10, || draws.next().unwrap()), 7);
        assert_eq!(below(0, || panic!("no draw for an empty range")), 0);
        let mut counter = 0u64;
        for n in 1..50 {
            assert!(
                below(n, || {
                    counter = counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    counter
                }) < n
            );
        }
    }
}
