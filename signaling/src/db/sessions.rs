//! Sessions, participants, invitations and the session record (S22).

use super::DbError;
use crate::secrets;
use protocol::rules::{Role, Session};
use protocol::signal::ChatLine;
use protocol::{ErrorCode, ParticipantId};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// The format of the saved rule state (`sessions.state`), stored beside it in
/// `sessions.state_version`. Rows saved before versions were stored are version 1.
pub const STATE_VERSION: i64 = 1;

fn encode_state(state: &Session) -> Result<String, DbError> {
    serde_json::to_string(state).map_err(|e| DbError::Encode("session state", e))
}

/// A participant as stored: who they are and how they authenticate.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantRow {
    pub id: String,
    pub session_id: String,
    pub role: String,
    pub account_id: Option<i64>,
    pub name: String,
    pub joined_at: i64,
    pub left_at: Option<i64>,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Csr => "csr",
        Role::Customer => "customer",
    }
}

/// A session being started, with its host.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub type_id: i64,
    pub tracking: Option<&'a str>,
    pub account_id: i64,
    pub host_id: &'a str,
    pub host_name: &'a str,
}

/// Stores a newly started session (at `now`, ms) with its host participant.
pub fn create(c: &mut Connection, new: NewSession<'_>, state: &Session, now: i64) -> Result<(), DbError> {
    let NewSession { id, type_id, tracking, account_id, host_id, host_name } = new;
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO sessions(id, session_type_id, tracking_code, started_by, started_at, state, state_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, type_id, tracking, account_id, now, encode_state(state)?, STATE_VERSION],
    )?;
    tx.execute(
        "INSERT INTO participants(id, session_id, role, account_id, name, joined_at) VALUES (?1, ?2, 'csr', ?3, ?4, ?5)",
        params![host_id, id, account_id, host_name, now],
    )?;
    append(&tx, id, now, "started", Some(host_id), &serde_json::json!({"session_type_id": type_id, "tracking_code": tracking}))?;
    let data = super::webhooks::session_data(&tx, id)?;
    super::webhooks::enqueue(&tx, "session.started", data, now, None)?;
    tx.commit()?;
    Ok(())
}

/// A session that was live when the service stopped, with its last rule state or why that
/// state cannot be read.
#[derive(Debug)]
pub struct SavedLive {
    pub id: String,
    pub state: Result<Session, String>,
}

/// Sessions that were live when the service stopped, oldest first. A state of an unknown
/// version or that does not parse is returned as an error for its session, never skipped.
pub fn live(c: &Connection) -> Result<Vec<SavedLive>, DbError> {
    let mut st = c.prepare("SELECT id, state, state_version FROM sessions WHERE ended_at IS NULL ORDER BY started_at, id")?;
    let rows: Vec<(String, String, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(id, state, version)| {
            let state = if version == STATE_VERSION {
                serde_json::from_str(&state).map_err(|e| format!("state version {version} does not parse: {e}"))
            } else {
                Err(format!("state version {version} is not known to this build (it reads version {STATE_VERSION})"))
            };
            SavedLive { id, state }
        })
        .collect())
}

/// Marks a live session whose saved state cannot be read, so that it is visible in the
/// database (`state_error`, `state_error_at`) rather than silently dropped. Returns whether
/// it was newly marked.
pub fn mark_unreadable(c: &Connection, session: &str, error: &str, now: i64) -> Result<bool, DbError> {
    let first =
        c.execute("UPDATE sessions SET state_error_at = ?3 WHERE id = ?1 AND state_error IS NULL", params![session, error, now])? > 0;
    c.execute("UPDATE sessions SET state_error = ?2 WHERE id = ?1", params![session, error])?;
    Ok(first)
}

/// Why a session's saved state could not be read at the last start, if it could not.
pub fn state_error(c: &Connection, session: &str) -> Result<Option<String>, DbError> {
    Ok(c.query_row("SELECT state_error FROM sessions WHERE id = ?1", [session], |r| r.get(0)).optional()?.flatten())
}

/// One entry of the session record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordEntry {
    pub at_ms: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub detail: serde_json::Value,
}

/// Per-entry bytes besides kind, actor and detail (row id, time, session id, index), as
/// counted against the record's cap.
const ENTRY_OVERHEAD: u64 = 48;

impl RecordEntry {
    /// What this entry adds to the record, as counted against its cap.
    pub fn size(&self) -> u64 {
        let detail = self.detail.to_string().len();
        (detail + self.kind.len() + self.actor.as_ref().map_or(0, String::len)) as u64 + ENTRY_OVERHEAD
    }
}

/// The size of a session's record as counted against its cap (see [`RecordEntry::size`]).
pub fn record_size(c: &Connection, session: &str) -> Result<u64, DbError> {
    let n: i64 = c.query_row(
        "SELECT COALESCE(SUM(length(CAST(detail AS BLOB)) + length(CAST(kind AS BLOB)) + COALESCE(length(CAST(actor AS BLOB)), 0) + ?2), 0) FROM record WHERE session_id = ?1",
        params![session, ENTRY_OVERHEAD as i64],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) fn append(
    c: &Connection,
    session: &str,
    at: i64,
    kind: &str,
    actor: Option<&str>,
    detail: &serde_json::Value,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO record(session_id, at_ms, kind, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![session, at, kind, actor, detail.to_string()],
    )?;
    Ok(())
}

/// Record kinds of invitation mails (to a customer, to a CSR).
pub const EMAILED_KINDS: [&str; 2] = ["invitation_emailed", "csr_invitation_emailed"];

/// Records a sent invitation mail: `kind` is one of [`EMAILED_KINDS`], `detail` names the
/// invitation (or the invited CSR) and the masked address.
pub fn emailed(c: &Connection, session: &str, actor: &str, kind: &str, detail: &serde_json::Value, now: i64) -> Result<(), DbError> {
    append(c, session, now, kind, Some(actor), detail)
}

/// Invitation mails the session has sent.
pub fn emails_sent(c: &Connection, session: &str) -> Result<u32, DbError> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM record WHERE session_id = ?1 AND kind IN (?2, ?3)",
        params![session, EMAILED_KINDS[0], EMAILED_KINDS[1]],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Saves the rule state and its record entries in one transaction, so a crash never keeps
/// one without the other.
pub fn save(c: &mut Connection, session: &str, state: &Session, entries: &[RecordEntry]) -> Result<(), DbError> {
    let tx = c.transaction()?;
    tx.execute(
        "UPDATE sessions SET state = ?2, state_version = ?3, state_error = NULL, state_error_at = NULL WHERE id = ?1",
        params![session, encode_state(state)?, STATE_VERSION],
    )?;
    for e in entries {
        append(&tx, session, e.at_ms, &e.kind, e.actor.as_deref(), &e.detail)?;
        if e.kind == "left" {
            if let Some(id) = e.detail.get("id").and_then(|v| v.as_str()) {
                tx.execute("UPDATE participants SET left_at = ?2, token_hash = NULL WHERE id = ?1", params![id, e.at_ms])?;
            }
        }
        if e.kind == "ended" {
            tx.execute("UPDATE sessions SET ended_at = ?2 WHERE id = ?1", params![session, e.at_ms])?;
            super::surveys::open(&tx, session, e.at_ms)?;
            tx.execute("UPDATE participants SET token_hash = NULL WHERE session_id = ?1", [session])?;
            tx.execute(
                "UPDATE invitations SET revoked_at = ?2 WHERE session_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
                params![session, e.at_ms],
            )?;
            let data = super::webhooks::session_data(&tx, session)?;
            super::webhooks::enqueue(&tx, "session.ended", data, e.at_ms, None)?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub fn save_notes(c: &mut Connection, session: &str, notes: &str, actor: &str, now: i64) -> Result<(), DbError> {
    let tx = c.transaction()?;
    tx.execute("UPDATE sessions SET notes = ?2 WHERE id = ?1", params![session, notes])?;
    append(&tx, session, now, "notes_saved", Some(actor), &serde_json::json!({"length": notes.chars().count()}))?;
    tx.commit()?;
    Ok(())
}

/// Whether the customer granted `recording` at some point of this session (S16, S21).
pub fn recording_granted(c: &Connection, session: &str) -> Result<bool, DbError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM record WHERE session_id = ?1 AND kind = 'consent_granted' AND json_extract(detail, '$.capability') = 'recording')",
        [session],
        |r| r.get(0),
    )?)
}

/// Notes a stored recording in the session record.
pub fn recording_saved(c: &Connection, session: &str, actor: &str, id: &str, bytes: u64, now: i64) -> Result<(), DbError> {
    append(c, session, now, "recording_saved", Some(actor), &serde_json::json!({"recording": id, "bytes": bytes}))
}

/// Notes the chat kept beside a stored recording (`format`: "vtt" or "txt").
pub fn recording_chat_saved(c: &Connection, session: &str, actor: &str, id: &str, format: &str, now: i64) -> Result<(), DbError> {
    append(c, session, now, "recording_chat_saved", Some(actor), &serde_json::json!({"recording": id, "format": format}))
}

/// A participant being seated: CSRs by account, customers by token.
pub struct NewParticipant<'a> {
    pub session: &'a str,
    pub id: &'a str,
    pub role: Role,
    pub account_id: Option<i64>,
    pub name: &'a str,
    pub token: Option<&'a str>,
}

/// Stores a participant who joined at `now` (ms).
pub fn add_participant(c: &Connection, p: NewParticipant<'_>, now: i64) -> Result<(), DbError> {
    let NewParticipant { session, id, role, account_id, name, token } = p;
    c.execute(
        "INSERT INTO participants(id, session_id, role, account_id, name, token_hash, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, session, role_name(role), account_id, name, token.map(secrets::hash_secret), now],
    )?;
    Ok(())
}

/// Removes a participant whose join the rules refused (keeps the record consistent).
pub fn remove_participant(c: &Connection, id: &str) -> Result<(), DbError> {
    c.execute("DELETE FROM participants WHERE id = ?1", [id])?;
    Ok(())
}

fn participant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ParticipantRow> {
    Ok(ParticipantRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        role: r.get(2)?,
        account_id: r.get(3)?,
        name: r.get(4)?,
        joined_at: r.get(5)?,
        left_at: r.get(6)?,
    })
}

const P_COLS: &str = "id, session_id, role, account_id, name, joined_at, left_at";

/// The customer a participant token belongs to, if still in a live session.
pub fn participant_by_token(c: &Connection, token: &str) -> Result<Option<ParticipantRow>, DbError> {
    Ok(c.query_row(
        &format!("SELECT {P_COLS} FROM participants WHERE token_hash = ?1 AND left_at IS NULL"),
        [secrets::hash_secret(token)],
        participant_row,
    )
    .optional()?)
}

/// The seat of a CSR account in a session, if it has one and has not left.
pub fn csr_participant(c: &Connection, session: &str, account_id: i64) -> Result<Option<ParticipantRow>, DbError> {
    Ok(c.query_row(
        &format!("SELECT {P_COLS} FROM participants WHERE session_id = ?1 AND account_id = ?2 AND left_at IS NULL"),
        params![session, account_id],
        participant_row,
    )
    .optional()?)
}

pub fn participants(c: &Connection, session: &str) -> Result<Vec<ParticipantRow>, DbError> {
    let mut st = c.prepare(&format!("SELECT {P_COLS} FROM participants WHERE session_id = ?1 ORDER BY joined_at, id"))?;
    let rows = st.query_map([session], participant_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A new invitation: the code and link are returned once and stored only as hashes.
pub struct NewInvitation {
    pub id: String,
    pub code: String,
    pub link_token: String,
    pub expires_at: i64,
}

/// A customer invitation created at `now` (ms), valid for `ttl_ms`.
pub fn create_invitation(c: &Connection, session: &str, created_by: i64, now: i64, ttl_ms: i64) -> Result<NewInvitation, DbError> {
    let inv = insert_invitation(c, session, created_by, now, ttl_ms, None)?;
    append(c, session, now, "invited", None, &serde_json::json!({"invitation": inv.id, "expires_at": inv.expires_at}))?;
    Ok(inv)
}

fn insert_invitation(
    c: &Connection,
    session: &str,
    created_by: i64,
    now: i64,
    ttl_ms: i64,
    moves_seat: Option<&str>,
) -> Result<NewInvitation, DbError> {
    // A code is unique among invitations that can still be redeemed; it follows from the link
    // (`secrets::code_of_link`), so a taken code means drawing another link.
    let (link_token, code) = loop {
        let link_token = secrets::token();
        let code = secrets::code_of_link(&link_token);
        let taken: bool = c.query_row(
            "SELECT EXISTS(SELECT 1 FROM invitations WHERE code_hash = ?1 AND expires_at > ?2 AND used_at IS NULL AND revoked_at IS NULL)",
            params![secrets::hash_secret(&code), now],
            |r| r.get(0),
        )?;
        if !taken {
            break (link_token, code);
        }
    };
    let inv = NewInvitation { id: secrets::id("inv"), code, link_token, expires_at: now + ttl_ms };
    c.execute(
        "INSERT INTO invitations(id, session_id, code_hash, link_hash, created_by, created_at, expires_at, moves_seat) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![inv.id, session, secrets::hash_secret(&inv.code), secrets::hash_secret(&inv.link_token), created_by, now, inv.expires_at, moves_seat],
    )?;
    Ok(inv)
}

/// The invitation that takes the seat of the customer holding `token` (in the browser) to the
/// support agent, valid for `ttl_ms`. It is counted as created by the CSR who started the
/// session. An earlier one for the same seat not used yet is withdrawn: one at a time.
pub fn create_seat_move(
    c: &mut Connection,
    token: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<Result<(String, NewInvitation), ErrorCode>, DbError> {
    let tx = c.transaction()?;
    let Some(p) = participant_by_token(&tx, token)? else { return Ok(Err(ErrorCode::TokenInvalid)) };
    if p.role != "customer" {
        return Ok(Err(ErrorCode::NotACustomer));
    }
    let started: Option<(i64, Option<i64>)> = tx
        .query_row("SELECT started_by, ended_at FROM sessions WHERE id = ?1", [&p.session_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((started_by, None)) = started else { return Ok(Err(ErrorCode::SessionEnded)) };
    tx.execute(
        "UPDATE invitations SET revoked_at = ?2 WHERE moves_seat = ?1 AND used_at IS NULL AND revoked_at IS NULL",
        params![p.id, now],
    )?;
    let inv = insert_invitation(&tx, &p.session_id, started_by, now, ttl_ms, Some(&p.id))?;
    tx.commit()?;
    Ok(Ok((p.session_id, inv)))
}

pub fn revoke_invitation(c: &Connection, session: &str, id: &str, now: i64) -> Result<bool, DbError> {
    let n = c.execute(
        "UPDATE invitations SET revoked_at = ?3 WHERE id = ?1 AND session_id = ?2 AND revoked_at IS NULL AND used_at IS NULL",
        params![id, session, now],
    )?;
    if n > 0 {
        append(c, session, now, "invitation_revoked", None, &serde_json::json!({"invitation": id}))?;
    }
    Ok(n > 0)
}

/// How a customer presents an invitation.
pub enum Presented<'a> {
    Code(&'a str),
    Link(&'a str),
}

/// An invitation that can be used now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usable {
    pub id: String,
    pub session: String,
    /// ms since the Unix epoch.
    pub expires_at: i64,
}

/// Whether a presented invitation can be used at `now` (ms): which one, or the reason.
pub fn check_invitation(c: &Connection, presented: &Presented<'_>, now: i64) -> Result<Result<Usable, ErrorCode>, DbError> {
    let (col, secret) = match presented {
        Presented::Code(code) => ("code_hash", *code),
        Presented::Link(link) => ("link_hash", *link),
    };
    // Among invitations with this code, look at the one that is still usable, if any.
    type Row = (String, String, i64, Option<i64>, Option<i64>);
    let row: Option<Row> = c
        .query_row(
            &format!("SELECT id, session_id, expires_at, revoked_at, used_at FROM invitations WHERE {col} = ?1 ORDER BY (used_at IS NULL AND revoked_at IS NULL) DESC, expires_at DESC LIMIT 1"),
            [secrets::hash_secret(secret)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((inv, session, expires_at, revoked, used)) = row else { return Ok(Err(ErrorCode::InvitationInvalid)) };
    let ended: bool = c.query_row("SELECT ended_at IS NOT NULL FROM sessions WHERE id = ?1", [&session], |r| r.get(0))?;
    Ok(if ended {
        Err(ErrorCode::SessionEnded)
    } else if used.is_some() {
        Err(ErrorCode::InvitationUsed)
    } else if revoked.is_some() {
        Err(ErrorCode::InvitationRevoked)
    } else if expires_at <= now {
        Err(ErrorCode::InvitationExpired)
    } else {
        Ok(Usable { id: inv, session, expires_at })
    })
}

/// What redeeming an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// A new customer joined session `.0`.
    Joined(String),
    /// An existing customer's seat moved (to the support agent): `participant` holds the new
    /// token now; the old one no longer works.
    Moved { session: String, participant: String },
}

/// Redeems an invitation atomically: it admits one customer, or moves the seat it was made
/// for ([`create_seat_move`]) to whoever presents it. `name_refused`: the name claims a role
/// (a moved seat keeps its name, so only new customers are refused for it).
pub fn redeem(
    c: &mut Connection,
    presented: Presented<'_>,
    participant: &str,
    name: &str,
    name_refused: bool,
    token: &str,
    now: i64,
) -> Result<Result<Redeemed, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    let Usable { id: inv, session, .. } = match check_invitation(&tx, &presented, now)? {
        Ok(found) => found,
        Err(code) => return Ok(Err(code)),
    };
    let moves: Option<String> = tx.query_row("SELECT moves_seat FROM invitations WHERE id = ?1", [&inv], |r| r.get(0))?;
    if let Some(seat) = moves {
        let n = tx.execute(
            "UPDATE participants SET token_hash = ?2 WHERE id = ?1 AND left_at IS NULL AND token_hash IS NOT NULL",
            params![seat, secrets::hash_secret(token)],
        )?;
        if n == 0 {
            return Ok(Err(ErrorCode::TokenInvalid));
        }
        tx.execute("UPDATE invitations SET used_at = ?2, used_by = ?3 WHERE id = ?1", params![inv, now, seat])?;
        append(&tx, &session, now, "seat_moved", Some(&seat), &serde_json::json!({"invitation": inv}))?;
        tx.commit()?;
        return Ok(Ok(Redeemed::Moved { session, participant: seat }));
    }
    if name_refused {
        return Ok(Err(ErrorCode::NameNotAllowed));
    }
    // A customer may not take the name of a CSR of the session (nor a role: checked before).
    let csrs: Vec<String> = participants(&tx, &session)?.into_iter().filter(|p| p.role == "csr").map(|p| p.name).collect();
    if let Some(why) = protocol::names::claims_role(name, csrs.iter().map(String::as_str)) {
        tracing::info!(session, why, "a customer's name was refused");
        return Ok(Err(ErrorCode::NameNotAllowed));
    }
    tx.execute("UPDATE invitations SET used_at = ?2, used_by = ?3 WHERE id = ?1", params![inv, now, participant])?;
    let seat = NewParticipant { session: &session, id: participant, role: Role::Customer, account_id: None, name, token: Some(token) };
    add_participant(&tx, seat, now)?;
    tx.commit()?;
    Ok(Ok(Redeemed::Joined(session)))
}

/// A session as listed and read through the API.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub session_type: String,
    pub tracking_code: Option<String>,
    pub started_by: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub notes: String,
    /// The customers' satisfaction rating (1–5; the mean, to one decimal, when several
    /// answered), `None` until one answers the survey.
    pub rating: Option<f64>,
    /// What they wrote with it (several joined by " / ").
    pub feedback: String,
    /// The team of its session type, if any.
    pub team: Option<String>,
}

const S_SELECT: &str = concat!(
    "SELECT s.id, t.name, s.tracking_code, a.username, s.started_at, s.ended_at, s.notes, \
     (SELECT round(avg(v.rating), 1) FROM surveys v WHERE v.session_id = s.id AND v.rating IS NOT NULL), \
     (SELECT ifnull(group_concat(v.comment, ' / '), '') FROM surveys v WHERE v.session_id = s.id AND v.comment <> ''), \
     (SELECT tm.name FROM teams tm WHERE tm.id = ",
    crate::session_team_sql!(),
    ") FROM sessions s JOIN session_types t ON t.id = s.session_type_id JOIN accounts a ON a.id = s.started_by"
);

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionSummary> {
    Ok(SessionSummary {
        id: r.get(0)?,
        session_type: r.get(1)?,
        tracking_code: r.get(2)?,
        started_by: r.get(3)?,
        started_at: r.get(4)?,
        ended_at: r.get(5)?,
        notes: r.get(6)?,
        rating: r.get(7)?,
        feedback: r.get(8)?,
        team: r.get(9)?,
    })
}

pub fn summary(c: &Connection, id: &str) -> Result<Option<SessionSummary>, DbError> {
    Ok(c.query_row(&format!("{S_SELECT} WHERE s.id = ?1"), [id], summary_row).optional()?)
}

/// Notes in a list are cut to this many characters; the session's own page has them whole.
pub const LIST_NOTES_CHARS: usize = 500;

/// Sessions an account took part in (all sessions for `None`, the site admin's view), newest
/// first, `limit` of them started before `before` (started_at ms, id) when given.
/// What a history list may be narrowed to (issue 16, reports). Each `None` narrows nothing.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Sessions an account had a seat in, or of a team it leads (the caller's own unless a
    /// site admin).
    pub account: Option<i64>,
    /// Sessions of this team's session types.
    pub team: Option<i64>,
    /// Sessions a CSR of this user name took part in.
    pub csr: Option<String>,
    /// Started at or after / before these times (ms).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub session_type: Option<i64>,
    /// Tracking codes containing this, whatever the case.
    pub tracking: Option<String>,
    /// Rated (the customers' mean) at least / at most this; unrated sessions are left out
    /// when either is given.
    pub min_rating: Option<f64>,
    pub max_rating: Option<f64>,
}

pub fn list(c: &Connection, filter: &ListFilter, before: Option<(i64, &str)>, limit: i64) -> Result<Vec<SessionSummary>, DbError> {
    Ok(list_full(c, filter, before, limit)?
        .into_iter()
        .map(|mut s| {
            if s.notes.chars().count() > LIST_NOTES_CHARS {
                s.notes = s.notes.chars().take(LIST_NOTES_CHARS).chain(std::iter::once('…')).collect();
            }
            s
        })
        .collect())
}

/// As [`list`], with the notes whole (the CSV export).
pub fn list_full(c: &Connection, filter: &ListFilter, before: Option<(i64, &str)>, limit: i64) -> Result<Vec<SessionSummary>, DbError> {
    let team = super::team_view::SESSION_TEAM;
    let mut st = c.prepare(&format!(
        "{S_SELECT} WHERE (?1 IS NULL OR EXISTS(SELECT 1 FROM participants p WHERE p.session_id = s.id AND p.account_id = ?1) \
            OR EXISTS(SELECT 1 FROM team_members m WHERE m.team_id = {team} AND m.account_id = ?1 AND m.role = 'lead')) \
         AND (?12 IS NULL OR {team} = ?12) \
         AND (?3 IS NULL OR (s.started_at, s.id) < (?3, ?4)) \
         AND (?5 IS NULL OR EXISTS(SELECT 1 FROM participants p2 JOIN accounts a2 ON a2.id = p2.account_id WHERE p2.session_id = s.id AND a2.username = ?5)) \
         AND (?6 IS NULL OR s.started_at >= ?6) AND (?7 IS NULL OR s.started_at < ?7) AND (?8 IS NULL OR s.session_type_id = ?8) \
         AND (?9 IS NULL OR instr(lower(ifnull(s.tracking_code, '')), lower(?9)) > 0) \
         AND (?10 IS NULL OR (SELECT avg(v.rating) FROM surveys v WHERE v.session_id = s.id) >= ?10) \
         AND (?11 IS NULL OR (SELECT avg(v.rating) FROM surveys v WHERE v.session_id = s.id) <= ?11) \
         ORDER BY s.started_at DESC, s.id DESC LIMIT ?2"
    ))?;
    let (before_ms, before_id) = before.map_or((None, None), |(ms, id)| (Some(ms), Some(id)));
    let f = filter;
    let rows: Vec<SessionSummary> = st
        .query_map(
            params![
                f.account,
                limit,
                before_ms,
                before_id,
                f.csr,
                f.from,
                f.to,
                f.session_type,
                f.tracking,
                f.min_rating,
                f.max_rating,
                f.team
            ],
            summary_row,
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whether an account ever had a seat in the session (may read its record).
pub fn took_part(c: &Connection, session: &str, account_id: i64) -> Result<bool, DbError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM participants WHERE session_id = ?1 AND account_id = ?2)",
        params![session, account_id],
        |r| r.get(0),
    )?)
}

/// The detail of a `chat` record entry.
#[derive(serde::Deserialize)]
struct ChatDetail {
    #[serde(default)]
    to: Vec<ParticipantId>,
    text: String,
}

/// The chat a (re)connecting participant is sent: the last lines of the session's record that
/// `reader` may read (S7), oldest first, at most `max_lines` and `max_bytes` of text; `more`
/// when older readable lines were left out. A damaged entry is left out and reported.
pub fn chat_lines(
    c: &Connection,
    session: &str,
    reader: &str,
    max_lines: usize,
    max_bytes: usize,
) -> Result<(Vec<ChatLine>, bool), DbError> {
    let mut st = c.prepare("SELECT at_ms, actor, detail, id FROM record WHERE session_id = ?1 AND kind = 'chat' ORDER BY id DESC")?;
    let mut rows = st.query([session])?;
    let reader = ParticipantId(reader.to_owned());
    let (mut lines, mut bytes, mut more) = (Vec::new(), 0usize, false);
    while let Some(r) = rows.next()? {
        let (at_ms, actor, raw, entry): (i64, Option<String>, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (Some(from), Ok(d)) = (actor, serde_json::from_str::<ChatDetail>(&raw)) else {
            tracing::error!(session, entry, "a chat entry of the record does not parse");
            continue;
        };
        let line = ChatLine { from: ParticipantId(from), to: d.to, text: d.text, at_ms: u64::try_from(at_ms).unwrap_or(0) };
        if !line.readable_by(&reader) {
            continue;
        }
        if lines.len() >= max_lines || bytes + line.text.len() > max_bytes {
            more = true;
            break;
        }
        bytes += line.text.len();
        lines.push(line);
    }
    lines.reverse();
    Ok((lines, more))
}

/// One stored entry of the record with its position, for paging; `detail` as stored (JSON),
/// written out without being parsed and encoded again.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub id: i64,
    pub at_ms: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub detail: String,
}

impl StoredEntry {
    /// The entry as a JSON object: `{"id","at_ms","kind","actor","detail"}`.
    pub fn write_json(&self, out: &mut String) -> Result<(), DbError> {
        let enc = |v: &dyn erased::Json| v.json().map_err(|e| DbError::Encode("a record entry", e));
        out.push_str(&format!(
            "{{\"id\":{},\"at_ms\":{},\"kind\":{},\"actor\":{},\"detail\":",
            self.id,
            self.at_ms,
            enc(&self.kind)?,
            enc(&self.actor)?
        ));
        out.push_str(&self.detail);
        out.push('}');
        Ok(())
    }
}

mod erased {
    /// Anything serializable, as JSON text (to encode fields of different types alike).
    pub trait Json {
        fn json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}

/// One page of a session's record.
#[derive(Debug, Clone)]
pub struct RecordPage {
    pub entries: Vec<StoredEntry>,
    /// Bytes of the entries' details.
    pub bytes: usize,
    /// The `after` for the next page, when there is more.
    pub next: Option<i64>,
}

/// Entries of the record after entry `after`, oldest first: at most `limit`, and no more than
/// `max_bytes` of details (at least one entry, whatever its size); only kinds starting with
/// `kind` when given. A damaged detail is given as `{"unreadable": <as stored>}`, and reported.
pub fn record_page(
    c: &Connection,
    session: &str,
    after: i64,
    limit: usize,
    max_bytes: usize,
    kind: Option<&str>,
) -> Result<RecordPage, DbError> {
    let mut st = c.prepare(
        "SELECT at_ms, kind, actor, detail, id FROM record WHERE session_id = ?1 AND id > ?2 AND (?3 IS NULL OR substr(kind, 1, length(?3)) = ?3) ORDER BY id LIMIT ?4",
    )?;
    let mut rows = st.query(params![session, after, kind, i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)])?;
    let (mut entries, mut bytes, mut next) = (Vec::new(), 0usize, None);
    while let Some(r) = rows.next()? {
        let (raw, id): (String, i64) = (r.get(3)?, r.get(4)?);
        if entries.len() >= limit || (!entries.is_empty() && bytes + raw.len() > max_bytes) {
            next = entries.last().map(|e: &StoredEntry| e.id);
            break;
        }
        bytes += raw.len();
        // Checked without building it: only a damaged entry costs more.
        let detail = match serde_json::from_str::<serde::de::IgnoredAny>(&raw) {
            Ok(_) => raw,
            Err(e) => {
                tracing::error!(session, entry = id, error = %e, "a record entry does not parse");
                serde_json::json!({ "unreadable": raw }).to_string()
            }
        };
        entries.push(StoredEntry { id, at_ms: r.get(0)?, kind: r.get(1)?, actor: r.get(2)?, detail });
    }
    Ok(RecordPage { entries, bytes, next })
}
