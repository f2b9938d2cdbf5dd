//! TLS 1.3 (`embedded-tls`, feature `tls`) against Mosquitto's TLS 1.3 listener with
//! certificates the test makes: the whole flow for 3.1.1 and 5.0 with the server checked
//! (and with mutual TLS), a wrong CA, a wrong host name and a missing client certificate
//! refused, and `danger_accept_any_certificate` as the only way past a wrong CA.
mod common;

use std::time::Duration;

use common::flow::{check_messages, flow};
use common::tls::{assert_certificate_refused, attempt, cert_der, config, key_der, tls_broker};
use common::{Ev, block_on, run_limited};
use sansmqtt_embassy::sansmqtt_session::DisconnectReason;
use sansmqtt_embassy::tls::TlsOptions;
use sansmqtt_proto::ProtocolVersion;
use sansmqtt_tests::certs::TestPki;

const LIMIT: Duration = Duration::from_secs(60);

/// The flow over TLS, for both versions; with a client certificate when `mutual`.
fn full_flow(name: &'static str, mutual: bool) {
    run_limited(name, LIMIT, move || {
        let pki = TestPki::generate(name);
        let Some(broker) = tls_broker(name, &pki, mutual) else { return };
        let ca = cert_der(&pki.ca);
        let (cert, key) = (cert_der(&pki.client_cert), key_der(&pki.client_key));
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let mut options = TlsOptions::new("localhost", &ca);
            if mutual {
                options = options.with_client_certificate(&cert, &key);
            }
            assert!(options.verifies_certificate());
            let mut tx = [0u8; 512];
            tls_client!(client, link, broker.addr, &options, config(version, name), &mut tx);
            let topic = format!("{name}/{version}");
            let seen = block_on(flow(&mut client, &topic));
            check_messages(&seen, &topic);
            assert!(
                !seen.iter().any(|e| matches!(e, Ev::Disconnected(r) if *r != DisconnectReason::ByClient)),
                "{version}: {seen:?}"
            );
            assert!(!link.is_up(), "{version}: closed after DISCONNECT");
            assert_eq!((link.buffers_lent(), link.buffers_returned()), (1, 1), "{version}");
        }
    });
}

#[test]
fn server_verified_full_flow_v311_and_v5() {
    full_flow("embassy-tls-server", false);
}

#[test]
fn mutual_tls_full_flow_v311_and_v5() {
    full_flow("embassy-tls-mutual", true);
}

#[test]
fn wrong_ca_refused_unless_verification_is_turned_off_by_name() {
    run_limited("embassy-tls-wrong-ca", LIMIT, || {
        let pki = TestPki::generate("embassy-tls-wrong-ca");
        let other = TestPki::generate("embassy-tls-other-ca");
        let Some(broker) = tls_broker("embassy-tls-wrong-ca", &pki, false) else { return };
        let (ca, other_ca) = (cert_der(&pki.ca), cert_der(&other.ca));
        attempt(broker.addr, &TlsOptions::new("localhost", &ca), "right-ca").expect("the right CA");
        // ALPN offered to a broker that selects none: still connects.
        let alpn: &[&[u8]] = &[b"mqtt"];
        attempt(broker.addr, &TlsOptions::new("localhost", &ca).with_alpn(alpn), "alpn")
            .expect("ALPN offered");
        let refused = attempt(broker.addr, &TlsOptions::new("localhost", &other_ca), "wrong-ca");
        assert_certificate_refused(refused, "wrong CA");
        // Only the option whose name says so connects to a broker it cannot authenticate.
        let danger = TlsOptions::danger_accept_any_certificate("localhost");
        assert!(!danger.verifies_certificate());
        attempt(broker.addr, &danger, "danger").expect("verification off");
    });
}

#[test]
fn wrong_host_name_refused() {
    run_limited("embassy-tls-wrong-name", LIMIT, || {
        // The server certificate names only broker.example (no localhost, no 127.0.0.1).
        let pki = TestPki::generate_for("embassy-tls-wrong-name", &["broker.example"]);
        let Some(broker) = tls_broker("embassy-tls-wrong-name", &pki, false) else { return };
        let ca = cert_der(&pki.ca);
        let refused = attempt(broker.addr, &TlsOptions::new("localhost", &ca), "wrong-name");
        assert_certificate_refused(refused, "wrong host name");
        // The same broker and CA under the name its certificate carries: accepted.
        attempt(broker.addr, &TlsOptions::new("broker.example", &ca), "right-name").expect("the right name");
    });
}

#[test]
fn missing_client_certificate_refused() {
    run_limited("embassy-tls-no-client-cert", LIMIT, || {
        let pki = TestPki::generate("embassy-tls-no-client-cert");
        let other = TestPki::generate("embassy-tls-stranger");
        let Some(broker) = tls_broker("embassy-tls-no-client-cert", &pki, true) else { return };
        let ca = cert_der(&pki.ca);
        let refused = attempt(broker.addr, &TlsOptions::new("localhost", &ca), "no-client-cert");
        match refused {
            Err(e) => eprintln!("missing client certificate: refused with {e:?}"),
            Ok(()) => panic!("connected without the client certificate the broker requires"),
        }
        // A client certificate from another CA: refused too.
        let (cert, key) = (cert_der(&other.client_cert), key_der(&other.client_key));
        let options = TlsOptions::new("localhost", &ca).with_client_certificate(&cert, &key);
        assert!(
            attempt(broker.addr, &options, "stranger-cert").is_err(),
            "a client certificate of another CA"
        );
        // The right one: accepted.
        let (cert, key) = (cert_der(&pki.client_cert), key_der(&pki.client_key));
        let options = TlsOptions::new("localhost", &ca).with_client_certificate(&cert, &key);
        attempt(broker.addr, &options, "right-cert").expect("the right client certificate");
    });
}

/// Cancel-safety over TLS: the client publishes 60 QoS 1 messages of 1 to 3,000 bytes (TLS
/// records far larger than the engine's 256-byte steps and its 16-byte look-ahead) to a topic
/// it subscribes to, over a stream that moves at most 7 bytes per read and 5 per write and
/// waits once before each (so that records cross in hundreds of pieces), and is driven only
/// through `next_event` futures that are dropped at the first wake-up after they had to wait:
/// the client's reads and writes are cut off part-way, mid-record, thousands of times. Every message arrives whole and in order,
/// and the connection stays up.
#[test]
fn cut_off_at_every_wait_loses_and_corrupts_nothing() {
    use sansmqtt_embassy::sansmqtt_session::{Event, Outgoing};
    use sansmqtt_proto::{QoS, SubscriptionOptions};
    const COUNT: usize = 60;
    let payload = |i: usize| -> Vec<u8> { (0..(i * 397) % 3000 + 1).map(|j| (i * 7 + j) as u8).collect() };
    run_limited("embassy-tls-cancel", LIMIT, move || {
        let pki = TestPki::generate("embassy-tls-cancel");
        let Some(broker) = tls_broker("embassy-tls-cancel", &pki, false) else { return };
        let ca = cert_der(&pki.ca);
        let options = TlsOptions::new("localhost", &ca);
        let mut tx = [0u8; 512];
        tls_client!(choppy: client, link, broker.addr, &options, config(ProtocolVersion::V5, "embassy-tls-cancel"), &mut tx);
        block_on(async {
            client.connect(|_| {}).await.expect("connect");
            let granted = client
                .subscribe(&[("cancel/#", SubscriptionOptions::new(QoS::AtLeastOnce))], |_| {})
                .await
                .expect("subscribe");
            assert_eq!(granted, [sansmqtt_proto::ReasonCode::GrantedQoS1]);
            for i in 0..COUNT {
                let p = payload(i);
                let out = Outgoing::new("cancel/x", &p, QoS::AtLeastOnce);
                client.session().publish(sansmqtt_embassy::now(), &out).expect("queued");
            }
            let (mut got, mut acked, mut cut) = (Vec::new(), 0, 0u32);
            while got.len() < COUNT || acked < COUNT {
                match (CutAtWake { fut: std::pin::pin!(client.next_event()), polled: false }).await {
                    None => cut += 1,
                    Some(Ok(Event::Message(m))) => got.push(m.payload.to_vec()),
                    Some(Ok(Event::Published { .. })) => acked += 1,
                    Some(Ok(Event::Disconnected(r))) => panic!("connection lost: {r:?}"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => panic!("{e:?}"),
                }
            }
            eprintln!("{cut} next_event futures cut off part-way, {} messages", got.len());
            assert!(cut > 1000, "the test did not cut enough off ({cut})");
            for (i, p) in got.iter().enumerate() {
                assert_eq!(*p, payload(i), "message {i}");
            }
            assert!(link.is_up());
            client.disconnect(|_| {}).await.expect("disconnect");
        });
    });
}

/// Polls `fut` once; if it has to wait, ends with `None` at the next wake-up without polling it
/// again (the caller then drops it: a cancellation at the await it was parked at).
struct CutAtWake<'a, F> {
    fut: std::pin::Pin<&'a mut F>,
    polled: bool,
}

impl<F: std::future::Future> std::future::Future for CutAtWake<'_, F> {
    type Output = Option<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        if std::mem::replace(&mut self.polled, true) {
            return std::task::Poll::Ready(None);
        }
        self.fut.as_mut().poll(cx).map(Some)
    }
}

/// A server that accepts TCP and then never answers the ClientHello: the session's connect
/// timeout ends the attempt, the transport's close drops the half-done handshake (the engine
/// aborts it), and the record buffers come back; a second attempt starts over the same way.
#[test]
fn a_handshake_that_never_finishes_is_abandoned_and_the_buffers_come_back() {
    run_limited("embassy-tls-silent", LIMIT, || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        // Accept and hold every connection, silent.
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in listener.incoming() {
                held.push(s);
            }
        });
        let ca = [0u8; 0];
        let options = TlsOptions::new("localhost", &ca);
        let mut config = config(ProtocolVersion::V5, "embassy-tls-silent");
        config.connect_timeout = Duration::from_millis(300);
        let mut tx = [0u8; 512];
        tls_client!(client, link, addr, &options, config, &mut tx);
        block_on(async {
            for round in 1..=2u32 {
                let started = embassy_time::Instant::now();
                let e = client.connect(|_| {}).await.expect_err("no handshake");
                assert!(matches!(e, sansmqtt_embassy::Error::Connect(_)), "{e:?}");
                assert!(
                    started.elapsed() < embassy_time::Duration::from_secs(5),
                    "bounded: {:?}",
                    started.elapsed()
                );
                assert!(!link.is_up());
                assert_eq!((link.buffers_lent(), link.buffers_returned()), (round, round), "round {round}");
            }
        });
    });
}

/// A broker that goes silent three bytes into a record: the engine is stuck inside a TLS read
/// it must not abandon, so the graceful close cannot start; the transport's close timeout then
/// drops the connection, `disconnect` returns in bounded time, and the buffers come back.
#[test]
fn a_broker_silent_mid_record_is_dropped_after_the_close_timeout() {
    use sansmqtt_embassy::sansmqtt_session::{Outgoing, Session};
    use sansmqtt_embassy::tls::{TlsLink, TlsTransport};
    use sansmqtt_embassy::{Client, Dial};
    use sansmqtt_proto::{QoS, SubscriptionOptions};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicIsize, Ordering};
    run_limited("embassy-tls-stall", LIMIT, || {
        let pki = TestPki::generate("embassy-tls-stall");
        let Some(broker) = tls_broker("embassy-tls-stall", &pki, false) else { return };
        let ca = cert_der(&pki.ca);
        let options =
            TlsOptions::new("localhost", &ca).with_close_timeout(embassy_time::Duration::from_millis(300));
        let budget = Arc::new(AtomicIsize::new(-1));
        let (mut read_record, mut write_record) = (vec![0u8; 16_640], vec![0u8; 2048]);
        let link = TlsLink::<512>::new();
        let tcp = Dial::new(common::tls::Stalling(common::tls::Loopback(broker.addr), budget.clone()));
        let engine = std::pin::pin!(sansmqtt_embassy::tls::run(
            &link,
            tcp,
            &options,
            rand_core::OsRng,
            &mut read_record,
            &mut write_record
        ));
        let transport =
            TlsTransport::new(&link, engine).with_close_timeout(embassy_time::Duration::from_millis(500));
        let mut tx = [0u8; 512];
        let mut client =
            Client::new(Session::new(config(ProtocolVersion::V5, "embassy-tls-stall")), transport, &mut tx);
        block_on(async {
            client.connect(|_| {}).await.expect("connect");
            client
                .subscribe(&[("stall/#", SubscriptionOptions::new(QoS::AtMostOnce))], |_| {})
                .await
                .expect("sub");
            // Three more bytes from the broker, then silence; a message of ours comes back.
            budget.store(3, Ordering::SeqCst);
            let out = Outgoing::new("stall/x", b"never arrives whole", QoS::AtMostOnce);
            client.session().publish(sansmqtt_embassy::now(), &out).expect("queued");
            let waited = embassy_time::with_timeout(embassy_time::Duration::from_millis(500), async {
                loop {
                    let _ = client.next_event().await;
                }
            });
            assert!(waited.await.is_err(), "nothing completes while the broker is silent");
            assert_eq!(budget.load(Ordering::SeqCst), 0, "the engine read into the record and stalled");
            let started = embassy_time::Instant::now();
            client.disconnect(|_| {}).await.expect("disconnect");
            let took = started.elapsed();
            eprintln!("disconnect with the engine stuck mid-record took {took:?}");
            assert!(
                took >= embassy_time::Duration::from_millis(450),
                "the close timeout was waited out: {took:?}"
            );
            assert!(took < embassy_time::Duration::from_secs(5), "bounded: {took:?}");
            assert!(!link.is_up());
            assert_eq!((link.buffers_lent(), link.buffers_returned()), (1, 1));
        });
    });
}

/// A connect dropped part-way (the client's connect timeout, or the application's `select`)
/// while the broker's half of the handshake is already waiting in the socket: the close that
/// follows asks the engine to abort, the engine finishes the handshake in that same poll and
/// must then wait (not spin on the abort) so that the abort can take it. The close returns, the
/// buffers come back, and a new connect works. (With the abort counted as work for the
/// connection's loop, this test hangs in its first round.)
#[test]
fn a_close_right_after_a_dropped_connect_aborts_even_if_the_handshake_completes() {
    use common::poll_once_and_drop;
    use embedded_io_async::Read;
    use sansmqtt_embassy::Transport;
    use sansmqtt_embassy::tls::{TlsLink, TlsTransport};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicIsize, Ordering};
    run_limited("embassy-tls-abort", LIMIT, || {
        let pki = TestPki::generate("embassy-tls-abort");
        let Some(broker) = tls_broker("embassy-tls-abort", &pki, false) else { return };
        let ca = cert_der(&pki.ca);
        let options = TlsOptions::new("localhost", &ca);
        let (mut read_record, mut write_record) = (vec![0u8; 16_640], vec![0u8; 2048]);
        let link = TlsLink::<512>::new();
        // Reads held back while the budget is 0: the ClientHello goes out, the broker's answer
        // waits in the socket.
        let budget = Arc::new(AtomicIsize::new(0));
        let tcp = sansmqtt_embassy::Dial::new(common::tls::Stalling(
            common::tls::Loopback(broker.addr),
            budget.clone(),
        ));
        let engine = std::pin::pin!(sansmqtt_embassy::tls::run(
            &link,
            tcp,
            &options,
            rand_core::OsRng,
            &mut read_record,
            &mut write_record
        ));
        let mut transport = TlsTransport::new(&link, engine);
        const ROUNDS: u32 = 3;
        for round in 1..=ROUNDS {
            budget.store(0, Ordering::SeqCst);
            // Start connecting, then drop the connect; drive the engine (a read drives it and
            // fails at once while connecting) until the TLS connection holds the buffers (the
            // ClientHello is out).
            assert!(poll_once_and_drop(transport.connect()).is_none(), "not connected in one poll");
            let mut started = false;
            for _ in 0..400 {
                if link.buffers_lent() == round {
                    started = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
                let _ = poll_once_and_drop(transport.read(&mut [0u8; 1]));
            }
            assert!(started, "round {round}: the handshake started");
            assert!(!link.is_up(), "round {round}: waiting for the broker's answer");
            // The broker answers meanwhile; its answer is let through with the close.
            std::thread::sleep(Duration::from_millis(200));
            budget.store(-1, Ordering::SeqCst);
            block_on(transport.close());
            assert!(!link.is_up());
            assert_eq!((link.buffers_lent(), link.buffers_returned()), (round, round), "round {round}");
        }
        block_on(transport.connect()).expect("a connect after the aborted ones");
        assert!(link.is_up());
        block_on(transport.close());
        assert_eq!((link.buffers_lent(), link.buffers_returned()), (ROUNDS + 1, ROUNDS + 1));
    });
}

/// What the client queued goes out before the TLS close: a client with a will publishes a
/// 3,000-byte message and disconnects at once, over a stream that takes 5 bytes per write (so
/// that the close is asked for while most of it is still queued). Another client receives the
/// message whole and no will (the broker got the DISCONNECT).
#[test]
fn a_disconnect_right_after_a_large_publish_sends_both_before_closing() {
    use sansmqtt_embassy::sansmqtt_session::{Event, Outgoing, WillConfig};
    use sansmqtt_proto::{QoS, SubscriptionOptions};
    run_limited("embassy-tls-drain", LIMIT, || {
        let pki = TestPki::generate("embassy-tls-drain");
        let Some(broker) = tls_broker("embassy-tls-drain", &pki, false) else { return };
        let ca = cert_der(&pki.ca);
        let options = TlsOptions::new("localhost", &ca);
        let mut tx_a = [0u8; 512];
        let mut tx_b = [0u8; 512];
        let mut config_a = config(ProtocolVersion::V5, "embassy-tls-drain-a");
        config_a.will = Some(WillConfig::new("drain/will", b"gone".to_vec(), QoS::AtLeastOnce));
        tls_client!(choppy: a, link_a, broker.addr, &options, config_a, &mut tx_a);
        tls_client!(
            b,
            link_b,
            broker.addr,
            &options,
            config(ProtocolVersion::V5, "embassy-tls-drain-b"),
            &mut tx_b
        );
        let payload: Vec<u8> = (0..3000).map(|i| (i % 251) as u8).collect();
        block_on(async {
            b.connect(|_| {}).await.expect("b connects");
            b.subscribe(&[("drain/#", SubscriptionOptions::new(QoS::AtLeastOnce))], |_| {})
                .await
                .expect("sub");
            a.connect(|_| {}).await.expect("a connects");
            a.session()
                .publish(sansmqtt_embassy::now(), &Outgoing::new("drain/x", &payload, QoS::AtMostOnce))
                .expect("queued");
            a.disconnect(|_| {}).await.expect("disconnect");
            assert_eq!((link_a.buffers_lent(), link_a.buffers_returned()), (1, 1));
            // The message, and then nothing for a second (no will).
            let mut got = Vec::new();
            let _ = embassy_time::with_timeout(embassy_time::Duration::from_secs(1), async {
                loop {
                    if let Ok(Event::Message(m)) = b.next_event().await {
                        got.push((m.topic.to_string(), m.payload.to_vec()));
                    }
                }
            })
            .await;
            assert_eq!(got, [("drain/x".to_string(), payload.clone())], "the message whole, and no will");
            b.disconnect(|_| {}).await.expect("b disconnects");
        });
        assert!(!link_b.is_up());
    });
}
