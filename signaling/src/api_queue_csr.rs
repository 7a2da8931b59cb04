//! The support queue, CSR side (issue 16, rule S3): the console's Queue panel lists the
//! customers waiting in the CSR's teams (asking every few seconds, which also says the CSR is
//! at their console), switches the CSR between available and away, and takes the next
//! customer or a chosen one. Taking starts a session with the CSR as host (S1) and the team's
//! session type; the customer's waiting page is then given an invitation into it
//! (`api_queue::news`). Routing is by team; a CSR in `--max-sessions-per-csr` live sessions
//! takes nobody more.

use crate::api_sessions::open_session;
use crate::auth::Csr;
use crate::db::accounts::{self, Account};
use crate::db::queue as store;
use crate::db::teams;
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// The caller's teams, whether they are available, how many sessions they are in, and the
/// customers waiting in their teams, longest waiting first.
pub async fn list(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Json<Value>> {
    st.queue.seen(a.id, st.clock.now());
    let (aid, now) = (a.id, st.clock.now_ms());
    let (mine, waiting, available, busy) = st
        .db
        .call(move |c| {
            Ok((teams::of_account(c, aid)?, store::waiting_for(c, aid, now)?, store::is_available(c, aid)?, store::busy(c, aid)?))
        })
        .await?;
    let base = &st.config.public_url;
    let teams: Vec<Value> = mine
        .into_iter()
        .map(|(t, role)| json!({"id": t.id, "name": t.name, "slug": t.slug, "role": role, "page": format!("{base}/help/{}", t.slug)}))
        .collect();
    let waiting: Vec<Value> = waiting
        .into_iter()
        .map(|w| {
            let waited_ms = now - w.joined_at;
            let mut v = serde_json::to_value(w).unwrap_or_default();
            v["waited_ms"] = json!(waited_ms);
            v
        })
        .collect();
    Ok(Json(json!({
        "available": available, "in_sessions": busy, "max_sessions": st.config.max_sessions_per_csr, "teams": teams, "waiting": waiting,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    available: bool,
}

/// Available or away: an away CSR takes nobody, and does not count as someone available.
pub async fn set_availability(State(st): State<AppState>, Csr(a): Csr, ApiJson(b): ApiJson<Availability>) -> ApiResult<Json<Value>> {
    let (aid, now) = (a.id, st.clock.now_ms());
    st.db.call(move |c| store::set_available(c, aid, b.available, now)).await?;
    Ok(Json(json!({"available": b.available})))
}

/// Takes the customer who has waited longest in the caller's teams.
pub async fn take_next(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Json<Value>> {
    take(&st, &a, None).await
}

/// Takes the chosen customer.
pub async fn take_one(State(st): State<AppState>, Csr(a): Csr, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Value>> {
    take(&st, &a, Some(id)).await
}

async fn take(st: &AppState, a: &Account, entry: Option<String>) -> ApiResult<Json<Value>> {
    let (aid, max, now) = (a.id, i64::from(st.config.max_sessions_per_csr), st.clock.now_ms());
    let claimed =
        st.db.call(move |c| store::claim(c, aid, entry.as_deref(), max, now)).await?.inspect_err(|code| st.metrics.refused(*code))?;
    let id = claimed.id.clone();
    let started = async {
        let type_id = claimed.session_type_id.ok_or(ErrorCode::NotFound)?;
        let stype = st.db.call(move |c| accounts::session_type(c, type_id)).await?.ok_or(ErrorCode::NotFound)?;
        // A type that needs a tracking code gets the place's id: the ticket system can find it.
        let tracking = stype.tracking_required.then(|| claimed.id.clone());
        open_session(st, a, type_id, tracking).await
    }
    .await;
    let started = match started {
        Ok(s) => s,
        Err(e) => {
            st.db.call(move |c| store::unclaim(c, &id)).await?;
            return Err(e);
        }
    };
    let (sid, now) = (started.session_id.0.clone(), st.clock.now_ms());
    st.db.call(move |c| store::seat_in(c, &id, &sid, now)).await?;
    st.webhooks.wake();
    tracing::info!(session = %started.session_id, entry = %claimed.id, csr = %a.username, "a customer was taken from the queue");
    Ok(Json(json!({
        "session_id": started.session_id, "participant_id": started.participant_id,
        "customer": {"name": claimed.name, "team": claimed.team, "waited_ms": now - claimed.joined_at},
    })))
}
