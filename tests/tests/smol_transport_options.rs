//! The smol client's socket options and SUBSCRIBE / UNSUBSCRIBE properties against Mosquitto
//! (which the CLI tests also reach through `sansmqtt-pub` / `sansmqtt-sub`): a Unix socket, a
//! SOCKS5 proxy (scripted; it records what it relays), with and without a login, a local bind
//! address, Nagle's algorithm left on; a Subscription Identifier delivered back with the
//! messages of that subscription; User Properties on UNSUBSCRIBE refused in 3.1.1.

use sansmqtt_proto::{ProtocolVersion, QoS, SubscriptionOptions};
use sansmqtt_smol::{Client, Error, Event, Options, Socks5Proxy, SubscriptionId};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::smol::{expect, run};
use sansmqtt_tests::socks::Socks5;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// Subscribe to `topic`, publish to it, and receive it back.
async fn roundtrip(client: &Client, topic: &str) {
    let mut events = client.events();
    client.connect().await.expect("connects");
    client.subscribe(topic, QoS::AtLeastOnce).unwrap().wait().await.unwrap();
    client.publish(topic, "via", QoS::ExactlyOnce, false).await.unwrap().wait().await.unwrap();
    let Event::Message(m) = expect(&mut events, "message", |e| matches!(e, Event::Message(_))).await else {
        unreachable!()
    };
    assert_eq!((m.topic.as_str(), m.payload.as_slice()), (topic, &b"via"[..]));
    client.disconnect().await.unwrap();
}

#[test]
fn unix_socket_proxy_and_bind_address_reach_mosquitto() {
    let Some(broker) = Mosquitto::start("smol-net-options", "listener 0 {DIR}/mqtt.sock") else { return };
    let url = format!("mqtt://127.0.0.1:{}", broker.addr.port());
    let proxy = Socks5::start(None);
    let guarded = Socks5::start(Some(("alice", "s3cret")));
    run(LIMIT, async {
        // The URL's port is closed: only the Unix socket can reach the broker.
        let closed = Options::new("mqtt://localhost:1").unwrap().reconnect(None);
        let c = Client::new(closed.unix_socket(broker.dir.join("mqtt.sock")).client_id("unix"));
        roundtrip(&c, "net/unix").await;

        let c = Client::new(
            Options::new(&url).unwrap().socks5_proxy(Socks5Proxy::new("127.0.0.1", proxy.addr.port())),
        );
        roundtrip(&c, "net/proxy").await;
        let target = format!("127.0.0.1:{}", broker.addr.port());
        assert_eq!(proxy.relayed().iter().map(|r| r.target.as_str()).collect::<Vec<_>>(), [target.as_str()]);

        let login: Socks5Proxy =
            format!("socks5h://alice:s3cret@127.0.0.1:{}", guarded.addr.port()).parse().unwrap();
        let c = Client::new(Options::new(&url).unwrap().socks5_proxy(login).tcp_nodelay(false));
        roundtrip(&c, "net/login").await;
        assert_eq!(guarded.relayed()[0].user.as_deref(), Some("alice"));

        let wrong = Socks5Proxy::new("127.0.0.1", guarded.addr.port()).credentials("alice", "guess");
        let c = Client::new(Options::new(&url).unwrap().socks5_proxy(wrong).reconnect(None));
        match c.connect().await {
            Err(Error::Transport(f)) => assert!(f.to_string().contains("SOCKS5"), "{f}"),
            other => panic!("a refused login: {other:?}"),
        }

        let c = Client::new(Options::new(&url).unwrap().bind_address([127, 0, 0, 1].into()));
        roundtrip(&c, "net/bound").await;
        // An address of another family than the broker's: no address to try.
        let c = Client::new(Options::new(&url).unwrap().bind_address("::1".parse().unwrap()).reconnect(None));
        assert!(matches!(c.connect().await, Err(Error::Transport(_))));
    });
}

#[test]
fn subscribe_and_unsubscribe_properties() {
    let Some(broker) = Mosquitto::start("smol-sub-props", "") else { return };
    let url = format!("mqtt://127.0.0.1:{}", broker.addr.port());
    run(LIMIT, async {
        let c = Client::new(Options::new(&url).unwrap().version(ProtocolVersion::V5));
        let mut events = c.events();
        c.connect().await.unwrap();
        let id = SubscriptionId::new(7);
        let subs = [("props/#", SubscriptionOptions::new(QoS::AtLeastOnce))];
        let granted = c.subscribe_with(&subs, id, &[("k", "v")]).unwrap().wait().await.unwrap();
        assert_eq!(granted.len(), 1);
        c.publish("props/x", "p", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
        let Event::Message(m) = expect(&mut events, "message", |e| matches!(e, Event::Message(_))).await
        else {
            unreachable!()
        };
        assert_eq!(
            m.properties.subscription_identifiers.iter().collect::<Vec<_>>(),
            id.into_iter().collect::<Vec<_>>()
        );
        c.unsubscribe_with(&["props/#"], &[("why", "done")]).unwrap().wait().await.unwrap();
        c.disconnect().await.unwrap();

        let old = Client::new(Options::new(&url).unwrap().version(ProtocolVersion::V3_1_1));
        old.connect().await.unwrap();
        assert!(old.unsubscribe_with(&["props/#"], &[("why", "done")]).is_err(), "3.1.1 has no properties");
        old.disconnect().await.unwrap();
    });
}
