//! Messages between peers on the `control` data channel (console ⇄ agent), and the framing of
//! file chunks on per-transfer channels. Every capability message here is checked by the
//! agent's consent gate before it touches the customer's computer (S21).

use crate::error::WireError;
use crate::ids::{ParticipantId, RequestId};
use crate::media::{InputEvent, MediaKind, MonitorInfo, ShareTarget, WindowInfo};
use serde::{Deserialize, Serialize};

/// Label of the ordered, reliable channel that carries [`PeerMessage`]s as JSON text.
pub const CONTROL_CHANNEL: &str = "control";
/// Prefix of the label of a per-transfer channel: `file:<transfer id>`. Binary messages on it
/// are raw file bytes, at most [`CHUNK_BYTES`] each, in order from the agreed offset.
pub const FILE_CHANNEL_PREFIX: &str = "file:";
/// Largest file chunk: below every browser's SCTP message limit.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Identifies one file offer or transfer within a session; chosen by the side that starts it.
pub type TransferId = String;

/// One message on the `control` data channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PeerMessage {
    /// First message each way once the channel opens; a version mismatch is answered with an
    /// error and the channel is closed.
    Hello {
        protocol_version: u32,
        participant: ParticipantId,
    },
    /// The sender is closing the peer connection on purpose (the crate notices a closed browser
    /// only after seconds, see docs/webrtc-interop.md).
    Bye,
    Error {
        #[serde(flatten)]
        error: WireError,
    },

    /// S14: the CSR asks for the system report (needs the `system_info` grant).
    SystemInfoRequest,
    /// The report, sent after the customer saw it.
    SystemInfo {
        report: SystemReport,
    },

    /// S11 basic: the CSR offers a file; the customer decides whether to download it.
    FileOffer {
        transfer: TransferId,
        name: String,
        size: u64,
        sha256: String,
    },
    /// The customer's answer to an offer. `offset` > 0 resumes an interrupted download.
    FileAccept {
        transfer: TransferId,
        offset: u64,
    },
    FileDecline {
        transfer: TransferId,
    },

    /// S11 advanced: list one folder of the customer's shared root (read-only).
    ListDir {
        request: String,
        path: String,
    },
    DirListing {
        request: String,
        path: String,
        entries: Vec<DirEntry>,
        /// More entries exist than one message carries.
        #[serde(default)]
        truncated: bool,
    },
    /// S13: the CSR sends a file into a folder of the customer's computer. `consent` is the
    /// request id of the `file_transfer_item` consent asked through signaling for it.
    PushFile {
        transfer: TransferId,
        consent: RequestId,
        dir: String,
        name: String,
        size: u64,
        sha256: String,
    },
    /// S13: the CSR copies a file from the customer's computer.
    PullFile {
        transfer: TransferId,
        consent: RequestId,
        path: String,
    },
    /// The sender describes what it will send (for pulls, the agent answers with this).
    TransferHeader {
        transfer: TransferId,
        name: String,
        size: u64,
        sha256: String,
    },
    /// The receiver is ready: bytes start at `offset` on channel `file:<transfer>`.
    TransferStart {
        transfer: TransferId,
        offset: u64,
    },
    /// The receiver checked the SHA-256 and kept the file under `saved_as`.
    TransferDone {
        transfer: TransferId,
        saved_as: String,
    },
    /// Either side gives up on a transfer, with the reason.
    TransferFailed {
        transfer: TransferId,
        #[serde(flatten)]
        error: WireError,
    },

    /// S10: the CSR asks what can be shared (monitors for "view desktop", windows for "view
    /// application"). Answered with [`PeerMessage::Sources`] once any sharing grant is live.
    ListSources {
        request: String,
    },
    Sources {
        request: String,
        monitors: Vec<MonitorInfo>,
        windows: Vec<WindowInfo>,
    },
    /// S10: send `target` as this connection's video track. Needs a live `screen_view` or
    /// `remote_control` grant for a monitor, `application_view` or `application_control` for a
    /// window. The agent answers [`PeerMessage::ShareStarted`] or an error.
    StartShare {
        target: ShareTarget,
    },
    /// The CSR stops the share.
    StopShare,
    /// Frames of `target` now flow on the video track `track`, at `width`×`height`.
    ShareStarted {
        target: ShareTarget,
        track: String,
        width: u32,
        height: u32,
    },
    /// The share stopped: the CSR asked, the customer revoked (`consent_revoked`), or the
    /// source went away.
    ShareStopped {
        #[serde(flatten)]
        reason: WireError,
    },
    /// S10, the CSR's own screen: the console sends it on the video track `track` (its id).
    /// The customer sees it only while they allow `csr_screen_share` to this CSR and signaling
    /// runs that activity; otherwise the agent answers `consent_required` and shows nothing.
    CsrShareStarted {
        track: String,
    },
    /// The CSR stopped showing their screen.
    CsrShareStopped,
    /// The agent added or removed a track: the console, which always offers, sends a new offer.
    RenegotiationNeeded,
    /// The receiver wants a keyframe (a fallback for consoles that cannot send RTCP PLI).
    KeyframeRequest,
    /// S10: one input event, applied under a live `remote_control` (desktop) or
    /// `application_control` (inside the shared window) grant, dropped and counted otherwise.
    Input {
        event: InputEvent,
    },
    /// Clipboard text, either way, under the same grant as input.
    Clipboard {
        text: String,
    },
    /// S8, S9: the CSR asks for the customer's microphone or camera (needs that grant).
    StartMedia {
        kind: MediaKind,
    },
    StopMedia {
        kind: MediaKind,
    },
    /// The customer's microphone or camera now flows on track `track`.
    MediaStarted {
        kind: MediaKind,
        track: String,
    },
    MediaStopped {
        kind: MediaKind,
        #[serde(flatten)]
        reason: WireError,
    },
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
    pub size: u64,
    /// Seconds since the Unix epoch, when the OS tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    Other,
}

/// S14: hardware and software details of the customer's computer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SystemReport {
    pub os_name: String,
    pub os_version: String,
    pub kernel_version: String,
    pub host_name: String,
    pub cpu_model: String,
    pub cpu_cores: u32,
    pub memory_total_bytes: u64,
    pub memory_used_bytes: u64,
    pub uptime_secs: u64,
    pub disks: Vec<DiskInfo>,
    pub networks: Vec<NetworkInfo>,
    pub top_cpu: Vec<ProcessInfo>,
    pub top_memory: Vec<ProcessInfo>,
    /// Installed packages, where the OS has a package database this agent can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_packages: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiskInfo {
    pub mount_point: String,
    pub file_system: String,
    pub total_bytes: u64,
    pub free_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInfo {
    pub name: String,
    pub mac: String,
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub pid: u32,
    pub name: String,
    pub cpu_percent: f32,
    pub memory_bytes: u64,
}
