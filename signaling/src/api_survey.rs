//! The satisfaction survey (issue 16): after the end, a customer answers with their seat's token.

use crate::auth::ClientIp;
use crate::db::surveys::{self as store, MAX_COMMENT_CHARS};
use crate::error::{ApiJson, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct Answer {
    /// The seat's token (the one the customer joined with).
    token: String,
    rating: u8,
    #[serde(default)]
    comment: String,
}

/// `POST /api/survey`: 1–5 and an optional comment, once per seat, within 24 h of the end.
pub async fn answer(State(st): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<Answer>) -> ApiResult<Json<Value>> {
    // The same per-address budget as joining: a stranger guessing tokens gets nowhere fast.
    if !st.limits.join_by_address.try_take(&ip, st.clock.now()) {
        st.metrics.refused(ErrorCode::RateLimited);
        return Err(ErrorCode::RateLimited.into());
    }
    if !(1..=5).contains(&b.rating) {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let comment = b.comment.trim().to_owned();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ErrorCode::MessageTooLarge.into());
    }
    let (token, rating, now) = (b.token, b.rating, st.clock.now_ms());
    let done = st.db.call(move |c| store::answer(c, &token, rating, &comment, now)).await?;
    let answered = done.inspect_err(|code| st.metrics.refused(*code))?;
    st.limits.join_by_address.refund(&ip);
    st.webhooks.wake();
    tracing::info!(session = %answered.session, participant = %answered.participant, rating, "a customer rated the session");
    Ok(Json(json!({"thanks": true})))
}
