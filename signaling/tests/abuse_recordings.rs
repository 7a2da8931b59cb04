//! Issue 12, finding 5: recordings were accepted after the customer revoked `recording` and
//! after the session ended, of any content type, without quota, and each download read the
//! whole file into memory (900 MiB × 3: RSS 0.29 → 3.0 GB). Now an upload needs a live session
//! and a live grant all the way through (a revocation mid-upload ends it and nothing of it is
//! kept), must be WebM, fits per-session and site quotas, and downloads stream from disk with
//! byte ranges. `ABUSE_FULL=1`: the download file is 900 MiB instead of 64 MiB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// Bytes of filler sent at once.
const CHUNK: usize = 1024 * 1024;

/// A session with a customer who granted `recording` to the host.
struct Recorded {
    session: String,
    host: Peer,
    customer: Peer,
}

async fn recorded_session(server: &Server, csr: &mut Http) -> Recorded {
    let (session, _) = csr.start_session().await;
    let mut host = Peer::csr(server, csr, &session).await;
    let (code, _) = csr.invite(&session).await;
    let (cus, token) = join(server, json!({"code": code})).await;
    let mut customer = Peer::customer(server, &token).await;
    host.send(json!({"type": "consent_request", "request": "rec", "customer": cus, "capability": "recording"})).await;
    customer.asked("rec").await;
    customer.send(json!({"type": "consent_answer", "request": "rec", "granted": true})).await;
    host.event("consent_granted").await;
    Recorded { session, host, customer }
}

async fn upload(server: &Server, http: &Http, session: &str, kind: &str, bytes: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/sessions/{session}/recordings", server.base()))
        .header("cookie", http.cookie.clone().unwrap_or_default())
        .header("content-type", kind)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or_default())
}

/// An upload written by hand over TCP, so it can be long and paused halfway.
struct RawUpload {
    read: tokio::net::tcp::OwnedReadHalf,
    resume: Option<oneshot::Sender<()>>,
    /// Holds the sending half open until the answer is read (a half-closed connection gets no
    /// answer from hyper).
    _writer: tokio::task::JoinHandle<Option<tokio::net::tcp::OwnedWriteHalf>>,
}

impl RawUpload {
    /// Sends `total` bytes (a WebM header, then filler); waits at `pause_at` until resumed.
    async fn start(server: &Server, http: &Http, session: &str, total: usize, pause_at: Option<usize>) -> RawUpload {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
        let (read, mut write) = stream.into_split();
        let (resume, resumed) = oneshot::channel::<()>();
        let head = format!(
            "POST /api/sessions/{session}/recordings HTTP/1.1\r\nhost: 127.0.0.1\r\ncookie: {}\r\ncontent-type: video/webm\r\ncontent-length: {total}\r\nconnection: close\r\n\r\n",
            http.cookie.clone().unwrap()
        );
        let writer = tokio::spawn(async move {
            let mut resumed = Some(resumed);
            if write.write_all(head.as_bytes()).await.is_err() {
                return None;
            }
            let mut sent = 0;
            let first = webm_bytes(CHUNK.min(total));
            while sent < total {
                if pause_at.is_some_and(|p| sent >= p) {
                    if let Some(r) = resumed.take() {
                        let _ = r.await;
                    }
                }
                let n = CHUNK.min(total - sent);
                let chunk = if sent == 0 { first.clone() } else { vec![0u8; n] };
                // The server may answer and close before everything is sent.
                if write.write_all(&chunk).await.is_err() {
                    return None;
                }
                sent += n;
            }
            Some(write)
        });
        RawUpload { read, resume: Some(resume), _writer: writer }
    }

    fn resume(&mut self) {
        if let Some(r) = self.resume.take() {
            let _ = r.send(());
        }
    }

    /// The status and JSON body of the answer.
    async fn answer(mut self) -> (u16, Value) {
        self.resume();
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(300), self.read.read_to_end(&mut got)).await;
        assert!(read.is_ok(), "no answer to the upload");
        let text = String::from_utf8_lossy(&got);
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(Value::String(body.into())))
    }
}

/// The `.webm` files stored for `session`.
fn stored(server: &Server, session: &str) -> usize {
    let dir = server.dir.join("recordings").join(session);
    std::fs::read_dir(dir).map(|d| d.flatten().filter(|f| f.path().extension().is_some_and(|e| e == "webm")).count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_need_a_live_grant_a_webm_body_and_room_in_the_quotas() {
    let server = Server::start(&["--max-session-recordings-mib", "1", "--max-recordings-mib", "2"]).await;
    let mut alice = server.login("alice").await;
    let mut r = recorded_session(&server, &mut alice).await;
    let s = r.session.clone();

    // Not WebM: refused with a stable code, nothing kept.
    let (st, e) = upload(&server, &alice, &s, "text/html", b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert_eq!((st, e["code"].as_str()), (415, Some("not_webm")), "{e}");
    let (st, e) = upload(&server, &alice, &s, "video/webm", [b"MZ\x90\x00".as_slice(), &[0u8; 4096]].concat()).await;
    assert_eq!((st, e["code"].as_str()), (415, Some("not_webm")), "{e}");
    assert_eq!(stored(&server, &s), 0);

    // Per-session quota (1 MiB).
    let (st, e) = upload(&server, &alice, &s, "video/webm", webm_bytes(600 * 1024)).await;
    assert_eq!(st, 200, "{e}");
    let (st, e) = upload(&server, &alice, &s, "video/webm", webm_bytes(600 * 1024)).await;
    assert_eq!((st, e["code"].as_str()), (507, Some("session_recordings_full")), "{e}");

    // Site quota (2 MiB): two more sessions fill it.
    let mut bob = server.login("bob").await;
    let other = recorded_session(&server, &mut bob).await;
    let (st, _) = upload(&server, &bob, &other.session, "video/webm", webm_bytes(900 * 1024)).await;
    assert_eq!(st, 200);
    let mut carol = server.login("carol").await;
    let third = recorded_session(&server, &mut carol).await;
    let (st, e) = upload(&server, &carol, &third.session, "video/webm", webm_bytes(700 * 1024)).await;
    assert_eq!((st, e["code"].as_str()), (507, Some("recordings_storage_full")), "{e}");

    // After a revocation: refused.
    r.customer.send(json!({"type": "consent_revoke", "capability": "recording"})).await;
    r.host.event("consent_revoked").await;
    let (st, e) = upload(&server, &alice, &s, "video/webm", webm_bytes(1000)).await;
    assert_eq!((st, e["code"].as_str()), (409, Some("consent_required")), "{e}");

    // After the session ended: refused.
    let (st, _) = bob.post(&format!("/api/sessions/{}/end", other.session), json!({})).await;
    assert_eq!(st, 200);
    let (st, e) = upload(&server, &bob, &other.session, "video/webm", webm_bytes(1000)).await;
    assert_eq!((st, e["code"].as_str()), (410, Some("session_ended")), "{e}");
    assert_eq!(stored(&server, &s), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_or_the_end_during_an_upload_ends_it_and_nothing_of_it_is_kept() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let mut r = recorded_session(&server, &mut alice).await;
    let mut up = RawUpload::start(&server, &alice, &r.session, 32 * CHUNK, Some(8 * CHUNK)).await;
    // Halfway, the customer revokes; the rest arrives afterwards.
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.customer.send(json!({"type": "consent_revoke", "capability": "recording"})).await;
    r.host.event("consent_revoked").await;
    up.resume();
    let (st, e) = up.answer().await;
    assert_eq!((st, e["code"].as_str()), (409, Some("consent_revoked")), "{e}");
    assert_eq!(stored(&server, &r.session), 0, "the partial file is deleted");
    let (_, detail) = alice.get(&format!("/api/sessions/{}", r.session)).await;
    assert!(!detail["record"].as_array().unwrap().iter().any(|e| e["kind"] == "recording_saved"));

    // The same when the session ends during an upload.
    let mut bob = server.login("bob").await;
    let other = recorded_session(&server, &mut bob).await;
    let mut up = RawUpload::start(&server, &bob, &other.session, 32 * CHUNK, Some(8 * CHUNK)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, _) = bob.post(&format!("/api/sessions/{}/end", other.session), json!({})).await;
    assert_eq!(st, 200);
    up.resume();
    let (st, e) = up.answer().await;
    assert_eq!((st, e["code"].as_str()), (410, Some("session_ended")), "{e}");
    assert_eq!(stored(&server, &other.session), 0, "the partial file is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_recording_downloads_in_pieces_without_growing_memory() {
    let full = std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1");
    let mib = if full { 900 } else { 64 };
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let r = recorded_session(&server, &mut alice).await;
    let (st, saved) = RawUpload::start(&server, &alice, &r.session, mib * CHUNK, None).await.answer().await;
    assert_eq!(st, 200, "{saved} {}", server.log());
    let rec = saved["recording"].as_str().unwrap().to_owned();
    let url = format!("{}/api/sessions/{}/recordings/{rec}", server.base(), r.session);
    let cookie = alice.cookie.clone().unwrap();
    let client = reqwest::Client::new();

    // A seek: one range, 206.
    let part = client.get(&url).header("cookie", &cookie).header("range", "bytes=0-99").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 0-99/{}", mib * CHUNK).as_str());
    assert_eq!(part.bytes().await.unwrap().to_vec(), webm_bytes(100));
    let past = client.get(&url).header("cookie", &cookie).header("range", format!("bytes={}-", mib * CHUNK)).send().await.unwrap();
    assert_eq!(past.status(), 416);

    let idle = server.rss_mib();
    let mut peak = idle;
    for _ in 0..3 {
        let mut resp = client.get(&url).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let mut got = 0usize;
        while let Some(chunk) = resp.chunk().await.unwrap() {
            got += chunk.len();
            if got % (16 * CHUNK) < chunk.len() {
                peak = peak.max(server.rss_mib());
            }
        }
        assert_eq!(got, mib * CHUNK);
    }
    let grew = peak - idle;
    println!(
        "abuse: recordings download_mib={mib} x3 rss_idle_mib={idle:.0} rss_peak_mib={peak:.0} grew_mib={grew:.0} target<64MiB {}",
        if grew < 64.0 { "ok" } else { "FAILED" }
    );
    assert!(grew < 64.0, "RSS grew by {grew:.0} MiB while downloading");
}
