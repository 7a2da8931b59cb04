//! The folder the customer shares for advanced transfer (S11 advanced): the CSR lists it
//! read-only, pulls files from it and pushes files into its folders, and can reach nothing else.
//!
//! Paths from the CSR are relative to the shared root and `/`-separated: `""` or `"/"` is the
//! root itself, `docs/report.pdf` a file in it. Other absolute paths, `.` and `..` components,
//! backslashes and NUL are refused (`PathNotAllowed`) before the disk is touched. What remains is
//! resolved one component at a time, following symbolic links that stay inside the root; a link
//! that leads out of the shared folder (or nowhere) is refused and never followed, so the CSR
//! cannot even learn whether something exists beyond it.

use super::TransferError;
use protocol::peer::{DirEntry, EntryKind};
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The customer's shared folder, canonicalized.
#[derive(Debug, Clone)]
pub struct SharedRoot {
    root: PathBuf,
}

impl SharedRoot {
    /// Shares the folder at `root` (resolved once, here, to its canonical path). A missing or
    /// unreadable folder gives `Unreadable`; a file gives `PathNotAllowed`.
    pub fn new(root: &Path) -> Result<SharedRoot, TransferError> {
        let name = "the shared folder";
        let root = fs::canonicalize(root).map_err(|e| TransferError::unreadable(name, e))?;
        let meta = fs::metadata(&root).map_err(|e| TransferError::unreadable(name, e))?;
        if !meta.is_dir() {
            return Err(TransferError::PathNotAllowed { path: String::new(), why: "the shared folder is not a folder" });
        }
        Ok(SharedRoot { root })
    }

    /// The canonical path of the shared folder (for the customer's eyes only).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Lists one folder of the share: folders first, then files and others, each group by name
    /// (case-insensitively). A symbolic link is shown as what it points to when that lies inside
    /// the share, and as [`EntryKind::Other`] (size 0, never followed) when it leads outside or
    /// nowhere. Names that are not valid UTF-8 cannot be asked for by the CSR and are left out.
    pub fn list(&self, rel: &str) -> Result<Vec<DirEntry>, TransferError> {
        let dir = self.dir(rel)?;
        let unreadable = |e: io::Error| TransferError::unreadable(&shown(rel), e);
        let mut entries = Vec::new();
        for item in fs::read_dir(&dir).map_err(unreadable)? {
            let Ok(item) = item else { continue };
            let Ok(name) = item.file_name().into_string() else { continue };
            // An entry that vanished between the listing and its metadata is simply not shown.
            if let Some(entry) = self.entry(&item.path(), name) {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| {
            let rank = |e: &DirEntry| u8::from(e.kind != EntryKind::Dir);
            (rank(a), a.name.to_lowercase(), &a.name).cmp(&(rank(b), b.name.to_lowercase(), &b.name))
        });
        Ok(entries)
    }

    /// The file a pull asks for: a regular file inside the share, after following symbolic links
    /// (canonical, so the path names the file itself).
    /// A folder, device or pipe gives `Unreadable` (code `file_unreadable`); a path leaving the
    /// share gives `PathNotAllowed`; nothing there gives `NotFound`.
    pub fn file(&self, rel: &str) -> Result<PathBuf, TransferError> {
        let path = self.resolve(rel)?;
        let meta = fs::metadata(&path).map_err(|e| TransferError::unreadable(&shown(rel), e))?;
        if meta.is_dir() {
            return Err(TransferError::Unreadable { name: shown(rel), why: "it is a folder; choose a file".to_owned() });
        }
        if !meta.is_file() {
            return Err(TransferError::Unreadable { name: shown(rel), why: "it is not a regular file".to_owned() });
        }
        Ok(path)
    }

    /// The folder a push writes into: an existing folder inside the share, after following
    /// symbolic links. Anything else that exists there gives `PathNotAllowed`; nothing there
    /// gives `NotFound`.
    pub fn dir(&self, rel: &str) -> Result<PathBuf, TransferError> {
        let path = self.resolve(rel)?;
        if !path.is_dir() {
            return Err(TransferError::PathNotAllowed { path: shown(rel), why: "it is not a folder" });
        }
        Ok(path)
    }

    /// Checks `rel` and resolves it to a canonical path inside the share.
    fn resolve(&self, rel: &str) -> Result<PathBuf, TransferError> {
        let not_allowed = |why| TransferError::PathNotAllowed { path: shown(rel), why };
        if rel.contains('\0') {
            return Err(not_allowed("it contains a NUL character"));
        }
        if rel.contains('\\') {
            return Err(not_allowed("use / to separate folders; backslashes are not allowed"));
        }
        let inner = if rel == "/" { "" } else { rel };
        if inner.starts_with('/') {
            return Err(not_allowed("absolute paths are not allowed; give a path relative to the shared folder"));
        }
        let parts: Vec<&str> = inner.split('/').filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|&p| p == "." || p == "..") {
            return Err(not_allowed("it contains . or .."));
        }
        // Walk one component at a time, so a path through a link that leads out is refused
        // before anything beyond the link is looked up: what exists outside the share must not
        // be told apart from what does not.
        let mut path = self.root.clone();
        for part in parts {
            path.push(part);
            let meta = fs::symlink_metadata(&path).map_err(|e| match e.raw_os_error() {
                Some(libc::ENOENT) | Some(libc::ENOTDIR) => TransferError::NotFound { path: shown(rel) },
                _ => TransferError::unreadable(&shown(rel), e),
            })?;
            if meta.file_type().is_symlink() {
                // Links to nowhere and link loops are refused like links leading out.
                path = fs::canonicalize(&path)
                    .ok()
                    .filter(|target| target.starts_with(&self.root))
                    .ok_or_else(|| not_allowed("it goes through a symbolic link that leads outside the shared folder"))?;
            }
        }
        Ok(path)
    }

    /// One listing entry; `None` if it vanished.
    fn entry(&self, path: &Path, name: String) -> Option<DirEntry> {
        let own = fs::symlink_metadata(path).ok()?;
        if !own.file_type().is_symlink() {
            return Some(describe(name, &own));
        }
        let inside = fs::canonicalize(path).ok().filter(|target| target.starts_with(&self.root));
        match inside.and_then(|target| fs::metadata(target).ok()) {
            Some(target) => Some(describe(name, &target)),
            None => Some(DirEntry { name, kind: EntryKind::Other, size: 0, modified: None }),
        }
    }
}

fn describe(name: String, meta: &Metadata) -> DirEntry {
    let kind = if meta.is_dir() {
        EntryKind::Dir
    } else if meta.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    };
    let size = if kind == EntryKind::File { meta.len() } else { 0 };
    let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
    DirEntry { name, kind, size, modified }
}

/// The CSR's own path, shortened, for messages (it is theirs, so it may be shown back).
fn shown(rel: &str) -> String {
    const MAX_SHOWN_CHARS: usize = 120;
    if rel.chars().count() <= MAX_SHOWN_CHARS {
        rel.to_owned()
    } else {
        format!("{}…", rel.chars().take(MAX_SHOWN_CHARS).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ErrorCode;

    #[test]
    fn the_root_is_reached_by_empty_and_slash_and_paths_may_have_redundant_slashes() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        let share = SharedRoot::new(dir.path()).unwrap();
        assert_eq!(share.dir("").unwrap(), share.root());
        assert_eq!(share.dir("/").unwrap(), share.root());
        assert_eq!(share.dir("a//b/").unwrap(), share.root().join("a/b"));
    }

    #[test]
    fn odd_paths_are_refused_before_the_disk_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let share = SharedRoot::new(dir.path()).unwrap();
        for rel in ["..", "a/../..", "./x", "/etc", "//etc", "\\etc", "a\\..\\..", "x\0y"] {
            let err = share.list(rel).unwrap_err();
            assert_eq!(err.code(), ErrorCode::PathNotAllowed, "{rel:?}: {err}");
        }
        assert_eq!(share.list("missing").unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(share.file("missing/deeper").unwrap_err().code(), ErrorCode::NotFound);
    }

    #[test]
    fn messages_name_only_the_path_the_csr_sent() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("docs")).unwrap();
        let share = SharedRoot::new(dir.path()).unwrap();
        let err = share.file("docs").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("docs") && !text.contains(&*dir.path().to_string_lossy()), "{text}");
        let long = "x".repeat(1000);
        assert!(share.file(&long).unwrap_err().to_string().len() < 400);
    }

    #[test]
    fn a_file_cannot_be_shared_as_a_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("f"), b"").unwrap();
        assert_eq!(SharedRoot::new(&dir.path().join("f")).unwrap_err().code(), ErrorCode::PathNotAllowed);
        assert_eq!(SharedRoot::new(&dir.path().join("missing")).unwrap_err().code(), ErrorCode::FileUnreadable);
    }
}
