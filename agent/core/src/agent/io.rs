//! What the agent's core is told ([`Input`]) and what it asks its driver to do ([`Command`]).

use crate::customer::{CustomerAction, Notice};
use protocol::media::{InputEvent, MediaKind, ShareTarget};
use protocol::peer::{PeerMessage, SystemReport, TransferId};
use protocol::rules::Event;
use protocol::signal::{ClientMessage, Roster};
use protocol::{Capability, ErrorCode, ParticipantId, RequestId, SessionId};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One share the core asked for; ids are never reused.
pub type ShareId = u64;

/// Everything the core reacts to.
#[derive(Debug)]
pub enum Input {
    // --- signaling ---
    Welcome {
        session: SessionId,
        you: ParticipantId,
    },
    Roster(Roster),
    Event(Event),
    Chat {
        from: ParticipantId,
        to: Vec<ParticipantId>,
        text: String,
    },
    ServerError(String),
    LinkLost,
    LinkGone(ErrorCode),
    // --- peers ---
    /// A decoded message from a CSR's control channel.
    Peer {
        csr: ParticipantId,
        msg: PeerMessage,
    },
    /// A control-channel message that did not decode.
    PeerGarbage {
        csr: ParticipantId,
        code: ErrorCode,
    },
    PeerConnected {
        csr: ParticipantId,
    },
    PeerGone {
        csr: ParticipantId,
    },
    /// A CSR opened `file:<transfer>` to send bytes.
    FileChannel {
        csr: ParticipantId,
        transfer: TransferId,
    },
    // --- the customer ---
    Customer(CustomerAction),
    // --- slow work, reported back ---
    ShareOpened {
        csr: ParticipantId,
        share: ShareId,
        result: Result<ShareReady, ErrorCode>,
    },
    /// A share ended on its own (capture failed, window closed).
    ShareFailed {
        csr: ParticipantId,
        share: ShareId,
        code: ErrorCode,
    },
    DeviceStarted {
        csr: ParticipantId,
        kind: MediaKind,
        result: Result<String, ErrorCode>,
    },
    IncomingOpened {
        transfer: TransferId,
        result: Result<u64, ErrorCode>,
    },
    PullOpened {
        transfer: TransferId,
        result: Result<PullReady, ErrorCode>,
    },
    PullDescribed {
        csr: ParticipantId,
        transfer: TransferId,
        consent: RequestId,
        result: Result<(PathBuf, u64), ErrorCode>,
    },
    /// A running transfer's task has `done` bytes in place (reported a few times a second at
    /// most; a report may be dropped, the next one carries the total).
    TransferProgress {
        transfer: TransferId,
        done: u64,
    },
    TransferEnded {
        transfer: TransferId,
        end: TransferEnd,
    },
    ReportReady {
        csr: ParticipantId,
        report: Box<SystemReport>,
    },
    ClipboardChanged(String),
    /// A few times a second.
    Tick {
        now_ms: u64,
    },
}

/// A share whose capture is open and whose track is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareReady {
    pub track: String,
    pub width: u32,
    pub height: u32,
}

/// A file to send, opened and hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullReady {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// How a transfer task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEnd {
    Received { saved_as: PathBuf },
    Sent,
    Failed(ErrorCode),
}

/// Where an incoming file goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Basic transfer: the customer's download folder.
    Downloads,
    /// Advanced transfer: this folder inside the shared folder.
    Shared { dir: String },
}

/// What the driver carries out, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Signal(ClientMessage),
    ToPeer {
        csr: ParticipantId,
        msg: PeerMessage,
    },
    Show(Notice),
    /// The (CSR, capability) pairs allowed now; frame and chunk loops read it before each send.
    Grants(BTreeSet<(ParticipantId, Capability)>),
    /// Whether input may be injected, and into what: the input gate's grants.
    ControlAllowed {
        desktop: bool,
        application: bool,
    },
    ClosePeer {
        csr: ParticipantId,
    },
    ListSources {
        csr: ParticipantId,
        request: String,
        monitors: bool,
        windows: bool,
    },
    /// S10: `csr`'s video track `track` carries their screen (never to be shown as their
    /// camera); its pictures are shown only while `shown`. `track: None`: nothing of theirs is
    /// shown as a screen any more (the driver still drops the old track's late pictures).
    ShowCsrScreen {
        csr: ParticipantId,
        track: Option<String>,
        shown: bool,
    },
    /// Open a capture of `target` and add its track to `csr`'s connection; answer with
    /// [`Input::ShareOpened`].
    OpenShare {
        csr: ParticipantId,
        share: ShareId,
        target: ShareTarget,
    },
    /// Stop share `share`: nothing of it is sent after this command returns.
    EndShare {
        csr: ParticipantId,
        share: ShareId,
    },
    KeyframeNow {
        csr: ParticipantId,
    },
    Inject {
        csr: ParticipantId,
        event: InputEvent,
    },
    SetClipboard {
        csr: ParticipantId,
        text: String,
    },
    PollClipboard,
    StartDevice {
        csr: ParticipantId,
        kind: MediaKind,
        track: String,
    },
    StopDevice {
        csr: ParticipantId,
        kind: MediaKind,
    },
    ListDir {
        csr: ParticipantId,
        request: String,
        path: String,
    },
    DescribePull {
        csr: ParticipantId,
        transfer: TransferId,
        consent: RequestId,
        path: String,
    },
    OpenIncoming {
        transfer: TransferId,
        to: Destination,
        name: String,
        size: u64,
        sha256: String,
    },
    OpenPull {
        transfer: TransferId,
        path: PathBuf,
    },
    /// Write what arrives on `file:<transfer>` into the opened file; under `needs` if given.
    Receive {
        transfer: TransferId,
        needs: Option<(ParticipantId, Capability)>,
    },
    /// Open `file:<transfer>` towards `csr` and stream the opened file from `offset`.
    Send {
        csr: ParticipantId,
        transfer: TransferId,
        offset: u64,
        needs: (ParticipantId, Capability),
    },
    /// Close an unwanted `file:<transfer>` channel and drop what was opened for it.
    DropTransfer {
        transfer: TransferId,
    },
    CollectReport {
        csr: ParticipantId,
    },
    /// The session is over for this agent: close everything and show the farewell.
    Finish(String),
}
