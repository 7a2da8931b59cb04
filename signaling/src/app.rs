//! The router, start-up (database, first admin, resumed sessions) and graceful shutdown.

use crate::config::Config;
use crate::db::{accounts, sessions as store, Db, DbError};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::state::{App, AppState, Limits};
use crate::{api_accounts as acc, api_recordings as rec, api_sessions as ses, console, pages, secrets, ws};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use protocol::SessionId;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Largest HTTP request body (notes are the largest thing sent).
const BODY_LIMIT: usize = 128 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(console::index))
        .route("/console/{*path}", get(console::asset))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(pages::metrics))
        .route("/join/{token}", get(pages::join_page))
        .route("/ws", get(ws::upgrade))
        .route("/api/login", post(acc::login))
        .route("/api/logout", post(acc::logout))
        .route("/api/me", get(acc::me))
        .route("/api/password", post(acc::change_password))
        .route("/api/session-types", get(acc::session_types))
        .route("/api/features", get(acc::features))
        .route("/api/presets", get(acc::presets).post(acc::create_preset))
        .route("/api/presets/{id}", delete(acc::delete_preset))
        .route("/api/admin/accounts", get(acc::list_accounts).post(acc::create_account))
        .route("/api/admin/accounts/{id}", patch(acc::update_account))
        .route("/api/admin/accounts/{id}/password-reset", post(acc::reset_password))
        .route("/api/admin/session-types", post(acc::create_session_type))
        .route("/api/admin/session-types/{id}", patch(acc::update_session_type))
        .route("/api/admin/features", put(acc::set_features))
        .route("/api/sessions", get(ses::list).post(ses::start))
        .route("/api/sessions/{id}", get(ses::read))
        .route("/api/sessions/{id}/notes", put(ses::save_notes))
        .route("/api/sessions/{id}/end", post(ses::end))
        .route("/api/sessions/{id}/invitations", post(ses::invite_customer))
        .route("/api/sessions/{id}/invitations/{inv}", delete(ses::revoke_invitation))
        .route("/api/sessions/{id}/csrs", post(ses::invite_csr))
        .route("/api/join", post(ses::join))
        // Recordings stream to disk under their own size limit (config `max_recording_mib`).
        .route("/api/sessions/{id}/recordings", post(rec::upload).layer(DefaultBodyLimit::disable()))
        .route("/api/sessions/{id}/recordings/{rec}", get(rec::download))
        .fallback(crate::error::no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Opens the database, creates the first site admin when there is no account, and resumes
/// the sessions that were live.
pub fn prepare(config: Config) -> Result<AppState, DbError> {
    let db = Db::open(&config.database_path)?;
    if db.blocking(|c| accounts::count(c))? == 0 {
        let password = secrets::generated_password();
        let hash = secrets::hash_password(&password);
        db.blocking(|c| accounts::create(c, "admin", "Site admin", &hash, true, true))?;
        // Printed once, on the terminal of whoever started the service; never logged.
        println!("First start: created site admin `admin` with one-time password {password}");
        println!("Sign in and choose a new password.");
    }
    let metrics = Arc::new(Metrics::default());
    let hub = Hub::new(db.clone(), metrics.clone());
    let ws_slots = Arc::new(Semaphore::new(config.max_connections));
    Ok(Arc::new(App { config, db, hub, metrics, limits: Limits::default(), ws_slots }))
}

/// Serves until Ctrl-C or SIGTERM, then closes every participant connection with
/// `unavailable` (they reconnect to the next instance) and drains HTTP handlers.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let live = state.db.call(|c| store::live(c)).await.map_err(std::io::Error::other)?;
    for (id, rules) in live {
        state.hub.spawn(SessionId(id), rules);
    }
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    println!("Signaling listening on {addr}");
    println!("Console: {}/", state.config.public_url);
    tracing::info!(%addr, "listening");
    let hub = state.hub.clone();
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            hub.shutdown().await;
        })
        .await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
