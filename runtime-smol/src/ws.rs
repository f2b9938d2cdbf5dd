//! MQTT over WebSocket (feature `ws`): binary frames, subprotocol `mqtt`.

use crate::url::BrokerUrl;
use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::http::HeaderValue;
use futures_lite::{AsyncRead, AsyncWrite};
use std::io;

/// The WebSocket upgrade over `stream`; the result reads and writes MQTT bytes.
pub(crate) async fn handshake<S>(
    url: &BrokerUrl,
    stream: S,
) -> io::Result<impl AsyncRead + AsyncWrite + Send + Unpin + use<S>>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let scheme = if url.scheme.is_tls() { "wss" } else { "ws" };
    let host = if url.host.contains(':') { format!("[{}]", url.host) } else { url.host.clone() };
    let mut request = format!("{scheme}://{host}:{}{}", url.port, url.path)
        .into_client_request()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
    let (ws, _response) = async_tungstenite::client_async(request, stream).await.map_err(io::Error::other)?;
    Ok(ws_stream_tungstenite::WsStream::new(ws))
}
