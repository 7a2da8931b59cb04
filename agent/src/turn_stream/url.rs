//! Which TURN URLs go through the stream bridge, and what the crate is given instead (RFC 7065).
//!
//! `turn:host[:port]` and `turn:…?transport=udp` go to the crate unchanged;
//! `turn:host[:port]?transport=tcp` goes over TCP (default port 3478);
//! `turns:host[:port]` goes over TLS (default port 5349; 443 where operators put it).
//! The order of the URLs is kept, so the agent tries them as signaling hands them out.

/// How the bridge reaches a TURN server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Tcp,
    Tls,
}

/// A TURN server reached over a stream: the bridge connects to `host:port`; for TLS the
/// certificate must name `host`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamTarget {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
}

/// What to do with one URL of an ICE server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// STUN or TURN over UDP: the crate handles it as it is.
    Direct,
    /// TURN over TCP or TLS: through a bridge.
    Bridge(StreamTarget),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("turn_url_bad_port: {0}")]
    BadPort(String),
    #[error("turn_url_no_host: {0}")]
    NoHost(String),
    #[error("turn_url_unknown_transport: {0}")]
    UnknownTransport(String),
}

/// Sorts one URL. Non-TURN URLs (`stun:`) are [`Route::Direct`].
pub fn route(url: &str) -> Result<Route, UrlError> {
    let (secure, rest) = if let Some(rest) = url.strip_prefix("turns:") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("turn:") {
        (false, rest)
    } else {
        return Ok(Route::Direct);
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let transport = query.split('&').find_map(|kv| kv.strip_prefix("transport=")).map(str::to_ascii_lowercase);
    let transport = match (secure, transport.as_deref()) {
        (false, None | Some("udp")) => return Ok(Route::Direct),
        (false, Some("tcp")) => Transport::Tcp,
        (true, None | Some("tcp")) => Transport::Tls,
        _ => return Err(UrlError::UnknownTransport(url.to_owned())),
    };
    let default_port = if secure { 5349 } else { 3478 };
    let (host, port) = split_host_port(authority, default_port).ok_or_else(|| UrlError::BadPort(url.to_owned()))?;
    if host.is_empty() {
        return Err(UrlError::NoHost(url.to_owned()));
    }
    Ok(Route::Bridge(StreamTarget { transport, host, port }))
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((authority.to_owned(), default_port)),
    }
}

/// The URL the crate is given for a bridge whose local end listens on 127.0.0.1:`local_port`.
pub fn local_url(local_port: u16) -> String {
    format!("turn:127.0.0.1:{local_port}?transport=udp")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bridge(transport: Transport, host: &str, port: u16) -> Route {
        Route::Bridge(StreamTarget { transport, host: host.to_owned(), port })
    }

    #[test]
    fn udp_and_stun_urls_stay_with_the_crate() {
        assert_eq!(route("turn:relay.example:3478"), Ok(Route::Direct));
        assert_eq!(route("turn:relay.example:3478?transport=udp"), Ok(Route::Direct));
        assert_eq!(route("stun:relay.example:3478"), Ok(Route::Direct));
    }

    #[test]
    fn turn_over_tcp_goes_through_a_tcp_bridge() {
        assert_eq!(route("turn:relay.example:3478?transport=tcp"), Ok(bridge(Transport::Tcp, "relay.example", 3478)));
        assert_eq!(route("turn:relay.example?transport=TCP"), Ok(bridge(Transport::Tcp, "relay.example", 3478)));
        assert_eq!(route("turn:[::1]:80?transport=tcp"), Ok(bridge(Transport::Tcp, "::1", 80)));
    }

    #[test]
    fn turns_goes_through_a_tls_bridge_on_5349_or_the_given_port() {
        assert_eq!(route("turns:relay.example"), Ok(bridge(Transport::Tls, "relay.example", 5349)));
        assert_eq!(route("turns:relay.example:443?transport=tcp"), Ok(bridge(Transport::Tls, "relay.example", 443)));
        assert_eq!(route("turns:[2001:db8::1]"), Ok(bridge(Transport::Tls, "2001:db8::1", 5349)));
    }

    #[test]
    fn malformed_stream_urls_are_errors_with_codes() {
        assert!(matches!(route("turn:relay.example:x?transport=tcp"), Err(UrlError::BadPort(_))));
        assert!(matches!(route("turns::443"), Err(UrlError::NoHost(_))));
        assert!(matches!(route("turns:relay.example?transport=udp"), Err(UrlError::UnknownTransport(_))));
        assert!(matches!(route("turn:relay.example?transport=sctp"), Err(UrlError::UnknownTransport(_))));
    }

    #[test]
    fn the_crate_gets_a_loopback_udp_url() {
        assert_eq!(local_url(40000), "turn:127.0.0.1:40000?transport=udp");
    }
}
