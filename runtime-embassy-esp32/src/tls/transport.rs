//! [`TlsTransport`]: the client's [`Transport`](crate::Transport) over the TLS engine.

use crate::tls::link::{Phase, Request};
use crate::tls::{TlsLink, TlsTransportError};
use core::convert::Infallible;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll};
use embassy_time::{Duration, with_timeout};
use embedded_io_async::{ErrorType, Read, Write};

/// A TLS 1.3 [`Transport`](crate::Transport): hands the client's bytes to the engine
/// ([`run`](crate::tls::run)) through the [`TlsLink`] and drives the engine while it waits.
///
/// Cancel-safe as the client requires: `write` only queues bytes (it returns as soon as some
/// are queued), `read` only takes received plaintext from the queue, and `connect` / `close`
/// only ask the engine and wait; dropping any of them part-way leaves the engine where it was,
/// and the engine finishes whatever record it was reading or writing when next polled.
///
/// How the three pieces are put together: the [module](crate::tls) example.
pub struct TlsTransport<'l, E, const N: usize = 512> {
    link: &'l TlsLink<N>,
    engine: Pin<&'l mut E>,
    close_timeout: Duration,
}

impl<E, const N: usize> core::fmt::Debug for TlsTransport<'_, E, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsTransport").field("link", self.link).finish_non_exhaustive()
    }
}

impl<'l, E: Future<Output = Infallible>, const N: usize> TlsTransport<'l, E, N> {
    /// The transport over `engine`, which must be [`run`](crate::tls::run) on the same `link`.
    /// `close` waits at most 3 s for a graceful close before dropping the connection.
    pub fn new(link: &'l TlsLink<N>, engine: Pin<&'l mut E>) -> Self {
        Self { link, engine, close_timeout: Duration::from_secs(3) }
    }

    /// How long `close` waits for the engine's graceful close (close_notify, then the
    /// stream's close) before dropping the connection.
    #[must_use]
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// The shared state (phase, buffer counts).
    pub fn link(&self) -> &'l TlsLink<N> {
        self.link
    }

    /// Let the engine run as far as it can (it never completes).
    fn drive(&mut self, cx: &mut Context<'_>) {
        let _ = self.engine.as_mut().poll(cx);
    }

    /// Drive the engine until no connection is open or closing. (A close or abort asked for
    /// meanwhile is void once the engine is idle: it may have finished just before the ask.)
    async fn wait_idle(&mut self) {
        poll_fn(|cx| {
            self.drive(cx);
            if self.link.phase.get() != Phase::Idle {
                return Poll::Pending;
            }
            if matches!(self.link.request.get(), Request::Close | Request::Abort) {
                self.link.request.set(Request::None);
            }
            Poll::Ready(())
        })
        .await;
    }

    /// The failure of the connection that ended, or `fallback`.
    fn failure_or(&self, fallback: TlsTransportError) -> TlsTransportError {
        self.link.failure.take().unwrap_or(fallback)
    }
}

impl<E, const N: usize> ErrorType for TlsTransport<'_, E, N> {
    type Error = TlsTransportError;
}

impl<E: Future<Output = Infallible>, const N: usize> Read for TlsTransport<'_, E, N> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TlsTransportError> {
        poll_fn(|cx| {
            self.drive(cx);
            let n = self.link.pop_rx(buf);
            if n > 0 || buf.is_empty() {
                return Poll::Ready(Ok(n));
            }
            match self.link.phase.get() {
                Phase::Up => Poll::Pending,
                Phase::Connecting => Poll::Ready(Err(TlsTransportError::NotConnected)),
                // The connection ended: its failure, or the end of the stream.
                Phase::Idle | Phase::Closing => Poll::Ready(self.link.failure.take().map_or(Ok(0), Err)),
            }
        })
        .await
    }
}

impl<E: Future<Output = Infallible>, const N: usize> Write for TlsTransport<'_, E, N> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, TlsTransportError> {
        poll_fn(|cx| {
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            for _ in 0..2 {
                if self.link.phase.get() != Phase::Up {
                    return Poll::Ready(Err(self.failure_or(TlsTransportError::NotConnected)));
                }
                let n = self.link.push_tx(buf);
                // Start sending at once (or, when the queue was full, make room).
                self.drive(cx);
                if n > 0 {
                    return Poll::Ready(Ok(n));
                }
            }
            Poll::Pending
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), TlsTransportError> {
        poll_fn(|cx| {
            self.drive(cx);
            if self.link.phase.get() != Phase::Up {
                return Poll::Ready(Err(self.failure_or(TlsTransportError::NotConnected)));
            }
            if self.link.tx_len() == 0 && !self.link.sending.get() {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl<E: Future<Output = Infallible>, const N: usize> crate::Transport for TlsTransport<'_, E, N> {
    async fn connect(&mut self) -> Result<(), TlsTransportError> {
        self.close().await;
        self.link.failure.set(None);
        self.link.request.set(Request::Connect);
        poll_fn(|cx| {
            self.drive(cx);
            match self.link.phase.get() {
                Phase::Up => Poll::Ready(Ok(())),
                Phase::Idle if self.link.request.get() == Request::None => Poll::Ready(Err(
                    self.failure_or(TlsTransportError::Io(embedded_io_async::ErrorKind::Other))
                )),
                _ => Poll::Pending,
            }
        })
        .await
    }

    async fn close(&mut self) {
        match (self.link.phase.get(), self.link.request.get()) {
            (Phase::Idle, Request::Connect) => {
                self.link.request.set(Request::None);
                return;
            }
            (Phase::Idle, _) => return,
            (Phase::Connecting, _) => self.link.request.set(Request::Abort),
            (Phase::Up, _) => self.link.request.set(Request::Close),
            (Phase::Closing, _) => {}
        }
        if with_timeout(self.close_timeout, self.wait_idle()).await.is_err()
            && self.link.phase.get() != Phase::Idle
        {
            self.link.request.set(Request::Abort);
            self.wait_idle().await;
        }
    }
}
