//! `GET /join/{token}/agent`: the support agent made for one invitation. The configured
//! binary (`--agent-binary`) is streamed from disk followed by a trailer naming this site and
//! invitation (`protocol::download`), so the customer starts it with no arguments and is in
//! the session with no typing. The trailer's credential is the invitation link itself: the
//! download is worth what the link is worth, for that invitation only, and is refused like the
//! link once the invitation is used, withdrawn or expired (docs/security.md, "Agent download").
//!
//! Budgets (unauthenticated route): downloads begun per address (a token bucket), downloads
//! running at once in all and per address (a pool), a bounded read size per piece
//! (`file_stream`), and the edge's write-stall bound for clients that stop reading.

use crate::client_addr::ClientAddr;
use crate::conn_limit::{Caps, Pool};
use crate::db::sessions::{self as store, Presented};
use crate::join_page::refusal;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use protocol::download::{self, DownloadConfig};
use protocol::ErrorCode;
use std::path::Path as FsPath;

/// The name the download is saved under: no spaces, nothing to quote in a terminal.
pub const FILE_NAME: &str = "support-agent";
const DISPOSITION: &str = "attachment; filename=\"support-agent\"";

/// Downloads running at once: in all, and from one client address.
pub const RUNNING: Caps = Caps { total: 32, per_address: 2 };
/// Downloads begun from one address: this many at once …
pub const BEGUN_BURST: u32 = 10;
/// … then this many an hour.
pub const BEGUN_PER_HOUR: u32 = 10;

/// The limits of this route, kept in `state::Limits`.
pub struct DownloadLimits {
    pub begun: crate::ratelimit::RateLimiter<std::net::IpAddr>,
    pub running: Pool,
}

impl Default for DownloadLimits {
    fn default() -> Self {
        Self { begun: crate::ratelimit::RateLimiter::new(BEGUN_BURST, BEGUN_PER_HOUR), running: Pool::new(RUNNING) }
    }
}

/// Whether there is a binary to serve now (checked on each join page, so an agent built
/// after signaling started is offered at once).
pub fn available(binary: &FsPath) -> bool {
    binary.is_file()
}

/// Says at start where the download comes from, or in one line how to make it available.
pub fn announce(binary: &FsPath) {
    if available(binary) {
        println!("Agent download: {}", binary.display());
    } else {
        tracing::warn!(
            "no agent binary at {}: invitation pages offer no download (customers join with the code). Build it with `cargo build -p agent`, or give --agent-binary PATH",
            binary.display()
        );
    }
}

/// `GET /join/{token}/agent`.
pub async fn download(State(st): State<AppState>, ClientAddr(client): ClientAddr, Path(token): Path<String>) -> Response {
    match prepare(&st, client, token).await {
        Ok(resp) => resp,
        Err(code) => {
            st.metrics.refused(code);
            refusal(code)
        }
    }
}

async fn prepare(st: &AppState, client: std::net::IpAddr, token: String) -> Result<Response, ErrorCode> {
    if !st.limits.downloads.begun.try_take(&client, st.clock.now()) {
        return Err(ErrorCode::RateLimited);
    }
    let (t, now) = (token.clone(), st.clock.now_ms());
    let checked = st.db.call(move |c| store::check_invitation(c, &Presented::Link(&t), now)).await;
    let usable = checked.map_err(|e| crate::error::ApiError::from(e).0)??;
    let slot = st.limits.downloads.running.try_take(client).ok_or(ErrorCode::Unavailable)?;
    let config =
        DownloadConfig { v: download::VERSION, link: format!("{}/join/{token}", st.config.public_url), expires_at: usable.expires_at };
    let trailer = download::encode(&config).ok_or_else(|| {
        tracing::error!("the public URL is too long to fit an agent download's trailer");
        ErrorCode::Internal
    })?;
    let path = st.config.agent_binary.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "not a file"));
        }
        Ok((file, meta.len()))
    })
    .await
    .map_err(|_| ErrorCode::Internal)?;
    let (file, size) = opened.map_err(|e| {
        tracing::warn!(error = %e, path = %st.config.agent_binary.display(), "agent download asked for, but the agent binary cannot be read");
        ErrorCode::AgentDownloadUnavailable
    })?;
    let total = size + trailer.len() as u64;
    let body = crate::file_stream::read(file, 0, size).chain(futures_util::stream::once(async move { Ok(trailer) })).map(move |piece| {
        // The place among running downloads is held until the last piece is sent.
        let _running = &slot;
        piece
    });
    tracing::info!(invitation = %usable.id, session = %usable.session, "agent download");
    let mut resp = Response::new(Body::from_stream(body));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(DISPOSITION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    Ok(resp)
}
