//! Issue 12, finding 8: every page and API answer carries security headers, and `/metrics`
//! answers only local requests or the `--metrics-token` bearer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::edge::raw_request;
use common::Server;

const EVERYWHERE: [&str; 6] = [
    "content-security-policy:",
    "x-content-type-options: nosniff",
    "referrer-policy: no-referrer",
    "x-frame-options: deny",
    "cross-origin-opener-policy: same-origin",
    "cross-origin-resource-policy: same-origin",
];

#[tokio::test]
async fn pages_and_api_answers_carry_security_headers_and_metrics_stay_private() {
    let s = Server::start(&["--metrics-token", "scrape-me"]).await;
    let alice = s.login("alice").await;
    let cookie = alice.cookie.clone().unwrap();
    let paths = ["/", "/console/js/main.js", "/join/no-such-link", "/api/me", "/api/sessions", "/healthz", "/no/such/page"];
    for path in paths {
        let answer = raw_request(s.port, format!("GET {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n")).await;
        let head = answer.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
        for h in EVERYWHERE {
            assert!(head.contains(h), "{path}: no `{h}` in\n{head}");
        }
        assert!(!head.contains("strict-transport-security"), "{path}: HSTS without HTTPS");
    }
    let join = raw_request(s.port, "GET /join/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.to_ascii_lowercase();
    assert!(join.contains("style-src 'sha256-"), "the join page allows its one style by hash: {join}");
    assert!(!join.contains("script-src"), "and no script");

    let metrics = |extra: &str| raw_request(s.port, format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"));
    assert!(metrics("").await.starts_with("HTTP/1.1 200"), "local scrape");
    assert!(metrics("X-Forwarded-For: 203.0.113.9\r\n").await.starts_with("HTTP/1.1 404"), "through a proxy: hidden");
    assert!(metrics("X-Forwarded-For: 203.0.113.9\r\nAuthorization: Bearer wrong\r\n").await.starts_with("HTTP/1.1 404"));
    assert!(metrics("X-Forwarded-For: 203.0.113.9\r\nAuthorization: Bearer scrape-me\r\n").await.starts_with("HTTP/1.1 200"));
    println!("abuse: headers paths={} metrics_private=ok ok", paths.len());
}
