//! Keep-alive: PINGREQ when idle, timeout on a missing PINGRESP, half-open detection.
mod support;

use sansmqtt_proto::{Packet, QoS, ReasonCode};
use sansmqtt_session::{DisconnectReason, Outgoing};
use support::{Ev, Harness, VERSIONS};

/// 5.0: [MQTT-3.1.2-20] [MQTT-3.2.2-22]
///
/// Without a Server Keep Alive in CONNACK, the client keeps its own.
#[test]
fn v311_mqtt_3_1_2_23_pingreq_when_nothing_sent_for_keep_alive() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        assert_eq!(
            h.session.poll_timeout(),
            Some(sansmqtt_session::Instant::from_millis(h.now.as_millis() + 10_000))
        );
        h.advance(9_999);
        assert!(h.take_inbox().is_empty(), "{v}");
        h.advance(1);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]), "{v}");
        h.send(Packet::PingResp);
        assert!(h.take_events().is_empty());
        // Next ping a full interval later.
        h.advance(10_000);
        assert!(matches!(h.take_inbox().as_slice(), [Packet::PingReq]));
    }
}

#[test]
fn missing_pingresp_is_a_keepalive_timeout_within_one_and_a_half_intervals() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let start = h.now.as_millis();
        loop {
            h.advance_to_timeout();
            let ev = h.take_events();
            if !ev.is_empty() {
                assert_eq!(ev, vec![Ev::Disconnected(DisconnectReason::KeepAliveTimeout)], "{v}");
                break;
            }
        }
        let elapsed = h.now.as_millis() - start;
        assert!(elapsed <= 15_000, "{v}: detected after {elapsed} ms, more than 1.5 x keep-alive");
    }
}

#[test]
fn half_open_link_is_detected_while_publishing() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let start = h.now.as_millis();
        // The client keeps publishing QoS 0 every second; the broker went silent.
        let mut detected = None;
        for _ in 0..30 {
            h.advance(1000);
            let _ = h.session.publish(h.now, &Outgoing::new("t", b"x", QoS::AtMostOnce));
            h.drive();
            if h.take_events().contains(&Ev::Disconnected(DisconnectReason::KeepAliveTimeout)) {
                detected = Some(h.now.as_millis() - start);
                break;
            }
        }
        let d = detected.expect("half-open link never detected");
        assert!(d <= 15_000, "{v}: detected after {d} ms");
    }
}

/// 3.1.1: [MQTT-3.1.2-23] 5.0: [MQTT-3.1.2-20]
#[test]
fn keep_alive_zero_disables_pings() {
    for v in VERSIONS {
        let mut cfg = Harness::config(v);
        cfg.keep_alive = std::time::Duration::ZERO;
        let mut h = Harness::new(cfg);
        h.connect(false);
        assert_eq!(h.session.poll_timeout(), None);
        h.advance(1_000_000);
        assert!(h.take_inbox().is_empty());
        let _ = ReasonCode::Success;
    }
}

/// Time passes while the application pulls no events: the driver still runs the timer and
/// writes what the session hands out, but processes no input. Returns the packets written.
fn tick_without_reading(h: &mut Harness, ms: u64) -> Vec<Packet<'static>> {
    h.now = sansmqtt_session::Instant::from_millis(h.now.as_millis() + ms);
    h.session.handle_timeout(h.now);
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = h.session.poll_transmit(h.now, &mut buf);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let mut packets = Vec::new();
    let mut at = 0;
    while let Ok(sansmqtt_proto::Status::Complete(d)) = Packet::decode(&out[at..], h.version) {
        packets.push(d.packet.into_owned());
        at += d.len;
    }
    packets
}

/// A slow reader keeps its connection: while received bytes wait for the application (it
/// pulls no events for 3 x keep-alive), the PINGRESP among them cannot be seen, so the wait
/// for it is not enforced; PINGREQs keep going out on schedule, and once the application
/// drains, keep-alive works as before (a PINGRESP then missing times out).
#[test]
fn a_slow_reader_is_not_disconnected_by_its_own_keep_alive() {
    for v in VERSIONS {
        let mut h = Harness::new(Harness::config(v));
        h.connect(false);
        let _ = h.take_inbox();
        // A message and a PINGRESP arrive and stay in the receive buffer: nobody pulls them.
        let mut bytes = Vec::new();
        let topic = sansmqtt_proto::TopicName::new("t").expect("valid topic");
        let publish = sansmqtt_proto::Publish::new(topic, b"held");
        Packet::Publish(publish).encode_to_vec(h.version, &mut bytes).expect("encodes");
        Packet::PingResp.encode_to_vec(h.version, &mut bytes).expect("encodes");
        assert_eq!(h.session.handle_data(h.now, &mut h.rx, &bytes), bytes.len(), "{v}");
        let mut pings = 0;
        for _ in 0..30 {
            let sent = tick_without_reading(&mut h, 1_000);
            pings += sent.iter().filter(|p| matches!(p, Packet::PingReq)).count();
            assert!(
                sent.iter().all(|p| matches!(p, Packet::PingReq)),
                "{v}: only PINGREQ goes out while held: {sent:?}"
            );
        }
        assert!(pings >= 3, "{v}: PINGREQ keeps flowing while input is held ({pings} in 30 s)");
        assert!(
            h.session.poll_action().is_none(),
            "{v}: the session must not close the link of a slow reader"
        );
        // The application catches up: the message and the PINGRESP are processed; nothing
        // reports a disconnect.
        h.drive();
        let events = h.take_events();
        assert!(
            !events.iter().any(|e| matches!(e, Ev::Disconnected(_))),
            "{v}: no disconnect after catching up: {events:?}"
        );
        assert!(events.iter().any(|e| matches!(e, Ev::Message { .. })), "{v}: {events:?}");
        // With nothing held any more, a missing PINGRESP is a timeout again.
        let mut timed_out = false;
        for _ in 0..30 {
            h.advance(1_000);
            if h.take_events().contains(&Ev::Disconnected(DisconnectReason::KeepAliveTimeout)) {
                timed_out = true;
                break;
            }
        }
        assert!(timed_out, "{v}: keep-alive must still detect a silent broker once drained");
    }
}
