//! Webhooks (issue 16): where session events are POSTed, and each delivery with its tries.
//! Events are queued inside the transaction of the change they report ([`enqueue`]), so a
//! crash loses none; the sender (`crate::webhooks`) takes what is due.

use super::DbError;
use crate::secrets;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

/// At most this many webhooks.
pub const MAX_WEBHOOKS: i64 = 20;
/// Deliveries kept per webhook for the log (older delivered or given-up ones are deleted).
pub const KEPT_DELIVERIES: i64 = 200;
/// What a webhook can be told.
pub const EVENTS: [&str; 6] = ["session.started", "session.ended", "session.rated", "queue.joined", "queue.taken", "queue.left"];

#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub event: String,
    pub created_at: i64,
    pub attempts: i64,
    /// When the next try is due; `None` once delivered or given up.
    pub next_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// A delivery to try now.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub body: String,
    pub attempts: i64,
}

fn events_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn list(c: &Connection) -> Result<Vec<Webhook>, DbError> {
    let mut st = c.prepare("SELECT id, url, events, created_at FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id")?;
    let rows = st
        .query_map([], |r| {
            Ok(Webhook { id: r.get(0)?, url: r.get(1)?, events: events_of(&r.get::<_, String>(2)?), created_at: r.get(3)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A new webhook and its signing secret (answered once; kept to sign).
pub fn create(c: &mut Connection, url: &str, events: &[String], now: i64) -> Result<Option<(Webhook, String)>, DbError> {
    let tx = c.transaction()?;
    let n: i64 = tx.query_row("SELECT count(*) FROM webhooks WHERE deleted_at IS NULL", [], |r| r.get(0))?;
    if n >= MAX_WEBHOOKS {
        return Ok(None);
    }
    let hook = Webhook { id: secrets::id("whk"), url: url.to_owned(), events: events.to_vec(), created_at: now };
    let secret = format!("whsec_{}", secrets::token());
    let events_json = serde_json::to_string(events).map_err(|e| DbError::Encode("webhook events", e))?;
    tx.execute(
        "INSERT INTO webhooks(id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hook.id, url, secret, events_json, now],
    )?;
    tx.commit()?;
    Ok(Some((hook, secret)))
}

/// Deletes a webhook: nothing more is sent to it (deliveries waiting are dropped).
pub fn delete(c: &Connection, id: &str, now: i64) -> Result<bool, DbError> {
    let n = c.execute("UPDATE webhooks SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", params![id, now])?;
    c.execute("UPDATE webhook_deliveries SET next_at = NULL WHERE webhook_id = ?1 AND delivered_at IS NULL", [id])?;
    Ok(n > 0)
}

/// The newest deliveries of a webhook, newest first.
pub fn deliveries(c: &Connection, webhook: &str, limit: i64) -> Result<Vec<Delivery>, DbError> {
    let mut st = c.prepare(
        "SELECT id, event_id, event, created_at, attempts, next_at, last_status, last_error, delivered_at FROM webhook_deliveries \
         WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = st
        .query_map(params![webhook, limit], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                event_id: r.get(1)?,
                event: r.get(2)?,
                created_at: r.get(3)?,
                attempts: r.get(4)?,
                next_at: r.get(5)?,
                last_status: r.get(6)?,
                last_error: r.get(7)?,
                delivered_at: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Queues `event` with `data` for every webhook that wants it (`only`: that webhook only, for
/// the admin's test). Part of the caller's transaction.
pub fn enqueue(c: &Connection, event: &str, data: Value, now: i64, only: Option<&str>) -> Result<usize, DbError> {
    let mut st = c.prepare("SELECT id, events FROM webhooks WHERE deleted_at IS NULL AND (?1 IS NULL OR id = ?1)")?;
    let hooks: Vec<(String, String)> = st.query_map([only], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut queued = 0;
    for (id, events) in hooks {
        if only.is_none() && !events_of(&events).iter().any(|e| e == event) {
            continue;
        }
        let event_id = secrets::id("evt");
        let body = json!({"id": event_id, "type": event, "created_at": now, "data": data}).to_string();
        c.execute(
            "INSERT INTO webhook_deliveries(webhook_id, event_id, event, body, created_at, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, event_id, event, body, now],
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// What a session event says about the session: who started it, its type, tracking code,
/// notes and times.
pub fn session_data(c: &Connection, session: &str) -> Result<Value, DbError> {
    Ok(c.query_row(
        "SELECT s.id, t.name, s.tracking_code, a.username, s.started_at, s.ended_at, s.notes FROM sessions s \
             JOIN session_types t ON t.id = s.session_type_id JOIN accounts a ON a.id = s.started_by WHERE s.id = ?1",
        [session],
        |r| {
            Ok(json!({
                "session_id": r.get::<_, String>(0)?,
                "session_type": r.get::<_, String>(1)?,
                "tracking_code": r.get::<_, Option<String>>(2)?,
                "started_by": r.get::<_, String>(3)?,
                "started_at": r.get::<_, i64>(4)?,
                "ended_at": r.get::<_, Option<i64>>(5)?,
                "notes": r.get::<_, String>(6)?,
            }))
        },
    )
    .optional()?
    .unwrap_or(Value::Null))
}

/// Deliveries due at `now`, oldest first.
pub fn due(c: &Connection, now: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let mut st = c.prepare(
        "SELECT d.id, w.url, w.secret, d.event_id, d.body, d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.next_at IS NOT NULL AND d.next_at <= ?1 AND w.deleted_at IS NULL ORDER BY d.next_at, d.id LIMIT ?2",
    )?;
    let rows = st
        .query_map(params![now, limit], |r| {
            Ok(Due { id: r.get(0)?, url: r.get(1)?, secret: r.get(2)?, event_id: r.get(3)?, body: r.get(4)?, attempts: r.get(5)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// When the next delivery is due, if any.
pub fn next_due(c: &Connection) -> Result<Option<i64>, DbError> {
    Ok(c.query_row(
        "SELECT min(d.next_at) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.next_at IS NOT NULL AND w.deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// The outcome of one try: `next_at` `None` means done (delivered, or given up).
pub fn tried(
    c: &Connection,
    id: i64,
    status: Option<u16>,
    error: Option<&str>,
    delivered: bool,
    next_at: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    c.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?2, last_error = ?3, delivered_at = ?4, next_at = ?5 WHERE id = ?1",
        params![id, status, error, delivered.then_some(now), next_at],
    )?;
    // The log keeps the newest deliveries of each webhook; finished older ones go.
    c.execute(
        "DELETE FROM webhook_deliveries WHERE next_at IS NULL AND webhook_id = (SELECT webhook_id FROM webhook_deliveries WHERE id = ?1) \
         AND id <= (SELECT id FROM webhook_deliveries WHERE webhook_id = (SELECT webhook_id FROM webhook_deliveries WHERE id = ?1) ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        params![id, KEPT_DELIVERIES],
    )?;
    Ok(())
}
