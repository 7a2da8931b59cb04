//! The site admin's API tokens (issue 16): create (the secret is answered once), list (with
//! when each was last used), revoke. Checking a presented token is `auth.rs`.

use crate::api_routes::Scope;
use crate::auth::Admin;
use crate::db::tokens::{self, CreateRefused, Token};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest token name.
const MAX_NAME: usize = 100;

pub async fn list(State(st): State<AppState>, Admin(_): Admin) -> ApiResult<Json<Vec<Token>>> {
    Ok(Json(st.db.call(|c| tokens::list(c)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    scopes: Vec<Scope>,
    /// The account the token acts as (default: the admin creating it).
    username: Option<String>,
}

pub async fn create(State(st): State<AppState>, Admin(a): Admin, ApiJson(b): ApiJson<NewToken>) -> ApiResult<Json<Value>> {
    let name: String = b.name.trim().chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() || name.chars().count() > MAX_NAME || b.scopes.is_empty() {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let mut scopes = b.scopes;
    scopes.sort_by_key(|s| s.name());
    scopes.dedup();
    let username = b.username.unwrap_or_else(|| a.username.clone());
    let (admin, now) = (a.id, st.clock.now_ms());
    let made = st.db.call(move |c| tokens::create(c, &name, &scopes, &username, admin, now)).await?;
    match made {
        Ok((token, secret)) => {
            tracing::info!(token = %token.id, account = %token.account, "API token created");
            Ok(Json(json!({"token": token, "secret": secret})))
        }
        Err(CreateRefused::NoSuchAccount) => Err(ErrorCode::NotFound.into()),
        Err(CreateRefused::TooMany) => Err(ErrorCode::TooManyTokens.into()),
    }
}

pub async fn revoke(State(st): State<AppState>, Admin(_): Admin, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    let (id2, now) = (id.clone(), st.clock.now_ms());
    if !st.db.call(move |c| tokens::revoke(c, &id2, now)).await? {
        return Err(ErrorCode::NotFound.into());
    }
    tracing::info!(token = %id, "API token revoked");
    Ok(Json(json!({"revoked": id})))
}
