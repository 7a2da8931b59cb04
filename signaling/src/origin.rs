//! Which browser origins are this service's own: the check shared by the WebSocket upgrade
//! and the CSRF check of state-changing requests.

use std::net::SocketAddr;

/// Whether a browser page of `origin` belongs to this service: the public URL, the listen
/// address, and when signaling listens on loopback, the same port under the other loopback
/// names (a CSR who types `localhost` where the start-up message said 127.0.0.1). Another
/// site never.
pub fn origin_allowed(origin: &str, public_url: &str, listen: SocketAddr, tls: bool) -> bool {
    let scheme = if tls { "https" } else { "http" };
    if origin == public_url.trim_end_matches('/') || origin == format!("{scheme}://{listen}") {
        return true;
    }
    listen.ip().is_loopback()
        && ["localhost", "127.0.0.1", "[::1]"].iter().any(|host| origin == format!("{scheme}://{host}:{}", listen.port()))
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn pages_of_this_service_may_connect_and_other_sites_may_not() {
        let loopback = "127.0.0.1:8080".parse().unwrap();
        for ok in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            assert!(origin_allowed(ok, "http://127.0.0.1:8080", loopback, false), "{ok}");
        }
        for refused in
            ["http://evil.example", "http://localhost:9090", "https://localhost:8080", "http://localhost.evil.example:8080", "null"]
        {
            assert!(!origin_allowed(refused, "http://127.0.0.1:8080", loopback, false), "{refused}");
        }
        let public = "0.0.0.0:8080".parse().unwrap();
        assert!(origin_allowed("https://support.example.com", "https://support.example.com/", public, false));
        assert!(!origin_allowed("http://localhost:8080", "https://support.example.com", public, false), "not on loopback: no aliases");
        assert!(origin_allowed("https://localhost:8080", "https://127.0.0.1:8080", loopback, true), "built-in TLS");
    }
}
