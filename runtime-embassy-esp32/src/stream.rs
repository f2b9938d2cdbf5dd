//! Feature `streaming`: a message larger than the receive buffer, fed piece by piece into a
//! [`MessageSink`] of the application's ([`Client::stream_into`]).
//!
//! With `Config::receive_buffer_size` below `max_packet_size`, a PUBLISH that does not fit the
//! receive buffer reaches [`Client::next_event`] as `Event::MessageStart` (topic, flags,
//! properties, payload length), `Event::MessageChunk`s in order, then `Event::MessageEnd`, or
//! `Event::MessageAborted` when the connection is lost part-way (the broker then sends it again,
//! whole, after the reconnect). Its PUBACK / PUBREC goes out only after its end. An application
//! can handle these events itself, or hand the rest of the message to a sink:
//!
//! ```no_run
//! use sansmqtt_embassy::sansmqtt_session::Event;
//! use sansmqtt_embassy::stream::{MessageSink, Streamed};
//! use sansmqtt_embassy::{Client, Transport};
//!
//! async fn serve<T: Transport, S: MessageSink>(client: &mut Client<'_, T>, sink: &mut S)
//! -> Result<(), sansmqtt_embassy::Error> {
//!     loop {
//!         // Only the length leaves the event: the event borrows the client.
//!         let start = match client.next_event().await? {
//!             Event::MessageStart { message, payload_len } if message.topic == "fw/image" => {
//!                 Some(payload_len)
//!             }
//!             _other => None,
//!         };
//!         if let Some(len) = start {
//!             match client.stream_into(len, sink, |_other| {}).await? {
//!                 Streamed::Complete { .. } => { /* the sink has it all, ended */ }
//!                 Streamed::Aborted => { /* cut: the broker sends it again */ }
//!                 _ => { /* the sink failed */ }
//!             }
//!         }
//!     }
//! }
//! ```

use crate::journal::Journal;
use crate::{Client, Error, Transport};
use sansmqtt_session::{AckToken, Event};

/// Where the payload of one streamed message goes: [`begin`](MessageSink::begin), then
/// [`write`](MessageSink::write) per chunk in order, then [`end`](MessageSink::end) once the
/// whole payload was written, or [`abort`](MessageSink::abort) when the message will not be
/// complete (connection lost, or the sink itself failed).
///
/// The chunks borrow the client's receive buffer: a sink copies what it keeps (into flash, a
/// file, a buffer of its own); nothing is allocated per chunk. Chunks have any size from 1
/// byte to the receive buffer's.
// No `Send` bound on the futures: an embassy task runs on one executor.
#[allow(async_fn_in_trait)]
pub trait MessageSink {
    /// What a failed `begin`, `write` or `end` reports.
    type Error;
    /// A message of `payload_len` bytes begins (its chunks follow).
    async fn begin(&mut self, payload_len: usize) -> Result<(), Self::Error>;
    /// The next piece of the payload.
    async fn write(&mut self, chunk: &[u8]) -> Result<(), Self::Error>;
    /// The whole payload was written: make it final (flush, mark it complete).
    async fn end(&mut self) -> Result<(), Self::Error>;
    /// What was written of this message is not a message: discard it or leave it marked
    /// incomplete.
    async fn abort(&mut self);
}

/// Any [`embedded_io_async::Write`] as a [`MessageSink`]: chunks are written with
/// `write_all`, the end is a `flush`; `begin` and `abort` do nothing (a writer that must
/// know the length or undo an aborted message implements [`MessageSink`] itself).
#[derive(Debug)]
pub struct WriteSink<W> {
    writer: W,
}

impl<W: embedded_io_async::Write> WriteSink<W> {
    /// The sink writing into `writer`.
    pub fn new(writer: W) -> Self {
        Self { writer }
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Give the writer back.
    pub fn into_inner(self) -> W {
        self.writer
    }
}

impl<W: embedded_io_async::Write> MessageSink for WriteSink<W> {
    type Error = W::Error;

    async fn begin(&mut self, _payload_len: usize) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), Self::Error> {
        self.writer.write_all(chunk).await
    }

    async fn end(&mut self) -> Result<(), Self::Error> {
        self.writer.flush().await
    }

    async fn abort(&mut self) {}
}

/// How a message handed to [`Client::stream_into`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Streamed<E> {
    /// The sink has the whole payload and its `end` succeeded. In
    /// [`AckMode::Manual`](sansmqtt_session::AckMode::Manual), ack `ack_token` now (the
    /// session sends the PUBACK / PUBREC only then); in the automatic mode it is on its way.
    Complete {
        /// The token to ack the message (manual-ack mode, QoS 1 / 2).
        ack_token: Option<AckToken>,
    },
    /// The connection was lost part-way: the sink was told to abort. No ack was sent; the
    /// broker sends the message again after the reconnect (a QoS 0 message is lost).
    Aborted,
    /// The sink failed (`begin`, a `write` or `end`): it was told to abort and the rest of the
    /// payload was read and dropped. In the automatic ack mode the message is acked all the
    /// same (the broker will not send it again); in manual-ack mode the application decides
    /// with `ack_token` (v5: `Session::reject` with a reason).
    SinkFailed {
        /// The sink's error.
        error: E,
        /// The token to ack or reject the message (manual-ack mode, QoS 1 / 2).
        ack_token: Option<AckToken>,
    },
}

impl<T: Transport, J: Journal> Client<'_, T, J> {
    /// Feed the message that [`Client::next_event`] just began (`Event::MessageStart` with
    /// `payload_len`) into `sink` until its end: `sink.begin(payload_len)`, `sink.write` per
    /// chunk, `sink.end()` at `Event::MessageEnd`, or `sink.abort()` at
    /// `Event::MessageAborted`. Other events that arrive meanwhile (completions, a
    /// `Disconnected` after an abort...) go to `on_other`.
    ///
    /// Call it right after `next_event` returned the `MessageStart`, and only then: it takes
    /// every chunk until the message's end. Unlike `next_event` it is **not cancel-safe**: a
    /// chunk taken from the session and not yet written to the sink is lost when the future is
    /// dropped (the message is then incomplete: abort the sink yourself, and in manual-ack
    /// mode do not ack it; the rest of its chunks reach `next_event`).
    ///
    /// Returns [`Error::Disconnected`] (after aborting the sink) when the session stops for
    /// good.
    pub async fn stream_into<S: MessageSink>(
        &mut self,
        payload_len: usize,
        sink: &mut S,
        mut on_other: impl FnMut(Event<'_>),
    ) -> Result<Streamed<S::Error>, Error> {
        let mut failed = sink.begin(payload_len).await.err();
        if failed.is_some() {
            sink.abort().await;
        }
        loop {
            let event = match self.next_event().await {
                Ok(e) => e,
                Err(e) => {
                    if failed.is_none() {
                        sink.abort().await;
                    }
                    return Err(e);
                }
            };
            match event {
                Event::MessageChunk(chunk) => {
                    if failed.is_none()
                        && let Err(e) = sink.write(chunk).await
                    {
                        failed = Some(e);
                        sink.abort().await;
                    }
                }
                Event::MessageEnd { ack_token } => {
                    if failed.is_none()
                        && let Err(e) = sink.end().await
                    {
                        failed = Some(e);
                        sink.abort().await;
                    }
                    return Ok(match failed {
                        None => Streamed::Complete { ack_token },
                        Some(error) => Streamed::SinkFailed { error, ack_token },
                    });
                }
                Event::MessageAborted => {
                    if failed.is_none() {
                        sink.abort().await;
                    }
                    return Ok(Streamed::Aborted);
                }
                other => on_other(other),
            }
        }
    }
}
