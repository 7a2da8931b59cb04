//! The agent's session task: it alone owns the consent gate, the peers, the transfers and
//! the UI, and reacts to what signaling, the peers, the transfer tasks and the customer say.

use crate::files::TransferEnd;
use crate::peer::{self, CsrPeer, PeerEvent};
use crate::rtc::{self, PeerSetup};
use crate::signaling::LinkEvent;
use crate::ui::{CustomerAction, CustomerUi, Notice, Person, UiInput};
use agent_core::consent::{ConsentGate, GateInput, GateOutput};
use agent_core::transfer::{Limits, SharedRoot};
use protocol::peer::{PeerMessage, SystemReport, TransferId};
use protocol::rules::{Event, Role};
use protocol::signal::{ClientMessage, Roster, ServerMessage, SignalPayload};
use protocol::{Capability, ErrorCode, ParticipantId, PROTOCOL_VERSION};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::RTCPeerConnectionState;

/// Everything the session task reacts to.
pub enum AgentEvent {
    Link(LinkEvent),
    Peer {
        csr: ParticipantId,
        event: PeerEvent,
    },
    Ui(UiInput),
    TransferEnded {
        transfer: TransferId,
        end: TransferEnd,
    },
    ReportReady {
        csr: ParticipantId,
        report: Box<SystemReport>,
    },
    /// A few times a second: clipboard changes are looked for.
    Tick,
}

/// Where files go and what the customer shares.
#[derive(Debug, Clone)]
pub struct Options {
    /// Basic transfers (files the CSR offers) are saved here.
    pub download_dir: PathBuf,
    /// Advanced transfer: the folder the CSR may browse and move files in and out of.
    pub shared_root: PathBuf,
    pub limits: Limits,
    pub bind_ip: std::net::IpAddr,
    pub relay_only: bool,
    /// What the microphone sends when the computer has none (S8).
    pub mic_fallback: media::audio::MicrophoneFallback,
}

/// A transfer agreed on one side and waiting for the other.
pub(crate) enum Planned {
    /// Bytes will arrive on `file:<id>` into this file.
    Receive { csr: ParticipantId, incoming: Box<agent_core::transfer::Incoming>, needs: Option<Capability> },
    /// The CSR asked for a file; it is sent once the CSR says where to start.
    Send { csr: ParticipantId, outgoing: agent_core::transfer::Outgoing },
}

pub struct Session<U: CustomerUi> {
    pub(crate) ui: U,
    pub(crate) gate: ConsentGate,
    pub(crate) grants: watch::Sender<BTreeSet<Capability>>,
    pub(crate) me: ParticipantId,
    pub(crate) roster: Option<Roster>,
    pub(crate) link: mpsc::Sender<ClientMessage>,
    pub(crate) events: mpsc::Sender<AgentEvent>,
    pub(crate) setup: PeerSetup,
    pub(crate) peers: HashMap<ParticipantId, CsrPeer>,
    pub(crate) opts: Options,
    pub(crate) share: Option<SharedRoot>,
    /// Basic offers waiting for the customer: transfer → (csr, name, size, sha256).
    pub(crate) offers: HashMap<TransferId, (ParticipantId, String, u64, String)>,
    /// Advanced transfers waiting for their per-transfer grant: consent request → plan.
    pub(crate) awaiting_consent: HashMap<protocol::RequestId, (TransferId, PendingTransfer)>,
    pub(crate) planned: HashMap<TransferId, Planned>,
    pub(crate) report: Option<(ParticipantId, SystemReport)>,
    pub(crate) media: crate::sharing::MediaState,
    done: Option<String>,
}

/// What a per-transfer grant will start.
pub(crate) enum PendingTransfer {
    Push { csr: ParticipantId, dir: String, name: String, size: u64, sha256: String },
    Pull { csr: ParticipantId, path: PathBuf },
}

impl<U: CustomerUi> Session<U> {
    pub fn new(ui: U, me: ParticipantId, link: mpsc::Sender<ClientMessage>, events: mpsc::Sender<AgentEvent>, opts: Options) -> Self {
        let share = SharedRoot::new(&opts.shared_root).ok();
        let setup = PeerSetup { ice_servers: vec![], bind_ip: opts.bind_ip, relay_only: opts.relay_only };
        Self {
            ui,
            gate: ConsentGate::new(),
            grants: watch::Sender::new(BTreeSet::new()),
            me,
            roster: None,
            link,
            events,
            setup,
            peers: HashMap::new(),
            opts,
            share,
            offers: HashMap::new(),
            awaiting_consent: HashMap::new(),
            planned: HashMap::new(),
            report: None,
            media: Default::default(),
            done: None,
        }
    }

    /// Runs until the customer leaves or the session ends; returns the farewell shown.
    pub async fn run(mut self, mut rx: mpsc::Receiver<AgentEvent>) -> String {
        let ticks = self.events.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_millis(300));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                if ticks.send(AgentEvent::Tick).await.is_err() {
                    break;
                }
            }
        });
        let bye = self.serve(&mut rx).await;
        ticker.abort();
        bye
    }

    async fn serve(&mut self, rx: &mut mpsc::Receiver<AgentEvent>) -> String {
        while let Some(ev) = rx.recv().await {
            match ev {
                AgentEvent::Link(l) => self.on_link(l).await,
                AgentEvent::Peer { csr, event } => self.on_peer(csr, event).await,
                AgentEvent::Ui(input) => {
                    if let Some(action) = self.ui.interpret(input) {
                        self.on_action(action).await;
                    }
                }
                AgentEvent::TransferEnded { transfer, end } => self.on_transfer_end(transfer, end).await,
                AgentEvent::ReportReady { csr, report } => self.on_report(csr, *report),
                AgentEvent::Tick => self.media_tick().await,
            }
            if let Some(bye) = self.done.take() {
                self.shutdown().await;
                self.ui.show(Notice::Ended(bye.clone()));
                return bye;
            }
        }
        "The agent stopped.".into()
    }

    pub(crate) fn name_of(&self, id: &ParticipantId) -> String {
        let found = self.roster.as_ref().and_then(|r| r.participants.iter().find(|p| &p.id == id));
        found.map(|p| p.name.clone()).unwrap_or_else(|| "Someone".into())
    }

    fn is_csr(&self, id: &ParticipantId) -> bool {
        self.roster.as_ref().is_some_and(|r| r.participants.iter().any(|p| &p.id == id && p.role == Role::Csr))
    }

    /// S12: is one of this customer's applications being viewed or controlled?
    pub(crate) fn app_shared(&self) -> bool {
        self.roster
            .as_ref()
            .is_some_and(|r| r.running.iter().any(|run| run.activity.consent().is_some_and(Capability::is_application_sharing)))
    }

    pub(crate) async fn signal(&self, msg: ClientMessage) {
        let _ = self.link.send(msg).await;
    }

    async fn on_link(&mut self, ev: LinkEvent) {
        match ev {
            LinkEvent::Connected => {}
            LinkEvent::Lost => {
                self.ui.show(Notice::Info("Lost the connection to the support server; reconnecting. The session goes on.".into()))
            }
            LinkEvent::Gone(code) => self.done = Some(farewell(code)),
            LinkEvent::Message(m) => self.on_server(m).await,
        }
    }

    async fn on_server(&mut self, msg: ServerMessage) {
        match msg {
            ServerMessage::Welcome { session, you, ice_servers, .. } => {
                let first = self.roster.is_none();
                self.me = you;
                self.setup.ice_servers = ice_servers;
                if first {
                    self.ui.show(Notice::Joined { session: session.0 });
                }
            }
            ServerMessage::Roster { roster } => self.on_roster(roster).await,
            ServerMessage::Event { event, .. } => self.on_event(event).await,
            ServerMessage::Signal { from, payload } => self.on_signal(from, payload).await,
            ServerMessage::Chat { from, to, text, .. } => {
                let to = to.iter().map(|t| if t == &self.me { "you".to_owned() } else { self.name_of(t) }).collect();
                self.ui.show(Notice::Chat { from: self.name_of(&from), to, text });
            }
            ServerMessage::Error { error } => self.ui.show(Notice::Problem(error.message)),
            ServerMessage::Pong => {}
        }
    }

    async fn on_roster(&mut self, roster: Roster) {
        let people = |r: &Roster| -> Vec<(ParticipantId, bool)> { r.participants.iter().map(|p| (p.id.clone(), p.online)).collect() };
        let changed = self.roster.as_ref().is_none_or(|old| people(old) != people(&roster));
        // CSRs who left: their connections close.
        let gone: Vec<_> = self.peers.keys().filter(|id| !roster.participants.iter().any(|p| &p.id == *id)).cloned().collect();
        for id in gone {
            self.media_peer_gone(&id).await;
            if let Some(p) = self.peers.remove(&id) {
                let _ = p.pc.close().await;
            }
        }
        if changed {
            let list = roster
                .participants
                .iter()
                .map(|p| Person { id: p.id.clone(), name: p.name.clone(), role: p.role, online: p.online, you: p.id == self.me })
                .collect();
            self.ui.show(Notice::People(list));
        }
        self.roster = Some(roster);
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::ConsentRequested { request, by, customer, capability } if customer == self.me => {
                let by_name = self.name_of(&by);
                let out = self.gate.handle(GateInput::Requested { request, capability, by, by_name });
                self.apply_gate(out).await;
            }
            Event::Ended { .. } => self.done = Some(farewell(ErrorCode::SessionEnded)),
            _ => {}
        }
    }

    async fn on_signal(&mut self, from: ParticipantId, payload: SignalPayload) {
        if !self.is_csr(&from) {
            tracing::warn!(%from, "ignoring negotiation from a participant who is not a CSR");
            return;
        }
        let result = match payload {
            SignalPayload::Offer { sdp } => self.answer_offer(&from, sdp).await,
            SignalPayload::Ice { candidate } => match self.peers.get(&from) {
                Some(p) => p.pc.add_ice_candidate(rtc::candidate_in(candidate)).await.map_err(|e| e.to_string()),
                None => Ok(()),
            },
            SignalPayload::Bye => {
                self.media_peer_gone(&from).await;
                if let Some(p) = self.peers.remove(&from) {
                    let _ = p.pc.close().await;
                }
                Ok(())
            }
            SignalPayload::Answer { .. } => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(csr = %from, error = %e, "negotiation failed");
        }
    }

    /// The CSR offers (first connection, renegotiation or ICE restart); the agent answers.
    async fn answer_offer(&mut self, csr: &ParticipantId, sdp: String) -> Result<(), String> {
        // A new DTLS certificate means a new peer (the console reloaded without saying bye);
        // the same certificate is a renegotiation or an ICE restart of this one.
        if let Some(p) = self.peers.get(csr) {
            let current = p.pc.remote_description().await;
            if current.is_some_and(|d| fingerprint(&d.sdp) != fingerprint(&sdp)) {
                tracing::info!(%csr, "the console started a new connection; replacing the old one");
                self.media_peer_gone(csr).await;
                if let Some(old) = self.peers.remove(csr) {
                    let _ = old.pc.close().await;
                }
            }
        }
        if !self.peers.contains_key(csr) {
            let p = peer::connect(&self.setup, csr.clone(), self.events.clone()).await.map_err(|e| e.to_string())?;
            self.peers.insert(csr.clone(), p);
        }
        let pc = self.peers[csr].pc.clone();
        pc.set_remote_description(rtc::offer(sdp).map_err(|e| e.to_string())?).await.map_err(|e| e.to_string())?;
        let answer = pc.create_answer(None).await.map_err(|e| e.to_string())?;
        pc.set_local_description(answer.clone()).await.map_err(|e| e.to_string())?;
        self.signal(ClientMessage::Signal { to: csr.clone(), payload: SignalPayload::Answer { sdp: answer.sdp } }).await;
        Ok(())
    }

    async fn on_peer(&mut self, csr: ParticipantId, event: PeerEvent) {
        match event {
            PeerEvent::Candidate(candidate) => {
                self.signal(ClientMessage::Signal { to: csr, payload: SignalPayload::Ice { candidate } }).await;
            }
            PeerEvent::State(RTCPeerConnectionState::Failed) => {
                self.ui.show(Notice::Info(format!("The connection with {} was interrupted; restoring it.", self.name_of(&csr))));
            }
            PeerEvent::State(RTCPeerConnectionState::Connected) => self.media_peer_connected(&csr),
            PeerEvent::State(_) => {}
            PeerEvent::ControlOpen(channel) => {
                let hello = PeerMessage::Hello { protocol_version: PROTOCOL_VERSION, participant: self.me.clone() };
                send_control(&channel, &hello).await;
                if let Some(p) = self.peers.get_mut(&csr) {
                    p.control = Some(channel);
                }
            }
            PeerEvent::Control(text) => match serde_json::from_str::<PeerMessage>(&text) {
                Ok(msg) => self.on_peer_message(csr, msg).await,
                Err(_) => self.peer_error(&csr, ErrorCode::InvalidMessage).await,
            },
            PeerEvent::ControlGarbage => self.peer_error(&csr, ErrorCode::MalformedMessage).await,
            PeerEvent::ControlClosed => {
                if let Some(p) = self.peers.get_mut(&csr) {
                    p.control = None;
                }
            }
            PeerEvent::FileChannel { transfer, channel } => self.on_file_channel(csr, transfer, channel).await,
            PeerEvent::RemoteVideo(pic) => {
                let size = (pic.width, pic.height);
                let name = self.name_of(&csr);
                if self.media.remote_video.insert(csr.clone(), size) != Some(size) {
                    self.ui.show(Notice::Info(format!("{name}'s video is showing ({}×{}).", size.0, size.1)));
                }
                self.ui.video_frame(&name, &pic);
            }
            PeerEvent::RemoteSpeaking(on) => {
                let name = self.name_of(&csr);
                self.ui.show(Notice::Info(if on { format!("{name} is speaking.") } else { format!("{name} stopped speaking.") }));
            }
        }
    }

    pub(crate) async fn to_peer(&self, csr: &ParticipantId, msg: &PeerMessage) {
        if let Some(channel) = self.peers.get(csr).and_then(|p| p.control.clone()) {
            send_control(&channel, msg).await;
        }
    }

    pub(crate) async fn peer_error(&self, csr: &ParticipantId, code: ErrorCode) {
        self.to_peer(csr, &PeerMessage::Error { error: code.into() }).await;
    }

    async fn on_action(&mut self, action: CustomerAction) {
        match action {
            CustomerAction::Answer { request, granted } => {
                let out = self.gate.handle(GateInput::Answered { request, granted });
                self.apply_gate(out).await;
            }
            CustomerAction::Revoke(capability) => {
                let out = self.gate.handle(GateInput::Revoked { capability });
                if out.is_empty() {
                    self.ui.show(Notice::Problem("That permission was not given, so there is nothing to take back.".into()));
                }
                self.apply_gate(out).await;
            }
            CustomerAction::Chat { to, text } => self.signal(ClientMessage::Chat { to, text }).await,
            CustomerAction::ShowGrants => self.ui.show(Notice::Grants(self.gate.granted())),
            CustomerAction::AcceptFile(t) => self.accept_offer(t).await,
            CustomerAction::DeclineFile(t) => {
                if let Some((csr, ..)) = self.offers.remove(&t) {
                    self.to_peer(&csr, &PeerMessage::FileDecline { transfer: t }).await;
                }
            }
            CustomerAction::SendReport(yes) => self.send_report(yes).await,
            CustomerAction::Leave => {
                self.signal(ClientMessage::Leave).await;
                self.done = Some("You left the session. Nothing is shared any more.".into());
            }
        }
    }

    /// Carries out what the gate decided, and republishes the grant snapshot.
    pub(crate) async fn apply_gate(&mut self, out: Vec<GateOutput>) {
        for o in out {
            match o {
                GateOutput::Ask(p) => self.ui.show(Notice::Ask { request: p.request, capability: p.capability, text: p.text }),
                GateOutput::SendAnswer { request, granted } => {
                    self.signal(ClientMessage::ConsentAnswer { request: request.clone(), granted }).await;
                    self.start_if_transfer(request, granted).await;
                }
                GateOutput::SendRevoke { capability } => {
                    self.signal(ClientMessage::ConsentRevoke { capability }).await;
                    self.ui.show(Notice::Info(format!("Stopped: {} can no longer {}.", "support", capability.asks_to())));
                }
                GateOutput::Stop { capability } => {
                    if capability == Capability::SystemInfo {
                        self.report = None;
                    }
                }
            }
        }
        // The snapshot first: frame and chunk senders read it before each send (S21).
        self.grants.send_replace(self.gate.granted().into_iter().collect());
        self.media_grants_changed().await;
    }

    async fn shutdown(&mut self) {
        let out = self.gate.handle(GateInput::Ended);
        self.apply_gate(out).await;
        let csrs: Vec<ParticipantId> = self.peers.keys().cloned().collect();
        for csr in csrs {
            self.media_peer_gone(&csr).await;
        }
        for (_, p) in self.peers.drain() {
            if let Some(c) = &p.control {
                send_control(c, &PeerMessage::Bye).await;
            }
            let _ = p.pc.close().await;
        }
    }
}

pub(crate) async fn send_control(channel: &Arc<dyn DataChannel>, msg: &PeerMessage) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = channel.send_text(&text).await;
    }
}

/// The DTLS fingerprints of an SDP, which identify the peer's certificate. A set: browsers repeat
/// the line in every media section, so an offer that adds a section (the CSR's camera) is still
/// the same peer.
fn fingerprint(sdp: &str) -> std::collections::BTreeSet<&str> {
    sdp.lines().filter(|l| l.starts_with("a=fingerprint:")).map(str::trim).collect()
}

fn farewell(code: ErrorCode) -> String {
    match code {
        ErrorCode::SessionEnded => "The support session has ended. Nothing is shared any more.".into(),
        other => format!("The session cannot go on: {}", other.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn an_offer_with_one_more_media_section_comes_from_the_same_peer() {
        let first = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AA:BB\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 AA:BB\r\n";
        let more = format!("{first}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 AA:BB\r\n");
        assert_eq!(fingerprint(first), fingerprint(&more));
        assert_ne!(fingerprint(first), fingerprint(&first.replace("AA:BB", "CC:DD")));
    }
}
