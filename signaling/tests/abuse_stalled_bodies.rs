//! Issue 12, finding 1: a request whose body stops arriving half-way is ended after 15 s
//! without a byte; the connection does not stay open forever.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::edge::closed_by_server;
use common::Server;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn a_request_body_that_stops_arriving_ends_the_request() {
    let s = Server::start(&[]).await;
    let mut stalled = Vec::new();
    for path in ["/api/login", "/api/join"] {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).await.unwrap();
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"user");
        c.write_all(head.as_bytes()).await.unwrap();
        stalled.push(c);
    }
    let t = Instant::now();
    for c in stalled.iter_mut() {
        assert!(closed_by_server(c, Duration::from_secs(30)).await, "a stalled body kept its connection 30 s");
    }
    let took = t.elapsed();
    println!(
        "abuse: stalled_bodies n=2 ended_after_s={:.1} target<30s {}",
        took.as_secs_f64(),
        if took < Duration::from_secs(30) { "ok" } else { "FAILED" }
    );
}
