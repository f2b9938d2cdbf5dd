//! TLS against Mosquitto with certificates made by the test (server verification, mutual
//! TLS, a wrong CA refused), WebSocket against the in-process rumqttd's listener, and
//! WebSocket over TLS (`wss://`) through a TLS-terminating proxy in front of that listener.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, DisconnectReason, Error, Event, Options, TlsOptions};
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
        assert!(matches!(err, Error::Connect(DisconnectReason::TransportClosed, _)), "{err:?}");
        // No client certificate: the broker requires one.
        let tls = TlsOptions::new().ca_file(&pki.ca).unwrap();
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-anon").tls(tls));
        let err = client.connect().await.expect_err("client certificate required");
        assert!(matches!(err, Error::Connect(..)), "{err:?}");
        // A CA that did not sign the server certificate: refused by the client.
        let other = TestPki::generate("other");
        let tls =
            TlsOptions::new().ca_file(&other.ca).unwrap().client_auth_pem(&client_cert, &client_key).unwrap();
        let client = Client::new(Options::new(&url).unwrap().client_id("tls-wrong-ca").tls(tls));
        let err = client.connect().await.expect_err("unknown issuer");
        assert!(matches!(err, Error::Connect(DisconnectReason::TransportClosed, _)), "{err:?}");
    });
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
        assert!(matches!(err, Error::Connect(DisconnectReason::TransportClosed, _)), "{err:?}");
    });
}
