//! When the live session's state and record cannot be saved, the change is refused with an
//! error (and counted in /metrics), nothing half-happens, and a disconnect, which cannot be
//! refused, is saved once the database takes writes again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

fn sql(s: &InProcess, batch: &str) {
    let c = rusqlite::Connection::open(s.dir.join("signaling.db")).unwrap();
    c.execute_batch(batch).unwrap();
}

const BREAK: &str = "CREATE TRIGGER fail_save BEFORE UPDATE OF state ON sessions BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;";
const MEND: &str = "DROP TRIGGER fail_save;";

async fn connect(s: &InProcess, cookie: Option<&str>, hello: serde_json::Value) -> Peer {
    let mut p = Peer::open_at(&s.ws_url(), cookie).await;
    p.send(hello).await;
    let w = p.recv().await;
    assert_eq!(w["type"], "welcome", "{w}");
    p.id = w["you"].as_str().unwrap().into();
    p
}

async fn metric(s: &InProcess, name: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", s.base())).await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_cannot_be_saved_is_refused_and_a_disconnect_is_saved_later() {
    let s = InProcess::start(|_| {}).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut a = connect(&s, alice.cookie.as_deref(), json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    let (code, _) = alice.invite(&session).await;
    let (status, joined) = s.http().post("/api/join", json!({"code": code, "name": "Dana"})).await;
    assert_eq!(status, 200, "{joined}");
    let (cus, token) = (joined["participant_id"].as_str().unwrap().to_owned(), joined["token"].as_str().unwrap().to_owned());
    let c = connect(&s, None, json!({"type": "hello", "protocol_version": 1, "token": token})).await;
    a.roster(|r| entry(r, &cus)["online"] == true).await;
    assert_eq!(metric(&s, "signaling_state_save_failures_total").await, 0);

    sql(&s, BREAK);
    let code = a.refused(json!({"type": "consent_request", "request": "r1", "customer": cus, "capability": "system_info"})).await;
    assert_eq!(code, "internal");
    let code = a.refused(json!({"type": "chat", "text": "lost?"})).await;
    assert_eq!(code, "internal");
    assert_eq!(metric(&s, "signaling_state_save_failures_total").await, 2);

    // The customer goes away while saves fail: the session keeps trying.
    drop(c);
    let mut tries = 0;
    while metric(&s, "signaling_state_save_failures_total").await < 3 {
        tries += 1;
        assert!(tries < 200, "the failed offline save is not counted");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    sql(&s, MEND);
    a.roster(|r| entry(r, &cus)["online"] == false).await;

    // Saving works again, and nothing refused made it into the record.
    a.send(json!({"type": "chat", "text": "saved"})).await;
    a.until("chat", |v| v["type"] == "chat").await;
    let (status, detail) = alice.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = detail["record"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"consent_requested"), "{kinds:?}");
    let chats: Vec<&str> = detail["record"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "chat")
        .map(|e| e["detail"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(chats, ["saved"]);
}
