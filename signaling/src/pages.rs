//! Health and metrics (the console is `console.rs`, the customer's join page `join_page.rs`).

use crate::client_addr::ClientAddr;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;

/// How long the health check waits for the database before it says it is unavailable.
const HEALTH_DB_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Up and able to read its database: 200 `ok`. It reads on a connection of its own (never
/// behind writes, the record reads of the API or other requests), so it answers in
/// milliseconds however busy the service is; 503 when the database file cannot be read
/// within 2 s. Failed saves of live sessions show in /metrics (`signaling_state_save_failures_total`).
pub async fn healthz(State(st): State<AppState>) -> Response {
    match tokio::time::timeout(HEALTH_DB_WAIT, st.db.probe()).await {
        Ok(Ok(())) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], "ok\n").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: the database cannot be read");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database not answering\n").into_response(),
    }
}

/// `/metrics`: for local requests (loopback, not forwarded by a proxy), and for anyone with
/// the `--metrics-token` as a bearer token. Others get `not_found`, as if it did not exist.
pub async fn metrics(State(st): State<AppState>, ClientAddr(client): ClientAddr, headers: HeaderMap) -> Response {
    if !metrics_allowed(&st, client, &headers) {
        return crate::error::ApiError(ErrorCode::NotFound).into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], st.metrics.render()).into_response()
}

fn metrics_allowed(st: &AppState, client: std::net::IpAddr, headers: &HeaderMap) -> bool {
    if let Some(token) = &st.config.metrics_token {
        let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if presented.is_some_and(|p| crate::secrets::hash_secret(p.trim()) == crate::secrets::hash_secret(token)) {
            return true;
        }
    }
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED) || headers.contains_key("x-real-ip");
    client.is_loopback() && !forwarded
}
