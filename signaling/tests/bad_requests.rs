//! Bad input over HTTP: wrong credentials, missing login, missing rights, malformed bodies,
//! oversized bodies, unknown routes — each answered with a typed error, never a crash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_refusals_carry_stable_codes() {
    let server = Server::start(&[]).await;
    let mut anon = Http::anonymous(&server);
    let (st, e) = anon.post("/api/login", json!({"username": "alice", "password": "wrong"})).await;
    assert_eq!((st, e["code"].as_str()), (401, Some("bad_credentials")));
    let (st, e) = anon.post("/api/login", json!({"username": "nobody", "password": "wrong"})).await;
    assert_eq!((st, e["code"].as_str()), (401, Some("bad_credentials")), "unknown users look like wrong passwords");
    let (st, e) = anon.get("/api/sessions").await;
    assert_eq!((st, e["code"].as_str()), (401, Some("unauthenticated")));
    let (st, e) = anon.get("/api/nothing-here").await;
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));

    let mut bob = server.login("bob").await;
    let (st, e) = bob.get("/api/admin/accounts").await;
    assert_eq!((st, e["code"].as_str()), (403, Some("forbidden")));
    let (st, e) = bob.post("/api/sessions", json!({"session_type_id": 999})).await;
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));
    let (st, e) = bob.post("/api/sessions", json!({"session_type_id": "one"})).await;
    assert_eq!((st, e["code"].as_str()), (400, Some("invalid_message")));
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}/api/sessions", server.base()))
        .header("cookie", bob.cookie.clone().unwrap())
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "malformed_message");
    let (session, _) = bob.start_session().await;
    let (st, e) = bob.put(&format!("/api/sessions/{session}/notes"), json!({"notes": "n".repeat(200 * 1024)})).await;
    assert_eq!((st, e["code"].as_str()), (413, Some("message_too_large")));
    let (st, e) = bob.delete("/api/presets/abc").await;
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));

    // Carol is no participant of Bob's session.
    let mut carol = server.login("carol").await;
    let (st, e) = carol.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!((st, e["code"].as_str()), (403, Some("not_in_session")));
    let (st, e) = carol.post(&format!("/api/sessions/{session}/end"), json!({})).await;
    assert_eq!((st, e["code"].as_str()), (403, Some("not_in_session")));

    // Bob's notes survived all of it.
    let (st, _) = bob.put(&format!("/api/sessions/{session}/notes"), json!({"notes": "kept"})).await;
    assert_eq!(st, 200);
    let (_, d) = bob.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(d["session"]["notes"], "kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_rate_limited_per_address() {
    let server = Server::start(&[]).await;
    let mut anon = Http::anonymous(&server);
    let mut codes = vec![];
    for _ in 0..6 {
        let (_, e) = anon.post("/api/login", json!({"username": "bob", "password": "guess-guess"})).await;
        codes.push(e["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes.iter().filter(|c| *c == "bad_credentials").count(), 5);
    assert_eq!(codes.last().unwrap(), "too_many_failed_sign_ins");
    // From this address even the right password waits now (docs/security.md, Accounts).
    let (st, e) = anon.post("/api/login", json!({"username": "bob", "password": PASSWORD})).await;
    assert_eq!((st, e["code"].as_str()), (429, Some("too_many_failed_sign_ins")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_password_must_be_changed_before_any_work() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (st, created) = alice.post("/api/admin/accounts", json!({"username": "dave"})).await;
    assert_eq!(st, 200, "{created}");
    let otp = created["one_time_password"].as_str().unwrap().to_owned();
    let (st, e) = alice.post("/api/admin/accounts", json!({"username": "dave"})).await;
    assert_eq!((st, e["code"].as_str()), (409, Some("already_exists")));

    let mut dave = Http::anonymous(&server);
    let (st, me) = dave.post("/api/login", json!({"username": "dave", "password": otp})).await;
    assert_eq!((st, me["must_change_password"].as_bool()), (200, Some(true)));
    let (st, e) = dave.get("/api/sessions").await;
    assert_eq!((st, e["code"].as_str()), (403, Some("password_change_required")));
    let (st, e) = dave.post("/api/password", json!({"current": otp, "new": "short"})).await;
    assert_eq!((st, e["code"].as_str()), (400, Some("weak_password")));
    let (st, _) = dave.post("/api/password", json!({"current": otp, "new": "dave-has-a-long-password"})).await;
    assert_eq!(st, 200);
    let (st, _) = dave.get("/api/sessions").await;
    assert_eq!(st, 200);
    // The cookie is HttpOnly and SameSite=Strict.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/login", server.base()))
        .json(&json!({"username": "dave", "password": "dave-has-a-long-password"}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_site_cannot_open_a_socket_but_localhost_can() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = Server::start(&[]).await;
    let port = server.base().rsplit(':').next().unwrap().to_owned();
    let attempt = |origin: String| {
        let mut req = server.ws_url().into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    match attempt("http://evil.example".into()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("another site's page got a socket: {:?}", other.map(|(_, r)| r.status())),
    }
    let (ws, _) = attempt(format!("http://localhost:{port}")).await.expect("the console opened as localhost connects");
    drop(ws);
}
