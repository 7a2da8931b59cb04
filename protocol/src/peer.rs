//! Messages between peers on the `control` data channel (console ⇄ agent). The agent and
//! media issues add capability messages here; this module fixes the envelope and handshake.

use crate::error::WireError;
use crate::ids::ParticipantId;
use serde::{Deserialize, Serialize};

/// One message on the `control` data channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PeerMessage {
    /// First message each way once the channel opens; a version mismatch is answered with an
    /// error and the channel is closed.
    Hello { protocol_version: u32, participant: ParticipantId },
    /// The sender is closing the peer connection on purpose (the crate notices a closed browser
    /// only after seconds, see shared/notes/webrtc-interop.md).
    Bye,
    Error {
        #[serde(flatten)]
        error: WireError,
    },
}
