//! The CSR console's static files, built into the binary by `build.rs`: `/` serves the page,
//! `/console/<file>` the modules and styles. Every answer carries a strict
//! Content-Security-Policy (scripts, styles and connections from this origin only) and is
//! revalidated by ETag, so a new release is picked up at once without stale modules.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One file of `console/`.
pub struct Asset {
    pub path: &'static str,
    pub bytes: &'static [u8],
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// Scripts, styles, fonts and images only from this origin; connections (fetch, WebSocket)
/// only to it; media from the camera, the microphone and WebRTC (blob:/mediastream); no
/// framing by others, no plugins, no inline code anywhere. The one worker and frame (both this
/// origin's) save a large received file to disk as it arrives (`save-sw.js`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'; worker-src 'self'; frame-src 'self'";

/// The console page.
pub async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

/// The customer page (issue 14): joining in the browser, by code or with the invitation in the
/// address's fragment (`/join#invitation=<link token>`), which browsers never send.
pub async fn customer_page(headers: HeaderMap) -> Response {
    serve("customer.html", &headers)
}

/// A module, style sheet or image of the console.
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return crate::error::ApiError(protocol::ErrorCode::NotFound).into_response();
    };
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(asset.path)));
    // Always revalidate: file names carry no version, the ETag does.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(self), microphone=(self), display-capture=(self), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    let fresh =
        headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    (StatusCode::OK, h, asset.bytes).into_response()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}
