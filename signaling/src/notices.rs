//! Live notices to a CSR's console, whatever page it shows (S17): "Alice invites you to session
//! CASE-4711", with Join. The console keeps one Server-Sent-Events stream open at
//! `GET /api/notices`; a notice stays pending until the CSR opens the session, the session
//! ends, or the service restarts (then the session is still under History).
//!
//! Budget (docs/security.md): each stream takes one of the service's connection slots
//! (`max_connections`, shared with the WebSockets); at most [`MAX_STREAMS`] streams per account
//! (more tabs get `rate_limited`); at most [`MAX_PENDING`] pending notices per account (the
//! oldest is dropped); a comment every [`KEEP_ALIVE`] keeps proxies from closing the stream.

use crate::auth::Csr;
use crate::db::sessions as store;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use protocol::ErrorCode;
use serde::Serialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;

/// Streams one account may hold open at once.
pub const MAX_STREAMS: usize = 8;
/// Notices kept for one account until seen.
pub const MAX_PENDING: usize = 20;
/// Notices queued for one stream before more are dropped (the pending list still has them).
const QUEUE: usize = 16;
/// How often an idle stream gets a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A CSR was invited into a live session.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Invited {
    pub session_id: String,
    /// The display name of the host who invited.
    pub by: String,
    pub session_type: String,
    pub tracking_code: Option<String>,
    pub at_ms: i64,
}

#[derive(Default)]
struct Inner {
    pending: HashMap<i64, Vec<Invited>>,
    streams: HashMap<i64, Vec<mpsc::Sender<Invited>>>,
}

/// The pending notices and open streams of every account.
#[derive(Default)]
pub struct CsrNotices {
    inner: Mutex<Inner>,
}

impl CsrNotices {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a stream for `account`: the notices pending now, and a receiver for new ones.
    pub fn subscribe(&self, account: i64) -> Result<(Vec<Invited>, mpsc::Receiver<Invited>), ErrorCode> {
        let mut inner = self.lock();
        let streams = inner.streams.entry(account).or_default();
        streams.retain(|s| !s.is_closed());
        if streams.len() >= MAX_STREAMS {
            return Err(ErrorCode::RateLimited);
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        streams.push(tx);
        Ok((inner.pending.get(&account).cloned().unwrap_or_default(), rx))
    }

    /// Tells `account` it was invited, now on its open streams and later on new ones.
    pub fn invited(&self, account: i64, notice: Invited) {
        let mut inner = self.lock();
        let pending = inner.pending.entry(account).or_default();
        pending.retain(|p| p.session_id != notice.session_id);
        pending.push(notice.clone());
        if pending.len() > MAX_PENDING {
            pending.remove(0);
        }
        if let Some(streams) = inner.streams.get_mut(&account) {
            streams.retain(|s| !s.is_closed());
            for s in streams.iter() {
                // A full queue means the console stopped reading; its pending list still has it.
                let _ = s.try_send(notice.clone());
            }
        }
    }

    /// The CSR opened the session: the notice is done.
    pub fn seen(&self, account: i64, session: &str) {
        let mut inner = self.lock();
        if let Some(p) = inner.pending.get_mut(&account) {
            p.retain(|n| n.session_id != session);
        }
    }

    /// Ends every open stream (graceful shutdown waits for open responses to finish).
    pub fn close_all(&self) {
        self.lock().streams.clear();
    }

    /// The account's login ended (disabled, password changed): its open streams end now.
    pub fn close_account(&self, account: i64) {
        self.lock().streams.remove(&account);
    }

    /// The session ended: nobody is invited into it any more.
    pub fn ended(&self, session: &str) {
        let mut inner = self.lock();
        for p in inner.pending.values_mut() {
            p.retain(|n| n.session_id != session);
        }
        inner.pending.retain(|_, p| !p.is_empty());
    }
}

fn event(n: &Invited) -> Result<Event, Infallible> {
    Ok(Event::default().event("invited").data(serde_json::to_string(n).unwrap_or_default()))
}

/// `GET /api/notices`: the signed-in CSR's notice stream (Server-Sent Events).
pub async fn stream(State(st): State<AppState>, Csr(a): Csr) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let Ok(slot) = st.ws_slots.clone().try_acquire_owned() else {
        st.metrics.refused(ErrorCode::Unavailable);
        return Err(ApiError(ErrorCode::Unavailable));
    };
    let (pending, rx) = st.notices.subscribe(a.id)?;
    // A notice of a session that ended while nobody listened is not shown.
    let mut live = Vec::with_capacity(pending.len());
    for n in pending {
        let id = n.session_id.clone();
        if st.db.call(move |c| store::summary(c, &id)).await?.is_some_and(|s| s.ended_at.is_none()) {
            live.push(n);
        }
    }
    let first = stream::iter(live.iter().map(event).collect::<Vec<_>>());
    // The slot is held for as long as the stream lives.
    let rest = stream::unfold((rx, slot), |(mut rx, slot)| async move { rx.recv().await.map(|n| (event(&n), (rx, slot))) });
    Ok(Sse::new(first.chain(rest)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(session: &str) -> Invited {
        Invited { session_id: session.into(), by: "Alice".into(), session_type: "Support".into(), tracking_code: None, at_ms: 0 }
    }

    #[tokio::test]
    async fn an_invitation_reaches_open_streams_and_waits_for_new_ones_until_seen() {
        let n = CsrNotices::default();
        let (before, mut rx) = n.subscribe(2).unwrap();
        assert!(before.is_empty());
        n.invited(2, notice("ses1"));
        assert_eq!(rx.recv().await, Some(notice("ses1")));
        assert_eq!(n.subscribe(2).unwrap().0, vec![notice("ses1")]);
        assert!(n.subscribe(3).unwrap().0.is_empty());
        n.seen(2, "ses1");
        assert!(n.subscribe(2).unwrap().0.is_empty());
        n.invited(2, notice("ses2"));
        n.ended("ses2");
        assert!(n.subscribe(2).unwrap().0.is_empty());
        assert_eq!(rx.recv().await, Some(notice("ses2")));
        // Shutting down ends the streams.
        n.close_all();
        assert_eq!(rx.recv().await, None);
    }

    #[test]
    fn streams_and_pending_notices_are_bounded() {
        let n = CsrNotices::default();
        let held: Vec<_> = (0..MAX_STREAMS).map(|_| n.subscribe(1).unwrap()).collect();
        assert_eq!(n.subscribe(1).err(), Some(ErrorCode::RateLimited));
        drop(held);
        assert!(n.subscribe(1).is_ok());
        for i in 0..MAX_PENDING + 5 {
            n.invited(1, notice(&format!("ses{i}")));
        }
        let (pending, _) = n.subscribe(1).unwrap();
        assert_eq!(pending.len(), MAX_PENDING);
        assert_eq!(pending[0].session_id, "ses5");
    }
}
