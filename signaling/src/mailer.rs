//! Sends one invitation mail through the site's relay (`--smtp-url`): a new connection per
//! mail (they are rare), step by step, so a refusal says which step failed: connecting,
//! STARTTLS, signing in, the sender, the recipient or the message. The whole exchange is
//! bounded by `--smtp-timeout`; at most [`MAX_SENDING`] mails are on their way at once.

use crate::error::ApiError;
use crate::mail_settings::{Security, SmtpSettings};
use crate::mail_text::{MailText, MAX_MESSAGE_BYTES};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, Message};
use protocol::error::WireError;
use protocol::ErrorCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Mails being sent at once, for the whole site; one more is refused with `unavailable`.
pub const MAX_SENDING: usize = 4;
/// Characters of the relay's own words kept in an error.
const MAX_SERVER_WORDS: usize = 300;

/// A mail that was not sent: the stable code and, for a person, what happened in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError {
    pub code: ErrorCode,
    pub words: String,
}

impl From<ErrorCode> for MailError {
    fn from(code: ErrorCode) -> Self {
        MailError { code, words: code.message().to_owned() }
    }
}

impl From<ApiError> for MailError {
    fn from(e: ApiError) -> Self {
        e.0.into()
    }
}

impl IntoResponse for MailError {
    fn into_response(self) -> Response {
        let body = WireError { code: self.code, message: self.words, r#ref: None };
        (crate::error::status_of(self.code), Json(body)).into_response()
    }
}

/// Why the mail settings cannot be used at start.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("--smtp-url: cannot read the CA file {0}: {1}")]
    Ca(String, std::io::Error),
    #[error("--smtp-url: the CA file {0} holds no PEM certificate")]
    CaPem(String),
    #[error("--smtp-url: TLS settings for {0}: {1}")]
    Tls(String, lettre::transport::smtp::Error),
    #[error("--smtp-from `{0}` is not a mail address (write support@example.com or \"Support <support@example.com>\")")]
    From(String),
}

/// The relay, ready to send.
pub struct Mailer {
    settings: SmtpSettings,
    from: Mailbox,
    timeout: Duration,
    tls: Option<TlsParameters>,
    hello: ClientId,
    sending: Arc<Semaphore>,
}

impl Mailer {
    pub fn new(settings: SmtpSettings, from: &str, timeout: Duration) -> Result<Mailer, MailSetupError> {
        let from: Mailbox = from.parse().map_err(|_| MailSetupError::From(from.to_owned()))?;
        let tls = match settings.security {
            Security::Plain => None,
            Security::StartTls | Security::Tls => {
                let mut b = TlsParameters::builder(settings.host.clone());
                if let Some(ca) = &settings.ca {
                    let shown = ca.display().to_string();
                    let pem = std::fs::read(ca).map_err(|e| MailSetupError::Ca(shown.clone(), e))?;
                    b = b.add_root_certificate(Certificate::from_pem(&pem).map_err(|_| MailSetupError::CaPem(shown))?);
                }
                Some(b.build_rustls().map_err(|e| MailSetupError::Tls(settings.server(), e))?)
            }
        };
        Ok(Mailer { settings, from, timeout, tls, hello: ClientId::default(), sending: Arc::new(Semaphore::new(MAX_SENDING)) })
    }

    /// The send timeout, as the error for it names it.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `text` to `to` (an address that passed [`crate::mail_text::check_address`]).
    pub async fn send(&self, to: &str, text: &MailText) -> Result<(), MailError> {
        let to: Address = to.parse().map_err(|_| MailError::from(ErrorCode::EmailAddressInvalid))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to.clone()))
            .subject(text.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(|e| {
                tracing::error!(error = %e, "an invitation mail could not be built");
                MailError::from(ErrorCode::Internal)
            })?;
        let bytes = message.formatted();
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(ErrorCode::MessageTooLarge.into());
        }
        let _permit = self.sending.clone().try_acquire_owned().map_err(|_| MailError::from(ErrorCode::Unavailable))?;
        match tokio::time::timeout(self.timeout, self.exchange(&to, &bytes)).await {
            Ok(done) => done,
            Err(_) => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> MailError {
        MailError {
            code: ErrorCode::MailServerTimeout,
            words: format!(
                "The mail server at {} did not answer within {} s. Try again, or copy the link instead.",
                self.settings.server(),
                self.timeout.as_secs()
            ),
        }
    }

    async fn exchange(&self, to: &Address, message: &[u8]) -> Result<(), MailError> {
        let server = self.settings.server();
        let implicit = if self.settings.security == Security::Tls { self.tls.clone() } else { None };
        let unreachable = |why: String| MailError {
            code: ErrorCode::MailServerUnreachable,
            words: format!("Could not reach the mail server at {server}: {why}. Ask the site administrator to check the mail settings."),
        };
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.settings.host.as_str(), self.settings.port),
            Some(self.timeout),
            &self.hello,
            implicit,
            None,
        )
        .await
        .map_err(|e| if e.is_timeout() { self.timed_out() } else { unreachable(words_of(&e)) })?;
        if let (Security::StartTls, Some(tls)) = (self.settings.security, &self.tls) {
            if let Err(e) = conn.starttls(tls.clone(), &self.hello).await {
                // lettre leaves the connection without a stream after a failed upgrade (an
                // untrusted certificate): QUIT on it (`abort`) would panic. Dropping it closes
                // the socket.
                return Err(unreachable(format!("STARTTLS failed ({})", words_of(&e))));
            }
        }
        let result = self.converse(&mut conn, to, message).await;
        match &result {
            Ok(()) => {
                let _ = conn.quit().await;
            }
            Err(_) => conn.abort().await,
        }
        result
    }

    async fn converse(&self, conn: &mut AsyncSmtpConnection, to: &Address, message: &[u8]) -> Result<(), MailError> {
        let refused = |step: &str, e: lettre::transport::smtp::Error| {
            if e.is_timeout() {
                return self.timed_out();
            }
            MailError {
                code: ErrorCode::MailServerRefused,
                words: format!("The mail server refused {step}: {}. Ask the site administrator to check the mail settings.", words_of(&e)),
            }
        };
        if let Some((user, password)) = &self.settings.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await.map_err(|e| refused("the sign-in", e))?;
        }
        conn.command(Mail::new(Some(self.from.email.clone()), vec![])).await.map_err(|e| refused("the sender address", e))?;
        if let Err(e) = conn.command(Rcpt::new(to.clone(), vec![])).await {
            if e.is_timeout() {
                return Err(self.timed_out());
            }
            return Err(MailError {
                code: ErrorCode::MailAddressRefused,
                words: format!("The mail server refused the address {to}: {}. Check it and try again.", words_of(&e)),
            });
        }
        conn.command(Data).await.map_err(|e| refused("the message", e))?;
        conn.message(message).await.map_err(|e| refused("the message", e))?;
        Ok(())
    }
}

/// What went wrong, in the relay's words when it answered (`550 5.1.1 No such user`),
/// without control characters and cut to [`MAX_SERVER_WORDS`].
fn words_of(e: &lettre::transport::smtp::Error) -> String {
    let source = std::error::Error::source(e).map(ToString::to_string);
    let text = match (e.status(), source) {
        (Some(code), Some(s)) => format!("{code} {s}"),
        (Some(code), None) => code.to_string(),
        (None, Some(s)) if e.is_tls() => format!("TLS: {s}"),
        (None, Some(s)) => s,
        (None, None) => e.to_string(),
    };
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_SERVER_WORDS).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
