//! The site admin's webhooks (issue 16): add one (its signing secret is answered once), list
//! them with their latest deliveries, delete, and send a test event.

use crate::auth::Admin;
use crate::db::webhooks::{self as store, EVENTS};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest webhook address.
const MAX_URL: usize = 2000;
/// Deliveries shown per webhook.
const SHOWN_DELIVERIES: i64 = 20;

pub async fn list(State(st): State<AppState>, Admin(_): Admin) -> ApiResult<Json<Value>> {
    let out = st
        .db
        .call(|c| {
            let mut out = vec![];
            for hook in store::list(c)? {
                let deliveries = store::deliveries(c, &hook.id, SHOWN_DELIVERIES)?;
                out.push(json!({"webhook": hook, "deliveries": deliveries}));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(Value::Array(out)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    url: String,
    events: Vec<String>,
}

pub async fn create(State(st): State<AppState>, Admin(a): Admin, ApiJson(b): ApiJson<NewWebhook>) -> ApiResult<Json<Value>> {
    let url = b.url.trim().to_owned();
    let parsed = reqwest::Url::parse(&url).map_err(|_| ErrorCode::InvalidMessage)?;
    if url.len() > MAX_URL || !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let mut events = b.events;
    events.sort();
    events.dedup();
    if events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let now = st.clock.now_ms();
    let made = st.db.call(move |c| store::create(c, &url, &events, now)).await?.ok_or(ErrorCode::TooManyWebhooks)?;
    tracing::info!(webhook = %made.0.id, by = %a.username, "webhook added");
    Ok(Json(json!({"webhook": made.0, "secret": made.1})))
}

pub async fn delete(State(st): State<AppState>, Admin(_): Admin, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    let (id2, now) = (id.clone(), st.clock.now_ms());
    if !st.db.call(move |c| store::delete(c, &id2, now)).await? {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(Json(json!({"deleted": id})))
}

/// Queues a `ping` event for this webhook only: the admin sees in the log whether it arrives.
pub async fn test(State(st): State<AppState>, Admin(a): Admin, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    let (id2, now, by) = (id.clone(), st.clock.now_ms(), a.username.clone());
    let queued = st
        .db
        .call(move |c| {
            let known = store::list(c)?.iter().any(|h| h.id == id2);
            Ok(if known { store::enqueue(c, "ping", json!({"by": by}), now, Some(&id2))? } else { 0 })
        })
        .await?;
    if queued == 0 {
        return Err(ErrorCode::NotFound.into());
    }
    st.webhooks.wake();
    Ok(Json(json!({"queued": true})))
}
