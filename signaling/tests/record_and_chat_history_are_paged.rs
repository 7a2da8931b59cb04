//! A long session: the record is read page by page (every entry once, in order, pages of
//! bounded size), the history list likewise, and a (re)connection gets only the last of the
//! chat with `more` saying that older lines are in the record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

/// Writes `n` chat lines of `len` bytes to everyone into the record, as a long session would.
fn add_chat(server: &Server, session: &str, from: &str, n: usize, len: usize) {
    let db = rusqlite::Connection::open(server.dir.join("signaling.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    for i in 0..n {
        let detail = json!({"to": [], "text": format!("{i:05} {}", "w".repeat(len))}).to_string();
        db.execute(
            "INSERT INTO record(session_id, at_ms, kind, actor, detail) VALUES (?1, ?2, 'chat', ?3, ?4)",
            rusqlite::params![session, i as i64, from, detail],
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_session_is_read_page_by_page_and_its_chat_history_is_bounded() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    add_chat(&server, &session, &alice_id, 1200, 2000);

    // The record, page after page: every entry once, in order, no page over its bounds.
    let (mut after, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let (status, page) = alice.get(&format!("/api/sessions/{session}?after={after}")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["session"]["id"], session.as_str());
        let entries = page["record"].as_array().unwrap();
        assert!(entries.len() <= 500 && !entries.is_empty());
        seen.extend(entries.iter().map(|e| e["id"].as_i64().unwrap()));
        pages += 1;
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(seen.len(), 1201, "`started` and the 1,200 lines");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order, each once");
    assert!(pages >= 3, "1,201 entries of 2 KB come in pages ({pages})");
    let (_, only) = alice.get(&format!("/api/sessions/{session}?kind=started")).await;
    assert_eq!(only["record"].as_array().unwrap().len(), 1);
    let (_, none) = alice.get(&format!("/api/sessions/{session}?limit=0")).await;
    assert!(none["record"].as_array().unwrap().is_empty() && none["participants"].as_array().unwrap().len() == 1);

    // A connection gets the last lines only, and is told there is more.
    let mut a = Peer::csr(&server, &alice, &session).await;
    let h = a.until("chat_history", |v| v["type"] == "chat_history").await;
    let lines = h["lines"].as_array().unwrap();
    assert_eq!(h["more"], true);
    assert!(lines.len() <= 200);
    let bytes: usize = lines.iter().map(|l| l["text"].as_str().unwrap().len()).sum();
    assert!(bytes <= 256 * 1024, "{bytes} bytes of history");
    assert!(lines.last().unwrap()["text"].as_str().unwrap().starts_with("01199 "), "the newest line is last");

    // The history list, a page at a time.
    for _ in 0..4 {
        alice.start_session().await;
    }
    let (_, first) = alice.get("/api/sessions?limit=3").await;
    let first = first.as_array().unwrap().clone();
    let last = first.last().unwrap();
    let cursor = format!("{}:{}", last["started_at"], last["id"].as_str().unwrap());
    let (_, rest) = alice.get(&format!("/api/sessions?limit=3&before={cursor}")).await;
    let ids: Vec<_> = first.iter().chain(rest.as_array().unwrap()).map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (5, 5), "five sessions over two pages, none twice: {ids:?}");
}
