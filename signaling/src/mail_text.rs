//! What an invitation e-mail says, and the checks on the address a CSR typed. No I/O:
//! [`crate::mailer`] sends what this builds.
//!
//! Budget (docs/security.md): one plain address of at most [`MAX_ADDRESS`] bytes — ASCII,
//! exactly one `@`, no spaces, commas, semicolons, angle brackets, quotes or control
//! characters (so no second recipient and no header can ride along), else
//! `email_address_invalid`; a message of at most [`MAX_MESSAGE_BYTES`].

use protocol::ErrorCode;

/// Longest address accepted (RFC 5321's limit on a path).
pub const MAX_ADDRESS: usize = 254;
/// Longest local part (before the `@`), RFC 5321.
const MAX_LOCAL: usize = 64;
/// Largest message sent (headers and text); ours are about 1 KiB.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Characters of a display name or session type kept in the text.
const MAX_NAME_CHARS: usize = protocol::limits::MAX_NAME_CHARS;

/// The address exactly as typed, without surrounding whitespace, if it is one plain address.
pub fn check_address(typed: &str) -> Result<String, ErrorCode> {
    let a = typed.trim();
    let refuse = Err(ErrorCode::EmailAddressInvalid);
    if a.is_empty() || a.len() > MAX_ADDRESS || !a.is_ascii() {
        return refuse;
    }
    let Some((local, domain)) = a.split_once('@') else { return refuse };
    let local_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if local_ok && domain_ok {
        Ok(a.to_owned())
    } else {
        refuse
    }
}

/// The address as the session record keeps it: the first character of the local part, then
/// `***`, then the domain (`c***@example.com`). Enough to tell two addresses of a session
/// apart and to see which company was written to; not enough to write to the person again.
pub fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('?')),
        None => "***".to_owned(),
    }
}

/// A name as it may appear in a mail: no control characters (line breaks included), spaces
/// collapsed, at most [`MAX_NAME_CHARS`] characters; `fallback` when nothing is left.
pub fn clean_name(name: &str, fallback: &str) -> String {
    let kept: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cleaned: String = kept.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_NAME_CHARS).collect();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// The site as mails name it: the host of its public URL (`support.example.com`).
pub fn site_name(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// A mail ready to send: subject and plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// What a customer invitation mail says.
pub struct CustomerInvitation<'a> {
    pub site: &'a str,
    pub public_url: &'a str,
    pub csr_name: &'a str,
    pub link: &'a str,
    /// Nine digits, grouped: "123 456 789" (none for invitations older than codes that
    /// follow their link).
    pub code: Option<&'a str>,
    pub expires_at_ms: i64,
    pub now_ms: i64,
}

impl CustomerInvitation<'_> {
    pub fn text(&self) -> MailText {
        let csr = clean_name(self.csr_name, "Your support representative");
        let minutes = ((self.expires_at_ms - self.now_ms) / 60_000).max(1);
        let code = self.code.map(|c| format!("If the support agent asks for a code, type: {c}\n\n")).unwrap_or_default();
        MailText {
            subject: format!("Remote support invitation from {csr} ({})", self.site),
            body: format!(
                "Hello,\n\n\
                 {csr} of {site} invites you to a remote support session.\n\n\
                 Open this link to join:\n{link}\n\n\
                 {code}\
                 The invitation admits one person and expires at {expiry} (in {minutes} min).\n\
                 If you did not expect this e-mail, ignore it: nothing happens unless you open the link.\n\n\
                 -- \nSent by the remote support service at {url} at the request of {csr}.\n",
                site = self.site,
                link = self.link,
                expiry = utc_time(self.expires_at_ms),
                url = self.public_url,
            ),
        }
    }
}

/// What a mail to another CSR invited into a session (S17) says.
pub struct CsrInvitation<'a> {
    pub site: &'a str,
    pub public_url: &'a str,
    pub csr_name: &'a str,
    pub session_id: &'a str,
    pub session_type: &'a str,
    pub tracking_code: Option<&'a str>,
}

impl CsrInvitation<'_> {
    pub fn text(&self) -> MailText {
        let csr = clean_name(self.csr_name, "A colleague");
        let kind = clean_name(self.session_type, "support");
        let tracking = self.tracking_code.map(|t| format!(" ({})", clean_name(t, ""))).unwrap_or_default();
        MailText {
            subject: format!("{csr} invites you to a support session on {}", self.site),
            body: format!(
                "Hello,\n\n\
                 {csr} invites you to join a {kind} session{tracking} on {site}.\n\n\
                 Open it in the support console (sign in with your account):\n{url}/#/session/{id}\n\n\
                 -- \nSent by the remote support service at {url} at the request of {csr}.\n",
                site = self.site,
                url = self.public_url,
                id = self.session_id,
            ),
        }
    }
}

/// `2026-12-04 14:55 UTC`: mails are read in any time zone, so the zone is named.
pub fn utc_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::csv::civil(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_plain_address_passes_and_anything_that_could_carry_more_is_refused() {
        assert_eq!(check_address("  customer.one+x@mail.example.com \n"), Ok("customer.one+x@mail.example.com".into()));
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a@@example.com",
            "a@example.com,b@example.com",
            "a@example.com; b@example.com",
            "a@example.com\r\nBcc: b@example.com",
            "a\r\n@example.com",
            "Name <a@example.com>",
            "\"a b\"@example.com",
            "a b@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example..com",
            "ü@example.com",
        ] {
            assert_eq!(check_address(bad), Err(ErrorCode::EmailAddressInvalid), "{bad:?}");
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(63) + "." + &"c".repeat(63) + "." + &"d".repeat(60));
        assert!(long.len() > MAX_ADDRESS);
        assert_eq!(check_address(&long), Err(ErrorCode::EmailAddressInvalid));
        assert_eq!(check_address(&format!("{}@example.com", "a".repeat(65))), Err(ErrorCode::EmailAddressInvalid));
    }

    #[test]
    fn the_record_keeps_a_masked_address() {
        assert_eq!(mask("customer@example.com"), "c***@example.com");
    }

    #[test]
    fn names_lose_control_characters_and_line_breaks() {
        assert_eq!(clean_name("Alice\r\nBcc: x@y.z\u{7}", "?"), "Alice Bcc: x@y.z");
        assert_eq!(clean_name(" \n\t", "Support"), "Support");
        assert_eq!(clean_name(&"x".repeat(500), "?").chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn the_customer_mail_names_site_csr_link_code_and_expiry() {
        let t = CustomerInvitation {
            site: "support.example.com",
            public_url: "https://support.example.com",
            csr_name: "Alice\nSmith",
            link: "https://support.example.com/join/tok",
            code: Some("123 456 789"),
            expires_at_ms: 1_796_396_100_000,
            now_ms: 1_796_394_300_000,
        }
        .text();
        assert_eq!(t.subject, "Remote support invitation from Alice Smith (support.example.com)");
        for part in [
            "Alice Smith of support.example.com",
            "https://support.example.com/join/tok\n",
            "type: 123 456 789",
            "2026-12-04 14:55 UTC (in 30 min)",
        ] {
            assert!(t.body.contains(part), "{part} in {}", t.body);
        }
        assert!(t.body.len() + t.subject.len() < MAX_MESSAGE_BYTES);
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(site_name("https://support.example.com:8443/x"), "support.example.com:8443");
    }
}
