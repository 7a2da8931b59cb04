//! Issue 12, finding 4: a customer floods 60 KiB chat messages. The flood is held to the
//! chat budget (`rate_limited` answers to the flooder), the record grows only by what the
//! budget lets through, and the CSR stays connected and still gets a later ordinary message.
//! `ABUSE_FULL=1` floods for the 20 s (else 4 s) and prints an `abuse:` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/flood.rs"]
mod flood;
use common::*;
use flood::Flooder;
use serde_json::json;
use std::time::{Duration, Instant};

fn full() -> bool {
    std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1")
}

/// Bytes of chat text the record holds for `session`, read page by page.
async fn chat_bytes(http: &mut Http, session: &str) -> (usize, usize) {
    let (mut lines, mut bytes, mut after) = (0, 0, 0);
    loop {
        let (status, page) = http.get(&format!("/api/sessions/{session}?kind=chat&after={after}")).await;
        assert_eq!(status, 200, "{page}");
        for e in page["record"].as_array().unwrap() {
            lines += 1;
            bytes += e["detail"]["text"].as_str().unwrap_or("").len();
        }
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => return (lines, bytes),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_flood_is_held_to_its_budget_and_the_csr_stays_connected() {
    let server = Server::start(&[]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut csr = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (_, flood_token) = join(&server, json!({"code": code, "name": "Mallory"})).await;
    let (code, _) = alice.invite(&session).await;
    let (_, dana_token) = join(&server, json!({"code": code, "name": "Dana"})).await;
    let mut flooder = Flooder::customer(&server.ws_url(), &flood_token).await;
    let mut dana = Peer::customer(&server, &dana_token).await;

    // The CSR does not read during the flood (as a slow link would not keep up).
    let secs = if full() { 20 } else { 4 };
    let flood = json!({"type": "chat", "to": [alice_id], "text": "x".repeat(60 * 1024)});
    let start = Instant::now();
    let mut sent = 0usize;
    while start.elapsed() < Duration::from_secs(secs) {
        flooder.send(&flood).await;
        sent += 1;
    }
    // Every message is answered: its own line back, or a refusal.
    let is_line = |v: &serde_json::Value| v["type"] == "chat" && v["text"].as_str().is_some_and(|t| t.len() > 1000);
    let is_limited = |v: &serde_json::Value| v["type"] == "error" && v["code"] == "rate_limited";
    flooder.wait_for("answer to every message", |r| r.iter().filter(|v| is_line(v) || v["type"] == "error").count() >= sent).await;
    let accepted = flooder.count(is_line);
    let limited = flooder.count(is_limited);
    assert_eq!(flooder.count(|v| v["type"] == "error"), limited, "only rate_limited refusals");
    assert!(flooder.count(|v| is_limited(v) && v["message"].as_str().unwrap().contains("chat")) > 0, "the flooder is told which budget");
    assert!(limited > 0, "the flooder got rate_limited");
    // The budget: 192 KiB at once, then 8 KiB a second (protocol::limits).
    let budget = (192 * 1024 + 8 * 1024 * (start.elapsed().as_secs() as usize + 1)) / (60 * 1024) + 1;
    assert!(accepted <= budget, "{accepted} of {sent} floods got through; the budget allows {budget}");

    // Dana's ordinary message reaches the CSR, who was never dropped as a slow consumer.
    dana.send(json!({"type": "chat", "text": "My printer says E42."})).await;
    let got = csr.until("Dana's line", |v| v["type"] == "chat" && v["text"] == "My printer says E42.").await;
    assert_eq!(got["type"], "chat");
    let (_, metrics) = alice.get("/metrics").await;
    assert!(!metrics.as_str().unwrap().contains("code=\"slow_consumer\""), "nobody was dropped as a slow consumer");

    let (lines, bytes) = chat_bytes(&mut alice, &session).await;
    assert!(bytes <= 16 * 1024 * 1024, "the record stays under its cap");
    assert_eq!(lines, accepted + 1, "what was accepted, and only that, is recorded");
    println!(
        "abuse: chat_flood secs={secs} sent={sent} accepted={accepted} rate_limited={limited} record_chat_kib={} csr_connected=yes target=record<cap,csr_kept ok",
        bytes / 1024
    );
}
