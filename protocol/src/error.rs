//! Stable error codes. Console and agent show [`ErrorCode::message`]; programs match on the
//! code, which never changes once released.

use serde::{Deserialize, Serialize};

/// Every refusal a person or program can meet, across HTTP, WebSocket and data channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    // --- decoding and transport ---
    #[error("malformed_message")]
    MalformedMessage,
    #[error("unknown_message_type")]
    UnknownMessageType,
    #[error("invalid_message")]
    InvalidMessage,
    #[error("message_too_large")]
    MessageTooLarge,
    #[error("protocol_version_mismatch")]
    ProtocolVersionMismatch,
    #[error("hello_required")]
    HelloRequired,
    #[error("slow_consumer")]
    SlowConsumer,
    #[error("rate_limited")]
    RateLimited,
    // --- accounts ---
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("bad_credentials")]
    BadCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("password_change_required")]
    PasswordChangeRequired,
    #[error("weak_password")]
    WeakPassword,
    #[error("already_exists")]
    AlreadyExists,
    #[error("not_found")]
    NotFound,
    // --- starting and inviting ---
    #[error("tracking_code_required")]
    TrackingCodeRequired,
    #[error("invitation_invalid")]
    InvitationInvalid,
    #[error("invitation_expired")]
    InvitationExpired,
    #[error("invitation_revoked")]
    InvitationRevoked,
    #[error("invitation_used")]
    InvitationUsed,
    #[error("token_invalid")]
    TokenInvalid,
    // --- session rules ---
    #[error("session_ended")]
    SessionEnded,
    #[error("not_in_session")]
    NotInSession,
    #[error("unknown_participant")]
    UnknownParticipant,
    #[error("not_host")]
    NotHost,
    #[error("not_a_csr")]
    NotACsr,
    #[error("not_a_customer")]
    NotACustomer,
    #[error("customer_cannot_end")]
    CustomerCannotEnd,
    #[error("host_cannot_leave")]
    HostCannotLeave,
    #[error("already_host")]
    AlreadyHost,
    #[error("already_primary")]
    AlreadyPrimary,
    #[error("not_primary")]
    NotPrimary,
    #[error("no_customer_joined")]
    NoCustomerJoined,
    #[error("application_sharing_active")]
    ApplicationSharingActive,
    #[error("feature_disabled")]
    FeatureDisabled,
    #[error("consent_required")]
    ConsentRequired,
    #[error("consent_pending")]
    ConsentPending,
    #[error("already_granted")]
    AlreadyGranted,
    #[error("unknown_request")]
    UnknownRequest,
    #[error("activity_active")]
    ActivityActive,
    #[error("activity_not_active")]
    ActivityNotActive,
    #[error("file_transfer_active")]
    FileTransferActive,
    #[error("participant_offline")]
    ParticipantOffline,
    // --- agent capabilities ---
    #[error("consent_revoked")]
    ConsentRevoked,
    #[error("declined")]
    Declined,
    #[error("file_too_large")]
    FileTooLarge,
    #[error("insufficient_space")]
    InsufficientSpace,
    #[error("checksum_mismatch")]
    ChecksumMismatch,
    #[error("path_not_allowed")]
    PathNotAllowed,
    #[error("file_unreadable")]
    FileUnreadable,
    #[error("file_unwritable")]
    FileUnwritable,
    #[error("transfer_interrupted")]
    TransferInterrupted,
    #[error("capture_unavailable")]
    CaptureUnavailable,
    #[error("source_not_found")]
    SourceNotFound,
    #[error("device_unavailable")]
    DeviceUnavailable,
    #[error("unsupported_codec")]
    UnsupportedCodec,
    #[error("insufficient_scope")]
    InsufficientScope,
    #[error("too_many_tokens")]
    TooManyTokens,
    /// Issue 16: the satisfaction survey of this seat is answered already, expired (24 h after
    /// the end), or there is none (the customer left before the end).
    #[error("survey_closed")]
    SurveyClosed,
    #[error("too_many_webhooks")]
    TooManyWebhooks,
    #[error("too_many_snippets")]
    TooManySnippets,
    /// Issue 16: a team lead who observes runs nothing and asks for nothing until they take the
    /// session over; nor can control be handed to them.
    #[error("observing")]
    Observing,
    // --- server ---
    #[error("internal")]
    Internal,
    #[error("unavailable")]
    Unavailable,
    // --- limits of a session (added later; codes are appended, never reordered) ---
    #[error("record_full")]
    RecordFull,
    #[error("name_not_allowed")]
    NameNotAllowed,
    // --- issue 12: sign-in under attack, accounts that end, recordings ---
    /// Too many password checks are queued; nothing about the password was decided.
    #[error("sign_in_busy")]
    SignInBusy,
    /// Too many wrong passwords from this address (for this user name or in all).
    #[error("too_many_failed_sign_ins")]
    TooManyFailedSignIns,
    /// Many wrong passwords for this user name from several addresses: sign-ins to it from
    /// addresses that failed recently are slowed down.
    #[error("sign_in_slowed")]
    SignInSlowed,
    /// The login behind a connection ended: account disabled or password changed.
    #[error("login_ended")]
    LoginEnded,
    /// A recording upload that is not a WebM file.
    #[error("not_webm")]
    NotWebm,
    /// The session's recordings reached their size limit.
    #[error("session_recordings_full")]
    SessionRecordingsFull,
    /// The site's space for recordings is used up.
    #[error("recordings_storage_full")]
    RecordingsStorageFull,
    // --- connection edge ---
    #[error("cross_site_request")]
    CrossSiteRequest,
    // --- issue 13: the customer's side ---
    /// This site has no agent binary to serve (`--agent-binary`).
    #[error("agent_download_unavailable")]
    AgentDownloadUnavailable,
    // --- issue 14: invitations by e-mail (signaling --smtp-url) ---
    /// This site has no mail server configured.
    #[error("email_not_set_up")]
    EmailNotSetUp,
    /// Not one plain e-mail address (or too long).
    #[error("email_address_invalid")]
    EmailAddressInvalid,
    /// The CSR sent as many invitation e-mails as allowed in an hour.
    #[error("too_many_emails")]
    TooManyEmails,
    /// The session sent as many invitation e-mails as allowed for one session.
    #[error("session_emails_used_up")]
    SessionEmailsUsedUp,
    /// The mail server could not be reached (connection, TLS or STARTTLS failed).
    #[error("mail_server_unreachable")]
    MailServerUnreachable,
    /// The mail server did not finish within the send timeout.
    #[error("mail_server_timeout")]
    MailServerTimeout,
    /// The mail server refused the recipient address.
    #[error("mail_address_refused")]
    MailAddressRefused,
    /// The mail server refused to send (sign-in, sender or message refused).
    #[error("mail_server_refused")]
    MailServerRefused,
    // --- issue 16: teams and the support queue ---
    /// The site has as many teams as it can keep.
    #[error("too_many_teams")]
    TooManyTeams,
    /// The team's queue holds as many waiting customers as it can, or this address has as
    /// many places in queues as it may.
    #[error("queue_full")]
    QueueFull,
    /// The ticket names no customer waiting in a queue: they left, waited too long without the
    /// page open, or were already seated in a session.
    #[error("not_in_queue")]
    NotInQueue,
    /// Another CSR took this customer first.
    #[error("already_taken")]
    AlreadyTaken,
    /// The CSR is in as many live sessions as a CSR may take from the queue.
    #[error("too_many_sessions")]
    TooManySessions,
    /// The CSR is set to away: they take no customers from the queue.
    #[error("csr_away")]
    CsrAway,
    /// The waiting customer has written as many messages as the queue keeps.
    #[error("queue_messages_used_up")]
    QueueMessagesUsedUp,
}

impl ErrorCode {
    /// The stable code as it appears on the wire.
    pub fn code(self) -> String {
        self.to_string()
    }

    /// A sentence for a person: what happened and what to do.
    pub fn message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedMessage => "The message is not valid JSON. Send one JSON object per message.",
            UnknownMessageType => "The message type is not known to this server. Check the protocol version.",
            InvalidMessage => "The message is missing fields or has fields of the wrong kind. See docs/protocol.md.",
            MessageTooLarge => "The message is larger than the server accepts. Split it or send it peer to peer.",
            ProtocolVersionMismatch => "Client and server speak different protocol versions. Update the agent or reload the console.",
            HelloRequired => "The first message on a connection must be `hello`.",
            SlowConsumer => "The connection could not keep up with the session's messages and was closed. Reconnect.",
            RateLimited => "Too many attempts from this address. Wait a minute and try again.",
            Unauthenticated => "Sign in first.",
            BadCredentials => "User name or password is wrong.",
            Forbidden => "Your account is not allowed to do this.",
            PasswordChangeRequired => "Choose a new password before going on.",
            WeakPassword => "Choose a password of at least 10 characters.",
            AlreadyExists => "Something with that name already exists.",
            NotFound => "Nothing was found under that name or id.",
            TrackingCodeRequired => "This session type needs a tracking code.",
            InvitationInvalid => "That code or link does not match any invitation. Check it with your support representative.",
            InvitationExpired => "That invitation has expired. Ask your support representative for a new one.",
            InvitationRevoked => "That invitation was withdrawn. Ask your support representative for a new one.",
            InvitationUsed => "That invitation was already used. Ask your support representative for a new one.",
            TokenInvalid => "Your participant token is not valid for this session. Join again with a new invitation.",
            SessionEnded => "The session has ended.",
            NotInSession => "You are not a participant of this session.",
            UnknownParticipant => "There is no such participant in this session.",
            NotHost => "Only the host CSR can do this. Ask the host to transfer control to you.",
            NotACsr => "Only a CSR can do this.",
            NotACustomer => "This can only be done by or for a customer.",
            CustomerCannotEnd => "Customers cannot end a session; they can leave it.",
            HostCannotLeave => "The host cannot leave: transfer control to another CSR or end the session.",
            AlreadyHost => "That CSR already holds control.",
            AlreadyPrimary => "That customer is already the primary customer.",
            NotPrimary => "Only the primary customer can share an application. Make this customer primary first.",
            NoCustomerJoined => "Video can start only after a customer has joined.",
            ApplicationSharingActive => {
                "File transfer is not available while an application is viewed or controlled. Stop application sharing first."
            }
            FeatureDisabled => "The site administrator has switched this feature off.",
            ConsentRequired => "The customer has not granted this. Ask for permission first.",
            ConsentPending => "The customer has not answered the previous request yet.",
            AlreadyGranted => "The customer has already granted this.",
            UnknownRequest => "There is no open consent request with that id.",
            ActivityActive => "This is already running.",
            ActivityNotActive => "This is not running.",
            FileTransferActive => "Application sharing cannot start while a file transfer runs. End the file transfer first.",
            ParticipantOffline => "That participant is not connected right now.",
            ConsentRevoked => "The customer took the permission back; it stopped at once.",
            Declined => "The customer said no.",
            FileTooLarge => "The file is larger than the receiving side accepts.",
            InsufficientSpace => "There is not enough free disk space for this file. Free some space and try again.",
            ChecksumMismatch => "The file arrived damaged (its SHA-256 does not match) and was not kept. Send it again.",
            PathNotAllowed => "That path is outside the folder the customer shares, or not a plain name.",
            FileUnreadable => "The file cannot be read (missing, a folder, or no permission).",
            FileUnwritable => "The file cannot be written on the receiving side (no permission or disk error).",
            TransferInterrupted => "The transfer was cut off; it resumes from what arrived when started again.",
            CaptureUnavailable => {
                "The customer's screen cannot be captured on this system (no X11 display, or a desktop this agent cannot capture yet)."
            }
            SourceNotFound => "That monitor or window no longer exists. List the sources again.",
            DeviceUnavailable => "The customer's camera or microphone could not be opened.",
            InsufficientScope => "This API token may not do this: it does not have the scope this call needs, or the call takes a signed-in person only.",
            Observing => "An observer watches the session and chats; take the session over to do more (and control cannot be handed to an observer).",
            TooManySnippets => "There are as many canned messages as can be kept (200 of your own, 500 shared). Delete some first.",
            TooManyWebhooks => "There are as many webhooks as a site may have (20). Delete one first.",
            TooManyTokens => "There are as many API tokens as a site may have (100). Revoke one you no longer use first.",
            SurveyClosed => "This session's survey is closed: it was answered already or has expired.",
            UnsupportedCodec => "The console's connection offers no codec the agent sends (VP8 video, Opus audio). Use a current browser.",
            Internal => "Something went wrong on the server. The session goes on; try again.",
            Unavailable => "The server is busy or shutting down. Try again shortly.",
            RecordFull => {
                "This session's record has reached its size limit: no more chat can be kept. Consent and other events are still recorded; start a new session to go on chatting."
            }
            NameNotAllowed => {
                "That name looks like the name of a support representative or a role (support, CSR, agent, admin). Give your own name."
            }
            SignInBusy => "Many sign-ins are being checked at this moment; yours was not checked. Try again in a few seconds.",
            TooManyFailedSignIns => "Too many wrong passwords from this address. Wait a few minutes, then try again.",
            SignInSlowed => {
                "This user name got many wrong passwords from several places, so sign-ins to it from addresses that failed recently are slowed down. Wait a few minutes, or sign in from an address without recent failures."
            }
            LoginEnded => "Your sign-in ended: the account was disabled or its password changed. Sign in again.",
            NotWebm => "A recording must be a WebM file (video/webm); this upload is something else and was not kept.",
            SessionRecordingsFull => {
                "This session's recordings reached their size limit; nothing more is stored for it. Save the recording to your computer instead."
            }
            RecordingsStorageFull => {
                "The server's space for recordings is full. Save the recording to your computer and ask the site administrator to free space."
            }
            CrossSiteRequest => {
                "This request came from a page of another site and was refused. Use the console at this service's own address."
            }
            AgentDownloadUnavailable => {
                "This site does not offer the support agent for download. Ask your support representative how to get it, then start it with the code they read to you."
            }
            EmailNotSetUp => "E-mail is not set up on this site. Copy the link or read the code out instead.",
            EmailAddressInvalid => {
                "That is not one e-mail address. Type a single address like name@example.com, without spaces, commas or line breaks."
            }
            TooManyEmails => "You have sent as many invitation e-mails as allowed in an hour. Copy the link or read the code out instead.",
            SessionEmailsUsedUp => {
                "This session has sent as many invitation e-mails as allowed for one session. Copy the link or read the code out instead."
            }
            MailServerUnreachable => "Could not reach the mail server. Ask the site administrator to check the mail settings.",
            MailServerTimeout => "The mail server did not answer in time. Try again, or copy the link instead.",
            MailAddressRefused => "The mail server refused the address. Check it and try again.",
            MailServerRefused => "The mail server refused to send the message. Ask the site administrator to check the mail settings.",
            TooManyTeams => "There are as many teams as this site keeps (200). Rename or reuse one instead.",
            QueueFull => "The support queue is full at the moment. Please try again in a few minutes.",
            NotInQueue => {
                "You are no longer in the support queue: you left it, the page was closed for too long, or you were already taken into a session. Ask for help again."
            }
            AlreadyTaken => "Another support representative has already taken this customer. Take the next one.",
            TooManySessions => {
                "You are in as many sessions as you may take from the queue. End one before taking the next customer."
            }
            CsrAway => "You are set to away. Set yourself available to take customers from the queue.",
            QueueMessagesUsedUp => "You have written as many messages as can be sent while waiting. Support will see them when they take you.",
        }
    }

    /// Whether the same request may succeed later without anything else changing.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::Internal
                | ErrorCode::Unavailable
                | ErrorCode::SlowConsumer
                | ErrorCode::ParticipantOffline
                | ErrorCode::ConsentPending
                | ErrorCode::TransferInterrupted
                | ErrorCode::ChecksumMismatch
                | ErrorCode::SignInBusy
                | ErrorCode::TooManyFailedSignIns
                | ErrorCode::SignInSlowed
                | ErrorCode::TooManyEmails
                | ErrorCode::MailServerUnreachable
                | ErrorCode::MailServerTimeout
                | ErrorCode::QueueFull
        )
    }
}

/// An error as sent on the wire: the stable code, a readable message, and optionally the
/// client's reference of the message that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<String>,
}

impl From<ErrorCode> for WireError {
    fn from(code: ErrorCode) -> Self {
        Self { code, message: code.message().to_owned(), r#ref: None }
    }
}
