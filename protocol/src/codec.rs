//! Decoding of untrusted text into messages, with the error codes a sender is told.

use crate::error::ErrorCode;
use crate::signal::{ClientMessage, ServerMessage, CLIENT_TYPES};
use serde_json::Value;

/// Largest message accepted on the signaling WebSocket. SDP with many candidates stays well
/// under it; anything bigger belongs on a data channel.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Why a message was refused, with the sender's `ref` when it could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct DecodeError {
    pub code: ErrorCode,
    pub r#ref: Option<String>,
    /// What exactly was wrong, for logs and for the sender.
    pub detail: String,
}

/// Decodes one message from a participant. Never panics, whatever the input.
pub fn decode_client(text: &str) -> Result<(Option<String>, ClientMessage), DecodeError> {
    let fail = |code, r#ref, detail: String| DecodeError { code, r#ref, detail };
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(fail(ErrorCode::MessageTooLarge, None, format!("{} bytes, limit {MAX_MESSAGE_BYTES}", text.len())));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| fail(ErrorCode::MalformedMessage, None, e.to_string()))?;
    let Value::Object(map) = &value else {
        return Err(fail(ErrorCode::MalformedMessage, None, "a message must be a JSON object".into()));
    };
    let r#ref = map.get("ref").and_then(Value::as_str).map(|s| s.chars().take(64).collect());
    let kind = match map.get("type") {
        Some(Value::String(k)) => k.as_str(),
        _ => return Err(fail(ErrorCode::InvalidMessage, r#ref, "missing string field `type`".into())),
    };
    if !CLIENT_TYPES.contains(&kind) {
        let shown: String = kind.chars().take(40).collect();
        return Err(fail(ErrorCode::UnknownMessageType, r#ref, format!("unknown type `{shown}`")));
    }
    let msg = serde_json::from_value(value).map_err(|e| fail(ErrorCode::InvalidMessage, r#ref.clone(), e.to_string()))?;
    Ok((r#ref, msg))
}

/// Decodes one message from signaling (used by agents and test peers).
pub fn decode_server(text: &str) -> Result<ServerMessage, DecodeError> {
    serde_json::from_str(text).map_err(|e| DecodeError {
        code: if e.is_syntax() || e.is_eof() { ErrorCode::MalformedMessage } else { ErrorCode::InvalidMessage },
        r#ref: None,
        detail: e.to_string(),
    })
}
