//! S10, S21: after the customer's grant, the agent's screen (a pattern on a real Xvfb) reaches
//! the CSR over a real peer connection as VP8 and decodes to the same picture; input without
//! a control grant changes nothing, with it the pointer moves; when the customer revokes, the
//! frames stop within one frame interval.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use test_support as xtest;

use common::console::Seen;
use common::*;
use protocol::media::{InputEvent, ShareTarget};
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode};
use std::time::{Duration, Instant};
use x11rb::protocol::xproto::ConnectionExt;
use xtest::draw::{Painter, QUADRANTS};

fn pointer(p: &Painter) -> (i16, i16) {
    let r = p.conn.query_pointer(p.root).unwrap().reply().unwrap();
    (r.root_x, r.root_y)
}

/// Colours (B, G, R) at the centres of the four quadrants of a decoded picture.
fn quadrant_colours(pic: &media::I420Frame) -> Vec<[u8; 3]> {
    let mut bgra = Vec::new();
    media::convert::i420_to_bgra(pic, &mut bgra).unwrap();
    let (w, h) = (pic.width, pic.height);
    [(w / 4, h / 4), (3 * w / 4, h / 4), (w / 4, 3 * h / 4), (3 * w / 4, 3 * h / 4)]
        .into_iter()
        .map(|(x, y)| {
            let i = ((y * w + x) * 4) as usize;
            [bgra[i], bgra[i + 1], bgra[i + 2]]
        })
        .collect()
}

fn bgr(rgb: u32) -> [u8; 3] {
    [(rgb & 0xff) as u8, (rgb >> 8 & 0xff) as u8, (rgb >> 16) as u8]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csr_sees_the_granted_screen_controls_only_with_a_grant_and_revocation_stops_it() {
    let x = xtest::Xvfb::start(640, 480);
    let painter = Painter::connect(&x.display);
    painter.quadrants(painter.root, 0, 0, 640, 480);
    let mut l = live_with(&[], &[("DISPLAY", x.display.as_str())]).await;

    // Without a grant the agent refuses to share.
    l.alice.to_agent(&PeerMessage::StartShare { target: ShareTarget::Monitor { index: 0 } }).await;
    let refused = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(refused, ErrorCode::ConsentRequired);

    assert!(consent(&mut l, Capability::ScreenView, "view", "asks to see your screen", "y").await);
    l.alice.start_share(&l.customer, Capability::ScreenView, ShareTarget::Monitor { index: 0 }).await;
    let size = l
        .alice
        .peer_msg("share started", |m| if let PeerMessage::ShareStarted { width, height, .. } = m { Some((*width, *height)) } else { None })
        .await;
    assert_eq!(size, (640, 480));
    l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
    l.alice.renegotiate().await;

    // The decoded picture is the pattern on the customer's screen.
    let pic = l.alice.until("a decoded picture", |s| if let Seen::VideoFrame(_, p) = s { Some(p.clone()) } else { None }).await;
    assert_eq!((pic.width, pic.height), (640, 480));
    for (i, got) in quadrant_colours(&pic).into_iter().enumerate() {
        let want = bgr(QUADRANTS[i]);
        assert!(got.iter().zip(want).all(|(g, w)| (*g as i32 - w as i32).abs() < 40), "quadrant {i}: {got:?} instead of {want:?}");
    }

    // Viewing is not controlling: input is dropped and the pointer stays.
    let before = pointer(&painter);
    l.alice.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.1, y: 0.1 } }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pointer(&painter), before, "input without the control grant moved the pointer");

    assert!(consent(&mut l, Capability::RemoteControl, "control", "asks to see and control your screen", "y").await);
    l.alice.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.1, y: 0.1 } }).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while pointer(&painter) != (64, 48) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pointer(&painter), (64, 48), "the pointer went where the CSR pointed");

    // The screen keeps changing (a blinking square), so frames keep coming until revocation.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s2, display) = (stop.clone(), x.display.clone());
    let blinker = std::thread::spawn(move || {
        let p = Painter::connect(&display);
        let mut n = 0u32;
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            p.fill(p.root, 300, 220, 40, 40, if n % 2 == 0 { 0x000000 } else { 0xffff00 });
            n += 1;
            std::thread::sleep(Duration::from_millis(16));
        }
    });
    for _ in 0..5 {
        l.alice.until("frames of a changing screen", |s| matches!(s, Seen::VideoFrame(..)).then_some(())).await;
    }

    l.agent.type_line("revoke remote_control");
    l.agent.type_line("revoke screen_view");
    let code =
        l.alice.peer_msg("share stopped", |m| if let PeerMessage::ShareStopped { reason } = m { Some(reason.code) } else { None }).await;
    let stopped = Instant::now();
    assert_eq!(code, ErrorCode::ConsentRevoked);
    // No picture captured later than one frame interval (33 ms at 30 fps) plus the time a packet
    // in flight takes on loopback before the stop reached the CSR. Pictures are dated by when the
    // agent captured them (their RTP timestamps), so one that waited in this busy test process
    // still counts from when it was sent.
    let grace = Duration::from_millis(33 + 30);
    let mut late = Vec::new();
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(s)) = tokio::time::timeout_at(until, l.alice.seen.recv()).await {
        if let Seen::VideoFrame(at, _) = s {
            if at > stopped + grace {
                late.push(at - stopped);
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    blinker.join().unwrap();
    assert!(late.is_empty(), "frames kept coming after the revocation: {late:?}");
    // And control is gone with it.
    l.alice.to_agent(&PeerMessage::Input { event: InputEvent::PointerMove { x: 0.9, y: 0.9 } }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pointer(&painter), (64, 48));
}
