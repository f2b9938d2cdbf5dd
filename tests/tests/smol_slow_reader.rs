//! A slow reader keeps its connection: an application that does not read `events()` for
//! 3 × keep-alive while messages keep arriving is not disconnected, neither by its own
//! keep-alive (the PINGRESP waits unread behind the messages, so the session does not enforce
//! the wait for it while input is held back) nor by the broker's (PINGREQ keeps going out on
//! schedule). Once the application reads, every message is there and no disconnect was
//! reported. Against the tests' Mosquitto, for 3.1.1 and 5.0.

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_smol::{Client, Event};
use sansmqtt_tests::mosquitto::TestBroker;
use sansmqtt_tests::smol::{EVENT_TIMEOUT, options, run};
use std::time::Duration;

const KEEP_ALIVE: Duration = Duration::from_secs(1);
const COUNT: usize = 200;

fn slow_reader_keeps_its_connection(v: ProtocolVersion) {
    let name = format!("slow-reader-{}", v.level());
    let broker = TestBroker::start(&name, "");
    let addr = broker.addr(v);
    run(Duration::from_secs(60), async {
        let reader =
            Client::new(options(addr, v, &format!("{name}-sub")).keep_alive(KEEP_ALIVE).event_capacity(4));
        let mut events = reader.events();
        reader.connect().await.expect("connect");
        reader.subscribe("slow/#", QoS::AtLeastOnce).expect("subscribe").wait().await.expect("suback");
        let publisher = Client::new(options(addr, v, &format!("{name}-pub")));
        publisher.connect().await.expect("publisher connects");
        for i in 0..COUNT {
            let payload = [&(i as u32).to_be_bytes()[..], &[b'x'; 1000]].concat();
            publisher.publish("slow/x", payload, QoS::AtLeastOnce, false).await.expect("publish");
        }
        // The application reads nothing for 3 x keep-alive (and then some).
        async_io::Timer::after(KEEP_ALIVE * 3 + Duration::from_millis(500)).await;
        let mut next = 0u32;
        while (next as usize) < COUNT {
            let event = futures_lite::future::or(events.recv(), async {
                async_io::Timer::after(EVENT_TIMEOUT).await;
                panic!("{name}: {next} of {COUNT} messages arrived");
            })
            .await;
            match event.expect("stream open") {
                Event::Message(m) => {
                    let i = u32::from_be_bytes(m.payload[..4].try_into().expect("index"));
                    assert_eq!(i, next, "{name}: messages in order, none lost");
                    next += 1;
                }
                Event::Disconnected(reason) => {
                    panic!("{name}: the slow reader was disconnected after {next} messages: {reason}")
                }
                _ => {}
            }
        }
        assert_eq!(reader.last_disconnect(), None, "{name}: no disconnect happened meanwhile");
        publisher.disconnect().await.expect("publisher disconnects");
        reader.disconnect().await.expect("disconnect");
    });
}

#[test]
fn v311_slow_reader_keeps_its_connection() {
    slow_reader_keeps_its_connection(ProtocolVersion::V3_1_1);
}

#[test]
fn v5_slow_reader_keeps_its_connection() {
    slow_reader_keeps_its_connection(ProtocolVersion::V5);
}
