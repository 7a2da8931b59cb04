//! The agent's hands: everything that touches the network, the screen, the devices and the
//! disk, carrying out one [`Command`] of the core at a time, in order. Nothing here decides.

use crate::events::AgentEvent;
use crate::negotiation::Peers;
use crate::rtc::PeerSetup;
use crate::ui::{CustomerUi, Notice};
use crate::{devices, sharing, transfers};
use agent_core::agent::{Command, Input};
use agent_core::transfer::Limits;
use protocol::peer::PeerMessage;
use protocol::signal::ClientMessage;
use protocol::{Capability, ParticipantId};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use tokio::sync::{mpsc, watch};

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

pub struct Hands {
    pub peers: Peers,
    pub shares: sharing::Shares,
    pub devices: devices::Devices,
    pub transfers: transfers::Transfers,
    grants: watch::Sender<BTreeSet<(ParticipantId, Capability)>>,
    pub link: mpsc::Sender<ClientMessage>,
    pub events: mpsc::Sender<AgentEvent>,
    mic_fallback: media::audio::MicrophoneFallback,
    /// S10: each CSR's video track that carries their screen, and whether it may be shown now
    /// (the core decides; `session.rs` routes the pictures).
    pub csr_screens: HashMap<ParticipantId, (String, bool)>,
}

impl Hands {
    pub fn new(opts: Options, link: mpsc::Sender<ClientMessage>, events: mpsc::Sender<AgentEvent>) -> Self {
        let ca = std::env::var_os(crate::turn_stream::tls::CA_ENV).map(PathBuf::from);
        let setup = PeerSetup {
            ice_servers: vec![],
            bind_ip: opts.bind_ip,
            relay_only: opts.relay_only,
            bridges: crate::turn_stream::bridge::Bridges::new(ca),
        };
        Self {
            peers: Peers::new(setup),
            shares: Default::default(),
            devices: Default::default(),
            transfers: transfers::Transfers::new(opts.download_dir, &opts.shared_root, opts.limits),
            grants: watch::Sender::new(BTreeSet::new()),
            link,
            events,
            mic_fallback: opts.mic_fallback,
            csr_screens: HashMap::new(),
        }
    }

    /// A receiver of the grant snapshot, for a loop that sends.
    pub fn grants(&self) -> crate::events::Grants {
        self.grants.subscribe()
    }

    async fn to_peer(&self, csr: &ParticipantId, msg: PeerMessage) {
        self.peers.send(csr, &msg).await;
    }

    /// Carries out one command; gives back what the core must be told at once (a result that
    /// needed no waiting), and the farewell when the session is over for this agent.
    pub async fn carry_out<U: CustomerUi>(&mut self, cmd: Command, ui: &mut U) -> (Option<Input>, Option<String>) {
        let events = self.events.clone();
        let grants = self.grants.subscribe();
        let back = match cmd {
            Command::Signal(m) => {
                let _ = self.link.send(m).await;
                None
            }
            Command::ToPeer { csr, msg } => {
                self.to_peer(&csr, msg).await;
                None
            }
            Command::Show(n) => {
                ui.show(n);
                None
            }
            // Published before anything else runs: the loops read it before each send (S21).
            Command::Grants(g) => {
                self.grants.send_replace(g);
                None
            }
            Command::ShowCsrScreen { csr, track, shown } => {
                let was_shown = self.csr_screens.get(&csr).is_some_and(|(_, s)| *s);
                match track {
                    Some(t) => {
                        self.csr_screens.insert(csr.clone(), (t, shown));
                    }
                    // The track stays known as a screen: pictures still on their way until the
                    // console's next offer removes it are dropped, never shown as the camera.
                    None => {
                        if let Some(entry) = self.csr_screens.get_mut(&csr) {
                            entry.1 = false;
                        }
                    }
                }
                if was_shown && !shown {
                    ui.screen_gone(&csr);
                }
                None
            }
            Command::ControlAllowed { desktop, application } => {
                self.shares.set_control(desktop, application);
                None
            }
            Command::ClosePeer { csr } => {
                self.peers.close(&csr, false).await;
                None
            }
            Command::ListSources { csr, request, monitors, windows } => {
                let channel = self.peers.get(&csr).and_then(|p| p.control.clone());
                sharing::list_sources(channel, request, monitors, windows);
                None
            }
            Command::OpenShare { csr, share, target } => {
                sharing::open(csr, share, target, events);
                None
            }
            Command::EndShare { csr, share } => {
                self.shares.end(&csr, share, self.peers.get(&csr)).await;
                None
            }
            Command::KeyframeNow { csr } => {
                self.shares.keyframe(&csr);
                None
            }
            Command::Inject { csr, event } => {
                if let Some(problem) = self.shares.input(&csr, event) {
                    ui.show(Notice::Problem(problem));
                }
                None
            }
            Command::SetClipboard { csr, text } => {
                if let Some(code) = self.shares.set_clipboard(&text) {
                    self.to_peer(&csr, PeerMessage::Error { error: code.into() }).await;
                }
                None
            }
            Command::PollClipboard => self.shares.poll_clipboard().map(Input::ClipboardChanged),
            Command::StartDevice { csr, kind, track } => {
                let Some(peer) = self.peers.get(&csr) else {
                    return (Some(Input::DeviceStarted { csr, kind, result: Err(protocol::ErrorCode::TransferInterrupted) }), None);
                };
                let (result, said) = self.devices.start(&csr, kind, &track, peer, grants, self.mic_fallback.clone()).await;
                if let Some(s) = said {
                    ui.show(Notice::Info(s));
                }
                Some(Input::DeviceStarted { csr, kind, result })
            }
            Command::StopDevice { csr, kind } => {
                self.devices.stop(&csr, kind, self.peers.get(&csr)).await;
                if kind == protocol::media::MediaKind::Camera && !self.devices.camera_running() {
                    ui.own_camera(None);
                }
                None
            }
            Command::ListDir { csr, request, path } => {
                let msg = self.transfers.list(request, path);
                self.to_peer(&csr, msg).await;
                None
            }
            Command::DescribePull { csr, transfer, consent, path } => {
                let result = self.transfers.describe_pull(&path);
                Some(Input::PullDescribed { csr, transfer, consent, result })
            }
            Command::OpenIncoming { transfer, to, name, size, sha256 } => {
                self.transfers.open_incoming(transfer, to, name, size, sha256, events);
                None
            }
            Command::OpenPull { transfer, path } => {
                self.transfers.open_pull(transfer, path, events);
                None
            }
            Command::Receive { transfer, needs } => {
                self.transfers.receive(transfer, needs, grants, events);
                None
            }
            Command::Send { csr, transfer, offset, needs } => {
                let sent = self.transfers.send(self.peers.get(&csr), transfer.clone(), offset, needs, grants, events).await;
                sent.err().map(|code| Input::TransferEnded { transfer, end: agent_core::agent::TransferEnd::Failed(code) })
            }
            Command::DropTransfer { transfer } => {
                self.transfers.drop_transfer(&transfer);
                None
            }
            Command::CollectReport { csr } => {
                transfers::collect_report(csr, events);
                None
            }
            Command::Finish(bye) => {
                for csr in self.peers.csrs() {
                    self.peers.close(&csr, true).await;
                }
                ui.show(Notice::Ended(bye.clone()));
                return (None, Some(bye));
            }
        };
        (back, None)
    }
}
