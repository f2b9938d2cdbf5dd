//! Deep sleep with a journal, against Mosquitto: a publisher on an embassy-net stack (joined
//! by an in-memory link to a second stack that relays to the broker) keeps its session's
//! journal in a RAM region (as RTC memory would), publishes 10 QoS 1 and 10 QoS 2 messages and
//! "sleeps" a moment later — everything but the region is dropped, the connection with it, some
//! messages still unacknowledged. It wakes, restores the session from the region, resumes it
//! with the broker and finishes every flow. A persistent subscriber (over std TCP) then
//! receives all 20, the QoS 2 ones exactly once. For 3.1.1 and 5.0.
mod common;

use std::time::Duration;

use common::link::{Link, relay, stack};
use common::{Loopback, block_on, run_limited};
use embassy_futures::join::join;
use embassy_futures::select::{Either3, select3};
use embassy_net::{IpAddress, IpEndpoint, Ipv4Address, Stack};
use sansmqtt_embassy::sansmqtt_session::{Config, Event, Outgoing, Session};
use sansmqtt_embassy::store::{FlashStore, RamFlash};
use sansmqtt_embassy::{Client, Completion, Dial, TcpTransport};
use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_tests::mosquitto::Mosquitto;

const LIMIT: Duration = Duration::from_secs(60);
/// The relay's address on the in-memory link.
const BROKER: IpEndpoint = IpEndpoint { addr: IpAddress::Ipv4(Ipv4Address::new(10, 0, 0, 2)), port: 1883 };

/// A TCP transport on the publisher's stack to the relay, with buffers of its own.
fn transport(stack: Stack<'static>) -> TcpTransport<'static> {
    let rx = Box::leak(vec![0u8; 2048].into_boxed_slice());
    let tx = Box::leak(vec![0u8; 2048].into_boxed_slice());
    TcpTransport::new(stack, rx, tx, BROKER).with_close_timeout(embassy_time::Duration::from_millis(300))
}

fn persistent(v: ProtocolVersion, id: &str) -> Config {
    let mut c = Config::new(v, id);
    c.clean_start = false;
    c.session_expiry_interval = 3600;
    c.max_packet_size = 4096;
    c
}

fn sleep_and_wake(v: ProtocolVersion, name: &'static str) {
    run_limited(name, LIMIT, move || {
        let Some(broker) = Mosquitto::start(name, "") else { return };
        let addr = broker.addr;
        let pub_id = format!("{name}-pub");
        let sub_id = format!("{name}-sub");
        let mut rtc = vec![0u8; 8 * 1024];
        let link = Link::default();
        let (client_stack, mut client_runner) = stack(link.end(0), 1);
        let (relay_stack, mut relay_runner) = stack(link.end(1), 2);
        let test = async {
            // A persistent subscriber, then away: the broker keeps its messages.
            let mut tx = [0u8; 512];
            let mut sub =
                Client::new(Session::new(persistent(v, &sub_id)), Dial::new(Loopback(addr)), &mut tx);
            sub.connect(|_| {}).await.expect("subscriber connects");
            let opts = SubscriptionOptions::new(QoS::ExactlyOnce);
            sub.subscribe(&[("sleep/#", opts)], |_| {}).await.expect("subscribed");
            sub.disconnect(|_| {}).await.expect("subscriber leaves");

            // Awake: a fresh journal in the region, 20 publishes, and asleep a moment later.
            let mut store = FlashStore::open(RamFlash::new(&mut rtc)).await.expect("open");
            let mut session = Session::new(persistent(v, &pub_id));
            let mut snapshot = Vec::new();
            session.start_journal(&mut snapshot);
            store.replace(&snapshot).await.expect("snapshot");
            let mut tx = [0u8; 512];
            let mut client = Client::with_journal(session, transport(client_stack), &mut tx, store);
            client.connect(|_| {}).await.expect("publisher connects");
            for i in 0..20u32 {
                let qos = if i < 10 { QoS::AtLeastOnce } else { QoS::ExactlyOnce };
                let payload = i.to_be_bytes();
                client
                    .session()
                    .publish(sansmqtt_embassy::now(), &Outgoing::new("sleep/x", &payload, qos))
                    .expect("publish");
            }
            // Some of it goes out; the device sleeps as soon as the first one completes.
            loop {
                match client.next_event().await.expect("publishing") {
                    Event::Published { .. } => break,
                    _ => continue,
                }
            }
            let in_flight = client.session().inflight() + client.session().queued();
            drop(client);

            // Wake: only the region is left.
            let mut store = FlashStore::open(RamFlash::new(&mut rtc)).await.expect("open after waking");
            let mut bytes = Vec::new();
            store.load(&mut bytes).await.expect("load");
            let (session, tokens) =
                Session::restore(persistent(v, &pub_id), &bytes).expect("the session restores");
            // Every unfinished publish is in the journal; so may be one whose completion (a
            // PUBACK or PUBCOMP processed in RAM) had not reached the journal yet: it is sent
            // again, which QoS 1 allows and QoS 2 makes harmless (PUBREL, never the PUBLISH, once
            // PUBREC was recorded).
            assert!(
                tokens.len() >= in_flight && tokens.len() <= 20,
                "{name}: {} restored, {in_flight} unfinished",
                tokens.len()
            );
            assert!(!tokens.is_empty(), "{name}: it slept with messages in flight");
            let mut tx = [0u8; 512];
            let mut client = Client::with_journal(session, transport(client_stack), &mut tx, store);
            // The relay serves one connection at a time and is still ending the one the sleep cut:
            // the first attempts may be refused, as a device's first attempt after a wake may be.
            let mut attempts = 0;
            let present = loop {
                match client.connect(|_| {}).await {
                    Ok(present) => break present,
                    Err(e) if attempts < 50 => {
                        attempts += 1;
                        let _ = e;
                        embassy_time::Timer::after(embassy_time::Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("{name}: no reconnect after waking: {e:?}"),
                }
            };
            assert!(present, "{name}: the broker resumed the session");
            for token in &tokens {
                let done = client.wait_for(*token, |_| {}).await.expect("the restored flow completes");
                assert!(matches!(done, Completion::Published(_)), "{name}: {done:?}");
            }
            client.disconnect(|_| {}).await.expect("publisher leaves");
            eprintln!(
                "{name}: slept with {in_flight} of 20 unfinished in RAM, {} restored from the journal",
                tokens.len()
            );

            // The subscriber comes back for its messages.
            let mut tx = [0u8; 512];
            let mut config = persistent(v, &sub_id);
            config.resume_stored_session = true; // a new process taking up its stored session
            let mut sub = Client::new(Session::new(config), Dial::new(Loopback(addr)), &mut tx);
            let seen = std::cell::RefCell::new(vec![0u32; 20]);
            let count = |e: Event<'_>| {
                if let Event::Message(m) = e {
                    let i = u32::from_be_bytes(m.payload.try_into().expect("4 bytes"));
                    seen.borrow_mut()[i as usize] += 1;
                }
            };
            sub.connect(count).await.expect("subscriber returns");
            while seen.borrow().contains(&0) {
                match embassy_time::with_timeout(embassy_time::Duration::from_secs(10), sub.next_event())
                    .await
                {
                    Ok(Ok(e)) => count(e),
                    other => panic!("{name}: messages missing {:?} ({other:?})", seen.borrow()),
                }
            }
            let seen = seen.into_inner();
            assert!(seen[10..].iter().all(|&n| n == 1), "{name}: QoS 2 delivered once each: {seen:?}");
        };
        block_on(async {
            match select3(join(client_runner.run(), relay_runner.run()), relay(relay_stack, 1883, addr), test)
                .await
            {
                Either3::Third(()) => {}
                _ => unreachable!("the runners and the relay never return"),
            }
        });
    });
}

#[test]
fn v311_a_journaled_publisher_sleeps_wakes_and_loses_nothing() {
    sleep_and_wake(ProtocolVersion::V3_1_1, "embassy-sleep-v311");
}

#[test]
fn v5_a_journaled_publisher_sleeps_wakes_and_loses_nothing() {
    sleep_and_wake(ProtocolVersion::V5, "embassy-sleep-v5");
}
