//! A CSR console for tests, built on the same `webrtc` setup as the agent: it signs in to
//! signaling, offers a peer connection with the `control` channel, and sends and receives
//! files on `file:<id>` channels.

use ::rtc::media::io::sample_builder::SampleBuilder;
use ::rtc::rtp::codec::vp8::Vp8Packet;
use ::rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use ::rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use agent::rtc::{self, Peer, PeerSetup};
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use protocol::peer::{PeerMessage, CHUNK_BYTES, CONTROL_CHANNEL, FILE_CHANNEL_PREFIX};
use protocol::signal::{ClientMessage, ServerMessage, SignalPayload};
use protocol::{Capability, ParticipantId};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{PeerConnectionEventHandler, RTCPeerConnectionIceEvent};

pub const WAIT: Duration = Duration::from_secs(30);

/// What the console observes.
pub enum Seen {
    Server(ServerMessage),
    Peer(PeerMessage),
    FileChannel(String, Arc<dyn DataChannel>),
    ControlOpen,
    /// A picture of the agent's video track, decoded here, and when the agent captured it, in this
    /// process's clock: its RTP timestamp placed by the least-delayed picture so far, so that a
    /// picture that waited here (a busy test machine) still counts from when it was sent.
    VideoFrame(std::time::Instant, media::I420Frame),
    /// The payload type of the first packet of a video track.
    VideoPayloadType(u8),
    /// A picture of the agent's video that could not be decoded (its reference was lost).
    Undecodable,
    /// Decoded audio of the agent's microphone track (48 kHz mono).
    Audio(Vec<i16>),
}

pub struct Console {
    pub me: ParticipantId,
    out: mpsc::Sender<ClientMessage>,
    pub seen: mpsc::Receiver<Seen>,
    seen_tx: mpsc::Sender<Seen>,
    pub pc: Option<Peer>,
    pub control: Option<Arc<dyn DataChannel>>,
    peer_tx: Arc<tokio::sync::Mutex<Option<Peer>>>,
    customer: Option<ParticipantId>,
    /// Where this console's peer gathers host candidates.
    bind_ip: std::net::IpAddr,
    /// Rewrites each offer before it is sent, as another WebRTC stack would have worded it.
    pub offer_edit: fn(&str) -> String,
    /// The section (`sdpMid`) each ICE candidate from the agent named, in arrival order.
    pub candidate_mids: Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

struct Handler {
    to: ParticipantId,
    out: mpsc::Sender<ClientMessage>,
    seen: mpsc::Sender<Seen>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let payload = SignalPayload::Ice { candidate: rtc::candidate_out(init) };
            let _ = self.out.send(ClientMessage::Signal { to: self.to.clone(), payload }).await;
        }
    }
    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let seen = self.seen.clone();
        if track.kind().await == RtpCodecKind::Audio {
            tokio::spawn(async move {
                let mut decoder = media::audio::opus::OpusDecoder::new().unwrap();
                let mut pcm = vec![0i16; media::audio::opus::MAX_DECODED_SAMPLES];
                while let Some(ev) = track.poll().await {
                    let TrackRemoteEvent::OnRtpPacket(p) = ev else { continue };
                    if let Ok(n) = decoder.decode(&p.payload, &mut pcm) {
                        if seen.send(Seen::Audio(pcm[..n].to_vec())).await.is_err() {
                            return;
                        }
                    }
                }
            });
            return;
        }
        tokio::spawn(async move {
            // Room for a keyframe of a busy screen (hundreds of packets); a picture missing a
            // packet is given up after a second of newer ones, as a browser would.
            let mut builder = SampleBuilder::new(1024, Vp8Packet::default(), 90_000).with_max_time_delay(Duration::from_secs(1));
            let mut decoder = media::vp8::Decoder::new().unwrap();
            let mut clock = RtpClock::default();
            let mut first = true;
            while let Some(ev) = track.poll().await {
                let TrackRemoteEvent::OnRtpPacket(p) = ev else { continue };
                if std::mem::take(&mut first) && seen.send(Seen::VideoPayloadType(p.header.payload_type)).await.is_err() {
                    return;
                }
                builder.push(std::time::Instant::now(), p);
                while let Some(sample) = builder.pop(std::time::Instant::now()) {
                    let captured = clock.place(sample.packet_timestamp, sample.timestamp);
                    let seen_now = match decoder.decode(&sample.data) {
                        Ok(Some(pic)) => Seen::VideoFrame(captured, pic),
                        Ok(None) => continue,
                        // A picture whose reference was lost: a browser would ask for a keyframe.
                        Err(_) => Seen::Undecodable,
                    };
                    if seen.send(seen_now).await.is_err() {
                        return;
                    }
                }
            }
        });
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let label = channel.label().await.unwrap_or_default();
        if let Some(id) = label.strip_prefix(FILE_CHANNEL_PREFIX) {
            let _ = self.seen.send(Seen::FileChannel(id.to_owned(), channel)).await;
        }
    }
}

/// Maps a video track's 90 kHz RTP timestamps onto this process's clock through the picture that
/// arrived soonest after its timestamp, the one least delayed on the way.
#[derive(Default)]
struct RtpClock {
    first: Option<u32>,
    base: Option<std::time::Instant>,
}

impl RtpClock {
    fn place(&mut self, rtp: u32, arrived: std::time::Instant) -> std::time::Instant {
        let first = *self.first.get_or_insert(rtp);
        let since_first = Duration::from_micros(u64::from(rtp.wrapping_sub(first)) * 1000 / 90);
        let base = arrived.checked_sub(since_first).unwrap_or(arrived);
        let base = *self.base.insert(self.base.map_or(base, |b| b.min(base)));
        base + since_first
    }
}

impl Console {
    /// Joins `session` as the signed-in CSR behind `cookie`.
    pub async fn open(base: &str, cookie: &str, session: &str) -> Console {
        let url = format!("{}/ws", base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let (mut wtx, mut wrx) = ws.split();
        let (out, mut out_rx) = mpsc::channel::<ClientMessage>(1024);
        let (seen_tx, seen) = mpsc::channel(4096);
        let peer_tx: Arc<tokio::sync::Mutex<Option<Peer>>> = Arc::default();
        out.send(ClientMessage::Hello { protocol_version: protocol::PROTOCOL_VERSION, session: Some(session.into()), token: None })
            .await
            .unwrap();
        tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if wtx.send(Message::Text(serde_json::to_string(&m).unwrap().into())).await.is_err() {
                    break;
                }
            }
        });
        let (me_tx, me_rx) = tokio::sync::oneshot::channel();
        let (stx, pcs) = (seen_tx.clone(), peer_tx.clone());
        let candidate_mids: Arc<std::sync::Mutex<Vec<Option<String>>>> = Arc::default();
        let mids = candidate_mids.clone();
        tokio::spawn(async move {
            let mut me_tx = Some(me_tx);
            while let Some(Ok(frame)) = wrx.next().await {
                let Message::Text(t) = frame else { continue };
                let msg = protocol::decode_server(t.as_str()).unwrap();
                match &msg {
                    ServerMessage::Welcome { you, .. } => {
                        if let Some(tx) = me_tx.take() {
                            let _ = tx.send(you.clone());
                        }
                    }
                    ServerMessage::Signal { payload: SignalPayload::Answer { sdp }, .. } => {
                        let pc = pcs.lock().await.clone().unwrap();
                        pc.set_remote_description(rtc::answer(sdp.clone()).unwrap()).await.unwrap();
                        continue;
                    }
                    ServerMessage::Signal { payload: SignalPayload::Ice { candidate }, .. } => {
                        if let Some(pc) = pcs.lock().await.clone() {
                            let _ = pc.add_ice_candidate(rtc::candidate_in(candidate.clone())).await;
                        }
                        mids.lock().unwrap().push(candidate.sdp_mid.clone());
                        continue;
                    }
                    _ => {}
                }
                if stx.send(Seen::Server(msg)).await.is_err() {
                    break;
                }
            }
        });
        let me = tokio::time::timeout(WAIT, me_rx).await.unwrap().unwrap();
        // Host candidates on the address that leads to signaling, as the browser would gather.
        let host = base.trim_start_matches("http://").rsplit_once(':').map_or("127.0.0.1", |(h, _)| h).to_owned();
        let bind_ip = rtc::route_ip(&host, 9);
        Console {
            me,
            out,
            seen,
            seen_tx,
            pc: None,
            control: None,
            peer_tx,
            customer: None,
            bind_ip,
            offer_edit: |sdp| sdp.to_owned(),
            candidate_mids,
        }
    }

    pub async fn send(&self, m: ClientMessage) {
        self.out.send(m).await.unwrap();
    }

    /// Next observation matching `pred`, skipping others.
    pub async fn until<T>(&mut self, what: &str, mut pred: impl FnMut(&Seen) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let s =
                tokio::time::timeout_at(deadline, self.seen.recv()).await.unwrap_or_else(|_| panic!("console: no {what} within {WAIT:?}"));
            let s = s.unwrap_or_else(|| panic!("console: closed before {what}"));
            if let Some(t) = pred(&s) {
                return t;
            }
        }
    }

    pub async fn peer_msg<T>(&mut self, what: &str, mut pred: impl FnMut(&PeerMessage) -> Option<T>) -> T {
        self.until(what, |s| if let Seen::Peer(m) = s { pred(m) } else { None }).await
    }

    pub async fn server<T>(&mut self, what: &str, mut pred: impl FnMut(&ServerMessage) -> Option<T>) -> T {
        self.until(what, |s| if let Seen::Server(m) = s { pred(m) } else { None }).await
    }

    /// Waits until `customer` shows online in the roster.
    pub async fn customer_online(&mut self) -> ParticipantId {
        self.server("a customer online", |m| match m {
            ServerMessage::Roster { roster } => {
                roster.participants.iter().find(|p| p.role == protocol::rules::Role::Customer && p.online).map(|p| p.id.clone())
            }
            _ => None,
        })
        .await
    }

    /// Offers a peer connection to `customer` with the control channel; waits for the
    /// agent's hello on it.
    pub async fn connect(&mut self, customer: &ParticipantId) {
        self.customer = Some(customer.clone());
        let setup = PeerSetup { ice_servers: vec![], bind_ip: self.bind_ip, relay_only: false, bridges: Default::default() };
        let handler = Arc::new(Handler { to: customer.clone(), out: self.out.clone(), seen: self.seen_tx.clone() });
        let (pc, _) = rtc::build_peer(&setup, handler).await.unwrap();
        *self.peer_tx.lock().await = Some(pc.clone());
        let control =
            pc.create_data_channel(CONTROL_CHANNEL, Some(RTCDataChannelInit { ordered: true, ..Default::default() })).await.unwrap();
        // As the browser console does: a video m-line from the start, for the agent's share.
        let recv = RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Recvonly, ..Default::default() };
        pc.add_transceiver_from_kind(RtpCodecKind::Video, Some(recv.clone())).await.unwrap();
        pc.add_transceiver_from_kind(RtpCodecKind::Audio, Some(recv)).await.unwrap();
        let offer = pc.create_offer(None).await.unwrap();
        pc.set_local_description(offer.clone()).await.unwrap();
        let sdp = (self.offer_edit)(&offer.sdp);
        self.send(ClientMessage::Signal { to: customer.clone(), payload: SignalPayload::Offer { sdp } }).await;
        let (stx, c2) = (self.seen_tx.clone(), control.clone());
        tokio::spawn(async move {
            while let Some(ev) = c2.poll().await {
                let s = match ev {
                    DataChannelEvent::OnOpen => Seen::ControlOpen,
                    DataChannelEvent::OnMessage(m) if m.is_string => {
                        Seen::Peer(serde_json::from_slice(&m.data).expect("the agent sends valid peer messages"))
                    }
                    DataChannelEvent::OnClose => break,
                    _ => continue,
                };
                if stx.send(s).await.is_err() {
                    break;
                }
            }
        });
        self.pc = Some(pc);
        self.control = Some(control);
        self.peer_msg("agent hello", |m| matches!(m, PeerMessage::Hello { .. }).then_some(())).await;
    }

    /// A new offer on the same connection (the agent said `renegotiation_needed`).
    pub async fn renegotiate(&self) {
        let pc = self.pc.clone().unwrap();
        let offer = pc.create_offer(None).await.unwrap();
        pc.set_local_description(offer.clone()).await.unwrap();
        let to = self.customer.clone().unwrap();
        let sdp = (self.offer_edit)(&offer.sdp);
        self.send(ClientMessage::Signal { to, payload: SignalPayload::Offer { sdp } }).await;
    }

    pub async fn to_agent(&self, m: &PeerMessage) {
        self.control.as_ref().unwrap().send_text(&serde_json::to_string(m).unwrap()).await.unwrap();
    }

    pub async fn send_raw(&self, text: &str) {
        self.control.as_ref().unwrap().send_text(text).await.unwrap();
    }

    /// Asks the customer for a capability through signaling (S21).
    /// Starts a share as the console does: signaling is told of the activity (it may refuse,
    /// S12), the agent is asked for the picture; the agent starts only once signaling accepted.
    pub async fn start_share(&self, customer: &ParticipantId, capability: Capability, target: protocol::media::ShareTarget) {
        let activity = protocol::Activity::Capability(capability);
        self.send(ClientMessage::ActivityStart { activity, customer: Some(customer.clone()) }).await;
        self.to_agent(&PeerMessage::StartShare { target }).await;
    }

    pub async fn ask(&self, customer: &ParticipantId, capability: Capability, request: &str) {
        self.send(ClientMessage::ConsentRequest { request: request.into(), customer: customer.clone(), capability }).await;
    }

    /// Waits for the customer's answer to `request`.
    pub async fn answer(&mut self, request: &str) -> bool {
        self.server("consent answer", |m| match m {
            ServerMessage::Event { event: protocol::rules::Event::ConsentGranted { request: r, .. }, .. } if r.as_str() == request => {
                Some(true)
            }
            ServerMessage::Event { event: protocol::rules::Event::ConsentDenied { request: r, .. }, .. } if r.as_str() == request => {
                Some(false)
            }
            _ => None,
        })
        .await
    }

    /// Streams `path` from `offset` on a new `file:<transfer>` channel. With `pace`, waits
    /// that long between chunks. Returns the bytes sent; stops early if the channel closes.
    pub async fn send_file(&self, transfer: &str, path: &Path, offset: u64, stop_after: Option<u64>, pace: Option<Duration>) -> u64 {
        use std::io::{Read, Seek, SeekFrom};
        let pc = self.pc.clone().unwrap();
        let ch = pc
            .create_data_channel(
                &format!("{FILE_CHANNEL_PREFIX}{transfer}"),
                Some(RTCDataChannelInit { ordered: true, ..Default::default() }),
            )
            .await
            .unwrap();
        loop {
            match tokio::time::timeout(WAIT, ch.poll()).await.unwrap() {
                Some(DataChannelEvent::OnOpen) => break,
                Some(DataChannelEvent::OnClose) | None => return 0,
                _ => {}
            }
        }
        let mut f = std::fs::File::open(path).unwrap();
        f.seek(SeekFrom::Start(offset)).unwrap();
        let mut buf = vec![0u8; CHUNK_BYTES];
        let mut sent = 0u64;
        loop {
            if stop_after.is_some_and(|s| sent >= s) {
                let _ = ch.close().await;
                return sent;
            }
            let n = f.read(&mut buf).unwrap();
            if n == 0 {
                return sent;
            }
            if ch.send(BytesMut::from(&buf[..n])).await.is_err() {
                return sent;
            }
            sent += n as u64;
            if let Some(p) = pace {
                tokio::time::sleep(p).await;
            }
        }
    }

    /// Receives a file the agent sends on `channel` into `path`; returns (bytes, sha256).
    pub async fn receive_file(channel: Arc<dyn DataChannel>, path: &Path, expected: u64) -> (u64, String) {
        use sha2::{Digest, Sha256};
        use std::io::Write;
        let mut f = std::fs::File::create(path).unwrap();
        let mut h = Sha256::new();
        let mut got = 0u64;
        while got < expected {
            match tokio::time::timeout(WAIT, channel.poll()).await.unwrap() {
                Some(DataChannelEvent::OnMessage(m)) => {
                    f.write_all(&m.data).unwrap();
                    h.update(&m.data);
                    got += m.data.len() as u64;
                }
                Some(DataChannelEvent::OnClose) | None => break,
                _ => {}
            }
        }
        (got, super::hex(&h.finalize()))
    }
}
