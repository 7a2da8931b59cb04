//! Exchanging an invitation (a code read over the phone, or a link) for a participant token.

use protocol::error::WireError;
use protocol::ErrorCode;
use serde::Deserialize;

/// What the customer typed: a code ("123 456 789") or a link (`https://…/join/<token>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitation {
    Code(String),
    Link { server: String, link: String },
}

impl Invitation {
    /// Reads what the customer typed. A link also names the server.
    pub fn parse(typed: &str) -> Option<Invitation> {
        let t = typed.trim();
        if t.starts_with("http://") || t.starts_with("https://") {
            let (server, _) = t.split_once("/join/")?;
            return Some(Invitation::Link { server: server.to_owned(), link: t.to_owned() });
        }
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let only_code_chars = t.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
        (only_code_chars && digits.len() == 9).then_some(Invitation::Code(digits))
    }
}

/// The seat signaling gave this customer.
#[derive(Debug, Clone, Deserialize)]
pub struct Seat {
    pub session_id: String,
    pub participant_id: String,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("{}", .0.message)]
    Refused(WireError),
    #[error("cannot reach the support server at {0}: {1}. Check the address and your connection.")]
    Unreachable(String, String),
}

impl JoinError {
    pub fn code(&self) -> ErrorCode {
        match self {
            JoinError::Refused(e) => e.code,
            JoinError::Unreachable(..) => ErrorCode::Unavailable,
        }
    }
}

/// Redeems the invitation at `server`.
pub async fn join(server: &str, invitation: &Invitation, name: &str) -> Result<Seat, JoinError> {
    let body = match invitation {
        Invitation::Code(code) => serde_json::json!({"code": code, "name": name}),
        Invitation::Link { link, .. } => serde_json::json!({"link": link, "name": name}),
    };
    let url = format!("{}/api/join", server.trim_end_matches('/'));
    let unreachable = |e: reqwest::Error| JoinError::Unreachable(server.to_owned(), e.to_string());
    let resp = reqwest::Client::new().post(&url).json(&body).send().await.map_err(unreachable)?;
    if resp.status().is_success() {
        return resp.json::<Seat>().await.map_err(unreachable);
    }
    let err = resp.json::<WireError>().await.unwrap_or_else(|_| WireError::from(ErrorCode::Unavailable));
    Err(JoinError::Refused(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_links_are_recognised_and_junk_is_not() {
        assert_eq!(Invitation::parse("123 456 789"), Some(Invitation::Code("123456789".into())));
        assert_eq!(Invitation::parse("123-456-789"), Some(Invitation::Code("123456789".into())));
        let link = Invitation::parse("https://help.example.com/join/abc").unwrap();
        assert_eq!(link, Invitation::Link { server: "https://help.example.com".into(), link: "https://help.example.com/join/abc".into() });
        assert_eq!(Invitation::parse("12345"), None);
        assert_eq!(Invitation::parse("hello"), None);
        assert_eq!(Invitation::parse("https://example.com/other"), None);
    }
}
