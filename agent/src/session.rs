//! The agent's session task: a thin driver around the sans-IO core ([`agent_core::agent::Agent`]).
//! It turns what signaling, the peers, the customer and finished slow work say into the core's
//! inputs, and has [`Hands`] carry out the core's commands in order. It owns every resource, so
//! nothing else holds session state; slow work runs in spawned tasks that report back as
//! events, so a revocation is handled before anything queued behind it.

use crate::commands::Hands;
pub use crate::commands::Options;
use crate::events::{AgentEvent, PeerEvent};
use crate::negotiation::Negotiated;
use crate::signaling::LinkEvent;
use crate::ui::{CustomerUi, Hint, Notice};
use agent_core::agent::{Agent, Input};
use protocol::peer::PeerMessage;
use protocol::signal::{ClientMessage, ServerMessage};
use protocol::{ErrorCode, ParticipantId, PROTOCOL_VERSION};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use webrtc::peer_connection::RTCPeerConnectionState;

pub struct Session<U: CustomerUi> {
    core: Agent,
    ui: U,
    hands: Hands,
    /// Size of the last picture of each CSR's video, to say when it starts or changes.
    remote_video: HashMap<ParticipantId, (u32, u32)>,
    started: Instant,
    /// The grants last given to [`CustomerUi::grants`].
    shown_grants: Vec<crate::ui::GrantView>,
}

impl<U: CustomerUi> Session<U> {
    pub fn new(ui: U, me: ParticipantId, link: mpsc::Sender<ClientMessage>, events: mpsc::Sender<AgentEvent>, opts: Options) -> Self {
        let mut hands = Hands::new(opts, link, events);
        if ui.wants_own_camera() {
            hands.devices.show_preview(hands.events.clone());
        }
        let core = Agent::new(me, hands.transfers.shares_a_folder());
        Self { core, ui, hands, remote_video: HashMap::new(), started: Instant::now(), shown_grants: vec![] }
    }

    /// Runs until the customer leaves or the session ends; returns the farewell shown.
    pub async fn run(mut self, mut rx: mpsc::Receiver<AgentEvent>) -> String {
        let ticks = self.hands.events.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(300));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                if ticks.send(AgentEvent::Tick).await.is_err() {
                    break;
                }
            }
        });
        let mut bye = None;
        while let Some(ev) = rx.recv().await {
            if let Some(input) = self.translate(ev).await {
                bye = self.feed(input).await;
            }
            if bye.is_some() {
                break;
            }
        }
        ticker.abort();
        bye.unwrap_or_else(|| "The agent stopped.".into())
    }

    /// Gives the core one input and carries out everything it asks, in order; results that
    /// needed no waiting go back in after the commands decided before them.
    async fn feed(&mut self, input: Input) -> Option<String> {
        let mut pending = VecDeque::from([input]);
        while let Some(input) = pending.pop_front() {
            self.core.handle(input);
            while let Some(cmd) = self.core.poll() {
                let (back, bye) = self.hands.carry_out(cmd, &mut self.ui).await;
                if bye.is_some() {
                    return bye;
                }
                pending.extend(back);
            }
        }
        let now = self.core.grant_views();
        if now != self.shown_grants {
            self.ui.grants(&now);
            self.shown_grants = now;
        }
        None
    }

    /// What an event means to the core; plumbing (SDP, hello, pictures) is done here.
    async fn translate(&mut self, ev: AgentEvent) -> Option<Input> {
        match ev {
            AgentEvent::Link(LinkEvent::Connected) => None,
            AgentEvent::Link(LinkEvent::Lost) => Some(Input::LinkLost),
            AgentEvent::Link(LinkEvent::Gone(code)) => Some(Input::LinkGone(code)),
            AgentEvent::Link(LinkEvent::Message(m)) => self.server(m).await,
            AgentEvent::Peer { csr, event } => self.peer(csr, event).await,
            AgentEvent::Ui(input) => self.ui.interpret(input).map(Input::Customer),
            AgentEvent::Done(input) => Some(input),
            AgentEvent::CaptureOpened { csr, share, target, result } => {
                let ready = match (result, self.hands.peers.get(&csr)) {
                    (Ok(opened), Some(peer)) if self.core.share_wanted(&csr, share) => {
                        let grants = self.hands.grants();
                        self.hands.shares.start(&csr, share, target, *opened, peer, grants).await
                    }
                    (Ok(opened), _) => {
                        // Revoked or replaced while it was opened: it never shows anything.
                        drop(opened);
                        Err(ErrorCode::ActivityNotActive)
                    }
                    (Err(code), _) => Err(code),
                };
                Some(Input::ShareOpened { csr, share, result: ready })
            }
            AgentEvent::IncomingOpened { transfer, result } => Some(self.hands.transfers.incoming_opened(transfer, result)),
            AgentEvent::PullOpened { transfer, result } => Some(self.hands.transfers.pull_opened(transfer, result)),
            AgentEvent::OwnCamera(frame) => {
                self.hands.devices.preview_taken();
                // A picture that was on its way when the camera stopped is not shown.
                if self.hands.devices.camera_running() {
                    self.ui.own_camera(Some(&frame));
                }
                None
            }
            AgentEvent::Tick => Some(Input::Tick { now_ms: self.started.elapsed().as_millis() as u64 }),
        }
    }

    async fn server(&mut self, msg: ServerMessage) -> Option<Input> {
        match msg {
            ServerMessage::Welcome { session, you, ice_servers, .. } => {
                self.hands.peers.setup.ice_servers = ice_servers;
                Some(Input::Welcome { session, you })
            }
            ServerMessage::Roster { roster } => Some(Input::Roster(roster)),
            ServerMessage::Event { event, .. } => Some(Input::Event(event)),
            ServerMessage::Signal { from, payload } => {
                if !self.core.is_csr(&from) {
                    tracing::warn!(%from, "ignoring negotiation from a participant who is not a CSR");
                    return None;
                }
                let (link, events) = (self.hands.link.clone(), self.hands.events.clone());
                match self.hands.peers.on_signal(&from, payload, &link, &events).await {
                    Negotiated::Gone => Some(Input::PeerGone { csr: from }),
                    Negotiated::Nothing => None,
                }
            }
            ServerMessage::Chat { from, to, text, .. } => Some(Input::Chat { from, to, text }),
            // The terminal showed each line as it came; a reconnection does not repeat them.
            ServerMessage::ChatHistory { .. } => None,
            ServerMessage::Error { error } => Some(Input::ServerError(error.message)),
            ServerMessage::Pong => None,
        }
    }

    async fn peer(&mut self, csr: ParticipantId, event: PeerEvent) -> Option<Input> {
        match event {
            PeerEvent::Candidate(mut candidate) => {
                tracing::debug!(csr = %csr, candidate = %candidate.candidate, "local candidate");
                // The crate names no section (`sdpMid` ""); every section is bundled on the
                // first, so the candidate belongs to the first section's mid.
                if candidate.sdp_mid.as_deref().is_none_or(str::is_empty) {
                    if let Some(peer) = self.hands.peers.get(&csr) {
                        let local = peer.pc.local_description().await;
                        candidate.sdp_mid =
                            local.and_then(|d| crate::tracks::offered_sections(&d.sdp).into_iter().next()).map(|(mid, _, _)| mid);
                        candidate.sdp_m_line_index = Some(0);
                    }
                }
                let _ = self
                    .hands
                    .link
                    .send(ClientMessage::Signal { to: csr, payload: protocol::signal::SignalPayload::Ice { candidate } })
                    .await;
                None
            }
            PeerEvent::State(RTCPeerConnectionState::Failed) => {
                self.ui.show(Notice::Info(format!("The connection with {} was interrupted; restoring it.", self.core.name_of(&csr))));
                None
            }
            PeerEvent::State(RTCPeerConnectionState::Connected) => Some(Input::PeerConnected { csr }),
            PeerEvent::State(_) => None,
            PeerEvent::ControlOpen(channel) => {
                let hello = PeerMessage::Hello { protocol_version: PROTOCOL_VERSION, participant: self.core.me().clone() };
                crate::peer::send_control(&channel, &hello).await;
                self.hands.peers.set_control(&csr, Some(channel));
                None
            }
            PeerEvent::Control(text) => Some(match serde_json::from_str::<PeerMessage>(&text) {
                Ok(msg) => Input::Peer { csr, msg },
                Err(_) => Input::PeerGarbage { csr, code: ErrorCode::InvalidMessage },
            }),
            PeerEvent::ControlGarbage => Some(Input::PeerGarbage { csr, code: ErrorCode::MalformedMessage }),
            PeerEvent::ControlClosed => {
                self.hands.peers.set_control(&csr, None);
                None
            }
            PeerEvent::FileChannel { transfer, channel } => {
                self.hands.transfers.channel_opened(transfer.clone(), channel);
                Some(Input::FileChannel { csr, transfer })
            }
            PeerEvent::RemoteVideo { track, pic } => {
                // S10: the track that carries the CSR's screen shows only while allowed, and
                // never as their camera.
                if let Some((screen, shown)) = self.hands.csr_screens.get(&csr) {
                    if *screen == track {
                        if *shown {
                            let name = self.core.name_of(&csr);
                            self.ui.screen_frame(&csr, &name, &pic);
                        }
                        return None;
                    }
                }
                let size = (pic.width, pic.height);
                let name = self.core.name_of(&csr);
                let first = !self.remote_video.contains_key(&csr);
                if self.remote_video.insert(csr.clone(), size) != Some(size) {
                    // S9: the customer is offered to share video back.
                    let back = first && self.core.gate().check(&csr, protocol::Capability::Camera).is_err();
                    let text = format!("{name}'s video is showing ({}×{}).", size.0, size.1);
                    self.ui.show(if back { Notice::Told { text, hint: Hint::ShareCamera } } else { Notice::Info(text) });
                }
                self.ui.video_frame(&name, &pic);
                None
            }
            PeerEvent::RemoteSpeaking(on) => {
                let name = self.core.name_of(&csr);
                self.ui.show(Notice::Info(if on { format!("{name} is speaking.") } else { format!("{name} stopped speaking.") }));
                None
            }
        }
    }
}
