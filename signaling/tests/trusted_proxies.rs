//! `--trusted-proxies`: behind the operator's proxy each client has its own rate-limit bucket
//! (from `X-Forwarded-For`); from anyone else the header is ignored, so it cannot be used to
//! pick a fresh bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use serde_json::json;

/// Wrong invitation codes sent with `X-Forwarded-For: forwarded` until refused as
/// `rate_limited`; how many were answered before that.
async fn guesses_until_limited(s: &Server, forwarded: &str) -> usize {
    let client = reqwest::Client::new();
    for n in 0..30 {
        let resp = client
            .post(format!("{}/api/join", s.base()))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"code": "000-000-000"}))
            .send()
            .await
            .unwrap();
        if resp.status().as_u16() == 429 {
            return n;
        }
    }
    30
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let behind_proxy = Server::start(&["--trusted-proxies", "127.0.0.0/8"]).await;
    let first = guesses_until_limited(&behind_proxy, "203.0.113.1").await;
    assert!(first < 30, "the limit applies per client");
    assert_eq!(guesses_until_limited(&behind_proxy, "203.0.113.2").await, first, "another client behind the proxy has its own bucket");

    let direct = Server::start(&[]).await;
    let first = guesses_until_limited(&direct, "203.0.113.1").await;
    assert_eq!(guesses_until_limited(&direct, "203.0.113.2").await, 0, "a made-up header does not buy a new bucket ({first} before)");
}
