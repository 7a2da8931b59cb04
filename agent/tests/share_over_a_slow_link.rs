//! A shared screen over a slow link keeps up with the CSR: the agent's congestion controller
//! (agent/src/estimator.rs, on the console's transport-wide feedback) lowers the share's
//! bitrate and picture rate to what the path carries, so pictures arrive a moment after they
//! were taken instead of waiting in a full queue. The link is real packets through an emulated
//! bottleneck between two network namespaces (tests/wan): 2 Mbit/s, 40 ms round trip, a 1 s
//! drop-tail queue. The customer's screen is as busy as a video: encoded at the picture size's
//! bitrate it needs several times the link (measured: with the share not following the
//! estimate, no picture at all got through in 10 s and 26 000 packets were dropped at the
//! queue). The lag is compared with the same share over the same round trip without the
//! bottleneck, measured in the same run, so a busy machine's slower encoding is not counted
//! against the controller. Needs root (namespaces, TUN), as the test command runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use test_support as xtest;

use common::console::{Console, Seen};
use common::*;
use protocol::media::ShareTarget;
use protocol::peer::PeerMessage;
use protocol::Capability;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use wan::{Emulator, LinkConfig};
use xtest::draw::BusyScreen;

const RATE_BPS: u64 = 2_000_000;

/// Lag of each picture shown in `window` after `warmup`: arrival minus its capture instant
/// (RTP timestamps placed on the console's clock through the least-delayed picture).
async fn lags(alice: &mut Console, warmup: Duration, window: Duration) -> Vec<Duration> {
    let start = Instant::now();
    let mut lags = Vec::new();
    let mut asked = None;
    while start.elapsed() < warmup + window {
        let Ok(Some(seen)) = tokio::time::timeout(Duration::from_millis(200), alice.seen.recv()).await else { continue };
        match seen {
            Seen::VideoFrame(captured, _) if start.elapsed() >= warmup => lags.push(Instant::now().saturating_duration_since(captured)),
            // As a browser does (PLI), at most every half second.
            Seen::Undecodable if asked.is_none_or(|t: Instant| t.elapsed() > Duration::from_millis(500)) => {
                alice.to_agent(&PeerMessage::KeyframeRequest).await;
                asked = Some(Instant::now());
            }
            _ => {}
        }
    }
    lags.sort();
    lags
}

/// The lags the CSR sees over a link of `rate_bps` (`None`: no bottleneck, the same 40 ms round
/// trip), with the customer's busy screen shared for ten seconds after ten to find the rate.
fn share_lags(display: &str, tag: &str, rate_bps: Option<u64>) -> Vec<Duration> {
    let name = format!("ag{tag}{}", std::process::id());
    let config = LinkConfig { delay: Duration::from_millis(20), loss: 0.0, rate_bps, queue: Duration::from_secs(1), seed: 7 };
    let link = Emulator::up(&name, &config, Duration::ZERO).expect("the emulated link (needs root and /dev/net/tun)");
    link.wait_reachable(Duration::from_secs(5)).expect("the emulated link carries packets");
    let (side_a, side_b) = wan::emulator::namespaces(&name);

    // Signaling and the CSR's console on side b, the customer's agent on side a: everything
    // between them crosses the link.
    let display = display.to_owned();
    let lags = wan::netns::within(&side_b, move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        Ok(rt.block_on(async move {
            let sig = signaling::Signaling::start_on(wan::ADDR_B.into(), &[]).await;
            let cookie = sig.login("alice").await;
            let started = sig.post(&cookie, "/api/sessions", serde_json::json!({"session_type_id": 1})).await;
            let session = started["session_id"].as_str().unwrap().to_owned();
            let mut alice = Console::open(&sig.base, &cookie, &session).await;
            let inv = sig.post(&cookie, &format!("/api/sessions/{session}/invitations"), serde_json::json!({})).await;
            let dirs = tempfile::tempdir().unwrap();
            let code = inv["code"].as_str().unwrap();
            let mut agent = Agent::join_in(Some(&side_a), code, &sig.base, dirs.path(), &[], &[("DISPLAY", display.as_str())]);
            agent.expect("Connected to support session");
            let customer = alice.customer_online().await;
            alice.connect(&customer).await;
            let mut l = Live { sig, alice, agent, customer, session, cookie, dirs };

            assert!(consent(&mut l, Capability::ScreenView, "view", "asks to see your screen", "y").await);
            l.alice.start_share(&l.customer, Capability::ScreenView, ShareTarget::Monitor { index: 0 }).await;
            l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
            l.alice.renegotiate().await;
            lags(&mut l.alice, Duration::from_secs(10), Duration::from_secs(10)).await
        }))
    })
    .expect("the CSR's side of the link");
    eprintln!(
        "{tag}: {} pictures in 10 s; lag median {:?}, p90 {:?}; agent→console packets dropped at the full queue: {}",
        lags.len(),
        pct(&lags, 50),
        pct(&lags, 90),
        link.counters[0].queue_full.load(Ordering::Relaxed)
    );
    lags
}

fn pct(lags: &[Duration], p: usize) -> Duration {
    lags.get((lags.len() * p / 100).min(lags.len().saturating_sub(1))).copied().unwrap_or(Duration::MAX)
}

#[test]
fn a_busy_screen_shared_over_a_slow_link_keeps_up() {
    let x = xtest::Xvfb::start(1280, 720);
    // The customer's screen changes all over, 60 times a second.
    let busy = BusyScreen::start(&x.display, 1280, 720);
    // The baseline of the same run: the same share and round trip without the bottleneck. What
    // it shows is capture, encoding and decoding on this machine (slower when it is busy).
    let fast = share_lags(&x.display, "fast", None);
    let slow = share_lags(&x.display, "slow", Some(RATE_BPS));
    drop(busy);

    assert!(slow.len() >= 20, "the share keeps moving: {} pictures in 10 s", slow.len());
    // What the bottleneck adds to the lag is the queue the share leaves standing there: well
    // under a quarter of the full queue's second, so the CSR sees the screen as it is.
    let added = |p| pct(&slow, p).saturating_sub(pct(&fast, p));
    assert!(
        added(50) < Duration::from_millis(200),
        "pictures arrive soon after they are taken: median lag {:?} against {:?} without the bottleneck (a full queue is 1 s)",
        pct(&slow, 50),
        pct(&fast, 50)
    );
    assert!(added(90) < Duration::from_millis(400), "and stay so: p90 lag {:?} against {:?}", pct(&slow, 90), pct(&fast, 90));
}
