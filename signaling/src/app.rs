//! The router, start-up (database, first admin, resumed sessions) and graceful shutdown.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{accounts, sessions as store, Db, DbError};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::state::{App, AppState, Limits};
use crate::{console, pages, secrets, ws};
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use protocol::SessionId;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Largest HTTP request body (notes are the largest thing sent).
const BODY_LIMIT: usize = 128 * 1024;

pub fn router(state: AppState) -> Router {
    crate::api_routes::api_router(Router::new())
        .route("/", get(console::index))
        .route("/console/{*path}", get(console::asset))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(pages::metrics))
        .route("/join", get(console::customer_page))
        .route("/join/{token}", get(crate::join_page::join_page))
        .route("/join/{token}/agent", get(crate::agent_download::download))
        .route("/help/{slug}", get(crate::help_page::page))
        .route("/ws", get(ws::upgrade))
        .fallback(crate::error::no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::csrf::check))
        .layer(axum::middleware::map_response_with_state(state.clone(), crate::headers::add))
        .with_state(state)
}

/// Opens the database and creates the first site admin when there is no account. `clock`
/// is the time for expiry: [`Clock::System`] in service, a manual clock in tests.
pub fn prepare(config: Config, clock: Clock) -> Result<AppState, StartError> {
    let db = Db::open(&config.database_path)?;
    if db.blocking(|c| accounts::count(c))? == 0 {
        let password = secrets::generated_password();
        let hash = secrets::hash_password(&password)?;
        db.blocking(|c| accounts::create(c, "admin", "Site admin", &hash, true, true, clock.now_ms()))?;
        // Printed once, on the terminal of whoever started the service; never logged.
        println!("First start: created site admin `admin` with one-time password {password}");
        println!("Sign in and choose a new password.");
    }
    let metrics = Arc::new(Metrics::default());
    let limits = crate::hub::SessionLimits { record_cap: config.max_record_bytes, relay_kib_per_second: config.relay_kib_per_second };
    let hub = Hub::new(db.clone(), metrics.clone(), clock.clone(), limits);
    let ws_slots = Arc::new(Semaphore::new(config.max_connections));
    let edge = crate::edge::Edge::new(config.trusted_proxies.clone());
    let mailer = match &config.mail {
        Some(m) => Some(crate::mailer::Mailer::new(m.smtp.clone(), &m.from, m.timeout)?),
        None => None,
    };
    Ok(Arc::new(App {
        edge,
        config,
        clock,
        db,
        hub,
        metrics,
        limits: Limits::default(),
        ws_slots,
        idempotency: Default::default(),
        notices: Default::default(),
        mailer,
        mail_budget: Default::default(),
        webhooks: Default::default(),
        queue: Default::default(),
    }))
}

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("cannot create the first site admin: {0}")]
    Password(#[from] secrets::PasswordError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("{0}")]
    Mail(#[from] crate::mailer::MailSetupError),
}

/// Starts the tasks of the sessions that were live when the service stopped; returns how
/// many were resumed. A session whose saved state cannot be read is reported (error log with
/// its id, `signaling_unreadable_sessions` in /metrics) and marked in the database; the
/// others go on.
pub async fn resume_live_sessions(state: &AppState) -> Result<usize, DbError> {
    let live = state.db.call(|c| store::live(c)).await?;
    let mut resumed = 0;
    for saved in live {
        match saved.state {
            Ok(rules) => {
                state.hub.spawn(SessionId(saved.id), rules);
                resumed += 1;
            }
            Err(error) => {
                tracing::error!(session = %saved.id, %error, "the saved state of a live session cannot be read: not resumed, marked in the database");
                state.metrics.unreadable_sessions.fetch_add(1, Relaxed);
                let now = state.clock.now_ms();
                state.db.call(move |c| store::mark_unreadable(c, &saved.id, &error, now)).await?;
            }
        }
    }
    Ok(resumed)
}

/// Serves on `listener` until `shutdown` completes, then closes every participant connection
/// with `unavailable` (they reconnect to the next instance) and ends within a bounded time
/// (see [`crate::edge`]).
async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let app = router(state.clone());
    // The webhook sender lives as long as the service.
    let sender = crate::webhooks::spawn(state.clone());
    let served = crate::edge::serve(state, app, listener, tls, shutdown).await;
    sender.abort();
    Ok(served?)
}

/// The TLS acceptor when built-in TLS is configured.
fn tls_acceptor(config: &Config) -> Result<Option<tokio_rustls::TlsAcceptor>, StartError> {
    match &config.tls {
        Some((cert, key)) => Ok(Some(crate::tls::acceptor(cert, key)?)),
        None => Ok(None),
    }
}

/// Resumes the live sessions, listens on `config.listen` and serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> Result<(), StartError> {
    let tls = tls_acceptor(&state.config)?;
    resume_live_sessions(&state).await?;
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    println!("Signaling listening on {addr}{}", if tls.is_some() { " (TLS)" } else { "" });
    println!("Console: {}/", state.config.public_url);
    crate::agent_download::announce(&state.config.agent_binary);
    tracing::info!(%addr, "listening");
    serve_on(state, listener, tls, shutdown_signal()).await
}

/// The service running in this process (for tests): its address and a way to stop it.
pub struct Running {
    addr: SocketAddr,
    /// The shared state: database, clock, metrics, live sessions.
    pub state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
}

/// Like [`serve`], but in a task of the current runtime and without signal handling:
/// resumes the live sessions, listens on `config.listen` (port 0 picks a free port) and
/// returns once the service accepts connections.
pub async fn spawn(state: AppState) -> Result<Running, StartError> {
    let tls = tls_acceptor(&state.config)?;
    resume_live_sessions(&state).await?;
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_on(state.clone(), listener, tls, async move {
        // A dropped sender stops the service as well.
        let _ = stopped.await;
    }));
    Ok(Running { addr, state, stop, task })
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>` (`https://` with built-in TLS), without a trailing slash.
    pub fn url(&self) -> String {
        let scheme = if self.state.config.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops gracefully (participants are told `unavailable`) and waits for the end.
    pub async fn stop(self) -> Result<(), StartError> {
        // The receiver is gone only when the server task already ended; its result follows.
        let _ = self.stop.send(());
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(StartError::Io(std::io::Error::other(e))),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { r = ctrl_c => log_signal_error(r), _ = term.recv() => {} }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                log_signal_error(ctrl_c.await);
            }
        }
    }
    #[cfg(not(unix))]
    log_signal_error(ctrl_c.await);
}

/// Without a Ctrl-C handler the service cannot be stopped gracefully; say so and stop now.
fn log_signal_error(r: std::io::Result<()>) {
    if let Err(e) = r {
        tracing::error!(error = %e, "cannot listen for Ctrl-C; stopping");
    }
}
