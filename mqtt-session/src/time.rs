//! Time as the session sees it: a monotonic millisecond counter supplied by the driver.

use core::ops::{Add, Sub};
pub use core::time::Duration;

/// A point in time, in milliseconds since an arbitrary epoch chosen by the driver.
///
/// The session never reads a clock: every input carries `now`. Adapters convert in one line
/// (`Instant::from_millis(epoch.elapsed().as_millis() as u64)` with std,
/// `Instant::from_millis(embassy_time::Instant::now().as_millis())` with embassy).
/// A `now` earlier than one seen before is treated as the later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Self = Self(0);

    /// The instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    /// Saturating addition.
    // Out of line: deadlines are set in many places.
    #[inline(never)]
    fn add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(millis(d)))
    }
}

/// Whole milliseconds of `d`, saturating at `u64::MAX`: `d.as_millis()` without its 128-bit
/// arithmetic (which costs code on 32-bit targets). Out of line: shared by `Instant + Duration`
/// and the backoff.
#[inline(never)]
pub(crate) fn millis(d: Duration) -> u64 {
    d.as_secs().saturating_mul(1000).saturating_add(u64::from(d.subsec_millis()))
}

impl Sub<Self> for Instant {
    type Output = Duration;
    /// Saturating difference.
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}
