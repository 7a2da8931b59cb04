//! The site's mail relay for invitations by e-mail: `--smtp-url`, `--smtp-from`,
//! `--smtp-timeout`. Parsing only (no I/O); [`crate::mailer`] connects.
//!
//! ```text
//! smtp://host[:port]                          plain SMTP, port 25 (a relay on the local network)
//! smtp://[user:password@]host[:port]?tls=starttls   STARTTLS required, port 587
//! smtps://[user:password@]host[:port]         TLS from the first byte (implicit TLS), port 465
//! …&ca=/etc/ssl/relay-ca.pem                  also trust this CA (PEM) for the relay's certificate
//! ```
//!
//! User and password are percent-encoded in the URL (`%40` for `@`). Credentials are refused
//! on a plain `smtp://` URL: they would cross the network in the clear.

use std::fmt;
use std::path::PathBuf;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS at all.
    Plain,
    /// Plain connect, then STARTTLS, which must succeed.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

/// The relay and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub security: Security,
    pub host: String,
    pub port: u16,
    /// User name and password for AUTH (PLAIN or LOGIN).
    pub credentials: Option<(String, String)>,
    /// An extra CA (PEM) trusted besides the built-in web roots.
    pub ca: Option<PathBuf>,
}

/// Never prints the password (the config is logged at debug level and shown in panics).
impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("ca", &self.ca)
            .finish()
    }
}

impl SmtpSettings {
    /// `host:port`, as error messages name the relay.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Why `--smtp-url` cannot be used; each says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    #[error("--smtp-url is not a URL (expected smtp://host:25, smtp://host:587?tls=starttls or smtps://user:password@host:465)")]
    NotAUrl,
    #[error("--smtp-url must start with smtp:// or smtps://, not `{0}://`")]
    Scheme(String),
    #[error("--smtp-url has no host name")]
    NoHost,
    #[error("--smtp-url: unknown `tls={0}` (use tls=starttls, or smtps:// for TLS from the start)")]
    Tls(String),
    #[error("--smtp-url: unknown parameter `{0}` (known: tls, ca)")]
    Parameter(String),
    #[error("--smtp-url: a user name and password need TLS (smtps:// or ?tls=starttls); they would be sent in the clear")]
    CredentialsInClear,
    #[error("--smtp-url: the user name or password is not valid percent-encoded UTF-8")]
    Encoding,
}

/// Parses `--smtp-url`.
pub fn parse_smtp_url(text: &str) -> Result<SmtpSettings, SmtpUrlError> {
    let url = url::Url::parse(text.trim()).map_err(|_| SmtpUrlError::NotAUrl)?;
    let mut security = match url.scheme() {
        "smtp" => Security::Plain,
        "smtps" => Security::Tls,
        other => return Err(SmtpUrlError::Scheme(other.to_owned())),
    };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(SmtpUrlError::NoHost)?;
    // `[::1]` is written with brackets in URLs; connecting and TLS names take it without.
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let mut ca = None;
    for (key, value) in url.query_pairs() {
        match (&*key, &*value) {
            ("tls", "starttls") if security == Security::Plain => security = Security::StartTls,
            ("tls", "none") if security == Security::Plain => {}
            ("tls", other) => return Err(SmtpUrlError::Tls(other.to_owned())),
            ("ca", path) => ca = Some(PathBuf::from(path)),
            (other, _) => return Err(SmtpUrlError::Parameter(other.to_owned())),
        }
    }
    let decode = |s: &str| percent_decode(s).ok_or(SmtpUrlError::Encoding);
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => Some((decode(user)?, decode(password.unwrap_or(""))?)),
    };
    if credentials.is_some() && security == Security::Plain {
        return Err(SmtpUrlError::CredentialsInClear);
    }
    let port = url.port().unwrap_or(match security {
        Security::Plain => 25,
        Security::StartTls => 587,
        Security::Tls => 465,
    });
    Ok(SmtpSettings { security, host, port, credentials, ca })
}

/// `%xx` decoding of a URL's user or password; `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_ways_to_reach_a_relay_parse_with_their_default_ports() {
        let plain = parse_smtp_url("smtp://mail.example.com").unwrap();
        assert_eq!((plain.security, plain.port, plain.credentials), (Security::Plain, 25, None));
        let starttls = parse_smtp_url("smtp://u%40x:p%25w@mail.example.com?tls=starttls&ca=/etc/ca.pem").unwrap();
        assert_eq!((starttls.security, starttls.port), (Security::StartTls, 587));
        assert_eq!(starttls.credentials, Some(("u@x".to_owned(), "p%w".to_owned())));
        assert_eq!(starttls.ca, Some(PathBuf::from("/etc/ca.pem")));
        let tls = parse_smtp_url("smtps://user:secret@127.0.0.1:2465").unwrap();
        assert_eq!((tls.security, tls.port, tls.server()), (Security::Tls, 2465, "127.0.0.1:2465".to_owned()));
        assert!(!format!("{tls:?}").contains("secret"), "the password is never printed");
    }

    #[test]
    fn mistakes_in_the_url_are_named() {
        assert_eq!(parse_smtp_url("mail.example.com"), Err(SmtpUrlError::NotAUrl));
        assert_eq!(parse_smtp_url("http://mail.example.com"), Err(SmtpUrlError::Scheme("http".into())));
        assert_eq!(parse_smtp_url("smtp://u:p@mail.example.com"), Err(SmtpUrlError::CredentialsInClear));
        assert_eq!(parse_smtp_url("smtp://mail.example.com?tls=yes"), Err(SmtpUrlError::Tls("yes".into())));
        assert_eq!(parse_smtp_url("smtps://mail.example.com?tls=starttls"), Err(SmtpUrlError::Tls("starttls".into())));
        assert_eq!(parse_smtp_url("smtp://mail.example.com?pool=3"), Err(SmtpUrlError::Parameter("pool".into())));
    }
}
