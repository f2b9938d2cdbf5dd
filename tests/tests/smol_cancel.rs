//! Cancel safety of the smol client's API: a dropped future loses nothing and changes
//! nothing it had not completed (against the in-process rumqttd).

use futures_lite::future::poll_once;
use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Event, Outgoing};
use sansmqtt_tests::rumqttd;
use sansmqtt_tests::smol::{expect, options, run};
use std::time::Duration;

fn is_message(e: &Event) -> bool {
    matches!(e, Event::Message(_))
}

#[test]
fn dropped_futures_lose_nothing() {
    let v = ProtocolVersion::V3_1_1;
    let addr = rumqttd::start(v);
    run(Duration::from_secs(60), async {
        let sub = Client::new(options(addr, v, "cancel-sub"));
        sub.connect().await.unwrap();
        sub.subscribe("cancel/#", QoS::AtLeastOnce).unwrap().wait().await.unwrap();
        let mut events = sub.events();

        // A publisher with room for two queued messages, not connected yet.
        let mut opts = options(addr, v, "cancel-pub");
        opts.config_mut().max_queued_messages = 2;
        let publisher = Client::new(opts);
        let m1 = publisher.try_publish(&Outgoing::new("cancel/a", b"1", QoS::AtLeastOnce)).unwrap();
        publisher.try_publish(&Outgoing::new("cancel/a", b"2", QoS::AtLeastOnce)).unwrap();
        // The third waits for room; dropping that future leaves the queue as it was.
        let third = Outgoing::new("cancel/a", b"3", QoS::AtLeastOnce);
        assert!(
            poll_once(publisher.publish_message(&third)).await.is_none(),
            "waits while the queue is full"
        );
        assert_eq!(publisher.queued(), 2, "a dropped publish queued nothing");
        // A completion wait dropped before the completion: waiting again still sees it.
        assert!(poll_once(m1.wait()).await.is_none());

        // An event wait dropped before anything arrived: the event is still delivered.
        assert!(poll_once(events.recv()).await.is_none());
        publisher.connect().await.unwrap();
        m1.wait().await.unwrap();
        publisher.publish("cancel/a", "4", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
        let mut got = Vec::new();
        for _ in 0..3 {
            let Event::Message(m) = expect(&mut events, "message", is_message).await else { unreachable!() };
            got.push(m.payload_str().into_owned());
        }
        assert_eq!(got, ["1", "2", "4"], "the dropped publish was never sent, the others all were");
        publisher.disconnect().await.unwrap();
        sub.disconnect().await.unwrap();
    });
}

#[test]
fn dropping_every_handle_disconnects_gracefully_and_ends_the_stream() {
    let v = ProtocolVersion::V5;
    let addr = rumqttd::start(v);
    run(Duration::from_secs(30), async {
        let client = Client::new(options(addr, v, "drop-all"));
        let mut events = client.events();
        client.connect().await.unwrap();
        expect(&mut events, "Connected", |e| matches!(e, Event::Connected { .. })).await;
        drop(client);
        let e = expect(&mut events, "Disconnected", |e| matches!(e, Event::Disconnected(_))).await;
        assert_eq!(e, Event::Disconnected(sansmqtt_smol::DisconnectReason::ByClient));
        assert_eq!(events.recv().await, None, "the stream ends with the driver");
    });
}
