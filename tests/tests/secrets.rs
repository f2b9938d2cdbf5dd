//! Secrets never printed (issue 20): against a Mosquitto that admits one user by password
//! (`mosquitto_passwd` file, anonymous refused), every type that holds the password — built
//! from a URL and from the builder, the smol client and the bare session, before, during and
//! after a connection, and every error a failed connect returns — is formatted with `{:?}`,
//! `{:#?}` and `{}` where it has it, and the `log` output of whole connect → publish →
//! disconnect runs is captured at trace level; the password shows up nowhere, neither as text
//! nor as the list of its bytes. (The embassy client's part is
//! `runtime-embassy-esp32/tests/tcp.rs::password_shown_nowhere_against_mosquitto`.)

use sansmqtt_proto::{ProtocolVersion, QoS};
use sansmqtt_session::{Config, DisconnectOptions, DisconnectReason, Outgoing, Session, TransportError};
use sansmqtt_smol::{BrokerUrl, Client, Error, Options};
use sansmqtt_tests::mosquitto::Mosquitto;
use sansmqtt_tests::smol::run;
use sansmqtt_tests::{BlockingClient, Seen};
use std::sync::Mutex;
use std::time::Duration;

const PASSWORD: &str = "S3cretPW-0xDEAD";
const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const T: Duration = Duration::from_secs(10);

/// What must not appear: the password, its first half (what a URL cut at a reserved
/// character shows), and its bytes as a derived `Debug` prints them, in decimal and hex.
fn assert_clean(what: &str, text: &str) {
    let b = PASSWORD.as_bytes();
    let decimal = format!("{:?}", &b[..4]);
    let hex = format!("{:02x?}", &b[..4]);
    for needle in [PASSWORD, "S3cretPW", &decimal[1..decimal.len() - 1], &hex[1..hex.len() - 1]] {
        assert!(!text.contains(needle), "{what} shows {needle:?}:\n{text}");
    }
}

/// `{:?}`, `{:#?}` and (when given) `{}` of a value, each checked.
macro_rules! check {
    ($what:expr, $v:expr) => {{
        let v = &$v;
        assert_clean($what, &format!("{v:?}"));
        assert_clean($what, &format!("{v:#?}"));
    }};
    ($what:expr, $v:expr, display) => {{
        check!($what, $v);
        assert_clean($what, &format!("{}", $v));
    }};
}

/// Every `log` record of the process, at trace level.
struct Capture(Mutex<String>);

static CAPTURE: Capture = Capture(Mutex::new(String::new()));

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        let line = format!("{} {}: {}\n", r.level(), r.target(), r.args());
        self.0.lock().unwrap().push_str(&line);
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&CAPTURE).expect("the capturing logger is the process's logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn captured() -> String {
    CAPTURE.0.lock().unwrap().clone()
}

/// An enhanced-authentication method holding a token, with a derived `Debug` that shows it.
#[derive(Debug)]
struct TokenAuth(String);

impl sansmqtt_smol::Authenticator for TokenAuth {
    fn method(&self) -> &str {
        "TOKEN"
    }
    fn start(&mut self) -> Option<Vec<u8>> {
        Some(self.0.clone().into_bytes())
    }
    fn challenge(&mut self, _: Option<&[u8]>) -> Result<Option<Vec<u8>>, sansmqtt_proto::ReasonCode> {
        Ok(None)
    }
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn smol_client_shows_the_password_nowhere() {
    capture_logs();
    let Some(broker) = Mosquitto::start_with_password("secrets-smol", "alice", PASSWORD) else { return };
    let addr = broker.addr;
    for v in VERSIONS {
        run(Duration::from_secs(60), async {
            // From a URL, and from the builder (as text and as bytes).
            let from_url = Options::new(&format!("mqtt://alice:{PASSWORD}@{addr}")).unwrap();
            let url: BrokerUrl = format!("mqtt://alice:{PASSWORD}@{addr}").parse().unwrap();
            assert_eq!(url.password.as_deref(), Some(PASSWORD));
            check!("BrokerUrl", url, display);
            check!("Options::url", from_url.url(), display);
            let from_builder =
                Options::new(&format!("mqtt://{addr}")).unwrap().credentials("alice", PASSWORD);
            let from_bytes =
                Options::new(&format!("mqtt://{addr}")).unwrap().credentials("alice", PASSWORD.as_bytes());
            for (how, opts) in [("URL", from_url), ("builder", from_builder), ("bytes", from_bytes)] {
                let opts = opts.version(v).client_id(format!("secrets-{}-{how}", v.level())).reconnect(None);
                check!("Options", opts);
                check!("Config", opts.config());
                check!("Config::password", opts.config().password.as_ref().unwrap(), display);
                let client = Client::new(opts);
                check!("Client before connect", client);
                let present = client.connect().await;
                assert!(matches!(present, Ok(false)), "{v} {how}: {present:?}");
                check!("Client connected", client);
                let token = client.publish("secrets/t", b"payload", QoS::AtLeastOnce, false).await.unwrap();
                let acked = token.wait().await;
                assert!(acked.is_ok(), "{v} {how}: {acked:?}");
                check!("publish result", acked);
                client.disconnect().await.unwrap();
                check!("Client after disconnect", client);
            }
            // A wrong password (holding the right one): refused by the broker.
            let wrong = Options::new(&format!("mqtt://{addr}"))
                .unwrap()
                .version(v)
                .credentials("alice", format!("{PASSWORD}!"))
                .reconnect(None);
            let e = Client::new(wrong).connect().await.expect_err("a wrong password is refused");
            assert!(matches!(e, Error::Connect(DisconnectReason::Refused(_))), "{v}: {e:?}");
            check!("refusal", e, display);
            // Nothing listening.
            let nowhere = Options::new(&format!("mqtt://alice:{PASSWORD}@127.0.0.1:{}", closed_port()))
                .unwrap()
                .version(v)
                .reconnect(None);
            let e = Client::new(nowhere).connect().await.expect_err("connection refused");
            assert!(matches!(&e, Error::Transport(f) if f.kind() == TransportError::Refused), "{v}: {e:?}");
            check!("connection refused", e, display);
        });
    }
    // An authenticator holding the password as its token: only its method is shown.
    let with_auth =
        Options::new(&format!("mqtt://{addr}")).unwrap().authenticator(TokenAuth(PASSWORD.into()));
    check!("Options with an authenticator", with_auth);
    assert!(format!("{with_auth:?}").contains("\"TOKEN\""), "{with_auth:?}");
    // A password with an unencoded `/`: refused without repeating any of it.
    let e = Options::new(&format!("mqtt://alice:S3cretPW/{}@{addr}", &PASSWORD[8..])).expect_err("bad URL");
    assert!(matches!(e, Error::Url(_)), "{e:?}");
    check!("URL error", e, display);
    let log = captured();
    assert!(log.contains("connected to mqtt://127.0.0.1"), "the logger captured the runs:\n{log}");
    assert!(log.contains("cannot connect to"), "and the failures:\n{log}");
    assert_clean("log output", &log);
}

#[test]
fn session_shows_the_password_nowhere_before_during_and_after_a_connection() {
    capture_logs();
    let Some(broker) = Mosquitto::start_with_password("secrets-session", "alice", PASSWORD) else { return };
    for v in VERSIONS {
        let mut cfg = Config::new(v, format!("secrets-session-{}", v.level()));
        cfg.username = Some("alice".into());
        cfg.password = Some(PASSWORD.into());
        check!("Config", cfg);
        check!("Session before connect", Session::new(cfg.clone()));
        let mut c = BlockingClient::connect(broker.addr, cfg.clone());
        check!("Session connecting", c.session);
        // One step opens the TCP connection: the CONNECT is encoded and waits in the
        // session's transmit buffer.
        c.step();
        assert_eq!(c.session.state(), sansmqtt_session::State::Connecting);
        check!("Session with CONNECT pending", c.session);
        assert!(
            c.run_until(T, |s| s.iter().any(|e| matches!(e, Seen::Connected { .. }))),
            "{v}: {:?}",
            c.seen
        );
        check!("Session connected", c.session);
        let now = c.now();
        c.session.publish(now, &Outgoing::new("secrets/s", b"payload", QoS::ExactlyOnce)).unwrap();
        assert!(c.run_until(T, |s| s.iter().any(|e| matches!(e, Seen::Published(_)))));
        let now = c.now();
        c.session.disconnect(now, &DisconnectOptions::default()).unwrap();
        assert!(c.run_until(T, |s| s.contains(&Seen::Disconnected(DisconnectReason::ByClient))));
        check!("Session after disconnect", c.session);
        check!("events", c.seen);
        // Refused: the wrong password (holding the right one).
        let mut wrong = cfg.clone();
        wrong.password = Some(format!("{PASSWORD}!").into());
        wrong.reconnect = None;
        let mut c = BlockingClient::connect(broker.addr, wrong);
        assert!(
            c.run_until(T, |s| s
                .iter()
                .any(|e| matches!(e, Seen::Disconnected(DisconnectReason::Refused(_))))),
            "{v}: {:?}",
            c.seen
        );
        check!("Session refused", c.session);
        check!("refusal events", c.seen);
    }
    assert_clean("log output", &captured());
}
