//! TLS test support: a Mosquitto with a TLS 1.3 listener and certificates made by the test,
//! DER from the PEM files, the loopback TCP connector, and a macro that assembles link, engine,
//! transport and client.

use std::net::SocketAddr;

use sansmqtt_embassy::Connector;
use sansmqtt_tests::certs::TestPki;
use sansmqtt_tests::mosquitto::Mosquitto;

pub use super::Loopback;

/// A Mosquitto whose only listener is TLS 1.3 with `pki`'s server certificate; asking for a
/// client certificate signed by `pki`'s CA when `mutual`.
pub fn tls_broker(name: &str, pki: &TestPki, mutual: bool) -> Option<Mosquitto> {
    let conf = format!(
        "tls_version tlsv1.3\ncafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {mutual}\n",
        pki.ca.display(),
        pki.server_cert.display(),
        pki.server_key.display()
    );
    Mosquitto::start(name, &conf)
}

/// The first certificate of a PEM file, as DER.
pub fn cert_der(path: &std::path::Path) -> Vec<u8> {
    let pem = std::fs::read(path).expect("read PEM");
    let cert = rustls_pemfile::certs(&mut &pem[..]).next().expect("a certificate").expect("PEM");
    cert.to_vec()
}

/// The private key of a PEM file, as DER (PKCS#8 from rcgen).
pub fn key_der(path: &std::path::Path) -> Vec<u8> {
    let pem = std::fs::read(path).expect("read PEM");
    let key = rustls_pemfile::private_key(&mut &pem[..]).expect("PEM").expect("a key");
    key.secret_der().to_vec()
}

/// `tls_client!(client, link, addr, options, config, tx)`: a `Client` named `client` over TLS to
/// `addr` (a `TlsLink<512>` named `link`, 16,640 / 2,048-byte record buffers on the heap);
/// `tls_client!(choppy: ...)` the same over a [`Choppy`] stream.
#[macro_export]
macro_rules! tls_client {
    (choppy: $client:ident, $link:ident, $addr:expr, $options:expr, $config:expr, $tx:expr) => {
        $crate::tls_client!(@ $client, $link, $crate::common::tls::Choppy($crate::common::tls::Loopback($addr)), $options, $config, $tx);
    };
    ($client:ident, $link:ident, $addr:expr, $options:expr, $config:expr, $tx:expr) => {
        $crate::tls_client!(@ $client, $link, $crate::common::tls::Loopback($addr), $options, $config, $tx);
    };
    (@ $client:ident, $link:ident, $connector:expr, $options:expr, $config:expr, $tx:expr) => {
        let mut read_record = vec![0u8; 16_640];
        let mut write_record = vec![0u8; 2048];
        let $link = sansmqtt_embassy::tls::TlsLink::<512>::new();
        let tcp = sansmqtt_embassy::Dial::new($connector);
        let engine = std::pin::pin!(sansmqtt_embassy::tls::run(
            &$link,
            tcp,
            $options,
            rand_core::OsRng,
            &mut read_record,
            &mut write_record
        ));
        let transport = sansmqtt_embassy::tls::TlsTransport::new(&$link, engine);
        let mut $client = sansmqtt_embassy::Client::new(
            sansmqtt_embassy::sansmqtt_session::Session::new($config),
            transport,
            $tx,
        );
    };
}

/// A stream that gives up at most 7 bytes per read and takes at most 5 per write, and makes
/// every read and write wait once (a wake-up right away) before it does anything: TLS records
/// arrive and leave in many pieces, with a place to cancel before each.
pub struct Choppy<C>(pub C);

/// [`Choppy`]'s stream.
pub struct ChoppyIo<I> {
    io: I,
    yielded: bool,
}

impl<C: Connector> Connector for Choppy<C> {
    type Io = ChoppyIo<C::Io>;

    async fn connect(&mut self) -> Result<Self::Io, <C::Io as embedded_io_async::ErrorType>::Error> {
        Ok(ChoppyIo { io: self.0.connect().await?, yielded: false })
    }
}

impl<I> ChoppyIo<I> {
    /// Wait once (woken at once), then go on: a cancellation point before each operation.
    async fn pause(&mut self) {
        std::future::poll_fn(|cx| {
            let was = self.yielded;
            self.yielded = !was;
            if was {
                std::task::Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
    }
}

impl<I: embedded_io_async::ErrorType> embedded_io_async::ErrorType for ChoppyIo<I> {
    type Error = I::Error;
}

impl<I: embedded_io_async::Read> embedded_io_async::Read for ChoppyIo<I> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, I::Error> {
        self.pause().await;
        let n = buf.len().min(7);
        self.io.read(&mut buf[..n]).await
    }
}

impl<I: embedded_io_async::Write> embedded_io_async::Write for ChoppyIo<I> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, I::Error> {
        self.pause().await;
        let n = buf.len().min(5);
        self.io.write(&buf[..n]).await
    }

    async fn flush(&mut self) -> Result<(), I::Error> {
        self.io.flush().await
    }
}

/// A session configuration for the TLS tests: no reconnecting (a refusal ends `connect`).
pub fn config(
    version: sansmqtt_proto::ProtocolVersion,
    id: &str,
) -> sansmqtt_embassy::sansmqtt_session::Config {
    let mut config = sansmqtt_embassy::sansmqtt_session::Config::new(version, id);
    config.max_packet_size = 4096;
    config.reconnect = None;
    config.connect_timeout = std::time::Duration::from_secs(10);
    config
}

/// Connect once with `options` (MQTT 5.0, reconnecting off), then disconnect: the transport's
/// error if the connection was refused. The record buffers are back afterwards either way.
pub fn attempt<C: sansmqtt_embassy::tls::TlsClock>(
    broker: SocketAddr,
    options: &sansmqtt_embassy::tls::TlsOptions<'_, C>,
    id: &str,
) -> Result<(), sansmqtt_embassy::tls::TlsTransportError> {
    use sansmqtt_embassy::Error;
    use sansmqtt_embassy::sansmqtt_session::DisconnectReason;
    let mut tx = [0u8; 512];
    crate::tls_client!(
        client,
        link,
        broker,
        options,
        config(sansmqtt_proto::ProtocolVersion::V5, id),
        &mut tx
    );
    let result = crate::common::block_on(async {
        match client.connect(|_| {}).await {
            Ok(_) => {
                client.disconnect(|_| {}).await.expect("disconnect");
                Ok(())
            }
            Err(Error::Connect(DisconnectReason::Transport(_))) => {
                Err(client.take_transport_error().expect("the transport's error is kept"))
            }
            Err(e) => panic!("{id}: not a transport failure: {e:?}"),
        }
    });
    assert_eq!(link.buffers_lent(), link.buffers_returned(), "{id}: buffers back after the attempt");
    result
}

/// `r` is a refusal by the TLS layer (the broker's certificate did not check out).
pub fn assert_certificate_refused(r: Result<(), sansmqtt_embassy::tls::TlsTransportError>, what: &str) {
    match r {
        Err(sansmqtt_embassy::tls::TlsTransportError::Tls(e)) => eprintln!("{what}: refused with {e:?}"),
        other => panic!("{what}: expected a TLS refusal, got {other:?}"),
    }
}

/// A stream whose reads stop once a byte budget shared with the test runs out (a broker that
/// goes silent in the middle of a record), until the test gives more; `-1` is no budget. A read
/// waiting for budget is not woken when it comes: the next poll sees it.
pub struct Stalling<C>(pub C, pub std::sync::Arc<std::sync::atomic::AtomicIsize>);

/// [`Stalling`]'s stream.
pub struct StallingIo<I> {
    io: I,
    budget: std::sync::Arc<std::sync::atomic::AtomicIsize>,
}

impl<C: Connector> Connector for Stalling<C> {
    type Io = StallingIo<C::Io>;

    async fn connect(&mut self) -> Result<Self::Io, <C::Io as embedded_io_async::ErrorType>::Error> {
        Ok(StallingIo { io: self.0.connect().await?, budget: self.1.clone() })
    }
}

impl<I: embedded_io_async::ErrorType> embedded_io_async::ErrorType for StallingIo<I> {
    type Error = I::Error;
}

impl<I: embedded_io_async::Read> embedded_io_async::Read for StallingIo<I> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, I::Error> {
        use std::sync::atomic::Ordering;
        // Out of budget: wait (without a wake-up) until the test gives more.
        let budget = std::future::poll_fn(|_| match self.budget.load(Ordering::SeqCst) {
            0 => std::task::Poll::Pending,
            b => std::task::Poll::Ready(b),
        })
        .await;
        let len = if budget < 0 { buf.len() } else { buf.len().min(budget as usize) };
        let n = self.io.read(&mut buf[..len]).await?;
        if budget > 0 {
            self.budget.fetch_sub(n as isize, Ordering::SeqCst);
        }
        Ok(n)
    }
}

impl<I: embedded_io_async::Write> embedded_io_async::Write for StallingIo<I> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, I::Error> {
        self.io.write(buf).await
    }

    async fn flush(&mut self) -> Result<(), I::Error> {
        self.io.flush().await
    }
}
