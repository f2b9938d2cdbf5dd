//! MQTT 5.0 enhanced authentication through the smol client, against a scripted broker: no
//! broker available here implements an authentication method, and the bytes are checked.

use sansmqtt_proto::{ProtocolVersion, ReasonCode};
use sansmqtt_smol::{Authenticator, Client, Event};
use sansmqtt_tests::fake::FakeBroker;
use sansmqtt_tests::smol::{expect, options, run};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A one-step token method: the data is sent at the start, the server accepts it at once.
#[derive(Debug, Default)]
struct TokenMethod {
    starts: Arc<AtomicUsize>,
    finishes: Arc<AtomicUsize>,
}

impl Authenticator for TokenMethod {
    fn method(&self) -> &str {
        "token"
    }
    fn start(&mut self) -> Option<Vec<u8>> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        Some(b"secret".to_vec())
    }
    fn challenge(&mut self, _: Option<&[u8]>) -> Result<Option<Vec<u8>>, ReasonCode> {
        Err(ReasonCode::NotAuthorized)
    }
    fn finish(&mut self, _: Option<&[u8]>) -> Result<(), ReasonCode> {
        self.finishes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The Authentication Method property (0x15) "token".
const METHOD: [u8; 8] = [0x15, 0x00, 0x05, b't', b'o', b'k', b'e', b'n'];

#[test]
fn reauthenticate_sends_auth_0x19_and_reports_success() {
    // CONNACK Success with the method; AUTH Success (0x00) with the method, to any AUTH.
    let mut connack = vec![0x20, 11, 0x00, 0x00, 8];
    connack.extend(METHOD);
    let mut auth_success = vec![0xF0, 10, 0x00, 8];
    auth_success.extend(METHOD);
    let broker = FakeBroker::answering(connack, vec![(0xF0, auth_success)]);
    let method = TokenMethod::default();
    let (starts, finishes) = (method.starts.clone(), method.finishes.clone());
    run(Duration::from_secs(30), async {
        let client = Client::new(options(broker.addr, ProtocolVersion::V5, "reauth").authenticator(method));
        let mut events = client.events();
        client.connect().await.expect("CONNACK accepts the method");
        assert_eq!((starts.load(Ordering::SeqCst), finishes.load(Ordering::SeqCst)), (1, 1));
        client.reauthenticate().expect("connected, v5, with an authenticator");
        expect(&mut events, "Reauthenticated", |e| matches!(e, Event::Reauthenticated)).await;
        assert_eq!((starts.load(Ordering::SeqCst), finishes.load(Ordering::SeqCst)), (2, 2));
        client.disconnect().await.unwrap();
    });
    let got = wait_for_connection_record(&broker);
    // AUTH, reason Re-authenticate, properties: the method, then Authentication Data "secret".
    let mut auth = vec![0xF0, 19, 0x19, 17];
    auth.extend(METHOD);
    auth.extend([0x16, 0x00, 0x06]);
    auth.extend(b"secret");
    assert!(got.starts_with(&auth), "the client sent {got:02x?}");
    assert_eq!(&got[auth.len()..], &[0xE0, 0x00], "then only DISCONNECT");
}

#[test]
fn reauthenticate_needs_v5_and_an_authenticator() {
    let broker = FakeBroker::start(vec![0x20, 0x03, 0x00, 0x00, 0x00]);
    let v311 = FakeBroker::start(vec![0x20, 0x02, 0x00, 0x00]);
    run(Duration::from_secs(30), async {
        let client = Client::new(options(broker.addr, ProtocolVersion::V5, "no-authenticator"));
        client.connect().await.unwrap();
        assert!(client.reauthenticate().is_err(), "v5 without an authenticator");
        client.disconnect().await.unwrap();
        let opts = options(v311.addr, ProtocolVersion::V3_1_1, "v311").authenticator(TokenMethod::default());
        let client = Client::new(opts);
        assert!(client.reauthenticate().is_err(), "not connected");
        client.connect().await.unwrap();
        assert!(client.reauthenticate().is_err(), "3.1.1 has no AUTH");
        client.disconnect().await.unwrap();
    });
}

/// What the client sent on the broker's first connection, once that connection has ended.
fn wait_for_connection_record(broker: &FakeBroker) -> Vec<u8> {
    for _ in 0..500 {
        if let Some(first) = broker.received().into_iter().next() {
            return first;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the fake broker recorded no connection");
}
