//! Issue 12, finding 8: `POST /api/password` allowed unlimited guesses of the current password
//! to whoever held a CSR's cookie. Now those guesses count like sign-in guesses: a few wrong
//! ones from an address, then `too_many_failed_sign_ins` from there — while the owner, from
//! another address, still signs in and changes the password, which ends the thief's cookie.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::net::IpAddr;

async fn change(base: &str, from: [u8; 4], cookie: &str, current: &str) -> (u16, Value) {
    let r = client_from(IpAddr::from(from))
        .post(format!("{base}/api/password"))
        .header("cookie", cookie)
        .json(&json!({"current": current, "new": "a-brand-new-password"}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_current_password_with_a_stolen_cookie_is_limited_like_sign_in() {
    let s = InProcess::start(|_| {}).await;
    let base = s.base();
    let stolen = s.login("bob").await.cookie.unwrap();
    let mut codes = vec![];
    for i in 0..8 {
        let (st, e) = change(&base, [127, 0, 0, 7], &stolen, &format!("guess-number-{i}")).await;
        codes.push((st, e["code"].as_str().unwrap_or_default().to_owned()));
    }
    let wrong = codes.iter().filter(|c| c.1 == "bad_credentials").count();
    let held = codes.iter().filter(|c| *c == &(429, "too_many_failed_sign_ins".to_owned())).count();
    assert_eq!((wrong, held), (5, 3), "{codes:?}");
    // Even the right password is not checked from there for a while.
    let (st, e) = change(&base, [127, 0, 0, 7], &stolen, PASSWORD).await;
    assert_eq!((st, e["code"].as_str()), (429, Some("too_many_failed_sign_ins")));

    // Bob, from his own address, changes it; the stolen cookie ends with that.
    let mut bob = s.login("bob").await;
    let (st, body) = bob.post("/api/password", json!({"current": PASSWORD, "new": "bobs-new-password"})).await;
    assert_eq!(st, 200, "{body}");
    let r = reqwest::Client::new().get(format!("{base}/api/me")).header("cookie", &stolen).send().await.unwrap();
    assert_eq!(r.status(), 401);
    println!("abuse: password_guessing guesses=8 checked={wrong} refused={held} ok");
}
