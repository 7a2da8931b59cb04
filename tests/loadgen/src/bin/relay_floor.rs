//! The baseline of the signaling scale bench: the least a WebSocket relay on signaling's own
//! stack (tokio + axum `ws`, same socket options, same per-connection task with an outbound
//! queue) costs on this machine. It only holds connections and relays each text frame to the
//! sender's partner: no accounts, no sessions, no JSON beyond the first frame.
//!
//! Protocol: the first frame `{"id":"a1","peer":"b1"}` is answered `{"type":"welcome"}`; every
//! later text frame goes unchanged to the connection that said `"id":"b1"`.
//!
//!     relay-floor --listen 127.0.0.1:9000 [--read-buffer 4096]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Frames queued for one connection, as signaling's outbound queue.
const OUTBOUND_QUEUE: usize = 256;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The WebSocket read buffer in bytes (signaling's `READ_BUFFER`); axum's default when unset.
    #[arg(long)]
    read_buffer: Option<usize>,
}

type Registry = Arc<Mutex<HashMap<String, mpsc::Sender<Utf8Bytes>>>>;

#[derive(Clone)]
struct Floor {
    registry: Registry,
    read_buffer: Option<usize>,
}

#[derive(Deserialize)]
struct Hello {
    id: String,
    peer: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    loadgen::sys::raise_nofile();
    let floor = Floor { registry: Arc::default(), read_buffer: args.read_buffer };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("relay-floor listening on {}", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/ws", get(upgrade)).route("/healthz", get(|| async { "ok" })).with_state(floor)).await
}

async fn upgrade(State(floor): State<Floor>, ws: WebSocketUpgrade) -> Response {
    let ws = match floor.read_buffer {
        Some(bytes) => ws.read_buffer_size(bytes),
        None => ws,
    };
    ws.on_upgrade(move |socket| relay(floor.registry, socket))
}

async fn relay(registry: Registry, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let hello = match stream.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str::<Hello>(t.as_str()).ok(),
        _ => None,
    };
    let Some(hello) = hello else { return };
    let (tx, mut rx) = mpsc::channel(OUTBOUND_QUEUE);
    registry.lock().unwrap_or_else(|p| p.into_inner()).insert(hello.id.clone(), tx);
    let mut peer: Option<mpsc::Sender<Utf8Bytes>> = None;
    if sink.send(Message::Text(r#"{"type":"welcome"}"#.into())).await.is_ok() {
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(text) => if sink.send(Message::Text(text)).await.is_err() { break },
                    None => break,
                },
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if peer.is_none() {
                            peer = registry.lock().unwrap_or_else(|p| p.into_inner()).get(&hello.peer).cloned();
                        }
                        if let Some(p) = &peer {
                            let _ = p.try_send(text);
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    registry.lock().unwrap_or_else(|p| p.into_inner()).remove(&hello.id);
}
