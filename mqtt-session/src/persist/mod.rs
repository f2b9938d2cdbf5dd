//! Persistence: the client's half of a session kept across a crash or a deep sleep.
//!
//! With the `persistence` feature, a [`Session`] can write its state to a store the driver
//! owns (a file, flash, RTC memory) and be rebuilt from it by a new process. The broker keeps
//! its half (a persistent session: Clean Start 0 with a Session Expiry Interval in 5.0, Clean
//! Session 0 in 3.1.1); together they continue as if the client had never stopped.
//!
//! # What is kept
//! - the client identifier (the server-assigned one, once assigned) and the protocol version;
//! - publishes accepted by [`Session::publish`] and not yet sent (the queue), in order;
//! - outgoing QoS 1/2 flows: the encoded PUBLISH, its packet id, and whether PUBACK, PUBREC
//!   or PUBCOMP is awaited (after PUBREC only the id: PUBREL is resent, never the PUBLISH);
//! - incoming QoS 2 packet ids acknowledged with PUBREC and awaiting PUBREL (a resent
//!   PUBLISH with such an id is not delivered again);
//! - the subscriptions granted, to make again if the server lost them.
//!
//! Not kept: acks owed in [`AckMode::Manual`](crate::AckMode::Manual) that the application
//! had not given (the server resends those messages, and they are delivered again, which is
//! what an application that did not ack must expect); the remaining time of a queued
//! message's v5 Message Expiry (it starts over from the interval it was published with);
//! [`Token`](crate::Token)s (a restored publish completes with a new token, one of those
//! `Session::restore` returns).
//!
//! # The driving contract
//! 1. Start: `Session::start_journal` writes a snapshot of the state into the store's
//!    buffer; or, after a restart, `Session::restore` rebuilds the session from what the
//!    store holds (journaling is then on).
//! 2. In the run loop, before [`Session::poll_transmit`], call `Session::poll_store`: it
//!    appends the records of every change since the last call. **Make them durable before
//!    calling `poll_transmit` again.** The session enforces its half: a packet that depends
//!    on a record (the PUBLISH of a new flow, the PUBREL after PUBREC, the PUBREC of an
//!    incoming QoS 2 message, the PUBCOMP after PUBREL) is not handed out by `poll_transmit`
//!    until its record has been handed out by `poll_store` — `poll_transmit` returns 0 meanwhile.
//! 3. A store appends records to what it holds; to compact it, replace its contents with a
//!    fresh `Session::snapshot` (atomically: write aside, sync, rename), at any time between
//!    two `poll_store` calls.
//! 4. After a crash, give the whole store to `Session::restore`; cut a record left
//!    incomplete by the crash first with [`complete_prefix`] (its packet was never sent, so
//!    nothing is lost by dropping it).
//!
//! # What this guarantees
//! With a store that is durable when step 2 says, and the broker's session still there:
//! - a publish whose `Queued` record was durable is sent (QoS 0 at most once: its record
//!   may be lost in a crash after it was sent, so a QoS 0 message is sent again only if its
//!   record of leaving the queue was not yet durable);
//! - an outgoing QoS 1 message is delivered at least once and a QoS 2 message exactly once
//!   by the broker, whenever the process crashes (the resend after a restore carries DUP 1
//!   and the original packet id) [MQTT-4.3.3], [MQTT-4.4.0-1];
//! - an incoming QoS 2 message is handed to the application at most once per PUBREC that
//!   was sent: its record is durable before its PUBREC goes out, and a resend of it is
//!   acknowledged without being delivered again.
//!
//! End-to-end exactly-once for incoming QoS 2 also needs the application's side: in
//! [`AckMode::Manual`](crate::AckMode::Manual), make the message's effect durable, then
//! [`Session::ack`] it — the PUBREC (and its record) follows the ack. A crash before the
//! effect is durable redelivers the message (no PUBREC went out); a crash after the ack's
//! record is durable does not. Between the two (the effect durable, the record not yet) the
//! message is delivered again: write the effect and the records in one transaction of the
//! same store to close that window.
//!
//! The stored format is versioned and documented in the source of `persist/format.rs`; a
//! test pins its bytes. `Session::restore` refuses damaged, truncated or unknown input
//! with a [`RestoreError`] and never panics; the application then starts a fresh session.
//!
//! [`Session`]: crate::Session
//! [`Session::publish`]: crate::Session::publish
//! [`Session::poll_transmit`]: crate::Session::poll_transmit
//! [`Session::ack`]: crate::Session::ack

mod format;
#[cfg(feature = "persistence")]
mod journal;
#[cfg(not(feature = "persistence"))]
#[path = "journal_off.rs"]
mod journal;
#[cfg(feature = "persistence")]
mod restore;

pub use format::complete_prefix;
pub(crate) use format::{CLIENT_ID, UNQUEUED, UNSUBSCRIBED};
pub(crate) use format::{
    COMPLETED, QUEUED, QUEUED_FRONT, RECEIVED, RECEIVED_DONE, RELEASED, SENT, SUBSCRIBED,
};
pub(crate) use format::{put_str, sent_body, subscribed_body};
pub(crate) use journal::Journal;

/// Why stored state could not be restored. The application then starts a fresh session
/// (and should tell the broker so: Clean Start 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestoreError {
    /// Not a stored session (the first bytes are not the format's marker).
    NotASession,
    /// Written by a later format this version cannot read.
    UnsupportedFormat(u8),
    /// The bytes end inside the header or a record.
    Truncated,
    /// A record's checksum, length or contents are wrong.
    Corrupt,
    /// A record of a kind this version does not know.
    UnknownRecord(u8),
    /// The state belongs to another client identifier or protocol version than the
    /// configuration names.
    Mismatch,
}

impl core::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotASession => f.write_str("not a stored session"),
            Self::UnsupportedFormat(v) => write!(f, "stored session format {v} is not supported"),
            Self::Truncated => f.write_str("stored session is truncated"),
            Self::Corrupt => f.write_str("stored session is corrupt"),
            Self::UnknownRecord(t) => write!(f, "stored session has an unknown record 0x{t:02x}"),
            Self::Mismatch => f.write_str("stored session belongs to another client id or protocol version"),
        }
    }
}

impl core::error::Error for RestoreError {}
