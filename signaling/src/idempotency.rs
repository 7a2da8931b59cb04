//! Requests that must not happen twice (start a session, invite a customer): the console sends
//! an `Idempotency-Key` header per intent, and a repeat of the same key by the same account
//! (a double click, a retry after a lost answer) gets the first answer instead of a second
//! session or a second code. Concurrent repeats wait for the first one to finish.
//!
//! Budget (docs/security.md): keys of at most [`MAX_KEY`] characters, remembered for
//! [`KEEP_MS`], at most [`MAX_ENTRIES`] in all (the oldest is forgotten first). Only answers
//! that succeeded are remembered: a refused request may be retried with the same key.

use crate::error::{ApiError, ApiResult};
use axum::http::HeaderMap;
use protocol::ErrorCode;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The request header carrying the key.
pub const HEADER: &str = "idempotency-key";
/// Longest key accepted.
pub const MAX_KEY: usize = 64;
/// How long an answer is kept for repeats: ten minutes.
pub const KEEP_MS: i64 = 10 * 60 * 1000;
/// Most keys remembered at once, for all accounts together.
pub const MAX_ENTRIES: usize = 10_000;

/// What is being done once: one key space per kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    StartSession,
    InviteCustomer,
    /// Mail a customer invitation (api_mail).
    EmailInvitation,
    /// Mail a CSR invited into a session (api_mail).
    EmailCsrInvitation,
}

type Key = (i64, Action, String);

struct Entry {
    at_ms: i64,
    answer: Arc<OnceCell<Value>>,
}

/// The answers of recent keyed requests.
#[derive(Default)]
pub struct Idempotency {
    entries: Mutex<HashMap<Key, Entry>>,
}

/// The key of a request, if it sent one; a malformed key is refused rather than ignored.
pub fn key_of(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(HEADER) else { return Ok(None) };
    let key = v.to_str().map_err(|_| ApiError(ErrorCode::InvalidMessage))?;
    let ok =
        !key.is_empty() && key.len() <= MAX_KEY && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':');
    if !ok {
        return Err(ErrorCode::InvalidMessage.into());
    }
    Ok(Some(key.to_owned()))
}

impl Idempotency {
    /// Runs `work` once for (`account`, `action`, `key`) and returns its answer; without a key,
    /// simply runs it. A repeat while the first still runs waits for it.
    pub async fn once<F, Fut, E>(&self, account: i64, action: Action, key: Option<String>, now_ms: i64, work: F) -> Result<Value, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Value, E>>,
    {
        let Some(key) = key else { return work().await };
        let cell = self.cell((account, action, key), now_ms);
        cell.get_or_try_init(work).await.cloned()
    }

    fn cell(&self, key: Key, now_ms: i64) -> Arc<OnceCell<Value>> {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = entries.get(&key) {
            if now_ms - e.at_ms < KEEP_MS {
                return e.answer.clone();
            }
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| now_ms - e.at_ms < KEEP_MS);
        }
        if entries.len() >= MAX_ENTRIES {
            if let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.at_ms).map(|(k, _)| k.clone()) {
                entries.remove(&oldest);
            }
        }
        let answer = Arc::new(OnceCell::new());
        entries.insert(key, Entry { at_ms: now_ms, answer: answer.clone() });
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    #[tokio::test]
    async fn a_repeated_key_gets_the_first_answer_and_runs_once() {
        let idem = Idempotency::default();
        let runs = AtomicU32::new(0);
        let work = || async {
            let n = runs.fetch_add(1, SeqCst);
            Ok::<_, ApiError>(Value::from(n))
        };
        let (a, b) = tokio::join!(
            idem.once(1, Action::StartSession, Some("k".into()), 0, work),
            idem.once(1, Action::StartSession, Some("k".into()), 0, work)
        );
        assert_eq!((a.ok(), b.ok()), (Some(Value::from(0)), Some(Value::from(0))));
        assert_eq!(runs.load(SeqCst), 1);
        // Another account, another action or a forgotten key runs again.
        assert!(idem.once(2, Action::StartSession, Some("k".into()), 0, work).await.is_ok());
        assert!(idem.once(1, Action::InviteCustomer, Some("k".into()), 0, work).await.is_ok());
        assert!(idem.once(1, Action::StartSession, Some("k".into()), KEEP_MS, work).await.is_ok());
        assert_eq!(runs.load(SeqCst), 4);
    }

    #[tokio::test]
    async fn a_refused_request_is_not_remembered() {
        let idem = Idempotency::default();
        let first = idem.once(1, Action::InviteCustomer, Some("k".into()), 0, || async { Err(ApiError(ErrorCode::NotInSession)) }).await;
        assert!(first.is_err());
        let second = idem.once(1, Action::InviteCustomer, Some("k".into()), 0, || async { Ok::<_, ApiError>(Value::from(7)) }).await;
        assert_eq!(second.ok(), Some(Value::from(7)));
    }

    #[test]
    fn malformed_keys_are_refused() {
        let mut h = HeaderMap::new();
        assert!(matches!(key_of(&h), Ok(None)));
        h.insert(HEADER, "abc-123".parse().unwrap());
        assert!(matches!(key_of(&h), Ok(Some(k)) if k == "abc-123"));
        h.insert(HEADER, "x".repeat(MAX_KEY + 1).parse().unwrap());
        assert!(key_of(&h).is_err());
        h.insert(HEADER, "a b".parse().unwrap());
        assert!(key_of(&h).is_err());
    }
}
