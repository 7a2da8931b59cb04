//! Security headers on every answer: pages, API, errors. The console sets its own, stricter
//! policy (`console.rs`) and the join page its own (`pages.rs`); a header a handler already set
//! is kept.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;

/// For answers that are not pages: nothing may load, run or frame them.
pub const DEFAULT_CSP: &str = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// One year, the usual HSTS time; sent only when browsers reach the service over HTTPS.
const HSTS: &str = "max-age=31536000";

/// The middleware (`map_response`): adds each missing header.
pub async fn add(State(st): State<AppState>, mut res: Response) -> Response {
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    if st.config.https() {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    res
}
