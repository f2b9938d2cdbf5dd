//! The MiniMQTT guide's flow, for any transport.

use crate::common::{Ev, detach};
use sansmqtt_embassy::sansmqtt_session::Outgoing;
use sansmqtt_embassy::{Client, Error, Transport};
use sansmqtt_proto::{QoS, ReasonCode, SubscriptionOptions};

/// The MiniMQTT guide's flow at every QoS: connect, subscribe, publish, receive, unsubscribe,
/// disconnect.
pub async fn flow<T: Transport>(client: &mut Client<'_, T>, topic: &str) -> Vec<Ev> {
    let mut seen = Vec::new();
    let present = client.connect(|e| seen.push(detach(e))).await.expect("connect");
    assert!(!present);
    let filter = format!("{topic}/#");
    let granted = client
        .subscribe(&[(&filter, SubscriptionOptions::new(QoS::ExactlyOnce))], |e| seen.push(detach(e)))
        .await
        .expect("subscribe");
    assert_eq!(granted, [ReasonCode::GrantedQoS2]);
    let t = format!("{topic}/reading");
    for (qos, payload) in
        [(QoS::AtMostOnce, b"zero"), (QoS::AtLeastOnce, b"one!"), (QoS::ExactlyOnce, b"two!")]
    {
        let reason = client
            .publish(&Outgoing::new(&t, payload, qos), |e| seen.push(detach(e)))
            .await
            .expect("publish");
        assert!(matches!(reason, ReasonCode::Success | ReasonCode::NoMatchingSubscribers), "{reason:?}");
    }
    while seen.iter().filter(|e| matches!(e, Ev::Message { .. })).count() < 3 {
        seen.push(detach(client.next_event().await.expect("event")));
    }
    client.unsubscribe(&[&filter], |e| seen.push(detach(e))).await.expect("unsubscribe");
    client.disconnect(|e| seen.push(detach(e))).await.expect("disconnect");
    assert_eq!(client.next_event().await.err(), Some(Error::Disconnected));
    seen
}

pub fn check_messages(seen: &[Ev], topic: &str) {
    let got: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Ev::Message { topic: t, payload, qos, .. } => Some((t.clone(), payload.clone(), *qos)),
            _ => None,
        })
        .collect();
    let t = format!("{topic}/reading");
    assert_eq!(
        got,
        [
            (t.clone(), b"zero".to_vec(), QoS::AtMostOnce),
            (t.clone(), b"one!".to_vec(), QoS::AtLeastOnce),
            (t, b"two!".to_vec(), QoS::ExactlyOnce)
        ]
    );
}
