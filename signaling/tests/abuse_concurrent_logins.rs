//! Issue 12, finding 3: every sign-in took argon2's 19 MiB and nothing limited how many ran at
//! once (100 logins × 3 rounds: RSS 0.7 → 4.9 GB, 3.7 GB kept). Now at most a few hashes run
//! at once in reused memory and the rest wait (bounded) or hear `sign_in_busy`: N simultaneous
//! logins from N loopback addresses keep the service's RSS under [`RSS_BOUND_MIB`], and after
//! the burst it is back near where it was (within [`AFTER_MARGIN_MIB`]).
//! `ABUSE_FULL=1`: N = 300, three rounds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bound the issue asks to state: the service's RSS during a burst of logins.
const RSS_BOUND_MIB: f64 = 300.0;
/// After the burst: at most this much above the idle RSS before it. The argon2 blocks (19 MiB
/// per core, up to 4) are freed once nobody waits; what stays is connection buffers and such.
const AFTER_MARGIN_MIB: f64 = 40.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_logins_keep_memory_bounded_and_give_it_back() {
    let full = std::env::var("ABUSE_FULL").is_ok_and(|v| v == "1");
    let (n, rounds) = if full { (300, 3) } else { (40, 2) };
    let server = Arc::new(Server::start(&[]).await);
    let idle = server.rss_mib();
    let peak = Arc::new(Mutex::new(idle));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (server, peak, sampling) = (server.clone(), peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let rss = server.rss_mib();
                {
                    let mut p = peak.lock().unwrap();
                    *p = p.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let (mut ok, mut busy, mut slowest) = (0, 0, Duration::ZERO);
    for round in 0..rounds {
        let logins: Vec<_> = (0..n)
            .map(|i| {
                let ip = IpAddr::from([127, 1 + round as u8, (i / 200) as u8, 1 + (i % 200) as u8]);
                let url = format!("{}/api/login", server.base());
                tokio::spawn(async move {
                    let started = Instant::now();
                    let r = client_from(ip).post(url).json(&json!({"username": "alice", "password": PASSWORD})).send().await.unwrap();
                    let status = r.status().as_u16();
                    let body: serde_json::Value = r.json().await.unwrap_or_default();
                    (status, body["code"].as_str().unwrap_or_default().to_owned(), started.elapsed())
                })
            })
            .collect();
        for l in logins {
            let (status, code, took) = l.await.unwrap();
            slowest = slowest.max(took);
            match (status, code.as_str()) {
                (200, _) => ok += 1,
                (503, "sign_in_busy") => busy += 1,
                other => panic!("a login answered {other:?}"),
            }
        }
    }
    // Memory goes back once the burst is over (sampled for a few seconds).
    let mut after = server.rss_mib();
    for _ in 0..50 {
        if after <= idle + AFTER_MARGIN_MIB {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = server.rss_mib();
    }
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    let peak = *peak.lock().unwrap();
    let total = n * rounds;
    let holds = peak < RSS_BOUND_MIB && after <= idle + AFTER_MARGIN_MIB && ok > 0;
    println!(
        "abuse: concurrent_logins n={n} rounds={rounds} ok={ok} busy={busy} slowest_ms={} rss_idle_mib={idle:.0} rss_peak_mib={peak:.0} rss_after_mib={after:.0} target<{RSS_BOUND_MIB:.0}MiB {}",
        slowest.as_millis(),
        if holds { "ok" } else { "FAILED" }
    );
    assert_eq!(ok + busy, total);
    assert!(ok > 0, "some logins went through");
    assert!(peak < RSS_BOUND_MIB, "RSS peaked at {peak:.0} MiB");
    assert!(after <= idle + AFTER_MARGIN_MIB, "RSS stayed at {after:.0} MiB after the burst (idle {idle:.0} MiB)");
    // And the service still signs people in.
    server.login("bob").await;
}
