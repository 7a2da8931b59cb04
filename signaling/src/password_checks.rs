//! Password hashing under load (issue 12, finding 3). Each argon2id hash needs 19 MiB; a
//! burst of sign-ins used to take that much per request at once and glibc kept most of it
//! afterwards (its mmap threshold rises after the first 19 MiB block is freed, so later blocks
//! come from arenas that are never given back).
//!
//! Here at most [`PasswordChecks::concurrent`] hashes run at once, each in one of as many
//! memory blocks reused from hash to hash: the memory for hashing is bounded by
//! `concurrent × 19 MiB` whatever the burst. Callers beyond that wait in a queue of at most
//! [`MAX_WAITING`] for at most [`WAIT`]; then they get `sign_in_busy` (the password was not
//! checked). When the last check is done and nobody waits, the blocks are freed; on glibc the
//! mmap threshold is fixed at [`MMAP_THRESHOLD`] (no longer dynamic), so 19 MiB blocks always
//! come from and go back to the system: after a burst RSS returns to where it was.

use crate::error::ApiError;
use crate::secrets;
use argon2::Block;
use protocol::ErrorCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Requests waiting for a hash slot; beyond this they are told `sign_in_busy` at once. A
/// waiting request costs a few hundred bytes; [`WAIT`] is what really bounds the queue.
pub const MAX_WAITING: usize = 1024;
/// Allocations from this size on are mapped from the system and returned to it when freed.
pub const MMAP_THRESHOLD: usize = 4 * 1024 * 1024;
/// The longest a request waits for a hash slot before `sign_in_busy`.
pub const WAIT: Duration = Duration::from_secs(10);
/// Hashes at once, at most (one per core up to this).
const MAX_CONCURRENT: usize = 4;

/// A hash that was not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The queue is full or the wait ran out; retrying later can help.
    #[error("too many password checks at once")]
    Busy,
    /// The stored hash is unreadable or the hashing task failed; retrying will not help.
    #[error("password check failed")]
    Failed,
}

impl From<CheckError> for ApiError {
    fn from(e: CheckError) -> Self {
        ApiError(match e {
            CheckError::Busy => ErrorCode::SignInBusy,
            CheckError::Failed => ErrorCode::Internal,
        })
    }
}

/// The bounded argon2 work of the whole service.
pub struct PasswordChecks {
    slots: Arc<Semaphore>,
    /// Memory blocks not in use right now; at most `concurrent` ever exist.
    memory: Mutex<Vec<Vec<Block>>>,
    waiting: AtomicUsize,
    /// Checks waiting or running; the blocks are freed when it drops to zero.
    busy: AtomicUsize,
    concurrent: usize,
}

impl Default for PasswordChecks {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores.clamp(1, MAX_CONCURRENT))
    }
}

/// Counts a check from its arrival to its end; the last one out frees the memory blocks.
struct InFlight<'a>(&'a PasswordChecks);

impl<'a> InFlight<'a> {
    fn enter(c: &'a PasswordChecks) -> Self {
        c.busy.fetch_add(1, Relaxed);
        InFlight(c)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Relaxed) == 1 {
            let mut memory = self.0.lock();
            // Checked again under the lock: a check that started meanwhile keeps its block.
            if self.0.busy.load(Relaxed) == 0 {
                memory.clear();
                memory.shrink_to_fit();
            }
        }
    }
}

/// Counts a waiting request for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

impl PasswordChecks {
    pub fn new(concurrent: usize) -> Self {
        return_large_blocks_to_the_system();
        let concurrent = concurrent.max(1);
        Self {
            slots: Arc::new(Semaphore::new(concurrent)),
            memory: Mutex::new(vec![]),
            waiting: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            concurrent,
        }
    }

    /// Hashes that run at once, at most.
    pub fn concurrent(&self) -> usize {
        self.concurrent
    }

    /// Whether `password` matches `stored`; against a fixed dummy hash when `stored` is `None`
    /// (an unknown user name takes as long as a known one).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, CheckError> {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        self.run(move |memory| secrets::verify_password_in(&password, &stored, memory)).await
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, CheckError> {
        self.run(move |memory| secrets::hash_password_in(&password, memory)).await
    }

    /// Runs `work` on a blocking thread in one of the pool's memory blocks, after waiting
    /// (bounded) for a slot.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> Result<T, secrets::PasswordError> + Send + 'static,
    ) -> Result<T, CheckError> {
        if self.waiting.fetch_add(1, Relaxed) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Relaxed);
            return Err(CheckError::Busy);
        }
        let waiting = Waiting(&self.waiting);
        let _in_flight = InFlight::enter(self);
        let slot = match tokio::time::timeout(WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(CheckError::Busy),
        };
        drop(waiting);
        let mut memory = self.lock().pop().unwrap_or_else(secrets::password_memory);
        let done = tokio::task::spawn_blocking(move || {
            let r = work(&mut memory);
            (r, memory)
        })
        .await;
        drop(slot);
        match done {
            Ok((r, memory)) => {
                self.lock().push(memory);
                r.map_err(|e| {
                    tracing::error!(error = %e, "cannot hash or verify a password");
                    CheckError::Failed
                })
            }
            Err(e) => {
                // The block went with the task; the next request allocates a new one.
                tracing::error!(error = %e, "password hashing task failed");
                Err(CheckError::Failed)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Fixes glibc's mmap threshold, once: by default it rises to the size of the largest block
/// freed (up to 32 MiB), after which 19 MiB argon2 blocks come from arenas that keep their
/// memory. Elsewhere nothing needs doing.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets an allocator parameter; it touches no Rust memory.
            let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int) };
            if set != 1 {
                tracing::warn!("cannot fix the mmap threshold; memory of password checks may stay with the process");
            }
        });
    }
}

/// argon2id (default parameters) of a random password nobody kept: what an unknown user name
/// is checked against, so the answer takes as long as for a real account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$NMkX1ntkuVqI5QzQzAQ5Kw$jBxpxP7K0W8lWE7VUAtD0jx0DuJOB9H8uhN0G7eMpXs";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_reuse_a_bounded_number_of_memory_blocks() {
        let checks = Arc::new(PasswordChecks::new(2));
        let hash = checks.hash("correct horse battery".into()).await.unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let (c, h) = (checks.clone(), hash.clone());
                let pw = if i % 2 == 0 { "correct horse battery" } else { "wrong" };
                tokio::spawn(async move { c.verify(pw.into(), Some(h)).await })
            })
            .collect();
        let mut results = vec![];
        for t in tasks {
            results.push(t.await.unwrap().unwrap());
        }
        assert_eq!(results, [true, false, true, false, true, false]);
        assert!(checks.lock().is_empty(), "the blocks are freed once nobody waits");
        assert!(!checks.verify("anything".into(), None).await.unwrap(), "the dummy hash is readable and matches nothing");
        assert_eq!(checks.verify("x".into(), Some("not a hash".into())).await, Err(CheckError::Failed));
    }
}
