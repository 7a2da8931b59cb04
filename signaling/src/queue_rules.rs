//! The support queue's rules without I/O (issue 16, rule S3): what a customer may write when
//! asking for help and while waiting, how long a place is kept, and the estimate of the wait.
//! docs/security.md states these budgets.

use protocol::ErrorCode;

/// A customer's name: as long as a participant's name may be (it becomes theirs in the session).
pub const MAX_NAME: usize = protocol::limits::MAX_NAME_CHARS;
/// What they need help with.
pub const MAX_DESCRIPTION: usize = 500;
/// One message written while waiting, and how many of them a place keeps.
pub const MAX_MESSAGE: usize = 500;
pub const MAX_MESSAGES: i64 = 20;
/// Customers waiting in one team's queue at most.
pub const MAX_WAITING_PER_TEAM: i64 = 100;
/// Places held at once by one client address (a family or an office behind one address).
pub const MAX_WAITING_PER_ADDRESS: i64 = 5;
/// A place whose page has not asked for news for this long is given up (the page was closed).
pub const GRACE_MS: i64 = 120_000;
/// Nobody waits longer than this: the place is given up.
pub const MAX_WAIT_MS: i64 = 4 * 3600 * 1000;
/// How often the waiting page asks for news.
pub const POLL_MS: i64 = 3000;
/// Waits of the team's recent customers the estimate is made from: this many, from this far back.
pub const RECENT_WAITS: i64 = 20;
pub const RECENT_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// What a customer asked for help with, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub description: String,
    pub email: Option<String>,
}

/// Trimmed text of 1–`max` characters without control characters (line breaks are allowed
/// where `lines`): `invalid_message` when empty, `message_too_large` when too long.
fn text(s: &str, max: usize, lines: bool) -> Result<String, ErrorCode> {
    let t = s.trim();
    if t.is_empty() || t.chars().any(|c| c.is_control() && !(lines && c == '\n')) {
        return Err(ErrorCode::InvalidMessage);
    }
    if t.chars().count() > max {
        return Err(ErrorCode::MessageTooLarge);
    }
    Ok(t.replace("\r\n", "\n"))
}

/// Checks a request for help. A name that claims a role is refused now (`name_not_allowed`),
/// not when the customer is seated.
pub fn check_request(name: &str, description: &str, email: Option<&str>) -> Result<Request, ErrorCode> {
    let name = text(name, MAX_NAME, false)?;
    if protocol::names::claims_role(&name, []).is_some() {
        return Err(ErrorCode::NameNotAllowed);
    }
    let description = text(&description.replace("\r\n", "\n"), MAX_DESCRIPTION, true)?;
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(crate::mail_text::check_address(e)?),
        None => None,
    };
    Ok(Request { name, description, email })
}

/// Checks a message written while waiting.
pub fn check_message(s: &str) -> Result<String, ErrorCode> {
    text(&s.replace("\r\n", "\n"), MAX_MESSAGE, true)
}

/// The expected wait, ms, of the customer at `place` (1 = next): the median wait of the team's
/// recent customers, times the place, shared among the CSRs available (at least one). `None`
/// without recent waits: the page then says "a few minutes".
pub fn estimate(recent_waits_ms: &[i64], place: i64, available_csrs: i64) -> Option<i64> {
    if recent_waits_ms.is_empty() {
        return None;
    }
    let mut w = recent_waits_ms.to_vec();
    w.sort_unstable();
    let median = w[w.len() / 2].max(0);
    Some(median.saturating_mul(place.max(1)) / available_csrs.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_trimmed_and_bounded() {
        let r = check_request("  Dana  ", " The printer\r\njams ", Some(" dana@example.com ")).unwrap();
        assert_eq!(r, Request { name: "Dana".into(), description: "The printer\njams".into(), email: Some("dana@example.com".into()) });
        assert_eq!(check_request("Dana", "help", Some("")).unwrap().email, None, "an empty address is none");
        assert_eq!(check_request("", "help", None), Err(ErrorCode::InvalidMessage));
        assert_eq!(check_request("Da\nna", "help", None), Err(ErrorCode::InvalidMessage));
        assert_eq!(check_request(&"a".repeat(MAX_NAME + 1), "help", None), Err(ErrorCode::MessageTooLarge));
        assert!(check_request(&"é".repeat(MAX_NAME), "help", None).is_ok(), "characters, not bytes");
        assert_eq!(check_request("Dana", &"a".repeat(MAX_DESCRIPTION + 1), None), Err(ErrorCode::MessageTooLarge));
        assert_eq!(check_request("Dana", "help", Some("not an address")), Err(ErrorCode::EmailAddressInvalid));
        assert_eq!(check_request("Support", "help", None), Err(ErrorCode::NameNotAllowed));
    }

    #[test]
    fn messages_are_short_text() {
        assert_eq!(check_message(" hello\r\nagain ").unwrap(), "hello\nagain");
        assert_eq!(check_message(" "), Err(ErrorCode::InvalidMessage));
        assert_eq!(check_message(&"a".repeat(MAX_MESSAGE + 1)), Err(ErrorCode::MessageTooLarge));
    }

    #[test]
    fn the_estimate_grows_with_the_place_and_shrinks_with_the_csrs() {
        assert_eq!(estimate(&[], 1, 1), None);
        let waits = [60_000, 600_000, 120_000];
        assert_eq!(estimate(&waits, 1, 1), Some(120_000), "the median, not the mean");
        assert_eq!(estimate(&waits, 3, 1), Some(360_000));
        assert_eq!(estimate(&waits, 3, 3), Some(120_000));
        assert_eq!(estimate(&waits, 2, 0), Some(240_000), "nobody available counts as one");
    }
}
