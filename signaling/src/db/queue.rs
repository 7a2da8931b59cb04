//! The support queue in the database (issue 16, rule S3): customers waiting for a team, what
//! they wrote while waiting, which CSR took each and into which session, and each CSR's
//! available/away switch. A customer holds a ticket (stored as a hash, like every secret here);
//! places whose page stopped asking for news are given up by [`expire`], which every queue
//! operation runs first.

use super::{sessions, DbError};
use crate::queue_rules::{self as rules, Request};
use crate::secrets;
use protocol::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub at_ms: i64,
    pub text: String,
}

/// A waiting customer as CSRs see them.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub id: String,
    pub team_id: i64,
    pub team: String,
    pub name: String,
    pub description: String,
    pub email: Option<String>,
    pub joined_at: i64,
    pub messages: Vec<Message>,
}

/// What the waiting page is told.
#[derive(Debug, Clone)]
pub enum Polled {
    /// Still waiting: `place` (1 = next) of `waiting` in the team's queue.
    Waiting { team_id: i64, place: i64, waiting: i64, recent_waits: Vec<i64>, messages: Vec<Message> },
    /// A CSR took them; the session is being started.
    Taking,
    /// Seated: the invitation (link token) that admits them, made for this answer.
    Ready { link_token: String, name: String },
}

/// A customer a CSR has just taken, before their session exists.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub team_id: i64,
    pub team: String,
    pub name: String,
    pub joined_at: i64,
    pub session_type_id: Option<i64>,
}

/// Gives up the places whose page stopped asking (closed) or that waited too long.
pub fn expire(c: &Connection, now: i64) -> Result<usize, DbError> {
    let mut st = c.prepare_cached(
        "UPDATE queue_entries SET state = 'expired', ended_at = ?1 WHERE state = 'waiting' AND (last_seen_at < ?2 OR joined_at < ?3) \
         RETURNING id",
    )?;
    let gone: Vec<String> =
        st.query_map(params![now, now - rules::GRACE_MS, now - rules::MAX_WAIT_MS], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for id in &gone {
        queue_event(c, "queue.left", id, now, json!({"reason": "expired"}))?;
    }
    Ok(gone.len())
}

/// Queues webhook `event` about queue entry `entry` (issue 16): the team, the customer's name
/// and the wait so far, with `extra`. In the caller's transaction, so it is sent exactly when
/// the change is kept.
fn queue_event(c: &Connection, event: &str, entry: &str, now: i64, extra: serde_json::Value) -> Result<(), DbError> {
    let (team, name, description, joined_at): (String, String, String, i64) = c.query_row(
        "SELECT t.name, q.name, q.description, q.joined_at FROM queue_entries q JOIN teams t ON t.id = q.team_id WHERE q.id = ?1",
        [entry],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let mut data = json!({"entry": entry, "team": team, "name": name, "description": description, "joined_at": joined_at, "waited_ms": now - joined_at});
    if let (Some(d), serde_json::Value::Object(more)) = (data.as_object_mut(), extra) {
        d.extend(more);
    }
    super::webhooks::enqueue(c, event, data, now, None)?;
    Ok(())
}

/// Puts a customer in `team`'s queue with `ticket`; the place's id, or `queue_full`.
pub fn join(
    c: &mut Connection,
    team: i64,
    req: &Request,
    addr: &str,
    ticket: &str,
    now: i64,
) -> Result<Result<String, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    expire(&tx, now)?;
    let count = |sql: &str, p: &dyn rusqlite::ToSql| -> Result<i64, DbError> { Ok(tx.query_row(sql, [p], |r| r.get(0))?) };
    if count("SELECT count(*) FROM queue_entries WHERE state = 'waiting' AND team_id = ?1", &team)? >= rules::MAX_WAITING_PER_TEAM
        || count("SELECT count(*) FROM queue_entries WHERE state = 'waiting' AND client_addr = ?1", &addr)?
            >= rules::MAX_WAITING_PER_ADDRESS
    {
        return Ok(Err(ErrorCode::QueueFull));
    }
    let id = secrets::id("que");
    tx.execute(
        "INSERT INTO queue_entries(id, team_id, ticket_hash, name, description, email, client_addr, joined_at, last_seen_at, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 'waiting')",
        params![id, team, secrets::hash_secret(ticket), req.name, req.description, req.email, addr, now],
    )?;
    queue_event(&tx, "queue.joined", &id, now, json!({}))?;
    tx.commit()?;
    Ok(Ok(id))
}

fn messages(c: &Connection, entry: &str) -> Result<Vec<Message>, DbError> {
    let mut st = c.prepare_cached("SELECT at_ms, text FROM queue_messages WHERE entry_id = ?1 ORDER BY id")?;
    let rows = st.query_map([entry], |r| Ok(Message { at_ms: r.get(0)?, text: r.get(1)? }))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Waits of the team's customers taken recently, ms, newest first.
fn recent_waits(c: &Connection, team: i64, now: i64) -> Result<Vec<i64>, DbError> {
    let mut st = c.prepare_cached(
        "SELECT ended_at - joined_at FROM queue_entries WHERE state = 'taken' AND team_id = ?1 AND ended_at > ?2 \
         ORDER BY ended_at DESC LIMIT ?3",
    )?;
    let rows = st.query_map(params![team, now - rules::RECENT_WINDOW_MS, rules::RECENT_WAITS], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

struct Entry {
    id: String,
    team_id: i64,
    name: String,
    state: String,
    taken_by: Option<i64>,
    session_id: Option<String>,
    invitation_id: Option<String>,
}

fn by_ticket(c: &Connection, ticket: &str) -> Result<Option<Entry>, DbError> {
    Ok(c.query_row(
        "SELECT id, team_id, name, state, taken_by, session_id, invitation_id FROM queue_entries WHERE ticket_hash = ?1",
        [secrets::hash_secret(ticket)],
        |r| {
            Ok(Entry {
                id: r.get(0)?,
                team_id: r.get(1)?,
                name: r.get(2)?,
                state: r.get(3)?,
                taken_by: r.get(4)?,
                session_id: r.get(5)?,
                invitation_id: r.get(6)?,
            })
        },
    )
    .optional()?)
}

/// The waiting page asks for news with its ticket: keeps the place (it is not closed), and
/// answers where it stands. Once taken into a live session, each answer carries a fresh
/// invitation for this customer (an earlier one unused is withdrawn: its answer was lost);
/// once one is used, the ticket is done (`not_in_queue`).
pub fn poll(c: &mut Connection, ticket: &str, now: i64, ttl_ms: i64) -> Result<Result<Polled, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    expire(&tx, now)?;
    let Some(e) = by_ticket(&tx, ticket)? else { return Ok(Err(ErrorCode::NotInQueue)) };
    let polled = match (e.state.as_str(), &e.session_id, e.taken_by) {
        ("waiting", _, _) => {
            // Written at most every 10 s: the grace is minutes.
            tx.execute("UPDATE queue_entries SET last_seen_at = ?2 WHERE id = ?1 AND last_seen_at < ?2 - 10000", params![e.id, now])?;
            // In the order they asked (rowid: the order of insertion, whatever the clock did).
            let (place, waiting): (i64, i64) = tx.query_row(
                "SELECT count(*) FILTER (WHERE rowid <= (SELECT rowid FROM queue_entries WHERE id = ?2)), count(*) FROM queue_entries \
                 WHERE state = 'waiting' AND team_id = ?1",
                params![e.team_id, e.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let (recent_waits, messages) = (recent_waits(&tx, e.team_id, now)?, messages(&tx, &e.id)?);
            Polled::Waiting { team_id: e.team_id, place, waiting, recent_waits, messages }
        }
        ("taken", None, _) => Polled::Taking,
        ("taken", Some(session), Some(csr)) => {
            let live = sessions::summary(&tx, session)?.is_some_and(|s| s.ended_at.is_none());
            if let Some(inv) = &e.invitation_id {
                let used: bool = tx
                    .query_row("SELECT used_at IS NOT NULL FROM invitations WHERE id = ?1", [inv], |r| r.get(0))
                    .optional()?
                    .unwrap_or(true);
                if used {
                    return Ok(Err(ErrorCode::NotInQueue));
                }
                sessions::revoke_invitation(&tx, session, inv, now)?;
            }
            if !live {
                return Ok(Err(ErrorCode::SessionEnded));
            }
            let inv = sessions::create_invitation(&tx, session, csr, now, ttl_ms)?;
            tx.execute("UPDATE queue_entries SET invitation_id = ?2 WHERE id = ?1", params![e.id, inv.id])?;
            Polled::Ready { link_token: inv.link_token, name: e.name }
        }
        _ => return Ok(Err(ErrorCode::NotInQueue)),
    };
    tx.commit()?;
    Ok(Ok(polled))
}

/// The customer leaves the queue; false when they were not waiting.
pub fn leave(c: &mut Connection, ticket: &str, now: i64) -> Result<bool, DbError> {
    let tx = c.transaction()?;
    let left: Option<String> = tx
        .query_row(
            "UPDATE queue_entries SET state = 'left', ended_at = ?2 WHERE ticket_hash = ?1 AND state = 'waiting' RETURNING id",
            params![secrets::hash_secret(ticket), now],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = &left {
        queue_event(&tx, "queue.left", id, now, json!({"reason": "left"}))?;
    }
    tx.commit()?;
    Ok(left.is_some())
}

/// A message from a waiting customer to the team; the place's id, for the rate limit.
pub fn write(c: &mut Connection, ticket: &str, text: &str, now: i64) -> Result<Result<String, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    expire(&tx, now)?;
    let Some(e) = by_ticket(&tx, ticket)?.filter(|e| e.state == "waiting") else { return Ok(Err(ErrorCode::NotInQueue)) };
    let n: i64 = tx.query_row("SELECT count(*) FROM queue_messages WHERE entry_id = ?1", [&e.id], |r| r.get(0))?;
    if n >= rules::MAX_MESSAGES {
        return Ok(Err(ErrorCode::QueueMessagesUsedUp));
    }
    tx.execute("INSERT INTO queue_messages(entry_id, at_ms, text) VALUES (?1, ?2, ?3)", params![e.id, now, text])?;
    // Writing shows the page is open, like asking for news.
    tx.execute("UPDATE queue_entries SET last_seen_at = ?2 WHERE id = ?1", params![e.id, now])?;
    tx.commit()?;
    Ok(Ok(e.id))
}

/// The id of the place `ticket` holds while waiting (for rate limits before any write).
pub fn waiting_id(c: &Connection, ticket: &str) -> Result<Option<String>, DbError> {
    Ok(by_ticket(c, ticket)?.filter(|e| e.state == "waiting").map(|e| e.id))
}

/// The customers waiting in `account`'s teams, longest waiting first.
pub fn waiting_for(c: &mut Connection, account: i64, now: i64) -> Result<Vec<Waiting>, DbError> {
    let tx = c.transaction()?;
    expire(&tx, now)?;
    tx.commit()?;
    let mut st = c.prepare(
        "SELECT q.id, q.team_id, t.name, q.name, q.description, q.email, q.joined_at FROM queue_entries q \
         JOIN teams t ON t.id = q.team_id JOIN team_members m ON m.team_id = q.team_id AND m.account_id = ?1 \
         WHERE q.state = 'waiting' ORDER BY q.rowid",
    )?;
    let rows: Vec<Waiting> = st
        .query_map([account], |r| {
            Ok(Waiting {
                id: r.get(0)?,
                team_id: r.get(1)?,
                team: r.get(2)?,
                name: r.get(3)?,
                description: r.get(4)?,
                email: r.get(5)?,
                joined_at: r.get(6)?,
                messages: vec![],
            })
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|w| Ok(Waiting { messages: messages(c, &w.id)?, ..w })).collect()
}

/// Whether `account` takes customers (available unless they said away).
pub fn is_available(c: &Connection, account: i64) -> Result<bool, DbError> {
    Ok(c.query_row("SELECT available FROM csr_availability WHERE account_id = ?1", [account], |r| r.get(0)).optional()?.unwrap_or(true))
}

pub fn set_available(c: &Connection, account: i64, available: bool, now: i64) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO csr_availability(account_id, available, changed_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT(account_id) DO UPDATE SET available = excluded.available, changed_at = excluded.changed_at",
        params![account, available, now],
    )?;
    Ok(())
}

/// The members of `team` who are not set to away.
pub fn available_members(c: &Connection, team: i64) -> Result<Vec<i64>, DbError> {
    let mut st = c.prepare_cached(
        "SELECT m.account_id FROM team_members m JOIN accounts a ON a.id = m.account_id \
         LEFT JOIN csr_availability v ON v.account_id = m.account_id WHERE m.team_id = ?1 AND a.disabled = 0 AND ifnull(v.available, 1)",
    )?;
    let rows = st.query_map([team], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Live sessions `account` has a seat in, and customers they took whose session is starting.
pub fn busy(c: &Connection, account: i64) -> Result<i64, DbError> {
    Ok(c.query_row(
        "SELECT (SELECT count(DISTINCT p.session_id) FROM participants p JOIN sessions s ON s.id = p.session_id \
                 WHERE p.account_id = ?1 AND p.left_at IS NULL AND s.ended_at IS NULL) \
              + (SELECT count(*) FROM queue_entries WHERE taken_by = ?1 AND state = 'taken' AND session_id IS NULL)",
        [account],
        |r| r.get(0),
    )?)
}

/// `account` takes customer `entry` (`None`: the one waiting longest in their teams). Exactly
/// one of several CSRs taking the same customer gets them (the others: `already_taken`); a CSR
/// set to away gets `csr_away`, one in `max_sessions` live sessions `too_many_sessions`.
pub fn claim(
    c: &mut Connection,
    account: i64,
    entry: Option<&str>,
    max_sessions: i64,
    now: i64,
) -> Result<Result<Claimed, ErrorCode>, DbError> {
    let tx = c.transaction()?;
    expire(&tx, now)?;
    if !is_available(&tx, account)? {
        return Ok(Err(ErrorCode::CsrAway));
    }
    if busy(&tx, account)? >= max_sessions {
        return Ok(Err(ErrorCode::TooManySessions));
    }
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT q.id, q.state FROM queue_entries q JOIN team_members m ON m.team_id = q.team_id AND m.account_id = ?1 \
             WHERE (?2 IS NULL AND q.state = 'waiting') OR q.id = ?2 ORDER BY q.rowid LIMIT 1",
            params![account, entry],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let id = match found {
        None => return Ok(Err(ErrorCode::NotFound)),
        Some((_, state)) if state == "taken" => return Ok(Err(ErrorCode::AlreadyTaken)),
        Some((_, state)) if state != "waiting" => return Ok(Err(ErrorCode::NotInQueue)),
        Some((id, _)) => id,
    };
    tx.execute(
        "UPDATE queue_entries SET state = 'taken', taken_by = ?2, ended_at = ?3 WHERE id = ?1 AND state = 'waiting'",
        params![id, account, now],
    )?;
    let claimed = tx.query_row(
        "SELECT q.id, q.team_id, t.name, q.name, q.joined_at FROM queue_entries q JOIN teams t ON t.id = q.team_id WHERE q.id = ?1",
        [&id],
        |r| {
            Ok(Claimed { id: r.get(0)?, team_id: r.get(1)?, team: r.get(2)?, name: r.get(3)?, joined_at: r.get(4)?, session_type_id: None })
        },
    )?;
    let session_type_id = super::teams::queue_session_type(&tx, claimed.team_id)?;
    tx.commit()?;
    Ok(Ok(Claimed { session_type_id, ..claimed }))
}

/// Puts a customer whose session could not be started back in their place.
pub fn unclaim(c: &Connection, entry: &str) -> Result<(), DbError> {
    c.execute(
        "UPDATE queue_entries SET state = 'waiting', taken_by = NULL, ended_at = NULL WHERE id = ?1 AND session_id IS NULL",
        [entry],
    )?;
    Ok(())
}

/// The session of a taken customer exists: their page will be given an invitation to it, and
/// the session's record keeps what they asked and wrote while waiting.
pub fn seat_in(c: &mut Connection, entry: &str, session: &str, now: i64) -> Result<(), DbError> {
    let tx = c.transaction()?;
    tx.execute("UPDATE queue_entries SET session_id = ?2 WHERE id = ?1", params![entry, session])?;
    let (team, name, description, email, joined_at): (String, String, String, Option<String>, i64) = tx.query_row(
        "SELECT t.name, q.name, q.description, q.email, q.joined_at FROM queue_entries q JOIN teams t ON t.id = q.team_id WHERE q.id = ?1",
        [entry],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let detail = json!({
        "entry": entry, "team": team, "name": name, "description": description, "email": email,
        "waited_ms": now - joined_at, "messages": messages(&tx, entry)?,
    });
    sessions::append(&tx, session, now, "queue_taken", None, &detail)?;
    let by: Option<String> = tx
        .query_row("SELECT a.username FROM queue_entries q JOIN accounts a ON a.id = q.taken_by WHERE q.id = ?1", [entry], |r| r.get(0))
        .optional()?;
    queue_event(&tx, "queue.taken", entry, now, json!({"session_id": session, "taken_by": by}))?;
    tx.commit()?;
    Ok(())
}
