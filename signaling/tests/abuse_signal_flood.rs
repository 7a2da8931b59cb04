//! Issue 12, finding 4: a customer floods the CSR with 60 KiB SDP offers. The relay budget
//! holds the flood (`rate_limited` to the flooder); the CSR, who does not read meanwhile (a
//! slow link), is not dropped as a slow consumer, gets only what the budget let through, and
//! then an ordinary message. `ABUSE_FULL=1` floods 20 s (else 4 s) and prints an `abuse:` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/flood.rs"]
mod flood;
use common::*;
use flood::Flooder;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_flood_is_held_to_its_budget_and_the_receiver_stays_connected() {
    let full = std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1");
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut csr = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (_, token) = join(&server, json!({"code": code, "name": "Mallory"})).await;
    let mut flooder = Flooder::customer(&server.ws_url(), &token).await;

    let secs = if full { 20 } else { 4 };
    let offer = json!({"type": "signal", "to": alice_id, "payload": {"kind": "offer", "sdp": "v=0 ".repeat(15 * 1024)}});
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        flooder.send(&offer).await;
        sent += 1;
    }
    let elapsed = start.elapsed().as_secs() as usize + 1;
    flooder.send(&json!({"type": "chat", "text": "done"})).await;
    flooder.wait_for("its own line", |r| r.iter().any(|v| v["type"] == "chat" && v["text"] == "done")).await;
    let limited = flooder.count(|v| v["type"] == "error" && v["code"] == "rate_limited");
    assert_eq!(flooder.count(|v| v["type"] == "error"), limited, "only rate_limited refusals");
    assert!(limited > 0, "the flooder got rate_limited");

    // The CSR reads now: the offers the budget allowed, then the ordinary line.
    let mut relayed = 0usize;
    loop {
        let v = csr.recv().await;
        if v["type"] == "signal" {
            relayed += 1;
        }
        if v["type"] == "chat" && v["text"] == "done" {
            break;
        }
        assert_ne!(v["type"], "error", "the CSR was not refused anything: {v}");
    }
    // 512 KiB at once, then 64 KiB a second (protocol::limits).
    let budget = (512 * 1024 + 64 * 1024 * elapsed) / (60 * 1024) + 1;
    assert!(relayed <= budget, "{relayed} offers relayed; the budget allows {budget}");
    let (_, metrics) = alice.get("/metrics").await;
    assert!(!metrics.as_str().unwrap().contains("code=\"slow_consumer\""), "nobody was dropped as a slow consumer");
    println!(
        "abuse: signal_flood secs={secs} sent={sent} relayed={relayed} rate_limited={limited} csr_connected=yes target=no_slow_consumer ok"
    );
}
