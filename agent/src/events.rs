//! Everything the session task is woken by: signaling, the peers, the customer, slow work
//! reporting back. A leaf module: the tasks that send these import nothing else of the agent.

use crate::signaling::LinkEvent;
use crate::ui::UiInput;
use agent_core::agent::ShareId;
use agent_core::transfer::{FileMeta, Incoming, Outgoing};
use media::capture::ScreenCapture;
use protocol::media::ShareTarget;
use protocol::peer::TransferId;
use protocol::signal::IceCandidate;
use protocol::{ErrorCode, ParticipantId};
use std::sync::Arc;
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::RTCPeerConnectionState;

/// The (CSR, capability) pairs allowed now, published by the session task after every change;
/// frame, sample and chunk loops read it before each send (S21).
pub type Grants = tokio::sync::watch::Receiver<std::collections::BTreeSet<(ParticipantId, protocol::Capability)>>;

/// What the session task reacts to.
pub enum AgentEvent {
    Link(LinkEvent),
    Peer {
        csr: ParticipantId,
        event: PeerEvent,
    },
    Ui(UiInput),
    /// Slow work (a capture opened, a file hashed, a transfer ended) reporting back to the core.
    Done(agent_core::agent::Input),
    /// A capture the core asked for was opened (or not), off the session task.
    CaptureOpened {
        csr: ParticipantId,
        share: ShareId,
        target: ShareTarget,
        result: Result<Box<OpenedCapture>, ErrorCode>,
    },
    /// A file to receive was opened (or resumed) off the session task.
    IncomingOpened {
        transfer: TransferId,
        result: Result<Box<Incoming>, ErrorCode>,
    },
    /// A file to send was opened and hashed off the session task.
    PullOpened {
        transfer: TransferId,
        result: Result<(Outgoing, FileMeta), ErrorCode>,
    },
    /// A copy of what the customer's own camera sends, for a window's preview (one on its way
    /// at a time: see `devices::Preview`).
    OwnCamera(Box<media::I420Frame>),
    /// A few times a second: clipboard changes are looked for, waits expire.
    Tick,
}

/// A capture opened for a share: the source, a second handle to map input, where it is.
pub struct OpenedCapture {
    pub capture: Box<dyn ScreenCapture>,
    pub probe: Box<dyn ScreenCapture>,
    pub surface: media::capture::Surface,
}

/// What a peer connection reports.
pub enum PeerEvent {
    /// A local ICE candidate to send to the CSR through signaling.
    Candidate(IceCandidate),
    State(RTCPeerConnectionState),
    /// The control channel opened (the session says hello on it).
    ControlOpen(Arc<dyn DataChannel>),
    /// A text message on the control channel.
    Control(String),
    /// Something other than text arrived on the control channel.
    ControlGarbage,
    ControlClosed,
    /// The CSR opened the channel of a transfer.
    FileChannel {
        transfer: TransferId,
        channel: Arc<dyn DataChannel>,
    },
    /// A decoded picture of the CSR's video (S9).
    /// A decoded picture of the CSR's video track `track` (its id: camera or shown screen).
    RemoteVideo {
        track: String,
        pic: media::I420Frame,
    },
    /// The CSR started or stopped speaking (S8); their audio is played (or metered).
    RemoteSpeaking(bool),
}

/// Connects a joined seat to signaling: runs the link (`signaling::run`) in the background and forwards
/// what it hears into the session's events. Returns the link's outbound sender and the
/// session's events channel (sender for other inputs, receiver for the session task).
pub fn connect(
    server: String,
    token: String,
) -> (
    tokio::sync::mpsc::Sender<protocol::signal::ClientMessage>,
    tokio::sync::mpsc::Sender<AgentEvent>,
    tokio::sync::mpsc::Receiver<AgentEvent>,
) {
    let (events_tx, events_rx) = tokio::sync::mpsc::channel(1024);
    let (link_tx, link_rx) = tokio::sync::mpsc::channel(256);
    let (link_events_tx, mut link_events_rx) = tokio::sync::mpsc::channel(256);
    tokio::spawn(crate::signaling::run(server, token, link_events_tx, link_rx));
    let fwd = events_tx.clone();
    tokio::spawn(async move {
        while let Some(e) = link_events_rx.recv().await {
            if fwd.send(AgentEvent::Link(e)).await.is_err() {
                break;
            }
        }
    });
    (link_tx, events_tx, events_rx)
}
