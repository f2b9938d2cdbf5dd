//! A streamed message cut by a lost connection arrives again, whole: a subscriber with a 4 KiB
//! receive buffer is taking a 16 MiB message in pieces when Mosquitto (with persistence) is
//! restarted. The stream is reported aborted (never complete), no ack went out, and after the
//! reconnect the broker sends the message again; it then arrives complete and byte-exact. QoS 1
//! and 2, 3.1.1 and 5.0.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Event};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::payload::{FNV_START, fnv1a};
use sansmqtt_tests::smol::{EVENT_TIMEOUT, options, run};
use std::time::Duration;

/// Larger than what the loopback sockets buffer, so that the restart cuts it.
const PAYLOAD: usize = 16 << 20;

/// The next event, or a panic after `EVENT_TIMEOUT`.
async fn next(events: &mut sansmqtt_smol::Events, name: &str) -> Event {
    futures_lite::future::or(events.recv(), async {
        async_io::Timer::after(EVENT_TIMEOUT).await;
        panic!("{name}: no event within {EVENT_TIMEOUT:?}");
    })
    .await
    .expect("stream open")
}

fn cut_stream_arrives_again(v: ProtocolVersion, qos: QoS) {
    let name = format!("stream-cut-{}-{}", v.level(), qos as u8);
    let Some(mut broker) = Mosquitto::start(&name, "persistence true\n") else { return };
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i * 31 % 253) as u8).collect();
    let expected = fnv1a(&payload, FNV_START);
    run(Duration::from_secs(120), async {
        let mut o = options(broker.addr, v, &format!("{name}-sub"))
            .receive_buffer_size(4096)
            .event_capacity(4)
            .clean_start(false)
            .session_expiry(3600);
        o.config_mut().max_packet_size = 32 << 20;
        let sub = Client::new(o);
        let mut events = sub.events();
        sub.connect().await.expect("connect");
        sub.subscribe(&format!("{name}/x"), qos).expect("subscribe").wait().await.expect("suback");
        let publisher = Client::new(options(broker.addr, v, &format!("{name}-pub")));
        publisher.connect().await.expect("publisher connects");
        publisher
            .publish(&format!("{name}/x"), &payload, qos, false)
            .await
            .expect("publish")
            .wait()
            .await
            .expect("acked");
        drop(publisher);
        // Part of the message, then the broker restarts under it.
        let mut chunks = 0;
        let mut restarted = false;
        let mut aborted = false;
        let (mut started, mut len, mut hash, mut dup) = (0, 0usize, FNV_START, false);
        loop {
            match next(&mut events, &name).await {
                Event::MessageStart { message, payload_len } => {
                    assert_eq!(payload_len, PAYLOAD, "{name}");
                    started += 1;
                    dup = message.dup;
                    (len, hash) = (0, FNV_START);
                }
                Event::MessageChunk(c) => {
                    len += c.len();
                    hash = fnv1a(&c, hash);
                    chunks += 1;
                    if chunks == 50 && !restarted {
                        restarted = true;
                        broker.restart();
                    }
                }
                Event::MessageAborted => {
                    assert!(restarted && len < PAYLOAD, "{name}: aborted after {len} bytes");
                    aborted = true;
                }
                Event::MessageEnd { .. } => break,
                Event::Message(_) => panic!("{name}: a 16 MiB message arrived whole"),
                _ => {}
            }
        }
        assert!(aborted, "{name}: the cut stream was reported aborted");
        assert_eq!(started, 2, "{name}: started once, then again after the reconnect");
        assert!(dup, "{name}: the second time as a resend (DUP 1)");
        assert_eq!((len, hash), (PAYLOAD, expected), "{name}: the resent message is whole and exact");
        sub.disconnect().await.expect("disconnect");
    });
}

#[test]
fn v311_qos1_a_cut_stream_arrives_again_whole() {
    cut_stream_arrives_again(ProtocolVersion::V3_1_1, QoS::AtLeastOnce);
}

#[test]
fn v311_qos2_a_cut_stream_arrives_again_whole() {
    cut_stream_arrives_again(ProtocolVersion::V3_1_1, QoS::ExactlyOnce);
}

#[test]
fn v5_qos1_a_cut_stream_arrives_again_whole() {
    cut_stream_arrives_again(ProtocolVersion::V5, QoS::AtLeastOnce);
}

#[test]
fn v5_qos2_a_cut_stream_arrives_again_whole() {
    cut_stream_arrives_again(ProtocolVersion::V5, QoS::ExactlyOnce);
}
