//! Issue 12, finding 1: silent and slow-header TCP connections from many addresses neither
//! keep a CSR from signing in nor a customer from joining, and are closed at the header
//! deadline (10 s). Full size (`ABUSE_FULL=1`): 2,500 silent + 2,500 slow-header sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::edge::{closed_by_server, connect_from, full, loopback, raise_open_files, rss_mib, size};
use common::{join, Peer, Server};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slow_header_sockets_do_not_keep_csrs_or_customers_out() {
    raise_open_files();
    let s = Server::start(&[]).await;
    let half = size(300, 2500);
    // From 40 addresses (full: 100), under the per-address cap of 256.
    let addresses = size(40, 100);
    let mut silent = Vec::new();
    let mut slow = Vec::new();
    for i in 0..half {
        silent.push(connect_from(loopback(i % addresses), s.port).await.expect("silent connection"));
        let mut c = connect_from(loopback(i % addresses + addresses), s.port).await.expect("slow connection");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("half a request");
        slow.push(c);
    }
    // And a few keep-alive connections left idle after one request.
    for i in 0..10 {
        let mut c = connect_from(loopback(2 * addresses + i), s.port).await.expect("keep-alive connection");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("a request");
        silent.push(c);
    }
    let opened = Instant::now();
    // A trickle of header lines keeps the slow ones busy but never finishes the head.
    let trickle = tokio::spawn(async move {
        for n in 0.. {
            for c in slow.iter_mut() {
                let _ = c.write_all(format!("X-Slow-{n}: 1\r\n").as_bytes()).await;
            }
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if n > 8 {
                break;
            }
        }
        slow
    });

    let t = Instant::now();
    let mut alice = s.login("alice").await;
    let csr_login = t.elapsed();
    let (session, _) = alice.start_session().await;
    let (code, _) = alice.invite(&session).await;
    let t = Instant::now();
    let (_, token) = join(&s, json!({ "code": code })).await;
    let mut customer = Peer::customer(&s, &token).await;
    let customer_join = t.elapsed();
    let mut csr = Peer::csr(&s, &alice, &session).await;
    csr.roster(|r| r["participants"].as_array().is_some_and(|p| p.len() == 2)).await;
    customer.roster(|r| r["participants"].as_array().is_some_and(|p| p.len() == 2)).await;
    let rss = s.pid().map_or(0, rss_mib);

    // Every silent socket is closed by the header deadline (10 s), with margin.
    let deadline = Duration::from_secs(20).saturating_sub(opened.elapsed());
    let mut closed = 0;
    for c in silent.iter_mut() {
        closed += usize::from(closed_by_server(c, deadline).await);
    }
    let mut slow = trickle.await.expect("trickle");
    let mut slow_closed = 0;
    for c in slow.iter_mut() {
        slow_closed += usize::from(closed_by_server(c, Duration::from_secs(1)).await);
    }
    let closed_after = opened.elapsed();
    let quiet = half + 10;
    let target = if full() { Duration::from_millis(1000) } else { Duration::from_secs(5) };
    println!(
        "abuse: silent_connections n={} csr_login_ms={} customer_join_ms={} rss_mib={rss} silent_or_idle_closed={closed}/{quiet} slow_closed={slow_closed}/{half} closed_within_s={} target<{}ms {}",
        2 * half,
        csr_login.as_millis(),
        customer_join.as_millis(),
        closed_after.as_secs(),
        target.as_millis(),
        if csr_login < target && customer_join < target && closed == half + 10 && slow_closed == half { "ok" } else { "FAILED" }
    );
    assert!(csr_login < target, "CSR sign-in took {csr_login:?}");
    assert!(customer_join < target, "customer join took {customer_join:?}");
    assert_eq!(closed, half + 10, "silent and idle keep-alive sockets closed at the header deadline");
    assert_eq!(slow_closed, half, "slow-header sockets closed at the header deadline");
}
