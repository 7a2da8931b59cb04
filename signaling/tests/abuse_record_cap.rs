//! Issue 12, finding 4: the session record has a size cap. Several customers flooding chat at
//! once (each within their own budget) fill it: then chat is refused with `record_full`, the
//! record stays under the cap, and consent is still asked, answered and recorded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_record_refuses_chat_and_still_records_consent() {
    let server = Server::start(&["--max-record-mib", "1"]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut csr = Peer::csr(&server, &alice, &session).await;
    let mut customers = vec![];
    for i in 0..8 {
        let (code, _) = alice.invite(&session).await;
        let (id, token) = join(&server, json!({"code": code, "name": format!("Flooder {i}")})).await;
        customers.push((id, Peer::customer(&server, &token).await));
    }
    // Each sends its burst (three 60 KiB lines): 8 × 180 KiB is more than the 1 MiB cap.
    let text = "y".repeat(60 * 1024);
    let mut full = 0;
    for (_, p) in customers.iter_mut() {
        for _ in 0..3 {
            p.send(json!({"type": "chat", "text": text})).await;
        }
    }
    for (_, p) in customers.iter_mut() {
        let mut answers = 0;
        while answers < 3 {
            let v = p.recv().await;
            let from_me = v["type"] == "chat" && v["from"] == p.id.as_str();
            if v["type"] == "error" {
                assert_eq!(v["code"], "record_full", "{v}");
                full += 1;
            }
            if from_me || v["type"] == "error" {
                answers += 1;
            }
        }
    }
    assert!(full > 0, "chat was refused once the record was full");

    // Consent still works and is recorded: asked, answered.
    let (customer, peer) = &mut customers[0];
    csr.send(json!({"type": "consent_request", "request": "r1", "customer": customer, "capability": "screen_view"})).await;
    peer.asked("r1").await;
    peer.send(json!({"type": "consent_answer", "request": "r1", "granted": true})).await;
    csr.event("consent_granted").await;

    let (status, page) = alice.get(&format!("/api/sessions/{session}?kind=consent_")).await;
    assert_eq!(status, 200);
    let kinds: Vec<_> = page["record"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["consent_requested", "consent_granted"], "consent is recorded past the cap");
    let db = rusqlite::Connection::open(server.dir.join("signaling.db")).unwrap();
    let size: i64 =
        db.query_row("SELECT SUM(length(CAST(detail AS BLOB))) FROM record WHERE session_id = ?1", [&session], |r| r.get(0)).unwrap();
    assert!(size <= 1024 * 1024, "the record stays under its cap ({size} bytes)");
    println!("abuse: record_cap cap_kib=1024 record_kib={} record_full={full} consent_recorded=yes ok", size / 1024);
}
