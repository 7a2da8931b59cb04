//! Who is asking: CSRs by their login cookie (HttpOnly, SameSite=Strict), site admins
//! likewise, and the client address for rate limits.

use crate::db::accounts::{self, Account};
use crate::db::tokens;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::extract::MatchedPath;
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

/// The secret of `Authorization: Bearer <API token>`, if the request carries one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (kind, secret) = value.split_once(' ')?;
    kind.eq_ignore_ascii_case("bearer").then(|| secret.trim().to_owned()).filter(|s| !s.is_empty() && s.len() <= 200)
}

/// An API token acting as its account, on a route whose scope the token has (issue 16). A
/// route without a scope (everything a person does in the console, and the admin pages) takes
/// no token: `insufficient_scope`.
async fn account_from_token(state: &AppState, parts: &Parts, secret: String) -> Result<Account, ApiError> {
    let matched = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default();
    let scope = crate::api_routes::find(&parts.method, &matched).and_then(|r| r.scope).ok_or(ErrorCode::InsufficientScope)?;
    let now = state.clock.now_ms();
    match state.db.call(move |c| tokens::check(c, &secret, scope, now)).await? {
        tokens::Presented::Acts(account) => Ok(account),
        tokens::Presented::OutOfScope => Err(ErrorCode::InsufficientScope.into()),
        tokens::Presented::Invalid => Err(ErrorCode::Unauthenticated.into()),
    }
}

impl FromRequestParts<AppState> for AnyCsr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(secret) = bearer(&parts.headers) {
            return account_from_token(state, parts, secret).await.map(AnyCsr);
        }
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
