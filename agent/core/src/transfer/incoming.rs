//! Receiving one file into a folder. The bytes go to a hidden partial file; only a complete file
//! whose SHA-256 matches the offer takes its final name, and that name never replaces a file
//! already there. A partial left by a lost connection is found again by the next offer of the
//! same file (same name, size and SHA-256), which resumes from its length.

use super::names::{partial_name, safe_name, unique_path};
use super::space::free_space;
use super::{parse_sha256, Limits, TransferError, HASH_BUF_BYTES};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// One file being received into a folder.
///
/// Dropping it without [`finish`](Self::finish), [`suspend`](Self::suspend) or
/// [`discard`](Self::discard) keeps the partial file, as a suspend would.
#[derive(Debug)]
pub struct Incoming {
    dir: PathBuf,
    name: String,
    partial: PathBuf,
    file: File,
    size: u64,
    resumed_from: u64,
    received: u64,
    expected: [u8; 32],
    hasher: Sha256,
}

impl Incoming {
    /// Prepares to receive `size` bytes hashing to `sha256_hex` into `dir`, under
    /// [`safe_name`]`(offered_name)`.
    ///
    /// Refuses, before anything is written: a malformed SHA-256 (`Invalid`), a file larger than
    /// [`Limits::max_file_bytes`] (`TooLarge`), and a file the disk cannot take while keeping
    /// [`Limits::keep_free_bytes`] free (`NoSpace`). A partial file from an earlier attempt at
    /// the same file is resumed: its bytes are hashed again (streamed) so the final check still
    /// covers the whole file, and [`offset`](Self::offset) says where the sender must start.
    /// A partial longer than `size` is emptied. Another `Incoming` already receiving the same
    /// file gives `Busy`. Blocks for as long as hashing the partial takes.
    pub fn open(dir: &Path, offered_name: &str, size: u64, sha256_hex: &str, limits: &Limits) -> Result<Incoming, TransferError> {
        let name = safe_name(offered_name);
        let expected = parse_sha256(sha256_hex)?;
        if size > limits.max_file_bytes {
            return Err(TransferError::TooLarge { name, size, max: limits.max_file_bytes });
        }
        let partial = dir.join(partial_name(&name, &expected));
        let kept = match fs::symlink_metadata(&partial) {
            Ok(meta) if meta.is_file() && meta.len() <= size => meta.len(),
            _ => 0,
        };
        check_space(dir, &name, size - kept, limits)?;

        let file = open_partial(&partial, &name)?;
        let unwritable = |e: io::Error| TransferError::Unwritable { name: name.clone(), why: e.to_string() };
        let mut len = file.metadata().map_err(unwritable)?.len();
        if len > size {
            file.set_len(0).map_err(unwritable)?;
            len = 0;
        }
        let (hasher, len) = hash_prefix(&file, len).map_err(unwritable)?;
        Ok(Incoming { dir: dir.to_owned(), name, partial, file, size, resumed_from: len, received: len, expected, hasher })
    }

    /// Where the sender must start (`FileAccept.offset`, `TransferStart.offset`): the bytes kept
    /// from an earlier attempt, 0 for a fresh transfer.
    pub fn offset(&self) -> u64 {
        self.resumed_from
    }

    /// Bytes of the file on disk so far, including those resumed.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The announced size of the file.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The sanitized name the file is saved under (or, if taken, its numbered variant).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Appends the next bytes of the file; returns how many bytes have arrived so far.
    ///
    /// Bytes past the announced size are refused (`Invalid`) and none of them is written. A
    /// full disk gives `DiskFull`, any other disk error `Unwritable`; after an error the driver
    /// discards or suspends, and a suspend keeps only the bytes acknowledged here.
    pub fn write(&mut self, chunk: &[u8]) -> Result<u64, TransferError> {
        let end = self.received.checked_add(chunk.len() as u64).filter(|&end| end <= self.size);
        let Some(end) = end else {
            return Err(TransferError::invalid(format!("more than the announced {} bytes of {} arrived", self.size, self.name)));
        };
        // Positional writes: after a failed write the next one still lands at the right place.
        if let Err(e) = self.file.write_all_at(chunk, self.received) {
            // Part of the chunk may be on disk; drop it so the partial holds only hashed bytes.
            let _ = self.file.set_len(self.received);
            return Err(TransferError::from_write(&self.name, e));
        }
        self.hasher.update(chunk);
        self.received = end;
        Ok(end)
    }

    /// Whether every announced byte has arrived.
    pub fn is_complete(&self) -> bool {
        self.received == self.size
    }

    /// Checks and keeps the complete file: flushes it to disk, verifies its SHA-256, and gives it
    /// its final name in the folder ([`unique_path`], never replacing a file already there).
    /// Returns the final path.
    ///
    /// An incomplete file gives `Invalid` and keeps the partial for a resume. A SHA-256 mismatch
    /// gives `ChecksumMismatch` and deletes the partial, so a retry starts clean.
    pub fn finish(self) -> Result<PathBuf, TransferError> {
        if !self.is_complete() {
            return Err(TransferError::invalid(format!("only {} of the {} bytes of {} arrived", self.received, self.size, self.name)));
        }
        self.file.sync_all().map_err(|e| TransferError::from_write(&self.name, e))?;
        if self.hasher.finalize().as_slice() != self.expected.as_slice() {
            let _ = fs::remove_file(&self.partial);
            return Err(TransferError::ChecksumMismatch { name: self.name });
        }
        // The lock on the partial is held (by `self.file`) until it is gone from the folder.
        let saved = publish(&self.partial, &self.dir, &self.name)?;
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all(); // makes the new name durable; a failure here loses nothing yet
        }
        Ok(saved)
    }

    /// The connection was lost or the grant revoked: keeps the partial file, flushed, so the next
    /// offer of the same file resumes from [`received`](Self::received).
    pub fn suspend(self) {
        let _ = self.file.sync_data();
    }

    /// Gives the transfer up and removes the partial file.
    pub fn discard(self) {
        let _ = fs::remove_file(&self.partial);
    }
}

/// Refuses a file the disk cannot take while keeping the margin free.
fn check_space(dir: &Path, name: &str, remaining: u64, limits: &Limits) -> Result<(), TransferError> {
    let free = free_space(dir).map_err(|e| {
        let why = if e.kind() == io::ErrorKind::NotFound { "the folder to save into does not exist".to_owned() } else { e.to_string() };
        TransferError::Unwritable { name: name.to_owned(), why }
    })?;
    let needed = remaining.saturating_add(limits.keep_free_bytes);
    if needed > free {
        return Err(TransferError::NoSpace { name: name.to_owned(), needed, free });
    }
    Ok(())
}

/// Opens (or creates) the partial file, never through a symbolic link, and takes an exclusive
/// lock on it so two transfers of the same file cannot interleave their bytes. It gets the
/// usual mode of a new file (umask applied), which the saved file keeps.
fn open_partial(partial: &Path, name: &str) -> Result<File, TransferError> {
    let unwritable = |e: io::Error| TransferError::Unwritable { name: name.to_owned(), why: e.to_string() };
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(partial)
        .map_err(unwritable)?;
    // SAFETY: `file` owns a valid descriptor for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            return Err(TransferError::Busy { name: name.to_owned() });
        }
        // File systems without locks (some network mounts) still get the transfer.
    }
    let opened = file.metadata().map_err(unwritable)?;
    if !opened.is_file() {
        return Err(TransferError::Unwritable { name: name.to_owned(), why: "something other than a file is in the way".to_owned() });
    }
    // A transfer that just finished may have moved this very file to its final name between our
    // open and our lock: then the partial is no longer ours to write.
    match fs::symlink_metadata(partial) {
        Ok(now) if now.dev() == opened.dev() && now.ino() == opened.ino() => Ok(file),
        _ => Err(TransferError::Busy { name: name.to_owned() }),
    }
}

/// Hashes the first `len` bytes of the partial file, streamed. Returns the hasher and how many
/// bytes it saw (fewer than `len` only if the file shrank meanwhile).
fn hash_prefix(file: &File, len: u64) -> io::Result<(Sha256, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; HASH_BUF_BYTES];
    let mut done = 0u64;
    while done < len {
        let want = usize::try_from(len - done).map_or(buf.len(), |left| left.min(buf.len()));
        let n = match file.read_at(&mut buf[..want], done) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        done += n as u64;
    }
    if done < len {
        file.set_len(done)?;
    }
    Ok((hasher, done))
}

/// Gives the checked partial file its final name without ever replacing an existing file: a
/// hard link fails rather than overwrite, and on file systems without hard links the final
/// name is first reserved by creating it exclusively, then replaced by the partial.
fn publish(partial: &Path, dir: &Path, name: &str) -> Result<PathBuf, TransferError> {
    loop {
        let target = unique_path(dir, name);
        match fs::hard_link(partial, &target) {
            Ok(()) => {
                let _ = fs::remove_file(partial); // a leftover link is only a hidden duplicate
                return Ok(target);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue, // taken meanwhile
            // No hard links on this file system (FAT, some network shares).
            Err(_) => break,
        }
    }
    reserve_and_rename(partial, dir, name)
}

/// For file systems without hard links: creates the final name exclusively (so it is ours), then
/// moves the partial over that empty reservation.
fn reserve_and_rename(partial: &Path, dir: &Path, name: &str) -> Result<PathBuf, TransferError> {
    loop {
        let target = unique_path(dir, name);
        match OpenOptions::new().write(true).create_new(true).open(&target) {
            Ok(_) => {
                if let Err(e) = fs::rename(partial, &target) {
                    let _ = fs::remove_file(&target); // our empty reservation, nothing else
                    return Err(TransferError::Unwritable { name: name.to_owned(), why: e.to_string() });
                }
                return Ok(target);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(TransferError::Unwritable { name: name.to_owned(), why: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::to_hex;

    fn sha_hex(bytes: &[u8]) -> String {
        to_hex(&Sha256::digest(bytes))
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_second_receiver_of_the_same_file_is_refused_while_the_first_runs() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"hello world";
        let first = Incoming::open(dir.path(), "a.txt", 11, &sha_hex(data), &Limits::default()).unwrap();
        let second = Incoming::open(dir.path(), "a.txt", 11, &sha_hex(data), &Limits::default()).unwrap_err();
        assert!(matches!(second, TransferError::Busy { .. }), "{second:?}");
        assert!(second.retryable());
        first.suspend();
        let mut again = Incoming::open(dir.path(), "a.txt", 11, &sha_hex(data), &Limits::default()).unwrap();
        again.write(data).unwrap();
        assert_eq!(again.finish().unwrap(), dir.path().join("a.txt"));
    }

    #[test]
    fn an_empty_file_is_complete_at_once_and_saved_empty() {
        let dir = tempfile::tempdir().unwrap();
        let incoming = Incoming::open(dir.path(), "empty.txt", 0, &sha_hex(b""), &Limits::default()).unwrap();
        assert!(incoming.is_complete());
        assert_eq!(incoming.offset(), 0);
        let saved = incoming.finish().unwrap();
        assert_eq!(fs::read(&saved).unwrap(), b"");
        assert_eq!(names_in(dir.path()), ["empty.txt"]);
    }

    #[test]
    fn a_partial_longer_than_the_file_is_started_over() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"0123456789";
        let sha = sha_hex(data);
        let partial = dir.path().join(partial_name("n.bin", &parse_sha256(&sha).unwrap()));
        fs::write(&partial, [7u8; 25]).unwrap();
        let mut incoming = Incoming::open(dir.path(), "n.bin", 10, &sha, &Limits::default()).unwrap();
        assert_eq!(incoming.offset(), 0);
        incoming.write(data).unwrap();
        assert_eq!(fs::read(incoming.finish().unwrap()).unwrap(), data);
    }

    #[test]
    fn a_symlink_in_place_of_the_partial_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        fs::write(&victim, b"keep me").unwrap();
        let sha = sha_hex(b"new");
        let partial = dir.path().join(partial_name("x", &parse_sha256(&sha).unwrap()));
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        let err = Incoming::open(dir.path(), "x", 3, &sha, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), protocol::ErrorCode::FileUnwritable);
        assert_eq!(fs::read(&victim).unwrap(), b"keep me");
    }

    #[test]
    fn finishing_before_every_byte_arrived_keeps_the_partial_for_a_resume() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"abcdef";
        let mut incoming = Incoming::open(dir.path(), "f", 6, &sha_hex(data), &Limits::default()).unwrap();
        incoming.write(&data[..2]).unwrap();
        assert_eq!(incoming.finish().unwrap_err().code(), protocol::ErrorCode::InvalidMessage);
        let resumed = Incoming::open(dir.path(), "f", 6, &sha_hex(data), &Limits::default()).unwrap();
        assert_eq!(resumed.offset(), 2);
    }

    #[test]
    fn a_missing_folder_is_unwritable_and_nothing_is_created() {
        let parent = tempfile::tempdir().unwrap();
        let err = Incoming::open(&parent.path().join("gone"), "a", 1, &sha_hex(b"a"), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), protocol::ErrorCode::FileUnwritable);
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(names_in(parent.path()).is_empty());
    }

    #[test]
    fn without_hard_links_the_final_name_is_reserved_first_and_nothing_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), b"mine").unwrap();
        fs::write(dir.path().join(".a.txt.part"), b"theirs").unwrap();
        let saved = reserve_and_rename(&dir.path().join(".a.txt.part"), dir.path(), "a.txt").unwrap();
        assert_eq!(saved, dir.path().join("a (1).txt"));
        assert_eq!(fs::read(&saved).unwrap(), b"theirs");
        assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"mine");
        // A partial that vanished leaves no empty reservation behind.
        assert!(reserve_and_rename(&dir.path().join(".gone.part"), dir.path(), "a.txt").is_err());
        assert_eq!(names_in(dir.path()), ["a (1).txt", "a.txt"]);
    }

    #[test]
    fn a_saved_file_gets_the_usual_mode_of_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("reference"), b"").unwrap();
        let mut incoming = Incoming::open(dir.path(), "doc", 1, &sha_hex(b"d"), &Limits::default()).unwrap();
        incoming.write(b"d").unwrap();
        let saved = incoming.finish().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&saved), mode(&dir.path().join("reference")));
    }
}
