//! The registry of live sessions. Each live session is one task ([`crate::live_session`])
//! that owns its rule state and its participants' connections; everything else talks to it
//! through its command channel.

use crate::clock::Clock;
use crate::db::Db;
use crate::live_session::{self, Command};
use crate::metrics::Metrics;
use protocol::rules::Session;
use protocol::{ErrorCode, ParticipantId, SessionId};
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Commands waiting for one session; beyond this, senders wait (backpressure, not loss).
const COMMAND_QUEUE: usize = 1024;

pub struct Hub {
    sessions: Mutex<HashMap<SessionId, mpsc::Sender<Command>>>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    pub limits: SessionLimits,
}

/// What every live session allows (configuration; docs/security.md).
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Record size in bytes at which chat is refused (`record_full`).
    pub record_cap: u64,
    /// Refill of each participant's SDP/ICE byte budget, KiB a second.
    pub relay_kib_per_second: u32,
}

impl Hub {
    pub fn new(db: Db, metrics: Arc<Metrics>, clock: Clock, limits: SessionLimits) -> Arc<Self> {
        Arc::new(Self { sessions: Mutex::new(HashMap::new()), db, metrics, clock, limits })
    }

    /// Starts the task of a live session (new, or resumed after a restart).
    pub fn spawn(self: &Arc<Self>, id: SessionId, rules: Session) {
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), tx);
        self.metrics.live_sessions.fetch_add(1, Relaxed);
        tokio::spawn(live_session::run(id, rules, rx, self.clone()));
    }

    /// Called by a session task when it ends.
    pub fn remove(&self, id: &SessionId) {
        if self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(id).is_some() {
            self.metrics.live_sessions.fetch_sub(1, Relaxed);
        }
    }

    /// Sends a command to a live session; `SessionEnded` when it is not live.
    pub async fn send(&self, id: &SessionId, cmd: Command) -> Result<(), ErrorCode> {
        let tx = self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned();
        match tx {
            Some(tx) => tx.send(cmd).await.map_err(|_| ErrorCode::SessionEnded),
            None => Err(ErrorCode::SessionEnded),
        }
    }

    /// Sends a command built around a reply channel and waits for the answer.
    pub async fn ask<T>(&self, id: &SessionId, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, ErrorCode> {
        let (tx, rx) = oneshot::channel();
        self.send(id, make(tx)).await?;
        rx.await.map_err(|_| ErrorCode::SessionEnded)
    }

    /// The logins of a CSR account ended (issue 12, finding 7): each live session it sits in
    /// closes its connection at once with `reason`; a disabled account (`leave`) also leaves
    /// those sessions (unless it holds control), and everyone there sees it. Returns how many
    /// seats were told.
    pub async fn disconnect_account(&self, account: i64, reason: ErrorCode, leave: bool) -> usize {
        let seats = match self.db.call(move |c| crate::db::accounts::live_seats(c, account)).await {
            Ok(seats) => seats,
            Err(e) => {
                tracing::error!(account, error = %e, "cannot find the live seats of an account whose login ended");
                return 0;
            }
        };
        let mut told = 0;
        for (session, participant) in seats {
            let cmd = Command::EndSeat { participant: ParticipantId(participant), reason, leave };
            told += usize::from(self.send(&SessionId(session), cmd).await.is_ok());
        }
        told
    }

    /// Tells every session task to close its connections (graceful shutdown).
    pub async fn shutdown(&self) {
        let all: Vec<_> = self.sessions.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        for tx in all {
            let _ = tx.send(Command::Shutdown).await;
        }
    }
}
