//! Issue 12, finding 2: WebSockets that never say `hello` — pinging all the while — are closed
//! at the hello deadline (10 s from the upgrade), and while they are held a CSR and a customer
//! still connect with `--max-connections 300` and 320 such sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::edge::{connect_from, loopback, raise_open_files, size};
use common::{join, Peer, Server};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinging_sockets_without_hello_cannot_hold_the_places_of_csrs_and_customers() {
    raise_open_files();
    let s = Server::start(&["--max-connections", "300"]).await;
    let held = size(320, 320);
    let mut sockets = Vec::new();
    let opened = Instant::now();
    for i in 0..held {
        // 10 sockets per address, half the per-address share of pending sockets.
        let tcp = connect_from(loopback(i / 10), s.port).await.expect("connect");
        let req = s.ws_url().into_client_request().unwrap();
        let (ws, _) = tokio_tungstenite::client_async(req, tcp).await.expect("upgrade");
        sockets.push(ws);
    }
    // Every socket pings every second and counts how long it stayed open.
    let pingers: Vec<_> = sockets
        .into_iter()
        .map(|ws| {
            tokio::spawn(async move {
                let (mut tx, mut rx) = ws.split();
                let mut first_error = None;
                loop {
                    tokio::select! {
                        m = rx.next() => match m {
                            Some(Ok(Message::Text(t))) => first_error = first_error.or(Some(t.to_string())),
                            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return (opened.elapsed(), first_error),
                            Some(Ok(_)) => {}
                        },
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {
                            if tx.send(Message::Ping(Vec::new().into())).await.is_err() {
                                return (opened.elapsed(), first_error);
                            }
                        }
                    }
                }
            })
        })
        .collect();

    let mut alice = s.login("alice").await;
    let (session, _) = alice.start_session().await;
    let t = Instant::now();
    let mut csr = Peer::csr(&s, &alice, &session).await;
    let csr_ms = t.elapsed().as_millis();
    let (code, _) = alice.invite(&session).await;
    let (_, token) = join(&s, json!({ "code": code })).await;
    let t = Instant::now();
    let _customer = Peer::customer(&s, &token).await;
    let customer_ms = t.elapsed().as_millis();
    csr.roster(|r| r["participants"].as_array().is_some_and(|p| p.len() == 2)).await;

    let mut longest = Duration::ZERO;
    let mut told = 0;
    for p in pingers {
        let (open_for, error) = tokio::time::timeout(Duration::from_secs(30), p).await.expect("socket closed").expect("pinger");
        longest = longest.max(open_for);
        told += usize::from(error.is_some_and(|e| e.contains("hello_required")));
    }
    println!(
        "abuse: held_websockets n={held} max_connections=300 csr_connect_ms={csr_ms} customer_connect_ms={customer_ms} longest_held_s={:.1} told_hello_required={told}/{held} target: closed<15s {}",
        longest.as_secs_f64(),
        if longest < Duration::from_secs(15) { "ok" } else { "FAILED" }
    );
    assert!(longest < Duration::from_secs(15), "a pinging socket without hello stayed {longest:?}");
    assert_eq!(told, held, "each was told hello_required");
}
