//! A live session whose saved state no longer reads is reported at start (error log with the
//! session id, a count in /metrics, a mark in the database) instead of being dropped
//! silently, and the service goes on serving the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Log lines written while the guard lives (on this thread: the test's runtime is
/// single-threaded, and start-up runs on it).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn sql(dir: &std::path::Path, statement: &str, session: &str) {
    let c = rusqlite::Connection::open(dir.join("signaling.db")).unwrap();
    assert_eq!(c.execute(statement, [session]).unwrap(), 1);
}

#[tokio::test]
async fn an_unreadable_saved_session_is_reported_and_marked_and_the_service_runs_on() {
    let first = InProcess::start(|_| {}).await;
    let mut alice = first.login("alice").await;
    let (broken, _) = alice.start_session().await;
    let (newer, _) = alice.start_session().await;
    let (fine, _) = alice.start_session().await;
    let dir = first.dir.clone();
    first.running.stop().await.unwrap();

    sql(&dir, "UPDATE sessions SET state = '{\"not\": \"a session\"' WHERE id = ?1", &broken);
    sql(&dir, "UPDATE sessions SET state_version = 99 WHERE id = ?1", &newer);

    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let second = InProcess::restart_on(dir.clone()).await;
    drop(guard);

    let text = logs.text();
    for id in [&broken, &newer] {
        let line = text.lines().find(|l| l.contains(id.as_str())).unwrap_or_else(|| panic!("{id} is not reported in: {text}"));
        assert!(line.contains("ERROR"), "{line}");
    }
    assert!(text.contains("state version 99 is not known"), "{text}");
    assert!(!text.contains(fine.as_str()), "the readable session is not reported: {text}");

    let metrics = reqwest::get(format!("{}/metrics", second.base())).await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "signaling_unreadable_sessions 2"), "{metrics}");
    assert!(metrics.lines().any(|l| l == "signaling_live_sessions 1"), "{metrics}");

    let c = rusqlite::Connection::open(dir.join("signaling.db")).unwrap();
    for id in [&broken, &newer] {
        let (ended, error): (Option<i64>, Option<String>) =
            c.query_row("SELECT ended_at, state_error FROM sessions WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(ended, None, "kept as it was, not ended or dropped");
        assert!(error.is_some_and(|e| !e.is_empty()), "{id} is marked");
    }
    let unmarked: Option<String> = c.query_row("SELECT state_error FROM sessions WHERE id = ?1", [&fine], |r| r.get(0)).unwrap();
    assert_eq!(unmarked, None);

    // The service runs on: health, sign-in, the readable session and new ones work.
    assert_eq!(reqwest::get(format!("{}/healthz", second.base())).await.unwrap().status(), 200);
    let mut alice = second.login("alice").await;
    let (code, _) = alice.invite(&fine).await;
    let (status, body) = second.http().post("/api/join", json!({"code": code})).await;
    assert_eq!(status, 200, "{body}");
    alice.start_session().await;
}

#[tokio::test]
async fn sessions_saved_before_versions_were_stored_resume_as_version_1() {
    let first = InProcess::start(|_| {}).await;
    let mut alice = first.login("alice").await;
    let (session, _) = alice.start_session().await;
    let dir = first.dir.clone();
    first.running.stop().await.unwrap();
    // A database of the layout before versions: no version column at all (nor what later
    // migrations added).
    let c = rusqlite::Connection::open(dir.join("signaling.db")).unwrap();
    c.execute_batch(
        "ALTER TABLE sessions DROP COLUMN state_version; ALTER TABLE sessions DROP COLUMN state_error; \
         ALTER TABLE sessions DROP COLUMN state_error_at; ALTER TABLE invitations DROP COLUMN moves_seat; DROP TABLE api_tokens; DROP TABLE webhook_deliveries; DROP TABLE webhooks; DROP TABLE snippets; DROP TABLE surveys; DROP TABLE queue_messages; DROP TABLE queue_entries; DROP TABLE csr_availability; DROP TABLE team_members; DROP TABLE teams; \
         ALTER TABLE session_types DROP COLUMN team_id; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(c);

    let second = InProcess::restart_on(dir.clone()).await;
    let metrics = reqwest::get(format!("{}/metrics", second.base())).await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "signaling_live_sessions 1"), "{metrics}");
    assert!(metrics.lines().any(|l| l == "signaling_unreadable_sessions 0"), "{metrics}");
    let c = rusqlite::Connection::open(dir.join("signaling.db")).unwrap();
    let version: i64 = c.query_row("SELECT state_version FROM sessions WHERE id = ?1", [&session], |r| r.get(0)).unwrap();
    assert_eq!(version, 1);
}
