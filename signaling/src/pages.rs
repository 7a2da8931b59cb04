//! Pages for people: the customer's join page, health and metrics (the console is `console.rs`).

use crate::client_addr::ClientAddr;
use crate::db::sessions::{self as store, Presented};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
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

/// The page an invitation link opens: plain words on how to get and start the agent, with
/// the link already in the command. It does not use up the invitation.
pub async fn join_page(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let (t, now) = (token.clone(), st.clock.now_ms());
    let state = st.db.call(move |c| store::check_invitation(c, &Presented::Link(&t), now)).await;
    let link = format!("{}/join/{}", st.config.public_url, html_escape(&token));
    let body = match state {
        Ok(Ok(_)) => format!(
            r#"<h1>Join your support session</h1>
<p>Your support representative invited you to a support session. Nothing on your computer is
shared until you allow it, and you can stop anything at any moment.</p>
<ol>
<li>Download the support agent for your computer from this site (your support representative
can tell you where if you cannot find it).</li>
<li>Start it in a terminal with this command (copy it whole):
<pre><code>agent join {link}</code></pre></li>
<li>The agent shows what your support representative asks for; answer each request with
<b>y</b> to allow or <b>n</b> to refuse. Type <b>help</b> to see how to stop sharing or leave.</li>
</ol>
<p>This invitation admits one person and expires soon. If it stops working, ask for a new one.</p>"#
        ),
        Ok(Err(code)) => {
            format!("<h1>This invitation cannot be used</h1><p>{}</p><p>Error code: <code>{}</code></p>", code.message(), code)
        }
        Err(_) => format!("<h1>Please try again</h1><p>{}</p>", ErrorCode::Unavailable.message()),
    };
    let status = match &state {
        Ok(Ok(_)) => StatusCode::OK,
        Ok(Err(code)) => crate::error::status_of(*code),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\"><title>Join a support session</title><style>{JOIN_STYLE}</style></head><body>{body}</body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::CONTENT_SECURITY_POLICY, join_csp())], Html(page)).into_response()
}

/// The join page's only style, inline so the page stands alone.
const JOIN_STYLE: &str = "body{font:17px/1.6 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}pre{background:#eef2f6;padding:.6rem;overflow-x:auto}";

/// No script at all; the one inline style allowed by its hash.
fn join_csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(JOIN_STYLE.as_bytes()));
        format!("default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    })
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}
