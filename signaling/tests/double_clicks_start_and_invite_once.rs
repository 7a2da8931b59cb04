//! A double click (two identical requests at once, with the console's Idempotency-Key) starts
//! one session and mints one invitation code; a new key is a new session or code (S4, S5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};

/// POSTs `body` to `path` as `http`'s CSR with `key`; returns (status, body).
async fn post_keyed(http: &Http, path: &str, body: Value, key: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", http.base))
        .header("cookie", http.cookie.clone().unwrap())
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn live_sessions(http: &mut Http) -> usize {
    let (st, list) = http.get("/api/sessions").await;
    assert_eq!(st, 200);
    list.as_array().unwrap().iter().filter(|s| s["ended_at"].is_null()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_identical_start_requests_give_one_session() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let body = json!({"session_type_id": 1, "tracking_code": "CASE-4711"});
    let (a, b) = tokio::join!(
        post_keyed(&alice, "/api/sessions", body.clone(), "start-1"),
        post_keyed(&alice, "/api/sessions", body.clone(), "start-1")
    );
    assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
    assert_eq!(a.1["session_id"], b.1["session_id"]);
    assert_eq!(a.1["participant_id"], b.1["participant_id"]);
    assert_eq!(live_sessions(&mut alice).await, 1);
    // The same key later still names that session; another key starts another.
    let again = post_keyed(&alice, "/api/sessions", body.clone(), "start-1").await;
    assert_eq!(again.1["session_id"], a.1["session_id"]);
    let other = post_keyed(&alice, "/api/sessions", body.clone(), "start-2").await;
    assert_ne!(other.1["session_id"], a.1["session_id"]);
    assert_eq!(live_sessions(&mut alice).await, 2);
    // Bob's key is his own: the same key starts Bob's session, not Alice's.
    let bob = server.login("bob").await;
    let bobs = post_keyed(&bob, "/api/sessions", body, "start-1").await;
    assert_eq!(bobs.0, 200);
    assert_ne!(bobs.1["session_id"], a.1["session_id"]);
    // A key that is not a key is refused, not ignored.
    let bad = post_keyed(&alice, "/api/sessions", json!({"session_type_id": 1}), "no spaces allowed").await;
    assert_eq!((bad.0, bad.1["code"].as_str()), (400, Some("invalid_message")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_identical_invite_requests_give_one_redeemable_code() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let path = format!("/api/sessions/{session}/invitations");
    let (a, b) = tokio::join!(post_keyed(&alice, &path, json!({}), "inv-1"), post_keyed(&alice, &path, json!({}), "inv-1"));
    assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(a.1["code"], b.1["code"]);
    assert_eq!(a.1["link"], b.1["link"]);
    // Exactly one code was minted: withdrawing it leaves nothing of this click redeemable.
    let (st, _) = alice.delete(&format!("{path}/{}", a.1["id"].as_str().unwrap())).await;
    assert_eq!(st, 200);
    let (st, refused) = Http::anonymous(&server).post("/api/join", json!({"code": a.1["code"]})).await;
    assert_eq!((st, refused["code"].as_str()), (410, Some("invitation_revoked")));
    // A new key is a new invitation, which admits the customer.
    let c = post_keyed(&alice, &path, json!({}), "inv-2").await;
    assert_ne!(c.1["code"], a.1["code"]);
    join(&server, json!({"code": c.1["code"]})).await;
}
