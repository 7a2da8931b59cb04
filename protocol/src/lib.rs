//! Wire format and session rules of the remote-support platform.
//!
//! This crate is the one import site for everything that crosses a process boundary:
//! messages between console, agent and signaling ([`signal`]), messages between peers on the
//! `control` data channel ([`peer`]), and the stable error codes both sides show ([`ErrorCode`]).
//! It also holds the session rules of the specification (S1–S22) as a pure state machine
//! ([`rules::Session`]) with no I/O, so signaling, agent and tests share one reading of them.

pub mod capability;
pub mod codec;
pub mod download;
pub mod error;
pub mod ids;
pub mod limits;
pub mod media;
pub mod names;
pub mod peer;
pub mod policy;
pub mod rules;
pub mod signal;

pub use capability::{Activity, Capability, SiteFeatures};
pub use codec::{decode_client, decode_server, DecodeError, MAX_MESSAGE_BYTES};
pub use error::ErrorCode;
pub use ids::{ParticipantId, RequestId, SessionId};

/// Version of the wire protocol. Peers exchange it in their first message; a mismatch is
/// refused with [`ErrorCode::ProtocolVersionMismatch`] instead of leaving either side waiting.
pub const PROTOCOL_VERSION: u32 = 1;
