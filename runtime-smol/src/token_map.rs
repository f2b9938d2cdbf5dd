//! Maps keyed by the session's token numbers, with a hasher made for them.
//!
//! Token numbers are handed out by the session one after another, never by a peer, so they
//! need no protection against chosen keys: a multiplication spreads them over the table
//! (SipHash, the std default, costs about 140 instructions per lookup, and a QoS 1 round trip
//! makes several).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` from token numbers to `V`.
pub(crate) type TokenMap<V> = HashMap<u64, V, BuildHasherDefault<TokenHasher>>;

/// Fibonacci hashing of one `u64` (the high bits, which the table uses first, depend on
/// every bit of the key).
#[derive(Default)]
pub(crate) struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; any other input still hashes deterministically.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_tokens_spread_over_the_high_bits() {
        let top = |n: u64| {
            let mut h = TokenHasher::default();
            h.write_u64(n);
            h.finish() >> 57
        };
        let distinct: std::collections::HashSet<u64> = (1..=128).map(top).collect();
        assert!(distinct.len() > 64, "only {} of 128 top-7-bit groups", distinct.len());
        let mut map = TokenMap::default();
        for n in 0..10_000u64 {
            map.insert(n, n * 2);
        }
        assert!((0..10_000u64).all(|n| map.get(&n) == Some(&(n * 2))));
    }
}
