//! Bad input on the WebSocket: each gets a typed error, the connection (where it can) and the
//! session go on, and nothing stored is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_message_gets_its_code_and_the_session_goes_on() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (cus, token) = join(&server, json!({"code": code})).await;
    let mut c = Peer::customer(&server, &token).await;

    a.send_raw(Message::Text("{not json".into())).await;
    assert_eq!(a.error().await, "malformed_message");
    a.send_raw(Message::Text("[1,2]".into())).await;
    assert_eq!(a.error().await, "malformed_message");
    assert_eq!(a.refused(json!({"type": "teleport", "ref": "m7"})).await, "unknown_message_type");
    a.send(json!({"type": "promote", "ref": "m8"})).await;
    let e = a.until("error", |v| v["type"] == "error").await;
    assert_eq!((e["code"].as_str(), e["ref"].as_str()), (Some("invalid_message"), Some("m8")), "the ref is echoed");
    assert_eq!(
        a.refused(json!({"type": "consent_request", "request": "r", "customer": cus, "capability": "mind_reading"})).await,
        "invalid_message"
    );
    assert_eq!(a.refused(json!({"no_type": true})).await, "invalid_message");
    a.send_raw(Message::Binary(vec![0, 1, 2].into())).await;
    assert_eq!(a.error().await, "malformed_message");
    let big = json!({"type": "chat", "text": "x".repeat(100 * 1024)});
    assert_eq!(a.refused(big).await, "message_too_large");
    assert_eq!(a.refused(json!({"type": "hello", "protocol_version": 1})).await, "invalid_message");

    // Addressing someone who is not in this session.
    let mut bob = server.login("bob").await;
    let (other_session, bob_id) = bob.start_session().await;
    let _b = Peer::csr(&server, &bob, &other_session).await;
    let sig = json!({"type": "signal", "to": bob_id, "payload": {"kind": "offer", "sdp": "v=0"}});
    assert_eq!(a.refused(sig).await, "unknown_participant");
    assert_eq!(a.refused(json!({"type": "chat", "to": [bob_id], "text": "hi"})).await, "unknown_participant");
    assert_eq!(a.refused(json!({"type": "promote", "customer": bob_id})).await, "unknown_participant");
    // A customer cannot act as host.
    assert_eq!(c.refused(json!({"type": "promote", "customer": cus})).await, "not_host");
    assert_eq!(c.refused(json!({"type": "consent_answer", "request": "nope", "granted": true})).await, "unknown_request");

    // After all that, the connection and the session still work.
    a.send(json!({"type": "chat", "text": "still fine"})).await;
    assert_eq!(c.until("chat", |v| v["type"] == "chat").await["text"], "still fine");
    let (st, m) = alice.get("/metrics").await;
    assert_eq!(st, 200);
    let metrics = m.as_str().unwrap();
    assert!(metrics.contains("signaling_refusals_total{code=\"unknown_message_type\"} 1"), "{metrics}");
    assert!(metrics.contains("signaling_live_sessions 2"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_a_valid_hello_is_refused_with_a_reason() {
    let server = Server::start(&[]).await;
    let alice = server.login("alice").await;
    let mut alice2 = server.login("alice").await;
    let (session, _) = alice2.start_session().await;

    let mut p = Peer::open(&server, None).await;
    p.send(json!({"type": "chat", "text": "hi"})).await;
    assert_eq!(p.closed().await.as_deref(), Some("hello_required"));

    let mut p = Peer::open(&server, alice.cookie.as_deref()).await;
    p.send(json!({"type": "hello", "protocol_version": 99, "session": session})).await;
    assert_eq!(p.closed().await.as_deref(), Some("protocol_version_mismatch"));

    let mut p = Peer::open(&server, None).await;
    p.send(json!({"type": "hello", "protocol_version": 1, "token": "guessed"})).await;
    assert_eq!(p.closed().await.as_deref(), Some("token_invalid"));

    let mut p = Peer::open(&server, None).await;
    p.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    assert_eq!(p.closed().await.as_deref(), Some("unauthenticated"));

    // Bob has a login but no seat in Alice's session.
    let bob = server.login("bob").await;
    let mut p = Peer::open(&server, bob.cookie.as_deref()).await;
    p.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    assert_eq!(p.closed().await.as_deref(), Some("not_in_session"));

    let mut p = Peer::open(&server, None).await;
    p.send_raw(Message::Text("garbage".into())).await;
    assert_eq!(p.closed().await.as_deref(), Some("malformed_message"));

    // The session is untouched by all of it.
    let _a = Peer::csr(&server, &alice, &session).await;
}
