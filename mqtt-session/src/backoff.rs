//! The reconnect schedule: exponential backoff with caller-seeded jitter.

use crate::config::Backoff;
use crate::time::{Duration, millis};

/// Backoff state across consecutive failed connection attempts.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    config: Backoff,
    attempt: u32,
    rng: u64,
}

impl Schedule {
    pub(crate) fn new(config: Backoff) -> Self {
        // xorshift must not start at zero.
        Self { config, attempt: 0, rng: config.seed | 1 }
    }

    /// A connection was accepted: the next loss starts from the minimum again.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The delay before the next attempt; advances the schedule.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let c = &self.config;
        // Through u64: a u128 → f32 conversion links a soft-float routine of its own.
        let min = millis(c.min) as f32;
        let max = millis(c.max).max(millis(c.min)) as f32;
        let mut d = min;
        for _ in 0..self.attempt {
            d *= if c.factor > 1.0 { c.factor } else { 1.0 };
            if d >= max {
                d = max;
                break;
            }
        }
        self.attempt = self.attempt.saturating_add(1);
        let jitter = c.jitter.clamp(0.0, 1.0);
        let r = self.next_unit();
        let scaled = d * (1.0 - jitter * r);
        Duration::from_millis(scaled as u64)
    }

    /// A pseudo-random number in `[0, 1)` (xorshift64*).
    fn next_unit(&mut self) -> f32 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        v as f32 / (1u64 << 24) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_to_the_cap_with_bounded_jitter() {
        let cfg = Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            factor: 2.0,
            jitter: 0.5,
            seed: 42,
        };
        let mut s = Schedule::new(cfg);
        let expected_caps = [100u64, 200, 400, 800, 1000, 1000];
        for cap in expected_caps {
            let d = s.next_delay().as_millis() as u64;
            assert!(d <= cap && d >= cap / 2, "delay {d} outside [{}, {cap}]", cap / 2);
        }
        s.reset();
        assert!(s.next_delay().as_millis() <= 100);
    }

    #[test]
    fn no_jitter_is_exact() {
        let cfg = Backoff { jitter: 0.0, ..Backoff::default() };
        let mut s = Schedule::new(cfg);
        assert_eq!(s.next_delay(), Duration::from_millis(500));
        assert_eq!(s.next_delay(), Duration::from_millis(1000));
    }
}
