//! Outgoing media tracks: a VP8 or Opus track for a connection, and the task that writes
//! encoded frames into it once negotiation has given it a payload type.

use crate::feedback::SendEstimate;
use bytes::Bytes;
use media::pipeline::{StreamControls, StreamFrame};
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtp::extension::playout_delay_extension::PlayoutDelayExtension;
use rtc::rtp::extension::HeaderExtension;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind};
use rtc::rtp_transceiver::PayloadType;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::Track;
use webrtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit, RtpSender};

fn track(id: &str, kind: RtpCodecKind, codec: RTCRtpCodec) -> webrtc::error::Result<TrackLocalStaticSample> {
    let encoding = RTCRtpEncodingParameters {
        rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(rand::random::<u32>()), ..Default::default() },
        codec,
        ..Default::default()
    };
    TrackLocalStaticSample::new(
        Instant::now(),
        MediaStreamTrack::new(format!("agent-{id}"), id.to_owned(), id.to_owned(), kind, vec![encoding]),
    )
}

/// A VP8 video track (screen, window or camera).
pub fn video_track(id: &str) -> webrtc::error::Result<TrackLocalStaticSample> {
    let codec = RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    };
    track(id, RtpCodecKind::Video, codec)
}

/// An Opus audio track (the microphone).
pub fn audio_track(id: &str) -> webrtc::error::Result<TrackLocalStaticSample> {
    let codec = RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    };
    track(id, RtpCodecKind::Audio, codec)
}

/// What the console offered on each media section of `sdp`: its mid, kind (`audio`, `video`)
/// and whether the console receives there (`sendrecv` or `recvonly`).
pub fn offered_sections(sdp: &str) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = vec![];
    let mut current: Option<(Option<String>, String, bool)> = None;
    let mut flush = |c: Option<(Option<String>, String, bool)>| {
        if let Some((Some(mid), kind, receives)) = c {
            out.push((mid, kind, receives));
        }
    };
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            flush(current.take());
            // Without a direction attribute a section is sendrecv (RFC 8866).
            current = Some((None, m.split(' ').next().unwrap_or_default().to_owned(), true));
        } else if let Some((mid, _, receives)) = current.as_mut() {
            if let Some(v) = line.strip_prefix("a=mid:") {
                *mid = Some(v.to_owned());
            } else if line == "a=sendonly" || line == "a=inactive" {
                *receives = false;
            }
        }
    }
    flush(current);
    out
}

/// Whether an SDP lists `codec` (an encoding name: "VP8", "opus") in any of its sections.
pub fn sdp_offers(sdp: &str, codec: &str) -> bool {
    sdp.lines().filter_map(|l| l.trim().strip_prefix("a=rtpmap:")).any(|m| {
        let name = m.split_once(' ').map_or("", |(_, enc)| enc.split('/').next().unwrap_or_default());
        name.eq_ignore_ascii_case(codec)
    })
}

/// Whether the console's offer lets the agent send `codec` (`unsupported_codec` otherwise: the
/// agent sends VP8 video and Opus audio only, and the answer holds only what it sends).
pub async fn console_takes(pc: &crate::rtc::Peer, codec: &str) -> bool {
    pc.remote_description().await.is_none_or(|d| sdp_offers(&d.sdp, codec))
}

/// Adds `track` to send towards the console, on a section where the console receives.
///
/// The crate's `add_track` takes the first transceiver of the track's kind that has no sender,
/// whatever the console offered on its section. The transceiver that receives the CSR's own
/// camera was offered `sendonly`: a share or camera put there reaches nothing, and the crate
/// then answers `sendrecv` to a `sendonly` offer, which Chromium rejects ("Incompatible
/// receive direction", docs/webrtc-interop.md pitfall 15). When that is the transceiver
/// `add_track` would take, the track gets a send-only transceiver of its own instead, for the
/// console's next offer to give a section.
pub async fn add_sending(pc: &crate::rtc::Peer, track: Arc<TrackLocalStaticSample>) -> webrtc::error::Result<Arc<dyn RtpSender>> {
    let kind = track.kind().await;
    let offered = pc.remote_description().await.map(|d| offered_sections(&d.sdp)).unwrap_or_default();
    let mut reusable = true;
    for t in pc.get_transceivers().await {
        if t.sender().await?.is_some() {
            continue;
        }
        let Some(mid) = t.mid().await? else { continue };
        let Some((_, section, receives)) = offered.iter().find(|(m, _, _)| *m == mid) else { continue };
        if section.as_str() == kind_name(kind) {
            // The first free one of this kind is what `add_track` would take.
            reusable = *receives;
            break;
        }
    }
    if reusable {
        return pc.add_track(track as Arc<dyn TrackLocal>).await;
    }
    tracing::debug!("the free section was offered send-only by the console: a transceiver of its own");
    let init = RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Sendonly, streams: vec![], send_encodings: vec![] };
    let transceiver = pc.add_transceiver_from_track(track as Arc<dyn TrackLocal>, Some(init)).await?;
    transceiver.sender().await?.ok_or(webrtc::error::Error::ErrRTPSenderNotExisted)
}

fn kind_name(kind: RtpCodecKind) -> &'static str {
    match kind {
        RtpCodecKind::Audio => "audio",
        _ => "video",
    }
}

/// The payload type negotiation gave the sender's media (VP8 or Opus, never its retransmission
/// stream), once it has one: whatever order the offer listed codecs in.
async fn payload_type(sender: &Arc<dyn RtpSender>) -> Option<PayloadType> {
    let params = sender.get_parameters().await.ok()?;
    let ours = |mime: &str| mime.eq_ignore_ascii_case(MIME_TYPE_VP8) || mime.eq_ignore_ascii_case(MIME_TYPE_OPUS);
    params.rtp_parameters.codecs.iter().find(|c| ours(&c.rtp_codec.mime_type)).map(|c| c.payload_type)
}

/// A sample writer for `track` through `sender`: it knows the SSRC and waits for the payload
/// type, then packetizes samples.
pub struct SampleOut {
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: Option<u32>,
    pt: Option<PayloadType>,
}

impl SampleOut {
    pub fn new(track: Arc<TrackLocalStaticSample>, sender: Arc<dyn RtpSender>) -> SampleOut {
        SampleOut { track, sender, ssrc: None, pt: None }
    }

    /// The SSRC and payload type to write with, once negotiation has given them.
    async fn negotiated(&mut self) -> Option<(u32, PayloadType)> {
        if self.ssrc.is_none() {
            self.ssrc = self.track.ssrcs().await.first().copied();
        }
        if self.pt.is_none() {
            self.pt = payload_type(&self.sender).await;
        }
        self.ssrc.zip(self.pt)
    }

    /// Writes one encoded frame; `Ok(false)` while negotiation has not finished (dropped).
    pub async fn write(&mut self, data: Vec<u8>, at: Instant, duration: Duration) -> Result<bool, webrtc::error::Error> {
        self.write_with(data, at, duration, None).await
    }

    async fn write_with(
        &mut self,
        data: Vec<u8>,
        at: Instant,
        duration: Duration,
        extension: Option<HeaderExtension>,
    ) -> Result<bool, webrtc::error::Error> {
        let Some((ssrc, pt)) = self.negotiated().await else { return Ok(false) };
        let sample = Sample { data: Bytes::from(data), duration, ..Sample::new(at) };
        let writer = self.track.sample_writer(ssrc, pt);
        match extension {
            Some(e) => writer.with_extension(e).write_sample(&sample).await?,
            None => writer.write_sample(&sample).await?,
        }
        Ok(true)
    }

    /// Writes one video frame captured `gap` after the previous one, with that capture instant
    /// as its RTP timestamp. The packetizer stamps a sample with its running clock and only
    /// then advances it by the sample's duration, so a frame written with the gap before it
    /// would carry the previous frame's instant. A share sends irregularly (a still screen sends
    /// only its changes, and a refresh after seconds): with timestamps one frame off,
    /// Chromium's jitter buffer held pictures for 0.3–5 s. An empty sample advances the clock
    /// without sending anything; the frame follows with no duration of its own.
    ///
    /// Each frame also carries a playout delay of zero (negotiated in `rtc::build_peer`): a
    /// screen is shown as soon as it is decoded, not smoothed. The browser's adaptive jitter
    /// buffer otherwise grows with the share's uneven encode times on a busy machine (measured:
    /// 60–90 ms per frame of a still screen, pictures shown 200 ms after they arrived).
    pub async fn write_at_capture_time(&mut self, data: Vec<u8>, at: Instant, gap: Duration) -> Result<bool, webrtc::error::Error> {
        if !self.write(Vec::new(), at, gap).await? {
            return Ok(false);
        }
        let now = HeaderExtension::PlayoutDelay(PlayoutDelayExtension::new(0, 0));
        self.write_with(data, at, Duration::ZERO, Some(now)).await
    }
}

/// Share of the path's estimated rate a share's video takes; the rest is for the CSR's
/// voice, retransmissions and RTCP.
const VIDEO_SHARE_OF_ESTIMATE: f64 = 0.85;

/// When the first picture of a share is repeated as a keyframe.
const SECOND_KEYFRAME_AFTER: Duration = Duration::from_millis(300);

/// How often a share looks at the estimate (the estimator changes it at most every 200 ms).
const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// Keeps a share's bitrate within what the path carries: the encoder aims at no more than
/// [`VIDEO_SHARE_OF_ESTIMATE`] of the congestion controller's estimate.
async fn follow_estimate(estimate: SendEstimate, controls: StreamControls) {
    let mut applied = None;
    loop {
        let limit = (estimate.kbps() as f64 * VIDEO_SHARE_OF_ESTIMATE) as u32;
        if applied != Some(limit) {
            controls.limit_bitrate(Some(limit));
            tracing::debug!(estimate_kbps = estimate.kbps(), bitrate_kbps = controls.bitrate_kbps(), "share follows the estimate");
            applied = Some(limit);
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

/// Writes a share's frames into its track, its bitrate following `estimate`. Frames before
/// negotiation finished are dropped, and the first written frame after that is a keyframe, so
/// the receiver can start decoding.
pub async fn write_video(
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    mut frames: mpsc::Receiver<StreamFrame>,
    controls: StreamControls,
    estimate: SendEstimate,
) {
    // Both helpers end with this task, also when it is aborted (the share stopped).
    let _follower = AbortOnDrop(tokio::spawn(follow_estimate(estimate, controls.clone())));
    // The receiver's PLI/FIR (see `feedback`) arrive as events of the sending track.
    let feedback = track.clone();
    let asks = controls.clone();
    let _listener = AbortOnDrop(tokio::spawn(async move {
        while let Some(ev) = feedback.poll().await {
            if let webrtc::media_stream::track_local::TrackLocalEvent::OnRtcpPacket(_) = ev {
                tracing::debug!("the receiver asked for a keyframe");
                asks.request_keyframe();
            }
        }
    }));
    let mut out = SampleOut::new(track, sender);
    let mut _second_chance: Option<AbortOnDrop> = None;
    let mut last: Option<Instant> = None;
    let mut ready = false;
    // A picture was dropped before negotiation finished: a still screen sends no other until
    // its refresh (3 s later), so ask for one as soon as the track can carry it.
    let mut owed = false;
    loop {
        let next = if owed {
            tokio::select! {
                f = frames.recv() => f,
                _ = tokio::time::sleep(Duration::from_millis(10)) => {
                    if out.negotiated().await.is_some() {
                        owed = false;
                        controls.force_keyframe();
                    }
                    continue;
                }
            }
        } else {
            frames.recv().await
        };
        let Some(f) = next else { break };
        let gap = last.map(|l| f.captured_at.saturating_duration_since(l)).unwrap_or_default();
        last = Some(f.captured_at);
        let (keyframe, len) = (f.frame.keyframe, f.frame.data.len());
        match out.write_at_capture_time(f.frame.data, f.captured_at, gap).await {
            Ok(true) if !ready => {
                (ready, owed) = (true, false);
                tracing::debug!(keyframe, "first video frame sent");
                if !keyframe {
                    controls.force_keyframe();
                }
                // A second chance: the first picture can arrive before the console has applied
                // the answer that names this track, and then it is dropped without a word (no
                // PLI: the receiver has no stream yet). A still screen would show nothing until
                // its refresh (measured: 1 grant in 4 through a TURN relay waited 3.2 s).
                let again = controls.clone();
                _second_chance = Some(AbortOnDrop(tokio::spawn(async move {
                    tokio::time::sleep(SECOND_KEYFRAME_AFTER).await;
                    again.force_keyframe();
                })));
            }
            Ok(true) if keyframe => tracing::debug!(bytes = len, "keyframe sent"),
            Ok(true) => {}
            Ok(false) => {
                owed = true;
                tracing::debug!("video frame dropped: negotiation not finished");
            }
            Err(e) => tracing::debug!(error = %e, "video frame not sent"),
        }
    }
}

/// A helper task that ends with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::{offered_sections, sdp_offers};

    #[test]
    fn an_offer_takes_a_codec_it_maps_in_any_section_whatever_the_order() {
        let h264_first = "m=video 9 UDP/TLS/RTP/SAVPF 102 96\r\na=rtpmap:102 H264/90000\r\na=rtpmap:96 VP8/90000\r\n";
        assert!(sdp_offers(h264_first, "VP8"));
        assert!(sdp_offers(h264_first, "vp8"));
        let h264_only = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=rtpmap:102 H264/90000\r\n";
        assert!(!sdp_offers(h264_only, "VP8"));
        assert!(sdp_offers(h264_only, "opus"));
        assert!(!sdp_offers("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8X/90000\r\n", "VP8"));
    }

    #[test]
    fn a_send_only_section_of_the_console_is_not_one_it_receives_on() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n\
                   m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:3\r\na=sendonly\r\n\
                   m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:4\r\n";
        let s = offered_sections(sdp);
        let find = |mid: &str| s.iter().find(|(m, _, _)| m == mid).map(|(_, k, r)| (k.as_str(), *r));
        assert_eq!(find("0"), Some(("audio", true)));
        assert_eq!(find("1"), Some(("video", true)));
        assert_eq!(find("2"), Some(("application", true)));
        assert_eq!(find("3"), Some(("video", false)));
        assert_eq!(find("4"), Some(("video", true)), "no direction attribute means sendrecv");
    }
}
