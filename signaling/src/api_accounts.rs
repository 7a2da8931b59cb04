//! Sign-in, sign-out, password change, and the site admin's pages: CSR accounts, session
//! types, feature switches; and each CSR's one-click presets (S3).

use crate::auth::{self, Admin, AnyCsr, ClientIp, Csr};
use crate::config::effective_features;
use crate::db::accounts::{self, Account, Preset, SessionType};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::secrets;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use protocol::{ErrorCode, SiteFeatures};
use serde::Deserialize;
use serde_json::{json, Value};

pub const MIN_PASSWORD: usize = 10;

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

/// Signs in. Guessing limits come first (`login_limits`), then the password is checked in the
/// bounded argon2 queue (`password_checks`): a burst answers `sign_in_busy` for what it cannot
/// check in time instead of taking memory per request.
pub async fn login(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(body): ApiJson<Login>) -> ApiResult<impl IntoResponse> {
    let attempt = st.limits.login.admit(&body.username, ip, st.clock.now()).map_err(|code| {
        st.metrics.refused(code);
        ApiError(code)
    })?;
    let username = body.username.clone();
    let found = match st.db.call(move |c| accounts::by_username(c, &username)).await {
        Ok(found) => found,
        Err(e) => {
            st.limits.login.not_checked(attempt);
            return Err(e.into());
        }
    };
    // Verify against a dummy hash when the user does not exist, so timing tells nothing.
    let (account, hash) = match found {
        Some((a, h)) if !a.disabled => (Some(a), Some(h)),
        _ => (None, None),
    };
    let ok = match st.limits.passwords.verify(body.password, hash).await {
        Ok(ok) => ok,
        Err(e) => {
            st.limits.login.not_checked(attempt);
            let e = ApiError::from(e);
            st.metrics.refused(e.0);
            return Err(e);
        }
    };
    let Some(account) = account.filter(|_| ok) else {
        st.limits.login.failed(attempt, st.clock.now());
        st.metrics.refused(ErrorCode::BadCredentials);
        return Err(ErrorCode::BadCredentials.into());
    };
    st.limits.login.succeeded(attempt);
    let (id, now) = (account.id, st.clock.now_ms());
    let token = st.db.call(move |c| accounts::create_login(c, id, now, auth::LOGIN_TTL_SECS * 1000)).await?;
    let cookie = auth::set_cookie(&token, st.config.public_url.starts_with("https://"));
    Ok(([(header::SET_COOKIE, cookie)], Json(account)))
}

pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    if let Some(token) = auth::cookie_token(&headers) {
        st.db.call(move |c| accounts::delete_login(c, &token)).await?;
    }
    let cookie = auth::set_cookie("", st.config.public_url.starts_with("https://"));
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"signed_out": true}))))
}

pub async fn me(State(st): State<AppState>, AnyCsr(a): AnyCsr) -> ApiResult<Json<Value>> {
    let aid = a.id;
    let teams = st.db.read(move |c| crate::db::teams::of_account(c, aid)).await?;
    let leads: Vec<Value> =
        teams.iter().filter(|(_, r)| *r == crate::db::teams::TeamRole::Lead).map(|(t, _)| json!({"id": t.id, "name": t.name})).collect();
    let mut v = serde_json::to_value(&a).map_err(|_| ApiError(ErrorCode::Internal))?;
    // The teams the account leads: the console then shows the team lead's view (issue 16).
    v["leads"] = json!(leads);
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the caller's password; ends their other logins and closes every connection of the
/// account (a thief's socket among them), so they sign in again. Guesses of the current
/// password count like sign-in guesses (`login_limits`).
pub async fn change_password(
    State(st): State<AppState>,
    AnyCsr(a): AnyCsr,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    if body.new.chars().count() < MIN_PASSWORD {
        return Err(ErrorCode::WeakPassword.into());
    }
    let attempt = st.limits.login.admit(&a.username, ip, st.clock.now()).map_err(|code| {
        st.metrics.refused(code);
        ApiError(code)
    })?;
    let username = a.username.clone();
    let found = st.db.call(move |c| accounts::by_username(c, &username)).await;
    let hash = match found {
        Ok(Some((_, hash))) => hash,
        Ok(None) => {
            st.limits.login.not_checked(attempt);
            return Err(ErrorCode::Unauthenticated.into());
        }
        Err(e) => {
            st.limits.login.not_checked(attempt);
            return Err(e.into());
        }
    };
    let checked = st.limits.passwords.verify(body.current, Some(hash)).await;
    match checked {
        Ok(true) => st.limits.login.succeeded(attempt),
        Ok(false) => {
            st.limits.login.failed(attempt, st.clock.now());
            st.metrics.refused(ErrorCode::BadCredentials);
            return Err(ErrorCode::BadCredentials.into());
        }
        Err(e) => {
            st.limits.login.not_checked(attempt);
            return Err(e.into());
        }
    }
    let new_hash = st.limits.passwords.hash(body.new).await?;
    let (id, now) = (a.id, st.clock.now_ms());
    let token = st
        .db
        .call(move |c| {
            accounts::set_password(c, id, &new_hash, false)?;
            accounts::create_login(c, id, now, auth::LOGIN_TTL_SECS * 1000)
        })
        .await?;
    account_ended(&st, id, LoginEnd::PasswordChanged).await;
    let cookie = auth::set_cookie(&token, st.config.public_url.starts_with("https://"));
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"changed": true}))))
}

/// Why an account's logins ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginEnd {
    Disabled,
    PasswordChanged,
    PasswordReset,
}

/// The account's logins ended (disabled, password changed or reset): its open WebSockets and
/// notice streams close now with `login_ended`, and the sessions it sits in are told.
async fn account_ended(st: &AppState, account: i64, why: LoginEnd) {
    st.notices.close_account(account);
    let closed = st.hub.disconnect_account(account, ErrorCode::LoginEnded, why == LoginEnd::Disabled).await;
    tracing::info!(account, ?why, seats = closed, "login ended: connections closed");
}

pub async fn list_accounts(State(st): State<AppState>, _: Admin) -> ApiResult<Json<Vec<Account>>> {
    Ok(Json(st.db.call(|c| accounts::list(c)).await?))
}

#[derive(Deserialize)]
pub struct NewAccount {
    username: String,
    display_name: Option<String>,
    password: Option<String>,
    #[serde(default)]
    is_admin: bool,
}

/// Creates a CSR account. Without a password, a one-time password is generated, returned
/// once, and must be changed at first sign-in.
pub async fn create_account(State(st): State<AppState>, _: Admin, ApiJson(body): ApiJson<NewAccount>) -> ApiResult<Json<Value>> {
    let username = body.username.trim().to_owned();
    if username.is_empty() || username.len() > 64 || username.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let (password, generated) = match body.password {
        Some(p) if p.chars().count() < MIN_PASSWORD => return Err(ErrorCode::WeakPassword.into()),
        Some(p) => (p, false),
        None => (secrets::generated_password(), true),
    };
    let hash = st.limits.passwords.hash(password.clone()).await?;
    let display = body.display_name.unwrap_or_else(|| username.clone());
    let (is_admin, now) = (body.is_admin, st.clock.now_ms());
    let created = st.db.call(move |c| accounts::create(c, &username, &display, &hash, is_admin, generated, now)).await?;
    let account = created.ok_or(ErrorCode::AlreadyExists)?;
    let mut out = json!({"account": account});
    if generated {
        out["one_time_password"] = json!(password);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct AccountChange {
    is_admin: Option<bool>,
    disabled: Option<bool>,
    display_name: Option<String>,
}

pub async fn update_account(
    State(st): State<AppState>,
    Admin(me): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AccountChange>,
) -> ApiResult<Json<Account>> {
    if id == me.id && (b.is_admin == Some(false) || b.disabled == Some(true)) {
        // The last way back into the admin pages must not be cut by mistake.
        return Err(ErrorCode::Forbidden.into());
    }
    let disabled = b.disabled == Some(true);
    let a = st.db.call(move |c| accounts::update_flags(c, id, b.is_admin, b.disabled, b.display_name.as_deref())).await?;
    let a = a.ok_or(ErrorCode::NotFound)?;
    if disabled {
        account_ended(&st, id, LoginEnd::Disabled).await;
    }
    Ok(Json(a))
}

pub async fn reset_password(State(st): State<AppState>, _: Admin, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Value>> {
    let password = secrets::generated_password();
    let hash = st.limits.passwords.hash(password.clone()).await?;
    let found = st
        .db
        .call(move |c| {
            let found = accounts::by_id(c, id)?.is_some();
            if found {
                accounts::set_password(c, id, &hash, true)?;
            }
            Ok(found)
        })
        .await?;
    if !found {
        return Err(ErrorCode::NotFound.into());
    }
    account_ended(&st, id, LoginEnd::PasswordReset).await;
    Ok(Json(json!({"one_time_password": password})))
}

pub async fn session_types(State(st): State<AppState>, _: Csr) -> ApiResult<Json<Vec<SessionType>>> {
    Ok(Json(st.db.call(|c| accounts::session_types(c)).await?))
}

#[derive(Deserialize)]
pub struct NewSessionType {
    name: String,
    #[serde(default)]
    tracking_required: bool,
}

pub async fn create_session_type(
    State(st): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewSessionType>,
) -> ApiResult<Json<SessionType>> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let t = st.db.call(move |c| accounts::create_session_type(c, &name, b.tracking_required)).await?;
    Ok(Json(t.ok_or(ErrorCode::AlreadyExists)?))
}

#[derive(Deserialize)]
pub struct SessionTypeChange {
    tracking_required: Option<bool>,
    /// The team the type belongs to (issue 16); `null` for none, absent to keep it.
    #[serde(default, deserialize_with = "crate::api_teams::present")]
    team_id: Option<Option<i64>>,
}

pub async fn update_session_type(
    State(st): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SessionTypeChange>,
) -> ApiResult<Json<SessionType>> {
    let t = st
        .db
        .call(move |c| {
            let Some(old) = accounts::session_type(c, id)? else { return Ok(Err(ErrorCode::NotFound)) };
            if let Some(team) = b.team_id {
                if crate::db::teams::set_type_team(c, id, team)?.is_err() {
                    return Ok(Err(ErrorCode::NotFound));
                }
            }
            Ok(accounts::update_session_type(c, id, b.tracking_required.unwrap_or(old.tracking_required))?.ok_or(ErrorCode::NotFound))
        })
        .await?;
    Ok(Json(t?))
}

/// The features in force, what the deployment allows, and the admin's switches.
pub async fn features(State(st): State<AppState>, _: Csr) -> ApiResult<Json<Value>> {
    let admin = st.db.call(|c| accounts::features(c)).await?;
    let allowed = st.config.allowed_features;
    Ok(Json(json!({"effective": effective_features(allowed, admin), "allowed": allowed, "switches": admin})))
}

/// S11: the site admin switches features; sessions started afterwards follow the switches.
pub async fn set_features(State(st): State<AppState>, _: Admin, ApiJson(f): ApiJson<SiteFeatures>) -> ApiResult<Json<Value>> {
    st.db.call(move |c| accounts::set_features(c, &f)).await?;
    Ok(Json(json!({"effective": effective_features(st.config.allowed_features, f), "switches": f})))
}

pub async fn presets(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Json<Vec<Preset>>> {
    Ok(Json(st.db.call(move |c| accounts::presets(c, a.id)).await?))
}

#[derive(Deserialize)]
pub struct NewPreset {
    name: String,
    session_type_id: i64,
    tracking_code: Option<String>,
}

pub async fn create_preset(State(st): State<AppState>, Csr(a): Csr, ApiJson(b): ApiJson<NewPreset>) -> ApiResult<Json<Preset>> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let created = st
        .db
        .call(move |c| {
            let Some(t) = accounts::session_type(c, b.session_type_id)? else { return Ok(Err(ErrorCode::NotFound)) };
            let tracking = b.tracking_code.as_deref().map(str::trim).filter(|s| !s.is_empty());
            if t.tracking_required && tracking.is_none() {
                return Ok(Err(ErrorCode::TrackingCodeRequired));
            }
            Ok(accounts::create_preset(c, a.id, &name, t.id, tracking)?.ok_or(ErrorCode::AlreadyExists))
        })
        .await?;
    Ok(Json(created.map_err(ApiError)?))
}

pub async fn delete_preset(State(st): State<AppState>, Csr(a): Csr, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Value>> {
    if !st.db.call(move |c| accounts::delete_preset(c, a.id, id)).await? {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(Json(json!({"deleted": id})))
}
