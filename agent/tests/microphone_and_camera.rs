//! S8, S9, S21: the customer's microphone and camera go out only after their grant. On this
//! machine there is neither, so the agent sends its stand-ins (a tone it was told to send, a
//! test picture) and says so; the CSR decodes them over a real peer connection. Revoking stops
//! them. The other way, the CSR's video and voice reach the customer, decoded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::console::Seen;
use common::*;
use protocol::media::MediaKind;
use protocol::peer::PeerMessage;
use protocol::{Capability, ErrorCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microphone_and_camera_flow_only_under_their_grants() {
    let mut l = live(&["--mic-tone", "440"]).await;
    for kind in [MediaKind::Microphone, MediaKind::Camera] {
        l.alice.to_agent(&PeerMessage::StartMedia { kind }).await;
        let code = l.alice.peer_msg("refusal", |m| if let PeerMessage::Error { error } = m { Some(error.code) } else { None }).await;
        assert_eq!(code, ErrorCode::ConsentRequired, "{kind:?} without a grant");
    }

    assert!(consent(&mut l, Capability::Microphone, "mic", "asks to use your microphone", "y").await);
    l.alice.to_agent(&PeerMessage::StartMedia { kind: MediaKind::Microphone }).await;
    l.alice
        .peer_msg("microphone started", |m| matches!(m, PeerMessage::MediaStarted { kind: MediaKind::Microphone, .. }).then_some(()))
        .await;
    l.agent.expect("No microphone is used");
    l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
    l.alice.renegotiate().await;
    // One second of the customer's audio, decoded here: the tone it sends.
    let mut pcm = Vec::new();
    while pcm.len() < 48_000 {
        let chunk = l.alice.until("audio", |s| if let Seen::Audio(a) = s { Some(a.clone()) } else { None }).await;
        pcm.extend(chunk);
    }
    let hz = media::audio::tone_frequency(&pcm[9_600..], 48_000);
    assert!((hz - 440.0).abs() < 440.0 * 0.03, "heard {hz} Hz");

    assert!(consent(&mut l, Capability::Camera, "cam", "turn on your camera", "y").await);
    l.alice.to_agent(&PeerMessage::StartMedia { kind: MediaKind::Camera }).await;
    l.alice.peer_msg("camera started", |m| matches!(m, PeerMessage::MediaStarted { kind: MediaKind::Camera, .. }).then_some(())).await;
    l.alice.peer_msg("renegotiation asked", |m| matches!(m, PeerMessage::RenegotiationNeeded).then_some(())).await;
    l.alice.renegotiate().await;
    let pic = l.alice.until("a camera picture", |s| if let Seen::VideoFrame(_, p) = s { Some(p.clone()) } else { None }).await;
    assert_eq!((pic.width, pic.height), (640, 480));
    assert!(media::camera::TestPatternCamera::read_counter(&pic).is_some(), "the test picture arrived intact");

    l.agent.type_line("revoke camera");
    let code = l
        .alice
        .peer_msg("camera stopped", |m| match m {
            PeerMessage::MediaStopped { kind: MediaKind::Camera, reason } => Some(reason.code),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::ConsentRevoked);
    l.agent.type_line("revoke microphone");
    let code = l
        .alice
        .peer_msg("microphone stopped", |m| match m {
            PeerMessage::MediaStopped { kind: MediaKind::Microphone, reason } => Some(reason.code),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::ConsentRevoked);

    // S9 the other way: the CSR's video reaches the customer, decoded, and the customer is told.
    let pc = l.alice.pc.clone().unwrap();
    let track = std::sync::Arc::new(agent::tracks::video_track("csr-camera").unwrap());
    // A transceiver of its own (sendonly), as a browser's addTransceiver(track) makes.
    let init = ::rtc::rtp_transceiver::RTCRtpTransceiverInit {
        direction: ::rtc::rtp_transceiver::RTCRtpTransceiverDirection::Sendonly,
        ..Default::default()
    };
    let tr = pc
        .add_transceiver_from_track(track.clone() as std::sync::Arc<dyn webrtc::media_stream::track_local::TrackLocal>, Some(init))
        .await
        .unwrap();
    let sender = tr.sender().await.unwrap().unwrap();
    l.alice.renegotiate().await;
    let mut out = agent::tracks::SampleOut::new(track, sender);
    let mut camera = media::camera::TestPatternCamera::new(320, 240).unwrap();
    let mut enc =
        media::vp8::Encoder::new(media::vp8::EncoderConfig { screen_content: false, ..media::vp8::EncoderConfig::screen(320, 240) })
            .unwrap();
    let sending = tokio::spawn(async move {
        for i in 0..150i64 {
            let pic = media::camera::CameraSource::next_frame(&mut camera).unwrap();
            if i % 30 == 0 {
                enc.request_keyframe();
            }
            if let Some(f) = enc.encode(&pic, i * 66).unwrap() {
                let _ = out.write(f.data, std::time::Instant::now(), std::time::Duration::from_millis(66)).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(66)).await;
        }
    });
    l.agent.expect("Alice's video is showing (320×240)");
    sending.abort();

    // S8 the other way: the CSR's voice is decoded and played (here, metered: no sound card).
    let track = std::sync::Arc::new(agent::tracks::audio_track("csr-voice").unwrap());
    let init = ::rtc::rtp_transceiver::RTCRtpTransceiverInit {
        direction: ::rtc::rtp_transceiver::RTCRtpTransceiverDirection::Sendonly,
        ..Default::default()
    };
    let tr = pc
        .add_transceiver_from_track(track.clone() as std::sync::Arc<dyn webrtc::media_stream::track_local::TrackLocal>, Some(init))
        .await
        .unwrap();
    let sender = tr.sender().await.unwrap().unwrap();
    l.alice.renegotiate().await;
    let mut out = agent::tracks::SampleOut::new(track, sender);
    let speaking = tokio::spawn(async move {
        let mut voice = media::audio::ToneSource::new(300.0, 0.4);
        let mut enc = media::audio::opus::OpusEncoder::new(Default::default()).unwrap();
        let mut frame = [0i16; media::audio::FRAME_SAMPLES];
        for _ in 0..250 {
            media::audio::AudioSource::next_frame(&mut voice, &mut frame).unwrap();
            let packet = enc.encode(&frame).unwrap().to_vec();
            let _ = out.write(packet, std::time::Instant::now(), std::time::Duration::from_millis(20)).await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    l.agent.expect("Alice is speaking.");
    speaking.abort();
}
