//! Peer-connection setup, tuned as docs/webrtc-interop.md measured: no mDNS socket,
//! peer-reflexive pairs accepted at once, fast ICE checks, browser-sized SCTP messages and a
//! bounded send buffer. Used by the agent and by test consoles, so both speak alike.

use crate::estimator::QueueDelayEstimator;
use crate::feedback::{MediaFeedback, SendEstimate};
use crate::read_filter::ReadFilter;
use protocol::signal::{IceCandidate, IceServer};
use rtc::interceptor::{CongestionControlBuilder, Slot, TwccSenderBuilder};
use rtc::rtp_transceiver::rtp_sender::{RTCRtpHeaderExtensionCapability, RtpCodecKind};
use std::net::{IpAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceServer, RTCIceTransportPolicy, RTCSessionDescription, Registry, SettingEngineBuilder,
};

pub use webrtc::peer_connection::RTCIceCandidateInit;

/// Bytes a data channel may hold unsent before `send` waits (the crate's default is unbounded).
pub const SEND_BUFFER_LIMIT: usize = 4 * 1024 * 1024;

pub type Peer = Arc<dyn PeerConnection>;

/// How to build a peer connection.
#[derive(Debug, Clone)]
pub struct PeerSetup {
    pub ice_servers: Vec<IceServer>,
    /// Local address to gather host candidates on.
    pub bind_ip: IpAddr,
    /// Only TURN relay candidates (tests that prove media crosses the TURN server).
    pub relay_only: bool,
    /// TURN over TCP and TLS, which the crate does not speak, through local bridges.
    pub bridges: crate::turn_stream::bridge::Bridges,
}

/// The local address that routes towards `host:port` (no packet is sent), falling back to
/// loopback. Host candidates are gathered there; TURN covers every other path.
pub fn route_ip(host: &str, port: u16) -> IpAddr {
    let probe = || -> std::io::Result<IpAddr> {
        let s = UdpSocket::bind(("0.0.0.0", 0))?;
        s.connect((host, port))?;
        Ok(s.local_addr()?.ip())
    };
    probe().unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// [`route_ip`] towards the support server at `server` (`https://host[:port]/…`).
pub fn route_ip_to_server(server: &str) -> IpAddr {
    let https = server.starts_with("https://");
    let rest = server.split("://").nth(1).unwrap_or(server);
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.trim_matches(['[', ']']).to_owned(), p.parse().unwrap_or(80)),
        _ => (authority.to_owned(), if https { 443 } else { 80 }),
    };
    route_ip(&host, port)
}

/// Where the congestion controller starts, bit/s: a 1080p screen's bitrate, so a share starts
/// sharp on a good path and backs off on a poor one within a round trip of a queue forming.
pub const ESTIMATE_START_BPS: f64 = 2_500_000.0;
/// Bounds of the estimate, bit/s.
pub const ESTIMATE_MIN_BPS: f64 = 100_000.0;
pub const ESTIMATE_MAX_BPS: f64 = 50_000_000.0;

/// Builds a peer connection with `handler` receiving its events, and the handle on its
/// send-side bandwidth estimate.
///
/// Congestion control: what the agent sends is numbered (transport-wide sequence numbers),
/// the receiver's feedback (Chromium sends it for `transport-cc`) drives the estimator
/// ([`crate::estimator`]), and the estimate reaches the shares through [`SendEstimate`]. The crate's pacer is not used: it releases
/// packets at exactly the estimate, so a keyframe of a 1080p screen (≈ 100 KB) would wait
/// ≈ 0.3 s at 2.5 Mbit/s, and it drops what overflows its queue; the encoder following the
/// estimate is what keeps the path uncongested.
pub async fn build_peer(setup: &PeerSetup, handler: Arc<dyn PeerConnectionEventHandler>) -> webrtc::error::Result<(Peer, SendEstimate)> {
    let mut media = MediaEngine::default();
    register_our_codecs(&mut media)?;
    // Screen pictures ask to be shown on arrival (tracks::SampleOut::write_at_capture_time).
    let playout_delay = RTCRtpHeaderExtensionCapability { uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay".to_owned() };
    media.register_header_extension(playout_delay, RtpCodecKind::Video, None)?;
    let estimate = SendEstimate::starting_at(ESTIMATE_START_BPS);
    let estimator = QueueDelayEstimator::new(ESTIMATE_START_BPS, ESTIMATE_MIN_BPS, ESTIMATE_MAX_BPS);
    // The defaults already offer `transport-cc` and its header extension, and report what
    // arrives; these two number what leaves and read the reports.
    let registry = register_default_interceptors(Registry::new(), &mut media)?
        .with(Slot::CongestionControl, CongestionControlBuilder::new(estimator).build())
        .with(Slot::TwccSender, TwccSenderBuilder::new().build())
        .with(Slot::from(crate::nack_filter::SLOT), ReadFilter::new(crate::nack_filter::NackFilter::new(estimate.clone())))
        .with(Slot::from(crate::feedback::SLOT), ReadFilter::new(MediaFeedback::new(estimate.clone())));
    let settings = SettingEngineBuilder::new()
        .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
        .with_prflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_host_acceptance_min_wait(Some(Duration::ZERO))
        .with_ice_connection_attempts(Some(Duration::from_millis(20)), Some(50))
        .with_sctp_max_message_size(rtc::peer_connection::configuration::setting_engine::SctpMaxMessageSize::Bounded(256 * 1024))
        .with_include_loopback_candidate(setup.bind_ip.is_loopback())
        .build();
    let servers = setup
        .bridges
        .rewrite(&setup.ice_servers)
        .await
        .iter()
        .map(|s| RTCIceServer {
            urls: s.urls.clone(),
            username: s.username.clone().unwrap_or_default(),
            credential: s.credential.clone().unwrap_or_default(),
        })
        .collect();
    let policy = if setup.relay_only { RTCIceTransportPolicy::Relay } else { RTCIceTransportPolicy::All };
    let config = RTCConfigurationBuilder::new().with_ice_servers(servers).with_ice_transport_policy(policy).build();
    let pc = PeerConnectionBuilder::new()
        .with_configuration(config)
        .with_media_engine(media)
        .with_interceptor_registry(registry)
        .with_setting_engine(settings)
        .with_handler(handler)
        .with_udp_addrs(vec![format!("{}:0", setup.bind_ip)])
        .with_data_channel_send_buffer_limit(SEND_BUFFER_LIMIT)
        .build()
        .await?;
    Ok((Arc::new(pc), estimate))
}

/// What the agent encodes and decodes, and nothing else: Opus, and VP8 with its retransmission
/// stream. With the crate's defaults (H264, VP9, AV1, G.722, PCMU…) an offer listing another
/// codec first got an answer with that one first, and the agent's VP8 went out under its
/// payload type, where no browser decodes it. Answering only what we send keeps the
/// negotiated payload type VP8's whatever the offer's order; an offer without VP8 leaves the
/// video sections without a codec (`unsupported_codec` when a share or camera starts).
fn register_our_codecs(media: &mut MediaEngine) -> webrtc::error::Result<()> {
    use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_RTX, MIME_TYPE_VP8};
    use rtc::rtp_transceiver::rtp_sender::{RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters};
    let codec = |mime: &str, clock_rate, channels, fmtp: &str, rtcp_feedback, payload_type| RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec { mime_type: mime.to_owned(), clock_rate, channels, sdp_fmtp_line: fmtp.to_owned(), rtcp_feedback },
        payload_type,
    };
    let feedback = |typ: &str, parameter: &str| RTCPFeedback { typ: typ.to_owned(), parameter: parameter.to_owned() };
    let video_feedback = vec![feedback("goog-remb", ""), feedback("ccm", "fir"), feedback("nack", ""), feedback("nack", "pli")];
    media.register_codec(codec(MIME_TYPE_OPUS, 48_000, 2, "minptime=10;useinbandfec=1", vec![], 111), RtpCodecKind::Audio)?;
    media.register_codec(codec(MIME_TYPE_VP8, 90_000, 0, "", video_feedback, 96), RtpCodecKind::Video)?;
    media.register_codec(codec(MIME_TYPE_RTX, 90_000, 0, "apt=96", vec![], 97), RtpCodecKind::Video)?;
    Ok(())
}

/// Our wire shape of a candidate into the crate's.
pub fn candidate_in(c: IceCandidate) -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_mline_index: c.sdp_m_line_index,
        username_fragment: c.username_fragment,
        ..Default::default()
    }
}

/// The crate's candidate into our wire shape.
pub fn candidate_out(c: RTCIceCandidateInit) -> IceCandidate {
    IceCandidate { candidate: c.candidate, sdp_mid: c.sdp_mid, sdp_m_line_index: c.sdp_mline_index, username_fragment: c.username_fragment }
}

pub fn offer(sdp: String) -> webrtc::error::Result<RTCSessionDescription> {
    RTCSessionDescription::offer(sdp)
}

pub fn answer(sdp: String) -> webrtc::error::Result<RTCSessionDescription> {
    RTCSessionDescription::answer(sdp)
}
