//! The team lead's view (issue 16): the live sessions of the teams they lead, joining one of
//! them as an observer (the customer is told: the roster marks the observer), and the teams'
//! figures for reports. Taking a session over is the observer's `take_over` message on the
//! session's WebSocket (rules: `Input::TakeOver`).

use crate::api_sessions::add_participant;
use crate::auth::Csr;
use crate::db::sessions as store;
use crate::db::team_view::{self, LiveSession, TeamFigures};
use crate::error::{ApiPath, ApiResult};
use crate::secrets;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use protocol::ids::{ParticipantId, SessionId};
use protocol::rules::Role;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// The live sessions of the teams the caller leads (every live session for the site admin),
/// oldest first, each with its people and who holds control.
pub async fn live(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Json<Vec<LiveSession>>> {
    let (scope, me) = (if a.is_admin { None } else { Some(a.id) }, a.id);
    Ok(Json(st.db.read(move |c| team_view::live(c, scope, me)).await?))
}

/// Joins a live session as an observer: a team lead of the session's team, or the site admin.
/// Someone who has a seat in it already keeps that seat (the answer says which).
pub async fn observe(State(st): State<AppState>, Csr(a): Csr, ApiPath(session): ApiPath<String>) -> ApiResult<Json<Value>> {
    let (sid, aid, admin) = (session.clone(), a.id, a.is_admin);
    let (summary, may, seated) = st
        .db
        .call(move |c| Ok((store::summary(c, &sid)?, admin || team_view::leads(c, &sid, aid)?, store::csr_participant(c, &sid, aid)?)))
        .await?;
    let summary = summary.ok_or(ErrorCode::NotFound)?;
    if summary.ended_at.is_some() {
        return Err(ErrorCode::SessionEnded.into());
    }
    if let Some(p) = seated {
        return Ok(Json(json!({"session_id": session, "participant_id": p.id, "observer": false, "seated_already": true})));
    }
    if !may {
        return Err(ErrorCode::Forbidden.into());
    }
    let pid = ParticipantId(secrets::id("csr"));
    add_participant(&st, &SessionId(session.clone()), &pid, Role::Csr, Some(a.id), &a.display_name, true).await?;
    tracing::info!(session = %session, account = a.id, "a team lead joined to observe");
    Ok(Json(json!({"session_id": session, "participant_id": pid, "observer": true, "seated_already": false})))
}

#[derive(Deserialize)]
pub struct FiguresQuery {
    /// Sessions started and customers who asked in [from, to) (ms since the epoch).
    from: Option<i64>,
    to: Option<i64>,
}

/// Each of the caller's teams (every team for the site admin): sessions, their length, the
/// wait in the queue, customers who gave up waiting, and the rating.
pub async fn figures(State(st): State<AppState>, Csr(a): Csr, Query(q): Query<FiguresQuery>) -> ApiResult<Json<Vec<TeamFigures>>> {
    let scope = if a.is_admin { None } else { Some(a.id) };
    Ok(Json(st.db.read(move |c| team_view::figures(c, scope, q.from, q.to)).await?))
}
