//! A restart of signaling loses nothing: the live session goes on, participants reconnect
//! with their credentials (cookie, participant token) and get the roster back, grants and
//! all. A dropped WebSocket shows as offline and comes back online on reconnect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_reconnect_after_restart_and_find_the_session_as_it_was() {
    let mut server = Server::start(&[]).await;
    let alice = server.login("alice").await;
    let mut alice = alice;
    let (session, alice_id) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (cus_id, token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let mut c = Peer::customer(&server, &token).await;
    a.send(json!({"type": "consent_request", "request": "r1", "customer": cus_id, "capability": "system_info"})).await;
    c.asked("r1").await;
    c.send(json!({"type": "consent_answer", "request": "r1", "granted": true})).await;
    a.event("consent_granted").await;

    // A dropped connection: the customer shows offline, then online again.
    drop(c);
    a.roster(|r| entry(r, &cus_id)["online"] == false).await;
    let mut c = Peer::customer(&server, &token).await;
    a.roster(|r| entry(r, &cus_id)["online"] == true).await;

    // The process dies; both sides see their connection cut.
    server.restart().await;
    a.closed().await;
    c.closed().await;

    // The customer's token and the CSR's login still work, and the state is intact.
    let mut c = Peer::customer(&server, &token).await;
    assert_eq!(c.id, cus_id);
    let r = c.roster(|_| true).await;
    assert_eq!(r["host"], alice_id.as_str());
    assert_eq!(r["primary"], cus_id.as_str());
    assert_eq!(entry(&r, &alice_id)["online"], false, "Alice has not reconnected yet");
    let grant = &r["grants"][0];
    assert_eq!((grant["capability"].as_str(), grant["state"].as_str()), (Some("system_info"), Some("granted")));

    let mut a = Peer::csr(&server, &alice, &session).await;
    assert_eq!(a.id, alice_id);
    c.roster(|r| entry(r, &alice_id)["online"] == true).await;

    // And the session works: chat, then a normal end.
    a.send(json!({"type": "chat", "text": "still here"})).await;
    assert_eq!(c.until("chat", |v| v["type"] == "chat").await["text"], "still here");
    let (st, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({})).await;
    assert_eq!(st, 200);
    assert_eq!(c.closed().await.as_deref(), Some("session_ended"));
    // After the end, the token no longer opens anything.
    let mut again = Peer::open(&server, None).await;
    again.send(json!({"type": "hello", "protocol_version": 1, "token": token})).await;
    assert_eq!(again.closed().await.as_deref(), Some("token_invalid"));
}
