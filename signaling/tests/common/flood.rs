//! A participant socket that sends as fast as it can while a task reads everything it is sent,
//! so neither side's buffers fill (a flood test must not deadlock on its own socket). Used by
//! the `abuse_*` tests with `#[path = "common/flood.rs"] mod flood;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A customer connected with its token; everything it receives is kept in `received`.
pub struct Flooder {
    sink: SplitSink<Ws, Message>,
    pub received: Arc<Mutex<Vec<Value>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Flooder {
    pub async fn customer(ws_url: &str, token: &str) -> Flooder {
        let (ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
        let (mut sink, mut stream) = ws.split();
        sink.send(Message::Text(json!({"type": "hello", "protocol_version": 1, "token": token}).to_string().into())).await.unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(m)) = stream.next().await {
                if let Message::Text(t) = m {
                    if let Ok(v) = serde_json::from_str::<Value>(t.as_str()) {
                        kept.lock().unwrap().push(v);
                    }
                }
            }
        });
        Flooder { sink, received, reader }
    }

    pub async fn send(&mut self, v: &Value) {
        self.sink.send(Message::Text(v.to_string().into())).await.unwrap();
    }

    /// How many received messages match.
    pub fn count(&self, pred: impl Fn(&Value) -> bool) -> usize {
        self.received.lock().unwrap().iter().filter(|v| pred(v)).count()
    }

    /// Waits (up to 10 s) until `pred` holds for what was received.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Value]) -> bool) {
        for _ in 0..1000 {
            if pred(&self.received.lock().unwrap()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("flooder: no {what} within 10 s");
    }

    pub fn is_closed(&self) -> bool {
        self.reader.is_finished()
    }
}
