//! CSR accounts, logins, session types, site features and one-click presets.

use super::DbError;
use crate::secrets;
use protocol::SiteFeatures;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub must_change_password: bool,
    pub disabled: bool,
}

const ACCOUNT_COLS: &str = "id, username, display_name, is_admin, must_change_password, disabled";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        is_admin: r.get(3)?,
        must_change_password: r.get(4)?,
        disabled: r.get(5)?,
    })
}

pub fn count(c: &Connection) -> Result<i64, DbError> {
    Ok(c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?)
}

/// Creates an account; `None` when the user name is taken.
pub fn create(
    c: &Connection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    is_admin: bool,
    must_change: bool,
    now_ms: i64,
) -> Result<Option<Account>, DbError> {
    let n = c.execute(
        "INSERT INTO accounts(username, display_name, password_hash, is_admin, must_change_password, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(username) DO NOTHING",
        params![username, display_name, password_hash, is_admin, must_change, now_ms],
    )?;
    if n == 0 {
        return Ok(None);
    }
    by_id(c, c.last_insert_rowid())
}

pub fn by_id(c: &Connection, id: i64) -> Result<Option<Account>, DbError> {
    Ok(c.query_row(&format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"), [id], account_row).optional()?)
}

pub fn by_username(c: &Connection, username: &str) -> Result<Option<(Account, String)>, DbError> {
    Ok(c.query_row(&format!("SELECT {ACCOUNT_COLS}, password_hash FROM accounts WHERE username = ?1"), [username], |r| {
        Ok((account_row(r)?, r.get(6)?))
    })
    .optional()?)
}

pub fn list(c: &Connection) -> Result<Vec<Account>, DbError> {
    let mut st = c.prepare(&format!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY username"))?;
    let rows = st.query_map([], account_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn set_password(c: &Connection, id: i64, hash: &str, must_change: bool) -> Result<(), DbError> {
    c.execute("UPDATE accounts SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1", params![id, hash, must_change])?;
    // Every open login ends with a password change.
    c.execute("DELETE FROM logins WHERE account_id = ?1", [id])?;
    Ok(())
}

pub fn update_flags(
    c: &Connection,
    id: i64,
    is_admin: Option<bool>,
    disabled: Option<bool>,
    display_name: Option<&str>,
) -> Result<Option<Account>, DbError> {
    if let Some(v) = is_admin {
        c.execute("UPDATE accounts SET is_admin = ?2 WHERE id = ?1", params![id, v])?;
    }
    if let Some(v) = disabled {
        c.execute("UPDATE accounts SET disabled = ?2 WHERE id = ?1", params![id, v])?;
        if v {
            c.execute("DELETE FROM logins WHERE account_id = ?1", [id])?;
        }
    }
    if let Some(v) = display_name {
        c.execute("UPDATE accounts SET display_name = ?2 WHERE id = ?1", params![id, v])?;
    }
    by_id(c, id)
}

/// Starts a login at `now` (ms) lasting `ttl_ms`; returns the cookie token (only its hash is stored).
pub fn create_login(c: &Connection, account_id: i64, now: i64, ttl_ms: i64) -> Result<String, DbError> {
    let token = secrets::token();
    c.execute("DELETE FROM logins WHERE expires_at < ?1", [now])?;
    c.execute(
        "INSERT INTO logins(token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)",
        params![secrets::hash_secret(&token), account_id, now + ttl_ms],
    )?;
    Ok(token)
}

/// The account of a login that has not expired at `now` (ms).
pub fn account_for_login(c: &Connection, token: &str, now: i64) -> Result<Option<Account>, DbError> {
    let cols = ACCOUNT_COLS.split(", ").map(|col| format!("a.{col}")).collect::<Vec<_>>().join(", ");
    Ok(c.query_row(
        &format!("SELECT {cols} FROM logins l JOIN accounts a ON a.id = l.account_id WHERE l.token_hash = ?1 AND l.expires_at > ?2 AND a.disabled = 0"),
        params![secrets::hash_secret(token), now],
        account_row,
    )
    .optional()?)
}

/// The seats (session id, participant id) an account holds in live sessions.
pub fn live_seats(c: &Connection, account_id: i64) -> Result<Vec<(String, String)>, DbError> {
    let mut st = c.prepare(
        "SELECT p.session_id, p.id FROM participants p JOIN sessions s ON s.id = p.session_id WHERE p.account_id = ?1 AND p.left_at IS NULL AND s.ended_at IS NULL",
    )?;
    let rows = st.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn delete_login(c: &Connection, token: &str) -> Result<(), DbError> {
    c.execute("DELETE FROM logins WHERE token_hash = ?1", [secrets::hash_secret(token)])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionType {
    pub id: i64,
    pub name: String,
    pub tracking_required: bool,
    /// The team it belongs to (issue 16), if any.
    #[serde(default)]
    pub team_id: Option<i64>,
}

fn session_type_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionType> {
    Ok(SessionType { id: r.get(0)?, name: r.get(1)?, tracking_required: r.get(2)?, team_id: r.get(3)? })
}

pub fn session_types(c: &Connection) -> Result<Vec<SessionType>, DbError> {
    let mut st = c.prepare("SELECT id, name, tracking_required, team_id FROM session_types ORDER BY name")?;
    let rows = st.query_map([], session_type_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn session_type(c: &Connection, id: i64) -> Result<Option<SessionType>, DbError> {
    Ok(c.query_row("SELECT id, name, tracking_required, team_id FROM session_types WHERE id = ?1", [id], session_type_row).optional()?)
}

/// Creates a session type; `None` when the name is taken.
pub fn create_session_type(c: &Connection, name: &str, tracking_required: bool) -> Result<Option<SessionType>, DbError> {
    let n = c.execute(
        "INSERT INTO session_types(name, tracking_required) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
        params![name, tracking_required],
    )?;
    if n == 0 {
        return Ok(None);
    }
    session_type(c, c.last_insert_rowid())
}

pub fn update_session_type(c: &Connection, id: i64, tracking_required: bool) -> Result<Option<SessionType>, DbError> {
    c.execute("UPDATE session_types SET tracking_required = ?2 WHERE id = ?1", params![id, tracking_required])?;
    session_type(c, id)
}

/// The site admin's switches (all on until changed).
pub fn features(c: &Connection) -> Result<SiteFeatures, DbError> {
    let json: Option<String> = c.query_row("SELECT json FROM site_features WHERE id = 1", [], |r| r.get(0)).optional()?;
    match json {
        None => Ok(SiteFeatures::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| DbError::Decode("site features", e)),
    }
}

pub fn set_features(c: &Connection, f: &SiteFeatures) -> Result<(), DbError> {
    let json = serde_json::to_string(f).map_err(|e| DbError::Encode("site features", e))?;
    c.execute("INSERT INTO site_features(id, json) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET json = excluded.json", [json])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Preset {
    pub id: i64,
    pub name: String,
    pub session_type_id: i64,
    pub tracking_code: Option<String>,
}

pub fn presets(c: &Connection, account_id: i64) -> Result<Vec<Preset>, DbError> {
    let mut st = c.prepare("SELECT id, name, session_type_id, tracking_code FROM presets WHERE account_id = ?1 ORDER BY name")?;
    let rows = st
        .query_map([account_id], |r| Ok(Preset { id: r.get(0)?, name: r.get(1)?, session_type_id: r.get(2)?, tracking_code: r.get(3)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn create_preset(
    c: &Connection,
    account_id: i64,
    name: &str,
    session_type_id: i64,
    tracking_code: Option<&str>,
) -> Result<Option<Preset>, DbError> {
    let n = c.execute(
        "INSERT INTO presets(account_id, name, session_type_id, tracking_code) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(account_id, name) DO NOTHING",
        params![account_id, name, session_type_id, tracking_code],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let id = c.last_insert_rowid();
    Ok(presets(c, account_id)?.into_iter().find(|p| p.id == id))
}

pub fn delete_preset(c: &Connection, account_id: i64, id: i64) -> Result<bool, DbError> {
    Ok(c.execute("DELETE FROM presets WHERE id = ?1 AND account_id = ?2", params![id, account_id])? > 0)
}
