//! MQTT over WebSocket against a scripted WebSocket server, for what the in-process rumqttd's
//! listener cannot show: the subprotocol the client offers [MQTT-6.0.0-3], the frame type that
//! carries its packets, and a text frame from the server, which must make the client close the
//! connection [MQTT-6.0.0-1]. For 3.1.1 and 5.0.

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::handshake::server::{Request, Response};
use async_tungstenite::tungstenite::http::HeaderValue;
use futures_lite::StreamExt;
use sansmqtt_proto::ProtocolVersion;
use sansmqtt_smol::{Client, Event, Options};
use sansmqtt_tests::fake::connack;
use sansmqtt_tests::smol::{expect, run};
use std::net::TcpListener;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);
/// How long the server waits for the client to close after the text frame.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// What the scripted server saw of one connection.
#[derive(Debug, PartialEq)]
struct Seen {
    /// The `Sec-WebSocket-Protocol` header of the upgrade request.
    offered: Option<String>,
    /// Whether the client's first message was a binary frame holding a CONNECT.
    connect_in_binary_frame: bool,
    /// Whether every message the client sent before the text frame was binary.
    only_binary: bool,
    /// Whether the connection ended (Close frame, error or end of stream) after the text frame.
    closed: bool,
}

/// Accept one WebSocket connection on `listener`, answer the CONNECT with a CONNACK for
/// `version`, then send a text frame and watch the client close the connection.
#[allow(clippy::result_large_err)] // the handshake callback's error type is tungstenite's
fn serve_once(listener: TcpListener, version: ProtocolVersion) -> Seen {
    smol::block_on(async move {
        let (tcp, _) = listener.accept().expect("accept");
        let tcp = async_net::TcpStream::try_from(tcp).expect("async socket");
        let mut offered = None;
        let callback = |req: &Request, mut resp: Response| {
            offered =
                req.headers().get("Sec-WebSocket-Protocol").and_then(|h| h.to_str().ok()).map(String::from);
            resp.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
            Ok(resp)
        };
        let mut ws = async_tungstenite::accept_hdr_async(tcp, callback).await.expect("WebSocket upgrade");
        let first = ws.next().await.and_then(Result::ok);
        let connect_in_binary_frame =
            matches!(&first, Some(Message::Binary(b)) if b.first().is_some_and(|&x| x >> 4 == 1));
        ws.send(Message::binary(connack(version))).await.expect("CONNACK");
        // Whatever the client sends before the text frame (a PINGREQ at most) is binary too.
        let mut only_binary = connect_in_binary_frame;
        let early = async {
            while let Some(Ok(m)) = ws.next().await {
                only_binary &= m.is_binary();
            }
        };
        futures_lite::future::or(early, async {
            async_io::Timer::after(Duration::from_millis(200)).await;
        })
        .await;
        ws.send(Message::text("not an MQTT packet")).await.expect("text frame");
        let closed = async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return true,
                    Some(Ok(m)) => only_binary &= m.is_binary(),
                }
            }
        };
        let closed = futures_lite::future::or(closed, async {
            async_io::Timer::after(CLOSE_WAIT).await;
            false
        })
        .await;
        Seen { offered, connect_in_binary_frame, only_binary, closed }
    })
}

/// 3.1.1: [MQTT-6.0.0-1] [MQTT-6.0.0-3] 5.0: [MQTT-6.0.0-1] [MQTT-6.0.0-3]
///
/// The upgrade offers the subprotocol `mqtt`; CONNECT and everything after it travel in
/// binary frames; a text frame from the server makes the client close the connection.
#[test]
fn websocket_offers_mqtt_sends_binary_frames_and_closes_on_a_text_frame() {
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("port").port();
        let server = std::thread::spawn(move || serve_once(listener, v));
        run(LIMIT, async {
            let url = format!("ws://127.0.0.1:{port}/mqtt");
            let options = Options::new(&url).unwrap().version(v).client_id("ws-rules").reconnect(None);
            let client = Client::new(options);
            let mut events = client.events();
            client.connect().await.expect("connected over WebSocket");
            expect(&mut events, "the connection closed after the text frame", |e| {
                matches!(e, Event::Disconnected(_))
            })
            .await;
        });
        let seen = server.join().expect("server thread");
        assert_eq!(
            seen,
            Seen {
                offered: Some("mqtt".into()),
                connect_in_binary_frame: true,
                only_binary: true,
                closed: true
            },
            "{v}"
        );
    }
}
