//! Issue 12, finding 1: SIGTERM with a half-sent request, a silent connection, an idle
//! keep-alive connection, a socket without `hello` and a live participant still ends the
//! service within 10 s; the participant gets a close frame saying `unavailable`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Peer, Server};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_half_sent_requests_and_open_sockets_exits_within_ten_seconds() {
    let mut s = Server::start(&[]).await;
    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut csr = Peer::csr(&s, &alice, &session).await;
    let _pending = Peer::open(&s, None).await;

    let mut half = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
    half.write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"user").await.unwrap();
    let mut half_head = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
    half_head.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let _silent = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
    let _idle = reqwest::Client::new().get(format!("{}/healthz", s.base())).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopped = tokio::task::spawn_blocking(move || {
        let r = s.terminate(Duration::from_secs(15));
        (r, s)
    });
    let told = csr.closed().await;
    let (result, s) = stopped.await.unwrap();
    let (took, success) = result.unwrap_or_else(|| panic!("still running 15 s after SIGTERM; log:\n{}", s.log()));
    println!(
        "abuse: shutdown exit_ms={} exit_ok={success} participant_told={} target<10000ms {}",
        took.as_millis(),
        told.as_deref().unwrap_or("nothing"),
        if took < Duration::from_secs(10) && success { "ok" } else { "FAILED" }
    );
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    assert!(success, "exit status; log:\n{}", s.log());
    assert_eq!(told.as_deref(), Some("unavailable"));
}
