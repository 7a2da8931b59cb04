//! The satisfaction survey (issue 16): opened for each customer still seated when a session
//! ends, answered once with the seat's token (1–5 and a comment) within [`OPEN_FOR_MS`].

use super::DbError;
use crate::secrets;
use protocol::ErrorCode;
use rusqlite::{params, Connection};

/// How long after the end a survey may be answered.
pub const OPEN_FOR_MS: i64 = 24 * 60 * 60 * 1000;
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// At the end of `session` (part of the caller's transaction, before the seats' tokens are
/// cleared): a survey for each customer seated then.
pub fn open(c: &Connection, session: &str, now: i64) -> Result<(), DbError> {
    c.execute(
        "INSERT OR IGNORE INTO surveys(session_id, participant_id, token_hash, expires_at) \
         SELECT session_id, id, token_hash, ?2 FROM participants \
         WHERE session_id = ?1 AND role = 'customer' AND token_hash IS NOT NULL AND left_at IS NULL",
        params![session, now + OPEN_FOR_MS],
    )?;
    Ok(())
}

/// A survey answered: whose, and what.
#[derive(Debug, Clone)]
pub struct Answered {
    pub session: String,
    pub participant: String,
}

/// Answers the survey of the seat whose token is `token`; `survey_closed` when there is none
/// open for it. Queues the `session.rated` webhook in the same transaction.
pub fn answer(c: &mut Connection, token: &str, rating: u8, comment: &str, now: i64) -> Result<Result<Answered, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT session_id, participant_id FROM surveys WHERE token_hash = ?1 AND answered_at IS NULL AND expires_at > ?2",
            params![secrets::hash_secret(token), now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
    let Some((session, participant)) = found else { return Ok(Err(ErrorCode::SurveyClosed)) };
    tx.execute(
        "UPDATE surveys SET rating = ?3, comment = ?4, answered_at = ?5, token_hash = NULL WHERE session_id = ?1 AND participant_id = ?2",
        params![session, participant, rating, comment, now],
    )?;
    super::sessions::append(&tx, &session, now, "survey_answered", Some(&participant), &serde_json::json!({"rating": rating}))?;
    let mut data = super::webhooks::session_data(&tx, &session)?;
    if let Some(o) = data.as_object_mut() {
        o.insert("participant".into(), participant.clone().into());
        o.insert("rating".into(), rating.into());
        o.insert("comment".into(), comment.into());
    }
    super::webhooks::enqueue(&tx, "session.rated", data, now, None)?;
    tx.commit()?;
    Ok(Ok(Answered { session, participant }))
}
