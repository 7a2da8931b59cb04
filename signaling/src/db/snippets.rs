//! Canned messages (issue 16): short texts a CSR inserts into the chat by a key ("/printer").
//! Each CSR has their own; each team has the ones its leads keep; the site's shared ones are
//! kept by site admins (`account_id` and `team_id` NULL).

use super::DbError;
use crate::secrets;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Own snippets per CSR, a team's per team, and shared ones per site.
pub const MAX_OWN: i64 = 200;
pub const MAX_TEAM: i64 = 200;
pub const MAX_SHARED: i64 = 500;

/// Whose a snippet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// One CSR's own.
    Account(i64),
    /// A team's, kept by its leads.
    Team(i64),
    /// The site's, kept by site admins.
    Site,
}

impl Owner {
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Owner::Account(a) => (Some(a), None),
            Owner::Team(t) => (None, Some(t)),
            Owner::Site => (None, None),
        }
    }

    fn of(account: Option<i64>, team: Option<i64>) -> Owner {
        match (account, team) {
            (Some(a), _) => Owner::Account(a),
            (None, Some(t)) => Owner::Team(t),
            (None, None) => Owner::Site,
        }
    }

    fn limit(self) -> i64 {
        match self {
            Owner::Account(_) => MAX_OWN,
            Owner::Team(_) => MAX_TEAM,
            Owner::Site => MAX_SHARED,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub id: String,
    pub key: String,
    pub text: String,
    /// The site's, kept by site admins.
    pub shared: bool,
    /// A team's (kept by its leads): its id and name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub updated_at: i64,
}

const COLS: &str = "s.id, s.key, s.text, s.account_id, s.team_id, (SELECT t.name FROM teams t WHERE t.id = s.team_id), s.updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Snippet> {
    let (account, team_id): (Option<i64>, Option<i64>) = (r.get(3)?, r.get(4)?);
    Ok(Snippet {
        id: r.get(0)?,
        key: r.get(1)?,
        text: r.get(2)?,
        shared: account.is_none() && team_id.is_none(),
        team_id,
        team: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// `account`'s own snippets, then those of the teams it is in, then the shared ones, each by key.
pub fn visible(c: &Connection, account: i64) -> Result<Vec<Snippet>, DbError> {
    let mut st = c.prepare(&format!(
        "SELECT {COLS} FROM snippets s WHERE s.account_id = ?1 \
         OR (s.account_id IS NULL AND s.team_id IN (SELECT m.team_id FROM team_members m WHERE m.account_id = ?1)) \
         OR (s.account_id IS NULL AND s.team_id IS NULL) \
         ORDER BY s.account_id IS NULL, s.team_id IS NULL, s.key, s.team_id"
    ))?;
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

/// A new snippet of `owner`.
pub fn create(c: &mut Connection, owner: Owner, key: &str, text: &str, now: i64) -> Result<Result<Snippet, Refused>, DbError> {
    let tx = c.transaction()?;
    let (account, team) = owner.columns();
    let n: i64 =
        tx.query_row("SELECT count(*) FROM snippets WHERE account_id IS ?1 AND team_id IS ?2", params![account, team], |r| r.get(0))?;
    if n >= owner.limit() {
        return Ok(Err(Refused::TooMany));
    }
    if taken(&tx, owner, key, None)? {
        return Ok(Err(Refused::KeyTaken));
    }
    let id = secrets::id("snp");
    tx.execute(
        "INSERT INTO snippets(id, account_id, team_id, key, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, account, team, key, text, now],
    )?;
    let made = tx.query_row(&format!("SELECT {COLS} FROM snippets s WHERE s.id = ?1"), [&id], row)?;
    tx.commit()?;
    Ok(Ok(made))
}

fn taken(c: &Connection, owner: Owner, key: &str, except: Option<&str>) -> Result<bool, DbError> {
    let (account, team) = owner.columns();
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM snippets WHERE account_id IS ?1 AND team_id IS ?2 AND key = ?3 AND id IS NOT ?4)",
        params![account, team, key, except],
        |r| r.get(0),
    )?)
}

/// Whose a snippet is; `None`: no such one.
pub fn owner(c: &Connection, id: &str) -> Result<Option<Owner>, DbError> {
    Ok(c.query_row("SELECT account_id, team_id FROM snippets WHERE id = ?1", [id], |r| Ok(Owner::of(r.get(0)?, r.get(1)?))).optional()?)
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
