//! Invitations that cannot be used: expired, revoked, reused, unknown, of an ended session;
//! and guessing is cut off by the rate limit. Each gives its own code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

async fn join_code(s: &Server, how: serde_json::Value) -> (u16, String) {
    let (st, body) = Http::anonymous(s).post("/api/join", how).await;
    (st, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_invitations_are_refused_each_with_its_reason() {
    let server = Server::start(&["--invitation-ttl", "1"]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;

    let (expiring, expiring_link) = alice.invite(&session).await;
    let (used, _) = alice.invite(&session).await;
    join(&server, json!({"code": used})).await;
    assert_eq!(join_code(&server, json!({"code": used})).await, (410, "invitation_used".into()));

    let (st, inv) = alice.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!(st, 200);
    let (st, _) = alice.delete(&format!("/api/sessions/{session}/invitations/{}", inv["id"].as_str().unwrap())).await;
    assert_eq!(st, 200);
    assert_eq!(join_code(&server, json!({"code": inv["code"]})).await, (410, "invitation_revoked".into()));
    assert_eq!(join_code(&server, json!({"link": inv["link"]})).await, (410, "invitation_revoked".into()));

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(join_code(&server, json!({"code": expiring})).await, (410, "invitation_expired".into()));
    // The join page says so too, in words, without using anything up.
    let page = reqwest::get(&expiring_link).await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("expired"));

    assert_eq!(join_code(&server, json!({"link": "not-a-link"})).await, (404, "invitation_invalid".into()));
    assert_eq!(join_code(&server, json!({})).await, (400, "invalid_message".into()));
    assert_eq!(join_code(&server, json!({"code": "1", "link": "x"})).await, (400, "invalid_message".into()));

    // Invitations left unused die with the session.
    let (left, _) = alice.invite(&session).await;
    let (st, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({})).await;
    assert_eq!(st, 200);
    assert_eq!(join_code(&server, json!({"code": left})).await.0, 410);
    let (st, e) = alice.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!((st, e["code"].as_str()), (410, Some("session_ended")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_codes_is_cut_off_by_the_rate_limit_but_the_real_customer_still_gets_in() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (_, link) = alice.invite(&session).await;
    let mut refused = 0;
    for guess in 0..12 {
        let (st, code) = join_code(&server, json!({"code": format!("{guess:09}")})).await;
        if st == 429 {
            assert_eq!(code, "rate_limited");
            refused += 1;
        } else {
            assert_eq!(code, "invitation_invalid");
        }
    }
    assert_eq!(refused, 2, "10 guesses at once, then the address waits");
    let (st, code) = join_code(&server, json!({"link": link})).await;
    assert_eq!((st, code.as_str()), (429, "rate_limited"), "the limit holds for links from the same address too");
}
