//! One WebSocket per participant, from one of several 127.0.0.x source addresses: `hello`,
//! wait for `welcome`, then a task reads everything the server sends for the whole run.

use crate::relay::Latency;
use futures_util::stream::{self, SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Sender = SplitSink<WebSocketStream<TcpStream>, Message>;
type Receiver = SplitStream<WebSocketStream<TcpStream>>;

/// How one participant says hello, and whom it signals.
pub struct Participant {
    pub hello: String,
    /// The CSR's login cookie (`csr_session=…`); customers prove themselves with a token.
    pub cookie: Option<String>,
    /// The participant id (or baseline id) of the other side of the session.
    pub to: String,
}

const WELCOME_WAIT: Duration = Duration::from_secs(30);

/// Connects every participant, `concurrency` handshakes at a time; the senders come back in
/// the participants' order.
pub async fn connect_all(
    addr: SocketAddr,
    participants: &[Participant],
    concurrency: usize,
    sources: &[Ipv4Addr],
    latency: &Arc<Latency>,
) -> Result<Vec<Sender>, String> {
    let opened = stream::iter(participants.iter().enumerate())
        .map(|(i, p)| connect(addr, sources[i % sources.len()], p, latency.clone()))
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    opened.into_iter().collect()
}

async fn connect(addr: SocketAddr, source: Ipv4Addr, p: &Participant, latency: Arc<Latency>) -> Result<Sender, String> {
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket.bind(SocketAddr::from((source, 0))).map_err(|e| format!("bind {source}: {e}"))?;
    let tcp = socket.connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut req = format!("ws://{addr}/ws").into_client_request().map_err(|e| e.to_string())?;
    if let Some(c) = &p.cookie {
        req.headers_mut().insert("cookie", c.parse().map_err(|_| "bad cookie")?);
    }
    // One page of read buffer, not 128 KiB zero-filled: 10,000 clients fit in little memory.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(req, tcp, Some(config)).await.map_err(|e| format!("websocket: {e}"))?;
    ws.send(Message::Text(p.hello.clone().into())).await.map_err(|e| format!("hello: {e}"))?;
    loop {
        match tokio::time::timeout(WELCOME_WAIT, ws.next()).await {
            Err(_) => return Err("no welcome".into()),
            Ok(Some(Ok(Message::Text(t)))) if t.contains(r#""type":"welcome""#) => break,
            Ok(Some(Ok(Message::Text(t)))) if t.contains(r#""type":"error""#) => return Err(format!("refused: {t}")),
            Ok(Some(Ok(_))) => continue,
            Ok(other) => return Err(format!("closed before welcome: {other:?}")),
        }
    }
    let (sender, receiver) = ws.split();
    tokio::spawn(read(receiver, latency));
    Ok(sender)
}

/// Reads until the connection closes; relayed ICE signals are timed, the rest is dropped.
async fn read(mut receiver: Receiver, latency: Arc<Latency>) {
    while let Some(Ok(m)) = receiver.next().await {
        if let Message::Text(t) = m {
            latency.arrived(t.as_str());
        }
    }
}
