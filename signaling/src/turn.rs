//! Short-lived TURN credentials in the REST API convention that coturn's `use-auth-secret`
//! checks: username `expiry:id`, password base64(HMAC-SHA1(secret, username)).

use base64::Engine;
use hmac::{Hmac, Mac};
use protocol::signal::IceServer;
use sha1::Sha1;

/// The TURN secret cannot key the HMAC (HMAC takes keys of any length, so this does not
/// happen; it is an error rather than a panic all the same).
#[derive(Debug, thiserror::Error)]
#[error("the TURN secret cannot be used as an HMAC key")]
pub struct TurnError;

/// The credential for `id`, valid until `expiry_unix`.
pub fn credential(secret: &str, id: &str, expiry_unix: u64) -> Result<(String, String), TurnError> {
    let username = format!("{expiry_unix}:{id}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).map_err(|_| TurnError)?;
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Ok((username, password))
}

/// The ICE servers one participant gets: STUN as configured, TURN with its own credential
/// valid for `ttl` seconds from `now_unix`.
pub fn ice_servers(
    stun: &[String],
    turn: &[String],
    secret: Option<&str>,
    id: &str,
    now_unix: u64,
    ttl: u64,
) -> Result<Vec<IceServer>, TurnError> {
    let mut servers = vec![];
    if !stun.is_empty() {
        servers.push(IceServer { urls: stun.to_vec(), username: None, credential: None });
    }
    if let (false, Some(secret)) = (turn.is_empty(), secret) {
        let (username, password) = credential(secret, id, now_unix.saturating_add(ttl))?;
        servers.push(IceServer { urls: turn.to_vec(), username: Some(username), credential: Some(password) });
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_matches_coturn_rest_api_convention() {
        // Computed independently: printf '1700000000:alice' | openssl dgst -sha1 -hmac 'secret' -binary | base64
        let (user, pass) = credential("secret", "alice", 1_700_000_000).unwrap();
        assert_eq!(user, "1700000000:alice");
        assert_eq!(pass, "d8soP47RbdIKLDUOpnJPVQyq5Ts=");
    }

    #[test]
    fn turn_needs_a_secret() {
        let s = ice_servers(&["stun:a".into()], &["turn:b".into()], None, "p", 0, 60).unwrap();
        assert_eq!(s.len(), 1);
        let s = ice_servers(&[], &["turn:b".into()], Some("k"), "p", 100, 60).unwrap();
        assert_eq!(s[0].username.as_deref(), Some("160:p"));
    }
}
