//! Teams (issue 16), kept by the site admin: create and rename them, put accounts in them as
//! team lead or CSR. A team's slug names its public queue page, `/help/<slug>`.

use crate::auth::Admin;
use crate::db::teams::{self, Refused, Team, TeamRole, TeamView};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// Longest team name, in characters.
pub const MAX_NAME: usize = 80;
/// Longest slug: 1–40 of `a`–`z`, `0`–`9` and inner `-`.
pub const MAX_SLUG: usize = 40;

/// For a field where `null` and absent differ: absent is `None`, `null` is `Some(None)`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn refused(r: Refused) -> ApiError {
    match r {
        Refused::Taken => ErrorCode::AlreadyExists.into(),
        Refused::TooMany => ErrorCode::TooManyTeams.into(),
        Refused::NotFound => ErrorCode::NotFound.into(),
    }
}

/// A team name: trimmed, 1–80 characters, no control characters.
fn checked_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    Ok(name.to_owned())
}

/// Whether `slug` can name a queue page.
pub fn slug_ok(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The slug a name suggests: "Printers & Scanners" → `printers-scanners`.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(MAX_SLUG).collect();
    slug.trim_end_matches('-').to_owned()
}

fn checked_slug(slug: &str) -> Result<String, ApiError> {
    let slug = slug.trim().to_lowercase();
    if !slug_ok(&slug) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    Ok(slug)
}

pub async fn list(State(st): State<AppState>, Admin(_): Admin) -> ApiResult<Json<Vec<TeamView>>> {
    Ok(Json(st.db.call(|c| teams::list(c)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    name: String,
    /// Made from the name when absent.
    slug: Option<String>,
}

pub async fn create(State(st): State<AppState>, Admin(_): Admin, ApiJson(b): ApiJson<NewTeam>) -> ApiResult<Json<Team>> {
    let name = checked_name(&b.name)?;
    let slug = checked_slug(&b.slug.unwrap_or_else(|| slug_of(&name)))?;
    let now = st.clock.now_ms();
    st.db.call(move |c| teams::create(c, &name, &slug, now)).await?.map(Json).map_err(refused)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamChange {
    name: Option<String>,
    slug: Option<String>,
}

pub async fn update(
    State(st): State<AppState>,
    Admin(_): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TeamChange>,
) -> ApiResult<Json<Team>> {
    let name = b.name.as_deref().map(checked_name).transpose()?;
    let slug = b.slug.as_deref().map(checked_slug).transpose()?;
    st.db.call(move |c| teams::rename(c, id, name.as_deref(), slug.as_deref())).await?.map(Json).map_err(refused)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    role: TeamRole,
}

/// Puts an account in a team as `lead` or `csr`, or changes its role there.
pub async fn set_member(
    State(st): State<AppState>,
    Admin(_): Admin,
    ApiPath((id, account)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<Membership>,
) -> ApiResult<Json<Value>> {
    st.db.call(move |c| teams::set_member(c, id, account, b.role)).await?.map_err(refused)?;
    Ok(Json(json!({"team_id": id, "account_id": account, "role": b.role})))
}

pub async fn remove_member(
    State(st): State<AppState>,
    Admin(_): Admin,
    ApiPath((id, account)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    if !st.db.call(move |c| teams::remove_member(c, id, account)).await? {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(Json(json!({"removed": account})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_names_and_only_plain_ones_pass() {
        assert_eq!(slug_of("Printers & Scanners"), "printers-scanners");
        assert_eq!(slug_of("  Billing  "), "billing");
        assert_eq!(slug_of("Ünïcode"), "n-code");
        assert_eq!(slug_of("日本"), "");
        assert!(slug_ok("billing-2"));
        for bad in ["", "-a", "a-", "A", "a b", "a/b", &"a".repeat(41)] {
            assert!(!slug_ok(bad), "{bad}");
        }
    }
}
