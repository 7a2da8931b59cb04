//! Teams (issue 16): a name, and a slug that names the team's public queue page
//! (`/help/<slug>`); accounts belong to teams as team lead or CSR (the site admin stays the
//! account's own flag). A session type may belong to a team: the team's queue starts its
//! sessions with it.

use super::DbError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// At most this many teams on a site.
pub const MAX_TEAMS: i64 = 200;

/// What an account is in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// Sees the team's queue and sessions (observing and taking over come later).
    Lead,
    Csr,
}

impl TeamRole {
    fn as_str(self) -> &'static str {
        match self {
            TeamRole::Lead => "lead",
            TeamRole::Csr => "csr",
        }
    }

    fn parse(s: &str) -> TeamRole {
        if s == "lead" {
            TeamRole::Lead
        } else {
            TeamRole::Csr
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: TeamRole,
}

/// A team with its members, for the admin page.
#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    #[serde(flatten)]
    pub team: Team,
    pub members: Vec<Member>,
    /// The session types that belong to the team.
    pub session_type_ids: Vec<i64>,
}

/// Why a change to teams was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Another team has this name or slug.
    Taken,
    TooMany,
    NotFound,
}

const TEAM_COLS: &str = "id, name, slug, created_at";

fn team_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team { id: r.get(0)?, name: r.get(1)?, slug: r.get(2)?, created_at: r.get(3)? })
}

pub fn team(c: &Connection, id: i64) -> Result<Option<Team>, DbError> {
    Ok(c.query_row(&format!("SELECT {TEAM_COLS} FROM teams WHERE id = ?1"), [id], team_row).optional()?)
}

pub fn by_slug(c: &Connection, slug: &str) -> Result<Option<Team>, DbError> {
    Ok(c.query_row(&format!("SELECT {TEAM_COLS} FROM teams WHERE slug = ?1"), [slug], team_row).optional()?)
}

/// Every team with its members, by name.
pub fn list(c: &Connection) -> Result<Vec<TeamView>, DbError> {
    let mut st = c.prepare(&format!("SELECT {TEAM_COLS} FROM teams ORDER BY name"))?;
    let teams: Vec<Team> = st.query_map([], team_row)?.collect::<Result<_, _>>()?;
    let mut members = c.prepare(
        "SELECT m.account_id, a.username, a.display_name, m.role FROM team_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.team_id = ?1 ORDER BY m.role = 'csr', a.username",
    )?;
    let mut types = c.prepare("SELECT id FROM session_types WHERE team_id = ?1 ORDER BY id")?;
    teams
        .into_iter()
        .map(|team| {
            let members = members
                .query_map([team.id], |r| {
                    Ok(Member {
                        account_id: r.get(0)?,
                        username: r.get(1)?,
                        display_name: r.get(2)?,
                        role: TeamRole::parse(&r.get::<_, String>(3)?),
                    })
                })?
                .collect::<Result<_, _>>()?;
            let session_type_ids = types.query_map([team.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(TeamView { team, members, session_type_ids })
        })
        .collect()
}

/// A new team; name and slug already checked.
pub fn create(c: &mut Connection, name: &str, slug: &str, now: i64) -> Result<Result<Team, Refused>, DbError> {
    let tx = c.transaction()?;
    let n: i64 = tx.query_row("SELECT count(*) FROM teams", [], |r| r.get(0))?;
    if n >= MAX_TEAMS {
        return Ok(Err(Refused::TooMany));
    }
    let taken: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM teams WHERE name = ?1 OR slug = ?2)", params![name, slug], |r| r.get(0))?;
    if taken {
        return Ok(Err(Refused::Taken));
    }
    tx.execute("INSERT INTO teams(name, slug, created_at) VALUES (?1, ?2, ?3)", params![name, slug, now])?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(team(c, id)?.ok_or(Refused::NotFound))
}

/// Renames a team (name, slug or both).
pub fn rename(c: &mut Connection, id: i64, name: Option<&str>, slug: Option<&str>) -> Result<Result<Team, Refused>, DbError> {
    let tx = c.transaction()?;
    let Some(old) = team(&tx, id)? else { return Ok(Err(Refused::NotFound)) };
    let (name, slug) = (name.unwrap_or(&old.name), slug.unwrap_or(&old.slug));
    let taken: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM teams WHERE (name = ?1 OR slug = ?2) AND id != ?3)", params![name, slug, id], |r| {
            r.get(0)
        })?;
    if taken {
        return Ok(Err(Refused::Taken));
    }
    tx.execute("UPDATE teams SET name = ?2, slug = ?3 WHERE id = ?1", params![id, name, slug])?;
    tx.commit()?;
    Ok(team(c, id)?.ok_or(Refused::NotFound))
}

/// Puts `account` in `team` with `role` (or changes their role there).
pub fn set_member(c: &Connection, team_id: i64, account: i64, role: TeamRole) -> Result<Result<(), Refused>, DbError> {
    let exists: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM teams WHERE id = ?1) AND EXISTS(SELECT 1 FROM accounts WHERE id = ?2)",
        params![team_id, account],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Err(Refused::NotFound));
    }
    c.execute(
        "INSERT INTO team_members(team_id, account_id, role) VALUES (?1, ?2, ?3) \
         ON CONFLICT(team_id, account_id) DO UPDATE SET role = excluded.role",
        params![team_id, account, role.as_str()],
    )?;
    Ok(Ok(()))
}

/// Takes `account` out of `team`; false when they were not in it.
pub fn remove_member(c: &Connection, team_id: i64, account: i64) -> Result<bool, DbError> {
    Ok(c.execute("DELETE FROM team_members WHERE team_id = ?1 AND account_id = ?2", params![team_id, account])? > 0)
}

/// The teams `account` belongs to, with their role in each, by name.
pub fn of_account(c: &Connection, account: i64) -> Result<Vec<(Team, TeamRole)>, DbError> {
    let mut st = c.prepare(
        "SELECT t.id, t.name, t.slug, t.created_at, m.role FROM team_members m JOIN teams t ON t.id = m.team_id \
         WHERE m.account_id = ?1 ORDER BY t.name",
    )?;
    let rows = st.query_map([account], |r| Ok((team_row(r)?, TeamRole::parse(&r.get::<_, String>(4)?))))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Gives session type `type_id` to `team` (`None`: to no team).
pub fn set_type_team(c: &Connection, type_id: i64, team_id: Option<i64>) -> Result<Result<(), Refused>, DbError> {
    if let Some(t) = team_id {
        if team(c, t)?.is_none() {
            return Ok(Err(Refused::NotFound));
        }
    }
    let n = c.execute("UPDATE session_types SET team_id = ?2 WHERE id = ?1", params![type_id, team_id])?;
    Ok(if n == 0 { Err(Refused::NotFound) } else { Ok(()) })
}

/// The session type a session taken from `team`'s queue starts with: the team's first one,
/// else the site's first that belongs to no team.
pub fn queue_session_type(c: &Connection, team_id: i64) -> Result<Option<i64>, DbError> {
    Ok(c.query_row(
        "SELECT id FROM session_types WHERE team_id = ?1 OR team_id IS NULL ORDER BY team_id IS NULL, id LIMIT 1",
        [team_id],
        |r| r.get(0),
    )
    .optional()?)
}
