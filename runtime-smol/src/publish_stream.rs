//! Publishing a payload read from an [`AsyncRead`] source ([`Client::publish_stream`]): the
//! payload is never held whole. The session sends the PUBLISH head, then the driver reads the
//! source a chunk at a time ([`CHUNK`] bytes) as the transmit buffer drains, and writes each
//! chunk into the session (`Session::write_payload`), which holds every other packet until the
//! payload is complete.
//!
//! A QoS 1 / 2 publish may need its payload again: after a reconnect that resumes the session
//! without its PUBACK / PUBREC, the session resends the head and asks for the payload
//! (`Event::ResendPayload`); the driver then calls the application's opener again and reads
//! the source from its start. The opener is kept until the publish completes.
//!
//! The source must yield exactly the announced length. The last byte of the payload is held
//! back until the source's end is confirmed (a read that returns 0), so that a source with
//! more bytes never completes a packet carrying the wrong message; a source that fails, ends
//! early or has more is given up (`Session::abort_payload`) and the connection is closed at
//! once: the broker sees an incomplete packet and a closed connection, never a wrong message.
//! The publish fails with [`Error::Payload`]; the client reconnects as after any loss.
//!
//! [`Client::publish_stream`]: crate::Client::publish_stream
//! [`Error::Payload`]: crate::Error::Payload

use crate::client::{Client, PublishToken};
use crate::error::Error;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use futures_lite::{AsyncRead, AsyncReadExt};
use sansmqtt_proto::QoS;
use sansmqtt_session::{Instant, Outgoing, Session, State, Token};
use std::io;
use std::sync::Arc;

/// Bytes read from a source at once (the driver holds one such chunk while a payload is
/// being written, besides the session's transmit buffer).
pub(crate) const CHUNK: usize = 16 * 1024;

/// An open payload source.
pub(crate) type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// A source being opened.
type Opening = Pin<Box<dyn Future<Output = io::Result<Reader>> + Send>>;
/// The application's opener, boxed.
type Opener = Box<dyn FnMut() -> Opening + Send>;

/// Why a streamed payload ([`Client::publish_stream`]) could not be sent.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PayloadError {
    /// Opening or reading the source failed.
    Io(Arc<io::Error>),
    /// The source ended after `read` bytes, before the announced `expected`.
    TooShort {
        /// The announced payload length.
        expected: usize,
        /// What the source yielded.
        read: usize,
    },
    /// The source yielded more than the announced `expected` bytes.
    TooLong {
        /// The announced payload length.
        expected: usize,
    },
    /// The session asked for the payload again and no source was known for it (a publish
    /// restored from a store, say).
    NoSource,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "payload source failed: {e}"),
            Self::TooShort { expected, read } => {
                write!(f, "payload source ended after {read} of {expected} bytes")
            }
            Self::TooLong { expected } => write!(f, "payload source has more than {expected} bytes"),
            Self::NoSource => f.write_str("no payload source to send the publish again"),
        }
    }
}

impl core::error::Error for PayloadError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<io::Error> for PayloadError {
    fn from(e: io::Error) -> Self {
        Self::Io(Arc::new(e))
    }
}

/// What the client hands the driver, and the openers kept for resends (in the shared state).
#[derive(Default)]
pub(crate) struct Sources {
    /// Openers of streamed QoS 1 / 2 publishes until they complete, by token number.
    openers: crate::token_map::TokenMap<Opener>,
    /// A payload for the driver to write: a new publish's open source, or `None` for a
    /// resend (the driver opens the source again).
    to_start: Option<(Token, usize, Option<Reader>)>,
    /// A `publish_stream` waits for room: wake it on completions and connection changes.
    pub(crate) blocked: bool,
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sources").field("openers", &self.openers.len()).finish_non_exhaustive()
    }
}

impl Sources {
    /// The session asked for the payload of `token` again.
    pub(crate) fn resend(&mut self, token: Token, len: usize) {
        if len > 0 {
            self.to_start = Some((token, len, None));
        }
    }

    /// The publish `token` completed or was handed back: its opener is no longer needed.
    pub(crate) fn forget(&mut self, token: Token) {
        if !self.openers.is_empty() {
            self.openers.remove(&token.get());
        }
    }

    /// The payload the driver is to write now, if any: the session must be waiting for all
    /// of it (a payload whose connection was lost before it started is dropped).
    pub(crate) fn take(&mut self, session: &Session) -> Option<Result<Payload, Token>> {
        let (token, len, reader) = self.to_start.take()?;
        if session.payload_remaining() != Some(len) {
            return None;
        }
        let source = match reader {
            Some(r) => Source::Reading(r),
            None => match self.openers.get_mut(&token.get()) {
                Some(open) => Source::Opening(open()),
                None => return Some(Err(token)),
            },
        };
        Some(Ok(Payload { token, len, source, buf: None, pos: 0, end: 0, read: 0, written: 0, ended: false }))
    }
}

enum Source {
    Opening(Opening),
    Reading(Reader),
}

/// The payload being written, owned by the driver.
pub(crate) struct Payload {
    pub(crate) token: Token,
    len: usize,
    source: Source,
    /// The chunk read and not yet taken by the session: `buf[pos..end]`.
    buf: Option<Box<[u8]>>,
    pos: usize,
    end: usize,
    /// Bytes read from the source.
    read: usize,
    /// Bytes taken by the session.
    written: usize,
    /// The source's end was seen after `len` bytes.
    ended: bool,
}

impl Payload {
    /// Give the session what it takes of the chunk read; how many bytes. The payload's last
    /// byte waits for the source's end.
    pub(crate) fn write(&mut self, session: &mut Session, now: Instant) -> usize {
        let limit = if self.ended { self.len } else { self.len.saturating_sub(1) };
        let allowed = limit.saturating_sub(self.written).min(self.end - self.pos);
        let Some(buf) = &self.buf else { return 0 };
        let Some(bytes) = buf.get(self.pos..self.pos + allowed) else { return 0 };
        if bytes.is_empty() {
            return 0;
        }
        let n = session.write_payload(now, bytes);
        self.pos += n;
        self.written += n;
        n
    }

    /// Payload bytes the session still waits for.
    pub(crate) fn remaining(&self) -> usize {
        self.len - self.written
    }

    /// Whether the whole payload was written.
    pub(crate) fn done(&self) -> bool {
        self.written == self.len
    }

    /// Whether [`step`](Self::step) has work: opening the source, reading the next chunk
    /// once the last one is written, or checking the source's end.
    pub(crate) fn wants_source(&self) -> bool {
        match self.source {
            Source::Opening(_) => true,
            Source::Reading(_) => {
                (self.read < self.len && self.pos == self.end) || (self.read == self.len && !self.ended)
            }
        }
    }

    /// One piece of source work (cancel-safe: dropped, it loses nothing). An interrupted
    /// read is tried again at the next step.
    pub(crate) async fn step(&mut self) -> Result<(), PayloadError> {
        match &mut self.source {
            Source::Opening(opening) => {
                let reader = opening.await?;
                self.source = Source::Reading(reader);
            }
            Source::Reading(reader) if self.read < self.len => {
                let buf = self.buf.get_or_insert_with(|| vec![0; CHUNK.min(self.len)].into_boxed_slice());
                let want = buf.len().min(self.len - self.read);
                let n = match reader.read(&mut buf[..want]).await {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
                    r => r?,
                };
                if n == 0 {
                    return Err(PayloadError::TooShort { expected: self.len, read: self.read });
                }
                self.pos = 0;
                self.end = n;
                self.read += n;
            }
            Source::Reading(reader) => {
                let mut probe = [0u8; 1];
                match reader.read(&mut probe).await {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
                    Ok(0) => self.ended = true,
                    Ok(_) => return Err(PayloadError::TooLong { expected: self.len }),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }
}

/// Box the application's opener.
fn boxed<F, Fut, R>(mut open: F) -> Opener
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<R>> + Send + 'static,
    R: AsyncRead + Unpin + Send + 'static,
{
    Box::new(move || {
        let opening = open();
        Box::pin(async move { Ok(Box::new(opening.await?) as Reader) })
    })
}

impl Client {
    /// Publish a payload of `payload_len` bytes read from an [`AsyncRead`] source, without
    /// holding it whole: the driver reads it a chunk at a time (16 KiB) as the connection
    /// takes it. `msg` gives the topic, QoS, retain flag and v5 properties; its `payload` is
    /// not used. Returns once the publish has started, with a token that resolves on
    /// completion (QoS 0 written, PUBACK, PUBCOMP), as [`Client::publish_message`]'s does.
    ///
    /// `open` opens the source, from its start, each time the payload must be read:
    /// here, before the publish starts (an error is returned at once), and again for each
    /// QoS 1 / 2 resend after a reconnect that resumed the session before the broker
    /// acknowledged the publish. It must yield the same `payload_len` bytes each time; it is
    /// kept (and dropped) with the publish. When the reconnect does not resume the session
    /// (MQTT 5.0: Session Present 0), the publish fails with [`Error::SessionLost`] and the
    /// source is not opened again (the client never re-queues a payload it does not hold);
    /// in 3.1.1 a Clean Session 0 client resends whatever Session Present says
    /// [MQTT-4.4.0-1], so the source is opened again. Opening is awaited on the client's task here,
    /// on the driver's task for a resend. Reading is done by the driver, one chunk at a time,
    /// only as the connection takes the bytes; a source that buffers ahead costs what it
    /// buffers (for a file, `smol::Unblock::with_capacity(64 * 1024, std_file)`, not
    /// `smol::fs::File`, which reads up to 8 MiB ahead).
    ///
    /// The source must yield exactly `payload_len` bytes. The last byte is written only once
    /// the source has reported its end, so if it fails, ends early or has more, the packet is
    /// never completed: the connection is closed at once (the broker sees no message), the
    /// token fails with [`Error::Payload`] (the publish is forgotten by the session, not sent
    /// again), and the client reconnects as after any loss, if reconnect is on.
    ///
    /// While the payload is written no other packet goes out (acks and queued publishes wait
    /// behind it), so a slow source delays the connection's other traffic, keep-alive
    /// included. Only one streamed payload is written at a time; this waits while another
    /// is, while messages are queued ahead of it or the broker's receive window is full,
    /// and while a connection is being made; it fails with `Error::Session(NotConnected)`
    /// when the client is disconnected and not reconnecting, and with
    /// `Error::Session(InvalidState)` with a store ([`Options::store`]): a payload the client
    /// does not hold cannot be stored.
    ///
    /// ```no_run
    /// # smol::block_on(async {
    /// use sansmqtt_smol::{Client, Options, Outgoing, QoS};
    /// let client = Client::new(Options::new("mqtt://127.0.0.1:1883")?);
    /// client.connect().await?;
    /// let path = "firmware.bin";
    /// let len = std::fs::metadata(path).map_err(|e| sansmqtt_smol::Error::Payload(e.into()))?.len();
    /// let open = move || async move {
    ///     let file = smol::unblock(move || std::fs::File::open(path)).await?;
    ///     Ok(smol::Unblock::with_capacity(64 * 1024, file))
    /// };
    /// let msg = Outgoing::new("ota/image", b"", QoS::AtLeastOnce);
    /// client.publish_stream(&msg, len as usize, open).await?.wait().await?;
    /// # Ok::<(), sansmqtt_smol::Error>(()) });
    /// ```
    ///
    /// [`Options::store`]: crate::Options::store
    pub async fn publish_stream<F, Fut, R>(
        &self,
        msg: &Outgoing<'_>,
        payload_len: usize,
        open: F,
    ) -> Result<PublishToken, Error>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = io::Result<R>> + Send + 'static,
        R: AsyncRead + Unpin + Send + 'static,
    {
        let mut opener = boxed(open);
        let mut reader = opener().await.map_err(|e| Error::Payload(e.into()))?;
        if payload_len == 0 {
            // An empty payload is complete as soon as the head is written: check first.
            let mut probe = [0u8; 1];
            if reader.read(&mut probe).await.map_err(|e| Error::Payload(e.into()))? > 0 {
                return Err(Error::Payload(PayloadError::TooLong { expected: 0 }));
            }
        }
        let shared = self.shared().clone();
        let mut start = Some((opener, reader));
        loop {
            let listener = shared.changed.listen();
            {
                let mut g = shared.lock();
                g.store.check()?;
                if g.store.on {
                    return Err(Error::Session(sansmqtt_session::Error::InvalidState));
                }
                let busy = g.sources.to_start.is_some();
                let attempt = if busy {
                    Err(sansmqtt_session::Error::InvalidState)
                } else {
                    g.session.publish_streamed(shared.now(), msg, payload_len)
                };
                match attempt {
                    Ok(token) => {
                        g.waiting.insert(token.get(), None);
                        if let Some((opener, reader)) = start.take() {
                            if msg.qos != QoS::AtMostOnce {
                                g.sources.openers.insert(token.get(), opener);
                            }
                            g.sources.to_start = Some((token, payload_len, Some(reader)));
                        }
                        drop(g);
                        shared.driver.notify();
                        return Ok(self.track_publish(token));
                    }
                    Err(
                        sansmqtt_session::Error::QueueFull
                        | sansmqtt_session::Error::InvalidState
                        | sansmqtt_session::Error::NotConnected,
                    ) if g.session.state() != State::Disconnected && !g.done => {
                        g.sources.blocked = true;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            listener.await;
        }
    }
}
