//! Canned messages (issue 16): each CSR keeps their own; a team's leads keep the team's; site
//! admins keep the shared ones. The console offers them in the chat box by key.

use crate::auth::Csr;
use crate::db::snippets::{self as store, Owner, Refused, Snippet};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// A key: 1–32 of a–z, 0–9, `-` and `_` (what follows the `/` typed in the chat box).
const MAX_KEY: usize = 32;
/// A snippet is a chat message: as long as one may be.
const MAX_TEXT: usize = 4000;

pub async fn list(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Json<Vec<Snippet>>> {
    Ok(Json(st.db.call(move |c| store::visible(c, a.id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSnippet {
    key: String,
    text: String,
    /// The site's (site admins only) …
    #[serde(default)]
    shared: bool,
    /// … or this team's (its leads and site admins).
    team_id: Option<i64>,
}

/// The key and text checked, or `invalid_message`.
fn checked(key: &str, text: &str) -> Result<(String, String), ApiError> {
    let key = key.trim().trim_start_matches('/').to_lowercase();
    let text = text.trim().to_owned();
    let key_ok = !key.is_empty()
        && key.len() <= MAX_KEY
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !key_ok || text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ErrorCode::InvalidMessage.into());
    }
    Ok((key, text))
}

fn refused(r: Refused) -> ApiError {
    match r {
        Refused::KeyTaken => ErrorCode::AlreadyExists.into(),
        Refused::TooMany => ErrorCode::TooManySnippets.into(),
        Refused::NotFound => ErrorCode::NotFound.into(),
    }
}

pub async fn create(State(st): State<AppState>, Csr(a): Csr, ApiJson(b): ApiJson<NewSnippet>) -> ApiResult<Json<Snippet>> {
    let (key, text) = checked(&b.key, &b.text)?;
    let owner = match (b.shared, b.team_id) {
        (true, Some(_)) => return Err(ErrorCode::InvalidMessage.into()),
        (true, None) => Owner::Site,
        (false, Some(t)) => Owner::Team(t),
        (false, None) => Owner::Account(a.id),
    };
    may_keep(&st, &a, owner).await?;
    let now = st.clock.now_ms();
    st.db.call(move |c| store::create(c, owner, &key, &text, now)).await?.map(Json).map_err(refused)
}

/// Whether the caller keeps `owner`'s snippets: their own; a team's as its lead or a site
/// admin; the site's as a site admin.
async fn may_keep(st: &AppState, a: &crate::db::accounts::Account, owner: Owner) -> ApiResult<()> {
    let ok = match owner {
        Owner::Account(o) => o == a.id,
        Owner::Site => a.is_admin,
        Owner::Team(t) => {
            let aid = a.id;
            let (lead, exists) =
                st.db.call(move |c| Ok((crate::db::team_view::leads_team(c, t, aid)?, crate::db::teams::team(c, t)?.is_some()))).await?;
            if !exists {
                return Err(ErrorCode::NotFound.into());
            }
            lead || a.is_admin
        }
    };
    if ok {
        Ok(())
    } else {
        Err(ErrorCode::Forbidden.into())
    }
}

/// The caller may change `id`: as [`may_keep`]; someone else's own is as good as none.
async fn may_change(st: &AppState, a: &crate::db::accounts::Account, id: &str) -> ApiResult<()> {
    let id = id.to_owned();
    match st.db.call(move |c| store::owner(c, &id)).await? {
        Some(Owner::Account(o)) if o != a.id => Err(ErrorCode::NotFound.into()),
        Some(owner) => may_keep(st, a, owner).await,
        None => Err(ErrorCode::NotFound.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedSnippet {
    key: String,
    text: String,
}

pub async fn update(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ChangedSnippet>,
) -> ApiResult<Json<Value>> {
    may_change(&st, &a, &id).await?;
    let (key, text) = checked(&b.key, &b.text)?;
    let (id2, now) = (id.clone(), st.clock.now_ms());
    st.db.call(move |c| store::update(c, &id2, &key, &text, now)).await?.map_err(refused)?;
    Ok(Json(json!({"saved": id})))
}

pub async fn delete(State(st): State<AppState>, Csr(a): Csr, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    may_change(&st, &a, &id).await?;
    let id2 = id.clone();
    st.db.call(move |c| store::delete(c, &id2)).await?;
    Ok(Json(json!({"deleted": id})))
}
