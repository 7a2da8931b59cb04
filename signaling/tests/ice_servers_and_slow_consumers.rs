//! Each participant gets STUN/TURN servers with its own short-lived TURN credential in
//! coturn's `use-auth-secret` convention; and a participant that stops reading is dropped
//! without stalling anyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_hands_out_turn_credentials_coturn_accepts() {
    let args = [
        "--stun-urls",
        "stun:127.0.0.1:3478",
        "--turn-urls",
        "turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp",
        "--turn-ttl",
        "600",
    ];
    let server = Server::start_with_env(&args, &[("SIGNALING_TURN_SECRET", "s3cret-for-tests")]).await;
    let mut alice = server.login("alice").await;
    let (session, alice_id) = alice.start_session().await;
    let mut p = Peer::open(&server, alice.cookie.as_deref()).await;
    p.send(json!({"type": "hello", "protocol_version": 1, "session": session})).await;
    let w = p.recv().await;
    assert_eq!(w["ice_credential_ttl"], 600);
    let servers = w["ice_servers"].as_array().unwrap();
    assert_eq!(servers[0]["urls"][0], "stun:127.0.0.1:3478");
    let turn = &servers[1];
    assert_eq!(turn["urls"].as_array().unwrap().len(), 2);
    let username = turn["username"].as_str().unwrap();
    let (expiry, id) = username.split_once(':').unwrap();
    assert_eq!(id, alice_id);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let expiry: u64 = expiry.parse().unwrap();
    assert!(expiry > now + 590 && expiry <= now + 601, "expiry {expiry} vs now {now}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"s3cret-for-tests").unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(turn["credential"], expected.as_str());
    assert!(!server.log().contains("s3cret-for-tests"), "the TURN secret never reaches the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_that_stops_reading_is_dropped_and_the_others_go_on() {
    // Relayed offers fill the stuck customer's queue; the relay budget (which normally keeps
    // any sender from pushing that much) is raised so that they can.
    let server = Server::start(&["--relay-kib-per-second", "1000000"]).await;
    let mut alice = server.login("alice").await;
    let (session, _) = alice.start_session().await;
    let mut a = Peer::csr(&server, &alice, &session).await;
    let (code, _) = alice.invite(&session).await;
    let (cus, token) = join(&server, json!({"code": code})).await;
    let stuck = Peer::customer(&server, &token).await; // never read from again
    let sdp = "x".repeat(60 * 1024);
    // Alice's offers pass 300 at once, then 30 a second (the message budget stays): she sends
    // in rounds, and the session keeps relaying until the customer's queue is full.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut dropped = false;
    let mut round = 0;
    while !dropped && std::time::Instant::now() < deadline {
        for _ in 0..50 {
            a.send(json!({"type": "signal", "to": cus, "payload": {"kind": "offer", "sdp": sdp}})).await;
        }
        // Alice is answered throughout: a session stalled behind the stuck customer would
        // never answer. The answer is a pong, or `rate_limited` for the ping itself (its own
        // budget): either way the session answered. (How fast is a benchmark's business; on a
        // loaded machine an answer behind a burst of 60 KiB offers may take seconds.)
        round += 1;
        let r#ref = format!("ping-{round}");
        a.send(json!({"type": "ping", "ref": r#ref})).await;
        loop {
            let m = a.next_within(Duration::from_secs(60)).await.expect("the session answers Alice while a customer is stuck");
            if m["type"] == "pong" || m["ref"] == r#ref.as_str() {
                break;
            }
        }
        let (_, m) = alice.get("/metrics").await;
        dropped = m.as_str().unwrap().contains("code=\"slow_consumer\"");
        if !dropped {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    assert!(dropped, "the stuck customer was never dropped");
    // The drop shows as the customer going offline, recorded like any presence change.
    let (_, detail) = alice.get(&format!("/api/sessions/{session}")).await;
    let offline = detail["record"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "presence_changed" && e["detail"]["id"] == cus.as_str() && e["detail"]["online"] == false);
    assert!(offline, "{:#?}", detail["record"].as_array().unwrap().iter().map(|e| &e["kind"]).collect::<Vec<_>>());
    drop(stuck);
}
