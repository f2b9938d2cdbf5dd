//! A TLS-terminating proxy on loopback: accepts TLS with a test certificate and forwards the
//! plaintext to a broker's listener. Put in front of rumqttd's WebSocket listener it makes a
//! real `wss://` endpoint (Debian's mosquitto has no WebSocket support).

use crate::certs::TestPki;
use futures_lite::io::{copy, split};
use futures_rustls::TlsAcceptor;
use futures_rustls::rustls::ServerConfig;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// Start a proxy that terminates TLS with `pki`'s server certificate (no client
/// certificate asked for) and forwards every connection to `target`; returns where it
/// listens. It runs on its own thread until the test process exits.
pub fn start(target: SocketAddr, pki: &TestPki) -> SocketAddr {
    start_with_versions(target, pki, futures_rustls::rustls::DEFAULT_VERSIONS)
}

/// [`start`] speaking only the TLS `versions` given (e.g. TLS 1.2 alone, which Mosquitto
/// cannot be configured to: its `tls_version tlsv1.2` also allows 1.3).
pub fn start_with_versions(
    target: SocketAddr,
    pki: &TestPki,
    versions: &[&'static futures_rustls::rustls::SupportedProtocolVersion],
) -> SocketAddr {
    let certs = rustls_pemfile::certs(&mut &*std::fs::read(&pki.server_cert).expect("server certificate"))
        .collect::<Result<Vec<_>, _>>()
        .expect("server certificate PEM");
    let key = rustls_pemfile::private_key(&mut &*std::fs::read(&pki.server_key).expect("server key"))
        .expect("server key PEM")
        .expect("a private key");
    let config = ServerConfig::builder_with_protocol_versions(versions)
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("TLS config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind TLS proxy");
    let addr = listener.local_addr().expect("proxy address");
    std::thread::spawn(move || {
        smol::block_on(async move {
            let listener = async_net::TcpListener::try_from(listener).expect("async listener");
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let acceptor = acceptor.clone();
                smol::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let Ok(upstream) = async_net::TcpStream::connect(target).await else { return };
                    let _ = upstream.set_nodelay(true);
                    let (tls_read, tls_write) = split(tls);
                    let up = copy(tls_read, upstream.clone());
                    let down = copy(upstream, tls_write);
                    let _ = futures_lite::future::or(up, down).await;
                })
                .detach();
            }
        });
    });
    addr
}
