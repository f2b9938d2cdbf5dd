//! Every `RequestToken::wait` ends: when the connection is lost before the acknowledgement
//! and the session will not send the request again (automatic reconnect off, a graceful
//! disconnect, or a new connection that did not resume the session), the wait returns an
//! error instead of hanging. A scripted fake broker (a plain `TcpListener`) answers CONNECT
//! with CONNACK, then drops the connection at the point under test. The 10 s limit of each
//! test is a guard against a hang, not a timing assertion.

use sansmqtt_proto::ProtocolVersion;
use sansmqtt_smol::sansmqtt_session::TransportError;
use sansmqtt_smol::{Client, DisconnectReason, Error, QoS};
use sansmqtt_tests::fake::{connack, read_packet};
use sansmqtt_tests::smol::{options, run};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const GUARD: Duration = Duration::from_secs(10);

/// Read packets until one of type `kind` (the high nibble of its first byte) arrives.
fn read_until(s: &mut TcpStream, kind: u8) -> Option<Vec<u8>> {
    loop {
        let p = read_packet(s)?;
        if p[0] >> 4 == kind {
            return Some(p);
        }
    }
}

/// A broker whose `n`-th connection (from 0) runs `script(n, stream)`; the connection is
/// closed when the script returns. Serves `connections` connections, then stops.
fn scripted(connections: usize, script: impl Fn(usize, &mut TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for n in 0..connections {
            let Ok((mut s, _)) = listener.accept() else { return };
            let _ = s.set_read_timeout(Some(GUARD));
            script(n, &mut s);
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    });
    addr
}

/// CONNECT in, CONNACK out.
fn accept_connect(s: &mut TcpStream, v: ProtocolVersion) -> bool {
    read_until(s, 1).is_some() && s.write_all(&connack(v)).is_ok()
}

/// The wait ended because the transport closed, with the transport's error attached.
fn assert_lost<T: std::fmt::Debug>(v: ProtocolVersion, what: &str, got: Result<T, Error>) {
    match got {
        Err(Error::ConnectionLost(DisconnectReason::Transport(TransportError::Closed), Some(cause))) => {
            assert_eq!(cause.io_error().kind(), std::io::ErrorKind::UnexpectedEof, "{v} {what}: {cause}");
        }
        other => panic!("{v} {what}: expected ConnectionLost(Transport(Closed), Some(EOF)), got {other:?}"),
    }
}

#[test]
fn a_qos1_publish_whose_puback_never_comes_fails_when_the_connection_drops() {
    for v in VERSIONS {
        let addr = scripted(1, move |_, s| {
            if accept_connect(s, v) {
                read_until(s, 3); // the PUBLISH, then drop without PUBACK
            }
        });
        let got = run(GUARD, async {
            let client = Client::new(options(addr, v, "wait-puback").reconnect(None));
            client.connect().await.expect("connect");
            let token = client.publish("t", "x", QoS::AtLeastOnce, false).await.expect("queued");
            token.wait().await
        });
        assert_lost(v, "QoS 1 publish", got);
    }
}

#[test]
fn a_qos2_publish_whose_pubcomp_never_comes_fails_when_the_connection_drops() {
    for v in VERSIONS {
        let addr = scripted(1, move |_, s| {
            if accept_connect(s, v)
                && let Some(p) = read_until(s, 3)
            {
                // PUBREC for the PUBLISH's packet id (after the topic "t": 2 + 1 bytes),
                // then drop once PUBREL arrives, without PUBCOMP.
                let id = [p[2 + 2 + 1], p[2 + 2 + 2]];
                let pubrec = [0x50, 0x02, id[0], id[1]];
                if s.write_all(&pubrec).is_ok() {
                    read_until(s, 6);
                }
            }
        });
        let got = run(GUARD, async {
            let client = Client::new(options(addr, v, "wait-pubcomp").reconnect(None));
            client.connect().await.expect("connect");
            let token = client.publish("t", "x", QoS::ExactlyOnce, false).await.expect("queued");
            token.wait().await
        });
        assert_lost(v, "QoS 2 publish", got);
    }
}

#[test]
fn a_subscribe_whose_suback_never_comes_fails_when_the_connection_drops() {
    for v in VERSIONS {
        let addr = scripted(1, move |_, s| {
            if accept_connect(s, v) {
                read_until(s, 8); // the SUBSCRIBE, then drop without SUBACK
            }
        });
        let got = run(GUARD, async {
            let client = Client::new(options(addr, v, "wait-suback").reconnect(None));
            client.connect().await.expect("connect");
            client.subscribe("a/#", QoS::AtLeastOnce).expect("queued").wait().await
        });
        assert_lost(v, "subscribe", got);
    }
}

#[test]
fn an_unsubscribe_whose_unsuback_never_comes_fails_on_a_graceful_disconnect() {
    for v in VERSIONS {
        let addr = scripted(1, move |_, s| {
            if accept_connect(s, v) {
                read_until(s, 14); // wait for DISCONNECT; UNSUBSCRIBE goes unanswered
            }
        });
        let got = run(GUARD, async {
            let client = Client::new(options(addr, v, "wait-unsuback").reconnect(None));
            client.connect().await.expect("connect");
            let token = client.unsubscribe(&["a/#"]).expect("queued");
            client.disconnect().await.expect("disconnect");
            token.wait().await
        });
        assert!(matches!(got, Err(Error::ConnectionLost(DisconnectReason::ByClient, None))), "{v}: {got:?}");
    }
}

#[test]
fn with_reconnect_a_publish_the_new_session_did_not_resume_fails_as_session_lost() {
    // 5.0: a new session (Session Present 0) discards the unacknowledged publish
    // [MQTT-3.2.2-5]: handed back as SessionLost. (3.1.1 re-sends it whatever Session Present
    // says [MQTT-4.4.0-1]: the next test.)
    let v = ProtocolVersion::V5;
    // First connection: drop before PUBACK. Second: a new session, then stay until the client
    // leaves.
    let addr = scripted(2, move |n, s| {
        if accept_connect(s, v) {
            read_until(s, if n == 0 { 3 } else { 14 });
        }
    });
    let got = run(GUARD, async {
        let client = Client::new(options(addr, v, "wait-resume").clean_start(false).session_expiry(60));
        client.connect().await.expect("connect");
        let token = client.publish("t", "x", QoS::AtLeastOnce, false).await.expect("queued");
        let got = token.wait().await;
        client.disconnect().await.expect("disconnect");
        got
    });
    assert!(matches!(got, Err(Error::SessionLost)), "{v}: {got:?}");
}

#[test]
fn v311_with_reconnect_a_publish_is_sent_again_and_completes_even_without_the_session() {
    let v = ProtocolVersion::V3_1_1;
    // First connection: drop before PUBACK. Second: Session Present 0, the resent PUBLISH
    // (packet id 1) acknowledged.
    let addr = scripted(2, move |n, s| {
        if accept_connect(s, v) {
            read_until(s, 3);
            if n == 1 {
                let _ = s.write_all(&[0x40, 0x02, 0x00, 0x01]);
                read_until(s, 14);
            }
        }
    });
    let got = run(GUARD, async {
        let client = Client::new(options(addr, v, "wait-resume-311").clean_start(false));
        client.connect().await.expect("connect");
        let token = client.publish("t", "x", QoS::AtLeastOnce, false).await.expect("queued");
        let got = token.wait().await;
        client.disconnect().await.expect("disconnect");
        got
    });
    assert!(matches!(got, Ok(sansmqtt_smol::ReasonCode::Success)), "{v}: {got:?}");
}
