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
