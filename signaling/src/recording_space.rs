//! How much recordings take, per session and on the whole site, against their quotas
//! (`--max-session-recordings-mib`, `--max-recordings-mib`). Bytes are reserved as they
//! arrive, before they are written, so uploads running at the same time cannot overshoot
//! together; a refused or cut upload gives its bytes back. What is on disk is counted once, at
//! the first upload after a start.

use protocol::ErrorCode;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// The quotas in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub per_session: u64,
    pub site: u64,
}

#[derive(Debug, Default)]
struct Usage {
    site: u64,
    sessions: HashMap<String, u64>,
}

/// Bytes of recordings (and their chat files) per session and in all.
#[derive(Default)]
pub struct RecordingSpace {
    usage: Mutex<Option<Usage>>,
}

impl RecordingSpace {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Usage>> {
        self.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts what is stored under `root` (`<root>/<session>/<files>`), once. Blocking: call
    /// it off the async threads.
    pub fn load(&self, root: &Path) {
        if self.lock().is_some() {
            return;
        }
        let mut usage = Usage::default();
        for session in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = session.file_name().to_string_lossy().into_owned();
            let bytes: u64 = std::fs::read_dir(session.path())
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|f| f.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum();
            usage.site += bytes;
            usage.sessions.insert(name, bytes);
        }
        let mut slot = self.lock();
        if slot.is_none() {
            *slot = Some(usage);
        }
    }

    /// Takes `n` more bytes for `session`: `session_recordings_full` or
    /// `recordings_storage_full` when that would pass a quota (nothing is taken then).
    pub fn reserve(&self, session: &str, n: u64, q: Quotas) -> Result<(), ErrorCode> {
        let mut slot = self.lock();
        let usage = slot.get_or_insert_with(Usage::default);
        let used = usage.sessions.get(session).copied().unwrap_or(0);
        if used.saturating_add(n) > q.per_session {
            return Err(ErrorCode::SessionRecordingsFull);
        }
        if usage.site.saturating_add(n) > q.site {
            return Err(ErrorCode::RecordingsStorageFull);
        }
        usage.site += n;
        *usage.sessions.entry(session.to_owned()).or_default() += n;
        Ok(())
    }

    /// Gives back `n` bytes of `session` (an upload that was not kept).
    pub fn release(&self, session: &str, n: u64) {
        let mut slot = self.lock();
        let Some(usage) = slot.as_mut() else { return };
        usage.site = usage.site.saturating_sub(n);
        if let Some(s) = usage.sessions.get_mut(session) {
            *s = s.saturating_sub(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_per_session_and_site_hold_and_released_bytes_come_back() {
        let space = RecordingSpace::default();
        let q = Quotas { per_session: 100, site: 150 };
        assert_eq!(space.reserve("a", 60, q), Ok(()));
        assert_eq!(space.reserve("a", 41, q), Err(ErrorCode::SessionRecordingsFull));
        assert_eq!(space.reserve("a", 40, q), Ok(()));
        assert_eq!(space.reserve("b", 51, q), Err(ErrorCode::RecordingsStorageFull));
        space.release("a", 40);
        assert_eq!(space.reserve("b", 51, q), Ok(()));
    }

    #[test]
    fn what_is_on_disk_counts_from_the_start() {
        let root = std::env::temp_dir().join(format!("recording-space-{}", std::process::id()));
        std::fs::create_dir_all(root.join("ses_a")).unwrap();
        std::fs::write(root.join("ses_a").join("rec_1.webm"), vec![0u8; 70]).unwrap();
        let space = RecordingSpace::default();
        space.load(&root);
        let q = Quotas { per_session: 100, site: 1000 };
        assert_eq!(space.reserve("ses_a", 31, q), Err(ErrorCode::SessionRecordingsFull));
        assert_eq!(space.reserve("ses_a", 30, q), Ok(()));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
