//! Issue 12, finding 7: a disabled or re-passworded CSR kept working on the socket they had
//! open. Now disabling closes their WebSocket and notice stream at once (`login_ended`), they
//! leave the session they sat in (everyone sees `left`), and nothing they send afterwards
//! reaches the customer; a password reset closes that CSR's socket too and their cookie ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};

async fn account_id(admin: &mut Http, user: &str) -> i64 {
    let (_, list) = admin.get("/api/admin/accounts").await;
    list.as_array().unwrap().iter().find(|a| a["username"] == user).unwrap()["id"].as_i64().unwrap()
}

/// Reads an SSE response until it ends; panics when it stays open past [`WAIT`].
async fn stream_ends(mut resp: reqwest::Response) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None) | Err(_)) => return,
            Err(_) => panic!("the notice stream stayed open"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_csrs_socket_closes_at_once_and_nothing_they_send_reaches_the_customer() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (session, _) = alice.start_session().await;
    let (st, _) = alice.post(&format!("/api/sessions/{session}/csrs"), json!({"username": "bob"})).await;
    assert_eq!(st, 200);
    let mut a = Peer::csr(&server, &alice, &session).await;
    let mut b = Peer::csr(&server, &bob, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (_, token) = join(&server, json!({"code": code})).await;
    let mut c = Peer::customer(&server, &token).await;
    c.roster(|r| entry(r, &b.id)["online"] == true).await;
    let notices = reqwest::Client::new()
        .get(format!("{}/api/notices", server.base()))
        .header("cookie", bob.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(notices.status(), 200);

    let bob_id = account_id(&mut alice, "bob").await;
    let (st, body) = alice.patch(&format!("/api/admin/accounts/{bob_id}"), json!({"disabled": true})).await;
    assert_eq!(st, 200, "{body}");

    // Bob's socket is closed with the reason, his notice stream ends, and everyone sees him leave.
    assert_eq!(b.closed().await.as_deref(), Some("login_ended"));
    stream_ends(notices).await;
    let left = c.event("left").await;
    assert_eq!(left["id"], b.id.as_str());
    a.event("left").await;
    // What he tries now goes nowhere: the socket is gone and a new one is refused.
    let mut again = Peer::open(&server, bob.cookie.as_deref()).await;
    again.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    assert_eq!(again.closed().await.as_deref(), Some("unauthenticated"));
    let (st, _) = bob.get("/api/me").await;
    assert_eq!(st, 401, "his cookie ended");
    // The customer hears from Alice next, and never from Bob.
    a.send(json!({"type": "chat", "to": [], "text": "still here"})).await;
    let next: Value = c.until("alice's chat", |v| v["type"] == "chat" || v["event"] == "consent_requested").await;
    assert_eq!(next["from"], a.id.as_str(), "{next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_closes_the_csrs_socket_and_they_stay_in_the_session_offline() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let mut carol = server.login("carol").await;
    let (session, _) = carol.start_session().await;
    let mut host = Peer::csr(&server, &carol, &session).await;
    let (code, _) = carol.invite(&session).await;
    let (_, token) = join(&server, json!({"code": code})).await;
    let mut c = Peer::customer(&server, &token).await;
    c.roster(|r| entry(r, &host.id)["online"] == true).await;

    let carol_id = account_id(&mut alice, "carol").await;
    let (st, body) = alice.post(&format!("/api/admin/accounts/{carol_id}/password-reset"), json!({})).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(host.closed().await.as_deref(), Some("login_ended"));
    // The host cannot leave; the customer sees them offline.
    c.roster(|r| entry(r, &host.id)["online"] == false).await;
    let (st, _) = carol.get("/api/me").await;
    assert_eq!(st, 401);
}
