//! Offers worded by other WebRTC stacks (issue 15, interop). Safari lists H264 before VP8; a
//! console on another stack may offer no VP8 at all. The agent sends VP8 video and Opus audio
//! only: its answer holds nothing else, its share goes out under the payload type the offer
//! gave VP8 whatever the order, and without VP8 a share or camera is refused with
//! `unsupported_codec` while the rest of the session (the control channel) goes on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use test_support as xtest;

use common::console::Seen;
use common::*;
use protocol::media::{MediaKind, ShareTarget};
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode};
use xtest::draw::Painter;

/// The payload type the test console's own offer gives VP8 (rtc.rs registers it there).
const VP8_PT: u8 = 96;
const H264: &str = "a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

/// Rewrites each video section: `formats` gives the m-line's payload types from the offer's;
/// lines of payload types the new m-line drops go; H264 as 102 comes before the first rtpmap.
fn edit_video(sdp: &str, formats: fn(&[&str]) -> Vec<String>) -> String {
    let mut out: Vec<String> = vec![];
    let (mut kept, mut in_video, mut added) = (Vec::<String>::new(), false, false);
    for line in sdp.split("\r\n") {
        if let Some(rest) = line.strip_prefix("m=") {
            in_video = rest.starts_with("video ");
            added = false;
            if in_video {
                let parts: Vec<&str> = rest.split(' ').collect();
                kept = formats(&parts[3..]);
                out.push(format!("m={} {}", parts[..3].join(" "), kept.join(" ")));
                continue;
            }
        }
        if in_video {
            let pt = ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"].iter().find_map(|p| line.strip_prefix(p)).and_then(|r| r.split(' ').next());
            if let Some(pt) = pt {
                if !added && line.starts_with("a=rtpmap:") {
                    out.push(H264.to_owned());
                    added = true;
                }
                if !kept.iter().any(|k| k == pt) {
                    continue;
                }
            }
        }
        out.push(line.to_owned());
    }
    out.join("\r\n")
}

fn h264_first(sdp: &str) -> String {
    edit_video(sdp, |pts| std::iter::once("102".to_owned()).chain(pts.iter().map(|p| p.to_string())).collect())
}

fn h264_only(sdp: &str) -> String {
    edit_video(sdp, |_| vec!["102".to_owned()])
}

#[test]
fn the_sdp_edits_say_what_the_tests_mean() {
    let sdp = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
    let first = h264_first(sdp);
    assert!(first.contains("m=video 9 UDP/TLS/RTP/SAVPF 102 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:102 H264/90000\r\n"), "{first}");
    assert!(first.contains("a=rtpmap:96 VP8/90000") && first.contains("a=rtpmap:111 opus"));
    let only = h264_only(sdp);
    assert!(only.contains("m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"), "{only}");
    assert!(!only.contains("VP8") && !only.contains("apt=96") && only.contains("a=rtpmap:111 opus"), "{only}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_listing_h264_before_vp8_gets_a_vp8_share_it_can_decode() {
    let x = xtest::Xvfb::start(640, 480);
    let painter = Painter::connect(&x.display);
    painter.quadrants(painter.root, 0, 0, 640, 480);
    let mut l = live_offering(&[], &[("DISPLAY", x.display.as_str())], h264_first).await;

    assert!(consent(&mut l, Capability::ScreenView, "view", "asks to see your screen", "y").await);
    l.alice.start_share(&l.customer, Capability::ScreenView, ShareTarget::Monitor { index: 0 }).await;
    l.alice.peer_msg("share started", |m| matches!(m, PeerMessage::ShareStarted { .. }).then_some(())).await;
    l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
    l.alice.renegotiate().await;

    let pt = l.alice.until("the share's first packet", |s| if let Seen::VideoPayloadType(pt) = s { Some(*pt) } else { None }).await;
    assert_eq!(pt, VP8_PT, "the share is sent under the payload type the offer gave VP8, not H264's");
    let pic = l.alice.until("a decoded picture", |s| if let Seen::VideoFrame(_, p) = s { Some(p.clone()) } else { None }).await;
    assert_eq!((pic.width, pic.height), (640, 480));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_ice_candidates_name_the_section_they_belong_to() {
    let l = live(&[]).await;
    let local = l.alice.pc.as_ref().unwrap().local_description().await.unwrap().sdp;
    let first_mid = local.lines().find_map(|line| line.trim().strip_prefix("a=mid:")).unwrap().to_owned();
    // Each candidate the agent gathered names the first (bundled) section.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mids = loop {
        let mids = l.alice.candidate_mids.lock().unwrap().clone();
        if !mids.is_empty() || std::time::Instant::now() > deadline {
            break mids;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(!mids.is_empty(), "the agent sent no ICE candidate");
    assert!(mids.iter().all(|m| m.as_deref() == Some(first_mid.as_str())), "an sdpMid a browser can add each candidate by: {mids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_without_vp8_gets_unsupported_codec_and_the_session_goes_on() {
    let x = xtest::Xvfb::start(640, 480);
    let mut l = live_offering(&[], &[("DISPLAY", x.display.as_str())], h264_only).await;

    assert!(consent(&mut l, Capability::ScreenView, "view", "asks to see your screen", "y").await);
    l.alice.start_share(&l.customer, Capability::ScreenView, ShareTarget::Monitor { index: 0 }).await;
    let code = l.alice.peer_msg("the share refused", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
    assert_eq!(code, ErrorCode::UnsupportedCodec);

    assert!(consent(&mut l, Capability::Camera, "cam", "asks to turn on your camera", "y").await);
    l.alice.to_agent(&PeerMessage::StartMedia { kind: MediaKind::Camera }).await;
    let code = l
        .alice
        .peer_msg("the camera refused", |m| match m {
            PeerMessage::Error { error } => Some(error.code),
            PeerMessage::MediaStopped { reason, .. } => Some(reason.code),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::UnsupportedCodec);

    // The control channel still carries the session: system information after a grant.
    assert!(consent(&mut l, Capability::SystemInfo, "info", "asks to read your system information", "y").await);
    l.alice.to_agent(&PeerMessage::SystemInfoRequest).await;
    l.agent.expect("Send it? [y/N]");
    l.agent.type_line("y");
    l.alice.peer_msg("the report", |m| matches!(m, PeerMessage::SystemInfo { .. }).then_some(())).await;
}
