//! [`run`]: the TLS engine. One future, polled by the [`TlsTransport`](crate::tls::TlsTransport),
//! that owns every TLS connection from handshake to close.
//!
//! Why a future of its own: `embedded-tls` borrows its two record buffers for the life of a
//! connection, and its reads and writes are not cancel-safe (a record half read or half
//! written when the future is dropped is lost, and the stream with it). Here each connection
//! is a scope inside the engine's loop, so the buffers are borrowed again for every connection
//! and given back when it ends (the borrow checker proves it; [`TlsLink`] counts it); and the
//! engine is never dropped part-way, only left unpolled: a client's cancelled read or write
//! only stops polling it, and the record in flight goes on at the next poll. The client's
//! bytes cross through the link's plaintext queues.

use crate::Transport;
use crate::tls::link::{Phase, Request};
use crate::tls::options::TlsOptions;
use crate::tls::pipe::{Pipe, PipeRef};
use crate::tls::provider::Provider;
use crate::tls::{TlsLink, TlsTransportError};
use core::cell::RefCell;
use core::convert::Infallible;
use embassy_futures::select::{Either, select};
use embassy_time::with_timeout;
use embedded_io_async::Error as _;
use embedded_tls::{
    Aes128GcmSha256, CryptoRngCore, FlushPolicy, TlsClock, TlsConfig, TlsConnection, TlsContext, TlsError,
};

/// Plaintext moved per step between the link's queues and the TLS connection.
const CHUNK: usize = 256;

/// The engine: serves the [`TlsTransport`](crate::tls::TlsTransport) made from the same
/// `link`, opening a TLS 1.3 connection over `transport` (its `connect` and `close` per
/// connection) whenever the client connects. Never completes; pin it and give it to
/// [`TlsTransport::new`](crate::tls::TlsTransport::new).
///
/// `read_record` holds one received TLS record: 16,640 bytes is the most a broker may send
/// (2^14 of plaintext plus overhead); a smaller buffer fails on larger records. `write_record`
/// holds one record the client sends (more than 128 bytes of overhead; 1 KB or more is
/// typical, the record plaintext is its size less 128 bytes). Both are lent to each connection
/// and come back when it ends. `rng` must be a cryptographically secure random source (the
/// chip's TRNG).
pub async fn run<T, R, C, const N: usize>(
    link: &TlsLink<N>,
    mut transport: T,
    options: &TlsOptions<'_, C>,
    mut rng: R,
    read_record: &mut [u8],
    write_record: &mut [u8],
) -> Infallible
where
    T: Transport,
    R: CryptoRngCore,
    C: TlsClock,
{
    loop {
        link.connect_requested().await;
        link.reset_queues();
        link.failure.set(None);
        link.phase.set(Phase::Connecting);
        let one = connection(link, &mut transport, options, &mut rng, read_record, write_record);
        let outcome = match select(one, link.abort_requested()).await {
            Either::First(outcome) => outcome,
            // Dropped part-way on purpose: nothing of this connection is used again.
            Either::Second(()) => Ok(()),
        };
        link.failure.set(outcome.err());
        link.phase.set(Phase::Closing);
        transport.close().await;
        link.request.set(Request::None);
        link.sending.set(false);
        link.phase.set(Phase::Idle);
    }
}

/// One connection, from the stream's connect to the TLS close. `Ok` when it ended by a close
/// (either side's) or the end of the stream.
async fn connection<T, R, C, const N: usize>(
    link: &TlsLink<N>,
    transport: &mut T,
    options: &TlsOptions<'_, C>,
    rng: &mut R,
    read_record: &mut [u8],
    write_record: &mut [u8],
) -> Result<(), TlsTransportError>
where
    T: Transport,
    R: CryptoRngCore,
    C: TlsClock,
{
    transport.connect().await.map_err(|e| TlsTransportError::Io(e.kind()))?;
    let pipe = RefCell::new(Pipe::new(transport));
    // Declared before the connection: counts the buffers back after it is dropped.
    let _lease = link.lend();
    let mut tls: TlsConnection<'_, _, Aes128GcmSha256> =
        TlsConnection::new(PipeRef(&pipe), read_record, write_record);
    // A write goes out when the engine flushes the record; the stream's own flush (embassy-net:
    // wait for the ACK) only at close.
    tls.set_flush_policy(FlushPolicy::Relaxed);
    let mut config = TlsConfig::new().with_server_name(options.server_name);
    if let Some(alpn) = options.alpn {
        config = config.with_alpn(alpn);
    }
    let mut provider = Provider::new(options, rng);
    tls.open(TlsContext::new(&config, &mut provider)).await.map_err(TlsTransportError::from_tls)?;
    if !provider.authenticated() {
        // The handshake ended without the server's Certificate and CertificateVerify (which
        // `embedded-tls` 0.19 does not require): nothing of ours is sent over it.
        return Err(TlsTransportError::Tls(TlsError::InvalidCertificate));
    }
    if let Ok(mut p) = pipe.try_borrow_mut() {
        p.nonblocking = true;
    }
    link.phase.set(Phase::Up);
    let mut chunk = [0u8; CHUNK];
    loop {
        // Close once everything the client queued is sent (its DISCONNECT above all).
        if link.request.get() == Request::Close && link.tx_len() == 0 {
            link.phase.set(Phase::Closing);
            // close_notify, after what `tls` still buffers; bounded (a broker that stops
            // reading cannot hold it; the transport's own close timeout bounds the rest).
            let _ = with_timeout(options.close_timeout, tls.close()).await;
            return Ok(());
        }
        let n = link.pop_tx(&mut chunk);
        if n > 0 {
            link.sending.set(true);
            let mut pending = chunk.get(..n).unwrap_or_default();
            while !pending.is_empty() {
                let written = tls.write(pending).await.map_err(TlsTransportError::from_tls)?;
                if written == 0 {
                    return Err(TlsTransportError::Io(embedded_io_async::ErrorKind::WriteZero));
                }
                pending = pending.get(written..).unwrap_or_default();
            }
            if link.tx_len() == 0 {
                tls.flush().await.map_err(TlsTransportError::from_tls)?;
            }
            link.sending.set(false);
            continue;
        }
        let room = link.rx_room().min(CHUNK);
        if room > 0 {
            match tls.read(chunk.get_mut(..room).unwrap_or_default()).await {
                Ok(n) => {
                    link.push_rx(chunk.get(..n).unwrap_or_default());
                    continue;
                }
                Err(e) => {
                    let (would_block, eof) = match pipe.try_borrow_mut() {
                        Ok(mut p) => (core::mem::take(&mut p.would_block), p.eof),
                        Err(_) => (false, false),
                    };
                    if eof || matches!(e, TlsError::ConnectionClosed) {
                        // The broker closed (close_notify, or the stream ended).
                        return Ok(());
                    }
                    if !would_block {
                        return Err(TlsTransportError::from_tls(e));
                    }
                }
            }
        }
        // Nothing to send, nothing received yet: wait for the broker's next bytes (read
        // ahead, not into TLS) or for the client.
        // The borrow lives while waiting: nothing else touches the pipe meanwhile (see pipe.rs).
        #[allow(clippy::await_holding_refcell_ref)]
        let arrived = async {
            match pipe.try_borrow_mut() {
                Ok(mut p) if room > 0 => p.fill().await,
                Ok(_) => core::future::pending().await,
                Err(_) => Err(embedded_io_async::ErrorKind::Other),
            }
        };
        match select(arrived, link.work(room == 0)).await {
            Either::First(Ok(0)) => return Ok(()),
            Either::First(Err(kind)) => return Err(TlsTransportError::Io(kind)),
            Either::First(Ok(_)) | Either::Second(()) => {}
        }
    }
}
