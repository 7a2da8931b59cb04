//! Messages on the signaling WebSocket, between a participant (console or agent) and
//! signaling. Every message is one JSON object with a `"type"` field; a client may add a
//! `"ref"` string to any message, which signaling echoes in an error about it.

use crate::capability::{Activity, Capability, SiteFeatures};
use crate::error::WireError;
use crate::ids::{ParticipantId, RequestId, SessionId};
use crate::rules::{Event, Grant, Role, Running};
use serde::{Deserialize, Serialize};

/// Participant → signaling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ClientMessage {
    /// First message on every connection. CSRs name the session (their cookie proves who they
    /// are); customers give the participant token they got for their invitation. A customer's
    /// hello may also say `"client": "browser"` or `"agent"` (the default), read by
    /// [`hello_client`].
    Hello {
        protocol_version: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<SessionId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// SDP or ICE for one other participant of the same session.
    Signal { to: ParticipantId, payload: SignalPayload },
    /// Host CSR asks a customer for a capability (S10, S21).
    ConsentRequest { request: RequestId, customer: ParticipantId, capability: Capability },
    /// The customer's answer (S21): "Allow once", "Allow for this session" or "Deny".
    ConsentAnswer {
        request: RequestId,
        granted: bool,
        #[serde(default)]
        scope: crate::policy::GrantScope,
    },
    /// The customer takes a grant back (S21); it ends at once.
    ConsentRevoke { capability: Capability },
    /// The customer offers one of their own devices to a CSR without being asked (S9: sharing
    /// their camera back). The offer is their grant, for this session, to that CSR.
    ConsentOffer { request: RequestId, csr: ParticipantId, capability: Capability },
    /// A CSR starts using a granted capability, or a consent-free activity.
    ActivityStart {
        activity: Activity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<ParticipantId>,
    },
    ActivityStop {
        activity: Activity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<ParticipantId>,
    },
    /// Host makes a secondary customer primary (S6).
    Promote { customer: ParticipantId },
    /// Host hands control to another CSR (S18).
    TransferControl { to: ParticipantId },
    /// An observing team lead takes control of the session (issue 16).
    TakeOver,
    /// Chat (S7): `to` empty means everyone.
    Chat {
        #[serde(default)]
        to: Vec<ParticipantId>,
        text: String,
    },
    /// Leave the session for good (S19).
    Leave,
    /// Host ends the session, optionally with final notes (S19, S20).
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes: Option<String>,
    },
    /// Application-level ping, answered with `pong`.
    Ping,
}

/// The wire names of [`ClientMessage`] variants, to tell an unknown type from a bad one.
pub const CLIENT_TYPES: [&str; 15] = [
    "hello",
    "signal",
    "consent_request",
    "consent_answer",
    "consent_revoke",
    "consent_offer",
    "activity_start",
    "activity_stop",
    "promote",
    "transfer_control",
    "take_over",
    "chat",
    "leave",
    "end",
    "ping",
];

/// Peer-to-peer negotiation, relayed untouched by signaling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SignalPayload {
    Offer {
        sdp: String,
    },
    Answer {
        sdp: String,
    },
    /// One ICE candidate, shaped like the browser's `RTCIceCandidateInit`.
    Ice {
        candidate: IceCandidate,
    },
    /// The sender closes its peer connection with the addressee.
    Bye,
}

/// An ICE candidate as browsers produce and accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

/// A STUN or TURN server, shaped like the browser's `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// What a customer joined with: the support agent (a program on their computer) or the
/// customer page in their browser, which has no access to the computer (issue 14, phase 1).
/// Said in `hello` as `client`; absent means `agent`, so agents that predate it need no change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    #[default]
    Agent,
    Browser,
}

/// The `client` of a `hello` that [`crate::decode_client`] accepted: a field of its own, read
/// beside [`ClientMessage::Hello`] so that programs building a hello need not name it.
/// Anything but `"agent"`, `"browser"` or no field is `invalid_message`.
pub fn hello_client(text: &str) -> Result<ClientKind, crate::ErrorCode> {
    #[derive(Deserialize)]
    struct Client {
        #[serde(default)]
        client: ClientKind,
    }
    serde_json::from_str::<Client>(text).map(|c| c.client).map_err(|_| crate::ErrorCode::InvalidMessage)
}

/// One participant as every participant sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub online: bool,
    pub host: bool,
    pub primary: bool,
    /// A team lead who observes (issue 16): customers are told, and see it beside the name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observer: bool,
    /// A customer's client as of their last connection (signaling fills it in); absent for CSRs
    /// and for customers not connected since signaling started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientKind>,
}

/// The whole visible state of a session, pushed on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub session: SessionId,
    pub host: ParticipantId,
    pub primary: Option<ParticipantId>,
    pub participants: Vec<RosterEntry>,
    pub grants: Vec<Grant>,
    pub running: Vec<Running>,
    pub features: SiteFeatures,
    pub ended: bool,
}

/// One chat message as kept in the session's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    pub from: ParticipantId,
    pub to: Vec<ParticipantId>,
    pub text: String,
    pub at_ms: u64,
}

impl ChatLine {
    /// Whether `reader` was among the line's readers: everyone, the chosen ones and the sender.
    pub fn readable_by(&self, reader: &ParticipantId) -> bool {
        self.to.is_empty() || &self.from == reader || self.to.contains(reader)
    }
}

/// Signaling → participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ServerMessage {
    /// Answer to `hello`: who you are and how to reach peers.
    Welcome {
        protocol_version: u32,
        session: SessionId,
        you: ParticipantId,
        role: Role,
        ice_servers: Vec<IceServer>,
        /// Seconds the TURN credentials stay valid; reconnect before for fresh ones.
        ice_credential_ttl: u64,
    },
    Roster {
        roster: Roster,
    },
    Signal {
        from: ParticipantId,
        payload: SignalPayload,
    },
    /// A rule-level change (consent, activity, host, primary, presence, end), as recorded.
    Event {
        at_ms: u64,
        #[serde(flatten)]
        event: Event,
    },
    Chat {
        from: ParticipantId,
        to: Vec<ParticipantId>,
        text: String,
        at_ms: u64,
    },
    /// Sent once after `welcome` on every connection: the session's chat so far that this
    /// participant may read (to everyone, to them, or from them), oldest first, so a reloaded
    /// console or a CSR who joins late sees the conversation (S7). It replaces what was shown.
    ChatHistory {
        lines: Vec<ChatLine>,
        /// Older lines exist that were left out (the history is bounded: the last
        /// [`crate::limits::CHAT_HISTORY_LINES`] lines and [`crate::limits::CHAT_HISTORY_BYTES`]
        /// of text); the whole chat is in the session record.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    Error {
        #[serde(flatten)]
        error: WireError,
    },
    Pong,
}

impl ServerMessage {
    /// The error message for a code, echoing the client's `ref`.
    pub fn error(code: crate::ErrorCode, r#ref: Option<String>) -> Self {
        let mut error = WireError::from(code);
        error.r#ref = r#ref;
        ServerMessage::Error { error }
    }

    /// An error with a message of its own (which budget was used up, say) instead of the
    /// code's usual sentence; programs still match on the code.
    pub fn error_saying(code: crate::ErrorCode, message: String, r#ref: Option<String>) -> Self {
        ServerMessage::Error { error: WireError { code, message, r#ref } }
    }
}

impl Activity {
    /// The wire name: a capability name, `basic_file_transfer`, `csr_video` or `audio_conference`.
    pub fn wire_name(self) -> String {
        match self {
            Activity::BasicFileTransfer => "basic_file_transfer".into(),
            Activity::CsrVideo => "csr_video".into(),
            Activity::AudioConference => "audio_conference".into(),
            Activity::Capability(c) => serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        }
    }
}

impl TryFrom<String> for Activity {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "basic_file_transfer" => Ok(Activity::BasicFileTransfer),
            "csr_video" => Ok(Activity::CsrVideo),
            "audio_conference" => Ok(Activity::AudioConference),
            _ => serde_json::from_value::<Capability>(serde_json::Value::String(s.clone()))
                .map(Activity::Capability)
                .map_err(|_| format!("unknown activity `{s}`")),
        }
    }
}

impl From<Activity> for String {
    fn from(a: Activity) -> String {
        a.wire_name()
    }
}
