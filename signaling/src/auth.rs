//! Who is asking: CSRs by their login cookie (HttpOnly, SameSite=Strict), site admins
//! likewise, and the client address for rate limits.

use crate::db::accounts::{self, Account};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use protocol::ErrorCode;
use std::net::IpAddr;

pub const COOKIE: &str = "csr_session";
/// A login lasts a working day.
pub const LOGIN_TTL_SECS: i64 = 12 * 3600;

/// The login token from the Cookie header, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE && !v.is_empty()).then(|| v.to_owned())
    })
}

/// The Set-Cookie value for a login (or its removal with an empty token).
pub fn set_cookie(token: &str, secure: bool) -> String {
    let max_age = if token.is_empty() { 0 } else { LOGIN_TTL_SECS };
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// Looks up the signed-in account behind a request's cookie.
pub async fn account_from_headers(state: &AppState, headers: &HeaderMap) -> Result<Account, ApiError> {
    let token = cookie_token(headers).ok_or(ErrorCode::Unauthenticated)?;
    let now = state.clock.now_ms();
    let account = state.db.call(move |c| accounts::account_for_login(c, &token, now)).await?;
    account.ok_or(ApiError(ErrorCode::Unauthenticated))
}

/// A signed-in CSR who may work (password already changed).
pub struct Csr(pub Account);

/// A signed-in CSR who may still have to change the one-time password.
pub struct AnyCsr(pub Account);

/// A signed-in site admin.
pub struct Admin(pub Account);

impl FromRequestParts<AppState> for AnyCsr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        account_from_headers(state, &parts.headers).await.map(AnyCsr)
    }
}

impl FromRequestParts<AppState> for Csr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AnyCsr(a) = AnyCsr::from_request_parts(parts, state).await?;
        if a.must_change_password {
            return Err(ErrorCode::PasswordChangeRequired.into());
        }
        Ok(Csr(a))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Csr(a) = Csr::from_request_parts(parts, state).await?;
        if !a.is_admin {
            return Err(ErrorCode::Forbidden.into());
        }
        Ok(Admin(a))
    }
}

/// The client's address, for rate limits (see `client_addr.rs`: `--trusted-proxies`).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let addr = parts.extensions.get::<crate::client_addr::ClientAddr>().map(|c| c.0);
        Ok(ClientIp(addr.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}
