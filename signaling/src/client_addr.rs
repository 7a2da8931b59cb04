//! Who the client is: the TCP peer, or — only when the peer is one of the operator's
//! `--trusted-proxies` — the address that proxy put in `X-Forwarded-For`. Rate limits,
//! connection caps and the `/metrics` check all use [`client_addr`], so a client cannot pick
//! its own bucket by sending the header itself, and clients behind a proxy do not share one.

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// One network in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not an address or network such as 10.0.0.0/8 or ::1")]
pub struct CidrError(pub String);

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let bad = || CidrError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { net, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(u32::from(n).into(), u32::from(a).into(), self.prefix, 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(u128::from(n), u128::from(a), self.prefix, 128),
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8, bits: u32) -> bool {
    let shift = bits - u32::from(prefix);
    shift >= bits || (a >> shift) == (b >> shift)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, from a dual-stack socket) as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The operator's reverse proxies.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }
}

/// The client's address: `peer` itself unless `peer` is a trusted proxy; then the right-most
/// address of `X-Forwarded-For` that is not a trusted proxy (proxies append, so entries on the
/// left may be made up by the client). A trusted peer without a usable header is the client.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let mut hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect::<Vec<_>>();
    hops.reverse();
    let mut client = peer;
    for hop in hops {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !trusted.contains(client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The client address of a request, put there by the edge for handlers and rate limits; as
/// an extractor, the unspecified address when the request did not come through the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().copied().unwrap_or(ClientAddr(IpAddr::from([0, 0, 0, 0]))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()]);
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let h = headers("1.1.1.1, 203.0.113.7");
        assert_eq!(client_addr("10.1.2.3".parse().unwrap(), &h, &trusted), client);
        assert_eq!(client_addr("::1".parse().unwrap(), &h, &trusted), client);
        assert_eq!(client_addr("198.51.100.1".parse().unwrap(), &h, &trusted), "198.51.100.1".parse::<IpAddr>().unwrap());
        assert_eq!(client_addr("10.1.2.3".parse().unwrap(), &headers("203.0.113.7, 10.9.9.9"), &trusted), client, "proxy chain");
        assert_eq!(client_addr("10.1.2.3".parse().unwrap(), &HeaderMap::new(), &trusted), "10.1.2.3".parse::<IpAddr>().unwrap());
        assert_eq!(client_addr("::ffff:10.1.2.3".parse().unwrap(), &h, &trusted), client, "mapped address");
        assert_eq!(client_addr("10.1.2.3".parse().unwrap(), &headers("junk"), &trusted), "10.1.2.3".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn networks_parse_and_match() {
        let net: Cidr = "192.168.0.0/16".parse().unwrap();
        assert!(net.contains("192.168.4.5".parse().unwrap()));
        assert!(!net.contains("192.169.0.1".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!("fd00::/8".parse::<Cidr>().unwrap().contains("fd12::1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
