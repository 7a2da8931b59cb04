//! Issue 12, finding 4: reading a large session record again and again does not stall the
//! service: records are read page by page on read-only connections, so `/healthz` answers in
//! under 100 ms, a customer joins quickly, and the service's memory stays bounded.
//! The record is written straight into the database (as a long-running flood would have left
//! it before the cap existed): 40 MiB, or the 320 MiB with `ABUSE_FULL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// VmRSS in KiB of the signaling process serving `dir`'s database.
fn rss_kib(dir: &std::path::Path) -> u64 {
    let db = dir.join("signaling.db").display().to_string();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd);
        if cmd.contains(&db) && !cmd.contains("admin") {
            let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
            if let Some(l) = status.lines().find(|l| l.starts_with("VmRSS:")) {
                return l.split_whitespace().nth(1).unwrap().parse().unwrap();
            }
        }
    }
    panic!("signaling process not found");
}

/// Writes `mib` MiB of 60 KiB chat lines into the record of `session`.
fn fill_record(dir: &std::path::Path, session: &str, from: &str, mib: usize) {
    let mut db = rusqlite::Connection::open(dir.join("signaling.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    let tx = db.transaction().unwrap();
    let detail = json!({"to": [], "text": "z".repeat(60 * 1024)}).to_string();
    for i in 0..(mib * 1024 / 60) {
        tx.execute(
            "INSERT INTO record(session_id, at_ms, kind, actor, detail) VALUES (?1, ?2, 'chat', ?3, ?4)",
            rusqlite::params![session, i as i64, from, detail],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// `GET /healthz` on a connection of its own, from a plain thread (so that the test's own
/// busy runtime does not add to what is measured): its status line and how long it took.
fn healthz(port: u16) -> (String, Duration) {
    use std::io::{Read, Write};
    let t = Instant::now();
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    (answer.lines().next().unwrap_or_default().to_owned(), t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn healthz_and_joins_stay_fast_while_a_large_record_is_read() {
    let full = std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1");
    let mib = if full { 320 } else { 40 };
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    fill_record(&server.dir, &session, &alice_id, mib);
    let rss_before = rss_kib(&server.dir);

    // Three readers read the whole record again and again, page by page.
    let stop = Arc::new(AtomicBool::new(false));
    let pages = Arc::new(AtomicU64::new(0));
    let mut readers = vec![];
    for _ in 0..3 {
        let (stop, pages, session) = (stop.clone(), pages.clone(), session.clone());
        let mut http = server.login("alice").await;
        readers.push(tokio::spawn(async move {
            let mut after = 0;
            let mut entries = 0;
            while !stop.load(Relaxed) {
                let (status, page) = http.get(&format!("/api/sessions/{session}?after={after}")).await;
                assert_eq!(status, 200, "{page}");
                pages.fetch_add(1, Relaxed);
                entries += page["record"].as_array().unwrap().len();
                after = page["next"].as_i64().unwrap_or(0);
            }
            entries
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let rounds = if full { 40 } else { 15 };
    let port = server.port;
    let prober = std::thread::spawn(move || {
        (0..rounds * 4)
            .map(|_| {
                let (status, took) = healthz(port);
                assert!(status.contains(" 200 "), "{status}");
                std::thread::sleep(Duration::from_millis(25));
                took
            })
            .collect::<Vec<_>>()
    });
    let mut joins = vec![];
    let mut rss_max = rss_before;
    for i in 0..rounds {
        if i % 5 == 0 {
            let (code, _) = alice.invite(&session).await;
            let t = Instant::now();
            let (_, token) = join(&server, json!({"code": code, "name": format!("Dana {i}")})).await;
            let _p = Peer::customer(&server, &token).await;
            joins.push(t.elapsed());
        }
        rss_max = rss_max.max(rss_kib(&server.dir));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut health = tokio::task::spawn_blocking(move || prober.join().unwrap()).await.unwrap();
    stop.store(true, Relaxed);
    let mut read = 0;
    for r in readers {
        read += r.await.unwrap();
    }
    health.sort();
    let (worst, p95) = (health[health.len() - 1], health[health.len() * 95 / 100]);
    let join_worst = joins.iter().max().copied().unwrap_or_default();
    println!(
        "abuse: large_record_read record_mib={mib} pages_read={} entries_read={read} healthz_p95_ms={} healthz_max_ms={} customer_join_max_ms={} rss_mib_before={} rss_mib_max={} target=healthz<100ms {}",
        pages.load(Relaxed),
        p95.as_millis(),
        worst.as_millis(),
        join_worst.as_millis(),
        rss_before / 1024,
        rss_max / 1024,
        if worst < Duration::from_millis(100) { "ok" } else { "MISSED" }
    );
    assert!(pages.load(Relaxed) > 3, "the record was being read throughout");
    // The 100 ms target is printed above (and read from ./tests/abuse.sh's full run); on a
    // shared, loaded machine one probe can miss it by a scheduler slice. A read that blocked
    // the runtime, as before the page cap, holds /healthz for seconds: that fails here.
    assert!(worst < Duration::from_secs(1), "/healthz took {worst:?} while the record was read");
    assert!(join_worst < Duration::from_secs(2), "a customer join took {join_worst:?}");
    assert!(rss_max < 400 * 1024, "RSS reached {} MiB", rss_max / 1024);
}
