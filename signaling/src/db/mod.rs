//! The embedded SQLite database, used from blocking threads so the async runtime never waits
//! on the disk. Migrations run at open. In WAL mode, one connection writes (and serves the
//! small reads of the live path: tokens, seats, the chat history); a small pool of read-only
//! connections serves what can be large (the session record, the history list), and one more
//! answers `/healthz`, so a big read never waits behind writes nor makes them wait.

pub mod accounts;
pub mod queue;
pub mod sessions;
pub mod snippets;
pub mod surveys;
pub mod team_view;
pub mod teams;
pub mod tokens;
pub mod webhooks;

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Read-only connections for the record and the history: reads beyond this many wait for one.
pub const READERS: usize = 4;

/// A database failure. None of these leak details to clients.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("database task failed: {0}")]
    Join(String),
    #[error("the database is at schema version {0}, newer than this build knows ({1}); use a newer signaling")]
    NewerSchema(i64, usize),
    #[error("cannot encode {0} for the database: {1}")]
    Encode(&'static str, serde_json::Error),
    #[error("stored {0} cannot be read: {1}")]
    Decode(&'static str, serde_json::Error),
}

impl DbError {
    /// A full disk or a locked database may clear up; retrying can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }
}

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
    /// The health check's own read-only connection.
    probe: Arc<Mutex<Connection>>,
}

/// The pool of read-only connections.
struct Readers {
    idle: Mutex<Vec<Connection>>,
    free: Semaphore,
    /// To open a replacement for a connection lost with a read that panicked.
    path: std::path::PathBuf,
}

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL);
CREATE TABLE logins(
  token_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  expires_at INTEGER NOT NULL);
CREATE TABLE session_types(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  tracking_required INTEGER NOT NULL DEFAULT 0);
INSERT INTO session_types(name, tracking_required) VALUES ('Support', 0);
CREATE TABLE site_features(id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE presets(
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  session_type_id INTEGER NOT NULL REFERENCES session_types(id),
  tracking_code TEXT,
  UNIQUE(account_id, name));
CREATE TABLE sessions(
  id TEXT PRIMARY KEY,
  session_type_id INTEGER NOT NULL REFERENCES session_types(id),
  tracking_code TEXT,
  started_by INTEGER NOT NULL REFERENCES accounts(id),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  notes TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL);
CREATE TABLE participants(
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  role TEXT NOT NULL,
  account_id INTEGER REFERENCES accounts(id),
  name TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  joined_at INTEGER NOT NULL,
  left_at INTEGER);
CREATE INDEX participants_session ON participants(session_id);
CREATE TABLE invitations(
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  code_hash TEXT NOT NULL,
  link_hash TEXT NOT NULL UNIQUE,
  created_by INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  used_at INTEGER,
  used_by TEXT);
CREATE INDEX invitations_code ON invitations(code_hash);
CREATE TABLE record(
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT,
  detail TEXT NOT NULL);
CREATE INDEX record_session ON record(session_id, id);
"#,
    // The saved rule state carries the version of its format; rows from before are version 1.
    // A live session whose state cannot be read at start is marked, not dropped.
    r#"
ALTER TABLE sessions ADD COLUMN state_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN state_error TEXT;
ALTER TABLE sessions ADD COLUMN state_error_at INTEGER;
"#,
    // A customer in the browser takes their seat to the support agent (issue 14): an invitation
    // that, redeemed, gives that participant a new token instead of admitting a new customer.
    r#"
ALTER TABLE invitations ADD COLUMN moves_seat TEXT;
"#,
    // API tokens for integrations (issue 16): stored hashed, scoped, revocable, acting as one
    // account.
    r#"
CREATE TABLE api_tokens(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  created_by INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER);
"#,
    // Webhooks (issue 16): signed POSTs of session events, queued in the same transaction as
    // the change they report, so none is lost to a restart; each delivery is kept with its tries.
    r#"
CREATE TABLE webhooks(
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  deleted_at INTEGER);
CREATE TABLE webhook_deliveries(
  id INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id),
  event_id TEXT NOT NULL,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_status INTEGER,
  last_error TEXT,
  delivered_at INTEGER);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX webhook_deliveries_of ON webhook_deliveries(webhook_id, id);
"#,
    // Canned messages (issue 16): a CSR's own, and the site's shared ones (account_id NULL).
    r#"
CREATE TABLE snippets(
  id TEXT PRIMARY KEY,
  account_id INTEGER REFERENCES accounts(id),
  key TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE UNIQUE INDEX snippets_key ON snippets(ifnull(account_id, 0), key);
"#,
    // Issue 16: the satisfaction survey. At the end each customer still seated gets one; their
    // seat's token (no longer good for anything else) answers it once, within 24 hours.
    r#"
CREATE TABLE surveys(
  session_id TEXT NOT NULL REFERENCES sessions(id),
  participant_id TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  expires_at INTEGER NOT NULL,
  rating INTEGER CHECK (rating BETWEEN 1 AND 5),
  comment TEXT NOT NULL DEFAULT '',
  answered_at INTEGER,
  PRIMARY KEY(session_id, participant_id));
"#,
    // Teams (issue 16): accounts belong to teams as lead or CSR; a session type may belong to a
    // team (the type its queue's sessions start with). `team_id` has no REFERENCES clause so a
    // test can still fake the version-1 layout by dropping it; `teams::set_type_team` checks it.
    r#"
CREATE TABLE teams(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  slug TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL);
CREATE TABLE team_members(
  team_id INTEGER NOT NULL REFERENCES teams(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL CHECK (role IN ('lead', 'csr')),
  PRIMARY KEY(team_id, account_id));
CREATE INDEX team_members_account ON team_members(account_id);
ALTER TABLE session_types ADD COLUMN team_id INTEGER;
"#,
    // The support queue (issue 16, rule S3): customers waiting for a team, with what they
    // wrote while waiting; who took each and into which session. Kept so the queue survives a
    // restart. A CSR's available/away switch.
    r#"
CREATE TABLE queue_entries(
  id TEXT PRIMARY KEY,
  team_id INTEGER NOT NULL REFERENCES teams(id),
  ticket_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  email TEXT,
  client_addr TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'taken', 'left', 'expired')),
  ended_at INTEGER,
  taken_by INTEGER REFERENCES accounts(id),
  session_id TEXT REFERENCES sessions(id),
  invitation_id TEXT REFERENCES invitations(id));
CREATE INDEX queue_waiting ON queue_entries(team_id) WHERE state = 'waiting';
CREATE INDEX queue_taken ON queue_entries(team_id, ended_at) WHERE state = 'taken';
CREATE TABLE queue_messages(
  id INTEGER PRIMARY KEY,
  entry_id TEXT NOT NULL REFERENCES queue_entries(id),
  at_ms INTEGER NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX queue_messages_entry ON queue_messages(entry_id, id);
CREATE TABLE csr_availability(
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
  available INTEGER NOT NULL,
  changed_at INTEGER NOT NULL);
"#,
    // Issue 16: a team's canned messages, kept by its leads (account_id NULL, team_id set); a
    // key is unique per CSR, per team and among the site's.
    r#"
ALTER TABLE snippets ADD COLUMN team_id INTEGER REFERENCES teams(id);
DROP INDEX snippets_key;
CREATE UNIQUE INDEX snippets_key ON snippets(ifnull(account_id, 0), ifnull(team_id, 0), key);
"#,
];

impl Db {
    /// Opens (creating folder and file when missing) and migrates the database.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Folder(dir.display().to_string(), e))?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        let idle = (0..READERS).map(|_| open_reader(path)).collect::<Result<Vec<_>, _>>()?;
        let readers = Arc::new(Readers { idle: Mutex::new(idle), free: Semaphore::new(READERS), path: path.to_owned() });
        Ok(Self { conn: Arc::new(Mutex::new(conn)), readers, probe: Arc::new(Mutex::new(open_reader(path)?)) })
    }

    /// Runs a read on one of the read-only connections, on a blocking thread; waits for a free
    /// one. It sees everything committed before it started, and never blocks the writer.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let _permit = readers.free.acquire().await.map_err(|e| DbError::Join(e.to_string()))?;
        let conn = readers.idle.lock().unwrap_or_else(|p| p.into_inner()).pop().ok_or_else(|| DbError::Join("no idle reader".into()))?;
        let (conn, result) = match tokio::task::spawn_blocking(move || {
            let r = f(&conn);
            (conn, r)
        })
        .await
        {
            Ok(done) => done,
            Err(e) => (open_reader(&readers.path)?, Err(DbError::Join(e.to_string()))),
        };
        readers.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        result
    }

    /// Whether the database file answers a read, on the health check's own connection.
    pub async fn probe(&self) -> Result<(), DbError> {
        let probe = self.probe.clone();
        tokio::task::spawn_blocking(move || {
            let c = probe.lock().unwrap_or_else(|p| p.into_inner());
            c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
        .await
        .map_err(|e| DbError::Join(e.to_string()))?
    }

    /// Runs `f` on the connection on a blocking thread.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Join(e.to_string()))?
    }

    /// Runs `f` on the calling thread (for the admin CLI and start-up).
    pub fn blocking<R>(&self, f: impl FnOnce(&mut Connection) -> Result<R, DbError>) -> Result<R, DbError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// A read-only connection to the (migrated) database file.
fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied =
        usize::try_from(version).ok().filter(|v| *v <= MIGRATIONS.len()).ok_or(DbError::NewerSchema(version, MIGRATIONS.len()))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
