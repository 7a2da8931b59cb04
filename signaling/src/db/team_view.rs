//! What a team lead sees (issue 16): the live sessions of the teams they lead, the right to
//! read those sessions' records, and each team's figures for reports. A session belongs to the
//! team its session type belongs to, else to the team whose queue it was taken from.

use super::DbError;
use protocol::rules::Session;
use rusqlite::{params, Connection};
use serde::Serialize;

/// The team of session `s` (an alias in the query), as SQL: its session type's, else the team
/// whose queue it was taken from; NULL for neither. A macro, so `S_SELECT` can `concat!` it.
#[macro_export]
macro_rules! session_team_sql {
    () => {
        "coalesce((SELECT st0.team_id FROM session_types st0 WHERE st0.id = s.session_type_id), \
         (SELECT q0.team_id FROM queue_entries q0 WHERE q0.session_id = s.id LIMIT 1))"
    };
}
pub const SESSION_TEAM: &str = session_team_sql!();

/// Whether `account` leads the team session `session` belongs to.
pub fn leads(c: &Connection, session: &str, account: i64) -> Result<bool, DbError> {
    Ok(c.query_row(
        &format!(
            "SELECT EXISTS(SELECT 1 FROM sessions s JOIN team_members m ON m.team_id = {SESSION_TEAM} \
             WHERE s.id = ?1 AND m.account_id = ?2 AND m.role = 'lead')"
        ),
        params![session, account],
        |r| r.get(0),
    )?)
}

/// Whether `account` may read the session's record and recordings: they had a seat in it, or
/// they lead its team.
pub fn may_read(c: &Connection, session: &str, account: i64) -> Result<bool, DbError> {
    Ok(super::sessions::took_part(c, session, account)? || leads(c, session, account)?)
}

/// One person in a live session, as the team lead's view lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub name: String,
    /// `csr` or `customer`.
    pub role: protocol::rules::Role,
    pub online: bool,
    pub host: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub observer: bool,
}

/// A live session of a team.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSession {
    pub id: String,
    /// `None` for a session type of no team (only the site admin sees those).
    pub team: Option<String>,
    pub session_type: String,
    pub tracking_code: Option<String>,
    pub started_at: i64,
    /// Who holds control now.
    pub host: String,
    pub people: Vec<Person>,
    /// Whether the caller has a seat in it already (observing or otherwise).
    pub seated: bool,
}

/// At most this many live sessions are listed.
pub const MAX_LIVE: i64 = 500;

/// The live sessions of the teams `account` leads, or of every team for `None` (the site
/// admin), oldest first. A session whose state cannot be read is left out (and reported).
pub fn live(c: &Connection, account: Option<i64>, viewer: i64) -> Result<Vec<LiveSession>, DbError> {
    let mut st = c.prepare(&format!(
        "SELECT s.id, tm.name, t.name, s.tracking_code, s.started_at, s.state, \
         EXISTS(SELECT 1 FROM participants p WHERE p.session_id = s.id AND p.account_id = ?2 AND p.left_at IS NULL) \
         FROM sessions s JOIN session_types t ON t.id = s.session_type_id LEFT JOIN teams tm ON tm.id = {SESSION_TEAM} \
         WHERE s.ended_at IS NULL AND s.state_error IS NULL \
         AND (?1 IS NULL OR EXISTS(SELECT 1 FROM team_members m WHERE m.team_id = tm.id AND m.account_id = ?1 AND m.role = 'lead')) \
         ORDER BY s.started_at, s.id LIMIT ?3"
    ))?;
    let rows = st.query_map(params![account, viewer, MAX_LIVE], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, team, session_type, tracking_code, started_at, state, seated) = row?;
        let state: Session = match serde_json::from_str(&state) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(session = %id, error = %e, "a live session's state does not parse");
                continue;
            }
        };
        let host = state.member(state.host()).map(|m| m.name.clone()).unwrap_or_default();
        let people = state
            .members()
            .iter()
            .map(|m| Person { name: m.name.clone(), role: m.role, online: m.online, host: &m.id == state.host(), observer: m.observer })
            .collect();
        out.push(LiveSession { id, team, session_type, tracking_code, started_at, host, people, seated });
    }
    Ok(out)
}

/// One team's figures over a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamFigures {
    pub team_id: i64,
    pub team: String,
    /// Sessions started with the team's session types.
    pub sessions: i64,
    /// Of those, ended; and their mean length (ms).
    pub ended: i64,
    pub mean_duration_ms: Option<i64>,
    /// Customers the team took from its queue, and how long they had waited (mean, ms).
    pub taken_from_queue: i64,
    pub mean_wait_ms: Option<i64>,
    /// Customers who left the queue (or were dropped) before anyone took them.
    pub gave_up: i64,
    /// Survey answers with a rating, and their mean (to one decimal).
    pub ratings: i64,
    pub mean_rating: Option<f64>,
}

/// The figures of the teams `account` belongs to (every team for `None`), for sessions
/// started and customers who asked in [from, to) (ms; `None`: unbounded), by team name.
pub fn figures(c: &Connection, account: Option<i64>, from: Option<i64>, to: Option<i64>) -> Result<Vec<TeamFigures>, DbError> {
    let in_team =
        format!("FROM sessions s WHERE {SESSION_TEAM} = t.id AND (?2 IS NULL OR s.started_at >= ?2) AND (?3 IS NULL OR s.started_at < ?3)");
    let queued = "FROM queue_entries q WHERE q.team_id = t.id AND (?2 IS NULL OR q.joined_at >= ?2) AND (?3 IS NULL OR q.joined_at < ?3)";
    let sql = format!(
        "SELECT t.id, t.name, \
         (SELECT count(*) {in_team}), \
         (SELECT count(*) {in_team} AND s.ended_at IS NOT NULL), \
         (SELECT CAST(round(avg(s.ended_at - s.started_at)) AS INTEGER) {in_team} AND s.ended_at IS NOT NULL), \
         (SELECT count(*) {queued} AND q.state = 'taken'), \
         (SELECT CAST(round(avg(q.ended_at - q.joined_at)) AS INTEGER) {queued} AND q.state = 'taken'), \
         (SELECT count(*) {queued} AND q.state IN ('left', 'expired')), \
         (SELECT count(v.rating) FROM surveys v WHERE v.rating IS NOT NULL AND v.session_id IN (SELECT s.id {in_team})), \
         (SELECT round(avg(v.rating), 1) FROM surveys v WHERE v.rating IS NOT NULL AND v.session_id IN (SELECT s.id {in_team})) \
         FROM teams t WHERE (?1 IS NULL OR EXISTS(SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.account_id = ?1)) \
         ORDER BY t.name COLLATE NOCASE, t.id"
    );
    let mut st = c.prepare(&sql)?;
    let rows = st.query_map(params![account, from, to], |r| {
        Ok(TeamFigures {
            team_id: r.get(0)?,
            team: r.get(1)?,
            sessions: r.get(2)?,
            ended: r.get(3)?,
            mean_duration_ms: r.get(4)?,
            taken_from_queue: r.get(5)?,
            mean_wait_ms: r.get(6)?,
            gave_up: r.get(7)?,
            ratings: r.get(8)?,
            mean_rating: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether `account` leads team `team`.
pub fn leads_team(c: &Connection, team: i64, account: i64) -> Result<bool, DbError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM team_members WHERE team_id = ?1 AND account_id = ?2 AND role = 'lead')",
        params![team, account],
        |r| r.get(0),
    )?)
}
