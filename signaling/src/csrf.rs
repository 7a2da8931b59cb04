//! Cross-site request forgery: a state-changing request (POST, PUT, PATCH, DELETE) that a
//! browser says comes from a page of another site is refused with `cross_site_request`,
//! whatever its body (a form or `text/plain` post with no body at all included).
//!
//! Browsers say where a request comes from with `Sec-Fetch-Site` (all current browsers) and
//! `Origin` (all browsers, on every POST). `Sec-Fetch-Site: same-origin` (or `none`, a request
//! the user made themselves) passes; any other value is refused. Without it, `Origin` must be
//! one of this service's own (see [`crate::origin`]). A request with neither comes from a
//! program, not a browser page (curl, the agent, tests) and passes: a page cannot send a
//! request without them.

use crate::error::ApiError;
use crate::origin::origin_allowed;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;

/// The middleware: refuses cross-site state-changing requests before any handler runs.
pub async fn check(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let changes_state = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if changes_state && !same_site(req.headers(), &st) {
        st.metrics.refused(ErrorCode::CrossSiteRequest);
        return ApiError(ErrorCode::CrossSiteRequest).into_response();
    }
    next.run(req).await
}

fn same_site(headers: &HeaderMap, st: &AppState) -> bool {
    let cfg = &st.config;
    allowed(headers, |origin| origin_allowed(origin, &cfg.public_url, cfg.listen, cfg.tls.is_some()))
}

/// The rule, apart from the configuration: `own` says whether an Origin is this service's.
fn allowed(headers: &HeaderMap, own: impl Fn(&str) -> bool) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => origin.to_str().is_ok_and(own),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn pages_of_other_sites_are_refused_and_programs_pass() {
        let own = |o: &str| o == "https://support.example.com";
        assert!(allowed(&headers(&[("sec-fetch-site", "same-origin")]), own));
        assert!(allowed(&headers(&[("origin", "https://support.example.com")]), own));
        assert!(allowed(&headers(&[]), own), "curl, the agent");
        assert!(!allowed(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://support.example.com")]), own));
        assert!(!allowed(&headers(&[("sec-fetch-site", "same-site")]), own), "a sibling subdomain is another site here");
        assert!(!allowed(&headers(&[("origin", "https://evil.example")]), own));
        assert!(!allowed(&headers(&[("origin", "null")]), own), "sandboxed frames, data: URLs");
    }
}
