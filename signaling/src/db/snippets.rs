//! Canned messages (issue 16): short texts a CSR inserts into the chat by a key ("/printer").
//! Each CSR has their own; the site's shared ones are kept by site admins (`account_id` NULL).

use super::DbError;
use crate::secrets;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Own snippets per CSR, and shared ones per site.
pub const MAX_OWN: i64 = 200;
pub const MAX_SHARED: i64 = 500;

#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub id: String,
    pub key: String,
    pub text: String,
    /// The site's, not the caller's own.
    pub shared: bool,
    pub updated_at: i64,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Snippet> {
    Ok(Snippet { id: r.get(0)?, key: r.get(1)?, text: r.get(2)?, shared: r.get::<_, Option<i64>>(3)?.is_none(), updated_at: r.get(4)? })
}

/// `account`'s own snippets, then the shared ones, each by key.
pub fn visible(c: &Connection, account: i64) -> Result<Vec<Snippet>, DbError> {
    let mut st = c.prepare(
        "SELECT id, key, text, account_id, updated_at FROM snippets WHERE account_id = ?1 OR account_id IS NULL \
         ORDER BY account_id IS NULL, key",
    )?;
    let rows = st.query_map([account], row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Why a snippet cannot be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    KeyTaken,
    TooMany,
    NotFound,
}

/// A new snippet, `owner` `None` for a shared one.
pub fn create(c: &mut Connection, owner: Option<i64>, key: &str, text: &str, now: i64) -> Result<Result<Snippet, Refused>, DbError> {
    let tx = c.transaction()?;
    let n: i64 = tx.query_row("SELECT count(*) FROM snippets WHERE account_id IS ?1", [owner], |r| r.get(0))?;
    if n >= if owner.is_some() { MAX_OWN } else { MAX_SHARED } {
        return Ok(Err(Refused::TooMany));
    }
    if taken(&tx, owner, key, None)? {
        return Ok(Err(Refused::KeyTaken));
    }
    let id = secrets::id("snp");
    tx.execute(
        "INSERT INTO snippets(id, account_id, key, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, owner, key, text, now],
    )?;
    tx.commit()?;
    Ok(Ok(Snippet { id, key: key.to_owned(), text: text.to_owned(), shared: owner.is_none(), updated_at: now }))
}

fn taken(c: &Connection, owner: Option<i64>, key: &str, except: Option<&str>) -> Result<bool, DbError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM snippets WHERE account_id IS ?1 AND key = ?2 AND id IS NOT ?3)",
        params![owner, key, except],
        |r| r.get(0),
    )?)
}

/// Who owns a snippet: `Some(None)` shared, `Some(Some(account))` someone's, `None` no such one.
pub fn owner(c: &Connection, id: &str) -> Result<Option<Option<i64>>, DbError> {
    Ok(c.query_row("SELECT account_id FROM snippets WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

pub fn update(c: &mut Connection, id: &str, key: &str, text: &str, now: i64) -> Result<Result<(), Refused>, DbError> {
    let tx = c.transaction()?;
    let Some(owner) = owner(&tx, id)? else { return Ok(Err(Refused::NotFound)) };
    if taken(&tx, owner, key, Some(id))? {
        return Ok(Err(Refused::KeyTaken));
    }
    tx.execute("UPDATE snippets SET key = ?2, text = ?3, updated_at = ?4 WHERE id = ?1", params![id, key, text, now])?;
    tx.commit()?;
    Ok(Ok(()))
}

pub fn delete(c: &Connection, id: &str) -> Result<bool, DbError> {
    Ok(c.execute("DELETE FROM snippets WHERE id = ?1", [id])? > 0)
}
