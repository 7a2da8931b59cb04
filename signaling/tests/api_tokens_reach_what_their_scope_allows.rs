//! Issue 16, an API for integrations: a site admin makes API tokens, scoped (read sessions,
//! read records, start sessions and invitations), acting as one account. The secret is shown
//! once and stored hashed; a token reaches only the routes of its scopes, never the console's
//! own actions nor the admin pages; revoked, it is refused; its last use is shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

fn with_token(server: &Server, secret: &str) -> Http {
    let mut h = Http::anonymous(server);
    h.bearer = Some(secret.to_owned());
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_starts_a_session_and_reads_it_within_its_scopes_only() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await; // site admin
    let mut bob = server.login("bob").await;

    // Only a site admin makes tokens; the secret is answered once, never listed.
    let (status, _) = bob.post("/api/admin/tokens", json!({"name": "CRM", "scopes": ["read_sessions"]})).await;
    assert_eq!(status, 403);
    let (status, made) = alice
        .post("/api/admin/tokens", json!({"name": "Ticket system", "scopes": ["start_sessions", "read_records"], "username": "bob"}))
        .await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert_eq!(made["token"]["account"], "bob");
    let (_, listed) = alice.get("/api/admin/tokens").await;
    assert_eq!(listed[0]["name"], "Ticket system");
    assert!(!listed.to_string().contains(&secret), "the list never shows a secret: {listed}");
    assert!(listed[0]["last_used_at"].is_null());

    // As Bob: start a session and invite a customer; the customer joins with the code.
    let mut crm = with_token(&server, &secret);
    let (status, types) = crm.get("/api/session-types").await;
    assert_eq!(status, 200, "{types}");
    let (status, started) = crm.post("/api/sessions", json!({"session_type_id": types[0]["id"]})).await;
    assert_eq!(status, 200, "{started}");
    let session = started["session_id"].as_str().unwrap().to_owned();
    let (status, inv) = crm.post(&format!("/api/sessions/{session}/invitations"), json!({})).await;
    assert_eq!(status, 200, "{inv}");
    join(&server, json!({"code": inv["code"], "name": "Dana"})).await;
    // Bob's console sees the session as his.
    let (_, bobs) = bob.get("/api/sessions").await;
    assert_eq!(bobs[0]["id"], session.as_str());
    assert_eq!(bobs[0]["started_by"], "bob");
    // The record, under read_records.
    let (status, record) = crm.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{record}");
    assert!(record["participants"].as_array().unwrap().iter().any(|p| p["name"] == "Dana"));

    // Outside its scopes: listing sessions (read_sessions), the console's own actions, the admin pages.
    for (method, path) in [
        ("get", "/api/sessions".to_owned()),
        ("put", format!("/api/sessions/{session}/notes")),
        ("post", format!("/api/sessions/{session}/end")),
        ("get", "/api/admin/tokens".to_owned()),
        ("get", "/api/me".to_owned()),
    ] {
        let (status, body) = match method {
            "get" => crm.get(&path).await,
            "put" => crm.put(&path, json!({"notes": "x"})).await,
            _ => crm.post(&path, json!({})).await,
        };
        assert_eq!((status, body["code"].as_str()), (403, Some("insufficient_scope")), "{method} {path}: {body}");
    }
    // A made-up token is no one.
    let (status, body) = with_token(&server, "rst_not-a-token").get("/api/session-types").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")), "{body}");

    // Its last use shows; revoked, it is refused.
    let (_, listed) = alice.get("/api/admin/tokens").await;
    assert!(listed[0]["last_used_at"].as_i64().is_some(), "{listed}");
    let id = listed[0]["id"].as_str().unwrap();
    let (status, _) = alice.delete(&format!("/api/admin/tokens/{id}")).await;
    assert_eq!(status, 200);
    let (status, body) = crm.get("/api/session-types").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")), "{body}");
    let (_, listed) = alice.get("/api/admin/tokens").await;
    assert!(listed[0]["revoked_at"].as_i64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_hashed_and_bounded() {
    let server = Server::start(&[]).await;
    let db = server.dir.join("signaling.db");
    let mut alice = server.login("alice").await;
    let (_, made) = alice.post("/api/admin/tokens", json!({"name": "Reports", "scopes": ["read_sessions"]})).await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    // The file and its write-ahead log hold no secret in plain.
    for file in [db.clone(), db.with_extension("db-wal")] {
        let stored = std::fs::read(&file).unwrap_or_default();
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "{} holds the secret", file.display());
    }
    for bad in [
        json!({"name": "", "scopes": ["read_sessions"]}),
        json!({"name": "x", "scopes": []}),
        json!({"name": "x", "scopes": ["root"]}),
        json!({"name": "x".repeat(101), "scopes": ["read_sessions"]}),
    ] {
        let (status, body) = alice.post("/api/admin/tokens", bad.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_message")), "{bad}: {body}");
    }
    let (status, body) = alice.post("/api/admin/tokens", json!({"name": "x", "scopes": ["read_sessions"], "username": "nobody"})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{body}");
    for i in 1..100 {
        let (status, _) = alice.post("/api/admin/tokens", json!({"name": format!("t{i}"), "scopes": ["read_sessions"]})).await;
        assert_eq!(status, 200);
    }
    let (status, body) = alice.post("/api/admin/tokens", json!({"name": "one too many", "scopes": ["read_sessions"]})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("too_many_tokens")), "{body}");
}
