//! Service configuration: flags, environment variables and an optional TOML file, in that
//! order of precedence. `signaling --help` lists every setting.

use crate::client_addr::{CidrError, TrustedProxies};
use crate::mail_settings::{parse_smtp_url, SmtpSettings, SmtpUrlError};
use clap::{Args, Parser, Subcommand};
use protocol::SiteFeatures;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Self-hosted remote-support signaling service: accounts, sessions, invitations, consent
/// relay and the session record. Serves the CSR console.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default).
    Serve,
    /// Manage CSR accounts directly in the database (works while the service is stopped).
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create a CSR account. The password is read from standard input (one line), or generated
    /// and printed when standard input is empty.
    AddCsr {
        username: String,
        #[arg(long)]
        name: Option<String>,
        /// Make the account a site admin.
        #[arg(long)]
        admin: bool,
    },
    /// Set a new password for an account (read from standard input, or generated and printed).
    ResetPassword { username: String },
    /// List accounts.
    List,
}

/// Every setting; each may also come from the environment or the TOML file given by
/// `--config`. Unset values fall back to the file, then to the defaults shown.
#[derive(Debug, Args, Default)]
pub struct Settings {
    /// TOML file with any of the settings below (keys as the long flag names, with `_`).
    #[arg(long, env = "SIGNALING_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SIGNALING_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// URL under which customers and CSRs reach this service; used in invitation links and to
    /// check the Origin of browser connections [default: http://<listen>].
    #[arg(long, env = "SIGNALING_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// SQLite database: a path or `sqlite://path` [default: ./data/signaling.db].
    #[arg(long, env = "SIGNALING_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// STUN server URL handed to peers (repeat or comma-separate for several).
    #[arg(long, env = "SIGNALING_STUN_URLS", value_delimiter = ',', global = true)]
    pub stun_urls: Vec<String>,
    /// TURN server URLs handed to peers, comma-separated, tried in this order: over UDP
    /// `turn:turn.example.com:3478?transport=udp`, over TCP `turn:turn.example.com:3478?transport=tcp`,
    /// over TLS `turns:turn.example.com:443?transport=tcp` (for networks that allow only HTTPS;
    /// docs/operations.md). The agent and browsers speak all three.
    #[arg(long, env = "SIGNALING_TURN_URLS", value_delimiter = ',', global = true)]
    pub turn_urls: Vec<String>,
    /// Shared secret of the TURN server (coturn `static-auth-secret`). Prefer the environment
    /// or the config file over the command line, which other local users can read.
    #[arg(long, env = "SIGNALING_TURN_SECRET", hide_env_values = true, global = true)]
    pub turn_secret: Option<String>,
    /// Lifetime of TURN credentials in seconds [default: 3600].
    #[arg(long, env = "SIGNALING_TURN_TTL", global = true)]
    pub turn_ttl: Option<u64>,
    /// Lifetime of customer invitations in seconds [default: 1800].
    #[arg(long, env = "SIGNALING_INVITATION_TTL", global = true)]
    pub invitation_ttl: Option<u64>,
    /// Wait before the second try of a webhook delivery, in ms; each later try waits 4 times
    /// longer, up to 6 hours [default: 30000].
    #[arg(long, env = "SIGNALING_WEBHOOK_RETRY_MS", global = true)]
    pub webhook_retry_ms: Option<u64>,
    /// Most WebSocket connections served at once [default: 20000].
    #[arg(long, env = "SIGNALING_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,
    /// Largest session recording accepted from a console, in MiB [default: 1024].
    #[arg(long, env = "SIGNALING_MAX_RECORDING_MIB", global = true)]
    pub max_recording_mib: Option<u64>,
    /// Log format: `human` or `json` [default: human]. Levels come from RUST_LOG.
    #[arg(long, env = "SIGNALING_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// Open TCP connections from one client address (pages, API calls and WebSockets
    /// together; the proxies of --trusted-proxies are exempt) [default: 256].
    #[arg(long, env = "SIGNALING_CONNECTIONS_PER_ADDRESS", global = true)]
    pub connections_per_address: Option<usize>,
    /// Live sessions a CSR may be in and still take a customer from the support queue
    /// (beyond it, taking answers `too_many_sessions`) [default: 3].
    #[arg(long, env = "SIGNALING_MAX_SESSIONS_PER_CSR", global = true)]
    pub max_sessions_per_csr: Option<u32>,
    /// Addresses or networks (CIDR, comma-separated) of the operator's reverse proxies: only
    /// from these is `X-Forwarded-For` believed for the client's address [default: none].
    #[arg(long, env = "SIGNALING_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<String>,
    /// Certificate chain (PEM) for built-in TLS; with --tls-key, signaling serves HTTPS.
    #[arg(long, env = "SIGNALING_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) for built-in TLS.
    #[arg(long, env = "SIGNALING_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Bearer token that opens `/metrics` to other hosts (`Authorization: Bearer <token>`).
    /// Without it, `/metrics` answers only local requests (loopback, not forwarded by a proxy).
    #[arg(long, env = "SIGNALING_METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,
    /// Features this deployment allows at all (comma-separated from basic_file_transfer,
    /// advanced_file_transfer, recording, video) [default: all]. The site admin switches
    /// them on and off within this set.
    #[arg(long, env = "SIGNALING_FEATURES", value_delimiter = ',', global = true)]
    pub features: Option<Vec<String>>,
    /// Size of a session's record (chat and events) at which further chat is refused with
    /// `record_full`, in MiB [default: 16]. Consent and activity events are still recorded.
    #[arg(long, env = "SIGNALING_MAX_RECORD_MIB", global = true)]
    pub max_record_mib: Option<u32>,
    /// SDP/ICE bytes one participant may relay per second after a 512 KiB burst, in KiB
    /// [default: 64].
    #[arg(long, env = "SIGNALING_RELAY_KIB_PER_SECOND", global = true)]
    pub relay_kib_per_second: Option<u32>,
    /// Most MiB of recordings kept for one session [default: 4096].
    #[arg(long, env = "SIGNALING_MAX_SESSION_RECORDINGS_MIB", global = true)]
    pub max_session_recordings_mib: Option<u64>,
    /// Most MiB of recordings kept on this site, all sessions together [default: 51200].
    #[arg(long, env = "SIGNALING_MAX_RECORDINGS_MIB", global = true)]
    pub max_recordings_mib: Option<u64>,
    /// The support agent executable (Linux, 64-bit) that invitation pages offer for download
    /// [default: `agent` beside this signaling executable, where `cargo build -p agent` puts it].
    #[arg(long, env = "SIGNALING_AGENT_BINARY", global = true)]
    pub agent_binary: Option<PathBuf>,
    /// The site's mail relay, for invitations by e-mail: `smtp://host:25`,
    /// `smtp://user:password@host:587?tls=starttls` or `smtps://user:password@host:465`
    /// (add `ca=/path/ca.pem` to trust a private CA). Without it, the console offers no e-mail.
    /// Prefer the environment or the config file when it carries a password.
    #[arg(long, env = "SIGNALING_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// Sender of invitation mails, `support@example.com` or `Support <support@example.com>`
    /// [default: noreply@<host of --public-url>].
    #[arg(long, env = "SIGNALING_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// Longest time one mail may take to send (connect, TLS, sign-in, transfer), in seconds
    /// [default: 20].
    #[arg(long, env = "SIGNALING_SMTP_TIMEOUT", global = true)]
    pub smtp_timeout: Option<u64>,
}

/// The same settings as read from the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    database_url: Option<String>,
    stun_urls: Option<Vec<String>>,
    turn_urls: Option<Vec<String>>,
    turn_secret: Option<String>,
    turn_ttl: Option<u64>,
    invitation_ttl: Option<u64>,
    max_connections: Option<usize>,
    max_recording_mib: Option<u64>,
    log_format: Option<String>,
    features: Option<Vec<String>>,
    max_record_mib: Option<u32>,
    relay_kib_per_second: Option<u32>,
    max_session_recordings_mib: Option<u64>,
    max_recordings_mib: Option<u64>,
    connections_per_address: Option<usize>,
    max_sessions_per_csr: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    metrics_token: Option<String>,
    agent_binary: Option<PathBuf>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    smtp_timeout: Option<u64>,
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: String,
    pub database_path: PathBuf,
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub turn_secret: Option<String>,
    pub turn_ttl: u64,
    pub invitation_ttl: u64,
    /// Wait before a webhook delivery's second try, ms (`webhooks.rs`).
    pub webhook_retry_ms: u64,
    pub max_connections: usize,
    /// Largest recording upload (S16), in bytes.
    pub max_recording_bytes: u64,
    pub json_logs: bool,
    /// Features the deployment allows; the site admin's switches apply within these.
    pub allowed_features: SiteFeatures,
    /// Record size (bytes) at which chat is refused (`record_full`).
    pub max_record_bytes: u64,
    /// Refill of each participant's SDP/ICE byte budget, KiB a second.
    pub relay_kib_per_second: u32,
    /// Recording quotas in bytes: per session, and all sessions together.
    pub max_session_recordings_bytes: u64,
    pub max_recordings_bytes: u64,
    /// Open TCP connections per client address.
    pub connections_per_address: usize,
    /// Live sessions a CSR may be in and still take from the queue.
    pub max_sessions_per_csr: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Certificate chain and key for built-in TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Opens `/metrics` to requests with this bearer token.
    pub metrics_token: Option<String>,
    /// The agent executable served for download; it may be missing (then the join page says
    /// the download is not available here).
    pub agent_binary: PathBuf,
    /// The mail relay for invitations by e-mail, when there is one.
    pub mail: Option<MailConfig>,
}

/// `--smtp-url`, `--smtp-from` and `--smtp-timeout` resolved.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub smtp: SmtpSettings,
    /// The sender, as given (checked when the mailer is made at start).
    pub from: String,
    pub timeout: Duration,
}

impl Config {
    /// Whether browsers reach this service over HTTPS (then it sends HSTS).
    pub fn https(&self) -> bool {
        self.tls.is_some() || self.public_url.starts_with("https://")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0} is not valid: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("unknown feature `{0}`: use basic_file_transfer, advanced_file_transfer, recording or video")]
    Feature(String),
    #[error("log format must be `human` or `json`, not `{0}`")]
    LogFormat(String),
    #[error("public URL must start with http:// or https://, not `{0}`")]
    PublicUrl(String),
    #[error("trusted proxies: {0}")]
    TrustedProxy(#[from] CidrError),
    #[error("built-in TLS needs both --tls-cert and --tls-key")]
    TlsHalf,
    #[error("{0}")]
    SmtpUrl(#[from] SmtpUrlError),
    #[error(
        "--smtp-url needs --smtp-from (the sender address, e.g. support@example.com): the public URL's host `{0}` is not a mail domain"
    )]
    SmtpFrom(String),
}

impl Settings {
    /// Merges flags/environment over the file over the defaults.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let file = match &self.config {
            Some(p) => read_file(p)?,
            None => FileSettings::default(),
        };
        let listen = self.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let tls = match (self.tls_cert.clone().or(file.tls_cert), self.tls_key.clone().or(file.tls_key)) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err(ConfigError::TlsHalf),
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = self.public_url.clone().or(file.public_url).unwrap_or_else(|| format!("{scheme}://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::PublicUrl(public_url));
        }
        let db = self.database_url.clone().or(file.database_url).unwrap_or_else(|| "./data/signaling.db".into());
        let database_path = PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(&db));
        let pick = |flag: &Vec<String>, file: Option<Vec<String>>| if flag.is_empty() { file.unwrap_or_default() } else { flag.clone() };
        let log_format = self.log_format.clone().or(file.log_format).unwrap_or_else(|| "human".into());
        let json_logs = match log_format.as_str() {
            "human" => false,
            "json" => true,
            other => return Err(ConfigError::LogFormat(other.into())),
        };
        let allowed_features = match self.features.clone().or(file.features) {
            None => SiteFeatures::default(),
            Some(list) => parse_features(&list)?,
        };
        Ok(Config {
            listen,
            public_url: public_url.trim_end_matches('/').to_owned(),
            database_path,
            stun_urls: pick(&self.stun_urls, file.stun_urls),
            turn_urls: pick(&self.turn_urls, file.turn_urls),
            turn_secret: self.turn_secret.clone().or(file.turn_secret).filter(|s| !s.is_empty()),
            turn_ttl: self.turn_ttl.or(file.turn_ttl).unwrap_or(3600),
            invitation_ttl: self.invitation_ttl.or(file.invitation_ttl).unwrap_or(1800),
            webhook_retry_ms: self.webhook_retry_ms.unwrap_or(30_000).max(1),
            max_connections: self.max_connections.or(file.max_connections).unwrap_or(20_000),
            max_recording_bytes: self.max_recording_mib.or(file.max_recording_mib).unwrap_or(1024).saturating_mul(1024 * 1024),
            json_logs,
            allowed_features,
            max_record_bytes: u64::from(self.max_record_mib.or(file.max_record_mib).unwrap_or(protocol::limits::RECORD_CAP_MIB).max(1))
                * 1024
                * 1024,
            relay_kib_per_second: self
                .relay_kib_per_second
                .or(file.relay_kib_per_second)
                .unwrap_or(protocol::limits::SIGNAL_KIB_PER_SEC)
                .max(1),
            max_session_recordings_bytes: mib(self.max_session_recordings_mib.or(file.max_session_recordings_mib).unwrap_or(4096)),
            max_recordings_bytes: mib(self.max_recordings_mib.or(file.max_recordings_mib).unwrap_or(51_200)),
            connections_per_address: self.connections_per_address.or(file.connections_per_address).unwrap_or(256).max(1),
            max_sessions_per_csr: self.max_sessions_per_csr.or(file.max_sessions_per_csr).unwrap_or(3).max(1),
            trusted_proxies: TrustedProxies(
                pick(&self.trusted_proxies, file.trusted_proxies)
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.parse())
                    .collect::<Result<_, _>>()?,
            ),
            tls,
            metrics_token: self.metrics_token.clone().or(file.metrics_token).filter(|s| !s.is_empty()),
            agent_binary: self.agent_binary.clone().or(file.agent_binary).unwrap_or_else(default_agent_binary),
            mail: self.mail(&public_url, (file.smtp_url, file.smtp_from, file.smtp_timeout))?,
        })
    }

    /// The mail settings; `file` holds the file's `smtp_url`, `smtp_from` and `smtp_timeout`.
    fn mail(&self, public_url: &str, file: (Option<String>, Option<String>, Option<u64>)) -> Result<Option<MailConfig>, ConfigError> {
        let (file_url, file_from, file_timeout) = file;
        let Some(url) = self.smtp_url.clone().or(file_url).filter(|s| !s.trim().is_empty()) else { return Ok(None) };
        let smtp = parse_smtp_url(&url)?;
        let from = match self.smtp_from.clone().or(file_from) {
            Some(from) => from,
            None => {
                let site = crate::mail_text::site_name(public_url);
                let host = site.rsplit_once(':').filter(|(_, port)| port.parse::<u16>().is_ok()).map_or(site.as_str(), |(h, _)| h);
                let is_domain = host.contains('.') && host.bytes().any(|b| b.is_ascii_alphabetic()) && !host.contains(':');
                if !is_domain {
                    return Err(ConfigError::SmtpFrom(host.to_owned()));
                }
                format!("noreply@{host}")
            }
        };
        let timeout = Duration::from_secs(self.smtp_timeout.or(file_timeout).unwrap_or(20).max(1));
        Ok(Some(MailConfig { smtp, from, timeout }))
    }
}

/// `agent` in the folder of this executable: cargo builds both into `target/<profile>/`.
fn default_agent_binary() -> PathBuf {
    let exe = std::env::current_exe().ok();
    exe.as_deref().and_then(Path::parent).map_or_else(|| PathBuf::from("agent"), |dir| dir.join("agent"))
}

fn mib(n: u64) -> u64 {
    n.saturating_mul(1024 * 1024)
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.into(), e))?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse(path.into(), e))
}

fn parse_features(list: &[String]) -> Result<SiteFeatures, ConfigError> {
    let mut f = SiteFeatures { basic_file_transfer: false, advanced_file_transfer: false, recording: false, video: false };
    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match name {
            "basic_file_transfer" => f.basic_file_transfer = true,
            "advanced_file_transfer" => f.advanced_file_transfer = true,
            "recording" => f.recording = true,
            "video" => f.video = true,
            other => return Err(ConfigError::Feature(other.into())),
        }
    }
    Ok(f)
}

/// The features in force: what the deployment allows and the site admin switched on.
pub fn effective_features(allowed: SiteFeatures, admin: SiteFeatures) -> SiteFeatures {
    SiteFeatures {
        basic_file_transfer: allowed.basic_file_transfer && admin.basic_file_transfer,
        advanced_file_transfer: allowed.advanced_file_transfer && admin.advanced_file_transfer,
        recording: allowed.recording && admin.recording,
        video: allowed.video && admin.video,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(args: &[&str]) -> Result<Config, ConfigError> {
        Cli::try_parse_from(std::iter::once("signaling").chain(args.iter().copied())).unwrap().settings.resolve()
    }

    #[test]
    fn edge_settings_resolve_and_mistakes_are_named() {
        let c = resolve(&["--trusted-proxies", "10.0.0.0/8,::1", "--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap();
        assert!(c.trusted_proxies.contains("10.2.3.4".parse().unwrap()));
        assert!(c.public_url.starts_with("https://") && c.https());
        assert_eq!(c.connections_per_address, 256);
        assert!(matches!(resolve(&["--tls-cert", "c.pem"]), Err(ConfigError::TlsHalf)));
        assert!(matches!(resolve(&["--trusted-proxies", "10.0.0.0/40"]), Err(ConfigError::TrustedProxy(_))));
        assert!(!resolve(&[]).unwrap().https());
    }

    #[test]
    fn the_agent_binary_is_found_beside_signaling_unless_named() {
        let beside = std::env::current_exe().unwrap().parent().unwrap().join("agent");
        assert_eq!(resolve(&[]).unwrap().agent_binary, beside);
        assert_eq!(resolve(&["--agent-binary", "/opt/agent"]).unwrap().agent_binary, PathBuf::from("/opt/agent"));
    }

    #[test]
    fn mail_is_off_by_default_and_its_sender_follows_the_public_url() {
        assert!(resolve(&[]).unwrap().mail.is_none());
        let m = resolve(&["--smtp-url", "smtp://relay.lan", "--public-url", "https://help.example.com:8443"]).unwrap().mail.unwrap();
        assert_eq!((m.from.as_str(), m.timeout), ("noreply@help.example.com", Duration::from_secs(20)));
        assert!(matches!(resolve(&["--smtp-url", "smtp://relay.lan"]), Err(ConfigError::SmtpFrom(h)) if h == "127.0.0.1"));
        assert!(matches!(resolve(&["--smtp-url", "smtp://u:p@relay.lan", "--smtp-from", "a@b.c"]), Err(ConfigError::SmtpUrl(_))));
    }
}
