//! A whole support session over real HTTP and WebSocket, as the "Done when" plays it:
//! start with type and tracking code, two customers join by code and by link, promotion,
//! consent request → grant → revoke, the S12 and S9 refusals, CSR invite, control transfer,
//! end with notes, and the record read back after signaling restarted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_session_is_played_and_its_record_survives_a_restart() {
    let mut server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;

    // S4: a session type that needs a tracking code.
    let (st, t) = alice.post("/api/admin/session-types", json!({"name": "Billing", "tracking_required": true})).await;
    assert_eq!(st, 200, "{t}");
    let type_id = t["id"].as_i64().unwrap();
    let (st, e) = alice.post("/api/sessions", json!({"session_type_id": type_id})).await;
    assert_eq!((st, e["code"].as_str()), (400, Some("tracking_code_required")));
    let (st, started) = alice.post("/api/sessions", json!({"session_type_id": type_id, "tracking_code": "CASE-4711"})).await;
    assert_eq!(st, 200, "{started}");
    let session = started["session_id"].as_str().unwrap().to_owned();
    let alice_id = started["participant_id"].as_str().unwrap().to_owned();

    let mut a = Peer::csr(&server, &alice, &session).await;
    assert_eq!(a.id, alice_id);
    // S9: no video before a customer has joined.
    assert_eq!(a.refused(json!({"type": "activity_start", "activity": "csr_video"})).await, "no_customer_joined");

    // S5, S2: one customer by code read over the phone (typed with spaces), one by link.
    let (code, _) = alice.invite(&session).await;
    let (c1_id, c1_token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let (_, link) = alice.invite(&session).await;
    let (c2_id, c2_token) = join(&server, json!({"link": link, "name": "Eve"})).await;
    let mut c1 = Peer::customer(&server, &c1_token).await;
    let mut c2 = Peer::customer(&server, &c2_token).await;

    // Roster: host Alice, Dana primary (first to join), everyone online.
    let roster = a.roster(|r| r["participants"].as_array().unwrap().iter().filter(|p| p["online"] == true).count() == 3).await;
    assert_eq!(roster["host"], alice_id.as_str());
    assert_eq!(roster["primary"], c1_id.as_str());
    assert_eq!(entry(&roster, &c1_id)["name"], "Dana");
    assert_eq!(entry(&roster, &c2_id)["primary"], false);
    assert_eq!(entry(&roster, &alice_id)["host"], true);

    // S9: now video may start.
    a.send(json!({"type": "activity_start", "activity": "csr_video"})).await;
    a.event("activity_started").await;

    // S6: Eve becomes primary, Dana secondary.
    a.send(json!({"type": "promote", "customer": c2_id})).await;
    let r = c1.roster(|r| r["primary"] == c2_id.as_str()).await;
    assert_eq!(entry(&r, &c1_id)["primary"], false);

    // S10, S21: consent request → grant → use → revoke, seen by both sides.
    a.send(json!({"type": "consent_request", "request": "r1", "customer": c2_id, "capability": "screen_view"})).await;
    let asked = c2.asked("r1").await;
    assert_eq!((asked["capability"].as_str(), asked["by"].as_str()), (Some("screen_view"), Some(alice_id.as_str())));
    // Nothing runs before the grant.
    assert_eq!(a.refused(json!({"type": "activity_start", "activity": "screen_view", "customer": c2_id})).await, "consent_required");
    c2.send(json!({"type": "consent_answer", "request": "r1", "granted": true})).await;
    a.event("consent_granted").await;
    a.send(json!({"type": "activity_start", "activity": "screen_view", "customer": c2_id})).await;
    a.event("activity_started").await;
    c2.send(json!({"type": "consent_revoke", "capability": "screen_view"})).await;
    let revoked = a.event("consent_revoked").await;
    assert_eq!(revoked["customer"], c2_id.as_str());
    let stopped = a.event("activity_stopped").await;
    assert_eq!((stopped["activity"].as_str(), stopped["reason"].as_str()), (Some("screen_view"), Some("revoked")));

    // S21: a denial is recorded too.
    a.send(json!({"type": "consent_request", "request": "r2", "customer": c1_id, "capability": "system_info"})).await;
    c1.asked("r2").await;
    c1.send(json!({"type": "consent_answer", "request": "r2", "granted": false})).await;
    a.event("consent_denied").await;

    // S12: no file transfer while an application of the customer is viewed.
    a.send(json!({"type": "consent_request", "request": "r3", "customer": c2_id, "capability": "application_view"})).await;
    c2.asked("r3").await;
    c2.send(json!({"type": "consent_answer", "request": "r3", "granted": true})).await;
    a.event("consent_granted").await;
    a.send(json!({"type": "activity_start", "activity": "application_view", "customer": c2_id})).await;
    a.event("activity_started").await;
    assert_eq!(a.refused(json!({"type": "activity_start", "activity": "basic_file_transfer"})).await, "application_sharing_active");
    assert_eq!(
        a.refused(json!({"type": "consent_request", "request": "r4", "customer": c2_id, "capability": "advanced_file_transfer"})).await,
        "application_sharing_active"
    );
    a.send(json!({"type": "activity_stop", "activity": "application_view", "customer": c2_id})).await;
    a.event("activity_stopped").await;
    a.send(json!({"type": "activity_start", "activity": "basic_file_transfer"})).await;
    a.event("activity_started").await;

    // SDP/ICE relay between participants of this session.
    c1.send(json!({"type": "signal", "to": alice_id, "payload": {"kind": "offer", "sdp": "v=0"}})).await;
    let sig = a.until("signal", |v| v["type"] == "signal").await;
    assert_eq!((sig["from"].as_str(), sig["payload"]["sdp"].as_str()), (Some(c1_id.as_str()), Some("v=0")));

    // S7: chat to everyone, and to one recipient only.
    a.send(json!({"type": "chat", "text": "hello all"})).await;
    assert_eq!(c1.until("chat", |v| v["type"] == "chat").await["text"], "hello all");
    assert_eq!(c2.until("chat", |v| v["type"] == "chat").await["text"], "hello all");
    a.send(json!({"type": "chat", "to": [c2_id], "text": "only for Eve"})).await;
    assert_eq!(c2.until("chat", |v| v["type"] == "chat").await["text"], "only for Eve");
    c1.send(json!({"type": "ping"})).await;
    let next_for_dana = c1.until("chat or pong", |v| v["type"] == "chat" || v["type"] == "pong").await;
    assert_eq!(next_for_dana["type"], "pong", "Dana must not get Eve's private message");

    // S17: the host invites Bob; S18: control passes to Bob.
    let (st, inv) = alice.post(&format!("/api/sessions/{session}/csrs"), json!({"username": "bob"})).await;
    assert_eq!(st, 200, "{inv}");
    let bob = server.login("bob").await;
    let mut b = Peer::csr(&server, &bob, &session).await;
    // Bob is not the host yet: he cannot ask for consent.
    assert_eq!(
        b.refused(json!({"type": "consent_request", "request": "x", "customer": c1_id, "capability": "screen_view"})).await,
        "not_host"
    );
    a.send(json!({"type": "transfer_control", "to": b.id})).await;
    let r = a.roster(|r| r["host"] == b.id.as_str()).await;
    assert_eq!(entry(&r, &alice_id)["host"], false);

    // S18: the former host can no longer end; S19: customers cannot end either.
    let (st, e) = alice.post(&format!("/api/sessions/{session}/end"), json!({"notes": "by Alice"})).await;
    assert_eq!((st, e["code"].as_str()), (403, Some("not_host")));
    assert_eq!(c1.refused(json!({"type": "end"})).await, "customer_cannot_end");

    // S15: notes saved during the session; S19, S20: Bob ends with final notes.
    let (st, _) = alice.put(&format!("/api/sessions/{session}/notes"), json!({"notes": "draft"})).await;
    assert_eq!(st, 200);
    let mut bob = bob;
    let (st, e) = bob.post(&format!("/api/sessions/{session}/end"), json!({"notes": "Printer fixed; driver reinstalled."})).await;
    assert_eq!(st, 200, "{e}");
    c1.event("ended").await;
    assert_eq!(c2.closed().await.as_deref(), Some("session_ended"));

    // A new customer cannot join an ended session (S1).
    let (st, e) = Http::anonymous(&server).post("/api/join", json!({"link": link})).await;
    assert_eq!(st, 410, "{e}");

    // The record after a restart (S22).
    server.restart().await;
    let mut alice = server.login("alice").await;
    let (st, detail) = alice.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(st, 200, "{detail}");
    assert_eq!(detail["session"]["notes"], "Printer fixed; driver reinstalled.");
    assert_eq!(detail["session"]["tracking_code"], "CASE-4711");
    assert_eq!(detail["session"]["session_type"], "Billing");
    assert!(detail["session"]["ended_at"].is_i64());
    let kinds: Vec<&str> = detail["record"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in [
        "started",
        "joined",
        "primary_changed",
        "consent_requested",
        "consent_granted",
        "consent_revoked",
        "consent_denied",
        "activity_started",
        "activity_stopped",
        "host_changed",
        "chat",
        "notes_saved",
        "ended",
    ] {
        assert!(kinds.contains(&k), "record lacks {k}: {kinds:?}");
    }
    let revocation = detail["record"].as_array().unwrap().iter().find(|e| e["kind"] == "consent_revoked").unwrap();
    assert_eq!(revocation["detail"]["capability"], "screen_view");
    assert_eq!(revocation["actor"], c2_id.as_str());
    let names: Vec<&str> = detail["participants"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for n in ["Alice", "Dana", "Eve", "Bob"] {
        assert!(names.contains(&n), "{names:?}");
    }
    // Carol took no part: the record is not hers to read.
    let mut carol = server.login("carol").await;
    let (st, _) = carol.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(st, 403);
    let _ = (c1_id, c2_id);
}
