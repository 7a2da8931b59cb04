//! One WebRTC peer connection per CSR. The CSR's console offers (with the `control` data
//! channel); the agent answers. Events of the connection and its channels are forwarded to
//! the session task, which owns every decision.

use crate::events::{AgentEvent, PeerEvent};
use crate::rtc::{self, Peer, PeerSetup};
use ::rtc::media::io::sample_builder::SampleBuilder;
use ::rtc::rtp::codec::vp8::Vp8Packet;
use ::rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use media::audio::AudioSink;
use protocol::peer::{CONTROL_CHANNEL, FILE_CHANNEL_PREFIX};
use protocol::ParticipantId;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCPeerConnectionState};

/// The session task's handle on one CSR's connection.
pub struct CsrPeer {
    pub pc: Peer,
    pub control: Option<Arc<dyn DataChannel>>,
    /// What the path to this CSR carries; the shares towards the CSR follow it.
    pub estimate: crate::feedback::SendEstimate,
}

struct Handler {
    csr: ParticipantId,
    events: mpsc::Sender<AgentEvent>,
}

impl Handler {
    async fn emit(&self, event: PeerEvent) {
        let _ = self.events.send(AgentEvent::Peer { csr: self.csr.clone(), event }).await;
    }
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            self.emit(PeerEvent::Candidate(rtc::candidate_out(init))).await;
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.emit(PeerEvent::State(state)).await;
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let (csr, events) = (self.csr.clone(), self.events.clone());
        let emit = move |event| {
            let events = events.clone();
            let csr = csr.clone();
            async move { events.send(AgentEvent::Peer { csr, event }).await.is_ok() }
        };
        match track.kind().await {
            RtpCodecKind::Video => {
                let id = track.track_id().await;
                tokio::spawn(async move {
                    let mut builder = SampleBuilder::new(64, Vp8Packet::default(), 90_000);
                    let Ok(mut decoder) = media::vp8::Decoder::new() else { return };
                    while let Some(ev) = track.poll().await {
                        let TrackRemoteEvent::OnRtpPacket(p) = ev else { continue };
                        builder.push(Instant::now(), p);
                        while let Some(sample) = builder.pop(Instant::now()) {
                            // A damaged picture is skipped; the next keyframe recovers.
                            if let Ok(Some(pic)) = decoder.decode(&sample.data) {
                                if !emit(PeerEvent::RemoteVideo { track: id.to_string(), pic }).await {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
            _ => {
                tokio::spawn(async move {
                    let Ok(mut decoder) = media::audio::opus::OpusDecoder::new() else { return };
                    let mut speaker = media::audio::open_speaker();
                    let mut level = media::audio::LevelSink::new();
                    let mut pcm = vec![0i16; media::audio::opus::MAX_DECODED_SAMPLES];
                    let (mut speaking, mut changed) = (false, Instant::now());
                    while let Some(ev) = track.poll().await {
                        let TrackRemoteEvent::OnRtpPacket(p) = ev else { continue };
                        let Ok(n) = decoder.decode(&p.payload, &mut pcm) else { continue };
                        speaker.sink.play(&pcm[..n]);
                        level.play(&pcm[..n]);
                        // Said once per change, at most once a second.
                        if level.is_speaking() != speaking && changed.elapsed() > Duration::from_secs(1) {
                            (speaking, changed) = (level.is_speaking(), Instant::now());
                            if !emit(PeerEvent::RemoteSpeaking(speaking)).await {
                                return;
                            }
                        }
                    }
                });
            }
        }
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let label = channel.label().await.unwrap_or_default();
        if label == CONTROL_CHANNEL {
            tokio::spawn(read_control(self.csr.clone(), channel, self.events.clone()));
        } else if let Some(transfer) = label.strip_prefix(FILE_CHANNEL_PREFIX) {
            self.emit(PeerEvent::FileChannel { transfer: transfer.to_owned(), channel }).await;
        } else {
            tracing::warn!(csr = %self.csr, %label, "closing a data channel this agent does not know");
            let _ = channel.close().await;
        }
    }
}

/// Forwards the control channel's events; ends when the channel closes.
async fn read_control(csr: ParticipantId, channel: Arc<dyn DataChannel>, events: mpsc::Sender<AgentEvent>) {
    let emit = |event| AgentEvent::Peer { csr: csr.clone(), event };
    // The channel may already be open when it is announced.
    let mut opened = matches!(channel.ready_state().await, Ok(s) if s.to_string() == "open");
    if opened {
        let _ = events.send(emit(PeerEvent::ControlOpen(channel.clone()))).await;
    }
    while let Some(ev) = channel.poll().await {
        let event = match ev {
            // Announced once: the open may already have been seen above.
            DataChannelEvent::OnOpen if opened => continue,
            DataChannelEvent::OnOpen => {
                opened = true;
                PeerEvent::ControlOpen(channel.clone())
            }
            DataChannelEvent::OnMessage(m) if m.is_string => match String::from_utf8(m.data.to_vec()) {
                Ok(text) => PeerEvent::Control(text),
                Err(_) => PeerEvent::ControlGarbage,
            },
            DataChannelEvent::OnMessage(_) => PeerEvent::ControlGarbage,
            DataChannelEvent::OnClose => break,
            _ => continue,
        };
        if events.send(emit(event)).await.is_err() {
            return;
        }
    }
    let _ = events.send(emit(PeerEvent::ControlClosed)).await;
}

/// A new connection for `csr`.
pub async fn connect(setup: &PeerSetup, csr: ParticipantId, events: mpsc::Sender<AgentEvent>) -> webrtc::error::Result<CsrPeer> {
    let (pc, estimate) = rtc::build_peer(setup, Arc::new(Handler { csr, events })).await?;
    Ok(CsrPeer { pc, control: None, estimate })
}

/// Sends one message on a control channel; a closed channel drops it (the CSR is gone).
pub async fn send_control(channel: &Arc<dyn DataChannel>, msg: &protocol::peer::PeerMessage) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = channel.send_text(&text).await;
    }
}
