//! Issue 12, finding 8: a frame over the 1 MiB limit ends the WebSocket the way
//! docs/protocol.md says: an `error` message `message_too_large`, then a close frame whose
//! reason is the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Peer, Server};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_frame_over_one_mebibyte_gets_the_error_and_the_close_frame() {
    let s = Server::start(&[]).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    for size_mib in [2usize, 8] {
        let mut req = s.ws_url().into_client_request().unwrap();
        req.headers_mut().insert("cookie", alice.cookie.clone().unwrap().parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let hello = serde_json::json!({"type": "hello", "protocol_version": 1, "session": session});
        ws.send(Message::Text(hello.to_string().into())).await.unwrap();
        let big = "x".repeat(size_mib * 1024 * 1024);
        // The send may fail part-way once the server has closed; what it said before counts.
        let _ = ws.send(Message::Text(big.into())).await;
        let (mut error, mut close, mut seen) = (None, None, Vec::new());
        while let Ok(Some(m)) = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await {
            seen.push(format!("{m:?}").chars().take(200).collect::<String>());
            match m {
                Ok(Message::Text(t)) if t.contains("\"error\"") => error = Some(t.to_string()),
                Ok(Message::Close(frame)) => {
                    close = frame;
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let error = error.unwrap_or_default();
        assert!(error.contains("message_too_large"), "{size_mib} MiB: error message: {error}; saw {seen:#?}");
        let close = close.unwrap_or_else(|| panic!("{size_mib} MiB: no close frame"));
        assert_eq!((close.code, close.reason.as_str()), (CloseCode::from(4413), "message_too_large"));
    }
    // The CSR is still welcome afterwards.
    Peer::csr(&s, &alice, &session).await;
    println!("abuse: oversized_frames close_frame=4413/message_too_large ok");
}
