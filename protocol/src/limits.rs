//! What one participant may send on the signaling WebSocket and how much of a session is
//! kept, so that console, agent, signaling and docs/security.md share one set of numbers.
//!
//! Every budget is a token bucket: `burst` may be spent at once, and it refills at `per_sec`.
//! A message over budget is not delivered; its sender gets `rate_limited` (with the message's
//! `ref`) and the other participants see nothing of it.

/// One token bucket: how much may be spent at once and how fast it comes back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_sec: f64,
}

/// Chat messages one participant may send: 30 at once, then one a second (typing and canned
/// answers stay far below; a paste is one message).
pub const CHAT_MESSAGES: Rate = Rate { burst: 30.0, per_sec: 1.0 };
/// Chat bytes one participant may send: three pasted texts of the largest size (64 KiB) at once,
/// then 8 KiB a second (≈ 480 KiB a minute, far more than anyone types).
pub const CHAT_BYTES: Rate = Rate { burst: 192.0 * 1024.0, per_sec: 8.0 * 1024.0 };
/// SDP and ICE messages one participant may relay: a call start sends an offer or answer and
/// a few dozen candidates per peer connection; 300 at once covers several connections started
/// together, 30 a second covers renegotiation.
pub const SIGNAL_MESSAGES: Rate = Rate { burst: 300.0, per_sec: 30.0 };
/// SDP and ICE bytes one participant may relay: 512 KiB at once (dozens of offers), then
/// 64 KiB a second by default (signaling's `--relay-kib-per-second`). Low enough that no
/// participant can push more at another than a slow home line takes, so a flood costs the
/// flooder, not the receiver.
pub const SIGNAL_BYTES_BURST: f64 = 512.0 * 1024.0;
/// The default refill of [`SIGNAL_BYTES_BURST`], in KiB a second.
pub const SIGNAL_KIB_PER_SEC: u32 = 64;
/// Every other message (consent, activity, promote, control, ping, leave, end): 60 at once,
/// then 5 a second. The console pings every 20 s; a CSR clicks far slower.
pub const OTHER_MESSAGES: Rate = Rate { burst: 60.0, per_sec: 5.0 };
/// (Re)connections of one participant: 20 at once, then one every 10 s. Each one is recorded
/// (online, offline), so a reconnect loop must not grow the record without end.
pub const CONNECTS: Rate = Rate { burst: 20.0, per_sec: 0.1 };

/// The session record's size at which chat is refused with `record_full`, by default (16 MiB,
/// signaling's `--max-record-mib`): days of real chat, minutes of a flood.
pub const RECORD_CAP_MIB: u32 = 16;
/// Room kept above the cap for what must be recorded (consent requests and answers, activities,
/// presence): new requests and starts are refused with `record_full` only beyond it, and
/// revocations, stops, leaving and ending are always recorded.
pub const RECORD_RESERVE_BYTES: u64 = 2 * 1024 * 1024;

/// Chat lines sent in `chat_history` on a (re)connection: the last 200 …
pub const CHAT_HISTORY_LINES: usize = 200;
/// … and no more than 256 KiB of their text; older lines are in the session record.
pub const CHAT_HISTORY_BYTES: usize = 256 * 1024;

/// Customer display names: at most 64 characters.
pub const MAX_NAME_CHARS: usize = 64;
