//! The agent's WebSocket to signaling. It says `hello` with the participant token, forwards
//! what signaling sends to the session task, and reconnects with the same token when the
//! connection drops: peer connections keep flowing meanwhile. It gives up only when signaling
//! says the seat is gone (session ended, customer left, token no longer valid).

use futures_util::{SinkExt, StreamExt};
use protocol::signal::{ClientMessage, ServerMessage};
use protocol::{decode_server, ErrorCode, PROTOCOL_VERSION};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// What the link tells the session task.
#[derive(Debug)]
pub enum LinkEvent {
    Message(ServerMessage),
    /// The connection dropped; the link is reconnecting.
    Lost,
    /// Connected (again).
    Connected,
    /// Signaling refused the seat for good.
    Gone(ErrorCode),
}

/// Codes after which reconnecting cannot help.
fn is_final(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::SessionEnded | ErrorCode::TokenInvalid | ErrorCode::NotInSession | ErrorCode::ProtocolVersionMismatch)
}

/// `http(s)://host` → `ws(s)://host/ws`.
pub fn ws_url(server: &str) -> String {
    let s = server.trim_end_matches('/');
    let s = s.strip_prefix("https://").map(|r| format!("wss://{r}")).or_else(|| s.strip_prefix("http://").map(|r| format!("ws://{r}")));
    format!("{}/ws", s.unwrap_or_else(|| server.to_owned()))
}

/// Runs the link until the seat is gone or `outbound` closes.
pub async fn run(server: String, token: String, events: mpsc::Sender<LinkEvent>, mut outbound: mpsc::Receiver<ClientMessage>) {
    let url = ws_url(&server);
    let mut backoff = Duration::from_millis(250);
    loop {
        match connect_once(&url, &token, &events, &mut outbound).await {
            Outcome::Gone(code) => {
                let _ = events.send(LinkEvent::Gone(code)).await;
                return;
            }
            Outcome::Closed => return,
            Outcome::Lost { was_up } => {
                if was_up {
                    backoff = Duration::from_millis(250);
                    let _ = events.send(LinkEvent::Lost).await;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

enum Outcome {
    Gone(ErrorCode),
    Lost { was_up: bool },
    Closed,
}

async fn connect_once(url: &str, token: &str, events: &mpsc::Sender<LinkEvent>, outbound: &mut mpsc::Receiver<ClientMessage>) -> Outcome {
    let Ok((ws, _)) = tokio_tungstenite::connect_async(url).await else { return Outcome::Lost { was_up: false } };
    let (mut tx, mut rx) = ws.split();
    let hello = ClientMessage::Hello { protocol_version: PROTOCOL_VERSION, session: None, token: Some(token.to_owned()) };
    if tx.send(Message::Text(encode(&hello).into())).await.is_err() {
        return Outcome::Lost { was_up: false };
    }
    let mut up = false;
    loop {
        tokio::select! {
            frame = rx.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Outcome::Lost { was_up: up },
                    Some(Ok(_)) => continue,
                };
                let msg = match decode_server(text.as_str()) {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(error = %e, "signaling sent a message this agent cannot read");
                        continue;
                    }
                };
                if let ServerMessage::Error { error } = &msg {
                    if is_final(error.code) && !up || error.code == ErrorCode::SessionEnded {
                        return Outcome::Gone(error.code);
                    }
                }
                if matches!(msg, ServerMessage::Welcome { .. }) {
                    up = true;
                    let _ = events.send(LinkEvent::Connected).await;
                }
                if events.send(LinkEvent::Message(msg)).await.is_err() {
                    return Outcome::Closed;
                }
            }
            out = outbound.recv() => match out {
                Some(msg) => {
                    if tx.send(Message::Text(encode(&msg).into())).await.is_err() {
                        return Outcome::Lost { was_up: up };
                    }
                    if matches!(msg, ClientMessage::Leave) {
                        let _ = tx.send(Message::Close(None)).await;
                        return Outcome::Closed;
                    }
                }
                None => {
                    let _ = tx.send(Message::Close(None)).await;
                    return Outcome::Closed;
                }
            }
        }
    }
}

fn encode(msg: &ClientMessage) -> String {
    serde_json::to_string(msg).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn websocket_url_follows_the_server_scheme() {
        assert_eq!(super::ws_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/ws");
        assert_eq!(super::ws_url("https://help.example.com/"), "wss://help.example.com/ws");
    }
}
