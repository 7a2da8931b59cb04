//! Expiry driven by the service's clock, without sleeping: the service runs in this process
//! on a manual clock that the tests advance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

async fn join_code(s: &InProcess, how: serde_json::Value) -> (u16, String) {
    let (st, body) = s.http().post("/api/join", how).await;
    (st, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn an_invitation_is_refused_as_expired_once_its_lifetime_is_over() {
    let s = InProcess::start(|c| c.invitation_ttl = Some(600)).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (code, link) = alice.invite(&session).await;
    let (_, other_link) = alice.invite(&session).await;

    s.advance(599);
    // Still valid a second before the end: the join page says so (and uses nothing up).
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 200);

    s.advance(1);
    assert_eq!(join_code(&s, json!({"code": code})).await, (410, "invitation_expired".into()));
    assert_eq!(join_code(&s, json!({"link": other_link})).await, (410, "invitation_expired".into()));
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("invitation_expired"));

    // A new invitation made now is good for its own lifetime.
    let (fresh, _) = alice.invite(&session).await;
    s.advance(300);
    let (status, body) = s.http().post("/api/join", json!({"code": fresh, "name": "Dana"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_login_ends_after_a_working_day() {
    let s = InProcess::start(|_| {}).await;
    let mut bob = s.login("bob").await;
    assert_eq!(bob.get("/api/me").await.0, 200);

    s.advance(12 * 3600 - 1);
    assert_eq!(bob.get("/api/me").await.0, 200);
    s.advance(1);
    let (status, body) = bob.get("/api/me").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")));

    // Signing in again works.
    let mut bob = s.login("bob").await;
    assert_eq!(bob.get("/api/me").await.0, 200);
}

#[tokio::test]
async fn login_attempts_come_back_as_the_rate_limit_window_refills() {
    let s = InProcess::start(|_| {}).await;
    let mut h = s.http();
    let wrong = json!({"username": "carol", "password": "not-the-password"});
    for _ in 0..5 {
        let (status, body) = h.post("/api/login", wrong.clone()).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("bad_credentials")));
    }
    let right = json!({"username": "carol", "password": PASSWORD});
    let (status, body) = h.post("/api/login", right.clone()).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("too_many_failed_sign_ins")), "from this address even the right password waits");

    // 5 at once, then 4 per hour per name and address: one attempt comes back every 15 minutes.
    s.advance(899);
    assert_eq!(h.post("/api/login", right.clone()).await.0, 429);
    s.advance(1);
    assert_eq!(h.post("/api/login", right.clone()).await.0, 200);
}

#[tokio::test]
async fn invitation_guesses_come_back_as_the_rate_limit_window_refills() {
    let s = InProcess::start(|_| {}).await;
    let guess = |n: u32| json!({"code": format!("{n:09}")});
    for n in 0..10 {
        assert_eq!(join_code(&s, guess(n)).await, (404, "invitation_invalid".into()));
    }
    assert_eq!(join_code(&s, guess(10)).await, (429, "rate_limited".into()));

    // 2 per minute: one more guess every 30 seconds, and no more.
    s.advance(30);
    assert_eq!(join_code(&s, guess(11)).await, (404, "invitation_invalid".into()));
    assert_eq!(join_code(&s, guess(12)).await, (429, "rate_limited".into()));
    // A quiet hour fills the bucket again.
    s.advance(3600);
    for n in 13..23 {
        assert_eq!(join_code(&s, guess(n)).await.0, 404);
    }
    assert_eq!(join_code(&s, guess(23)).await.0, 429);
}

#[tokio::test]
async fn turn_credentials_expire_one_lifetime_after_the_clock_says_now() {
    let s = InProcess::start(|c| {
        c.turn_urls = vec!["turn:turn.example.com:3478".into()];
        c.turn_secret = Some("shared".into());
        c.turn_ttl = Some(600);
    })
    .await;
    s.advance(1234);
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut peer = Peer::open_at(&s.ws_url(), alice.cookie.as_deref()).await;
    peer.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    let welcome = peer.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let username = welcome["ice_servers"][0]["username"].as_str().unwrap();
    let expiry: i64 = username.split(':').next().unwrap().parse().unwrap();
    assert_eq!(expiry, s.clock.now_ms() / 1000 + 600);
}
