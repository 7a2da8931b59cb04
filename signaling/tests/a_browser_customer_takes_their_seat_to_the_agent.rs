//! Issue 14: a customer who joined in the browser and is asked for something only the support
//! agent can do takes their seat to the agent: `POST /api/seat/agent` with the page's token
//! answers an invitation for that seat only (the download with it inside, and a code for an
//! agent already on the computer). Redeemed, it gives the same participant a new token — no
//! second customer — and the page's token stops working. What the customer allowed in the
//! browser ends when the seat arrives in the agent: the same words mean more there, so support
//! asks again. A moved seat keeps its name; the invitation is used once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use protocol::download::{decode_tail, TAIL_BYTES};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_customer_takes_their_seat_to_the_agent_and_support_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("agent-under-test");
    std::fs::write(&exe, vec![0x7fu8; 4096]).unwrap();
    let server = Server::start(&["--agent-binary", exe.to_str().unwrap()]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (dana, page_token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let mut page = Peer::browser(&server, &page_token).await;

    // In the browser Dana allows system information.
    a.send(json!({"type": "consent_request", "request": "r1", "customer": dana, "capability": "system_info"})).await;
    page.until("the question", |v| {
        v["type"] == "roster" && v["roster"]["grants"].as_array().unwrap().iter().any(|g| g["state"] == "pending")
    })
    .await;
    page.send(json!({"type": "consent_answer", "request": "r1", "granted": true, "scope": "session"})).await;
    a.event("consent_granted").await;

    // A stranger's token gets nothing; Dana's gets an invitation for her seat.
    let mut anyone = Http::anonymous(&server);
    let (status, body) = anyone.post("/api/seat/agent", json!({"token": "not-a-token"})).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("token_invalid")), "{body}");
    let (status, moved) = anyone.post("/api/seat/agent", json!({"token": page_token})).await;
    assert_eq!(status, 200, "{moved}");
    let link = moved["link"].as_str().unwrap().to_owned();
    assert!(moved["code"].as_str().unwrap().len() >= 9, "a code for an agent already installed: {moved}");
    assert_eq!(moved["download"].as_str().unwrap(), format!("/join/{}/agent", link.rsplit('/').next().unwrap()));

    // The download carries that invitation, as any agent download does.
    let file = reqwest::get(format!("{}{}", server.base(), moved["download"].as_str().unwrap())).await.unwrap().bytes().await.unwrap();
    let carried = decode_tail(&file[file.len() - TAIL_BYTES.min(file.len())..]).unwrap().expect("a trailer");
    assert_eq!(carried.link, link);

    // The agent joins with it (under another name, which a moved seat ignores): the same seat.
    let (status, joined) = anyone.post("/api/join", json!({"link": carried.link, "name": "Support"})).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["participant_id"].as_str(), Some(dana.as_str()), "the same participant, no second customer");
    let agent_token = joined["token"].as_str().unwrap().to_owned();
    assert_ne!(agent_token, page_token);
    let (status, again) = anyone.post("/api/join", json!({"link": link, "name": "Dana"})).await;
    assert_eq!((status, again["code"].as_str()), (410, Some("invitation_used")), "used once: {again}");

    // The agent connects: the page is replaced, its token no longer works.
    let _agent = Peer::customer(&server, &agent_token).await;
    assert_eq!(page.closed().await, None, "the page's socket is closed, with no error");
    let mut reload = Peer::open(&server, None).await;
    let refused = reload.refused(json!({"type": "hello", "protocol_version": 1, "token": page_token, "client": "browser"})).await;
    assert_eq!(refused, "token_invalid");

    // What Dana allowed in the browser ended; support sees her in the agent, under her name.
    let revoked = a.event("consent_revoked").await;
    assert_eq!((revoked["customer"].as_str(), revoked["capability"].as_str()), (Some(dana.as_str()), Some("system_info")));
    let r = a.roster(|r| entry(r, &dana)["client"] == "agent").await;
    assert_eq!(entry(&r, &dana)["name"], "Dana");
    assert_eq!(r["participants"].as_array().unwrap().iter().filter(|p| p["role"] == "customer").count(), 1);
    assert!(r["grants"].as_array().unwrap().iter().all(|g| g["customer"] != dana.as_str()), "no grant of Dana's is left: {r}");
    let _ = alice_id;

    // The session record says the seat moved.
    let (_, record) = alice.get(&format!("/api/sessions/{session}")).await;
    assert!(record["record"].as_array().unwrap().iter().any(|e| e["kind"] == "seat_moved" && e["actor"] == dana.as_str()), "{record}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_customers_live_seat_can_be_taken_to_the_agent() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let (_, token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let mut anyone = Http::anonymous(&server);
    // A second request withdraws the first: one way in for the seat at a time.
    let (_, first) = anyone.post("/api/seat/agent", json!({"token": token})).await;
    let (_, second) = anyone.post("/api/seat/agent", json!({"token": token})).await;
    let (status, old) = anyone.post("/api/join", json!({"link": first["link"], "name": "Dana"})).await;
    assert_eq!((status, old["code"].as_str()), (410, Some("invitation_revoked")), "{old}");
    // Once the session ended, nothing.
    let (status, _) = alice.post(&format!("/api/sessions/{session}/end"), json!({})).await;
    assert_eq!(status, 200);
    let (status, late) = anyone.post("/api/join", json!({"link": second["link"], "name": "Dana"})).await;
    assert_eq!((status, late["code"].as_str()), (410, Some("session_ended")), "{late}");
    let (status, body) = anyone.post("/api/seat/agent", json!({"token": token})).await;
    assert_eq!(status, 401, "the ended session's token is gone: {body}");
}
