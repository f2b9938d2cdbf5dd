//! TLS against Mosquitto with certificates made by the test (server verification, mutual
//! TLS, a wrong CA refused), WebSocket against the in-process rumqttd's listener, and
//! WebSocket over TLS (`wss://`) through a TLS-terminating proxy in front of that listener.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::sansmqtt_session::TransportError;
use sansmqtt_smol::{Client, Error, Event, Options, TlsOptions};
use sansmqtt_tests::certs::TestPki;
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::rumqttd::{self, Listener};
use sansmqtt_tests::smol::{expect, run};
use sansmqtt_tests::tls_proxy;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

async fn roundtrip(client: &Client, topic: &str) {
    let mut events = client.events();
    client.subscribe(topic, QoS::AtLeastOnce).unwrap().wait().await.unwrap();
    client.publish(topic, "over the wire", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
    let Event::Message(m) = expect(&mut events, "message", |e| matches!(e, Event::Message(_))).await else {
        unreachable!()
    };
    assert_eq!((m.topic.as_str(), m.payload.as_slice()), (topic, &b"over the wire"[..]));
}

#[test]
fn mutual_tls_against_mosquitto() {
    let pki = TestPki::generate("mtls");
    let conf = format!(
        "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\n",
        pki.ca.display(),
        pki.server_cert.display(),
        pki.server_key.display()
    );
    let Some(broker) = Mosquitto::start("smol-tls", &conf) else { return };
    let url = format!("mqtts://127.0.0.1:{}", broker.addr.port());
    let client_cert = std::fs::read(&pki.client_cert).unwrap();
    let client_key = std::fs::read(&pki.client_key).unwrap();
    run(LIMIT, async {
        // Our CA and a client certificate (mutual TLS).
        let mutual = || {
            TlsOptions::new().ca_file(&pki.ca).unwrap().client_auth_pem(&client_cert, &client_key).unwrap()
        };
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let tls = mutual();
            let client = Client::new(Options::new(&url).unwrap().version(v).client_id("tls-ok").tls(tls));
            client.connect().await.expect("mutual TLS");
            roundtrip(&client, "tls/roundtrip").await;
            client.disconnect().await.unwrap();
        }
        // The certificate verified against an explicit server name, with ALPN offered.
        let tls = mutual().server_name("localhost").alpn(&["mqtt"]);
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-named").tls(tls));
        client.connect().await.expect("server name override");
        client.disconnect().await.unwrap();
        let tls = mutual().server_name("not-the-server.example");
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-misnamed").tls(tls));
        let err = client.connect().await.expect_err("the certificate does not name this server");
        assert_tls_failure(&err, "NotValidForName");
        // No client certificate: the broker requires one.
        let tls = TlsOptions::new().ca_file(&pki.ca).unwrap();
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-anon").tls(tls));
        let err = client.connect().await.expect_err("client certificate required");
        assert_tls_failure(&err, "CertificateRequired"); // The broker's alert.
        // A CA that did not sign the server certificate: refused by the client.
        let other = TestPki::generate("other");
        let tls =
            TlsOptions::new().ca_file(&other.ca).unwrap().client_auth_pem(&client_cert, &client_key).unwrap();
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-wrong-ca").tls(tls));
        let err = client.connect().await.expect_err("unknown issuer");
        assert_tls_failure(&err, "UnknownIssuer");
    });
}

/// A TLS failure reaches the application as `Error::Transport` of kind `Tls`, whose source
/// chain holds the rustls error naming the certificate problem.
fn assert_tls_failure(err: &Error, what: &str) {
    let Error::Transport(f) = err else { panic!("expected a transport error, got {err:?}") };
    assert_eq!(f.kind(), TransportError::Tls, "{err:?}");
    let rustls = f.io_error().get_ref().and_then(|e| e.downcast_ref::<futures_rustls::rustls::Error>());
    assert!(format!("{rustls:?}").contains(what), "{rustls:?} names {what}");
    assert!(std::error::Error::source(err).is_some(), "the chain starts at the I/O error");
}

#[test]
fn bad_tls_material_is_a_typed_error() {
    assert!(matches!(TlsOptions::new().ca_pem(b"not a certificate"), Err(Error::Tls(_))));
    assert!(matches!(TlsOptions::new().client_auth_pem(b"", b""), Err(Error::Tls(_))));
}

#[test]
fn websocket_against_rumqttd() {
    let addr = rumqttd::start_listener(Listener::WebSocket);
    run(LIMIT, async {
        let options = Options::new(&format!("ws://{addr}/mqtt"))
            .unwrap()
            .version(ProtocolVersion::V3_1_1)
            .client_id("ws-client");
        let client = Client::new(options);
        client.connect().await.expect("WebSocket connect");
        roundtrip(&client, "ws/roundtrip").await;
        client.disconnect().await.unwrap();
    });
}

#[test]
fn websocket_over_tls_against_rumqttd_behind_a_tls_proxy() {
    let pki = TestPki::generate("wss");
    let proxy = tls_proxy::start(rumqttd::start_listener(Listener::WebSocket), &pki);
    let url = format!("wss://127.0.0.1:{}/mqtt", proxy.port());
    run(LIMIT, async {
        let tls = TlsOptions::new().ca_file(&pki.ca).unwrap();
        let options =
            Options::new(&url).unwrap().version(ProtocolVersion::V3_1_1).client_id("wss-client").tls(tls);
        let client = Client::new(options);
        client.connect().await.expect("WebSocket over TLS");
        roundtrip(&client, "wss/roundtrip").await;
        client.disconnect().await.unwrap();
        // The same endpoint with a CA that did not sign its certificate: refused.
        let other = TestPki::generate("wss-other");
        let tls = TlsOptions::new().ca_file(&other.ca).unwrap();
        let client = Client::new(Options::new(&url).unwrap().client_id("wss-wrong-ca").tls(tls));
        let err = client.connect().await.expect_err("unknown issuer");
        assert_tls_failure(&err, "UnknownIssuer");
    });
}

/// A host name that does not resolve and a WebSocket upgrade refused with 404 are named as
/// such, with the resolver's error and the HTTP status in the source chain.
#[test]
fn unknown_host_and_a_refused_websocket_upgrade_are_named() {
    use std::io::{Read, Write};
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = http.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in http.incoming().take(1) {
            let mut s = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = s.read(&mut request);
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
    });
    run(LIMIT, async {
        let client = Client::new(Options::new("mqtt://no-such-host.invalid:1883").unwrap().client_id("dns"));
        let err = client.connect().await.expect_err("the name does not resolve");
        let Error::Transport(f) = &err else { panic!("{err:?}") };
        assert_eq!(f.kind(), TransportError::HostNotFound, "{err:?}");
        assert!(err.to_string().contains("no-such-host.invalid"), "{err}");

        let url = format!("ws://127.0.0.1:{port}/mqtt");
        let client = Client::new(Options::new(&url).unwrap().client_id("ws-404"));
        let err = client.connect().await.expect_err("the upgrade is refused");
        let Error::Transport(f) = &err else { panic!("{err:?}") };
        assert_eq!(f.kind(), TransportError::WebSocket, "{err:?}");
        let ws =
            f.io_error().get_ref().and_then(|e| e.downcast_ref::<async_tungstenite::tungstenite::Error>());
        let Some(async_tungstenite::tungstenite::Error::Http(response)) = ws else { panic!("{ws:?}") };
        assert_eq!(response.status().as_u16(), 404);
    });
}
