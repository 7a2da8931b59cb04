//! Issue 12, finding 1: at a connection cap — one address's, or the total (which the
//! open-files limit also bounds) — the oldest connection that never sent a request is closed
//! to make room, so a client that sends its request at once is served.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::edge::{closed_by_server, connect_from, loopback, raise_open_files, size};
use common::Server;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET /healthz` from `from`; the time until the answer, if it was `200`.
async fn healthz_from(from: std::net::IpAddr, port: u16) -> Option<Duration> {
    let t = Instant::now();
    let mut c = connect_from(from, port).await.ok()?;
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.ok()?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut answer)).await.ok()?.ok()?;
    answer.starts_with(b"HTTP/1.1 200").then(|| t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_make_room_for_clients_that_send_a_request() {
    raise_open_files();
    // Total cap: --max-connections 1 + 1,000 pending WebSockets + 2,048 HTTP = 3,049.
    let s = Server::start(&["--connections-per-address", "50", "--max-connections", "1"]).await;

    // One address: 200 silent connections, only 50 kept; its own request still gets through.
    let me = loopback(0);
    let mut mine = Vec::new();
    for _ in 0..200 {
        mine.push(connect_from(me, s.port).await.unwrap());
    }
    let own = healthz_from(me, s.port).await.expect("a request from a full address is served");
    let mut closed = 0;
    for c in mine.iter_mut().take(150) {
        closed += usize::from(closed_by_server(c, Duration::from_secs(5)).await);
    }
    assert_eq!(closed, 150, "the oldest silent connections of the address made room");
    drop(mine);

    // All addresses: more silent connections than the total cap, from 50 per address.
    let n = size(3200, 3200);
    let mut silent = Vec::new();
    for i in 0..n {
        silent.push(connect_from(loopback(1 + i / 50), s.port).await.unwrap());
    }
    let mut worst = Duration::ZERO;
    for i in 0..20 {
        let took = healthz_from(loopback(100 + i), s.port).await.expect("served at the total cap");
        worst = worst.max(took);
    }
    println!(
        "abuse: connection_caps per_address=50 own_request_ms={} total_cap=3049 silent={n} healthz_worst_ms={} target<1000ms {}",
        own.as_millis(),
        worst.as_millis(),
        if worst < Duration::from_secs(1) && own < Duration::from_secs(1) { "ok" } else { "FAILED" }
    );
    assert!(own < Duration::from_secs(5) && worst < Duration::from_secs(5), "own {own:?}, worst {worst:?}");
}
