//! API tokens (issue 16): an integration calls the API as one account, within the scopes the
//! site admin gave the token. Only a hash of the secret is stored; the secret is shown once.

use super::accounts::Account;
use super::DbError;
use crate::api_routes::Scope;
use crate::secrets;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// At most this many tokens not revoked: each is a standing way in.
pub const MAX_LIVE_TOKENS: i64 = 100;
/// `last_used_at` is written at most this often per token (ms), not on every request.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The account it acts as.
    pub account: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn decode_scopes(text: &str) -> Vec<Scope> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn list(c: &Connection) -> Result<Vec<Token>, DbError> {
    let mut st = c.prepare(
        "SELECT t.id, t.name, t.scopes, a.username, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t \
         JOIN accounts a ON a.id = t.account_id ORDER BY t.created_at DESC, t.id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Token {
                id: r.get(0)?,
                name: r.get(1)?,
                scopes: decode_scopes(&r.get::<_, String>(2)?),
                account: r.get(3)?,
                created_at: r.get(4)?,
                last_used_at: r.get(5)?,
                revoked_at: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Why a token cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRefused {
    NoSuchAccount,
    TooMany,
}

/// A new token acting as `username`; returns it and its secret (shown once).
pub fn create(
    c: &mut Connection,
    name: &str,
    scopes: &[Scope],
    username: &str,
    created_by: i64,
    now: i64,
) -> Result<Result<(Token, String), CreateRefused>, DbError> {
    let tx = c.transaction()?;
    let live: i64 = tx.query_row("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL", [], |r| r.get(0))?;
    if live >= MAX_LIVE_TOKENS {
        return Ok(Err(CreateRefused::TooMany));
    }
    let account: Option<(i64, String)> = tx
        .query_row("SELECT id, username FROM accounts WHERE username = ?1 AND disabled = 0", [username], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((account_id, account)) = account else { return Ok(Err(CreateRefused::NoSuchAccount)) };
    let secret = format!("rst_{}", secrets::token());
    let id = secrets::id("tok");
    let scopes_json = serde_json::to_string(scopes).map_err(|e| DbError::Encode("token scopes", e))?;
    tx.execute(
        "INSERT INTO api_tokens(id, name, secret_hash, scopes, account_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, name, secrets::hash_secret(&secret), scopes_json, account_id, created_by, now],
    )?;
    tx.commit()?;
    let token =
        Token { id, name: name.to_owned(), scopes: scopes.to_vec(), account, created_at: now, last_used_at: None, revoked_at: None };
    Ok(Ok((token, secret)))
}

pub fn revoke(c: &Connection, id: &str, now: i64) -> Result<bool, DbError> {
    Ok(c.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])? > 0)
}

/// What a presented secret may do.
pub enum Presented {
    /// Unknown, revoked, or its account disabled.
    Invalid,
    /// Valid, but without the scope asked for.
    OutOfScope,
    Acts(Account),
}

/// Checks `secret` for `scope` and notes its use (at most once a minute).
pub fn check(c: &Connection, secret: &str, scope: Scope, now: i64) -> Result<Presented, DbError> {
    let found: Option<(String, String, i64)> = c
        .query_row(
            "SELECT t.id, t.scopes, t.account_id FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
             WHERE t.secret_hash = ?1 AND t.revoked_at IS NULL AND a.disabled = 0",
            [secrets::hash_secret(secret)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, scopes, account_id)) = found else { return Ok(Presented::Invalid) };
    if !decode_scopes(&scopes).contains(&scope) {
        return Ok(Presented::OutOfScope);
    }
    c.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?2 - ?3)",
        params![id, now, LAST_USED_GRANULARITY_MS],
    )?;
    let account = super::accounts::by_id(c, account_id)?;
    Ok(account.map_or(Presented::Invalid, Presented::Acts))
}
