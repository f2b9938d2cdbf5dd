//! Keep-alive of one connection: when to send PINGREQ and how long to wait for PINGRESP.
//!
//! The interval between two packets the client sends must not exceed the Keep Alive
//! [MQTT-3.1.2-23]; a PINGREQ also goes out when nothing was *received* for as long, so a
//! half-open link is noticed while publishing. A PINGRESP that does not come within the
//! ping timeout closes the connection.
//!
//! **Input held back by the application.** The session reads incoming packets only when the
//! application pulls events. While received bytes wait unprocessed in the receive buffer
//! (the application is slow, or its event queue is full), a PINGRESP may be among them or
//! behind them in the transport: the broker is evidently sending, so the wait for PINGRESP is
//! not a sign of a dead link. The deadline is then not enforced; PINGREQs keep going out on
//! schedule (the broker must hear from the client [MQTT-3.1.2-24]), and the wait starts over
//! once the application has drained the buffer. A link that dies while the application holds
//! input back is noticed after it catches up.

use crate::time::{Duration, Instant};

/// What [`KeepAlive::tick`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing yet.
    Nothing,
    /// Send PINGREQ now (the wait for its PINGRESP has started).
    Ping,
    /// No PINGRESP in time: close the connection.
    TimedOut,
}

/// The keep-alive state of the current connection.
#[derive(Clone, Debug)]
pub(crate) struct KeepAlive {
    /// The Keep Alive in force (the server's, if it named one); zero: off.
    interval: Duration,
    last_tx: Instant,
    last_rx: Instant,
    /// When the PINGRESP of the PINGREQ sent is due.
    ping_deadline: Option<Instant>,
    /// Received bytes wait unprocessed in the receive buffer.
    input_held: bool,
}

impl KeepAlive {
    /// Keep-alive with `interval` (zero: off).
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_tx: Instant::ZERO,
            last_rx: Instant::ZERO,
            ping_deadline: None,
            input_held: false,
        }
    }

    /// A connection opened at `now`: the clocks start, nothing is awaited.
    pub(crate) fn restart(&mut self, now: Instant) {
        self.last_tx = now;
        self.last_rx = now;
        self.ping_deadline = None;
        self.input_held = false;
    }

    /// The connection ended: nothing is awaited.
    pub(crate) fn stop(&mut self) {
        self.ping_deadline = None;
        self.input_held = false;
    }

    /// The Keep Alive in force from the CONNACK on; any PINGRESP wait is over.
    pub(crate) fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
        self.ping_deadline = None;
    }

    /// The Keep Alive in force.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Bytes were handed to the transport at `now`.
    pub(crate) fn sent(&mut self, now: Instant) {
        self.last_tx = now;
    }

    /// Bytes arrived at `now`; they wait in the receive buffer until processed.
    pub(crate) fn received(&mut self, now: Instant) {
        self.last_rx = now;
        self.input_held = true;
    }

    /// The receive buffer holds no complete packet any more.
    pub(crate) fn input_drained(&mut self) {
        self.input_held = false;
    }

    /// PINGRESP arrived.
    pub(crate) fn pong(&mut self) {
        self.ping_deadline = None;
    }

    /// What is due at `now`; a PINGRESP is then awaited for `ping_timeout`.
    pub(crate) fn tick(&mut self, now: Instant, ping_timeout: Duration) -> Due {
        if let Some(deadline) = self.ping_deadline {
            if now < deadline {
                return Due::Nothing;
            }
            if !self.input_held {
                return Due::TimedOut;
            }
            // Held back by the application, not by the broker: the bytes waiting count as
            // heard from it. The next PINGREQ follows the transmit schedule.
            self.ping_deadline = None;
            self.last_rx = now;
        }
        if self.interval.is_zero() || now < self.next_ping() {
            return Due::Nothing;
        }
        self.ping_deadline = Some(now + ping_timeout);
        Due::Ping
    }

    /// When [`KeepAlive::tick`] next has something to do, if ever.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.ping_deadline {
            Some(d) => Some(d),
            None if self.interval.is_zero() => None,
            None => Some(self.next_ping()),
        }
    }

    /// When nothing was sent or nothing was received for the interval. (The saturating sum
    /// is monotonic, so `min` means "either".)
    fn next_ping(&self) -> Instant {
        self.last_tx.min(self.last_rx) + self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> Instant {
        Instant::from_millis(s * 1000)
    }

    #[test]
    fn a_missing_pingresp_times_out() {
        let mut k = KeepAlive::new(Duration::from_secs(10));
        k.restart(at(0));
        assert_eq!(k.tick(at(9), Duration::from_secs(5)), Due::Nothing);
        assert_eq!(k.tick(at(10), Duration::from_secs(5)), Due::Ping);
        assert_eq!(k.deadline(), Some(at(15)));
        assert_eq!(k.tick(at(15), Duration::from_secs(5)), Due::TimedOut);
    }

    #[test]
    fn input_held_back_suspends_the_pingresp_wait() {
        let mut k = KeepAlive::new(Duration::from_secs(10));
        k.restart(at(0));
        k.received(at(3)); // not processed: the application holds it back
        k.sent(at(3));
        assert_eq!(k.tick(at(13), Duration::from_secs(5)), Due::Ping);
        k.sent(at(13));
        // Deadline passes while held: no timeout, and the next PINGREQ follows the schedule.
        assert_eq!(k.tick(at(18), Duration::from_secs(5)), Due::Nothing);
        assert_eq!(k.deadline(), Some(at(23)));
        assert_eq!(k.tick(at(23), Duration::from_secs(5)), Due::Ping);
        k.sent(at(23));
        // Drained without a PINGRESP among the bytes: the wait is enforced again.
        k.input_drained();
        assert_eq!(k.tick(at(28), Duration::from_secs(5)), Due::TimedOut);
    }

    #[test]
    fn zero_interval_is_off() {
        let mut k = KeepAlive::new(Duration::ZERO);
        k.restart(at(0));
        assert_eq!(k.tick(at(1000), Duration::from_secs(5)), Due::Nothing);
        assert_eq!(k.deadline(), None);
    }
}
