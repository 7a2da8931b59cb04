//! What every handler shares: configuration, database, live sessions, limits.

use crate::clock::Clock;
use crate::config::{effective_features, Config};
use crate::db::{accounts, Db, DbError};
use crate::hub::Hub;
use crate::idempotency::Idempotency;
use crate::login_limits::LoginLimits;
use crate::metrics::Metrics;
use crate::notices::CsrNotices;
use crate::password_checks::PasswordChecks;
use crate::ratelimit::RateLimiter;
use crate::recording_space::RecordingSpace;
use protocol::SiteFeatures;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
    /// The time for expiry and the record; a manual clock in tests.
    pub clock: Clock,
    pub db: Db,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub ws_slots: Arc<Semaphore>,
    /// Answers of keyed start and invite requests (a double click gets the first answer).
    pub idempotency: Idempotency,
    /// Invitations waiting to be seen by the invited CSRs (S17).
    pub notices: CsrNotices,
    /// The connection edge: trusted proxies, WebSockets waiting for `hello`, shutdown.
    pub edge: crate::edge::Edge,
    /// The site's mail relay (`--smtp-url`), when there is one: invitations by e-mail.
    pub mailer: Option<crate::mailer::Mailer>,
    /// Invitation mails per CSR and per session (api_mail).
    pub mail_budget: crate::api_mail::MailBudget,
    /// Wakes the webhook sender (`webhooks.rs`).
    pub webhooks: crate::webhooks::Outbox,
    /// The support queue's rate limits, and which CSRs are at their console (`api_queue`).
    pub queue: crate::api_queue::QueueBudget,
}

/// Guessing limits and bounded work; docs/security.md turns these numbers into guesses per day.
pub struct Limits {
    /// Wrong passwords (sign-in and password change) per address, per name and address, and
    /// per name from addresses that failed for it (`login_limits`).
    pub login: LoginLimits,
    /// At most a few argon2 hashes at once, in reused memory, with a bounded queue.
    pub passwords: PasswordChecks,
    /// Bytes of recordings stored, per session and in all, against their quotas.
    pub recordings: RecordingSpace,
    /// Invitation attempts (code or link) per client address: 10 at once, then 2 per minute.
    pub join_by_address: RateLimiter<IpAddr>,
    /// Attempts with a phone code from all addresses together: 100 at once, then 60 per
    /// minute. Links (256-bit) are not limited by it, so an attack on codes cannot lock out
    /// customers who join by link.
    pub join_codes_everywhere: RateLimiter<()>,
    /// Agent downloads: begun per address, and running at once (`agent_download`).
    pub downloads: crate::agent_download::DownloadLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login: LoginLimits::default(),
            passwords: PasswordChecks::default(),
            recordings: RecordingSpace::default(),
            join_by_address: RateLimiter::new(10, 120),
            join_codes_everywhere: RateLimiter::new(100, 3600),
            downloads: Default::default(),
        }
    }
}

impl App {
    /// The features in force now: the deployment's set narrowed by the site admin.
    pub async fn features(&self) -> Result<SiteFeatures, DbError> {
        let admin = self.db.call(|c| accounts::features(c)).await?;
        Ok(effective_features(self.config.allowed_features, admin))
    }
}
